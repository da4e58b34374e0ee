//! Master patient index clean-up: pairs of charts that may be one patient (found by the
//! duplicate scan, or by a registration made over a likely match), the decisions on them, and
//! the record of each merge, which is what lets a supervisor undo it.
//!
//! The rules here are plain functions (which decision is allowed from which state, who
//! survives, which fields differ); the service checks permissions and does the writes.

use super::patient::{Patient, Sensitivity};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Found, nobody has looked yet.
    Open,
    /// Someone is finding out (calling the patient, checking paper records).
    NeedsResearch,
    /// An analyst asks for a merge; a supervisor approves it.
    MergeRequested,
    /// Not the same patient. Remembered: later scans do not bring the pair back.
    NotDuplicate,
    /// Merged; a supervisor may undo it.
    Merged,
    /// One of the two charts was merged into a third through another case.
    Superseded,
}

impl CaseStatus {
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::NeedsResearch => "research",
            CaseStatus::MergeRequested => "merge asked",
            CaseStatus::NotDuplicate => "not dup",
            CaseStatus::Merged => "merged",
            CaseStatus::Superseded => "superseded",
        }
    }

    /// Still waiting for a decision: the two charts show as possible duplicates in search.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            CaseStatus::Open | CaseStatus::NeedsResearch | CaseStatus::MergeRequested
        )
    }
}

/// What a reviewer decides on a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseDecision {
    NotDuplicate,
    NeedsResearch,
    /// An analyst's request; `survivor` is the chart that stays.
    RequestMerge {
        survivor: String,
    },
    /// A supervisor's approval: the merge is carried out.
    Merge {
        survivor: String,
    },
    /// A supervisor takes a merge back.
    UndoMerge,
    /// A pair remembered as "not a duplicate" is looked at again.
    Reopen,
}

impl CaseDecision {
    /// Decisions that must say why (they are what an auditor asks about later).
    pub fn needs_note(&self) -> bool {
        matches!(
            self,
            CaseDecision::NotDuplicate
                | CaseDecision::NeedsResearch
                | CaseDecision::UndoMerge
                | CaseDecision::Reopen
        )
    }

    /// Whether carrying it out needs a supervisor (merge approval).
    pub fn needs_approver(&self) -> bool {
        matches!(self, CaseDecision::Merge { .. } | CaseDecision::UndoMerge)
    }

    pub fn label(&self) -> &'static str {
        match self {
            CaseDecision::NotDuplicate => "not a duplicate",
            CaseDecision::NeedsResearch => "needs research",
            CaseDecision::RequestMerge { .. } => "merge requested",
            CaseDecision::Merge { .. } => "merged",
            CaseDecision::UndoMerge => "merge undone",
            CaseDecision::Reopen => "reopened",
        }
    }
}

/// One step in a case's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    pub status: CaseStatus,
    pub note: String,
}

/// Two charts that may be one patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCase {
    /// `a~b`, with `a < b`: the same pair always has the same id.
    pub id: String,
    pub a: String,
    pub b: String,
    /// The matcher's weight; None when the case came from a registration.
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub very_likely: bool,
    pub status: CaseStatus,
    /// The chart proposed to stay (merge requested) or that stayed (merged).
    #[serde(default)]
    pub survivor: Option<String>,
    /// The merge carried out for this case, for undo.
    #[serde(default)]
    pub merge_id: Option<u64>,
    /// How the pair was found, in words.
    pub found: String,
    pub history: Vec<CaseEvent>,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// The id and ordered pair for two MRNs.
pub fn case_key(x: &str, y: &str) -> (String, String, String) {
    let (a, b) = if x <= y { (x, y) } else { (y, x) };
    (format!("{a}~{b}"), a.to_string(), b.to_string())
}

impl DuplicateCase {
    pub fn new(
        x: &str,
        y: &str,
        weight: Option<f64>,
        very_likely: bool,
        found: &str,
        at: DateTime<Utc>,
        by: &str,
    ) -> DuplicateCase {
        let (id, a, b) = case_key(x, y);
        DuplicateCase {
            id,
            a,
            b,
            weight,
            very_likely,
            status: CaseStatus::Open,
            survivor: None,
            merge_id: None,
            found: found.to_string(),
            history: vec![CaseEvent {
                at,
                by: by.to_string(),
                status: CaseStatus::Open,
                note: found.to_string(),
            }],
            version: 0,
            updated_at: at,
            updated_by: by.to_string(),
        }
    }

    /// The chart that is not `mrn`.
    pub fn other(&self, mrn: &str) -> &str {
        if self.a == mrn { &self.b } else { &self.a }
    }

    /// Records `decision` after checking it is allowed from the current state; the service has
    /// checked the permission and (for a merge) carried it out in the same transaction.
    pub fn apply(
        &mut self,
        decision: &CaseDecision,
        note: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        let note = note.trim();
        if decision.needs_note() && note.is_empty() {
            return Err(format!(
                "say why ({}): a note is required",
                decision.label()
            ));
        }
        let status = next_status(self.status, decision)?;
        match decision {
            CaseDecision::RequestMerge { survivor } | CaseDecision::Merge { survivor } => {
                if survivor != &self.a && survivor != &self.b {
                    return Err(format!(
                        "the surviving chart must be {} or {}, not {survivor}",
                        self.a, self.b
                    ));
                }
                self.survivor = Some(survivor.clone());
            }
            CaseDecision::UndoMerge | CaseDecision::NotDuplicate | CaseDecision::Reopen => {
                self.survivor = None;
            }
            CaseDecision::NeedsResearch => {}
        }
        let mut text = decision.label().to_string();
        if let Some(s) = &self.survivor {
            text.push_str(&format!(" (survivor {s})"));
        }
        if !note.is_empty() {
            text.push_str(": ");
            text.push_str(&note.chars().take(300).collect::<String>());
        }
        self.status = status;
        self.history.push(CaseEvent {
            at,
            by: by.to_string(),
            status,
            note: text,
        });
        self.updated_at = at;
        self.updated_by = by.to_string();
        Ok(())
    }
}

/// Where `decision` leads from `current`, or why it cannot be taken, in words.
pub fn next_status(current: CaseStatus, decision: &CaseDecision) -> Result<CaseStatus, String> {
    use CaseStatus::*;
    let to = match (current, decision) {
        (Open | NeedsResearch | MergeRequested, CaseDecision::NotDuplicate) => NotDuplicate,
        (Open | NeedsResearch | MergeRequested, CaseDecision::NeedsResearch) => NeedsResearch,
        (Open | NeedsResearch, CaseDecision::RequestMerge { .. }) => MergeRequested,
        (Open | NeedsResearch | MergeRequested, CaseDecision::Merge { .. }) => Merged,
        (Merged, CaseDecision::UndoMerge) => NeedsResearch,
        (NotDuplicate | Superseded, CaseDecision::Reopen) => Open,
        (MergeRequested, CaseDecision::RequestMerge { .. }) => {
            return Err("a merge is already waiting for a supervisor's approval".into());
        }
        (Merged, _) => {
            return Err("these charts are merged; a supervisor can undo the merge".into());
        }
        (NotDuplicate, _) => {
            return Err("this pair was decided not to be a duplicate; reopen it first".into());
        }
        (Superseded, _) => {
            return Err(
                "one of these charts was merged into another; review the surviving chart".into(),
            );
        }
        (_, CaseDecision::UndoMerge) => return Err("there is no merge to undo".into()),
        (_, CaseDecision::Reopen) => return Err("this case is already open".into()),
    };
    Ok(to)
}

/// What a new scan does with a pair it finds again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rescan {
    /// Not seen before: a new open case.
    New,
    /// Still waiting: keep the decisions so far, refresh the weight.
    Refresh,
    /// Decided (not a duplicate, merged): remembered, left alone.
    Keep,
    /// Was superseded by a merge that has since been undone: open again.
    Reopen,
}

pub fn on_rescan(existing: Option<&DuplicateCase>) -> Rescan {
    match existing.map(|c| c.status) {
        None => Rescan::New,
        Some(s) if s.is_active() => Rescan::Refresh,
        Some(CaseStatus::Superseded) => Rescan::Reopen,
        Some(_) => Rescan::Keep,
    }
}

/// The chart to keep when nobody says otherwise: the one with more encounters (less to move,
/// and usually the one clinicians know), then the older MRN.
pub fn default_survivor<'a>(a: (&'a str, usize), b: (&'a str, usize)) -> &'a str {
    match a.1.cmp(&b.1) {
        std::cmp::Ordering::Greater => a.0,
        std::cmp::Ordering::Less => b.0,
        std::cmp::Ordering::Equal => a.0.min(b.0),
    }
}

/// A merge as carried out: exactly what moved, so that undo moves back only that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRecord {
    pub id: u64,
    #[serde(default)]
    pub case_id: Option<String>,
    pub survivor: String,
    pub retired: String,
    pub encounters: Vec<String>,
    pub documents: Vec<String>,
    /// Clinical summary items (problems, allergies, medications, immunizations) moved.
    #[serde(default)]
    pub clinical: Vec<String>,
    pub at: DateTime<Utc>,
    pub by: String,
    #[serde(default)]
    pub requested_by: Option<String>,
    #[serde(default)]
    pub undone: Option<MergeUndo>,
    /// Amendment requests of the retired chart that moved with it.
    #[serde(default)]
    pub amendments: Vec<String>,
    /// Moved encounters that took the retired chart's category as their own flag (see
    /// [`merged_sensitivity`]); undo clears exactly these.
    #[serde(default)]
    pub flagged_encounters: Vec<String>,
    /// The category the survivor took from the retired chart, when it had none; undo clears
    /// it again (unless compliance changed it since).
    #[serde(default)]
    pub survivor_flagged: Option<Sensitivity>,
    /// Release-of-information requests, disclosures and accountings of the retired chart
    /// that moved with it.
    #[serde(default)]
    pub roi_requests: Vec<String>,
    #[serde(default)]
    pub disclosures: Vec<String>,
    #[serde(default)]
    pub accountings: Vec<String>,
}

/// What a merge does with the retired chart's sensitivity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergedSensitivity {
    /// The survivor's chart flag after the merge.
    pub survivor: Option<Sensitivity>,
    /// The flag each moved encounter without one of its own takes.
    pub moved_encounters: Option<Sensitivity>,
}

/// The most protective reading that does not lock more than it must: a merge says the two
/// charts are one person, so a category about the person (employee, VIP) becomes the
/// survivor's when it has no flag of its own; a category about care (behavioral health,
/// Part 2, HIV, reproductive health) stays with the care that moved: every moved encounter
/// carries it as an encounter-level flag, so the survivor's other encounters open as before.
/// The moved encounters are flagged with a person category too, so they stay protected if
/// the survivor keeps a different flag that is later cleared. A survivor's own flag is
/// never changed.
pub fn merged_sensitivity(
    survivor: Option<Sensitivity>,
    retired: Option<Sensitivity>,
) -> MergedSensitivity {
    MergedSensitivity {
        survivor: survivor.or(retired.filter(|r| r.is_about_the_person())),
        moved_encounters: retired,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeUndo {
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// One row of the side-by-side view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldComparison {
    pub label: String,
    pub a: String,
    pub b: String,
    /// The values differ (after case and spacing are ignored).
    pub differs: bool,
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `***-**-1234`: screens show only the last four of an SSN.
pub fn mask_ssn(ssn: &str) -> String {
    let digits: Vec<char> = ssn.chars().filter(char::is_ascii_digit).collect();
    let last4: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("***-**-{last4}")
}

pub fn format_phone(digits: &str) -> String {
    let d: String = digits.chars().filter(char::is_ascii_digit).collect();
    if d.len() == 10 {
        format!("{}-{}-{}", &d[..3], &d[3..6], &d[6..])
    } else {
        d
    }
}

/// What a reviewer compares for two charts, field by field. The SSN is compared whole but
/// shown by its last four.
pub fn compare(a: &Patient, b: &Patient) -> Vec<FieldComparison> {
    let address = |p: &Patient| {
        p.address.as_ref().map_or_else(String::new, |ad| {
            format!("{}, {} {} {}", ad.line, ad.city, ad.state, ad.zip)
                .trim_matches([',', ' '])
                .to_string()
        })
    };
    let date =
        |d: Option<NaiveDate>| d.map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string());
    let row = |label: &str, x: String, y: String| FieldComparison {
        label: label.to_string(),
        differs: norm(&x) != norm(&y),
        a: x,
        b: y,
    };
    let mut rows = vec![
        row("Family name", a.family_name.clone(), b.family_name.clone()),
        row(
            "Given names",
            a.given_names.join(" "),
            b.given_names.join(" "),
        ),
        row("Date of birth", date(Some(a.dob)), date(Some(b.dob))),
        row("Sex", a.sex.letter().into(), b.sex.letter().into()),
    ];
    let ssn_a = a.ssn.as_deref().map(mask_ssn).unwrap_or_default();
    let ssn_b = b.ssn.as_deref().map(mask_ssn).unwrap_or_default();
    let digits = |s: &Option<String>| {
        s.as_deref()
            .map(|v| v.chars().filter(char::is_ascii_digit).collect::<String>())
    };
    rows.push(FieldComparison {
        label: "SSN".into(),
        differs: digits(&a.ssn) != digits(&b.ssn),
        a: ssn_a,
        b: ssn_b,
    });
    rows.push(row(
        "Phone",
        a.phone.as_deref().map(format_phone).unwrap_or_default(),
        b.phone.as_deref().map(format_phone).unwrap_or_default(),
    ));
    rows.push(row("Address", address(a), address(b)));
    rows.push(row("Deceased", date(a.deceased), date(b.deceased)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{Address, NewPatient, Sex};
    use chrono::TimeZone;

    fn t() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
    }

    fn merge(s: &str) -> CaseDecision {
        CaseDecision::Merge { survivor: s.into() }
    }
    fn request(s: &str) -> CaseDecision {
        CaseDecision::RequestMerge { survivor: s.into() }
    }

    #[test]
    fn decisions_allowed_from_each_state() {
        use CaseStatus::*;
        let cases: Vec<(CaseStatus, CaseDecision, Result<CaseStatus, &str>)> = vec![
            (Open, CaseDecision::NotDuplicate, Ok(NotDuplicate)),
            (Open, CaseDecision::NeedsResearch, Ok(NeedsResearch)),
            (Open, request("1"), Ok(MergeRequested)),
            (Open, merge("1"), Ok(Merged)),
            (Open, CaseDecision::UndoMerge, Err("no merge")),
            (Open, CaseDecision::Reopen, Err("already open")),
            (
                NeedsResearch,
                CaseDecision::NeedsResearch,
                Ok(NeedsResearch),
            ),
            (NeedsResearch, request("1"), Ok(MergeRequested)),
            (NeedsResearch, CaseDecision::NotDuplicate, Ok(NotDuplicate)),
            (MergeRequested, merge("1"), Ok(Merged)),
            (MergeRequested, request("1"), Err("already waiting")),
            (MergeRequested, CaseDecision::NotDuplicate, Ok(NotDuplicate)),
            (
                MergeRequested,
                CaseDecision::NeedsResearch,
                Ok(NeedsResearch),
            ),
            (Merged, CaseDecision::UndoMerge, Ok(NeedsResearch)),
            (Merged, CaseDecision::NotDuplicate, Err("undo the merge")),
            (Merged, merge("1"), Err("undo the merge")),
            (NotDuplicate, CaseDecision::Reopen, Ok(Open)),
            (NotDuplicate, merge("1"), Err("reopen it first")),
            (Superseded, CaseDecision::Reopen, Ok(Open)),
            (Superseded, request("1"), Err("surviving chart")),
        ];
        for (from, d, want) in cases {
            let got = next_status(from, &d);
            match (want, got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{from:?} + {d:?}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{from:?} + {d:?}: {g}"),
                (w, g) => panic!("{from:?} + {d:?}: wanted {w:?}, got {g:?}"),
            }
        }
    }

    #[test]
    fn applying_keeps_history_and_checks_note_and_survivor() {
        let mut c = DuplicateCase::new(
            "0000020",
            "0000013",
            Some(20.5),
            true,
            "scan",
            t(),
            "system",
        );
        assert_eq!((c.a.as_str(), c.b.as_str()), ("0000013", "0000020"));
        assert_eq!(c.id, "0000013~0000020");
        assert!(
            c.apply(&CaseDecision::NotDuplicate, "  ", "analyst", t())
                .unwrap_err()
                .contains("note is required")
        );
        assert!(
            c.apply(&request("0000099"), "", "analyst", t())
                .unwrap_err()
                .contains("must be 0000013 or 0000020")
        );
        c.apply(&request("0000020"), "", "analyst", t()).unwrap();
        assert_eq!(c.status, CaseStatus::MergeRequested);
        assert_eq!(c.survivor.as_deref(), Some("0000020"));
        c.apply(&merge("0000020"), "same SSN and phone", "supervisor", t())
            .unwrap();
        c.apply(&CaseDecision::UndoMerge, "twins", "supervisor", t())
            .unwrap();
        assert_eq!(c.status, CaseStatus::NeedsResearch);
        assert_eq!(c.survivor, None);
        let trail: Vec<(&str, CaseStatus)> = c
            .history
            .iter()
            .map(|e| (e.by.as_str(), e.status))
            .collect();
        assert_eq!(
            trail,
            vec![
                ("system", CaseStatus::Open),
                ("analyst", CaseStatus::MergeRequested),
                ("supervisor", CaseStatus::Merged),
                ("supervisor", CaseStatus::NeedsResearch),
            ]
        );
        assert!(c.history[3].note.contains("twins"));
    }

    #[test]
    fn rescans_remember_decisions() {
        let mut c = DuplicateCase::new("1", "2", None, false, "scan", t(), "s");
        assert_eq!(on_rescan(None), Rescan::New);
        assert_eq!(on_rescan(Some(&c)), Rescan::Refresh);
        c.status = CaseStatus::NotDuplicate;
        assert_eq!(on_rescan(Some(&c)), Rescan::Keep);
        c.status = CaseStatus::Merged;
        assert_eq!(on_rescan(Some(&c)), Rescan::Keep);
        c.status = CaseStatus::Superseded;
        assert_eq!(on_rescan(Some(&c)), Rescan::Reopen);
    }

    #[test]
    fn survivor_is_the_busier_chart_then_the_older_mrn() {
        for (a, b, want) in [
            (("0000013", 5), ("0000020", 2), "0000013"),
            (("0000013", 1), ("0000020", 2), "0000020"),
            (("0000020", 3), ("0000013", 3), "0000013"),
        ] {
            assert_eq!(default_survivor(a, b), want, "{a:?} {b:?}");
        }
    }

    #[test]
    fn comparison_marks_what_differs_and_masks_the_ssn() {
        let base = NewPatient {
            family_name: "Smith".into(),
            given_names: vec!["John".into()],
            dob: NaiveDate::from_ymd_opt(1980, 3, 4).unwrap(),
            sex: Sex::Male,
            address: Some(Address {
                line: "12 Oak St".into(),
                city: "Salem".into(),
                state: "OR".into(),
                zip: "97301".into(),
            }),
            phone: Some("5035550101".into()),
            ssn: Some("123-45-6789".into()),
            details: Default::default(),
        };
        let a = Patient::from_new("0000013".into(), &base, t(), "r");
        let mut other = base.clone();
        other.family_name = "SMITH ".into();
        other.given_names = vec!["Jon".into()];
        other.ssn = Some("123456789".into());
        other.phone = None;
        let b = Patient::from_new("0000020".into(), &other, t(), "r");
        let rows = compare(&a, &b);
        let differs: Vec<(&str, bool)> =
            rows.iter().map(|r| (r.label.as_str(), r.differs)).collect();
        assert_eq!(
            differs,
            vec![
                ("Family name", false),
                ("Given names", true),
                ("Date of birth", false),
                ("Sex", false),
                ("SSN", false),
                ("Phone", true),
                ("Address", false),
                ("Deceased", false),
            ]
        );
        let ssn = rows.iter().find(|r| r.label == "SSN").unwrap();
        assert_eq!(ssn.a, "***-**-6789");
        assert!(!ssn.a.contains("12345"));
        assert_eq!(rows[5].a, "503-555-0101");
    }

    #[test]
    fn merged_sensitivity_keeps_each_flag_where_it_belongs() {
        use Sensitivity::*;
        for (survivor, retired, want_survivor, want_encounters) in [
            (None, None, None, None),
            (Some(Hiv), None, Some(Hiv), None),
            (None, Some(Vip), Some(Vip), Some(Vip)),
            (None, Some(Employee), Some(Employee), Some(Employee)),
            (
                None,
                Some(SubstanceUseDisorder),
                None,
                Some(SubstanceUseDisorder),
            ),
            (None, Some(BehavioralHealth), None, Some(BehavioralHealth)),
            (Some(Vip), Some(Hiv), Some(Vip), Some(Hiv)),
            (Some(Hiv), Some(Employee), Some(Hiv), Some(Employee)),
        ] {
            assert_eq!(
                merged_sensitivity(survivor, retired),
                MergedSensitivity {
                    survivor: want_survivor,
                    moved_encounters: want_encounters
                },
                "{survivor:?} <- {retired:?}"
            );
        }
    }
}
