//! The clinical summary end to end: loaded items come back in the Summary tab's order with
//! the chart, only for roles that see the tab; merges move items and undo moves them back;
//! a schema 5 database opens and migrates; a damaged item is an error naming its table and key.

mod common;

use chartroom::domain::Role;
use chartroom::domain::clinical::{
    Allergy, AllergyListStatus, AllergyStatus, ClinicalItem, Criticality, ICD10CM, ItemMeta,
    Medication, MedicationStatus, NoKnownAllergies, Problem, ProblemStatus, Severity,
};
use chartroom::domain::patient::{EncounterClass, NewPatient, Sex};
use chartroom::policy::{self, Permission, Resource, Subject};
use chartroom::service::{LocalRecords, Records};
use chartroom::store::{MergeActor, Store};
use chartroom::synth::{SynthEncounter, SynthItem, SynthPatient};
use chrono::{NaiveDate, TimeZone, Utc};
use common::{Fixture, fixture};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn meta() -> ItemMeta {
    ItemMeta::new("", "", Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap())
}

fn problem(code: &str, display: &str, onset: NaiveDate, status: ProblemStatus) -> SynthItem {
    SynthItem {
        item: ClinicalItem::Problem(Problem {
            meta: meta(),
            code_system: ICD10CM.into(),
            code: code.into(),
            display: display.into(),
            onset: Some(onset),
            status,
        }),
        encounter: Some(0),
    }
}

fn allergy(substance: &str, severity: Severity) -> SynthItem {
    SynthItem {
        item: ClinicalItem::Allergy(Allergy {
            meta: meta(),
            substance: substance.into(),
            reaction: Some("hives".into()),
            severity: Some(severity),
            criticality: Criticality::Low,
            status: AllergyStatus::Active,
            recorded: None,
        }),
        encounter: None,
    }
}

fn person(family: &str, clinical: Vec<SynthItem>) -> SynthPatient {
    SynthPatient {
        patient: NewPatient {
            family_name: family.into(),
            given_names: vec!["Rosa".into()],
            dob: date(1958, 6, 1),
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
            class: EncounterClass::Outpatient,
            admitted: date(2025, 3, 1),
            discharged: Some(date(2025, 3, 1)),
            location: "Clinic".into(),
            attending: "Dr. Test".into(),
            discharge_status: None,
            documents: Vec::new(),
        }],
        clinical,
    }
}

fn survivor_items() -> Vec<SynthItem> {
    vec![
        problem(
            "J18.9",
            "Pneumonia, unspecified organism",
            date(2025, 3, 1),
            ProblemStatus::Resolved,
        ),
        problem(
            "I10",
            "Essential (primary) hypertension",
            date(2019, 1, 1),
            ProblemStatus::Active,
        ),
        problem(
            "E11.9",
            "Type 2 diabetes mellitus without complications",
            date(2021, 1, 1),
            ProblemStatus::Active,
        ),
        allergy("latex", Severity::Mild),
        allergy("penicillin", Severity::Severe),
        SynthItem {
            item: ClinicalItem::Medication(Medication {
                meta: meta(),
                medication: "metformin 500 mg tablet".into(),
                dosage: "500 mg by mouth twice daily".into(),
                status: MedicationStatus::Active,
                start: Some(date(2021, 1, 1)),
                prescriber: Some("Dr. Test".into()),
            }),
            encounter: Some(0),
        },
    ]
}

fn retired_items() -> Vec<SynthItem> {
    vec![
        problem(
            "E03.9",
            "Hypothyroidism, unspecified",
            date(2018, 1, 1),
            ProblemStatus::Active,
        ),
        SynthItem {
            item: ClinicalItem::NoKnownAllergies(NoKnownAllergies {
                meta: meta(),
                recorded: None,
                status: AllergyStatus::Active,
            }),
            encounter: None,
        },
    ]
}

fn load(f: &Fixture) -> (String, String) {
    let mrns = f
        .records
        .system_load_synthetic(&[
            person("Quist", survivor_items()),
            person("Quist", retired_items()),
        ])
        .unwrap();
    (mrns[0].clone(), mrns[1].clone())
}

fn subject(role: Role) -> Subject {
    Subject {
        username: role.as_str().into(),
        roles: vec![role],
    }
}

#[test]
fn the_chart_carries_the_summary_only_for_roles_that_see_its_tab() {
    let f = fixture();
    let (a, _) = load(&f);
    let clinician = f.login("clinician");
    let chart = f.records.open_chart(&clinician, &a).unwrap();
    let s = chart.summary.expect("clinicians get the summary");
    let problems: Vec<&str> = s.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        problems,
        ["E11.9", "I10", "J18.9"],
        "active first, newest first"
    );
    assert_eq!(s.allergy_status, AllergyListStatus::Allergies);
    assert_eq!(s.banner_allergies(80), "penicillin (severe), latex (mild)");
    let enc = &chart.encounters[0].id;
    assert_eq!(s.problems[0].meta.encounter_id.as_ref(), Some(enc));
    assert_eq!(s.problems[0].meta.mrn, a);
    assert!(s.problems[0].meta.id.starts_with("PR"));
    assert_eq!(s.medications[0].meta.version, 1);
    // Minimum necessary: billing and registrars get no clinical data at all.
    for role in ["billing", "registrar"] {
        let token = f.login(role);
        let chart = f.records.open_chart(&token, &a).unwrap();
        assert!(chart.summary.is_none(), "{role}");
        assert!(!chart.tabs.contains(&policy::ChartTab::Summary), "{role}");
    }
    // What the remote protocol will carry: the summary survives a serde round trip, and an
    // older peer's chart (no summary field) still reads.
    let json = serde_json::to_value(f.records.open_chart(&clinician, &a).unwrap()).unwrap();
    let back: chartroom::service::ChartSummary = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back.summary.unwrap().problems.len(), 3);
    let mut old = json;
    old.as_object_mut().unwrap().remove("summary");
    let back: chartroom::service::ChartSummary = serde_json::from_value(old).unwrap();
    assert!(back.summary.is_none());
}

#[test]
fn a_merge_moves_clinical_items_and_undo_moves_them_back() {
    let f = fixture();
    let (a, b) = load(&f);
    let path = f.db_path();
    let Fixture { dir, records, .. } = f;
    drop(records);
    let store = Store::open(&path).unwrap();
    let sup = subject(Role::Supervisor);
    let approve = policy::authorize(&sup, Permission::ApproveMerge, Resource::Ordinary).unwrap();
    let read = policy::authorize(&sup, Permission::ViewClinicalText, Resource::Ordinary).unwrap();
    let who = MergeActor {
        by: "supervisor",
        at: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
    };
    let (record, _) = store
        .write(|tx| tx.merge_patients(&approve, &a, &b, None, None, &who))
        .unwrap();
    assert_eq!(record.clinical.len(), 2, "{record:?}");
    let (sa, sb) = store
        .read(|r| {
            Ok((
                r.clinical_summary(&read, &a)?,
                r.clinical_summary(&read, &b)?,
            ))
        })
        .unwrap();
    assert!(sb.is_empty(), "{sb:?}");
    assert_eq!(sa.problems.len(), 4);
    let moved = sa.problems.iter().find(|p| p.code == "E03.9").unwrap();
    assert_eq!(moved.meta.moved_from.as_deref(), Some(b.as_str()));
    assert_eq!(moved.meta.mrn, a);
    assert_eq!(moved.meta.version, 2);
    // The survivor's own allergies still win over the retired chart's NKA.
    assert_eq!(sa.allergy_status, AllergyListStatus::Allergies);
    let (_, _) = store
        .write(|tx| tx.undo_merge(&approve, record.id, &who, "not the same patient"))
        .unwrap();
    let (sa, sb) = store
        .read(|r| {
            Ok((
                r.clinical_summary(&read, &a)?,
                r.clinical_summary(&read, &b)?,
            ))
        })
        .unwrap();
    assert_eq!(sa.problems.len(), 3);
    assert!(sa.problems.iter().all(|p| p.meta.moved_from.is_none()));
    assert_eq!(sb.problems.len(), 1);
    assert_eq!(sb.problems[0].meta.moved_from, None);
    assert_eq!(sb.problems[0].meta.mrn, b);
    assert_eq!(sb.allergy_status, AllergyListStatus::NoKnownAllergies);
    drop(dir);
}

#[test]
fn a_schema_5_database_opens_and_migrates() {
    use redb::ReadableDatabase;
    let f = fixture();
    let (a, _) = load(&f);
    let path = f.db_path();
    let Fixture { dir, records, .. } = f;
    drop(records);
    {
        // Make it look like a database written before the clinical summary existed.
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        assert!(
            tx.delete_table(redb::TableDefinition::<&str, &[u8]>::new("clinical_items"))
                .unwrap()
        );
        assert!(
            tx.delete_multimap_table(redb::MultimapTableDefinition::<&str, &str>::new(
                "clinical_by_patient"
            ))
            .unwrap()
        );
        let v5 = chartroom::store::codec::encode(&5u32).unwrap();
        tx.open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
            .unwrap()
            .insert("schema_version", v5.as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    drop(store);
    {
        let db = redb::Database::open(&path).unwrap();
        let rtx = db.begin_read().unwrap();
        let meta = rtx
            .open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
            .unwrap();
        let v: u32 = chartroom::store::codec::decode(
            "meta",
            "schema_version",
            meta.get("schema_version").unwrap().unwrap().value(),
        )
        .unwrap();
        assert_eq!(v, chartroom::store::SCHEMA_VERSION);
    }
    let records = LocalRecords::new(Store::open(&path).unwrap());
    let clinician = records
        .login(chartroom::service::LoginRequest {
            username: "clinician".into(),
            password: common::password_of("clinician").into(),
            peer: None,
        })
        .unwrap()
        .token;
    let chart = records.open_chart(&clinician, &a).unwrap();
    let s = chart.summary.unwrap();
    assert!(s.is_empty());
    assert_eq!(s.banner_allergies(40), "Allergies not recorded");
    drop(records);
    drop(dir);
}

#[test]
fn a_damaged_clinical_item_is_an_error_naming_table_and_key() {
    let f = fixture();
    let (a, _) = load(&f);
    let clinician = f.login("clinician");
    let id = f
        .records
        .open_chart(&clinician, &a)
        .unwrap()
        .summary
        .unwrap()
        .problems[0]
        .meta
        .id
        .clone();
    let path = f.db_path();
    let Fixture { dir, records, .. } = f;
    drop(records);
    {
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(redb::TableDefinition::<&str, &[u8]>::new("clinical_items"))
            .unwrap()
            .insert(id.as_str(), [1u8, 0xc1, 0xff].as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    let records = LocalRecords::new(Store::open(&path).unwrap());
    let clinician = records
        .login(chartroom::service::LoginRequest {
            username: "clinician".into(),
            password: common::password_of("clinician").into(),
            peer: None,
        })
        .unwrap()
        .token;
    let err = records.open_chart(&clinician, &a).unwrap_err().to_string();
    assert!(err.contains("clinical_items") && err.contains(&id), "{err}");
    // Roles that get no summary never read the item, so their chart still opens.
    let billing = records
        .login(chartroom::service::LoginRequest {
            username: "billing".into(),
            password: common::password_of("billing").into(),
            peer: None,
        })
        .unwrap()
        .token;
    assert!(records.open_chart(&billing, &a).is_ok());
    drop(records);
    drop(dir);
}

#[test]
fn demo_patients_have_plausible_summaries() {
    let cfg = chartroom::synth::SynthConfig {
        seed: 7,
        patients: 400,
        today: date(2026, 11, 23),
    };
    let patients: Vec<SynthPatient> = chartroom::synth::generate(&cfg).collect();
    let again: Vec<SynthPatient> = chartroom::synth::generate(&cfg).collect();
    assert_eq!(patients, again, "deterministic from the seed");
    let (mut nka, mut unrecorded, mut with_allergies, mut max_allergies) = (0, 0, 0, 0);
    for p in &patients {
        let s = chartroom::domain::clinical::ClinicalSummary::from_items(
            p.clinical.iter().map(|i| i.item.clone()),
        );
        match s.allergy_status {
            AllergyListStatus::NoKnownAllergies => nka += 1,
            AllergyListStatus::NotRecorded => unrecorded += 1,
            _ => with_allergies += 1,
        }
        max_allergies = max_allergies.max(s.allergies.len());
        let last = p.deceased.unwrap_or(cfg.today);
        for item in &p.clinical {
            if let Some(e) = item.encounter {
                assert!(e < p.encounters.len());
            }
            match &item.item {
                ClinicalItem::Problem(pr) => {
                    assert_eq!(pr.code_system, ICD10CM);
                    assert!(pr.onset.is_some_and(|d| d >= p.patient.dob && d <= last));
                }
                ClinicalItem::Immunization(i) => {
                    assert!(i.date >= p.patient.dob && i.date <= last, "{i:?}");
                    assert!(i.cvx.is_some());
                }
                _ => {}
            }
        }
        // Never an antibiotic the patient is allergic to.
        let allergic_to_penicillin = s.active_allergies().any(|a| a.substance == "penicillin");
        if allergic_to_penicillin {
            assert!(
                !s.medications
                    .iter()
                    .any(|m| m.medication.starts_with("amox")),
                "{s:?}"
            );
        }
    }
    assert!(
        nka > 100 && unrecorded > 20 && with_allergies > 80,
        "{nka} {unrecorded} {with_allergies}"
    );
    assert!((2..=5).contains(&max_allergies), "{max_allergies}");
}
