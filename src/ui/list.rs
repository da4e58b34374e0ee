//! What every list screen shares: moving the selection, and how the selected row looks.

use super::keymap::Action;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Table};

/// Splits a panel's inside into a table of `rows` rows (plus its header), as long as it needs,
/// and the selected row's details under it, which keep at least `details` rows.
pub fn table_and_details(inner: Rect, rows: usize, details: u16) -> [Rect; 2] {
    let table_rows = u16::try_from(rows + 1)
        .unwrap_or(u16::MAX)
        .min(inner.height.saturating_sub(details).max(2));
    Layout::vertical([Constraint::Length(table_rows), Constraint::Min(0)]).areas(inner)
}

/// The titled rule that opens the selected row's details; returns the area for their text,
/// one column in from the left, level with the table's text.
pub fn details_rule(frame: &mut Frame, area: Rect, theme: &Theme, title: String) -> Rect {
    let rule = Block::new()
        .borders(Borders::TOP)
        .border_set(theme.border_set())
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    let inner = rule.inner(area);
    frame.render_widget(rule, area);
    Rect {
        x: inner.x.saturating_add(1),
        width: inner.width.saturating_sub(1),
        ..inner
    }
}

/// The style of a waiting item's age in days (break-the-glass reviews, physician queries):
/// a day or so is normal, from 2 days a warning, from a week an error.
pub fn age_style(days: i64, theme: &Theme) -> ratatui::style::Style {
    match days {
        i64::MIN..=1 => theme.text,
        2..=6 => theme.status_warning,
        _ => theme.status_error,
    }
}

/// Moves `selected` in a list of `len` rows for a movement key; false for any other action.
pub fn move_selection(selected: &mut usize, len: usize, action: Action, page: usize) -> bool {
    let last = len.saturating_sub(1);
    *selected = match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (*selected + 1).min(last),
        Action::PageUp => selected.saturating_sub(page),
        Action::PageDown => (*selected + page).min(last),
        Action::Home => 0,
        Action::End => last,
        _ => return false,
    };
    true
}

/// The selected row: the theme's selection style and a marker (ASCII in ASCII mode), so the
/// selection shows even without colour.
pub fn with_selection<'a>(table: Table<'a>, theme: &Theme) -> Table<'a> {
    table
        .row_highlight_style(theme.selected)
        .highlight_symbol(if theme.ascii { ">" } else { "▶" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movement_stays_inside_the_list() {
        let mut s = 0;
        for (action, want) in [
            (Action::Up, 0),
            (Action::Down, 1),
            (Action::PageDown, 6),
            (Action::PageDown, 9),
            (Action::PageUp, 4),
            (Action::End, 9),
            (Action::Home, 0),
        ] {
            assert!(move_selection(&mut s, 10, action, 5));
            assert_eq!(s, want, "{action:?}");
        }
        assert!(!move_selection(&mut s, 10, Action::Submit, 5));
        let mut e = 0;
        move_selection(&mut e, 0, Action::End, 5);
        assert_eq!(e, 0, "an empty list");
    }
}
