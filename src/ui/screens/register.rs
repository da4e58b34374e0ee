//! New patient (Ctrl+N from patient search; registrars and supervisors). Problems show next
//! to their field. Before a chart is made, likely existing patients are shown and the clerk
//! chooses: this is the same patient (open it), or a new patient with a reason.

use crate::domain::patient::{NewPatient, Patient, age_on};
use crate::domain::registration::{self, FIELDS};
use crate::domain::search::Hit;
use crate::sanitize::sanitize;
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

/// Most likely matches the dialog shows (and so may open).
const MAX_SHOWN: usize = 6;

/// Likely matches the service found, and the clerk's answer in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateChoice {
    pub hits: Vec<Hit>,
    pub selected: usize,
    pub patient: NewPatient,
    /// Typing why this is a new patient (after `n`).
    pub reason: Option<TextInput>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterForm {
    pub fields: [TextInput; registration::FIELD_COUNT],
    pub focus: usize,
    pub problems: Vec<(usize, String)>,
    pub duplicates: Option<DuplicateChoice>,
    /// Esc pressed once on a filled form: the next Esc discards it.
    pub discard_armed: bool,
    /// Correcting an existing patient: their MRN and the version the form started from.
    pub editing: Option<(String, u64)>,
    /// The values the edit started from, to tell whether anything was changed.
    pub original: Option<Box<[String; registration::FIELD_COUNT]>>,
}

impl Default for RegisterForm {
    fn default() -> Self {
        RegisterForm {
            // The SSN shows only its last four, as everywhere else on screen.
            fields: std::array::from_fn(|i| {
                if i == registration::SSN {
                    TextInput::partly_masked(11, 4)
                } else {
                    TextInput::new(80)
                }
            }),
            focus: 0,
            problems: Vec::new(),
            duplicates: None,
            discard_armed: false,
            editing: None,
            original: None,
        }
    }
}

/// What the form asks of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegisterRequest {
    Register(Box<NewPatient>, Option<String>),
    /// "This is the same patient": open the existing chart instead.
    UseExisting(Hit),
    /// Corrected demographics for `mrn`, edited from `version`.
    Update {
        mrn: String,
        version: u64,
        patient: Box<NewPatient>,
    },
}

impl RegisterForm {
    /// The form filled with a patient's current demographics, to correct them.
    pub fn for_edit(p: &Patient) -> RegisterForm {
        let mut form = RegisterForm::default();
        let values = registration::values_of(p);
        for (field, v) in form.fields.iter_mut().zip(values.iter()) {
            field.set(v);
        }
        form.editing = Some((p.mrn.clone(), p.version));
        form.original = Some(Box::new(values));
        form
    }

    fn values(&self) -> [String; registration::FIELD_COUNT] {
        std::array::from_fn(|i| self.fields[i].value().to_string())
    }

    pub fn has_input(&self) -> bool {
        match &self.original {
            Some(original) => **original != self.values(),
            None => self.fields.iter().any(|f| !f.is_empty()),
        }
    }

    fn field(&mut self) -> &mut TextInput {
        match &mut self.duplicates {
            Some(DuplicateChoice {
                reason: Some(r), ..
            }) => r,
            _ => &mut self.fields[self.focus],
        }
    }

    /// Editing keys for the focused field (or the reason being typed).
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        if matches!(self.duplicates, Some(DuplicateChoice { reason: None, .. })) {
            // The choice list takes `n` (new patient) rather than text.
            if key.code == crossterm::event::KeyCode::Char('n') {
                if let Some(d) = &mut self.duplicates {
                    d.reason = Some(TextInput::new(200));
                }
                return true;
            }
            return false;
        }
        self.discard_armed = false;
        self.field().handle_key(key)
    }

    pub fn paste(&mut self, text: &str) {
        self.field().insert_str(text);
    }

    /// The service found likely matches: show them.
    pub fn show_duplicates(&mut self, mut hits: Vec<Hit>, patient: NewPatient) {
        // Only what fits is offered: Enter must never open a patient the clerk did not see.
        hits.truncate(MAX_SHOWN);
        self.duplicates = Some(DuplicateChoice {
            hits,
            selected: 0,
            patient,
            reason: None,
        });
    }

    /// Esc: closes the match list, or arms (then does) discarding a filled form. Returns true
    /// when the form should close.
    pub fn back(&mut self) -> bool {
        if self.duplicates.take().is_some() {
            return false;
        }
        if self.has_input() && !self.discard_armed {
            self.discard_armed = true;
            return false;
        }
        true
    }

    pub fn on_action(&mut self, action: Action, today: NaiveDate) -> Option<RegisterRequest> {
        if let Some(d) = &mut self.duplicates {
            match (action, &d.reason) {
                (Action::Up, None) => d.selected = d.selected.saturating_sub(1),
                (Action::Down, None) => {
                    d.selected = (d.selected + 1).min(d.hits.len().saturating_sub(1))
                }
                (Action::Submit, None) => {
                    return d
                        .hits
                        .get(d.selected)
                        .cloned()
                        .map(RegisterRequest::UseExisting);
                }
                (Action::Submit | Action::Save, Some(r)) if !r.value().trim().is_empty() => {
                    return Some(RegisterRequest::Register(
                        Box::new(d.patient.clone()),
                        Some(r.value().to_string()),
                    ));
                }
                _ => {}
            }
            return None;
        }
        let last = FIELDS.len() - 1;
        match action {
            Action::NextField | Action::Down => self.focus = (self.focus + 1).min(last),
            Action::PrevField | Action::Up => self.focus = self.focus.saturating_sub(1),
            Action::Submit if self.focus < last => self.focus += 1,
            Action::Submit | Action::Save => {
                let values = self.values();
                match registration::check(&values, today) {
                    Ok(p) => {
                        self.problems.clear();
                        if let Some((mrn, version)) = &self.editing {
                            return Some(RegisterRequest::Update {
                                mrn: mrn.clone(),
                                version: *version,
                                patient: Box::new(p),
                            });
                        }
                        return Some(RegisterRequest::Register(Box::new(p), None));
                    }
                    Err(problems) => {
                        if let Some((first, _)) = problems.first() {
                            self.focus = *first;
                        }
                        self.problems = problems;
                    }
                }
            }
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, today: NaiveDate) {
        let block = match &self.editing {
            Some((mrn, version)) => theme.panel(format!(
                "Correct demographics — MRN {} (version {version}; saving makes a new one)",
                sanitize(mrn)
            )),
            None => theme.panel("New patient"),
        };
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let label_w = 16u16;
        let field_w = 30u16;
        let rows: Vec<(Rect, &TextInput, String)> = FIELDS
            .iter()
            .enumerate()
            .map(|(i, (label, required, _))| {
                let row = Rect {
                    x: inner.x,
                    y: inner.y + u16::try_from(i).unwrap_or(0),
                    width: (label_w + field_w).min(inner.width),
                    height: 1,
                };
                (
                    row,
                    &self.fields[i],
                    format!("{label}{}", if *required { "*" } else { "" }),
                )
            })
            .filter(|(r, _, _)| r.y < inner.bottom())
            .collect();
        let fields: Vec<(Rect, &TextInput, &str)> =
            rows.iter().map(|(r, f, l)| (*r, *f, l.as_str())).collect();
        let focus = if self.duplicates.is_some() {
            usize::MAX
        } else {
            self.focus
        };
        draw_form(frame, &fields, focus, theme);
        // Next to each field: its problem, or its hint while focused.
        for (i, (row, _, _)) in rows.iter().enumerate() {
            let note_area = Rect {
                x: row.x + row.width + 1,
                y: row.y,
                width: inner.width.saturating_sub(row.width + 1),
                height: 1,
            };
            let line = match self.problems.iter().find(|(f, _)| *f == i) {
                Some((_, p)) => Line::styled(p.clone(), theme.status_error),
                None if i == self.focus => Line::styled(FIELDS[i].2, theme.muted),
                None => Line::default(),
            };
            frame.render_widget(Paragraph::new(line), note_area);
        }
        let hint_y = inner.y + u16::try_from(FIELDS.len() + 1).unwrap_or(0);
        if hint_y < inner.bottom() {
            let text = if self.discard_armed {
                "Esc again discards this form."
            } else {
                "Enter: next field · Ctrl+S: save · Esc: cancel · * required"
            };
            frame.render_widget(
                Paragraph::new(Line::styled(text, theme.muted)),
                Rect {
                    y: hint_y,
                    height: 1,
                    ..inner
                },
            );
        }
        if let Some(d) = &self.duplicates {
            draw_duplicates(frame, inner, theme, d, today);
        }
    }
}

fn draw_duplicates(
    frame: &mut Frame,
    inner: Rect,
    theme: &Theme,
    d: &DuplicateChoice,
    today: NaiveDate,
) {
    let height = (u16::try_from(d.hits.len().min(MAX_SHOWN)).unwrap_or(6) + 5).min(inner.height);
    let area = Rect {
        x: inner.x + 2,
        y: inner.bottom().saturating_sub(height),
        width: inner.width.saturating_sub(4),
        height,
    };
    frame.render_widget(Clear, area);
    let block = theme.alert_panel("Is this patient already registered?");
    let body = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = d
        .hits
        .iter()
        .take(MAX_SHOWN)
        .enumerate()
        .map(|(i, h)| {
            let text = format!(
                "{} {}  {}, {}  {} ({})  {}",
                if i == d.selected { '▶' } else { ' ' },
                h.mrn,
                sanitize(&h.family_name.to_uppercase()),
                sanitize(&h.given_names),
                h.dob.format("%Y-%m-%d"),
                age_on(h.dob, today),
                h.sex.letter()
            );
            let style = if i == d.selected && d.reason.is_none() {
                theme.selected
            } else {
                theme.text
            };
            Line::styled(text, style)
        })
        .collect();
    lines.push(Line::default());
    match &d.reason {
        None => lines.push(Line::styled(
            "Enter: same patient, open it · n: new patient (say why) · Esc: back",
            theme.muted,
        )),
        Some(_) => lines.push(Line::styled(
            "Why is this a new patient? Enter saves.",
            theme.muted,
        )),
    }
    frame.render_widget(Paragraph::new(lines), body);
    if let Some(r) = &d.reason {
        let row = Rect {
            y: body.bottom().saturating_sub(1),
            height: 1,
            ..body
        };
        draw_form(frame, &[(row, r, "Reason")], 0, theme);
    }
}
