//! Master patient index work in the service: demographic corrections and their history, the
//! duplicate work list, decisions and merges. Same pattern as every operation: session ->
//! policy -> work and audit entry in one write transaction.

use super::{Actor, LocalRecords};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::matching::{MatchRecord, scan};
use crate::domain::mpi::{self, CaseDecision, CaseStatus, DuplicateCase, Rescan};
use crate::domain::patient::{NewPatient, Patient};
use crate::domain::search::{Hit, SearchKey};
use crate::policy::{self, Permission, Refusal, Resource};
use crate::service::{
    DuplicateCaseRow, DuplicatePair, DuplicateReview, ScanOutcome, ServiceError, ServiceResult,
    SessionToken,
};
use crate::store::{MergeActor, StoreError, WriteTx};

/// Duplicate cases written per transaction by a scan.
const SCAN_BATCH: usize = 5_000;
fn resource_of(sensitivity: Option<crate::domain::Sensitivity>) -> Resource {
    if sensitivity.is_some() {
        Resource::Sensitive
    } else {
        Resource::Ordinary
    }
}

/// A refusal decided inside a transaction: what was refused, for which patient.
pub(super) struct Refused {
    refusal: Refusal,
    mrn: String,
    what: &'static str,
}

/// The grant for `permission` on this patient's chart as sensitive as it is; a refusal comes
/// back as a value for the caller to audit after the transaction.
pub(super) fn grant_for(
    tx: &WriteTx,
    who: &Actor,
    mrn: &str,
    permission: Permission,
    what: &'static str,
) -> Result<Result<policy::Grant, Refused>, StoreError> {
    let Some(sensitivity) = tx.patient_sensitivity(mrn)? else {
        return Err(StoreError::NotFound {
            what: format!("patient {mrn}"),
        });
    };
    Ok(
        policy::authorize(&who.subject, permission, resource_of(sensitivity)).map_err(|refusal| {
            Refused {
                refusal,
                mrn: mrn.to_string(),
                what,
            }
        }),
    )
}

impl LocalRecords {
    /// Turns a refusal found inside a transaction into the audited error.
    pub(super) fn refused(&self, who: &Actor, r: Refused) -> ServiceError {
        let what = match r.refusal {
            Refusal::Denied => r.what,
            Refusal::NeedsBreakGlass => "restricted chart",
        };
        self.refuse(
            who,
            AuditAction::OperationDenied,
            Some(&r.mrn),
            what,
            Self::refusal_error(r.refusal, what),
        )
    }

    /// The session's actor, if it may work the duplicate list (refusals audited).
    fn reviewer(&self, token: &SessionToken) -> ServiceResult<Actor> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(
            &who,
            Permission::ReviewDuplicates,
            "the duplicate work list",
        )?;
        Ok(who)
    }

    /// One audit entry per chart of the case, so each chart's access log shows it.
    fn audit_both(
        &self,
        tx: &mut WriteTx,
        who: &Actor,
        action: AuditAction,
        case: &DuplicateCase,
        reason: &str,
    ) -> Result<(), StoreError> {
        for mrn in [&case.a, &case.b] {
            let mut ev = self.event(
                who,
                action,
                Outcome::Success,
                format!("case {}{reason}", case.id),
            );
            ev.patient = Some(mrn.clone());
            tx.append_audit(ev)?;
        }
        Ok(())
    }

    pub(super) fn index_upsert_all(&self, keys: Vec<SearchKey>) {
        for k in keys {
            self.index_upsert(k);
        }
    }

    pub(super) fn update_patient_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        expected_version: u64,
        p: NewPatient,
    ) -> ServiceResult<Patient> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(
            &who,
            Permission::EditDemographics,
            "correcting demographics",
        )?;
        let now = self.now();
        p.validate(now.date_naive())
            .map_err(ServiceError::Invalid)?;
        let mut ev = self.event(&who, AuditAction::DemographicsChanged, Outcome::Success, "");
        ev.patient = Some(mrn.to_string());
        let outcome = self.store.write(|tx| {
            let grant = match grant_for(
                tx,
                &who,
                mrn,
                Permission::EditDemographics,
                "correcting demographics",
            )? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let Some(old) = tx.patient(&grant, mrn)? else {
                return Err(StoreError::NotFound {
                    what: format!("patient {mrn}"),
                });
            };
            if let Some(into) = &old.merged_into {
                return Err(StoreError::Refused(format!(
                    "{mrn} was merged into {into}; correct the surviving chart {into} instead"
                )));
            }
            let mut new = old.with_edit(&p, now, &who.subject.username);
            let changed = old.changed_fields(&new);
            if changed.is_empty() {
                return Err(StoreError::Refused(
                    "nothing was changed; there is no new version to save".into(),
                ));
            }
            let key = tx.put_patient(&mut new, Some(expected_version))?;
            ev.reason = format!(
                "version {} -> {}: {}",
                expected_version,
                new.version,
                changed.join(", ")
            );
            tx.append_audit(ev)?;
            Ok(Ok((new, key)))
        })?;
        match outcome {
            Ok((patient, key)) => {
                self.index_upsert(key);
                Ok(patient)
            }
            Err(r) => Err(self.refused(&who, r)),
        }
    }

    pub(super) fn patient_history_as(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<Vec<Patient>> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        self.permit(&who, Permission::ViewDemographics, "demographic history")?;
        let mut ev = self.event(
            &who,
            AuditAction::DemographicHistoryViewed,
            Outcome::Success,
            "",
        );
        ev.patient = Some(mrn.to_string());
        let outcome = self.store.write(|tx| {
            let grant = match grant_for(
                tx,
                &who,
                mrn,
                Permission::ViewDemographics,
                "demographic history",
            )? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let versions = tx.patient_versions(&grant, mrn)?;
            ev.reason = format!("{} version(s)", versions.len());
            tx.append_audit(ev)?;
            Ok(Ok(versions))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    /// Scans every live patient for likely duplicate pairs and brings the work list up to
    /// date: new pairs open a case, pending ones get the new weight, decided ones are left as
    /// decided (a "not a duplicate" is remembered).
    pub fn system_duplicate_scan(&self) -> ServiceResult<ScanOutcome> {
        self.system_duplicate_scan_in_batches(SCAN_BATCH)
    }

    /// [`Self::system_duplicate_scan`] writing `batch` cases per transaction (tests use small
    /// batches to see the batching).
    pub fn system_duplicate_scan_in_batches(&self, batch: usize) -> ServiceResult<ScanOutcome> {
        let batch = batch.max(1);
        let settings = self.settings()?;
        let mut keys: Vec<SearchKey> = Vec::new();
        self.store.read(|r| {
            r.for_each_search_key(|k| {
                if k.merged_into.is_none() {
                    keys.push(k);
                }
                true
            })
        })?;
        let records: Vec<MatchRecord> = keys.iter().map(MatchRecord::from_key).collect();
        let review = f64::from(settings.duplicate_review_weight);
        let very_likely = f64::from(settings.duplicate_very_likely_weight);
        let pairs: Vec<DuplicatePair> = scan(&records, review)
            .into_iter()
            .map(|(i, j, weight)| DuplicatePair {
                a: keys[i].clone(),
                b: keys[j].clone(),
                weight,
                very_likely: weight >= very_likely,
            })
            .collect();
        let who = Self::system();
        let now = self.now();
        let by = who.subject.username.clone();
        let likely = pairs.iter().filter(|p| p.very_likely).count();
        // Cases are written in batches, each its own durable, audited transaction: a million
        // patients' scan does not hold the writer (and every clerk's save) for one long
        // commit, and a scan cut short leaves whole batches that the next scan carries on from.
        let batches = pairs.len().div_ceil(batch).max(1);
        let (mut new_cases, mut remembered) = (0, 0);
        // An empty scan still writes its (audited) batch.
        let chunks: Vec<&[DuplicatePair]> = if pairs.is_empty() {
            vec![&[]]
        } else {
            pairs.chunks(batch).collect()
        };
        for (n, chunk) in chunks.into_iter().enumerate() {
            let (batch_new, batch_remembered, changed) = self.store.write(|tx| {
                let (mut new_cases, mut remembered) = (0, 0);
                let mut changed = Vec::new();
                for p in chunk {
                    let (id, _, _) = mpi::case_key(&p.a.mrn, &p.b.mrn);
                    let existing = tx.duplicate_case(&id)?;
                    let weight = (p.weight * 10.0).round() / 10.0;
                    match (mpi::on_rescan(existing.as_ref()), existing) {
                        (Rescan::New, _) => {
                            let mut c = DuplicateCase::new(
                                &p.a.mrn,
                                &p.b.mrn,
                                Some(weight),
                                p.very_likely,
                                "duplicate scan",
                                now,
                                &by,
                            );
                            changed.extend(tx.put_duplicate_case(&mut c, None)?);
                            new_cases += 1;
                        }
                        (Rescan::Refresh | Rescan::Reopen, Some(mut c)) => {
                            let v = c.version;
                            if c.status == CaseStatus::Superseded {
                                c.status = CaseStatus::Open;
                                c.history.push(mpi::CaseEvent {
                                    at: now,
                                    by: by.clone(),
                                    status: CaseStatus::Open,
                                    note: "found again by the duplicate scan".into(),
                                });
                                new_cases += 1;
                            }
                            c.weight = Some(weight);
                            c.very_likely = p.very_likely;
                            changed.extend(tx.put_duplicate_case(&mut c, Some(v))?);
                        }
                        _ => remembered += 1,
                    }
                }
                tx.append_audit(self.event(
                    &who,
                    AuditAction::DuplicateScan,
                    Outcome::Success,
                    format!(
                        "{} patients scanned: {} pairs ({likely} very likely); batch {} of {batches}: {new_cases} new to the work list, {remembered} decided earlier",
                        keys.len(),
                        pairs.len(),
                        n + 1
                    ),
                ))?;
                Ok((new_cases, remembered, changed))
            })?;
            new_cases += batch_new;
            remembered += batch_remembered;
            self.index_upsert_all(changed);
        }
        Ok(ScanOutcome {
            pairs,
            new_cases,
            remembered,
        })
    }

    /// Opens a case for each existing chart a clerk registered a new patient over: the
    /// clerk's reason goes with it, and an analyst takes a second look.
    pub(super) fn open_registration_cases(
        &self,
        tx: &mut WriteTx,
        who: &Actor,
        mrn: &str,
        overrode: &[String],
        reason: &str,
    ) -> Result<Vec<SearchKey>, StoreError> {
        let mut changed = Vec::new();
        let found = format!(
            "registered over a likely match: {}",
            reason.chars().take(200).collect::<String>()
        );
        for other in overrode {
            let mut c = DuplicateCase::new(
                mrn,
                other,
                None,
                false,
                &found,
                self.now(),
                &who.subject.username,
            );
            changed.extend(tx.put_duplicate_case(&mut c, None)?);
        }
        Ok(changed)
    }

    /// Puts a pair on the work list by hand (tools, imports that know of a possible
    /// duplicate). An existing case for the pair is left as it is.
    pub fn system_open_case(&self, x: &str, y: &str, found: &str) -> ServiceResult<()> {
        let who = Self::system();
        let now = self.now();
        let changed = self.store.write(|tx| {
            let (id, _, _) = mpi::case_key(x, y);
            if tx.duplicate_case(&id)?.is_some() {
                return Ok(Vec::new());
            }
            for mrn in [x, y] {
                if tx.patient_sensitivity(mrn)?.is_none() {
                    return Err(StoreError::NotFound {
                        what: format!("patient {mrn}"),
                    });
                }
            }
            let mut c = DuplicateCase::new(x, y, None, false, found, now, &who.subject.username);
            let keys = tx.put_duplicate_case(&mut c, None)?;
            tx.append_audit(self.event(
                &who,
                AuditAction::DuplicateDecided,
                Outcome::Success,
                format!("case {id} opened: {found}"),
            ))?;
            Ok(keys)
        })?;
        self.index_upsert_all(changed);
        Ok(())
    }

    pub(super) fn duplicate_cases_as(
        &self,
        token: &SessionToken,
        include_decided: bool,
    ) -> ServiceResult<Vec<DuplicateCaseRow>> {
        let who = self.reviewer(token)?;
        let rows = self.store.read(|r| {
            let mut rows = Vec::new();
            for case in r.duplicate_cases()? {
                if !include_decided && !case.status.is_active() {
                    continue;
                }
                let a = r.search_key(&case.a)?.as_ref().map(Hit::from_key);
                let b = r.search_key(&case.b)?.as_ref().map(Hit::from_key);
                rows.push(DuplicateCaseRow { case, a, b });
            }
            Ok(rows)
        })?;
        let mut rows = rows;
        // Approvals waiting first, then the strongest evidence; registrations (no weight)
        // sort with the very likely, as a clerk already saw the match.
        let rank = |r: &DuplicateCaseRow| {
            (
                r.case.status == CaseStatus::MergeRequested,
                r.case.status.is_active(),
                r.case.very_likely || r.case.weight.is_none(),
                (r.case.weight.unwrap_or(f64::MAX) * 10.0) as i64,
            )
        };
        rows.sort_by(|x, y| rank(y).cmp(&rank(x)).then(x.case.id.cmp(&y.case.id)));
        self.audit(self.event(
            &who,
            AuditAction::DuplicateListViewed,
            Outcome::Success,
            format!("{} case(s)", rows.len()),
        ))?;
        Ok(rows)
    }

    pub(super) fn review_duplicate_as(
        &self,
        token: &SessionToken,
        case_id: &str,
    ) -> ServiceResult<DuplicateReview> {
        let who = self.reviewer(token)?;
        let outcome = self.store.write(|tx| {
            let case = tx
                .duplicate_case(case_id)?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("duplicate case {case_id}"),
                })?;
            let mut sides = Vec::new();
            for mrn in [case.a.clone(), case.b.clone()] {
                let what = "reviewing duplicates";
                let grants = (
                    grant_for(tx, &who, &mrn, Permission::ViewDemographics, what)?,
                    grant_for(tx, &who, &mrn, Permission::ViewEncounters, what)?,
                );
                let (demo, encs) = match grants {
                    (Ok(d), Ok(e)) => (d, e),
                    (Err(r), _) | (_, Err(r)) => return Ok(Err(r)),
                };
                let patient = tx
                    .patient(&demo, &mrn)?
                    .ok_or_else(|| StoreError::NotFound {
                        what: format!("patient {mrn}"),
                    })?;
                let encounters = tx.encounters_for(&encs, &mrn)?;
                let last = encounters
                    .iter()
                    .map(|e| e.discharged.unwrap_or(e.admitted))
                    .max();
                sides.push((patient, encounters.len(), last));
            }
            self.audit_both(tx, &who, AuditAction::DuplicateReviewed, &case, "")?;
            let merge = match case.merge_id {
                Some(id) => tx.merge(id)?,
                None => None,
            };
            let (b, a) = (sides.pop(), sides.pop());
            let (Some(a), Some(b)) = (a, b) else {
                return Err(StoreError::Internal(
                    "review read fewer than two charts".into(),
                ));
            };
            Ok(Ok(DuplicateReview {
                comparison: mpi::compare(&a.0, &b.0),
                case,
                a: a.0,
                b: b.0,
                a_encounters: a.1,
                b_encounters: b.1,
                a_last_visit: a.2,
                b_last_visit: b.2,
                merge,
            }))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn decide_duplicate_as(
        &self,
        token: &SessionToken,
        case_id: &str,
        expected_version: u64,
        decision: CaseDecision,
        note: &str,
    ) -> ServiceResult<DuplicateCase> {
        let who = self.reviewer(token)?;
        // Merges and their undo need a supervisor; analysts ask for one instead.
        let approver = if decision.needs_approver() {
            Some(self.permit(&who, Permission::ApproveMerge, "approving merges")?)
        } else {
            None
        };
        let now = self.now();
        let by = who.subject.username.clone();
        let (case, changed) = self.store.write(|tx| {
            let mut case = tx
                .duplicate_case(case_id)?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("duplicate case {case_id}"),
                })?;
            if case.version != expected_version {
                return Err(StoreError::Conflict {
                    table: "duplicate case".into(),
                    key: case.id.clone(),
                    by: Some(case.updated_by.clone()),
                    at: Some(case.updated_at),
                });
            }
            let requested_by = case
                .history
                .iter()
                .rev()
                .find(|e| e.status == CaseStatus::MergeRequested)
                .map(|e| e.by.clone());
            case.apply(&decision, note, &by, now)
                .map_err(StoreError::Refused)?;
            let actor = MergeActor { by: &by, at: now };
            let mut changed = Vec::new();
            let (action, reason) = match (&decision, &approver) {
                (CaseDecision::Merge { survivor }, Some(grant)) => {
                    let retired = case.other(survivor).to_string();
                    let (record, keys) = tx.merge_patients(
                        grant,
                        survivor,
                        &retired,
                        Some(&case.id),
                        requested_by.clone(),
                        &actor,
                    )?;
                    changed.extend(keys);
                    case.merge_id = Some(record.id);
                    (
                        AuditAction::PatientsMerged,
                        format!(
                            "merge {}: {retired} into {survivor}, {} encounter(s) and {} document(s) moved{}",
                            record.id,
                            record.encounters.len(),
                            record.documents.len(),
                            requested_by
                                .map(|r| format!(", requested by {r}"))
                                .unwrap_or_default()
                        ),
                    )
                }
                (CaseDecision::UndoMerge, Some(grant)) => {
                    let id = case.merge_id.ok_or_else(|| {
                        StoreError::Refused("this case has no merge recorded to undo".into())
                    })?;
                    let (record, keys) = tx.undo_merge(grant, id, &actor, note.trim())?;
                    changed.extend(keys);
                    case.merge_id = None;
                    (
                        AuditAction::MergeUndone,
                        format!(
                            "merge {id} undone: {} separated from {}: {}",
                            record.retired,
                            record.survivor,
                            note.trim()
                        ),
                    )
                }
                _ => (
                    AuditAction::DuplicateDecided,
                    case.history
                        .last()
                        .map(|e| e.note.clone())
                        .unwrap_or_default(),
                ),
            };
            self.audit_both(tx, &who, action, &case, &format!(": {reason}"))?;
            changed.extend(tx.put_duplicate_case(&mut case, Some(expected_version))?);
            Ok((case, changed))
        })?;
        self.index_upsert_all(changed);
        Ok(case)
    }
}
