//! F3: the chart of the patient in context. For now the banner and the encounter list that
//! the service returns with a chart open (which it audits); tabs, documents and
//! break-the-glass come with the chart issue.

use crate::domain::patient::{Patient, age_on};
use crate::sanitize::sanitize;
use crate::service::ChartSummary;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartView {
    pub chart: ChartSummary,
    pub selected: usize,
    /// Earlier versions of the demographics, newest first, while the history shows.
    pub history: Option<Vec<Patient>>,
    pub history_scroll: usize,
}

impl ChartView {
    pub fn new(chart: ChartSummary) -> ChartView {
        ChartView {
            chart,
            selected: 0,
            history: None,
            history_scroll: 0,
        }
    }

    pub fn show_history(&mut self, versions: Vec<Patient>) {
        self.history = Some(versions);
        self.history_scroll = 0;
    }

    pub fn on_action(&mut self, action: crate::ui::keymap::Action, page: usize) {
        if let Some(h) = &self.history {
            crate::ui::list::move_selection(&mut self.history_scroll, h.len(), action, page);
            return;
        }
        crate::ui::list::move_selection(
            &mut self.selected,
            self.chart.encounters.len(),
            action,
            page,
        );
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, today: NaiveDate) {
        let p = &self.chart.patient;
        let n = self.chart.encounters.len();
        let block = theme.panel(format!(
            "Chart — {n} encounter{}",
            if n == 1 { "" } else { "s" }
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [banner, flags, table_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let name = format!(
            "{}, {}",
            p.family_name.to_uppercase(),
            p.given_names.join(" ")
        );
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(sanitize(&name).into_owned(), theme.title),
                Span::styled(
                    format!(
                        "   MRN {}   DOB {} ({})   {}",
                        sanitize(&p.mrn),
                        p.dob.format("%Y-%m-%d"),
                        age_on(p.dob, today),
                        p.sex.letter()
                    ),
                    theme.text,
                ),
            ])),
            banner,
        );
        let mut marks = Vec::new();
        if let Some(d) = p.deceased {
            marks.push(format!("DECEASED {}", d.format("%Y-%m-%d")));
        }
        if p.sensitivity.is_some() {
            marks.push("RESTRICTED".to_string());
        }
        if let Some(m) = &p.merged_into {
            marks.push(format!("MERGED into {}", sanitize(m)));
        }
        frame.render_widget(
            Paragraph::new(Line::styled(marks.join("  "), theme.status_warning)),
            flags,
        );
        let rows = self.chart.encounters.iter().map(|e| {
            Row::new(vec![
                Cell::from(e.admitted.format("%Y-%m-%d").to_string()),
                Cell::from(e.discharged.map_or_else(
                    || "in house".to_string(),
                    |d| d.format("%Y-%m-%d").to_string(),
                )),
                Cell::from(e.class.label()),
                Cell::from(sanitize(&e.location).into_owned()),
                Cell::from(sanitize(&e.attending).into_owned()),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Length(11),
                Constraint::Length(20),
                Constraint::Min(10),
            ],
        )
        .header(
            Row::new(["Admitted", "Discharged", "Type", "Location", "Attending"])
                .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default()
            .with_selected((!self.chart.encounters.is_empty()).then_some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        if let Some(h) = &self.history {
            draw_history(frame, table_area, theme, h, self.history_scroll);
        }
    }
}

/// One line per version: when, who, and what that version changed.
pub fn history_lines(versions: &[Patient]) -> Vec<String> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let what = match versions.get(i + 1) {
                Some(older) => {
                    let changed = older.changed_fields(v);
                    if changed.is_empty() {
                        "no demographic change".to_string()
                    } else {
                        changed.join(", ")
                    }
                }
                None => "registered".to_string(),
            };
            format!(
                "v{:<3} {} {:<12} {}",
                v.version,
                v.updated_at.format("%Y-%m-%d %H:%M"),
                v.updated_by,
                what
            )
        })
        .collect()
}

fn draw_history(frame: &mut Frame, area: Rect, theme: &Theme, versions: &[Patient], top: usize) {
    frame.render_widget(Clear, area);
    let block = theme.panel(format!(
        "Demographic history — {} version{} (Esc closes)",
        versions.len(),
        if versions.len() == 1 { "" } else { "s" }
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines: Vec<Line> = history_lines(versions)
        .into_iter()
        .skip(top)
        .map(|l| Line::styled(sanitize(&l).into_owned(), theme.text))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
