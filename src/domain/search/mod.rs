//! Patient search (the master patient index): what is kept per patient for finding them, the
//! query language, and the in-memory index that answers a keystroke in milliseconds.

pub mod fold;
pub mod index;
pub mod query;

pub use index::{Hit, MatchKind, SearchIndex};
pub use query::{Query, parse};

use super::patient::{Patient, Sex};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The part of a patient record search needs, kept in its own table so the index loads fast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchKey {
    pub mrn: String,
    pub family_name: String,
    pub given_names: Vec<String>,
    #[serde(default)]
    pub preferred_name: Option<String>,
    pub dob: NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub ssn: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub deceased: bool,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub merged_into: Option<String>,
    /// Latest admission or discharge date: ties in ranking go to recent activity.
    #[serde(default)]
    pub last_visit: Option<NaiveDate>,
    /// Street and ZIP, for duplicate matching (not searched).
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    /// In an undecided duplicate case (the work list): search marks it.
    #[serde(default)]
    pub possible_duplicate: bool,
    /// Phones beyond the main one, digits only.
    #[serde(default)]
    pub other_phones: Vec<String>,
    /// Other identifiers, normalised (`Identifier::normalized`).
    #[serde(default)]
    pub identifiers: Vec<String>,
}

impl SearchKey {
    pub fn from_patient(p: &Patient, last_visit: Option<NaiveDate>) -> SearchKey {
        SearchKey {
            mrn: p.mrn.clone(),
            family_name: p.family_name.clone(),
            given_names: p.given_names.clone(),
            preferred_name: p.preferred_name.clone(),
            dob: p.dob,
            sex: p.sex,
            ssn: p
                .ssn
                .as_ref()
                .map(|s| s.chars().filter(char::is_ascii_digit).collect()),
            phone: p
                .phone
                .as_ref()
                .map(|s| s.chars().filter(char::is_ascii_digit).collect()),
            deceased: p.deceased.is_some(),
            sensitive: p.sensitivity.is_some(),
            merged_into: p.merged_into.clone(),
            last_visit,
            street: p.address.as_ref().map(|a| a.line.clone()),
            zip: p.address.as_ref().map(|a| a.zip.clone()),
            possible_duplicate: false,
            other_phones: p
                .details
                .other_phones
                .iter()
                .map(|ph| ph.number.chars().filter(char::is_ascii_digit).collect())
                .collect(),
            identifiers: p
                .details
                .identifiers
                .iter()
                .map(|i| crate::domain::patient::Identifier::normalized(&i.value))
                .filter(|v| !v.is_empty())
                .collect(),
        }
    }

    pub fn display_name(&self) -> String {
        format!(
            "{}, {}",
            self.family_name.to_uppercase(),
            self.given_names.join(" ")
        )
    }
}
