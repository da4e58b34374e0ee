//! The chart's Summary tab: active problems and diagnoses, allergies, medications and
//! immunizations, one section each, scrolled as one list (Up/Down, PgUp/PgDn, Home/End) when
//! they do not fit. Severe or high-criticality allergies are drawn in the error style. Every
//! string from data is sanitised and fitted by display columns.

use crate::domain::clinical::{
    AllergyListStatus, AllergyStatus, ClinicalSummary, ImmunizationStatus, MedicationStatus,
    ProblemStatus, fit,
};
use crate::sanitize::sanitize;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::cell::Cell;
use unicode_width::UnicodeWidthStr;

/// The tab's scroll position. The largest useful top line is learnt when drawing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SummaryTab {
    pub top: usize,
    max_top: Cell<usize>,
}

/// Which look a line has; the theme turns it into a style when drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Heading,
    Text,
    Muted,
    Warning,
    Danger,
}

/// One screen line of the summary: styled pieces, already fitted to the width.
type SummaryLine = Vec<(String, Look)>;

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(
        || "          ".to_string(),
        |d| d.format("%Y-%m-%d").to_string(),
    )
}

/// `s` sanitised, cut and padded to exactly `width` columns.
fn cell(s: &str, width: usize) -> String {
    let s = fit(&sanitize(s), width);
    let pad = width.saturating_sub(s.width());
    format!("{s}{}", " ".repeat(pad))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The whole summary as lines `width` columns wide.
fn summary_lines(s: &ClinicalSummary, width: usize) -> Vec<SummaryLine> {
    let mut out: Vec<SummaryLine> = Vec::new();
    let heading = |text: String| vec![(text, Look::Heading)];
    // Columns: a space, a 9-column status, the text, and a date at the right.
    let flex = width.saturating_sub(1 + 9 + 1 + 1 + 10);

    let active = s.active_problems().count();
    out.push(heading(format!(
        "Problems and diagnoses — {} active, {} in all",
        active,
        s.problems.len()
    )));
    if s.problems.is_empty() {
        out.push(vec![(" No problems recorded".into(), Look::Muted)]);
    }
    for p in &s.problems {
        let look = if p.status == ProblemStatus::Active {
            Look::Text
        } else {
            Look::Muted
        };
        let code = if p.code.is_empty() {
            String::new()
        } else {
            format!(" {}", p.code)
        };
        let text_width = flex.saturating_sub(code.width());
        out.push(vec![(
            format!(
                " {} {}{} {}",
                cell(p.status.label(), 9),
                cell(&p.display, text_width),
                sanitize(&code),
                date(p.onset)
            ),
            look,
        )]);
    }

    let allergies = match s.allergy_status {
        AllergyListStatus::NotRecorded => "Allergies — not recorded".to_string(),
        AllergyListStatus::NoKnownAllergies => "Allergies — no known allergies (NKA)".to_string(),
        AllergyListStatus::NoActiveAllergies => "Allergies — none active".to_string(),
        AllergyListStatus::Allergies => format!(
            "Allergies — {}",
            plural(s.active_allergies().count(), "active", "active")
        ),
    };
    out.push(heading(allergies));
    match s.allergy_status {
        AllergyListStatus::NotRecorded if s.allergies.is_empty() => out.push(vec![(
            " Nobody has recorded allergies or their absence: ask the patient.".into(),
            Look::Warning,
        )]),
        AllergyListStatus::NoKnownAllergies if s.allergies.is_empty() => out.push(vec![(
            " The patient reports no known allergies.".into(),
            Look::Muted,
        )]),
        _ => {}
    }
    for a in &s.allergies {
        let active = a.status == AllergyStatus::Active;
        let look = match (active, a.is_dangerous()) {
            (false, _) => Look::Muted,
            (true, true) => Look::Danger,
            (true, false) => Look::Text,
        };
        let severity = a.severity.map_or("severity ?", |s| s.label());
        let status = if active { severity } else { a.status.label() };
        let detail = format!(
            "{} — {}, criticality {}",
            a.substance.trim(),
            a.reaction.as_deref().unwrap_or("reaction not recorded"),
            a.criticality.label()
        );
        out.push(vec![(
            format!(
                " {} {} {}",
                cell(status, 9),
                cell(&detail, flex),
                date(a.recorded)
            ),
            look,
        )]);
    }

    out.push(heading(format!(
        "Medications — {} active, {} in all",
        s.active_medications().count(),
        s.medications.len()
    )));
    if s.medications.is_empty() {
        out.push(vec![(" No medications recorded".into(), Look::Muted)]);
    }
    for m in &s.medications {
        let look = if m.status == MedicationStatus::Active {
            Look::Text
        } else {
            Look::Muted
        };
        let mut text = m.medication.trim().to_string();
        if !m.dosage.trim().is_empty() {
            text.push_str(" — ");
            text.push_str(m.dosage.trim());
        }
        if let Some(p) = &m.prescriber {
            text.push_str(" (");
            text.push_str(p.trim());
            text.push(')');
        }
        out.push(vec![(
            format!(
                " {} {} {}",
                cell(m.status.label(), 9),
                cell(&text, flex),
                date(m.start)
            ),
            look,
        )]);
    }

    out.push(heading(format!(
        "Immunizations — {}",
        plural(s.immunizations.len(), "recorded", "recorded")
    )));
    if s.immunizations.is_empty() {
        out.push(vec![(" No immunizations recorded".into(), Look::Muted)]);
    }
    for i in &s.immunizations {
        let (status, look) = match i.status {
            ImmunizationStatus::Completed => ("given", Look::Text),
            ImmunizationStatus::NotDone => ("not done", Look::Muted),
        };
        let text = match &i.cvx {
            Some(cvx) => format!("{} (CVX {})", i.vaccine.trim(), cvx.trim()),
            None => i.vaccine.trim().to_string(),
        };
        out.push(vec![(
            format!(
                " {} {} {}",
                cell(status, 9),
                cell(&text, flex),
                date(Some(i.date))
            ),
            look,
        )]);
    }
    out
}

impl SummaryTab {
    pub fn on_action(&mut self, action: Action, page: usize) {
        let max = self.max_top.get();
        self.top = match action {
            Action::Up => self.top.saturating_sub(1),
            Action::Down => self.top + 1,
            Action::PageUp => self.top.saturating_sub(page),
            Action::PageDown => self.top + page,
            Action::Home => 0,
            Action::End => max,
            _ => self.top,
        }
        .min(max);
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        summary: Option<&ClinicalSummary>,
    ) {
        let Some(summary) = summary else {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "The clinical summary is not available for this chart.",
                    theme.muted,
                )),
                area,
            );
            return;
        };
        let width = usize::from(area.width);
        let height = usize::from(area.height);
        let lines = summary_lines(summary, width);
        // When it does not fit, the last row says where the view is.
        let (room, overflow) = if lines.len() > height {
            (height.saturating_sub(1), true)
        } else {
            (height, false)
        };
        let max_top = lines.len().saturating_sub(room);
        self.max_top.set(max_top);
        let top = self.top.min(max_top);
        let style = |look: Look| -> Style {
            match look {
                Look::Heading => theme.title,
                Look::Text => theme.text,
                Look::Muted => theme.muted,
                Look::Warning => theme.text.patch(theme.status_warning),
                Look::Danger => theme.text.patch(theme.status_error),
            }
        };
        let mut shown: Vec<Line> = lines
            .iter()
            .skip(top)
            .take(room)
            .map(|l| {
                Line::from(
                    l.iter()
                        .map(|(t, look)| Span::styled(fit(t, width), style(*look)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        if overflow {
            let (up, down) = if theme.ascii {
                ("^", "v")
            } else {
                ("▲", "▼")
            };
            let last = (top + room).min(lines.len());
            let marks = format!(
                "{}{} lines {}–{} of {} (Up/Down, PgUp/PgDn)",
                if top > 0 { up } else { " " },
                if last < lines.len() { down } else { " " },
                top + 1,
                last,
                lines.len()
            );
            let marks = if theme.ascii {
                marks.replace('–', "-")
            } else {
                marks
            };
            shown.push(Line::styled(fit(&marks, width), theme.muted).right_aligned());
        }
        frame.render_widget(Paragraph::new(shown), area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clinical::{
        Allergy, ClinicalItem, Criticality, ICD10CM, Immunization, ItemMeta, Medication,
        NoKnownAllergies, Problem, Severity,
    };
    use chrono::{NaiveDate, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn meta() -> ItemMeta {
        ItemMeta::new(
            "00000018",
            "coder",
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        )
    }

    fn problem(code: &str, display: &str, onset: NaiveDate, status: ProblemStatus) -> ClinicalItem {
        ClinicalItem::Problem(Problem {
            meta: meta(),
            code_system: ICD10CM.into(),
            code: code.into(),
            display: display.into(),
            onset: Some(onset),
            status,
        })
    }

    fn allergy(substance: &str, reaction: &str, severity: Severity, high: bool) -> ClinicalItem {
        ClinicalItem::Allergy(Allergy {
            meta: meta(),
            substance: substance.into(),
            reaction: Some(reaction.into()),
            severity: Some(severity),
            criticality: if high {
                Criticality::High
            } else {
                Criticality::Low
            },
            status: AllergyStatus::Active,
            recorded: Some(d(2022, 5, 1)),
        })
    }

    fn medication(name: &str, dosage: &str, status: MedicationStatus) -> ClinicalItem {
        ClinicalItem::Medication(Medication {
            meta: meta(),
            medication: name.into(),
            dosage: dosage.into(),
            status,
            start: Some(d(2021, 3, 4)),
            prescriber: Some("Dr. K. Osei".into()),
        })
    }

    fn shot(vaccine: &str, cvx: &str, date: NaiveDate, status: ImmunizationStatus) -> ClinicalItem {
        ClinicalItem::Immunization(Immunization {
            meta: meta(),
            vaccine: vaccine.into(),
            cvx: Some(cvx.into()),
            date,
            status,
        })
    }

    pub(crate) fn full() -> ClinicalSummary {
        use MedicationStatus::{Active as Taking, Completed};
        use ProblemStatus::{Active, Resolved};
        ClinicalSummary::from_items([
            problem(
                "E11.9",
                "Type 2 diabetes mellitus without complications",
                d(2021, 3, 4),
                Active,
            ),
            problem(
                "I10",
                "Essential (primary) hypertension",
                d(2019, 7, 1),
                Active,
            ),
            problem(
                "J18.9",
                "Pneumonia, unspecified organism",
                d(2024, 1, 9),
                Resolved,
            ),
            allergy("penicillin", "anaphylaxis", Severity::Severe, true),
            allergy("latex", "contact dermatitis", Severity::Mild, false),
            allergy(
                "Sulfa \u{1b}[2Jdrugs\u{202E}",
                "rash",
                Severity::Moderate,
                false,
            ),
            medication(
                "metformin 500 mg tablet",
                "500 mg by mouth twice daily with meals",
                Taking,
            ),
            medication(
                "lisinopril 10 mg tablet",
                "10 mg by mouth once daily",
                Taking,
            ),
            medication(
                "azithromycin 250 mg tablet",
                "500 mg day 1, then 250 mg daily for 4 days",
                Completed,
            ),
            shot(
                "influenza, injectable, quadrivalent, preservative free",
                "150",
                d(2025, 10, 14),
                ImmunizationStatus::Completed,
            ),
            shot(
                "influenza, injectable, quadrivalent, preservative free",
                "150",
                d(2024, 10, 2),
                ImmunizationStatus::NotDone,
            ),
            shot("Tdap", "115", d(2019, 5, 1), ImmunizationStatus::Completed),
            shot(
                "COVID-19 vaccine, unspecified formulation",
                "213",
                d(2023, 9, 30),
                ImmunizationStatus::Completed,
            ),
        ])
    }

    fn terminal(
        tab: &SummaryTab,
        s: Option<&ClinicalSummary>,
        theme: &Theme,
    ) -> Terminal<TestBackend> {
        crate::ui::test_screen::terminal80(|f| tab.draw(f, f.area(), theme, s))
    }

    fn screen(tab: &SummaryTab, s: Option<&ClinicalSummary>) -> String {
        crate::ui::test_screen::safe_text(&terminal(tab, s, &Theme::default()))
    }

    #[test]
    fn a_full_summary() {
        let tab = SummaryTab::default();
        let s = screen(&tab, Some(&full()));
        assert!(s.contains("2 active, 3 in all"), "{s}");
        assert!(s.contains("Sulfa"), "{s}");
        assert!(!s.contains("[2J"), "{s}");
        insta::assert_snapshot!(s);
    }

    #[test]
    fn an_empty_summary_reads_sensibly() {
        let s = screen(&SummaryTab::default(), Some(&ClinicalSummary::default()));
        for want in [
            "No problems recorded",
            "Allergies — not recorded",
            "No medications recorded",
            "No immunizations recorded",
        ] {
            assert!(s.contains(want), "{want}:\n{s}");
        }
        insta::assert_snapshot!(s);
        let nka = ClinicalSummary::from_items([ClinicalItem::NoKnownAllergies(NoKnownAllergies {
            meta: meta(),
            recorded: None,
            status: AllergyStatus::Active,
        })]);
        let s = screen(&SummaryTab::default(), Some(&nka));
        assert!(s.contains("no known allergies (NKA)"), "{s}");
        assert!(!s.contains("ask the patient"), "{s}");
    }

    #[test]
    fn a_long_summary_scrolls() {
        let mut items = Vec::new();
        for i in 0..30u32 {
            items.push(medication(
                &format!("medication {i:02}"),
                "1 tablet daily",
                MedicationStatus::Active,
            ));
        }
        let s = ClinicalSummary::from_items(items);
        let mut tab = SummaryTab::default();
        let first = screen(&tab, Some(&s));
        assert!(first.contains("lines 1–23 of 37"), "{first}");
        assert!(!first.contains("No immunizations recorded"));
        tab.on_action(Action::Down, 15);
        assert!(screen(&tab, Some(&s)).contains("lines 2–24 of 37"));
        // A page down goes no further than showing the last line.
        tab.on_action(Action::PageDown, 15);
        let end = screen(&tab, Some(&s));
        assert!(end.contains("lines 15–37 of 37"), "{end}");
        assert!(end.contains("No immunizations recorded"), "{end}");
        tab.on_action(Action::Home, 15);
        tab.on_action(Action::End, 15);
        assert_eq!(tab.top, 14);
        // Already at the end: Down stays, Up moves at once.
        let at_end = tab.top;
        tab.on_action(Action::Down, 15);
        assert_eq!(tab.top, at_end);
        tab.on_action(Action::Up, 15);
        assert_eq!(tab.top, at_end - 1);
        tab.on_action(Action::Home, 15);
        assert_eq!(tab.top, 0);
    }

    #[test]
    fn severe_allergies_use_the_error_style() {
        let theme = Theme::load("default", false, false).unwrap();
        let t = terminal(&SummaryTab::default(), Some(&full()), &theme);
        let buf = t.backend().buffer();
        let row_of = |needle: &str| {
            (0..24u16)
                .find(|&y| {
                    let row: String = (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect();
                    row.contains(needle)
                })
                .unwrap()
        };
        let colour = |c: Option<Color>| c.unwrap_or(Color::Reset);
        let want = theme.text.patch(theme.status_error);
        let severe = buf[(2, row_of("penicillin"))].style();
        assert_eq!(colour(severe.fg), colour(want.fg));
        let mild = buf[(2, row_of("latex"))].style();
        assert_ne!(colour(mild.fg), colour(want.fg));
    }
}
