//! Plain HIM types and rules. No I/O lives here: every function is testable with values alone.

pub mod amendment;
pub mod audit;
pub mod break_glass;
pub mod clinical;
pub mod coding;
pub mod matching;
pub mod mpi;
pub mod mrn;
pub mod password;
pub mod patient;
pub mod query;
pub mod registration;
pub mod roi;
pub mod role;
pub mod search;
pub mod secret;
pub mod settings;
pub mod user;

pub use audit::{AuditAction, AuditEntry, Outcome};
pub use patient::{Document, Encounter, EncounterClass, NewPatient, Patient, Sensitivity, Sex};
pub use role::Role;
pub use secret::Secret;
pub use settings::Settings;
pub use user::{User, UserStatus};
