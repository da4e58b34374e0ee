//! The master patient index screens at 80×24: the duplicate work list (F8) and its
//! side-by-side view for analysts and supervisors, and correcting demographics from the chart
//! with its history.

mod common;

use chartroom::domain::mpi::CaseStatus;
use chartroom::domain::patient::{Address, NewPatient, Sex};
use chartroom::service::Records;
use chartroom::synth::{SynthEncounter, SynthPatient};
use chartroom::ui::app::View;
use common::ui::{Ui, ctrl, key};
use crossterm::event::KeyCode;
use std::time::Duration;

fn person(family: &str, given: &str, phone: &str) -> NewPatient {
    NewPatient {
        family_name: family.into(),
        given_names: vec![given.into()],
        dob: chrono::NaiveDate::from_ymd_opt(1971, 5, 9).unwrap(),
        sex: Sex::Female,
        address: Some(Address {
            line: "14 Quarry Rd".into(),
            city: "Burns".into(),
            state: "OR".into(),
            zip: "97720".into(),
        }),
        phone: Some(phone.into()),
        ssn: Some("212-55-1234".into()),
        details: Default::default(),
    }
}

fn visit(y: i32) -> SynthEncounter {
    let d = chrono::NaiveDate::from_ymd_opt(y, 4, 1).unwrap();
    SynthEncounter {
        class: chartroom::domain::patient::EncounterClass::Outpatient,
        admitted: d,
        discharged: Some(d),
        location: "Clinic".into(),
        attending: "Dr. Test".into(),
        discharge_status: None,
        documents: Vec::new(),
    }
}

/// Two charts of one patient on the work list; the UI logged in as `user`.
fn mpi_ui(user: &str) -> (Ui, String, String) {
    let mut ui = Ui::new(true);
    let load = |p: NewPatient, visits: Vec<SynthEncounter>| SynthPatient {
        patient: p,
        deceased: None,
        sensitivity: None,
        near_duplicate_of: None,
        encounters: visits,
        clinical: Vec::new(),
    };
    let mrns =
        ui.f.records
            .system_load_synthetic(&[
                load(
                    person("Halvorsen", "Ingrid", "5415550123"),
                    vec![visit(2021), visit(2024)],
                ),
                load(
                    person("Halvorsen", "Ingird", "5415550199"),
                    vec![visit(2019)],
                ),
            ])
            .unwrap();
    ui.f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    ui.f.records.system_duplicate_scan().unwrap();
    ui.app.today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    ui.log_in(user);
    ui.app.today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    (ui, mrns[0].clone(), mrns[1].clone())
}

fn case_status(ui: &Ui) -> CaseStatus {
    let sup = ui.f.login("supervisor");
    ui.f.records.duplicate_cases(&sup, true).unwrap()[0]
        .case
        .status
}

#[test]
fn duplicate_work_list_and_side_by_side_as_analyst() {
    let (mut ui, a, b) = mpi_ui("analyst");
    ui.send(key(KeyCode::F(8)));
    let s = ui.screen80();
    assert!(
        s.contains("1 case to decide") && s.contains(&a) && s.contains(&b),
        "{s}"
    );
    insta::assert_snapshot!("duplicates_list_analyst", s);
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    // What differs is marked, the SSN shows only its last four.
    assert!(s.contains("≠Given names") && s.contains("≠Phone"), "{s}");
    assert!(
        s.contains(" Family name") && s.contains("***-**-1234"),
        "{s}"
    );
    assert!(!s.contains("212-55"), "{s}");
    insta::assert_snapshot!("duplicates_compare_analyst", s);

    // An analyst's m asks for the merge; the note is optional.
    ui.send(key(KeyCode::Char('m')));
    assert!(ui.screen80().contains("merge requested:"));
    ui.type_text("same SSN and address");
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::MergeRequested);
    let status = ui.app.status.as_ref().unwrap().text.clone();
    assert!(status.contains("merge requested (survivor"), "{status}");
    assert!(ui.screen80().contains("merge asked"));
}

#[test]
fn a_supervisor_merges_from_the_list_and_search_shows_where_it_went() {
    let (mut ui, a, b) = mpi_ui("supervisor");
    ui.send(key(KeyCode::F(8)));
    ui.send(key(KeyCode::Enter));
    // The busier chart stays by default; s swaps.
    let s = ui.screen80();
    assert!(
        s.contains(&format!("A {a} (stays)")) && s.contains(&format!("B {b} (would retire)")),
        "{s}"
    );
    ui.send(key(KeyCode::Char('s')));
    assert!(ui.screen80().contains(&format!("B {b} (stays)")));
    ui.send(key(KeyCode::Char('s')));
    // A note needing decision refuses an empty note: Enter does nothing.
    ui.send(key(KeyCode::Char('n')));
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::Open);
    ui.send(key(KeyCode::Esc));
    ui.send(key(KeyCode::Char('m')));
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::Merged);
    let status = ui.app.status.as_ref().unwrap().text.clone();
    assert!(
        status.contains(&format!("merged (survivor {a})")),
        "{status}"
    );
    let s = ui.screen80();
    assert!(s.contains("0 cases to decide"), "{s}");

    // Search: the retired chart is found, flagged M, pointing at the survivor.
    ui.send(key(KeyCode::F(2)));
    ui.type_text("ingird");
    let s = ui.screen80();
    assert!(s.contains(&format!("→{a}")), "{s}");
    insta::assert_snapshot!("search_shows_a_merged_chart", s);
}

#[test]
fn decided_cases_are_listed_on_request_so_a_merge_is_undone_and_a_pair_reopened() {
    let (mut ui, _, _) = mpi_ui("supervisor");
    ui.send(key(KeyCode::F(8)));
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Char('m')));
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::Merged);
    assert!(ui.screen80().contains("0 cases to decide"));
    // Keys the review pane offers are not there on the list: u does nothing yet.
    ui.send(key(KeyCode::Char('u')));
    assert_eq!(case_status(&ui), CaseStatus::Merged);

    // a lists the decided case; from it the merge is undone.
    ui.send(key(KeyCode::Char('a')));
    let s = ui.screen80();
    assert!(
        s.contains("1 case, decided ones too") && s.contains("merged"),
        "{s}"
    );
    insta::assert_snapshot!("duplicates_all_cases_supervisor", s);
    ui.send(key(KeyCode::Enter));
    assert!(ui.screen80().contains("Undo merge"), "{}", ui.screen80());
    ui.send(key(KeyCode::Char('u')));
    ui.type_text("different mothers' maiden names");
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::NeedsResearch);
    assert!(ui.screen80().contains("research"));

    // Decided not a duplicate, it stays on the all-cases list and can be reopened.
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Char('n')));
    ui.type_text("twins, checked with the clinic");
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::NotDuplicate);
    let s = ui.screen80();
    assert!(s.contains("not dup"), "{s}");
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("Reopen") && !s.contains("Research"), "{s}");
    ui.send(key(KeyCode::Char('o')));
    ui.send(key(KeyCode::Enter));
    assert_eq!(
        case_status(&ui),
        CaseStatus::NotDuplicate,
        "a reopen needs a note"
    );
    ui.type_text("new address shows one person");
    ui.send(key(KeyCode::Enter));
    assert_eq!(case_status(&ui), CaseStatus::Open);

    // a again: only the open ones.
    ui.send(key(KeyCode::Char('a')));
    assert!(ui.screen80().contains("1 case to decide"));
}

#[test]
fn the_duplicate_list_is_not_for_registrars() {
    let (mut ui, _, _) = mpi_ui("registrar");
    ui.send(key(KeyCode::F(8)));
    assert!(!matches!(ui.app.view, View::Duplicates(_)));
    let status = ui.app.status.as_ref().unwrap().text.clone();
    assert!(status.contains("not permitted"), "{status}");
    // Search shows the pair as possible duplicates.
    ui.send(key(KeyCode::F(2)));
    ui.type_text("halvorsen");
    let s = ui.screen80();
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("HALVORSEN")).collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(rows.iter().all(|l| l.contains(" P      │")), "{s}");
    assert!(s.contains("P dup?"), "{s}");
}

#[test]
fn correcting_demographics_from_the_chart_makes_a_version_with_history() {
    let (mut ui, a, _) = mpi_ui("registrar");
    ui.send(key(KeyCode::F(2)));
    ui.type_text(&a);
    ui.send(key(KeyCode::Enter));
    assert!(matches!(ui.app.view, View::Chart(_)));
    assert!(ui.screen80().contains("e Edit"));
    ui.send(key(KeyCode::Char('e')));
    let s = ui.screen80();
    assert!(
        s.contains("Correct demographics") && s.contains("Halvorsen"),
        "{s}"
    );
    insta::assert_snapshot!("correct_demographics_form", s);
    // Move to the phone field and change it.
    for _ in 0..chartroom::domain::registration::PHONE {
        ui.send(key(KeyCode::Tab));
    }
    ui.send(ctrl('u'));
    ui.type_text("541 555 0144");
    // Meanwhile a supervisor corrects the same chart: saving is refused, nothing lost.
    let sup = ui.f.login("supervisor");
    let current = ui.f.records.open_chart(&sup, &a).unwrap().patient;
    let mut other = person("Halvorsen", "Ingrid", "5415550123");
    other.details.language = Some("Norwegian".into());
    ui.f.records
        .update_patient(&sup, &a, current.version, other)
        .unwrap();
    ui.send(ctrl('s'));
    let status = ui.app.status.as_ref().unwrap().text.clone();
    assert!(status.contains("changed by supervisor at"), "{status}");
    assert!(matches!(ui.app.view, View::Register(_)));
    // Reload (Esc twice leaves the changed form, e opens the newest version), then save.
    ui.send(key(KeyCode::Esc));
    ui.send(key(KeyCode::Esc));
    assert!(matches!(ui.app.view, View::Chart(_)));
    ui.send(key(KeyCode::Char('e')));
    for _ in 0..chartroom::domain::registration::PHONE {
        ui.send(key(KeyCode::Tab));
    }
    ui.send(ctrl('u'));
    ui.type_text("541 555 0144");
    ui.send(ctrl('s'));
    let status = ui.app.status.as_ref().unwrap().text.clone();
    assert!(status.starts_with("Saved: version 3"), "{status}");
    assert!(matches!(ui.app.view, View::Chart(_)));
    ui.send(key(KeyCode::Char('h')));
    let s = ui.screen80();
    assert!(
        s.contains("3 versions") && s.contains("phone") && s.contains("language"),
        "{s}"
    );
    insta::assert_snapshot!("demographic_history", s);
    ui.send(key(KeyCode::Esc));
    assert!(matches!(&ui.app.view, View::Chart(c) if c.history.is_none()));
}
