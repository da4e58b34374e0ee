//! The chart's clinical summary: problems and diagnoses, allergies, medications and
//! immunizations, as the Summary tab and the banner show them. Plain records and the rules for
//! ordering and abbreviating them; no I/O.
//!
//! Every record carries the same bookkeeping ([`ItemMeta`]: id, patient, encounter, where a
//! merge moved it from, version, who recorded it and when). "No known allergies" is a record
//! of its own ([`NoKnownAllergies`], as FHIR records it), so a chart where someone asked and
//! the patient has none reads differently from one where nobody asked; it moves with a merge
//! like every other item. Fields may be added: serde defaults keep older records readable.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use unicode_width::UnicodeWidthStr;

/// Code systems as clinicians name them; a problem keeps whatever system it was given.
pub const ICD10CM: &str = "ICD-10-CM";
pub const SNOMED_CT: &str = "SNOMED CT";

/// What every clinical record carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemMeta {
    /// Assigned by the store (`PR000000001`, ...); empty until then.
    #[serde(default)]
    pub id: String,
    pub mrn: String,
    /// The visit it was recorded at, when there was one.
    #[serde(default)]
    pub encounter_id: Option<String>,
    /// Set while this item belongs to a surviving chart through a merge: the MRN it came from.
    #[serde(default)]
    pub moved_from: Option<String>,
    #[serde(default)]
    pub version: u64,
    #[serde(default)]
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl ItemMeta {
    /// A new record of `mrn`, not yet stored.
    pub fn new(mrn: &str, by: &str, at: DateTime<Utc>) -> ItemMeta {
        ItemMeta {
            id: String::new(),
            mrn: mrn.to_string(),
            encounter_id: None,
            moved_from: None,
            version: 0,
            recorded_by: by.to_string(),
            recorded_at: at,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    #[default]
    Active,
    Resolved,
    Inactive,
}

impl ProblemStatus {
    pub fn label(self) -> &'static str {
        match self {
            ProblemStatus::Active => "active",
            ProblemStatus::Resolved => "resolved",
            ProblemStatus::Inactive => "inactive",
        }
    }
}

/// A problem or diagnosis, coded as given (ICD-10-CM, SNOMED CT, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub meta: ItemMeta,
    #[serde(default)]
    pub code_system: String,
    #[serde(default)]
    pub code: String,
    pub display: String,
    #[serde(default)]
    pub onset: Option<NaiveDate>,
    #[serde(default)]
    pub status: ProblemStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

/// How dangerous a future exposure would be (FHIR's criticality), apart from how bad the last
/// reaction was.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    Low,
    High,
    #[default]
    UnableToAssess,
}

impl Criticality {
    pub fn label(self) -> &'static str {
        match self {
            Criticality::Low => "low",
            Criticality::High => "high",
            Criticality::UnableToAssess => "unable to assess",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergyStatus {
    #[default]
    Active,
    Inactive,
    EnteredInError,
}

impl AllergyStatus {
    pub fn label(self) -> &'static str {
        match self {
            AllergyStatus::Active => "active",
            AllergyStatus::Inactive => "inactive",
            AllergyStatus::EnteredInError => "entered in error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    pub meta: ItemMeta,
    pub substance: String,
    #[serde(default)]
    pub reaction: Option<String>,
    /// None: the severity was not recorded.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub criticality: Criticality,
    #[serde(default)]
    pub status: AllergyStatus,
    #[serde(default)]
    pub recorded: Option<NaiveDate>,
}

impl Allergy {
    /// Worth the error style: a severe reaction, or high criticality.
    pub fn is_dangerous(&self) -> bool {
        self.severity == Some(Severity::Severe) || self.criticality == Criticality::High
    }
}

/// "Asked, and the patient has no known allergies." Entered in error withdraws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoKnownAllergies {
    pub meta: ItemMeta,
    #[serde(default)]
    pub recorded: Option<NaiveDate>,
    #[serde(default)]
    pub status: AllergyStatus,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicationStatus {
    #[default]
    Active,
    Stopped,
    Completed,
}

impl MedicationStatus {
    pub fn label(self) -> &'static str {
        match self {
            MedicationStatus::Active => "active",
            MedicationStatus::Stopped => "stopped",
            MedicationStatus::Completed => "completed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Medication {
    pub meta: ItemMeta,
    pub medication: String,
    /// Dose, route and frequency as written ("25 mg by mouth twice daily").
    #[serde(default)]
    pub dosage: String,
    #[serde(default)]
    pub status: MedicationStatus,
    #[serde(default)]
    pub start: Option<NaiveDate>,
    #[serde(default)]
    pub prescriber: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImmunizationStatus {
    #[default]
    Completed,
    NotDone,
}

impl ImmunizationStatus {
    pub fn label(self) -> &'static str {
        match self {
            ImmunizationStatus::Completed => "completed",
            ImmunizationStatus::NotDone => "not done",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Immunization {
    pub meta: ItemMeta,
    pub vaccine: String,
    /// CDC vaccine code (CVX), when known.
    #[serde(default)]
    pub cvx: Option<String>,
    pub date: NaiveDate,
    #[serde(default)]
    pub status: ImmunizationStatus,
}

/// One stored clinical record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalItem {
    Problem(Problem),
    Allergy(Allergy),
    NoKnownAllergies(NoKnownAllergies),
    Medication(Medication),
    Immunization(Immunization),
}

impl ClinicalItem {
    pub fn meta(&self) -> &ItemMeta {
        match self {
            ClinicalItem::Problem(x) => &x.meta,
            ClinicalItem::Allergy(x) => &x.meta,
            ClinicalItem::NoKnownAllergies(x) => &x.meta,
            ClinicalItem::Medication(x) => &x.meta,
            ClinicalItem::Immunization(x) => &x.meta,
        }
    }

    pub fn meta_mut(&mut self) -> &mut ItemMeta {
        match self {
            ClinicalItem::Problem(x) => &mut x.meta,
            ClinicalItem::Allergy(x) => &mut x.meta,
            ClinicalItem::NoKnownAllergies(x) => &mut x.meta,
            ClinicalItem::Medication(x) => &mut x.meta,
            ClinicalItem::Immunization(x) => &mut x.meta,
        }
    }

    /// The start of the item's id: which kind it is at a glance.
    pub fn id_prefix(&self) -> &'static str {
        match self {
            ClinicalItem::Problem(_) => "PR",
            ClinicalItem::Allergy(_) => "AL",
            ClinicalItem::NoKnownAllergies(_) => "NK",
            ClinicalItem::Medication(_) => "MD",
            ClinicalItem::Immunization(_) => "IM",
        }
    }
}

/// What the allergy list says as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergyListStatus {
    /// Nobody has recorded allergies or their absence.
    #[default]
    NotRecorded,
    /// "No known allergies" was recorded and no active allergy since.
    NoKnownAllergies,
    /// Allergies are recorded, none of them active.
    NoActiveAllergies,
    /// At least one active allergy.
    Allergies,
}

/// A chart's clinical summary as the Summary tab shows it. Built from the stored items by
/// [`ClinicalSummary::from_items`], which puts each list in the order the screen wants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClinicalSummary {
    pub problems: Vec<Problem>,
    /// Without those entered in error.
    pub allergies: Vec<Allergy>,
    pub allergy_status: AllergyListStatus,
    pub medications: Vec<Medication>,
    pub immunizations: Vec<Immunization>,
}

/// Newest first, undated last.
fn newest_first(d: Option<NaiveDate>) -> (bool, Reverse<Option<NaiveDate>>) {
    (d.is_none(), Reverse(d))
}

impl ClinicalSummary {
    pub fn from_items(items: impl IntoIterator<Item = ClinicalItem>) -> ClinicalSummary {
        let mut s = ClinicalSummary::default();
        let mut nka = false;
        let mut any_allergy = false;
        for item in items {
            match item {
                ClinicalItem::Problem(p) => s.problems.push(p),
                ClinicalItem::Allergy(a) if a.status == AllergyStatus::EnteredInError => {}
                ClinicalItem::Allergy(a) => {
                    any_allergy = true;
                    s.allergies.push(a);
                }
                ClinicalItem::NoKnownAllergies(n) => {
                    nka |= n.status == AllergyStatus::Active;
                }
                ClinicalItem::Medication(m) => s.medications.push(m),
                ClinicalItem::Immunization(i) => s.immunizations.push(i),
            }
        }
        // Active problems first, each group newest onset first.
        s.problems.sort_by(|a, b| {
            (a.status != ProblemStatus::Active, newest_first(a.onset))
                .cmp(&(b.status != ProblemStatus::Active, newest_first(b.onset)))
                .then_with(|| a.display.cmp(&b.display))
        });
        // Active allergies first, the most dangerous first.
        s.allergies.sort_by(|a, b| {
            let key = |x: &Allergy| {
                (
                    x.status != AllergyStatus::Active,
                    Reverse(x.severity),
                    x.criticality != Criticality::High,
                )
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| a.substance.to_lowercase().cmp(&b.substance.to_lowercase()))
        });
        s.medications.sort_by(|a, b| {
            (a.status != MedicationStatus::Active, newest_first(a.start))
                .cmp(&(b.status != MedicationStatus::Active, newest_first(b.start)))
                .then_with(|| a.medication.cmp(&b.medication))
        });
        s.immunizations
            .sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.vaccine.cmp(&b.vaccine)));
        s.allergy_status = if s
            .allergies
            .iter()
            .any(|a| a.status == AllergyStatus::Active)
        {
            AllergyListStatus::Allergies
        } else if nka {
            AllergyListStatus::NoKnownAllergies
        } else if any_allergy {
            AllergyListStatus::NoActiveAllergies
        } else {
            AllergyListStatus::NotRecorded
        };
        s
    }

    pub fn active_problems(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.status == ProblemStatus::Active)
    }

    /// Active allergies, the most dangerous first.
    pub fn active_allergies(&self) -> impl Iterator<Item = &Allergy> {
        self.allergies
            .iter()
            .filter(|a| a.status == AllergyStatus::Active)
    }

    pub fn active_medications(&self) -> impl Iterator<Item = &Medication> {
        self.medications
            .iter()
            .filter(|m| m.status == MedicationStatus::Active)
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
            && self.allergies.is_empty()
            && self.medications.is_empty()
            && self.immunizations.is_empty()
            && self.allergy_status == AllergyListStatus::NotRecorded
    }

    /// Whether the banner should draw attention (an active severe or high-criticality allergy).
    pub fn has_dangerous_allergy(&self) -> bool {
        self.active_allergies().any(Allergy::is_dangerous)
    }

    /// The allergies in at most `width` display columns, for the banner: `NKA`, `Allergies not
    /// recorded`, `No active allergies`, or the active ones most dangerous first
    /// (`penicillin (severe), latex +2`), as many whole as fit and the rest counted. Data
    /// passes through [`crate::sanitize::sanitize`] before it is measured.
    pub fn banner_allergies(&self, width: usize) -> String {
        let fixed = match self.allergy_status {
            AllergyListStatus::NotRecorded => Some("Allergies not recorded"),
            AllergyListStatus::NoKnownAllergies => Some("NKA"),
            AllergyListStatus::NoActiveAllergies => Some("No active allergies"),
            AllergyListStatus::Allergies => None,
        };
        if let Some(text) = fixed {
            return fit(text, width);
        }
        let parts: Vec<String> = self
            .active_allergies()
            .map(|a| {
                let name = crate::sanitize::sanitize(a.substance.trim()).into_owned();
                match a.severity {
                    Some(s) => format!("{name} ({})", s.label()),
                    None => name,
                }
            })
            .collect();
        let total = parts.len();
        let mut out = String::new();
        for (i, part) in parts.iter().enumerate() {
            let candidate = if out.is_empty() {
                part.clone()
            } else {
                format!("{out}, {part}")
            };
            let left = total - i - 1;
            let suffix = if left > 0 {
                format!(" +{left}")
            } else {
                String::new()
            };
            if candidate.width() + suffix.width() <= width {
                out = candidate;
                continue;
            }
            if out.is_empty() {
                // Not even the first fits whole: cut it, and count the rest.
                let room = width.saturating_sub(suffix.width());
                if room >= 2 {
                    return format!("{}{suffix}", fit(part, room));
                }
                return fit(part, width);
            }
            // This one does not fit whole: it and the rest are counted.
            let more = format!(" +{}", total - i);
            if out.width() + more.width() <= width {
                return format!("{out}{more}");
            }
            return fit(&format!("{out}{more}"), width);
        }
        out
    }
}

/// `s` cut to `width` display columns, with `…` where it was cut.
pub fn fit(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn meta() -> ItemMeta {
        ItemMeta::new(
            "00000018",
            "test",
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        )
    }

    fn problem(display: &str, onset: Option<NaiveDate>, status: ProblemStatus) -> ClinicalItem {
        ClinicalItem::Problem(Problem {
            meta: meta(),
            code_system: ICD10CM.into(),
            code: "X".into(),
            display: display.into(),
            onset,
            status,
        })
    }

    fn allergy(
        substance: &str,
        severity: Option<Severity>,
        criticality: Criticality,
        status: AllergyStatus,
    ) -> ClinicalItem {
        ClinicalItem::Allergy(Allergy {
            meta: meta(),
            substance: substance.into(),
            reaction: None,
            severity,
            criticality,
            status,
            recorded: None,
        })
    }

    fn nka(status: AllergyStatus) -> ClinicalItem {
        ClinicalItem::NoKnownAllergies(NoKnownAllergies {
            meta: meta(),
            recorded: None,
            status,
        })
    }

    fn active(substance: &str, severity: Option<Severity>) -> ClinicalItem {
        allergy(substance, severity, Criticality::Low, AllergyStatus::Active)
    }

    #[test]
    fn active_problems_come_first_then_the_rest_newest_first() {
        use ProblemStatus::*;
        let s = ClinicalSummary::from_items([
            problem("old resolved", Some(d(2010, 1, 1)), Resolved),
            problem("hypertension", Some(d(2015, 3, 1)), Active),
            problem("undated active", None, Active),
            problem("diabetes", Some(d(2020, 6, 1)), Active),
            problem("inactive recent", Some(d(2025, 1, 1)), Inactive),
        ]);
        let order: Vec<&str> = s.problems.iter().map(|p| p.display.as_str()).collect();
        assert_eq!(
            order,
            [
                "diabetes",
                "hypertension",
                "undated active",
                "inactive recent",
                "old resolved"
            ]
        );
        assert_eq!(s.active_problems().count(), 3);
    }

    #[test]
    fn allergies_sort_by_severity_and_hide_entered_in_error() {
        use Severity::*;
        let s = ClinicalSummary::from_items([
            active("latex", Some(Mild)),
            allergy(
                "codeine",
                Some(Severe),
                Criticality::Low,
                AllergyStatus::Inactive,
            ),
            active("Penicillin", Some(Severe)),
            active("shellfish", None),
            allergy(
                "peanut",
                Some(Moderate),
                Criticality::High,
                AllergyStatus::Active,
            ),
            active("aspirin", Some(Moderate)),
            allergy(
                "sulfa",
                Some(Severe),
                Criticality::High,
                AllergyStatus::EnteredInError,
            ),
        ]);
        let order: Vec<&str> = s.allergies.iter().map(|a| a.substance.as_str()).collect();
        assert_eq!(
            order,
            [
                "Penicillin",
                "peanut",
                "aspirin",
                "latex",
                "shellfish",
                "codeine"
            ]
        );
        assert_eq!(s.active_allergies().count(), 5);
        assert!(s.has_dangerous_allergy());
    }

    #[test]
    fn the_allergy_list_says_whether_anyone_asked() {
        use AllergyListStatus::*;
        let cases: Vec<(Vec<ClinicalItem>, AllergyListStatus, &str)> = vec![
            (vec![], NotRecorded, "Allergies not recorded"),
            (vec![nka(AllergyStatus::Active)], NoKnownAllergies, "NKA"),
            // Withdrawn NKA is as good as never asked.
            (
                vec![nka(AllergyStatus::EnteredInError)],
                NotRecorded,
                "Allergies not recorded",
            ),
            (
                vec![allergy(
                    "codeine",
                    Some(Severity::Mild),
                    Criticality::Low,
                    AllergyStatus::Inactive,
                )],
                NoActiveAllergies,
                "No active allergies",
            ),
            (
                vec![allergy(
                    "codeine",
                    None,
                    Criticality::Low,
                    AllergyStatus::EnteredInError,
                )],
                NotRecorded,
                "Allergies not recorded",
            ),
            // An allergy recorded after NKA wins: the list is the safer answer.
            (
                vec![nka(AllergyStatus::Active), active("latex", None)],
                Allergies,
                "latex",
            ),
        ];
        for (items, status, banner) in cases {
            let s = ClinicalSummary::from_items(items.clone());
            assert_eq!(s.allergy_status, status, "{items:?}");
            assert_eq!(s.banner_allergies(60), banner, "{items:?}");
        }
    }

    #[test]
    fn banner_allergies_fit_their_width() {
        use Severity::*;
        let s = ClinicalSummary::from_items([
            active("latex", None),
            active("penicillin", Some(Severe)),
            active("shellfish", Some(Mild)),
            active("ibuprofen", Some(Mild)),
        ]);
        for (width, want) in [
            (
                80,
                "penicillin (severe), ibuprofen (mild), shellfish (mild), latex",
            ),
            (
                62,
                "penicillin (severe), ibuprofen (mild), shellfish (mild), latex",
            ),
            (
                61,
                "penicillin (severe), ibuprofen (mild), shellfish (mild) +1",
            ),
            (
                58,
                "penicillin (severe), ibuprofen (mild), shellfish (mild) +1",
            ),
            (57, "penicillin (severe), ibuprofen (mild) +2"),
            (40, "penicillin (severe), ibuprofen (mild) +2"),
            (39, "penicillin (severe) +3"),
            (30, "penicillin (severe) +3"),
            (22, "penicillin (severe) +3"),
            (21, "penicillin (sever… +3"),
            (4, "pen…"),
            (0, ""),
        ] {
            let got = s.banner_allergies(width);
            assert_eq!(got, want, "width {width}");
            assert!(got.width() <= width, "width {width}: {got}");
        }
        let nothing = ClinicalSummary::default();
        assert_eq!(nothing.banner_allergies(10), "Allergies…");
    }

    #[test]
    fn banner_allergies_are_sanitised_and_measured_in_columns() {
        let s = ClinicalSummary::from_items([
            active("\u{1b}[2Jlatex\u{202E}", Some(Severity::Severe)),
            active("青霉素", Some(Severity::Moderate)),
        ]);
        let got = s.banner_allergies(80);
        assert!(
            !got.contains('\u{1b}') && !got.contains('\u{202E}'),
            "{got}"
        );
        assert!(got.contains("latex"), "{got}");
        // Two columns per CJK character: "青霉素 (moderate)" is 17 columns, not 14.
        let narrow = s.banner_allergies(got.width() - 1);
        assert!(narrow.ends_with(" +1"), "{narrow}");
        assert!(narrow.width() < got.width());
    }

    #[test]
    fn medications_active_first_and_immunizations_newest_first() {
        let med = |name: &str, status, start| {
            ClinicalItem::Medication(Medication {
                meta: meta(),
                medication: name.into(),
                dosage: String::new(),
                status,
                start,
                prescriber: None,
            })
        };
        let shot = |name: &str, date| {
            ClinicalItem::Immunization(Immunization {
                meta: meta(),
                vaccine: name.into(),
                cvx: None,
                date,
                status: ImmunizationStatus::Completed,
            })
        };
        use MedicationStatus::*;
        let s = ClinicalSummary::from_items([
            med("amoxicillin", Completed, Some(d(2025, 1, 1))),
            med("metformin", Active, Some(d(2019, 1, 1))),
            med("lisinopril", Active, Some(d(2021, 1, 1))),
            med("prednisone", Stopped, Some(d(2024, 1, 1))),
            shot("influenza", d(2025, 10, 1)),
            shot("Tdap", d(2019, 5, 1)),
            shot("COVID-19", d(2024, 9, 1)),
        ]);
        let meds: Vec<&str> = s
            .medications
            .iter()
            .map(|m| m.medication.as_str())
            .collect();
        assert_eq!(
            meds,
            ["lisinopril", "metformin", "amoxicillin", "prednisone"]
        );
        assert_eq!(s.active_medications().count(), 2);
        let shots: Vec<&str> = s.immunizations.iter().map(|i| i.vaccine.as_str()).collect();
        assert_eq!(shots, ["influenza", "COVID-19", "Tdap"]);
        assert!(!s.is_empty());
        assert!(ClinicalSummary::default().is_empty());
    }

    #[test]
    fn fit_cuts_by_display_columns() {
        for (s, w, want) in [
            ("abc", 3, "abc"),
            ("abcd", 3, "ab…"),
            ("青霉素", 5, "青霉…"),
            ("青霉素", 4, "青…"),
            ("x", 0, ""),
        ] {
            assert_eq!(fit(s, w), want, "{s} in {w}");
        }
    }
}
