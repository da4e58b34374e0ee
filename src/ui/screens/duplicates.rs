//! F8 duplicate charts (analysts and supervisors): the work list of pairs that may be one
//! patient, and for the chosen pair both charts side by side with what differs marked. Decisions:
//! not a duplicate (remembered), needs research, merge (analysts ask, supervisors approve),
//! undo a merge (supervisors). The service checks every one of them again.

use crate::domain::mpi::{CaseDecision, CaseStatus, default_survivor, next_status};
use crate::domain::search::Hit;
use crate::sanitize::sanitize;
use crate::service::{DuplicateCaseRow, DuplicateReview};
use crate::ui::input::{TextInput, draw_form};
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// A decision waiting for its note.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingDecision {
    pub decision: CaseDecision,
    pub note: TextInput,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReviewPane {
    pub review: DuplicateReview,
    /// The chart that stays if merged.
    pub survivor: String,
    pub pending: Option<PendingDecision>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct DuplicatesView {
    pub rows: Vec<DuplicateCaseRow>,
    pub selected: usize,
    pub loaded: bool,
    pub review: Option<ReviewPane>,
    /// Supervisors approve merges; analysts ask for them.
    pub may_approve: bool,
    /// Decided cases listed too (`a`): merges to undo, pairs to reopen.
    pub include_decided: bool,
}

/// What the screen asks of the app.
#[derive(Clone, Debug, PartialEq)]
pub enum DuplicatesRequest {
    Review(String),
    /// The list again, after `a` changed what it shows.
    Reload,
    Decide {
        case_id: String,
        version: u64,
        decision: CaseDecision,
        note: String,
    },
}

/// Decided without a merge: the pair can be put back on the list (the case rules say which).
fn reopenable(status: CaseStatus) -> bool {
    next_status(status, &CaseDecision::Reopen).is_ok()
}

fn short_name(h: Option<&Hit>) -> String {
    h.map_or_else(
        || "(missing)".to_string(),
        |h| format!("{}, {}", h.family_name.to_uppercase(), h.given_names),
    )
}

impl DuplicatesView {
    pub fn new(may_approve: bool) -> DuplicatesView {
        DuplicatesView {
            may_approve,
            ..Default::default()
        }
    }

    pub fn set_rows(&mut self, rows: Vec<DuplicateCaseRow>) {
        self.rows = rows;
        self.loaded = true;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn show_review(&mut self, review: DuplicateReview) {
        let survivor = review.case.survivor.clone().unwrap_or_else(|| {
            default_survivor(
                (review.a.mrn.as_str(), review.a_encounters),
                (review.b.mrn.as_str(), review.b_encounters),
            )
            .to_string()
        });
        self.review = Some(ReviewPane {
            review,
            survivor,
            pending: None,
        });
    }

    /// A note is being typed: it has the keyboard.
    pub fn typing(&self) -> bool {
        self.review.as_ref().is_some_and(|r| r.pending.is_some())
    }

    pub fn has_input(&self) -> bool {
        self.review
            .as_ref()
            .and_then(|r| r.pending.as_ref())
            .is_some_and(|p| !p.note.is_empty())
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        match self.review.as_mut().and_then(|r| r.pending.as_mut()) {
            Some(p) => p.note.handle_key(key),
            None => false,
        }
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(p) = self.review.as_mut().and_then(|r| r.pending.as_mut()) {
            p.note.insert_str(text);
        }
    }

    /// Esc: cancels a note, or closes the side-by-side view. False when there was nothing to
    /// close (the app goes back).
    pub fn back(&mut self) -> bool {
        match &mut self.review {
            Some(r) if r.pending.is_some() => {
                r.pending = None;
                true
            }
            Some(_) => {
                self.review = None;
                true
            }
            None => false,
        }
    }

    /// The decision succeeded: back to the list (the app reloads it).
    pub fn decided(&mut self) {
        self.review = None;
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<DuplicatesRequest> {
        let may_approve = self.may_approve;
        let Some(pane) = &mut self.review else {
            if crate::ui::list::move_selection(&mut self.selected, self.rows.len(), action, page) {
                return None;
            }
            return match action {
                Action::Submit => self
                    .rows
                    .get(self.selected)
                    .map(|r| DuplicatesRequest::Review(r.case.id.clone())),
                Action::AllCases => {
                    self.include_decided = !self.include_decided;
                    self.selected = 0;
                    Some(DuplicatesRequest::Reload)
                }
                _ => None,
            };
        };
        let case = &pane.review.case;
        if let Some(p) = &pane.pending {
            if matches!(action, Action::Submit | Action::Save) {
                if p.decision.needs_note() && p.note.value().trim().is_empty() {
                    return None;
                }
                return Some(DuplicatesRequest::Decide {
                    case_id: case.id.clone(),
                    version: case.version,
                    decision: p.decision.clone(),
                    note: p.note.value().to_string(),
                });
            }
            return None;
        }
        let survivor = pane.survivor.clone();
        let decision = match action {
            Action::NotDuplicate => CaseDecision::NotDuplicate,
            Action::NeedsResearch => CaseDecision::NeedsResearch,
            Action::Merge if may_approve => CaseDecision::Merge { survivor },
            Action::Merge => CaseDecision::RequestMerge { survivor },
            Action::UndoMerge if may_approve && case.status == CaseStatus::Merged => {
                CaseDecision::UndoMerge
            }
            Action::ReopenCase if reopenable(case.status) => CaseDecision::Reopen,
            Action::SwapSurvivor if case.status != CaseStatus::Merged => {
                pane.survivor = case.other(&pane.survivor).to_string();
                return None;
            }
            _ => return None,
        };
        pane.pending = Some(PendingDecision {
            decision,
            note: TextInput::new(200),
        });
        None
    }

    /// The screen's own keys for the footer, by what can be done now.
    pub fn footer_actions(&self) -> Vec<(Action, u8)> {
        match &self.review {
            None => vec![(Action::Submit, 0), (Action::AllCases, 1)],
            Some(r) if r.pending.is_some() => vec![(Action::Submit, 0)],
            Some(r) if reopenable(r.review.case.status) => vec![(Action::ReopenCase, 0)],
            Some(r) if r.review.case.status == CaseStatus::Merged => {
                if self.may_approve {
                    vec![(Action::UndoMerge, 0)]
                } else {
                    Vec::new()
                }
            }
            Some(_) => vec![
                (Action::NotDuplicate, 0),
                (Action::NeedsResearch, 0),
                (Action::Merge, 0),
                (Action::SwapSurvivor, 1),
            ],
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        match &self.review {
            Some(r) => draw_review(frame, area, theme, r),
            None => self.draw_list(frame, area, theme),
        }
    }

    fn draw_list(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let n = self.rows.len();
        let plural = if n == 1 { "" } else { "s" };
        let block = theme.panel(if self.include_decided {
            format!("Duplicate charts — {n} case{plural}, decided ones too")
        } else {
            format!("Duplicate charts — {n} case{plural} to decide")
        });
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [note_row, table_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let note = if self.loaded && n == 0 && !self.include_decided {
            "  Nothing to decide. `chartroom duplicates scan` looks for new pairs. a: all cases"
        } else if self.loaded && n == 0 {
            "  No cases yet. `chartroom duplicates scan` looks for pairs."
        } else {
            "  ! very likely · reg: registered over a likely match · Enter: compare"
        };
        frame.render_widget(Paragraph::new(Line::styled(note, theme.muted)), note_row);
        let rows = self.rows.iter().map(|r| {
            let c = &r.case;
            let weight = match c.weight {
                Some(w) => format!("{w:>4.1}{}", if c.very_likely { "!" } else { "" }),
                None => "reg".to_string(),
            };
            let status_style = if c.status == CaseStatus::MergeRequested {
                theme.status_warning
            } else {
                theme.text
            };
            Row::new(vec![
                Cell::from(weight),
                Cell::from(Span::styled(c.status.label(), status_style)),
                Cell::from(sanitize(&short_name(r.a.as_ref())).into_owned()),
                Cell::from(sanitize(&c.a).into_owned()),
                Cell::from(sanitize(&short_name(r.b.as_ref())).into_owned()),
                Cell::from(sanitize(&c.b).into_owned()),
            ])
        });
        let table = Table::new(
            rows,
            [
                Constraint::Length(6),
                Constraint::Length(11),
                Constraint::Length(19),
                Constraint::Length(8),
                Constraint::Length(19),
                Constraint::Length(8),
            ],
        )
        .header(
            Row::new(["Weight", "Status", "Chart A", "MRN", "Chart B", "MRN"]).style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state =
            TableState::default().with_selected((!self.rows.is_empty()).then_some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
    }
}

fn visits(n: usize, last: Option<chrono::NaiveDate>) -> String {
    match last {
        Some(d) => format!("{n}, last {}", d.format("%Y-%m-%d")),
        None => format!("{n}"),
    }
}

fn draw_review(frame: &mut Frame, area: Rect, theme: &Theme, pane: &ReviewPane) {
    let r = &pane.review;
    let c = &r.case;
    let strength = match c.weight {
        Some(w) if c.very_likely => format!("very likely, weight {w:.1}"),
        Some(w) => format!("weight {w:.1}"),
        None => "registered over a likely match".to_string(),
    };
    let block = theme.panel(format!("Compare — {strength} — {}", c.status.label()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = |row: Rect| {
        Layout::horizontal([
            Constraint::Length(15),
            Constraint::Length(31),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas::<4>(row)
    };
    let mut y = inner.y;
    let mut line = |frame: &mut Frame, cells: [Line; 3]| {
        if y >= inner.bottom() {
            return;
        }
        let [l, a, _, b] = cols(Rect {
            y,
            height: 1,
            ..inner
        });
        let [cl, ca, cb] = cells;
        frame.render_widget(Paragraph::new(cl), l);
        frame.render_widget(Paragraph::new(ca), a);
        frame.render_widget(Paragraph::new(cb), b);
        y += 1;
    };
    let role = |mrn: &str| {
        if c.status == CaseStatus::Merged {
            if Some(mrn) == c.survivor.as_deref() {
                "survivor"
            } else {
                "retired"
            }
        } else if mrn == pane.survivor {
            "stays"
        } else {
            "would retire"
        }
    };
    line(
        frame,
        [
            Line::styled(" ", theme.title),
            Line::styled(
                format!("A {} ({})", sanitize(&r.a.mrn), role(&r.a.mrn)),
                theme.title,
            ),
            Line::styled(
                format!("B {} ({})", sanitize(&r.b.mrn), role(&r.b.mrn)),
                theme.title,
            ),
        ],
    );
    for f in &r.comparison {
        // The mark shows a difference without colour too.
        let (mark, style) = if f.differs {
            ("≠", theme.status_warning)
        } else {
            (" ", theme.text)
        };
        let mark = if theme.ascii && f.differs { "*" } else { mark };
        line(
            frame,
            [
                Line::styled(format!("{mark}{}", f.label), theme.muted),
                Line::styled(sanitize(&f.a).into_owned(), style),
                Line::styled(sanitize(&f.b).into_owned(), style),
            ],
        );
    }
    line(
        frame,
        [
            Line::styled(" Encounters", theme.muted),
            Line::styled(visits(r.a_encounters, r.a_last_visit), theme.text),
            Line::styled(visits(r.b_encounters, r.b_last_visit), theme.text),
        ],
    );
    y += 1;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(m) = &r.merge {
        lines.push(Line::styled(
            format!(
                " Merge {}: {} into {} by {} on {}; {} encounter(s), {} document(s) moved",
                m.id,
                sanitize(&m.retired),
                sanitize(&m.survivor),
                sanitize(&m.by),
                m.at.format("%Y-%m-%d"),
                m.encounters.len(),
                m.documents.len()
            ),
            theme.text,
        ));
    }
    let room = usize::from(inner.bottom().saturating_sub(y)).saturating_sub(2);
    let skip = c
        .history
        .len()
        .saturating_sub(room.saturating_sub(lines.len()));
    for e in c.history.iter().skip(skip) {
        lines.push(Line::styled(
            format!(
                " {} {}: {}",
                e.at.format("%Y-%m-%d %H:%M"),
                sanitize(&e.by),
                sanitize(&e.note)
            ),
            theme.muted,
        ));
    }
    let history_area = Rect {
        y,
        height: inner.bottom().saturating_sub(y).saturating_sub(1),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), history_area);
    let prompt_row = Rect {
        y: inner.bottom().saturating_sub(1),
        height: 1,
        ..inner
    };
    match &pane.pending {
        Some(p) => {
            let label = if p.decision.needs_note() {
                "Why?"
            } else {
                "Note"
            };
            let [l, field] =
                Layout::horizontal([Constraint::Length(24), Constraint::Min(0)]).areas(prompt_row);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!(" {}:", p.decision.label()),
                    theme.status_warning,
                )),
                l,
            );
            draw_form(frame, &[(field, &p.note, label)], 0, theme);
        }
        None => {
            let hint = match c.status {
                CaseStatus::Merged => " Merged. A supervisor can undo it (u).",
                _ => " ≠ marks what differs · s: choose which chart stays · Esc: list",
            };
            let hint = if theme.ascii {
                hint.replace('≠', "*")
            } else {
                hint.to_string()
            };
            frame.render_widget(Paragraph::new(Line::styled(hint, theme.muted)), prompt_row);
        }
    }
}
