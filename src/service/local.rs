//! The in-process service: store + policy + audit. The daemon serves this same type.
//!
//! Pattern of every operation: resolve the session to an [`Actor`] (roles from our own table),
//! ask the policy, then do the work and append the audit entry in one write transaction. A
//! refusal is audited too, in its own transaction.

mod amendment;
mod break_glass;
mod codes;
mod coding;
mod grants;
mod index_load;
mod legal_hold;
mod mpi;
mod query;
mod roi;

pub use index_load::IndexLoadReport;

use super::session::{Lookup, PendingSearch, Session, Sessions};
use super::{
    AuditVerdict, ChartSummary, Clock, LoginOk, LoginRequest, NewUser, Records, Screen,
    SearchResults, ServerInfo, ServiceError, ServiceResult, SessionToken, SystemClock,
};
use super::{ChartCodes, CodingView, DnfbReport, QueuePage, SavedCodes};
use crate::codes::validate::AssignedCode;
use crate::domain::audit::{AuditAction, AuditEntry, AuditEvent, Outcome};
use crate::domain::coding::{
    Backlog, CoderProductivity, CodingAction, CodingRecord, HoldReason, QueueFilter, QueueSort,
};
use crate::domain::mrn::mrn_for_sequence;
use crate::domain::password::{self, DUMMY_HASH};
use crate::domain::patient::{Document, Encounter, NewPatient, Patient};
use crate::domain::search::{SearchIndex, SearchKey};
use crate::domain::user::{self, User, UserStatus, UserSummary};
use crate::domain::{Role, Secret, Settings};
use crate::policy::{self, Permission, Refusal, Resource, Subject};
use crate::store::{Store, StoreError, WriteTx};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The patient index: loading in the background after start-up, then ready. Patients
/// registered while it loads wait in `Loading` and are added when it is built.
enum IndexSlot {
    /// Nothing asked for search yet (most command-line tools never do).
    NotStarted,
    Loading(Vec<SearchKey>),
    Ready(Box<SearchIndex>),
    Failed(String),
}

/// An SSN or phone number typed into search is kept in the audit trail only by its last four
/// digits: auditors read the trail.
fn mask_long_numbers(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let digits = run.chars().filter(char::is_ascii_digit).count();
        if digits >= 9 || (digits == 7 && run.contains('-')) || digits == 10 {
            let keep: String = run
                .chars()
                .rev()
                .filter(char::is_ascii_digit)
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.push_str(&format!("***{keep}"));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in query.chars() {
        if c.is_ascii_digit() || (c == '-' && !run.is_empty()) || (matches!(c, '(' | ')' | '.')) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Most results one search returns (the count covers all of them).
pub const MAX_SEARCH_RESULTS: usize = 500;

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => ServiceError::Conflict(e.to_string()),
            StoreError::NotFound { what } => ServiceError::NotFound(what),
            StoreError::Refused(why) => ServiceError::Invalid(why),
            other => ServiceError::Unavailable(other.to_string()),
        }
    }
}

/// Who is acting, and from where: the audit trail names both.
#[derive(Clone, Debug)]
struct Actor {
    subject: Subject,
    peer: Option<String>,
}

impl From<&Session> for Actor {
    fn from(s: &Session) -> Actor {
        Actor {
            subject: s.subject(),
            peer: s.peer.clone(),
        }
    }
}

/// What the audit trail records for a user name nobody has: a short fingerprint, never the
/// text, because clerks sometimes type their password into the name field.
fn unknown_name_label(typed: &str) -> String {
    let digest = hex::encode(Sha256::digest(typed.as_bytes()));
    format!("unknown:{}", &digest[..10])
}

pub struct LocalRecords {
    store: Arc<Store>,
    sessions: Sessions,
    clock: Arc<dyn Clock>,
    index: Arc<RwLock<IndexSlot>>,
    /// The background index loader, stopped and joined on drop so the database file is
    /// closed when the service is.
    loader: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    stop_loading: Arc<std::sync::atomic::AtomicBool>,
    index_report: Arc<std::sync::Mutex<Option<IndexLoadReport>>>,
    /// The coding queue in memory, caught up with the store before each read.
    coding_queue: std::sync::Mutex<coding::QueueCache>,
}

impl Drop for LocalRecords {
    fn drop(&mut self) {
        self.stop_loading
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(loader) = self.loader.lock().ok().and_then(|mut l| l.take()) {
            let _ = loader.join();
        }
    }
}

impl LocalRecords {
    pub fn new(store: Store) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Store, clock: Arc<dyn Clock>) -> Self {
        LocalRecords {
            store: Arc::new(store),
            sessions: Sessions::default(),
            clock,
            index: Arc::new(RwLock::new(IndexSlot::NotStarted)),
            loader: std::sync::Mutex::new(None),
            stop_loading: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            index_report: Arc::new(std::sync::Mutex::new(None)),
            coding_queue: std::sync::Mutex::new(coding::QueueCache::default()),
        }
    }

    /// Starts loading the patient index in the background, once. The workstation calls this
    /// at start so the login screen shows at once while a million patients load; commands
    /// that never search do not pay for it.
    pub fn start_search_index(&self) {
        if self
            .index
            .read()
            .map_or(true, |r| !matches!(*r, IndexSlot::NotStarted))
        {
            return;
        }
        let Ok(mut w) = self.index.write() else {
            return;
        };
        if !matches!(*w, IndexSlot::NotStarted) {
            return;
        }
        *w = IndexSlot::Loading(Vec::new());
        drop(w);
        let (s, slot, stop) = (
            self.store.clone(),
            self.index.clone(),
            self.stop_loading.clone(),
        );
        let report = self.index_report.clone();
        let loader = std::thread::spawn(move || {
            // A panic while loading must not leave the index "loading" for ever.
            let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                index_load::load(&s, &stop)
            }))
            .unwrap_or_else(|_| {
                Err(crate::store::StoreError::Internal(
                    "the index loader stopped on bad data".into(),
                ))
            });
            let Ok(mut w) = slot.write() else { return };
            *w = match loaded {
                Ok((mut ready, r)) => {
                    let previous = std::mem::replace(&mut *w, IndexSlot::NotStarted);
                    if let IndexSlot::Loading(pending) = previous {
                        ready.upsert_many(pending);
                    }
                    if let Ok(mut slot) = report.lock() {
                        *slot = Some(r);
                    }
                    IndexSlot::Ready(Box::new(ready))
                }
                Err(e) => IndexSlot::Failed(e.to_string()),
            };
        });
        if let Ok(mut l) = self.loader.lock() {
            *l = Some(loader);
        }
    }

    /// Waits until the patient index is loaded (command-line search, tests); the UI instead
    /// tells the clerk it is loading.
    pub fn wait_for_search_index(&self, timeout: Duration) -> ServiceResult<()> {
        self.start_search_index();
        let until = std::time::Instant::now() + timeout;
        loop {
            match &*self.index_slot()? {
                IndexSlot::Ready(_) => return Ok(()),
                IndexSlot::Failed(e) => {
                    return Err(ServiceError::Unavailable(format!(
                        "the patient index could not be loaded: {e}"
                    )));
                }
                IndexSlot::Loading(_) | IndexSlot::NotStarted => {}
            }
            if std::time::Instant::now() > until {
                return Err(ServiceError::NotReady(
                    "the patient index is still loading".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// How the patient index was loaded, once it is.
    pub fn search_index_report(&self) -> Option<IndexLoadReport> {
        self.index_report.lock().ok().and_then(|r| r.clone())
    }

    fn index_slot(&self) -> ServiceResult<std::sync::RwLockReadGuard<'_, IndexSlot>> {
        self.index
            .read()
            .map_err(|_| ServiceError::Unavailable("search index lock poisoned".into()))
    }

    /// Keeps the index in step with a committed write.
    fn index_upsert(&self, key: SearchKey) {
        if let Ok(mut w) = self.index.write() {
            match &mut *w {
                IndexSlot::Ready(idx) => idx.upsert(key),
                IndexSlot::Loading(pending) => pending.push(key),
                // Not loaded yet: the loader reads the committed record from the database.
                IndexSlot::NotStarted | IndexSlot::Failed(_) => {}
            }
        }
    }

    /// Runs `f` on the loaded index, or says why there is none yet.
    fn with_index<T>(&self, f: impl FnOnce(&SearchIndex) -> T) -> ServiceResult<T> {
        self.start_search_index();
        match &*self.index_slot()? {
            IndexSlot::Ready(idx) => Ok(f(idx)),
            IndexSlot::Loading(_) | IndexSlot::NotStarted => Err(ServiceError::NotReady(
                "the patient index is still loading; search again in a moment".into(),
            )),
            IndexSlot::Failed(e) => Err(ServiceError::Unavailable(format!(
                "the patient index could not be loaded: {e}"
            ))),
        }
    }

    fn run_search(&self, query: &str, limit: usize) -> ServiceResult<SearchResults> {
        let q = crate::domain::search::parse(query, self.now().date_naive());
        let (total, hits) = self.with_index(|idx| idx.search(&q, limit.min(MAX_SEARCH_RESULTS)))?;
        Ok(SearchResults {
            total,
            hits,
            problems: q.problems,
        })
    }

    fn audit_search(&self, who: &Actor, search: PendingSearch) -> ServiceResult<()> {
        let reason = format!(
            "query {:?}: {} result(s)",
            mask_long_numbers(&search.query),
            search.results
        );
        self.audit(self.event(who, AuditAction::PatientSearch, Outcome::Success, reason))
    }

    /// Existing patients a new registration may duplicate: the same or sound-alike names with
    /// the same birth date, or the same SSN or phone number.
    fn matches_for(&self, p: &NewPatient) -> ServiceResult<Vec<crate::domain::search::Hit>> {
        use crate::domain::search::{Query, fold::name_tokens};
        // The duplicate check is not optional: wait for the index rather than skip it.
        self.wait_for_search_index(Duration::from_secs(60))?;
        let family = name_tokens(&p.family_name);
        let first_given: Vec<String> = p
            .given_names
            .first()
            .map(|g| name_tokens(g))
            .unwrap_or_default();
        let digits = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.chars().filter(char::is_ascii_digit).collect::<String>())
        };
        let queries = [
            Query {
                family: family.clone(),
                names: first_given,
                dob: Some(p.dob),
                ..Query::default()
            },
            Query {
                family,
                dob: Some(p.dob),
                ..Query::default()
            },
            Query {
                ssn: digits(&p.ssn).filter(|s| s.len() == 9),
                ..Query::default()
            },
            Query {
                phone: digits(&p.phone).filter(|s| s.len() == 10),
                ..Query::default()
            },
        ];
        self.with_index(|idx| {
            let mut out: Vec<crate::domain::search::Hit> = Vec::new();
            for q in queries.iter().filter(|q| !q.is_empty()) {
                for h in idx.search(q, 10).1 {
                    if !out.iter().any(|o| o.mrn == h.mrn) {
                        out.push(h);
                    }
                }
            }
            out.truncate(10);
            out
        })
    }

    /// The duplicate check shows other patients' names: it is a search, and audited as one.
    fn audit_duplicate_check(
        &self,
        who: &Actor,
        matches: &[crate::domain::search::Hit],
    ) -> ServiceResult<()> {
        let mrns: Vec<&str> = matches.iter().map(|h| h.mrn.as_str()).collect();
        let reason = format!(
            "duplicate check for a new patient: {} possible match(es) {}",
            matches.len(),
            mrns.join(", ")
        );
        self.audit(self.event(who, AuditAction::PatientSearch, Outcome::Success, reason))
    }

    /// Command-line search as the system: audited at once.
    pub fn system_search(&self, query: &str, limit: usize) -> ServiceResult<SearchResults> {
        self.wait_for_search_index(Duration::from_secs(300))?;
        let r = self.run_search(query, limit)?;
        let search = PendingSearch {
            query: query.to_string(),
            results: r.total,
        };
        self.audit_search(&Self::system(), search)?;
        Ok(r)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn event(
        &self,
        who: &Actor,
        action: AuditAction,
        outcome: Outcome,
        reason: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            user: who.subject.username.clone(),
            roles: who.subject.roles.clone(),
            action,
            patient: None,
            outcome,
            reason: reason.into(),
            peer: who.peer.clone(),
        }
    }

    fn audit(&self, ev: AuditEvent) -> ServiceResult<()> {
        self.store.write(|tx| tx.append_audit(ev))?;
        Ok(())
    }

    fn settings(&self) -> ServiceResult<Settings> {
        Ok(self.store.read(|r| r.settings())?)
    }

    fn idle_limit(&self) -> ServiceResult<Duration> {
        Ok(Duration::from_secs(
            u64::from(self.settings()?.effective_idle_minutes()) * 60,
        ))
    }

    /// Audits the end of a session (logout, idle logoff).
    fn session_ended(&self, s: &Session, action: AuditAction, reason: &str) -> ServiceResult<()> {
        // Both entries are attempted; a failure of the first does not lose the second.
        let search = match s.pending_search.clone() {
            Some(search) => self.audit_search(&Actor::from(s), search),
            None => Ok(()),
        };
        let end = self.audit(self.event(&Actor::from(s), action, Outcome::Success, reason));
        search.and(end)
    }

    /// Ends every session of `username` (lock, deactivation, password reset), auditing each.
    fn end_user_sessions(&self, username: &str, why: &str) -> ServiceResult<()> {
        for s in self.sessions.end_user(username)? {
            self.session_ended(&s, AuditAction::Logout, why)?;
        }
        Ok(())
    }

    /// The daemon's periodic sweep: sessions whose clients vanished are ended and audited
    /// within a minute of their idle limit, not at the next login.
    pub fn system_sweep_idle(&self) -> ServiceResult<()> {
        self.sweep_idle()
    }

    /// Ends and audits every session idle past the limit, even if its client never returns.
    fn sweep_idle(&self) -> ServiceResult<()> {
        let limit = self.idle_limit()?;
        for s in self.sessions.sweep(self.clock.monotonic(), limit)? {
            self.session_ended(&s, AuditAction::IdleLogoff, "idle timeout (service)")?;
        }
        Ok(())
    }

    /// The live session behind `token`; an idle one is ended and audited here.
    fn session(&self, token: &SessionToken) -> ServiceResult<Session> {
        match self
            .sessions
            .touch(token, self.clock.monotonic(), self.idle_limit()?)?
        {
            Lookup::Active(s) => Ok(s),
            Lookup::Expired(s) => {
                self.session_ended(&s, AuditAction::IdleLogoff, "idle timeout (service)")?;
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
        who: &Actor,
        action: AuditAction,
        patient: Option<&str>,
        what: &str,
        error: ServiceError,
    ) -> ServiceError {
        let mut ev = self.event(who, action, Outcome::Denied, what);
        ev.patient = patient.map(str::to_string);
        match self.audit(ev) {
            Ok(()) => error,
            Err(e) => e,
        }
    }

    fn refusal_error(r: Refusal, what: &str) -> ServiceError {
        match r {
            Refusal::Denied => ServiceError::NotPermitted(what.to_string()),
            Refusal::NeedsBreakGlass => ServiceError::NeedsBreakGlass,
        }
    }

    /// Checks a permission that touches no patient record, auditing a refusal.
    fn permit(&self, who: &Actor, p: Permission, what: &str) -> ServiceResult<policy::Grant> {
        policy::authorize(&who.subject, p, Resource::Ordinary).map_err(|r| {
            self.refuse(
                who,
                AuditAction::OperationDenied,
                None,
                what,
                Self::refusal_error(r, what),
            )
        })
    }

    /// Nobody locks, deactivates or resets their own account from a session: it would end the
    /// session doing it, and a second person should see such a change.
    fn not_yourself(&self, who: &Actor, username: &str) -> ServiceResult<()> {
        if who.subject.username == username {
            let what = "changing your own account";
            return Err(self.refuse(
                who,
                AuditAction::OperationDenied,
                None,
                what,
                ServiceError::Invalid(
                    "you cannot change your own account here; use Change my password, or ask another administrator"
                        .into(),
                ),
            ));
        }
        Ok(())
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

    fn system() -> Actor {
        Actor {
            subject: Self::system_subject(),
            peer: None,
        }
    }

    /// The system acting in the registrar role (tools, imports, the crash writer).
    fn system_registrar() -> Actor {
        let mut a = Self::system();
        a.subject.roles = vec![Role::Registrar];
        a
    }

    /// Creates a user without a session (init, demo, `chartroom user add`).
    pub fn system_add_user(&self, u: NewUser, check_rules: bool) -> ServiceResult<()> {
        self.add_user_as(&Self::system(), u, check_rules)
    }

    pub fn system_set_locked(&self, username: &str, locked: bool) -> ServiceResult<()> {
        self.set_locked_as(&Self::system(), username, locked)
    }

    pub fn system_set_active(&self, username: &str, active: bool) -> ServiceResult<()> {
        self.set_active_as(&Self::system(), username, active)
    }

    pub fn system_reset_password(&self, username: &str, temporary: &Secret) -> ServiceResult<()> {
        self.reset_password_as(&Self::system(), username, temporary)
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

    pub fn system_register_patient(&self, p: NewPatient) -> ServiceResult<Patient> {
        self.register_as(&Self::system_registrar(), p)
    }

    /// Records a system event (database created, data seeded) in the audit trail.
    pub fn system_note(&self, action: AuditAction, reason: &str) -> ServiceResult<()> {
        self.audit(self.event(&Self::system(), action, Outcome::Success, reason))
    }

    /// Loads generated patients with their encounters and notes in one durable transaction,
    /// with one audit entry for the batch. Returns the MRNs assigned, in order.
    pub fn system_load_synthetic(
        &self,
        batch: &[crate::synth::SynthPatient],
    ) -> ServiceResult<Vec<String>> {
        let who = Self::system_registrar();
        let grant = policy::authorize(
            &who.subject,
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
                let mut patient =
                    Patient::from_new(mrn.clone(), &sp.patient, now, grant.username());
                patient.deceased = sp.deceased;
                patient.sensitivity = sp.sensitivity;
                tx.put_patient(&mut patient, None)?;
                let mut encounter_ids = Vec::with_capacity(sp.encounters.len());
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
                        moved_from: None,
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
                            moved_from: None,
                            version: 1,
                        };
                        tx.put_document(&document)?;
                    }
                    encounter_ids.push(encounter.id);
                }
                let mut items: Vec<_> = sp
                    .clinical
                    .iter()
                    .map(|si| {
                        let mut item = si.item.clone();
                        let meta = item.meta_mut();
                        meta.mrn = mrn.clone();
                        meta.encounter_id =
                            si.encounter.and_then(|i| encounter_ids.get(i).cloned());
                        if meta.recorded_by.is_empty() {
                            meta.recorded_by = grant.username().to_string();
                        }
                        item
                    })
                    .collect();
                tx.add_clinical_items(&mut items)?;
                mrns.push(mrn);
            }
            tx.append_audit(ev)?;
            Ok(mrns)
        })?;
        for (mrn, sp) in mrns.iter().zip(batch) {
            let mut patient = Patient::from_new(mrn.clone(), &sp.patient, now, "");
            patient.deceased = sp.deceased;
            patient.sensitivity = sp.sensitivity;
            let last_visit = sp
                .encounters
                .iter()
                .map(|e| e.discharged.unwrap_or(e.admitted))
                .max();
            self.index_upsert(SearchKey::from_patient(&patient, last_visit));
        }
        Ok(mrns)
    }

    pub fn update_settings(
        &self,
        reason: &str,
        f: impl FnOnce(&mut Settings),
    ) -> ServiceResult<()> {
        let ev = self.event(
            &Self::system(),
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

    /// The department's settings (`chartroom settings show`); configuration, not patient data.
    pub fn system_settings(&self) -> ServiceResult<Settings> {
        self.settings()
    }

    /// Changes one setting by name (`chartroom settings set`), audited with the old and new
    /// value and acknowledged only after the commit. A refused value changes nothing.
    pub fn system_change_setting(
        &self,
        name: &str,
        value: &str,
    ) -> ServiceResult<(String, String)> {
        let who = Self::system();
        let outcome = self.store.write(|tx| {
            let mut settings = tx.settings()?;
            let (old, new) = match settings.set(name, value) {
                Ok(change) => change,
                Err(why) => return Ok(Err(why)),
            };
            tx.put_settings(&settings)?;
            tx.append_audit(self.event(
                &who,
                AuditAction::SettingsChanged,
                Outcome::Success,
                format!("{name}: {old:?} -> {new:?}"),
            ))?;
            Ok(Ok((old, new)))
        })?;
        outcome.map_err(ServiceError::Invalid)
    }

    // ---- shared bodies -----------------------------------------------------------------

    fn add_user_as(&self, who: &Actor, u: NewUser, check_rules: bool) -> ServiceResult<()> {
        user::validate_username(&u.username).map_err(ServiceError::Invalid)?;
        if u.roles.is_empty() {
            return Err(ServiceError::Invalid(
                "a user needs at least one role".into(),
            ));
        }
        if check_rules {
            password::check_new_password(u.password.expose(), &u.username)
                .map_err(ServiceError::PasswordRejected)?;
        }
        let hash =
            password::hash_password(u.password.expose()).map_err(ServiceError::Unavailable)?;
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
        let ev = self.event(
            who,
            AuditAction::UserCreated,
            Outcome::Success,
            format!(
                "created {} with roles {}",
                u.username,
                crate::domain::role::roles_label(&record.roles)
            ),
        );
        self.store
            .write(|tx| {
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

    /// Loads a user, changes it with `f`, writes it back with its audit entry, all in one
    /// transaction (the version check inside `put_user` then cannot fail; it guards callers
    /// that read earlier).
    fn change_user(
        &self,
        who: &Actor,
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

    fn set_locked_as(&self, who: &Actor, username: &str, locked: bool) -> ServiceResult<()> {
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
            self.end_user_sessions(username, "session ended: account locked")?;
        }
        Ok(())
    }

    fn set_active_as(&self, who: &Actor, username: &str, active: bool) -> ServiceResult<()> {
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
            self.end_user_sessions(username, "session ended: account deactivated")?;
        }
        Ok(())
    }

    fn reset_password_as(
        &self,
        who: &Actor,
        username: &str,
        temporary: &Secret,
    ) -> ServiceResult<()> {
        password::check_new_password(temporary.expose(), username)
            .map_err(ServiceError::PasswordRejected)?;
        let hash =
            password::hash_password(temporary.expose()).map_err(ServiceError::Unavailable)?;
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
        self.end_user_sessions(username, "session ended: password reset")
    }

    fn register_as(&self, who: &Actor, p: NewPatient) -> ServiceResult<Patient> {
        self.register_commit(who, p, "new patient", None)
    }

    /// Makes the chart. A registration over likely matches (`overrode`: their MRNs and the
    /// clerk's reason) opens a duplicate case for each, in the same transaction.
    fn register_commit(
        &self,
        who: &Actor,
        p: NewPatient,
        note: &str,
        overrode: Option<(&[String], String)>,
    ) -> ServiceResult<Patient> {
        let now = self.now();
        p.validate(now.date_naive())
            .map_err(ServiceError::Invalid)?;
        let grant = policy::authorize(
            &who.subject,
            Permission::RegisterPatient,
            Resource::Ordinary,
        )
        .map_err(|_| ServiceError::NotPermitted("registering patients".into()))?;
        let mut ev = self.event(who, AuditAction::PatientRegistered, Outcome::Success, note);
        let (patient, keys) = self.store.write(|tx| {
            let mrn = mrn_for_sequence(tx.next_mrn_seq()?);
            let mut patient = Patient::from_new(mrn.clone(), &p, now, grant.username());
            let mut keys = vec![tx.put_patient(&mut patient, None)?];
            ev.patient = Some(mrn.clone());
            tx.append_audit(ev)?;
            if let Some((others, reason)) = &overrode {
                keys.extend(self.open_registration_cases(tx, who, &mrn, others, reason)?);
            }
            Ok((patient, keys))
        })?;
        self.index_upsert_all(keys);
        Ok(patient)
    }

    /// One login attempt's bookkeeping, in the write transaction after the hash was checked.
    /// `checked_hash` is the hash the password was verified against: if an administrator
    /// changed it meanwhile, the attempt is decided again (`Ok(None)`).
    fn record_login(
        &self,
        tx: &mut WriteTx,
        req: &LoginRequest,
        checked_hash: Option<&str>,
        password_ok: bool,
    ) -> Result<Option<Result<User, ServiceError>>, StoreError> {
        let now = self.now();
        let settings = tx.settings()?;
        let failed = |user: String, reason: &str, roles: Vec<Role>| AuditEvent {
            at: now,
            user,
            roles,
            action: AuditAction::LoginFailed,
            patient: None,
            outcome: Outcome::Failure,
            reason: reason.to_string(),
            peer: req.peer.clone(),
        };
        let Some(mut u) = tx.user(&req.username)? else {
            tx.append_audit(failed(
                unknown_name_label(&req.username),
                "unknown user name",
                vec![],
            ))?;
            return Ok(Some(Err(ServiceError::BadCredentials)));
        };
        if checked_hash != Some(u.password_hash.as_str()) {
            return Ok(None);
        }
        let name = u.username.clone();
        if u.status == UserStatus::Deactivated {
            tx.append_audit(failed(name, "account deactivated", u.roles.clone()))?;
            return Ok(Some(Err(ServiceError::BadCredentials)));
        }
        if u.locked {
            tx.append_audit(failed(name, "account locked", u.roles.clone()))?;
            return Ok(Some(Err(ServiceError::AccountLocked)));
        }
        let version = u.version;
        if !password_ok {
            Self::count_failure(
                tx,
                &mut u,
                &settings,
                req.peer.clone(),
                now,
                "wrong password",
            )?;
            tx.put_user(&mut u, Some(version))?;
            return Ok(Some(Err(ServiceError::BadCredentials)));
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
            ..failed(name, "", u.roles.clone())
        })?;
        Ok(Some(Ok(u)))
    }

    /// Counts one wrong password against `u` (login or password change) and audits it, with a
    /// lockout entry when it reaches the threshold. The caller writes `u`.
    /// A wrong password typed inside a session (changing it, breaking the glass): counted
    /// toward lockout like a failed login and saved; the error to show the user.
    #[allow(clippy::too_many_arguments)]
    fn wrong_password(
        tx: &mut WriteTx,
        u: &mut User,
        settings: &Settings,
        peer: Option<String>,
        now: DateTime<Utc>,
        what: &str,
        message: &str,
    ) -> Result<ServiceError, StoreError> {
        let version = u.version;
        let locks = Self::count_failure(tx, u, settings, peer, now, what)?;
        tx.put_user(u, Some(version))?;
        Ok(if locks {
            ServiceError::AccountLocked
        } else {
            ServiceError::Invalid(message.into())
        })
    }

    fn count_failure(
        tx: &mut WriteTx,
        u: &mut User,
        settings: &Settings,
        peer: Option<String>,
        now: DateTime<Utc>,
        what: &str,
    ) -> Result<bool, StoreError> {
        let (n, locks) =
            user::register_failure(u.failed_logins, settings.effective_lockout_threshold());
        u.failed_logins = n;
        u.locked = locks;
        let ev = AuditEvent {
            at: now,
            user: u.username.clone(),
            roles: u.roles.clone(),
            action: AuditAction::LoginFailed,
            patient: None,
            outcome: Outcome::Failure,
            reason: format!("{what} ({n} in a row)"),
            peer,
        };
        tx.append_audit(ev.clone())?;
        if locks {
            tx.append_audit(AuditEvent {
                action: AuditAction::Lockout,
                reason: format!("locked after {n} consecutive failed attempts"),
                ..ev
            })?;
        }
        Ok(locks)
    }
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
            break_glass_minutes: crate::domain::break_glass::effective_minutes(
                settings.break_glass_minutes,
            ),
        })
    }

    fn login(&self, req: LoginRequest) -> ServiceResult<LoginOk> {
        self.sweep_idle()?;
        // Hash outside the write transaction: argon2 takes tens of milliseconds and must not
        // hold the single writer lock while other clerks wait. If the stored hash changes
        // before the write (an administrator's reset), the attempt is decided again.
        let mut decided = None;
        for _ in 0..3 {
            let stored = self.store.read(|r| r.user(&req.username))?;
            let hash = stored.as_ref().map(|u| u.password_hash.clone());
            let password_ok = password::verify_password(
                req.password.expose(),
                hash.as_deref().unwrap_or(DUMMY_HASH.as_str()),
            ) && hash.is_some();
            decided = self
                .store
                .write(|tx| self.record_login(tx, &req, hash.as_deref(), password_ok))?;
            if decided.is_some() {
                break;
            }
        }
        let u = decided.ok_or_else(|| {
            ServiceError::Conflict("the account changed during login; try again".into())
        })??;
        let settings = self.settings()?;
        let token = self.sessions.insert(Session {
            username: u.username.clone(),
            roles: u.roles.clone(),
            last_active: self.clock.monotonic(),
            must_change_password: u.must_change_password,
            peer: req.peer.clone(),
            pending_search: None,
        })?;
        let allowed = |p: Permission| {
            policy::decide(&u.roles, p, Resource::Ordinary) == policy::Decision::Allow
        };
        let screens = Screen::ALL
            .into_iter()
            .filter(|s| allowed(s.permission()))
            .collect();
        let permissions = Permission::ALL
            .into_iter()
            .filter(|p| allowed(*p))
            .collect();
        Ok(LoginOk {
            token,
            username: u.username,
            full_name: u.full_name,
            roles: u.roles,
            screens,
            permissions,
            must_change_password: u.must_change_password,
            idle_timeout_minutes: settings.effective_idle_minutes(),
        })
    }

    fn logout(&self, token: &SessionToken) -> ServiceResult<()> {
        if let Some(s) = self.sessions.remove(token)? {
            self.session_ended(&s, AuditAction::Logout, "")?;
        }
        Ok(())
    }

    fn idle_logoff(&self, token: &SessionToken) -> ServiceResult<()> {
        if let Some(s) = self.sessions.remove(token)? {
            self.session_ended(&s, AuditAction::IdleLogoff, "idle timeout")?;
        }
        Ok(())
    }

    fn keep_alive(&self, token: &SessionToken) -> ServiceResult<()> {
        self.session(token).map(|_| ())
    }

    fn change_password(
        &self,
        token: &SessionToken,
        old: &Secret,
        new: &Secret,
    ) -> ServiceResult<()> {
        let s = self.session(token)?;
        let who = Actor::from(&s);
        if old == new {
            return Err(ServiceError::PasswordRejected(
                "the new password must differ from the current one".into(),
            ));
        }
        password::check_new_password(new.expose(), &s.username)
            .map_err(ServiceError::PasswordRejected)?;
        let stored = self
            .store
            .read(|r| r.user(&s.username))?
            .ok_or_else(|| ServiceError::NotFound(format!("user {}", s.username)))?;
        let old_ok = password::verify_password(old.expose(), &stored.password_hash);
        let new_hash = if old_ok {
            password::hash_password(new.expose()).map_err(ServiceError::Unavailable)?
        } else {
            String::new()
        };
        let now = self.now();
        let changed = self.event(
            &who,
            AuditAction::PasswordChanged,
            Outcome::Success,
            "changed own password",
        );
        let outcome = self.store.write(|tx| {
            let settings = tx.settings()?;
            let Some(mut u) = tx.user(&s.username)? else {
                return Err(StoreError::NotFound {
                    what: format!("user {}", s.username),
                });
            };
            // Checked against this hash: an administrator's reset in between wins.
            if u.password_hash != stored.password_hash {
                return Ok(Err(ServiceError::Conflict(
                    "your password was reset meanwhile; log in again".into(),
                )));
            }
            let version = u.version;
            if !old_ok {
                return Ok(Err(Self::wrong_password(
                    tx,
                    &mut u,
                    &settings,
                    s.peer.clone(),
                    now,
                    "wrong current password when changing it",
                    "the current password is not right",
                )?));
            }
            u.password_hash = new_hash;
            u.must_change_password = false;
            u.failed_logins = 0;
            tx.put_user(&mut u, Some(version))?;
            tx.append_audit(changed)?;
            Ok(Ok(()))
        })?;
        match outcome {
            Ok(()) => self.sessions.clear_password_flag(token),
            Err(e @ (ServiceError::AccountLocked | ServiceError::Conflict(_))) => {
                self.end_user_sessions(&s.username, "session ended: password")?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    fn open_screen(&self, token: &SessionToken, screen: Screen) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        policy::authorize(&who.subject, screen.permission(), Resource::Ordinary)
            .map(|_| ())
            .map_err(|r| {
                self.refuse(
                    &who,
                    AuditAction::ScreenDenied,
                    None,
                    screen.title(),
                    Self::refusal_error(r, screen.title()),
                )
            })
    }

    fn search(
        &self,
        token: &SessionToken,
        query: &str,
        limit: usize,
    ) -> ServiceResult<SearchResults> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::SearchPatients, "patient search")?;
        let results = self.run_search(query, limit)?;
        let pending = PendingSearch {
            query: query.chars().take(200).collect(),
            results: results.total,
        };
        if let Some(previous) = self.sessions.note_search(token, pending)? {
            self.audit_search(&who, previous)?;
        }
        Ok(results)
    }

    fn recent_patients(
        &self,
        token: &SessionToken,
    ) -> ServiceResult<Vec<crate::domain::search::Hit>> {
        let s = self.ready_session(token)?;
        self.permit(
            &Actor::from(&s),
            Permission::SearchPatients,
            "patient search",
        )?;
        let mrns = self.store.read(|r| r.recent_patients(&s.username))?;
        self.with_index(|idx| mrns.iter().filter_map(|m| idx.get(m)).collect())
    }

    fn open_chart(&self, token: &SessionToken, mrn: &str) -> ServiceResult<ChartSummary> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        // The search that led here goes on record before the chart open it led to.
        if let Some(search) = self.sessions.take_pending_search(token)? {
            self.audit_search(&who, search)?;
        }
        // The role must open charts at all before anything about this MRN is looked up, so
        // that probing for MRNs is refused and recorded the same whether they exist or not.
        if let Err(r) = policy::authorize(&who.subject, Permission::UseChart, Resource::Ordinary) {
            return Err(self.refuse(
                &who,
                AuditAction::OperationDenied,
                Some(mrn),
                "opening charts",
                Self::refusal_error(r, "opening charts"),
            ));
        }
        let mut ev = self.event(&who, AuditAction::ChartOpened, Outcome::Success, "");
        ev.patient = Some(mrn.to_string());
        let now = self.now();
        // Policy, read and audit entry in one write transaction: the read is recorded exactly
        // when it happens.
        let result = self.store.write(|tx| {
            // The best grant this user holds: on an ordinary chart with a sensitive
            // encounter, an ordinary one leaves that encounter withheld (grants.rs).
            let grant = |p| grants::chart_grant(tx, &who, now, mrn, p, "opening charts");
            let (chart, encounters) = match (
                grant(Permission::UseChart)?,
                grant(Permission::ViewEncounters)?,
            ) {
                (Ok(c), Ok(e)) => (c.grant, e),
                (Err(r), _) | (_, Err(r)) => return Ok(Err(r.refusal)),
            };
            let glass = encounters.glass;
            let encounters = encounters.grant;
            let patient = tx
                .patient(&chart, mrn)?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("patient {mrn}"),
                })?;
            let mut shown = tx.encounters_shown(&encounters, mrn)?;
            shown.sort_by_key(|(e, _)| std::cmp::Reverse(e.admitted));
            let withheld_encounters: Vec<String> = shown
                .iter()
                .filter(|(_, w)| *w)
                .map(|(e, _)| e.id.clone())
                .collect();
            // Coding status per encounter, for roles that see codes (not registrars).
            let coding = match grant(Permission::ViewCodes)? {
                Ok(g) => tx.coding_statuses(&g.grant, &shown)?,
                Err(_) => Vec::new(),
            };
            let encs: Vec<Encounter> = shown.into_iter().map(|(e, _)| e).collect();
            let tabs = policy::chart_tabs(&who.subject.roles);
            let documents = if tabs.contains(&policy::ChartTab::Documents) {
                let mut docs = tx.document_list(&encounters, mrn)?;
                docs.sort_by(|a, b| b.written.cmp(&a.written).then_with(|| b.id.cmp(&a.id)));
                let amended = tx.amended_documents(&encounters, mrn)?;
                for d in docs.iter_mut().filter(|d| !d.restricted) {
                    d.amended_by = amended.get(&d.id).cloned();
                }
                docs
            } else {
                Vec::new()
            };
            // The clinical summary only for roles that see its tab (minimum necessary).
            // Items of a withheld encounter stay out, as its documents do (the store decides).
            let summary = if tabs.contains(&policy::ChartTab::Summary) {
                match grant(Permission::ViewClinicalText)? {
                    Ok(clinical) => Some(tx.clinical_summary(&clinical.grant, mrn)?),
                    Err(_) => None,
                }
            } else {
                None
            };
            if let Some(g) = &glass {
                ev.reason = format!("under break-the-glass access {}", g.id);
            }
            tx.append_audit(ev)?;
            tx.note_recent_patient(&who.subject.username, mrn)?;
            Ok(Ok(ChartSummary {
                patient,
                encounters: encs,
                tabs,
                documents,
                break_glass: glass,
                summary,
                withheld_encounters,
                coding,
            }))
        })?;
        result.map_err(|r| {
            let what = match r {
                Refusal::Denied => "opening charts",
                Refusal::NeedsBreakGlass => "restricted chart",
            };
            self.refuse(
                &who,
                AuditAction::OperationDenied,
                Some(mrn),
                what,
                Self::refusal_error(r, what),
            )
        })
    }

    fn likely_matches(
        &self,
        token: &SessionToken,
        p: &NewPatient,
    ) -> ServiceResult<Vec<crate::domain::search::Hit>> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::RegisterPatient, "registering patients")?;
        let matches = self.matches_for(p)?;
        self.audit_duplicate_check(&who, &matches)?;
        Ok(matches)
    }

    fn register_patient(
        &self,
        token: &SessionToken,
        p: NewPatient,
        not_a_duplicate_because: Option<String>,
    ) -> ServiceResult<Patient> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::RegisterPatient, "registering patients")?;
        p.validate(self.now().date_naive())
            .map_err(ServiceError::Invalid)?;
        // Duplicate charts are stopped here, whatever the client does: likely matches need a
        // stated reason before a new chart is made.
        let matches = self.matches_for(&p)?;
        let reason = not_a_duplicate_because
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let mrns: Vec<String> = matches.iter().map(|h| h.mrn.clone()).collect();
        let (note, overrode) = match (matches.is_empty(), reason) {
            (true, _) => ("new patient".to_string(), None),
            (false, None) => {
                self.audit_duplicate_check(&who, &matches)?;
                return Err(ServiceError::PossibleDuplicates(matches));
            }
            (false, Some(r)) => (
                format!(
                    "new patient despite possible matches {}: {}",
                    mrns.join(", "),
                    r.chars().take(200).collect::<String>()
                ),
                Some((mrns.as_slice(), r)),
            ),
        };
        self.register_commit(&who, p, &note, overrode)
    }

    fn update_patient(
        &self,
        token: &SessionToken,
        mrn: &str,
        expected_version: u64,
        p: NewPatient,
    ) -> ServiceResult<Patient> {
        self.update_patient_as(token, mrn, expected_version, p)
    }

    fn patient_history(&self, token: &SessionToken, mrn: &str) -> ServiceResult<Vec<Patient>> {
        self.patient_history_as(token, mrn)
    }

    fn duplicate_cases(
        &self,
        token: &SessionToken,
        include_decided: bool,
    ) -> ServiceResult<Vec<super::DuplicateCaseRow>> {
        self.duplicate_cases_as(token, include_decided)
    }

    fn review_duplicate(
        &self,
        token: &SessionToken,
        case_id: &str,
    ) -> ServiceResult<super::DuplicateReview> {
        self.review_duplicate_as(token, case_id)
    }

    fn decide_duplicate(
        &self,
        token: &SessionToken,
        case_id: &str,
        expected_version: u64,
        decision: crate::domain::mpi::CaseDecision,
        note: &str,
    ) -> ServiceResult<crate::domain::mpi::DuplicateCase> {
        self.decide_duplicate_as(token, case_id, expected_version, decision, note)
    }

    fn chart_document(
        &self,
        token: &SessionToken,
        mrn: &str,
        document_id: &str,
    ) -> ServiceResult<Document> {
        self.chart_document_as(token, mrn, document_id)
    }

    fn chart_access_log(&self, token: &SessionToken, mrn: &str) -> ServiceResult<Vec<AuditEntry>> {
        self.chart_access_log_as(token, mrn)
    }

    fn break_glass(
        &self,
        token: &SessionToken,
        mrn: &str,
        reason: crate::domain::break_glass::BreakGlassReason,
        note: &str,
        password: &Secret,
    ) -> ServiceResult<crate::domain::break_glass::BreakGlassAccess> {
        self.break_glass_as(token, mrn, reason, note, password)
    }

    fn break_glass_list(
        &self,
        token: &SessionToken,
        unreviewed_only: bool,
    ) -> ServiceResult<Vec<crate::domain::break_glass::BreakGlassAccess>> {
        self.break_glass_list_as(token, unreviewed_only)
    }

    fn review_break_glass(
        &self,
        token: &SessionToken,
        id: u64,
        expected_version: u64,
        verdict: crate::domain::break_glass::Verdict,
        comment: &str,
    ) -> ServiceResult<crate::domain::break_glass::BreakGlassAccess> {
        self.review_break_glass_as(token, id, expected_version, verdict, comment)
    }

    fn set_sensitivity(
        &self,
        token: &SessionToken,
        mrn: &str,
        expected_version: u64,
        sensitivity: Option<crate::domain::Sensitivity>,
        reason: &str,
    ) -> ServiceResult<Patient> {
        self.set_sensitivity_as(token, mrn, expected_version, sensitivity, reason)
    }

    fn lookup_codes(
        &self,
        token: &SessionToken,
        system: crate::codes::CodeSystem,
        on: chrono::NaiveDate,
        query: &str,
        limit: usize,
    ) -> ServiceResult<Vec<super::CodeHit>> {
        self.lookup_codes_as(token, system, on, query, limit)
    }

    fn code_details(
        &self,
        token: &SessionToken,
        system: crate::codes::CodeSystem,
        on: chrono::NaiveDate,
        code: &str,
    ) -> ServiceResult<super::CodeDetails> {
        self.code_details_as(token, system, on, code)
    }

    fn set_legal_hold(
        &self,
        token: &SessionToken,
        mrn: &str,
        expected_version: u64,
        matter: Option<&str>,
        reason: &str,
    ) -> ServiceResult<Patient> {
        self.set_legal_hold_as(token, mrn, expected_version, matter, reason)
    }

    fn set_encounter_sensitivity(
        &self,
        token: &SessionToken,
        mrn: &str,
        encounter_id: &str,
        expected_version: u64,
        sensitivity: Option<crate::domain::Sensitivity>,
        reason: &str,
    ) -> ServiceResult<Encounter> {
        self.set_encounter_sensitivity_as(
            token,
            mrn,
            encounter_id,
            expected_version,
            sensitivity,
            reason,
        )
    }

    fn log_amendment_request(
        &self,
        token: &SessionToken,
        mrn: &str,
        target: crate::domain::amendment::AmendmentTarget,
        requested_change: &str,
        received: chrono::NaiveDate,
    ) -> ServiceResult<crate::domain::amendment::AmendmentRequest> {
        self.log_amendment_request_as(token, mrn, target, requested_change, received)
    }

    fn amendment_requests(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<super::ChartAmendments> {
        self.amendment_requests_as(token, mrn)
    }

    fn extend_amendment(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        reason: &str,
        patient_told: chrono::NaiveDate,
    ) -> ServiceResult<crate::domain::amendment::AmendmentRequest> {
        self.extend_amendment_as(token, id, expected_version, reason, patient_told)
    }

    fn decide_amendment(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        decision: super::AmendmentDecisionInput,
        decided_on: chrono::NaiveDate,
    ) -> ServiceResult<crate::domain::amendment::AmendmentRequest> {
        self.decide_amendment_as(token, id, expected_version, decision, decided_on)
    }

    fn add_amendment_statement(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        kind: super::StatementKind,
        text: &str,
        dated: chrono::NaiveDate,
    ) -> ServiceResult<crate::domain::amendment::AmendmentRequest> {
        self.add_amendment_statement_as(token, id, expected_version, kind, text, dated)
    }

    fn amendment_worklist(
        &self,
        token: &SessionToken,
    ) -> ServiceResult<Vec<crate::domain::amendment::AmendmentRequest>> {
        self.amendment_worklist_as(token)
    }

    fn roi_desk(&self, token: &SessionToken) -> ServiceResult<super::RoiDesk> {
        self.roi_desk_as(token)
    }

    fn log_roi_request(
        &self,
        token: &SessionToken,
        request: crate::domain::roi::NewRoiRequest,
    ) -> ServiceResult<crate::domain::roi::RoiRequest> {
        self.log_roi_request_as(token, request)
    }

    fn roi_request(&self, token: &SessionToken, id: &str) -> ServiceResult<super::RoiView> {
        self.roi_request_as(token, id)
    }

    fn roi_step(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        step: super::RoiStep,
    ) -> ServiceResult<crate::domain::roi::RoiRequest> {
        self.roi_step_as(token, id, expected_version, step)
    }

    fn release_roi(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        input: super::ReleaseInput,
    ) -> ServiceResult<crate::domain::roi::RoiRequest> {
        self.release_roi_as(token, id, expected_version, input)
    }

    fn chart_disclosures(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<super::ChartDisclosures> {
        self.chart_disclosures_as(token, mrn)
    }

    fn record_disclosure(
        &self,
        token: &SessionToken,
        mrn: &str,
        fields: crate::domain::roi::DisclosureFields,
    ) -> ServiceResult<crate::domain::roi::Disclosure> {
        self.record_disclosure_as(token, mrn, fields)
    }

    fn correct_disclosure(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        fields: crate::domain::roi::DisclosureFields,
        entered_in_error: bool,
        reason: &str,
    ) -> ServiceResult<crate::domain::roi::Disclosure> {
        self.correct_disclosure_as(
            token,
            id,
            expected_version,
            fields,
            entered_in_error,
            reason,
        )
    }

    fn provide_accounting(
        &self,
        token: &SessionToken,
        mrn: &str,
        requested_on: chrono::NaiveDate,
    ) -> ServiceResult<crate::domain::roi::AccountingRecord> {
        self.provide_accounting_as(token, mrn, requested_on)
    }

    fn coding_queue(
        &self,
        token: &SessionToken,
        filter: &QueueFilter,
        sort: QueueSort,
        limit: usize,
    ) -> ServiceResult<QueuePage> {
        self.coding_queue_as(token, filter, sort, limit)
    }

    fn coding_record(&self, token: &SessionToken, encounter_id: &str) -> ServiceResult<CodingView> {
        self.coding_record_as(token, encounter_id)
    }

    fn claim_encounter(
        &self,
        token: &SessionToken,
        encounter_id: &str,
    ) -> ServiceResult<CodingRecord> {
        self.claim_as(token, encounter_id)
    }

    fn query_recipients(&self, token: &SessionToken) -> ServiceResult<Vec<super::QueryRecipient>> {
        self.query_recipients_as(token)
    }

    fn send_query(
        &self,
        token: &SessionToken,
        draft: crate::domain::query::QueryDraft,
        coding_version: u64,
    ) -> ServiceResult<crate::domain::query::PhysicianQuery> {
        self.send_query_as(token, draft, coding_version)
    }

    fn answer_query(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        choice: Option<&str>,
        words: &str,
    ) -> ServiceResult<crate::domain::query::PhysicianQuery> {
        self.answer_query_as(token, id, expected_version, choice, words)
    }

    fn withdraw_query(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        reason: &str,
    ) -> ServiceResult<crate::domain::query::PhysicianQuery> {
        self.withdraw_query_as(token, id, expected_version, reason)
    }

    fn my_queries(&self, token: &SessionToken) -> ServiceResult<super::MyQueries> {
        self.my_queries_as(token)
    }

    fn release_encounter(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord> {
        self.step_as(token, encounter_id, expected_version, CodingAction::Release)
    }

    fn hold_encounter(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        reason: HoldReason,
        note: &str,
    ) -> ServiceResult<CodingRecord> {
        let action = CodingAction::Hold {
            reason,
            note: note.to_string(),
        };
        self.step_as(token, encounter_id, expected_version, action)
    }

    fn resume_encounter(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord> {
        self.step_as(token, encounter_id, expected_version, CodingAction::Resume)
    }

    fn save_codes(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        codes: Vec<AssignedCode>,
    ) -> ServiceResult<SavedCodes> {
        self.save_codes_as(token, encounter_id, expected_version, codes)
    }

    fn mark_coded(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord> {
        self.step_as(
            token,
            encounter_id,
            expected_version,
            CodingAction::MarkCoded,
        )
    }

    fn validate_coding(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord> {
        self.step_as(
            token,
            encounter_id,
            expected_version,
            CodingAction::Validate,
        )
    }

    fn return_to_coder(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        note: &str,
    ) -> ServiceResult<CodingRecord> {
        let action = CodingAction::ReturnToCoder {
            note: note.to_string(),
        };
        self.step_as(token, encounter_id, expected_version, action)
    }

    fn finalize_coding(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord> {
        self.step_as(
            token,
            encounter_id,
            expected_version,
            CodingAction::Finalize,
        )
    }

    fn assign_encounter(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        coder: &str,
    ) -> ServiceResult<CodingRecord> {
        let action = CodingAction::Assign {
            coder: coder.to_string(),
        };
        self.step_as(token, encounter_id, expected_version, action)
    }

    fn reopen_coding(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        reason: &str,
    ) -> ServiceResult<CodingRecord> {
        let action = CodingAction::Reopen {
            reason: reason.to_string(),
        };
        self.step_as(token, encounter_id, expected_version, action)
    }

    fn coding_backlog(&self, token: &SessionToken) -> ServiceResult<Backlog> {
        self.coding_backlog_as(token)
    }

    fn coder_productivity(
        &self,
        token: &SessionToken,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ServiceResult<Vec<CoderProductivity>> {
        self.coder_productivity_as(token, from, to)
    }

    fn dnfb_list(&self, token: &SessionToken, limit: usize) -> ServiceResult<DnfbReport> {
        self.dnfb_as(token, limit)
    }

    fn chart_codes(&self, token: &SessionToken, mrn: &str) -> ServiceResult<ChartCodes> {
        self.chart_codes_as(token, mrn)
    }

    fn list_users(&self, token: &SessionToken) -> ServiceResult<Vec<UserSummary>> {
        let s = self.ready_session(token)?;
        self.permit(
            &Actor::from(&s),
            Permission::UnlockUsers,
            "user administration",
        )?;
        self.system_list_users()
    }

    fn add_user(&self, token: &SessionToken, u: NewUser) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::ManageUsers, "user administration")?;
        self.add_user_as(&who, u, true)
    }

    fn set_locked(&self, token: &SessionToken, username: &str, locked: bool) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        // Supervisors lift lockouts; only administrators lock accounts.
        if locked {
            self.permit(&who, Permission::ManageUsers, "locking accounts")?;
        } else {
            self.permit(&who, Permission::UnlockUsers, "unlocking accounts")?;
        }
        self.not_yourself(&who, username)?;
        self.set_locked_as(&who, username, locked)
    }

    fn set_active(&self, token: &SessionToken, username: &str, active: bool) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::ManageUsers, "user administration")?;
        self.not_yourself(&who, username)?;
        self.set_active_as(&who, username, active)
    }

    fn reset_password(
        &self,
        token: &SessionToken,
        username: &str,
        temporary: &Secret,
    ) -> ServiceResult<()> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::ManageUsers, "resetting passwords")?;
        self.not_yourself(&who, username)?;
        self.reset_password_as(&who, username, temporary)
    }

    fn audit_entries(
        &self,
        token: &SessionToken,
        from_seq: u64,
        limit: usize,
    ) -> ServiceResult<Vec<AuditEntry>> {
        let s = self.ready_session(token)?;
        self.permit(
            &Actor::from(&s),
            Permission::ViewAuditTrail,
            "the audit trail",
        )?;
        self.system_audit_entries(from_seq, limit)
    }

    fn verify_audit(&self, token: &SessionToken) -> ServiceResult<AuditVerdict> {
        let s = self.ready_session(token)?;
        self.permit(
            &Actor::from(&s),
            Permission::ViewAuditTrail,
            "the audit trail",
        )?;
        self.system_verify_audit()
    }
}
