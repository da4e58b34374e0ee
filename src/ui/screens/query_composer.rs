//! The physician query composer (`q` in the coding workspace). A query starts from a
//! template of compliant-query practice (`domain::query`): the question and the options of
//! its kind, always ending with "other" and "clinically undetermined". The clinical
//! indicators are lines quoted from the encounter's documents (`i` in the reader), never
//! typed. Tab moves between the fields, Up/Down changes the clinician, the kind and the form
//! or picks an indicator or option; Enter edits an option, `+` adds one, Del removes one (or
//! an indicator). The checks of `domain::query::check` show live under the form; Ctrl+S sends
//! only when there are none (the service checks again against the whole record).

use crate::domain::query::{
    self, Indicator, OTHER, QueryDraft, QueryForm, QueryKind, UNDETERMINED,
};
use crate::sanitize::sanitize;
use crate::service::QueryRecipient;
use crate::ui::input::TextInput;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Which part of the form the keyboard is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    To,
    Kind,
    Form,
    Indicators,
    Question,
    Options,
}

const FIELDS: [Field; 6] = [
    Field::To,
    Field::Kind,
    Field::Form,
    Field::Indicators,
    Field::Question,
    Field::Options,
];

/// The three forms a query may take, in the order Up/Down goes through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKind {
    MultipleChoice,
    YesNo,
    Open,
}

impl FormKind {
    fn label(self) -> &'static str {
        match self {
            FormKind::MultipleChoice => "multiple choice",
            FormKind::YesNo => "yes / no",
            FormKind::Open => "open question",
        }
    }
}

/// What the composer asks the workspace for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComposerOutcome {
    Send(QueryDraft),
    /// Esc: hide the composer; the draft is kept for the next `q`.
    Close,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueryComposer {
    pub encounter_id: String,
    pub kind: QueryKind,
    /// `None` until the list of clinicians arrives.
    pub recipients: Option<Vec<QueryRecipient>>,
    pub to: usize,
    pub form: FormKind,
    pub indicators: Vec<Indicator>,
    pub question: TextInput,
    pub options: Vec<String>,
    pub field: Field,
    pub selected_indicator: usize,
    pub selected_option: usize,
    /// Editing an option: its index (== `options.len()` for a new one) and the text.
    pub editing: Option<(usize, TextInput)>,
    /// The text of each quoted document as shown (id, text), for the live checks.
    pub record: Vec<(String, String)>,
    /// The question or the options were changed: a new kind keeps them.
    edited: bool,
    problem: Option<String>,
}

impl QueryComposer {
    pub fn new(encounter_id: &str) -> QueryComposer {
        let kind = QueryKind::Specificity;
        let mut question = TextInput::new(query::MAX_TEXT_CHARS);
        question.set(&query::template_question(kind));
        QueryComposer {
            encounter_id: encounter_id.to_string(),
            kind,
            recipients: None,
            to: 0,
            form: FormKind::MultipleChoice,
            indicators: Vec::new(),
            question,
            options: query::template_options(kind),
            field: Field::To,
            selected_indicator: 0,
            selected_option: 0,
            editing: None,
            record: Vec::new(),
            edited: false,
            problem: None,
        }
    }

    /// Quotes one line of a document (as the reader shows it) as a clinical indicator.
    /// Returns false when the line is blank or already quoted.
    pub fn quote(&mut self, document_id: &str, document_text: &str, line: &str) -> bool {
        let quote = line.trim();
        if quote.is_empty()
            || self
                .indicators
                .iter()
                .any(|i| i.document_id == document_id && i.quote == quote)
        {
            return false;
        }
        if !self.record.iter().any(|(id, _)| id == document_id) {
            self.record
                .push((document_id.to_string(), document_text.to_string()));
        }
        self.indicators.push(Indicator {
            document_id: document_id.to_string(),
            quote: quote.to_string(),
        });
        true
    }

    /// The clinicians to choose from; the attending is chosen first when one of them is.
    pub fn set_recipients(&mut self, list: Vec<QueryRecipient>, attending: &str) {
        let attending = attending.to_lowercase();
        self.to = list
            .iter()
            .position(|r| {
                r.full_name
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.len() > 2)
                    .any(|w| attending.contains(w))
            })
            .unwrap_or(0);
        self.recipients = Some(list);
    }

    fn recipient(&self) -> Option<&QueryRecipient> {
        self.recipients.as_ref().and_then(|l| l.get(self.to))
    }

    pub fn draft(&self) -> QueryDraft {
        QueryDraft {
            encounter_id: self.encounter_id.clone(),
            kind: self.kind,
            to: self
                .recipient()
                .map_or_else(String::new, |r| r.username.clone()),
            indicators: self.indicators.clone(),
            question: self.question.value().trim().to_string(),
            form: match self.form {
                FormKind::MultipleChoice => QueryForm::MultipleChoice(self.options.clone()),
                FormKind::YesNo => QueryForm::YesNo,
                FormKind::Open => QueryForm::Open,
            },
        }
    }

    /// What stops the query being sent, as `domain::query::check` words it.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.recipients.as_ref().is_some_and(Vec::is_empty) {
            p.push("No clinician who answers queries is set up; ask an administrator.".into());
        }
        p.extend(query::check(&self.draft(), &self.record));
        p
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    /// The keyboard types text: the question, or an option being edited.
    pub fn typing(&self) -> bool {
        self.editing.is_some() || self.field == Field::Question
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        if let Some((_, t)) = &mut self.editing {
            return t.handle_key(key);
        }
        if self.field == Field::Question {
            let before = self.question.value().to_string();
            let used = self.question.handle_key(key);
            self.edited |= self.question.value() != before;
            return used;
        }
        false
    }

    pub fn paste(&mut self, text: &str) {
        if let Some((_, t)) = &mut self.editing {
            t.insert_str(text);
        } else if self.field == Field::Question {
            self.question.insert_str(text);
            self.edited = true;
        }
    }

    fn fixed(option: &str) -> bool {
        option == OTHER || option == UNDETERMINED
    }

    fn set_kind(&mut self, kind: QueryKind) {
        self.kind = kind;
        if !self.edited {
            self.question.set(&query::template_question(kind));
            self.options = query::template_options(kind);
            self.selected_option = 0;
        }
        if self.form == FormKind::YesNo && !kind.allows_yes_no() {
            self.form = FormKind::MultipleChoice;
        }
    }

    fn cycle<T: Copy + PartialEq>(all: &[T], now: T, up: bool) -> T {
        let n = all.len();
        let i = all.iter().position(|x| *x == now).unwrap_or(0);
        all[if up { (i + n - 1) % n } else { (i + 1) % n }]
    }

    fn forms(&self) -> Vec<FormKind> {
        let mut v = vec![FormKind::MultipleChoice];
        if self.kind.allows_yes_no() {
            v.push(FormKind::YesNo);
        }
        v.push(FormKind::Open);
        v
    }

    fn fields(&self) -> Vec<Field> {
        FIELDS
            .into_iter()
            .filter(|f| *f != Field::Options || self.form == FormKind::MultipleChoice)
            .collect()
    }

    pub fn on_action(&mut self, action: Action) -> Option<ComposerOutcome> {
        if let Some((i, t)) = &self.editing {
            match action {
                Action::Submit => {
                    let (i, text) = (*i, t.value().trim().to_string());
                    self.editing = None;
                    if text.is_empty() {
                        return None;
                    }
                    self.edited = true;
                    if i < self.options.len() {
                        self.options[i] = text;
                    } else {
                        // New options go before the two fixed ones.
                        let at = self
                            .options
                            .iter()
                            .position(|o| Self::fixed(o))
                            .unwrap_or(self.options.len());
                        self.options.insert(at, text);
                        self.selected_option = at;
                    }
                }
                Action::Back => self.editing = None,
                _ => {}
            }
            return None;
        }
        let up = action == Action::Up;
        match (action, self.field) {
            (Action::Back, _) => return Some(ComposerOutcome::Close),
            (Action::Save, _) => {
                let problems = self.problems();
                if problems.is_empty() {
                    return Some(ComposerOutcome::Send(self.draft()));
                }
                self.problem = Some(format!(
                    "Not sent: {} problem(s) to fix first.",
                    problems.len()
                ));
            }
            (Action::NextField | Action::PrevField, _) => {
                let fields = self.fields();
                self.field = Self::cycle(&fields, self.field, action == Action::PrevField);
            }
            (Action::Submit, Field::Question) => self.field = Field::Options,
            (Action::Up | Action::Down, Field::To) => {
                let n = self.recipients.as_ref().map_or(0, Vec::len);
                if n > 0 {
                    self.to = if up {
                        (self.to + n - 1) % n
                    } else {
                        (self.to + 1) % n
                    };
                }
            }
            (Action::Up | Action::Down, Field::Kind) => {
                self.set_kind(Self::cycle(&QueryKind::ALL, self.kind, up));
            }
            (Action::Up | Action::Down, Field::Form) => {
                self.form = Self::cycle(&self.forms(), self.form, up);
            }
            (Action::Up | Action::Down, Field::Indicators) => {
                crate::ui::list::move_selection(
                    &mut self.selected_indicator,
                    self.indicators.len(),
                    action,
                    1,
                );
            }
            (Action::Up | Action::Down, Field::Options) => {
                crate::ui::list::move_selection(
                    &mut self.selected_option,
                    self.options.len(),
                    action,
                    1,
                );
            }
            (Action::DeleteCode, Field::Indicators)
                if self.selected_indicator < self.indicators.len() =>
            {
                self.indicators.remove(self.selected_indicator);
                self.selected_indicator = self
                    .selected_indicator
                    .min(self.indicators.len().saturating_sub(1));
            }
            (Action::DeleteCode, Field::Options) => match self.options.get(self.selected_option) {
                Some(o) if Self::fixed(o) => {
                    self.problem = Some(format!("\"{o}\" is always offered."));
                }
                Some(_) => {
                    self.options.remove(self.selected_option);
                    self.selected_option = self
                        .selected_option
                        .min(self.options.len().saturating_sub(1));
                    self.edited = true;
                }
                None => {}
            },
            (Action::Submit, Field::Options) => match self.options.get(self.selected_option) {
                Some(o) if Self::fixed(o) => {
                    self.problem = Some(format!("\"{o}\" is always offered as written."));
                }
                Some(o) => {
                    let mut t = TextInput::new(query::MAX_QUOTE_CHARS);
                    t.set(o);
                    self.editing = Some((self.selected_option, t));
                }
                None => {}
            },
            (Action::AddCode, Field::Options) => {
                if self.options.len() >= query::MAX_OPTIONS {
                    self.problem = Some(format!("At most {} options.", query::MAX_OPTIONS));
                } else {
                    self.editing =
                        Some((self.options.len(), TextInput::new(query::MAX_QUOTE_CHARS)));
                }
            }
            _ => {}
        }
        None
    }

    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        if self.editing.is_some() {
            return vec![(Action::Submit, 0)];
        }
        let mut v = vec![(Action::Save, 0), (Action::NextField, 0)];
        match self.field {
            Field::Options => v.extend([
                (Action::Submit, 1),
                (Action::AddCode, 1),
                (Action::DeleteCode, 1),
            ]),
            Field::Indicators => v.push((Action::DeleteCode, 1)),
            _ => {}
        }
        // Esc (Back) is added by the shell's footer, as on every screen.
        v
    }

    fn label(&self, field: Field, text: &str, theme: &Theme) -> Span<'static> {
        let style = if self.field == field && self.editing.is_none() {
            theme.focus
        } else {
            theme.title
        };
        Span::styled(text.to_string(), style)
    }

    fn chosen(&self, field: Field, value: String, theme: &Theme) -> Span<'static> {
        if self.field == field && self.editing.is_none() {
            Span::styled(format!("‹{value}›"), theme.focus)
        } else {
            Span::styled(format!(" {value} "), theme.text)
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let block = theme.panel(format!(
            "Physician query — {} — Ctrl+S sends",
            sanitize(&self.encounter_id)
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let mc = self.form == FormKind::MultipleChoice;
        let shown_indicators = u16::try_from(self.indicators.len().clamp(1, 3)).unwrap_or(3);
        let [head, form, ind_head, ind, q_head, q, opt_head, opts, checks] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(shown_indicators),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(u16::from(mc)),
            Constraint::Min(0),
            Constraint::Length(3),
        ])
        .areas(inner);
        let to = match &self.recipients {
            None => "loading…".to_string(),
            Some(l) if l.is_empty() => "no clinician set up".to_string(),
            Some(_) => self.recipient().map_or_else(String::new, |r| {
                format!("{} ({})", sanitize(&r.full_name), sanitize(&r.username))
            }),
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                self.label(Field::To, "To ", theme),
                self.chosen(Field::To, to, theme),
                Span::raw("  "),
                self.label(Field::Kind, "About ", theme),
                self.chosen(Field::Kind, self.kind.label().to_string(), theme),
            ])),
            head,
        );
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                self.label(Field::Form, "Form ", theme),
                self.chosen(Field::Form, self.form.label().to_string(), theme),
            ])),
            form,
        );
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                self.label(
                    Field::Indicators,
                    &format!("Clinical indicators ({})", self.indicators.len()),
                    theme,
                ),
                Span::styled(
                    " — quoted from the record: i on a document line",
                    theme.muted,
                ),
            ])),
            ind_head,
        );
        if self.indicators.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "  None yet: Esc, read a document, put the line at the top or find it, i.",
                    theme.muted,
                )),
                ind,
            );
        }
        let first = self
            .selected_indicator
            .saturating_sub(usize::from(shown_indicators) - 1);
        let lines: Vec<Line> = self
            .indicators
            .iter()
            .enumerate()
            .skip(first)
            .take(usize::from(shown_indicators))
            .map(|(i, ind)| {
                let mark = if self.field == Field::Indicators && i == self.selected_indicator {
                    "▶ "
                } else {
                    "  "
                };
                Line::from(vec![
                    Span::styled(
                        format!("{mark}{} ", sanitize(&ind.document_id)),
                        theme.muted,
                    ),
                    Span::styled(format!("\"{}\"", sanitize(&ind.quote)), theme.text),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), ind);
        frame.render_widget(
            Paragraph::new(self.label(Field::Question, "Question", theme)),
            q_head,
        );
        if self.field == Field::Question {
            let [line, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(q);
            if let Some(c) = self.question.draw(frame, line, "", theme, true) {
                frame.set_cursor_position(c);
            }
            frame.render_widget(
                Paragraph::new(Line::styled(
                    "  Ask, do not lead: no diagnosis is suggested, nothing about payment.",
                    theme.muted,
                )),
                rest,
            );
        } else {
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("  {}", sanitize(self.question.value())),
                    theme.text,
                ))
                .wrap(Wrap { trim: false }),
                q,
            );
        }
        if mc {
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    self.label(Field::Options, "Options", theme),
                    Span::styled(
                        " — \"other\" and \"clinically undetermined\" always offered",
                        theme.muted,
                    ),
                ])),
                opt_head,
            );
            self.draw_options(frame, opts, theme);
        }
        self.draw_checks(frame, checks, theme);
    }

    fn draw_options(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let rows = usize::from(area.height);
        if rows == 0 {
            return;
        }
        let mut items: Vec<(usize, String)> = self
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| (i, sanitize(o).into_owned()))
            .collect();
        if let Some((i, _)) = &self.editing
            && *i == self.options.len()
        {
            items.push((*i, String::new()));
        }
        let current = self
            .editing
            .as_ref()
            .map_or(self.selected_option, |(i, _)| *i);
        let first = current.saturating_sub(rows - 1);
        for (i, text) in items.iter().skip(first).take(rows) {
            let y = area.y + u16::try_from(i - first).unwrap_or(0);
            let line_area = Rect::new(area.x, y, area.width, 1);
            match &self.editing {
                Some((e, t)) if e == i => {
                    if let Some(c) = t.draw(frame, line_area, "edit", theme, true) {
                        frame.set_cursor_position(c);
                    }
                }
                _ => {
                    let mark = if self.field == Field::Options && *i == self.selected_option {
                        "▶ "
                    } else {
                        "  "
                    };
                    let style = if Self::fixed(text) {
                        theme.muted
                    } else {
                        theme.text
                    };
                    frame.render_widget(
                        Paragraph::new(Line::styled(format!("{mark}☐ {text}"), style)),
                        line_area,
                    );
                }
            }
        }
    }

    fn draw_checks(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let text = crate::ui::list::details_rule(frame, area, theme, " Compliance checks ".into());
        let problems = self.problems();
        let line = if problems.is_empty() {
            Line::styled(
                "Ready: indicators quoted, options complete, nothing leads. Ctrl+S sends.",
                theme.status_info,
            )
        } else {
            Line::from(vec![
                Span::styled(format!("{} to fix: ", problems.len()), theme.status_warning),
                Span::styled(sanitize(&problems.join(" ")).into_owned(), theme.text),
            ])
        };
        frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "BNP 1,250 pg/mL.\nEjection fraction 30%.\nIV furosemide started.";

    fn composer() -> QueryComposer {
        let mut c = QueryComposer::new("E000042");
        c.set_recipients(
            vec![
                QueryRecipient {
                    username: "adams".into(),
                    full_name: "Dr. Lee Adams".into(),
                },
                QueryRecipient {
                    username: "okafor".into(),
                    full_name: "Dr. Rita Okafor".into(),
                },
            ],
            "Dr. R. Okafor",
        );
        c
    }

    #[test]
    fn the_attending_is_asked_first_and_a_template_needs_only_indicators() {
        let mut c = composer();
        assert_eq!(c.draft().to, "okafor");
        assert!(
            c.problems()
                .iter()
                .any(|p| p.contains("Quote at least one clinical indicator"))
        );
        assert!(c.quote("D1", NOTE, "  Ejection fraction 30%. "));
        assert!(
            !c.quote("D1", NOTE, "Ejection fraction 30%."),
            "quoted twice"
        );
        assert!(!c.quote("D1", NOTE, "   "), "blank line");
        assert_eq!(c.problems(), Vec::<String>::new());
        assert_eq!(
            c.on_action(Action::Save),
            Some(ComposerOutcome::Send(c.draft()))
        );
    }

    #[test]
    fn options_are_edited_but_the_fixed_two_stay() {
        let mut c = composer();
        c.quote("D1", NOTE, "BNP 1,250 pg/mL.");
        c.field = Field::Options;
        let last = c.options.len() - 1;
        c.selected_option = last;
        c.on_action(Action::DeleteCode);
        assert_eq!(c.options.len(), last + 1, "undetermined is not removed");
        assert!(c.problem().unwrap().contains("always offered"));
        // Remove every clinical option: the checks say one option leads.
        while !QueryComposer::fixed(&c.options[0]) {
            c.selected_option = 0;
            c.on_action(Action::DeleteCode);
        }
        assert!(
            c.problems()
                .iter()
                .any(|p| p.contains("at least two clinically reasonable options"))
        );
        assert!(c.on_action(Action::Save).is_none());
        assert!(c.problem().unwrap().contains("Not sent"));
        // Add two: they go before the fixed ones.
        for text in [
            "Acute systolic heart failure",
            "Chronic diastolic heart failure",
        ] {
            c.on_action(Action::AddCode);
            for ch in text.chars() {
                c.handle_key(&KeyEvent::from(crossterm::event::KeyCode::Char(ch)));
            }
            c.on_action(Action::Submit);
        }
        assert_eq!(
            c.options,
            vec![
                "Acute systolic heart failure".to_string(),
                "Chronic diastolic heart failure".to_string(),
                OTHER.to_string(),
                UNDETERMINED.to_string()
            ]
        );
        assert_eq!(c.problems(), Vec::<String>::new());
    }

    #[test]
    fn kind_and_form_follow_the_rules() {
        let mut c = composer();
        c.field = Field::Kind;
        c.on_action(Action::Down);
        assert_eq!(c.kind, QueryKind::ClinicalValidity);
        assert_eq!(
            c.options,
            query::template_options(QueryKind::ClinicalValidity)
        );
        // Yes/no is not offered for a kind that does not allow it.
        c.field = Field::Form;
        c.on_action(Action::Down);
        assert_eq!(c.form, FormKind::Open);
        c.field = Field::Kind;
        c.on_action(Action::Down);
        assert_eq!(c.kind, QueryKind::PresentOnAdmission);
        c.field = Field::Form;
        c.form = FormKind::MultipleChoice;
        c.on_action(Action::Down);
        assert_eq!(c.form, FormKind::YesNo);
        // Back to a kind that does not allow yes/no: the form goes back to multiple choice.
        c.field = Field::Kind;
        c.on_action(Action::Up);
        assert_eq!(c.kind, QueryKind::ClinicalValidity);
        assert_eq!(c.form, FormKind::MultipleChoice);
        // A question edited by hand is kept when the kind changes.
        c.field = Field::Question;
        c.handle_key(&KeyEvent::from(crossterm::event::KeyCode::Char('?')));
        let q = c.question.value().to_string();
        c.field = Field::Kind;
        c.on_action(Action::Down);
        assert_eq!(c.question.value(), q);
    }
}
