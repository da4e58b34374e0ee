//! The chart (F3) at 80×24 for the roles that see it: tabs by role, the document list and the
//! reader with find, a hostile note shown safely, the break-the-glass warning and the chart it
//! opens, and the access log for compliance.

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

/// A discharge summary with what real notes carry: tabs, CR/LF mixes, a very long line, an
/// escape sequence and a right-to-left override, emoji and a combining accent.
const NOTE: &str = "DISCHARGE SUMMARY\r\nMedication\tDose\tRoute\r\nMetoprolol\t25 mg\tPO\n\
Lisinopril\t10 mg\tPO\rAssessment: stable. Plan: follow up in clinic in 2 weeks; the plan is \
to taper the dose slowly while watching blood pressure and heart rate at every visit.\n\
Hostile: \u{1b}[2J\u{1b}]0;pwned\u{7} and \u{202E}desrever\u{202C} text.\n\
Patient said 🙂 about the cafe\u{301}.\nPlan reviewed with the patient.";

fn chart_patient(family: &str, sensitivity: Option<Sensitivity>) -> SynthPatient {
    SynthPatient {
        patient: NewPatient {
            family_name: family.into(),
            given_names: vec!["Ines".into()],
            dob: date(1961, 4, 12),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        },
        deceased: None,
        sensitivity,
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
                text: NOTE.into(),
            }],
        }],
        clinical: Vec::new(),
    }
}

fn open_chart(user: &str, sensitivity: Option<Sensitivity>) -> (Ui, String) {
    let mut ui = Ui::new(true);
    let mrn =
        ui.f.records
            .system_load_synthetic(&[chart_patient("Marchetti", sensitivity)])
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
    (ui, mrn)
}

fn no_escape(s: &str) {
    assert!(
        !s.chars()
            .any(|c| c == '\u{1b}' || c == '\u{202E}' || c == '\u{7}'),
        "{s}"
    );
}

#[test]
fn coders_read_a_document_and_find_in_it() {
    let (mut ui, mrn) = open_chart("coder", None);
    ui.send(key(KeyCode::Char('3')));
    let list = ui.screen80();
    assert!(list.contains("Discharge summary"), "{list}");
    insta::assert_snapshot!("documents_tab_coder", list);
    ui.send(key(KeyCode::Enter));
    let reader = ui.screen80();
    no_escape(&reader);
    assert!(reader.contains("Metoprolol"), "{reader}");
    insta::assert_snapshot!("document_reader_coder", reader);
    ui.send(key(KeyCode::Char('/')));
    ui.type_text("plan");
    ui.send(key(KeyCode::Enter));
    let found = ui.screen80();
    assert!(found.contains("of 3"), "three matches of 'plan':\n{found}");
    insta::assert_snapshot!("document_find_coder", found);
    // Esc clears the find, then closes the reader, then leaves the chart.
    ui.send(key(KeyCode::Esc));
    ui.send(key(KeyCode::Esc));
    assert!(ui.screen80().contains("Lines"), "back on the list");
    let log = ui.f.records.system_audit_entries(1, 100_000).unwrap();
    assert!(
        log.iter()
            .any(|e| e.event.action == AuditAction::DocumentViewed
                && e.event.user == "coder"
                && e.event.patient.as_deref() == Some(mrn.as_str()))
    );
}

#[test]
fn registrars_see_encounters_and_the_document_list_but_no_text() {
    let (mut ui, _) = open_chart("registrar", None);
    let s = ui.screen80();
    assert!(s.contains("2 Encounters 3 Documents"), "{s}");
    assert!(!s.contains("Summary"), "{s}");
    ui.send(key(KeyCode::Char('1')));
    assert!(
        ui.screen80().contains("Summary: not shown for your role"),
        "{}",
        ui.screen80()
    );
    ui.send(key(KeyCode::Char('3')));
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("not permitted"), "{s}");
    assert!(!s.contains("Metoprolol"), "{s}");
}

#[test]
fn a_restricted_chart_asks_for_the_glass_and_then_opens() {
    let (mut ui, _) = open_chart("clinician", Some(Sensitivity::BehavioralHealth));
    let warning = ui.screen80();
    assert!(warning.contains("break the glass"), "{warning}");
    assert!(warning.contains("60 minutes"), "{warning}");
    insta::assert_snapshot!("break_glass_warning_clinician", warning);
    // Emergency (second reason), a note, a wrong password first.
    ui.send(key(KeyCode::Down));
    ui.send(key(KeyCode::Tab));
    ui.type_text("ED consult");
    ui.send(key(KeyCode::Tab));
    ui.type_text("wrong password");
    ui.send(key(KeyCode::Enter));
    assert!(
        ui.screen80().contains("password is not right"),
        "{}",
        ui.screen80()
    );
    ui.type_text(&common::password_of("clinician"));
    ui.send(key(KeyCode::Enter));
    let chart = ui.screen80();
    assert!(chart.contains("BREAK-THE-GLASS until 10:00 UTC"), "{chart}");
    insta::assert_snapshot!("chart_under_break_glass_clinician", chart);
    let access = ui.f.records.system_audit_entries(1, 100_000).unwrap();
    assert!(
        access
            .iter()
            .any(|e| e.event.action == AuditAction::BreakGlass && e.event.user == "clinician")
    );
}

#[test]
fn compliance_sees_who_looked_at_the_chart() {
    let (mut ui, _) = open_chart("compliance", Some(Sensitivity::Vip));
    ui.send(key(KeyCode::Char('6')));
    let s = ui.screen80();
    assert!(s.contains("chart opened"), "{s}");
    assert!(s.contains("RESTRICTED"), "{s}");
    insta::assert_snapshot!("access_log_compliance", s);
}

#[test]
fn compliance_judges_a_break_the_glass_from_the_review_list() {
    let mut ui = Ui::new(true);
    let mrn =
        ui.f.records
            .system_load_synthetic(&[chart_patient("Marchetti", Some(Sensitivity::Vip))])
            .unwrap()
            .remove(0);
    let clinician = ui.f.login("clinician");
    ui.f.records
        .break_glass(
            &clinician,
            &mrn,
            chartroom::domain::break_glass::BreakGlassReason::Other,
            "saw the name on the board \u{1b}[2J",
            &common::password_of("clinician").into(),
        )
        .unwrap();
    ui.log_in("compliance");
    ui.app.today = date(2026, 11, 26);
    ui.send(key(KeyCode::F(9)));
    let list = ui.screen80();
    no_escape(&list);
    assert!(list.contains("1 waiting"), "{list}");
    insta::assert_snapshot!("break_glass_review_compliance", list);
    ui.send(key(KeyCode::Char('v')));
    ui.type_text("no care relationship");
    ui.send(key(KeyCode::Enter));
    let after = ui.screen80();
    assert!(after.contains("judged violation"), "{after}");
    assert!(after.contains("Nothing waiting"), "{after}");
    // Other roles do not reach the list.
    let coder = ui.f.login("coder");
    assert!(ui.f.records.break_glass_list(&coder, true).is_err());
}

#[test]
fn the_review_list_is_compliance_only() {
    let mut ui = Ui::new(true);
    ui.log_in("clinician");
    ui.send(key(KeyCode::F(9)));
    assert!(ui.screen80().contains("not permitted"), "{}", ui.screen80());
}
