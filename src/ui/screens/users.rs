//! Users (F7): supervisors unlock accounts; administrators also deactivate, reactivate and set
//! temporary passwords. The service decides; this screen only offers what it may ask.

use crate::domain::Secret;
use crate::domain::role::roles_label;
use crate::domain::user::{UserStatus, UserSummary};
use crate::sanitize::sanitize;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState};

/// What the screen asks the service to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRequest {
    SetLocked { username: String, locked: bool },
    SetActive { username: String, active: bool },
    ResetPassword { username: String, temporary: Secret },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetForm {
    pub username: String,
    fields: [TextInput; 2],
    focus: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UsersView {
    pub users: Vec<UserSummary>,
    pub selected: usize,
    pub reset: Option<ResetForm>,
    /// A message for the status line, taken by the app after an action.
    problem: Option<String>,
}

fn state_label(u: &UserSummary) -> String {
    match (u.status, u.locked, u.failed_logins) {
        (UserStatus::Deactivated, _, _) => "deactivated".into(),
        (_, true, _) => "LOCKED".into(),
        (_, false, 0) => "active".into(),
        (_, false, n) => format!("active, {n} fail"),
    }
}

impl UsersView {
    pub fn set_users(&mut self, users: Vec<UserSummary>) {
        self.users = users;
        self.selected = self.selected.min(self.users.len().saturating_sub(1));
    }

    pub fn selected_user(&self) -> Option<&UserSummary> {
        self.users.get(self.selected)
    }

    pub fn has_input(&self) -> bool {
        self.reset
            .as_ref()
            .is_some_and(|r| r.fields.iter().any(|f| !f.is_empty()))
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        match &mut self.reset {
            Some(r) => r.fields[r.focus].handle_key(key),
            None => false,
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(r) = &mut self.reset {
            r.fields[r.focus].insert_str(text);
        }
    }

    pub fn close_form(&mut self) {
        self.reset = None;
    }

    /// The service refused the temporary password: clear it for another try.
    pub fn form_refused(&mut self) {
        if let Some(r) = &mut self.reset {
            r.fields[0].clear();
            r.fields[1].clear();
            r.focus = 0;
        }
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<UserRequest> {
        if let Some(r) = &mut self.reset {
            match action {
                Action::NextField | Action::PrevField | Action::Up | Action::Down => {
                    r.focus = 1 - r.focus
                }
                Action::Submit if r.focus == 0 => r.focus = 1,
                Action::Submit if r.fields[0].value() != r.fields[1].value() => {
                    self.problem = Some("The two passwords differ; type them again.".into());
                    r.fields[0].clear();
                    r.fields[1].clear();
                    r.focus = 0;
                }
                Action::Submit => {
                    // The form stays open until the service accepts the password.
                    return Some(UserRequest::ResetPassword {
                        username: r.username.clone(),
                        temporary: Secret::from(r.fields[0].value()),
                    });
                }
                _ => {}
            }
            return None;
        }
        if crate::ui::list::move_selection(&mut self.selected, self.users.len(), action, page) {
            return None;
        }
        match action {
            Action::ToggleLock => {
                let u = self.selected_user()?;
                return Some(UserRequest::SetLocked {
                    username: u.username.clone(),
                    locked: !u.locked,
                });
            }
            Action::ToggleActive => {
                let u = self.selected_user()?;
                return Some(UserRequest::SetActive {
                    username: u.username.clone(),
                    active: u.status == UserStatus::Deactivated,
                });
            }
            Action::ResetPassword => {
                let username = self.selected_user()?.username.clone();
                self.reset = Some(ResetForm {
                    username,
                    fields: [TextInput::masked(128), TextInput::masked(128)],
                    focus: 0,
                });
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let block = theme.panel(format!("Users ({})", self.users.len()));
        let rows = self.users.iter().map(|u| {
            let last = u.last_login.map_or_else(
                || "never".to_string(),
                |t| t.format("%Y-%m-%d %H:%M").to_string(),
            );
            let state = state_label(u);
            let state_style = if u.locked || u.status == UserStatus::Deactivated {
                theme.status_warning
            } else {
                theme.text
            };
            Row::new(vec![
                Cell::from(sanitize(&u.username).into_owned()),
                Cell::from(sanitize(&u.full_name).into_owned()),
                Cell::from(roles_label(&u.roles)),
                Cell::from(Span::styled(state, state_style)),
                Cell::from(last),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(11),
                Constraint::Length(18),
                Constraint::Length(14),
                Constraint::Length(14),
                Constraint::Length(16),
            ],
        )
        .header(Row::new(["User", "Name", "Roles", "State", "Last login (UTC)"]).style(theme.title))
        .block(block);
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
        if let Some(r) = &self.reset {
            let form = Rect {
                x: area.x + 4,
                y: area.bottom().saturating_sub(7),
                width: area.width.saturating_sub(8).min(64),
                height: 6.min(area.height),
            };
            frame.render_widget(Clear, form);
            let b = theme.alert_panel(format!("Temporary password for {}", sanitize(&r.username)));
            let inner = b.inner(form);
            frame.render_widget(b, form);
            let [one, two, _, note] = Layout::vertical([Constraint::Length(1); 4]).areas(inner);
            draw_form(
                frame,
                &[
                    (one, &r.fields[0], "Temporary"),
                    (two, &r.fields[1], "Again"),
                ],
                r.focus,
                theme,
            );
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "They must choose their own at next login.",
                    theme.muted,
                )),
                note,
            );
        }
    }
}
