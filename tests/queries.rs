//! Physician queries end to end on a real database (issue 6): a coder sends a compliant
//! query and the encounter goes on hold; non-compliant drafts are refused with every problem;
//! the clinician answers from their work queue and the encounter comes back to its coder;
//! resume is refused while a query is open; withdrawal; who may do what; restricted
//! encounters; audit entries.

mod common;

use chartroom::domain::Sensitivity;
use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::coding::{CodingStatus, HoldReason};
use chartroom::domain::query::{
    self, Indicator, OTHER, QueryDraft, QueryForm, QueryKind, QueryStatus, UNDETERMINED,
};
use chartroom::service::{Records, ServiceError};
use chrono::{Duration, NaiveDate};
use common::{Fixture, chf_patient, fixture};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// One inpatient encounter with one note; returns (mrn, encounter id, document id).
fn load(f: &Fixture, sensitivity: Option<Sensitivity>) -> (String, String, String) {
    let mrn = f
        .records
        .system_load_synthetic(&[chf_patient("Quill", sensitivity)])
        .unwrap()
        .remove(0);
    let chart = f.records.open_chart(&f.login("compliance"), &mrn).unwrap();
    (
        mrn,
        chart.encounters[0].id.clone(),
        chart.documents[0].id.clone(),
    )
}

fn draft(encounter: &str, document: &str) -> QueryDraft {
    QueryDraft {
        encounter_id: encounter.into(),
        kind: QueryKind::Specificity,
        to: "clinician".into(),
        indicators: vec![Indicator {
            document_id: document.into(),
            quote: "Ejection fraction 30%. IV furosemide started;".into(),
        }],
        question: query::template_question(QueryKind::Specificity),
        form: QueryForm::MultipleChoice(query::template_options(QueryKind::Specificity)),
    }
}

fn refused(e: ServiceError, part: &str) {
    match e {
        ServiceError::Invalid(m) | ServiceError::NotPermitted(m) | ServiceError::Conflict(m) => {
            assert!(m.contains(part), "{m:?} lacks {part:?}")
        }
        other => panic!("expected a refusal containing {part:?}, got {other:?}"),
    }
}

#[test]
fn a_query_holds_the_encounter_until_the_clinician_answers() {
    let f = fixture();
    let (mrn, enc, doc) = load(&f, None);
    let coder = f.login("coder");
    let claimed = f.records.claim_encounter(&coder, &enc).unwrap();

    let recipients = f.records.query_recipients(&coder).unwrap();
    assert_eq!(
        recipients
            .iter()
            .map(|r| r.username.as_str())
            .collect::<Vec<_>>(),
        vec!["clinician"]
    );

    let q = f
        .records
        .send_query(&coder, draft(&enc, &doc), claimed.version)
        .unwrap();
    assert_eq!(
        (q.id.as_str(), q.status, q.version),
        ("Q-000001", QueryStatus::Open, 1)
    );
    let view = f.records.coding_record(&coder, &enc).unwrap();
    assert_eq!(view.record.status, CodingStatus::OnHold);
    assert_eq!(view.record.hold, Some(HoldReason::QueryPending));
    assert_eq!(view.queries.len(), 1);

    // The queue shows the hold and since when.
    let page = f
        .records
        .coding_queue(
            &coder,
            &Default::default(),
            chartroom::domain::coding::QueueSort::oldest_first(),
            10,
        )
        .unwrap();
    let row = page.rows.iter().find(|r| r.encounter_id == enc).unwrap();
    assert_eq!(row.hold, Some(HoldReason::QueryPending));
    assert_eq!(row.held_since, Some(date(2026, 11, 23)));

    // Resume is refused while the query is open.
    let e = f
        .records
        .resume_encounter(&coder, &enc, view.record.version)
        .unwrap_err();
    refused(e, "is still open");

    // The clinician's work queue has it, with the patient; the coder's has it as sent.
    f.clock.advance(Duration::days(2));
    let coder = f.login("coder");
    let clinician = f.login("clinician");
    let mine = f.records.my_queries(&clinician).unwrap();
    assert_eq!(mine.to_answer.len(), 1);
    assert_eq!(mine.to_answer[0].mrn, mrn);
    assert_eq!(mine.to_answer[0].patient, "QUILL, Ada");
    assert_eq!(mine.to_answer[0].query.age_days(mine.today), 2);
    assert!(mine.sent.is_empty());
    let sent = f.records.my_queries(&coder).unwrap();
    assert_eq!((sent.to_answer.len(), sent.sent.len()), (0, 1));

    // A choice that is not offered, and "other" without words, are refused.
    refused(
        f.records
            .answer_query(&clinician, &q.id, q.version, Some("Septic shock"), "")
            .unwrap_err(),
        "is not one of",
    );
    refused(
        f.records
            .answer_query(&clinician, &q.id, q.version, Some(OTHER), " ")
            .unwrap_err(),
        "say what the other answer is",
    );
    // The coder cannot answer it.
    assert!(matches!(
        f.records
            .answer_query(&coder, &q.id, q.version, Some(UNDETERMINED), ""),
        Err(ServiceError::NotPermitted(_))
    ));

    let answered = f
        .records
        .answer_query(
            &clinician,
            &q.id,
            q.version,
            Some("Acute on chronic systolic heart failure"),
            "",
        )
        .unwrap();
    assert_eq!(answered.status, QueryStatus::Answered);
    assert_eq!(
        answered.answer.as_ref().map(|a| a.text.as_str()),
        Some("Acute on chronic systolic heart failure")
    );
    // Back with the coder, in progress; a second answer is refused.
    let view = f.records.coding_record(&coder, &enc).unwrap();
    assert_eq!(view.record.status, CodingStatus::InProgress);
    assert_eq!(view.record.assigned.as_deref(), Some("coder"));
    assert_eq!(view.record.hold, None);
    assert_eq!(view.queries[0].status, QueryStatus::Answered);
    refused(
        f.records
            .answer_query(&clinician, &q.id, answered.version, Some(UNDETERMINED), "")
            .unwrap_err(),
        "already answered",
    );
    assert!(
        f.records
            .my_queries(&clinician)
            .unwrap()
            .to_answer
            .is_empty()
    );

    let audit: Vec<(AuditAction, Outcome, String)> = f
        .records
        .system_audit_entries(1, 10_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.event.action, e.event.outcome, e.event.reason))
        .collect();
    assert!(audit.iter().any(|(a, o, r)| *a == AuditAction::QuerySent
        && *o == Outcome::Success
        && r.contains("Q-000001")
        && r.contains("to clinician")));
    assert!(audit.iter().any(
        |(a, _, r)| *a == AuditAction::QueryAnswered && r.contains("Acute on chronic systolic")
    ));
    assert!(audit.iter().any(
        |(a, _, r)| *a == AuditAction::CodingChanged && r.contains("off hold, Q-000001 closed")
    ));
}

#[test]
fn a_non_compliant_query_is_refused_with_every_problem_and_nothing_changes() {
    let f = fixture();
    let (_, enc, doc) = load(&f, None);
    let coder = f.login("coder");
    let claimed = f.records.claim_encounter(&coder, &enc).unwrap();
    let mut d = draft(&enc, &doc);
    d.indicators[0].quote = "EF 15%".into();
    d.question.push_str(" This affects the DRG.");
    d.form = QueryForm::MultipleChoice(vec!["Acute systolic".into(), OTHER.into()]);
    let e = f
        .records
        .send_query(&coder, d, claimed.version)
        .unwrap_err();
    let ServiceError::Invalid(m) = e else {
        panic!("{e:?}")
    };
    for part in [
        "\"EF 15%\" is not in document",
        "Offer at least two clinically reasonable options",
        "Clinically undetermined",
        "Leave out \"drg\"",
    ] {
        assert!(m.contains(part), "{m:?} lacks {part:?}");
    }
    let view = f.records.coding_record(&coder, &enc).unwrap();
    assert_eq!(view.record.status, CodingStatus::InProgress);
    assert!(view.queries.is_empty());

    // A yes/no query to establish a diagnosis is refused; to a non-clinician too.
    let mut d = draft(&enc, &doc);
    d.kind = QueryKind::UndocumentedDiagnosis;
    d.form = QueryForm::YesNo;
    refused(
        f.records
            .send_query(&coder, d, claimed.version)
            .unwrap_err(),
        "A yes/no query may not be used",
    );
    let mut d = draft(&enc, &doc);
    d.to = "billing".into();
    refused(
        f.records
            .send_query(&coder, d, claimed.version)
            .unwrap_err(),
        "billing is not an active clinician",
    );
}

#[test]
fn only_the_coder_in_hand_sends_and_only_the_sender_or_a_supervisor_withdraws() {
    let f = fixture();
    let (_, enc, doc) = load(&f, None);
    let coder = f.login("coder");
    // Not claimed yet.
    refused(
        f.records
            .send_query(&coder, draft(&enc, &doc), 0)
            .unwrap_err(),
        "send a query on an encounter you are coding",
    );
    // Billing and clinicians do not send queries.
    for user in ["billing", "clinician"] {
        assert!(matches!(
            f.records.send_query(&f.login(user), draft(&enc, &doc), 0),
            Err(ServiceError::NotPermitted(_))
        ));
    }
    let claimed = f.records.claim_encounter(&coder, &enc).unwrap();
    // A stale coding version is a conflict.
    assert!(matches!(
        f.records
            .send_query(&coder, draft(&enc, &doc), claimed.version + 5),
        Err(ServiceError::Conflict(_))
    ));
    let q1 = f
        .records
        .send_query(&coder, draft(&enc, &doc), claimed.version)
        .unwrap();
    // A second query while the first is pending keeps the hold.
    let held = f.records.coding_record(&coder, &enc).unwrap().record;
    let mut d2 = draft(&enc, &doc);
    d2.kind = QueryKind::PresentOnAdmission;
    d2.form = QueryForm::YesNo;
    d2.question = query::template_question(QueryKind::PresentOnAdmission);
    let q2 = f.records.send_query(&coder, d2, held.version).unwrap();
    assert_eq!(q2.id, "Q-000002");

    // Withdrawal needs a reason, and the sender or a supervisor.
    refused(
        f.records
            .withdraw_query(&coder, &q1.id, q1.version, " ")
            .unwrap_err(),
        "say why",
    );
    f.records
        .system_add_user(
            chartroom::service::NewUser {
                username: "ben".into(),
                full_name: "Ben Second".into(),
                roles: vec![chartroom::domain::Role::Coder],
                password: common::password_of("ben").into(),
                must_change_password: false,
            },
            false,
        )
        .unwrap();
    refused(
        f.records
            .withdraw_query(&f.login("ben"), &q1.id, q1.version, "asked twice")
            .unwrap_err(),
        "only coder or a supervisor",
    );
    f.records
        .withdraw_query(&coder, &q1.id, q1.version, "asked the wrong question")
        .unwrap();
    // One query still open: still on hold.
    let view = f.records.coding_record(&coder, &enc).unwrap();
    assert_eq!(view.record.status, CodingStatus::OnHold);
    f.records
        .withdraw_query(
            &f.login("supervisor"),
            &q2.id,
            q2.version,
            "answered in the discharge summary",
        )
        .unwrap();
    let view = f.records.coding_record(&coder, &enc).unwrap();
    assert_eq!(view.record.status, CodingStatus::InProgress);
    assert_eq!(
        view.queries.iter().map(|q| q.status).collect::<Vec<_>>(),
        vec![QueryStatus::Withdrawn, QueryStatus::Withdrawn]
    );
    // The coder's work queue keeps closed ones for a while.
    let sent = f.records.my_queries(&coder).unwrap();
    assert_eq!(sent.sent.len(), 2);
    f.clock.advance(Duration::days(31));
    assert!(
        f.records
            .my_queries(&f.login("coder"))
            .unwrap()
            .sent
            .is_empty()
    );
}

#[test]
fn a_query_on_a_restricted_encounter_is_withheld_until_the_glass_is_broken() {
    let f = fixture();
    let (mrn, enc, doc) = load(&f, Some(Sensitivity::BehavioralHealth));
    let coder = f.login("coder");
    assert!(matches!(
        f.records.claim_encounter(&coder, &enc),
        Err(ServiceError::NeedsBreakGlass)
    ));
    f.records
        .break_glass(
            &coder,
            &mrn,
            chartroom::domain::break_glass::BreakGlassReason::CodingOrBilling,
            "coding the stay",
            &common::password_of("coder").into(),
        )
        .unwrap();
    let claimed = f.records.claim_encounter(&coder, &enc).unwrap();
    let q = f
        .records
        .send_query(&coder, draft(&enc, &doc), claimed.version)
        .unwrap();
    // The clinician sees only that a query waits on a restricted record, and cannot answer
    // it without breaking the glass.
    let clinician = f.login("clinician");
    let mine = f.records.my_queries(&clinician).unwrap();
    assert!(mine.to_answer.is_empty());
    assert_eq!(mine.withheld, vec![(q.id.clone(), mrn.clone(), 0)]);
    assert!(matches!(
        f.records
            .answer_query(&clinician, &q.id, q.version, Some(UNDETERMINED), ""),
        Err(ServiceError::NeedsBreakGlass)
    ));
    f.records
        .break_glass(
            &clinician,
            &mrn,
            chartroom::domain::break_glass::BreakGlassReason::PatientCare,
            "answering a coding query",
            &common::password_of("clinician").into(),
        )
        .unwrap();
    assert_eq!(f.records.my_queries(&clinician).unwrap().to_answer.len(), 1);
    f.records
        .answer_query(&clinician, &q.id, q.version, Some(UNDETERMINED), "")
        .unwrap();
}

#[test]
fn the_demo_holds_for_a_query_wait_on_real_queries() {
    use chartroom::domain::coding::{QueueFilter, QueueSort};
    use chartroom::synth::{SynthConfig, generate};
    let f = fixture();
    let today = date(2026, 11, 23);
    let patients: Vec<_> = generate(&SynthConfig {
        seed: 11,
        patients: 2000,
        today,
    })
    .collect();
    f.records.system_load_synthetic(&patients).unwrap();
    f.records.system_seed_coding(today).unwrap();
    let sent = f.records.system_seed_queries().unwrap();

    let supervisor = f.login("supervisor");
    let filter = QueueFilter {
        hold: Some(HoldReason::QueryPending),
        ..Default::default()
    };
    let held = f
        .records
        .coding_queue(&supervisor, &filter, QueueSort::oldest_first(), 10_000)
        .unwrap()
        .rows;
    assert!(sent > 0, "the demo has queries to answer");
    // Every hold "query pending" on an ordinary chart waits on exactly one open query, sent
    // on the day the hold began; none is older than the recent holds the seed makes.
    let ordinary: Vec<_> = held.iter().filter(|r| !r.restricted).collect();
    assert_eq!(sent, ordinary.len());
    let clinician = f.login("clinician");
    let mine = f.records.my_queries(&clinician).unwrap();
    assert_eq!(mine.to_answer.len(), sent);
    for item in &mine.to_answer {
        let row = ordinary
            .iter()
            .find(|r| r.encounter_id == item.query.draft.encounter_id)
            .expect("the query's encounter is on hold for it");
        assert_eq!(Some(item.query.sent_at.date_naive()), row.held_since);
        assert!(item.query.age_days(today) <= 20, "{:?}", item.query);
        assert!(!item.query.draft.indicators.is_empty());
    }
    // Answering one gives the encounter back to the coder.
    let q = &mine.to_answer[0].query;
    f.records
        .answer_query(&clinician, &q.id, q.version, Some(UNDETERMINED), "")
        .unwrap();
    let view = f
        .records
        .coding_record(&supervisor, &q.draft.encounter_id)
        .unwrap();
    assert_eq!(view.record.status, CodingStatus::InProgress);
    // Seeding again adds nothing: each hold already has its query.
    assert_eq!(f.records.system_seed_queries().unwrap(), 0);
}
