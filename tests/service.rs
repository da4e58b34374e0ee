//! The service layer end to end on a real database: login, lockout, idle logoff, gating with
//! audited refusals, versions and conflicts, and the audit chain against tampering.

mod common;

use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::patient::{NewPatient, Sex};
use chartroom::domain::{Role, Secret};
use chartroom::service::{AuditVerdict, LoginRequest, Records, Screen, ServiceError};
use chartroom::store::Store;
use chrono::{Duration, NaiveDate};
use common::{fixture, password_of};

fn login(
    f: &common::Fixture,
    user: &str,
    password: &str,
) -> Result<chartroom::service::LoginOk, ServiceError> {
    f.records.login(LoginRequest {
        username: user.into(),
        password: password.into(),
        peer: None,
    })
}

/// Action, outcome and patient of the newest audit entry.
fn last_entry(f: &common::Fixture) -> (AuditAction, Outcome, Option<String>) {
    let e = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .pop()
        .unwrap();
    (e.event.action, e.event.outcome, e.event.patient)
}

fn actions(f: &common::Fixture) -> Vec<(String, AuditAction, Outcome)> {
    f.records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| (e.event.user, e.event.action, e.event.outcome))
        .collect()
}

#[test]
fn unknown_user_and_wrong_password_get_the_same_message() {
    let f = fixture();
    let unknown = login(&f, "nobody", "whatever-password-here").unwrap_err();
    let wrong = login(&f, "coder", "not-the-coder-password").unwrap_err();
    assert_eq!(unknown, wrong);
    assert_eq!(unknown.to_string(), wrong.to_string());
    let log = actions(&f);
    // An unknown name is recorded as a fingerprint, never as typed: clerks sometimes type a
    // password into the name field.
    assert!(log.iter().any(|(u, a, o)| u.starts_with("unknown:")
        && *a == AuditAction::LoginFailed
        && *o == Outcome::Failure));
    assert!(log.contains(&("coder".into(), AuditAction::LoginFailed, Outcome::Failure)));
    let dump = serde_json::to_string(&f.records.system_audit_entries(1, 100_000).unwrap()).unwrap();
    assert!(!dump.contains("nobody"));
}

#[test]
fn ten_wrong_passwords_lock_the_account_until_unlocked() {
    let f = fixture();
    for i in 1..=10 {
        assert_eq!(
            login(&f, "coder", "wrong password number x").unwrap_err(),
            ServiceError::BadCredentials,
            "attempt {i}"
        );
    }
    // Locked now: even the right password is refused.
    assert_eq!(
        login(&f, "coder", &password_of("coder")).unwrap_err(),
        ServiceError::AccountLocked
    );
    let log = actions(&f);
    let failures = log
        .iter()
        .filter(|(u, a, _)| u == "coder" && *a == AuditAction::LoginFailed)
        .count();
    assert_eq!(
        failures, 11,
        "ten wrong passwords and one attempt while locked"
    );
    assert_eq!(
        log.iter()
            .filter(|(_, a, _)| *a == AuditAction::Lockout)
            .count(),
        1
    );

    // A supervisor may lift it; the count starts again.
    let sup = f.login("supervisor");
    f.records.set_locked(&sup, "coder", false).unwrap();
    assert!(login(&f, "coder", &password_of("coder")).is_ok());
    // A coder may not unlock anyone, and the refusal is audited.
    let coder = f.login("coder");
    assert!(matches!(
        f.records.set_locked(&coder, "billing", false),
        Err(ServiceError::NotPermitted(_))
    ));
    assert!(actions(&f).contains(&(
        "coder".into(),
        AuditAction::OperationDenied,
        Outcome::Denied
    )));
}

#[test]
fn a_success_resets_the_failure_count() {
    let f = fixture();
    for _ in 0..9 {
        login(&f, "roi", "wrong password number x").unwrap_err();
    }
    login(&f, "roi", &password_of("roi")).unwrap();
    for _ in 0..9 {
        login(&f, "roi", "wrong password number x").unwrap_err();
    }
    assert!(
        login(&f, "roi", &password_of("roi")).is_ok(),
        "nine more failures do not lock"
    );
}

#[test]
fn lockout_threshold_is_a_setting() {
    let f = fixture();
    f.records
        .update_settings("test", |s| s.lockout_threshold = 3)
        .unwrap();
    for _ in 0..3 {
        login(&f, "billing", "wrong password number x").unwrap_err();
    }
    assert_eq!(
        login(&f, "billing", &password_of("billing")).unwrap_err(),
        ServiceError::AccountLocked
    );
}

#[test]
fn deactivated_users_cannot_log_in_and_stay_listed() {
    let f = fixture();
    f.records.system_set_active("clinician", false).unwrap();
    assert_eq!(
        login(&f, "clinician", &password_of("clinician")).unwrap_err(),
        ServiceError::BadCredentials
    );
    let users = f.records.system_list_users().unwrap();
    assert!(
        users.iter().any(|u| u.username == "clinician"),
        "never deleted"
    );
}

#[test]
fn every_screen_is_gated_for_every_role_and_refusals_are_audited() {
    let f = fixture();
    for role in Role::ALL {
        let token = f.login(role.as_str());
        for screen in Screen::ALL {
            let allowed = chartroom::policy::decide(
                &[role],
                screen.permission(),
                chartroom::policy::Resource::Ordinary,
            ) == chartroom::policy::Decision::Allow;
            let before = f.records.system_audit_entries(1, 100_000).unwrap().len();
            let result = f.records.open_screen(&token, screen);
            let after = f.records.system_audit_entries(1, 100_000).unwrap();
            if allowed {
                assert!(result.is_ok(), "{role} {screen:?}");
            } else {
                assert!(
                    matches!(result, Err(ServiceError::NotPermitted(_))),
                    "{role} {screen:?}"
                );
                let last = after.last().unwrap();
                assert_eq!(after.len(), before + 1);
                assert_eq!(
                    (
                        last.event.user.as_str(),
                        last.event.action,
                        last.event.outcome,
                        last.event.reason.as_str()
                    ),
                    (
                        role.as_str(),
                        AuditAction::ScreenDenied,
                        Outcome::Denied,
                        screen.title()
                    )
                );
            }
        }
    }
    // The coder cannot reach release of information.
    let coder = f.login("coder");
    assert!(f.records.open_screen(&coder, Screen::Roi).is_err());
}

#[test]
fn sessions_end_after_the_idle_timeout_and_keep_alive_extends_them() {
    let f = fixture();
    let token = f.login("analyst");
    f.clock.advance(Duration::minutes(14));
    f.records.keep_alive(&token).unwrap();
    f.clock.advance(Duration::minutes(14));
    assert!(
        f.records.open_screen(&token, Screen::Search).is_ok(),
        "14 + 14 minutes with a keep-alive between"
    );
    f.clock
        .advance(Duration::minutes(15) + Duration::seconds(1));
    assert_eq!(
        f.records.open_screen(&token, Screen::Search).unwrap_err(),
        ServiceError::SessionExpired
    );
    assert!(actions(&f).contains(&("analyst".into(), AuditAction::IdleLogoff, Outcome::Success)));
}

#[test]
fn idle_timeout_setting_can_be_lowered_not_raised() {
    let f = fixture();
    f.records
        .update_settings("test", |s| s.idle_timeout_minutes = 60)
        .unwrap();
    let token = f.login("analyst");
    f.clock.advance(Duration::minutes(16));
    assert_eq!(
        f.records.keep_alive(&token).unwrap_err(),
        ServiceError::SessionExpired
    );
    f.records
        .update_settings("test", |s| s.idle_timeout_minutes = 5)
        .unwrap();
    let token = f.login("analyst");
    f.clock.advance(Duration::minutes(6));
    assert_eq!(
        f.records.keep_alive(&token).unwrap_err(),
        ServiceError::SessionExpired
    );
}

#[test]
fn admin_reset_forces_a_password_change_before_anything_else() {
    let f = fixture();
    let admin = f.login("admin");
    f.records
        .reset_password(
            &admin,
            "coder",
            &Secret::from("temporary horse battery staple"),
        )
        .unwrap();
    let ok = login(&f, "coder", "temporary horse battery staple").unwrap();
    assert!(ok.must_change_password);
    assert_eq!(
        f.records
            .open_screen(&ok.token, Screen::Coding)
            .unwrap_err(),
        ServiceError::PasswordChangeRequired
    );
    // Rules apply to the new password.
    assert!(matches!(
        f.records.change_password(
            &ok.token,
            &Secret::from("temporary horse battery staple"),
            &Secret::from("short")
        ),
        Err(ServiceError::PasswordRejected(_))
    ));
    f.records
        .change_password(
            &ok.token,
            &Secret::from("temporary horse battery staple"),
            &Secret::from("a quiet harbour at dawn"),
        )
        .unwrap();
    assert!(f.records.open_screen(&ok.token, Screen::Coding).is_ok());
    assert!(login(&f, "coder", "a quiet harbour at dawn").is_ok());
    assert_eq!(
        login(&f, "coder", "temporary horse battery staple").unwrap_err(),
        ServiceError::BadCredentials
    );
    // Nobody but an admin resets passwords.
    let sup = f.login("supervisor");
    assert!(matches!(
        f.records
            .reset_password(&sup, "roi", &Secret::from("another temporary password")),
        Err(ServiceError::NotPermitted(_))
    ));
}

#[test]
fn passwords_never_reach_the_audit_trail() {
    let f = fixture();
    login(&f, "coder", "my secret wrong password 123").unwrap_err();
    let token = f.login("coder");
    f.records
        .change_password(
            &token,
            &Secret::from(password_of("coder")),
            &Secret::from("the new secret lighthouse keeper"),
        )
        .unwrap();
    let dump = serde_json::to_string(&f.records.system_audit_entries(1, 100_000).unwrap()).unwrap();
    for secret in [
        "my secret wrong password",
        "lighthouse",
        "coder-demo-password",
    ] {
        assert!(
            !dump.contains(secret),
            "{secret} leaked into the audit trail"
        );
    }
}

fn new_patient(family: &str) -> NewPatient {
    patient(family, "Ana", (1980, 3, 4))
}

#[test]
fn chart_opens_are_audited_and_gated() {
    let f = fixture();
    let reg = f.login("registrar");
    let p = f
        .records
        .register_patient(&reg, new_patient("Alemán"), None)
        .unwrap();
    assert!(chartroom::domain::mrn::is_valid_mrn(&p.mrn));
    let coder = f.login("coder");
    let chart = f.records.open_chart(&coder, &p.mrn).unwrap();
    assert_eq!(chart.patient.family_name, "Alemán");
    let entries = f.records.system_audit_entries(1, 100_000).unwrap();
    let last = entries.last().unwrap();
    assert_eq!(
        (
            last.event.action,
            last.event.patient.as_deref(),
            last.event.user.as_str()
        ),
        (AuditAction::ChartOpened, Some(p.mrn.as_str()), "coder")
    );
    // Auditors and admins do not read charts; the attempt is recorded against the patient.
    let auditor = f.login("auditor");
    assert!(matches!(
        f.records.open_chart(&auditor, &p.mrn),
        Err(ServiceError::NotPermitted(_))
    ));
    assert_eq!(
        last_entry(&f),
        (
            AuditAction::OperationDenied,
            Outcome::Denied,
            Some(p.mrn.clone())
        )
    );
    // Billing cannot register patients.
    let billing = f.login("billing");
    assert!(matches!(
        f.records.register_patient(&billing, new_patient("X"), None),
        Err(ServiceError::NotPermitted(_))
    ));
    // Bad input is refused with a message and writes nothing.
    let mut future = new_patient("Future");
    future.dob = NaiveDate::from_ymd_opt(2099, 1, 1).unwrap();
    let count = f.records.server_info().unwrap().patients;
    assert!(
        matches!(f.records.register_patient(&reg, future, None), Err(ServiceError::Invalid(m)) if m.contains("future"))
    );
    assert_eq!(f.records.server_info().unwrap().patients, count);
}

#[test]
fn a_stale_write_is_a_conflict_not_an_overwrite() {
    let f = fixture();
    let store = f.records.store();
    let mut a = store.write(|tx| tx.user("coder")).unwrap().unwrap();
    let mut b = a.clone();
    let v = a.version;
    a.full_name = "First Writer".into();
    store.write(|tx| tx.put_user(&mut a, Some(v))).unwrap();
    b.full_name = "Second Writer".into();
    let err = store.write(|tx| tx.put_user(&mut b, Some(v))).unwrap_err();
    assert!(
        matches!(err, chartroom::store::StoreError::Conflict { .. }),
        "{err}"
    );
    assert_eq!(
        store.read(|r| r.user("coder")).unwrap().unwrap().full_name,
        "First Writer"
    );
}

#[test]
fn audit_verify_detects_a_changed_removed_or_reordered_entry() {
    let f = fixture();
    let token = f.login("coder");
    f.records.open_screen(&token, Screen::Roi).unwrap_err();
    f.records.logout(&token).unwrap();
    let n = match f.records.system_verify_audit().unwrap() {
        AuditVerdict::Intact(s) => s.entries,
        other => panic!("{other:?}"),
    };
    assert!(n >= 12);
    let path = f.db_path();
    drop(f.records);
    let verdict = |path: &std::path::Path| {
        chartroom::service::LocalRecords::new(Store::open(path).unwrap())
            .system_verify_audit()
            .unwrap()
    };

    // Change one stored entry with redb directly (bypassing chartroom), as an attacker would.
    let mut original = Vec::new();
    common::tamper_audit(&path, 5, |old| {
        original = old.clone();
        let mut changed = old;
        let i = changed.len() / 2;
        changed[i] ^= 0x01;
        Some(changed)
    });
    match verdict(&path) {
        AuditVerdict::Broken(b) => assert_eq!(b.seq, 5, "{}", b.problem),
        other => panic!("tampering not detected: {other:?}"),
    }
    // Put it back: intact again.
    common::tamper_audit(&path, 5, |_| Some(original));
    assert!(matches!(verdict(&path), AuditVerdict::Intact(_)));
    // Remove entry 8: a gap.
    let mut eight = Vec::new();
    common::tamper_audit(&path, 8, |old| {
        eight = old;
        None
    });
    match verdict(&path) {
        AuditVerdict::Broken(b) => assert_eq!(b.seq, 8, "{}", b.problem),
        other => panic!("removal not detected: {other:?}"),
    }
    // Entries 8 and 9 swapped: both present, in the wrong order.
    let mut nine = Vec::new();
    common::tamper_audit(&path, 9, |old| {
        nine = old;
        Some(eight.clone())
    });
    let db = redb::Database::open(&path).unwrap();
    let tx = db.begin_write().unwrap();
    tx.open_table(redb::TableDefinition::<u64, &[u8]>::new("audit"))
        .unwrap()
        .insert(8, nine.as_slice())
        .unwrap();
    tx.commit().unwrap();
    drop(db);
    match verdict(&path) {
        AuditVerdict::Broken(b) => assert_eq!(b.seq, 8, "{}", b.problem),
        other => panic!("reordering not detected: {other:?}"),
    }
}

#[test]
fn supervisors_unlock_admins_also_deactivate_and_reset_nobody_changes_themselves() {
    let f = fixture();
    let sup = f.login("supervisor");
    let admin = f.login("admin");
    assert_eq!(f.records.list_users(&sup).unwrap().len(), Role::ALL.len());
    // Only administrators lock; supervisors lift lockouts.
    assert!(matches!(
        f.records.set_locked(&sup, "admin", true),
        Err(ServiceError::NotPermitted(_))
    ));
    f.records.set_locked(&admin, "coder", true).unwrap();
    assert_eq!(
        login(&f, "coder", &password_of("coder")).unwrap_err(),
        ServiceError::AccountLocked
    );
    f.records.set_locked(&sup, "coder", false).unwrap();
    assert!(login(&f, "coder", &password_of("coder")).is_ok());
    assert!(matches!(
        f.records.set_active(&sup, "coder", false),
        Err(ServiceError::NotPermitted(_))
    ));
    // Nobody changes their own account from a session, and the attempt is recorded.
    assert!(matches!(
        f.records.set_active(&admin, "admin", false),
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        f.records.reset_password(
            &admin,
            "admin",
            &Secret::from("a temporary passphrase here")
        ),
        Err(ServiceError::Invalid(_))
    ));
    assert_eq!(
        actions(&f).last().unwrap(),
        &(
            "admin".to_string(),
            AuditAction::OperationDenied,
            Outcome::Denied
        )
    );
    // Locking a user ends their open sessions at once.
    let coder = f.login("coder");
    f.records.set_locked(&admin, "coder", true).unwrap();
    assert_eq!(
        f.records.open_screen(&coder, Screen::Coding).unwrap_err(),
        ServiceError::SessionExpired
    );
    let billing = f.login("billing");
    assert!(matches!(
        f.records.list_users(&billing),
        Err(ServiceError::NotPermitted(_))
    ));
}

#[test]
fn guessing_the_current_password_when_changing_it_counts_toward_lockout() {
    let f = fixture();
    f.records
        .update_settings("test", |s| s.lockout_threshold = 3)
        .unwrap();
    let token = f.login("roi");
    for _ in 0..2 {
        assert!(matches!(
            f.records.change_password(
                &token,
                &Secret::from("not my password at all"),
                &Secret::from("a brand new passphrase here")
            ),
            Err(ServiceError::Invalid(_))
        ));
    }
    assert_eq!(
        f.records.change_password(
            &token,
            &Secret::from("still not my password"),
            &Secret::from("a brand new passphrase here")
        ),
        Err(ServiceError::AccountLocked)
    );
    assert_eq!(
        f.records.keep_alive(&token).unwrap_err(),
        ServiceError::SessionExpired,
        "session ended"
    );
    assert_eq!(
        login(&f, "roi", &password_of("roi")).unwrap_err(),
        ServiceError::AccountLocked
    );
}

#[test]
fn sensitive_charts_need_more_than_an_ordinary_grant() {
    use chartroom::domain::patient::Sensitivity;
    use chartroom::policy::{Permission, Resource, Subject, authorize};
    let f = fixture();
    let reg = f.login("registrar");
    let p = f
        .records
        .register_patient(&reg, new_patient("Vip"), None)
        .unwrap();
    f.records
        .store()
        .write(|tx| {
            let coder = Subject {
                username: "test".into(),
                roles: vec![Role::Compliance],
            };
            let g = authorize(&coder, Permission::ViewDemographics, Resource::Ordinary).unwrap();
            let mut patient = tx.patient(&g, &p.mrn)?.unwrap();
            patient.sensitivity = Some(Sensitivity::Vip);
            let v = patient.version;
            tx.put_patient(&mut patient, Some(v))
        })
        .unwrap();
    // The store refuses an ordinary grant for a sensitive record, whoever holds it.
    let coder = Subject {
        username: "coder".into(),
        roles: vec![Role::Coder],
    };
    let ordinary = authorize(&coder, Permission::UseChart, Resource::Ordinary).unwrap();
    let err = f
        .records
        .store()
        .write(|tx| tx.patient(&ordinary, &p.mrn))
        .unwrap_err();
    assert!(
        matches!(err, chartroom::store::StoreError::NotGranted),
        "{err}"
    );
    // Through the service: a coder must break the glass (recorded); compliance reads it.
    let c = f.login("coder");
    assert_eq!(
        f.records.open_chart(&c, &p.mrn).unwrap_err(),
        ServiceError::NeedsBreakGlass
    );
    assert_eq!(
        last_entry(&f),
        (
            AuditAction::OperationDenied,
            Outcome::Denied,
            Some(p.mrn.clone())
        )
    );
    let comp = f.login("compliance");
    assert_eq!(
        f.records
            .open_chart(&comp, &p.mrn)
            .unwrap()
            .patient
            .family_name,
        "Vip"
    );
    // Earlier versions are kept.
    assert_eq!(f.records.store().read(|r| r.patient_count()).unwrap(), 1);
}

#[test]
fn probing_mrns_without_chart_rights_is_refused_alike_and_recorded() {
    let f = fixture();
    let auditor = f.login("auditor");
    for mrn in ["00000018", "99999997"] {
        assert!(
            matches!(
                f.records.open_chart(&auditor, mrn),
                Err(ServiceError::NotPermitted(_))
            ),
            "{mrn}"
        );
        let last = f
            .records
            .system_audit_entries(1, 100_000)
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(
            (last.event.action, last.event.patient.as_deref()),
            (AuditAction::OperationDenied, Some(mrn))
        );
    }
}

#[test]
fn a_wall_clock_set_back_does_not_keep_a_session_alive() {
    let f = fixture();
    let token = f.login("analyst");
    f.clock.advance(Duration::minutes(16));
    f.clock.set_wall(chrono::Utc::now() - Duration::hours(1));
    assert_eq!(
        f.records.keep_alive(&token).unwrap_err(),
        ServiceError::SessionExpired
    );
}

#[test]
fn idle_sessions_whose_client_vanished_are_ended_and_recorded() {
    let f = fixture();
    let _abandoned = f.login("clinician");
    f.clock.advance(Duration::minutes(20));
    f.login("coder");
    assert!(actions(&f).contains(&(
        "clinician".into(),
        AuditAction::IdleLogoff,
        Outcome::Success
    )));
}

fn patient(family: &str, given: &str, dob: (i32, u32, u32)) -> NewPatient {
    NewPatient {
        family_name: family.into(),
        given_names: vec![given.into()],
        dob: NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).unwrap(),
        sex: Sex::Female,
        address: None,
        phone: None,
        ssn: None,
        details: Default::default(),
    }
}

fn wait_index(f: &common::Fixture) {
    f.records
        .wait_for_search_index(std::time::Duration::from_secs(30))
        .unwrap();
}

#[test]
fn searches_are_audited_once_per_query_the_clerk_settles_on() {
    let f = fixture();
    let reg = f.login("registrar");
    let smith = f
        .records
        .register_patient(&reg, patient("Smith", "Ana", (1980, 3, 4)), None)
        .unwrap();
    f.records
        .register_patient(&reg, patient("Jones", "Bo", (1970, 1, 1)), None)
        .unwrap();
    wait_index(&f);
    let before = actions(&f).len();
    for q in ["s", "sm", "smi", "smith", "smit", "smith"] {
        f.records.search(&reg, q, 10).unwrap();
    }
    assert_eq!(
        actions(&f).len(),
        before,
        "typing one query writes nothing yet"
    );
    let r = f.records.search(&reg, "jones", 10).unwrap();
    assert_eq!(r.total, 1);
    let entries = f.records.system_audit_entries(1, 100_000).unwrap();
    let last = entries.last().unwrap();
    assert_eq!(
        (last.event.action, last.event.reason.as_str()),
        (AuditAction::PatientSearch, "query \"smith\": 1 result(s)")
    );
    f.records.open_chart(&reg, &smith.mrn).unwrap();
    let entries = f.records.system_audit_entries(1, 100_000).unwrap();
    let n = entries.len();
    assert_eq!(entries[n - 2].event.reason, "query \"jones\": 1 result(s)");
    assert_eq!(entries[n - 1].event.action, AuditAction::ChartOpened);
    // A pending search is recorded at logout too.
    f.records.search(&reg, "ana", 10).unwrap();
    f.records.logout(&reg).unwrap();
    let entries = f.records.system_audit_entries(1, 100_000).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.event.reason == "query \"ana\": 1 result(s)")
    );
    // Auditors do not search patients; the refusal is recorded.
    let auditor = f.login("auditor");
    assert!(matches!(
        f.records.search(&auditor, "smith", 10),
        Err(ServiceError::NotPermitted(_))
    ));
}

#[test]
fn the_index_is_rebuilt_from_the_database_at_start() {
    let f = fixture();
    let reg = f.login("registrar");
    let p = f
        .records
        .register_patient(&reg, patient("Nguyễn", "Thị", (1990, 5, 6)), None)
        .unwrap();
    let path = f.db_path();
    drop(f.records);
    let records = chartroom::service::LocalRecords::new(Store::open(&path).unwrap());
    let r = records.system_search("nguyen 5/6/1990", 10).unwrap();
    assert_eq!(
        r.hits.iter().map(|h| h.mrn.as_str()).collect::<Vec<_>>(),
        [p.mrn.as_str()]
    );
}

#[test]
fn the_index_starts_from_its_snapshot_and_the_changes_logged_since() {
    let f = fixture();
    let reg = f.login("registrar");
    wait_index(&f);
    let built = f.records.search_index_report().unwrap();
    assert_eq!(built.source, "search_keys");
    assert!(built.snapshot_written, "{built:?}");
    // Registered after the snapshot: only in the change log.
    let first = f
        .records
        .register_patient(&reg, patient("Nguyễn", "Thị", (1990, 5, 6)), None)
        .unwrap();
    let second = f
        .records
        .register_patient(&reg, patient("Quokka", "Ann", (2001, 2, 3)), None)
        .unwrap();
    let path = f.db_path();
    drop(f.records);

    let reopen = |store: Store| {
        let records = chartroom::service::LocalRecords::new(store);
        records
            .wait_for_search_index(std::time::Duration::from_secs(60))
            .unwrap();
        let found = |q: &str| {
            records
                .system_search(q, 10)
                .unwrap()
                .hits
                .into_iter()
                .map(|h| h.mrn)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("nguyen 5/6/1990"), [first.mrn.as_str()]);
        assert_eq!(found("quokka"), [second.mrn.as_str()]);
        records.search_index_report().unwrap()
    };
    let r = reopen(Store::open(&path).unwrap());
    assert_eq!(
        (r.source, r.patients, r.changes_applied, r.snapshot_written),
        ("snapshot", 2, 2, false),
        "{r:?}"
    );

    // A damaged snapshot is refused with its reason; the index is built from the keys and a
    // good snapshot replaces the bad one.
    let store = Store::open(&path).unwrap();
    store
        .write(|w| w.put_search_snapshot(0, b"junk from a bad disk"))
        .unwrap();
    let r = reopen(store);
    assert_eq!(r.source, "search_keys");
    assert!(
        r.snapshot_refused
            .as_deref()
            .is_some_and(|why| why.contains("not a search-index snapshot")),
        "{r:?}"
    );
    assert!(r.snapshot_written);
    assert_eq!(reopen(Store::open(&path).unwrap()).source, "snapshot");
}

#[test]
fn a_schema_1_database_gains_search_keys_when_opened() {
    use redb::ReadableDatabase;
    let f = fixture();
    let reg = f.login("registrar");
    let p = f
        .records
        .register_patient(&reg, patient("Alemán", "José", (1960, 1, 2)), None)
        .unwrap();
    let path = f.db_path();
    drop(f.records);
    {
        // Make it look like a database written before search keys existed.
        let db = redb::Database::open(&path).unwrap();
        let tx = db.begin_write().unwrap();
        tx.delete_table(redb::TableDefinition::<&str, &[u8]>::new("search_keys"))
            .unwrap();
        let v1 = chartroom::store::codec::encode(&1u32).unwrap();
        tx.open_table(redb::TableDefinition::<&str, &[u8]>::new("meta"))
            .unwrap()
            .insert("schema_version", v1.as_slice())
            .unwrap();
        tx.commit().unwrap();
        let rtx = db.begin_read().unwrap();
        assert!(
            rtx.open_table(redb::TableDefinition::<&str, &[u8]>::new("search_keys"))
                .is_err()
        );
    }
    let records = chartroom::service::LocalRecords::new(Store::open(&path).unwrap());
    let r = records.system_search("aleman", 10).unwrap();
    assert_eq!(r.hits[0].mrn, p.mrn);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, .. proptest::prelude::ProptestConfig::default() })]
    /// Every registered patient is found by exact MRN, and by exact name and date of birth.
    #[test]
    fn every_registered_patient_is_found_by_mrn_and_by_name_and_dob(
        people in proptest::collection::vec(("[A-Z][a-z]{2,9}", "[A-Z][a-z]{2,9}", 1920i32..2020, 1u32..13, 1u32..29), 1..6)
    ) {
        let f = fixture();
        let reg = f.login("registrar");
        let mut registered = Vec::new();
        for (family, given, y, m, d) in &people {
            registered.push(f.records.register_patient(&reg, patient(family, given, (*y, *m, *d)), None).unwrap());
        }
        wait_index(&f);
        for p in &registered {
            let by_mrn = f.records.search(&reg, &p.mrn, 10).unwrap();
            proptest::prop_assert_eq!(&by_mrn.hits[0].mrn, &p.mrn);
            let q = format!("{} {} {}", p.family_name, p.given_names[0], p.dob.format("%Y-%m-%d"));
            let by_name = f.records.search(&reg, &q, 50).unwrap();
            proptest::prop_assert!(by_name.hits.iter().any(|h| h.mrn == p.mrn), "{} not found by {:?}", p.mrn, q);
        }
    }
}

#[test]
fn likely_duplicates_stop_a_new_chart_until_the_clerk_says_why() {
    let f = fixture();
    let reg = f.login("registrar");
    let mut first = patient("Smith", "Anna", (1980, 3, 4));
    first.ssn = Some("123-45-6789".into());
    let first = f.records.register_patient(&reg, first, None).unwrap();
    // Sound-alike name, same birth date: refused without a reason.
    let again = patient("Smyth", "Ana", (1980, 3, 4));
    match f.records.register_patient(&reg, again.clone(), None) {
        Err(ServiceError::PossibleDuplicates(hits)) => assert_eq!(hits[0].mrn, first.mrn),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        f.records.likely_matches(&reg, &again).unwrap()[0].mrn,
        first.mrn
    );
    // The same SSN under another name is a likely match too.
    let mut alias = patient("Quokka", "Zed", (1999, 9, 9));
    alias.ssn = Some("123456789".into());
    assert_eq!(
        f.records.likely_matches(&reg, &alias).unwrap()[0].mrn,
        first.mrn
    );
    // With a reason it is registered, and the reason is in the audit trail.
    let second = f
        .records
        .register_patient(&reg, again, Some("twin sister, confirmed with ID".into()))
        .unwrap();
    assert_ne!(second.mrn, first.mrn);
    let last = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.event.action, AuditAction::PatientRegistered);
    assert!(
        last.event.reason.contains(&first.mrn) && last.event.reason.contains("twin sister"),
        "{}",
        last.event.reason
    );
    // Someone unrelated registers without a question.
    assert!(
        f.records
            .register_patient(&reg, patient("Okafor", "Chidi", (1970, 1, 1)), None)
            .is_ok()
    );
}

#[test]
fn the_search_audit_keeps_what_was_settled_on_and_masks_identifiers() {
    let f = fixture();
    let reg = f.login("registrar");
    let mut p = patient("Smith", "John", (1980, 3, 4));
    p.ssn = Some("123-45-6789".into());
    f.records.register_patient(&reg, p, None).unwrap();
    wait_index(&f);
    // Typed, then backspaced, then something else: the longest is what was used.
    for q in ["smith john", "smith jo", "s", "j"] {
        f.records.search(&reg, q, 10).unwrap();
    }
    f.records.search(&reg, "123-45-6789", 10).unwrap();
    let admin = f.login("admin");
    f.records.set_locked(&admin, "registrar", true).unwrap();
    let reasons: Vec<String> = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == AuditAction::PatientSearch)
        .map(|e| e.event.reason)
        .collect();
    assert_eq!(
        reasons,
        vec![
            "query \"smith john\": 1 result(s)".to_string(),
            "query \"j\": 1 result(s)".to_string(),
            "query \"***6789\": 1 result(s)".to_string(),
        ],
        "the pending search is recorded when the lock ends the session, with the SSN masked"
    );
}

#[test]
fn the_duplicate_check_is_audited_like_a_search() {
    let f = fixture();
    let reg = f.login("registrar");
    let first = f
        .records
        .register_patient(&reg, patient("Nguyen", "Lan", (1990, 1, 1)), None)
        .unwrap();
    f.records
        .likely_matches(&reg, &patient("Nguyễn", "Lan", (1990, 1, 1)))
        .unwrap();
    let last = f
        .records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.event.action, AuditAction::PatientSearch);
    assert!(
        last.event.reason.starts_with("duplicate check") && last.event.reason.contains(&first.mrn),
        "{}",
        last.event.reason
    );
}

#[test]
fn the_daemons_sweep_ends_sessions_whose_clients_vanished() {
    let f = fixture();
    let token = f.login("registrar");
    f.clock.advance(chrono::Duration::minutes(14));
    f.records.system_sweep_idle().unwrap();
    assert!(
        f.records.keep_alive(&token).is_ok(),
        "not idle long enough yet"
    );
    f.clock.advance(chrono::Duration::minutes(16));
    f.records.system_sweep_idle().unwrap();
    let ended = f
        .records
        .system_audit_entries(1, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == AuditAction::IdleLogoff && e.event.user == "registrar")
        .count();
    assert_eq!(
        ended, 1,
        "ended and audited without any call from the client"
    );
    assert_eq!(
        f.records.keep_alive(&token),
        Err(ServiceError::SessionExpired)
    );
}
