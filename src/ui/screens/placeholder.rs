//! Screens whose issue has not landed yet: gated and audited like the real thing, with one
//! honest line instead of a half-built form.

use crate::service::Screen;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, theme: &Theme, screen: Screen) {
    let block = Block::bordered()
        .border_set(theme.border_set())
        .border_style(theme.border)
        .title(Span::styled(format!(" {} ", screen.title()), theme.title));
    let line = Line::styled(
        format!("{} is not yet available in this version.", screen.title()),
        theme.text,
    );
    frame.render_widget(
        Paragraph::new(line).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
