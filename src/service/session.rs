//! The service's session table: token -> who, with which roles, active when. Idle time is
//! measured on the monotonic clock, so a wall clock stepped back does not keep sessions alive.

use super::{ServiceError, SessionToken};
use crate::domain::Role;
use crate::policy::Subject;
use rand::Rng;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Session {
    pub username: String,
    pub roles: Vec<Role>,
    /// Monotonic time of the last call or keep-alive.
    pub last_active: Duration,
    pub must_change_password: bool,
    pub peer: Option<String>,
    /// The search being typed: audited once the clerk moves on, not at every keystroke.
    pub pending_search: Option<PendingSearch>,
}

/// A search not yet written to the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSearch {
    pub query: String,
    pub results: usize,
}

impl Session {
    pub fn subject(&self) -> Subject {
        Subject {
            username: self.username.clone(),
            roles: self.roles.clone(),
        }
    }
}

/// What looking a token up found.
pub enum Lookup {
    Active(Session),
    /// The session was idle too long and has just been removed.
    Expired(Session),
    Unknown,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<SessionToken, Session>>,
}

fn new_token() -> SessionToken {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    SessionToken(hex::encode(bytes))
}

impl Sessions {
    fn lock(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, HashMap<SessionToken, Session>>, ServiceError> {
        self.map
            .lock()
            .map_err(|_| ServiceError::Unavailable("session table poisoned".into()))
    }

    pub fn insert(&self, session: Session) -> Result<SessionToken, ServiceError> {
        let token = new_token();
        self.lock()?.insert(token.clone(), session);
        Ok(token)
    }

    /// Finds the session and marks it active now, or expires it when idle past `idle`.
    pub fn touch(
        &self,
        token: &SessionToken,
        now: Duration,
        idle: Duration,
    ) -> Result<Lookup, ServiceError> {
        let mut map = self.lock()?;
        let Some(s) = map.get_mut(token) else {
            return Ok(Lookup::Unknown);
        };
        if now.saturating_sub(s.last_active) > idle {
            let s = map.remove(token);
            return Ok(s.map_or(Lookup::Unknown, Lookup::Expired));
        }
        s.last_active = now;
        Ok(Lookup::Active(s.clone()))
    }

    /// Removes every session idle past `idle` and returns them, so each can be audited even
    /// if its client never comes back.
    pub fn sweep(&self, now: Duration, idle: Duration) -> Result<Vec<Session>, ServiceError> {
        let mut map = self.lock()?;
        let stale: Vec<SessionToken> = map
            .iter()
            .filter(|(_, s)| now.saturating_sub(s.last_active) > idle)
            .map(|(t, _)| t.clone())
            .collect();
        Ok(stale.iter().filter_map(|t| map.remove(t)).collect())
    }

    pub fn remove(&self, token: &SessionToken) -> Result<Option<Session>, ServiceError> {
        Ok(self.lock()?.remove(token))
    }

    /// Records `search` as the session's pending search. When it continues the pending one
    /// (typing on, or backspacing) it replaces it; otherwise the pending one is returned to be
    /// audited.
    pub fn note_search(
        &self,
        token: &SessionToken,
        search: PendingSearch,
    ) -> Result<Option<PendingSearch>, ServiceError> {
        let mut map = self.lock()?;
        let Some(s) = map.get_mut(token) else {
            return Ok(None);
        };
        // Typing on replaces the pending search; backspacing keeps the longer one (what the
        // clerk had settled on); anything else is a new search, and the pending one is audited.
        match s.pending_search.as_ref() {
            Some(p) if search.query.starts_with(p.query.as_str()) => {
                s.pending_search = Some(search);
                Ok(None)
            }
            Some(p) if p.query.starts_with(search.query.as_str()) => Ok(None),
            _ => Ok(s.pending_search.replace(search)),
        }
    }

    /// Takes the pending search to audit it now (the clerk opened a chart, or left).
    pub fn take_pending_search(
        &self,
        token: &SessionToken,
    ) -> Result<Option<PendingSearch>, ServiceError> {
        Ok(self
            .lock()?
            .get_mut(token)
            .and_then(|s| s.pending_search.take()))
    }

    pub fn clear_password_flag(&self, token: &SessionToken) -> Result<(), ServiceError> {
        if let Some(s) = self.lock()?.get_mut(token) {
            s.must_change_password = false;
        }
        Ok(())
    }

    /// Ends every session of `username` (deactivation, lock, password reset) and returns them,
    /// so their end and pending searches can be audited.
    pub fn end_user(&self, username: &str) -> Result<Vec<Session>, ServiceError> {
        let mut map = self.lock()?;
        let ended: Vec<SessionToken> = map
            .iter()
            .filter(|(_, s)| s.username == username)
            .map(|(t, _)| t.clone())
            .collect();
        Ok(ended.iter().filter_map(|t| map.remove(t)).collect())
    }
}
