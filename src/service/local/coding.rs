//! Coding (issue 6) in the service. The rules (who may do what from which state) are
//! `domain::coding::transition`; here are the permissions, the encounter's sensitivity, code
//! validation and the writes. Same pattern as every operation: session -> policy -> read,
//! change and audit entry in one write transaction; a refusal writes nothing but its denial.
//!
//! The queue is read from a copy in memory (`QueueCache`) that catches up with the store's
//! queue table by change number before every read, so 100,000 rows are filtered and sorted
//! without decoding them each time.

use super::grants::{Refused, chart_grant, content_grant};
use super::{Actor, LocalRecords};
use crate::codes::CodeSets;
use crate::codes::validate::{self, AssignedCode, Finding, Setting, Severity};
use crate::domain::EncounterClass;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::coding::{
    Backlog, CodeListVersion, CodedEvent, CoderProductivity, CodingAction, CodingRecord,
    CodingStatus, QueueFilter, QueueRow, QueueSort, Who, productivity, queue_page,
    requires_validation,
};
use crate::domain::patient::RESTRICTED;
use crate::policy::{self, Decision, Permission, Resource, Subject};
use crate::service::{
    ChartCodes, CodingView, DnfbReport, EncounterCodes, QueuePage, SavedCodes, ServiceError,
    ServiceResult, SessionToken,
};
use crate::store::{StoreError, WriteTx};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// What a refusal of the coding workflow is recorded as.
const CODING: &str = "coding";
/// Most rows one queue read returns.
pub const MAX_QUEUE_ROWS: usize = 1000;

/// The queue in memory, as of change number `change` of the store's queue table.
#[derive(Default)]
pub(super) struct QueueCache {
    change: Option<u64>,
    rows: HashMap<String, QueueRow>,
}

fn allowed(s: &Subject, p: Permission) -> bool {
    policy::decide(&s.roles, p, Resource::Ordinary) == Decision::Allow
}

/// What the rules need to know of the user: the policy decides each flag.
fn rules_who(s: &Subject) -> Who<'_> {
    Who {
        username: &s.username,
        coder: allowed(s, Permission::EditCodes),
        supervisor: allowed(s, Permission::AssignWork),
        validator: allowed(s, Permission::ValidateCoding),
    }
}

fn setting(class: EncounterClass) -> Setting {
    match class {
        EncounterClass::Inpatient => Setting::Inpatient,
        _ => Setting::Outpatient,
    }
}

fn code_sets() -> ServiceResult<&'static CodeSets> {
    CodeSets::shared()
        .map_err(|e| ServiceError::Unavailable(format!("the code sets could not be loaded: {e}")))
}

/// Codes as the files write them (upper case, no dot); what cannot be read is kept as typed
/// so validation names it.
fn normalized(codes: Vec<AssignedCode>) -> Vec<AssignedCode> {
    codes
        .into_iter()
        .map(|c| AssignedCode {
            code: crate::codes::normalize(&c.code).unwrap_or(c.code),
            ..c
        })
        .collect()
}

fn findings_of(sets: &CodeSets, r: &CodingRecord) -> Vec<Finding> {
    validate::validate(sets, &r.codes, r.discharged, setting(r.class)).1
}

fn errors_in(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

fn rule(e: String) -> StoreError {
    StoreError::Refused(e)
}

/// The step as the audit trail words it: what, from which state to which, who has it now.
fn step_words(id: &str, r: &CodingRecord) -> String {
    match r.history.last() {
        Some(e) => {
            let mut s = format!(
                "{id}: {} ({} -> {}",
                e.action.label(),
                e.from.label().to_lowercase(),
                e.to.label().to_lowercase()
            );
            if let Some(a) = &e.assigned {
                s.push_str(&format!(", coder {a}"));
            }
            s.push(')');
            match &e.action {
                CodingAction::Hold { reason, note } => {
                    s.push_str(&format!(": {}", reason.label()));
                    if !note.trim().is_empty() {
                        s.push_str(&format!(" - {}", note.trim()));
                    }
                }
                CodingAction::ReturnToCoder { note } => s.push_str(&format!(": {}", note.trim())),
                CodingAction::Reopen { reason } => s.push_str(&format!(": {}", reason.trim())),
                CodingAction::SaveCodes => s.push_str(&format!(": code list v{}", e.code_version)),
                _ => {}
            }
            s
        }
        None => format!("{id}: no step"),
    }
}

/// What one step does inside its transaction, beyond the rules: checks that need the store
/// or the code sets, and what to record after.
enum Extra {
    None,
    /// Mark coded: the saved list must have no error finding.
    MarkCoded(&'static CodeSets),
    /// Assign: the coder must be an active user who may code.
    Assign,
}

impl LocalRecords {
    /// The session's actor if it may use the coding workflow (UseCoding), audited if not.
    fn coding_actor(&self, token: &SessionToken) -> ServiceResult<Actor> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::UseCoding, "the coding queue")?;
        Ok(who)
    }

    /// Runs `f` on the queue in memory, brought up to date with the store first.
    fn with_queue<T>(&self, f: impl FnOnce(&HashMap<String, QueueRow>) -> T) -> ServiceResult<T> {
        let mut cache = self
            .coding_queue
            .lock()
            .map_err(|_| ServiceError::Unavailable("coding queue lock poisoned".into()))?;
        let delta = self.store.read(|r| r.coding_queue_delta(cache.change))?;
        if delta.full {
            cache.rows.clear();
        }
        for (id, row) in delta.rows {
            match row {
                Some(r) => {
                    cache.rows.insert(id, r);
                }
                None => {
                    cache.rows.remove(&id);
                }
            }
        }
        cache.change = Some(delta.change);
        Ok(f(&cache.rows))
    }

    /// Rows this user may not see the attending of (restricted, and the role does not read
    /// sensitive records freely) say "restricted" there.
    fn withhold_rows(&self, who: &Actor, rows: &mut [QueueRow]) {
        let free = policy::decide(
            &who.subject.roles,
            Permission::ViewEncounters,
            Resource::Sensitive,
        ) == Decision::Allow;
        if !free {
            for r in rows.iter_mut().filter(|r| r.restricted) {
                r.attending = RESTRICTED.into();
            }
        }
    }

    pub(super) fn coding_queue_as(
        &self,
        token: &SessionToken,
        filter: &QueueFilter,
        sort: QueueSort,
        limit: usize,
    ) -> ServiceResult<QueuePage> {
        let who = self.coding_actor(token)?;
        let today = self.now().date_naive();
        let limit = limit.min(MAX_QUEUE_ROWS);
        let (total, mut rows) =
            self.with_queue(|q| queue_page(q.values(), filter, sort, limit, today))?;
        self.withhold_rows(&who, &mut rows);
        self.audit(self.event(
            &who,
            AuditAction::CodingQueueViewed,
            Outcome::Success,
            format!("coding queue: {total} row(s), {} shown", rows.len()),
        ))?;
        Ok(QueuePage { total, rows, today })
    }

    /// The grant to work an encounter's codes (ViewCodes, as sensitive as the chart and the
    /// encounter are), decided inside the transaction.
    fn encounter_grant(
        &self,
        tx: &WriteTx,
        who: &Actor,
        now: DateTime<Utc>,
        encounter_id: &str,
    ) -> Result<Result<policy::Grant, Refused>, StoreError> {
        let Some((mrn, flag)) = tx.encounter_place(encounter_id)? else {
            return Err(StoreError::NotFound {
                what: format!("encounter {encounter_id}"),
            });
        };
        Ok(content_grant(
            tx,
            who,
            now,
            &mrn,
            (encounter_id, flag),
            Permission::ViewCodes,
            CODING,
        )?
        .map(|g| g.grant))
    }

    pub(super) fn coding_record_as(
        &self,
        token: &SessionToken,
        encounter_id: &str,
    ) -> ServiceResult<CodingView> {
        let who = self.coding_actor(token)?;
        let sets = code_sets()?;
        let now = self.now();
        let outcome = self.store.write(|tx| {
            let grant = match self.encounter_grant(tx, &who, now, encounter_id)? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let record = match tx.coding_record_granted(&grant, encounter_id)? {
                Some(r) => r,
                None => tx.coding_record_or_new(encounter_id)?,
            };
            let versions = tx.code_list_versions(&grant, encounter_id)?;
            let chart = match chart_grant(
                tx,
                &who,
                now,
                &record.mrn,
                Permission::ViewEncounters,
                CODING,
            )? {
                Ok(g) => g.grant,
                Err(r) => return Ok(Err(r)),
            };
            let Some(encounter) = tx.encounter(&chart, encounter_id)? else {
                return Err(StoreError::NotFound {
                    what: format!("encounter {encounter_id}"),
                });
            };
            let required = requires_validation(&tx.settings()?.coding_validation, record.class);
            let findings = findings_of(sets, &record);
            let queries = self.encounter_queries(tx, &who, now, encounter_id)?;
            let mut ev = self.event(
                &who,
                AuditAction::CodingViewed,
                Outcome::Success,
                format!(
                    "{encounter_id}: {} code(s), code list v{}",
                    record.codes.len(),
                    record.code_version
                ),
            );
            ev.patient = Some(record.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(CodingView {
                record,
                encounter,
                versions,
                findings,
                validation_required: required,
                queries,
                today: Some(now.date_naive()),
            }))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    /// One step of the workflow: UseCoding, the grant on the encounter, the record at the
    /// version the clerk saw (`None`: whatever is stored now, for a claim), the rules, the
    /// write and its audit entry, in one transaction.
    fn coding_step(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: Option<u64>,
        action: CodingAction,
        extra: Extra,
    ) -> ServiceResult<CodingRecord> {
        let who = self.coding_actor(token)?;
        let now = self.now();
        let outcome = self.store.write(|tx| {
            if let Err(r) = self.encounter_grant(tx, &who, now, encounter_id)? {
                return Ok(Err(r));
            }
            let mut r = tx.coding_record_or_new(encounter_id)?;
            let stored = r.version;
            if let Some(v) = expected_version
                && v != stored
            {
                // put_coding words the conflict (who changed it, when).
                tx.put_coding(&mut r, v)?;
            }
            let required = requires_validation(&tx.settings()?.coding_validation, r.class);
            let w = rules_who(&who.subject);
            let worked = r.worked_seconds(&who.subject.username, now);
            if action == CodingAction::Resume && tx.open_query_count(encounter_id)? > 0 {
                return Err(rule(format!(
                    "a physician query on {encounter_id} is still open; it comes off hold when the query is answered, or withdraw the query (w)"
                )));
            }
            match (&extra, &action) {
                (Extra::MarkCoded(sets), _) => {
                    // The rules first, so "claim it first" is said before "no codes".
                    crate::domain::coding::transition(r.state(required), &action, w)
                        .map_err(rule)?;
                    if r.codes.is_empty() {
                        return Err(rule(format!(
                            "{encounter_id} has no codes saved; save the code list first"
                        )));
                    }
                    let findings = findings_of(sets, &r);
                    let errors = errors_in(&findings);
                    if !errors.is_empty() {
                        let list: Vec<&str> = errors.iter().map(|f| f.message.as_str()).collect();
                        return Err(rule(format!(
                            "cannot mark {encounter_id} coded: {} error(s) to fix: {}",
                            errors.len(),
                            list.join(" ")
                        )));
                    }
                }
                (Extra::Assign, CodingAction::Assign { coder }) => {
                    let coder = coder.trim();
                    let Some(u) = tx.user(coder)? else {
                        return Err(rule(format!("there is no user {coder}")));
                    };
                    let s = Subject {
                        username: u.username.clone(),
                        roles: u.roles.clone(),
                    };
                    if u.status != crate::domain::UserStatus::Active
                        || !allowed(&s, Permission::EditCodes)
                    {
                        return Err(rule(format!("{coder} is not an active coder")));
                    }
                }
                _ => {}
            }
            r.apply(action, w, required, now).map_err(rule)?;
            let coded = r.status == CodingStatus::Coded
                && r.history
                    .last()
                    .is_some_and(|e| e.action == CodingAction::MarkCoded);
            tx.put_coding(&mut r, stored)?;
            if coded {
                tx.record_coded(&CodedEvent {
                    encounter_id: encounter_id.to_string(),
                    coder: who.subject.username.clone(),
                    class: r.class,
                    at: now,
                    worked_seconds: worked,
                })?;
            }
            let mut ev = self.event(
                &who,
                AuditAction::CodingChanged,
                Outcome::Success,
                step_words(encounter_id, &r),
            );
            ev.patient = Some(r.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(r))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn claim_as(&self, token: &SessionToken, id: &str) -> ServiceResult<CodingRecord> {
        self.coding_step(token, id, None, CodingAction::Claim, Extra::None)
    }

    pub(super) fn step_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        action: CodingAction,
    ) -> ServiceResult<CodingRecord> {
        let extra = match &action {
            CodingAction::MarkCoded => Extra::MarkCoded(code_sets()?),
            CodingAction::Assign { .. } => Extra::Assign,
            _ => Extra::None,
        };
        self.coding_step(token, id, Some(expected_version), action, extra)
    }

    pub(super) fn save_codes_as(
        &self,
        token: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        codes: Vec<AssignedCode>,
    ) -> ServiceResult<SavedCodes> {
        let who = self.coding_actor(token)?;
        let sets = code_sets()?;
        let now = self.now();
        let codes = normalized(codes);
        if codes.iter().any(|c| c.code.is_empty()) {
            return Err(ServiceError::Invalid("a code in the list is empty".into()));
        }
        let outcome = self.store.write(|tx| {
            if let Err(r) = self.encounter_grant(tx, &who, now, encounter_id)? {
                return Ok(Err(r));
            }
            let mut r = tx.coding_record_or_new(encounter_id)?;
            let required = requires_validation(&tx.settings()?.coding_validation, r.class);
            let (_, findings) = validate::validate(sets, &codes, r.discharged, setting(r.class));
            let version = r
                .save_codes(codes.clone(), rules_who(&who.subject), required, now)
                .map_err(rule)?;
            tx.put_coding(&mut r, expected_version)?;
            let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
            tx.put_code_list_version(&CodeListVersion {
                encounter_id: encounter_id.to_string(),
                version,
                codes,
                saved_by: who.subject.username.clone(),
                saved_at: now,
                errors: count(Severity::Error),
                warnings: count(Severity::Warning),
            })?;
            let mut ev = self.event(
                &who,
                AuditAction::CodesSaved,
                Outcome::Success,
                format!(
                    "{encounter_id}: code list v{version}, {} code(s), {} error(s), {} warning(s)",
                    r.codes.len(),
                    count(Severity::Error),
                    count(Severity::Warning)
                ),
            );
            ev.patient = Some(r.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(SavedCodes {
                record: r,
                findings,
            }))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn coding_backlog_as(&self, token: &SessionToken) -> ServiceResult<Backlog> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::AssignWork, "the coding backlog")?;
        let today = self.now().date_naive();
        let backlog = self.with_queue(|q| Backlog::from_rows(q.values(), today))?;
        self.audit(self.event(
            &who,
            AuditAction::CodingReportViewed,
            Outcome::Success,
            format!("coding backlog: {} encounter(s)", backlog.total),
        ))?;
        Ok(backlog)
    }

    pub(super) fn coder_productivity_as(
        &self,
        token: &SessionToken,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ServiceResult<Vec<CoderProductivity>> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::AssignWork, "coder productivity")?;
        if to <= from {
            return Err(ServiceError::Invalid(
                "the period must end after it starts".into(),
            ));
        }
        Ok(self.store.write(|tx| {
            let events = tx.coded_events(from, to)?;
            let out = productivity(&events, from, to);
            tx.append_audit(self.event(
                &who,
                AuditAction::CodingReportViewed,
                Outcome::Success,
                format!(
                    "coder productivity {} to {}: {} coder(s)",
                    from.format("%Y-%m-%d %H:%M"),
                    to.format("%Y-%m-%d %H:%M"),
                    out.len()
                ),
            ))?;
            Ok(out)
        })?)
    }

    pub(super) fn dnfb_as(&self, token: &SessionToken, limit: usize) -> ServiceResult<DnfbReport> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::ViewDnfb, "the DNFB list")?;
        let today = self.now().date_naive();
        let limit = limit.min(MAX_QUEUE_ROWS);
        let ((total, mut rows), backlog) = self.with_queue(|q| {
            (
                queue_page(
                    q.values(),
                    &QueueFilter::default(),
                    QueueSort::oldest_first(),
                    limit,
                    today,
                ),
                Backlog::from_rows(q.values(), today),
            )
        })?;
        self.withhold_rows(&who, &mut rows);
        self.audit(self.event(
            &who,
            AuditAction::CodingReportViewed,
            Outcome::Success,
            format!("DNFB list: {total} encounter(s), {} shown", rows.len()),
        ))?;
        Ok(DnfbReport {
            total,
            by_age: backlog.by_age,
            rows,
            today,
        })
    }

    pub(super) fn chart_codes_as(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<ChartCodes> {
        let who = Actor::from(&self.ready_session(token)?);
        let now = self.now();
        let outcome = self.store.write(|tx| {
            let grant = match chart_grant(tx, &who, now, mrn, Permission::ViewCodes, "codes")? {
                Ok(g) => g.grant,
                Err(r) => return Ok(Err(r)),
            };
            let open = tx.coding_for_patient(&grant, mrn)?;
            let mut withheld: Vec<String> = tx
                .encounter_flags(mrn)?
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| !open.iter().any(|(e, _)| &e.id == id))
                .collect();
            withheld.sort();
            let mut encounters: Vec<EncounterCodes> = open
                .into_iter()
                .map(|(e, r)| EncounterCodes {
                    encounter_id: e.id,
                    class: e.class,
                    admitted: e.admitted,
                    discharged: e.discharged,
                    status: r.as_ref().map_or(CodingStatus::Uncoded, |r| r.status),
                    codes: r.as_ref().map(|r| r.codes.clone()).unwrap_or_default(),
                    code_version: r.as_ref().map_or(0, |r| r.code_version),
                    coded_by: r.and_then(|r| r.coded_by),
                    titles: Vec::new(),
                })
                .collect();
            encounters
                .sort_by(|a, b| (b.admitted, &b.encounter_id).cmp(&(a.admitted, &a.encounter_id)));
            let coded = encounters.iter().filter(|e| !e.codes.is_empty()).count();
            let mut ev = self.event(
                &who,
                AuditAction::CodingViewed,
                Outcome::Success,
                format!(
                    "chart codes: {} encounter(s), {coded} with codes{}",
                    encounters.len(),
                    if withheld.is_empty() {
                        String::new()
                    } else {
                        format!(", {} withheld (restricted)", withheld.len())
                    }
                ),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(ChartCodes {
                encounters,
                withheld_encounters: withheld,
            }))
        })?;
        let mut codes = outcome.map_err(|r| self.refused(&who, r))?;
        // Titles from the code set of each encounter's date (the sets are loaded once).
        if let Ok(sets) = crate::codes::CodeSets::shared() {
            for e in &mut codes.encounters {
                let on = e.discharged.unwrap_or(e.admitted);
                e.titles = e
                    .codes
                    .iter()
                    .map(|c| {
                        crate::codes::check_code(sets, &c.code, Some(c.system), on)
                            .title
                            .unwrap_or_default()
                    })
                    .collect();
            }
        }
        Ok(codes)
    }
}

/// A small deterministic hash (FNV-1a) of an encounter id: the demo's choices per encounter.
fn spread(id: &str, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % 100
}

impl LocalRecords {
    /// The demo's coding history, in one transaction: most encounters discharged over a
    /// fortnight ago are final-coded with the diagnosis their notes name (only codes
    /// `check_code` calls valid on the discharge date), the last days' discharges wait
    /// uncoded, and a few are in progress, on hold or coded awaiting validation. The steps
    /// are dated after discharge and made by the demo's `coder` and `supervisor`.
    /// Deterministic for a given database and day. Returns how many records were written.
    pub fn system_seed_coding(&self, today: chrono::NaiveDate) -> ServiceResult<usize> {
        use crate::codes::CodeSystem;
        use crate::codes::check::{Status, check_code};
        use crate::domain::coding::{HoldReason, age_in_days};
        let sets = code_sets()?;
        let coder = Who {
            username: "coder",
            coder: true,
            supervisor: false,
            validator: false,
        };
        let supervisor = Who {
            username: "supervisor",
            coder: true,
            supervisor: true,
            validator: true,
        };
        let system = Self::system();
        let written = self.store.write(|tx| {
            let problems = tx.problem_codes_by_encounter()?;
            let required_classes = tx.settings()?.coding_validation;
            // Checks per code and per list on a fiscal year are the same for every encounter:
            // done once each.
            let mut checked: HashMap<(String, crate::codes::FiscalYear), Option<String>> =
                HashMap::new();
            let mut lists: HashMap<(Vec<String>, crate::codes::FiscalYear, bool), bool> =
                HashMap::new();
            let mut rows = tx.coding_queue_rows()?;
            rows.sort_by(|a, b| a.encounter_id.cmp(&b.encounter_id));
            let mut written = 0;
            for row in rows {
                let id = row.encounter_id.as_str();
                let age = age_in_days(row.discharged, today);
                let roll = spread(id, 1);
                // What this encounter's coding reached.
                let target = match age {
                    0..=2 => continue,
                    3..=7 if roll < 75 => continue,
                    3..=7 if roll < 92 => CodingStatus::InProgress,
                    3..=7 => CodingStatus::OnHold,
                    8..=20 if roll < 20 => continue,
                    8..=20 if roll < 35 => CodingStatus::InProgress,
                    8..=20 if roll < 45 => CodingStatus::OnHold,
                    8..=20 if roll < 60 => CodingStatus::Coded,
                    _ if roll < 2 => CodingStatus::OnHold,
                    _ if roll < 4 => CodingStatus::Coded,
                    _ => CodingStatus::Final,
                };
                // The codes: the diagnoses noted at the visit, else a follow-up visit code;
                // each must be valid on the discharge date.
                let mut candidates: Vec<String> = problems.get(id).cloned().unwrap_or_default();
                if candidates.is_empty() {
                    candidates.push("Z09".into());
                }
                let inpatient = row.class == EncounterClass::Inpatient;
                let fy = crate::codes::FiscalYear::of(row.discharged);
                let mut codes: Vec<AssignedCode> = Vec::new();
                for c in candidates {
                    let valid = checked
                        .entry((c.clone(), fy))
                        .or_insert_with(|| {
                            let r = check_code(sets, &c, Some(CodeSystem::Icd10Cm), row.discharged);
                            (r.status == Status::Valid).then_some(r.code)
                        })
                        .clone();
                    if let Some(code) = valid
                        && !codes.iter().any(|x| x.code == code)
                    {
                        codes.push(AssignedCode {
                            system: CodeSystem::Icd10Cm,
                            code,
                            poa: inpatient.then_some(validate::Poa::Y),
                        });
                    }
                }
                let mut r = tx.coding_record_or_new(id)?;
                let required = requires_validation(&required_classes, r.class);
                let key: Vec<String> = codes.iter().map(|c| c.code.clone()).collect();
                let valid_list = !codes.is_empty()
                    && *lists.entry((key, fy, inpatient)).or_insert_with(|| {
                        errors_in(
                            &validate::validate(sets, &codes, row.discharged, setting(r.class)).1,
                        )
                        .is_empty()
                    });
                let target = if valid_list
                    || target == CodingStatus::InProgress
                    || target == CodingStatus::OnHold
                {
                    target
                } else {
                    CodingStatus::InProgress
                };
                let start = row
                    .discharged
                    .and_hms_opt(9, 0, 0)
                    .unwrap_or_default()
                    .and_utc()
                    + chrono::Duration::days(1 + (spread(id, 2) % 3) as i64)
                    + chrono::Duration::minutes((spread(id, 3) * 4) as i64);
                let step = |n: i64| {
                    start + chrono::Duration::minutes(n * (6 + (spread(id, 4) % 20) as i64))
                };
                let apply = |r: &mut CodingRecord, a: CodingAction, w: Who, at| {
                    r.apply(a, w, required, at).map(|_| ()).map_err(rule)
                };
                apply(&mut r, CodingAction::Claim, coder, step(0))?;
                if !codes.is_empty() {
                    let v = r
                        .save_codes(codes.clone(), coder, required, step(1))
                        .map_err(rule)?;
                    tx.put_code_list_version(&CodeListVersion {
                        encounter_id: id.to_string(),
                        version: v,
                        codes: codes.clone(),
                        saved_by: "coder".into(),
                        saved_at: step(1),
                        errors: 0,
                        warnings: 0,
                    })?;
                }
                if target == CodingStatus::OnHold {
                    // A query is answered within days or withdrawn: only recent holds wait
                    // on one (`system_seed_queries` sends it); old ones wait on paper.
                    let pick = (spread(id, 5) % 3) as usize;
                    let reason = HoldReason::ALL[if age > 20 { 1 + pick % 2 } else { pick }];
                    let note = match reason {
                        HoldReason::QueryPending => "query sent to the attending about specificity",
                        HoldReason::DocumentationMissing => "discharge summary not yet signed",
                        _ => "pathology report pending",
                    };
                    apply(
                        &mut r,
                        CodingAction::Hold {
                            reason,
                            note: note.into(),
                        },
                        coder,
                        step(2),
                    )?;
                }
                if matches!(target, CodingStatus::Coded | CodingStatus::Final) {
                    let worked = r.worked_seconds("coder", step(2));
                    apply(&mut r, CodingAction::MarkCoded, coder, step(2))?;
                    tx.record_coded(&CodedEvent {
                        encounter_id: id.to_string(),
                        coder: "coder".into(),
                        class: r.class,
                        at: step(2),
                        worked_seconds: worked,
                    })?;
                }
                if target == CodingStatus::Final {
                    if required {
                        apply(&mut r, CodingAction::Validate, supervisor, step(30))?;
                        apply(&mut r, CodingAction::Finalize, supervisor, step(31))?;
                    } else {
                        apply(&mut r, CodingAction::Finalize, coder, step(3))?;
                    }
                }
                tx.put_coding(&mut r, 0)?;
                written += 1;
            }
            tx.append_audit(self.event(
                &system,
                AuditAction::DataSeeded,
                Outcome::Success,
                format!("demo coding history: {written} encounter(s)"),
            ))?;
            Ok(written)
        })?;
        Ok(written)
    }
}
