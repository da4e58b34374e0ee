//! Sensitive charts end to end on a real database: break-the-glass with reason and password,
//! access for that user and patient only, expiry, compliance's review list, sensitivity flags,
//! minimum necessary on the chart's tabs and documents, and the chart's access log.

mod common;

use chartroom::domain::Sensitivity;
use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::break_glass::{BreakGlassReason, Verdict};
use chartroom::domain::patient::{EncounterClass, NewPatient, Sex};
use chartroom::policy::ChartTab;
use chartroom::service::{Records, ServiceError};
use chartroom::synth::{SynthDocument, SynthEncounter, SynthPatient};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::{Fixture, fixture, password_of};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn patient(family: &str, sensitivity: Option<Sensitivity>) -> SynthPatient {
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
        encounters: vec![SynthEncounter {
            class: EncounterClass::Outpatient,
            admitted: date(2026, 10, 1),
            discharged: Some(date(2026, 10, 1)),
            location: "Clinic".into(),
            attending: "Dr. Test".into(),
            discharge_status: None,
            documents: vec![SynthDocument {
                kind: "Progress note".into(),
                author: "Dr. Test".into(),
                written: date(2026, 10, 1),
                text: "Line one.\nLine two.\nLine three.".into(),
            }],
        }],
        clinical: Vec::new(),
    }
}

/// (sensitive MRN, second sensitive MRN, ordinary MRN)
fn three_charts(f: &Fixture) -> (String, String, String) {
    let m = f
        .records
        .system_load_synthetic(&[
            patient("Quill", Some(Sensitivity::BehavioralHealth)),
            patient("Rowan", Some(Sensitivity::Vip)),
            patient("Sable", None),
        ])
        .unwrap();
    (m[0].clone(), m[1].clone(), m[2].clone())
}

fn actions(f: &Fixture) -> Vec<(String, AuditAction, Outcome, Option<String>, String)> {
    f.records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.event.user,
                e.event.action,
                e.event.outcome,
                e.event.patient,
                e.event.reason,
            )
        })
        .collect()
}

#[test]
fn breaking_the_glass_opens_one_chart_for_one_user_for_one_hour() {
    let f = fixture();
    let (quill, rowan, _) = three_charts(&f);
    let coder = f.login("coder");
    let clinician = f.login("clinician");
    assert!(matches!(
        f.records.open_chart(&coder, &quill),
        Err(ServiceError::NeedsBreakGlass)
    ));
    let pw = password_of("coder").into();
    let wrong = "not-my-password".into();
    // A wrong password is refused and counts toward lockout like a failed login.
    assert!(matches!(
        f.records.break_glass(&coder, &quill, BreakGlassReason::CodingOrBilling, "", &wrong),
        Err(ServiceError::Invalid(m)) if m.contains("password is not right")
    ));
    assert!(actions(&f).iter().any(|(u, a, _, _, r)| u == "coder"
        && *a == AuditAction::LoginFailed
        && r.contains("breaking the glass")));
    // "Other" needs a note.
    assert!(matches!(
        f.records.break_glass(&coder, &quill, BreakGlassReason::Other, " ", &pw),
        Err(ServiceError::Invalid(m)) if m.contains("note must say")
    ));
    let access = f
        .records
        .break_glass(&coder, &quill, BreakGlassReason::CodingOrBilling, "", &pw)
        .unwrap();
    let opened_at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    assert_eq!(access.expires, opened_at + Duration::minutes(60));
    let chart = f.records.open_chart(&coder, &quill).unwrap();
    assert_eq!(chart.break_glass.as_ref().map(|a| a.id), Some(access.id));
    // The document list and a document's text, each read audited with the patient.
    let doc = &chart.documents[0];
    assert_eq!((doc.kind.as_str(), doc.lines), ("Progress note", 3));
    let text = f.records.chart_document(&coder, &quill, &doc.id).unwrap();
    assert!(text.text.starts_with("Line one."));
    let log = actions(&f);
    assert!(log.iter().any(|(u, a, o, p, _)| u == "coder"
        && *a == AuditAction::BreakGlass
        && *o == Outcome::Success
        && p.as_deref() == Some(quill.as_str())));
    assert!(log.iter().any(|(u, a, _, p, r)| u == "coder"
        && *a == AuditAction::ChartOpened
        && p.as_deref() == Some(quill.as_str())
        && r.contains("break-the-glass access")));
    assert!(log.iter().any(|(u, a, _, p, _)| u == "coder"
        && *a == AuditAction::DocumentViewed
        && p.as_deref() == Some(quill.as_str())));

    // That user only, that patient only.
    assert!(matches!(
        f.records.open_chart(&clinician, &quill),
        Err(ServiceError::NeedsBreakGlass)
    ));
    assert!(matches!(
        f.records.open_chart(&coder, &rowan),
        Err(ServiceError::NeedsBreakGlass)
    ));

    // An hour later the glass is whole again (the wall clock moves; the session stays alive).
    f.clock
        .set_wall(opened_at + Duration::minutes(59) + Duration::seconds(59));
    assert!(f.records.open_chart(&coder, &quill).is_ok());
    f.clock.set_wall(opened_at + Duration::minutes(60));
    assert!(matches!(
        f.records.open_chart(&coder, &quill),
        Err(ServiceError::NeedsBreakGlass)
    ));
    assert!(matches!(
        f.records.chart_document(&coder, &quill, &doc.id),
        Err(ServiceError::NeedsBreakGlass)
    ));
}

#[test]
fn a_broken_glass_still_shows_only_what_the_role_may_see() {
    let f = fixture();
    let (quill, _, sable) = three_charts(&f);
    let billing = f.login("billing");
    f.records
        .break_glass(
            &billing,
            &quill,
            BreakGlassReason::CodingOrBilling,
            "claim denial follow-up",
            &password_of("billing").into(),
        )
        .unwrap();
    let chart = f.records.open_chart(&billing, &quill).unwrap();
    assert_eq!(
        chart.tabs,
        vec![ChartTab::Encounters, ChartTab::Documents, ChartTab::Codes]
    );
    assert!(matches!(
        f.records
            .chart_document(&billing, &quill, &chart.documents[0].id),
        Err(ServiceError::NotPermitted(_))
    ));
    // Registrars see demographics and encounters; the document list but never its text.
    let registrar = f.login("registrar");
    let chart = f.records.open_chart(&registrar, &sable).unwrap();
    assert_eq!(chart.tabs, vec![ChartTab::Encounters, ChartTab::Documents]);
    assert!(matches!(
        f.records
            .chart_document(&registrar, &sable, &chart.documents[0].id),
        Err(ServiceError::NotPermitted(_))
    ));
    // Roles that read restricted charts as their job, and roles that open no chart at all,
    // do not break the glass.
    let compliance = f.login("compliance");
    assert!(f.records.open_chart(&compliance, &quill).is_ok());
    assert!(matches!(
        f.records.break_glass(&compliance, &quill, BreakGlassReason::Review, "", &password_of("compliance").into()),
        Err(ServiceError::Invalid(m)) if m.contains("without breaking the glass")
    ));
    let admin = f.login("admin");
    assert!(matches!(
        f.records.break_glass(
            &admin,
            &quill,
            BreakGlassReason::Emergency,
            "",
            &password_of("admin").into()
        ),
        Err(ServiceError::NotPermitted(_))
    ));
    // An ordinary chart needs no glass.
    let coder = f.login("coder");
    assert!(matches!(
        f.records.break_glass(&coder, &sable, BreakGlassReason::Emergency, "", &password_of("coder").into()),
        Err(ServiceError::Invalid(m)) if m.contains("not restricted")
    ));
}

#[test]
fn compliance_reviews_every_access_and_sets_the_flags() {
    let f = fixture();
    let (quill, rowan, sable) = three_charts(&f);
    let coder = f.login("coder");
    let clinician = f.login("clinician");
    let compliance = f.login("compliance");
    let first = f
        .records
        .break_glass(
            &coder,
            &quill,
            BreakGlassReason::CodingOrBilling,
            "",
            &password_of("coder").into(),
        )
        .unwrap();
    f.clock.advance(Duration::minutes(5));
    let second = f
        .records
        .break_glass(
            &clinician,
            &rowan,
            BreakGlassReason::Other,
            "curious about the VIP",
            &password_of("clinician").into(),
        )
        .unwrap();
    // Only compliance sees the list; newest first.
    assert!(matches!(
        f.records.break_glass_list(&coder, true),
        Err(ServiceError::NotPermitted(_))
    ));
    let list = f.records.break_glass_list(&compliance, true).unwrap();
    assert_eq!(
        list.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );
    // Unreviewed ones age visibly.
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 9, 5, 0).unwrap();
    f.clock.set_wall(now);
    assert_eq!(list[1].days_unreviewed(now), Some(3));
    f.records
        .review_break_glass(
            &compliance,
            first.id,
            first.version,
            Verdict::Appropriate,
            "coding query on file",
        )
        .unwrap();
    let violation = f
        .records
        .review_break_glass(
            &compliance,
            second.id,
            second.version,
            Verdict::Violation,
            "no care relationship",
        )
        .unwrap();
    assert_eq!(
        violation.review.map(|r| r.verdict),
        Some(Verdict::Violation)
    );
    assert!(
        f.records
            .break_glass_list(&compliance, true)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.records
            .break_glass_list(&compliance, false)
            .unwrap()
            .len(),
        2
    );
    // Judged once; a stale version conflicts.
    assert!(matches!(
        f.records.review_break_glass(&compliance, first.id, first.version + 1, Verdict::Violation, "again"),
        Err(ServiceError::Invalid(m)) if m.contains("already reviewed")
    ));
    assert!(matches!(
        f.records.review_break_glass(
            &compliance,
            first.id,
            first.version,
            Verdict::Violation,
            "again"
        ),
        Err(ServiceError::Invalid(_) | ServiceError::Conflict(_))
    ));
    assert!(actions(&f).iter().any(|(u, a, _, p, r)| u == "compliance"
        && *a == AuditAction::BreakGlassReviewed
        && p.as_deref() == Some(rowan.as_str())
        && r.contains("violation")));

    // "Who looked at this chart": the break-glass and the chart open, newest first.
    let log = f.records.chart_access_log(&compliance, &quill).unwrap();
    let kinds: Vec<_> = log
        .iter()
        .map(|e| (e.event.user.as_str(), e.event.action))
        .collect();
    assert!(kinds.contains(&("coder", AuditAction::BreakGlass)));
    assert!(log.windows(2).all(|w| w[0].seq > w[1].seq));
    assert!(matches!(
        f.records.chart_access_log(&coder, &quill),
        Err(ServiceError::NotPermitted(_))
    ));

    // Flags are set by compliance with a reason, as a new version; search marks the chart.
    let registrar = f.login("registrar");
    let version = f
        .records
        .open_chart(&registrar, &sable)
        .unwrap()
        .patient
        .version;
    assert!(matches!(
        f.records.set_sensitivity(
            &coder,
            &sable,
            version,
            Some(Sensitivity::Employee),
            "staff"
        ),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(matches!(
        f.records.set_sensitivity(&compliance, &sable, version, Some(Sensitivity::Employee), " "),
        Err(ServiceError::Invalid(m)) if m.contains("note is required")
    ));
    let flagged = f
        .records
        .set_sensitivity(
            &compliance,
            &sable,
            version,
            Some(Sensitivity::Employee),
            "hired as a nurse",
        )
        .unwrap();
    assert_eq!(flagged.version, version + 1);
    assert!(matches!(
        f.records.open_chart(&registrar, &sable),
        Err(ServiceError::NeedsBreakGlass)
    ));
    f.records
        .wait_for_search_index(std::time::Duration::from_secs(30))
        .unwrap();
    let hit = f
        .records
        .search(&registrar, "sable", 10)
        .unwrap()
        .hits
        .into_iter()
        .find(|h| h.mrn == sable)
        .unwrap();
    assert!(hit.sensitive);
    // A stale version is a conflict, not a silent overwrite.
    assert!(matches!(
        f.records
            .set_sensitivity(&compliance, &sable, version, None, "left the job"),
        Err(ServiceError::Conflict(_))
    ));
    assert!(actions(&f).iter().any(|(u, a, _, p, r)| u == "compliance"
        && *a == AuditAction::SensitivityChanged
        && p.as_deref() == Some(sable.as_str())
        && r.contains("none -> employee")));
}
