//! The coding workflow end to end on a real database (issue 6): the state machine, two coders
//! racing for one encounter, supervisor assignment, holds, code validation gating "coded",
//! second-level validation for inpatient, the DNFB list for billing, restricted encounters,
//! audit entries, code-list versions kept, and a schema 6 database migrating.

mod common;

use chartroom::codes::CodeSystem;
use chartroom::codes::validate::{AssignedCode, Poa, Severity};
use chartroom::domain::Role;
use chartroom::domain::Sensitivity;
use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::break_glass::BreakGlassReason;
use chartroom::domain::coding::{
    AgeBand, CoderFilter, CodingAction, CodingStatus, HoldReason, QueueColumn, QueueFilter,
    QueueSort,
};
use chartroom::domain::patient::{EncounterClass, NewPatient, RESTRICTED, Sex};
use chartroom::service::{LocalRecords, NewUser, Records, ServiceError, SessionToken};
use chartroom::store::Store;
use chartroom::synth::{SynthEncounter, SynthPatient};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::{Fixture, fixture, password_of};
use std::sync::{Arc, Barrier};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn stay(class: EncounterClass, discharged: Option<NaiveDate>) -> SynthEncounter {
    let admitted = discharged.unwrap_or(date(2026, 11, 20)) - Duration::days(2);
    SynthEncounter {
        class,
        admitted,
        discharged,
        location: "4 West".into(),
        attending: "Dr. R. Okafor".into(),
        discharge_status: Some("Home".into()),
        documents: vec![],
    }
}

fn person(
    family: &str,
    sensitivity: Option<Sensitivity>,
    stays: Vec<SynthEncounter>,
) -> SynthPatient {
    SynthPatient {
        patient: NewPatient {
            family_name: family.into(),
            given_names: vec!["Ada".into()],
            dob: date(1950, 2, 3),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        },
        deceased: None,
        sensitivity,
        near_duplicate_of: None,
        encounters: stays,
        clinical: vec![],
    }
}

/// Loads one patient and returns (mrn, encounter ids in order).
fn load(f: &Fixture, p: SynthPatient) -> (String, Vec<String>) {
    let mrn = f.records.system_load_synthetic(&[p]).unwrap().remove(0);
    let mut ids: Vec<String> = f
        .records
        .open_chart(&f.login("compliance"), &mrn)
        .unwrap()
        .encounters
        .iter()
        .map(|e| e.id.clone())
        .collect();
    ids.sort();
    (mrn, ids)
}

fn add_coder(f: &Fixture, name: &str) {
    f.records
        .system_add_user(
            NewUser {
                username: name.into(),
                full_name: format!("{name} Coder"),
                roles: vec![Role::Coder],
                password: password_of(name).into(),
                must_change_password: false,
            },
            false,
        )
        .unwrap();
}

fn cm(code: &str, poa: Option<Poa>) -> AssignedCode {
    AssignedCode {
        system: CodeSystem::Icd10Cm,
        code: code.into(),
        poa,
    }
}

fn invalid(e: ServiceError, part: &str) {
    match e {
        ServiceError::Invalid(m) => assert!(m.contains(part), "{m:?} lacks {part:?}"),
        other => panic!("expected Invalid containing {part:?}, got {other:?}"),
    }
}

fn audit_actions(f: &Fixture) -> Vec<(AuditAction, Outcome, String, String)> {
    f.records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event.action,
                e.event.outcome,
                e.event.user,
                e.event.reason,
            )
        })
        .collect()
}

fn queue(f: &Fixture, who: &SessionToken, filter: QueueFilter) -> Vec<(String, CodingStatus)> {
    f.records
        .coding_queue(who, &filter, QueueSort::oldest_first(), 100)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.encounter_id, r.status))
        .collect()
}

#[test]
fn inpatient_coding_from_uncoded_to_final_with_validation() {
    let f = fixture();
    let discharged = date(2026, 9, 20);
    let (mrn, ids) = load(
        &f,
        person(
            "Marsh",
            None,
            vec![stay(EncounterClass::Inpatient, Some(discharged))],
        ),
    );
    let e = &ids[0];
    let coder = f.login("coder");
    let supervisor = f.login("supervisor");

    // Discharged and never touched: in the queue as uncoded, with every column filled.
    let page = f
        .records
        .coding_queue(
            &coder,
            &QueueFilter::default(),
            QueueSort::oldest_first(),
            10,
        )
        .unwrap();
    assert_eq!(page.total, 1);
    let row = &page.rows[0];
    assert_eq!(
        (
            row.encounter_id.as_str(),
            row.mrn.as_str(),
            row.patient.as_str()
        ),
        (e.as_str(), mrn.as_str(), "MARSH, Ada")
    );
    assert_eq!(
        (row.status, row.assigned.clone(), row.version),
        (CodingStatus::Uncoded, None, 0)
    );
    assert_eq!(
        (row.class, row.discharged, row.attending.as_str()),
        (EncounterClass::Inpatient, discharged, "Dr. R. Okafor")
    );
    assert_eq!(row.age_days, 64, "2026-09-20 to 2026-11-23");

    let r = f.records.claim_encounter(&coder, e).unwrap();
    assert_eq!(
        (r.status, r.assigned.as_deref(), r.version),
        (CodingStatus::InProgress, Some("coder"), 1)
    );

    // A heading is saved (nothing is lost) but blocks "coded".
    let saved = f
        .records
        .save_codes(
            &coder,
            e,
            r.version,
            vec![cm("J18", Some(Poa::Y)), cm("i10", Some(Poa::Y))],
        )
        .unwrap();
    assert_eq!(saved.record.code_version, 1);
    assert_eq!(
        saved.record.codes[1].code, "I10",
        "codes are stored as the files write them"
    );
    assert!(
        saved
            .findings
            .iter()
            .any(|x| x.severity == Severity::Error && x.message.contains("J18"))
    );
    let refused = f
        .records
        .mark_coded(&coder, e, saved.record.version)
        .unwrap_err();
    invalid(refused, "J18");
    let still = f.records.coding_record(&coder, e).unwrap();
    assert_eq!(
        still.record.status,
        CodingStatus::InProgress,
        "a refused step changes nothing"
    );
    assert_eq!(still.record.version, saved.record.version);

    // A stale version is a conflict that names who changed it.
    match f
        .records
        .save_codes(&coder, e, 1, vec![cm("J189", Some(Poa::Y))])
        .unwrap_err()
    {
        ServiceError::Conflict(m) => assert!(m.contains("coder"), "{m}"),
        other => panic!("{other:?}"),
    }
    let fixed = f
        .records
        .save_codes(
            &coder,
            e,
            saved.record.version,
            vec![cm("J18.9", Some(Poa::Y)), cm("I10", Some(Poa::Y))],
        )
        .unwrap();
    assert!(
        fixed.findings.iter().all(|x| x.severity != Severity::Error),
        "{:?}",
        fixed.findings
    );
    assert_eq!(fixed.record.code_version, 2);
    let coded = f
        .records
        .mark_coded(&coder, e, fixed.record.version)
        .unwrap();
    assert_eq!(coded.status, CodingStatus::Coded);

    // Inpatient needs the second-level review before final.
    invalid(
        f.records
            .finalize_coding(&coder, e, coded.version)
            .unwrap_err(),
        "validation",
    );
    match f
        .records
        .validate_coding(&coder, e, coded.version)
        .unwrap_err()
    {
        ServiceError::Invalid(m) => assert!(m.contains("supervisor"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Sent back with a note, then coded again.
    let back = f
        .records
        .return_to_coder(&supervisor, e, coded.version, "POA for I10?")
        .unwrap();
    assert_eq!(
        (back.status, back.assigned.as_deref()),
        (CodingStatus::InProgress, Some("coder"))
    );
    let coded = f.records.mark_coded(&coder, e, back.version).unwrap();
    let validated = f
        .records
        .validate_coding(&supervisor, e, coded.version)
        .unwrap();
    assert_eq!(
        (validated.status, validated.validated_by.as_deref()),
        (CodingStatus::Validated, Some("supervisor"))
    );
    let done = f
        .records
        .finalize_coding(&coder, e, validated.version)
        .unwrap();
    assert_eq!(done.status, CodingStatus::Final);

    // Final coding leaves the queue and the DNFB list.
    assert!(queue(&f, &coder, QueueFilter::default()).is_empty());
    assert_eq!(
        f.records.dnfb_list(&f.login("billing"), 10).unwrap().total,
        0
    );

    // Every step is in the history; both code lists are kept.
    let view = f.records.coding_record(&coder, e).unwrap();
    let steps: Vec<&str> = view
        .record
        .history
        .iter()
        .map(|s| s.action.label())
        .collect();
    assert_eq!(
        steps,
        vec![
            "claim",
            "save codes",
            "save codes",
            "mark coded",
            "return to coder",
            "mark coded",
            "validate",
            "finalize"
        ]
    );
    assert!(view.validation_required);
    let versions: Vec<(u64, Vec<String>, usize)> = view
        .versions
        .iter()
        .map(|v| {
            (
                v.version,
                v.codes.iter().map(|c| c.code.clone()).collect(),
                v.errors,
            )
        })
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, vec!["J18".to_string(), "I10".to_string()], 1),
            (2, vec!["J189".to_string(), "I10".to_string()], 0)
        ]
    );

    // A supervisor reopens final coding with a reason; it goes back to its coder.
    invalid(
        f.records
            .reopen_coding(&supervisor, e, done.version, " ")
            .unwrap_err(),
        "say why",
    );
    invalid(
        f.records
            .reopen_coding(&coder, e, done.version, "x")
            .unwrap_err(),
        "supervisor",
    );
    let reopened = f
        .records
        .reopen_coding(&supervisor, e, done.version, "payer denial")
        .unwrap();
    assert_eq!(
        (reopened.status, reopened.assigned.as_deref()),
        (CodingStatus::InProgress, Some("coder"))
    );
    assert_eq!(
        queue(&f, &coder, QueueFilter::default()),
        vec![(e.clone(), CodingStatus::InProgress)]
    );

    // Audited in the same transactions: each step and each save, naming the patient.
    let trail = audit_actions(&f);
    let changed: Vec<&str> = trail
        .iter()
        .filter(|t| t.0 == AuditAction::CodingChanged)
        .map(|t| t.3.as_str())
        .collect();
    // claim, mark coded, return, mark coded, validate, finalize, reopen (saves are their own).
    assert_eq!(changed.len(), 7, "{changed:#?}");
    assert!(changed[0].starts_with(&format!("{e}: claim (uncoded -> in progress, coder coder)")));
    assert!(
        changed
            .iter()
            .any(|c| c.contains("return to coder") && c.contains("POA for I10?"))
    );
    assert!(changed.last().unwrap().contains("payer denial"));
    let saves = trail
        .iter()
        .filter(|t| t.0 == AuditAction::CodesSaved)
        .count();
    assert_eq!(saves, 2);
    assert!(
        trail
            .iter()
            .any(|t| t.0 == AuditAction::CodingQueueViewed && t.2 == "coder")
    );
    assert!(matches!(
        f.records.verify_audit(&f.login("auditor")).unwrap(),
        chartroom::service::AuditVerdict::Intact(_)
    ));
}

#[test]
fn two_coders_racing_for_one_encounter_exactly_one_wins() {
    let f = fixture();
    add_coder(&f, "coder2");
    let (_, ids) = load(
        &f,
        person(
            "Race",
            None,
            vec![stay(EncounterClass::Outpatient, Some(date(2026, 11, 20)))],
        ),
    );
    let e = ids[0].clone();
    let tokens = [f.login("coder"), f.login("coder2")];
    for round in 0..5 {
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = tokens
                .iter()
                .map(|t| {
                    let (b, r, e) = (barrier.clone(), &f.records, &e);
                    s.spawn(move || {
                        b.wait();
                        r.claim_encounter(t, e)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let winner = winners[0].assigned.clone().unwrap();
        let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        match loser {
            ServiceError::Invalid(m) => {
                assert!(m.contains(&format!("already claimed by {winner}")), "{m}")
            }
            other => panic!("{other:?}"),
        }
        let view = f.records.coding_record(&tokens[0], &e).unwrap();
        let claims = view
            .record
            .history
            .iter()
            .filter(|s| s.action == CodingAction::Claim)
            .count();
        assert_eq!(claims, round + 1, "one claim per round in the history");
        // The winner gives it back for the next round.
        let t = if winner == "coder" {
            &tokens[0]
        } else {
            &tokens[1]
        };
        f.records
            .release_encounter(t, &e, view.record.version)
            .unwrap();
    }
}

#[test]
fn supervisors_assign_and_reassign_coders_do_not() {
    let f = fixture();
    add_coder(&f, "coder2");
    let (_, ids) = load(
        &f,
        person(
            "Assign",
            None,
            vec![stay(EncounterClass::Emergency, Some(date(2026, 11, 18)))],
        ),
    );
    let e = &ids[0];
    let (coder, coder2, supervisor) = (f.login("coder"), f.login("coder2"), f.login("supervisor"));

    invalid(
        f.records
            .assign_encounter(&coder, e, 0, "coder2")
            .unwrap_err(),
        "only a supervisor",
    );
    invalid(
        f.records
            .assign_encounter(&supervisor, e, 0, "registrar")
            .unwrap_err(),
        "not an active coder",
    );
    invalid(
        f.records
            .assign_encounter(&supervisor, e, 0, "nobody")
            .unwrap_err(),
        "no user nobody",
    );
    let r = f
        .records
        .assign_encounter(&supervisor, e, 0, "coder")
        .unwrap();
    assert_eq!(
        (r.status, r.assigned.as_deref()),
        (CodingStatus::InProgress, Some("coder"))
    );
    invalid(
        f.records.claim_encounter(&coder2, e).unwrap_err(),
        "already claimed by coder",
    );
    let mine = QueueFilter {
        coder: Some(CoderFilter::User("coder".into())),
        ..QueueFilter::default()
    };
    assert_eq!(queue(&f, &coder, mine.clone()).len(), 1);

    let r = f
        .records
        .assign_encounter(&supervisor, e, r.version, "coder2")
        .unwrap();
    assert_eq!(r.assigned.as_deref(), Some("coder2"));
    assert!(queue(&f, &coder, mine).is_empty());
    invalid(
        f.records
            .save_codes(&coder, e, r.version, vec![cm("R07.9", None)])
            .unwrap_err(),
        "only the assigned coder",
    );
    let saved = f
        .records
        .save_codes(&coder2, e, r.version, vec![cm("R07.9", None)])
        .unwrap();
    assert_eq!(saved.record.code_version, 1);
    // Emergency coding needs no second-level review: the coder finalizes.
    let coded = f
        .records
        .mark_coded(&coder2, e, saved.record.version)
        .unwrap();
    invalid(
        f.records
            .validate_coding(&supervisor, e, coded.version)
            .unwrap_err(),
        "needs no second-level",
    );
    let done = f
        .records
        .finalize_coding(&coder2, e, coded.version)
        .unwrap();
    assert_eq!(done.status, CodingStatus::Final);
    invalid(
        f.records
            .assign_encounter(&supervisor, e, done.version, "coder")
            .unwrap_err(),
        "is final",
    );
}

#[test]
fn hold_and_resume_with_a_reason() {
    let f = fixture();
    let (_, ids) = load(
        &f,
        person(
            "Hold",
            None,
            vec![
                stay(EncounterClass::Outpatient, Some(date(2026, 11, 21))),
                stay(EncounterClass::Outpatient, Some(date(2026, 11, 1))),
            ],
        ),
    );
    let e = &ids[0];
    let coder = f.login("coder");
    let r = f.records.claim_encounter(&coder, e).unwrap();
    invalid(
        f.records
            .hold_encounter(&coder, e, r.version, HoldReason::Other, "")
            .unwrap_err(),
        "note",
    );
    let held = f
        .records
        .hold_encounter(
            &coder,
            e,
            r.version,
            HoldReason::QueryPending,
            "asked Dr. Okafor about laterality",
        )
        .unwrap();
    assert_eq!(
        (held.status, held.hold),
        (CodingStatus::OnHold, Some(HoldReason::QueryPending))
    );
    let on_query = QueueFilter {
        hold: Some(HoldReason::QueryPending),
        ..QueueFilter::default()
    };
    let rows = f
        .records
        .coding_queue(&coder, &on_query, QueueSort::default(), 10)
        .unwrap()
        .rows;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].encounter_id.as_str(), rows[0].hold),
        (e.as_str(), Some(HoldReason::QueryPending))
    );
    let saved = f
        .records
        .save_codes(&coder, e, held.version, vec![cm("M54.50", None)])
        .unwrap();
    invalid(
        f.records
            .mark_coded(&coder, e, saved.record.version)
            .unwrap_err(),
        "resume it",
    );
    match f
        .records
        .resume_encounter(&coder, e, held.version)
        .unwrap_err()
    {
        ServiceError::Conflict(_) => {}
        other => panic!("a stale version is a conflict: {other:?}"),
    }
    let resumed = f
        .records
        .resume_encounter(&coder, e, saved.record.version)
        .unwrap();
    assert_eq!(
        (resumed.status, resumed.hold),
        (CodingStatus::InProgress, None)
    );
    assert!(
        f.records
            .coding_queue(&coder, &on_query, QueueSort::default(), 10)
            .unwrap()
            .rows
            .is_empty()
    );
    // Sorting by status and filtering by band work through the service too.
    let by_status = QueueSort {
        column: QueueColumn::Status,
        descending: false,
    };
    let rows = f
        .records
        .coding_queue(&coder, &QueueFilter::default(), by_status, 10)
        .unwrap()
        .rows;
    let statuses: Vec<CodingStatus> = rows.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![CodingStatus::Uncoded, CodingStatus::InProgress]
    );
    let older = QueueFilter {
        bands: vec![AgeBand::Days15To30],
        ..QueueFilter::default()
    };
    assert_eq!(
        queue(&f, &coder, older),
        vec![(ids[1].clone(), CodingStatus::Uncoded)]
    );
}

#[test]
fn dnfb_for_billing_not_for_registrars_and_billing_changes_nothing() {
    let f = fixture();
    let (mrn, ids) = load(
        &f,
        person(
            "Bill",
            None,
            vec![
                stay(EncounterClass::Outpatient, Some(date(2026, 11, 22))),
                stay(EncounterClass::Inpatient, Some(date(2026, 10, 1))),
                // Still in the hospital: not in the queue, not DNFB.
                stay(EncounterClass::Inpatient, None),
            ],
        ),
    );
    let billing = f.login("billing");
    let report = f.records.dnfb_list(&billing, 10).unwrap();
    assert_eq!(report.total, 2);
    assert_eq!(
        report.rows[0].encounter_id, ids[1],
        "oldest discharge first"
    );
    let bands: Vec<(AgeBand, usize)> = report.by_age.iter().map(|c| (c.key, c.count)).collect();
    assert_eq!(
        bands,
        vec![
            (AgeBand::Days0To3, 1),
            (AgeBand::Days4To7, 0),
            (AgeBand::Days8To14, 0),
            (AgeBand::Days15To30, 0),
            (AgeBand::Over30, 1)
        ]
    );
    let registrar = f.login("registrar");
    assert!(matches!(
        f.records.dnfb_list(&registrar, 10),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(matches!(
        f.records.dnfb_list(&f.login("coder"), 10),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(
        audit_actions(&f)
            .iter()
            .any(|t| t.0 == AuditAction::OperationDenied
                && t.1 == Outcome::Denied
                && t.2 == "registrar"
                && t.3.contains("DNFB"))
    );
    // Billing cannot change coding, and the registrar cannot even see the queue.
    invalid(
        f.records.claim_encounter(&billing, &ids[0]).unwrap_err(),
        "only coders",
    );
    assert!(matches!(
        f.records.coding_queue(
            &registrar,
            &QueueFilter::default(),
            QueueSort::default(),
            10
        ),
        Err(ServiceError::NotPermitted(_))
    ));
    // The chart's Codes tab: billing sees the codes.
    let coder = f.login("coder");
    let r = f.records.claim_encounter(&coder, &ids[0]).unwrap();
    f.records
        .save_codes(&coder, &ids[0], r.version, vec![cm("E11.9", None)])
        .unwrap();
    let codes = f.records.chart_codes(&billing, &mrn).unwrap();
    let first = codes
        .encounters
        .iter()
        .find(|c| c.encounter_id == ids[0])
        .unwrap();
    assert_eq!(first.codes, vec![cm("E119", None)]);
    assert_eq!(first.status, CodingStatus::InProgress);
    assert_eq!(codes.encounters.len(), 3);
    assert!(matches!(
        f.records.chart_codes(&registrar, &mrn),
        Err(ServiceError::NotPermitted(_))
    ));
}

#[test]
fn a_restricted_encounter_needs_break_the_glass_to_code() {
    let f = fixture();
    let (mrn, ids) = load(
        &f,
        person(
            "Quill",
            None,
            vec![stay(EncounterClass::Inpatient, Some(date(2026, 11, 2)))],
        ),
    );
    let e = &ids[0];
    let compliance = f.login("compliance");
    let enc = f.records.open_chart(&compliance, &mrn).unwrap().encounters[0].clone();
    f.records
        .set_encounter_sensitivity(
            &compliance,
            &mrn,
            e,
            enc.version,
            Some(Sensitivity::SubstanceUseDisorder),
            "Part 2 program",
        )
        .unwrap();
    let coder = f.login("coder");
    // In the queue (the work exists) but who treated the patient is withheld.
    let rows = f
        .records
        .coding_queue(&coder, &QueueFilter::default(), QueueSort::default(), 10)
        .unwrap()
        .rows;
    assert_eq!(
        (rows[0].restricted, rows[0].attending.as_str()),
        (true, RESTRICTED)
    );
    assert!(matches!(
        f.records.claim_encounter(&coder, e),
        Err(ServiceError::NeedsBreakGlass)
    ));
    assert!(matches!(
        f.records.coding_record(&coder, e),
        Err(ServiceError::NeedsBreakGlass)
    ));
    let codes = f.records.chart_codes(&coder, &mrn).unwrap();
    assert_eq!(
        (codes.encounters.len(), codes.withheld_encounters.clone()),
        (0, vec![e.clone()])
    );
    f.records
        .break_glass(
            &coder,
            &mrn,
            BreakGlassReason::CodingOrBilling,
            "",
            &password_of("coder").into(),
        )
        .unwrap();
    let r = f.records.claim_encounter(&coder, e).unwrap();
    assert_eq!(r.status, CodingStatus::InProgress);
    assert_eq!(
        f.records
            .chart_codes(&coder, &mrn)
            .unwrap()
            .encounters
            .len(),
        1
    );
}

#[test]
fn backlog_and_productivity_for_supervisors() {
    let f = fixture();
    let (_, ids) = load(
        &f,
        person(
            "Work",
            None,
            vec![
                stay(EncounterClass::Outpatient, Some(date(2026, 11, 22))),
                stay(EncounterClass::Outpatient, Some(date(2026, 11, 12))),
                stay(EncounterClass::Inpatient, Some(date(2026, 9, 1))),
            ],
        ),
    );
    let coder = f.login("coder");
    assert!(matches!(
        f.records.coding_backlog(&coder),
        Err(ServiceError::NotPermitted(_))
    ));
    let start = f.records.claim_encounter(&coder, &ids[0]).unwrap();
    f.clock.advance(Duration::minutes(10));
    let saved = f
        .records
        .save_codes(&coder, &ids[0], start.version, vec![cm("J06.9", None)])
        .unwrap();
    f.clock.advance(Duration::minutes(8));
    f.records
        .mark_coded(&coder, &ids[0], saved.record.version)
        .unwrap();

    let supervisor = f.login("supervisor");
    let backlog = f.records.coding_backlog(&supervisor).unwrap();
    assert_eq!(backlog.total, 3);
    let bands: Vec<usize> = backlog.by_age.iter().map(|c| c.count).collect();
    assert_eq!(bands, vec![1, 0, 1, 0, 1]);
    let coders: Vec<(Option<String>, usize)> = backlog
        .by_coder
        .iter()
        .map(|c| (c.key.clone(), c.count))
        .collect();
    assert_eq!(coders, vec![(None, 2), (Some("coder".into()), 1)]);
    let classes: Vec<(EncounterClass, usize)> =
        backlog.by_class.iter().map(|c| (c.key, c.count)).collect();
    assert_eq!(
        classes,
        vec![
            (EncounterClass::Inpatient, 1),
            (EncounterClass::Outpatient, 2)
        ]
    );

    let day = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let p = f
        .records
        .coder_productivity(&supervisor, day, day + Duration::days(1))
        .unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].coder.as_str(), p[0].coded), ("coder", 1));
    // 18 minutes in progress for one encounter: about 3.3 an hour.
    assert!((p[0].hours - 0.3).abs() < 1e-9, "{}", p[0].hours);
    assert!((p[0].per_hour - 60.0 / 18.0).abs() < 1e-9);
    assert!(
        f.records
            .coder_productivity(&supervisor, day - Duration::days(1), day)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        f.records
            .coder_productivity(&coder, day, day + Duration::days(1)),
        Err(ServiceError::NotPermitted(_))
    ));
}

#[test]
fn a_renamed_patient_shows_in_the_queue_at_once() {
    let f = fixture();
    let (mrn, _) = load(
        &f,
        person(
            "Olde",
            None,
            vec![stay(EncounterClass::Outpatient, Some(date(2026, 11, 20)))],
        ),
    );
    let coder = f.login("coder");
    let names = |f: &Fixture| {
        f.records
            .coding_queue(&coder, &QueueFilter::default(), QueueSort::default(), 10)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.patient)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&f), vec!["OLDE, Ada".to_string()]);
    let registrar = f.login("registrar");
    let p = f.records.open_chart(&registrar, &mrn).unwrap().patient;
    let mut edit = person("Newe", None, vec![]).patient;
    edit.dob = p.dob;
    f.records
        .update_patient(&registrar, &mrn, p.version, edit)
        .unwrap();
    assert_eq!(names(&f), vec!["NEWE, Ada".to_string()]);
}

#[test]
fn a_schema_6_database_opens_and_builds_its_queue() {
    use redb::ReadableDatabase;
    let f = fixture();
    let (_, ids) = load(
        &f,
        person(
            "Older",
            None,
            vec![
                stay(EncounterClass::Inpatient, Some(date(2026, 11, 1))),
                stay(EncounterClass::Inpatient, None),
            ],
        ),
    );
    let path = f.db_path();
    let Fixture { dir, records, .. } = f;
    drop(records);
    {
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        assert!(
            tx.delete_table(redb::TableDefinition::<&str, &[u8]>::new("coding"))
                .unwrap()
        );
        assert!(
            tx.delete_table(redb::TableDefinition::<&str, &[u8]>::new("coding_queue"))
                .unwrap()
        );
        assert!(
            tx.delete_table(redb::TableDefinition::<u64, &str>::new("coding_queue_log"))
                .unwrap()
        );
        assert!(
            tx.delete_table(redb::TableDefinition::<(&str, u64), &[u8]>::new(
                "coding_versions"
            ))
            .unwrap()
        );
        assert!(
            tx.delete_table(redb::TableDefinition::<(i64, &str), &[u8]>::new(
                "coding_coded"
            ))
            .unwrap()
        );
        let mut meta = tx
            .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
            .unwrap();
        meta.remove("coding_queue_gen").unwrap();
        let v6 = chartroom::store::codec::encode(&6u32).unwrap();
        meta.insert("schema_version", v6.as_slice()).unwrap();
        drop(meta);
        tx.commit().unwrap();
    }
    let records = LocalRecords::new(Store::open(&path).unwrap());
    let coder = records
        .login(chartroom::service::LoginRequest {
            username: "coder".into(),
            password: password_of("coder").into(),
            peer: None,
        })
        .unwrap()
        .token;
    let page = records
        .coding_queue(&coder, &QueueFilter::default(), QueueSort::default(), 10)
        .unwrap();
    assert_eq!(page.total, 1, "the discharged encounter only");
    assert_eq!(
        (page.rows[0].encounter_id.as_str(), page.rows[0].status),
        (ids[0].as_str(), CodingStatus::Uncoded)
    );
    assert_eq!(page.rows[0].patient, "OLDER, Ada");
    records.claim_encounter(&coder, &ids[0]).unwrap();
    drop(records);
    let db = redb::Database::open(&path).unwrap();
    let rtx = db.begin_read().unwrap();
    let meta = rtx
        .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
        .unwrap();
    let v: u32 = chartroom::store::codec::decode(
        "meta",
        "schema_version",
        meta.get("schema_version").unwrap().unwrap().value(),
    )
    .unwrap();
    assert_eq!(v, chartroom::store::SCHEMA_VERSION);
    assert_eq!(v, 9);
    drop(dir);
}

#[test]
fn a_corrupt_coding_record_names_its_table_and_key() {
    let f = fixture();
    let (_, ids) = load(
        &f,
        person(
            "Broken",
            None,
            vec![stay(EncounterClass::Outpatient, Some(date(2026, 11, 20)))],
        ),
    );
    let coder = f.login("coder");
    f.records.claim_encounter(&coder, &ids[0]).unwrap();
    let path = f.db_path();
    let Fixture { dir, records, .. } = f;
    drop(records);
    {
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(redb::TableDefinition::<&str, &[u8]>::new("coding"))
            .unwrap()
            .insert(ids[0].as_str(), &[1u8, 0xc1][..])
            .unwrap();
        tx.commit().unwrap();
    }
    let records = LocalRecords::new(Store::open(&path).unwrap());
    let coder = records
        .login(chartroom::service::LoginRequest {
            username: "coder".into(),
            password: password_of("coder").into(),
            peer: None,
        })
        .unwrap()
        .token;
    match records.coding_record(&coder, &ids[0]).unwrap_err() {
        ServiceError::Unavailable(m) => {
            assert!(m.contains("table coding") && m.contains(&ids[0]), "{m}")
        }
        other => panic!("{other:?}"),
    }
    drop(records);
    drop(dir);
}
