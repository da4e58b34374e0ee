//! Time, injectable so idle logoff and lockout are tested without waiting.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync {
    /// Wall-clock time, for audit entries and records.
    fn now(&self) -> DateTime<Utc>;
    /// Monotonic time since an arbitrary origin, for idle timeouts: a wall clock set back by
    /// an hour must not keep sessions alive for that hour.
    fn monotonic(&self) -> std::time::Duration;
}

pub struct SystemClock;

static ORIGIN: std::sync::LazyLock<std::time::Instant> =
    std::sync::LazyLock::new(std::time::Instant::now);

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn monotonic(&self) -> std::time::Duration {
        ORIGIN.elapsed()
    }
}

/// A clock the test moves by hand: wall and monotonic time advance together, and the wall
/// clock alone can be set back to check that idle timeouts do not follow it.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<(DateTime<Utc>, std::time::Duration)>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new((start, std::time::Duration::ZERO))))
    }
    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            t.0 += by;
            t.1 += by.to_std().unwrap_or_default();
        }
    }
    /// Moves only the wall clock (an NTP step or an operator's mistake).
    pub fn set_wall(&self, to: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            t.0 = to;
        }
    }
    fn get(&self) -> (DateTime<Utc>, std::time::Duration) {
        match self.0.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.get().0
    }
    fn monotonic(&self) -> std::time::Duration {
        self.get().1
    }
}
