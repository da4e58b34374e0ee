//! The break-the-glass warning: shown when a chart the user's role may not normally open is
//! restricted. The user picks a reason, may add a note, and types the password again; the
//! service records the access (which compliance reviews) and then the chart opens.

use crate::domain::Secret;
use crate::domain::break_glass::BreakGlassReason;
use crate::sanitize::sanitize;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakGlassForm {
    pub mrn: String,
    pub reason: usize,
    /// 0 the reason list, 1 the note, 2 the password.
    pub focus: usize,
    pub note: TextInput,
    pub password: TextInput,
    problem: Option<String>,
}

/// What the form sends once complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreakGlassRequest {
    pub mrn: String,
    pub reason: BreakGlassReason,
    pub note: String,
    pub password: Secret,
}

impl BreakGlassForm {
    pub fn new(mrn: &str) -> BreakGlassForm {
        BreakGlassForm {
            mrn: mrn.to_string(),
            reason: 0,
            focus: 0,
            note: TextInput::new(crate::domain::break_glass::MAX_NOTE),
            password: TextInput::masked(128),
            problem: None,
        }
    }

    pub fn typing(&self) -> bool {
        self.focus > 0
    }

    pub fn has_input(&self) -> bool {
        !self.note.is_empty() || !self.password.is_empty()
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        match self.focus {
            1 => self.note.handle_key(key),
            2 => self.password.handle_key(key),
            _ => false,
        }
    }

    pub fn paste(&mut self, text: &str) {
        // A password is typed, never pasted from a shared clipboard into a shared screen.
        if self.focus == 1 {
            self.note.insert_str(text);
        }
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    /// A refused attempt: the password is cleared and typed again.
    pub fn failed(&mut self) {
        self.password.clear();
        self.focus = 2;
    }

    pub fn on_action(&mut self, action: Action) -> Option<BreakGlassRequest> {
        let reasons = BreakGlassReason::ALL.len();
        match action {
            Action::Up if self.focus == 0 => self.reason = (self.reason + reasons - 1) % reasons,
            Action::Down if self.focus == 0 => self.reason = (self.reason + 1) % reasons,
            Action::NextField => self.focus = (self.focus + 1) % 3,
            Action::PrevField => self.focus = (self.focus + 2) % 3,
            Action::Submit if self.focus < 2 => self.focus += 1,
            Action::Submit => {
                let reason = BreakGlassReason::ALL[self.reason % reasons];
                if reason == BreakGlassReason::Other && self.note.value().trim().is_empty() {
                    self.problem =
                        Some("With \"other\", say in the note what the reason is.".into());
                    self.focus = 1;
                } else if self.password.is_empty() {
                    self.problem = Some("Type your password again to break the glass.".into());
                } else {
                    return Some(BreakGlassRequest {
                        mrn: self.mrn.clone(),
                        reason,
                        note: self.note.value().to_string(),
                        password: Secret::from(self.password.value()),
                    });
                }
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, minutes: u32) {
        let block = theme.panel("Restricted chart — break the glass");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let reasons = BreakGlassReason::ALL.len() as u16;
        let [warning, list, _gap, note, password, help] = Layout::vertical([
            Constraint::Length(3),
            Constraint::Length(reasons + 1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(
                    format!(
                        "Chart {} is restricted. Your role opens it only for a stated reason.",
                        sanitize(&self.mrn)
                    ),
                    theme.status_warning,
                ),
                Line::styled(
                    format!(
                        "Access lasts {minutes} minutes, for you and this patient only. It is \
                         recorded and reviewed by compliance."
                    ),
                    theme.text,
                ),
            ])
            .wrap(Wrap { trim: true }),
            warning,
        );
        let mut lines = vec![Line::styled(
            if theme.ascii {
                "Reason (Up/Down to choose):"
            } else {
                "Reason (↑↓ to choose):"
            },
            if self.focus == 0 {
                theme.focus
            } else {
                theme.title
            },
        )];
        for (i, r) in BreakGlassReason::ALL.iter().enumerate() {
            let chosen = i == self.reason;
            lines.push(Line::from(vec![
                Span::raw(match (chosen, theme.ascii) {
                    (true, false) => " (•) ",
                    (true, true) => " (*) ",
                    _ => " ( ) ",
                }),
                Span::styled(
                    r.label(),
                    if chosen && self.focus == 0 {
                        theme.selected
                    } else {
                        theme.text
                    },
                ),
            ]));
        }
        frame.render_widget(Paragraph::new(lines), list);
        let row = |r: Rect| Rect {
            width: r.width.min(70),
            ..r
        };
        let fields: Vec<(Rect, &TextInput, &str)> = vec![
            (row(note), &self.note, "Note"),
            (row(password), &self.password, "Password"),
        ];
        // While the reason list has focus, neither field does.
        let field_focus = self.focus.checked_sub(1).unwrap_or(usize::MAX);
        draw_form(frame, &fields, field_focus, theme);
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Enter moves on and, on the password, opens the chart. Esc leaves it closed.",
                theme.muted,
            ))
            .wrap(Wrap { trim: true }),
            help,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_needs_a_password_and_a_note_for_other() {
        let mut f = BreakGlassForm::new("00012345");
        // Choose "other" (the last reason) by going up from the first.
        assert_eq!(f.on_action(Action::Up), None);
        assert_eq!(BreakGlassReason::ALL[f.reason], BreakGlassReason::Other);
        f.focus = 2;
        f.password.set("pw");
        assert_eq!(f.on_action(Action::Submit), None);
        assert!(f.problem().unwrap().contains("say in the note"));
        assert_eq!(f.focus, 1);
        f.note.set("records request from the court");
        f.focus = 2;
        let sent = f.on_action(Action::Submit).unwrap();
        assert_eq!(sent.reason, BreakGlassReason::Other);
        assert_eq!(sent.note, "records request from the court");
        f.failed();
        assert!(f.password.is_empty());
        assert_eq!(f.on_action(Action::Submit), None);
        assert!(f.problem().unwrap().contains("password again"));
    }
}
