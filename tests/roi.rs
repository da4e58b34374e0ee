//! Release of information end to end on a real database: intake, the legal clock, the
//! authorization checker blocking a release, sensitive records held back, the packet on disk
//! (checked against its manifest), the accounting of disclosures recorded at release and
//! corrected by new versions, accountings given to the patient, a packet folder that cannot be
//! written (nothing recorded), a merged chart, and who may do what.

mod common;

use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::break_glass::BreakGlassReason;
use chartroom::domain::mpi::CaseDecision;
use chartroom::domain::roi::{
    AccessFee, Authorization, Basis, Delivery, DenialGround, DisclosureFields, Format,
    LegalProcess, NewRoiRequest, Purpose, RecordsWanted, RequestKind, RequestStatus, RequesterType,
    SensitiveCategory,
};
use chartroom::service::packet::verify_packet;
use chartroom::service::{Records, ReleaseInput, RoiStep, ServiceError, SessionToken};
use chrono::NaiveDate;
use common::{Fixture, fixture, password_of, roi_patient as patient};
use std::path::PathBuf;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn out_dir(f: &Fixture) -> PathBuf {
    let dir = f.dir.path().join("releases-out");
    std::fs::create_dir_all(&dir).unwrap();
    set_output(f, dir.to_str().unwrap());
    dir
}

fn set_output(f: &Fixture, dir: &str) {
    f.records
        .store()
        .write(|tx| {
            let mut s = tx.settings()?;
            s.roi_output_dir = dir.into();
            tx.put_settings(&s)
        })
        .unwrap();
}

fn intake(mrn: &str, who: RequesterType) -> NewRoiRequest {
    NewRoiRequest {
        mrn: mrn.into(),
        kind: RequestKind::Copies,
        requester_type: who,
        requester_name: match who {
            RequesterType::Patient => "Rosa Example".into(),
            _ => "Smith & Lee LLP".into(),
        },
        requester_contact: "12 Elm St, Astoria OR 97103".into(),
        records: RecordsWanted::default(),
        purpose: Purpose::usual_for(who),
        format: Format::Electronic,
        delivery: Delivery::SecureElectronic,
        received: date(2026, 11, 20),
        representative_authority: String::new(),
        legal: LegalProcess::default(),
        note: String::new(),
    }
}

fn to_processing(f: &Fixture, roi: &SessionToken, id: &str) -> u64 {
    let r = f
        .records
        .roi_step(
            roi,
            id,
            1,
            RoiStep::Move {
                to: RequestStatus::Validating,
                note: String::new(),
            },
        )
        .unwrap();
    f.records
        .roi_step(
            roi,
            id,
            r.version,
            RoiStep::Move {
                to: RequestStatus::InProcessing,
                note: String::new(),
            },
        )
        .unwrap()
        .version
}

fn all_docs(f: &Fixture, roi: &SessionToken, id: &str) -> Vec<String> {
    f.records
        .roi_request(roi, id)
        .unwrap()
        .documents
        .iter()
        .map(|d| d.info.id.clone())
        .collect()
}

fn break_glass(f: &Fixture, s: &SessionToken, mrn: &str) {
    f.records
        .break_glass(
            s,
            mrn,
            BreakGlassReason::ReleaseOfInformation,
            "",
            &password_of("roi").into(),
        )
        .unwrap();
}

fn good_auth() -> Authorization {
    Authorization {
        description: "all records 2025-2026".into(),
        who_may_disclose: "County Hospital HIM".into(),
        recipient: "Smith & Lee LLP".into(),
        purpose: "litigation".into(),
        expires_on: Some(date(2027, 6, 30)),
        signed_by: "Rosa Example".into(),
        signed_on: Some(date(2026, 11, 1)),
        statement_right_to_revoke: true,
        statement_conditioning: true,
        statement_redisclosure: true,
        ..Authorization::default()
    }
}

fn actions(f: &Fixture) -> Vec<(AuditAction, Outcome)> {
    f.records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.event.action, e.event.outcome))
        .collect()
}

#[test]
fn a_patients_request_goes_from_intake_to_a_released_packet() {
    let f = fixture();
    let mrn = patient(&f, "Quintero");
    let out = out_dir(&f);
    let roi = f.login("roi");
    let r = f
        .records
        .log_roi_request(&roi, intake(&mrn, RequesterType::Patient))
        .unwrap();
    assert_eq!(r.id, "ROI-000001");
    assert_eq!(r.due_date(), date(2026, 12, 20), "30 days after receipt");
    assert_eq!(r.status, RequestStatus::Logged);
    let v = to_processing(&f, &roi, &r.id);
    // The ROI clerk has not broken the glass: the Part 2 visit's note is restricted.
    let view = f.records.roi_request(&roi, &r.id).unwrap();
    assert_eq!(view.documents.len(), 3);
    assert_eq!(
        view.documents.iter().filter(|d| d.info.restricted).count(),
        1
    );
    assert_eq!(view.check.basis, Basis::RightOfAccess);
    assert!(view.check.may_release());
    let docs = all_docs(&f, &roi, &r.id);
    let e = f
        .records
        .release_roi(
            &roi,
            &r.id,
            v,
            ReleaseInput {
                documents: docs.clone(),
                access_fee: AccessFee::FlatElectronic,
            },
        )
        .unwrap_err();
    assert!(matches!(e, ServiceError::NeedsBreakGlass), "{e:?}");
    break_glass(&f, &roi, &mrn);
    let released = f
        .records
        .release_roi(
            &roi,
            &r.id,
            v,
            ReleaseInput {
                documents: docs,
                access_fee: AccessFee::FlatElectronic,
            },
        )
        .unwrap();
    assert_eq!(
        released.status,
        RequestStatus::Released,
        "the patient gets Part 2 records"
    );
    let rel = released.release.clone().unwrap();
    assert_eq!(rel.fee.total_cents, 650);
    assert_eq!(rel.basis, Basis::RightOfAccess);
    assert!(
        rel.disclosure_id.is_none(),
        "disclosures to the patient are not accounted"
    );
    let dir = out.join("ROI-000001");
    assert_eq!(PathBuf::from(&rel.packet_dir), dir);
    let manifest = verify_packet(&dir).unwrap();
    let names: Vec<&str> = manifest.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"cover-letter.txt") && names.contains(&"invoice.txt"));
    assert!(names.contains(&"electronic-copy.json"));
    assert!(names.contains(&"PART2-NOTICE.txt"), "{names:?}");
    assert_eq!(
        names.iter().filter(|n| n.starts_with("00")).count(),
        3,
        "{names:?}"
    );
    assert_eq!(rel.files.len(), manifest.len());
    let cover = std::fs::read_to_string(dir.join("cover-letter.txt")).unwrap();
    assert!(
        cover.contains("Rosa Example") && cover.contains(&mrn),
        "{cover}"
    );
    assert!(cover.contains("$6.50"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("electronic-copy.json")).unwrap()).unwrap();
    assert_eq!(json["patient"]["mrn"], mrn.as_str());
    assert_eq!(json["documents"].as_array().unwrap().len(), 3);
    let records: String = names
        .iter()
        .filter(|n| n.starts_with("00"))
        .map(|n| std::fs::read_to_string(dir.join(n)).unwrap())
        .collect();
    assert!(
        records.contains("Admitted for pneumonia."),
        "records as readable text"
    );
    assert!(
        actions(&f).contains(&(AuditAction::RoiReleased, Outcome::Success)),
        "the release is audited"
    );
    // A closed request does not move again, and cannot be released twice.
    assert!(
        f.records
            .roi_step(
                &roi,
                &r.id,
                released.version,
                RoiStep::Move {
                    to: RequestStatus::Cancelled,
                    note: "x".into()
                }
            )
            .is_err()
    );
}

#[test]
fn an_attorneys_request_waits_for_a_complete_authorization_and_sensitive_records_stay() {
    let f = fixture();
    let mrn = patient(&f, "Halvorsen");
    let out = out_dir(&f);
    let roi = f.login("roi");
    break_glass(&f, &roi, &mrn);
    let r = f
        .records
        .log_roi_request(&roi, intake(&mrn, RequesterType::Attorney))
        .unwrap();
    assert_eq!(
        r.due_date(),
        date(2026, 12, 20),
        "attorney: 30 days from the settings"
    );
    let v = to_processing(&f, &roi, &r.id);
    let docs = all_docs(&f, &roi, &r.id);
    let release = |v| {
        f.records.release_roi(
            &roi,
            &r.id,
            v,
            ReleaseInput {
                documents: docs.clone(),
                access_fee: AccessFee::NoCharge,
            },
        )
    };
    let e = release(v).unwrap_err().to_string();
    assert!(e.contains("No authorization"), "{e}");
    // A defective authorization: every missing element is named.
    let mut bad = good_auth();
    bad.statement_redisclosure = false;
    bad.signed_on = None;
    let v = f
        .records
        .roi_step(&roi, &r.id, v, RoiStep::Authorization(Box::new(bad)))
        .unwrap()
        .version;
    let view = f.records.roi_request(&roi, &r.id).unwrap();
    assert_eq!(
        view.check.blocking().len(),
        2,
        "{:?}",
        view.check.blocking()
    );
    let e = release(v).unwrap_err().to_string();
    assert!(
        e.contains("re-disclose") && e.contains("date of signature"),
        "{e}"
    );
    assert!(
        !out.join(&r.id).exists(),
        "nothing written for a blocked release"
    );
    let v = f
        .records
        .roi_step(
            &roi,
            &r.id,
            v,
            RoiStep::Authorization(Box::new(good_auth())),
        )
        .unwrap()
        .version;
    let done = release(v).unwrap();
    assert_eq!(done.status, RequestStatus::PartlyReleased);
    let rel = done.release.unwrap();
    let held: Vec<_> = rel
        .documents
        .iter()
        .filter(|d| d.withheld.is_some())
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].categories, vec![SensitiveCategory::Part2]);
    assert_eq!(rel.fee.total_cents, 2_500 + 2 * 100, "base + 2 pages");
    assert!(
        rel.disclosure_id.is_none(),
        "under an authorization: not in the accounting"
    );
    let dir = out.join(&r.id);
    let manifest = verify_packet(&dir).unwrap();
    assert!(!manifest.iter().any(|m| m.name == "electronic-copy.json"));
    assert!(!manifest.iter().any(|m| m.name == "PART2-NOTICE.txt"));
    let sent: String = manifest
        .iter()
        .filter(|m| m.name.starts_with("00"))
        .map(|m| std::fs::read_to_string(dir.join(&m.name)).unwrap())
        .collect();
    assert!(
        !sent.contains("SUD counselling"),
        "the Part 2 note did not go"
    );
    let cover = std::fs::read_to_string(dir.join("cover-letter.txt")).unwrap();
    assert!(
        !cover.contains("Part 2") && !cover.contains("substance"),
        "{cover}"
    );
}

#[test]
fn a_court_order_is_accounted_for_and_corrections_are_new_versions() {
    let f = fixture();
    let mrn = patient(&f, "Marchetti");
    out_dir(&f);
    let roi = f.login("roi");
    let mut n = intake(&mrn, RequesterType::CourtOrder);
    n.requester_name = "Clatsop County Circuit Court".into();
    n.records.from = Some(date(2026, 1, 1));
    let r = f.records.log_roi_request(&roi, n).unwrap();
    assert_eq!(r.due_date(), date(2026, 12, 4), "court order: 14 days");
    let v = to_processing(&f, &roi, &r.id);
    let view = f.records.roi_request(&roi, &r.id).unwrap();
    let wanted: Vec<String> = view
        .documents
        .iter()
        .filter(|d| d.wanted)
        .map(|d| d.info.id.clone())
        .collect();
    assert_eq!(
        wanted.len(),
        1,
        "2026 only, and the restricted one is not offered"
    );
    let done = f
        .records
        .release_roi(
            &roi,
            &r.id,
            v,
            ReleaseInput {
                documents: wanted,
                access_fee: AccessFee::NoCharge,
            },
        )
        .unwrap();
    let rel = done.release.unwrap();
    assert_eq!(rel.basis, Basis::CourtOrder);
    let dsc = rel
        .disclosure_id
        .clone()
        .expect("a court order is accounted for");
    // A disclosure made outside chartroom is entered by hand.
    let manual = f
        .records
        .record_disclosure(
            &roi,
            &mrn,
            DisclosureFields {
                disclosed_on: Some(date(2026, 10, 1)),
                recipient: "County Health Department".into(),
                recipient_address: "2 Court St".into(),
                description: "communicable disease report".into(),
                purpose: "public health reporting".into(),
            },
        )
        .unwrap();
    let tab = f.records.chart_disclosures(&roi, &mrn).unwrap();
    assert_eq!(tab.disclosures.len(), 2);
    assert_eq!(tab.accounting_today, vec![manual.id.clone(), dsc.clone()]);
    assert_eq!(
        tab.next_accounting_fee_cents, 0,
        "the first in 12 months is free"
    );
    // Correct the manual one: a second version, the first kept.
    let wrong = DisclosureFields {
        disclosed_on: Some(date(2026, 10, 2)),
        recipient: "County Health Department".into(),
        recipient_address: "2 Court St".into(),
        description: "communicable disease report".into(),
        purpose: "public health reporting".into(),
    };
    let fixed = f
        .records
        .correct_disclosure(&roi, &manual.id, 1, wrong.clone(), false, "date mistyped")
        .unwrap();
    assert_eq!(fixed.version, 2);
    let stale = f
        .records
        .correct_disclosure(&roi, &manual.id, 1, wrong.clone(), true, "again");
    assert!(
        matches!(stale, Err(ServiceError::Conflict { .. })),
        "{stale:?}"
    );
    f.records
        .correct_disclosure(&roi, &manual.id, 2, wrong, true, "wrong patient")
        .unwrap();
    let tab = f.records.chart_disclosures(&roi, &mrn).unwrap();
    let history = tab
        .disclosures
        .iter()
        .find(|h| h[0].id == manual.id)
        .unwrap();
    assert_eq!(history.len(), 3, "no version is ever lost");
    assert_eq!(history[0].disclosed_on, date(2026, 10, 1));
    assert_eq!(
        tab.accounting_today,
        vec![dsc.clone()],
        "entered in error leaves the list"
    );
    // The patient's accountings: the first free, the second within 12 months charged.
    let first = f
        .records
        .provide_accounting(&roi, &mrn, date(2026, 11, 23))
        .unwrap();
    assert_eq!(first.fee_cents, 0);
    assert_eq!(first.listed.len(), 1);
    let text =
        std::fs::read_to_string(PathBuf::from(&first.file).join("accounting-of-disclosures.txt"))
            .unwrap();
    assert!(text.contains("Clatsop County Circuit Court") && text.contains("2020-11-23"));
    let second = f
        .records
        .provide_accounting(&roi, &mrn, date(2026, 11, 23))
        .unwrap();
    assert_eq!(second.fee_cents, 1_500);
}

#[test]
fn an_accounting_request_runs_on_its_own_clock_and_is_answered_with_the_accounting() {
    let f = fixture();
    let mrn = patient(&f, "Lindqvist");
    out_dir(&f);
    let roi = f.login("roi");
    let manual = f
        .records
        .record_disclosure(&roi, &mrn, common::registry_report())
        .unwrap();
    let mut n = intake(&mrn, RequesterType::Patient);
    n.kind = RequestKind::Accounting;
    let r = f.records.log_roi_request(&roi, n.clone()).unwrap();
    assert_eq!(r.kind, RequestKind::Accounting);
    assert_eq!(r.due_date(), date(2027, 1, 19), "60 days from 2026-11-20");
    // Only the patient (or a representative) has the right to one.
    let mut other = n.clone();
    other.requester_type = RequesterType::Attorney;
    other.purpose = Purpose::LegalProceeding;
    let refused = f.records.log_roi_request(&roi, other);
    assert!(
        matches!(&refused, Err(ServiceError::Invalid(m)) if m.contains("164.528")),
        "{refused:?}"
    );
    // On the desk with its clock, and its page lists what the accounting will hold.
    let desk = f.records.roi_desk(&roi).unwrap();
    let row = desk.rows.iter().find(|x| x.request.id == r.id).unwrap();
    assert_eq!(row.request.days_left(desk.today), 57);
    let view = f.records.roi_request(&roi, &r.id).unwrap();
    assert!(view.documents.is_empty(), "an accounting sends no records");
    let preview = view
        .accounting
        .expect("an accounting request's page lists it");
    assert_eq!(preview.since, date(2020, 11, 20));
    assert_eq!(
        preview
            .listed
            .iter()
            .map(|d| d.id.clone())
            .collect::<Vec<_>>(),
        vec![manual.id.clone()]
    );
    assert_eq!(preview.fee_cents, 0, "the first in 12 months is free");
    let denied = f.records.roi_step(
        &roi,
        &r.id,
        1,
        RoiStep::Deny {
            ground: DenialGround::PsychotherapyNotesOnly,
            explanation: "no".into(),
        },
    );
    assert!(
        matches!(denied, Err(ServiceError::Invalid(_))),
        "{denied:?}"
    );
    let r = f
        .records
        .roi_step(
            &roi,
            &r.id,
            1,
            RoiStep::Extend {
                reason: "paper records at the county archive".into(),
                patient_told: date(2026, 11, 22),
            },
        )
        .unwrap();
    assert_eq!(r.due_date(), date(2027, 2, 18), "one 30-day extension");
    // Given straight from logged: it needs no papers.
    let done = f
        .records
        .release_roi(
            &roi,
            &r.id,
            r.version,
            ReleaseInput {
                documents: Vec::new(),
                access_fee: AccessFee::NoCharge,
            },
        )
        .unwrap();
    assert_eq!(done.status, RequestStatus::Released);
    let given = done.accounting_given.clone().unwrap();
    assert_eq!((given.listed, given.fee_cents), (1, 0));
    assert!(done.release.is_none(), "no records went out");
    let dir = PathBuf::from(&given.dir);
    verify_packet(&dir).unwrap();
    let text = std::fs::read_to_string(dir.join("accounting-of-disclosures.txt")).unwrap();
    assert!(text.contains("State Cancer Registry") && text.contains("Requested: 2026-11-20"));
    let tab = f.records.chart_disclosures(&roi, &mrn).unwrap();
    assert_eq!(tab.accountings.len(), 1);
    assert_eq!(
        tab.accountings[0].request_id.as_deref(),
        Some(r.id.as_str())
    );
    assert_eq!(
        tab.next_accounting_fee_cents, 1_500,
        "a second within 12 months is charged"
    );
    let again = f.records.release_roi(
        &roi,
        &r.id,
        done.version,
        ReleaseInput {
            documents: Vec::new(),
            access_fee: AccessFee::NoCharge,
        },
    );
    assert!(matches!(again, Err(ServiceError::Invalid(_))), "{again:?}");
    let acts = actions(&f);
    for a in [AuditAction::AccountingProvided, AuditAction::RoiReleased] {
        assert_eq!(
            acts.iter()
                .filter(|(x, o)| *x == a && *o == Outcome::Success)
                .count(),
            1,
            "{a:?}"
        );
    }
}

#[test]
fn nothing_is_recorded_as_released_when_the_packet_cannot_be_written() {
    let f = fixture();
    let mrn = patient(&f, "Okonkwo");
    let not_a_folder = f.dir.path().join("plain-file");
    std::fs::write(&not_a_folder, b"x").unwrap();
    set_output(&f, not_a_folder.to_str().unwrap());
    let roi = f.login("roi");
    let mut n = intake(&mrn, RequesterType::GovernmentAgency);
    n.requester_name = "State Health Division".into();
    let r = f.records.log_roi_request(&roi, n).unwrap();
    let v = to_processing(&f, &roi, &r.id);
    let view = f.records.roi_request(&roi, &r.id).unwrap();
    let open: Vec<String> = view
        .documents
        .iter()
        .filter(|d| !d.info.restricted)
        .map(|d| d.info.id.clone())
        .collect();
    let e = f
        .records
        .release_roi(
            &roi,
            &r.id,
            v,
            ReleaseInput {
                documents: open.clone(),
                access_fee: AccessFee::NoCharge,
            },
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a folder"), "{e}");
    let after = f.records.roi_request(&roi, &r.id).unwrap().request;
    assert_eq!(after.status, RequestStatus::InProcessing);
    assert_eq!(after.version, v);
    assert!(after.release.is_none());
    assert!(
        f.records
            .chart_disclosures(&roi, &mrn)
            .unwrap()
            .disclosures
            .is_empty()
    );
    assert!(
        !actions(&f)
            .iter()
            .any(|(a, _)| *a == AuditAction::RoiReleased)
    );
    // Fixed folder: the same request goes out, and is accounted for.
    out_dir(&f);
    let done = f
        .records
        .release_roi(
            &roi,
            &r.id,
            v,
            ReleaseInput {
                documents: open,
                access_fee: AccessFee::NoCharge,
            },
        )
        .unwrap();
    assert!(done.release.unwrap().disclosure_id.is_some());
}

#[test]
fn the_desk_puts_overdue_requests_first_and_roles_are_checked() {
    let f = fixture();
    let mrn = patient(&f, "Lindqvist");
    let roi = f.login("roi");
    let mut old = intake(&mrn, RequesterType::Patient);
    old.received = date(2026, 10, 1); // due 2026-10-31: overdue on 2026-11-23
    let mut recent = intake(&mrn, RequesterType::Provider);
    recent.received = date(2026, 11, 22);
    let a = f.records.log_roi_request(&roi, recent).unwrap();
    let b = f.records.log_roi_request(&roi, old).unwrap();
    let desk = f.records.roi_desk(&roi).unwrap();
    let ids: Vec<&str> = desk.rows.iter().map(|r| r.request.id.as_str()).collect();
    assert_eq!(ids, [b.id.as_str(), a.id.as_str()]);
    assert!(desk.rows[0].request.is_overdue(desk.today));
    assert!(desk.rows[0].patient_name.starts_with("LINDQVIST"));
    // A future received date is refused.
    let mut future = intake(&mrn, RequesterType::Patient);
    future.received = date(2027, 1, 1);
    assert!(f.records.log_roi_request(&roi, future).is_err());
    // The one extension, then a denial with its ground.
    let r = f
        .records
        .roi_step(
            &roi,
            &b.id,
            b.version,
            RoiStep::Extend {
                reason: "records in off-site storage".into(),
                patient_told: date(2026, 10, 20),
            },
        )
        .unwrap();
    assert_eq!(r.due_date(), date(2026, 11, 30));
    let denied = f
        .records
        .roi_step(
            &roi,
            &b.id,
            r.version,
            RoiStep::Deny {
                ground: DenialGround::EndangersLifeOrSafety,
                explanation: "per the treating physician".into(),
            },
        )
        .unwrap();
    assert!(denied.denial.unwrap().reviewable);
    // Compliance reads the desk but does not log; a coder sees nothing of it.
    let compliance = f.login("compliance");
    assert_eq!(f.records.roi_desk(&compliance).unwrap().rows.len(), 2);
    assert!(matches!(
        f.records
            .log_roi_request(&compliance, intake(&mrn, RequesterType::Patient)),
        Err(ServiceError::NotPermitted(_))
    ));
    let coder = f.login("coder");
    assert!(matches!(
        f.records.roi_desk(&coder),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(actions(&f).contains(&(AuditAction::OperationDenied, Outcome::Denied)));
}

#[test]
fn requests_follow_a_merge_and_a_merged_chart_takes_none() {
    let f = fixture();
    let a = patient(&f, "Abernathy");
    let b = patient(&f, "Abernathy");
    f.records.system_open_case(&a, &b, "same person").unwrap();
    let roi = f.login("roi");
    let r = f
        .records
        .log_roi_request(&roi, intake(&b, RequesterType::Patient))
        .unwrap();
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
                survivor: a.clone(),
            },
            "",
        )
        .unwrap();
    let moved = f.records.roi_request(&roi, &r.id).unwrap().request;
    assert_eq!(moved.mrn, a);
    assert_eq!(moved.moved_from.as_deref(), Some(b.as_str()));
    let e = f
        .records
        .log_roi_request(&roi, intake(&b, RequesterType::Patient))
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("merged into {a}")), "{e}");
}

#[test]
fn the_demo_desk_is_seeded_once_with_a_request_of_each_clock() {
    let f = fixture();
    for family in ["Abbott", "Baptiste", "Castellanos", "Dufresne", "Eriksen"] {
        patient(&f, family);
    }
    assert_eq!(f.records.system_seed_roi().unwrap(), 5);
    assert_eq!(f.records.system_seed_roi().unwrap(), 0, "only once");
    let roi = f.login("roi");
    let desk = f.records.roi_desk(&roi).unwrap();
    let today = desk.today;
    let left: Vec<(RequesterType, RequestKind, i64, RequestStatus)> = desk
        .rows
        .iter()
        .map(|r| {
            (
                r.request.requester_type,
                r.request.kind,
                r.request.days_left(today),
                r.request.status,
            )
        })
        .collect();
    use RequestStatus as S;
    use RequesterType as R;
    assert_eq!(
        left,
        vec![
            (R::Patient, RequestKind::Copies, -5, S::Logged),
            (R::Provider, RequestKind::Copies, 4, S::Logged),
            (R::CourtOrder, RequestKind::Copies, 10, S::Logged),
            (
                R::Attorney,
                RequestKind::Copies,
                20,
                S::Waiting(chartroom::domain::roi::WaitReason::Authorization)
            ),
            (R::Patient, RequestKind::Accounting, 40, S::Logged),
        ]
    );
    assert!(
        desk.rows
            .iter()
            .all(|r| r.request.created_by.starts_with("system:")),
        "the trail says the system set the desk up"
    );
    let accounting = &desk.rows[4].request;
    let view = f.records.roi_request(&roi, &accounting.id).unwrap();
    assert_eq!(
        view.accounting.unwrap().listed.len(),
        1,
        "it has a disclosure to list"
    );
}

#[test]
fn a_request_may_name_encounters_and_only_the_charts_own() {
    let f = fixture();
    let mrn = patient(&f, "Nakamura");
    let roi = f.login("roi");
    // What the chart holds, from an unrestricted request.
    let all = f
        .records
        .log_roi_request(&roi, intake(&mrn, RequesterType::Patient))
        .unwrap();
    let view = f.records.roi_request(&roi, &all.id).unwrap();
    let encounter = view
        .documents
        .iter()
        .find(|d| !d.info.restricted)
        .map(|d| d.info.encounter_id.clone())
        .unwrap();
    let mut n = intake(&mrn, RequesterType::Patient);
    n.records.encounters = vec![encounter.clone()];
    let one = f.records.log_roi_request(&roi, n.clone()).unwrap();
    let view = f.records.roi_request(&roi, &one.id).unwrap();
    let wanted: Vec<&str> = view
        .documents
        .iter()
        .filter(|d| d.wanted)
        .map(|d| d.info.encounter_id.as_str())
        .collect();
    assert!(
        !wanted.is_empty() && wanted.iter().all(|e| *e == encounter),
        "{wanted:?}"
    );
    assert!(
        view.documents
            .iter()
            .any(|d| d.info.encounter_id != encounter),
        "the others are listed, not picked"
    );
    n.records.encounters = vec![encounter, "ENC-NOT-HERE".into()];
    let refused = f.records.log_roi_request(&roi, n);
    assert!(
        matches!(&refused, Err(ServiceError::Invalid(m)) if m.contains("ENC-NOT-HERE is not in chart")),
        "{refused:?}"
    );
}
