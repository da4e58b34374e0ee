//! F4 the coding queue: discharged encounters not final, filtered (`m` mine, `u` unassigned,
//! `h` on hold, `a` all, `t` cycles the encounter type) and sorted (`s` the next column, `S`
//! reverses). Coders claim (`c`) and open (`Enter`) an encounter; supervisors also assign
//! (`A`, typing a user name) and see the backlog by age; billing reads the queue only. `l`
//! opens the code look-up without an encounter. What does not fit a row at 80×24 is on the
//! details line under the table.

use crate::domain::EncounterClass;
use crate::domain::coding::{
    AgeBand, Backlog, CoderFilter, CodingStatus, HoldReason, QueueColumn, QueueFilter, QueueRow,
    QueueSort,
};
use crate::sanitize::sanitize;
use crate::service::QueuePage;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// Rows asked for per read of the queue.
pub const QUEUE_ROWS: usize = 200;
/// Older than this (days since discharge) shows in the warning style.
pub const OVERDUE_DAYS: u32 = 30;

/// Whose work the queue shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    All,
    Mine,
    Unassigned,
    OnHold,
}

impl Whose {
    fn label(self) -> &'static str {
        match self {
            Whose::All => "all",
            Whose::Mine => "mine",
            Whose::Unassigned => "unassigned",
            Whose::OnHold => "on hold",
        }
    }
}

const CLASSES: [EncounterClass; 4] = [
    EncounterClass::Inpatient,
    EncounterClass::Outpatient,
    EncounterClass::Emergency,
    EncounterClass::Observation,
];

const COLUMNS: [QueueColumn; 9] = [
    QueueColumn::Age,
    QueueColumn::Class,
    QueueColumn::Discharged,
    QueueColumn::Patient,
    QueueColumn::Mrn,
    QueueColumn::Attending,
    QueueColumn::Coder,
    QueueColumn::Status,
    QueueColumn::Hold,
];

fn column_label(c: QueueColumn) -> &'static str {
    match c {
        QueueColumn::Age => "age",
        QueueColumn::Class => "type",
        QueueColumn::Discharged => "discharge date",
        QueueColumn::Patient => "patient",
        QueueColumn::Mrn => "MRN",
        QueueColumn::Attending => "attending",
        QueueColumn::Coder => "coder",
        QueueColumn::Status => "status",
        QueueColumn::Hold => "hold reason",
    }
}

fn status_abbrev(s: CodingStatus) -> &'static str {
    match s {
        CodingStatus::Uncoded => "Uncoded",
        CodingStatus::InProgress => "In prog",
        CodingStatus::OnHold => "On hold",
        CodingStatus::Coded => "Coded",
        CodingStatus::Validated => "Valid'd",
        CodingStatus::Final => "Final",
    }
}

/// The hold column: the reason and how long it has waited ("Query 3d").
fn hold_cell(r: &QueueRow, today: Option<NaiveDate>) -> String {
    let Some(h) = r.hold else {
        return String::new();
    };
    match (r.held_since, today) {
        (Some(since), Some(today)) => {
            format!("{} {}d", hold_abbrev(h), (today - since).num_days().max(0))
        }
        _ => hold_abbrev(h).to_string(),
    }
}

fn hold_abbrev(h: HoldReason) -> &'static str {
    match h {
        HoldReason::QueryPending => "Query",
        HoldReason::DocumentationMissing => "Docs",
        HoldReason::WaitingOnPathology => "Path",
        HoldReason::Other => "Other",
    }
}

/// The assign prompt: a user name for the selected encounter.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignPrompt {
    pub encounter_id: String,
    pub version: u64,
    pub coder: TextInput,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CodingQueueView {
    pub me: String,
    pub whose: Whose,
    pub class: Option<EncounterClass>,
    pub sort: QueueSort,
    pub page: Option<QueuePage>,
    pub selected: usize,
    /// Coders and supervisors (EditCodes): claim and open to work.
    pub may_code: bool,
    /// Supervisors (AssignWork): assign, and the backlog line.
    pub may_assign: bool,
    pub backlog: Option<Backlog>,
    /// Billing and supervisors (ViewDnfb): the DNFB part of the report.
    pub may_read_dnfb: bool,
    /// The report (`R`) in place of the table while it shows.
    pub report: Option<super::coding_report::CodingReport>,
    pub assign: Option<AssignPrompt>,
    problem: Option<String>,
}

/// What the screen asks of the app.
#[derive(Clone, Debug, PartialEq)]
pub enum QueueRequest {
    /// Read the queue again with the screen's filter and sort.
    Reload,
    Claim(String),
    /// Open the workspace on this row (the app claims first when it is uncoded and ours to
    /// take).
    Open(QueueRow),
    Assign {
        encounter_id: String,
        version: u64,
        coder: String,
    },
    /// The code look-up without an encounter.
    Lookup,
    /// The report's parts this role may read: productivity (supervisors), DNFB.
    Report {
        productivity: bool,
        dnfb: bool,
    },
}

impl CodingQueueView {
    pub fn new(me: &str, may_code: bool, may_assign: bool) -> CodingQueueView {
        CodingQueueView {
            me: me.to_string(),
            whose: if may_code && !may_assign {
                Whose::Mine
            } else {
                Whose::All
            },
            class: None,
            sort: QueueSort::oldest_first(),
            page: None,
            selected: 0,
            may_code,
            may_assign,
            backlog: None,
            may_read_dnfb: false,
            report: None,
            assign: None,
            problem: None,
        }
    }

    /// The filter the screen's keys chose.
    pub fn filter(&self) -> QueueFilter {
        let mut f = QueueFilter {
            classes: self.class.into_iter().collect(),
            ..QueueFilter::default()
        };
        match self.whose {
            Whose::All => {}
            Whose::Mine => f.coder = Some(CoderFilter::User(self.me.clone())),
            Whose::Unassigned => f.coder = Some(CoderFilter::Unassigned),
            Whose::OnHold => f.statuses = vec![CodingStatus::OnHold],
        }
        f
    }

    pub fn set_page(&mut self, page: QueuePage) {
        self.selected = self.selected.min(page.rows.len().saturating_sub(1));
        self.page = Some(page);
    }

    pub fn rows(&self) -> &[QueueRow] {
        self.page.as_ref().map_or(&[], |p| p.rows.as_slice())
    }

    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.rows().get(self.selected)
    }

    pub fn typing(&self) -> bool {
        self.assign.is_some()
    }

    pub fn has_input(&self) -> bool {
        self.assign.as_ref().is_some_and(|a| !a.coder.is_empty())
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        self.assign
            .as_mut()
            .is_some_and(|a| a.coder.handle_key(key))
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(a) = &mut self.assign {
            a.coder.insert_str(text);
        }
    }

    /// Esc closes the assign prompt or the report first.
    pub fn back(&mut self) -> bool {
        self.assign.take().is_some() || self.report.take().is_some()
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<QueueRequest> {
        if let Some(a) = &self.assign {
            if action != Action::Submit {
                return None;
            }
            let coder = a.coder.value().trim().to_string();
            if coder.is_empty() {
                self.problem = Some("Type the user name of the coder to assign.".into());
                return None;
            }
            let request = QueueRequest::Assign {
                encounter_id: a.encounter_id.clone(),
                version: a.version,
                coder,
            };
            self.assign = None;
            return Some(request);
        }
        let whose = match action {
            Action::QueueMine => Some(Whose::Mine),
            Action::QueueUnassigned => Some(Whose::Unassigned),
            Action::QueueOnHold => Some(Whose::OnHold),
            Action::QueueAll => Some(Whose::All),
            _ => None,
        };
        if let Some(w) = whose {
            self.whose = w;
            self.selected = 0;
            return Some(QueueRequest::Reload);
        }
        if self.report.is_some() && action != Action::CodingReport {
            // The report covers the table: only R (or Esc) takes it away.
            return None;
        }
        match action {
            Action::CodingReport => {
                if self.report.take().is_some() {
                    return None;
                }
                if !self.may_assign && !self.may_read_dnfb {
                    self.problem = Some("The coding report: not permitted for your role.".into());
                    return None;
                }
                self.report = Some(super::coding_report::CodingReport {
                    backlog: self.backlog.clone().filter(|_| self.may_assign),
                    ..Default::default()
                });
                Some(QueueRequest::Report {
                    productivity: self.may_assign,
                    dnfb: self.may_read_dnfb,
                })
            }
            Action::QueueType => {
                self.class = match self.class {
                    None => Some(CLASSES[0]),
                    Some(c) => CLASSES
                        .iter()
                        .position(|x| *x == c)
                        .and_then(|i| CLASSES.get(i + 1).copied()),
                };
                self.selected = 0;
                Some(QueueRequest::Reload)
            }
            Action::QueueSortNext => {
                let i = COLUMNS
                    .iter()
                    .position(|c| *c == self.sort.column)
                    .unwrap_or(0);
                self.sort.column = COLUMNS[(i + 1) % COLUMNS.len()];
                Some(QueueRequest::Reload)
            }
            Action::QueueSortReverse => {
                self.sort.descending = !self.sort.descending;
                Some(QueueRequest::Reload)
            }
            Action::CodeLookup => Some(QueueRequest::Lookup),
            Action::Claim => {
                if !self.may_code {
                    self.problem = Some("Claiming work: not permitted for your role.".into());
                    return None;
                }
                let row = self.selected_row()?;
                if row.status != CodingStatus::Uncoded {
                    self.problem = Some(match &row.assigned {
                        Some(who) => format!(
                            "Encounter {} is already claimed by {}.",
                            row.encounter_id,
                            sanitize(who)
                        ),
                        None => format!(
                            "Encounter {} is {}: only uncoded work is claimed.",
                            row.encounter_id,
                            row.status.label().to_lowercase()
                        ),
                    });
                    return None;
                }
                Some(QueueRequest::Claim(row.encounter_id.clone()))
            }
            Action::Submit => self.selected_row().cloned().map(QueueRequest::Open),
            Action::AssignCoder => {
                if !self.may_assign {
                    self.problem = Some("Assigning work: not permitted for your role.".into());
                    return None;
                }
                let row = self.selected_row()?;
                self.assign = Some(AssignPrompt {
                    encounter_id: row.encounter_id.clone(),
                    version: row.version,
                    coder: TextInput::new(40),
                });
                None
            }
            _ => {
                let len = self.rows().len();
                crate::ui::list::move_selection(&mut self.selected, len, action, page);
                None
            }
        }
    }

    /// The screen's own keys for the footer.
    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        if self.assign.is_some() {
            return vec![(Action::Submit, 0)];
        }
        let mut v = Vec::new();
        if self.may_code {
            v.extend([(Action::Submit, 0), (Action::Claim, 0)]);
        }
        if self.may_assign {
            v.push((Action::AssignCoder, 1));
        }
        if self.may_assign || self.may_read_dnfb {
            v.push((Action::CodingReport, 1));
        }
        v.extend([
            (Action::QueueMine, 1),
            (Action::QueueUnassigned, 2),
            (Action::QueueOnHold, 2),
            (Action::QueueAll, 1),
            (Action::QueueType, 2),
            (Action::QueueSortNext, 1),
            (Action::QueueSortReverse, 2),
            (Action::CodeLookup, 2),
        ]);
        v
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let total = self.page.as_ref().map_or(0, |p| p.total);
        let class = self.class.map_or("all types", EncounterClass::label);
        let order = if self.sort.descending { "desc" } else { "asc" };
        let block = theme.panel(format!(
            "Coding queue — {total} {}, {class} — by {} {order}",
            self.whose.label(),
            column_label(self.sort.column)
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let backlog_rows = u16::from(self.may_assign);
        let [top, rest] =
            Layout::vertical([Constraint::Length(backlog_rows), Constraint::Min(0)]).areas(inner);
        if let Some(b) = &self.backlog {
            frame.render_widget(Paragraph::new(backlog_line(b, theme)), top);
        }
        if let Some(r) = &self.report {
            return r.draw(frame, rest, theme);
        }
        let details = if self.assign.is_some() { 4 } else { 3 };
        let [table_area, details_area] =
            crate::ui::list::table_and_details(rest, self.rows().len().max(1), details);
        self.draw_table(frame, table_area, theme);
        self.draw_details(frame, details_area, theme);
    }

    fn draw_table(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.page.is_some() && self.rows().is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "  Nothing waiting here. a: all work, t: every type.",
                    theme.muted,
                )),
                area,
            );
            return;
        }
        let rows = self.rows().iter().map(|r| {
            let style = if r.age_days > OVERDUE_DAYS {
                theme.status_warning
            } else {
                theme.text
            };
            let patient = if r.restricted {
                format!("R {}", sanitize(&r.patient))
            } else {
                sanitize(&r.patient).into_owned()
            };
            Row::new(vec![
                Cell::from(format!("{:>3}", r.age_days)),
                Cell::from(r.class.abbrev()),
                Cell::from(r.discharged.format("%m-%d").to_string()),
                Cell::from(patient),
                Cell::from(sanitize(&r.mrn).into_owned()),
                Cell::from(sanitize(&r.attending).into_owned()),
                Cell::from(
                    r.assigned
                        .as_deref()
                        .map_or_else(String::new, |a| sanitize(a).into_owned()),
                ),
                Cell::from(status_abbrev(r.status)),
                Cell::from(hold_cell(r, self.page.as_ref().map(|p| p.today))),
            ])
            .style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Length(5),
                Constraint::Length(15),
                Constraint::Length(8),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Length(7),
                Constraint::Min(4),
            ],
        )
        .header(
            Row::new([
                "Age",
                "Typ",
                "Disch",
                "Patient",
                "MRN",
                "Attending",
                "Coder",
                "Status",
                "Hold",
            ])
            .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state =
            TableState::default().with_selected((!self.rows().is_empty()).then_some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }

    fn draw_details(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(r) = self.selected_row() else {
            return;
        };
        let text = crate::ui::list::details_rule(
            frame,
            area,
            theme,
            format!(" {} ", sanitize(&r.encounter_id)),
        );
        let [line, prompt] =
            Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(text);
        let mut spans = vec![Span::styled(
            format!(
                "{} {}, discharged {} · {} · {} · {}",
                r.class.label(),
                r.admitted.format("%Y-%m-%d"),
                r.discharged.format("%Y-%m-%d"),
                sanitize(&r.patient),
                sanitize(&r.attending),
                r.status.label(),
            ),
            theme.text,
        )];
        if let Some(h) = r.hold {
            let waited = match (r.held_since, self.page.as_ref().map(|p| p.today)) {
                (Some(since), Some(today)) => {
                    format!(
                        " since {} ({}d)",
                        since.format("%Y-%m-%d"),
                        (today - since).num_days().max(0)
                    )
                }
                _ => String::new(),
            };
            spans.push(Span::styled(
                format!(" · {}{waited}", h.label()),
                theme.status_warning,
            ));
        }
        if r.restricted {
            spans.push(Span::styled(" · restricted", theme.status_warning));
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)).wrap(ratatui::widgets::Wrap { trim: true }),
            line,
        );
        if let Some(a) = &self.assign {
            draw_form(frame, &[(prompt, &a.coder, "Assign to")], 0, theme);
        }
    }
}

fn backlog_line(b: &Backlog, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("Backlog {}: ", b.total), theme.title)];
    for c in &b.by_age {
        let style = if c.key == AgeBand::Over30 && c.count > 0 {
            theme.status_warning
        } else {
            theme.text
        };
        spans.push(Span::styled(
            format!("{} {}  ", c.key.label().replace(" days", "d"), c.count),
            style,
        ));
    }
    let unassigned = b
        .by_coder
        .iter()
        .find(|c| c.key.is_none())
        .map_or(0, |c| c.count);
    spans.push(Span::styled(
        format!("unassigned {unassigned}"),
        theme.muted,
    ));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coding::Count;
    use chrono::NaiveDate;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn row(id: &str, age: u32, status: CodingStatus, who: Option<&str>) -> QueueRow {
        QueueRow {
            encounter_id: id.into(),
            mrn: "M0000123".into(),
            patient: "GARCÍA-LÓPEZ, Maria\u{1b}]0;x\u{7}".into(),
            class: if age > 10 {
                EncounterClass::Inpatient
            } else {
                EncounterClass::Emergency
            },
            admitted: d(1, 2),
            discharged: d(1, 5),
            attending: "Okafor".into(),
            assigned: who.map(str::to_string),
            status,
            hold: (status == CodingStatus::OnHold).then_some(HoldReason::QueryPending),
            version: 3,
            restricted: id == "E9",
            age_days: age,
            held_since: (status == CodingStatus::OnHold).then(|| d(1, 7)),
        }
    }

    fn page() -> QueuePage {
        QueuePage {
            total: 4,
            rows: vec![
                row("E1", 41, CodingStatus::Uncoded, None),
                row("E2", 12, CodingStatus::InProgress, Some("coder")),
                row("E3", 5, CodingStatus::OnHold, Some("coder2")),
                row("E9", 2, CodingStatus::Uncoded, None),
            ],
            today: d(2, 15),
        }
    }

    #[test]
    fn keys_change_the_filter_and_sort_and_claim_only_uncoded_work() {
        let mut v = CodingQueueView::new("coder", true, false);
        assert_eq!(
            v.filter().coder,
            Some(CoderFilter::User("coder".into())),
            "a coder starts on their own work"
        );
        assert_eq!(
            v.on_action(Action::QueueUnassigned, 10),
            Some(QueueRequest::Reload)
        );
        assert_eq!(v.filter().coder, Some(CoderFilter::Unassigned));
        v.on_action(Action::QueueOnHold, 10);
        assert_eq!(v.filter().statuses, vec![CodingStatus::OnHold]);
        v.on_action(Action::QueueType, 10);
        assert_eq!(v.filter().classes, vec![EncounterClass::Inpatient]);
        for _ in 0..4 {
            v.on_action(Action::QueueType, 10);
        }
        assert!(
            v.filter().classes.is_empty(),
            "the cycle ends on every type"
        );
        v.on_action(Action::QueueSortNext, 10);
        assert_eq!(v.sort.column, QueueColumn::Class);
        v.on_action(Action::QueueSortReverse, 10);
        assert!(!v.sort.descending);

        v.set_page(page());
        assert_eq!(
            v.on_action(Action::Claim, 10),
            Some(QueueRequest::Claim("E1".into()))
        );
        v.on_action(Action::Down, 10);
        assert_eq!(v.on_action(Action::Claim, 10), None);
        assert!(v.problem().unwrap().contains("already claimed by coder"));
        assert!(matches!(
            v.on_action(Action::Submit, 10),
            Some(QueueRequest::Open(r)) if r.encounter_id == "E2"
        ));
        assert_eq!(v.on_action(Action::AssignCoder, 10), None);
        assert!(v.problem().unwrap().contains("not permitted"));
    }

    #[test]
    fn a_supervisor_assigns_by_user_name() {
        let mut v = CodingQueueView::new("sup", true, true);
        v.set_page(page());
        v.on_action(Action::AssignCoder, 10);
        assert!(v.typing());
        assert_eq!(v.on_action(Action::Submit, 10), None);
        assert!(v.problem().unwrap().contains("user name"));
        v.paste("coder2");
        assert_eq!(
            v.on_action(Action::Submit, 10),
            Some(QueueRequest::Assign {
                encounter_id: "E1".into(),
                version: 3,
                coder: "coder2".into()
            })
        );
        assert!(!v.typing());
    }

    fn screen(v: &CodingQueueView) -> String {
        let theme = Theme::default();
        let t = crate::ui::test_screen::terminal80(|f| v.draw(f, f.area(), &theme));
        crate::ui::test_screen::safe_text(&t)
    }

    #[test]
    fn the_queue_at_80x24_for_a_supervisor() {
        let mut v = CodingQueueView::new("sup", true, true);
        v.set_page(page());
        v.backlog = Some(Backlog {
            total: 4,
            by_age: AgeBand::ALL
                .iter()
                .map(|b| Count {
                    key: *b,
                    count: usize::from(*b == AgeBand::Over30),
                })
                .collect(),
            by_class: Vec::new(),
            by_coder: vec![Count {
                key: None,
                count: 2,
            }],
            by_status: Vec::new(),
        });
        v.on_action(Action::AssignCoder, 10);
        let s = screen(&v);
        assert!(s.contains("Backlog 4"), "{s}");
        assert!(s.contains("R GARC"), "restricted rows are marked: {s}");
        assert!(s.contains("Assign to"), "{s}");
        insta::assert_snapshot!(s);
    }
}
