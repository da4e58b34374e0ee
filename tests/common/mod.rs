//! Shared test set-up: a fresh database with one user per role.
#![allow(dead_code)]

pub mod ui;

use chartroom::domain::Role;
use chartroom::service::{LocalRecords, LoginRequest, ManualClock, NewUser, Records, SessionToken};
use chartroom::store::Store;
use chrono::{TimeZone, Utc};
use std::sync::Arc;
use tempfile::TempDir;

pub struct Fixture {
    pub dir: TempDir,
    pub records: LocalRecords,
    pub clock: ManualClock,
}

pub fn password_of(user: &str) -> String {
    format!("{user}-demo-password")
}

impl Fixture {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.redb")
    }

    pub fn login(&self, user: &str) -> SessionToken {
        self.records
            .login(LoginRequest {
                username: user.into(),
                password: password_of(user).into(),
                peer: None,
            })
            .unwrap_or_else(|e| panic!("login {user}: {e}"))
            .token
    }
}

/// A database with users named after each role, password `<role>-demo-password`.
pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("test.redb")).unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
    let records = LocalRecords::with_clock(store, Arc::new(clock.clone()));
    for role in Role::ALL {
        records
            .system_add_user(
                NewUser {
                    username: role.as_str().into(),
                    full_name: format!("{} Tester", role.title()),
                    roles: vec![role],
                    password: password_of(role.as_str()).into(),
                    must_change_password: false,
                },
                false,
            )
            .unwrap();
    }
    Fixture {
        dir,
        records,
        clock,
    }
}

/// Changes the stored bytes of one audit entry with redb itself, bypassing chartroom entirely,
/// as someone with the file would. `f` gets the stored bytes and returns the new ones (None
/// removes the entry). The database must not be open elsewhere.
pub fn tamper_audit(path: &std::path::Path, seq: u64, f: impl FnOnce(Vec<u8>) -> Option<Vec<u8>>) {
    use redb::ReadableTable;
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx
            .open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
            .unwrap();
        let old = t.get(seq).unwrap().unwrap().value().to_vec();
        match f(old) {
            Some(new) => {
                t.insert(seq, new.as_slice()).unwrap();
            }
            None => {
                t.remove(seq).unwrap();
            }
        }
    }
    tx.commit().unwrap();
}
