//! `chartroom bench terminal`: the bytes the workstation writes to an 80×24 terminal for each
//! step of a scripted session on the demo database — log in, type a 10-letter search, move
//! through the results, open a chart, read and scroll a document, sit idle — drawn by the
//! same path the real terminal uses (ratatui's diff through `GapFill` and crossterm into one
//! buffer per frame). Budgets (DESIGN §5): a whole screen ≤ 3 KB, a keystroke in the search
//! box ≤ 1 KB, idle 0.

use super::bench::machine;
use crate::service::LocalRecords;
use crate::store::Store;
use crate::ui::app::{App, Msg};
use crate::ui::gapfill::GapFill;
use crate::ui::keymap::Keymap;
use crate::ui::term::{FrameSink, apply};
use crate::ui::theme::Theme;
use crate::ui::view;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::time::{Duration, Instant};

type Term = Terminal<GapFill<CrosstermBackend<FrameSink>>>;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// What a step is, for the budgets: a whole new screen, a key in the search box, a move in a
/// list, a page of a document, or something else (a tab within a screen).
#[derive(Clone, Copy, PartialEq, Eq)]
enum StepKind {
    Screen,
    Keystroke,
    Move,
    Scroll,
    Other,
}

/// The workstation on a counting terminal; each step's bytes are kept by name and kind.
struct Session<'a> {
    app: App,
    records: &'a LocalRecords,
    term: Term,
    sink: FrameSink,
    steps: Vec<(String, StepKind, usize)>,
}

impl Session<'_> {
    /// Applies the messages, draws one frame if anything changed, and returns the bytes it
    /// wrote.
    fn frame(&mut self, msgs: Vec<Msg>) -> Result<usize, String> {
        for m in msgs {
            apply(&mut self.app, self.records, m);
        }
        if self.app.dirty {
            let app = &self.app;
            self.term
                .draw(|f| view::draw(f, app))
                .map_err(|e| e.to_string())?;
            self.app.dirty = false;
        }
        let mut out = Vec::new();
        self.sink.commit(&mut out).map_err(|e| e.to_string())
    }

    fn step(&mut self, name: &str, kind: StepKind, msgs: Vec<Msg>) -> Result<(), String> {
        let n = self.frame(msgs)?;
        self.steps.push((name.to_string(), kind, n));
        Ok(())
    }

    fn largest(&self, kind: StepKind) -> usize {
        self.steps
            .iter()
            .filter(|(_, k, _)| *k == kind)
            .map(|(_, _, b)| *b)
            .max()
            .unwrap_or(0)
    }
}

fn typed(s: &str) -> Vec<Msg> {
    s.chars().map(|c| key(KeyCode::Char(c))).collect()
}

pub fn bench_terminal(patients: usize, idle_secs: u64) -> Result<i32, String> {
    let dir = std::env::temp_dir().join(format!("chartroom-bench-terminal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = dir.join("demo.redb");
    super::demo::build(&db, patients)?;
    let records = LocalRecords::new(Store::open(&db).map_err(|e| e.to_string())?);
    records
        .wait_for_search_index(Duration::from_secs(300))
        .map_err(|e| e.to_string())?;
    let info = crate::service::Records::server_info(&records).map_err(|e| e.to_string())?;
    let theme = Theme::load("default", false, false)?;
    let sink = FrameSink::default();
    let mut term = Terminal::with_options(
        GapFill::new(CrosstermBackend::new(sink.clone())),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .map_err(|e| e.to_string())?;
    // As the real loop starts: one clear, after which the backend knows what is shown.
    ratatui::backend::Backend::clear(term.backend_mut()).map_err(|e| e.to_string())?;
    let mut s = Session {
        app: App::new(info, Keymap::default(), theme, Instant::now()),
        records: &records,
        term,
        sink,
        steps: Vec::new(),
    };
    use StepKind::{Keystroke, Move, Other, Screen, Scroll};
    s.step("login_screen", Screen, Vec::new())?;
    let mut login = typed("coder");
    login.push(key(KeyCode::Tab));
    login.extend(typed("coder-demo-password"));
    login.push(key(KeyCode::Enter));
    s.step("log_in", Screen, login)?;
    s.step("open_search", Screen, vec![key(KeyCode::F(2))])?;
    for c in "williamson".chars() {
        s.step(&format!("type_{c}"), Keystroke, typed(&c.to_string()))?;
    }
    for i in 0..5 {
        s.step(&format!("down_{i}"), Move, vec![key(KeyCode::Down)])?;
    }
    s.step("open_chart", Screen, vec![key(KeyCode::Enter)])?;
    s.step("documents_tab", Other, vec![key(KeyCode::Char('3'))])?;
    s.step("open_document", Screen, vec![key(KeyCode::Enter)])?;
    for i in 0..3 {
        s.step(
            &format!("page_down_{i}"),
            Scroll,
            vec![key(KeyCode::PageDown)],
        )?;
    }
    // Idle: the real loop wakes only for a deadline (the idle warning, minutes away).
    let idle_from = Instant::now();
    let mut idle = 0;
    while idle_from.elapsed() < Duration::from_secs(idle_secs) {
        std::thread::sleep(Duration::from_millis(250));
        let msgs = if s.app.next_deadline().is_some_and(|d| d <= Instant::now()) {
            vec![Msg::Tick]
        } else {
            Vec::new()
        };
        idle += s.frame(msgs)?;
    }
    let whole = s.largest(Screen);
    let worst_key = s.largest(Keystroke);
    let mut per_step: serde_json::Map<String, serde_json::Value> = s
        .steps
        .iter()
        .map(|(n, _, b)| (n.clone(), serde_json::json!(b)))
        .collect();
    per_step.insert(format!("idle_{idle_secs}s"), serde_json::json!(idle));
    println!(
        "{}",
        serde_json::json!({
            "bench": "terminal",
            "size": "80x24",
            "patients": patients,
            "steps": per_step,
            "largest_screen_bytes": whole,
            "largest_keystroke_bytes": worst_key,
            "largest_move_bytes": s.largest(Move),
            "largest_scroll_bytes": s.largest(Scroll),
            "idle_bytes": idle,
            "within_budget": whole <= 3072 && worst_key <= 1024 && idle == 0,
            "machine": machine(),
        })
    );
    drop(s);
    drop(records);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(0)
}
