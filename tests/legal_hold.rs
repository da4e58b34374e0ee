//! Legal holds end to end on a real database: compliance places one for a matter (a new
//! version of the patient, audited with the reason), nobody else may, a held chart cannot be
//! merged, and releasing it is audited too.

mod common;

use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::mpi::CaseDecision;
use chartroom::domain::patient::{NewPatient, Sex};
use chartroom::service::{Records, ServiceError};
use chartroom::synth::SynthPatient;
use chrono::NaiveDate;
use common::{Fixture, fixture};

fn person(family: &str) -> SynthPatient {
    SynthPatient {
        patient: NewPatient {
            family_name: family.into(),
            given_names: vec!["Rosa".into()],
            dob: NaiveDate::from_ymd_opt(1966, 6, 6).unwrap(),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        },
        deceased: None,
        sensitivity: None,
        near_duplicate_of: None,
        encounters: Vec::new(),
        clinical: Vec::new(),
    }
}

fn two_charts_of_one_person(f: &Fixture) -> (String, String) {
    let mrns = f
        .records
        .system_load_synthetic(&[person("Quintero"), person("Quintero")])
        .unwrap();
    f.records
        .system_open_case(&mrns[0], &mrns[1], "same person")
        .unwrap();
    (mrns[0].clone(), mrns[1].clone())
}

fn version(f: &Fixture, mrn: &str) -> u64 {
    let c = f.login("compliance");
    f.records.open_chart(&c, mrn).unwrap().patient.version
}

fn merge(f: &Fixture, survivor: &str) -> Result<(), ServiceError> {
    let sup = f.login("supervisor");
    let case = f
        .records
        .duplicate_cases(&sup, false)
        .unwrap()
        .remove(0)
        .case;
    f.records
        .decide_duplicate(
            &sup,
            &case.id,
            case.version,
            CaseDecision::Merge {
                survivor: survivor.into(),
            },
            "",
        )
        .map(|_| ())
}

#[test]
fn compliance_places_a_hold_that_blocks_merges_until_released() {
    let f = fixture();
    let (a, b) = two_charts_of_one_person(&f);
    let compliance = f.login("compliance");
    let v = version(&f, &b);
    let held = f
        .records
        .set_legal_hold(
            &compliance,
            &b,
            v,
            Some("  Doe v. County Hospital, 26-CV-0142 "),
            "hold letter from counsel",
        )
        .unwrap();
    assert_eq!(held.version, v + 1, "a new version of the patient");
    let hold = held.legal_hold.clone().unwrap();
    assert_eq!(hold.matter, "Doe v. County Hospital, 26-CV-0142");
    assert_eq!(hold.placed_by, "compliance");
    // The chart says so to everyone who opens it.
    let registrar = f.login("registrar");
    assert!(
        f.records
            .open_chart(&registrar, &b)
            .unwrap()
            .patient
            .legal_hold
            .is_some()
    );
    // The earlier version, without the hold, stays in the history.
    let history = f.records.patient_history(&registrar, &b).unwrap();
    assert!(
        history.iter().any(|p| p.legal_hold.is_none()),
        "{history:?}"
    );

    let placed = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| e.event.action == AuditAction::LegalHoldPlaced)
        .unwrap();
    assert_eq!(placed.event.patient.as_deref(), Some(b.as_str()));
    assert_eq!(placed.event.outcome, Outcome::Success);
    assert_eq!(
        placed.event.reason,
        "matter Doe v. County Hospital, 26-CV-0142: hold letter from counsel"
    );

    // A second hold, a stale version, no reason: each refused, nothing written.
    let now = version(&f, &b);
    for (version, matter, reason, want) in [
        (
            now,
            Some("Other matter"),
            "x",
            "already held for Doe v. County Hospital",
        ),
        (now, None, " ", "a reason is required"),
    ] {
        match f
            .records
            .set_legal_hold(&compliance, &b, version, matter, reason)
        {
            Err(ServiceError::Invalid(m)) => assert!(m.contains(want), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        f.records
            .set_legal_hold(&compliance, &b, now - 1, None, "released"),
        Err(ServiceError::Conflict(_))
    ));
    assert_eq!(version(&f, &b), now);

    // Merging either way round is refused while the hold stands.
    for survivor in [&a, &b] {
        match merge(&f, survivor) {
            Err(ServiceError::Invalid(m)) => {
                assert!(
                    m.contains("under legal hold (Doe v. County Hospital"),
                    "{m}"
                )
            }
            other => panic!("merge into {survivor}: {other:?}"),
        }
    }

    // Released: audited, and the merge goes through.
    let released = f
        .records
        .set_legal_hold(&compliance, &b, now, None, "matter settled per counsel")
        .unwrap();
    assert!(released.legal_hold.is_none());
    let entry = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| e.event.action == AuditAction::LegalHoldReleased)
        .unwrap();
    assert!(
        entry
            .event
            .reason
            .starts_with("matter Doe v. County Hospital, 26-CV-0142 (placed ")
    );
    merge(&f, &a).unwrap();
}

#[test]
fn only_compliance_manages_holds_and_refusals_are_recorded() {
    let f = fixture();
    let (a, _) = two_charts_of_one_person(&f);
    let v = version(&f, &a);
    for role in [
        "registrar",
        "roi",
        "supervisor",
        "coder",
        "clinician",
        "billing",
    ] {
        let token = f.login(role);
        match f
            .records
            .set_legal_hold(&token, &a, v, Some("Matter"), "asked")
        {
            Err(ServiceError::NotPermitted(_)) => {}
            other => panic!("{role}: {other:?}"),
        }
    }
    let denied = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.event.action == AuditAction::OperationDenied && e.event.reason == "legal holds"
        })
        .count();
    assert_eq!(denied, 6);
    assert_eq!(version(&f, &a), v, "nothing changed");
}
