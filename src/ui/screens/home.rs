//! What a user sees right after logging in: who they are and which screens they may use.

use crate::domain::role::Role;
use crate::service::{LoginOk, ServerInfo};
use crate::ui::keymap::{Keymap, action_for};
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    keymap: &Keymap,
    session: &LoginOk,
    info: &ServerInfo,
) {
    let block = theme.panel("Home");
    let roles: Vec<&str> = session.roles.iter().map(|r| r.title()).collect();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Welcome, ", theme.text),
            Span::styled(
                crate::sanitize::sanitize(&session.full_name).into_owned(),
                theme.title,
            ),
            Span::styled(".", theme.text),
        ]),
        Line::styled(format!("Roles: {}", roles.join(", ")), theme.text),
        Line::default(),
    ];
    if session.screens.is_empty() {
        lines.push(Line::styled(
            "None of the workstation screens is part of your roles.",
            theme.text,
        ));
        let tools = if session.roles.contains(&Role::Admin) {
            "Users are managed from the command line: see chartroom user --help."
        } else {
            "The audit trail: chartroom audit verify and chartroom audit list (see --help)."
        };
        lines.push(Line::styled(tools, theme.muted));
    } else {
        lines.push(Line::styled("Screens you may use:", theme.text));
        for s in &session.screens {
            let key = keymap
                .key_for(action_for(*s))
                .map_or_else(String::new, |k| k.label(theme.ascii));
            lines.push(Line::from(vec![
                Span::styled(format!("  {key:>6} "), theme.footer_key),
                Span::styled(format!(" {}", s.title()), theme.text),
            ]));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        format!(
            "{} patients on file. Sessions end after {} minutes without a key.",
            thousands(info.patients),
            session.idle_timeout_minutes
        ),
        theme.muted,
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (5000, "5,000"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(super::thousands(n), s);
        }
    }
}
