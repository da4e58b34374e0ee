//! The terminal workstation. Screens are an enum of views, one file each; `app` holds state
//! and the update function, `view` draws, `effects` talks to the service, `runtime` moves effects to a worker thread and
//! answers back, `term` runs the loop.
//! The UI never names redb and never decides permissions: it asks the service.

pub mod app;
pub mod doc_viewer;
pub mod effects;
pub mod gapfill;
pub mod help;
pub mod input;
pub mod keymap;
pub mod list;
pub mod runtime;
pub mod screens;
pub mod shell;
pub mod term;
pub mod theme;
pub mod view;

pub use term::run;
