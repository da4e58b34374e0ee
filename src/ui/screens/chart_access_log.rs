//! The chart's access log, "who looked at this chart": the audit entries naming the patient
//! as the service returns them (newest first). Break-the-glass accesses carry a BTG flag in
//! the warning style; the selected entry's reason shows in full under the list.

use crate::domain::audit::{AuditAction, AuditEntry, Outcome};
use crate::domain::role::roles_label;
use crate::sanitize::sanitize;
use crate::ui::doc_viewer::truncate;
use crate::ui::keymap::Action;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState, Wrap};

/// Column widths: time, flag, user, roles, action, outcome, reason. With the six gaps and the
/// selection marker they fill the 78 columns inside the panel at 80×24.
const WIDTHS: [u16; 7] = [16, 3, 9, 10, 17, 7, 9];
/// Rows kept under the table for the selected entry (a rule and its text).
const DETAILS_ROWS: u16 = 4;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AccessLogTab {
    /// Newest first, as the service returns them.
    pub entries: Vec<AuditEntry>,
    pub selected: usize,
}

/// `document_viewed` as "document viewed".
pub fn action_words(action: AuditAction) -> String {
    action.as_str().replace('_', " ")
}

fn outcome(o: Outcome, theme: &Theme) -> (&'static str, Style) {
    match o {
        Outcome::Success => ("success", theme.text),
        Outcome::Failure => ("failure", theme.status_warning),
        Outcome::Denied => ("denied", theme.status_error),
    }
}

fn is_break_glass(e: &AuditEntry) -> bool {
    e.event.action == AuditAction::BreakGlass
}

impl AccessLogTab {
    pub fn new(entries: Vec<AuditEntry>) -> AccessLogTab {
        AccessLogTab {
            entries,
            selected: 0,
        }
    }

    /// Movement keys move the selection; anything else is ignored (false).
    pub fn on_action(&mut self, action: Action, page: usize) -> bool {
        crate::ui::list::move_selection(&mut self.selected, self.entries.len(), action, page)
    }

    pub fn selected_entry(&self) -> Option<&AuditEntry> {
        self.entries.get(self.selected)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let n = self.entries.len();
        let btg = self.entries.iter().filter(|e| is_break_glass(e)).count();
        let mut title = format!(
            "Who looked at this chart — {n} entr{}",
            if n == 1 { "y" } else { "ies" }
        );
        if btg > 0 {
            title.push_str(&format!(", {btg} break-the-glass"));
        }
        let block = theme.panel(title);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.entries.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("  No access recorded.", theme.muted)),
                inner,
            );
            return;
        }
        let [table_area, details_area] =
            crate::ui::list::table_and_details(inner, self.entries.len(), DETAILS_ROWS);
        let ascii = theme.ascii;
        let cut = |s: &str, w: u16| truncate(&sanitize(s), usize::from(w), ascii);
        let rows = self.entries.iter().map(|e| {
            let ev = &e.event;
            let flag = if is_break_glass(e) {
                Span::styled("BTG", theme.status_warning)
            } else {
                Span::raw("")
            };
            let (out, out_style) = outcome(ev.outcome, theme);
            Row::new(vec![
                Cell::from(ev.at.format("%Y-%m-%d %H:%M").to_string()),
                Cell::from(flag),
                Cell::from(cut(&ev.user, WIDTHS[2])),
                Cell::from(cut(&roles_label(&ev.roles), WIDTHS[3])),
                Cell::from(cut(&action_words(ev.action), WIDTHS[4])),
                Cell::from(Span::styled(out, out_style)),
                Cell::from(cut(&ev.reason, WIDTHS[6])),
            ])
            .style(theme.text)
        });
        let table = Table::new(rows, WIDTHS.map(Constraint::Length)).header(
            Row::new([
                "Time (UTC)",
                "",
                "User",
                "Roles",
                "Action",
                "Outcome",
                "Reason",
            ])
            .style(theme.title),
        );
        let table = crate::ui::list::with_selection(table, theme);
        let mut state = TableState::default().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, table_area, &mut state);
        if let Some(e) = self.entries.get(self.selected) {
            draw_details(frame, details_area, theme, e);
        }
    }
}

/// The selected entry in full: who, with which roles, from which Unix user, and why.
fn draw_details(frame: &mut Frame, area: Rect, theme: &Theme, e: &AuditEntry) {
    let ev = &e.event;
    let text_area = crate::ui::list::details_rule(frame, area, theme, format!(" Entry {} ", e.seq));
    let (out, out_style) = outcome(ev.outcome, theme);
    let mut head = vec![
        Span::styled(
            format!(
                "{} UTC  {} ({})  {}: ",
                ev.at.format("%Y-%m-%d %H:%M:%S"),
                sanitize(&ev.user),
                roles_label(&ev.roles),
                action_words(ev.action)
            ),
            theme.text,
        ),
        Span::styled(out, out_style),
    ];
    if let Some(p) = &ev.peer {
        head.push(Span::styled(
            format!("  unix user {}", sanitize(p)),
            theme.muted,
        ));
    }
    let reason = if ev.reason.is_empty() {
        Span::styled("(none)", theme.muted)
    } else {
        Span::styled(sanitize(&ev.reason).into_owned(), theme.text)
    };
    let lines = vec![
        Line::from(head),
        Line::from(vec![Span::styled("Reason: ", theme.muted), reason]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::AuditEvent;
    use crate::domain::role::Role;
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, 16, 0, 0).unwrap()
    }

    fn entry(
        seq: u64,
        minutes_ago: i64,
        user: &str,
        roles: &[Role],
        action: AuditAction,
        out: Outcome,
        reason: &str,
    ) -> AuditEntry {
        AuditEntry {
            seq,
            event: AuditEvent {
                at: t0() - Duration::minutes(minutes_ago),
                user: user.into(),
                roles: roles.to_vec(),
                action,
                patient: Some("00031337".into()),
                outcome: out,
                reason: reason.into(),
                peer: None,
            },
            prev_hash: String::new(),
        }
    }

    fn sample() -> Vec<AuditEntry> {
        let mut e = vec![
            entry(
                912,
                0,
                "auditor1",
                &[Role::Auditor],
                AuditAction::AccessLogViewed,
                Outcome::Success,
                "",
            ),
            entry(
                907,
                30,
                "nurse07",
                &[Role::Clinician],
                AuditAction::DocumentViewed,
                Outcome::Success,
                "document D-000101",
            ),
            entry(
                906,
                31,
                "nurse07",
                &[Role::Clinician],
                AuditAction::BreakGlass,
                Outcome::Success,
                "other: clear\u{1b}[2Jscreen evil\u{202E}txt.exe until 16:29",
            ),
            entry(
                905,
                32,
                "nurse07",
                &[Role::Clinician],
                AuditAction::ScreenDenied,
                Outcome::Denied,
                "restricted chart",
            ),
            entry(
                880,
                24 * 60,
                "coder02",
                &[Role::Coder, Role::Analyst],
                AuditAction::ChartOpened,
                Outcome::Success,
                "",
            ),
            entry(
                850,
                3 * 24 * 60,
                "him.super",
                &[Role::Supervisor],
                AuditAction::DemographicHistoryViewed,
                Outcome::Success,
                "",
            ),
            entry(
                801,
                9 * 24 * 60,
                "reg01",
                &[Role::Registrar],
                AuditAction::PatientRegistered,
                Outcome::Success,
                "registered at the front desk",
            ),
        ];
        e[1].event.peer = Some("nkelly".into());
        e
    }

    fn terminal(v: &AccessLogTab, theme: &Theme) -> Terminal<TestBackend> {
        crate::ui::test_screen::terminal80(|f| v.draw(f, f.area(), theme))
    }

    fn screen(v: &AccessLogTab, theme: &Theme) -> String {
        crate::ui::test_screen::safe_text(&terminal(v, theme))
    }

    #[test]
    fn access_log_with_a_hostile_reason() {
        let mut v = AccessLogTab::new(sample());
        v.on_action(Action::Down, 5);
        v.on_action(Action::Down, 5);
        assert_eq!(v.selected_entry().map(|e| e.seq), Some(906));
        let s = screen(&v, &Theme::default());
        assert!(!s.contains("[2J"));
        assert!(s.contains("demographic hist…") && s.contains("access log viewed"));
        insta::assert_snapshot!(s);
    }

    #[test]
    fn access_log_in_ascii() {
        let mut v = AccessLogTab::new(sample());
        v.on_action(Action::Down, 5);
        let theme = Theme {
            ascii: true,
            ..Theme::default()
        };
        let s = screen(&v, &theme);
        assert!(
            !s.chars()
                .any(|c| ('\u{2500}'..='\u{259F}').contains(&c) || c == '▶' || c == '…'),
            "no line drawing in ASCII mode"
        );
        insta::assert_snapshot!(s);
    }

    #[test]
    fn empty_log() {
        insta::assert_snapshot!(screen(&AccessLogTab::new(Vec::new()), &Theme::default()));
    }

    #[test]
    fn break_glass_entries_are_flagged() {
        let theme = Theme::load("default", false, false).unwrap();
        let v = AccessLogTab::new(sample());
        let t = terminal(&v, &theme);
        let buf = t.backend().buffer();
        // Border, marker, time (16) and a gap: the flag column starts at x = 19.
        let flag = |y: u16| -> String { (19..22).map(|x| buf[(x, y)].symbol()).collect() };
        let flagged: Vec<u16> = (2..9).filter(|&y| flag(y) == "BTG").collect();
        assert_eq!(flagged, vec![4], "only the break_glass row (third entry)");
        let want = theme.text.patch(theme.status_warning);
        let got = buf[(19, 4)].style();
        let colour = |c: Option<Color>| c.unwrap_or(Color::Reset);
        assert_eq!(colour(got.fg), colour(want.fg));
        assert_eq!(colour(got.bg), colour(want.bg));
        assert!(got.add_modifier.contains(want.add_modifier));
        assert_eq!(action_words(AuditAction::BreakGlass), "break glass");
    }
}
