//! The terminal runtime: raw mode, the event loop, and the render policy of DESIGN §5.
//!
//! - Draw only when the state changed, at most one frame per 16 ms; events that arrive
//!   together are applied together and drawn once (coalesced).
//! - No timer ticks: the loop sleeps until a key arrives or the idle deadline passes, so an
//!   idle screen writes 0 bytes.
//! - Each frame leaves the program in one write: ratatui draws into a buffer that is written
//!   to the terminal whole.
//! - A panic restores the terminal before the message is printed.
//! - A hang-up (the SSH link dropped) or SIGTERM logs the open session out, so the audit
//!   trail shows where each session ended.

use super::app::{App, Effect, Msg};
use super::gapfill::GapFill;
use super::keymap::Keymap;
use super::runtime::{Dispatcher, apply_now, serve_effects};
use super::theme::Theme;
use super::view;
use crate::service::{Records, SessionToken};
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::execute;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use signal_hook::consts::{SIGHUP, SIGTERM};
use signal_hook::iterator::Signals;
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// At most one frame per this interval.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// With no deadline the loop still wakes now and then; waking draws nothing.
const LONG_SLEEP: Duration = Duration::from_secs(3600);

/// Collects one frame's bytes; [`FrameSink::commit`] writes them in a single write.
#[derive(Clone, Default)]
pub struct FrameSink {
    buf: Rc<RefCell<Vec<u8>>>,
}

impl Write for FrameSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.borrow_mut().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl FrameSink {
    /// Writes and empties the buffer; returns how many bytes went out.
    pub fn commit(&self, out: &mut impl Write) -> io::Result<usize> {
        let bytes = std::mem::take(&mut *self.buf.borrow_mut());
        if !bytes.is_empty() {
            out.write_all(&bytes)?;
            out.flush()?;
        }
        Ok(bytes.len())
    }
}

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            hook(info);
        }));
        terminal::enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        Ok(TerminalGuard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Paste(s) => Some(Msg::Paste(s)),
        Event::Resize(_, _) => Some(Msg::Resize),
        _ => None,
    }
}

/// Applies a message and every effect it leads to, on this thread. Returns true when a full
/// redraw was asked.
pub fn apply(app: &mut App, records: &dyn Records, msg: Msg) -> bool {
    apply_now(app, records, [msg])
}

/// Applies messages that arrived together, on this thread, by the rules of the worker: of the
/// searches they ask for only the newest runs, and keys that act on results wait for it.
pub fn apply_batch(
    app: &mut App,
    records: &dyn Records,
    msgs: impl IntoIterator<Item = Msg>,
) -> bool {
    apply_now(app, records, msgs)
}

/// Clears the screen and forgets the last frame so the next draw repaints everything.
/// (`Terminal::clear` would first ask the terminal for the cursor position: a round trip on a
/// slow link, and nothing answers while our frame is still in the buffer.)
fn full_clear(terminal: &mut Terminal<GapFill<CrosstermBackend<FrameSink>>>) -> io::Result<()> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Runs the workstation on this process's terminal until the user quits.
pub fn run(records: &dyn Records, keymap: Keymap, theme: Theme) -> Result<(), String> {
    let info = records.server_info().map_err(|e| e.to_string())?;
    let mut app = App::new(info, keymap, theme, Instant::now());
    // The session a hang-up (SSH link dropped) or a kill must log out before the process ends.
    let open_session: Mutex<Option<SessionToken>> = Mutex::new(None);
    let mut signals =
        Signals::new([SIGHUP, SIGTERM]).map_err(|e| format!("cannot watch for hang-ups: {e}"))?;
    let signal_handle = signals.handle();
    let guard = TerminalGuard::enter().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            if let Some(signal) = signals.forever().next() {
                let token = open_session.lock().ok().and_then(|mut t| t.take());
                if let Some(token) = token {
                    let _ = records.logout(&token);
                }
                restore_terminal();
                std::process::exit(128 + signal);
            }
        });
        let result = event_loop(&mut app, records, &open_session);
        signal_handle.close();
        result
    });
    drop(guard);
    // However the loop ended (quit, a terminal error), an open session is logged out so the
    // audit trail does not show a login without its end.
    if let Some(s) = app.session.take() {
        let _ = records.logout(&s.token);
    }
    result
}

/// What wakes the loop: the terminal (read on a thread of its own) or the service worker.
enum Input {
    Terminal(io::Result<Event>),
    Answer(Option<Msg>),
}

fn event_loop(
    app: &mut App,
    records: &dyn Records,
    open_session: &Mutex<Option<SessionToken>>,
) -> Result<(), String> {
    let (input_tx, inputs) = mpsc::channel::<Input>();
    let (jobs, job_rx) = mpsc::channel::<Effect>();
    let keys = input_tx.clone();
    // Not joined: it sits in a blocking read until the process ends.
    std::thread::spawn(move || {
        loop {
            let ev = event::read();
            let failed = ev.is_err();
            if keys.send(Input::Terminal(ev)).is_err() || failed {
                break;
            }
        }
    });
    std::thread::scope(|scope| {
        scope.spawn(move || {
            serve_effects(records, job_rx, |m| {
                let _ = input_tx.send(Input::Answer(m));
            })
        });
        // Dropping `jobs` when the loop ends lets the worker finish what is queued (the
        // logout) and stop; the scope waits for it.
        draw_loop(app, &inputs, jobs, open_session)
    })
}

fn draw_loop(
    app: &mut App,
    inputs: &Receiver<Input>,
    jobs: Sender<Effect>,
    open_session: &Mutex<Option<SessionToken>>,
) -> Result<(), String> {
    let sink = FrameSink::default();
    let mut terminal = Terminal::new(GapFill::new(CrosstermBackend::new(sink.clone())))
        .map_err(|e| e.to_string())?;
    let mut out = io::stdout();
    let io_err = |e: io::Error| format!("terminal error: {e}");
    full_clear(&mut terminal).map_err(io_err)?;
    let mut dispatch = Dispatcher::default();
    let mut last_draw: Option<Instant> = None;
    loop {
        if app.quit {
            break;
        }
        let now = Instant::now();
        let mut wake = app.next_deadline();
        if app.dirty {
            let draw_at = last_draw.map_or(now, |t| t + FRAME_INTERVAL);
            if draw_at <= now {
                terminal.draw(|f| view::draw(f, app)).map_err(io_err)?;
                sink.commit(&mut out).map_err(io_err)?;
                app.dirty = false;
                last_draw = Some(now);
                continue;
            }
            wake = Some(wake.map_or(draw_at, |w| w.min(draw_at)));
        }
        let timeout = wake.map_or(LONG_SLEEP, |w| w.saturating_duration_since(now));
        match inputs.recv_timeout(timeout) {
            Ok(first) => {
                // Everything already queued is applied before the next frame (typing ahead
                // over a slow link costs one frame, not one per key).
                let queued: Vec<Input> = inputs.try_iter().take(1024).collect();
                for input in std::iter::once(first).chain(queued) {
                    match input {
                        Input::Terminal(Ok(ev)) => {
                            if let Some(msg) = to_msg(ev) {
                                dispatch.input(app, msg);
                            }
                        }
                        Input::Terminal(Err(e)) => return Err(io_err(e)),
                        Input::Answer(msg) => dispatch.answer(app, msg),
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if app.next_deadline().is_some_and(|d| d <= Instant::now()) {
                    dispatch.input(app, Msg::Tick);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err("the service worker stopped".into());
            }
        }
        for effect in dispatch.take_effects() {
            jobs.send(effect)
                .map_err(|_| "the service worker stopped".to_string())?;
        }
        if std::mem::take(&mut dispatch.full_redraw) {
            full_clear(&mut terminal).map_err(io_err)?;
            app.dirty = true;
        }
        if let Ok(mut slot) = open_session.lock() {
            *slot = app.session.as_ref().map(|s| s.token.clone());
        }
    }
    sink.commit(&mut out).map_err(io_err)?;
    Ok(())
}
