//! A one-line text field: what forms are made of. Keeps its text across resizes because it
//! lives in the app state, not in the terminal.

use crate::sanitize::sanitize;
use crate::ui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextInput {
    value: String,
    /// Cursor position in characters.
    cursor: usize,
    pub masked: bool,
    /// Characters left readable at the end of a masked field (the last four of an SSN).
    pub reveal_last: usize,
    pub max_chars: usize,
}

impl TextInput {
    pub fn new(max_chars: usize) -> Self {
        TextInput {
            max_chars,
            ..Default::default()
        }
    }

    pub fn masked(max_chars: usize) -> Self {
        TextInput {
            masked: true,
            max_chars,
            ..Default::default()
        }
    }

    /// Partly masked: an SSN shows as `•••••••6789`, a password as all mask.
    pub fn partly_masked(max_chars: usize, reveal_last: usize) -> Self {
        TextInput {
            masked: true,
            reveal_last,
            max_chars,
            ..Default::default()
        }
    }

    /// What a masked field shows.
    pub fn masked_text(&self, mask: char) -> String {
        let n = self.value.chars().count();
        let hidden = n.saturating_sub(self.reveal_last);
        std::iter::repeat_n(mask, hidden)
            .chain(sanitize(&self.value).chars().skip(hidden))
            .collect()
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Where the cursor is, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set(&mut self, v: &str) {
        self.value.clear();
        self.cursor = 0;
        self.insert_str(v);
    }

    pub fn clear(&mut self) {
        self.value.clear();
        self.cursor = 0;
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_idx)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// Inserts text, dropping control characters (a pasted newline does not submit a form).
    pub fn insert_str(&mut self, s: &str) {
        for c in s.chars().filter(|c| !c.is_control()) {
            if self.value.chars().count() >= self.max_chars {
                break;
            }
            let at = self.byte_at(self.cursor);
            self.value.insert(at, c);
            self.cursor += 1;
        }
    }

    /// Editing keys; returns false for keys the field does not use.
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('u') if ctrl => self.clear(),
            KeyCode::Char(c) if !ctrl && !alt => self.insert_str(c.encode_utf8(&mut [0u8; 4])),
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Backspace => {}
            KeyCode::Delete if self.cursor < self.value.chars().count() => {
                let at = self.byte_at(self.cursor);
                self.value.remove(at);
            }
            KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.value.chars().count()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.value.chars().count(),
            _ => return false,
        }
        true
    }

    /// Draws `label: value` in `area` (one line); returns where the cursor goes when focused.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        label: &str,
        theme: &Theme,
        focused: bool,
    ) -> Option<(u16, u16)> {
        let (label_style, field_style, mask) = (
            theme.text,
            if focused { theme.focus } else { theme.selected },
            theme.mask(),
        );
        let label_text = format!("{label:>14}: ");
        let label_w = u16::try_from(label_text.width()).unwrap_or(area.width);
        let field_w = area.width.saturating_sub(label_w);
        if field_w == 0 {
            return None;
        }
        let shown: String = if self.masked {
            self.masked_text(mask)
        } else {
            sanitize(&self.value).into_owned()
        };
        // Scroll so the cursor stays visible in a narrow field.
        let chars: Vec<char> = shown.chars().collect();
        let width = usize::from(field_w.saturating_sub(1));
        let start = self.cursor.saturating_sub(width);
        let visible: String = chars.iter().skip(start).take(width + 1).collect();
        let pad = usize::from(field_w).saturating_sub(visible.width());
        let line = Line::from(vec![
            Span::styled(label_text, label_style),
            Span::styled(format!("{visible}{}", " ".repeat(pad)), field_style),
        ]);
        frame.render_widget(line, area);
        let before: String = chars[start..self.cursor.min(chars.len())].iter().collect();
        let x = area.x + label_w + u16::try_from(before.width()).unwrap_or(0);
        focused.then_some((x.min(area.right().saturating_sub(1)), area.y))
    }
}

/// Draws a form's fields, one `(row, field, label)` each, and puts the terminal cursor in the
/// focused one.
pub fn draw_form(
    frame: &mut Frame,
    fields: &[(Rect, &TextInput, &str)],
    focus: usize,
    theme: &Theme,
) {
    for (i, (row, field, label)) in fields.iter().enumerate() {
        if let Some(c) = field.draw(frame, *row, label, theme, focus == i) {
            frame.set_cursor_position(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn editing() {
        let mut t = TextInput::new(10);
        for c in "Alemn".chars() {
            t.handle_key(&key(KeyCode::Char(c)));
        }
        t.handle_key(&key(KeyCode::Left));
        t.handle_key(&key(KeyCode::Char('á')));
        assert_eq!(t.value(), "Alemán");
        t.handle_key(&key(KeyCode::Home));
        t.handle_key(&key(KeyCode::Delete));
        assert_eq!(t.value(), "lemán");
        t.handle_key(&key(KeyCode::End));
        t.handle_key(&key(KeyCode::Backspace));
        assert_eq!(t.value(), "lemá");
        t.insert_str("x\n\u{1b}y1234567890");
        assert_eq!(
            t.value(),
            "lemáxy1234",
            "control characters dropped, capped at 10"
        );
        t.handle_key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert!(t.is_empty());
        assert!(!t.handle_key(&key(KeyCode::F(2))));
    }

    #[test]
    fn masking() {
        let mut ssn = TextInput::partly_masked(11, 4);
        ssn.insert_str("123-45-6789");
        assert_eq!(ssn.masked_text('*'), "*******6789");
        let mut pw = TextInput::masked(20);
        pw.insert_str("secret");
        assert_eq!(pw.masked_text('*'), "******");
    }
}
