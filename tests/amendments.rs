//! Amendment requests (45 CFR 164.526) end to end on a real database: logging against a
//! document, the 60-day due date and its one extension, acceptance appending an amendment
//! document while the original stays as it was, denial with the patient's disagreement and
//! the rebuttal, who may do which (refusals audited), stale versions, and the work list.

mod common;

use chartroom::domain::Role;
use chartroom::domain::amendment::{
    AmendmentRequest, AmendmentStatus, AmendmentTarget, DecisionOutcome, DenialReason,
};
use chartroom::domain::audit::{AuditAction, AuditEntry, Outcome};
use chartroom::domain::patient::{Address, Document, EncounterClass, NewPatient, Sensitivity, Sex};
use chartroom::policy::{Permission, Resource, Subject, authorize};
use chartroom::service::{
    AmendmentDecisionInput, Records, ServiceError, SessionToken, StatementKind,
};
use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
use chrono::{Duration, NaiveDate};
use common::{Fixture, fixture};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The fixture's clock starts on 2026-11-23.
fn today() -> NaiveDate {
    date(2026, 11, 23)
}

fn person(family: &str, given: &str) -> NewPatient {
    NewPatient {
        family_name: family.into(),
        given_names: vec![given.into()],
        dob: date(1962, 7, 30),
        sex: Sex::Male,
        address: Some(Address {
            line: "3 Mill Lane".into(),
            city: "Astoria".into(),
            state: "OR".into(),
            zip: "97103".into(),
        }),
        phone: Some("5035550142".into()),
        ssn: None,
        details: Default::default(),
    }
}

/// A patient with two visits, each with one note: `(y, m, d, note text)`.
fn synthetic(family: &str, visits: &[(i32, u32, u32, &str)]) -> SynthPatient {
    SynthPatient {
        patient: person(family, "Tomas"),
        deceased: None,
        sensitivity: None,
        near_duplicate_of: None,
        encounters: visits
            .iter()
            .map(|&(y, m, d, text)| SynthEncounter {
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
                    text: text.into(),
                }],
            })
            .collect(),
        clinical: Vec::new(),
    }
}

/// Every document of a chart, read straight from the store (no audit), oldest visit first.
fn documents(f: &Fixture, mrn: &str) -> Vec<Document> {
    let compliance = Subject {
        username: "test".into(),
        roles: vec![Role::Compliance],
    };
    let encs = authorize(&compliance, Permission::ViewEncounters, Resource::Sensitive).unwrap();
    let text = authorize(
        &compliance,
        Permission::ViewClinicalText,
        Resource::Sensitive,
    )
    .unwrap();
    f.records
        .store()
        .write(|tx| {
            let mut encounters = tx.encounters_for(&encs, mrn)?;
            encounters.sort_by_key(|e| e.admitted);
            let mut out = Vec::new();
            for e in encounters {
                let mut docs = tx.documents_for_encounter(&text, &e.id)?;
                docs.sort_by(|a, b| a.id.cmp(&b.id));
                out.extend(docs);
            }
            Ok(out)
        })
        .unwrap()
}

/// One patient with two notes; returns the MRN and the notes (2021 visit, 2024 visit).
fn patient_with_notes(f: &Fixture) -> (String, Document, Document) {
    let mrn = f
        .records
        .system_load_synthetic(&[synthetic(
            "Brandvold",
            &[
                (2021, 4, 6, "Allergies: amoxicillin (rash)."),
                (2024, 9, 17, "Follow-up. Doing well."),
            ],
        )])
        .unwrap()
        .remove(0);
    let docs = documents(f, &mrn);
    assert_eq!(docs.len(), 2, "{docs:?}");
    (mrn, docs[0].clone(), docs[1].clone())
}

fn on_document(d: &Document) -> AmendmentTarget {
    AmendmentTarget::Document {
        id: d.id.clone(),
        title: String::new(),
    }
}

fn entries(f: &Fixture) -> Vec<AuditEntry> {
    f.records.system_audit_entries(1, 100_000).unwrap()
}

/// The last audit entry of `action`, which must exist.
fn last_of(f: &Fixture, action: AuditAction) -> AuditEntry {
    entries(f)
        .into_iter()
        .rev()
        .find(|e| e.event.action == action)
        .unwrap_or_else(|| panic!("no {action:?} entry"))
}

fn log(
    f: &Fixture,
    who: &SessionToken,
    mrn: &str,
    target: AmendmentTarget,
    received: NaiveDate,
) -> AmendmentRequest {
    f.records
        .log_amendment_request(
            who,
            mrn,
            target,
            "The allergy is to penicillin, not amoxicillin.",
            received,
        )
        .unwrap()
}

fn invalid(r: Result<AmendmentRequest, ServiceError>, want: &str, rule: &str) {
    match r {
        Err(ServiceError::Invalid(m)) => assert!(m.contains(want), "{rule}: {m}"),
        other => panic!("{rule}: wanted Invalid({want:?}), got {other:?}"),
    }
}

#[test]
fn roi_logs_a_request_due_in_60_days_extends_it_once_and_stale_versions_conflict() {
    let f = fixture();
    let (mrn, note, _) = patient_with_notes(&f);
    let roi = f.login("roi");
    let r = log(&f, &roi, &mrn, on_document(&note), date(2026, 11, 20));
    assert_eq!(r.id, "AMD-000001", "ids come from the amendment counter");
    assert_eq!(r.version, 1, "the store owns the version");
    assert_eq!(r.mrn, mrn);
    assert_eq!(r.status, AmendmentStatus::Pending);
    assert_eq!(r.due_date(), date(2027, 1, 19), "60 days after receipt");
    assert_eq!(r.days_left(today()), 57);
    assert_eq!(
        r.target,
        AmendmentTarget::Document {
            id: note.id.clone(),
            title: "Progress note 2021-04-06".into(),
        },
        "a blank title is filled from the stored document"
    );
    let logged = last_of(&f, AuditAction::AmendmentLogged);
    assert_eq!(logged.event.user, "roi");
    assert_eq!(logged.event.patient.as_deref(), Some(mrn.as_str()));
    assert_eq!(
        logged.event.reason,
        format!(
            "AMD-000001: received 2026-11-20, due 2027-01-19: amend document {}",
            note.id
        )
    );
    assert!(
        !logged.event.reason.contains("penicillin"),
        "the patient's words stay out of the trail"
    );

    // What cannot be logged, and nothing of it is written.
    invalid(
        f.records
            .log_amendment_request(&roi, &mrn, on_document(&note), "fix", date(2026, 11, 24)),
        "cannot be in the future (today is 2026-11-23)",
        "received tomorrow",
    );
    invalid(
        f.records
            .log_amendment_request(&roi, &mrn, on_document(&note), "  ", today()),
        "the requested change is required",
        "blank change",
    );
    let other = f
        .records
        .system_load_synthetic(&[synthetic("Other", &[(2022, 1, 1, "Seen.")])])
        .unwrap()
        .remove(0);
    let other_note = documents(&f, &other).remove(0);
    invalid(
        f.records
            .log_amendment_request(&roi, &mrn, on_document(&other_note), "fix", today()),
        &format!("is not in chart {mrn}"),
        "a document of another chart",
    );
    assert!(matches!(
        f.records.log_amendment_request(
            &roi,
            &mrn,
            AmendmentTarget::Document { id: "D999999999".into(), title: "x".into() },
            "fix",
            today()
        ),
        Err(ServiceError::NotFound(m)) if m.contains("D999999999")
    ));
    assert!(matches!(
        f.records
            .log_amendment_request(&roi, "0999999", on_document(&note), "fix", today()),
        Err(ServiceError::NotFound(_))
    ));
    assert_eq!(
        f.records.amendment_requests(&roi, &mrn).unwrap().requests,
        vec![r.clone()],
        "refused logs wrote nothing"
    );

    // One extension, told before the original due date.
    let extended = f
        .records
        .extend_amendment(
            &roi,
            &r.id,
            r.version,
            "the author is on leave until January",
            today(),
        )
        .unwrap();
    assert_eq!(extended.version, 2);
    assert_eq!(extended.due_date(), date(2027, 2, 18), "30 more days");
    let e = last_of(&f, AuditAction::AmendmentExtended);
    assert_eq!(
        (e.event.user.as_str(), e.event.patient.as_deref()),
        ("roi", Some(mrn.as_str()))
    );
    assert_eq!(
        e.event.reason,
        "AMD-000001: extended to 2027-02-18 (patient told 2026-11-23)"
    );
    invalid(
        f.records
            .extend_amendment(&roi, &r.id, extended.version, "more time", today()),
        "only one 30-day extension is allowed",
        "second extension",
    );

    // A clerk still looking at version 1 is told, not overwritten.
    let sup = f.login("supervisor");
    match f.records.decide_amendment(
        &sup,
        &r.id,
        r.version,
        AmendmentDecisionInput::Accept {
            amendment_text: "Allergy: penicillin.".into(),
        },
        today(),
    ) {
        Err(ServiceError::Conflict(m)) => {
            assert!(
                m.contains("changed by roi at") && m.contains("reload"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        f.records.extend_amendment(&roi, "AMD-000099", 1, "x", today()),
        Err(ServiceError::NotFound(m)) if m.contains("AMD-000099")
    ));
    let now = f.records.amendment_requests(&roi, &mrn).unwrap();
    assert_eq!(now.requests, vec![extended], "the conflict changed nothing");
    assert!(now.amended_documents.is_empty());
    assert_eq!(documents(&f, &mrn).len(), 2, "no document was appended");
}

#[test]
fn acceptance_appends_an_amendment_document_and_the_original_stays_as_it_was() {
    let f = fixture();
    let (mrn, note, later) = patient_with_notes(&f);
    let roi = f.login("roi");
    let r = log(&f, &roi, &mrn, on_document(&note), date(2026, 11, 20));
    let sup = f.login("supervisor");
    let accepted = f
        .records
        .decide_amendment(
            &sup,
            &r.id,
            r.version,
            AmendmentDecisionInput::Accept {
                amendment_text: "Allergy: penicillin (rash), not amoxicillin.".into(),
            },
            date(2026, 11, 22),
        )
        .unwrap();
    assert_eq!(accepted.status, AmendmentStatus::Accepted);
    assert_eq!(accepted.version, 2);
    let Some(DecisionOutcome::Accepted {
        amendment_document_id: Some(doc_id),
        amendment_text,
    }) = accepted.decision.as_ref().map(|d| d.outcome.clone())
    else {
        panic!("{:?}", accepted.decision);
    };
    assert_eq!(
        amendment_text,
        "Allergy: penicillin (rash), not amoxicillin."
    );
    assert_eq!(
        accepted.history.last().map(|e| e.what.clone()),
        Some(format!("amendment appended as document {doc_id}"))
    );

    // The chart shows the amendment beside the document it amends, which is unchanged.
    let chart = f.records.amendment_requests(&roi, &mrn).unwrap();
    assert_eq!(chart.requests, vec![accepted.clone()]);
    assert_eq!(chart.amended_documents, vec![note.id.clone()]);
    let shown: Vec<&str> = chart.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(shown, vec![note.id.as_str(), doc_id.as_str()]);
    assert_eq!(
        chart.documents[0], note,
        "the original is exactly as it was"
    );
    let appended = &chart.documents[1];
    assert_eq!(appended.kind, "Amendment");
    assert_eq!(appended.author, "supervisor");
    assert_eq!(appended.written, date(2026, 11, 22));
    assert_eq!(appended.mrn, mrn);
    assert_eq!(
        appended.encounter_id, note.encounter_id,
        "filed with the amended document"
    );
    assert_eq!(
        appended.text,
        format!(
            "Amendment to document \"Progress note 2021-04-06\" ({}) (request AMD-000001, \
             received 2026-11-20, accepted 2026-11-22).\n\n\
             Allergy: penicillin (rash), not amoxicillin.",
            note.id
        )
    );
    // The chart's document list marks the original amended, by this request.
    let listed = f.records.open_chart(&roi, &mrn).unwrap().documents;
    let amended: Vec<(&str, Option<&str>)> = listed
        .iter()
        .map(|d| (d.id.as_str(), d.amended_by.as_deref()))
        .filter(|(_, by)| by.is_some())
        .collect();
    assert_eq!(amended, vec![(note.id.as_str(), Some(r.id.as_str()))]);
    assert!(
        listed
            .iter()
            .any(|d| d.id == doc_id && d.kind == "Amendment")
    );
    let stored = documents(&f, &mrn);
    assert_eq!(stored.len(), 3, "one document appended");
    assert!(stored.contains(&note), "the stored original is unchanged");
    assert!(stored.contains(&later));

    let decided = last_of(&f, AuditAction::AmendmentDecided);
    assert_eq!(
        (
            decided.event.user.as_str(),
            decided.event.patient.as_deref()
        ),
        ("supervisor", Some(mrn.as_str()))
    );
    assert!(
        decided.event.reason.contains(&doc_id),
        "{}",
        decided.event.reason
    );
    let viewed = last_of(&f, AuditAction::AmendmentsViewed);
    assert_eq!(
        (viewed.event.user.as_str(), viewed.event.patient.as_deref()),
        ("roi", Some(mrn.as_str()))
    );

    // Decided once; a second decision is the domain's refusal and writes nothing.
    invalid(
        f.records.decide_amendment(
            &sup,
            &r.id,
            accepted.version,
            AmendmentDecisionInput::Deny {
                reason: DenialReason::AccurateAndComplete,
                explanation: "x".into(),
            },
            today(),
        ),
        "already accepted on 2026-11-22",
        "deciding twice",
    );
    assert_eq!(documents(&f, &mrn).len(), 3);

    // An item that is not a document: the amendment goes with the most recent visit.
    let item = log(
        &f,
        &roi,
        &mrn,
        AmendmentTarget::Item {
            description: "Problem list: asthma".into(),
        },
        today(),
    );
    let done = f
        .records
        .decide_amendment(
            &roi,
            &item.id,
            item.version,
            AmendmentDecisionInput::Accept {
                amendment_text: "Asthma removed from the problem list.".into(),
            },
            today(),
        )
        .unwrap();
    let chart = f.records.amendment_requests(&roi, &mrn).unwrap();
    assert_eq!(
        chart.amended_documents,
        vec![note.id.clone()],
        "an item amends no document"
    );
    let item_doc = chart
        .documents
        .iter()
        .find(|d| d.text.starts_with("Amendment to Problem list: asthma"))
        .unwrap_or_else(|| panic!("{:?}", chart.documents));
    assert_eq!(item_doc.encounter_id, later.encounter_id, "latest visit");
    assert_eq!(done.status, AmendmentStatus::Accepted);
}

#[test]
fn a_denial_keeps_its_ground_then_the_disagreement_and_the_rebuttal() {
    let f = fixture();
    let (mrn, note, _) = patient_with_notes(&f);
    let roi = f.login("roi");
    let r = log(&f, &roi, &mrn, on_document(&note), date(2026, 11, 2));
    let sup = f.login("supervisor");
    // A denial needs its written basis.
    invalid(
        f.records.decide_amendment(
            &sup,
            &r.id,
            r.version,
            AmendmentDecisionInput::Deny {
                reason: DenialReason::AccurateAndComplete,
                explanation: " ".into(),
            },
            today(),
        ),
        "a written explanation of the denial is required",
        "denial without explanation",
    );
    let denied = f
        .records
        .decide_amendment(
            &sup,
            &r.id,
            r.version,
            AmendmentDecisionInput::Deny {
                reason: DenialReason::AccurateAndComplete,
                explanation: "The 2021 reaction was documented by the allergist.".into(),
            },
            date(2026, 11, 10),
        )
        .unwrap();
    assert_eq!(denied.status, AmendmentStatus::Denied);
    assert_eq!(
        last_of(&f, AuditAction::AmendmentDecided).event.reason,
        "AMD-000001: denied 2026-11-10 (accurate and complete)"
    );
    invalid(
        f.records.add_amendment_statement(
            &roi,
            &r.id,
            denied.version,
            StatementKind::Rebuttal,
            "We stand by it.",
            today(),
        ),
        "none has been received",
        "rebuttal before any disagreement",
    );
    let disagreed = f
        .records
        .add_amendment_statement(
            &roi,
            &r.id,
            denied.version,
            StatementKind::Disagreement,
            "I have taken amoxicillin since without trouble.",
            date(2026, 11, 15),
        )
        .unwrap();
    let comp = f.login("compliance");
    let rebutted = f
        .records
        .add_amendment_statement(
            &comp,
            &r.id,
            disagreed.version,
            StatementKind::Rebuttal,
            "The allergist's note of 2021-04-06 records the rash.",
            today(),
        )
        .unwrap();
    assert_eq!(rebutted.version, 4, "log, deny, disagreement, rebuttal");
    invalid(
        f.records.add_amendment_statement(
            &comp,
            &r.id,
            rebutted.version,
            StatementKind::Rebuttal,
            "Again.",
            today(),
        ),
        "a rebuttal was already written on 2026-11-23",
        "one rebuttal",
    );
    let chart = f.records.amendment_requests(&comp, &mrn).unwrap();
    let kept = &chart.requests[0];
    assert_eq!(kept, &rebutted);
    assert_eq!(
        kept.disagreement.as_ref().map(|s| s.text.as_str()),
        Some("I have taken amoxicillin since without trouble.")
    );
    assert_eq!(
        kept.rebuttal
            .as_ref()
            .map(|s| (s.text.as_str(), s.received)),
        Some((
            "The allergist's note of 2021-04-06 records the rash.",
            today()
        ))
    );
    assert!(
        chart.amended_documents.is_empty(),
        "a denial amends nothing"
    );
    assert_eq!(
        chart.documents,
        vec![note],
        "the disputed document is shown"
    );
    assert_eq!(documents(&f, &mrn).len(), 2, "a denial appends no document");
    let statements: Vec<(String, Option<String>, String)> = entries(&f)
        .into_iter()
        .filter(|e| e.event.action == AuditAction::AmendmentStatementAdded)
        .map(|e| (e.event.user, e.event.patient, e.event.reason))
        .collect();
    assert_eq!(
        statements,
        vec![
            (
                "roi".into(),
                Some(mrn.clone()),
                "AMD-000001: statement of disagreement dated 2026-11-15".into()
            ),
            (
                "compliance".into(),
                Some(mrn.clone()),
                "AMD-000001: rebuttal dated 2026-11-23".into()
            ),
        ]
    );
}

#[test]
fn only_roi_supervisors_and_compliance_manage_amendments_and_refusals_are_recorded() {
    let f = fixture();
    let (mrn, note, _) = patient_with_notes(&f);
    let roi = f.login("roi");
    let r = log(&f, &roi, &mrn, on_document(&note), today());
    for role in ["billing", "registrar", "coder", "clinician", "analyst"] {
        let who = f.login(role);
        let before = entries(&f).len();
        let got = f.records.log_amendment_request(
            &who,
            &mrn,
            on_document(&note),
            "please change",
            today(),
        );
        assert!(
            matches!(&got, Err(ServiceError::NotPermitted(m)) if m == "amendment requests"),
            "{role}: {got:?}"
        );
        let after = entries(&f);
        assert_eq!(
            after.len(),
            before + 1,
            "{role}: only the refusal is written"
        );
        let last = after.last().unwrap();
        assert_eq!(
            (
                last.event.user.as_str(),
                last.event.action,
                last.event.outcome,
                last.event.patient.as_deref(),
                last.event.reason.as_str()
            ),
            (
                role,
                AuditAction::OperationDenied,
                Outcome::Denied,
                Some(mrn.as_str()),
                "amendment requests"
            ),
            "{role}"
        );
        for refused in [
            f.records
                .extend_amendment(&who, &r.id, r.version, "x", today()),
            f.records.decide_amendment(
                &who,
                &r.id,
                r.version,
                AmendmentDecisionInput::Accept {
                    amendment_text: "x".into(),
                },
                today(),
            ),
            f.records.add_amendment_statement(
                &who,
                &r.id,
                r.version,
                StatementKind::Disagreement,
                "x",
                today(),
            ),
        ] {
            assert!(
                matches!(refused, Err(ServiceError::NotPermitted(_))),
                "{role}: {refused:?}"
            );
        }
        assert!(matches!(
            f.records.amendment_worklist(&who),
            Err(ServiceError::NotPermitted(_))
        ));
    }
    // Reading a chart's requests is reading clinical text: billing and registration may not,
    // a coder may.
    for role in ["billing", "registrar"] {
        let who = f.login(role);
        assert!(matches!(
            f.records.amendment_requests(&who, &mrn),
            Err(ServiceError::NotPermitted(_))
        ));
        let last = entries(&f).pop().unwrap();
        assert_eq!(
            (last.event.action, last.event.patient.as_deref()),
            (AuditAction::OperationDenied, Some(mrn.as_str()))
        );
    }
    let coder = f.login("coder");
    assert_eq!(
        f.records.amendment_requests(&coder, &mrn).unwrap().requests,
        vec![r.clone()],
        "every refusal above left the request as it was"
    );
    assert_eq!(
        entries(&f)
            .iter()
            .filter(|e| e.event.action == AuditAction::AmendmentLogged)
            .count(),
        1
    );
}

#[test]
fn a_restricted_chart_needs_break_the_glass_for_its_amendments() {
    let f = fixture();
    let mut p = synthetic("Quiet", &[(2023, 3, 3, "Seen.")]);
    p.sensitivity = Some(Sensitivity::Vip);
    let mrn = f.records.system_load_synthetic(&[p]).unwrap().remove(0);
    let note = documents(&f, &mrn).remove(0);
    let roi = f.login("roi");
    assert_eq!(
        f.records
            .log_amendment_request(&roi, &mrn, on_document(&note), "fix", today())
            .unwrap_err(),
        ServiceError::NeedsBreakGlass
    );
    assert_eq!(
        f.records.amendment_requests(&roi, &mrn).unwrap_err(),
        ServiceError::NeedsBreakGlass
    );
    let last = entries(&f).pop().unwrap();
    assert_eq!(
        (
            last.event.action,
            last.event.outcome,
            last.event.patient.as_deref(),
            last.event.reason.as_str()
        ),
        (
            AuditAction::OperationDenied,
            Outcome::Denied,
            Some(mrn.as_str()),
            "restricted chart"
        )
    );
    // Compliance reads restricted charts as its job.
    let comp = f.login("compliance");
    let r = log(&f, &comp, &mrn, on_document(&note), today());
    assert_eq!(
        f.records.amendment_requests(&comp, &mrn).unwrap().requests,
        vec![r.clone()]
    );
    // A step on the restricted chart's request is refused to ROI the same way.
    assert_eq!(
        f.records
            .extend_amendment(&roi, &r.id, r.version, "x", today())
            .unwrap_err(),
        ServiceError::NeedsBreakGlass
    );
}

#[test]
fn the_work_list_puts_the_soonest_due_first_and_overdue_ones_lead() {
    let f = fixture();
    let (mrn, note, later) = patient_with_notes(&f);
    let roi = f.login("roi");
    let recent = log(&f, &roi, &mrn, on_document(&later), date(2026, 11, 20));
    let overdue = log(&f, &roi, &mrn, on_document(&note), date(2026, 9, 1));
    let middle = log(
        &f,
        &roi,
        &mrn,
        AmendmentTarget::Item {
            description: "Address history".into(),
        },
        date(2026, 11, 1),
    );
    let decided = log(&f, &roi, &mrn, on_document(&note), date(2026, 8, 1));
    f.records
        .decide_amendment(
            &roi,
            &decided.id,
            decided.version,
            AmendmentDecisionInput::Deny {
                reason: DenialReason::NotPartOfDesignatedRecordSet,
                explanation: "Billing correspondence is not in the record set.".into(),
            },
            today(),
        )
        .unwrap();

    let list = f.records.amendment_worklist(&roi).unwrap();
    let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![overdue.id.as_str(), middle.id.as_str(), recent.id.as_str()],
        "pending only, soonest due first"
    );
    assert!(list[0].is_overdue(today()), "due 2026-10-31");
    assert_eq!(list[0].days_left(today()), -23);
    assert!(!list[1].is_overdue(today()));
    let viewed = last_of(&f, AuditAction::AmendmentsViewed);
    assert_eq!(
        viewed.event.reason,
        "amendment work list: 3 pending, 1 overdue"
    );

    // Six weeks on (the fixture's clock), the one due 2026-12-31 is overdue too; the
    // extended one moves behind the newest.
    let sup = f.login("supervisor");
    let middle = f
        .records
        .extend_amendment(
            &sup,
            &middle.id,
            middle.version,
            "records off site",
            today(),
        )
        .unwrap();
    f.clock.advance(Duration::days(42));
    let later_day = today() + Duration::days(42);
    let sup = f.login("supervisor");
    let list = f.records.amendment_worklist(&sup).unwrap();
    let rows: Vec<(&str, bool)> = list
        .iter()
        .map(|r| (r.id.as_str(), r.is_overdue(later_day)))
        .collect();
    assert_eq!(
        rows,
        vec![
            (overdue.id.as_str(), true),
            (recent.id.as_str(), false),
            (middle.id.as_str(), false),
        ],
        "due 2026-10-31, 2027-01-19, 2027-01-30 (extended)"
    );
    assert_eq!(middle.due_date(), date(2027, 1, 30));
    assert_eq!(
        last_of(&f, AuditAction::AmendmentsViewed).event.reason,
        "amendment work list: 3 pending, 1 overdue"
    );
}
