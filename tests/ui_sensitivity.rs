//! Sensitivity flags in the chart at 80×24: compliance's `f` form for the selected encounter
//! (and the chart), only offered to SetSensitivity holders; an ordinary user's encounters tab
//! and document list with a restricted encounter; reading it leads to break-the-glass.

mod common;

use chartroom::domain::Sensitivity;
use chartroom::domain::audit::AuditAction;
use chartroom::domain::patient::{EncounterClass, NewPatient, Sex};
use chartroom::service::Records;
use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
use chrono::NaiveDate;
use common::ui::{Ui, key};
use crossterm::event::KeyCode;
use std::time::Duration;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn visit(y: i32, location: &str, kind: &str) -> SynthEncounter {
    SynthEncounter {
        class: EncounterClass::Outpatient,
        admitted: date(y, 5, 2),
        discharged: Some(date(y, 5, 2)),
        location: location.into(),
        attending: "Dr. R. Lind".into(),
        discharge_status: Some("home".into()),
        documents: vec![SynthDocument {
            kind: kind.into(),
            author: "Dr. R. Lind".into(),
            written: date(y, 5, 2),
            text: "Seen today.".into(),
        }],
    }
}

/// An ordinary chart with a clinic visit (2024) and a newer detox visit (2025, listed first).
fn open_chart(user: &str, flag_detox: bool) -> (Ui, String) {
    let mut ui = Ui::new(true);
    let mrn =
        ui.f.records
            .system_load_synthetic(&[SynthPatient {
                patient: NewPatient {
                    family_name: "Okafor".into(),
                    given_names: vec!["Nia".into()],
                    dob: date(1975, 8, 30),
                    sex: Sex::Female,
                    address: None,
                    phone: None,
                    ssn: None,
                    details: Default::default(),
                },
                deceased: None,
                sensitivity: None,
                near_duplicate_of: None,
                encounters: vec![
                    visit(2024, "Family Clinic", "Progress note"),
                    visit(2025, "Detox \u{1b}[2JUnit", "SUD intake"),
                ],
                clinical: Vec::new(),
            }])
            .unwrap()
            .remove(0);
    if flag_detox {
        let compliance = ui.f.login("compliance");
        let chart = ui.f.records.open_chart(&compliance, &mrn).unwrap();
        let e = &chart.encounters[0];
        ui.f.records
            .set_encounter_sensitivity(
                &compliance,
                &mrn,
                &e.id,
                e.version,
                Some(Sensitivity::SubstanceUseDisorder),
                "Part 2 program",
            )
            .unwrap();
    }
    ui.f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    ui.log_in(user);
    ui.app.today = date(2026, 11, 23);
    ui.send(key(KeyCode::F(2)));
    ui.type_text(&mrn);
    ui.send(key(KeyCode::Enter));
    (ui, mrn)
}

#[test]
fn compliance_flags_the_selected_encounter_with_a_reason() {
    let (mut ui, mrn) = open_chart("compliance", false);
    let chart = ui.screen80();
    assert!(
        chart.contains("Flag"),
        "the footer offers the flag key:\n{chart}"
    );
    ui.send(key(KeyCode::Char('f')));
    let form = ui.screen80();
    assert!(form.contains("none (not restricted)"), "{form}");
    assert!(!form.contains('\u{1b}'));
    insta::assert_snapshot!("sensitivity_form_encounter", form);
    // none → employee → VIP → behavioral health → substance use disorder
    for _ in 0..4 {
        ui.send(key(KeyCode::Down));
    }
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Enter));
    assert!(
        ui.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("Say why")),
        "{:?}",
        ui.app.status
    );
    ui.type_text("admitted to the Part 2 program");
    ui.send(key(KeyCode::Enter));
    assert!(
        ui.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("substance use disorder")),
        "{:?}",
        ui.app.status
    );
    let after = ui.screen80();
    assert!(!after.contains("Category"), "the form closed:\n{after}");
    let set =
        ui.f.records
            .system_audit_entries(1, 100_000)
            .unwrap()
            .into_iter()
            .rev()
            .find(|e| e.event.action == AuditAction::SensitivityChanged)
            .unwrap();
    assert_eq!(set.event.patient.as_deref(), Some(mrn.as_str()));
    assert!(set.event.reason.ends_with("admitted to the Part 2 program"));
}

#[test]
fn the_flag_key_is_not_offered_without_set_sensitivity() {
    let (mut ui, _) = open_chart("coder", false);
    assert!(!ui.screen80().contains("Flag"));
    ui.send(key(KeyCode::Char('f')));
    assert!(
        ui.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("not permitted")),
        "{:?}",
        ui.app.status
    );
    assert!(!ui.screen80().contains("Category"));
}

#[test]
fn an_ordinary_user_sees_the_restricted_encounter_marked_and_withheld() {
    let (mut ui, _) = open_chart("coder", true);
    let encounters = ui.screen80();
    assert!(encounters.contains("restricted"), "{encounters}");
    assert!(!encounters.contains("Detox"), "{encounters}");
    insta::assert_snapshot!("encounters_tab_restricted", encounters);
    ui.send(key(KeyCode::Char('3')));
    let docs = ui.screen80();
    assert!(docs.contains("restricted encounter"), "{docs}");
    assert!(!docs.contains("SUD intake"), "{docs}");
    // Reading it brings the break-the-glass warning, as a restricted chart does.
    ui.send(key(KeyCode::Enter));
    let warning = ui.screen80();
    assert!(warning.contains("break the glass"), "{warning}");
}
