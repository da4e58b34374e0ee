//! F1: every binding of the live keymap with its description.

use super::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let t = &app.theme;
    let width = 72.min(area.width);
    let height = area.height;
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let mut lines = Vec::new();
    for b in app.keymap.bindings() {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:>10} ", b.key.label(t.ascii)), t.footer_key),
            Span::styled(format!("  {}", b.action.description()), t.text),
        ]));
    }
    let block = t
        .panel("Help: keys")
        .title_bottom(Span::styled(" Esc closes ", t.muted));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}

/// A small alert box centred in `area` (never larger than it).
fn alert_area(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width,
        height: height.min(area.height),
    }
}

/// The password again after the daemon restarted; the screen underneath stays as it was.
pub fn draw_reauth(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let popup = alert_area(area, 62, 6);
    let user = app
        .session
        .as_ref()
        .map(|s| crate::sanitize::sanitize(&s.username).into_owned())
        .unwrap_or_default();
    let typed = app
        .reauth
        .as_ref()
        .map(|p| p.masked_text('*'))
        .unwrap_or_default();
    let block = t.alert_panel("The server restarted");
    let lines = vec![
        Line::styled("Your screen is kept. Log in again to go on.", t.text),
        Line::from(vec![
            Span::styled(format!("Password for {user}: "), t.text),
            Span::styled(typed, t.focus),
        ]),
        Line::from(vec![
            Span::styled(" Enter ", t.footer_key),
            Span::styled(" log in   ", t.text),
            Span::styled(" Esc ", t.footer_key),
            Span::styled(" log out", t.text),
        ]),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

pub fn draw_confirm_quit(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let popup = alert_area(area, 50, 5);
    let block = t.alert_panel("Quit?");
    let lines = vec![
        Line::styled("What you typed here is not saved.", t.text),
        Line::from(vec![
            Span::styled(" y ", t.footer_key),
            Span::styled(" quit   ", t.text),
            Span::styled(" n ", t.footer_key),
            Span::styled(" stay", t.text),
        ]),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
