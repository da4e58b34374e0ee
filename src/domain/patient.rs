//! Patients, encounters and documents as the store keeps them. Fields may be added; serde
//! defaults keep older records readable.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

impl Sex {
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        }
    }
}

/// Categories that make a chart or encounter sensitive (break-the-glass applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Employee,
    Vip,
    BehavioralHealth,
    SubstanceUseDisorder,
    Hiv,
    ReproductiveHealth,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 6] = [
        Sensitivity::Employee,
        Sensitivity::Vip,
        Sensitivity::BehavioralHealth,
        Sensitivity::SubstanceUseDisorder,
        Sensitivity::Hiv,
        Sensitivity::ReproductiveHealth,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Sensitivity::Employee => "employee",
            Sensitivity::Vip => "VIP",
            Sensitivity::BehavioralHealth => "behavioral health",
            Sensitivity::SubstanceUseDisorder => "substance use disorder (42 CFR Part 2)",
            Sensitivity::Hiv => "HIV",
            Sensitivity::ReproductiveHealth => "reproductive health",
        }
    }

    /// Employee and VIP describe who the patient is; the others describe care they received.
    /// A merge carries a category about the person to the surviving chart, and a category
    /// about care to the encounters that moved (`domain::mpi::merged_sensitivity`).
    pub fn is_about_the_person(self) -> bool {
        matches!(self, Sensitivity::Employee | Sensitivity::Vip)
    }
}

/// Who placed a legal hold, when, and for which matter. Releasing it is a new version of the
/// patient without one; the history and the audit trail keep both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalHold {
    /// The matter (case name or number) the records are held for.
    pub matter: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
}

impl LegalHold {
    pub const MAX_MATTER: usize = 120;

    /// A hold for `matter`, checked: a matter is named, on one line, not too long.
    pub fn new(matter: &str, by: &str, at: DateTime<Utc>) -> Result<LegalHold, String> {
        Ok(LegalHold {
            matter: Self::check_matter(matter)?.to_string(),
            placed_by: by.to_string(),
            placed_at: at,
        })
    }

    /// The matter as it will be kept (trimmed), or why it cannot be: named, one line, not
    /// too long. The form asks the same before it sends.
    pub fn check_matter(matter: &str) -> Result<&str, String> {
        let matter = matter.trim();
        if matter.is_empty() {
            return Err("name the matter the records are held for (a case name or number)".into());
        }
        if matter.chars().count() > Self::MAX_MATTER {
            return Err(format!(
                "the matter is {} characters; keep it to {} (details go in the reason)",
                matter.chars().count(),
                Self::MAX_MATTER
            ));
        }
        if matter.chars().any(char::is_control) {
            return Err("the matter must be one line of text".into());
        }
        Ok(matter)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub mrn: String,
    pub family_name: String,
    pub given_names: Vec<String>,
    #[serde(default)]
    pub preferred_name: Option<String>,
    pub dob: NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Stored whole; screens show only the last four.
    #[serde(default)]
    pub ssn: Option<String>,
    #[serde(default)]
    pub deceased: Option<NaiveDate>,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    /// Set when this chart was merged into another; the record stays readable.
    #[serde(default)]
    pub merged_into: Option<String>,
    /// A legal (litigation) hold: the chart is evidence in a matter and must be kept exactly
    /// as it is; the banner says so and merges are refused until it is released.
    #[serde(default)]
    pub legal_hold: Option<LegalHold>,
    #[serde(default)]
    pub details: PatientDetails,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl Patient {
    /// `FAMILY, Given Middle` as HIM lists print names.
    pub fn display_name(&self) -> String {
        format!(
            "{}, {}",
            self.family_name.to_uppercase(),
            self.given_names.join(" ")
        )
    }

    /// A first version from what a registrar entered; names are trimmed, empty given names
    /// dropped.
    pub fn from_new(mrn: String, p: &NewPatient, now: DateTime<Utc>, by: &str) -> Patient {
        Patient {
            mrn,
            family_name: p.family_name.trim().to_string(),
            given_names: p
                .given_names
                .iter()
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty())
                .collect(),
            preferred_name: p.details.preferred_name.clone(),
            dob: p.dob,
            sex: p.sex,
            address: p.address.clone(),
            phone: p.phone.clone(),
            ssn: p.ssn.clone(),
            deceased: None,
            sensitivity: None,
            merged_into: None,
            legal_hold: None,
            details: p.details.clone(),
            version: 0,
            updated_at: now,
            updated_by: by.to_string(),
        }
    }

    /// A corrected version from what the clerk entered on the edit form. Identity that is
    /// not demographics (MRN, deceased, sensitivity, merge) is kept.
    pub fn with_edit(&self, p: &NewPatient, now: DateTime<Utc>, by: &str) -> Patient {
        Patient {
            mrn: self.mrn.clone(),
            deceased: self.deceased,
            sensitivity: self.sensitivity,
            merged_into: self.merged_into.clone(),
            version: self.version,
            ..Patient::from_new(self.mrn.clone(), p, now, by)
        }
    }

    /// The demographic fields that differ between two versions, by their form labels.
    pub fn changed_fields(&self, newer: &Patient) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |label: &'static str, differs: bool| {
            if differs {
                out.push(label);
            }
        };
        check("family name", self.family_name != newer.family_name);
        check("given names", self.given_names != newer.given_names);
        check(
            "preferred name",
            self.preferred_name != newer.preferred_name,
        );
        check("date of birth", self.dob != newer.dob);
        check("sex", self.sex != newer.sex);
        check("address", self.address != newer.address);
        check("phone", self.phone != newer.phone);
        check("SSN", self.ssn != newer.ssn);
        check("deceased", self.deceased != newer.deceased);
        check("sensitivity", self.sensitivity != newer.sensitivity);
        check("merged into", self.merged_into != newer.merged_into);
        let (a, b) = (&self.details, &newer.details);
        check(
            "administrative gender",
            a.administrative_gender != b.administrative_gender,
        );
        check("language", a.language != b.language);
        check(
            "emergency contact",
            a.emergency_contact != b.emergency_contact,
        );
        check(
            "legal representative",
            a.legal_representative != b.legal_representative,
        );
        check("other phones", a.other_phones != b.other_phones);
        check("identifiers", a.identifiers != b.identifiers);
        out
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        age_on(self.dob, on)
    }
}

pub fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    use chrono::Datelike;
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years.max(0)).unwrap_or(0)
}

/// Who may act for a patient, and the paper that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepresentativeKind {
    Guardian,
    ParentOfMinor,
    PowerOfAttorney,
}

impl RepresentativeKind {
    pub fn label(self) -> &'static str {
        match self {
            RepresentativeKind::Guardian => "guardian",
            RepresentativeKind::ParentOfMinor => "parent of minor",
            RepresentativeKind::PowerOfAttorney => "power of attorney",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalRepresentative {
    pub kind: RepresentativeKind,
    pub name: String,
    /// The document that gives authority (court order, birth certificate, POA form).
    pub authority_document: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

/// Registration details beyond identity; every field optional.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PatientDetails {
    pub preferred_name: Option<String>,
    pub administrative_gender: Option<String>,
    pub language: Option<String>,
    pub emergency_contact: Option<EmergencyContact>,
    pub legal_representative: Option<LegalRepresentative>,
    /// Phones beyond the main one.
    pub other_phones: Vec<Phone>,
    /// Other numbers the patient is known by (driver's licence, Medicare, insurance, another
    /// system's MRN); searchable.
    pub identifiers: Vec<Identifier>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneUse {
    Home,
    Mobile,
    Work,
    Other,
}

impl PhoneUse {
    pub fn label(self) -> &'static str {
        match self {
            PhoneUse::Home => "home",
            PhoneUse::Mobile => "mobile",
            PhoneUse::Work => "work",
            PhoneUse::Other => "other",
        }
    }

    pub fn parse(word: &str) -> Option<PhoneUse> {
        match word.to_ascii_lowercase().as_str() {
            "home" | "h" => Some(PhoneUse::Home),
            "mobile" | "cell" | "m" | "c" => Some(PhoneUse::Mobile),
            "work" | "w" => Some(PhoneUse::Work),
            "other" | "o" => Some(PhoneUse::Other),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub use_: PhoneUse,
    /// Ten digits.
    pub number: String,
}

/// The kinds of identifier the form takes, by the short codes clerks type.
pub const IDENTIFIER_KINDS: [(&str, &str); 7] = [
    ("DL", "driver's licence"),
    ("MBI", "Medicare beneficiary identifier"),
    ("MCD", "Medicaid number"),
    ("INS", "insurance member number"),
    ("PP", "passport"),
    ("MR", "medical record number in another system"),
    ("ID", "other identifier"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// One of [`IDENTIFIER_KINDS`]' codes.
    pub kind: String,
    /// As written on the card.
    pub value: String,
}

impl Identifier {
    /// Letters and digits only, upper case: how identifiers are compared and searched.
    pub fn normalized(value: &str) -> String {
        value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    }
}

/// What a registrar enters; the service assigns MRN and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPatient {
    pub family_name: String,
    pub given_names: Vec<String>,
    pub dob: NaiveDate,
    pub sex: Sex,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub ssn: Option<String>,
    #[serde(default)]
    pub details: PatientDetails,
}

impl NewPatient {
    /// Field rules that need no database: names present, DOB not in the future.
    pub fn validate(&self, today: NaiveDate) -> Result<(), String> {
        if self.family_name.trim().is_empty() {
            return Err("family name is required".into());
        }
        let names = std::iter::once(&self.family_name).chain(&self.given_names);
        for n in names {
            if n.chars().any(char::is_control) {
                return Err("names cannot hold control characters".into());
            }
            if !n.trim().is_empty() && !n.chars().any(char::is_alphabetic) {
                return Err(format!("{n:?} has no letters"));
            }
        }
        if self.given_names.iter().all(|g| g.trim().is_empty()) {
            return Err("at least one given name is required".into());
        }
        if self.dob > today {
            return Err(format!("date of birth {} is in the future", self.dob));
        }
        if let Some(ssn) = &self.ssn {
            let digits: String = ssn.chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 9 || ssn.chars().any(|c| !c.is_ascii_digit() && c != '-') {
                return Err("SSN must be 9 digits (123-45-6789)".into());
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncounterClass {
    Inpatient,
    Outpatient,
    Emergency,
    Observation,
}

impl EncounterClass {
    pub fn label(self) -> &'static str {
        match self {
            EncounterClass::Inpatient => "Inpatient",
            EncounterClass::Outpatient => "Outpatient",
            EncounterClass::Emergency => "Emergency",
            EncounterClass::Observation => "Observation",
        }
    }

    /// Two or three letters, for narrow columns (the coding queue, reports, the work queue).
    pub fn abbrev(self) -> &'static str {
        match self {
            EncounterClass::Inpatient => "IP",
            EncounterClass::Outpatient => "OP",
            EncounterClass::Emergency => "ED",
            EncounterClass::Observation => "OBS",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encounter {
    pub id: String,
    pub mrn: String,
    pub class: EncounterClass,
    pub admitted: NaiveDate,
    #[serde(default)]
    pub discharged: Option<NaiveDate>,
    pub location: String,
    pub attending: String,
    #[serde(default)]
    pub discharge_status: Option<String>,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    /// Set while this encounter belongs to a surviving chart through a merge: the MRN it
    /// came from.
    #[serde(default)]
    pub moved_from: Option<String>,
    pub version: u64,
}

/// What a withheld encounter's location and attending say.
pub const RESTRICTED: &str = "restricted";

impl Encounter {
    /// The copy handed to a user who may open the chart but not this sensitive encounter
    /// (minimum necessary, 42 CFR Part 2: even where and by whom the patient was treated is
    /// protected): its id, class and dates stay, so the chart's timeline reads right; the
    /// location, attending, discharge status and the category itself are left out.
    pub fn withheld(&self) -> Encounter {
        Encounter {
            id: self.id.clone(),
            mrn: self.mrn.clone(),
            class: self.class,
            admitted: self.admitted,
            discharged: self.discharged,
            location: RESTRICTED.into(),
            attending: RESTRICTED.into(),
            discharge_status: None,
            sensitivity: None,
            moved_from: self.moved_from.clone(),
            version: self.version,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    pub mrn: String,
    pub encounter_id: String,
    pub kind: String,
    pub author: String,
    pub written: NaiveDate,
    pub text: String,
    #[serde(default)]
    pub moved_from: Option<String>,
    pub version: u64,
}

/// A document as the chart lists it: what, who, when, how long; no text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub id: String,
    pub encounter_id: String,
    pub kind: String,
    pub author: String,
    pub written: chrono::NaiveDate,
    pub lines: usize,
    /// The document belongs to a sensitive encounter this user may not read: kind and author
    /// are left out (empty) and `lines` is 0; reading it needs break-the-glass.
    #[serde(default)]
    pub restricted: bool,
    /// An accepted amendment request amended it (45 CFR 164.526(c)(1)): the request's id.
    /// The document itself is never rewritten; the amendment is a document of its own.
    #[serde(default)]
    pub amended_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn legal_hold_matters() {
        let at = chrono::Utc::now();
        for (matter, ok) in [
            ("Doe v. County Hospital, 26-CV-0142", true),
            ("  Smith estate  ", true),
            ("", false),
            ("   ", false),
            ("line one\nline two", false),
            (&"x".repeat(121), false),
            (&"x".repeat(120), true),
        ] {
            assert_eq!(
                LegalHold::new(matter, "compliance", at).is_ok(),
                ok,
                "{matter:?}"
            );
        }
        assert_eq!(
            LegalHold::new("  Smith estate ", "c", at).unwrap().matter,
            "Smith estate"
        );
    }

    #[test]
    fn ages() {
        for (dob, on, want) in [
            ("1980-03-04", "2026-03-03", 45),
            ("1980-03-04", "2026-03-04", 46),
            ("2000-02-29", "2026-02-28", 25),
            ("2000-02-29", "2026-03-01", 26),
            ("2026-01-01", "2025-01-01", 0),
        ] {
            assert_eq!(age_on(d(dob), d(on)), want, "{dob} on {on}");
        }
    }

    #[test]
    fn new_patient_rules() {
        let today = d("2026-11-23");
        let ok = NewPatient {
            family_name: "Alemán".into(),
            given_names: vec!["José".into()],
            dob: d("1980-03-04"),
            sex: Sex::Male,
            address: None,
            phone: None,
            ssn: Some("123-45-6789".into()),
            details: Default::default(),
        };
        assert!(ok.validate(today).is_ok());
        let mut p = ok.clone();
        p.family_name = " ".into();
        assert!(p.validate(today).unwrap_err().contains("family"));
        let mut p = ok.clone();
        p.dob = d("2026-11-24");
        assert!(p.validate(today).unwrap_err().contains("future"));
        let mut p = ok.clone();
        p.ssn = Some("12-345".into());
        assert!(p.validate(today).unwrap_err().contains("SSN"));
    }
}
