//! Amendment requests (45 CFR 164.526) in the service. The rules (due dates, the one
//! extension, what each step needs) are `domain::amendment`; here are the permissions, the
//! amendment document appended on acceptance, and the writes. Same pattern as every
//! operation: session -> policy -> read, change and audit entry in one write transaction; a
//! refusal writes nothing but its denial entry.

use super::grants::{Refused, content_grant, grant_for};
use super::{Actor, LocalRecords};
use crate::domain::amendment::{
    AmendmentRequest, AmendmentStatus, AmendmentTarget, Decision, DecisionOutcome,
};
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::patient::Document;
use crate::policy::{self, Grant, Permission, Resource};
use crate::service::{
    AmendmentDecisionInput, ChartAmendments, ServiceResult, SessionToken, StatementKind,
};
use crate::store::{StoreError, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};

/// What a refusal of ManageAmendments is recorded as.
const MANAGING: &str = "amendment requests";
/// What a refusal to read a chart's requests is recorded as.
const READING: &str = "reading amendment requests";
/// The kind of the document an accepted amendment appends.
pub const AMENDMENT_DOCUMENT_KIND: &str = "Amendment";

/// A domain rule's refusal: the text says why, and it reaches the clerk as `Invalid`.
fn rule(e: String) -> StoreError {
    StoreError::Refused(e)
}

/// What a step of a request is about to do, given inside its transaction.
struct Step<'a> {
    tx: &'a mut WriteTx,
    who: &'a Actor,
    /// ViewClinicalText on the request's chart, as sensitive as it is.
    grant: &'a Grant,
    today: NaiveDate,
    now: DateTime<Utc>,
}

/// The target in the audit trail: which document, never the patient's words.
fn audit_target(t: &AmendmentTarget) -> String {
    match t {
        AmendmentTarget::Document { id, .. } => format!("document {id}"),
        AmendmentTarget::Item { .. } => "an item outside the chart's documents".into(),
    }
}

/// ViewClinicalText for the document `doc_id` of chart `mrn`, as sensitive as the chart and
/// the document's encounter are; `Ok(None)` when the document is not in this chart.
fn target_grant(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    doc_id: &str,
) -> Result<Result<Option<Grant>, Refused>, StoreError> {
    match tx.document_place(doc_id)? {
        Some((m, encounter, flag)) if m == mrn => Ok(content_grant(
            tx,
            who,
            now,
            mrn,
            (&encounter, flag),
            Permission::ViewClinicalText,
            MANAGING,
        )?
        .map(|g| Some(g.grant))),
        _ => Ok(Ok(None)),
    }
}

/// Whether `grant` opens document `doc_id`: false for a document of a sensitive encounter
/// under a grant decided for an ordinary record (and for a document that is not there).
fn document_open(tx: &WriteTx, grant: &Grant, doc_id: &str) -> Result<bool, StoreError> {
    Ok(match tx.document_place(doc_id)? {
        Some((_, _, flag)) => flag.is_none() || grant.resource() == Resource::Sensitive,
        None => false,
    })
}

impl LocalRecords {
    /// The session's actor if it may manage amendment requests; a refusal is audited (naming
    /// the patient when the caller named one) before anything about the patient is looked up.
    fn amendment_manager(&self, token: &SessionToken, mrn: Option<&str>) -> ServiceResult<Actor> {
        let who = Actor::from(&self.ready_session(token)?);
        if let Err(r) = policy::authorize(
            &who.subject,
            Permission::ManageAmendments,
            Resource::Ordinary,
        ) {
            return Err(self.refuse(
                &who,
                AuditAction::OperationDenied,
                mrn,
                MANAGING,
                Self::refusal_error(r, MANAGING),
            ));
        }
        Ok(who)
    }

    pub(super) fn log_amendment_request_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        target: AmendmentTarget,
        requested_change: &str,
        received: NaiveDate,
    ) -> ServiceResult<AmendmentRequest> {
        let who = self.amendment_manager(token, Some(mrn))?;
        let now = self.now();
        let today = now.date_naive();
        let by = who.subject.username.clone();
        let outcome = self.store.write(|tx| {
            // The chart decides first: a restricted chart tells nothing of its documents.
            if let Err(r) = grant_for(tx, &who, now, mrn, Permission::ViewClinicalText, MANAGING)? {
                return Ok(Err(r));
            }
            let target = match target {
                AmendmentTarget::Document { id, title } => {
                    let id = id.trim().to_string();
                    let doc = match id.as_str() {
                        "" => None,
                        _ => {
                            if tx.document_place(&id)?.is_none() {
                                return Err(StoreError::NotFound {
                                    what: format!("document {id}"),
                                });
                            }
                            // A document of a restricted encounter is read only with the
                            // grant its encounter needs.
                            let access = match target_grant(tx, &who, now, mrn, &id)? {
                                Ok(Some(g)) => g,
                                Ok(None) => {
                                    return Err(rule(format!(
                                        "document {id} is not in chart {mrn}; log the request \
                                         on the chart it belongs to"
                                    )));
                                }
                                Err(r) => return Ok(Err(r)),
                            };
                            tx.document(&access, &id)?
                        }
                    };
                    let title = match &doc {
                        Some(d) if title.trim().is_empty() => format!("{} {}", d.kind, d.written),
                        _ => title,
                    };
                    AmendmentTarget::Document { id, title }
                }
                item => item,
            };
            // The store assigns the id; the domain checks what was typed first.
            let mut r =
                AmendmentRequest::new("", mrn, target, requested_change, received, today, &by, now)
                    .map_err(rule)?;
            let id = tx.add_amendment(&mut r)?;
            let mut ev = self.event(
                &who,
                AuditAction::AmendmentLogged,
                Outcome::Success,
                format!(
                    "{id}: received {received}, due {}: amend {}",
                    r.due_date(),
                    audit_target(&r.target)
                ),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(r))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn amendment_requests_as(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<ChartAmendments> {
        let who = Actor::from(&self.ready_session(token)?);
        // The role must read clinical text at all before the MRN is looked up, so probing is
        // refused and recorded the same whether the chart exists or not.
        if let Err(r) = policy::authorize(
            &who.subject,
            Permission::ViewClinicalText,
            Resource::Ordinary,
        ) {
            return Err(self.refuse(
                &who,
                AuditAction::OperationDenied,
                Some(mrn),
                READING,
                Self::refusal_error(r, READING),
            ));
        }
        let now = self.now();
        let outcome = self.store.write(|tx| {
            let grant = match grant_for(tx, &who, now, mrn, Permission::ViewClinicalText, READING)?
            {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            // Requests about a restricted encounter's documents are withheld from a user
            // who may not read that encounter, and its documents are left out.
            let mut requests = tx.amendments_for_patient(&grant, mrn)?;
            for r in &mut requests {
                if let AmendmentTarget::Document { id, .. } = &r.target
                    && !document_open(tx, &grant, id)?
                {
                    *r = r.withheld();
                }
            }
            let mut named: Vec<String> = Vec::new();
            let mut appended: Vec<String> = Vec::new();
            for r in requests.iter().filter(|r| !r.withheld) {
                if let AmendmentTarget::Document { id, .. } = &r.target {
                    named.push(id.clone());
                }
                if let Some(Decision {
                    outcome:
                        DecisionOutcome::Accepted {
                            amendment_document_id: Some(d),
                            ..
                        },
                    ..
                }) = &r.decision
                {
                    appended.push(d.clone());
                }
            }
            named.sort();
            named.dedup();
            let mut amended_documents = Vec::new();
            for d in &named {
                if tx
                    .amendments_of_document(&grant, d)?
                    .iter()
                    .any(|r| r.status == AmendmentStatus::Accepted)
                {
                    amended_documents.push(d.clone());
                }
            }
            let mut ids: Vec<String> = named.into_iter().chain(appended).collect();
            ids.sort();
            ids.dedup();
            let mut documents = Vec::new();
            for id in &ids {
                // A named document may since have moved with a merge: it is shown where it is.
                if document_open(tx, &grant, id)?
                    && let Some(d) = tx.document(&grant, id)?
                {
                    documents.push(d);
                }
            }
            let mut ev = self.event(
                &who,
                AuditAction::AmendmentsViewed,
                Outcome::Success,
                format!(
                    "{} request(s), {} document(s)",
                    requests.len(),
                    documents.len()
                ),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(ChartAmendments {
                requests,
                amended_documents,
                documents,
            }))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    /// One step on an existing request: ManageAmendments, the request at the version the clerk
    /// saw, ViewClinicalText on its chart, then `f` (which changes the request and says what
    /// to put in the audit entry), the write and the entry, all in one transaction.
    fn amendment_step(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        action: AuditAction,
        f: impl FnOnce(&mut Step, &mut AmendmentRequest) -> Result<Result<String, Refused>, StoreError>,
    ) -> ServiceResult<AmendmentRequest> {
        let who = self.amendment_manager(token, None)?;
        let now = self.now();
        let today = now.date_naive();
        let outcome = self.store.write(|tx| {
            let Some(found) = tx.amendment(id)? else {
                return Err(StoreError::NotFound {
                    what: format!("amendment request {id}"),
                });
            };
            // The chart's sensitivity is decided before anything else of the request (even
            // who changed it last) is told.
            let grant = match &found.target {
                AmendmentTarget::Document { id: doc, .. } => {
                    match target_grant(tx, &who, now, &found.mrn, doc)? {
                        Ok(Some(g)) => Ok(g),
                        // The document moved to another chart (a merge): the chart decides.
                        Ok(None) => grant_for(
                            tx,
                            &who,
                            now,
                            &found.mrn,
                            Permission::ViewClinicalText,
                            MANAGING,
                        )?,
                        Err(r) => Err(r),
                    }
                }
                AmendmentTarget::Item { .. } => grant_for(
                    tx,
                    &who,
                    now,
                    &found.mrn,
                    Permission::ViewClinicalText,
                    MANAGING,
                )?,
            };
            let grant = match grant {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let mut r = tx.amendment_for_update(id, expected_version)?;
            let mut step = Step {
                tx,
                who: &who,
                grant: &grant,
                today,
                now,
            };
            let reason = match f(&mut step, &mut r)? {
                Ok(reason) => reason,
                Err(refused) => return Ok(Err(refused)),
            };
            tx.put_amendment(&mut r, expected_version)?;
            let mut ev = self.event(&who, action, Outcome::Success, format!("{id}: {reason}"));
            ev.patient = Some(r.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(r))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn extend_amendment_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        reason: &str,
        patient_told: NaiveDate,
    ) -> ServiceResult<AmendmentRequest> {
        self.amendment_step(
            token,
            id,
            expected_version,
            AuditAction::AmendmentExtended,
            |s, r| {
                let by = s.who.subject.username.clone();
                r.extend(reason, patient_told, s.today, &by, s.now)
                    .map_err(rule)?;
                Ok(Ok(format!(
                    "extended to {} (patient told {patient_told})",
                    r.due_date()
                )))
            },
        )
    }

    pub(super) fn decide_amendment_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        decision: AmendmentDecisionInput,
        decided_on: NaiveDate,
    ) -> ServiceResult<AmendmentRequest> {
        self.amendment_step(
            token,
            id,
            expected_version,
            AuditAction::AmendmentDecided,
            |s, r| {
                let by = s.who.subject.username.clone();
                match &decision {
                    AmendmentDecisionInput::Deny {
                        reason,
                        explanation,
                    } => {
                        r.deny(*reason, explanation, decided_on, s.today, &by, s.now)
                            .map_err(rule)?;
                        Ok(Ok(format!("denied {decided_on} ({})", reason.label())))
                    }
                    AmendmentDecisionInput::Accept { amendment_text } => {
                        r.accept(amendment_text, decided_on, s.today, &by, s.now)
                            .map_err(rule)?;
                        let doc = match amendment_document(s, r, decided_on)? {
                            Ok(d) => d,
                            Err(refused) => return Ok(Err(refused)),
                        };
                        s.tx.put_document(&doc)?;
                        r.link_amendment_document(&doc.id, &by, s.now)
                            .map_err(rule)?;
                        Ok(Ok(format!(
                            "accepted {decided_on}: amendment appended as document {} \
                             (encounter {}) to {}",
                            doc.id,
                            doc.encounter_id,
                            audit_target(&r.target)
                        )))
                    }
                }
            },
        )
    }

    pub(super) fn add_amendment_statement_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        kind: StatementKind,
        text: &str,
        dated: NaiveDate,
    ) -> ServiceResult<AmendmentRequest> {
        self.amendment_step(
            token,
            id,
            expected_version,
            AuditAction::AmendmentStatementAdded,
            |s, r| {
                let by = s.who.subject.username.clone();
                let what = match kind {
                    StatementKind::Disagreement => {
                        r.record_disagreement(text, dated, s.today, &by, s.now)
                            .map_err(rule)?;
                        "statement of disagreement"
                    }
                    StatementKind::Rebuttal => {
                        r.record_rebuttal(text, dated, s.today, &by, s.now)
                            .map_err(rule)?;
                        "rebuttal"
                    }
                };
                Ok(Ok(format!("{what} dated {dated}")))
            },
        )
    }

    pub(super) fn amendment_worklist_as(
        &self,
        token: &SessionToken,
    ) -> ServiceResult<Vec<AmendmentRequest>> {
        let who = Actor::from(&self.ready_session(token)?);
        let grant = self.permit(&who, Permission::ManageAmendments, MANAGING)?;
        let now = self.now();
        let today = now.date_naive();
        Ok(self.store.write(|tx| {
            let mut list = tx.pending_amendments(&grant)?;
            // A restricted chart's (or encounter's) request shows its deadline, not its
            // words, unless this user may read that record now (role or live glass).
            let mut withheld = 0;
            for r in &mut list {
                let chart_open = |tx: &WriteTx| -> Result<bool, StoreError> {
                    Ok(grant_for(
                        tx,
                        &who,
                        now,
                        &r.mrn,
                        Permission::ViewClinicalText,
                        MANAGING,
                    )?
                    .is_ok())
                };
                let open = match &r.target {
                    AmendmentTarget::Document { id, .. } => {
                        match target_grant(tx, &who, now, &r.mrn, id)? {
                            Ok(Some(_)) => true,
                            Ok(None) => chart_open(tx)?,
                            Err(_) => false,
                        }
                    }
                    AmendmentTarget::Item { .. } => chart_open(tx)?,
                };
                if !open {
                    *r = r.withheld();
                    withheld += 1;
                }
            }
            list.sort_by(|a, b| {
                (a.due_date(), a.received, &a.id).cmp(&(b.due_date(), b.received, &b.id))
            });
            let overdue = list.iter().filter(|r| r.is_overdue(today)).count();
            tx.append_audit(self.event(
                &who,
                AuditAction::AmendmentsViewed,
                Outcome::Success,
                format!(
                    "amendment work list: {} pending, {overdue} overdue{}",
                    list.len(),
                    if withheld > 0 {
                        format!(", {withheld} withheld (restricted)")
                    } else {
                        String::new()
                    }
                ),
            ))?;
            Ok(list)
        })?)
    }
}

/// The document an accepted amendment appends: filed under the amended document's encounter,
/// or the patient's most recent one when the target is not a document; it says what it
/// amends, then the amendment.
fn amendment_document(
    s: &mut Step,
    r: &AmendmentRequest,
    decided_on: NaiveDate,
) -> Result<Result<Document, Refused>, StoreError> {
    let text = match &r.decision {
        Some(Decision {
            outcome: DecisionOutcome::Accepted { amendment_text, .. },
            ..
        }) => amendment_text.clone(),
        _ => {
            return Err(StoreError::Internal(
                "an amendment document for a request that is not accepted".into(),
            ));
        }
    };
    let encounter_id = match &r.target {
        AmendmentTarget::Document { id, .. } => match s.tx.document(s.grant, id)? {
            Some(d) if d.mrn == r.mrn => d.encounter_id,
            Some(d) => {
                return Err(rule(format!(
                    "document {id} is now in chart {}; the amendment cannot be filed in chart {}",
                    d.mrn, r.mrn
                )));
            }
            None => {
                return Err(StoreError::NotFound {
                    what: format!("document {id}"),
                });
            }
        },
        AmendmentTarget::Item { .. } => {
            let grant = match grant_for(
                s.tx,
                s.who,
                s.now,
                &r.mrn,
                Permission::ViewEncounters,
                MANAGING,
            )? {
                Ok(g) => g,
                Err(refused) => return Ok(Err(refused)),
            };
            // An amendment of an item outside the documents is not filed under a restricted
            // encounter while an ordinary one exists: it would become restricted with it.
            let flagged: Vec<String> =
                s.tx.encounter_flags(&r.mrn)?
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
            let encounters = s.tx.encounters_for(&grant, &r.mrn)?;
            let newest = |ordinary_only: bool| {
                encounters
                    .iter()
                    .filter(|e| !ordinary_only || !flagged.contains(&e.id))
                    .max_by(|a, b| (a.admitted, &a.id).cmp(&(b.admitted, &b.id)))
            };
            match newest(true).or_else(|| newest(false)) {
                Some(e) => e.id.clone(),
                None => {
                    return Err(rule(format!(
                        "chart {} has no encounter to file the amendment under; register the \
                         visit first",
                        r.mrn
                    )));
                }
            }
        }
    };
    Ok(Ok(Document {
        id: s.tx.next_document_id()?,
        mrn: r.mrn.clone(),
        encounter_id,
        kind: AMENDMENT_DOCUMENT_KIND.into(),
        author: s.who.subject.username.clone(),
        written: decided_on,
        text: format!(
            "Amendment to {} (request {}, received {}, accepted {decided_on}).\n\n{text}",
            r.target.describe(),
            r.id,
            r.received,
        ),
        moved_from: None,
        version: 1,
    }))
}
