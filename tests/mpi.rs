//! Master patient index clean-up end to end on a real database: demographic corrections with
//! versions and history, the duplicate work list and its remembered decisions, merges that
//! move encounters and documents and can be undone, and who may do which.

mod common;

use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::mpi::{CaseDecision, CaseStatus};
use chartroom::domain::patient::{
    Address, EncounterClass, Identifier, NewPatient, Phone, PhoneUse, Sex,
};
use chartroom::service::{Records, Screen, ServiceError};
use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
use chrono::NaiveDate;
use common::{Fixture, fixture};
use proptest::prelude::*;
use std::time::Duration;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn person(family: &str, given: &str, ssn: &str, phone: &str) -> NewPatient {
    NewPatient {
        family_name: family.into(),
        given_names: vec![given.into()],
        dob: date(1971, 5, 9),
        sex: Sex::Female,
        address: Some(Address {
            line: "14 Quarry Rd".into(),
            city: "Burns".into(),
            state: "OR".into(),
            zip: "97720".into(),
        }),
        phone: Some(phone.into()),
        ssn: Some(ssn.into()),
        details: Default::default(),
    }
}

fn with_visits(p: NewPatient, visits: &[(i32, u32, u32)]) -> SynthPatient {
    SynthPatient {
        patient: p,
        deceased: None,
        sensitivity: None,
        near_duplicate_of: None,
        encounters: visits
            .iter()
            .map(|&(y, m, d)| SynthEncounter {
                class: EncounterClass::Outpatient,
                admitted: date(y, m, d),
                discharged: Some(date(y, m, d)),
                location: "Clinic".into(),
                attending: "Dr. Test".into(),
                discharge_status: None,
                documents: vec![SynthDocument {
                    kind: "Progress note".into(),
                    author: "Dr. Test".into(),
                    written: date(y, m, d),
                    text: "Seen today.".into(),
                }],
            })
            .collect(),
        clinical: Vec::new(),
    }
}

/// Two charts of one woman (a typo in the given name), and an unrelated patient.
fn two_charts_of_one_patient(f: &Fixture) -> (String, String, String) {
    let mrns = f
        .records
        .system_load_synthetic(&[
            with_visits(
                person("Halvorsen", "Ingrid", "212-55-1234", "5415550123"),
                &[(2021, 3, 2), (2023, 8, 14), (2025, 1, 9)],
            ),
            with_visits(
                person("Halvorsen", "Ingird", "212-55-1234", "5415550123"),
                &[(2024, 6, 1)],
            ),
            with_visits(
                NewPatient {
                    dob: date(1990, 1, 1),
                    ..person("Okonkwo", "Chidi", "301-22-9876", "5035550177")
                },
                &[(2022, 2, 2)],
            ),
        ])
        .unwrap();
    f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    (mrns[0].clone(), mrns[1].clone(), mrns[2].clone())
}

fn audit_actions(f: &Fixture) -> Vec<(String, AuditAction, Outcome, Option<String>)> {
    f.records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event.user,
                e.event.action,
                e.event.outcome,
                e.event.patient,
            )
        })
        .collect()
}

fn hit(
    f: &Fixture,
    who: &chartroom::service::SessionToken,
    q: &str,
    mrn: &str,
) -> chartroom::domain::search::Hit {
    f.records
        .search(who, q, 50)
        .unwrap()
        .hits
        .into_iter()
        .find(|h| h.mrn == mrn)
        .unwrap_or_else(|| panic!("{q:?} does not find {mrn}"))
}

#[test]
fn corrections_are_new_versions_with_history_and_stale_edits_conflict() {
    let f = fixture();
    let (a, _, _) = two_charts_of_one_patient(&f);
    let reg = f.login("registrar");
    let chart = f.records.open_chart(&reg, &a).unwrap();
    let v1 = chart.patient.version;
    let mut edit = person("Halvorsen", "Ingrid", "212-55-1234", "5415550999");
    edit.details.other_phones = vec![Phone {
        use_: PhoneUse::Mobile,
        number: "5415550888".into(),
    }];
    edit.details.identifiers = vec![Identifier {
        kind: "DL".into(),
        value: "OR-7731002".into(),
    }];
    let saved = f
        .records
        .update_patient(&reg, &a, v1, edit.clone())
        .unwrap();
    assert_eq!(saved.version, v1 + 1);
    assert_eq!(saved.mrn, a);

    // A second clerk who started from the old version is told, not overwritten.
    let sup = f.login("supervisor");
    let stale = f
        .records
        .update_patient(
            &sup,
            &a,
            v1,
            person("Halvorsen", "Inga", "212-55-1234", "5415550123"),
        )
        .unwrap_err();
    match &stale {
        ServiceError::Conflict(m) => assert!(
            m.contains("changed by registrar at") && m.contains("reload"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    // Saving what is already there makes no version.
    assert!(matches!(
        f.records.update_patient(&reg, &a, v1 + 1, edit),
        Err(ServiceError::Invalid(m)) if m.contains("nothing was changed")
    ));

    let history = f.records.patient_history(&reg, &a).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].phone.as_deref(), Some("5415550999"));
    assert_eq!(history[1].phone.as_deref(), Some("5415550123"));
    assert_eq!(
        history[1].changed_fields(&history[0]),
        vec!["phone", "other phones", "identifiers"]
    );
    let log = audit_actions(&f);
    assert!(log.iter().any(|(u, act, o, p)| u == "registrar"
        && *act == AuditAction::DemographicsChanged
        && *o == Outcome::Success
        && p.as_deref() == Some(a.as_str())));
    assert!(log.iter().any(
        |(_, act, _, p)| *act == AuditAction::DemographicHistoryViewed
            && p.as_deref() == Some(a.as_str())
    ));
    let entry = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .find(|e| e.event.action == AuditAction::DemographicsChanged)
        .unwrap();
    assert!(
        entry.event.reason.contains("phone"),
        "{}",
        entry.event.reason
    );
    assert!(
        !entry.event.reason.contains("5415550999"),
        "no values in the trail"
    );

    // The new numbers are found at once: the main phone, the mobile, the licence.
    for q in ["5415550999", "541 555 0888", "OR7731002", "or-7731002"] {
        assert_eq!(
            hit(&f, &reg, q, &a).kind,
            chartroom::domain::search::MatchKind::Identifier,
            "{q}"
        );
    }
    // Billing reads charts but corrects nothing.
    let billing = f.login("billing");
    assert!(matches!(
        f.records.update_patient(
            &billing,
            &a,
            v1 + 1,
            person("X", "Y", "212-55-1234", "5415550123")
        ),
        Err(ServiceError::NotPermitted(_))
    ));
}

#[test]
fn the_scan_fills_the_work_list_and_remembers_not_a_duplicate() {
    let f = fixture();
    let (a, b, c) = two_charts_of_one_patient(&f);
    let first = f.records.system_duplicate_scan().unwrap();
    assert_eq!(first.new_cases, 1, "{:?}", first.pairs);
    let analyst = f.login("analyst");
    let rows = f.records.duplicate_cases(&analyst, false).unwrap();
    assert_eq!(rows.len(), 1);
    let case = rows[0].case.clone();
    assert_eq!((case.a.as_str(), case.b.as_str()), (a.as_str(), b.as_str()));
    assert!(case.very_likely);
    assert!(!rows.iter().any(|r| r.case.a == c || r.case.b == c));

    // Search marks both charts as possible duplicates while the case is open.
    let reg = f.login("registrar");
    assert!(hit(&f, &reg, "halvorsen", &a).possible_duplicate);
    assert!(hit(&f, &reg, "halvorsen", &b).possible_duplicate);
    assert!(!hit(&f, &reg, "okonkwo", &c).possible_duplicate);

    // A decision needs a note; with one it is recorded and the marks go.
    assert!(matches!(
        f.records.decide_duplicate(&analyst, &case.id, case.version, CaseDecision::NotDuplicate, " "),
        Err(ServiceError::Invalid(m)) if m.contains("note is required")
    ));
    let decided = f
        .records
        .decide_duplicate(
            &analyst,
            &case.id,
            case.version,
            CaseDecision::NotDuplicate,
            "twins: birth certificates seen",
        )
        .unwrap();
    assert_eq!(decided.status, CaseStatus::NotDuplicate);
    assert!(!hit(&f, &reg, "halvorsen", &a).possible_duplicate);
    // A second reviewer working from the old version gets a conflict.
    let sup = f.login("supervisor");
    assert!(matches!(
        f.records.decide_duplicate(&sup, &case.id, case.version, CaseDecision::NeedsResearch, "call her"),
        Err(ServiceError::Conflict(m)) if m.contains("changed by analyst")
    ));

    // The next scan finds the pair again but leaves it as decided.
    let again = f.records.system_duplicate_scan().unwrap();
    assert_eq!((again.new_cases, again.remembered), (0, 1));
    assert!(
        f.records
            .duplicate_cases(&analyst, false)
            .unwrap()
            .is_empty()
    );
    let all = f.records.duplicate_cases(&analyst, true).unwrap();
    assert_eq!(all[0].case.status, CaseStatus::NotDuplicate);
    let log = audit_actions(&f);
    for mrn in [&a, &b] {
        assert!(log.iter().any(|(u, act, _, p)| u == "analyst"
            && *act == AuditAction::DuplicateDecided
            && p.as_deref() == Some(mrn.as_str())));
    }
}

/// A big scan commits its cases in batches, each audited; a second scan over them opens
/// nothing new.
#[test]
fn the_scan_writes_its_cases_in_audited_batches() {
    let f = fixture();
    f.records
        .system_load_synthetic(&[
            with_visits(
                person("Halvorsen", "Ingrid", "212-55-1234", "5415550123"),
                &[],
            ),
            with_visits(
                person("Halvorsen", "Ingird", "212-55-1234", "5415550123"),
                &[],
            ),
            with_visits(
                person("Halvorson", "Ingrid", "212-55-1234", "5415550123"),
                &[],
            ),
        ])
        .unwrap();
    f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    let scan_entries = |f: &Fixture| {
        f.records
            .system_audit_entries(1, 100_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.event.action == AuditAction::DuplicateScan)
            .map(|e| e.event.reason)
            .collect::<Vec<_>>()
    };
    let first = f.records.system_duplicate_scan_in_batches(2).unwrap();
    assert_eq!((first.pairs.len(), first.new_cases), (3, 3));
    let entries = scan_entries(&f);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries[0].contains("batch 1 of 2: 2 new"), "{entries:?}");
    assert!(entries[1].contains("batch 2 of 2: 1 new"), "{entries:?}");
    let analyst = f.login("analyst");
    assert_eq!(f.records.duplicate_cases(&analyst, false).unwrap().len(), 3);
    let again = f.records.system_duplicate_scan_in_batches(2).unwrap();
    assert_eq!(again.new_cases, 0);
    assert_eq!(f.records.duplicate_cases(&analyst, false).unwrap().len(), 3);
}

#[test]
fn analysts_ask_supervisors_merge_and_a_merge_can_be_undone() {
    let f = fixture();
    let (a, b, _) = two_charts_of_one_patient(&f);
    f.records.system_duplicate_scan().unwrap();
    let analyst = f.login("analyst");
    let sup = f.login("supervisor");
    let case = f.records.duplicate_cases(&analyst, false).unwrap()[0]
        .case
        .clone();

    // The side-by-side view: both charts read, and each read audited.
    let review = f.records.review_duplicate(&analyst, &case.id).unwrap();
    assert_eq!((review.a_encounters, review.b_encounters), (3, 1));
    let given = review
        .comparison
        .iter()
        .find(|r| r.label == "Given names")
        .unwrap();
    assert!(given.differs);
    assert!(
        review
            .comparison
            .iter()
            .find(|r| r.label == "SSN")
            .is_some_and(|r| !r.differs && r.a == "***-**-1234")
    );
    let reviewed: Vec<_> = audit_actions(&f)
        .into_iter()
        .filter(|(_, act, _, _)| *act == AuditAction::DuplicateReviewed)
        .collect();
    assert_eq!(reviewed.len(), 2);

    // An analyst cannot carry a merge out (refused and recorded), but can ask for one.
    assert!(matches!(
        f.records.decide_duplicate(
            &analyst,
            &case.id,
            case.version,
            CaseDecision::Merge {
                survivor: a.clone()
            },
            ""
        ),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(audit_actions(&f).iter().any(|(u, act, o, _)| u == "analyst"
        && *act == AuditAction::OperationDenied
        && *o == Outcome::Denied));
    let asked = f
        .records
        .decide_duplicate(
            &analyst,
            &case.id,
            case.version,
            CaseDecision::RequestMerge {
                survivor: a.clone(),
            },
            "same SSN, phone and address",
        )
        .unwrap();
    assert_eq!(asked.status, CaseStatus::MergeRequested);

    // The supervisor approves: B's encounter and document move to A.
    let merged = f
        .records
        .decide_duplicate(
            &sup,
            &case.id,
            asked.version,
            CaseDecision::Merge {
                survivor: a.clone(),
            },
            "",
        )
        .unwrap();
    assert_eq!(merged.status, CaseStatus::Merged);
    let clinician = f.login("clinician");
    let survivor = f.records.open_chart(&clinician, &a).unwrap();
    assert_eq!(survivor.encounters.len(), 4);
    assert_eq!(
        survivor
            .encounters
            .iter()
            .filter(|e| e.moved_from.as_deref() == Some(b.as_str()))
            .count(),
        1
    );
    // The retired chart stays readable and searchable, pointing at the survivor.
    let retired = f.records.open_chart(&clinician, &b).unwrap();
    assert_eq!(retired.patient.merged_into.as_deref(), Some(a.as_str()));
    assert!(retired.encounters.is_empty());
    let found = hit(&f, &clinician, "halvorsen ingird", &b);
    assert_eq!(found.merged_into.as_deref(), Some(a.as_str()));
    assert!(!found.possible_duplicate);
    // Nobody corrects a retired chart.
    let reg = f.login("registrar");
    assert!(matches!(
        f.records.update_patient(&reg, &b, retired.patient.version, person("Halvorsen", "Ingrid", "212-55-1234", "5415550123")),
        Err(ServiceError::Invalid(m)) if m.contains("merged into")
    ));
    let log = audit_actions(&f);
    for mrn in [&a, &b] {
        assert!(log.iter().any(|(u, act, _, p)| u == "supervisor"
            && *act == AuditAction::PatientsMerged
            && p.as_deref() == Some(mrn.as_str())));
    }
    let entry = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .find(|e| e.event.action == AuditAction::PatientsMerged)
        .unwrap();
    assert!(
        entry.event.reason.contains("requested by analyst"),
        "{}",
        entry.event.reason
    );

    // Undo: only a supervisor, with a reason; B gets its encounter back.
    assert!(matches!(
        f.records.decide_duplicate(
            &analyst,
            &case.id,
            merged.version,
            CaseDecision::UndoMerge,
            "wrong"
        ),
        Err(ServiceError::NotPermitted(_))
    ));
    let undone = f
        .records
        .decide_duplicate(
            &sup,
            &case.id,
            merged.version,
            CaseDecision::UndoMerge,
            "mother and daughter, same name",
        )
        .unwrap();
    assert_eq!(undone.status, CaseStatus::NeedsResearch);
    assert_eq!(
        f.records
            .open_chart(&clinician, &a)
            .unwrap()
            .encounters
            .len(),
        3
    );
    let back = f.records.open_chart(&clinician, &b).unwrap();
    assert_eq!(back.patient.merged_into, None);
    assert_eq!(back.encounters.len(), 1);
    assert_eq!(back.encounters[0].moved_from, None);
    assert!(
        hit(&f, &clinician, "halvorsen ingird", &b)
            .merged_into
            .is_none()
    );
    // The retired chart's whole story is in its history.
    let versions = f.records.patient_history(&reg, &b).unwrap();
    let merged_marks: Vec<Option<&str>> =
        versions.iter().map(|v| v.merged_into.as_deref()).collect();
    assert_eq!(merged_marks, vec![None, Some(a.as_str()), None]);
    assert!(
        audit_actions(&f)
            .iter()
            .any(|(_, act, _, p)| *act == AuditAction::MergeUndone
                && p.as_deref() == Some(b.as_str()))
    );
    assert!(matches!(
        f.records.system_verify_audit().unwrap(),
        chartroom::service::AuditVerdict::Intact(_)
    ));
}

#[test]
fn a_registration_over_a_likely_match_opens_a_case() {
    let f = fixture();
    let (a, _, _) = two_charts_of_one_patient(&f);
    let reg = f.login("registrar");
    let p = f
        .records
        .register_patient(
            &reg,
            person("Halvorsen", "Ingrid", "212-55-1234", "5415550123"),
            Some("patient says she was never seen here".into()),
        )
        .unwrap();
    let analyst = f.login("analyst");
    let rows = f.records.duplicate_cases(&analyst, false).unwrap();
    let case = rows
        .iter()
        .find(|r| (r.case.a == a && r.case.b == p.mrn) || (r.case.b == a && r.case.a == p.mrn))
        .expect("a case for the registration");
    assert_eq!(case.case.weight, None);
    assert!(case.case.found.contains("never seen here"));
    assert!(hit(&f, &reg, "halvorsen", &p.mrn).possible_duplicate);
}

#[test]
fn only_analysts_and_supervisors_work_the_duplicate_list() {
    let f = fixture();
    two_charts_of_one_patient(&f);
    for role in [
        "registrar",
        "coder",
        "billing",
        "clinician",
        "auditor",
        "admin",
        "roi",
    ] {
        let t = f.login(role);
        assert!(
            matches!(
                f.records.open_screen(&t, Screen::Duplicates),
                Err(ServiceError::NotPermitted(_))
            ),
            "{role}"
        );
        assert!(
            matches!(
                f.records.duplicate_cases(&t, false),
                Err(ServiceError::NotPermitted(_))
            ),
            "{role}"
        );
    }
    for role in ["analyst", "supervisor"] {
        let t = f.login(role);
        f.records.open_screen(&t, Screen::Duplicates).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    /// Whatever the order of merges and undos, no encounter is lost or duplicated, and
    /// undoing every merge gives each chart back exactly its own encounters.
    #[test]
    fn merges_and_undos_never_lose_an_encounter(steps in proptest::collection::vec((0usize..3, 0usize..3, any::<bool>()), 1..6)) {
        let f = fixture();
        let mrns = f.records.system_load_synthetic(&[
            with_visits(person("Aa", "One", "212-55-0001", "5415550001"), &[(2020, 1, 1), (2021, 1, 1)]),
            with_visits(person("Bb", "Two", "212-55-0002", "5415550002"), &[(2022, 1, 1)]),
            with_visits(person("Cc", "Three", "212-55-0003", "5415550003"), &[(2023, 1, 1), (2023, 2, 1), (2023, 3, 1)]),
        ]).unwrap();
        f.records.wait_for_search_index(Duration::from_secs(30)).unwrap();
        let sup = f.login("supervisor");
        let clin = f.login("clinician");
        let owned = |mrn: &str| -> Vec<String> {
            let mut ids: Vec<String> = f.records.open_chart(&clin, mrn).unwrap().encounters.into_iter().map(|e| e.id).collect();
            ids.sort();
            ids
        };
        let original: Vec<Vec<String>> = mrns.iter().map(|m| owned(m)).collect();
        let mut cases: Vec<String> = Vec::new();
        let mut merged_once = false;
        for (x, y, undo) in steps {
            if x == y { continue; }
            // Cases come from registrations over a match, one per pair.
            let (id, _, _) = chartroom::domain::mpi::case_key(&mrns[x], &mrns[y]);
            if !cases.contains(&id) {
                f.records.system_open_case(&mrns[x], &mrns[y], "test").unwrap();
                cases.push(id.clone());
            }
            let row = f.records.duplicate_cases(&sup, true).unwrap().into_iter().find(|r| r.case.id == id).unwrap();
            let decision = if undo { CaseDecision::UndoMerge } else { CaseDecision::Merge { survivor: mrns[x].clone() } };
            // Refusals (already merged, nothing to undo) are fine; they must change nothing.
            let first_merge = !undo && !merged_once;
            let outcome = f.records.decide_duplicate(&sup, &id, row.case.version, decision, "test");
            if first_merge {
                prop_assert!(outcome.is_ok(), "the first merge is refused: {:?}", outcome);
                merged_once = true;
            }
            let mut all: Vec<String> = mrns.iter().flat_map(|m| owned(m)).collect();
            let total = all.len();
            all.sort();
            all.dedup();
            prop_assert_eq!(all.len(), total, "an encounter on two charts");
            prop_assert_eq!(total, 6, "an encounter lost");
        }
        // Undo whatever is still merged, newest first, until nothing is.
        for _ in 0..cases.len() {
            for row in f.records.duplicate_cases(&sup, true).unwrap().into_iter().rev() {
                if row.case.status == CaseStatus::Merged {
                    let _ = f.records.decide_duplicate(&sup, &row.case.id, row.case.version, CaseDecision::UndoMerge, "test");
                }
            }
        }
        let now: Vec<Vec<String>> = mrns.iter().map(|m| owned(m)).collect();
        prop_assert_eq!(now, original);
    }
}
