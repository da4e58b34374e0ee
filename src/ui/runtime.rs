//! Between the keys and the service: effects go to a worker thread, answers come back as
//! messages, and the screen keeps taking keys meanwhile.
//!
//! - Typing is applied at once, whatever the service is doing: a slow search never blocks it.
//! - Searches are numbered; the worker runs only the newest of those waiting, and the search
//!   screen drops an answer older than the newest it asked for.
//! - A key that acts on results (Enter, arrows, a function key) waits until the newest search
//!   has answered, so typed-ahead `obrien⏎` opens O'Brien, not whoever was listed before.
//! - While anything else is out (a login, opening a chart, a save) every key waits: what is
//!   typed after `Enter` belongs to the screen that `Enter` opens. Keys after a waiting key
//!   wait too, so nothing is applied out of order.

use super::app::{App, Effect, Msg};
use super::effects::perform;
use crate::service::Records;
use std::collections::VecDeque;
use std::sync::mpsc::Receiver;
use std::time::Instant;

/// Keys that only edit a text field.
pub fn is_typing(msg: &Msg) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    match msg {
        Msg::Key(k) => match k.code {
            KeyCode::Char(_) => !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT),
            KeyCode::Backspace | KeyCode::Delete | KeyCode::Left | KeyCode::Right => true,
            _ => false,
        },
        Msg::Paste(_) => true,
        _ => false,
    }
}

/// Applies keys and answers to the app and collects the service effects they lead to.
#[derive(Default)]
pub struct Dispatcher {
    /// Effects for the service, in order; the caller takes them with [`Dispatcher::take_effects`].
    outbox: Vec<Effect>,
    /// The number of the newest search sent whose answer has not been applied yet.
    awaiting: Option<u64>,
    /// Effects other than searches sent and not yet answered.
    outstanding: usize,
    /// Keys waiting for that answer, in arrival order.
    held: VecDeque<Msg>,
    /// Set when an effect asked for a full repaint; the loop clears it.
    pub full_redraw: bool,
}

impl Dispatcher {
    /// The effects to carry out, oldest first.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.outbox)
    }

    /// True while a search is on its way (keys other than typing are being held).
    pub fn awaiting_search(&self) -> bool {
        self.awaiting.is_some()
    }

    /// A key, paste, resize or tick from the terminal.
    pub fn input(&mut self, app: &mut App, msg: Msg) {
        if !self.held.is_empty() || self.must_wait(&msg) {
            self.held.push_back(msg);
            return;
        }
        self.apply(app, msg);
    }

    fn must_wait(&self, msg: &Msg) -> bool {
        self.outstanding > 0 || (self.awaiting.is_some() && !is_typing(msg))
    }

    /// The service finished an effect: a search's answer, or what another effect led to
    /// (`None` when it has nothing to say, as a logout).
    pub fn answer(&mut self, app: &mut App, msg: Option<Msg>) {
        match &msg {
            Some(Msg::SearchDone(seq, _)) => {
                if self.awaiting == Some(*seq) {
                    self.awaiting = None;
                }
            }
            _ => self.outstanding = self.outstanding.saturating_sub(1),
        }
        if let Some(msg) = msg {
            self.apply(app, msg);
        }
        while let Some(next) = self.held.front() {
            if self.must_wait(next) {
                break;
            }
            if let Some(next) = self.held.pop_front() {
                self.apply(app, next);
            }
        }
    }

    fn apply(&mut self, app: &mut App, msg: Msg) {
        for effect in app.update(msg, Instant::now()) {
            match effect {
                Effect::FullRedraw => self.full_redraw = true,
                // `App::quit` is already set; the loop ends after this batch.
                Effect::Quit => {}
                e => {
                    if let Effect::Search { seq, .. } = &e {
                        self.awaiting = Some(*seq);
                    } else {
                        self.outstanding += 1;
                    }
                    self.outbox.push(e);
                }
            }
        }
    }
}

/// Carries out effects in the order sent until the sending side is dropped, answering each
/// (see [`Dispatcher::answer`]). Of the searches waiting at one time only the newest runs:
/// the others' answers would be dropped anyway.
pub fn serve_effects(
    records: &dyn Records,
    jobs: Receiver<Effect>,
    mut answer: impl FnMut(Option<Msg>),
) {
    while let Ok(first) = jobs.recv() {
        let mut waiting: Vec<Effect> = vec![first];
        waiting.extend(jobs.try_iter());
        for effect in newest_search_only(waiting) {
            answer(perform(records, effect));
        }
    }
}

/// The effects in order, without searches that a later one in the same list supersedes.
pub fn newest_search_only(effects: Vec<Effect>) -> impl Iterator<Item = Effect> {
    let newest = effects
        .iter()
        .rposition(|e| matches!(e, Effect::Search { .. }));
    effects
        .into_iter()
        .enumerate()
        .filter(move |(i, e)| !matches!(e, Effect::Search { .. }) || Some(*i) == newest)
        .map(|(_, e)| e)
}

/// Applies messages that arrived together and carries out every effect they lead to on this
/// thread, by the same rules as the worker (tests and the TestBackend use this). Returns true
/// when a full redraw was asked.
pub fn apply_now(
    app: &mut App,
    records: &dyn Records,
    msgs: impl IntoIterator<Item = Msg>,
) -> bool {
    let mut d = Dispatcher::default();
    for msg in msgs {
        d.input(app, msg);
    }
    loop {
        let effects = d.take_effects();
        if effects.is_empty() {
            break;
        }
        for effect in newest_search_only(effects) {
            let answer = perform(records, effect);
            d.answer(app, answer);
        }
    }
    d.full_redraw
}
