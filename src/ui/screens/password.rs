//! Change my password: current, new, new again. Forced after an administrator's reset.

use crate::domain::Secret;
use crate::domain::password::MIN_LEN;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordForm {
    pub fields: [TextInput; 3],
    pub focus: usize,
    /// Set after a reset: the user cannot leave until a new password is saved.
    pub forced: bool,
    problem: Option<String>,
}

impl Default for PasswordForm {
    fn default() -> Self {
        PasswordForm {
            fields: [
                TextInput::masked(128),
                TextInput::masked(128),
                TextInput::masked(128),
            ],
            focus: 0,
            forced: false,
            problem: None,
        }
    }
}

const LABELS: [&str; 3] = ["Current", "New password", "New again"];

impl PasswordForm {
    pub fn forced() -> Self {
        PasswordForm {
            forced: true,
            ..Default::default()
        }
    }

    pub fn has_input(&self) -> bool {
        self.fields.iter().any(|f| !f.is_empty())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        self.fields[self.focus].handle_key(key)
    }

    pub fn paste(&mut self, text: &str) {
        self.fields[self.focus].insert_str(text);
    }

    pub fn failed(&mut self) {
        for f in &mut self.fields[1..] {
            f.clear();
        }
        self.fields[0].clear();
        self.focus = 0;
    }

    /// A problem found before anything was sent (mismatch, empty field).
    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    /// Returns (old, new) when the form is complete and submitted.
    pub fn on_action(&mut self, action: Action) -> Option<(Secret, Secret)> {
        match action {
            Action::NextField | Action::Down => self.focus = (self.focus + 1) % 3,
            Action::PrevField | Action::Up => self.focus = (self.focus + 2) % 3,
            Action::Submit if self.focus < 2 => self.focus += 1,
            Action::Submit => {
                let [old, new, again] = &self.fields;
                if old.is_empty() {
                    self.problem = Some("Type your current password.".into());
                    self.focus = 0;
                } else if new.value() != again.value() {
                    self.problem = Some("The two new passwords differ; type them again.".into());
                    self.fields[1].clear();
                    self.fields[2].clear();
                    self.focus = 1;
                } else {
                    return Some((Secret::from(old.value()), Secret::from(new.value())));
                }
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let block = theme.panel("Change my password");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let rows = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .split(inner);
        // Password fields need no more than 60 columns, however wide the terminal.
        let row = |r: Rect| Rect {
            width: r.width.min(60),
            ..r
        };
        let fields: Vec<(Rect, &TextInput, &str)> = (0..3)
            .map(|i| (row(rows[1 + i]), &self.fields[i], LABELS[i]))
            .collect();
        draw_form(frame, &fields, self.focus, theme);
        let mut help = vec![
            Line::styled(
                format!(
                    "At least {MIN_LEN} characters. Several unrelated words make a strong, memorable password."
                ),
                theme.muted,
            ),
            Line::styled(
                "Common passwords, your user name and simple patterns are refused.",
                theme.muted,
            ),
        ];
        if self.forced {
            help.push(Line::default());
            help.push(Line::styled(
                "Your password was reset by an administrator: choose your own to continue.",
                theme.status_warning,
            ));
        }
        frame.render_widget(Paragraph::new(help).wrap(Wrap { trim: true }), rows[6]);
    }
}
