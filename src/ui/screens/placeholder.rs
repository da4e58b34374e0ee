//! Screens whose issue has not landed yet: gated and audited like the real thing, with one
//! honest line instead of a half-built form.

use crate::service::Screen;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme, screen: Screen) {
    let block = theme.panel(screen.title());
    let text = if screen == Screen::Chart {
        "No patient in context: find one with patient search (F2) and press Enter.".to_string()
    } else {
        format!("{} is not yet available in this version.", screen.title())
    };
    let line = Line::styled(text, theme.text);
    frame.render_widget(
        Paragraph::new(line).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
