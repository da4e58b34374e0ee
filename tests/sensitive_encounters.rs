//! Encounter-level sensitivity end to end on a real database: an ordinary chart with one
//! flagged encounter opens for everyone who may open charts, but that encounter's location,
//! attending and documents (titles, authors, text) need the grant a sensitive chart needs;
//! compliance sets and clears the flag; amendment requests follow the same rule (the chart's
//! requests and the work list); merges move amendment requests and keep the retired chart's
//! sensitivity with what it protected.

mod common;

use chartroom::domain::Sensitivity;
use chartroom::domain::amendment::{AmendmentTarget, WITHHELD};
use chartroom::domain::audit::{AuditAction, AuditEntry, Outcome};
use chartroom::domain::break_glass::BreakGlassReason;
use chartroom::domain::clinical::{ClinicalItem, ICD10CM, ItemMeta, Problem, ProblemStatus};
use chartroom::domain::mpi::CaseDecision;
use chartroom::domain::patient::{EncounterClass, NewPatient, RESTRICTED, Sex};
use chartroom::service::{ChartSummary, Records, ServiceError, SessionToken};
use chartroom::synth::{SynthDocument, SynthEncounter, SynthItem, SynthPatient};
use chrono::{Duration, NaiveDate};
use common::{Fixture, fixture, password_of};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn visit(y: i32, location: &str, doc_kind: &str, text: &str) -> SynthEncounter {
    SynthEncounter {
        class: EncounterClass::Outpatient,
        admitted: date(y, 3, 1),
        discharged: Some(date(y, 3, 1)),
        location: location.into(),
        attending: format!("Dr. {location}"),
        discharge_status: Some("home".into()),
        documents: vec![SynthDocument {
            kind: doc_kind.into(),
            author: format!("Dr. {location}"),
            written: date(y, 3, 1),
            text: text.into(),
        }],
    }
}

fn person(
    family: &str,
    sensitivity: Option<Sensitivity>,
    visits: Vec<SynthEncounter>,
) -> SynthPatient {
    SynthPatient {
        patient: NewPatient {
            family_name: family.into(),
            given_names: vec!["Ada".into()],
            dob: date(1980, 2, 3),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        },
        deceased: None,
        sensitivity,
        near_duplicate_of: None,
        encounters: visits,
        clinical: Vec::new(),
    }
}

/// A problem on the chart's list, recorded at the visit with this index.
fn problem_at(visit: usize, code: &str, display: &str) -> SynthItem {
    SynthItem {
        item: ClinicalItem::Problem(Problem {
            meta: ItemMeta::new("", "", chrono::Utc::now()),
            code_system: ICD10CM.into(),
            code: code.into(),
            display: display.into(),
            onset: None,
            status: ProblemStatus::Active,
        }),
        encounter: Some(visit),
    }
}

/// An ordinary chart with a clinic visit (2024) and a detox visit (2025), the latter flagged
/// Part 2 by compliance. Returns (mrn, detox encounter id, detox document id, clinic document).
fn chart_with_part2_visit(f: &Fixture) -> (String, String, String, String) {
    let mrn = f
        .records
        .system_load_synthetic(&[SynthPatient {
            clinical: vec![
                problem_at(0, "I10", "Essential (primary) hypertension"),
                problem_at(1, "F11.20", "Opioid dependence, uncomplicated"),
            ],
            ..person(
                "Quill",
                None,
                vec![
                    visit(2024, "Family Clinic", "Progress note", "Clinic visit."),
                    visit(
                        2025,
                        "Detox Unit",
                        "SUD intake",
                        "Intake for opioid use disorder.",
                    ),
                ],
            )
        }])
        .unwrap()
        .remove(0);
    let compliance = f.login("compliance");
    let chart = f.records.open_chart(&compliance, &mrn).unwrap();
    let detox = chart
        .encounters
        .iter()
        .find(|e| e.location == "Detox Unit")
        .unwrap()
        .clone();
    let flagged = f
        .records
        .set_encounter_sensitivity(
            &compliance,
            &mrn,
            &detox.id,
            detox.version,
            Some(Sensitivity::SubstanceUseDisorder),
            "Part 2 program",
        )
        .unwrap();
    assert_eq!(
        flagged.version,
        detox.version + 1,
        "a new version of the encounter"
    );
    let doc = |enc: &str| {
        chart
            .documents
            .iter()
            .find(|d| d.encounter_id == enc)
            .unwrap()
            .id
            .clone()
    };
    let clinic = chart
        .encounters
        .iter()
        .find(|e| e.location == "Family Clinic")
        .unwrap()
        .id
        .clone();
    (mrn, detox.id.clone(), doc(&detox.id), doc(&clinic))
}

fn entries(f: &Fixture) -> Vec<AuditEntry> {
    f.records.system_audit_entries(1, 100_000).unwrap()
}

fn last_of(f: &Fixture, user: &str, action: AuditAction) -> AuditEntry {
    entries(f)
        .into_iter()
        .rev()
        .find(|e| e.event.user == user && e.event.action == action)
        .unwrap_or_else(|| panic!("no {action:?} by {user}"))
}

fn encounter_of<'a>(c: &'a ChartSummary, id: &str) -> &'a chartroom::domain::Encounter {
    c.encounters.iter().find(|e| e.id == id).unwrap()
}

fn open_to(c: &ChartSummary, detox: &str) -> bool {
    let e = encounter_of(c, detox);
    !c.withheld_encounters.contains(&e.id) && e.location == "Detox Unit"
}

#[test]
fn an_ordinary_user_sees_the_chart_but_not_the_part2_encounter() {
    let f = fixture();
    let (mrn, detox, detox_doc, clinic_doc) = chart_with_part2_visit(&f);
    let coder = f.login("coder");
    let chart = f.records.open_chart(&coder, &mrn).unwrap();
    assert!(chart.break_glass.is_none());
    assert_eq!(chart.encounters.len(), 2, "the timeline is whole");
    assert_eq!(chart.withheld_encounters, vec![detox.clone()]);
    // The row: dates and class stay; where, by whom and the category do not.
    let row = encounter_of(&chart, &detox);
    assert_eq!(
        (row.admitted, row.class),
        (date(2025, 3, 1), EncounterClass::Outpatient)
    );
    assert_eq!(
        (row.location.as_str(), row.attending.as_str()),
        (RESTRICTED, RESTRICTED)
    );
    assert_eq!(
        (row.discharge_status.as_ref(), row.sensitivity),
        (None, None)
    );
    // The document list withholds the restricted document's title and author.
    let listed = chart.documents.iter().find(|d| d.id == detox_doc).unwrap();
    assert!(listed.restricted);
    assert_eq!(
        (listed.kind.as_str(), listed.author.as_str(), listed.lines),
        ("", "", 0)
    );
    let other = chart.documents.iter().find(|d| d.id == clinic_doc).unwrap();
    assert!(!other.restricted);
    assert_eq!(other.kind, "Progress note");
    // The ordinary document reads as usual; the restricted one needs break-the-glass,
    // refused and recorded naming the encounter.
    assert!(f.records.chart_document(&coder, &mrn, &clinic_doc).is_ok());
    assert!(matches!(
        f.records.chart_document(&coder, &mrn, &detox_doc),
        Err(ServiceError::NeedsBreakGlass)
    ));
    let denied = last_of(&f, "coder", AuditAction::OperationDenied);
    assert_eq!(denied.event.outcome, Outcome::Denied);
    assert_eq!(denied.event.patient.as_deref(), Some(mrn.as_str()));
    assert_eq!(denied.event.reason, format!("restricted encounter {detox}"));
    // Billing and registrars (no clinical text) see the same withheld row.
    for role in ["registrar", "billing"] {
        let t = f.login(role);
        let c = f.records.open_chart(&t, &mrn).unwrap();
        assert!(!open_to(&c, &detox), "{role}");
    }
    // Search says nothing of a restricted encounter.
    f.records
        .wait_for_search_index(std::time::Duration::from_secs(30))
        .unwrap();
    let hit = f.records.search(&coder, "quill", 5).unwrap().hits.remove(0);
    assert!(!hit.sensitive);
}

#[test]
fn break_the_glass_unlocks_the_encounter_for_that_user_until_it_expires() {
    let f = fixture();
    let (mrn, detox, detox_doc, _) = chart_with_part2_visit(&f);
    let coder = f.login("coder");
    let clinician = f.login("clinician");
    let access = f
        .records
        .break_glass(
            &coder,
            &mrn,
            BreakGlassReason::CodingOrBilling,
            "",
            &password_of("coder").into(),
        )
        .unwrap();
    let glass = last_of(&f, "coder", AuditAction::BreakGlass);
    assert!(
        glass.event.reason.contains(
            "a chart with 1 restricted encounter (substance use disorder (42 CFR Part 2))"
        ),
        "{}",
        glass.event.reason
    );
    let chart = f.records.open_chart(&coder, &mrn).unwrap();
    assert_eq!(chart.break_glass.as_ref().map(|a| a.id), Some(access.id));
    assert!(chart.withheld_encounters.is_empty());
    assert!(open_to(&chart, &detox));
    assert_eq!(
        encounter_of(&chart, &detox).sensitivity,
        Some(Sensitivity::SubstanceUseDisorder)
    );
    let opened = last_of(&f, "coder", AuditAction::ChartOpened);
    assert_eq!(
        opened.event.reason,
        format!("under break-the-glass access {}", access.id)
    );
    let doc = f.records.chart_document(&coder, &mrn, &detox_doc).unwrap();
    assert!(doc.text.starts_with("Intake"));
    let read = last_of(&f, "coder", AuditAction::DocumentViewed);
    assert_eq!(
        read.event.reason,
        format!("{detox_doc} under break-the-glass access {}", access.id)
    );
    // That user only.
    assert!(!open_to(
        &f.records.open_chart(&clinician, &mrn).unwrap(),
        &detox
    ));
    assert!(matches!(
        f.records.chart_document(&clinician, &mrn, &detox_doc),
        Err(ServiceError::NeedsBreakGlass)
    ));
    // An hour later the encounter is withheld again.
    f.clock.set_wall(access.expires);
    assert!(!open_to(
        &f.records.open_chart(&coder, &mrn).unwrap(),
        &detox
    ));
    assert!(matches!(
        f.records.chart_document(&coder, &mrn, &detox_doc),
        Err(ServiceError::NeedsBreakGlass)
    ));
}

#[test]
fn compliance_reads_freely_and_sets_and_clears_the_flag() {
    let f = fixture();
    let (mrn, detox, detox_doc, _) = chart_with_part2_visit(&f);
    let compliance = f.login("compliance");
    let chart = f.records.open_chart(&compliance, &mrn).unwrap();
    assert!(open_to(&chart, &detox));
    assert!(chart.documents.iter().all(|d| !d.restricted));
    assert!(
        f.records
            .chart_document(&compliance, &mrn, &detox_doc)
            .is_ok()
    );
    // Breaking the glass makes no sense for compliance.
    assert!(matches!(
        f.records.break_glass(
            &compliance,
            &mrn,
            BreakGlassReason::Review,
            "",
            &password_of("compliance").into()
        ),
        Err(ServiceError::Invalid(_))
    ));
    let set = last_of(&f, "compliance", AuditAction::SensitivityChanged);
    assert_eq!(set.event.patient.as_deref(), Some(mrn.as_str()));
    assert!(
        set.event
            .reason
            .ends_with("none -> substance use disorder (42 CFR Part 2): Part 2 program"),
        "{}",
        set.event.reason
    );
    let e = encounter_of(&chart, &detox).clone();
    // Only SetSensitivity holders; a note is required; the same flag again changes nothing;
    // a stale version is a conflict.
    let coder = f.login("coder");
    assert!(matches!(
        f.records
            .set_encounter_sensitivity(&coder, &mrn, &detox, e.version, None, "x"),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(matches!(
        f.records.set_encounter_sensitivity(&compliance, &mrn, &detox, e.version, None, "  "),
        Err(ServiceError::Invalid(m)) if m.contains("note is required")
    ));
    assert!(matches!(
        f.records.set_encounter_sensitivity(&compliance, &mrn, &detox, e.version, Some(Sensitivity::SubstanceUseDisorder), "again"),
        Err(ServiceError::Invalid(m)) if m.contains("already has this flag")
    ));
    assert!(matches!(
        f.records.set_encounter_sensitivity(
            &compliance,
            &mrn,
            &detox,
            e.version - 1,
            None,
            "stale"
        ),
        Err(ServiceError::Conflict(_))
    ));
    assert!(matches!(
        f.records
            .set_encounter_sensitivity(&compliance, &mrn, "E999999999", 1, None, "none"),
        Err(ServiceError::NotFound(_))
    ));
    let cleared = f
        .records
        .set_encounter_sensitivity(
            &compliance,
            &mrn,
            &detox,
            e.version,
            None,
            "flagged in error",
        )
        .unwrap();
    assert_eq!(
        (cleared.version, cleared.sensitivity),
        (e.version + 1, None)
    );
    assert!(
        last_of(&f, "compliance", AuditAction::SensitivityChanged)
            .event
            .reason
            .ends_with("substance use disorder (42 CFR Part 2) -> none: flagged in error")
    );
    assert!(open_to(
        &f.records.open_chart(&coder, &mrn).unwrap(),
        &detox
    ));
    assert!(f.records.chart_document(&coder, &mrn, &detox_doc).is_ok());
    // Nothing to break the glass for any more.
    assert!(matches!(
        f.records.break_glass(&coder, &mrn, BreakGlassReason::CodingOrBilling, "", &password_of("coder").into()),
        Err(ServiceError::Invalid(m)) if m.contains("not restricted")
    ));
}

#[test]
fn the_access_log_shows_flag_categories_only_to_compliance() {
    let f = fixture();
    let (mrn, _, _, _) = chart_with_part2_visit(&f);
    let reason_of = |t: &SessionToken| {
        f.records
            .chart_access_log(t, &mrn)
            .unwrap()
            .into_iter()
            .find(|e| e.event.action == AuditAction::SensitivityChanged)
            .unwrap()
            .event
            .reason
    };
    assert!(reason_of(&f.login("compliance")).contains("42 CFR Part 2"));
    let auditor = reason_of(&f.login("auditor"));
    assert!(
        !auditor.contains("Part 2") && auditor.contains("withheld"),
        "{auditor}"
    );
}

fn log_request(
    f: &Fixture,
    who: &SessionToken,
    mrn: &str,
    doc: &str,
) -> Result<chartroom::domain::amendment::AmendmentRequest, ServiceError> {
    f.records.log_amendment_request(
        who,
        mrn,
        AmendmentTarget::Document {
            id: doc.into(),
            title: String::new(),
        },
        "I never attended that program.",
        date(2026, 11, 20),
    )
}

#[test]
fn amendment_requests_on_a_restricted_encounter_are_withheld_without_the_grant() {
    let f = fixture();
    let (mrn, _, detox_doc, clinic_doc) = chart_with_part2_visit(&f);
    let roi = f.login("roi");
    let compliance = f.login("compliance");
    // ROI may not even log a request on the restricted document without the glass.
    assert!(matches!(
        log_request(&f, &roi, &mrn, &detox_doc),
        Err(ServiceError::NeedsBreakGlass)
    ));
    let restricted = log_request(&f, &compliance, &mrn, &detox_doc).unwrap();
    let ordinary = log_request(&f, &roi, &mrn, &clinic_doc).unwrap();
    // The work list: the restricted request keeps its deadline, not its words.
    let list = f.records.amendment_worklist(&roi).unwrap();
    let row = list.iter().find(|r| r.id == restricted.id).unwrap();
    assert!(row.withheld);
    assert_eq!(row.requested_change, WITHHELD);
    assert_eq!(row.due_date(), restricted.due_date());
    assert!(row.history.iter().all(|h| !h.what.contains("program")));
    assert!(matches!(&row.target, AmendmentTarget::Document { title, .. } if title == WITHHELD));
    let plain = list.iter().find(|r| r.id == ordinary.id).unwrap();
    assert!(!plain.withheld);
    assert!(
        last_of(&f, "roi", AuditAction::AmendmentsViewed)
            .event
            .reason
            .ends_with("1 withheld (restricted)")
    );
    // Compliance sees both in full.
    let full = f.records.amendment_worklist(&compliance).unwrap();
    assert!(full.iter().all(|r| !r.withheld));
    // The chart's requests: same rule, and the restricted document is not sent.
    let chart = f.records.amendment_requests(&roi, &mrn).unwrap();
    assert!(
        chart
            .requests
            .iter()
            .find(|r| r.id == restricted.id)
            .unwrap()
            .withheld
    );
    assert!(chart.documents.iter().all(|d| d.id != detox_doc));
    assert!(chart.documents.iter().any(|d| d.id == clinic_doc));
    // Deciding it needs the glass too; after it, ROI sees and works it.
    assert!(matches!(
        f.records.extend_amendment(
            &roi,
            &restricted.id,
            restricted.version,
            "records off site",
            date(2026, 11, 23)
        ),
        Err(ServiceError::NeedsBreakGlass)
    ));
    let access = f
        .records
        .break_glass(
            &roi,
            &mrn,
            BreakGlassReason::ReleaseOfInformation,
            "",
            &password_of("roi").into(),
        )
        .unwrap();
    let list = f.records.amendment_worklist(&roi).unwrap();
    assert!(list.iter().all(|r| !r.withheld));
    assert!(
        f.records
            .extend_amendment(
                &roi,
                &restricted.id,
                restricted.version,
                "records off site",
                date(2026, 11, 23)
            )
            .is_ok()
    );
    f.clock.set_wall(access.expires + Duration::seconds(1));
    let list = f.records.amendment_worklist(&roi).unwrap();
    assert!(
        list.iter()
            .find(|r| r.id == restricted.id)
            .unwrap()
            .withheld
    );
}

#[test]
fn the_work_list_withholds_a_restricted_charts_requests() {
    let f = fixture();
    let mrn = f
        .records
        .system_load_synthetic(&[person(
            "Rowan",
            Some(Sensitivity::Vip),
            vec![visit(2024, "Clinic", "Progress note", "Seen.")],
        )])
        .unwrap()
        .remove(0);
    let compliance = f.login("compliance");
    let doc = f.records.open_chart(&compliance, &mrn).unwrap().documents[0]
        .id
        .clone();
    let r = log_request(&f, &compliance, &mrn, &doc).unwrap();
    let sup = f.login("supervisor");
    let row = f.records.amendment_worklist(&sup).unwrap().remove(0);
    assert_eq!((row.id.as_str(), row.withheld), (r.id.as_str(), true));
    assert_eq!(row.requested_change, WITHHELD);
    assert!(!f.records.amendment_worklist(&compliance).unwrap()[0].withheld);
}

/// Two charts of one person; the second (`retired`) carries `flag` and an amendment request.
fn merge_fixture(f: &Fixture, flag: Option<Sensitivity>) -> (String, String, String) {
    let mrns = f
        .records
        .system_load_synthetic(&[
            person(
                "Sable",
                None,
                vec![visit(2023, "Clinic", "Progress note", "Seen.")],
            ),
            person(
                "Sable",
                flag,
                vec![visit(2024, "Ward 4", "Discharge summary", "Home.")],
            ),
        ])
        .unwrap();
    let compliance = f.login("compliance");
    let doc = f
        .records
        .open_chart(&compliance, &mrns[1])
        .unwrap()
        .documents[0]
        .id
        .clone();
    let r = log_request(f, &compliance, &mrns[1], &doc).unwrap();
    f.records
        .system_open_case(&mrns[0], &mrns[1], "same person")
        .unwrap();
    (mrns[0].clone(), mrns[1].clone(), r.id)
}

fn merge(f: &Fixture, survivor: &str) -> (SessionToken, chartroom::domain::mpi::DuplicateCase) {
    let sup = f.login("supervisor");
    let case = f
        .records
        .duplicate_cases(&sup, false)
        .unwrap()
        .remove(0)
        .case;
    let merged = f
        .records
        .decide_duplicate(
            &sup,
            &case.id,
            case.version,
            CaseDecision::Merge {
                survivor: survivor.into(),
            },
            "",
        )
        .unwrap();
    (sup, merged)
}

#[test]
fn a_merge_moves_amendment_requests_and_undo_moves_them_back() {
    let f = fixture();
    let (survivor, retired, request) = merge_fixture(&f, None);
    let compliance = f.login("compliance");
    let (sup, merged) = merge(&f, &survivor);
    let on_survivor = f
        .records
        .amendment_requests(&compliance, &survivor)
        .unwrap();
    let moved = on_survivor
        .requests
        .iter()
        .find(|r| r.id == request)
        .unwrap();
    assert_eq!(moved.mrn, survivor);
    assert_eq!(moved.moved_from.as_deref(), Some(retired.as_str()));
    assert_eq!(moved.version, 2, "a move is a new version");
    assert!(
        f.records
            .amendment_requests(&compliance, &retired)
            .unwrap()
            .requests
            .is_empty()
    );
    // The request's document moved too, so its step works on the survivor.
    let roi = f.login("roi");
    assert!(
        f.records
            .amendment_worklist(&roi)
            .unwrap()
            .iter()
            .any(|r| r.id == request && r.mrn == survivor)
    );
    f.records
        .decide_duplicate(
            &sup,
            &merged.id,
            merged.version,
            CaseDecision::UndoMerge,
            "different people",
        )
        .unwrap();
    let back = f.records.amendment_requests(&compliance, &retired).unwrap();
    let r = back.requests.iter().find(|r| r.id == request).unwrap();
    assert_eq!(
        (r.mrn.as_str(), r.moved_from.as_ref()),
        (retired.as_str(), None)
    );
    assert!(
        f.records
            .amendment_requests(&compliance, &survivor)
            .unwrap()
            .requests
            .is_empty()
    );
}

#[test]
fn a_merged_part2_chart_keeps_its_category_on_the_encounters_it_brought() {
    let f = fixture();
    let (survivor, retired, _) = merge_fixture(&f, Some(Sensitivity::SubstanceUseDisorder));
    let (sup, merged) = merge(&f, &survivor);
    let coder = f.login("coder");
    // The survivor opens as before; the moved encounter is restricted on its own.
    let chart = f.records.open_chart(&coder, &survivor).unwrap();
    assert!(chart.patient.sensitivity.is_none());
    assert_eq!(chart.encounters.len(), 2);
    let moved = chart
        .encounters
        .iter()
        .find(|e| e.moved_from.as_deref() == Some(retired.as_str()))
        .unwrap();
    assert_eq!(chart.withheld_encounters, vec![moved.id.clone()]);
    let compliance = f.login("compliance");
    let full = f.records.open_chart(&compliance, &survivor).unwrap();
    assert_eq!(
        encounter_of(&full, &moved.id).sensitivity,
        Some(Sensitivity::SubstanceUseDisorder)
    );
    // Undo takes the flag off again with the encounter back on its (flagged) chart.
    f.records
        .decide_duplicate(
            &sup,
            &merged.id,
            merged.version,
            CaseDecision::UndoMerge,
            "two people",
        )
        .unwrap();
    let back = f.records.open_chart(&compliance, &retired).unwrap();
    assert_eq!(back.encounters.len(), 1);
    assert_eq!(back.encounters[0].sensitivity, None);
    assert_eq!(
        back.patient.sensitivity,
        Some(Sensitivity::SubstanceUseDisorder)
    );
}

#[test]
fn a_merged_vip_chart_makes_the_survivor_vip_until_undone() {
    let f = fixture();
    let (survivor, _, _) = merge_fixture(&f, Some(Sensitivity::Vip));
    let (sup, merged) = merge(&f, &survivor);
    let coder = f.login("coder");
    assert!(matches!(
        f.records.open_chart(&coder, &survivor),
        Err(ServiceError::NeedsBreakGlass)
    ));
    let compliance = f.login("compliance");
    assert_eq!(
        f.records
            .open_chart(&compliance, &survivor)
            .unwrap()
            .patient
            .sensitivity,
        Some(Sensitivity::Vip)
    );
    f.records
        .decide_duplicate(
            &sup,
            &merged.id,
            merged.version,
            CaseDecision::UndoMerge,
            "two people",
        )
        .unwrap();
    let chart = f.records.open_chart(&coder, &survivor).unwrap();
    assert!(chart.patient.sensitivity.is_none());
    assert!(chart.withheld_encounters.is_empty());
}

#[test]
fn problems_recorded_at_a_restricted_encounter_stay_off_the_summary() {
    let f = fixture();
    let (mrn, detox, _, _) = chart_with_part2_visit(&f);
    let codes = |c: &ChartSummary| -> Vec<String> {
        c.summary
            .as_ref()
            .expect("a summary for this role")
            .problems
            .iter()
            .map(|p| p.code.clone())
            .collect()
    };
    let physician = f.login("clinician");
    let chart = f.records.open_chart(&physician, &mrn).unwrap();
    assert!(chart.withheld_encounters.contains(&detox));
    assert_eq!(
        codes(&chart),
        vec!["I10".to_string()],
        "the Part 2 problem is withheld"
    );
    let compliance = f.login("compliance");
    let mut all = codes(&f.records.open_chart(&compliance, &mrn).unwrap());
    all.sort();
    assert_eq!(all, vec!["F11.20".to_string(), "I10".to_string()]);
}
