//! Workstation users. Users are deactivated, never deleted, so the audit trail always names a
//! real account.

use super::role::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Deactivated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    /// Argon2id PHC string; never logged, never sent to a client.
    pub password_hash: String,
    pub status: UserStatus,
    #[serde(default)]
    pub failed_logins: u32,
    #[serde(default)]
    pub locked: bool,
    /// Set by an admin reset: the next login must choose a new password first.
    #[serde(default)]
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub last_login: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, bumped on every write.
    pub version: u64,
}

/// What may be shown about a user to other users (no hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub status: UserStatus,
    pub locked: bool,
    pub must_change_password: bool,
    pub failed_logins: u32,
    pub last_login: Option<DateTime<Utc>>,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        UserSummary {
            username: u.username.clone(),
            full_name: u.full_name.clone(),
            roles: u.roles.clone(),
            status: u.status,
            locked: u.locked,
            must_change_password: u.must_change_password,
            failed_logins: u.failed_logins,
            last_login: u.last_login,
        }
    }
}

/// User names are short lowercase identifiers so they read the same in every audit entry.
pub fn validate_username(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_' || c == '-');
    if name.is_empty() || name.len() > 32 {
        return Err("a user name has 1 to 32 characters".into());
    }
    if !ok_chars || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(
            "a user name starts with a letter and uses only a-z, 0-9, '.', '_' and '-'".into(),
        );
    }
    Ok(())
}

/// Result of one failed login against an account: the new counter and whether it now locks.
pub fn register_failure(failed_so_far: u32, threshold: u32) -> (u32, bool) {
    let n = failed_so_far.saturating_add(1);
    (n, n >= threshold.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in ["coder", "j.doe", "a1", "mary-ann_2"] {
            assert!(validate_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Coder", "1abc", "a b", "x\u{1b}y", &"a".repeat(33)] {
            assert!(validate_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lockout_happens_exactly_at_the_threshold() {
        let mut n = 0;
        for attempt in 1..=10 {
            let (next, locked) = register_failure(n, 10);
            n = next;
            assert_eq!(n, attempt);
            assert_eq!(locked, attempt == 10, "attempt {attempt}");
        }
        assert_eq!(register_failure(0, 1), (1, true));
        assert_eq!(
            register_failure(0, 0),
            (1, true),
            "threshold 0 behaves as 1"
        );
    }
}
