//! The login screen. Passwords are masked, never echoed, and dropped from memory on failure.

use crate::domain::Secret;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginForm {
    pub username: TextInput,
    pub password: TextInput,
    /// 0 = user name, 1 = password.
    pub focus: usize,
}

impl Default for LoginForm {
    fn default() -> Self {
        LoginForm {
            username: TextInput::new(32),
            password: TextInput::masked(128),
            focus: 0,
        }
    }
}

impl LoginForm {
    pub fn has_input(&self) -> bool {
        !self.username.is_empty() || !self.password.is_empty()
    }

    pub fn prefill_username(&mut self, name: &str) {
        self.username.set(name);
        self.focus = 1;
    }

    fn field(&mut self) -> &mut TextInput {
        if self.focus == 0 {
            &mut self.username
        } else {
            &mut self.password
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        self.field().handle_key(key)
    }

    pub fn paste(&mut self, text: &str) {
        self.field().insert_str(text);
    }

    /// After a refused login: keep the name, clear the password, focus it.
    pub fn failed(&mut self) {
        self.password.clear();
        self.focus = if self.username.is_empty() { 0 } else { 1 };
    }

    /// Ok(Some(credentials)) when the form is submitted.
    pub fn on_action(&mut self, action: Action) -> Result<Option<(String, Secret)>, String> {
        match action {
            Action::NextField | Action::Down | Action::PrevField | Action::Up => {
                self.focus = 1 - self.focus;
                Ok(None)
            }
            Action::Submit if self.focus == 0 && !self.username.is_empty() => {
                self.focus = 1;
                Ok(None)
            }
            Action::Submit if self.username.is_empty() => Err("Type your user name.".into()),
            Action::Submit if self.password.is_empty() => Err("Type your password.".into()),
            Action::Submit => {
                let creds = (
                    self.username.value().trim().to_string(),
                    Secret::from(self.password.value()),
                );
                self.password.clear();
                Ok(Some(creds))
            }
            _ => Ok(None),
        }
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        demo: bool,
        organisation: &str,
    ) {
        let width = 60.min(area.width);
        let height = if demo { 13 } else { 9 }.min(area.height);
        let boxed = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height - height) / 2,
            width,
            height,
        };
        let title = if organisation.is_empty() {
            "Sign in to chartroom".to_string()
        } else {
            format!(
                "Sign in to chartroom — {}",
                crate::sanitize::sanitize(organisation)
            )
        };
        let block = theme.panel(title);
        let inner = block.inner(boxed);
        frame.render_widget(block, boxed);
        let rows = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .split(inner);
        draw_form(
            frame,
            &[
                (rows[1], &self.username, "User name"),
                (rows[3], &self.password, "Password"),
            ],
            self.focus,
            theme,
        );
        let mut lines = vec![Line::styled(
            "Authorised users only. Every access is recorded.",
            theme.muted,
        )];
        if demo {
            lines.push(Line::default());
            lines.push(Line::from(vec![
                Span::styled(" DEMO ", theme.demo),
                Span::styled(" synthetic patients only", theme.muted),
            ]));
            lines.push(Line::styled(
                "Users: registrar coder roi analyst supervisor billing",
                theme.muted,
            ));
            lines.push(Line::styled(
                "clinician compliance auditor admin",
                theme.muted,
            ));
            lines.push(Line::styled(
                "Password: <user name>-demo-password",
                theme.muted,
            ));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), rows[5]);
    }
}
