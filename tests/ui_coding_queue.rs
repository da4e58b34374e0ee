//! F4 at 80×24 through the app, on a real database: the coding queue for a coder, a
//! supervisor and billing, and a coder working an encounter in the workspace from claim to
//! coded (the look-up popup, POA, one save, mark coded).

mod common;

use chartroom::codes::CodeSystem;
use chartroom::codes::validate::Poa;
use chartroom::domain::coding::CodingStatus;
use chartroom::domain::patient::{EncounterClass, NewPatient, Sex};
use chartroom::service::Records;
use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
use chartroom::ui::app::View;
use chrono::{Duration, NaiveDate};
use common::ui::{Ui, ctrl, key};
use crossterm::event::KeyCode;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn person(family: &str, stays: Vec<(EncounterClass, NaiveDate)>) -> SynthPatient {
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
        sensitivity: None,
        near_duplicate_of: None,
        encounters: stays
            .into_iter()
            .map(|(class, discharged)| SynthEncounter {
                class,
                admitted: discharged - Duration::days(2),
                discharged: Some(discharged),
                location: "4 West".into(),
                attending: "Dr. R. Okafor".into(),
                discharge_status: Some("Home".into()),
                documents: vec![SynthDocument {
                    kind: "Discharge summary".into(),
                    author: "Dr. R. Okafor".into(),
                    written: discharged,
                    text: format!(
                        "{family} was admitted with fever and cough.\nChest X-ray: right lower lobe consolidation.\nAssessment: community-acquired pneumonia, organism not identified.\nDischarged home on oral antibiotics."
                    ),
                }],
            })
            .collect(),
        clinical: vec![],
    }
}

/// Two patients: an inpatient stay discharged 40 days ago (overdue) and an ED visit
/// discharged two days ago. The fixture's clock is 2026-11-23.
fn queue_ui(user: &str) -> (Ui, String) {
    let ui = Ui::new(true);
    ui.f.records
        .system_load_synthetic(&[
            person(
                "Lovelace",
                vec![(EncounterClass::Inpatient, date(2026, 10, 14))],
            ),
            person(
                "Hopper",
                vec![(EncounterClass::Emergency, date(2026, 11, 21))],
            ),
        ])
        .unwrap();
    let enc =
        ui.f.records
            .coding_queue(
                &ui.f.login("supervisor"),
                &Default::default(),
                chartroom::domain::coding::QueueSort::oldest_first(),
                10,
            )
            .unwrap()
            .rows
            .remove(0)
            .encounter_id;
    let mut ui = ui;
    ui.log_in(user);
    ui.app.today = date(2026, 11, 23);
    ui.send(key(KeyCode::F(4)));
    (ui, enc)
}

#[test]
fn the_queue_for_a_coder_a_supervisor_and_billing() {
    let (mut ui, _) = queue_ui("coder");
    let s = ui.screen80();
    assert!(s.contains("Coding queue — 0 mine"), "{s}");
    ui.send(key(KeyCode::Char('a')));
    let s = ui.screen80();
    assert!(s.contains("Coding queue — 2 all"), "{s}");
    assert!(s.contains("LOVELACE"), "{s}");
    assert!(s.contains("c Claim"), "coders see the claim key: {s}");
    insta::assert_snapshot!("queue_coder", s);

    // Sorting by the next column (type) and reversing; the type filter cycles.
    ui.send(key(KeyCode::Char('s')));
    assert!(ui.screen80().contains("by type desc"));
    ui.send(key(KeyCode::Char('t')));
    let s = ui.screen80();
    assert!(s.contains("1 all, Inpatient"), "{s}");
    assert!(!s.contains("HOPPER"), "{s}");

    let (ui, _) = queue_ui("supervisor");
    let s = ui.screen80();
    assert!(s.contains("Backlog 2"), "{s}");
    assert!(s.contains("A Assign"), "{s}");
    insta::assert_snapshot!("queue_supervisor", s);

    let (mut ui, _) = queue_ui("billing");
    let s = ui.screen80();
    assert!(s.contains("Coding queue — 2 all"), "{s}");
    assert!(!s.contains("Claim"), "billing reads only: {s}");
    insta::assert_snapshot!("queue_billing", s);
    ui.send(key(KeyCode::Char('c')));
    assert!(ui.screen80().contains("not permitted"));
}

#[test]
fn a_coder_claims_codes_and_marks_an_encounter_coded() {
    let (mut ui, enc) = queue_ui("coder");
    ui.send(key(KeyCode::Char('u')));
    // The overdue inpatient stay is first; Enter claims it and opens the workspace.
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(matches!(ui.app.view, View::CodingWorkspace(_)), "{s}");
    assert!(s.contains(&format!("Coding {enc}")), "{s}");
    assert!(s.contains("In progress"), "{s}");
    // The encounter's documents: Tab to them, Enter reads one, / finds in it.
    assert!(s.contains("Documents (1)"), "{s}");
    ui.send(key(KeyCode::Tab));
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("Chest X-ray"), "{s}");
    ui.send(key(KeyCode::Char('/')));
    ui.type_text("pneumonia");
    ui.send(key(KeyCode::Enter));
    assert!(ui.screen80().contains("1 of 1"), "{}", ui.screen80());
    insta::assert_snapshot!("workspace_reading", ui.screen80());
    // Esc clears the find, then closes the document; the workspace stays.
    ui.send(key(KeyCode::Esc));
    ui.send(key(KeyCode::Esc));
    assert!(matches!(ui.app.view, View::CodingWorkspace(_)));
    assert!(!ui.screen80().contains("Chest X-ray"));
    ui.send(key(KeyCode::Tab));

    // + opens the look-up on the discharge date; Enter adds the highlighted code.
    ui.send(key(KeyCode::Char('+')));
    let s = ui.screen80();
    assert!(s.contains("ICD-10-CM on 2026-10-14"), "{s}");
    ui.type_text("J18.9");
    let s = ui.screen80();
    assert!(s.contains("Pneumonia, unspecified organism"), "{s}");
    insta::assert_snapshot!("workspace_lookup", s);
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("J18.9"), "{s}");
    assert!(s.contains("unsaved"), "{s}");

    // POA cycles from Y (the default for an inpatient diagnosis) to N.
    ui.send(key(KeyCode::Char('p')));
    // Leaving with unsaved codes asks first.
    ui.send(key(KeyCode::Esc));
    assert!(matches!(ui.app.view, View::CodingWorkspace(_)));
    assert!(ui.screen80().contains("Unsaved codes"));
    // Marking coded before saving is refused in the status line.
    ui.send(key(KeyCode::Char('k')));
    assert!(ui.screen80().contains("Save the list first"));

    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("Saved list v1"), "{s}");
    assert!(!s.contains("unsaved"), "{s}");
    insta::assert_snapshot!("workspace_saved", s);
    ui.send(key(KeyCode::Char('k')));
    let s = ui.screen80();
    assert!(s.contains("marked coded"), "{s}");
    assert!(s.contains("Read-only") || s.contains("Coded"), "{s}");

    let view =
        ui.f.records
            .coding_record(&ui.f.login("supervisor"), &enc)
            .unwrap();
    assert_eq!(view.record.status, CodingStatus::Coded);
    assert_eq!(view.record.coded_by.as_deref(), Some("coder"));
    assert_eq!(view.record.codes.len(), 1);
    assert_eq!(view.record.codes[0].system, CodeSystem::Icd10Cm);
    assert_eq!(view.record.codes[0].code, "J189");
    assert_eq!(view.record.codes[0].poa, Some(Poa::N));

    // Esc goes back to the queue, read again.
    ui.send(key(KeyCode::Esc));
    assert!(matches!(ui.app.view, View::CodingQueue(_)));
}

#[test]
fn a_validation_error_is_shown_and_blocks_coded() {
    let (mut ui, _) = queue_ui("coder");
    ui.send(key(KeyCode::Char('u')));
    ui.send(key(KeyCode::Enter));
    // A heading is not a billable code: the saved list has an error.
    ui.send(key(KeyCode::Char('+')));
    ui.type_text("J18");
    ui.send(key(KeyCode::Enter));
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("1 error"), "{s}");
    insta::assert_snapshot!("workspace_findings", s);
    ui.send(key(KeyCode::Char('k')));
    let s = ui.screen80();
    assert!(!s.contains("marked coded"), "{s}");
    assert!(
        matches!(&ui.app.status, Some(st) if st.kind == chartroom::ui::app::StatusKind::Error),
        "{:?}",
        ui.app.status
    );
}

#[test]
fn a_supervisor_validates_coded_inpatient_work_from_the_queue() {
    let (mut ui, enc) = queue_ui("supervisor");
    // The coder's work, through the service: claimed, one code saved, marked coded.
    let coder = ui.f.login("coder");
    let r = &ui.f.records;
    let rec = r.claim_encounter(&coder, &enc).unwrap();
    let saved = r
        .save_codes(
            &coder,
            &enc,
            rec.version,
            vec![chartroom::codes::validate::AssignedCode {
                system: CodeSystem::Icd10Cm,
                code: "J189".into(),
                poa: Some(Poa::Y),
            }],
        )
        .unwrap();
    r.mark_coded(&coder, &enc, saved.record.version).unwrap();
    ui.send(key(KeyCode::Char('a')));
    let s = ui.screen80();
    assert!(s.contains("Coded"), "{s}");
    // Enter opens it read-only (it is not the supervisor's to edit) with the review keys.
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("v Validate") && s.contains("x Return"), "{s}");
    ui.send(key(KeyCode::Char('+')));
    assert!(ui.screen80().contains("Read-only"));
    ui.send(key(KeyCode::Char('v')));
    let s = ui.screen80();
    assert!(s.contains("validated"), "{s}");
    let view =
        ui.f.records
            .coding_record(&ui.f.login("supervisor"), &enc)
            .unwrap();
    assert_eq!(view.record.status, CodingStatus::Validated);
    assert_eq!(view.record.validated_by.as_deref(), Some("supervisor"));
}

#[test]
fn the_report_shows_backlog_productivity_and_dnfb_by_role() {
    let (mut ui, _) = queue_ui("supervisor");
    ui.send(key(KeyCode::Char('R')));
    let s = ui.screen80();
    assert!(s.contains("Backlog — 2 encounters not final"), "{s}");
    assert!(s.contains("By type: IP 1, ED 1"), "{s}");
    assert!(s.contains("By coder: unassigned 2"), "{s}");
    assert!(s.contains("Productivity — last 7 days"), "{s}");
    assert!(s.contains("Discharged, not final billed (DNFB) — 2"), "{s}");
    assert!(
        s.contains("LOVELACE"),
        "the oldest DNFB encounter is listed: {s}"
    );
    insta::assert_snapshot!("report_supervisor", s);
    // R again (or Esc) gives the table back.
    ui.send(key(KeyCode::Char('R')));
    assert!(!ui.screen80().contains("Productivity — last"));

    // Billing reads the DNFB part only.
    let (mut ui, _) = queue_ui("billing");
    ui.send(key(KeyCode::Char('R')));
    let s = ui.screen80();
    assert!(s.contains("(DNFB) — 2"), "{s}");
    assert!(
        !s.contains("Backlog —") && !s.contains("Productivity"),
        "{s}"
    );
    ui.send(key(KeyCode::Esc));
    assert!(!ui.screen80().contains("(DNFB)"));

    // A coder has no report.
    let (mut ui, _) = queue_ui("coder");
    ui.send(key(KeyCode::Char('R')));
    assert!(ui.screen80().contains("not permitted"), "{}", ui.screen80());
}

#[test]
fn a_coder_quotes_the_record_and_sends_a_query() {
    let (mut ui, enc) = queue_ui("coder");
    ui.send(key(KeyCode::Char('u')));
    ui.send(key(KeyCode::Enter));
    // Read the summary, find the line to quote, and quote it with i.
    ui.send(key(KeyCode::Tab));
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Char('/')));
    ui.type_text("consolidation");
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Char('i')));
    // q opens the composer with the quote as its first indicator.
    ui.send(key(KeyCode::Char('q')));
    let s = ui.screen80();
    assert!(s.contains("Physician query"), "{s}");
    assert!(
        s.contains("Chest X-ray: right lower lobe consolidation"),
        "{s}"
    );
    assert!(
        s.contains("Clinician Tester"),
        "the clinician is offered: {s}"
    );
    insta::assert_snapshot!("query_composer_coder", s);
    // Ctrl+S sends it; the workspace lists it and the encounter is on hold.
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("Q-000001"), "{s}");
    let view =
        ui.f.records
            .coding_record(&ui.f.login("supervisor"), &enc)
            .unwrap();
    assert_eq!(view.record.status, CodingStatus::OnHold);
    assert_eq!(view.queries.len(), 1);
    assert_eq!(view.queries[0].draft.to, "clinician");
    assert_eq!(
        view.queries[0].draft.indicators[0].quote,
        "Chest X-ray: right lower lobe consolidation."
    );
}
