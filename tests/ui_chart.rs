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
use common::ui::{Ui, ctrl, key};
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

/// A chart with clinical items, opened by `user` on the Summary tab when the role has it.
fn open_summary_chart(user: &str, clinical: Vec<chartroom::synth::SynthItem>) -> Ui {
    let mut ui = Ui::new(true);
    let mut p = chart_patient("Marchetti", None);
    p.clinical = clinical;
    let mrn = ui.f.records.system_load_synthetic(&[p]).unwrap().remove(0);
    ui.f.records
        .wait_for_search_index(Duration::from_secs(30))
        .unwrap();
    ui.log_in(user);
    ui.app.today = date(2026, 11, 23);
    ui.send(key(KeyCode::F(2)));
    ui.type_text(&mrn);
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Char('1')));
    ui
}

fn clinical_items() -> Vec<chartroom::synth::SynthItem> {
    use chartroom::domain::clinical::*;
    use chartroom::synth::SynthItem;
    let meta = || {
        ItemMeta::new(
            "",
            "",
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 9, 1, 0, 0, 0).unwrap(),
        )
    };
    let at_visit = |item| SynthItem {
        item,
        encounter: Some(0),
    };
    let allergy = |substance: &str, severity, criticality| {
        at_visit(ClinicalItem::Allergy(Allergy {
            meta: meta(),
            substance: substance.into(),
            reaction: Some("hives".into()),
            severity: Some(severity),
            criticality,
            status: AllergyStatus::Active,
            recorded: Some(date(2026, 9, 1)),
        }))
    };
    vec![
        at_visit(ClinicalItem::Problem(Problem {
            meta: meta(),
            code_system: ICD10CM.into(),
            code: "I50.9".into(),
            display: "Heart failure, unspecified".into(),
            onset: Some(date(2026, 9, 1)),
            status: ProblemStatus::Active,
        })),
        at_visit(ClinicalItem::Problem(Problem {
            meta: meta(),
            code_system: ICD10CM.into(),
            code: "J18.9".into(),
            display: "Pneumonia, unspecified organism".into(),
            onset: Some(date(2024, 2, 3)),
            status: ProblemStatus::Resolved,
        })),
        allergy("latex", Severity::Mild, Criticality::Low),
        allergy("penicillin", Severity::Severe, Criticality::High),
        allergy(
            "sulfonamide antibiotics",
            Severity::Moderate,
            Criticality::Low,
        ),
        allergy(
            "iodinated contrast \u{1b}[2Jmedia",
            Severity::Moderate,
            Criticality::Low,
        ),
        allergy("shellfish", Severity::Mild, Criticality::Low),
        at_visit(ClinicalItem::Medication(Medication {
            meta: meta(),
            medication: "furosemide 40 mg tablet".into(),
            dosage: "40 mg by mouth once daily".into(),
            status: MedicationStatus::Active,
            start: Some(date(2026, 9, 4)),
            prescriber: Some("Dr. K. Osei".into()),
        })),
        SynthItem {
            item: ClinicalItem::Immunization(Immunization {
                meta: meta(),
                vaccine: "influenza, injectable, quadrivalent, preservative free".into(),
                cvx: Some("150".into()),
                date: date(2025, 10, 14),
                status: ImmunizationStatus::Completed,
            }),
            encounter: None,
        },
    ]
}

#[test]
fn clinicians_see_the_summary_and_allergies_in_the_banner() {
    let ui = open_summary_chart("clinician", clinical_items());
    let s = ui.screen80();
    no_escape(&s);
    assert!(s.contains("Heart failure, unspecified"), "{s}");
    assert!(s.contains("furosemide 40 mg tablet"), "{s}");
    // Five active allergies do not fit the banner: the most dangerous first, the rest counted.
    let banner = s.lines().nth(3).unwrap();
    assert!(
        banner.contains("Allergies: penicillin (severe), "),
        "{banner}"
    );
    assert!(banner.contains(" +"), "{banner}");
    insta::assert_snapshot!("summary_tab_clinician", s);
}

#[test]
fn an_empty_summary_says_nothing_is_recorded() {
    let ui = open_summary_chart("coder", Vec::new());
    let s = ui.screen80();
    assert!(s.contains("Allergies not recorded"), "{s}");
    assert!(s.contains("No problems recorded"), "{s}");
    insta::assert_snapshot!("summary_tab_empty_coder", s);
}

#[test]
fn billing_sees_no_summary_tab_and_no_allergies() {
    let ui = open_summary_chart("billing", clinical_items());
    let s = ui.screen80();
    assert!(s.contains("Summary: not shown for your role"), "{s}");
    assert!(!s.contains("1 Summary"), "{s}");
    for clinical in [
        "Allergies",
        "penicillin",
        "NKA",
        "Heart failure",
        "furosemide",
    ] {
        assert!(!s.contains(clinical), "{clinical}: {s}");
    }
    insta::assert_snapshot!("summary_tab_not_shown_billing", s);
}

#[test]
fn compliance_places_a_legal_hold_and_the_banner_says_so() {
    let (mut ui, mrn) = open_chart("compliance", None);
    ui.send(key(KeyCode::Char('L')));
    let form = ui.screen80();
    assert!(form.contains("Legal hold — chart"), "{form}");
    ui.type_text("Doe v. County Hospital");
    ui.send(key(KeyCode::Tab));
    ui.type_text("hold letter from counsel");
    ui.send(key(KeyCode::Enter));
    let held = ui.screen80();
    assert!(held.contains("LEGAL HOLD"), "{held}");
    insta::assert_snapshot!("legal_hold_banner", held);
    let token = ui.f.login("compliance");
    let p = ui.f.records.open_chart(&token, &mrn).unwrap().patient;
    assert_eq!(p.legal_hold.unwrap().matter, "Doe v. County Hospital");
}

#[test]
fn a_legal_hold_is_compliances_alone() {
    let (mut ui, _) = open_chart("roi", None);
    ui.send(key(KeyCode::Char('L')));
    let s = ui.screen80();
    assert!(s.contains("Legal holds: not permitted"), "{s}");
    assert!(!s.contains("Legal hold — chart"), "{s}");
}

#[test]
fn billing_reads_the_codes_tab_with_titles_and_poa() {
    let (mut ui, mrn) = open_chart("billing", None);
    let coder = ui.f.login("coder");
    let chart = ui.f.records.open_chart(&coder, &mrn).unwrap();
    let enc = chart.encounters[0].id.clone();
    let r = ui.f.records.claim_encounter(&coder, &enc).unwrap();
    let cm = |code: &str| chartroom::codes::validate::AssignedCode {
        system: chartroom::codes::CodeSystem::Icd10Cm,
        code: code.into(),
        poa: Some(chartroom::codes::validate::Poa::Y),
    };
    ui.f.records
        .save_codes(&coder, &enc, r.version, vec![cm("J189"), cm("E1122")])
        .unwrap();
    ui.send(key(KeyCode::Char('4')));
    let s = ui.screen80();
    assert!(s.contains("Codes — 1 encounter"), "{s}");
    assert!(
        s.contains("principal J18.9    Pneumonia, unspecified organism POA Y"),
        "{s}"
    );
    assert!(s.contains("E11.22"), "{s}");
    insta::assert_snapshot!("codes_tab_billing", s);
}

#[test]
fn roi_records_corrects_and_accounts_for_disclosures_on_the_disclosures_tab() {
    let (mut ui, _) = open_chart("roi", None);
    ui.send(key(KeyCode::Char('5')));
    let s = ui.screen80();
    assert!(
        s.contains("No disclosures recorded for this patient."),
        "{s}"
    );
    assert!(s.contains("fee $0.00 (first in 12 months)"), "{s}");
    insta::assert_snapshot!("disclosures_tab_roi", s);
    // A disclosure made outside chartroom, by hand.
    ui.send(key(KeyCode::Char('m')));
    ui.send(key(KeyCode::Tab));
    ui.type_text("County Health Department");
    ui.send(key(KeyCode::Tab));
    ui.type_text("2 Court St, Astoria OR");
    ui.send(key(KeyCode::Tab));
    ui.type_text("communicable disease report");
    ui.send(key(KeyCode::Tab));
    ui.type_text("public health reporting");
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("DSC-000001 recorded in the accounting."), "{s}");
    assert!(
        s.contains("County Health Department") && s.contains("v1"),
        "{s}"
    );
    assert!(s.contains("Accounting today: 1 listed"), "{s}");
    // Corrected as entered in error: a second version, gone from the accounting, kept.
    ui.send(key(KeyCode::Char('c')));
    for _ in 0..5 {
        ui.send(key(KeyCode::Tab));
    }
    ui.type_text(" ");
    ui.send(key(KeyCode::Tab));
    ui.type_text("wrong patient");
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(
        s.contains("DSC-000001 corrected: version 2, entered in error."),
        "{s}"
    );
    assert!(s.contains("(entered in error)") && s.contains("v2"), "{s}");
    assert!(s.contains("Accounting today: 0 listed"), "{s}");
    assert!(s.contains("Version 2 by roi"), "{s}");
    insta::assert_snapshot!("disclosures_tab_corrected", s);
    // The accounting given to the patient: the first in 12 months is free.
    ui.send(key(KeyCode::Char('A')));
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("ACC-000001: 0 disclosure(s), fee $0.00"), "{s}");
    assert!(s.contains("1 accounting(s) given"), "{s}");
    // Registrars have no Disclosures tab.
    let (mut ui, _) = open_chart("registrar", None);
    ui.send(key(KeyCode::Char('5')));
    assert!(
        ui.screen80()
            .contains("Disclosures: not shown for your role"),
        "{}",
        ui.screen80()
    );
}
