//! The forms of the chart's Amendments tab (45 CFR 164.526): a new request, the one 30-day
//! extension, acceptance, denial on one of the rule's grounds, and the patient's statement of
//! disagreement or the rebuttal to it. Each form checks what was typed with the same domain
//! rules the service applies (on a copy of the request) before anything is sent; the service
//! still checks everything, and what it refuses is shown in the form.

use crate::domain::amendment::{
    AmendmentRequest, AmendmentStatus, AmendmentTarget, DenialReason, MAX_REASON_CHARS,
    MAX_TEXT_CHARS,
};
use crate::domain::patient::DocumentInfo;
use crate::sanitize::sanitize;
use crate::service::{AmendmentDecisionInput, StatementKind};
use crate::ui::doc_viewer::truncate;
use crate::ui::input::TextInput;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthChar;

/// Which step a form is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    New,
    Extend,
    Accept,
    Deny,
    Statement(StatementKind),
}

/// What a completed form asks the service to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmendmentCall {
    Log {
        mrn: String,
        target: AmendmentTarget,
        requested_change: String,
        received: NaiveDate,
    },
    Extend {
        id: String,
        version: u64,
        reason: String,
        patient_told: NaiveDate,
    },
    Decide {
        id: String,
        version: u64,
        decision: AmendmentDecisionInput,
        decided_on: NaiveDate,
    },
    Statement {
        id: String,
        version: u64,
        kind: StatementKind,
        text: String,
        dated: NaiveDate,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    /// One of a list; `rows` of it show at a time.
    Choice {
        label: &'static str,
        options: Vec<String>,
        selected: usize,
        rows: u16,
    },
    /// Free text, wrapped over `rows` lines (one line: label beside the field).
    Text {
        label: &'static str,
        input: TextInput,
        rows: u16,
    },
    /// YYYY-MM-DD.
    Date {
        label: &'static str,
        input: TextInput,
    },
}

impl Field {
    fn input(&self) -> Option<&TextInput> {
        match self {
            Field::Text { input, .. } | Field::Date { input, .. } => Some(input),
            Field::Choice { .. } => None,
        }
    }

    fn input_mut(&mut self) -> Option<&mut TextInput> {
        match self {
            Field::Text { input, .. } | Field::Date { input, .. } => Some(input),
            Field::Choice { .. } => None,
        }
    }

    fn height(&self) -> u16 {
        match self {
            Field::Choice { rows, .. } => 1 + rows,
            Field::Text { rows, .. } if *rows > 1 => 1 + rows,
            Field::Text { .. } | Field::Date { .. } => 1,
        }
    }
}

fn text(label: &'static str, max: usize, rows: u16) -> Field {
    Field::Text {
        label,
        input: TextInput::new(max),
        rows,
    }
}

fn date(label: &'static str, today: NaiveDate) -> Field {
    let mut input = TextInput::new(10);
    input.set(&today.format("%Y-%m-%d").to_string());
    Field::Date { label, input }
}

/// A typed date, or why it is not one.
pub fn parse_date(what: &str, typed: &str) -> Result<NaiveDate, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(format!("{what} is required (YYYY-MM-DD)"));
    }
    NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .map_err(|_| format!("{what}: \"{typed}\" is not a date; write it as YYYY-MM-DD"))
}

/// The start of `day`, for the domain's history entries on a copy nobody keeps.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// The label of the choice that names something other than a document.
const OTHER_ITEM: &str = "Something else in the record (say what below)";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmendmentForm {
    pub step: Step,
    mrn: String,
    /// The request this step works on; None for a new one.
    request: Option<AmendmentRequest>,
    /// The chart's documents a new request can name: (id, title).
    documents: Vec<(String, String)>,
    fields: Vec<Field>,
    pub focus: usize,
    /// What is wrong with the form, or what the service refused.
    problem: Option<String>,
}

/// Field positions, per step.
const NEW_TARGET: usize = 0;
const NEW_ITEM: usize = 1;
const NEW_CHANGE: usize = 2;
const NEW_RECEIVED: usize = 3;

impl AmendmentForm {
    /// The form a key asks for on the selected request (or a new one), or a plain sentence
    /// saying why that step cannot be taken now.
    pub fn open(
        action: Action,
        selected: Option<&AmendmentRequest>,
        documents: &[DocumentInfo],
        mrn: &str,
        today: NaiveDate,
    ) -> Result<AmendmentForm, String> {
        if action == Action::NewAmendment {
            return Ok(AmendmentForm::new_request(mrn, documents, today));
        }
        let Some(r) = selected else {
            return Err("No request is selected: log one first.".into());
        };
        let id = &r.id;
        let decided_on = r
            .decision
            .as_ref()
            .map(|d| format!(" on {}", d.decided_on))
            .unwrap_or_default();
        let step = match action {
            Action::ExtendAmendment => {
                if r.status != AmendmentStatus::Pending {
                    return Err(format!(
                        "Request {id} was already {}{decided_on}: only a pending request can be \
                         extended.",
                        r.status.label()
                    ));
                }
                if let Some(e) = &r.extension {
                    return Err(format!(
                        "Request {id} was already extended (the patient was told {}): the rule \
                         allows one 30-day extension.",
                        e.patient_told
                    ));
                }
                Step::Extend
            }
            Action::AcceptAmendment | Action::DenyAmendment => {
                if r.status != AmendmentStatus::Pending {
                    return Err(format!(
                        "Request {id} was already {}{decided_on}: a request is decided once.",
                        r.status.label()
                    ));
                }
                if action == Action::AcceptAmendment {
                    Step::Accept
                } else {
                    Step::Deny
                }
            }
            Action::AmendmentStatement => match (r.status, &r.disagreement, &r.rebuttal) {
                (AmendmentStatus::Denied, None, _) => Step::Statement(StatementKind::Disagreement),
                (AmendmentStatus::Denied, Some(_), None) => {
                    Step::Statement(StatementKind::Rebuttal)
                }
                (AmendmentStatus::Denied, Some(_), Some(_)) => {
                    return Err(format!(
                        "Request {id} already has the patient's statement of disagreement and \
                         the rebuttal."
                    ));
                }
                (status, _, _) => {
                    return Err(format!(
                        "A statement of disagreement answers a denial; request {id} is {}.",
                        status.label()
                    ));
                }
            },
            _ => return Err("That key is not an amendment step.".into()),
        };
        let fields = match step {
            Step::Extend => vec![
                text("Reason", MAX_REASON_CHARS, 4),
                date("Patient told", today),
            ],
            Step::Accept => vec![
                text("Amendment", MAX_TEXT_CHARS, 4),
                date("Decided on", today),
            ],
            Step::Deny => vec![
                Field::Choice {
                    label: "Ground",
                    options: DenialReason::ALL
                        .iter()
                        .map(|g| g.label().to_string())
                        .collect(),
                    selected: 0,
                    rows: 4,
                },
                text("Explanation", MAX_TEXT_CHARS, 3),
                date("Decided on", today),
            ],
            Step::Statement(StatementKind::Disagreement) => vec![
                text("Statement", MAX_TEXT_CHARS, 4),
                date("Received on", today),
            ],
            Step::Statement(StatementKind::Rebuttal) => vec![
                text("Rebuttal", MAX_TEXT_CHARS, 4),
                date("Written on", today),
            ],
            Step::New => Vec::new(),
        };
        Ok(AmendmentForm {
            step,
            mrn: mrn.to_string(),
            request: Some(r.clone()),
            documents: Vec::new(),
            fields,
            focus: 0,
            problem: None,
        })
    }

    fn new_request(mrn: &str, docs: &[DocumentInfo], today: NaiveDate) -> AmendmentForm {
        let documents: Vec<(String, String)> = docs
            .iter()
            .map(|d| (d.id.clone(), format!("{} {}", d.kind, d.written)))
            .collect();
        let mut options: Vec<String> = docs
            .iter()
            .map(|d| format!("{}  {} — {} ({})", d.written, d.kind, d.author, d.id))
            .collect();
        options.push(OTHER_ITEM.to_string());
        let rows = u16::try_from(options.len()).unwrap_or(u16::MAX).min(5);
        AmendmentForm {
            step: Step::New,
            mrn: mrn.to_string(),
            request: None,
            documents,
            fields: vec![
                Field::Choice {
                    label: "Amend",
                    options,
                    selected: 0,
                    rows,
                },
                text("Other item", MAX_REASON_CHARS, 1),
                text("Change requested", MAX_TEXT_CHARS, 3),
                date("Received", today),
            ],
            focus: 0,
            problem: None,
        }
    }

    /// The request this form works on, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request.as_ref().map(|r| r.id.as_str())
    }

    /// A text or date field has the keyboard.
    pub fn typing(&self) -> bool {
        self.fields
            .get(self.focus)
            .is_some_and(|f| f.input().is_some())
    }

    pub fn has_input(&self) -> bool {
        self.fields
            .iter()
            .any(|f| matches!(f, Field::Text { input, .. } if !input.is_empty()))
    }

    pub fn handle_key(&mut self, key: &crossterm::event::KeyEvent) -> bool {
        self.fields
            .get_mut(self.focus)
            .and_then(Field::input_mut)
            .is_some_and(|i| i.handle_key(key))
    }

    /// Pasted text goes into the focused field; its line breaks and tabs become spaces.
    pub fn paste(&mut self, pasted: &str) {
        let flat = pasted.replace("\r\n", " ").replace(['\r', '\n', '\t'], " ");
        if let Some(i) = self.fields.get_mut(self.focus).and_then(Field::input_mut) {
            i.insert_str(&flat);
        }
    }

    /// The service refused what was sent: say why in the form, which stays open.
    pub fn failed(&mut self, why: String) {
        self.problem = Some(why);
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Whether field `i` takes the focus now (the other item's description only when no
    /// document is chosen).
    fn focusable(&self, i: usize) -> bool {
        !(self.step == Step::New && i == NEW_ITEM && !self.other_item_chosen())
    }

    fn other_item_chosen(&self) -> bool {
        matches!(self.fields.get(NEW_TARGET), Some(Field::Choice { selected, .. }) if *selected >= self.documents.len())
    }

    fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        for _ in 0..n {
            self.focus = if forward {
                (self.focus + 1) % n
            } else {
                (self.focus + n - 1) % n
            };
            if self.focusable(self.focus) {
                return;
            }
        }
    }

    /// Keys that are not typing. Returns what to send once the form is complete and right.
    pub fn on_action(&mut self, action: Action, today: NaiveDate) -> Option<AmendmentCall> {
        let last = self.fields.len().saturating_sub(1);
        match action {
            Action::NextField => self.move_focus(true),
            Action::PrevField => self.move_focus(false),
            Action::Submit if self.focus < last => self.move_focus(true),
            Action::Submit | Action::Save => match self.check(today) {
                Ok(call) => {
                    self.problem = None;
                    return Some(call);
                }
                Err((field, why)) => {
                    self.focus = field;
                    self.problem = Some(why);
                }
            },
            _ => {
                if let Some(Field::Choice {
                    options, selected, ..
                }) = self.fields.get_mut(self.focus)
                {
                    crate::ui::list::move_selection(selected, options.len(), action, 4);
                }
            }
        }
        None
    }

    fn value(&self, i: usize) -> &str {
        self.fields
            .get(i)
            .and_then(Field::input)
            .map_or("", TextInput::value)
    }

    fn choice(&self, i: usize) -> usize {
        match self.fields.get(i) {
            Some(Field::Choice { selected, .. }) => *selected,
            _ => 0,
        }
    }

    fn date_of(&self, i: usize) -> Result<NaiveDate, (usize, String)> {
        let what = match self.fields.get(i) {
            Some(Field::Date { label, .. }) => label.to_lowercase(),
            _ => "the date".to_string(),
        };
        parse_date(&what, self.value(i)).map_err(|e| (i, e))
    }

    /// Everything the form can know before sending: required text, real dates, and the
    /// rule's own checks on a copy of the request. Err names the field to go back to.
    pub fn check(&self, today: NaiveDate) -> Result<AmendmentCall, (usize, String)> {
        // Only the domain's checks read these; they are not sent.
        let at = midnight(today);
        let by = "";
        // A rule's refusal mentions a date when the date is what is wrong.
        let main = if self.step == Step::New {
            NEW_CHANGE
        } else {
            usize::from(self.step == Step::Deny)
        };
        let date_field = self.fields.len().saturating_sub(1);
        let rule = |e: String| {
            let field = if e.contains("date") || e.contains("future") {
                date_field
            } else {
                main
            };
            (field, e)
        };
        if self.step == Step::New {
            let target = match self.documents.get(self.choice(NEW_TARGET)) {
                Some((id, title)) => AmendmentTarget::Document {
                    id: id.clone(),
                    title: title.clone(),
                },
                None => {
                    let what = self.value(NEW_ITEM).trim();
                    if what.is_empty() {
                        return Err((
                            NEW_ITEM,
                            "Say what is to be amended (for example: allergy list, \
                             demographics)."
                                .into(),
                        ));
                    }
                    AmendmentTarget::Item {
                        description: what.to_string(),
                    }
                }
            };
            let change = self.value(NEW_CHANGE).trim().to_string();
            let received = self.date_of(NEW_RECEIVED)?;
            AmendmentRequest::new(
                "",
                &self.mrn,
                target.clone(),
                &change,
                received,
                today,
                by,
                at,
            )
            .map_err(|e| {
                if e.contains("description") {
                    (NEW_ITEM, e)
                } else {
                    rule(e)
                }
            })?;
            return Ok(AmendmentCall::Log {
                mrn: self.mrn.clone(),
                target,
                requested_change: change,
                received,
            });
        }
        let Some(r) = &self.request else {
            return Err((0, "No request is selected.".into()));
        };
        let mut probe = r.clone();
        let (id, version) = (r.id.clone(), r.version);
        let written = self.value(main).trim().to_string();
        let when = self.date_of(date_field)?;
        match self.step {
            Step::Extend => {
                probe.extend(&written, when, today, by, at).map_err(rule)?;
                Ok(AmendmentCall::Extend {
                    id,
                    version,
                    reason: written,
                    patient_told: when,
                })
            }
            Step::Accept => {
                probe.accept(&written, when, today, by, at).map_err(rule)?;
                Ok(AmendmentCall::Decide {
                    id,
                    version,
                    decision: AmendmentDecisionInput::Accept {
                        amendment_text: written,
                    },
                    decided_on: when,
                })
            }
            Step::Deny => {
                let reason = DenialReason::ALL
                    .get(self.choice(0))
                    .copied()
                    .unwrap_or(DenialReason::AccurateAndComplete);
                probe
                    .deny(reason, &written, when, today, by, at)
                    .map_err(rule)?;
                Ok(AmendmentCall::Decide {
                    id,
                    version,
                    decision: AmendmentDecisionInput::Deny {
                        reason,
                        explanation: written,
                    },
                    decided_on: when,
                })
            }
            Step::Statement(kind) => {
                match kind {
                    StatementKind::Disagreement => {
                        probe.record_disagreement(&written, when, today, by, at)
                    }
                    StatementKind::Rebuttal => probe.record_rebuttal(&written, when, today, by, at),
                }
                .map_err(rule)?;
                Ok(AmendmentCall::Statement {
                    id,
                    version,
                    kind,
                    text: written,
                    dated: when,
                })
            }
            Step::New => Err((0, "No request is selected.".into())),
        }
    }

    /// What the status line says once the service has done this form's step.
    pub fn done_message(&self, r: &AmendmentRequest) -> String {
        let id = &r.id;
        match self.step {
            Step::New => format!("Request {id} logged: due {}.", r.due_date()),
            Step::Extend => format!("Request {id} extended: now due {}.", r.due_date()),
            Step::Accept => {
                let doc = r.decision.as_ref().and_then(|d| match &d.outcome {
                    crate::domain::amendment::DecisionOutcome::Accepted {
                        amendment_document_id,
                        ..
                    } => amendment_document_id.clone(),
                    crate::domain::amendment::DecisionOutcome::Denied { .. } => None,
                });
                match doc {
                    Some(doc) => format!(
                        "Request {id} accepted: the amendment is document {doc}, linked to the \
                         original."
                    ),
                    None => format!("Request {id} accepted."),
                }
            }
            Step::Deny => format!("Request {id} denied."),
            Step::Statement(StatementKind::Disagreement) => {
                format!("Request {id}: the patient's statement of disagreement is recorded.")
            }
            Step::Statement(StatementKind::Rebuttal) => {
                format!("Request {id}: the rebuttal is recorded.")
            }
        }
    }

    fn title(&self) -> String {
        let id = self
            .request
            .as_ref()
            .map(|r| sanitize(&r.id).into_owned())
            .unwrap_or_default();
        match self.step {
            Step::New => "New amendment request".to_string(),
            Step::Extend => format!("Extend request {id} by 30 days"),
            Step::Accept => format!("Accept request {id}"),
            Step::Deny => format!("Deny request {id}"),
            Step::Statement(StatementKind::Disagreement) => {
                format!("Statement of disagreement — request {id}")
            }
            Step::Statement(StatementKind::Rebuttal) => format!("Rebuttal — request {id}"),
        }
    }

    /// What the form says above its fields: the request in one or two lines and what this
    /// step does.
    fn intro(&self, theme: &Theme, width: usize) -> Vec<Line<'static>> {
        let cut = |s: &str| truncate(&sanitize(s), width, theme.ascii);
        let Some(r) = &self.request else {
            return Vec::new();
        };
        let mut lines = vec![
            Line::styled(
                cut(&format!(
                    "Amend {}: {}",
                    r.target.describe(),
                    r.requested_change
                )),
                theme.text,
            ),
            Line::styled(
                cut(&format!(
                    "Received {}, due {}.",
                    r.received.format("%Y-%m-%d"),
                    r.due_date().format("%Y-%m-%d")
                )),
                theme.muted,
            ),
        ];
        let note = match self.step {
            Step::Extend => {
                let mut longer = r.clone();
                longer.extension = Some(crate::domain::amendment::Extension {
                    reason: String::new(),
                    patient_told: r.received,
                    by: String::new(),
                    at: midnight(r.received),
                });
                format!(
                    "New due date {}. Tell the patient why, in writing, by {}.",
                    longer.due_date(),
                    r.original_due_date()
                )
            }
            Step::Accept => {
                "Appended as a new document linked to the original, which stays readable."
                    .to_string()
            }
            Step::Statement(StatementKind::Rebuttal) => match &r.disagreement {
                Some(s) => format!("Patient's statement ({}): {}", s.received, s.text),
                None => String::new(),
            },
            _ => String::new(),
        };
        if !note.is_empty() {
            lines.push(Line::styled(cut(&note), theme.muted));
        }
        lines
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let block = theme.panel(self.title());
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let intro = self.intro(theme, usize::from(inner.width));
        let mut constraints = vec![Constraint::Length(u16::try_from(intro.len()).unwrap_or(0))];
        constraints.extend(self.fields.iter().map(|f| Constraint::Length(f.height())));
        constraints.extend([
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(1),
        ]);
        let rows = Layout::vertical(constraints).split(inner);
        frame.render_widget(Paragraph::new(intro), rows[0]);
        for (i, field) in self.fields.iter().enumerate() {
            let Some(&row) = rows.get(i + 1) else {
                continue;
            };
            self.draw_field(frame, row, theme, i, field);
        }
        let n = rows.len();
        if let (Some(problem), Some(&row)) = (&self.problem, rows.get(n.saturating_sub(2))) {
            frame.render_widget(
                Line::styled(
                    truncate(&sanitize(problem), usize::from(row.width), theme.ascii),
                    theme.status_error,
                ),
                row,
            );
        }
        if let Some(&row) = rows.get(n.saturating_sub(1)) {
            frame.render_widget(
                Line::styled(
                    "Enter moves on; on the last field it sends. Esc cancels: nothing is saved.",
                    theme.muted,
                ),
                row,
            );
        }
    }

    fn draw_field(&self, frame: &mut Frame, row: Rect, theme: &Theme, i: usize, field: &Field) {
        let focused = i == self.focus;
        let label_style = if focused { theme.focus } else { theme.title };
        let width = row.width.min(76);
        let row = Rect { width, ..row };
        if !self.focusable(i) {
            let label = match field {
                Field::Text { label, .. } => *label,
                _ => "",
            };
            frame.render_widget(
                Line::styled(
                    format!("{label:>14}: (when something else is chosen)"),
                    theme.muted,
                ),
                row,
            );
            return;
        }
        match field {
            Field::Choice {
                label,
                options,
                selected,
                rows,
            } => {
                let arrows = if theme.ascii { "Up/Down" } else { "↑↓" };
                let mut lines = vec![Line::styled(
                    format!("{label} ({arrows} to choose):"),
                    label_style,
                )];
                let visible = usize::from(*rows);
                let top = selected.saturating_sub(visible.saturating_sub(1));
                for (j, option) in options.iter().enumerate().skip(top).take(visible) {
                    let chosen = j == *selected;
                    let mark = match (chosen, theme.ascii) {
                        (true, false) => " (•) ",
                        (true, true) => " (*) ",
                        _ => " ( ) ",
                    };
                    let room = usize::from(width).saturating_sub(mark.len());
                    lines.push(Line::from(vec![
                        Span::raw(mark),
                        Span::styled(
                            truncate(&sanitize(option), room, theme.ascii),
                            if chosen && focused {
                                theme.selected
                            } else {
                                theme.text
                            },
                        ),
                    ]));
                }
                frame.render_widget(Paragraph::new(lines), row);
            }
            Field::Text {
                label, input, rows, ..
            } if *rows > 1 => {
                let [head, body] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(row);
                frame.render_widget(Line::styled(format!("{label}:"), label_style), head);
                let style = if focused { theme.focus } else { theme.selected };
                if let Some(cursor) = draw_wrapped(frame, body, input, style)
                    && focused
                {
                    frame.set_cursor_position(cursor);
                }
            }
            Field::Text { label, input, .. } | Field::Date { label, input } => {
                let row = match field {
                    Field::Date { .. } => Rect {
                        width: width.min(16 + 12),
                        ..row
                    },
                    _ => row,
                };
                if let Some(c) = input.draw(frame, row, label, theme, focused) {
                    frame.set_cursor_position(c);
                }
            }
        }
    }
}

/// Where each line of `chars` starts and ends when wrapped to `width` columns, breaking after
/// a space where there is one.
pub fn wrap_points(chars: &[char], width: usize) -> Vec<(usize, usize)> {
    let width = width.max(1);
    let w = |c: &char| c.width().unwrap_or(0);
    let mut lines = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for i in 0..chars.len() {
        let cw = chars.get(i).map_or(0, w);
        if used + cw > width && i > start {
            let brk = chars
                .get(start..i)
                .and_then(|s| s.iter().rposition(|c| *c == ' '))
                .map_or(i, |p| start + p + 1);
            lines.push((start, brk));
            start = brk;
            used = chars.get(start..i).map_or(0, |s| s.iter().map(w).sum());
        }
        used += cw;
    }
    lines.push((start, chars.len()));
    lines
}

/// Draws a text field wrapped over `area`, scrolled so the cursor shows; returns where the
/// cursor is.
fn draw_wrapped(
    frame: &mut Frame,
    area: Rect,
    input: &TextInput,
    style: Style,
) -> Option<(u16, u16)> {
    if area.width < 2 || area.height == 0 {
        return None;
    }
    // TextInput keeps no control characters, so sanitising maps one character to one.
    let shown: Vec<char> = sanitize(input.value()).chars().collect();
    // One column spare so the cursor fits after a full line.
    let lines = wrap_points(&shown, usize::from(area.width) - 1);
    let cursor = input.cursor().min(shown.len());
    let at = lines.iter().rposition(|(s, _)| *s <= cursor).unwrap_or(0);
    let rows = usize::from(area.height);
    let top = at.saturating_sub(rows - 1);
    let mut out = Vec::new();
    for (s, e) in lines.iter().skip(top).take(rows) {
        let text: String = shown.get(*s..*e).unwrap_or(&[]).iter().collect();
        let w: usize = shown
            .get(*s..*e)
            .unwrap_or(&[])
            .iter()
            .map(|c| c.width().unwrap_or(0))
            .sum();
        let pad = usize::from(area.width).saturating_sub(w);
        out.push(Line::styled(format!("{text}{}", " ".repeat(pad)), style));
    }
    while out.len() < rows {
        out.push(Line::styled(" ".repeat(usize::from(area.width)), style));
    }
    frame.render_widget(Paragraph::new(out), area);
    let (s, _) = lines.get(at).copied().unwrap_or((0, 0));
    let col: usize = shown
        .get(s..cursor)
        .unwrap_or(&[])
        .iter()
        .map(|c| c.width().unwrap_or(0))
        .sum();
    let x = area.x + u16::try_from(col).unwrap_or(0);
    let y = area.y + u16::try_from(at - top).unwrap_or(0);
    Some((x.min(area.right().saturating_sub(1)), y))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const TODAY: (i32, u32, u32) = (2026, 12, 10);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    fn docs() -> Vec<DocumentInfo> {
        vec![DocumentInfo {
            id: "D-000101".into(),
            encounter_id: "E-1".into(),
            kind: "Discharge summary".into(),
            author: "Dr. K. Osei".into(),
            written: d(2026, 9, 4),
            lines: 40,
            restricted: false,
            amended_by: None,
        }]
    }

    /// Pending, received 2026-11-01 (due 2026-12-31), version 3.
    fn pending() -> AmendmentRequest {
        let mut r = AmendmentRequest::new(
            "AMD-000001",
            "00012345",
            AmendmentTarget::Item {
                description: "allergy list".into(),
            },
            "Remove penicillin",
            d(2026, 11, 1),
            d(2026, 11, 1),
            "roi",
            midnight(d(2026, 11, 1)),
        )
        .unwrap();
        r.version = 3;
        r
    }

    fn extended() -> AmendmentRequest {
        let mut r = pending();
        r.extend(
            "records from the other clinic",
            d(2026, 12, 1),
            today(),
            "roi",
            midnight(today()),
        )
        .unwrap();
        r
    }

    fn denied() -> AmendmentRequest {
        let mut r = pending();
        r.deny(
            DenialReason::AccurateAndComplete,
            "The list is right.",
            d(2026, 12, 2),
            today(),
            "roi",
            midnight(today()),
        )
        .unwrap();
        r
    }

    fn with_disagreement() -> AmendmentRequest {
        let mut r = denied();
        r.record_disagreement(
            "I disagree.",
            d(2026, 12, 5),
            today(),
            "roi",
            midnight(today()),
        )
        .unwrap();
        r
    }

    fn with_rebuttal() -> AmendmentRequest {
        let mut r = with_disagreement();
        r.record_rebuttal(
            "We stand by it.",
            d(2026, 12, 6),
            today(),
            "roi",
            midnight(today()),
        )
        .unwrap();
        r
    }

    fn accepted() -> AmendmentRequest {
        let mut r = pending();
        r.accept(
            "Allergy removed.",
            d(2026, 12, 3),
            today(),
            "roi",
            midnight(today()),
        )
        .unwrap();
        r
    }

    fn open(action: Action, r: Option<AmendmentRequest>) -> Result<AmendmentForm, String> {
        AmendmentForm::open(action, r.as_ref(), &docs(), "00012345", today())
    }

    fn set(f: &mut AmendmentForm, i: usize, v: &str) {
        f.fields[i].input_mut().unwrap().set(v);
    }

    #[test]
    fn each_key_opens_its_form_or_says_why_not() {
        use Action::*;
        // (key, request, the step it opens or a fragment of the refusal)
        let cases: Vec<(Action, Option<AmendmentRequest>, Result<Step, &str>)> = vec![
            (NewAmendment, None, Ok(Step::New)),
            (NewAmendment, Some(denied()), Ok(Step::New)),
            (ExtendAmendment, None, Err("No request is selected")),
            (ExtendAmendment, Some(pending()), Ok(Step::Extend)),
            (
                ExtendAmendment,
                Some(extended()),
                Err("already extended (the patient was told 2026-12-01): the rule allows one"),
            ),
            (
                ExtendAmendment,
                Some(denied()),
                Err("already denied on 2026-12-02: only a pending request can be extended"),
            ),
            (AcceptAmendment, Some(extended()), Ok(Step::Accept)),
            (DenyAmendment, Some(pending()), Ok(Step::Deny)),
            (
                AcceptAmendment,
                Some(accepted()),
                Err("already accepted on 2026-12-03: a request is decided once"),
            ),
            (
                DenyAmendment,
                Some(denied()),
                Err("already denied on 2026-12-02: a request is decided once"),
            ),
            (
                AmendmentStatement,
                Some(pending()),
                Err("answers a denial; request AMD-000001 is pending"),
            ),
            (
                AmendmentStatement,
                Some(accepted()),
                Err("request AMD-000001 is accepted"),
            ),
            (
                AmendmentStatement,
                Some(denied()),
                Ok(Step::Statement(StatementKind::Disagreement)),
            ),
            (
                AmendmentStatement,
                Some(with_disagreement()),
                Ok(Step::Statement(StatementKind::Rebuttal)),
            ),
            (
                AmendmentStatement,
                Some(with_rebuttal()),
                Err("already has the patient's statement of disagreement and the rebuttal"),
            ),
        ];
        for (action, r, want) in cases {
            let label = format!("{action:?} on {:?}", r.as_ref().map(|r| r.status));
            match (open(action, r), want) {
                (Ok(f), Ok(step)) => assert_eq!(f.step, step, "{label}"),
                (Err(e), Err(frag)) => assert!(e.contains(frag), "{label}: {e}"),
                (got, want) => panic!("{label}: got {:?}, wanted {want:?}", got.map(|f| f.step)),
            }
        }
    }

    /// A form filled in: (field, value) pairs, and for choices how far down to move.
    struct Fill {
        what: &'static str,
        action: Action,
        request: Option<AmendmentRequest>,
        down: usize,
        values: Vec<(usize, &'static str)>,
        want: Result<AmendmentCall, (usize, &'static str)>,
    }

    #[test]
    fn forms_check_what_was_typed_before_sending() {
        let doc_target = AmendmentTarget::Document {
            id: "D-000101".into(),
            title: "Discharge summary 2026-09-04".into(),
        };
        let cases = vec![
            Fill {
                what: "new request on a document",
                action: Action::NewAmendment,
                request: None,
                down: 0,
                values: vec![(NEW_CHANGE, "  I stopped smoking in 2019.  ")],
                want: Ok(AmendmentCall::Log {
                    mrn: "00012345".into(),
                    target: doc_target.clone(),
                    requested_change: "I stopped smoking in 2019.".into(),
                    received: today(),
                }),
            },
            Fill {
                what: "new request on another item, received earlier",
                action: Action::NewAmendment,
                request: None,
                down: 1,
                values: vec![
                    (NEW_ITEM, "demographics"),
                    (NEW_CHANGE, "My middle name is Ana."),
                    (NEW_RECEIVED, "2026-12-01"),
                ],
                want: Ok(AmendmentCall::Log {
                    mrn: "00012345".into(),
                    target: AmendmentTarget::Item {
                        description: "demographics".into(),
                    },
                    requested_change: "My middle name is Ana.".into(),
                    received: d(2026, 12, 1),
                }),
            },
            Fill {
                what: "another item needs saying what",
                action: Action::NewAmendment,
                request: None,
                down: 1,
                values: vec![(NEW_CHANGE, "Fix it.")],
                want: Err((NEW_ITEM, "Say what is to be amended")),
            },
            Fill {
                what: "the change is required",
                action: Action::NewAmendment,
                request: None,
                down: 0,
                values: vec![(NEW_CHANGE, "   ")],
                want: Err((NEW_CHANGE, "the requested change is required")),
            },
            Fill {
                what: "received tomorrow",
                action: Action::NewAmendment,
                request: None,
                down: 0,
                values: vec![(NEW_CHANGE, "Fix it."), (NEW_RECEIVED, "2026-12-11")],
                want: Err((
                    NEW_RECEIVED,
                    "cannot be in the future (today is 2026-12-10)",
                )),
            },
            Fill {
                what: "received is not a date",
                action: Action::NewAmendment,
                request: None,
                down: 0,
                values: vec![(NEW_CHANGE, "Fix it."), (NEW_RECEIVED, "2026-02-30")],
                want: Err((
                    NEW_RECEIVED,
                    "\"2026-02-30\" is not a date; write it as YYYY-MM-DD",
                )),
            },
            Fill {
                what: "received left empty",
                action: Action::NewAmendment,
                request: None,
                down: 0,
                values: vec![(NEW_CHANGE, "Fix it."), (NEW_RECEIVED, "")],
                want: Err((NEW_RECEIVED, "received is required (YYYY-MM-DD)")),
            },
            Fill {
                what: "extension",
                action: Action::ExtendAmendment,
                request: Some(pending()),
                down: 0,
                values: vec![(0, "Waiting for the other clinic."), (1, "2026-12-09")],
                want: Ok(AmendmentCall::Extend {
                    id: "AMD-000001".into(),
                    version: 3,
                    reason: "Waiting for the other clinic.".into(),
                    patient_told: d(2026, 12, 9),
                }),
            },
            Fill {
                what: "extension needs a reason",
                action: Action::ExtendAmendment,
                request: Some(pending()),
                down: 0,
                values: vec![],
                want: Err((0, "a written reason for the extension is required")),
            },
            Fill {
                what: "patient told before receipt",
                action: Action::ExtendAmendment,
                request: Some(pending()),
                down: 0,
                values: vec![(0, "Waiting."), (1, "2026-10-31")],
                want: Err((1, "cannot be before the date received (2026-11-01)")),
            },
            Fill {
                what: "acceptance",
                action: Action::AcceptAmendment,
                request: Some(pending()),
                down: 0,
                values: vec![(0, "Allergy: none known.")],
                want: Ok(AmendmentCall::Decide {
                    id: "AMD-000001".into(),
                    version: 3,
                    decision: AmendmentDecisionInput::Accept {
                        amendment_text: "Allergy: none known.".into(),
                    },
                    decided_on: today(),
                }),
            },
            Fill {
                what: "acceptance needs the text",
                action: Action::AcceptAmendment,
                request: Some(pending()),
                down: 0,
                values: vec![],
                want: Err((0, "the text of the amendment is required")),
            },
            Fill {
                what: "denial on the second ground",
                action: Action::DenyAmendment,
                request: Some(pending()),
                down: 1,
                values: vec![(1, "Billing notes are not in the record set.")],
                want: Ok(AmendmentCall::Decide {
                    id: "AMD-000001".into(),
                    version: 3,
                    decision: AmendmentDecisionInput::Deny {
                        reason: DenialReason::NotPartOfDesignatedRecordSet,
                        explanation: "Billing notes are not in the record set.".into(),
                    },
                    decided_on: today(),
                }),
            },
            Fill {
                what: "denial needs an explanation",
                action: Action::DenyAmendment,
                request: Some(pending()),
                down: 3,
                values: vec![],
                want: Err((1, "a written explanation of the denial is required")),
            },
            Fill {
                what: "denial dated before receipt",
                action: Action::DenyAmendment,
                request: Some(pending()),
                down: 0,
                values: vec![(1, "Not ours."), (2, "2026-10-01")],
                want: Err((2, "the decision date (2026-10-01) cannot be before")),
            },
            Fill {
                what: "disagreement",
                action: Action::AmendmentStatement,
                request: Some(denied()),
                down: 0,
                values: vec![(0, "I never said that."), (1, "2026-12-04")],
                want: Ok(AmendmentCall::Statement {
                    id: "AMD-000001".into(),
                    version: 3,
                    kind: StatementKind::Disagreement,
                    text: "I never said that.".into(),
                    dated: d(2026, 12, 4),
                }),
            },
            Fill {
                what: "disagreement before the denial",
                action: Action::AmendmentStatement,
                request: Some(denied()),
                down: 0,
                values: vec![(0, "I never said that."), (1, "2026-12-01")],
                want: Err((1, "cannot be before the denial (2026-12-02)")),
            },
            Fill {
                what: "rebuttal needs its text",
                action: Action::AmendmentStatement,
                request: Some(with_disagreement()),
                down: 0,
                values: vec![],
                want: Err((0, "the rebuttal is required")),
            },
        ];
        for c in cases {
            let mut f = open(c.action, c.request).unwrap();
            for _ in 0..c.down {
                f.on_action(Action::Down, today());
            }
            for (i, v) in &c.values {
                set(&mut f, *i, v);
            }
            // Ctrl+S sends from any field; Enter only from the last.
            let sent = f.on_action(Action::Save, today());
            match (&c.want, sent) {
                (Ok(call), Some(got)) => {
                    assert_eq!(&got, call, "{}", c.what);
                    assert_eq!(f.problem(), None, "{}", c.what);
                }
                (Err((field, frag)), None) => {
                    let p = f.problem().unwrap_or_default();
                    assert!(p.contains(frag), "{}: wanted \"{frag}\" in \"{p}\"", c.what);
                    assert_eq!(f.focus, *field, "{}: focus goes to the field", c.what);
                }
                (want, got) => panic!("{}: got {got:?}, wanted {want:?}", c.what),
            }
        }
    }

    #[test]
    fn enter_moves_on_and_sends_from_the_last_field() {
        let mut f = open(Action::ExtendAmendment, Some(pending())).unwrap();
        assert!(f.typing(), "the reason has the keyboard");
        f.paste("Waiting for the\r\nother clinic.\tThanks");
        assert_eq!(f.value(0), "Waiting for the other clinic. Thanks");
        assert!(f.has_input());
        assert_eq!(f.on_action(Action::Submit, today()), None);
        assert_eq!(f.focus, 1, "Enter moves to the date");
        assert!(matches!(
            f.on_action(Action::Submit, today()),
            Some(AmendmentCall::Extend { .. })
        ));
        f.failed("changed by supervisor at 14:02 — reload".into());
        assert_eq!(f.problem(), Some("changed by supervisor at 14:02 — reload"));
    }

    #[test]
    fn a_document_target_skips_the_other_item_field() {
        let mut f = open(Action::NewAmendment, None).unwrap();
        assert!(!f.typing(), "the target list has the keyboard");
        f.on_action(Action::NextField, today());
        assert_eq!(
            f.focus, NEW_CHANGE,
            "a document is chosen: no item to describe"
        );
        f.on_action(Action::PrevField, today());
        f.on_action(Action::Down, today());
        assert!(f.other_item_chosen());
        f.on_action(Action::NextField, today());
        assert_eq!(f.focus, NEW_ITEM);
        assert_eq!(f.request_id(), None);
    }

    #[test]
    fn hostile_text_is_shown_safely_in_ascii() {
        let mut r = with_disagreement();
        r.requested_change = "Remove it\u{1b}[2J\u{1b}]0;pwned\u{7}\u{202E}now".into();
        if let Some(s) = &mut r.disagreement {
            s.text = "I disagree\u{1b}[31m loudly".into();
        }
        let mut f = open(Action::AmendmentStatement, Some(r)).unwrap();
        f.paste("typed \u{202E}back\u{1b}[1m");
        let theme = Theme {
            ascii: true,
            ..Theme::default()
        };
        let t = crate::ui::test_screen::terminal80(|fr| f.draw(fr, fr.area(), &theme));
        let screen = crate::ui::test_screen::safe_text(&t);
        assert!(screen.contains("Rebuttal - request") || screen.contains("Rebuttal — request"));
        assert!(
            screen.contains("Patient's statement (2026-12-05): I disagree"),
            "{screen}"
        );
        assert!(
            !screen.contains("[2J") && !screen.contains("pwned"),
            "{screen}"
        );
        assert!(
            !screen
                .chars()
                .any(|c| ('\u{2500}'..='\u{259F}').contains(&c) || c == '•'),
            "no line drawing in ASCII mode: {screen}"
        );
    }

    #[test]
    fn wrapping_breaks_after_spaces_and_keeps_every_character() {
        let cases: [(&str, usize, Vec<&str>); 4] = [
            ("", 10, vec![""]),
            ("short", 10, vec!["short"]),
            ("the quick brown fox", 10, vec!["the quick ", "brown fox"]),
            ("abcdefghijkl", 5, vec!["abcde", "fghij", "kl"]),
        ];
        for (text, width, want) in cases {
            let chars: Vec<char> = text.chars().collect();
            let got: Vec<String> = wrap_points(&chars, width)
                .into_iter()
                .map(|(s, e)| chars[s..e].iter().collect())
                .collect();
            assert_eq!(got, want, "{text:?} at {width}");
        }
        // Wide characters count two columns.
        let chars: Vec<char> = "日本語の文".chars().collect();
        assert_eq!(wrap_points(&chars, 4), vec![(0, 2), (2, 4), (4, 5)]);
    }
}
