//! The only module that names redb (DESIGN §2, §3).
//!
//! - Every write is one redb write transaction committed with `Durability::Immediate`; callers
//!   acknowledge a change only after [`Store::write`] returns.
//! - Values are [`codec`]-encoded; a value that does not decode is `Corrupt { table, key }`.
//! - Secondary indexes are multimap tables updated in the same transaction as their record.
//! - Records two people can edit carry a `version`; a stale write is a `Conflict`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod amendment;
mod break_glass;
mod clinical;
pub mod codec;
mod coding;
mod migrate;
mod mpi;
mod query;
mod roi;
mod search_snapshot;
mod tables;
mod tx;

pub use coding::QueueDelta;
pub use migrate::SCHEMA_VERSION;
pub use mpi::MergeActor;
pub use tx::{ReadTx, Versioned, WriteTx};

use chrono::{DateTime, Utc};
use redb::{Database, ReadableDatabase};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no database at {0}; create one with `chartroom init --db {0}` or try `chartroom demo`"
    )]
    Missing(PathBuf),
    #[error("{path} is not a chartroom database (not a redb file: {detail}); check the --db path")]
    NotRedb { path: PathBuf, detail: String },
    #[error("{0} is a redb file but not a chartroom database; check the --db path")]
    NotChartroom(PathBuf),
    #[error(
        "{path} was written by a newer chartroom (schema {found}, this program knows up to {supported}); \
         upgrade chartroom. The file was not changed."
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "{0} is already open in another chartroom process. If a daemon serves it, use \
         `chartroom attach --socket PATH`; otherwise close the other chartroom first."
    )]
    AlreadyOpen(PathBuf),
    #[error(
        "{path} is damaged and cannot be opened ({detail}); restore it from a backup. The file was not changed."
    )]
    Damaged { path: PathBuf, detail: String },
    #[error("{0} already exists; refusing to overwrite it")]
    Exists(PathBuf),
    #[error("corrupt record in table {table}, key {key}: {detail}")]
    Corrupt {
        table: String,
        key: String,
        detail: String,
    },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{}", conflict_message(.table, .key, .by, .at))]
    Conflict {
        table: String,
        key: String,
        by: Option<String>,
        at: Option<DateTime<Utc>>,
    },
    /// The request cannot be carried out as asked; the text says why and what to do.
    #[error("{0}")]
    Refused(String),
    #[error("operation not covered by the grant it was given")]
    NotGranted,
    #[error("database error: {0}")]
    Db(String),
    #[error("internal error: {0}")]
    Internal(String),
}

fn conflict_message(
    table: &str,
    key: &str,
    by: &Option<String>,
    at: &Option<DateTime<Utc>>,
) -> String {
    match (by, at) {
        (Some(by), Some(at)) => format!(
            "{table} {key} was changed by {by} at {} — reload and apply your change again",
            at.format("%H:%M")
        ),
        _ => format!(
            "{table} {key} was changed by someone else — reload and apply your change again"
        ),
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
from_redb!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// The magic bytes every redb file starts with; checked before redb touches the file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

pub struct Store {
    db: Db,
    path: PathBuf,
}

/// Commands that only read (`audit verify`, `audit list`) open the file read-only, so even a
/// damaged file they refuse keeps every byte.
enum Db {
    Writable(Database),
    ReadOnly(redb::ReadOnlyDatabase),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

thread_local! {
    /// Set while this thread runs inside [`guarded`]: its panics are reported as errors, so
    /// the default report (which would scribble over the terminal) is skipped.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once per process, a panic hook that stays quiet for guarded store calls and
/// hands every other panic to the hook that was there before.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// redb may panic on a file altered behind its back (at open, or later on a damaged page
/// while reading); turn that into an error naming the file. A write transaction unwound this
/// way is dropped uncommitted, so nothing is half-written.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    install_quiet_hook();
    let was = GUARDED.with(|g| g.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    match outcome {
        Ok(r) => r,
        Err(p) => {
            let detail = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the storage engine stopped on bad data".into());
            Err(StoreError::Damaged {
                path: path.to_path_buf(),
                detail,
            })
        }
    }
}

fn map_open_error(path: &Path, e: redb::DatabaseError) -> StoreError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => StoreError::AlreadyOpen(path.to_path_buf()),
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) => StoreError::Db(format!(
            "cannot read {}: {io}; check the path and its permissions",
            path.display()
        )),
        other => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: other.to_string(),
        },
    }
}

impl Store {
    /// Opens an existing database, refusing (without writing a byte) anything that is not a
    /// chartroom database of a schema this program knows. Runs migrations in one transaction.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        check_magic(path)?;
        // Look first through a read-only handle, which never writes: a newer schema or a
        // foreign redb file is refused with the file untouched. A file left mid-commit by a
        // crash cannot be opened read-only; the read-write open below repairs it.
        let ro = guarded(path, || Ok(redb::Builder::new().open_read_only(path)))?;
        match ro {
            Ok(ro) => {
                let rtx = ro.begin_read()?;
                let version = migrate::read_schema_version(&rtx)?;
                drop(rtx);
                drop(ro);
                check_version(path, version)?;
            }
            Err(redb::DatabaseError::RepairAborted) => {}
            Err(e) => return Err(map_open_error(path, e)),
        }
        let db = guarded(path, || {
            redb::Builder::new()
                .open(path)
                .map_err(|e| map_open_error(path, e))
        })?;
        let store = Store {
            db: Db::Writable(db),
            path: path.to_path_buf(),
        };
        let version = store.read(|r| migrate::read_schema_version(&r.tx))?;
        check_version(path, version)?;
        let version = version.ok_or_else(|| StoreError::NotChartroom(path.to_path_buf()))?;
        if version < SCHEMA_VERSION {
            store.write(|tx| migrate::migrate(tx, version))?;
        }
        Ok(store)
    }

    /// Opens for reading only: nothing is written, not even redb's header. A file of an older
    /// schema, or one left mid-commit by a crash, needs the read-write open (migration or
    /// repair), which [`Store::open`] does.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        check_magic(path)?;
        match guarded(path, || Ok(redb::Builder::new().open_read_only(path)))? {
            Ok(ro) => {
                let version = {
                    let rtx = ro.begin_read()?;
                    migrate::read_schema_version(&rtx)?
                };
                check_version(path, version)?;
                match version {
                    Some(v) if v == SCHEMA_VERSION => Ok(Store {
                        db: Db::ReadOnly(ro),
                        path: path.to_path_buf(),
                    }),
                    Some(_) => {
                        drop(ro);
                        Store::open(path)
                    }
                    None => Err(StoreError::NotChartroom(path.to_path_buf())),
                }
            }
            Err(redb::DatabaseError::RepairAborted) => Store::open(path),
            Err(e) => Err(map_open_error(path, e)),
        }
    }

    /// Creates a new, empty chartroom database. Refuses to touch an existing non-empty file.
    pub fn create(path: &Path) -> Result<Store, StoreError> {
        if path.exists() && std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(true) {
            return Err(StoreError::Exists(path.to_path_buf()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Db(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let db = redb::Builder::new()
            .create(path)
            .map_err(|e| map_open_error(path, e))?;
        let store = Store {
            db: Db::Writable(db),
            path: path.to_path_buf(),
        };
        store.write(migrate::initialise)?;
        Ok(store)
    }

    /// Opens the database at `path`, creating an empty one if no file is there.
    pub fn open_or_create(path: &Path) -> Result<Store, StoreError> {
        match Store::open(path) {
            Err(StoreError::Missing(_)) => Store::create(path),
            other => other,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction and commits it durably when `f` returns `Ok`.
    /// Nothing is written when `f` fails.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&mut WriteTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        guarded(&self.path, || {
            let Db::Writable(db) = &self.db else {
                return Err(StoreError::Refused(
                    "this database was opened read-only".into(),
                ));
            };
            let mut tx = db.begin_write()?;
            tx.set_durability(redb::Durability::Immediate)?;
            let mut wtx = WriteTx::new(tx);
            let out = f(&mut wtx)?;
            wtx.commit()?;
            Ok(out)
        })
    }

    /// Runs `f` on a consistent snapshot.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&ReadTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        guarded(&self.path, || {
            let rtx = ReadTx::new(match &self.db {
                Db::Writable(db) => db.begin_read()?,
                Db::ReadOnly(db) => db.begin_read()?,
            });
            f(&rtx)
        })
    }

    /// Full check of every page checksum (`chartroom check`). Needs exclusive access.
    pub fn check_integrity(&mut self) -> Result<bool, StoreError> {
        match &mut self.db {
            Db::Writable(db) => Ok(db.check_integrity()?),
            Db::ReadOnly(_) => Err(StoreError::Refused(
                "an integrity check needs the database opened for writing".into(),
            )),
        }
    }
}

fn check_magic(path: &Path) -> Result<(), StoreError> {
    let mut head = [0u8; 9];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head));
    match read {
        Ok(()) if head == REDB_MAGIC => Ok(()),
        Ok(()) => Err(StoreError::NotRedb {
            path: path.to_path_buf(),
            detail: "it does not start with the redb signature".into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(StoreError::NotRedb {
            path: path.to_path_buf(),
            detail: "the file is too short".into(),
        }),
        Err(e) => Err(StoreError::Db(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn check_version(path: &Path, version: Option<u32>) -> Result<(), StoreError> {
    match version {
        None => Err(StoreError::NotChartroom(path.to_path_buf())),
        Some(v) if v > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(_) => Ok(()),
    }
}
