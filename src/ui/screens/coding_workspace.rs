//! The coding workspace (Enter on a queue row): the encounter's documents on the left (the
//! list, Enter reads one, PgUp/PgDn scroll it, `/` `n` `N` find; each read is audited), the
//! code list on the right, principal first, with POA on inpatient diagnoses, and the
//! validation findings under it. Tab moves between the two sides. `+` adds a code
//! through the look-up popup (`code_lookup.rs`, on the discharge date), `p` cycles POA, `[`
//! and `]` reorder, Del removes. Nothing is saved half-way: Ctrl+S saves the whole list as
//! one version and shows the findings that came back; `k` marks coded, `o` holds (a reason,
//! a note) or resumes, `r` releases; supervisors `v` validate and `x` return with a note.
//! Someone else's encounter, or billing, is read-only.

use crate::codes::CodeSystem;
use crate::codes::validate::{AssignedCode, Finding, Poa, Severity};
use crate::domain::EncounterClass;
use crate::domain::coding::{CodingStatus, HoldReason};
use crate::domain::patient::DocumentInfo;
use crate::domain::query::{PhysicianQuery, QueryDraft, QueryStatus};
use crate::sanitize::sanitize;
use crate::service::{CodingView, QueryRecipient};
use crate::ui::doc_viewer::DocumentViewer;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::screens::code_lookup::{CodeLookupView, LookupRequest};
use crate::ui::screens::query_composer::{ComposerOutcome, QueryComposer};
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

const POA_CYCLE: [Option<Poa>; 6] = [
    None,
    Some(Poa::Y),
    Some(Poa::N),
    Some(Poa::U),
    Some(Poa::W),
    Some(Poa::Exempt),
];

/// A step that needs a few words first.
#[derive(Clone, Debug, PartialEq)]
pub enum NotePrompt {
    Hold {
        reason: HoldReason,
        note: TextInput,
    },
    Return {
        note: TextInput,
    },
    /// Withdraw this open query (id, version): the reason.
    Withdraw {
        query: String,
        version: u64,
        note: TextInput,
    },
}

/// A coding step the workspace asks for, on the record version it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkStep {
    Save(Vec<AssignedCode>),
    MarkCoded,
    Release,
    Hold(HoldReason, String),
    Resume,
    Validate,
    Return(String),
    SendQuery(QueryDraft),
    /// Withdraw query (id, version) with the reason.
    WithdrawQuery(String, u64, String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum WorkspaceRequest {
    Step(String, u64, WorkStep),
    Lookup(LookupRequest),
    /// Read this document of the chart (MRN, document id).
    Document(String, String),
    /// The clinicians a query can go to, for the composer.
    Recipients,
}

/// The left side: the encounter's documents and the one being read.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DocumentsPane {
    /// None until the chart's list arrives.
    pub list: Option<Vec<DocumentInfo>>,
    pub selected: usize,
    pub viewer: Option<DocumentViewer>,
    /// The id of the document in the viewer (quotes name it).
    pub shown: Option<String>,
    pub find: Option<TextInput>,
    /// Why the documents cannot be shown (billing never reads note text).
    pub problem: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CodingWorkspace {
    pub view: CodingView,
    pub me: String,
    /// The list being edited (saved only with Ctrl+S).
    pub codes: Vec<AssignedCode>,
    pub findings: Vec<Finding>,
    pub selected: usize,
    pub lookup: Option<Box<CodeLookupView>>,
    pub prompt: Option<NotePrompt>,
    pub may_validate: bool,
    pub docs: DocumentsPane,
    /// Tab: the keyboard is on the documents (Up/Down pick one) rather than the codes.
    pub on_docs: bool,
    /// Esc was pressed once with unsaved codes: the next one leaves.
    pub leave_warned: bool,
    /// The physician query being written, kept while the coder reads and quotes.
    pub composer: Option<Box<QueryComposer>>,
    /// The composer is on screen (Esc hides it; `q` shows it again).
    pub composing: bool,
    problem: Option<String>,
}

impl CodingWorkspace {
    pub fn new(view: CodingView, me: &str, may_validate: bool) -> CodingWorkspace {
        CodingWorkspace {
            codes: view.record.codes.clone(),
            findings: view.findings.clone(),
            view,
            me: me.to_string(),
            selected: 0,
            lookup: None,
            prompt: None,
            may_validate,
            leave_warned: false,
            docs: DocumentsPane::default(),
            on_docs: false,
            composer: None,
            composing: false,
            problem: None,
        }
    }

    pub fn encounter_id(&self) -> &str {
        &self.view.record.encounter_id
    }

    /// The coder may change the list: in progress and theirs.
    pub fn editable(&self) -> bool {
        self.view.record.status == CodingStatus::InProgress
            && self.view.record.assigned.as_deref() == Some(self.me.as_str())
    }

    /// The coder may write a query: the encounter is theirs, in progress or already on
    /// hold for a query.
    pub fn may_query(&self) -> bool {
        self.view.record.open_to_query_by(&self.me)
    }

    /// The open query `w` withdraws: the newest one this coder sent (a supervisor: any).
    fn open_query(&self) -> Option<&PhysicianQuery> {
        self.view
            .queries
            .iter()
            .rev()
            .filter(|q| q.status == QueryStatus::Open)
            .find(|q| q.sent_by == self.me || self.may_validate)
    }

    /// The query being written, started on first use (`q`, `i`, or the clinicians arriving).
    fn draft_composer(&mut self) -> &mut QueryComposer {
        let encounter = &self.view.record.encounter_id;
        self.composer
            .get_or_insert_with(|| Box::new(QueryComposer::new(encounter)))
    }

    pub fn set_recipients(&mut self, list: Vec<QueryRecipient>) {
        let attending = self.view.encounter.attending.clone();
        self.draft_composer().set_recipients(list, &attending);
    }

    pub fn has_unsaved(&self) -> bool {
        self.composer
            .as_ref()
            .is_some_and(|c| !c.indicators.is_empty())
            || self.codes != self.view.record.codes
            || self
                .prompt
                .as_ref()
                .is_some_and(|p| !prompt_note(p).is_empty())
    }

    pub fn typing(&self) -> bool {
        (self.composing && self.composer.as_ref().is_some_and(|c| c.typing()))
            || self.prompt.is_some()
            || self.docs.find.is_some()
            || self.lookup.as_ref().is_some_and(|l| l.typing())
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem
            .take()
            .or_else(|| self.lookup.as_mut().and_then(|l| l.problem()))
            .or_else(|| self.composer.as_mut().and_then(|c| c.problem()))
    }

    fn inpatient(&self) -> bool {
        self.view.record.class == EncounterClass::Inpatient
    }

    /// A new record after a step; the edited list is kept when the step did not save.
    pub fn stepped(&mut self, view: CodingView, saved: bool) {
        if saved {
            self.codes = view.record.codes.clone();
        }
        self.findings = view.findings.clone();
        // The query was sent: the draft is done with.
        if let Some(c) = &self.composer
            && view.queries.iter().any(|q| q.draft == c.draft())
        {
            self.composer = None;
            self.composing = false;
        }
        self.view = view;
        self.selected = self.selected.min(self.codes.len().saturating_sub(1));
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> Option<Option<WorkspaceRequest>> {
        if self.composing
            && let Some(c) = &mut self.composer
        {
            return c.handle_key(key).then_some(None);
        }
        if let Some(f) = &mut self.docs.find {
            return f.handle_key(key).then_some(None);
        }
        if let Some(p) = &mut self.prompt {
            return prompt_note_mut(p).handle_key(key).then_some(None);
        }
        let l = self.lookup.as_mut()?;
        l.handle_key(key).map(|r| r.map(WorkspaceRequest::Lookup))
    }

    pub fn paste(&mut self, text: &str) -> Option<WorkspaceRequest> {
        if self.composing
            && let Some(c) = &mut self.composer
        {
            c.paste(text);
            return None;
        }
        if let Some(p) = &mut self.prompt {
            prompt_note_mut(p).insert_str(text);
            return None;
        }
        self.lookup
            .as_mut()
            .and_then(|l| l.paste(text))
            .map(WorkspaceRequest::Lookup)
    }

    /// Esc closes the popup, the prompt, the find or the document first.
    pub fn back(&mut self) -> bool {
        if self.composing {
            self.composing = false;
            return true;
        }
        if self.lookup.take().is_some()
            || self.prompt.take().is_some()
            || self.docs.find.take().is_some()
        {
            return true;
        }
        if let Some(v) = &mut self.docs.viewer
            && v.find_query().is_some()
        {
            v.clear_find();
            return true;
        }
        self.docs.viewer.take().is_some()
    }

    /// The chart's documents of this encounter (or why not).
    pub fn set_documents(&mut self, docs: Result<Vec<DocumentInfo>, String>) {
        match docs {
            Ok(list) => {
                self.docs.list = Some(list);
                self.docs.problem = None;
            }
            Err(why) => {
                self.docs.list = Some(Vec::new());
                self.docs.problem = Some(why);
            }
        }
    }

    pub fn show_document(&mut self, id: &str, title: &str, text: &str) {
        self.docs.viewer = Some(DocumentViewer::new(title, text));
        self.docs.shown = Some(id.to_string());
        self.docs.find = None;
    }

    /// `i`: the reader's line in focus (the current find match, else the top line) becomes
    /// a clinical indicator of the query being written.
    fn quote_line(&mut self) {
        let (Some(v), Some(id)) = (&self.docs.viewer, &self.docs.shown) else {
            self.problem = Some("Read a document first, then i quotes its line.".into());
            return;
        };
        if !self.may_query() {
            self.problem = Some("Queries are sent on an encounter you are coding.".into());
            return;
        }
        let Some(line) = v.focus_line().and_then(|l| v.lines().get(l)) else {
            self.problem = Some("This document has no text to quote.".into());
            return;
        };
        let (id, line, text) = (id.clone(), line.clone(), v.lines().join("\n"));
        if !self.draft_composer().quote(&id, &text, &line) {
            self.problem = Some("That line is blank or already quoted.".into());
        }
    }

    /// Keys of the reader: find, next/previous match, scrolling; None when not one of them.
    fn reader_action(&mut self, action: Action) -> Option<Option<WorkspaceRequest>> {
        if let Some(f) = &self.docs.find {
            if action == Action::Submit {
                let q = f.value().to_string();
                self.docs.find = None;
                if let Some(v) = &mut self.docs.viewer {
                    v.find(&q);
                }
            }
            return Some(None);
        }
        let v = self.docs.viewer.as_mut()?;
        match action {
            Action::Find => self.docs.find = Some(TextInput::new(100)),
            Action::NextMatch => v.next_match(),
            Action::PrevMatch => v.prev_match(),
            Action::PageUp => v.page_up(),
            Action::PageDown => v.page_down(),
            Action::Home if self.on_docs => v.home(),
            Action::End if self.on_docs => v.end(),
            _ => return None,
        }
        Some(None)
    }

    fn docs_action(&mut self, action: Action, page: usize) -> Option<WorkspaceRequest> {
        let list = self.docs.list.as_deref().unwrap_or(&[]);
        if action == Action::Submit {
            let d = list.get(self.docs.selected)?;
            return Some(WorkspaceRequest::Document(
                self.view.record.mrn.clone(),
                d.id.clone(),
            ));
        }
        let len = list.len();
        crate::ui::list::move_selection(&mut self.docs.selected, len, action, page);
        None
    }

    fn step(&self, step: WorkStep) -> Option<WorkspaceRequest> {
        Some(WorkspaceRequest::Step(
            self.encounter_id().to_string(),
            self.view.record.version,
            step,
        ))
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<WorkspaceRequest> {
        // Any other key after the unsaved warning: the next Esc warns again.
        self.leave_warned = false;
        if self.composing
            && let Some(c) = &mut self.composer
        {
            return match c.on_action(action)? {
                ComposerOutcome::Send(draft) => self.step(WorkStep::SendQuery(draft)),
                ComposerOutcome::Close => {
                    self.composing = false;
                    None
                }
            };
        }
        if let Some(l) = &mut self.lookup {
            if action == Action::Submit {
                let hit = l.hits.get(l.selected)?.clone();
                let system = l.system;
                self.lookup = None;
                let poa = (self.inpatient() && system == CodeSystem::Icd10Cm).then_some(Poa::Y);
                self.codes.push(AssignedCode {
                    system,
                    code: hit.raw,
                    poa,
                });
                self.selected = self.codes.len() - 1;
                return None;
            }
            return l.on_action(action, page).map(WorkspaceRequest::Lookup);
        }
        if let Some(p) = &mut self.prompt {
            match (action, p) {
                (Action::Up | Action::Down, NotePrompt::Hold { reason, .. }) => {
                    let all = HoldReason::ALL;
                    let i = all.iter().position(|r| r == reason).unwrap_or(0);
                    let n = all.len();
                    *reason = all[if action == Action::Up {
                        (i + n - 1) % n
                    } else {
                        (i + 1) % n
                    }];
                    return None;
                }
                (Action::Submit, NotePrompt::Hold { reason, note }) => {
                    let step = WorkStep::Hold(*reason, note.value().trim().to_string());
                    self.prompt = None;
                    return self.step(step);
                }
                (
                    Action::Submit,
                    NotePrompt::Withdraw {
                        query,
                        version,
                        note,
                    },
                ) => {
                    let text = note.value().trim().to_string();
                    if text.is_empty() {
                        self.problem = Some("Say why the query is withdrawn.".into());
                        return None;
                    }
                    let step = WorkStep::WithdrawQuery(query.clone(), *version, text);
                    self.prompt = None;
                    return self.step(step);
                }
                (Action::Submit, NotePrompt::Return { note }) => {
                    let text = note.value().trim().to_string();
                    if text.is_empty() {
                        self.problem = Some("Say what the coder should look at again.".into());
                        return None;
                    }
                    self.prompt = None;
                    return self.step(WorkStep::Return(text));
                }
                _ => return None,
            }
        }
        if let Some(r) = self.reader_action(action) {
            return r;
        }
        match action {
            Action::QuoteLine => {
                self.quote_line();
                return None;
            }
            Action::ComposeQuery if !self.may_query() => {
                self.problem = Some(format!(
                    "Queries are sent on an encounter you are coding; {} is {}.",
                    self.encounter_id(),
                    self.view.record.status.label().to_lowercase()
                ));
                return None;
            }
            Action::ComposeQuery => {
                self.composing = true;
                return self
                    .draft_composer()
                    .recipients
                    .is_none()
                    .then_some(WorkspaceRequest::Recipients);
            }
            Action::WithdrawQuery => {
                match self.open_query() {
                    Some(q) => {
                        self.prompt = Some(NotePrompt::Withdraw {
                            query: q.id.clone(),
                            version: q.version,
                            note: TextInput::new(200),
                        });
                    }
                    None => self.problem = Some("No open query of yours to withdraw.".into()),
                }
                return None;
            }
            _ => {}
        }
        if action == Action::NextField || action == Action::PrevField {
            self.on_docs = !self.on_docs;
            return None;
        }
        if self.on_docs
            && matches!(
                action,
                Action::Up | Action::Down | Action::Home | Action::End | Action::Submit
            )
        {
            return self.docs_action(action, page);
        }
        let status = self.view.record.status;
        let edit_action = matches!(
            action,
            Action::AddCode
                | Action::SetPoa
                | Action::CodeUp
                | Action::CodeDown
                | Action::DeleteCode
                | Action::Save
                | Action::MarkCoded
        );
        if edit_action && !self.editable() {
            self.problem = Some(format!(
                "Read-only: {} is {}{}.",
                self.encounter_id(),
                status.label().to_lowercase(),
                self.view
                    .record
                    .assigned
                    .as_deref()
                    .map_or_else(String::new, |a| format!(", with {}", sanitize(a)))
            ));
            return None;
        }
        match action {
            Action::AddCode => {
                let mut l = CodeLookupView::new(self.view.record.discharged);
                l.system = CodeSystem::Icd10Cm;
                self.lookup = Some(Box::new(l));
                None
            }
            Action::SetPoa => {
                let c = self.codes.get_mut(self.selected)?;
                let i = POA_CYCLE.iter().position(|p| *p == c.poa).unwrap_or(0);
                c.poa = POA_CYCLE[(i + 1) % POA_CYCLE.len()];
                None
            }
            Action::CodeUp if self.selected > 0 && self.selected < self.codes.len() => {
                self.codes.swap(self.selected, self.selected - 1);
                self.selected -= 1;
                None
            }
            Action::CodeDown if self.selected + 1 < self.codes.len() => {
                self.codes.swap(self.selected, self.selected + 1);
                self.selected += 1;
                None
            }
            Action::DeleteCode if self.selected < self.codes.len() => {
                self.codes.remove(self.selected);
                self.selected = self.selected.min(self.codes.len().saturating_sub(1));
                None
            }
            Action::Save => self.step(WorkStep::Save(self.codes.clone())),
            Action::MarkCoded => {
                if self.codes != self.view.record.codes {
                    self.problem = Some("Save the list first (Ctrl+S), then mark it coded.".into());
                    return None;
                }
                self.step(WorkStep::MarkCoded)
            }
            Action::ReleaseCoding => self.step(WorkStep::Release),
            Action::HoldCoding if status == CodingStatus::OnHold => self.step(WorkStep::Resume),
            Action::HoldCoding => {
                self.prompt = Some(NotePrompt::Hold {
                    reason: HoldReason::QueryPending,
                    note: TextInput::new(200),
                });
                None
            }
            Action::ValidateCoding | Action::ReturnCoding
                if !(self.may_validate && status == CodingStatus::Coded) =>
            {
                self.problem = Some("Second-level review: a supervisor, on coded work.".into());
                None
            }
            Action::ValidateCoding => self.step(WorkStep::Validate),
            Action::ReturnCoding => {
                self.prompt = Some(NotePrompt::Return {
                    note: TextInput::new(200),
                });
                None
            }
            _ => {
                crate::ui::list::move_selection(&mut self.selected, self.codes.len(), action, page);
                None
            }
        }
    }

    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        if self.composing
            && let Some(c) = &self.composer
        {
            return c.footer_actions();
        }
        if self.lookup.is_some() || self.prompt.is_some() {
            return vec![(Action::Submit, 0), (Action::NextField, 1)];
        }
        if self.docs.find.is_some() {
            return vec![(Action::Submit, 0)];
        }
        let mut v = vec![(Action::NextField, 2)];
        if self.docs.viewer.is_some() {
            v.extend([(Action::Find, 1), (Action::NextMatch, 3)]);
        } else if self.on_docs {
            v.push((Action::Submit, 0));
        }
        if self.editable() {
            v.extend([
                (Action::AddCode, 0),
                (Action::Save, 0),
                (Action::MarkCoded, 0),
                (Action::SetPoa, 1),
                (Action::CodeUp, 2),
                (Action::CodeDown, 2),
                (Action::DeleteCode, 2),
                (Action::HoldCoding, 1),
                (Action::ReleaseCoding, 2),
            ]);
        } else if self.view.record.status == CodingStatus::OnHold {
            v.push((Action::HoldCoding, 0));
        }
        if self.may_query() {
            v.push((Action::ComposeQuery, 1));
            if self.docs.viewer.is_some() {
                v.push((Action::QuoteLine, 2));
            }
        }
        if self.open_query().is_some() {
            v.push((Action::WithdrawQuery, 1));
        }
        if self.may_validate
            && self.view.record.status == CodingStatus::Coded
            && self.view.validation_required
        {
            v.extend([(Action::ValidateCoding, 0), (Action::ReturnCoding, 0)]);
        }
        v
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let r = &self.view.record;
        let e = &self.view.encounter;
        let unsaved = if self.codes != r.codes {
            " — unsaved"
        } else {
            ""
        };
        let block = theme.panel(format!(
            "Coding {} — {} {} — {}{}",
            sanitize(&r.encounter_id),
            r.class.label(),
            r.discharged.format("%Y-%m-%d"),
            r.status.label(),
            unsaved
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [info, body, prompt] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(u16::from(self.prompt.is_some()) * 2),
        ])
        .areas(inner);
        let [docs, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(body);
        let [codes, findings] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(9)]).areas(right);
        self.draw_documents(frame, docs, theme);
        let who = r
            .assigned
            .as_deref()
            .map_or_else(|| "unassigned".to_string(), |a| sanitize(a).into_owned());
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    format!(
                        "MRN {} · attending {} · {} · list v{} · coder {who}",
                        sanitize(&r.mrn),
                        sanitize(&e.attending),
                        sanitize(&e.location),
                        r.code_version
                    ),
                    theme.muted,
                ),
                Span::styled(
                    r.hold_note
                        .as_deref()
                        .map_or_else(String::new, |n| format!(" · hold: {}", sanitize(n))),
                    theme.status_warning,
                ),
            ])),
            info,
        );
        self.draw_codes(frame, codes, theme);
        self.draw_findings(frame, findings, theme);
        if let Some(p) = &self.prompt {
            let [title, field] =
                Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(prompt);
            let (text, note, label) = match p {
                NotePrompt::Hold { reason, note } => (
                    format!("Hold reason (Up/Down): {}", reason.label()),
                    note,
                    "Note",
                ),
                NotePrompt::Return { note } => ("Return to the coder:".to_string(), note, "Note"),
                NotePrompt::Withdraw { query, note, .. } => (
                    format!("Withdraw query {}:", sanitize(query)),
                    note,
                    "Reason",
                ),
            };
            frame.render_widget(Paragraph::new(Line::styled(text, theme.title)), title);
            draw_form(frame, &[(field, note, label)], 0, theme);
        }
        if let Some(l) = &self.lookup {
            let popup = inner;
            frame.render_widget(Clear, popup);
            l.draw(frame, popup, theme);
        }
        if self.composing
            && let Some(c) = &self.composer
        {
            frame.render_widget(Clear, inner);
            c.draw(frame, inner, theme);
        }
    }

    fn draw_documents(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let d = &self.docs;
        let style = if self.on_docs {
            theme.title
        } else {
            theme.muted
        };
        let block = ratatui::widgets::Block::new()
            .borders(ratatui::widgets::Borders::RIGHT)
            .border_set(theme.border_set())
            .border_style(theme.border);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let list = d.list.as_deref().unwrap_or(&[]);
        let list_rows = u16::try_from(list.len().clamp(1, 4)).unwrap_or(4);
        let [head, rows, text, prompt] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(list_rows),
            Constraint::Min(0),
            Constraint::Length(u16::from(d.find.is_some())),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(Line::styled(format!("Documents ({})", list.len()), style)),
            head,
        );
        if let Some(why) = &d.problem {
            frame.render_widget(
                Paragraph::new(Line::styled(sanitize(why).into_owned(), theme.muted))
                    .wrap(Wrap { trim: true }),
                rows.union(text),
            );
            return;
        }
        if d.list.is_some() && list.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "  No documents for this encounter.",
                    theme.muted,
                )),
                rows,
            );
        }
        let items = list.iter().map(|doc| {
            let what = if doc.restricted {
                "restricted".to_string()
            } else {
                format!("{} {}", sanitize(&doc.kind), sanitize(&doc.author))
            };
            Row::new(vec![
                Cell::from(doc.written.format("%m-%d").to_string()),
                Cell::from(what),
            ])
        });
        let table = Table::new(items, [Constraint::Length(5), Constraint::Min(5)]);
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default()
            .with_selected((self.on_docs && !list.is_empty()).then_some(d.selected));
        frame.render_stateful_widget(table, rows, &mut state);
        match &d.viewer {
            Some(v) => v.draw(frame, text, theme),
            None if !list.is_empty() => frame.render_widget(
                Paragraph::new(Line::styled(
                    "Tab here, Up/Down and Enter read a document.",
                    theme.muted,
                ))
                .wrap(Wrap { trim: true }),
                text,
            ),
            None => {}
        }
        if let Some(f) = &d.find {
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled("Find: ", theme.title),
                    Span::styled(sanitize(f.value()).into_owned(), theme.focus),
                ])),
                prompt,
            );
        }
    }

    fn draw_codes(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.codes.is_empty() {
            let hint = if self.editable() {
                "  No codes yet: + adds one."
            } else {
                "  No codes."
            };
            frame.render_widget(Paragraph::new(Line::styled(hint, theme.muted)), area);
            return;
        }
        let flagged = |i: usize| {
            self.findings
                .iter()
                .filter(|f| f.codes.contains(&i))
                .map(|f| f.severity)
                .min()
        };
        let rows = self.codes.iter().enumerate().map(|(i, c)| {
            let style = match flagged(i) {
                Some(Severity::Error) => theme.status_error,
                Some(Severity::Warning) => theme.status_warning,
                _ => theme.text,
            };
            let role = if i == 0 { "princ" } else { "" };
            Row::new(vec![
                Cell::from(format!("{:>2}", i + 1)),
                Cell::from(sanitize(&crate::codes::check::display(c.system, &c.code)).into_owned()),
                Cell::from(system_abbrev(c.system)),
                Cell::from(if self.inpatient() {
                    c.poa.map_or("-", Poa::letter)
                } else {
                    ""
                }),
                Cell::from(role),
            ])
            .style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(2),
                Constraint::Length(8),
                Constraint::Length(5),
                Constraint::Length(3),
                Constraint::Min(5),
            ],
        )
        .header(Row::new(["#", "Code", "Sys", "POA", ""]).style(theme.title));
        let table = crate::ui::list::with_selection(table, theme);
        let mut state =
            TableState::default().with_selected((!self.on_docs).then_some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }

    fn draw_findings(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let text = crate::ui::list::details_rule(
            frame,
            area,
            theme,
            format!(
                " Findings: {errors} error{}, {} other ",
                if errors == 1 { "" } else { "s" },
                self.findings.len() - errors
            ),
        );
        let today = self.view.today;
        let mut lines: Vec<Line> = self
            .view
            .queries
            .iter()
            .map(|q| query_line(q, today, theme))
            .collect();
        lines.extend(self.findings.iter().map(|f| {
            let (tag, style) = match f.severity {
                Severity::Error => ("error", theme.status_error),
                Severity::Warning => ("warning", theme.status_warning),
                _ => ("note", theme.muted),
            };
            Line::from(vec![
                Span::styled(format!("{tag}: "), style),
                Span::styled(sanitize(&f.message).into_owned(), theme.text),
            ])
        }));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text);
    }
}

/// One query as the workspace lists it: who was asked, how old, and the answer.
fn query_line(
    q: &PhysicianQuery,
    today: Option<chrono::NaiveDate>,
    theme: &Theme,
) -> Line<'static> {
    let head = format!("{} to {}: ", sanitize(&q.id), sanitize(&q.draft.to));
    let (what, style) = match (&q.status, &q.answer, &q.withdrawn) {
        (QueryStatus::Answered, Some(a), _) => {
            (format!("answered \"{}\"", sanitize(&a.text)), theme.text)
        }
        (QueryStatus::Withdrawn, _, Some(w)) => {
            (format!("withdrawn: {}", sanitize(&w.text)), theme.muted)
        }
        _ => (
            match today {
                Some(t) => format!("open {}d", q.age_days(t)),
                None => format!("open since {}", q.sent_at.format("%Y-%m-%d")),
            },
            theme.status_warning,
        ),
    };
    Line::from(vec![
        Span::styled(format!("query {head}"), theme.title),
        Span::styled(what, style),
    ])
}

fn prompt_note(p: &NotePrompt) -> &TextInput {
    match p {
        NotePrompt::Hold { note, .. }
        | NotePrompt::Return { note }
        | NotePrompt::Withdraw { note, .. } => note,
    }
}

fn prompt_note_mut(p: &mut NotePrompt) -> &mut TextInput {
    match p {
        NotePrompt::Hold { note, .. }
        | NotePrompt::Return { note }
        | NotePrompt::Withdraw { note, .. } => note,
    }
}

fn system_abbrev(s: CodeSystem) -> &'static str {
    match s {
        CodeSystem::Icd10Cm => "CM",
        CodeSystem::Icd10Pcs => "PCS",
        CodeSystem::Hcpcs => "HCPCS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::coding::CodingRecord;
    use crate::domain::patient::Encounter;
    use chrono::NaiveDate;

    fn ws(status: CodingStatus, who: &str, me: &str, supervisor: bool) -> CodingWorkspace {
        let day = NaiveDate::from_ymd_opt(2026, 10, 14).unwrap();
        let mut record = CodingRecord::new("E1", "M1", EncounterClass::Inpatient, day);
        record.status = status;
        record.assigned = Some(who.into());
        record.version = 4;
        record.codes = vec![
            AssignedCode {
                system: CodeSystem::Icd10Cm,
                code: "J189".into(),
                poa: Some(Poa::Y),
            },
            AssignedCode {
                system: CodeSystem::Icd10Cm,
                code: "E119".into(),
                poa: Some(Poa::Y),
            },
        ];
        let encounter = Encounter {
            id: "E1".into(),
            mrn: "M1".into(),
            class: EncounterClass::Inpatient,
            admitted: day,
            discharged: Some(day),
            location: "4 West".into(),
            attending: "Dr. R. Okafor".into(),
            discharge_status: None,
            sensitivity: None,
            moved_from: None,
            version: 1,
        };
        let view = CodingView {
            record,
            encounter,
            versions: Vec::new(),
            findings: vec![Finding {
                severity: Severity::Error,
                codes: vec![1],
                message: "E11.9 and \u{1b}[31mthing are Excludes1".into(),
            }],
            validation_required: true,
            queries: Vec::new(),
            today: Some(day),
        };
        CodingWorkspace::new(view, me, supervisor)
    }

    #[test]
    fn edits_stay_local_until_one_save_of_the_whole_list() {
        let mut w = ws(CodingStatus::InProgress, "coder", "coder", false);
        assert!(!w.has_unsaved());
        w.on_action(Action::Down, 10);
        w.on_action(Action::CodeUp, 10);
        assert_eq!(w.codes[0].code, "E119", "the second code is now principal");
        w.on_action(Action::SetPoa, 10);
        assert_eq!(w.codes[0].poa, Some(Poa::N));
        assert!(w.has_unsaved());
        assert_eq!(w.on_action(Action::MarkCoded, 10), None);
        assert!(w.problem().unwrap().contains("Save the list first"));
        assert_eq!(
            w.on_action(Action::Save, 10),
            Some(WorkspaceRequest::Step(
                "E1".into(),
                4,
                WorkStep::Save(w.codes.clone())
            ))
        );
        w.on_action(Action::DeleteCode, 10);
        assert_eq!(w.codes.len(), 1);
        // The hold needs a reason (Up/Down) and takes a note.
        w.on_action(Action::HoldCoding, 10);
        w.on_action(Action::Down, 10);
        w.paste("asked Dr. Okafor");
        assert!(matches!(
            w.on_action(Action::Submit, 10),
            Some(WorkspaceRequest::Step(_, 4, WorkStep::Hold(HoldReason::DocumentationMissing, n)))
                if n == "asked Dr. Okafor"
        ));
    }

    #[test]
    fn someone_elses_work_is_read_only_and_supervisors_review_coded_work() {
        let mut w = ws(CodingStatus::InProgress, "coder2", "coder", false);
        assert_eq!(w.on_action(Action::AddCode, 10), None);
        assert!(w.lookup.is_none());
        assert!(w.problem().unwrap().contains("Read-only"));
        assert!(w.footer_actions().iter().all(|(a, _)| *a != Action::Save));

        let mut w = ws(CodingStatus::Coded, "coder", "supervisor", true);
        assert!(
            w.footer_actions()
                .iter()
                .any(|(a, _)| *a == Action::ValidateCoding)
        );
        assert_eq!(
            w.on_action(Action::ValidateCoding, 10),
            Some(WorkspaceRequest::Step("E1".into(), 4, WorkStep::Validate))
        );
        w.on_action(Action::ReturnCoding, 10);
        assert_eq!(w.on_action(Action::Submit, 10), None, "a note is needed");
        assert!(w.problem().is_some());
        w.paste("principal should be the sepsis");
        assert!(matches!(
            w.on_action(Action::Submit, 10),
            Some(WorkspaceRequest::Step(_, _, WorkStep::Return(_)))
        ));
        // A coder may not validate.
        let mut w = ws(CodingStatus::Coded, "coder", "coder", false);
        assert_eq!(w.on_action(Action::ValidateCoding, 10), None);
    }

    #[test]
    fn the_workspace_at_80x24_with_an_error_finding() {
        let theme = Theme::default();
        let mut w = ws(CodingStatus::InProgress, "coder", "coder", false);
        w.set_documents(Ok(vec![DocumentInfo {
            id: "D1".into(),
            encounter_id: "E1".into(),
            kind: "Discharge summary".into(),
            author: "Dr. R. Okafor".into(),
            written: NaiveDate::from_ymd_opt(2026, 10, 14).unwrap(),
            lines: 4,
            restricted: false,
            amended_by: None,
        }]));
        let t = crate::ui::test_screen::terminal80(|f| w.draw(f, f.area(), &theme));
        let s = crate::ui::test_screen::safe_text(&t);
        assert!(s.contains("error: E11.9 and"), "{s}");
        assert!(s.contains("J18.9"), "{s}");
        insta::assert_snapshot!(s);
    }
}
