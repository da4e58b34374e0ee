//! A read-only viewer for a clinical document: the text wrapped to the panel by display width,
//! scrolled by row or page, and searched with every match highlighted.
//!
//! The text is prepared once (lines split, tabs expanded, sanitised); wrapping happens at draw
//! time and is cached per width, so a 500-page note is not re-wrapped on every keystroke.
//! `draw` takes `&self` because the view is a pure function of the app state; what it learns
//! (the wrapped rows, the visible height) goes into a `RefCell` and a `Cell` that the movement
//! methods read.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::sanitize::sanitize;
use crate::ui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::ops::Range;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Tab stops every 8 columns, as terminals and most note editors have them.
const TAB: usize = 8;

const EMPTY: &str = "(this document has no text)";

/// A place in the text. The top of the view is kept as one rather than as a row number, so a
/// resize (a different wrap) keeps the same text at the top.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pos {
    line: usize,
    byte: usize,
}

/// One visual row: a byte range of a logical line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Row {
    line: usize,
    start: usize,
    end: usize,
}

#[derive(Clone, Debug, Default)]
struct Wrapped {
    /// 0 until something asks for rows.
    width: usize,
    rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Find {
    /// Sanitised, as typed (shown in the footer).
    query: String,
    /// (logical line, byte range), in text order.
    matches: Vec<(usize, Range<usize>)>,
    /// Index into `matches`; `None` only when there are none.
    current: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct DocumentViewer {
    title: String,
    lines: Vec<String>,
    /// No line holds anything but spaces: the empty-document message shows instead.
    blank: bool,
    top: Pos,
    find: Option<Find>,
    /// Rows for the width last drawn.
    layout: RefCell<Wrapped>,
    /// Text rows the last draw showed (0 before the first draw).
    height: Cell<usize>,
}

/// Equal when they show the same text at the same place; the caches do not count.
impl PartialEq for DocumentViewer {
    fn eq(&self, other: &Self) -> bool {
        self.title == other.title
            && self.lines == other.lines
            && self.top == other.top
            && self.find == other.find
    }
}

impl DocumentViewer {
    pub fn new(title: &str, text: &str) -> DocumentViewer {
        let lines: Vec<String> = split_lines(text)
            .into_iter()
            .map(|l| sanitize(&expand_tabs(l)).into_owned())
            .collect();
        DocumentViewer {
            title: sanitize(title).into_owned(),
            blank: lines.iter().all(|l| l.trim_start_matches(' ').is_empty()),
            lines,
            top: Pos::default(),
            find: None,
            layout: RefCell::new(Wrapped::default()),
            height: Cell::new(0),
        }
    }

    /// The prepared logical lines (split, tabs expanded, sanitised).
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The first visual row shown, counted from 0 at the width last drawn.
    pub fn top_row(&self) -> usize {
        let rows = self.rows();
        self.clamped_top(&rows)
    }

    /// Visual rows at the width last drawn (one per logical line before the first draw).
    pub fn row_count(&self) -> usize {
        self.rows().len()
    }

    /// Moves the view by `delta` rows (negative is up), staying inside the document.
    pub fn scroll(&mut self, delta: isize) {
        let top = self.top_row();
        let row = if delta >= 0 {
            top.saturating_add(delta.unsigned_abs())
        } else {
            top.saturating_sub(delta.unsigned_abs())
        };
        self.set_top_row(row);
    }

    /// One screen down, keeping the last row of this screen as the first of the next.
    pub fn page_down(&mut self) {
        self.scroll(self.page());
    }

    pub fn page_up(&mut self) {
        self.scroll(-self.page());
    }

    pub fn home(&mut self) {
        self.top = Pos::default();
    }

    /// The last full screen.
    pub fn end(&mut self) {
        self.set_top_row(usize::MAX);
    }

    /// Finds every case-insensitive occurrence of `query` and shows the first at or after the
    /// top of the view (wrapping to the first in the document). An empty query ends the find.
    pub fn find(&mut self, query: &str) {
        let query = sanitize(query).into_owned();
        if query.is_empty() {
            self.find = None;
            return;
        }
        let needle = query.to_lowercase();
        let mut matches = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            for range in find_in_line(line, &needle) {
                matches.push((i, range));
            }
        }
        let current = {
            let rows = self.rows();
            let top = self.clamped_top(&rows);
            matches
                .iter()
                .position(|(line, r)| row_of(&rows, *line, r.start) >= top)
                .or((!matches.is_empty()).then_some(0))
        };
        self.find = Some(Find {
            query,
            matches,
            current,
        });
        self.show_current();
    }

    /// The next match, after the last coming back to the first.
    pub fn next_match(&mut self) {
        self.step_match(1);
    }

    /// The previous match, before the first going round to the last.
    pub fn prev_match(&mut self) {
        self.step_match(-1);
    }

    /// Ends the find: no footer, no highlighting.
    pub fn clear_find(&mut self) {
        self.find = None;
    }

    /// The query of the find in progress.
    pub fn find_query(&self) -> Option<&str> {
        self.find.as_ref().map(|f| f.query.as_str())
    }

    /// Every match of the find in progress: (logical line, byte range in `lines()[line]`).
    pub fn matches(&self) -> &[(usize, Range<usize>)] {
        self.find.as_ref().map_or(&[], |f| f.matches.as_slice())
    }

    /// The logical line a quote takes (`i` in the coding workspace): the current find
    /// match's line, else the first line in view. `None` for an empty document.
    pub fn focus_line(&self) -> Option<usize> {
        if self.blank {
            return None;
        }
        if let Some(f) = &self.find
            && let Some((line, _)) = f.current.and_then(|i| f.matches.get(i))
        {
            return Some(*line);
        }
        let rows = self.rows();
        let top = self.clamped_top(&rows);
        rows.get(top)
            .map(|r| r.line)
            .or(Some(0))
            .map(|l| l.min(self.lines.len().saturating_sub(1)))
    }

    /// "3 of 17", "not found", or `None` when no find is in progress.
    pub fn match_status(&self) -> Option<String> {
        let f = self.find.as_ref()?;
        Some(match f.current {
            Some(i) if !f.matches.is_empty() => format!("{} of {}", i + 1, f.matches.len()),
            _ => "not found".to_string(),
        })
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = theme.panel("").inner(area);
        let (text_area, footer) = if self.find.is_some() {
            let [t, f] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
            (t, Some(f))
        } else {
            (inner, None)
        };
        let (width, height) = (usize::from(text_area.width), usize::from(text_area.height));
        if width > 0 && height > 0 {
            self.height.set(height);
        }
        let dash = if theme.ascii { "-" } else { "–" };
        let mut lines = Vec::new();
        let mut position = None;
        if self.blank {
            lines.push(Line::styled(EMPTY, theme.muted));
        } else if width > 0 {
            let rows = self.rows_at(width);
            let top = self.clamped_top(&rows);
            let shown = rows.get(top..).unwrap_or_default();
            let shown = shown.get(..height).unwrap_or(shown);
            lines = shown.iter().map(|r| self.row_line(r, theme)).collect();
            position = Some(format!(
                "lines {}{dash}{} of {}",
                top + 1,
                top + shown.len(),
                rows.len()
            ));
        }
        frame.render_widget(
            theme.panel(self.panel_title(area.width, position, theme.ascii)),
            area,
        );
        frame.render_widget(Paragraph::new(lines).style(theme.text), text_area);
        if let (Some(footer), Some(f)) = (footer, &self.find) {
            self.draw_footer(frame, footer, theme, f);
        }
    }

    /// The title cut to leave room for the position, which matters more at 80 columns.
    fn panel_title(&self, area_width: u16, position: Option<String>, ascii: bool) -> String {
        // Two corners and the spaces the panel puts around a title.
        let room = usize::from(area_width).saturating_sub(4);
        let Some(position) = position else {
            return truncate(&self.title, room, ascii);
        };
        let sep = if ascii { " - " } else { " — " };
        if self.title.is_empty() {
            return position;
        }
        let title_room = room.saturating_sub(position.width() + sep.width());
        format!(
            "{}{sep}{position}",
            truncate(&self.title, title_room, ascii)
        )
    }

    fn draw_footer(&self, frame: &mut Frame, area: Rect, theme: &Theme, f: &Find) {
        let status = self.match_status().unwrap_or_default();
        let status_style = if f.matches.is_empty() {
            theme.status_warning
        } else {
            theme.muted
        };
        let status_width = u16::try_from(status.width() + 2).unwrap_or(u16::MAX);
        let [query, status_area] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(status_width)]).areas(area);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("Find: ", theme.muted),
                Span::styled(f.query.as_str(), theme.text),
            ])),
            query,
        );
        frame.render_widget(
            Paragraph::new(Line::styled(status, status_style)).right_aligned(),
            status_area,
        );
    }

    /// One visual row, with the parts inside matches highlighted (a match that wraps is
    /// highlighted on both rows).
    fn row_line(&self, row: &Row, theme: &Theme) -> Line<'_> {
        let text = self.lines.get(row.line).map_or("", String::as_str);
        let piece = |a: usize, b: usize| text.get(a..b).unwrap_or("");
        let Some(f) = self.find.as_ref().filter(|f| !f.matches.is_empty()) else {
            return Line::from(piece(row.start, row.end));
        };
        let current = theme.selected.add_modifier(Modifier::BOLD);
        // Underlined too, so other matches show where the theme's focus style has no colour.
        let other = theme.focus.add_modifier(Modifier::UNDERLINED);
        let first = f
            .matches
            .partition_point(|(l, r)| (*l, r.end) <= (row.line, row.start));
        let mut spans = Vec::new();
        let mut at = row.start;
        for (i, (line, r)) in f.matches.iter().enumerate().skip(first) {
            if *line != row.line || r.start >= row.end {
                break;
            }
            let (a, b) = (r.start.max(at), r.end.min(row.end));
            if a >= b {
                continue;
            }
            if a > at {
                spans.push(Span::raw(piece(at, a)));
            }
            let style: Style = if f.current == Some(i) { current } else { other };
            spans.push(Span::styled(piece(a, b), style));
            at = b;
        }
        if at < row.end {
            spans.push(Span::raw(piece(at, row.end)));
        }
        Line::from(spans)
    }

    /// The wrapped rows at `width` columns, from the cache when the width has not changed.
    fn rows_at(&self, width: usize) -> Ref<'_, Vec<Row>> {
        if self.layout.borrow().width != width {
            let rows = wrap_lines(&self.lines, width);
            *self.layout.borrow_mut() = Wrapped { width, rows };
        }
        Ref::map(self.layout.borrow(), |w| &w.rows)
    }

    /// Rows at the width last drawn; before the first draw, one row per logical line.
    fn rows(&self) -> Ref<'_, Vec<Row>> {
        let width = self.layout.borrow().width;
        self.rows_at(if width == 0 { usize::MAX } else { width })
    }

    /// The top row, clamped so that the last screen is full.
    fn clamped_top(&self, rows: &[Row]) -> usize {
        let max_top = rows.len().saturating_sub(self.visible_height());
        row_of(rows, self.top.line, self.top.byte).min(max_top)
    }

    fn set_top_row(&mut self, row: usize) {
        let top = {
            let rows = self.rows();
            let max_top = rows.len().saturating_sub(self.visible_height());
            rows.get(row.min(max_top)).map(|r| Pos {
                line: r.line,
                byte: r.start,
            })
        };
        self.top = top.unwrap_or_default();
    }

    /// 1 before the first draw, so movement still works.
    fn visible_height(&self) -> usize {
        self.height.get().max(1)
    }

    fn page(&self) -> isize {
        isize::try_from(self.visible_height().saturating_sub(1).max(1)).unwrap_or(isize::MAX)
    }

    fn step_match(&mut self, step: isize) {
        if let Some(f) = &mut self.find
            && let Some(i) = f.current
            && !f.matches.is_empty()
        {
            let n = f.matches.len();
            f.current = Some(if step >= 0 {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            });
            self.show_current();
        }
    }

    /// Scrolls the current match into view when it is not already on screen.
    fn show_current(&mut self) {
        let Some((line, start)) = self.find.as_ref().and_then(|f| {
            let (line, r) = f.matches.get(f.current?)?;
            Some((*line, r.start))
        }) else {
            return;
        };
        let (row, top) = {
            let rows = self.rows();
            (row_of(&rows, line, start), self.clamped_top(&rows))
        };
        if row < top || row >= top + self.visible_height() {
            self.set_top_row(row);
        }
    }
}

/// Lines end at CRLF, a lone CR or LF; a terminator at the very end does not start a line.
fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while let Some(&b) = bytes.get(i) {
        if b == b'\n' || b == b'\r' {
            lines.push(text.get(start..i).unwrap_or(""));
            i += if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            start = i;
        } else {
            i += 1;
        }
    }
    if start < text.len() {
        lines.push(text.get(start..).unwrap_or(""));
    }
    lines
}

/// Tabs to spaces up to the next multiple of 8 columns. This runs before `sanitize`, which
/// would make each tab one space and break a table's columns; the columns are counted on the
/// raw text, so a line that also holds an escape sequence (which sanitising shrinks to one
/// mark) loses its alignment after it, but never its safety.
fn expand_tabs(line: &str) -> Cow<'_, str> {
    if !line.contains('\t') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + TAB);
    let mut col = 0;
    for (i, segment) in line.split('\t').enumerate() {
        if i > 0 {
            let n = TAB - col % TAB;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        }
        out.push_str(segment);
        col += clusters(segment).map(|c| c.width).sum::<usize>();
    }
    Cow::Owned(out)
}

/// What is drawn in one place: a character with the zero-width marks that follow it (an
/// accent, a variation selector) and any emoji skin-tone modifier.
struct Cluster {
    start: usize,
    end: usize,
    width: usize,
    space: bool,
}

fn joins_previous(c: char) -> bool {
    c.width() == Some(0) || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn clusters(s: &str) -> impl Iterator<Item = Cluster> + '_ {
    let mut chars = s.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = chars.next()?;
        let mut end = start + first.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            if !joins_previous(c) {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let single = end == start + first.len_utf8();
        let width = if single {
            // Control characters only occur before sanitising, and become one mark.
            first.width().unwrap_or(1)
        } else {
            // The string width knows sequences: an emoji with VS16 is 2 columns.
            s.get(start..end).map_or(0, UnicodeWidthStr::width)
        };
        Some(Cluster {
            start,
            end,
            width,
            space: single && first == ' ',
        })
    })
}

fn wrap_lines(lines: &[String], width: usize) -> Vec<Row> {
    let mut rows = Vec::with_capacity(lines.len());
    let mut ranges = Vec::new();
    for (line, text) in lines.iter().enumerate() {
        ranges.clear();
        wrap_line(text, width, &mut ranges);
        rows.extend(ranges.iter().map(|r| Row {
            line,
            start: r.start,
            end: r.end,
        }));
    }
    rows
}

/// Byte ranges of the rows of one line at `width` columns: at least one row, each at most
/// `width` wide unless a single character is wider than that. Breaks after the last space in
/// the row when there is one (the space itself is dropped), otherwise before the character that
/// does not fit. One pass, so a 100,000-character line costs no more than 100,000 characters.
fn wrap_line(text: &str, width: usize, out: &mut Vec<Range<usize>>) {
    let width = width.max(1);
    let first = out.len();
    let (mut start, mut used) = (0, 0);
    // The last space in this row: where it starts, and the row width up to and including it.
    let mut space: Option<(usize, usize)> = None;
    for c in clusters(text) {
        // A character wider than the whole row goes on a row of its own.
        while used + c.width > width && c.start > start {
            if c.space {
                break;
            }
            match space.take() {
                Some((at, w)) => {
                    out.push(start..at);
                    start = at + 1;
                    used -= w;
                }
                None => {
                    out.push(start..c.start);
                    start = c.start;
                    used = 0;
                }
            }
        }
        if c.space && used + c.width > width && c.start > start {
            // The space that does not fit becomes the break.
            out.push(start..c.start);
            start = c.end;
            used = 0;
            space = None;
            continue;
        }
        if c.space {
            space = Some((c.start, used + c.width));
        }
        used += c.width;
    }
    if start < text.len() || out.len() == first {
        out.push(start..text.len());
    }
}

/// The row that holds byte `byte` of logical line `line`.
fn row_of(rows: &[Row], line: usize, byte: usize) -> usize {
    rows.partition_point(|r| (r.line, r.start) <= (line, byte))
        .saturating_sub(1)
}

/// Case-insensitive, non-overlapping matches of `needle` (already lowercase) in `line`, as byte
/// ranges of `line` widened to whole clusters, so an accent is highlighted with its letter.
fn find_in_line(line: &str, needle: &str) -> Vec<Range<usize>> {
    // Lowercasing can change a character's length (İ), so remember where each one went.
    let (lower, starts) = if line.is_ascii() {
        (line.to_ascii_lowercase(), None)
    } else {
        let mut lower = String::with_capacity(line.len());
        let mut starts = Vec::new();
        for (i, c) in line.char_indices() {
            starts.push((lower.len(), i));
            lower.extend(c.to_lowercase());
        }
        (lower, Some(starts))
    };
    let original = |lower_at: usize, is_end: bool| -> usize {
        let Some(starts) = &starts else {
            return lower_at;
        };
        if is_end {
            // The end of the character that holds the match's last byte.
            let i = starts.partition_point(|&(l, _)| l < lower_at);
            starts.get(i).map_or(line.len(), |&(_, o)| o)
        } else {
            let i = starts.partition_point(|&(l, _)| l <= lower_at);
            starts.get(i.saturating_sub(1)).map_or(0, |&(_, o)| o)
        }
    };
    lower
        .match_indices(needle)
        .map(|(at, m)| {
            let (mut a, mut b) = (original(at, false), original(at + m.len(), true));
            while a > 0
                && line
                    .get(a..)
                    .and_then(|s| s.chars().next())
                    .is_some_and(joins_previous)
            {
                a = line
                    .get(..a)
                    .and_then(|s| s.char_indices().next_back())
                    .map_or(0, |(i, _)| i);
            }
            while let Some(c) = line.get(b..).and_then(|s| s.chars().next()) {
                if !joins_previous(c) {
                    break;
                }
                b += c.len_utf8();
            }
            a..b
        })
        .collect()
}

/// `s` cut to `max` columns, with an ellipsis when something was cut.
pub(crate) fn truncate(s: &str, max: usize, ascii: bool) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let ellipsis = if ascii { "..." } else { "…" };
    let room = max.saturating_sub(ellipsis.width());
    let mut used = 0;
    let mut end = 0;
    for c in clusters(s) {
        if used + c.width > room {
            break;
        }
        used += c.width;
        end = c.end;
    }
    format!("{}{ellipsis}", s.get(..end).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;

    fn terminal(v: &DocumentViewer, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| v.draw(f, f.area(), &Theme::default())).unwrap();
        t
    }

    /// The screen as ui_snapshots.rs has it: one quoted line per row.
    fn screen(v: &DocumentViewer) -> String {
        format!("{}", terminal(v, 80, 24).backend())
    }

    /// Each row as a terminal shows it: cells hidden under a wide character left out.
    fn rows_as_shown(buf: &Buffer) -> Vec<String> {
        let w = usize::from(buf.area.width);
        buf.content
            .chunks(w)
            .map(|cells| {
                let mut s = String::new();
                let mut skip = 0;
                for c in cells {
                    if skip == 0 {
                        s.push_str(c.symbol());
                        skip = c.symbol().width().max(1);
                    }
                    skip -= 1;
                }
                s
            })
            .collect()
    }

    /// The visual rows of `text` at `width` columns.
    fn visual(text: &str, width: usize) -> Vec<String> {
        let v = DocumentViewer::new("", text);
        let rows = v.rows_at(width);
        rows.iter()
            .map(|r| v.lines[r.line][r.start..r.end].to_string())
            .collect()
    }

    #[test]
    fn hostile_note_is_shown_safely_and_aligned() {
        let long = "The patient was seen in clinic today and reports that the pain in the left knee \
                    has improved since the last visit; she walks two blocks without stopping, \
                    sleeps through the night and asks whether the physiotherapy can be reduced.";
        let digits = "0123456789".repeat(30);
        let text = format!(
            "Drug\tDose\tRoute\r\nAspirin\t75 mg\tPO\r\nParacetamol\t1 g\tPO\n\
             CR only\rafter CR\r\nafter CRLF\nafter LF\n\
             clear\u{1b}[2Jscreen and \u{1b}]0;title\u{7}retitle\n\
             evil\u{202E}txt.exe\n\
             nurse 👩\u{200D}⚕\u{FE0F} with 🩺 stethoscope\n\
             cafe\u{301} 看护 nursing care\n{long}\n{digits}\n"
        );
        let v = DocumentViewer::new("Progress note \u{1b}[31m2024", &text);
        let t = terminal(&v, 80, 24);
        let buf = t.backend().buffer();
        for c in &buf.content {
            assert!(
                !c.symbol()
                    .chars()
                    .any(|ch| ch.is_control() || ch == '\u{202E}'),
                "unsafe cell {:?}",
                c.symbol()
            );
        }
        let rows = rows_as_shown(buf);
        for r in &rows {
            assert!(r.width() <= 80, "{r:?} is {} wide", r.width());
        }
        // Inside the border (x = 0), columns after a tab start at 8 and 16.
        assert!(
            rows[1].starts_with("│Drug    Dose    Route "),
            "{:?}",
            rows[1]
        );
        for (y, col2, col3) in [(1, "D", "R"), (2, "7", "P")] {
            assert_eq!(buf[(1 + 8, y)].symbol(), col2, "row {y}");
            assert_eq!(buf[(1 + 16, y)].symbol(), col3, "row {y}");
        }
        // "Paracetamol" is 11 columns, so its next column starts at 16.
        assert_eq!(buf[(1 + 16, 3)].symbol(), "1");
        assert_eq!(v.lines()[3], "CR only");
        assert_eq!(v.lines()[4], "after CR");
        assert!(v.lines().iter().all(|l| !l.is_empty()), "no blank lines");
        let s = screen(&v);
        assert!(s.contains("看护") && s.contains("🩺") && s.contains("cafe\u{301}"));
        // The emoji sequence shows its pictures without a joiner or a replacement mark.
        assert!(s.contains("nurse 👩⚕\u{FE0F} with"), "{s}");
        insta::assert_snapshot!(s);
    }

    #[test]
    fn wrapping_table() {
        let cases: Vec<(&str, usize, Vec<&str>)> = vec![
            ("", 10, vec![]),
            ("\n", 10, vec![""]),
            ("hello world", 20, vec!["hello world"]),
            ("hello world", 5, vec!["hello", "world"]),
            ("hello world", 8, vec!["hello", "world"]),
            ("abc  defgh", 6, vec!["abc ", "defgh"]),
            ("abcdefghij", 4, vec!["abcd", "efgh", "ij"]),
            ("a bcdefghij", 4, vec!["a", "bcde", "fghi", "j"]),
            ("看护看护", 5, vec!["看护", "看护"]),
            ("ab看", 3, vec!["ab", "看"]),
            ("a 看护", 4, vec!["a", "看护"]),
            ("🩺🩺🩺", 5, vec!["🩺🩺", "🩺"]),
            (
                "e\u{301}e\u{301}e\u{301}",
                2,
                vec!["e\u{301}e\u{301}", "e\u{301}"],
            ),
            ("cafe\u{301} au lait", 5, vec!["cafe\u{301}", "au", "lait"]),
            ("⚕\u{FE0F}⚕\u{FE0F}", 3, vec!["⚕\u{FE0F}", "⚕\u{FE0F}"]),
            ("a\r\nb\rc\nd\n", 10, vec!["a", "b", "c", "d"]),
            ("a\r\n\r\nb", 10, vec!["a", "", "b"]),
            ("a\tb", 20, vec!["a       b"]),
            ("abcdefgh\tx", 20, vec!["abcdefgh        x"]),
            ("看\tx", 20, vec!["看      x"]),
            ("x\u{1b}[2Jy", 10, vec!["x\u{FFFD}y"]),
            ("看", 1, vec!["看"]),
        ];
        for (text, width, want) in cases {
            assert_eq!(visual(text, width), want, "{text:?} at {width}");
        }
    }

    #[test]
    fn paging_stays_inside_a_312_line_document() {
        let text: String = (1..=312).map(|i| format!("line {i}\n")).collect();
        let mut v = DocumentViewer::new("Discharge summary", &text);
        let title =
            |v: &DocumentViewer| rows_as_shown(terminal(v, 80, 24).backend().buffer())[0].clone();
        assert!(title(&v).contains("lines 1–22 of 312"), "{}", title(&v));
        let mut tops = vec![v.top_row()];
        loop {
            v.page_down();
            title(&v);
            if v.top_row() == *tops.last().unwrap() {
                break;
            }
            tops.push(v.top_row());
        }
        // 22 rows shown, one kept as overlap; the last page is full (290 = 312 - 22).
        let want: Vec<usize> = (0..14).map(|i| i * 21).chain([290]).collect();
        assert_eq!(tops, want);
        assert!(title(&v).contains("lines 291–312 of 312"));
        // Moving and redrawing at the same width reuses the wrapped rows.
        let cached = v.layout.borrow().rows.as_ptr();
        v.page_up();
        title(&v);
        assert_eq!(v.layout.borrow().rows.as_ptr(), cached, "re-wrapped");
        assert_eq!(v.top_row(), 269);
        v.home();
        assert_eq!(v.top_row(), 0);
        v.scroll(-5);
        assert_eq!(v.top_row(), 0);
        v.end();
        assert_eq!(v.top_row(), 290);
        v.scroll(1000);
        assert_eq!(v.top_row(), 290);
        v.scroll(-1);
        assert_eq!(v.top_row(), 289);
        let s = screen(&v);
        assert!(s.contains("line 290 ") && s.contains("line 311 "), "{s}");
    }

    #[test]
    fn a_short_document_does_not_scroll_and_an_empty_one_says_so() {
        let mut v = DocumentViewer::new("Note", "one\ntwo\n");
        terminal(&v, 80, 24);
        v.page_down();
        v.end();
        assert_eq!(v.top_row(), 0);
        assert!(screen(&v).contains("Note — lines 1–2 of 2"));
        for text in ["", "\r\n\r\n", "   "] {
            let s = screen(&DocumentViewer::new("Empty", text));
            assert!(s.contains(EMPTY), "{text:?}\n{s}");
        }
    }

    #[test]
    fn find_counts_matches_across_wrapped_rows_and_goes_round() {
        // 78 columns inside the border. The first line has no space, so its match is split by
        // the wrap: "nee" ends row 1, "dle" starts row 2.
        let split = format!("{}needle{}", "x".repeat(75), "x".repeat(10));
        let words = "needle ".repeat(20);
        let filler: String = (0..60).map(|i| format!("filler {i}\n")).collect();
        let text = format!("{split}\n{words}\n{filler}NEEDLE at the end\n");
        let mut v = DocumentViewer::new("Note", &text);
        terminal(&v, 80, 24);
        v.find("Needle");
        assert_eq!(v.matches().len(), 22);
        assert_eq!(v.matches()[0], (0, 75..81));
        assert_eq!(v.match_status().as_deref(), Some("1 of 22"));
        assert_eq!(v.top_row(), 0);
        let t = terminal(&v, 80, 24);
        let buf = t.backend().buffer();
        let theme = Theme::default();
        let current = theme.selected.add_modifier(Modifier::BOLD).add_modifier;
        let other = theme.focus.add_modifier(Modifier::UNDERLINED).add_modifier;
        let look = |x: u16, y: u16| (buf[(x, y)].symbol().to_string(), buf[(x, y)].modifier);
        assert_eq!(look(75, 1), ("x".into(), Modifier::empty()));
        for (x, y, ch) in [
            (76, 1, "n"),
            (77, 1, "e"),
            (78, 1, "e"),
            (1, 2, "d"),
            (3, 2, "e"),
        ] {
            assert_eq!(look(x, y), (ch.into(), current), "({x}, {y})");
        }
        assert_eq!(look(4, 2), ("x".into(), Modifier::empty()));
        // The second line: other matches highlighted, the spaces between them not.
        assert_eq!(look(1, 3), ("n".into(), other));
        assert_eq!(look(7, 3), (" ".into(), Modifier::empty()));
        assert_eq!(look(8, 3), ("n".into(), other));
        let s = format!("{}", t.backend());
        assert!(s.contains("Find: Needle") && s.contains("1 of 22"), "{s}");

        v.prev_match();
        assert_eq!(v.match_status().as_deref(), Some("22 of 22"));
        assert!(v.top_row() > 0, "scrolled to the last match");
        let s = screen(&v);
        assert!(s.contains("NEEDLE at the end"), "{s}");
        v.next_match();
        assert_eq!(v.match_status().as_deref(), Some("1 of 22"));
        assert_eq!(v.top_row(), 0);
        v.next_match();
        assert_eq!(v.match_status().as_deref(), Some("2 of 22"));
        assert_eq!(v.top_row(), 0, "already on screen");

        // From the middle, a new find starts at the first match at or below the top.
        v.scroll(10);
        v.find("needle");
        assert_eq!(v.match_status().as_deref(), Some("22 of 22"));

        v.find("stethoscope");
        assert_eq!(v.match_status().as_deref(), Some("not found"));
        v.next_match();
        v.prev_match();
        assert!(screen(&v).contains("not found"));
        v.clear_find();
        assert_eq!(v.match_status(), None);
        assert!(!screen(&v).contains("Find:"));
    }

    #[test]
    fn find_highlights_whole_characters_in_accented_and_wide_text() {
        let mut v = DocumentViewer::new("Note", "CAFE\u{301} İstanbul 看护 café");
        v.find("cafe");
        let line = v.lines()[0].clone();
        let found: Vec<&str> = v.matches().iter().map(|(_, r)| &line[r.clone()]).collect();
        assert_eq!(found, ["CAFE\u{301}"]);
        v.find("看护");
        assert_eq!(v.matches().len(), 1);
        v.find("istanbul");
        assert_eq!(v.matches().len(), 0, "İ lowercases to i + dot");
        v.find("stanbul");
        let (_, r) = v.matches()[0].clone();
        assert_eq!(&line[r], "stanbul");
    }

    #[test]
    fn a_100000_character_line_wraps_in_one_pass() {
        let v = DocumentViewer::new("Scan", &"x".repeat(100_000));
        for width in [78, 1, 7, 80] {
            assert_eq!(
                v.rows_at(width).len(),
                100_000usize.div_ceil(width),
                "{width}"
            );
        }
        let s = screen(&v);
        assert!(s.contains("lines 1–22 of 1283"), "{s}");
    }

    #[test]
    fn a_resize_keeps_the_same_text_at_the_top() {
        let text: String = (0..50)
            .map(|i| format!("paragraph {i} {}\n", "word ".repeat(30)))
            .collect();
        let mut v = DocumentViewer::new("Note", &text);
        terminal(&v, 80, 24);
        v.scroll(7);
        let top = v.top;
        terminal(&v, 60, 24);
        let row = v.rows_at(58)[v.top_row()];
        assert_eq!(row.line, top.line);
        assert!((row.start..=row.end).contains(&top.byte), "{row:?} {top:?}");
    }

    #[test]
    fn a_long_title_keeps_its_position() {
        let v = DocumentViewer::new(&"Operative report ".repeat(10), "text");
        let top = &rows_as_shown(terminal(&v, 80, 24).backend().buffer())[0];
        assert!(top.contains("… — lines 1–1 of 1"), "{top}");
        assert!(top.width() <= 80);
    }
}
