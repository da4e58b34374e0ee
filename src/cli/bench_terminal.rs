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

/// Applies the messages, draws one frame if anything changed, and returns the bytes it wrote.
fn step(
    app: &mut App,
    records: &LocalRecords,
    term: &mut Term,
    sink: &FrameSink,
    msgs: Vec<Msg>,
) -> Result<usize, String> {
    for m in msgs {
        apply(app, records, m);
    }
    if app.dirty {
        term.draw(|f| view::draw(f, app))
            .map_err(|e| e.to_string())?;
        app.dirty = false;
    }
    let mut out = Vec::new();
    sink.commit(&mut out).map_err(|e| e.to_string())
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
    let mut app = App::new(info, Keymap::default(), theme, Instant::now());
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
    let mut steps: Vec<(String, usize)> = Vec::new();
    let mut run = |name: &str,
                   msgs: Vec<Msg>,
                   app: &mut App,
                   steps: &mut Vec<(String, usize)>|
     -> Result<usize, String> {
        let n = step(app, &records, &mut term, &sink, msgs)?;
        steps.push((name.to_string(), n));
        Ok(n)
    };
    run("login_screen", Vec::new(), &mut app, &mut steps)?;
    let mut login = typed("coder");
    login.push(key(KeyCode::Tab));
    login.extend(typed("coder-demo-password"));
    login.push(key(KeyCode::Enter));
    run("log_in", login, &mut app, &mut steps)?;
    run(
        "open_search",
        vec![key(KeyCode::F(2))],
        &mut app,
        &mut steps,
    )?;
    let mut keystrokes = Vec::new();
    for c in "williamson".chars() {
        keystrokes.push(run(
            &format!("type_{c}"),
            typed(&c.to_string()),
            &mut app,
            &mut steps,
        )?);
    }
    let mut moves = Vec::new();
    for i in 0..5 {
        moves.push(run(
            &format!("down_{i}"),
            vec![key(KeyCode::Down)],
            &mut app,
            &mut steps,
        )?);
    }
    run(
        "open_chart",
        vec![key(KeyCode::Enter)],
        &mut app,
        &mut steps,
    )?;
    run(
        "documents_tab",
        vec![key(KeyCode::Char('3'))],
        &mut app,
        &mut steps,
    )?;
    run(
        "open_document",
        vec![key(KeyCode::Enter)],
        &mut app,
        &mut steps,
    )?;
    let mut scrolls = Vec::new();
    for i in 0..3 {
        scrolls.push(run(
            &format!("page_down_{i}"),
            vec![key(KeyCode::PageDown)],
            &mut app,
            &mut steps,
        )?);
    }
    // Idle: the real loop wakes only for a deadline (the idle warning, minutes away).
    let idle_from = Instant::now();
    let mut idle = 0;
    while idle_from.elapsed() < Duration::from_secs(idle_secs) {
        std::thread::sleep(Duration::from_millis(250));
        let msgs = if app.next_deadline().is_some_and(|d| d <= Instant::now()) {
            vec![Msg::Tick]
        } else {
            Vec::new()
        };
        idle += step(&mut app, &records, &mut term, &sink, msgs)?;
    }
    steps.push((format!("idle_{idle_secs}s"), idle));
    let whole = steps
        .iter()
        .filter(|(n, _)| {
            matches!(
                n.as_str(),
                "login_screen" | "log_in" | "open_search" | "open_chart" | "open_document"
            )
        })
        .map(|(_, b)| *b)
        .max()
        .unwrap_or(0);
    let worst_key = keystrokes.iter().copied().max().unwrap_or(0);
    drop(records);
    let _ = std::fs::remove_dir_all(&dir);
    let per_step: serde_json::Map<String, serde_json::Value> = steps
        .into_iter()
        .map(|(n, b)| (n, serde_json::json!(b)))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "bench": "terminal",
            "size": "80x24",
            "patients": patients,
            "steps": per_step,
            "largest_screen_bytes": whole,
            "largest_keystroke_bytes": worst_key,
            "largest_move_bytes": moves.iter().copied().max().unwrap_or(0),
            "largest_scroll_bytes": scrolls.iter().copied().max().unwrap_or(0),
            "idle_bytes": idle,
            "within_budget": whole <= 3072 && worst_key <= 1024 && idle == 0,
            "machine": machine(),
        })
    );
    Ok(0)
}
