//! Where the patient index snapshot is kept, and the log of search keys changed since.
//!
//! The log starts the first time a snapshot is about to be made (`start_search_log`), so a
//! database that never had one (a seed, a test) pays nothing per write. From then on every
//! `put_search_key` adds the MRN under the next change number in the same transaction, and a
//! snapshot records the number it reflects: loading it and re-reading the MRNs logged after
//! that number gives the index as the keys are now.

use super::tables::{self, meta, names};
use super::tx::get_str;
use super::{ReadTx, StoreError, WriteTx};
use redb::ReadableTable;

/// Snapshot chunks: redb keeps each value whole in memory while writing it.
const CHUNK: usize = 4 << 20;

impl WriteTx {
    /// Records `mrn` as changed, when the log has begun.
    pub(super) fn log_search_change(&mut self, mrn: &str) -> Result<(), StoreError> {
        let Some(last) = self.get_meta::<u64>(meta::SEARCH_LOG)? else {
            return Ok(());
        };
        let next = last + 1;
        self.put_meta(meta::SEARCH_LOG, &next)?;
        self.tx
            .open_table(tables::SEARCH_CHANGES)?
            .insert(next, mrn)?;
        Ok(())
    }

    /// Begins logging changed search keys, if not already.
    pub fn start_search_log(&mut self) -> Result<(), StoreError> {
        if self.get_meta::<u64>(meta::SEARCH_LOG)?.is_none() {
            self.put_meta(meta::SEARCH_LOG, &0u64)?;
        }
        Ok(())
    }

    /// Replaces the snapshot with `bytes`, which reflect every change up to `generation`;
    /// the log entries it covers are dropped.
    pub fn put_search_snapshot(&mut self, generation: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let mut t = self.tx.open_table(tables::SEARCH_SNAPSHOT)?;
        t.retain(|_, _| false)?;
        for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
            let i = u32::try_from(i)
                .map_err(|_| StoreError::Internal("search snapshot too large".into()))?;
            t.insert(i, chunk)?;
        }
        self.tx
            .open_table(tables::SEARCH_CHANGES)?
            .retain_in(..=generation, |_, _| false)?;
        Ok(())
    }
}

impl ReadTx {
    /// The snapshot's bytes, or None when there is none (or the table predates it).
    pub fn search_snapshot(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let t = match self.tx.open_table(tables::SEARCH_SNAPSHOT) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for (expected, row) in (0u32..).zip(t.iter()?) {
            let (k, v) = row?;
            if k.value() != expected {
                return Err(StoreError::Corrupt {
                    table: names::SEARCH_SNAPSHOT.into(),
                    key: expected.to_string(),
                    detail: "snapshot chunk missing".into(),
                });
            }
            out.extend_from_slice(v.value());
        }
        Ok((!out.is_empty()).then_some(out))
    }

    /// The last change number logged, or None before logging began.
    pub fn search_log_position(&self) -> Result<Option<u64>, StoreError> {
        let t = match self.tx.open_table(tables::META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        get_str(&t, names::META, meta::SEARCH_LOG)
    }

    /// MRNs whose search keys changed after change number `generation`, each once.
    pub fn search_changes_since(&self, generation: u64) -> Result<Vec<String>, StoreError> {
        let t = match self.tx.open_table(tables::SEARCH_CHANGES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for row in t.range(generation + 1..)? {
            let mrn = row?.1.value().to_string();
            if seen.insert(mrn.clone()) {
                out.push(mrn);
            }
        }
        Ok(out)
    }
}
