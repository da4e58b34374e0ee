//! F2 patient search: one box, results as you type, Enter puts the patient in context.
//! Each keystroke sends a numbered search; an answer older than the newest one sent is
//! dropped, so a slow search never shows over a newer one.

use crate::domain::patient::age_on;
use crate::domain::search::Hit;
use crate::sanitize::sanitize;
use crate::service::{SearchResults, ServiceError};
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::screens::home::thousands;
use crate::ui::theme::Theme;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// Results asked for per search: a few screens' worth.
pub const PAGE_RESULTS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchView {
    pub input: TextInput,
    pub hits: Vec<Hit>,
    pub total: usize,
    pub selected: usize,
    /// A line under the box: parts not understood, or the index still loading.
    pub note: Option<String>,
    /// Number of the newest search sent, and of the one on screen.
    pub sent: u64,
    pub shown: u64,
    /// The list shows the clerk's recent patients (the box is empty).
    pub recent: bool,
}

impl Default for SearchView {
    fn default() -> Self {
        SearchView {
            input: TextInput::new(120),
            hits: Vec::new(),
            total: 0,
            selected: 0,
            note: None,
            sent: 0,
            shown: 0,
            recent: false,
        }
    }
}

/// What the screen asks of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchRequest {
    /// Show the recent patients (the box was emptied).
    Recent,
    /// Search for this text (numbered).
    Search(u64, String),
    /// Put this patient in context.
    Choose(Hit),
}

impl SearchView {
    /// Editing keys; a changed query becomes a new numbered search.
    pub fn handle_key(&mut self, key: &KeyEvent) -> Option<Option<SearchRequest>> {
        let before = self.input.value().to_string();
        if !self.input.handle_key(key) {
            return None;
        }
        Some(self.changed(&before))
    }

    pub fn paste(&mut self, text: &str) -> Option<SearchRequest> {
        let before = self.input.value().to_string();
        self.input.insert_str(text);
        self.changed(&before)
    }

    fn changed(&mut self, before: &str) -> Option<SearchRequest> {
        if self.input.value() == before {
            return None;
        }
        self.sent += 1;
        if self.input.value().trim().is_empty() {
            // Nothing to search for: clear at once, and let any answer in flight be dropped.
            self.shown = self.sent;
            self.hits.clear();
            self.total = 0;
            self.note = None;
            return Some(SearchRequest::Recent);
        }
        Some(SearchRequest::Search(
            self.sent,
            self.input.value().to_string(),
        ))
    }

    /// Empties the box and asks for the recent patients.
    pub fn reset_to_recent(&mut self) -> SearchRequest {
        self.input.clear();
        self.sent += 1;
        self.shown = self.sent;
        self.hits.clear();
        self.total = 0;
        self.note = None;
        SearchRequest::Recent
    }

    /// The recent patients arrived; shown only while the box is still empty.
    pub fn on_recent(&mut self, result: Result<Vec<Hit>, ServiceError>) -> Option<ServiceError> {
        if !self.input.value().trim().is_empty() {
            return None;
        }
        match result {
            Ok(hits) => {
                self.total = hits.len();
                self.hits = hits;
                self.selected = 0;
                self.recent = true;
                None
            }
            Err(ServiceError::NotReady(msg)) => {
                self.note = Some(msg);
                None
            }
            Err(e) => Some(e),
        }
    }

    /// An answer arrived; returns an error the status line should show.
    pub fn on_results(
        &mut self,
        seq: u64,
        result: Result<SearchResults, ServiceError>,
    ) -> Option<ServiceError> {
        if seq < self.sent {
            return None; // an older search: the newer one wins
        }
        self.shown = seq;
        match result {
            Ok(r) => {
                self.hits = r.hits;
                self.total = r.total;
                self.selected = 0;
                self.recent = false;
                self.note = (!r.problems.is_empty()).then(|| r.problems.join("; "));
                None
            }
            Err(ServiceError::NotReady(msg)) => {
                self.note = Some(msg);
                None
            }
            Err(e) => Some(e),
        }
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<SearchRequest> {
        if crate::ui::list::move_selection(&mut self.selected, self.hits.len(), action, page) {
            return None;
        }
        match action {
            // Results still on their way: Enter would open a patient from the older list.
            Action::Submit if self.shown != self.sent => {}
            Action::Submit => {
                return self
                    .hits
                    .get(self.selected)
                    .cloned()
                    .map(SearchRequest::Choose);
            }
            Action::RecentPatients => return Some(self.reset_to_recent()),
            _ => {}
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, today: NaiveDate) {
        let title = if self.input.is_empty() {
            if self.recent && !self.hits.is_empty() {
                "Patient search — your recent patients".to_string()
            } else {
                "Patient search".to_string()
            }
        } else {
            format!(
                "Patient search — {} match{}",
                thousands(self.total as u64),
                if self.total == 1 { "" } else { "es" }
            )
        };
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [input_row, note_row, table_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        draw_form(frame, &[(input_row, &self.input, "Find")], 0, theme);
        let note = match &self.note {
            Some(n) => Line::styled(format!("  {}", sanitize(n)), theme.status_warning),
            None => Line::styled(
                "  name, MRN, DOB, S1234, phone, ID · D deceased R restricted M merged P dup?",
                theme.muted,
            ),
        };
        frame.render_widget(Paragraph::new(note), note_row);
        let rows = self.hits.iter().map(|h| {
            let name = format!("{}, {}", h.family_name.to_uppercase(), h.given_names);
            let mut flags = String::new();
            if h.deceased {
                flags.push('D');
            }
            if h.sensitive {
                flags.push('R');
            }
            if h.merged_into.is_some() {
                flags.push('M');
            }
            if h.possible_duplicate {
                flags.push('P');
            }
            Row::new(vec![
                Cell::from(sanitize(&name).into_owned()),
                Cell::from(h.sex.letter()),
                Cell::from(format!(
                    "{} ({})",
                    h.dob.format("%Y-%m-%d"),
                    age_on(h.dob, today)
                )),
                Cell::from(sanitize(&h.mrn).into_owned()),
                // A merged chart's visits live on the survivor: show where it went instead.
                Cell::from(match &h.merged_into {
                    Some(into) => {
                        format!("{}{}", if theme.ascii { "->" } else { "→" }, sanitize(into))
                    }
                    None => h
                        .last_visit
                        .map_or_else(|| "-".to_string(), |d| d.format("%Y-%m-%d").to_string()),
                }),
                Cell::from(Span::styled(flags, theme.status_warning)),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(27),
                Constraint::Length(3),
                Constraint::Length(16),
                Constraint::Length(9),
                Constraint::Length(10),
                Constraint::Length(5),
            ],
        )
        .header(
            Row::new(["Name", "Sex", "DOB (age)", "MRN", "Last visit", "Flags"]).style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state =
            TableState::default().with_selected((!self.hits.is_empty()).then_some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
    }
}
