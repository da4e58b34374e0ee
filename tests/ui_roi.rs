//! F5, the release-of-information desk, on ratatui's TestBackend at 80×24: the request list
//! (overdue first), the intake form, the authorization checker naming what is missing, the
//! documents to pick, and a request taken from intake to a released packet with the keys.

mod common;

use chartroom::domain::roi::{
    Delivery, Format, LegalProcess, NewRoiRequest, Purpose, RecordsWanted, RequestKind,
    RequestStatus, RequesterType,
};
use chartroom::service::Records;
use chartroom::service::packet::verify_packet;
use chartroom::ui::app::View;
use chrono::NaiveDate;
use common::roi_patient;
use common::ui::{Ui, ctrl, key};
use crossterm::event::KeyCode;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn request(mrn: &str, who: RequesterType, received: NaiveDate, name: &str) -> NewRoiRequest {
    NewRoiRequest {
        mrn: mrn.into(),
        kind: RequestKind::Copies,
        requester_type: who,
        requester_name: name.into(),
        requester_contact: "12 Elm St, Astoria OR 97103".into(),
        records: RecordsWanted::default(),
        purpose: Purpose::usual_for(who),
        format: Format::Electronic,
        delivery: Delivery::SecureElectronic,
        received,
        representative_authority: String::new(),
        legal: LegalProcess::default(),
        note: String::new(),
    }
}

/// The output folder inside the fixture's directory.
fn output(ui: &Ui) -> std::path::PathBuf {
    let dir = ui.f.dir.path().join("out");
    std::fs::create_dir_all(&dir).unwrap();
    ui.f.records
        .update_settings("test", |s| s.roi_output_dir = dir.to_str().unwrap().into())
        .unwrap();
    dir
}

fn tab(ui: &mut Ui, n: usize) {
    for _ in 0..n {
        ui.send(key(KeyCode::Tab));
    }
}

#[test]
fn the_desk_lists_overdue_requests_first() {
    let mut ui = Ui::new(true);
    let a = roi_patient(&ui.f, "Quintero");
    let b = roi_patient(&ui.f, "Halvorsen");
    let roi = ui.f.login("roi");
    let r = &ui.f.records;
    for n in [
        request(
            &a,
            RequesterType::Attorney,
            date(2026, 11, 2),
            "Smith & Lee LLP",
        ),
        request(
            &b,
            RequesterType::Patient,
            date(2026, 10, 12),
            "Rosa Halvorsen",
        ),
        request(
            &a,
            RequesterType::Provider,
            date(2026, 11, 20),
            "Coast Clinic",
        ),
    ] {
        r.log_roi_request(&roi, n).unwrap();
    }
    let cancel = r
        .log_roi_request(
            &roi,
            request(&b, RequesterType::Insurer, date(2026, 11, 1), "Acme Mutual"),
        )
        .unwrap();
    r.roi_step(
        &roi,
        &cancel.id,
        cancel.version,
        chartroom::service::RoiStep::Move {
            to: RequestStatus::Cancelled,
            note: "withdrawn by the insurer".into(),
        },
    )
    .unwrap();
    ui.log_in("roi");
    ui.send(key(KeyCode::F(5)));
    let s = ui.screen80();
    assert!(s.contains("3 open, 1 overdue"), "{s}");
    let overdue = s.find("ROI-000002").unwrap();
    let soon = s.find("ROI-000003").unwrap();
    let later = s.find("ROI-000001").unwrap();
    let closed = s.find("ROI-000004").unwrap();
    assert!(overdue < soon && soon < later && later < closed, "{s}");
    assert!(s.contains("-12d"), "{s}");
    insta::assert_snapshot!("roi_desk", s);
}

#[test]
fn intake_then_the_checker_names_what_an_authorization_lacks() {
    let mut ui = Ui::new(true);
    let mrn = roi_patient(&ui.f, "Marchetti");
    ui.log_in("roi");
    ui.app.context_mrn = Some(mrn.clone());
    ui.send(key(KeyCode::F(5)));
    ui.type_text("n");
    // MRN is filled in; requester: patient -> representative -> provider -> attorney.
    tab(&mut ui, 1);
    ui.type_text("   ");
    tab(&mut ui, 1);
    ui.type_text("Smith & Lee LLP");
    tab(&mut ui, 1);
    ui.type_text("400 Commercial St, Astoria OR");
    let s = ui.screen80();
    assert!(
        s.contains("‹ attorney ›") && s.contains("‹ legal proceeding ›"),
        "{s}"
    );
    assert!(s.contains(&mrn) && s.contains("2026-11-23"), "{s}");
    insta::assert_snapshot!("roi_intake_form", s);
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("ROI-000001 logged; due 2026-12-23"), "{s}");
    // Open it: nothing on file yet.
    ui.send(key(KeyCode::Enter));
    let s = ui.screen80();
    assert!(s.contains("No authorization is on file"), "{s}");
    // Record an authorization missing its signature date and the re-disclosure statement.
    ui.type_text("a");
    for (field, text) in [
        (0, "All records 2025-2026"),
        (1, "Demo Community Hospital HIM"),
        (2, "Smith & Lee LLP"),
        (3, "litigation"),
        (4, "2027-06-30"),
        (7, "Marchetti Rosa"),
    ] {
        let f = match &ui.app.view {
            View::Roi(r) => r.form.as_ref().unwrap().focus,
            _ => panic!(),
        };
        tab(&mut ui, field - f);
        ui.type_text(text);
    }
    tab(&mut ui, 4); // statement: right to revoke
    ui.type_text(" ");
    tab(&mut ui, 1); // treatment not conditioned
    ui.type_text(" ");
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(
        s.contains("authorization recorded") || s.contains("ROI-000001 is logged"),
        "{s}"
    );
    assert!(
        s.contains("✗ Date signed") && s.contains("✗ Statement: re-disclosure"),
        "{s}"
    );
    assert!(s.contains("The date of signature is missing."), "{s}");
    assert!(s.contains("✓ Description of the information"), "{s}");
    insta::assert_snapshot!("roi_checker_attorney", s);
    // Release is refused in words while anything is missing.
    ui.type_text("p");
    ui.type_text("R");
    let s = ui.screen80();
    assert!(s.contains("Cannot release yet"), "{s}");
}

#[test]
fn a_patients_request_goes_from_the_desk_to_a_released_packet() {
    let mut ui = Ui::new(true);
    let mrn = roi_patient(&ui.f, "Okonkwo");
    let out = output(&ui);
    let roi = ui.f.login("roi");
    let mut n = request(
        &mrn,
        RequesterType::Patient,
        date(2026, 11, 20),
        "Rosa Okonkwo",
    );
    n.records.from = Some(date(2026, 1, 1));
    ui.f.records.log_roi_request(&roi, n).unwrap();
    ui.log_in("roi");
    ui.send(key(KeyCode::F(5)));
    ui.send(key(KeyCode::Enter));
    ui.type_text("p");
    let s = ui.screen80();
    assert!(s.contains("in processing"), "{s}");
    // In processing: the documents pane, with what was asked for picked.
    ui.send(key(KeyCode::Tab));
    let s = ui.screen80();
    assert!(s.contains("[✓]") && s.contains("restricted"), "{s}");
    assert!(s.contains("1 picked"), "{s}");
    insta::assert_snapshot!("roi_documents", s);
    ui.type_text("R");
    let s = ui.screen80();
    assert!(s.contains("flat fee $6.50"), "{s}");
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(
        s.contains("ROI-000001 released: 1 of 1 sent to Rosa Okonkwo."),
        "{s}"
    );
    let dir = out.join("ROI-000001");
    let manifest = verify_packet(&dir).unwrap();
    assert!(manifest.iter().any(|m| m.name == "electronic-copy.json"));
    assert!(s.contains("Sent: 1 document to Rosa Okonkwo"), "{s}");
    insta::assert_snapshot!(
        "roi_released",
        s.replace(&dir.display().to_string(), "[packet]")
    );
}

#[test]
fn an_accounting_request_is_logged_at_intake_and_answered_from_its_page() {
    let mut ui = Ui::new(true);
    let mrn = roi_patient(&ui.f, "Lindqvist");
    let out = output(&ui);
    let roi = ui.f.login("roi");
    ui.f.records
        .record_disclosure(&roi, &mrn, common::registry_report())
        .unwrap();
    ui.log_in("roi");
    ui.app.context_mrn = Some(mrn.clone());
    ui.send(key(KeyCode::F(5)));
    ui.type_text("n");
    tab(&mut ui, 2);
    ui.type_text("Rosa Lindqvist");
    tab(&mut ui, 1);
    ui.type_text("12 Elm St, Astoria OR");
    tab(&mut ui, 1);
    ui.type_text(" ");
    let s = ui.screen80();
    assert!(s.contains("‹ an accounting of disclosures ›"), "{s}");
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("ROI-000001 logged; due 2027-01-22"), "{s}");
    assert!(s.contains("accounting"), "{s}");
    ui.send(key(KeyCode::Enter));
    ui.send(key(KeyCode::Tab));
    let s = ui.screen80();
    assert!(
        s.contains("Lists 1 disclosure(s) since 2020-11-23") && s.contains("State Cancer Registry"),
        "{s}"
    );
    assert!(
        s.contains("right to an accounting of disclosures (164.528)"),
        "{s}"
    );
    insta::assert_snapshot!("roi_accounting_request", s);
    // Denial is not open to it; R gives it.
    ui.type_text("d");
    let s = ui.screen80();
    assert!(s.contains("is not denied"), "{s}");
    ui.type_text("R");
    let s = ui.screen80();
    assert!(
        s.contains("It lists 1 disclosure(s)") && s.contains("Fee: $0.00"),
        "{s}"
    );
    ui.send(ctrl('s'));
    let s = ui.screen80();
    assert!(s.contains("ROI-000001: accounting given, ACC-"), "{s}");
    assert!(s.contains("Given: ACC-"), "{s}");
    let acc = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("ACC-"))
        .expect("the accounting's folder");
    verify_packet(&acc).unwrap();
    let desk_view = ui.f.records.roi_desk(&roi).unwrap();
    assert_eq!(desk_view.rows[0].request.status, RequestStatus::Released);
}
