//! The chart's Amendments tab: the patient's amendment requests (45 CFR 164.526), each with
//! its deadline counting down (overdue ones in the error style), and under the list the
//! selected request in full: the one extension, the decision, and the patient's statement of
//! disagreement with the provider's rebuttal. The steps (`n`, `x`, `a`, `d`, `s`) open a form
//! from `amendment_form.rs` over the tab; the app sends what it completes to the service.

use crate::domain::amendment::{AmendmentRequest, AmendmentStatus, AmendmentTarget, Decision};
use crate::domain::amendment::{DecisionOutcome, Statement};
use crate::domain::patient::DocumentInfo;
use crate::sanitize::sanitize;
use crate::service::ChartAmendments;
use crate::ui::doc_viewer::truncate;
use crate::ui::keymap::Action;
use crate::ui::screens::amendment_form::AmendmentForm;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Column widths: received, due, days left, status, target, requested change. With the five
/// gaps and the selection marker they fill the 78 columns inside the panel at 80×24.
const WIDTHS: [u16; 6] = [10, 10, 12, 8, 15, 17];
/// At most this many rows of the list (header included); the rest is for the details.
const MAX_TABLE_ROWS: u16 = 9;
/// A deadline this close shows in the warning style.
const SOON_DAYS: i64 = 7;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendmentsTab {
    pub data: ChartAmendments,
    pub selected: usize,
    /// The step being filled in, drawn over the list.
    pub form: Option<AmendmentForm>,
    /// The request to select when the list next arrives (the one a step just changed).
    select_id: Option<String>,
}

/// The deadline in words and its style: "OVERDUE 5d", "due today", "12d left"; decided
/// requests have no clock.
fn deadline(r: &AmendmentRequest, today: NaiveDate, theme: &Theme) -> (String, Style) {
    if r.status != AmendmentStatus::Pending {
        return ("decided".to_string(), theme.muted);
    }
    let left = r.days_left(today);
    if r.is_overdue(today) {
        (format!("OVERDUE {}d", -left), theme.status_error)
    } else if left == 0 {
        ("due today".to_string(), theme.status_warning)
    } else if left <= SOON_DAYS {
        (format!("{left}d left"), theme.status_warning)
    } else {
        (format!("{left}d left"), theme.text)
    }
}

/// What is to be amended, short enough for the list.
fn target_short(t: &AmendmentTarget) -> String {
    match t {
        AmendmentTarget::Document { id, title } if title.trim().is_empty() => {
            format!("doc {id}")
        }
        AmendmentTarget::Document { title, .. } => format!("doc: {title}"),
        AmendmentTarget::Item { description } => description.clone(),
    }
}

fn status_style(s: AmendmentStatus, theme: &Theme) -> Style {
    match s {
        AmendmentStatus::Pending => theme.text,
        AmendmentStatus::Accepted => theme.status_info,
        AmendmentStatus::Denied => theme.status_warning,
    }
}

impl AmendmentsTab {
    pub fn new(data: ChartAmendments) -> AmendmentsTab {
        AmendmentsTab {
            data,
            selected: 0,
            form: None,
            select_id: None,
        }
    }

    /// The requests again (after a step); the selection moves to the request the step
    /// changed, or stays inside the list.
    pub fn set_data(&mut self, data: ChartAmendments) {
        self.data = data;
        if let Some(id) = self.select_id.take()
            && let Some(i) = self.data.requests.iter().position(|r| r.id == id)
        {
            self.selected = i;
        }
        self.selected = self
            .selected
            .min(self.data.requests.len().saturating_sub(1));
    }

    /// Opens the form for a step key on the selected request (or a new one); Err is a plain
    /// sentence saying why the step cannot be taken.
    pub fn open_form(
        &mut self,
        action: Action,
        documents: &[DocumentInfo],
        mrn: &str,
        today: NaiveDate,
    ) -> Result<(), String> {
        let form = AmendmentForm::open(action, self.selected_request(), documents, mrn, today)?;
        self.form = Some(form);
        Ok(())
    }

    /// The service did the form's step: close it, and select that request once the list
    /// comes back. Returns what the status line says.
    pub fn saved(&mut self, r: &AmendmentRequest) -> String {
        let message = self
            .form
            .take()
            .map_or_else(|| format!("Request {} saved.", r.id), |f| f.done_message(r));
        self.select_id = Some(r.id.clone());
        message
    }

    /// The keys the footer offers a user who may work requests, for the selected one.
    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        let mut v = vec![(Action::NewAmendment, 0)];
        if let Some(r) = self.selected_request() {
            match r.status {
                AmendmentStatus::Pending => {
                    if r.extension.is_none() {
                        v.push((Action::ExtendAmendment, 0));
                    }
                    v.extend([(Action::AcceptAmendment, 0), (Action::DenyAmendment, 0)]);
                }
                AmendmentStatus::Denied if r.rebuttal.is_none() => {
                    v.push((Action::AmendmentStatement, 0));
                }
                _ => {}
            }
        }
        v
    }

    /// Movement keys move the selection; anything else is ignored (false).
    pub fn on_action(&mut self, action: Action, page: usize) -> bool {
        crate::ui::list::move_selection(&mut self.selected, self.data.requests.len(), action, page)
    }

    /// The request the selection is on, for the app's extend/decide/statement steps.
    pub fn selected_request(&self) -> Option<&AmendmentRequest> {
        self.data.requests.get(self.selected)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, today: NaiveDate) {
        if let Some(f) = &self.form {
            return f.draw(frame, area, theme);
        }
        let requests = &self.data.requests;
        let n = requests.len();
        let pending = requests
            .iter()
            .filter(|r| r.status == AmendmentStatus::Pending)
            .count();
        let overdue = requests.iter().filter(|r| r.is_overdue(today)).count();
        let mut title = format!(
            "Amendment requests — {n} request{}, {pending} pending",
            if n == 1 { "" } else { "s" }
        );
        if overdue > 0 {
            title.push_str(&format!(", {overdue} overdue"));
        }
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if requests.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("  No amendment requests.", theme.muted)),
                inner,
            );
            return;
        }
        let table_rows = u16::try_from(n + 1).unwrap_or(u16::MAX).min(MAX_TABLE_ROWS);
        let [table_area, details_area] =
            Layout::vertical([Constraint::Length(table_rows), Constraint::Min(0)]).areas(inner);
        let ascii = theme.ascii;
        let cut = |s: &str, w: u16| truncate(&sanitize(s), usize::from(w), ascii);
        let rows = requests.iter().map(|r| {
            let (left, left_style) = deadline(r, today, theme);
            Row::new(vec![
                Cell::from(r.received.format("%Y-%m-%d").to_string()),
                Cell::from(r.due_date().format("%Y-%m-%d").to_string()),
                Cell::from(Span::styled(left, left_style)),
                Cell::from(Span::styled(
                    r.status.label(),
                    status_style(r.status, theme),
                )),
                Cell::from(cut(&target_short(&r.target), WIDTHS[4])),
                Cell::from(cut(&r.requested_change, WIDTHS[5])),
            ])
            .style(theme.text)
        });
        let table = Table::new(rows, WIDTHS.map(Constraint::Length)).header(
            Row::new([
                "Received",
                "Due",
                "Left",
                "Status",
                "Target",
                "Requested change",
            ])
            .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        if let Some(r) = requests.get(self.selected) {
            self.draw_details(frame, details_area, theme, r, today);
        }
    }

    fn draw_details(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        r: &AmendmentRequest,
        today: NaiveDate,
    ) {
        let text_area = crate::ui::list::details_rule(
            frame,
            area,
            theme,
            format!(" Request {} ", sanitize(&r.id)),
        );
        let label = |s: String| Span::styled(s, theme.muted);
        let text = |s: &str| Span::styled(sanitize(s).into_owned(), theme.text);
        let mut lines = vec![Line::from(vec![
            label(format!("Amend {}: ", sanitize(&r.target.describe()))),
            text(&r.requested_change),
        ])];
        let (left, left_style) = deadline(r, today, theme);
        lines.push(Line::from(vec![
            label(format!(
                "Received {}, logged by {}; due {} ",
                r.received.format("%Y-%m-%d"),
                sanitize(&r.created_by),
                r.due_date().format("%Y-%m-%d")
            )),
            Span::styled(format!("({left})"), left_style),
        ]));
        if let Some(e) = &r.extension {
            lines.push(Line::from(vec![
                label(format!(
                    "Extended 30 days by {}, patient told {}: ",
                    sanitize(&e.by),
                    e.patient_told.format("%Y-%m-%d")
                )),
                text(&e.reason),
            ]));
        }
        if let Some(d) = &r.decision {
            lines.push(self.decision_line(d, theme));
        }
        for (what, s) in [("Disagreement", &r.disagreement), ("Rebuttal", &r.rebuttal)] {
            if let Some(Statement { text: t, received }) = s {
                lines.push(Line::from(vec![
                    label(format!("{what} ({}): ", received.format("%Y-%m-%d"))),
                    text(t),
                ]));
            }
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    }

    fn decision_line(&self, d: &Decision, theme: &Theme) -> Line<'static> {
        let when = format!(
            " {} by {}: ",
            d.decided_on.format("%Y-%m-%d"),
            sanitize(&d.by)
        );
        match &d.outcome {
            DecisionOutcome::Accepted {
                amendment_text,
                amendment_document_id,
            } => {
                let doc = match amendment_document_id {
                    Some(id) => format!("amendment document {}", sanitize(id)),
                    None => "amendment document not appended yet".to_string(),
                };
                Line::from(vec![
                    Span::styled("Accepted", theme.status_info),
                    Span::styled(when, theme.muted),
                    Span::styled(doc, theme.text),
                    Span::styled(": ", theme.muted),
                    Span::styled(sanitize(amendment_text).into_owned(), theme.text),
                ])
            }
            DecisionOutcome::Denied {
                reason,
                explanation,
            } => Line::from(vec![
                Span::styled("Denied", theme.status_warning),
                Span::styled(when, theme.muted),
                Span::styled(format!("{}. ", reason.label()), theme.text),
                Span::styled(sanitize(explanation).into_owned(), theme.text),
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amendment::{DenialReason, Extension};
    use chrono::{DateTime, Days, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 10).unwrap()
    }

    fn at(d: NaiveDate) -> DateTime<Utc> {
        Utc.from_utc_datetime(&d.and_hms_opt(10, 15, 0).unwrap())
    }

    fn ago(days: u64) -> NaiveDate {
        today().checked_sub_days(Days::new(days)).unwrap()
    }

    fn request(id: &str, target: AmendmentTarget, change: &str, days_ago: u64) -> AmendmentRequest {
        let received = ago(days_ago);
        AmendmentRequest {
            id: id.into(),
            mrn: "00012345".into(),
            target,
            requested_change: change.into(),
            received,
            extension: None,
            status: AmendmentStatus::Pending,
            decision: None,
            disagreement: None,
            rebuttal: None,
            history: Vec::new(),
            version: 1,
            created_at: at(received),
            created_by: "him.clerk".into(),
            moved_from: None,
            withheld: false,
        }
    }

    fn doc(id: &str, title: &str) -> AmendmentTarget {
        AmendmentTarget::Document {
            id: id.into(),
            title: title.into(),
        }
    }

    fn sample() -> ChartAmendments {
        let overdue = request(
            "A-0001",
            doc("D-000101", "Discharge summary"),
            "The summary says I smoke; I stopped in 2019.",
            70,
        );
        let mut extended = request(
            "A-0002",
            AmendmentTarget::Item {
                description: "allergy list: penicillin".into(),
            },
            "Remove the penicillin allergy; the rash was from a detergent.",
            65,
        );
        extended.extension = Some(Extension {
            reason: "waiting for the allergist's records from the other clinic".into(),
            patient_told: ago(10),
            by: "him.super".into(),
            at: at(ago(10)),
        });
        let mut accepted = request(
            "A-0003",
            doc("D-000102", "Progress note"),
            "Left knee, not right knee.",
            40,
        );
        accepted.status = AmendmentStatus::Accepted;
        accepted.decision = Some(Decision {
            decided_on: ago(30),
            by: "him.super".into(),
            outcome: DecisionOutcome::Accepted {
                amendment_text: "Correction: the left knee was examined.".into(),
                amendment_document_id: Some("D-000140".into()),
            },
        });
        let mut denied = request(
            "A-0004",
            doc("D-000103", "Psych \u{1b}[2Jconsult"),
            "Delete the whole consult\u{202E}txt.exe",
            20,
        );
        denied.status = AmendmentStatus::Denied;
        denied.decision = Some(Decision {
            decided_on: ago(12),
            by: "him.super".into(),
            outcome: DecisionOutcome::Denied {
                reason: DenialReason::AccurateAndComplete,
                explanation: "The consult records what was said at the visit.".into(),
            },
        });
        denied.disagreement = Some(Statement {
            text: "I never said that.\u{1b}]0;pwned\u{7} Please add my statement.".into(),
            received: ago(8),
        });
        denied.rebuttal = Some(Statement {
            text: "The consultant's contemporaneous note stands.".into(),
            received: ago(5),
        });
        ChartAmendments {
            requests: vec![overdue, extended, accepted, denied],
            amended_documents: vec!["D-000102".into()],
            documents: Vec::new(),
        }
    }

    fn terminal(v: &AmendmentsTab, theme: &Theme) -> Terminal<TestBackend> {
        crate::ui::test_screen::terminal80(|f| v.draw(f, f.area(), theme, today()))
    }

    fn screen(v: &AmendmentsTab, theme: &Theme) -> String {
        crate::ui::test_screen::safe_text(&terminal(v, theme))
    }

    #[test]
    fn overdue_request_selected() {
        let v = AmendmentsTab::new(sample());
        insta::assert_snapshot!(screen(&v, &Theme::default()));
    }

    #[test]
    fn denied_request_with_statements_in_ascii() {
        let mut v = AmendmentsTab::new(sample());
        v.on_action(Action::End, 5);
        assert_eq!(v.selected_request().map(|r| r.id.as_str()), Some("A-0004"));
        let theme = Theme {
            ascii: true,
            ..Theme::default()
        };
        let s = screen(&v, &theme);
        assert!(!s.contains("[2J") && !s.contains("pwned"));
        assert!(
            !s.chars()
                .any(|c| ('\u{2500}'..='\u{259F}').contains(&c) || c == '▶'),
            "no line drawing in ASCII mode"
        );
        insta::assert_snapshot!(s);
    }

    #[test]
    fn extended_and_accepted_requests() {
        let mut v = AmendmentsTab::new(sample());
        v.on_action(Action::Down, 5);
        let extended = screen(&v, &Theme::default());
        assert!(extended.contains("Extended 30 days by him.super"));
        v.on_action(Action::Down, 5);
        let accepted = screen(&v, &Theme::default());
        assert!(accepted.contains("amendment document D-000140"));
        insta::assert_snapshot!("extended", extended);
        insta::assert_snapshot!("accepted", accepted);
    }

    #[test]
    fn empty_tab() {
        let v = AmendmentsTab::new(ChartAmendments {
            requests: Vec::new(),
            amended_documents: Vec::new(),
            documents: Vec::new(),
        });
        insta::assert_snapshot!(screen(&v, &Theme::default()));
    }

    #[test]
    fn overdue_shows_in_the_error_style() {
        let theme = Theme::load("default", false, false).unwrap();
        let mut v = AmendmentsTab::new(sample());
        // Off the overdue row, so the selection style does not cover it.
        v.on_action(Action::Down, 5);
        let t = terminal(&v, &theme);
        let buf = t.backend().buffer();
        let row: String = (0..80).map(|x| buf[(x, 2)].symbol().to_string()).collect();
        let x = row.find("OVERDUE 10d").expect("overdue shown");
        let x = u16::try_from(row[..x].chars().count()).unwrap();
        let want = theme.text.patch(theme.status_error);
        let got = buf[(x, 2)].style();
        let colour = |c: Option<Color>| c.unwrap_or(Color::Reset);
        assert_eq!(colour(got.fg), colour(want.fg));
        assert_eq!(colour(got.bg), colour(want.bg));
        assert!(got.add_modifier.contains(want.add_modifier));
        let (text, style) = deadline(&sample().requests[1], today(), &theme);
        assert_eq!((text.as_str(), style), ("25d left", theme.text));
        let (text, _) = deadline(&sample().requests[2], today(), &theme);
        assert_eq!(text, "decided");
    }
}
