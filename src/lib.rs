//! chartroom: a keyboard-driven HIM records workstation. See docs/architecture.md.
//!
//! Layers (arrows are the only allowed `use` directions):
//! `ui -> service -> {policy, store} -> domain`; `ui -> domain`; `sanitize` is used by all
//! display paths. Only `store` names redb.

pub mod cli;
pub mod codes;
pub mod domain;
pub mod policy;
pub mod remote;
pub mod sanitize;
pub mod service;
pub mod store;
pub mod synth;
pub mod ui;
