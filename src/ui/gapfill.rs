//! A backend wrapper that writes fewer bytes per frame over a slow link.
//!
//! ratatui sends only the cells that changed, but every jump over an unchanged stretch costs a
//! cursor move (`ESC [ row ; col H`, 6–8 bytes). When a new result list replaces the old one,
//! most rows change in short runs with one- or two-cell gaps between them (`SMITH` → `SMYTH`),
//! so the moves cost more than the text. This wrapper keeps a copy of what the terminal shows
//! and, where a gap on the same row is shorter than a move, rewrites the unchanged cells
//! instead: the screen ends up the same, with fewer bytes.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::{Position, Rect, Size};
use unicode_width::UnicodeWidthStr;

/// Gaps up to this many cells are rewritten; a cursor move is at least 6 bytes.
const MAX_GAP: u16 = 6;

pub struct GapFill<B: Backend> {
    inner: B,
    /// What the terminal shows, as far as this backend has drawn it.
    shown: Buffer,
    /// False until the first full clear (and after a partial one): nothing is rewritten from
    /// `shown` while it may differ from the terminal.
    known: bool,
}

impl<B: Backend> GapFill<B> {
    pub fn new(inner: B) -> GapFill<B> {
        GapFill {
            inner,
            shown: Buffer::empty(Rect::default()),
            known: false,
        }
    }

    /// One cell wide and plain, so rewriting it cannot shift what follows.
    fn fillable(&self, x: u16, y: u16) -> bool {
        self.shown.cell((x, y)).is_some_and(|c| {
            c.diff_option == CellDiffOption::None
                && c.symbol().width() == 1
                && c.symbol().chars().all(|ch| !ch.is_control())
        })
    }
}

impl<B: Backend> Backend for GapFill<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.inner.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        if self.shown.area != area {
            self.shown = Buffer::empty(area);
            self.known = false;
        }
        let changed: Vec<(u16, u16, &Cell)> = content.collect();
        let mut out: Vec<(u16, u16, Cell)> = Vec::with_capacity(changed.len());
        // Where the previous changed cell ended, if rewriting from there is safe.
        let mut run_end: Option<(u16, u16)> = None;
        for &(x, y, cell) in &changed {
            if self.known
                && let Some((ex, ey)) = run_end
                && ey == y
                && x > ex
                && x - ex <= MAX_GAP
                && (ex..x).all(|gx| self.fillable(gx, y))
            {
                for gx in ex..x {
                    if let Some(c) = self.shown.cell((gx, y)) {
                        out.push((gx, y, c.clone()));
                    }
                }
            }
            out.push((x, y, cell.clone()));
            let width = cell.symbol().width();
            run_end = (width == 1 && cell.diff_option == CellDiffOption::None)
                .then(|| (x.saturating_add(1), y));
        }
        for &(x, y, cell) in &changed {
            if let Some(c) = self.shown.cell_mut((x, y)) {
                *c = cell.clone();
            }
        }
        self.inner.draw(out.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.known = false;
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        if clear_type == ClearType::All {
            let size = self.inner.size()?;
            self.shown = Buffer::empty(Rect::new(0, 0, size.width, size.height));
            self.known = true;
        } else {
            self.known = false;
        }
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::{Color, Style};

    /// A frame as rows of (text, reversed) runs; wide and box-drawing characters included.
    fn frame() -> impl Strategy<Value = Vec<Vec<(String, bool)>>> {
        let run = (
            proptest::collection::vec(
                prop_oneof![
                    Just('a'),
                    Just('b'),
                    Just(' '),
                    Just('─'),
                    Just('世'),
                    Just('é')
                ],
                0..8,
            )
            .prop_map(|v| v.into_iter().collect::<String>()),
            any::<bool>(),
        );
        proptest::collection::vec(proptest::collection::vec(run, 0..4), 4)
    }

    fn paint(f: &mut ratatui::Frame, rows: &[Vec<(String, bool)>]) {
        for (y, runs) in rows.iter().enumerate() {
            let mut x = 0u16;
            for (text, reversed) in runs {
                let style = if *reversed {
                    Style::default().bg(Color::Cyan)
                } else {
                    Style::default()
                };
                let y = u16::try_from(y).unwrap_or(0);
                f.buffer_mut().set_string(x, y, text, style);
                x = x.saturating_add(u16::try_from(text.width()).unwrap_or(0) + 1);
            }
        }
    }

    proptest! {
        /// Whatever sequence of frames is drawn, the terminal shows what the plain backend
        /// would have shown.
        #[test]
        fn the_screen_matches_the_frame(frames in proptest::collection::vec(frame(), 1..6)) {
            let mut filled = Terminal::new(GapFill::new(TestBackend::new(24, 4))).unwrap();
            let mut plain = Terminal::new(TestBackend::new(24, 4)).unwrap();
            filled.clear().unwrap();
            for rows in &frames {
                filled.draw(|f| paint(f, rows)).unwrap();
                plain.draw(|f| paint(f, rows)).unwrap();
                prop_assert_eq!(filled.backend().inner.buffer(), plain.backend().buffer());
            }
        }
    }

    #[test]
    fn short_gaps_on_a_row_are_rewritten_not_jumped() {
        let mut t = Terminal::new(GapFill::new(TestBackend::new(20, 1))).unwrap();
        t.clear().unwrap();
        t.draw(|f| {
            f.buffer_mut()
                .set_string(0, 0, "SMITH, John", Style::default());
        })
        .unwrap();
        // Only S→B and J→R change; the cells between them are sent again as they are.
        let sent = std::cell::RefCell::new(Vec::new());
        let mut probe = GapFill::new(Recorder {
            inner: TestBackend::new(20, 1),
            sent: &sent,
        });
        probe.clear().unwrap();
        let before = t.backend().shown.clone();
        let cells: Vec<(u16, u16, &Cell)> = before
            .content
            .iter()
            .enumerate()
            .map(|(i, c)| (u16::try_from(i).unwrap_or(0), 0, c))
            .collect();
        probe.draw(cells.into_iter()).unwrap();
        sent.borrow_mut().clear();
        let mut b = Cell::default();
        b.set_symbol("B");
        let mut r = Cell::default();
        r.set_symbol("R");
        probe.draw([(0, 0, &b), (4, 0, &r)].into_iter()).unwrap();
        assert_eq!(*sent.borrow(), vec![0, 1, 2, 3, 4]);
        // A gap longer than a cursor move is jumped.
        sent.borrow_mut().clear();
        probe.draw([(0, 0, &r), (12, 0, &b)].into_iter()).unwrap();
        assert_eq!(*sent.borrow(), vec![0, 12]);
    }

    /// Records the columns of the cells handed to the terminal.
    struct Recorder<'a> {
        inner: TestBackend,
        sent: &'a std::cell::RefCell<Vec<u16>>,
    }

    impl Backend for Recorder<'_> {
        type Error = <TestBackend as Backend>::Error;
        fn draw<'b, I>(&mut self, content: I) -> Result<(), Self::Error>
        where
            I: Iterator<Item = (u16, u16, &'b Cell)>,
        {
            let cells: Vec<_> = content.collect();
            self.sent.borrow_mut().extend(cells.iter().map(|c| c.0));
            self.inner.draw(cells.into_iter())
        }
        fn hide_cursor(&mut self) -> Result<(), Self::Error> {
            self.inner.hide_cursor()
        }
        fn show_cursor(&mut self) -> Result<(), Self::Error> {
            self.inner.show_cursor()
        }
        fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
            self.inner.get_cursor_position()
        }
        fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
            self.inner.set_cursor_position(p)
        }
        fn clear(&mut self) -> Result<(), Self::Error> {
            self.inner.clear()
        }
        fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
            self.inner.clear_region(t)
        }
        fn size(&self) -> Result<Size, Self::Error> {
            self.inner.size()
        }
        fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
            self.inner.window_size()
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            self.inner.flush()
        }
    }
}
