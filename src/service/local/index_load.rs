//! Loading the patient index at start: from the snapshot plus the changes logged since when
//! there is one, else from every search key; then a fresh snapshot when there was none or it
//! had fallen far behind, so the next start is fast.

use crate::domain::search::SearchIndex;
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// More changes than this since the snapshot and a new one is written after loading
/// (applying them costs about 2 s per hundred thousand at a million patients).
const STALE_AFTER: usize = 5_000;

/// More changes than this and the snapshot is not read at all: at a million patients,
/// 790,000 changes took 16 s to apply where a build from every key takes 8 s.
const REBUILD_AFTER: u64 = 100_000;

/// How the index came to be, for `chartroom bench startup` and the tests.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IndexLoadReport {
    /// "snapshot" or "search_keys".
    pub source: &'static str,
    /// Why the snapshot was not used, when it was not.
    pub snapshot_refused: Option<String>,
    pub patients: usize,
    /// Search keys re-read on top of the snapshot.
    pub changes_applied: usize,
    pub load_ms: f64,
    /// A snapshot was written after loading (it was missing or stale), and how long it took.
    pub snapshot_written: bool,
    pub snapshot_mb: f64,
    pub snapshot_write_ms: f64,
    /// A snapshot that could not be written: the index still works, the next start is slow.
    pub snapshot_error: Option<String>,
}

/// Re-reading many keys one by one is slower than reading them all in order: past
/// [`REBUILD_AFTER`] changes the snapshot is passed over, with the reason.
fn too_far_behind(generation: u64, position: u64) -> Option<String> {
    let behind = position.saturating_sub(generation);
    (behind > REBUILD_AFTER)
        .then(|| format!("{behind} changes since the snapshot: building afresh is faster"))
}

pub(super) fn load(
    store: &Store,
    stop: &AtomicBool,
) -> Result<(SearchIndex, IndexLoadReport), StoreError> {
    let started = Instant::now();
    let from_snapshot = store.read(|r| {
        let bytes = match r.search_snapshot() {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(Err("there is no snapshot yet".to_string())),
            Err(e) => return Ok(Err(e.to_string())),
        };
        let position = r.search_log_position()?.unwrap_or(0);
        if let Some(why) =
            SearchIndex::snapshot_generation(&bytes).and_then(|g| too_far_behind(g, position))
        {
            return Ok(Err(why));
        }
        let (mut index, generation) = match SearchIndex::from_snapshot(&bytes) {
            Ok(x) => x,
            Err(e) => return Ok(Err(e)),
        };
        drop(bytes);
        if generation > position {
            return Ok(Err(format!(
                "the snapshot is at change {generation}, the log only at {position}"
            )));
        }
        let changed = r.search_changes_since(generation)?;
        let mut keys = Vec::with_capacity(changed.len());
        for mrn in &changed {
            keys.extend(r.search_key(mrn)?);
        }
        index.upsert_many(keys);
        Ok(Ok((index, position, changed.len())))
    })?;
    let (index, position, changes, refused) = match from_snapshot {
        Ok((index, position, changes)) => (index, position, changes, None),
        Err(why) => {
            // Log changes from here on, so the snapshot made below can be kept current.
            if store.read(|r| r.search_log_position())?.is_none() {
                store.write(|w| w.start_search_log())?;
            }
            let (index, position) = store.read(|r| {
                let position = r.search_log_position()?.unwrap_or(0);
                let mut built = SearchIndex::default();
                r.for_each_search_key(|k| {
                    built.add(k);
                    !stop.load(Ordering::Relaxed)
                })?;
                Ok((built.finish(), position))
            })?;
            (index, position, 0, Some(why))
        }
    };
    let mut report = IndexLoadReport {
        source: if refused.is_none() {
            "snapshot"
        } else {
            "search_keys"
        },
        snapshot_refused: refused,
        patients: index.len(),
        changes_applied: changes,
        load_ms: started.elapsed().as_secs_f64() * 1000.0,
        snapshot_written: false,
        snapshot_mb: 0.0,
        snapshot_write_ms: 0.0,
        snapshot_error: None,
    };
    if (report.snapshot_refused.is_some() || changes > STALE_AFTER) && !stop.load(Ordering::Relaxed)
    {
        let t = Instant::now();
        let bytes = index.to_snapshot(position);
        match store.write(|w| w.put_search_snapshot(position, &bytes)) {
            Ok(()) => {
                report.snapshot_written = true;
                report.snapshot_mb = bytes.len() as f64 / 1e6;
            }
            Err(e) => report.snapshot_error = Some(e.to_string()),
        }
        report.snapshot_write_ms = t.elapsed().as_secs_f64() * 1000.0;
    }
    Ok((index, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_far_behind_the_change_log_is_passed_over() {
        for (generation, position, passed_over) in [
            (0, 0, false),
            (0, REBUILD_AFTER, false),
            (0, REBUILD_AFTER + 1, true),
            (500, REBUILD_AFTER + 500, false),
            (500, REBUILD_AFTER + 501, true),
            // A snapshot ahead of the log is refused elsewhere, with its own reason.
            (900, 10, false),
        ] {
            let why = too_far_behind(generation, position);
            assert_eq!(why.is_some(), passed_over, "{generation} {position}");
            if let Some(w) = why {
                assert!(w.contains("building afresh"), "{w}");
            }
        }
    }
}
