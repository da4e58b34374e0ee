//! F6, my work queue: what waits on this user. For a clinician, the physician queries
//! addressed to them, oldest first, their age in the warning style from 2 days and the
//! error style from a week (queries on restricted charts are listed by MRN only: Enter opens
//! the chart, which asks to break the glass). Enter answers the selected query: its quoted
//! indicators and question, the choices to pick from, and the clinician's own words
//! (required for "other" and open questions). For a coder, the queries they sent and what
//! became of them. The app asks the service; this is the list and the answer form.

use crate::domain::query::{self, PhysicianQuery, QueryStatus};
use crate::sanitize::sanitize;
use crate::service::{MyQueries, QueryItem};
use crate::ui::doc_viewer::truncate;
use crate::ui::input::TextInput;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Column widths: age, query, MRN, patient, encounter, kind (to answer) or status (sent).
/// With the gaps and the selection marker they fill the 78 columns inside the panel.
const WIDTHS: [u16; 6] = [5, 8, 8, 16, 14, 20];
/// Rows kept under the table for the selected query.
const DETAILS_ROWS: u16 = 6;

/// A call the work queue makes; carried by `Effect::Work`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkCall {
    Load,
    Answer {
        id: String,
        version: u64,
        choice: Option<String>,
        words: String,
    },
}

/// The service's answer to a [`WorkCall`]; carried by `Msg::Work`.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkAnswer {
    Loaded(Box<crate::service::ServiceResult<MyQueries>>),
    Answered(Box<crate::service::ServiceResult<PhysicianQuery>>),
}

/// What the screen asks the app for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkRequest {
    Call(WorkCall),
    /// Open this chart (a restricted one asks to break the glass first).
    OpenChart(String),
}

/// Which list is shown: a clinician's queries to answer, or a coder's sent ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkList {
    ToAnswer,
    Sent,
}

/// Where the keyboard is in the answer form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AnswerFocus {
    Choices,
    Words,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AnswerForm {
    pub item: QueryItem,
    pub choices: Vec<String>,
    pub choice: Option<usize>,
    /// The highlighted choice (Space or Enter picks it).
    cursor: usize,
    pub words: TextInput,
    focus: AnswerFocus,
    /// Sent, waiting for the service (a second Ctrl+S does nothing).
    sending: bool,
}

impl AnswerForm {
    fn new(item: QueryItem) -> AnswerForm {
        let choices = query::choices(&item.query.draft.form);
        let focus = if choices.is_empty() {
            AnswerFocus::Words
        } else {
            AnswerFocus::Choices
        };
        AnswerForm {
            item,
            choices,
            choice: None,
            cursor: 0,
            words: TextInput::new(query::MAX_TEXT_CHARS),
            focus,
            sending: false,
        }
    }

    fn chosen(&self) -> Option<&str> {
        self.choice
            .and_then(|i| self.choices.get(i))
            .map(String::as_str)
    }

    /// What `domain::query::answer_text` says of the answer as it stands: the text that
    /// would be recorded, or what is missing.
    pub fn check(&self) -> Result<String, String> {
        query::answer_text(
            &self.item.query.draft.form,
            self.chosen(),
            self.words.value(),
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkQueueView {
    /// `None` until the service answers.
    pub queries: Option<MyQueries>,
    pub list: WorkList,
    pub selected: usize,
    pub answering: Option<AnswerForm>,
    /// This user may answer queries / sends them (what the lists mean for them).
    pub answers: bool,
    pub sends: bool,
    problem: Option<String>,
}

fn encounter_label(item: &QueryItem) -> String {
    format!(
        "{} {}",
        item.class.abbrev(),
        item.discharged.unwrap_or(item.admitted).format("%Y-%m-%d")
    )
}

impl WorkQueueView {
    pub fn new(answers: bool, sends: bool) -> WorkQueueView {
        WorkQueueView {
            queries: None,
            list: if answers || !sends {
                WorkList::ToAnswer
            } else {
                WorkList::Sent
            },
            selected: 0,
            answering: None,
            answers,
            sends,
            problem: None,
        }
    }

    /// Whether this user has any list here at all (other roles: nothing assigned yet).
    pub fn has_lists(&self) -> bool {
        self.answers || self.sends
    }

    pub fn set_queries(&mut self, q: MyQueries) {
        self.queries = Some(q);
        self.selected = self.selected.min(self.rows().saturating_sub(1));
    }

    /// The answer was recorded: back to the list (the app loads it again).
    pub fn answered(&mut self) {
        self.answering = None;
    }

    /// The service refused the answer: the form stays, as typed.
    pub fn answer_failed(&mut self) {
        if let Some(f) = &mut self.answering {
            f.sending = false;
        }
    }

    /// A problem to show in the status line, once.
    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    pub fn typing(&self) -> bool {
        self.answering
            .as_ref()
            .is_some_and(|f| f.focus == AnswerFocus::Words)
    }

    pub fn has_input(&self) -> bool {
        self.answering
            .as_ref()
            .is_some_and(|f| f.choice.is_some() || !f.words.is_empty())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        match &mut self.answering {
            Some(f) if f.focus == AnswerFocus::Words && !f.sending => f.words.handle_key(key),
            _ => false,
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(f) = &mut self.answering
            && f.focus == AnswerFocus::Words
        {
            f.words.insert_str(text);
        }
    }

    /// Esc: the answer form closes first (what was typed is dropped; nothing was recorded).
    pub fn back(&mut self) -> bool {
        self.answering.take().is_some()
    }

    fn items(&self) -> &[QueryItem] {
        match (&self.queries, self.list) {
            (Some(q), WorkList::ToAnswer) => &q.to_answer,
            (Some(q), WorkList::Sent) => &q.sent,
            (None, _) => &[],
        }
    }

    /// Queries on restricted charts, listed by MRN after the readable ones: on the list to
    /// answer for a clinician, on the sent list for a coder.
    fn withheld(&self) -> &[(String, String, i64)] {
        let home = if self.answers {
            WorkList::ToAnswer
        } else {
            WorkList::Sent
        };
        match &self.queries {
            Some(q) if self.list == home => &q.withheld,
            _ => &[],
        }
    }

    fn rows(&self) -> usize {
        self.items().len() + self.withheld().len()
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<WorkRequest> {
        if self.answering.is_some() {
            return self.answer_action(action);
        }
        let rows = self.rows();
        if crate::ui::list::move_selection(&mut self.selected, rows, action, page) {
            return None;
        }
        match action {
            Action::NextField | Action::PrevField if self.answers && self.sends => {
                self.list = match self.list {
                    WorkList::ToAnswer => WorkList::Sent,
                    WorkList::Sent => WorkList::ToAnswer,
                };
                self.selected = 0;
                None
            }
            Action::Submit => {
                let n = self.items().len();
                if self.selected >= n {
                    let (_, mrn, _) = self.withheld().get(self.selected - n)?;
                    return Some(WorkRequest::OpenChart(mrn.clone()));
                }
                if self.list == WorkList::Sent {
                    return None;
                }
                let item = self.items().get(self.selected)?.clone();
                self.answering = Some(AnswerForm::new(item));
                None
            }
            Action::ReloadWork => Some(WorkRequest::Call(WorkCall::Load)),
            _ => None,
        }
    }

    fn answer_action(&mut self, action: Action) -> Option<WorkRequest> {
        let f = self.answering.as_mut()?;
        if f.sending {
            return None;
        }
        match action {
            Action::NextField | Action::PrevField if !f.choices.is_empty() => {
                f.focus = match f.focus {
                    AnswerFocus::Choices => AnswerFocus::Words,
                    AnswerFocus::Words => AnswerFocus::Choices,
                };
            }
            Action::Up if f.focus == AnswerFocus::Choices => f.cursor = f.cursor.saturating_sub(1),
            Action::Down if f.focus == AnswerFocus::Choices => {
                f.cursor = (f.cursor + 1).min(f.choices.len().saturating_sub(1));
            }
            Action::Submit | Action::PickAnswer if f.focus == AnswerFocus::Choices => {
                f.choice = Some(f.cursor);
                // "Other" needs the clinician's words: the keyboard goes there.
                if f.chosen() == Some(query::OTHER) {
                    f.focus = AnswerFocus::Words;
                }
            }
            Action::Submit if f.focus == AnswerFocus::Words && !f.choices.is_empty() => {
                f.focus = AnswerFocus::Choices;
            }
            Action::Save | Action::Submit => match f.check() {
                Err(why) => self.problem = Some(format!("Not answered: {why}.")),
                Ok(_) => {
                    f.sending = true;
                    return Some(WorkRequest::Call(WorkCall::Answer {
                        id: f.item.query.id.clone(),
                        version: f.item.query.version,
                        choice: f.chosen().map(str::to_string),
                        words: f.words.value().to_string(),
                    }));
                }
            },
            _ => {}
        }
        None
    }

    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        match &self.answering {
            Some(f) if f.focus == AnswerFocus::Choices => vec![
                (Action::Save, 0),
                (Action::PickAnswer, 0),
                (Action::NextField, 1),
            ],
            Some(f) if !f.choices.is_empty() => vec![(Action::Save, 0), (Action::NextField, 1)],
            Some(_) => vec![(Action::Save, 0)],
            None => {
                let mut v = Vec::new();
                let on_withheld = self.selected >= self.items().len();
                if self.rows() > 0 && (self.list == WorkList::ToAnswer || on_withheld) {
                    v.push((Action::Submit, 0));
                }
                if self.answers && self.sends {
                    v.push((Action::NextField, 1));
                }
                if self.has_lists() {
                    v.push((Action::ReloadWork, 1));
                }
                v
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(f) = &self.answering {
            let today = self.queries.as_ref().map(|q| q.today);
            return draw_answer(frame, area, theme, f, today);
        }
        let title = match (&self.queries, self.list) {
            _ if !self.has_lists() => "My work queue".to_string(),
            (None, _) => "My work queue — loading".to_string(),
            (Some(q), WorkList::ToAnswer) => {
                let n = q.to_answer.len() + q.withheld.len();
                format!(
                    "My work queue — {n} {} to answer",
                    if n == 1 { "query" } else { "queries" }
                )
            }
            (Some(q), WorkList::Sent) => {
                let open = q
                    .sent
                    .iter()
                    .filter(|i| i.query.status == QueryStatus::Open)
                    .count();
                let restricted = match self.withheld().len() {
                    0 => String::new(),
                    n => format!(", {n} on restricted charts"),
                };
                format!(
                    "My work queue — sent: {open} open, {} closed (30 days){restricted}",
                    q.sent.len() - open
                )
            }
        };
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let Some(q) = &self.queries else {
            let text = if self.has_lists() {
                "  Reading your work queue…"
            } else {
                "  Nothing is assigned to your role here yet: the work queue lists physician queries (clinicians answer them, coders follow them up)."
            };
            frame.render_widget(
                Paragraph::new(Line::styled(text, theme.muted)).wrap(Wrap { trim: false }),
                inner,
            );
            return;
        };
        if self.rows() == 0 {
            let text = match self.list {
                WorkList::ToAnswer => "  No queries waiting for your answer.",
                WorkList::Sent => "  You have sent no queries in the last 30 days.",
            };
            frame.render_widget(Paragraph::new(Line::styled(text, theme.muted)), inner);
            return;
        }
        let [table_area, details_area] =
            crate::ui::list::table_and_details(inner, self.rows(), DETAILS_ROWS);
        let ascii = theme.ascii;
        let cut = |s: &str, w: u16| truncate(&sanitize(s), usize::from(w), ascii);
        let mut rows: Vec<Row> = self
            .items()
            .iter()
            .map(|i| {
                let age = i.query.age_days(q.today);
                let last = match self.list {
                    WorkList::ToAnswer => i.query.draft.kind.label().to_string(),
                    WorkList::Sent => format!("{} {}", i.query.status.label(), i.query.draft.to),
                };
                let age_cell = if i.query.status == QueryStatus::Open {
                    Span::styled(format!("{age}d"), crate::ui::list::age_style(age, theme))
                } else {
                    Span::styled("", theme.muted)
                };
                Row::new(vec![
                    Cell::from(age_cell),
                    Cell::from(cut(&i.query.id, WIDTHS[1])),
                    Cell::from(cut(&i.mrn, WIDTHS[2])),
                    Cell::from(cut(&i.patient, WIDTHS[3])),
                    Cell::from(encounter_label(i)),
                    Cell::from(cut(&last, WIDTHS[5])),
                ])
                .style(theme.text)
            })
            .collect();
        rows.extend(self.withheld().iter().map(|(id, mrn, age)| {
            Row::new(vec![
                Cell::from(Span::styled(
                    format!("{age}d"),
                    crate::ui::list::age_style(*age, theme),
                )),
                Cell::from(cut(id, WIDTHS[1])),
                Cell::from(cut(mrn, WIDTHS[2])),
                Cell::from(Span::styled("restricted chart", theme.status_warning)),
                Cell::from(""),
                Cell::from(Span::styled("break the glass", theme.muted)),
            ])
        }));
        let last_header = match self.list {
            WorkList::ToAnswer => "About",
            WorkList::Sent => "Status",
        };
        let table = Table::new(rows, WIDTHS.map(Constraint::Length)).header(
            Row::new(["Age", "Query", "MRN", "Patient", "Encounter", last_header])
                .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        match self.items().get(self.selected) {
            Some(i) => draw_details(frame, details_area, theme, i),
            None => {
                let text_area = crate::ui::list::details_rule(
                    frame,
                    details_area,
                    theme,
                    " Restricted chart ".into(),
                );
                frame.render_widget(
                    Paragraph::new(Line::styled(
                        "The query is on a restricted chart: Enter opens it, which asks you to state why (break the glass). Its text shows here after.",
                        theme.muted,
                    ))
                    .wrap(Wrap { trim: true }),
                    text_area,
                );
            }
        }
    }
}

/// The selected query: its question, and once closed, the answer or the withdrawal.
fn draw_details(frame: &mut Frame, area: Rect, theme: &Theme, i: &QueryItem) {
    let q = &i.query;
    let title = format!(
        " {} — {} — sent {} ",
        sanitize(&q.id),
        q.draft.kind.label(),
        q.sent_at.format("%Y-%m-%d")
    );
    let text_area = crate::ui::list::details_rule(frame, area, theme, title);
    let n = q.draft.indicators.len();
    let form = q.draft.form.label();
    let mut lines = vec![
        Line::styled(
            format!(
                "From {} to {} on {}, {n} indicator{}, {form}",
                sanitize(&q.sent_by),
                sanitize(&q.draft.to),
                sanitize(&q.draft.encounter_id),
                if n == 1 { "" } else { "s" }
            ),
            theme.muted,
        ),
        Line::styled(sanitize(&q.draft.question).into_owned(), theme.text),
    ];
    match (&q.answer, &q.withdrawn) {
        (Some(a), _) => lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "Answered by {} {}: ",
                    sanitize(&a.by),
                    a.at.format("%Y-%m-%d")
                ),
                theme.muted,
            ),
            Span::styled(sanitize(&a.text).into_owned(), theme.text),
        ])),
        (None, Some(w)) => lines.push(Line::styled(
            format!(
                "Withdrawn by {} {}: {}",
                sanitize(&w.by),
                w.at.format("%Y-%m-%d"),
                sanitize(&w.text)
            ),
            theme.muted,
        )),
        (None, None) => {}
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text_area);
}

/// The answer form: the query as the coder wrote it (indicators quoted from the record),
/// the choices, the clinician's words, and what the answer still needs.
fn draw_answer(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    f: &AnswerForm,
    today: Option<NaiveDate>,
) {
    let q = &f.item.query;
    let block = theme.panel(format!(
        "Answer {} — {} {} — Ctrl+S answers",
        sanitize(&q.id),
        sanitize(&f.item.mrn),
        sanitize(&f.item.patient)
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let choice_rows = u16::try_from(f.choices.len()).unwrap_or(u16::MAX);
    let choices_height = if f.choices.is_empty() {
        0
    } else {
        choice_rows.saturating_add(1)
    };
    let [context, choices_area, words_area, check_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(choices_height),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);

    let age = today.map_or_else(String::new, |t| format!(" ({}d)", q.age_days(t)));
    let mut lines = vec![
        Line::styled(
            format!(
                "From {}, sent {}{age} on {} {}, {}",
                sanitize(&q.sent_by),
                q.sent_at.format("%Y-%m-%d"),
                sanitize(&q.draft.encounter_id),
                encounter_label(&f.item),
                q.draft.kind.label()
            ),
            theme.muted,
        ),
        Line::styled(
            format!("Clinical indicators ({})", q.draft.indicators.len()),
            theme.title,
        ),
    ];
    for i in &q.draft.indicators {
        lines.push(Line::styled(
            format!("  {} \"{}\"", sanitize(&i.document_id), sanitize(&i.quote)),
            theme.text,
        ));
    }
    lines.push(Line::styled("Question", theme.title));
    lines.push(Line::styled(
        format!("  {}", sanitize(&q.draft.question)),
        theme.text,
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), context);

    if !f.choices.is_empty() {
        let (on, off) = if theme.ascii {
            ("(*)", "( )")
        } else {
            ("◉", "○")
        };
        let mut lines = vec![Line::styled(
            "Your answer — Space picks",
            if f.focus == AnswerFocus::Choices {
                theme.focus
            } else {
                theme.title
            },
        )];
        for (n, c) in f.choices.iter().enumerate() {
            let mark = if f.choice == Some(n) { on } else { off };
            // The highlighted row has a marker too, so it shows without colour.
            let (marker, style) = if f.focus == AnswerFocus::Choices && f.cursor == n {
                (if theme.ascii { "> " } else { "▶ " }, theme.selected)
            } else {
                ("  ", theme.text)
            };
            lines.push(Line::styled(
                format!("{marker}{mark} {}", sanitize(c)),
                style,
            ));
        }
        frame.render_widget(Paragraph::new(lines), choices_area);
    }
    let label = if f.choices.is_empty() {
        "Your answer"
    } else {
        "Your words"
    };
    if let Some(c) = f.words.draw(
        frame,
        words_area,
        label,
        theme,
        f.focus == AnswerFocus::Words,
    ) {
        frame.set_cursor_position(c);
    }
    let check = match f.check() {
        Ok(text) => Line::styled(
            truncate(
                &format!("Will record: {}", sanitize(&text)),
                usize::from(check_area.width),
                theme.ascii,
            ),
            theme.status_info,
        ),
        Err(why) => Line::styled(format!("Still needed: {why}."), theme.status_warning),
    };
    frame.render_widget(Paragraph::new(check), check_area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EncounterClass;
    use crate::domain::query::{Indicator, QueryDraft, QueryForm, QueryKind};
    use chrono::{TimeZone, Utc};

    fn item(id: &str, form: QueryForm) -> QueryItem {
        QueryItem {
            query: PhysicianQuery {
                id: id.into(),
                mrn: "000123".into(),
                draft: QueryDraft {
                    encounter_id: "E000000001".into(),
                    kind: QueryKind::Specificity,
                    to: "clinician".into(),
                    indicators: vec![Indicator {
                        document_id: "D000000001".into(),
                        quote: "EF 30%".into(),
                    }],
                    question: "Can the heart failure be further specified?".into(),
                    form,
                },
                status: QueryStatus::Open,
                sent_by: "coder".into(),
                sent_at: Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap(),
                answer: None,
                withdrawn: None,
                version: 1,
            },
            mrn: "000123".into(),
            patient: "LOVELACE, Ada".into(),
            class: EncounterClass::Inpatient,
            admitted: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            discharged: NaiveDate::from_ymd_opt(2026, 11, 4),
        }
    }

    fn clinician_view(
        items: Vec<QueryItem>,
        withheld: Vec<(String, String, i64)>,
    ) -> WorkQueueView {
        let mut v = WorkQueueView::new(true, false);
        v.set_queries(MyQueries {
            to_answer: items,
            sent: Vec::new(),
            withheld,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        });
        v
    }

    fn typed(v: &mut WorkQueueView, text: &str) {
        for ch in text.chars() {
            v.handle_key(&KeyEvent::from(crossterm::event::KeyCode::Char(ch)));
        }
    }

    #[test]
    fn other_needs_words_and_the_answer_goes_with_its_version() {
        let options = query::template_options(QueryKind::Specificity);
        let mut v = clinician_view(
            vec![item("Q-000001", QueryForm::MultipleChoice(options.clone()))],
            vec![],
        );
        assert_eq!(v.on_action(Action::Submit, 10), None);
        assert!(v.answering.is_some());
        // Nothing chosen: Ctrl+S is refused with the reason, nothing is sent.
        assert_eq!(v.on_action(Action::Save, 10), None);
        assert_eq!(
            v.problem().as_deref(),
            Some("Not answered: choose one of the answers.")
        );
        // Pick "other": the keyboard goes to the words, which are then required.
        let other = options.iter().position(|o| o == query::OTHER).unwrap();
        for _ in 0..other {
            v.on_action(Action::Down, 10);
        }
        v.on_action(Action::PickAnswer, 10);
        assert!(v.typing());
        assert!(v.answering.as_ref().unwrap().check().is_err());
        typed(&mut v, "Acute on chronic combined heart failure");
        let sent = v.on_action(Action::Save, 10);
        assert_eq!(
            sent,
            Some(WorkRequest::Call(WorkCall::Answer {
                id: "Q-000001".into(),
                version: 1,
                choice: Some(query::OTHER.into()),
                words: "Acute on chronic combined heart failure".into(),
            }))
        );
        // Sent once: a second Ctrl+S while waiting does nothing.
        assert_eq!(v.on_action(Action::Save, 10), None);
        v.answered();
        assert!(v.answering.is_none());
    }

    #[test]
    fn an_open_question_is_answered_in_words_and_restricted_rows_open_the_chart() {
        let mut v = clinician_view(
            vec![item("Q-000002", QueryForm::Open)],
            vec![("Q-000003".into(), "000999".into(), 8)],
        );
        v.on_action(Action::Submit, 10);
        assert!(v.typing(), "an open question starts in the words");
        assert!(!v.has_input());
        typed(&mut v, "Sepsis ruled out");
        assert!(v.has_input());
        assert!(matches!(
            v.on_action(Action::Save, 10),
            Some(WorkRequest::Call(WorkCall::Answer { choice: None, .. }))
        ));
        v.answer_failed();
        assert!(v.back(), "Esc closes the form first");
        assert!(!v.back());
        // The restricted query is the second row: Enter asks to open its chart.
        v.on_action(Action::Down, 10);
        assert_eq!(
            v.on_action(Action::Submit, 10),
            Some(WorkRequest::OpenChart("000999".into()))
        );
    }

    #[test]
    fn lists_follow_the_role() {
        assert_eq!(WorkQueueView::new(true, false).list, WorkList::ToAnswer);
        assert_eq!(WorkQueueView::new(false, true).list, WorkList::Sent);
        let mut both = WorkQueueView::new(true, true);
        both.on_action(Action::NextField, 10);
        assert_eq!(both.list, WorkList::Sent);
        // A role with neither list has nothing to load or refresh.
        let none = WorkQueueView::new(false, false);
        assert!(!none.has_lists());
        assert!(none.footer_actions().is_empty());
    }
}
