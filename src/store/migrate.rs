//! Schema version and migrations, run at open in one write transaction.

use super::tables::{self, meta};
use super::{StoreError, WriteTx, codec};
use redb::ReadTransaction;

/// Bump with each migration added to [`migrate`].
/// 1: first schema. 2: `search_keys` table for patient search. 3: duplicate cases and merges
/// (new tables only; new search-key fields default). 4: search index snapshot and its change
/// log (new tables only). 5: break-the-glass accesses and amendment requests with their
/// patient and document indexes (new tables only). 6: the clinical summary's items and their
/// patient index (new tables only). 7: coding (records, code-list versions, the queue and its
/// change log, coded steps); the queue is built from the discharged encounters. 8: physician
/// queries and their encounter and user indexes (new tables only).
pub const SCHEMA_VERSION: u32 = 9;

/// The stored schema version, or None when this is not a chartroom database.
pub fn read_schema_version(rtx: &ReadTransaction) -> Result<Option<u32>, StoreError> {
    let table = match rtx.open_table(tables::META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match table.get(meta::SCHEMA_VERSION)? {
        Some(v) => codec::decode(tables::names::META, meta::SCHEMA_VERSION, v.value()).map(Some),
        None => Ok(None),
    }
}

/// A new database: every table created, schema version recorded.
pub fn initialise(tx: &mut WriteTx) -> Result<(), StoreError> {
    tx.create_all_tables()?;
    tx.put_meta(meta::SCHEMA_VERSION, &SCHEMA_VERSION)?;
    tx.put_meta(meta::CREATED_AT, &chrono::Utc::now())?;
    Ok(())
}

/// Brings a database at `from` up to [`SCHEMA_VERSION`]. Each step is one match arm; all steps
/// run in the caller's single transaction, so a failed migration leaves the file as it was.
pub fn migrate(tx: &mut WriteTx, from: u32) -> Result<(), StoreError> {
    let mut version = from;
    while version < SCHEMA_VERSION {
        tx.create_all_tables()?;
        if version == 1 {
            tx.rebuild_search_keys()?;
        }
        if version == 6 {
            tx.rebuild_coding_queue()?;
        }
        version += 1;
    }
    tx.put_meta(meta::SCHEMA_VERSION, &version)
}
