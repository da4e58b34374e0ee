//! Break-the-glass accesses: one record per access, numbered, plus the latest access of each
//! (user, patient) so opening a chart finds a live one with one lookup.

use super::tables::{self, meta, names};
use super::tx::{Versioned, WriteTx, check_version};
use super::{StoreError, codec};
use crate::domain::break_glass::BreakGlassAccess;
use chrono::{DateTime, Utc};
use redb::ReadableTable;

impl Versioned for BreakGlassAccess {
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, v: u64) {
        self.version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        self.review.as_ref().map(|r| (r.by.clone(), r.at))
    }
}

fn get(
    table: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<BreakGlassAccess>, StoreError> {
    match table.get(id)? {
        Some(v) => codec::decode(names::BREAK_GLASS, &id.to_string(), v.value()).map(Some),
        None => Ok(None),
    }
}

fn active(
    latest: &impl ReadableTable<(&'static str, &'static str), u64>,
    accesses: &impl ReadableTable<u64, &'static [u8]>,
    username: &str,
    mrn: &str,
    now: DateTime<Utc>,
) -> Result<Option<BreakGlassAccess>, StoreError> {
    let Some(id) = latest.get((username, mrn))?.map(|v| v.value()) else {
        return Ok(None);
    };
    Ok(get(accesses, id)?.filter(|a| a.is_active(now)))
}

/// Every access, newest first; with `unreviewed_only`, those still waiting for review.
fn list(
    accesses: &impl ReadableTable<u64, &'static [u8]>,
    unreviewed_only: bool,
) -> Result<Vec<BreakGlassAccess>, StoreError> {
    let mut out = Vec::new();
    for row in accesses.iter()?.rev() {
        let (k, v) = row?;
        let a: BreakGlassAccess =
            codec::decode(names::BREAK_GLASS, &k.value().to_string(), v.value())?;
        if !unreviewed_only || a.review.is_none() {
            out.push(a);
        }
    }
    Ok(out)
}

impl WriteTx {
    /// Stores a new access and makes it the latest for its user and patient.
    pub fn add_break_glass(&mut self, access: &mut BreakGlassAccess) -> Result<u64, StoreError> {
        let id = self.next_seq(meta::BREAK_GLASS_SEQ)?;
        access.id = id;
        access.version = 1;
        let bytes = codec::encode(access)?;
        self.tx
            .open_table(tables::BREAK_GLASS)?
            .insert(id, bytes.as_slice())?;
        self.tx
            .open_table(tables::BREAK_GLASS_LATEST)?
            .insert((access.username.as_str(), access.mrn.as_str()), id)?;
        Ok(id)
    }

    pub fn break_glass(&self, id: u64) -> Result<Option<BreakGlassAccess>, StoreError> {
        get(&self.tx.open_table(tables::BREAK_GLASS)?, id)
    }

    /// Writes a reviewed access back; a stale version is a conflict (two reviewers at once).
    pub fn put_break_glass(
        &mut self,
        access: &mut BreakGlassAccess,
        expected: u64,
    ) -> Result<(), StoreError> {
        let key = access.id.to_string();
        let current = self.break_glass(access.id)?;
        check_version(names::BREAK_GLASS, &key, current.as_ref(), Some(expected))?;
        access.version = expected + 1;
        let bytes = codec::encode(access)?;
        self.tx
            .open_table(tables::BREAK_GLASS)?
            .insert(access.id, bytes.as_slice())?;
        Ok(())
    }

    /// The user's access to this patient that is live at `now`, if any.
    pub fn active_break_glass(
        &self,
        username: &str,
        mrn: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<BreakGlassAccess>, StoreError> {
        active(
            &self.tx.open_table(tables::BREAK_GLASS_LATEST)?,
            &self.tx.open_table(tables::BREAK_GLASS)?,
            username,
            mrn,
            now,
        )
    }

    pub fn break_glass_list(
        &self,
        unreviewed_only: bool,
    ) -> Result<Vec<BreakGlassAccess>, StoreError> {
        list(&self.tx.open_table(tables::BREAK_GLASS)?, unreviewed_only)
    }
}
