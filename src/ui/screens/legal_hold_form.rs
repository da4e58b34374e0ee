//! Compliance's legal-hold form (`L` in the chart): a chart not on hold takes the matter it is
//! held for and the reason; a held chart shows its hold and takes the reason for releasing
//! it. The service decides who may (ManageLegalHolds) and records the change.

use crate::domain::patient::{LegalHold, Patient};
use crate::sanitize::sanitize;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

const MAX_REASON: usize = 200;

/// What the form sends: a hold for `matter`, or its release (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRequest {
    pub mrn: String,
    pub version: u64,
    pub matter: Option<String>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalHoldForm {
    mrn: String,
    version: u64,
    /// The hold in force, when the form releases it.
    current: Option<LegalHold>,
    matter: TextInput,
    reason: TextInput,
    /// 0 the matter (placing only), 1 the reason.
    focus: usize,
    problem: Option<String>,
}

impl LegalHoldForm {
    pub fn new(p: &Patient) -> LegalHoldForm {
        LegalHoldForm {
            mrn: p.mrn.clone(),
            version: p.version,
            current: p.legal_hold.clone(),
            matter: TextInput::new(LegalHold::MAX_MATTER),
            reason: TextInput::new(MAX_REASON),
            focus: if p.legal_hold.is_some() { 1 } else { 0 },
            problem: None,
        }
    }

    fn field(&mut self) -> &mut TextInput {
        if self.focus == 0 {
            &mut self.matter
        } else {
            &mut self.reason
        }
    }

    /// Every field is typed into.
    pub fn typing(&self) -> bool {
        true
    }

    pub fn has_input(&self) -> bool {
        !self.matter.is_empty() || !self.reason.is_empty()
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        self.field().handle_key(key)
    }

    pub fn paste(&mut self, text: &str) {
        self.field().insert_str(text);
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    pub fn on_action(&mut self, action: Action) -> Option<HoldRequest> {
        let placing = self.current.is_none();
        match action {
            Action::NextField | Action::PrevField if placing => self.focus = 1 - self.focus,
            Action::Submit if self.focus == 0 => self.focus = 1,
            Action::Submit | Action::Save => {
                let matter = placing.then(|| self.matter.value().trim().to_string());
                if let Some(Err(why)) = matter.as_deref().map(LegalHold::check_matter) {
                    self.problem = Some(format!("Matter: {why}."));
                    self.focus = 0;
                } else if self.reason.value().trim().is_empty() {
                    self.problem = Some("Say why; the reason is recorded with the hold.".into());
                    self.focus = 1;
                } else {
                    return Some(HoldRequest {
                        mrn: self.mrn.clone(),
                        version: self.version,
                        matter,
                        reason: self.reason.value().trim().to_string(),
                    });
                }
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let block = theme.panel(format!("Legal hold — chart {}", sanitize(&self.mrn)));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [about, _gap, first, second, _gap2, help] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let narrow = |r: Rect| Rect {
            width: r.width.min(76),
            ..r
        };
        let text = match &self.current {
            None => "Place a hold when the records are evidence in a legal matter: they are \
                     kept exactly as they are, and the chart cannot be merged until released."
                .to_string(),
            Some(h) => format!(
                "Held for {} since {} by {}. Release it when counsel says the matter is closed.",
                sanitize(&h.matter),
                h.placed_at.format("%Y-%m-%d"),
                sanitize(&h.placed_by)
            ),
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.text)).wrap(Wrap { trim: true }),
            about,
        );
        match &self.current {
            None => draw_form(
                frame,
                &[
                    (narrow(first), &self.matter, "Matter"),
                    (narrow(second), &self.reason, "Reason"),
                ],
                self.focus,
                theme,
            ),
            Some(_) => draw_form(
                frame,
                &[(narrow(first), &self.reason, "Reason to release")],
                0,
                theme,
            ),
        }
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Tab moves between fields; Enter on the reason saves (recorded with the \
                 reason). Esc leaves the chart as it is.",
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
    use crate::domain::patient::{NewPatient, Sex};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn patient(hold: Option<&str>) -> Patient {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let mut p = Patient::from_new(
            "00012345".into(),
            &NewPatient {
                family_name: "Ferreira".into(),
                given_names: vec!["Ana".into()],
                dob: NaiveDate::from_ymd_opt(1970, 1, 2).unwrap(),
                sex: Sex::Female,
                address: None,
                phone: None,
                ssn: None,
                details: Default::default(),
            },
            at,
            "registrar",
        );
        // Built directly: stored data may hold what the form itself would refuse.
        p.legal_hold = hold.map(|m| LegalHold {
            matter: m.into(),
            placed_by: "compliance".into(),
            placed_at: at,
        });
        p.version = 3;
        p
    }

    #[test]
    fn placing_needs_a_matter_and_a_reason() {
        let mut f = LegalHoldForm::new(&patient(None));
        assert_eq!(
            f.on_action(Action::Submit),
            None,
            "Enter moves to the reason"
        );
        assert_eq!(f.on_action(Action::Submit), None);
        assert!(f.problem().unwrap().starts_with("Matter: name the matter"));
        f.matter.set(" Doe v. County Hospital ");
        f.on_action(Action::NextField);
        assert_eq!(f.on_action(Action::Submit), None);
        assert!(f.problem().unwrap().contains("Say why"));
        f.reason
            .set("litigation hold letter from counsel, 2026-11-30");
        assert_eq!(
            f.on_action(Action::Submit),
            Some(HoldRequest {
                mrn: "00012345".into(),
                version: 3,
                matter: Some("Doe v. County Hospital".into()),
                reason: "litigation hold letter from counsel, 2026-11-30".into(),
            })
        );
    }

    #[test]
    fn releasing_asks_only_for_the_reason() {
        let mut f = LegalHoldForm::new(&patient(Some("Doe v. County Hospital")));
        assert!(f.typing());
        f.paste("case settled");
        let sent = f.on_action(Action::Submit).unwrap();
        assert_eq!((sent.matter, sent.reason.as_str()), (None, "case settled"));
    }

    #[test]
    fn the_form_at_80x24() {
        let theme = Theme::default();
        let f = LegalHoldForm::new(&patient(Some("Doe v. County \u{1b}[2JHospital")));
        let t = crate::ui::test_screen::terminal80(|fr| f.draw(fr, fr.area(), &theme));
        let s = crate::ui::test_screen::safe_text(&t);
        assert!(s.contains("Held for Doe v. County"), "{s}");
        assert!(!s.contains('\u{1b}'));
        insta::assert_snapshot!(s);
    }
}
