//! Compliance's break-the-glass review list: every access outside normal rights, oldest
//! waiting ones visibly ageing (2 days and more in the warning style, a week and more in the
//! error style), and for the selected access its full note and, once judged, the verdict and
//! comment. Judging is the app's business (it asks the service); this is the list.

use crate::domain::break_glass::{BreakGlassAccess, Verdict};
use crate::sanitize::sanitize;
use crate::ui::doc_viewer::truncate;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Column widths: age, when, user, MRN, reason, note, verdict. With the six gaps and the
/// selection marker they fill the 78 columns inside the panel at 80×24.
const WIDTHS: [u16; 7] = [4, 16, 8, 8, 11, 9, 15];
/// Rows kept under the table for the selected access (a rule and its text).
const DETAILS_ROWS: u16 = 6;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BreakGlassReviewView {
    /// As the service listed them (newest first).
    pub accesses: Vec<BreakGlassAccess>,
    /// Index into the rows shown (see `visible`).
    pub selected: usize,
    /// Judged accesses are listed too; otherwise only those waiting.
    pub show_reviewed: bool,
}

fn verdict_style(v: Verdict, theme: &Theme) -> Style {
    match v {
        Verdict::Appropriate => theme.status_info,
        Verdict::Violation => theme.status_error,
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

impl BreakGlassReviewView {
    pub fn new(accesses: Vec<BreakGlassAccess>) -> BreakGlassReviewView {
        BreakGlassReviewView {
            accesses,
            selected: 0,
            show_reviewed: false,
        }
    }

    /// A fresh list from the service (after a verdict, or with `show_reviewed` changed); the
    /// selection stays where it was, inside the list.
    pub fn set_accesses(&mut self, accesses: Vec<BreakGlassAccess>) {
        self.accesses = accesses;
        self.clamp();
    }

    /// Shows or hides judged accesses; returns the new setting, so the app can ask the
    /// service again with `unreviewed_only = !show_reviewed`.
    pub fn toggle_reviewed(&mut self) -> bool {
        self.show_reviewed = !self.show_reviewed;
        self.selected = 0;
        self.show_reviewed
    }

    /// The rows shown: all accesses, or only those waiting for review.
    pub fn visible(&self) -> Vec<&BreakGlassAccess> {
        self.accesses
            .iter()
            .filter(|a| self.show_reviewed || a.review.is_none())
            .collect()
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.visible().len().saturating_sub(1));
    }

    /// Movement keys move the selection; anything else is ignored (false).
    pub fn on_action(&mut self, action: Action, page: usize) -> bool {
        let len = self.visible().len();
        crate::ui::list::move_selection(&mut self.selected, len, action, page)
    }

    /// The access the selection is on, for the app to judge.
    pub fn selected_access(&self) -> Option<&BreakGlassAccess> {
        self.visible().get(self.selected).copied()
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let waiting = self.accesses.iter().filter(|a| a.review.is_none()).count();
        let reviewed = self.accesses.len() - waiting;
        let hidden = if !self.show_reviewed && reviewed > 0 {
            " (hidden)"
        } else {
            ""
        };
        let block = theme.panel(format!(
            "Break-the-glass review — {waiting} waiting, {reviewed} reviewed{hidden}"
        ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let visible = self.visible();
        if visible.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("  Nothing waiting for review.", theme.muted)),
                inner,
            );
            return;
        }
        let [table_area, details_area] =
            crate::ui::list::table_and_details(inner, visible.len(), DETAILS_ROWS);
        let ascii = theme.ascii;
        let cut = |s: &str, w: u16| truncate(&sanitize(s), usize::from(w), ascii);
        let rows = visible.iter().map(|a| {
            let age = match a.days_unreviewed(now) {
                Some(d) => Span::styled(format!("{d}d"), crate::ui::list::age_style(d, theme)),
                None => Span::raw(""),
            };
            let verdict = match &a.review {
                None => Span::styled(if ascii { "-" } else { "—" }, theme.muted),
                Some(r) => Span::styled(
                    cut(&format!("{} {}", r.verdict.label(), r.by), WIDTHS[6]),
                    verdict_style(r.verdict, theme),
                ),
            };
            Row::new(vec![
                Cell::from(age),
                Cell::from(a.at.format("%Y-%m-%d %H:%M").to_string()),
                Cell::from(cut(&a.username, WIDTHS[2])),
                Cell::from(cut(&a.mrn, WIDTHS[3])),
                Cell::from(cut(a.reason.label(), WIDTHS[4])),
                Cell::from(cut(&a.note, WIDTHS[5])),
                Cell::from(verdict),
            ])
            .style(theme.text)
        });
        let table = Table::new(rows, WIDTHS.map(Constraint::Length)).header(
            Row::new([
                "Age",
                "When (UTC)",
                "User",
                "MRN",
                "Reason",
                "Note",
                "Verdict",
            ])
            .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        if let Some(a) = visible.get(self.selected) {
            draw_details(frame, details_area, theme, a, now);
        }
    }
}

/// The selected access in full: who, what, why, the whole note, and the review or its wait.
fn draw_details(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    a: &BreakGlassAccess,
    now: DateTime<Utc>,
) {
    let text_area = crate::ui::list::details_rule(frame, area, theme, format!(" Access {} ", a.id));
    let mut lines = vec![Line::styled(
        format!(
            "{} opened {} on {} UTC, open until {}: {}",
            sanitize(&a.username),
            sanitize(&a.mrn),
            a.at.format("%Y-%m-%d %H:%M"),
            a.expires.format("%H:%M"),
            a.reason.label()
        ),
        theme.text,
    )];
    let note = if a.note.is_empty() {
        Span::styled("(none)", theme.muted)
    } else {
        Span::styled(sanitize(&a.note).into_owned(), theme.text)
    };
    lines.push(Line::from(vec![Span::styled("Note: ", theme.muted), note]));
    match &a.review {
        Some(r) => lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "Reviewed {} by {}: ",
                    r.at.format("%Y-%m-%d"),
                    sanitize(&r.by)
                ),
                theme.muted,
            ),
            Span::styled(r.verdict.label(), verdict_style(r.verdict, theme)),
            Span::styled(format!(" — {}", sanitize(&r.comment)), theme.text),
        ])),
        None => {
            let d = a.days_unreviewed(now).unwrap_or(0);
            lines.push(Line::styled(
                format!("Not reviewed yet: waiting {}.", days(d)),
                crate::ui::list::age_style(d, theme),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::break_glass::{BreakGlassReason, Review};
    use chrono::{Duration, TimeZone};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, 14, 30, 0).unwrap()
    }

    #[allow(clippy::too_many_arguments)]
    fn access(
        id: u64,
        user: &str,
        mrn: &str,
        reason: BreakGlassReason,
        note: &str,
        days_ago: i64,
        hour: i64,
        review: Option<(Verdict, &str)>,
    ) -> BreakGlassAccess {
        let at = now() - Duration::days(days_ago) - Duration::hours(hour);
        BreakGlassAccess {
            id,
            username: user.into(),
            mrn: mrn.into(),
            reason,
            note: note.into(),
            at,
            expires: at + Duration::minutes(60),
            review: review.map(|(verdict, comment)| Review {
                verdict,
                comment: comment.into(),
                by: "priv.ofc".into(),
                at: at + Duration::days(1),
            }),
            version: 1,
        }
    }

    fn sample() -> Vec<BreakGlassAccess> {
        vec![
            access(
                6,
                "nurse07",
                "00031337",
                BreakGlassReason::Other,
                "clear\u{1b}[2Jscreen evil\u{202E}txt.exe — looking up a neighbour",
                0,
                2,
                None,
            ),
            access(
                5,
                "coder02",
                "00012345",
                BreakGlassReason::CodingOrBilling,
                "query on the discharge summary",
                1,
                0,
                None,
            ),
            access(
                4,
                "drtest",
                "00054321",
                BreakGlassReason::Emergency,
                "",
                3,
                5,
                None,
            ),
            access(
                3,
                "roi01",
                "00067890",
                BreakGlassReason::ReleaseOfInformation,
                "看护 subpoena 2026-118 🩺",
                8,
                1,
                None,
            ),
            access(
                2,
                "clin04",
                "00011111",
                BreakGlassReason::PatientCare,
                "covering night shift",
                12,
                3,
                Some((Verdict::Appropriate, "on the covering rota that night")),
            ),
            access(
                1,
                "nurse07",
                "00022222",
                BreakGlassReason::PatientCare,
                "curious",
                20,
                0,
                Some((Verdict::Violation, "no care relationship; referred to HR")),
            ),
        ]
    }

    fn terminal(v: &BreakGlassReviewView, theme: &Theme) -> Terminal<TestBackend> {
        crate::ui::test_screen::terminal80(|f| v.draw(f, f.area(), theme, now()))
    }

    fn screen(v: &BreakGlassReviewView, theme: &Theme) -> String {
        crate::ui::test_screen::safe_text(&terminal(v, theme))
    }

    #[test]
    fn waiting_list_with_a_hostile_note() {
        let v = BreakGlassReviewView::new(sample());
        let s = screen(&v, &Theme::default());
        assert!(s.contains("4 waiting, 2 reviewed (hidden)"));
        assert!(!s.contains("[2J"));
        insta::assert_snapshot!(s);
    }

    #[test]
    fn reviewed_ones_too_in_ascii() {
        let mut v = BreakGlassReviewView::new(sample());
        assert!(v.toggle_reviewed());
        v.on_action(Action::End, 10);
        assert_eq!(v.selected_access().map(|a| a.id), Some(1));
        let theme = Theme {
            ascii: true,
            ..Theme::default()
        };
        let s = screen(&v, &theme);
        assert!(
            !s.chars()
                .any(|c| ('\u{2500}'..='\u{259F}').contains(&c) || c == '▶'),
            "no line drawing in ASCII mode"
        );
        insta::assert_snapshot!(s);
    }

    #[test]
    fn empty_list() {
        let v = BreakGlassReviewView::new(Vec::new());
        assert_eq!(v.selected_access(), None);
        insta::assert_snapshot!(screen(&v, &Theme::default()));
    }

    #[test]
    fn unreviewed_accesses_age_visibly() {
        let theme = Theme::load("default", false, false).unwrap();
        let v = BreakGlassReviewView::new(sample());
        let t = terminal(&v, &theme);
        let buf = t.backend().buffer();
        // The age column starts after the border and the selection marker; rows 2.. are data.
        let age_at = |row: u16| {
            let text: String = (2..6).map(|x| buf[(x, row)].symbol().to_string()).collect();
            (text.trim().to_string(), buf[(2, row)].style())
        };
        let expect = [
            ("0d", theme.text),
            ("1d", theme.text),
            ("3d", theme.status_warning),
            ("8d", theme.status_error),
        ];
        for (i, (text, style)) in expect.into_iter().enumerate() {
            let (got, got_style) = age_at(2 + u16::try_from(i).unwrap());
            assert_eq!(got, text);
            // The first row is selected, which adds the selection style on top.
            if i > 0 {
                let want = theme.text.patch(style);
                let colour = |c: Option<Color>| c.unwrap_or(Color::Reset);
                assert_eq!(colour(got_style.fg), colour(want.fg), "{text}");
                assert_eq!(colour(got_style.bg), colour(want.bg), "{text}");
                assert_eq!(got_style.add_modifier, want.add_modifier, "{text}");
            }
        }
        assert_ne!(theme.status_error, theme.status_warning);
        assert_eq!(crate::ui::list::age_style(7, &theme), theme.status_error);
        assert_eq!(crate::ui::list::age_style(2, &theme), theme.status_warning);
        assert_eq!(crate::ui::list::age_style(1, &theme), theme.text);
    }
}

/// The compliance screen (F9): the list, and a verdict waiting for its comment.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakGlassReviewScreen {
    pub list: BreakGlassReviewView,
    /// The verdict chosen for the selected access, while its comment is typed.
    pub pending: Option<(Verdict, crate::ui::input::TextInput)>,
}

/// What the screen asks the app to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewRequest {
    /// Load again; `true` only the unreviewed.
    Reload(bool),
    Judge {
        id: u64,
        version: u64,
        verdict: Verdict,
        comment: String,
    },
}

impl BreakGlassReviewScreen {
    pub fn new() -> BreakGlassReviewScreen {
        BreakGlassReviewScreen {
            list: BreakGlassReviewView::new(Vec::new()),
            pending: None,
        }
    }

    pub fn typing(&self) -> bool {
        self.pending.is_some()
    }

    pub fn has_input(&self) -> bool {
        self.pending.as_ref().is_some_and(|(_, t)| !t.is_empty())
    }

    pub fn handle_key(&mut self, key: &crossterm::event::KeyEvent) -> bool {
        self.pending
            .as_mut()
            .is_some_and(|(_, t)| t.handle_key(key))
    }

    /// Esc: drops a comment being typed; false when there was none.
    pub fn back(&mut self) -> bool {
        self.pending.take().is_some()
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Option<ReviewRequest> {
        if let Some((verdict, comment)) = &self.pending {
            if action == Action::Submit {
                let a = self.list.selected_access()?;
                let request = ReviewRequest::Judge {
                    id: a.id,
                    version: a.version,
                    verdict: *verdict,
                    comment: comment.value().to_string(),
                };
                self.pending = None;
                return Some(request);
            }
            return None;
        }
        let verdict = match action {
            Action::MarkAppropriate => Verdict::Appropriate,
            Action::MarkViolation => Verdict::Violation,
            Action::ShowReviewed => {
                let all = self.list.toggle_reviewed();
                return Some(ReviewRequest::Reload(!all));
            }
            _ => {
                self.list.on_action(action, page);
                return None;
            }
        };
        if self
            .list
            .selected_access()
            .is_some_and(|a| a.review.is_none())
        {
            self.pending = Some((verdict, crate::ui::input::TextInput::new(1_000)));
        }
        None
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let Some((verdict, comment)) = &self.pending else {
            return self.list.draw(frame, area, theme, now);
        };
        let [list, prompt] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        self.list.draw(frame, list, theme, now);
        let label = format!("Comment ({})", verdict.label());
        crate::ui::input::draw_form(frame, &[(prompt, comment, label.as_str())], 0, theme);
    }
}

impl Default for BreakGlassReviewScreen {
    fn default() -> Self {
        Self::new()
    }
}
