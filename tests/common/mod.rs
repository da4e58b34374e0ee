//! Shared test set-up: a fresh database with one user per role.
#![allow(dead_code)]

pub mod pty;
pub mod ui;

use chartroom::domain::Role;
use chartroom::service::{LocalRecords, LoginRequest, ManualClock, NewUser, Records, SessionToken};
use chartroom::store::Store;
use chrono::{TimeZone, Utc};
use std::sync::Arc;
use tempfile::TempDir;

pub struct Fixture {
    pub dir: TempDir,
    pub records: LocalRecords,
    pub clock: ManualClock,
}

pub fn password_of(user: &str) -> String {
    format!("{user}-demo-password")
}

impl Fixture {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.redb")
    }

    pub fn login(&self, user: &str) -> SessionToken {
        self.records
            .login(LoginRequest {
                username: user.into(),
                password: password_of(user).into(),
                peer: None,
            })
            .unwrap_or_else(|e| panic!("login {user}: {e}"))
            .token
    }
}

/// A database with users named after each role, password `<role>-demo-password`.
pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::create(&dir.path().join("test.redb")).unwrap();
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap());
    let records = LocalRecords::with_clock(store, Arc::new(clock.clone()));
    for role in Role::ALL {
        records
            .system_add_user(
                NewUser {
                    username: role.as_str().into(),
                    full_name: format!("{} Tester", role.title()),
                    roles: vec![role],
                    password: password_of(role.as_str()).into(),
                    must_change_password: false,
                },
                false,
            )
            .unwrap();
    }
    Fixture {
        dir,
        records,
        clock,
    }
}

/// Changes the stored bytes of one audit entry with redb itself, bypassing chartroom entirely,
/// as someone with the file would. `f` gets the stored bytes and returns the new ones (None
/// removes the entry). The database must not be open elsewhere.
pub fn tamper_audit(path: &std::path::Path, seq: u64, f: impl FnOnce(Vec<u8>) -> Option<Vec<u8>>) {
    use redb::ReadableTable;
    let db = redb::Database::open(path).unwrap();
    let tx = db.begin_write().unwrap();
    {
        let mut t = tx
            .open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
            .unwrap();
        let old = t.get(seq).unwrap().unwrap().value().to_vec();
        match f(old) {
            Some(new) => {
                t.insert(seq, new.as_slice()).unwrap();
            }
            None => {
                t.remove(seq).unwrap();
            }
        }
    }
    tx.commit().unwrap();
}

/// A progress note with clinical indicators a physician query can quote.
pub const CHF_NOTE: &str = "Progress note.\nBNP 1,250 pg/mL. Ejection fraction 30%.\nIV furosemide started; bilateral crackles.\nAssessment: CHF exacerbation.";

/// Ada `family`, with one inpatient stay (2026-11-15 to 18) and one progress note
/// ([`CHF_NOTE`]); the chart flagged `sensitivity` when given.
pub fn chf_patient(
    family: &str,
    sensitivity: Option<chartroom::domain::Sensitivity>,
) -> chartroom::synth::SynthPatient {
    use chartroom::domain::patient::{EncounterClass, NewPatient, Sex};
    use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
    let date = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    SynthPatient {
        patient: NewPatient {
            family_name: family.into(),
            given_names: vec!["Ada".into()],
            dob: chrono::NaiveDate::from_ymd_opt(1950, 2, 3).unwrap(),
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
            admitted: date(11, 15),
            discharged: Some(date(11, 18)),
            location: "4 West".into(),
            attending: "Dr. R. Okafor".into(),
            discharge_status: Some("Home".into()),
            documents: vec![SynthDocument {
                kind: "Progress note".into(),
                author: "Dr. R. Okafor".into(),
                written: date(11, 16),
                text: CHF_NOTE.into(),
            }],
        }],
        clinical: vec![],
    }
}

/// A report to the state cancer registry on 2026-09-14, made outside chartroom: a disclosure
/// an accounting must list.
pub fn registry_report() -> chartroom::domain::roi::DisclosureFields {
    chartroom::domain::roi::DisclosureFields {
        disclosed_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 14),
        recipient: "State Cancer Registry".into(),
        recipient_address: "800 NE Oregon St, Portland".into(),
        description: "pathology report".into(),
        purpose: "public health reporting".into(),
    }
}

/// A patient with a 2025 clinic visit (progress note), a 2026 stay (discharge summary) and a
/// 2026 substance-use visit whose encounter compliance flags (Part 2).
pub fn roi_patient(f: &Fixture, family: &str) -> String {
    use chartroom::domain::patient::{EncounterClass, NewPatient, Sensitivity, Sex};
    use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let visit = |y, m, d, kind: &str, text: &str| SynthEncounter {
        class: EncounterClass::Outpatient,
        admitted: date(y, m, d),
        discharged: Some(date(y, m, d)),
        location: "Clinic".into(),
        attending: "Dr. Test".into(),
        discharge_status: None,
        documents: vec![SynthDocument {
            kind: kind.into(),
            author: "Dr. Test".into(),
            written: date(y, m, d),
            text: text.into(),
        }],
    };
    let mrn = f
        .records
        .system_load_synthetic(&[SynthPatient {
            patient: NewPatient {
                family_name: family.into(),
                given_names: vec!["Rosa".into()],
                dob: date(1971, 5, 9),
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
                visit(2025, 6, 2, "Progress note", "Follow-up. BP 128/82."),
                visit(
                    2026,
                    3,
                    4,
                    "Discharge summary",
                    "Admitted for pneumonia.\nHome.",
                ),
                visit(2026, 9, 9, "Progress note", "SUD counselling session."),
            ],
            clinical: vec![],
        }])
        .unwrap()
        .remove(0);
    // Compliance flags the third visit as Part 2.
    let c = f.login("compliance");
    let chart = f.records.open_chart(&c, &mrn).unwrap();
    let sud = chart
        .encounters
        .iter()
        .find(|e| e.admitted == date(2026, 9, 9))
        .unwrap()
        .clone();
    f.records
        .set_encounter_sensitivity(
            &c,
            &mrn,
            &sud.id,
            sud.version,
            Some(Sensitivity::SubstanceUseDisorder),
            "SUD program visit",
        )
        .unwrap();
    mrn
}
