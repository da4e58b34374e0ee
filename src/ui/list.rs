//! What every list screen shares: moving the selection, and how the selected row looks.

use super::keymap::Action;
use super::theme::Theme;
use ratatui::widgets::Table;

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
