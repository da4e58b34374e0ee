//! `l` on the F4 queue at 80×24: the code look-up against the shipped code sets through the service, as a coder
//! types; billing may look codes up too; a registrar has no F4.

mod common;

use chrono::NaiveDate;
use common::ui::{Ui, key};
use crossterm::event::KeyCode;

fn lookup(user: &str) -> Ui {
    let mut ui = Ui::new(true);
    ui.log_in(user);
    ui.app.today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    ui.send(key(KeyCode::F(4)));
    // The look-up without an encounter: `l` on the queue.
    ui.send(key(KeyCode::Char('l')));
    ui
}

#[test]
fn a_coder_finds_codes_by_shorthand_and_reads_their_notes() {
    let mut ui = lookup("coder");
    assert!(
        ui.screen80()
            .contains("Code look-up — ICD-10-CM on 2026-03-15")
    );
    ui.type_text("diab ckd");
    let s = ui.screen80();
    assert!(s.contains("E11.22"), "{s}");
    assert!(
        s.contains("Type 2 diabetes mellitus with diabetic chronic kidney disease"),
        "{s}"
    );
    // The highlighted code's check and its notes (E11.22 has use-additional-code notes).
    assert!(s.contains(" is valid: "), "{s}");
    assert!(s.contains("Use additional code"), "{s}");
    insta::assert_snapshot!("lookup_diab_ckd", s);

    // A code prefix lists codes in order; moving down shows that code's notes.
    for _ in 0..8 {
        ui.send(key(KeyCode::Backspace));
    }
    ui.type_text("s72.00");
    let s = ui.screen80();
    assert!(s.contains("S72.00 "), "{s}");
    ui.send(key(KeyCode::Down));
    let s = ui.screen80();
    assert!(s.contains("Fracture of hip NOS"), "{s}");

    // The date of service picks the fiscal year: E11.A is FY2026 only.
    for _ in 0..6 {
        ui.send(key(KeyCode::Backspace));
    }
    ui.type_text("e11.a");
    assert!(
        ui.screen80().contains("E11.A is valid"),
        "{}",
        ui.screen80()
    );
    ui.send(key(KeyCode::Tab));
    for _ in 0..10 {
        ui.send(key(KeyCode::Backspace));
    }
    ui.type_text("2025-06-30");
    let s = ui.screen80();
    assert!(s.contains("ICD-10-CM on 2025-06-30"), "{s}");
    assert!(s.contains("No codes match"), "FY2025 has no E11.A: {s}");
}

#[test]
fn billing_may_look_codes_up_and_registrars_have_no_coding_screen() {
    let mut ui = lookup("billing");
    ui.type_text("J18.9");
    assert!(ui.screen80().contains("Pneumonia, unspecified organism"));
    let ui = lookup("registrar");
    let s = ui.screen80();
    assert!(!s.contains("Code look-up"), "{s}");
    assert!(s.contains("not permitted"), "{s}");
}
