//! The supervisor's and billing's view over the coding queue (`R` on F4): the backlog by age
//! band, encounter type, coder and status; coder productivity over the last seven days
//! (encounters coded per hour, by type); and the discharged-not-final-billed (DNFB) list with
//! its oldest encounters. Each part shows when the role may read it and its answer is in.

use crate::domain::coding::{AgeBand, Backlog, CoderProductivity, Count};
use crate::sanitize::sanitize;
use crate::service::DnfbReport;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Days of coding the productivity part covers.
pub const PRODUCTIVITY_DAYS: i64 = 7;
/// Oldest DNFB encounters listed.
pub const DNFB_ROWS: usize = 5;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct CodingReport {
    pub backlog: Option<Backlog>,
    pub productivity: Option<Vec<CoderProductivity>>,
    pub dnfb: Option<DnfbReport>,
}

fn counts<K>(label: &str, items: &[Count<K>], name: impl Fn(&K) -> String) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|c| format!("{} {}", name(&c.key), c.count))
        .collect();
    format!("{label}: {}", parts.join(", "))
}

impl CodingReport {
    pub fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        if let Some(b) = &self.backlog {
            lines.push(Line::styled(
                format!("Backlog — {} encounters not final", b.total),
                theme.title,
            ));
            let over30 = b
                .by_age
                .iter()
                .find(|c| c.key == AgeBand::Over30)
                .map_or(0, |c| c.count);
            lines.push(Line::from(vec![
                Span::styled(
                    counts("  By age", &b.by_age, |k| k.label().replace(" days", "d")),
                    theme.text,
                ),
                Span::styled(
                    if over30 > 0 { "  (over 30 days)" } else { "" },
                    theme.status_warning,
                ),
            ]));
            lines.push(Line::styled(
                counts("  By type", &b.by_class, |k| k.abbrev().to_string()),
                theme.text,
            ));
            lines.push(Line::styled(
                counts("  By coder", &b.by_coder, |k| {
                    k.as_deref()
                        .map_or("unassigned".to_string(), |c| sanitize(c).into_owned())
                }),
                theme.text,
            ));
            lines.push(Line::styled(
                counts("  By status", &b.by_status, |k| k.label().to_string()),
                theme.text,
            ));
        }
        if let Some(p) = &self.productivity {
            lines.push(Line::styled(
                format!("Productivity — last {PRODUCTIVITY_DAYS} days"),
                theme.title,
            ));
            if p.is_empty() {
                lines.push(Line::styled("  Nothing marked coded.", theme.muted));
            }
            for c in p {
                let by_type: Vec<String> = c
                    .per_hour_by_class
                    .iter()
                    .map(|(k, r)| format!("{} {r:.1}/h", k.abbrev()))
                    .collect();
                lines.push(Line::styled(
                    format!(
                        "  {:<12} {:>4} coded in {:>5.1} h = {:>4.1}/h  {}",
                        sanitize(&c.coder),
                        c.coded,
                        c.hours,
                        c.per_hour,
                        by_type.join(" ")
                    ),
                    theme.text,
                ));
            }
        }
        if let Some(d) = &self.dnfb {
            lines.push(Line::styled(
                format!("Discharged, not final billed (DNFB) — {}", d.total),
                theme.title,
            ));
            lines.push(Line::styled(
                counts("  By age", &d.by_age, |k| k.label().replace(" days", "d")),
                theme.text,
            ));
            for r in d.rows.iter().take(DNFB_ROWS) {
                let style = if r.age_days > 30 {
                    theme.status_warning
                } else {
                    theme.text
                };
                lines.push(Line::styled(
                    format!(
                        "  {:>4}d {:<3} {} {:<22} {}",
                        r.age_days,
                        r.class.abbrev(),
                        r.mrn,
                        crate::ui::doc_viewer::truncate(&sanitize(&r.patient), 22, theme.ascii),
                        r.status.label()
                    ),
                    style,
                ));
            }
        }
        if lines.is_empty() {
            lines.push(Line::styled("Loading the report…", theme.muted));
        }
        lines
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(
            Paragraph::new(self.lines(theme)).wrap(Wrap { trim: false }),
            area,
        );
    }
}
