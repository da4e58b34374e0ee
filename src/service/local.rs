//! The in-process service: store + policy + audit. The daemon serves this same type.
//!
//! Pattern of every operation: resolve the session to a [`Subject`] (roles from our own table),
//! ask the policy, then do the work and append the audit entry in one write transaction. A
//! refusal is audited too, in its own transaction.

use super::session::{Lookup, Session, Sessions};
use super::{
    AuditVerdict, ChartSummary, Clock, LoginOk, LoginRequest, NewUser, Records, Screen, ServerInfo,
    ServiceError, ServiceResult, SessionToken, SystemClock,
};
use crate::domain::audit::{AuditAction, AuditEntry, AuditEvent, Outcome};
use crate::domain::mrn::mrn_for_sequence;
use crate::domain::password::{self, DUMMY_HASH};
use crate::domain::patient::{Document, Encounter, NewPatient, Patient};
use crate::domain::user::{self, User, UserStatus, UserSummary};
use crate::domain::{Role, Settings};
use crate::policy::{self, Permission, Refusal, Resource, Subject};
use crate::store::{Store, StoreError, WriteTx};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => ServiceError::Conflict(e.to_string()),
            StoreError::NotFound { what } => ServiceError::NotFound(what),
            other => ServiceError::Unavailable(other.to_string()),
        }
    }
}

/// Longest user name we copy into an audit entry from a failed login (it is untrusted input).
const MAX_LOGGED_NAME: usize = 64;

pub struct LocalRecords {
    store: Store,
    sessions: Sessions,
    clock: Arc<dyn Clock>,
}

impl LocalRecords {
    pub fn new(store: Store) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Store, clock: Arc<dyn Clock>) -> Self {
        LocalRecords {
            store,
            sessions: Sessions::default(),
            clock,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn event(
        &self,
        who: &Subject,
        action: AuditAction,
        outcome: Outcome,
        reason: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            user: who.username.clone(),
            roles: who.roles.clone(),
            action,
            patient: None,
            outcome,
            reason: reason.into(),
            peer: None,
        }
    }

    fn settings(&self) -> ServiceResult<Settings> {
        Ok(self.store.read(|r| r.settings())?)
    }

    fn idle_limit(&self) -> ServiceResult<Duration> {
        Ok(Duration::minutes(i64::from(
            self.settings()?.effective_idle_minutes(),
        )))
    }

    /// The live session behind `token`; an idle one is ended and audited here.
    fn session(&self, token: &SessionToken) -> ServiceResult<Session> {
        match self.sessions.touch(token, self.now(), self.idle_limit()?)? {
            Lookup::Active(s) => Ok(s),
            Lookup::Expired(s) => {
                let mut ev = self.event(
                    &s.subject(),
                    AuditAction::IdleLogoff,
                    Outcome::Success,
                    "idle timeout (service)",
                );
                ev.peer = s.peer.clone();
                self.store.write(|tx| tx.append_audit(ev))?;
                Err(ServiceError::SessionExpired)
            }
            Lookup::Unknown => Err(ServiceError::SessionExpired),
        }
    }

    /// A session that has also chosen its own password when one was forced on it.
    fn ready_session(&self, token: &SessionToken) -> ServiceResult<Session> {
        let s = self.session(token)?;
        if s.must_change_password {
            return Err(ServiceError::PasswordChangeRequired);
        }
        Ok(s)
    }

    /// Records a refusal and returns the error to give the caller.
    fn refuse(
        &self,
        s: &Session,
        action: AuditAction,
        patient: Option<&str>,
        what: &str,
        refusal: Refusal,
    ) -> ServiceError {
        let mut ev = self.event(&s.subject(), action, Outcome::Denied, what);
        ev.patient = patient.map(str::to_string);
        ev.peer = s.peer.clone();
        if let Err(e) = self.store.write(|tx| tx.append_audit(ev)) {
            return e.into();
        }
        match refusal {
            Refusal::Denied => ServiceError::NotPermitted(what.to_string()),
            Refusal::NeedsBreakGlass => ServiceError::NeedsBreakGlass,
        }
    }

    /// Checks a permission that touches no patient record, auditing a refusal.
    fn permit(&self, s: &Session, p: Permission, what: &str) -> ServiceResult<policy::Grant> {
        policy::authorize(&s.subject(), p, Resource::Ordinary)
            .map_err(|r| self.refuse(s, AuditAction::OperationDenied, None, what, r))
    }

    // ---- operations the command line runs as the system ------------------------------------

    /// The subject for command-line administration: whoever can open the file is trusted with
    /// it, and is named in the audit trail by their Unix user.
    pub fn system_subject() -> Subject {
        let unix = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Subject {
            username: format!("system:{unix}"),
            roles: vec![Role::Admin],
        }
    }

    /// Creates a user without a session (init, demo, `chartroom user add`).
    pub fn system_add_user(&self, u: NewUser, check_rules: bool) -> ServiceResult<()> {
        self.add_user_as(&Self::system_subject(), u, check_rules)
    }

    pub fn system_set_locked(&self, username: &str, locked: bool) -> ServiceResult<()> {
        self.set_locked_as(&Self::system_subject(), username, locked)
    }

    pub fn system_set_active(&self, username: &str, active: bool) -> ServiceResult<()> {
        self.set_active_as(&Self::system_subject(), username, active)
    }

    pub fn system_reset_password(&self, username: &str, temporary: &str) -> ServiceResult<()> {
        self.reset_password_as(&Self::system_subject(), username, temporary)
    }

    pub fn system_list_users(&self) -> ServiceResult<Vec<UserSummary>> {
        Ok(self
            .store
            .read(|r| r.users())?
            .iter()
            .map(UserSummary::from)
            .collect())
    }

    pub fn system_verify_audit(&self) -> ServiceResult<AuditVerdict> {
        Ok(match self.store.read(|r| r.verify_audit())? {
            Ok(s) => AuditVerdict::Intact(s),
            Err(b) => AuditVerdict::Broken(b),
        })
    }

    pub fn system_audit_entries(
        &self,
        from_seq: u64,
        limit: usize,
    ) -> ServiceResult<Vec<AuditEntry>> {
        Ok(self.store.read(|r| r.audit_entries(from_seq, limit))?)
    }

    /// Registers a patient as the system acting in the registrar role (tools, imports).
    pub fn system_register_patient(&self, p: NewPatient) -> ServiceResult<Patient> {
        self.register_as(&Self::system_registrar(), None, p)
    }

    fn system_registrar() -> Subject {
        Subject {
            roles: vec![Role::Registrar],
            ..Self::system_subject()
        }
    }

    /// Records a system event (database created, data seeded) in the audit trail.
    pub fn system_note(&self, action: AuditAction, reason: &str) -> ServiceResult<()> {
        let ev = self.event(&Self::system_subject(), action, Outcome::Success, reason);
        self.store.write(|tx| tx.append_audit(ev))?;
        Ok(())
    }

    /// Loads generated patients with their encounters and notes in one durable transaction,
    /// with one audit entry for the batch. Returns the MRNs assigned, in order.
    pub fn system_load_synthetic(
        &self,
        batch: &[crate::synth::SynthPatient],
    ) -> ServiceResult<Vec<String>> {
        let who = Self::system_subject();
        let grant = policy::authorize(
            &Self::system_registrar(),
            Permission::RegisterPatient,
            Resource::Ordinary,
        )
        .map_err(|_| ServiceError::NotPermitted("loading patients".into()))?;
        let now = self.now();
        let today = now.date_naive();
        for p in batch {
            p.patient.validate(today).map_err(ServiceError::Invalid)?;
        }
        let ev = self.event(
            &who,
            AuditAction::DataSeeded,
            Outcome::Success,
            format!("{} synthetic patients loaded", batch.len()),
        );
        let mrns = self.store.write(|tx| {
            let mut mrns = Vec::with_capacity(batch.len());
            for sp in batch {
                let mrn = mrn_for_sequence(tx.next_mrn_seq()?);
                let np = &sp.patient;
                let mut patient = Patient {
                    mrn: mrn.clone(),
                    family_name: np.family_name.clone(),
                    given_names: np.given_names.clone(),
                    preferred_name: None,
                    dob: np.dob,
                    sex: np.sex,
                    address: np.address.clone(),
                    phone: np.phone.clone(),
                    ssn: np.ssn.clone(),
                    deceased: sp.deceased,
                    sensitivity: sp.sensitivity,
                    merged_into: None,
                    version: 0,
                    updated_at: now,
                    updated_by: grant.username().to_string(),
                };
                tx.put_patient(&mut patient, None)?;
                for se in &sp.encounters {
                    let encounter = Encounter {
                        id: tx.next_encounter_id()?,
                        mrn: mrn.clone(),
                        class: se.class,
                        admitted: se.admitted,
                        discharged: se.discharged,
                        location: se.location.clone(),
                        attending: se.attending.clone(),
                        discharge_status: se.discharge_status.clone(),
                        sensitivity: None,
                        version: 1,
                    };
                    tx.put_encounter(&encounter)?;
                    for sd in &se.documents {
                        let document = Document {
                            id: tx.next_document_id()?,
                            mrn: mrn.clone(),
                            encounter_id: encounter.id.clone(),
                            kind: sd.kind.clone(),
                            author: sd.author.clone(),
                            written: sd.written,
                            text: sd.text.clone(),
                            version: 1,
                        };
                        tx.put_document(&document)?;
                    }
                }
                mrns.push(mrn);
            }
            tx.append_audit(ev)?;
            Ok(mrns)
        })?;
        Ok(mrns)
    }

    pub fn update_settings(
        &self,
        reason: &str,
        f: impl FnOnce(&mut Settings),
    ) -> ServiceResult<()> {
        let ev = self.event(
            &Self::system_subject(),
            AuditAction::SettingsChanged,
            Outcome::Success,
            reason,
        );
        self.store.write(|tx| {
            let mut settings = tx.settings()?;
            f(&mut settings);
            tx.put_settings(&settings)?;
            tx.append_audit(ev)?;
            Ok(())
        })?;
        Ok(())
    }

    // ---- shared bodies -----------------------------------------------------------------

    fn add_user_as(&self, who: &Subject, u: NewUser, check_rules: bool) -> ServiceResult<()> {
        user::validate_username(&u.username).map_err(ServiceError::Invalid)?;
        if u.roles.is_empty() {
            return Err(ServiceError::Invalid(
                "a user needs at least one role".into(),
            ));
        }
        if check_rules {
            password::check_new_password(&u.password, &u.username)
                .map_err(ServiceError::PasswordRejected)?;
        }
        let hash = password::hash_password(&u.password).map_err(ServiceError::Unavailable)?;
        let mut record = User {
            username: u.username.clone(),
            full_name: u.full_name,
            roles: u.roles,
            password_hash: hash,
            status: UserStatus::Active,
            failed_logins: 0,
            locked: false,
            must_change_password: u.must_change_password,
            created_at: self.now(),
            last_login: None,
            version: 0,
        };
        let mut ev = self.event(
            who,
            AuditAction::UserCreated,
            Outcome::Success,
            format!(
                "created {} with roles {}",
                u.username,
                crate::domain::role::roles_label(&record.roles)
            ),
        );
        ev.peer = None;
        self.store
            .write(|tx| {
                if tx.user(&u.username)?.is_some() {
                    return Err(StoreError::Conflict {
                        table: "users".into(),
                        key: u.username.clone(),
                        by: None,
                        at: None,
                    });
                }
                tx.put_user(&mut record, None)?;
                tx.append_audit(ev)?;
                Ok(())
            })
            .map_err(|e| match e {
                StoreError::Conflict { key, .. } => {
                    ServiceError::Invalid(format!("user {key} already exists"))
                }
                other => other.into(),
            })
    }

    /// Loads a user, changes it with `f`, writes it back with its audit entry.
    fn change_user(
        &self,
        who: &Subject,
        username: &str,
        action: AuditAction,
        reason: String,
        f: impl FnOnce(&mut User),
    ) -> ServiceResult<()> {
        let ev = self.event(who, action, Outcome::Success, reason);
        self.store.write(|tx| {
            let Some(mut u) = tx.user(username)? else {
                return Err(StoreError::NotFound {
                    what: format!("user {username}"),
                });
            };
            let version = u.version;
            f(&mut u);
            tx.put_user(&mut u, Some(version))?;
            tx.append_audit(ev)?;
            Ok(())
        })?;
        Ok(())
    }

    fn set_locked_as(&self, who: &Subject, username: &str, locked: bool) -> ServiceResult<()> {
        let (action, verb) = if locked {
            (AuditAction::UserLocked, "locked")
        } else {
            (AuditAction::UserUnlocked, "unlocked")
        };
        self.change_user(who, username, action, format!("{verb} {username}"), |u| {
            u.locked = locked;
            u.failed_logins = 0;
        })?;
        if locked {
            self.sessions.end_user(username)?;
        }
        Ok(())
    }

    fn set_active_as(&self, who: &Subject, username: &str, active: bool) -> ServiceResult<()> {
        let (action, verb) = if active {
            (AuditAction::UserReactivated, "reactivated")
        } else {
            (AuditAction::UserDeactivated, "deactivated")
        };
        self.change_user(who, username, action, format!("{verb} {username}"), |u| {
            u.status = if active {
                UserStatus::Active
            } else {
                UserStatus::Deactivated
            };
        })?;
        if !active {
            self.sessions.end_user(username)?;
        }
        Ok(())
    }

    fn reset_password_as(
        &self,
        who: &Subject,
        username: &str,
        temporary: &str,
    ) -> ServiceResult<()> {
        password::check_new_password(temporary, username)
            .map_err(ServiceError::PasswordRejected)?;
        let hash = password::hash_password(temporary).map_err(ServiceError::Unavailable)?;
        self.change_user(
            who,
            username,
            AuditAction::PasswordReset,
            format!("password of {username} reset; change required at next login"),
            |u| {
                u.password_hash = hash;
                u.must_change_password = true;
                u.locked = false;
                u.failed_logins = 0;
            },
        )?;
        self.sessions.end_user(username)
    }

    fn register_as(
        &self,
        who: &Subject,
        peer: Option<String>,
        p: NewPatient,
    ) -> ServiceResult<Patient> {
        let now = self.now();
        p.validate(now.date_naive())
            .map_err(ServiceError::Invalid)?;
        let grant = policy::authorize(who, Permission::RegisterPatient, Resource::Ordinary)
            .map_err(|_| ServiceError::NotPermitted("registering patients".into()))?;
        let mut ev = self.event(
            who,
            AuditAction::PatientRegistered,
            Outcome::Success,
            "new patient",
        );
        ev.peer = peer;
        let patient = self.store.write(|tx| {
            let mrn = mrn_for_sequence(tx.next_mrn_seq()?);
            let mut patient = Patient {
                mrn: mrn.clone(),
                family_name: p.family_name.trim().to_string(),
                given_names: p
                    .given_names
                    .iter()
                    .map(|g| g.trim().to_string())
                    .filter(|g| !g.is_empty())
                    .collect(),
                preferred_name: None,
                dob: p.dob,
                sex: p.sex,
                address: p.address.clone(),
                phone: p.phone.clone(),
                ssn: p.ssn.clone(),
                deceased: None,
                sensitivity: None,
                merged_into: None,
                version: 0,
                updated_at: now,
                updated_by: grant.username().to_string(),
            };
            tx.put_patient(&mut patient, None)?;
            ev.patient = Some(mrn);
            tx.append_audit(ev)?;
            Ok(patient)
        })?;
        Ok(patient)
    }

    /// One login attempt's bookkeeping, in the write transaction after the hash was checked.
    fn record_login(
        &self,
        tx: &mut WriteTx,
        req: &LoginRequest,
        password_ok: bool,
        now: DateTime<Utc>,
    ) -> Result<Result<User, ServiceError>, StoreError> {
        let logged_name: String = req.username.chars().take(MAX_LOGGED_NAME).collect();
        let settings = tx.settings()?;
        let failed = |reason: &str, roles: Vec<Role>| AuditEvent {
            at: now,
            user: logged_name.clone(),
            roles,
            action: AuditAction::LoginFailed,
            patient: None,
            outcome: Outcome::Failure,
            reason: reason.to_string(),
            peer: req.peer.clone(),
        };
        let Some(mut u) = tx.user(&req.username)? else {
            tx.append_audit(failed("unknown user name", vec![]))?;
            return Ok(Err(ServiceError::BadCredentials));
        };
        if u.status == UserStatus::Deactivated {
            tx.append_audit(failed("account deactivated", u.roles.clone()))?;
            return Ok(Err(ServiceError::BadCredentials));
        }
        if u.locked {
            tx.append_audit(failed("account locked", u.roles.clone()))?;
            return Ok(Err(ServiceError::AccountLocked));
        }
        let version = u.version;
        if !password_ok {
            let (n, locks) =
                user::register_failure(u.failed_logins, settings.effective_lockout_threshold());
            u.failed_logins = n;
            u.locked = locks;
            tx.put_user(&mut u, Some(version))?;
            tx.append_audit(failed(
                &format!("wrong password ({n} in a row)"),
                u.roles.clone(),
            ))?;
            if locks {
                tx.append_audit(AuditEvent {
                    action: AuditAction::Lockout,
                    reason: format!("locked after {n} consecutive failed logins"),
                    ..failed("", u.roles.clone())
                })?;
            }
            return Ok(Err(ServiceError::BadCredentials));
        }
        u.failed_logins = 0;
        u.last_login = Some(now);
        tx.put_user(&mut u, Some(version))?;
        tx.append_audit(AuditEvent {
            action: AuditAction::Login,
            outcome: Outcome::Success,
            reason: if u.must_change_password {
                "password change required".into()
            } else {
                String::new()
            },
            ..failed("", u.roles.clone())
        })?;
        Ok(Ok(u))
    }
}

/// Nobody locks, deactivates or resets their own account from a session: it would end the
/// session doing it, and a second person should see such a change.
fn not_yourself(s: &Session, username: &str) -> ServiceResult<()> {
    if s.username == username {
        return Err(ServiceError::Invalid(
            "you cannot change your own account here; use Change my password, or ask another administrator".into(),
        ));
    }
    Ok(())
}

impl Records for LocalRecords {
    fn server_info(&self) -> ServiceResult<ServerInfo> {
        let (settings, patients) = self
            .store
            .read(|r| Ok((r.settings()?, r.patient_count()?)))?;
        Ok(ServerInfo {
            demo: settings.demo,
            organisation: settings.organisation.clone(),
            idle_timeout_minutes: settings.effective_idle_minutes(),
            patients,
        })
    }

    fn login(&self, req: LoginRequest) -> ServiceResult<LoginOk> {
        // Hash outside the write transaction: argon2 takes tens of milliseconds and must not
        // hold the single writer lock while other clerks wait.
        let stored = self.store.read(|r| r.user(&req.username))?;
        let hash = stored
            .as_ref()
            .map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
        let password_ok = password::verify_password(&req.password, hash) && stored.is_some();
        let now = self.now();
        // A concurrent failure may bump the user's version between read and write: retry once
        // on a conflict with fresh state rather than lose a failure count.
        let mut attempt = self
            .store
            .write(|tx| self.record_login(tx, &req, password_ok, now));
        if let Err(StoreError::Conflict { .. }) = attempt {
            attempt = self
                .store
                .write(|tx| self.record_login(tx, &req, password_ok, now));
        }
        let u = attempt??;
        let settings = self.settings()?;
        let token = self.sessions.insert(Session {
            username: u.username.clone(),
            roles: u.roles.clone(),
            last_active: now,
            must_change_password: u.must_change_password,
            peer: req.peer.clone(),
        })?;
        let screens = Screen::ALL
            .into_iter()
            .filter(|s| {
                policy::decide(&u.roles, s.permission(), Resource::Ordinary)
                    != policy::Decision::Deny
            })
            .collect();
        let permissions = Permission::ALL
            .into_iter()
            .filter(|p| policy::decide(&u.roles, *p, Resource::Ordinary) == policy::Decision::Allow)
            .collect();
        Ok(LoginOk {
            permissions,
            token,
            username: u.username,
            full_name: u.full_name,
            roles: u.roles,
            screens,
            must_change_password: u.must_change_password,
            idle_timeout_minutes: settings.effective_idle_minutes(),
        })
    }

    fn logout(&self, token: &SessionToken) -> ServiceResult<()> {
        if let Some(s) = self.sessions.remove(token)? {
            let mut ev = self.event(&s.subject(), AuditAction::Logout, Outcome::Success, "");
            ev.peer = s.peer.clone();
            self.store.write(|tx| tx.append_audit(ev))?;
        }
        Ok(())
    }

    fn idle_logoff(&self, token: &SessionToken) -> ServiceResult<()> {
        if let Some(s) = self.sessions.remove(token)? {
            let mut ev = self.event(
                &s.subject(),
                AuditAction::IdleLogoff,
                Outcome::Success,
                "idle timeout",
            );
            ev.peer = s.peer.clone();
            self.store.write(|tx| tx.append_audit(ev))?;
        }
        Ok(())
    }

    fn keep_alive(&self, token: &SessionToken) -> ServiceResult<()> {
        self.session(token).map(|_| ())
    }

    fn change_password(&self, token: &SessionToken, old: &str, new: &str) -> ServiceResult<()> {
        let s = self.session(token)?;
        let stored = self
            .store
            .read(|r| r.user(&s.username))?
            .ok_or_else(|| ServiceError::NotFound(format!("user {}", s.username)))?;
        if !password::verify_password(old, &stored.password_hash) {
            let mut ev = self.event(
                &s.subject(),
                AuditAction::PasswordChanged,
                Outcome::Failure,
                "current password not right",
            );
            ev.peer = s.peer.clone();
            self.store.write(|tx| tx.append_audit(ev))?;
            return Err(ServiceError::Invalid(
                "the current password is not right".into(),
            ));
        }
        if old == new {
            return Err(ServiceError::PasswordRejected(
                "the new password must differ from the current one".into(),
            ));
        }
        password::check_new_password(new, &s.username).map_err(ServiceError::PasswordRejected)?;
        let hash = password::hash_password(new).map_err(ServiceError::Unavailable)?;
        self.change_user(
            &s.subject(),
            &s.username,
            AuditAction::PasswordChanged,
            "changed own password".into(),
            |u| {
                u.password_hash = hash;
                u.must_change_password = false;
            },
        )?;
        self.sessions.clear_password_flag(token)
    }

    fn open_screen(&self, token: &SessionToken, screen: Screen) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        match policy::authorize(&s.subject(), screen.permission(), Resource::Ordinary) {
            Ok(_) => Ok(()),
            Err(r) => Err(self.refuse(&s, AuditAction::ScreenDenied, None, screen.title(), r)),
        }
    }

    fn open_chart(&self, token: &SessionToken, mrn: &str) -> ServiceResult<ChartSummary> {
        let s = self.ready_session(token)?;
        let now = self.now();
        let subject = s.subject();
        let mut ev = self.event(&subject, AuditAction::ChartOpened, Outcome::Success, "");
        ev.patient = Some(mrn.to_string());
        ev.peer = s.peer.clone();
        // Policy, read and audit entry in one write transaction: the read is recorded exactly
        // when it happens.
        let result = self.store.write(|tx| {
            let Some(sensitivity) = tx.patient_sensitivity(mrn)? else {
                return Err(StoreError::NotFound {
                    what: format!("patient {mrn}"),
                });
            };
            let resource = if sensitivity.is_some() {
                Resource::Sensitive
            } else {
                Resource::Ordinary
            };
            let chart = policy::authorize(&subject, Permission::UseChart, resource);
            let encounters = policy::authorize(&subject, Permission::ViewEncounters, resource);
            let (chart, encounters) = match (chart, encounters) {
                (Ok(c), Ok(e)) => (c, e),
                (Err(r), _) | (_, Err(r)) => return Ok(Err(r)),
            };
            let patient = tx
                .patient(&chart, mrn)?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("patient {mrn}"),
                })?;
            let mut encs = tx.encounters_for(&encounters, mrn)?;
            encs.sort_by_key(|e| std::cmp::Reverse(e.admitted));
            ev.at = now;
            tx.append_audit(ev.clone())?;
            Ok(Ok(ChartSummary {
                patient,
                encounters: encs,
            }))
        })?;
        result.map_err(|r| {
            let what = match r {
                Refusal::Denied => "opening charts",
                Refusal::NeedsBreakGlass => "restricted chart",
            };
            self.refuse(&s, AuditAction::OperationDenied, Some(mrn), what, r)
        })
    }

    fn register_patient(&self, token: &SessionToken, p: NewPatient) -> ServiceResult<Patient> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::RegisterPatient, "registering patients")?;
        self.register_as(&s.subject(), s.peer.clone(), p)
    }

    fn list_users(&self, token: &SessionToken) -> ServiceResult<Vec<UserSummary>> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::UnlockUsers, "user administration")?;
        self.system_list_users()
    }

    fn add_user(&self, token: &SessionToken, u: NewUser) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::ManageUsers, "user administration")?;
        self.add_user_as(&s.subject(), u, true)
    }

    fn set_locked(&self, token: &SessionToken, username: &str, locked: bool) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        self.permit(
            &s,
            Permission::UnlockUsers,
            "locking and unlocking accounts",
        )?;
        not_yourself(&s, username)?;
        self.set_locked_as(&s.subject(), username, locked)
    }

    fn set_active(&self, token: &SessionToken, username: &str, active: bool) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::ManageUsers, "user administration")?;
        not_yourself(&s, username)?;
        self.set_active_as(&s.subject(), username, active)
    }

    fn reset_password(
        &self,
        token: &SessionToken,
        username: &str,
        temporary: &str,
    ) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::ManageUsers, "resetting passwords")?;
        not_yourself(&s, username)?;
        self.reset_password_as(&s.subject(), username, temporary)
    }

    fn audit_entries(
        &self,
        token: &SessionToken,
        from_seq: u64,
        limit: usize,
    ) -> ServiceResult<Vec<AuditEntry>> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::ViewAuditTrail, "the audit trail")?;
        self.system_audit_entries(from_seq, limit)
    }

    fn verify_audit(&self, token: &SessionToken) -> ServiceResult<AuditVerdict> {
        let s = self.ready_session(token)?;
        self.permit(&s, Permission::ViewAuditTrail, "the audit trail")?;
        self.system_verify_audit()
    }
}
