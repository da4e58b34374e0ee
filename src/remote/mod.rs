//! Many clerks on one database (DESIGN §2): `chartroom serve` owns the file and serves the
//! `Records` trait on a Unix socket; `chartroom attach` (run by OpenSSH as a forced command)
//! is the same UI with `RemoteRecords` in place of `LocalRecords`.
//!
//! - `protocol`: frames (length-prefixed MessagePack), the handshake, limits.
//! - `api`: one `Call`/`Reply` variant per trait method, generated from one list.
//! - `server`: the daemon. `client`: `RemoteRecords`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod client;
pub mod protocol;
pub mod server;

pub use client::RemoteRecords;
pub use server::{ServeOptions, serve};
