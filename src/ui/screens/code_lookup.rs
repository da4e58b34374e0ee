//! The code look-up (F4 until the coding queue lands, and later the popup of the coding
//! workspace): type a code prefix or words of the titles (`fx fem neck`, `diab ckd`), results
//! as you type, the highlighted code's check and instructional notes below. Tab moves to the
//! date of service (which picks the fiscal year) and to the code system.

use crate::codes::CodeSystem;
use crate::sanitize::sanitize;
use crate::service::{CodeDetails, CodeHit};
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Results asked for per keystroke.
pub const LOOKUP_RESULTS: usize = 50;

const SYSTEMS: [CodeSystem; 3] = [CodeSystem::Icd10Cm, CodeSystem::Icd10Pcs, CodeSystem::Hcpcs];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeLookupView {
    pub query: TextInput,
    pub date: TextInput,
    pub system: CodeSystem,
    /// 0 the words, 1 the date, 2 the code system.
    pub focus: usize,
    pub hits: Vec<CodeHit>,
    pub selected: usize,
    pub details: Option<CodeDetails>,
    /// The newest look-up sent and the one shown (older answers are dropped).
    pub sent: u64,
    pub shown: u64,
    problem: Option<String>,
}

/// What the screen asks of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupRequest {
    /// Look up this text (numbered) in this system on this date.
    Find(u64, CodeSystem, NaiveDate, String),
    /// The notes of this code.
    Details(CodeSystem, NaiveDate, String),
}

impl CodeLookupView {
    pub fn new(today: NaiveDate) -> CodeLookupView {
        let mut date = TextInput::new(10);
        date.set(&today.format("%Y-%m-%d").to_string());
        CodeLookupView {
            query: TextInput::new(80),
            date,
            system: CodeSystem::Icd10Cm,
            focus: 0,
            hits: Vec::new(),
            selected: 0,
            details: None,
            sent: 0,
            shown: 0,
            problem: None,
        }
    }

    pub fn typing(&self) -> bool {
        self.focus < 2
    }

    pub fn problem(&mut self) -> Option<String> {
        self.problem.take()
    }

    /// The date of service typed, when it is a date.
    fn on(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.date.value().trim(), "%Y-%m-%d").ok()
    }

    /// A new numbered look-up for what is typed now (None while the date is not a date).
    fn find(&mut self) -> Option<LookupRequest> {
        let Some(on) = self.on() else {
            self.problem = Some("Date of service: type it as YYYY-MM-DD.".into());
            return None;
        };
        self.sent += 1;
        Some(LookupRequest::Find(
            self.sent,
            self.system,
            on,
            self.query.value().to_string(),
        ))
    }

    /// Editing keys in the words or the date; a change is a new look-up.
    pub fn handle_key(&mut self, key: &KeyEvent) -> Option<Option<LookupRequest>> {
        let field = match self.focus {
            0 => &mut self.query,
            1 => &mut self.date,
            _ => return None,
        };
        let before = field.value().to_string();
        if !field.handle_key(key) {
            return None;
        }
        let changed = field.value() != before;
        Some(if changed { self.find() } else { None })
    }

    pub fn paste(&mut self, text: &str) -> Option<LookupRequest> {
        if self.focus == 0 {
            self.query.insert_str(text);
            return self.find();
        }
        None
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<LookupRequest> {
        match action {
            Action::NextField => {
                self.focus = (self.focus + 1) % 3;
                None
            }
            Action::PrevField => {
                self.focus = (self.focus + 2) % 3;
                None
            }
            Action::Up | Action::Down if self.focus == 2 => {
                let i = SYSTEMS.iter().position(|s| *s == self.system).unwrap_or(0);
                let n = SYSTEMS.len();
                let i = if action == Action::Up {
                    (i + n - 1) % n
                } else {
                    (i + 1) % n
                };
                self.system = SYSTEMS[i];
                self.find()
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End => {
                let before = self.selected;
                crate::ui::list::move_selection(&mut self.selected, self.hits.len(), action, page);
                (self.selected != before)
                    .then(|| self.details_request())
                    .flatten()
            }
            _ => None,
        }
    }

    fn details_request(&self) -> Option<LookupRequest> {
        let hit = self.hits.get(self.selected)?;
        Some(LookupRequest::Details(
            self.system,
            self.on()?,
            hit.raw.clone(),
        ))
    }

    /// The answer to look-up `seq`; the details of the first hit are asked next.
    pub fn found(&mut self, seq: u64, hits: Vec<CodeHit>) -> Option<LookupRequest> {
        if seq < self.shown || seq > self.sent {
            return None;
        }
        self.shown = seq;
        self.hits = hits;
        self.selected = 0;
        self.details = None;
        self.details_request()
    }

    pub fn show_details(&mut self, d: CodeDetails) {
        // Only the details of the code still highlighted.
        if self
            .hits
            .get(self.selected)
            .is_some_and(|h| h.code == d.code)
        {
            self.details = Some(d);
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let block = theme.panel(format!(
            "Code look-up — {} on {}",
            self.system.label(),
            self.on().map_or("?".to_string(), |d| d.to_string())
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [words, when, list, details] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Percentage(45),
            Constraint::Min(0),
        ])
        .areas(inner);
        let [date, system] =
            Layout::horizontal([Constraint::Length(28), Constraint::Min(10)]).areas(when);
        draw_form(
            frame,
            &[
                (words, &self.query, "Find"),
                (date, &self.date, "Service date"),
            ],
            self.focus,
            theme,
        );
        let arrows = if theme.ascii { "^v" } else { "↕" };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    format!(" {arrows} "),
                    if self.focus == 2 {
                        theme.focus
                    } else {
                        theme.muted
                    },
                ),
                Span::styled(self.system.label(), theme.title),
            ])),
            system,
        );
        self.draw_hits(frame, list, theme);
        self.draw_details(frame, details, theme);
    }

    fn draw_hits(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if self.hits.is_empty() {
            let text = if self.query.value().trim().is_empty() {
                "Type a code (E11.9, s72.0) or words of its title (fx fem neck, diab ckd)."
            } else {
                "No codes match."
            };
            frame.render_widget(
                Paragraph::new(Line::styled(text, theme.muted)).wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
        let rows = self.hits.iter().map(|h| {
            let style = if h.billable { theme.text } else { theme.muted };
            Row::new(vec![
                Cell::from(sanitize(&h.code).into_owned()),
                Cell::from(if h.billable { " " } else { "-" }),
                Cell::from(sanitize(&h.title).into_owned()),
            ])
            .style(style)
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(9),
                Constraint::Length(1),
                Constraint::Min(10),
            ],
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }

    fn draw_details(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let Some(d) = &self.details else {
            return;
        };
        let text_area =
            crate::ui::list::details_rule(frame, area, theme, format!(" {} ", sanitize(&d.code)));
        let mut lines = vec![Line::styled(
            sanitize(&d.sentence).into_owned(),
            if d.valid {
                theme.text
            } else {
                theme.status_error
            },
        )];
        for n in &d.notes {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", n.kind), theme.title),
                Span::styled(format!("({}) ", sanitize(&n.at)), theme.muted),
                Span::styled(sanitize(&n.text).into_owned(), theme.text),
            ]));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn hit(code: &str, raw: &str, title: &str, billable: bool) -> CodeHit {
        CodeHit {
            code: code.into(),
            raw: raw.into(),
            title: title.into(),
            billable,
        }
    }

    #[test]
    fn typing_sends_numbered_lookups_and_stale_answers_are_dropped() {
        let mut v = CodeLookupView::new(d(2026, 3, 15));
        let first = v.handle_key(&key('f')).flatten();
        assert_eq!(
            first,
            Some(LookupRequest::Find(
                1,
                CodeSystem::Icd10Cm,
                d(2026, 3, 15),
                "f".into()
            ))
        );
        v.handle_key(&key('x'));
        // The answer to look-up 1 after 2 was sent, then 2's answer.
        assert_eq!(
            v.found(2, vec![hit("S72.001A", "S72001A", "Fracture ...", true)]),
            Some(LookupRequest::Details(
                CodeSystem::Icd10Cm,
                d(2026, 3, 15),
                "S72001A".into()
            ))
        );
        assert_eq!(v.found(1, vec![]), None);
        assert_eq!(
            v.hits.len(),
            1,
            "the older answer did not replace the newer"
        );
        // A bad date stops the look-up and says why.
        v.on_action(Action::NextField, 10);
        v.date.set("2026-03-1");
        v.handle_key(&key('x'));
        assert!(v.problem().unwrap().contains("YYYY-MM-DD"));
        // The system is picked with Up/Down on its field, and looks up again.
        v.date.set("2025-06-30");
        v.on_action(Action::NextField, 10);
        assert!(!v.typing());
        assert_eq!(
            v.on_action(Action::Down, 10),
            Some(LookupRequest::Find(
                3,
                CodeSystem::Icd10Pcs,
                d(2025, 6, 30),
                "fx".into()
            ))
        );
    }

    #[test]
    fn the_lookup_at_80x24() {
        let theme = Theme::default();
        let mut v = CodeLookupView::new(d(2026, 3, 15));
        v.query.set("fx fem neck");
        v.sent = 1;
        v.found(
            1,
            vec![
                hit("S72.001A", "S72001A", "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture", true),
                hit("S72.001B", "S72001B", "Fracture of unspecified part of neck of right femur, initial encounter for open fracture type I or II", true),
                hit("S72.00", "S7200", "Fracture of unspecified part of neck of femur \u{1b}[2J", false),
            ],
        );
        v.show_details(CodeDetails {
            code: "S72.001A".into(),
            title: Some("Fracture of unspecified part of neck of right femur, initial encounter for closed fracture".into()),
            valid: true,
            sentence: "S72.001A is valid: Fracture of unspecified part of neck of right femur, initial encounter for closed fracture.".into(),
            checked_against: "ICD-10-CM FY2026".into(),
            notes: vec![
                crate::service::CodeNote { kind: "Inclusion term".into(), text: "Fracture of hip NOS".into(), at: "S72.00".into() },
                crate::service::CodeNote { kind: "Excludes1".into(), text: "traumatic amputation of hip and thigh (S78.-)".into(), at: "S72".into() },
            ],
        });
        let t = crate::ui::test_screen::terminal80(|f| v.draw(f, f.area(), &theme));
        let s = crate::ui::test_screen::safe_text(&t);
        assert!(s.contains("Excludes1 (S72) traumatic amputation"), "{s}");
        insta::assert_snapshot!(s);
    }
}
