//! F5, the release-of-information desk. The list: every request with its days left, overdue
//! first (in the error style), then the closed ones. Enter opens a request's page: who asked
//! for what and why, the legal clock, the basis; then one of three panes (Tab): the
//! authorization checker (every element, what is missing in plain words), the chart's
//! documents to pick (minimum necessary: what the request asked for is picked; sensitive ones
//! show their category), and the history. The steps are forms over the page
//! (`roi_forms.rs`); the app asks the service and this shows what comes back.

use crate::domain::roi::{RequestKind, RequestStatus, RoiRequest};
use crate::sanitize::sanitize;
use crate::service::{RoiDesk, RoiView, ServiceResult};
use crate::ui::doc_viewer::truncate;
use crate::ui::keymap::Action;
use crate::ui::screens::roi_forms::{FormCall, RoiForm};
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};
use std::collections::BTreeSet;

/// Columns: days left, request, MRN, patient, requester, status.
const WIDTHS: [u16; 6] = [5, 10, 8, 18, 15, 16];
const DETAILS_ROWS: u16 = 4;

/// A call the desk makes; carried by `Effect::Roi`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoiCall {
    Desk,
    Open(String),
    Log(Box<crate::domain::roi::NewRoiRequest>),
    Step {
        id: String,
        version: u64,
        step: Box<crate::service::RoiStep>,
    },
    Release {
        id: String,
        version: u64,
        input: crate::service::ReleaseInput,
    },
}

/// The service's answer; carried by `Msg::Roi`.
#[derive(Clone, Debug, PartialEq)]
pub enum RoiAnswer {
    Desk(Box<ServiceResult<RoiDesk>>),
    Opened(Box<ServiceResult<RoiView>>),
    /// A new request, a step or a release: the request as stored now.
    Changed(Box<ServiceResult<RoiRequest>>),
}

/// Which part of a request's page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Checker,
    Documents,
    History,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RequestPage {
    pub view: RoiView,
    pub pane: Pane,
    /// Documents picked to go out.
    pub picked: BTreeSet<String>,
    pub cursor: usize,
}

impl RequestPage {
    fn new(view: RoiView) -> RequestPage {
        // A released request shows what went; an open one starts from what was asked for.
        let picked = match &view.request.release {
            Some(rel) => rel.sent().map(|d| d.document_id.clone()).collect(),
            None => view
                .documents
                .iter()
                .filter(|d| d.wanted)
                .map(|d| d.info.id.clone())
                .collect(),
        };
        let pane = if view.request.status == RequestStatus::InProcessing {
            Pane::Documents
        } else {
            Pane::Checker
        };
        RequestPage {
            view,
            pane,
            picked,
            cursor: 0,
        }
    }

    fn picked_ids(&self) -> Vec<String> {
        self.picked.iter().cloned().collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoiScreen {
    pub desk: Option<RoiDesk>,
    pub selected: usize,
    pub page: Option<RequestPage>,
    pub form: Option<RoiForm>,
    /// ManageDisclosures: the steps are offered.
    pub may_manage: bool,
    /// The chart in context, for intake.
    pub context_mrn: Option<String>,
    problem: Option<String>,
}

fn days_cell(r: &RoiRequest, today: NaiveDate, theme: &Theme) -> Span<'static> {
    if r.status.is_closed() {
        return Span::styled("", theme.muted);
    }
    let left = r.days_left(today);
    let style = if left < 0 {
        theme.status_error
    } else if left <= 5 {
        theme.status_warning
    } else {
        theme.text
    };
    Span::styled(format!("{left}d"), style)
}

/// The desk's requester column: an accounting request says so (it is always the patient's).
fn requester_cell(r: &RoiRequest) -> &'static str {
    match r.kind {
        RequestKind::Accounting => "accounting",
        RequestKind::Copies => r.requester_type.label(),
    }
}

/// What the request wants, in the words of its page and the desk's details.
fn wants(r: &RoiRequest) -> String {
    match r.kind {
        RequestKind::Accounting => "an accounting of disclosures (164.528)".into(),
        RequestKind::Copies => r.purpose.label().to_string(),
    }
}

/// "27 days left", "due today", "3 days overdue".
fn clock(r: &RoiRequest, today: NaiveDate) -> String {
    if r.status.is_closed() {
        return format!("closed: {}", r.status.label());
    }
    match r.days_left(today) {
        0 => "due today".into(),
        1 => "1 day left".into(),
        n if n > 0 => format!("{n} days left"),
        -1 => "1 day OVERDUE".into(),
        n => format!("{} days OVERDUE", -n),
    }
}

impl RoiScreen {
    pub fn new(may_manage: bool, context_mrn: Option<String>) -> RoiScreen {
        RoiScreen {
            desk: None,
            selected: 0,
            page: None,
            form: None,
            may_manage,
            context_mrn,
            problem: None,
        }
    }

    pub fn set_desk(&mut self, desk: RoiDesk) {
        self.selected = self.selected.min(desk.rows.len().saturating_sub(1));
        self.desk = Some(desk);
    }

    pub fn set_page(&mut self, view: RoiView) {
        // Reopened after a step: keep the pane and what was picked.
        let kept = self
            .page
            .take()
            .filter(|p| p.view.request.id == view.request.id);
        let mut page = RequestPage::new(view);
        if let Some(old) = kept {
            page.pane = old.pane;
            page.picked = old
                .picked
                .into_iter()
                .filter(|id| page.view.documents.iter().any(|d| &d.info.id == id))
                .collect();
            page.cursor = old.cursor.min(page.view.documents.len().saturating_sub(1));
        }
        self.page = Some(page);
    }

    /// The service took the form's call: the form closes.
    pub fn changed(&mut self) {
        self.form = None;
    }

    /// The service refused: the form stays as typed, with the reason.
    pub fn refused(&mut self, why: String) {
        match &mut self.form {
            Some(f) => {
                f.sending = false;
                f.problem = Some(why);
            }
            None => self.problem = Some(why),
        }
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    pub fn typing(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.typing())
    }

    pub fn has_input(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.has_input())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        match &mut self.form {
            Some(f) => f.handle_key(key),
            None => false,
        }
    }

    pub fn paste(&mut self, s: &str) {
        if let Some(f) = &mut self.form {
            f.paste(s);
        }
    }

    /// Esc: a form closes first (nothing was sent), then the page.
    pub fn back(&mut self) -> bool {
        self.form.take().is_some() || self.page.take().is_some()
    }

    fn rows(&self) -> &[crate::service::RoiRow] {
        self.desk.as_ref().map_or(&[], |d| d.rows.as_slice())
    }

    fn today(&self) -> NaiveDate {
        self.page
            .as_ref()
            .map(|p| p.view.today)
            .or(self.desk.as_ref().map(|d| d.today))
            .unwrap_or_default()
    }

    pub fn on_action(&mut self, action: Action, page_size: usize) -> Option<RoiCall> {
        if self.form.is_some() {
            return self.form_action(action);
        }
        if self.page.is_some() {
            return self.page_action(action, page_size);
        }
        let n = self.rows().len();
        if crate::ui::list::move_selection(&mut self.selected, n, action, page_size) {
            return None;
        }
        match action {
            Action::Submit => self
                .rows()
                .get(self.selected)
                .map(|r| RoiCall::Open(r.request.id.clone())),
            Action::ReloadRoi => Some(RoiCall::Desk),
            Action::NewRoiRequest if self.may_manage => {
                self.form = Some(RoiForm::intake(self.context_mrn.as_deref(), self.today()));
                None
            }
            Action::NewRoiRequest => {
                self.problem = Some("Logging requests is not part of your role.".into());
                None
            }
            _ => None,
        }
    }

    fn page_action(&mut self, action: Action, page_size: usize) -> Option<RoiCall> {
        let today = self.today();
        let may = self.may_manage;
        let p = self.page.as_mut()?;
        let r = &p.view.request;
        let id = r.id.clone();
        let version = r.version;
        if p.pane == Pane::Documents {
            let n = p.view.documents.len();
            if crate::ui::list::move_selection(&mut p.cursor, n, action, page_size) {
                return None;
            }
        }
        let closed = r.status.is_closed();
        let step = |s: crate::service::RoiStep| {
            Some(RoiCall::Step {
                id: id.clone(),
                version,
                step: Box::new(s),
            })
        };
        let form = match action {
            Action::NextField | Action::PrevField => {
                p.pane = match (p.pane, action == Action::NextField) {
                    (Pane::Checker, true) | (Pane::History, false) => Pane::Documents,
                    (Pane::Documents, true) | (Pane::Checker, false) => Pane::History,
                    (Pane::History, true) | (Pane::Documents, false) => Pane::Checker,
                };
                return None;
            }
            Action::RoiPick | Action::Submit if p.pane == Pane::Documents && !closed => {
                if let Some(d) = p.view.documents.get(p.cursor) {
                    if d.info.restricted {
                        self.problem = Some(
                            "That document is in a restricted encounter: break the glass on the \
                             chart (F3) to read and release it."
                                .into(),
                        );
                    } else if !p.picked.remove(&d.info.id) {
                        p.picked.insert(d.info.id.clone());
                    }
                }
                return None;
            }
            Action::ReloadRoi => return Some(RoiCall::Open(id)),
            a if !may && a.scope() == crate::ui::keymap::KeyScope::Roi => {
                self.problem = Some("Working requests is not part of your role.".into());
                return None;
            }
            _ if closed
                && matches!(
                    action,
                    Action::RoiValidate
                        | Action::RoiWait
                        | Action::RoiProcess
                        | Action::RoiAuthorization
                        | Action::RoiPapers
                        | Action::RoiExtend
                        | Action::RoiDeny
                        | Action::RoiCancel
                        | Action::RoiRelease
                ) =>
            {
                self.problem = Some(format!(
                    "{id} is {}: a closed request does not change.",
                    r.status.label()
                ));
                return None;
            }
            Action::RoiValidate => {
                return step(crate::service::RoiStep::Move {
                    to: RequestStatus::Validating,
                    note: String::new(),
                });
            }
            Action::RoiProcess => {
                return step(crate::service::RoiStep::Move {
                    to: RequestStatus::InProcessing,
                    note: String::new(),
                });
            }
            Action::RoiRelease if r.kind == RequestKind::Accounting => match &p.view.accounting {
                Some(a) => RoiForm::give_accounting(a.listed.len(), a.since, a.fee_cents),
                None => return Some(RoiCall::Open(id)),
            },
            Action::RoiAuthorization | Action::RoiPapers | Action::RoiDeny
                if r.kind == RequestKind::Accounting =>
            {
                self.problem = Some(
                    "An accounting needs no papers and is not denied (164.528); R gives it.".into(),
                );
                return None;
            }
            Action::RoiWait => RoiForm::wait(),
            Action::RoiCancel => RoiForm::cancel(),
            Action::RoiAuthorization => RoiForm::authorization(r.authorization.as_ref()),
            Action::RoiPapers => RoiForm::papers(&r.legal, &r.representative_authority),
            Action::RoiExtend if !r.requester_type.is_access() => {
                self.problem = Some(format!(
                    "Only a patient's own request has the 30-day extension; this one is from {}.",
                    r.requester_type.label()
                ));
                return None;
            }
            Action::RoiExtend if r.extension.is_some() => {
                self.problem = Some(
                    "This request was already extended once; only one 30-day extension is allowed."
                        .into(),
                );
                return None;
            }
            Action::RoiExtend => RoiForm::extend(today),
            Action::RoiDeny => RoiForm::deny(r.requester_type.is_access()),
            Action::RoiRelease if r.status != RequestStatus::InProcessing => {
                self.problem = Some(format!(
                    "{id} is {}; move it to in processing (p) once its papers are complete.",
                    r.status.label()
                ));
                return None;
            }
            Action::RoiRelease if !p.view.check.may_release() => {
                self.problem = Some(format!(
                    "Cannot release yet: {}",
                    p.view.check.blocking().join(" ")
                ));
                return None;
            }
            Action::RoiRelease => RoiForm::release(
                r.requester_type.is_access(),
                r.format == crate::domain::roi::Format::Electronic,
                p.picked.len(),
            ),
            _ => return None,
        };
        self.form = Some(form);
        None
    }

    fn form_action(&mut self, action: Action) -> Option<RoiCall> {
        let picked = self
            .page
            .as_ref()
            .map(RequestPage::picked_ids)
            .unwrap_or_default();
        let f = self.form.as_mut()?;
        if f.sending {
            return None;
        }
        match action {
            Action::NextField | Action::Down => f.next(),
            Action::PrevField | Action::Up => f.prev(),
            Action::Submit if !f.on_last() => f.next(),
            Action::Submit | Action::Save => match f.call(&picked) {
                Err(why) => f.problem = Some(why),
                Ok(call) => {
                    f.sending = true;
                    f.problem = None;
                    let page = self.page.as_ref().map(|p| &p.view.request);
                    return match call {
                        FormCall::Log(n) => Some(RoiCall::Log(n)),
                        FormCall::Step(step) => page.map(|r| RoiCall::Step {
                            id: r.id.clone(),
                            version: r.version,
                            step,
                        }),
                        FormCall::Release(input) => page.map(|r| RoiCall::Release {
                            id: r.id.clone(),
                            version: r.version,
                            input,
                        }),
                        // The chart's Disclosures tab makes these.
                        FormCall::Disclosure(_)
                        | FormCall::Correct { .. }
                        | FormCall::Accounting(_) => None,
                    };
                }
            },
            _ => {}
        }
        None
    }

    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        if self.form.is_some() {
            return vec![(Action::Save, 0), (Action::NextField, 1)];
        }
        match &self.page {
            Some(p) => {
                let mut v = vec![(Action::NextField, 1)];
                let accounting = p.view.request.kind == RequestKind::Accounting;
                if p.pane == Pane::Documents && !p.view.request.status.is_closed() && !accounting {
                    v.push((Action::RoiPick, 0));
                }
                if self.may_manage && !p.view.request.status.is_closed() && accounting {
                    v.extend([(Action::RoiRelease, 0), (Action::RoiWait, 2)]);
                    if p.view.request.extension.is_none() {
                        v.push((Action::RoiExtend, 3));
                    }
                    v.push((Action::RoiCancel, 4));
                } else if self.may_manage && !p.view.request.status.is_closed() {
                    let s = p.view.request.status;
                    if s == RequestStatus::InProcessing {
                        v.push((Action::RoiRelease, 0));
                    } else {
                        v.push((Action::RoiProcess, 0));
                    }
                    v.extend([
                        (Action::RoiAuthorization, 0),
                        (Action::RoiWait, 2),
                        (Action::RoiDeny, 2),
                        (Action::RoiPapers, 3),
                        (Action::RoiValidate, 3),
                        (Action::RoiCancel, 4),
                    ]);
                    if p.view.request.requester_type.is_access()
                        && p.view.request.extension.is_none()
                    {
                        v.push((Action::RoiExtend, 3));
                    }
                }
                v
            }
            None => {
                let mut v = Vec::new();
                if !self.rows().is_empty() {
                    v.push((Action::Submit, 0));
                }
                if self.may_manage {
                    v.push((Action::NewRoiRequest, 0));
                }
                v.push((Action::ReloadRoi, 1));
                v
            }
        }
    }

    /// What the status line says after the service took a call.
    pub fn done_message(r: &RoiRequest) -> String {
        if let Some(given) = &r.accounting_given {
            return format!("{}: accounting given, {}.", r.id, given.summary());
        }
        match (&r.release, r.status) {
            (Some(rel), RequestStatus::Released | RequestStatus::PartlyReleased) => {
                format!(
                    "{} released: {} of {} sent to {}.",
                    r.id,
                    rel.sent().count(),
                    rel.documents.len(),
                    rel.recipient
                )
            }
            _ if r.version == 1 => format!("{} logged; due {}.", r.id, r.due_date()),
            _ => match r.history.last() {
                Some(e) if !e.note.is_empty() && e.from == Some(e.to) => {
                    format!("{}: {}.", r.id, e.note)
                }
                _ => format!("{} is {}.", r.id, r.status.label()),
            },
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        match (&self.page, &self.form) {
            (Some(p), _) => draw_page(frame, area, theme, p),
            (None, _) => self.draw_desk(frame, area, theme),
        }
        if let Some(f) = &self.form {
            f.draw(frame, area, theme);
        }
    }

    fn draw_desk(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title = match &self.desk {
            None => "Release of information — loading".to_string(),
            Some(d) => {
                let open = d
                    .rows
                    .iter()
                    .filter(|r| !r.request.status.is_closed())
                    .count();
                let overdue = d
                    .rows
                    .iter()
                    .filter(|r| r.request.is_overdue(d.today))
                    .count();
                format!("Release of information — {open} open, {overdue} overdue")
            }
        };
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let Some(desk) = &self.desk else {
            frame.render_widget(Line::styled("  Reading the requests…", theme.muted), inner);
            return;
        };
        if desk.rows.is_empty() {
            let text = if self.may_manage {
                "  No requests. n logs one (open the patient's chart first to fill in the MRN)."
            } else {
                "  No requests."
            };
            frame.render_widget(Line::styled(text, theme.muted), inner);
            return;
        }
        let [table_area, details_area] =
            crate::ui::list::table_and_details(inner, desk.rows.len(), DETAILS_ROWS);
        let ascii = theme.ascii;
        let cut = |s: &str, w: u16| truncate(&sanitize(s), usize::from(w), ascii);
        let rows: Vec<Row> = desk
            .rows
            .iter()
            .map(|row| {
                let r = &row.request;
                Row::new(vec![
                    Cell::from(days_cell(r, desk.today, theme)),
                    Cell::from(cut(&r.id, WIDTHS[1])),
                    Cell::from(cut(&r.mrn, WIDTHS[2])),
                    Cell::from(cut(&row.patient_name, WIDTHS[3])),
                    Cell::from(cut(requester_cell(r), WIDTHS[4])),
                    Cell::from(cut(&r.status.label(), WIDTHS[5])),
                ])
                .style(if r.is_overdue(desk.today) {
                    theme.status_error
                } else if r.status.is_closed() {
                    theme.muted
                } else {
                    theme.text
                })
            })
            .collect();
        let table = Table::new(rows, WIDTHS.map(Constraint::Length)).header(
            Row::new(["Left", "Request", "MRN", "Patient", "Requester", "Status"])
                .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        if let Some(row) = desk.rows.get(self.selected) {
            let r = &row.request;
            let text_area =
                crate::ui::list::details_rule(frame, details_area, theme, format!(" {} ", r.id));
            let w = usize::from(text_area.width);
            let lines = vec![
                Line::styled(
                    truncate(
                        &sanitize(&format!(
                            "{} ({}): {}",
                            r.requester_name,
                            r.requester_type.label(),
                            wants(r)
                        )),
                        w,
                        ascii,
                    ),
                    theme.text,
                ),
                Line::styled(
                    truncate(
                        &format!(
                            "Received {} · due {} · {}",
                            r.received,
                            r.due_date(),
                            clock(r, desk.today)
                        ),
                        w,
                        ascii,
                    ),
                    theme.muted,
                ),
                Line::styled(
                    truncate(&sanitize(&r.records.describe()), w, ascii),
                    theme.muted,
                ),
            ];
            frame.render_widget(Paragraph::new(lines), text_area);
        }
    }
}

fn draw_page(frame: &mut Frame, area: Rect, theme: &Theme, p: &RequestPage) {
    let v = &p.view;
    let r = &v.request;
    let ascii = theme.ascii;
    let block = theme.panel(format!(
        "{} — {} — {}",
        r.id,
        sanitize(&v.patient_name),
        r.status.label()
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = usize::from(inner.width);
    let cut = |s: &str| truncate(&sanitize(s), w, ascii);
    let who = match (r.kind, r.requester_type) {
        (RequestKind::Accounting, crate::domain::roi::RequesterType::Patient) => {
            format!("accounting asked by {}", r.requester_name)
        }
        (RequestKind::Accounting, t) => {
            format!("accounting asked by {} ({})", r.requester_name, t.label())
        }
        (RequestKind::Copies, t) => format!(
            "from {} ({}): {}",
            r.requester_name,
            t.label(),
            r.purpose.label()
        ),
    };
    let mut head = vec![
        Line::styled(
            cut(&format!("MRN {} · born {} · {who}", r.mrn, v.birth_date)),
            theme.text,
        ),
        Line::from(vec![Span::styled(
            cut(&format!(
                "Received {} · due {}{} · {} · {} by {}",
                r.received,
                r.due_date(),
                if r.extension.is_some() {
                    " (extended)"
                } else {
                    ""
                },
                clock(r, v.today),
                r.format.label(),
                r.delivery.label()
            )),
            if r.is_overdue(v.today) {
                theme.status_error
            } else {
                theme.muted
            },
        )]),
        Line::styled(cut(&format!("Basis: {}", basis(v))), theme.muted),
    ];
    if let Some(matter) = &v.legal_hold {
        head.push(Line::styled(
            cut(&format!(
                "LEGAL HOLD: {matter} — check with compliance before releasing"
            )),
            theme.status_warning,
        ));
    }
    if let Some(rel) = &r.release {
        head.push(Line::styled(
            cut(&format!("Sent: {}", rel.summary())),
            theme.status_info,
        ));
        head.push(Line::styled(
            cut(&format!(
                "Packet: {} ({} files and MANIFEST.sha256){}",
                rel.packet_dir,
                rel.files.len(),
                rel.disclosure_id
                    .as_ref()
                    .map_or(String::new(), |d| format!(" · accounted as {d}"))
            )),
            theme.muted,
        ));
    }
    if let Some(given) = &r.accounting_given {
        head.push(Line::styled(
            cut(&format!("Given: {}", given.summary())),
            theme.status_info,
        ));
        head.push(Line::styled(
            cut(&format!("Folder: {} (and MANIFEST.sha256)", given.dir)),
            theme.muted,
        ));
    }
    if let Some(d) = &r.denial {
        head.push(Line::styled(
            cut(&format!(
                "Denied {}: {}{} — {}",
                d.on,
                d.ground.label(),
                if d.reviewable {
                    " (reviewable)"
                } else {
                    " (not reviewable)"
                },
                d.explanation
            )),
            theme.status_warning,
        ));
    }
    let tabs = [
        (Pane::Checker, "Checker"),
        (
            Pane::Documents,
            if v.accounting.is_some() {
                "Disclosures"
            } else {
                "Documents"
            },
        ),
        (Pane::History, "History"),
    ];
    let mut tab_spans = Vec::new();
    for (pane, label) in tabs {
        tab_spans.push(Span::styled(
            format!(" {label} "),
            if pane == p.pane {
                theme.selected
            } else {
                theme.muted
            },
        ));
        tab_spans.push(Span::raw(" "));
    }
    head.push(Line::from(tab_spans));
    let [head_area, body] = Layout::vertical([
        Constraint::Length(u16::try_from(head.len()).unwrap_or(5)),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head), head_area);
    match p.pane {
        Pane::Checker => draw_checker(frame, body, theme, v),
        Pane::Documents => match &v.accounting {
            Some(a) => draw_accounting(frame, body, theme, a),
            None => draw_documents(frame, body, theme, p),
        },
        Pane::History => {
            let lines: Vec<Line> = r
                .history
                .iter()
                .rev()
                .map(|e| {
                    Line::styled(
                        cut(&format!(
                            "{} {} → {}: {}",
                            e.at.format("%Y-%m-%d %H:%M"),
                            e.by,
                            e.to.label(),
                            e.note
                        )),
                        theme.text,
                    )
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), body);
        }
    }
}

/// The legal basis in words; an accounting request rests on 164.528, not on the checker's basis.
fn basis(v: &RoiView) -> String {
    match v.request.kind {
        RequestKind::Accounting => {
            "the individual's right to an accounting of disclosures (164.528)".into()
        }
        RequestKind::Copies => v.check.basis.label().to_string(),
    }
}

/// An accounting request's Disclosures pane: what the accounting lists, newest first.
fn draw_accounting(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    a: &crate::service::AccountingPreview,
) {
    let ascii = theme.ascii;
    let w = usize::from(area.width);
    let mut lines = vec![Line::styled(
        truncate(
            &format!(
                "  Lists {} disclosure(s) since {} · fee {}",
                a.listed.len(),
                a.since,
                crate::domain::roi::format_cents(a.fee_cents)
            ),
            w,
            ascii,
        ),
        theme.muted,
    )];
    if a.listed.is_empty() {
        lines.push(Line::styled(
            "  No disclosure in this period must be accounted for.",
            theme.muted,
        ));
    }
    for d in a.listed.iter().rev() {
        lines.push(Line::styled(
            truncate(
                &sanitize(&format!(
                    "  {}  {} — {}",
                    d.disclosed_on, d.recipient, d.purpose
                )),
                w,
                ascii,
            ),
            theme.text,
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_checker(frame: &mut Frame, area: Rect, theme: &Theme, v: &RoiView) {
    let ascii = theme.ascii;
    let w = usize::from(area.width);
    let (ok, no) = if ascii {
        ("[x]", "[ ]")
    } else {
        ("✓", "✗")
    };
    let mut lines = Vec::new();
    let blocking = v.check.blocking();
    if v.check.items.is_empty() && blocking.is_empty() {
        lines.push(Line::styled(
            format!("  {ok} No authorization is needed: {}.", basis(v)),
            theme.status_info,
        ));
    }
    // Elements present in two columns, then each missing one in words.
    let present: Vec<&str> = v
        .check
        .items
        .iter()
        .filter(|i| i.problem.is_none())
        .map(|i| i.element.as_str())
        .collect();
    let half = w / 2;
    for pair in present.chunks(2) {
        let cell = |s: &str| truncate(&format!("  {ok} {s}"), half, ascii);
        let left = cell(pair[0]);
        let right = pair.get(1).map(|s| cell(s)).unwrap_or_default();
        let pad = half.saturating_sub(left.chars().count());
        lines.push(Line::styled(
            format!("{left}{}{right}", " ".repeat(pad)),
            theme.text,
        ));
    }
    for item in v.check.items.iter().filter(|i| i.problem.is_some()) {
        lines.push(Line::styled(
            truncate(&format!("  {no} {}", item.element), w, ascii),
            theme.status_error,
        ));
    }
    if !blocking.is_empty() {
        lines.push(Line::styled(
            "  Blocks the release until fixed:".to_string(),
            theme.status_error,
        ));
        for b in &blocking {
            lines.push(Line::styled(format!("    {b}"), theme.text));
        }
    }
    if v.check.part2_notice {
        lines.push(Line::styled(
            "  Part 2 records: the 42 CFR 2.32 notice goes with the packet.",
            theme.muted,
        ));
    }
    if !v.check.releasable.is_empty() {
        let names: Vec<&str> = v.check.releasable.iter().map(|c| c.short()).collect();
        lines.push(Line::styled(
            truncate(
                &format!("  Sensitive categories that may go: {}", names.join(", ")),
                w,
                ascii,
            ),
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_documents(frame: &mut Frame, area: Rect, theme: &Theme, p: &RequestPage) {
    let v = &p.view;
    let ascii = theme.ascii;
    if v.documents.is_empty() {
        frame.render_widget(
            Line::styled("  The chart has no documents.", theme.muted),
            area,
        );
        return;
    }
    let pages: u32 = v
        .documents
        .iter()
        .filter(|d| p.picked.contains(&d.info.id))
        .map(|d| d.pages)
        .sum();
    let [table_area, sum_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
    let widths = [4u16, 11, 20, 10, 14, 6];
    let rows: Vec<Row> = v
        .documents
        .iter()
        .map(|d| {
            let mark = match (p.picked.contains(&d.info.id), ascii) {
                (true, false) => "[✓]",
                (true, true) => "[x]",
                (false, _) => "[ ]",
            };
            let (kind, cats, style) = if d.info.restricted {
                (
                    "restricted".to_string(),
                    "break glass".to_string(),
                    theme.status_warning,
                )
            } else {
                let cats: Vec<&str> = d.categories.iter().map(|c| c.short()).collect();
                let allowed = v.check.allows(&d.categories).is_ok();
                (
                    sanitize(&d.info.kind).into_owned(),
                    cats.join(", "),
                    if allowed {
                        theme.text
                    } else {
                        theme.status_warning
                    },
                )
            };
            Row::new(vec![
                Cell::from(mark),
                Cell::from(truncate(&d.info.id, 11, ascii)),
                Cell::from(truncate(&kind, 20, ascii)),
                Cell::from(d.info.written.to_string()),
                Cell::from(truncate(&cats, 14, ascii)),
                Cell::from(format!("{}p", d.pages)),
            ])
            .style(style)
        })
        .collect();
    let table = Table::new(rows, widths.map(Constraint::Length)).header(
        Row::new(["", "Document", "Kind", "Written", "Sensitive", "Pages"]).style(theme.title),
    );
    let table = crate::ui::list::with_selection(table, theme);
    let mut state = TableState::default().with_selected(Some(p.cursor));
    frame.render_stateful_widget(table, table_area, &mut state);
    let held = v
        .documents
        .iter()
        .filter(|d| p.picked.contains(&d.info.id) && v.check.allows(&d.categories).is_err())
        .count();
    let mut sum = format!("  {} picked, {pages} pages", p.picked.len());
    if held > 0 {
        sum.push_str(&format!(
            "; {held} sensitive, held back unless the authorization names them"
        ));
    }
    if let Some(rel) = &v.request.release {
        sum = format!(
            "  Released: fee {}",
            crate::domain::roi::format_cents(rel.fee.total_cents)
        );
    }
    frame.render_widget(
        Line::styled(
            truncate(&sum, usize::from(sum_area.width), ascii),
            theme.muted,
        ),
        sum_area,
    );
}
