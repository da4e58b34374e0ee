//! The chart's Codes tab: each encounter's coding status and its codes (principal first, with
//! POA on inpatient stays and the title from the code set of the encounter's date). Billing
//! reads it too; restricted encounters are counted, not shown.

use crate::codes::CodeSystem;
use crate::codes::check::display;
use crate::domain::coding::CodingStatus;
use crate::sanitize::sanitize;
use crate::service::ChartCodes;
use crate::ui::doc_viewer::truncate;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Admitted, type, status, codes, principal: with the gaps and the marker, the 76 columns
/// inside the chart at 80×24.
const WIDTHS: [u16; 5] = [10, 10, 11, 5, 34];
/// Rows kept under the table for the selected encounter's codes.
const DETAILS_ROWS: u16 = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodesTab {
    pub data: ChartCodes,
    pub selected: usize,
}

impl CodesTab {
    pub fn new(data: ChartCodes) -> CodesTab {
        CodesTab { data, selected: 0 }
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> bool {
        crate::ui::list::move_selection(
            &mut self.selected,
            self.data.encounters.len(),
            action,
            page,
        )
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let coded = self
            .data
            .encounters
            .iter()
            .filter(|e| {
                matches!(
                    e.status,
                    CodingStatus::Final | CodingStatus::Validated | CodingStatus::Coded
                )
            })
            .count();
        let mut title = format!(
            "Codes — {} encounter{}, {coded} coded",
            self.data.encounters.len(),
            if self.data.encounters.len() == 1 {
                ""
            } else {
                "s"
            }
        );
        if !self.data.withheld_encounters.is_empty() {
            title.push_str(&format!(
                ", {} restricted not shown",
                self.data.withheld_encounters.len()
            ));
        }
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.data.encounters.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("  No encounters to code.", theme.muted)),
                inner,
            );
            return;
        }
        let [table_area, details_area] =
            crate::ui::list::table_and_details(inner, self.data.encounters.len(), DETAILS_ROWS);
        let ascii = theme.ascii;
        let rows = self.data.encounters.iter().map(|e| {
            let principal = match (e.codes.first(), e.titles.first()) {
                (Some(c), t) => format!(
                    "{} {}",
                    sanitize(&display(c.system, &c.code)),
                    sanitize(t.map_or("", String::as_str))
                ),
                (None, _) => String::new(),
            };
            let style = match e.status {
                CodingStatus::Final => theme.text,
                CodingStatus::OnHold => theme.status_warning,
                _ => theme.muted,
            };
            Row::new(vec![
                Cell::from(e.admitted.format("%Y-%m-%d").to_string()),
                Cell::from(e.class.label()),
                Cell::from(e.status.label()),
                Cell::from(format!("{:>5}", e.codes.len())),
                Cell::from(truncate(&principal, usize::from(WIDTHS[4]), ascii)),
            ])
            .style(style)
        });
        let table = Table::new(rows, WIDTHS.map(Constraint::Length)).header(
            Row::new(["Admitted", "Type", "Status", "Codes", "Principal"]).style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        let Some(e) = self.data.encounters.get(self.selected) else {
            return;
        };
        let text_area = crate::ui::list::details_rule(
            frame,
            details_area,
            theme,
            format!(" Encounter {} ", sanitize(&e.encounter_id)),
        );
        let mut lines = Vec::new();
        if e.codes.is_empty() {
            lines.push(Line::styled(
                format!("{}: no codes assigned yet.", e.status.label()),
                theme.muted,
            ));
        }
        for (i, c) in e.codes.iter().enumerate() {
            let role = match (i, c.system) {
                (0, CodeSystem::Icd10Cm) => "principal ",
                (_, CodeSystem::Icd10Cm) => "secondary ",
                _ => "procedure ",
            };
            let poa = c
                .poa
                .map_or(String::new(), |p| format!(" POA {}", p.letter()));
            lines.push(Line::from(vec![
                Span::styled(role, theme.muted),
                Span::styled(
                    format!("{:<9}", sanitize(&display(c.system, &c.code))),
                    theme.title,
                ),
                Span::styled(
                    sanitize(e.titles.get(i).map_or("", String::as_str)).into_owned(),
                    theme.text,
                ),
                Span::styled(poa, theme.muted),
            ]));
        }
        if let Some(by) = &e.coded_by {
            lines.push(Line::styled(
                format!(
                    "Coded by {} (list version {}).",
                    sanitize(by),
                    e.code_version
                ),
                theme.muted,
            ));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text_area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::validate::{AssignedCode, Poa};
    use crate::domain::EncounterClass;
    use crate::service::EncounterCodes;
    use chrono::NaiveDate;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn cm(code: &str, poa: Option<Poa>) -> AssignedCode {
        AssignedCode {
            system: CodeSystem::Icd10Cm,
            code: code.into(),
            poa,
        }
    }

    #[test]
    fn codes_per_encounter_at_80x24() {
        let data = ChartCodes {
            encounters: vec![
                EncounterCodes {
                    encounter_id: "E000000012".into(),
                    class: EncounterClass::Inpatient,
                    admitted: d(9, 1),
                    discharged: Some(d(9, 4)),
                    status: CodingStatus::Final,
                    codes: vec![
                        cm("J189", Some(Poa::Y)),
                        cm("E1122", Some(Poa::Y)),
                        cm("N183\u{1b}[2J", None),
                    ],
                    code_version: 2,
                    coded_by: Some("coder".into()),
                    titles: vec![
                        "Pneumonia, unspecified organism".into(),
                        "Type 2 diabetes mellitus with diabetic chronic kidney disease".into(),
                        String::new(),
                    ],
                },
                EncounterCodes {
                    encounter_id: "E000000013".into(),
                    class: EncounterClass::Outpatient,
                    admitted: d(11, 20),
                    discharged: Some(d(11, 20)),
                    status: CodingStatus::Uncoded,
                    codes: vec![],
                    code_version: 0,
                    coded_by: None,
                    titles: vec![],
                },
            ],
            withheld_encounters: vec!["E000000099".into()],
        };
        let tab = CodesTab::new(data);
        let theme = Theme::default();
        let t = crate::ui::test_screen::terminal80(|f| tab.draw(f, f.area(), &theme));
        let s = crate::ui::test_screen::safe_text(&t);
        assert!(
            s.contains("2 encounters, 1 coded, 1 restricted not shown"),
            "{s}"
        );
        assert!(
            s.contains("principal J18.9    Pneumonia, unspecified organism POA Y"),
            "{s}"
        );
        assert!(
            !s.contains("[2J"),
            "an escape sequence in a code is one mark: {s}"
        );
        insta::assert_snapshot!(s);
    }
}
