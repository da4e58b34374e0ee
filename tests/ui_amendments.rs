//! Amendment requests worked from the chart's Amendments tab at 80×24, keys through the app
//! and a local service on a temporary database: a new request against a document, the one
//! extension, a denial on one of the rule's grounds with the patient's disagreement and the
//! rebuttal, an acceptance, the service's refusal shown in the form, and a role that may read
//! the tab but not work it.

mod common;

use chartroom::domain::amendment::{
    AmendmentStatus, AmendmentTarget, DecisionOutcome, DenialReason,
};
use chartroom::domain::patient::{EncounterClass, NewPatient, Sex};
use chartroom::service::Records;
use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
use chrono::NaiveDate;
use common::ui::{Ui, ctrl, key};
use crossterm::event::KeyCode;
use std::time::Duration;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn patient() -> SynthPatient {
    SynthPatient {
        patient: NewPatient {
            family_name: "Marchetti".into(),
            given_names: vec!["Ines".into()],
            dob: date(1961, 4, 12),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        },
        deceased: None,
        sensitivity: None,
        near_duplicate_of: None,
        encounters: vec![SynthEncounter {
            class: EncounterClass::Inpatient,
            admitted: date(2026, 9, 1),
            discharged: Some(date(2026, 9, 4)),
            location: "4 West".into(),
            attending: "Dr. K. Osei".into(),
            discharge_status: Some("home".into()),
            documents: vec![SynthDocument {
                kind: "Discharge summary".into(),
                author: "Dr. K. Osei".into(),
                written: date(2026, 9, 4),
                text: "Social history: smoker, 10 pack-years.".into(),
            }],
        }],
        clinical: Vec::new(),
    }
}

/// `user` on the Amendments tab of a fresh patient's chart; the app's date is the service's.
fn amendments_tab(user: &str) -> (Ui, String) {
    let mut ui = Ui::new(true);
    let mrn =
        ui.f.records
            .system_load_synthetic(&[patient()])
            .unwrap()
            .remove(0);
    ui.f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    ui.log_in(user);
    ui.app.today = date(2026, 11, 23);
    ui.send(key(KeyCode::F(2)));
    ui.type_text(&mrn);
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Char('7')));
    assert!(
        ui.screen80().contains("Amendment requests"),
        "{}",
        ui.screen80()
    );
    (ui, mrn)
}

fn status(ui: &Ui) -> String {
    ui.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

fn footer(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default()
}

#[test]
fn roi_logs_extends_denies_and_records_both_statements() {
    let (mut ui, mrn) = amendments_tab("roi");
    let empty = ui.screen80();
    assert!(footer(&empty).contains("n New request"), "{empty}");
    assert!(
        !footer(&empty).contains("Extend"),
        "nothing to extend yet: {empty}"
    );

    // n: the chart's document is chosen first; Tab skips the other item's description.
    ui.send(key(KeyCode::Char('n')));
    ui.send(key(KeyCode::Tab));
    ui.type_text("The summary says I smoke; I stopped in 2019. Please correct the social history.");
    ui.send(key(KeyCode::Tab));
    ui.send(ctrl('u'));
    ui.type_text("2026-11-20");
    let new_form = ui.screen80();
    assert!(
        new_form.contains("Discharge summary — Dr. K. Osei"),
        "{new_form}"
    );
    insta::assert_snapshot!("new_request_form", new_form);
    ui.send(key(KeyCode::Enter));
    let logged = ui.screen80();
    assert!(status(&ui).contains("logged: due 2027-01-19"), "{logged}");
    assert!(logged.contains("57d left"), "{logged}");
    assert!(footer(&logged).contains("x Extend"), "{logged}");

    // x: the reason, Enter to the date (today), Enter sends.
    ui.send(key(KeyCode::Char('x')));
    ui.type_text("We are waiting for the records of the clinic where you quit.");
    let extend_form = ui.screen80();
    assert!(
        extend_form.contains("New due date 2027-02-18"),
        "{extend_form}"
    );
    insta::assert_snapshot!("extend_form", extend_form);
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Enter));
    assert!(
        status(&ui).contains("extended: now due 2027-02-18"),
        "{}",
        status(&ui)
    );
    // A second extension is refused before any form opens.
    ui.send(key(KeyCode::Char('x')));
    assert!(
        status(&ui).contains("already extended") && status(&ui).contains("one 30-day extension"),
        "{}",
        status(&ui)
    );
    assert!(!ui.screen80().contains("Extend request"));
    assert!(!footer(&ui.screen80()).contains("Extend"));

    // a: the acceptance form, looked at and cancelled.
    ui.send(key(KeyCode::Char('a')));
    let accept_form = ui.screen80();
    assert!(accept_form.contains("Accept request AMD-"), "{accept_form}");
    insta::assert_snapshot!("accept_form", accept_form);
    ui.send(key(KeyCode::Esc));
    assert!(ui.screen80().contains("Amendment requests — 1 request"));

    // d: the fourth ground, an explanation, the date, sent.
    ui.send(key(KeyCode::Char('d')));
    for _ in 0..3 {
        ui.send(key(KeyCode::Down));
    }
    ui.send(key(KeyCode::Enter));
    ui.type_text("The note records what you told the nurse at admission.");
    let deny_form = ui.screen80();
    assert!(
        deny_form.contains("(•) accurate and complete"),
        "{deny_form}"
    );
    insta::assert_snapshot!("deny_form", deny_form);
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Enter));
    assert!(status(&ui).contains("denied"), "{}", status(&ui));

    // s: the patient's statement of disagreement, then s again: the rebuttal.
    ui.send(key(KeyCode::Char('s')));
    ui.type_text("I told the nurse I used to smoke. I want my statement kept with the record.");
    let statement_form = ui.screen80();
    assert!(
        statement_form.contains("Statement of disagreement — request AMD-"),
        "{statement_form}"
    );
    insta::assert_snapshot!("statement_form", statement_form);
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Enter));
    assert!(
        status(&ui).contains("statement of disagreement is recorded"),
        "{}",
        status(&ui)
    );
    ui.send(key(KeyCode::Char('s')));
    assert!(ui.screen80().contains("Patient's statement (2026-11-23)"));
    ui.type_text("The admission nursing note stands as written.");
    ui.send(ctrl('s'));
    assert!(
        status(&ui).contains("rebuttal is recorded"),
        "{}",
        status(&ui)
    );
    let done = ui.screen80();
    assert!(done.contains("Rebuttal (2026-11-23)"), "{done}");
    assert!(
        !footer(&done).contains("Statement"),
        "nothing left to add: {done}"
    );

    // The service has every step.
    let token = ui.f.login("roi");
    let chart = ui.f.records.amendment_requests(&token, &mrn).unwrap();
    assert_eq!(chart.requests.len(), 1);
    let r = &chart.requests[0];
    assert_eq!(r.received, date(2026, 11, 20));
    assert!(
        matches!(&r.target, AmendmentTarget::Document { title, .. } if title == "Discharge summary 2026-09-04")
    );
    assert!(r.requested_change.starts_with("The summary says I smoke"));
    let ext = r.extension.as_ref().expect("extended");
    assert_eq!(ext.patient_told, date(2026, 11, 23));
    assert!(ext.reason.starts_with("We are waiting"));
    assert_eq!(r.status, AmendmentStatus::Denied);
    assert_eq!(
        r.decision.as_ref().map(|d| &d.outcome),
        Some(&DecisionOutcome::Denied {
            reason: DenialReason::AccurateAndComplete,
            explanation: "The note records what you told the nurse at admission.".into(),
        })
    );
    assert_eq!(
        r.disagreement.as_ref().map(|s| s.text.as_str()),
        Some("I told the nurse I used to smoke. I want my statement kept with the record.")
    );
    assert_eq!(
        r.rebuttal.as_ref().map(|s| s.text.as_str()),
        Some("The admission nursing note stands as written.")
    );
    assert_eq!(r.created_by, "roi");
}

#[test]
fn an_item_request_accepted_appends_the_amendment() {
    let (mut ui, mrn) = amendments_tab("supervisor");
    ui.send(key(KeyCode::Char('n')));
    ui.send(key(KeyCode::Down));
    ui.send(key(KeyCode::Tab));
    ui.type_text("allergy list");
    ui.send(key(KeyCode::Tab));
    ui.type_text("Remove penicillin: the rash was from a detergent.");
    ui.send(ctrl('s'));
    assert!(status(&ui).contains("logged"), "{}", status(&ui));
    ui.send(key(KeyCode::Char('a')));
    // Nothing typed: the form says what is missing and sends nothing.
    ui.send(ctrl('s'));
    assert!(
        ui.screen80()
            .contains("the text of the amendment is required"),
        "{}",
        ui.screen80()
    );
    ui.type_text("Allergies: none known (penicillin entry made in error).");
    ui.send(ctrl('s'));
    let s = status(&ui);
    assert!(s.contains("accepted: the amendment is document D"), "{s}");
    let shown = ui.screen80();
    assert!(
        shown.contains("Accepted 2026-11-23 by supervisor"),
        "{shown}"
    );
    let token = ui.f.login("supervisor");
    let chart = ui.f.records.amendment_requests(&token, &mrn).unwrap();
    let r = &chart.requests[0];
    assert_eq!(
        r.target,
        AmendmentTarget::Item {
            description: "allergy list".into()
        }
    );
    let Some(DecisionOutcome::Accepted {
        amendment_document_id: Some(doc),
        ..
    }) = r.decision.as_ref().map(|d| &d.outcome)
    else {
        panic!("accepted with a document: {r:?}");
    };
    assert!(s.contains(doc.as_str()), "{s}");
    assert!(chart.documents.iter().any(|d| &d.id == doc));
    // The chart's document list has the amendment beside the original, without reopening.
    ui.send(key(KeyCode::Char('3')));
    let docs = ui.screen80();
    assert!(docs.contains("1 encounter, 2 documents"), "{docs}");
    assert!(docs.contains("2026-11-23 Amendment"), "{docs}");
    assert!(docs.contains("Discharge summary"), "{docs}");
}

#[test]
fn a_document_request_accepted_marks_the_document_amended() {
    let (mut ui, _mrn) = amendments_tab("supervisor");
    // n: the chart's only document is chosen; the change; Ctrl+S sends.
    ui.send(key(KeyCode::Char('n')));
    ui.send(key(KeyCode::Tab));
    ui.type_text("I stopped smoking in 2019.");
    ui.send(ctrl('s'));
    assert!(status(&ui).contains("logged"), "{}", status(&ui));
    ui.send(key(KeyCode::Char('a')));
    ui.type_text("Social history: former smoker, quit 2019.");
    ui.send(ctrl('s'));
    assert!(status(&ui).contains("accepted"), "{}", status(&ui));
    ui.send(key(KeyCode::Char('3')));
    let docs = ui.screen80();
    assert!(docs.contains("Discharge summary (amended)"), "{docs}");
    assert!(!docs.contains("Amendment (amended)"), "{docs}");
    insta::assert_snapshot!("documents_with_an_amended_one", docs);
}

#[test]
fn the_services_refusal_is_shown_in_the_form() {
    let (mut ui, mrn) = amendments_tab("compliance");
    // The terminal's date is ahead of the server's: the form's own check passes, the
    // service refuses a receipt date in its future, and the form stays open with why.
    ui.app.today = date(2026, 11, 25);
    ui.send(key(KeyCode::Char('n')));
    ui.send(key(KeyCode::Tab));
    ui.type_text("Wrong birth weight.");
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(
        s.contains("cannot be in the future (today is 2026-11-23)"),
        "{s}"
    );
    assert!(
        s.contains("New amendment request"),
        "the form stays open: {s}"
    );
    assert!(
        s.contains("Wrong birth weight."),
        "nothing typed is lost: {s}"
    );
    let token = ui.f.login("compliance");
    assert!(
        ui.f.records
            .amendment_requests(&token, &mrn)
            .unwrap()
            .requests
            .is_empty()
    );
    // Quitting now asks first: the form holds typed text.
    ui.send(ctrl('q'));
    assert!(!ui.app.quit);
}

#[test]
fn a_coder_reads_the_tab_but_is_not_offered_the_steps() {
    let (mut ui, mrn) = amendments_tab("coder");
    let roi = ui.f.login("roi");
    ui.f.records
        .log_amendment_request(
            &roi,
            &mrn,
            AmendmentTarget::Item {
                description: "demographics".into(),
            },
            "My middle name is Ana.",
            date(2026, 11, 2),
        )
        .unwrap();
    // Back to the chart and onto the tab again, so it is read afresh.
    ui.send(key(KeyCode::Esc));
    ui.send(key(KeyCode::F(3)));
    ui.send(key(KeyCode::Char('7')));
    let s = ui.screen80();
    assert!(s.contains("My middle name is Ana."), "{s}");
    for step in ["New request", "Extend", "Accept", "Deny", "Statement"] {
        assert!(!footer(&s).contains(step), "{step} offered: {s}");
    }
    insta::assert_snapshot!("amendments_tab_coder", s);
    ui.send(key(KeyCode::Char('n')));
    assert!(
        status(&ui).contains("not permitted for your role"),
        "{}",
        status(&ui)
    );
    assert!(!ui.screen80().contains("New amendment request"));
    // The service refuses too, whatever the UI shows.
    let coder = ui.f.login("coder");
    assert!(
        ui.f.records
            .log_amendment_request(
                &coder,
                &mrn,
                AmendmentTarget::Item {
                    description: "x".into()
                },
                "y",
                date(2026, 11, 2),
            )
            .is_err()
    );
}
