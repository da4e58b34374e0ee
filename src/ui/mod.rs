//! The terminal workstation. Screens are an enum of views, one file each; `app` holds state
//! and the update function, `view` draws, `effects` talks to the service, `runtime` moves effects to a worker thread and
//! answers back, `term` runs the loop.
//! The UI never names redb and never decides permissions: it asks the service.

pub mod app;
pub mod doc_viewer;
pub mod effects;
pub mod gapfill;
pub mod help;
pub mod input;
pub mod keymap;
pub mod list;
pub mod runtime;
pub mod screens;
pub mod shell;
pub mod term;
pub mod theme;
pub mod view;

pub use term::run;

/// Shared by the screens' own tests: draw at 80×24 and read the screen back as text, failing
/// if any cell holds a control or bidi-override character.
#[cfg(test)]
pub mod test_screen {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    pub fn terminal80(draw: impl FnOnce(&mut ratatui::Frame)) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(draw).unwrap();
        t
    }

    pub fn safe_text(t: &Terminal<TestBackend>) -> String {
        for c in &t.backend().buffer().content {
            assert!(
                !c.symbol()
                    .chars()
                    .any(|ch| ch.is_control() || ch == '\u{202E}'),
                "unsafe cell {:?}",
                c.symbol()
            );
        }
        format!("{}", t.backend())
    }
}
