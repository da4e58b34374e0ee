//! Compliance's flag form (`f` in the chart): a category or "none", and the reason, for the
//! chart or — on the Encounters tab — the selected encounter. The service decides who may
//! (SetSensitivity) and records the change with the reason; this form only collects it.

use crate::domain::Sensitivity;
use crate::sanitize::sanitize;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

/// Longest reason the form takes (the trail keeps the first 200 characters).
const MAX_REASON: usize = 200;

/// What is being flagged, at the version the clerk saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlagTarget {
    Chart {
        mrn: String,
        version: u64,
    },
    Encounter {
        mrn: String,
        id: String,
        version: u64,
        /// How the form names it: the admission date.
        admitted: chrono::NaiveDate,
    },
}

impl FlagTarget {
    pub fn mrn(&self) -> &str {
        match self {
            FlagTarget::Chart { mrn, .. } | FlagTarget::Encounter { mrn, .. } => mrn,
        }
    }
}

/// What the form sends once complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagRequest {
    pub target: FlagTarget,
    pub sensitivity: Option<Sensitivity>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SensitivityForm {
    pub target: FlagTarget,
    /// 0 is "none", then `Sensitivity::ALL` in order.
    pub choice: usize,
    /// 0 the category list, 1 the reason.
    pub focus: usize,
    pub reason: TextInput,
    problem: Option<String>,
}

const CHOICES: usize = Sensitivity::ALL.len() + 1;

fn choice_of(s: Option<Sensitivity>) -> usize {
    s.and_then(|s| Sensitivity::ALL.iter().position(|x| *x == s))
        .map_or(0, |i| i + 1)
}

fn sensitivity_at(choice: usize) -> Option<Sensitivity> {
    choice
        .checked_sub(1)
        .and_then(|i| Sensitivity::ALL.get(i).copied())
}

impl SensitivityForm {
    /// The form with the current flag chosen.
    pub fn new(target: FlagTarget, current: Option<Sensitivity>) -> SensitivityForm {
        SensitivityForm {
            target,
            choice: choice_of(current),
            focus: 0,
            reason: TextInput::new(MAX_REASON),
            problem: None,
        }
    }

    pub fn typing(&self) -> bool {
        self.focus == 1
    }

    pub fn has_input(&self) -> bool {
        !self.reason.is_empty()
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        self.focus == 1 && self.reason.handle_key(key)
    }

    pub fn paste(&mut self, text: &str) {
        if self.focus == 1 {
            self.reason.insert_str(text);
        }
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    pub fn on_action(&mut self, action: Action) -> Option<FlagRequest> {
        match action {
            Action::Up if self.focus == 0 => self.choice = (self.choice + CHOICES - 1) % CHOICES,
            Action::Down if self.focus == 0 => self.choice = (self.choice + 1) % CHOICES,
            Action::NextField | Action::PrevField => self.focus = 1 - self.focus.min(1),
            Action::Submit if self.focus == 0 => self.focus = 1,
            Action::Submit if self.reason.value().trim().is_empty() => {
                self.problem = Some("Say why the flag changes; the reason is recorded.".into());
            }
            Action::Submit => {
                return Some(FlagRequest {
                    target: self.target.clone(),
                    sensitivity: sensitivity_at(self.choice),
                    reason: self.reason.value().trim().to_string(),
                });
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let title = match &self.target {
            FlagTarget::Chart { mrn, .. } => format!("Sensitivity — chart {}", sanitize(mrn)),
            FlagTarget::Encounter { id, admitted, .. } => format!(
                "Sensitivity — encounter {} of {}",
                sanitize(id),
                admitted.format("%Y-%m-%d")
            ),
        };
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [list, _gap, reason, help] = Layout::vertical([
            Constraint::Length(CHOICES as u16 + 1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let mut lines = vec![Line::styled(
            if theme.ascii {
                "Category (Up/Down to choose):"
            } else {
                "Category (↑↓ to choose):"
            },
            if self.focus == 0 {
                theme.focus
            } else {
                theme.title
            },
        )];
        for i in 0..CHOICES {
            let chosen = i == self.choice;
            let label = sensitivity_at(i).map_or("none (not restricted)", Sensitivity::label);
            lines.push(Line::from(vec![
                Span::raw(match (chosen, theme.ascii) {
                    (true, false) => " (•) ",
                    (true, true) => " (*) ",
                    _ => " ( ) ",
                }),
                Span::styled(
                    label,
                    if chosen && self.focus == 0 {
                        theme.selected
                    } else {
                        theme.text
                    },
                ),
            ]));
        }
        frame.render_widget(Paragraph::new(lines), list);
        let row = Rect {
            width: reason.width.min(70),
            ..reason
        };
        let field_focus = if self.focus == 1 { 0 } else { usize::MAX };
        draw_form(frame, &[(row, &self.reason, "Reason")], field_focus, theme);
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Enter moves on and, on the reason, saves (recorded with the reason). Esc \
                 leaves the flag as it is.",
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
    fn the_form_starts_on_the_current_flag_and_needs_a_reason() {
        let target = FlagTarget::Chart {
            mrn: "00012345".into(),
            version: 3,
        };
        let mut f = SensitivityForm::new(target.clone(), Some(Sensitivity::Hiv));
        assert_eq!(sensitivity_at(f.choice), Some(Sensitivity::Hiv));
        // Down past the last category wraps to "none".
        f.on_action(Action::Down);
        f.on_action(Action::Down);
        assert_eq!(sensitivity_at(f.choice), None);
        assert_eq!(
            f.on_action(Action::Submit),
            None,
            "Enter moves to the reason"
        );
        assert!(f.typing());
        assert_eq!(f.on_action(Action::Submit), None);
        assert!(f.problem().unwrap().contains("Say why"));
        f.reason.set("  flagged in error ");
        assert_eq!(
            f.on_action(Action::Submit),
            Some(FlagRequest {
                target,
                sensitivity: None,
                reason: "flagged in error".into(),
            })
        );
    }
}
