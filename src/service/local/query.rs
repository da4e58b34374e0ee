//! Physician queries (issue 6) in the service: a coder sends a compliant query about an
//! encounter in hand, and the encounter goes on hold ("query pending") in the same
//! transaction; the clinician asked answers it from their work queue (F6), and when the last
//! open query of the encounter closes (answered or withdrawn) the hold ends by itself and the
//! encounter is back in its coder's hands. The rules are `domain::query` (compliance of the
//! draft, the answer) and `domain::coding` (the hold); here are permissions, grants, writes
//! and audit entries.

use super::grants::{Refused, content_grant};
use super::{Actor, LocalRecords};
use crate::domain::Document;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::coding::{CodingAction, CodingRecord, CodingStatus, HoldReason, Who};
use crate::domain::query::{self, PhysicianQuery, QueryAnswer, QueryDraft, QueryStatus};
use crate::policy::{self, Decision, Permission, Refusal, Resource, Subject};
use crate::service::{MyQueries, QueryItem, QueryRecipient, ServiceResult, SessionToken};
use crate::store::{StoreError, WriteTx};
use chrono::{DateTime, Utc};

/// What a refusal is recorded as.
const QUERIES: &str = "physician queries";
/// A coder's answered and withdrawn queries stay on their work queue this long.
pub const CLOSED_SHOWN_DAYS: i64 = 30;

fn allowed(s: &Subject, p: Permission) -> bool {
    policy::decide(&s.roles, p, Resource::Ordinary) == Decision::Allow
}

fn who_of(s: &Subject) -> Who<'_> {
    Who {
        username: &s.username,
        coder: allowed(s, Permission::EditCodes),
        supervisor: allowed(s, Permission::AssignWork),
        validator: allowed(s, Permission::ValidateCoding),
    }
}

fn rule(e: impl Into<String>) -> StoreError {
    StoreError::Refused(e.into())
}

/// The encounter's patient and the clinical-text grant on it, or the refusal.
fn text_grant(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    encounter_id: &str,
) -> Result<Result<(String, policy::Grant), Refused>, StoreError> {
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
        Permission::ViewClinicalText,
        QUERIES,
    )?
    .map(|g| (mrn, g.grant)))
}

impl LocalRecords {
    /// Ends a "query pending" hold when `query` was the encounter's last open query: the
    /// encounter goes back to its coder, recorded as a coding step by whoever closed it.
    fn close_query_hold(
        &self,
        tx: &mut WriteTx,
        who: &Actor,
        now: DateTime<Utc>,
        q: &PhysicianQuery,
    ) -> Result<Option<CodingRecord>, StoreError> {
        let encounter = q.draft.encounter_id.as_str();
        if tx.open_query_count(encounter)? > 0 {
            return Ok(None);
        }
        let Some(mut r) = tx.coding_record(encounter)? else {
            return Ok(None);
        };
        if r.status != CodingStatus::OnHold || r.hold != Some(HoldReason::QueryPending) {
            return Ok(None);
        }
        let stored = r.version;
        let required =
            crate::domain::coding::requires_validation(&tx.settings()?.coding_validation, r.class);
        r.apply(
            CodingAction::QueryClosed {
                query: q.id.clone(),
            },
            who_of(&who.subject),
            required,
            now,
        )
        .map_err(rule)?;
        tx.put_coding(&mut r, stored)?;
        let mut ev = self.event(
            who,
            AuditAction::CodingChanged,
            Outcome::Success,
            format!(
                "{encounter}: off hold, {} closed; back with {}",
                q.id,
                r.assigned.as_deref().unwrap_or("the queue")
            ),
        );
        ev.patient = Some(r.mrn.clone());
        tx.append_audit(ev)?;
        Ok(Some(r))
    }

    pub(super) fn query_recipients_as(
        &self,
        token: &SessionToken,
    ) -> ServiceResult<Vec<QueryRecipient>> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::EditCodes, QUERIES)?;
        let users = self.store.read(|r| r.users())?;
        let mut out: Vec<QueryRecipient> = users
            .into_iter()
            .filter(|u| {
                u.status == crate::domain::UserStatus::Active
                    && policy::decide(&u.roles, Permission::AnswerQueries, Resource::Ordinary)
                        == Decision::Allow
            })
            .map(|u| QueryRecipient {
                username: u.username,
                full_name: u.full_name,
            })
            .collect();
        out.sort_by(|a, b| a.full_name.cmp(&b.full_name));
        Ok(out)
    }

    pub(super) fn send_query_as(
        &self,
        token: &SessionToken,
        draft: QueryDraft,
        coding_version: u64,
    ) -> ServiceResult<PhysicianQuery> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::UseCoding, "the coding queue")?;
        self.permit(&who, Permission::EditCodes, QUERIES)?;
        let now = self.now();
        let mut draft = draft;
        draft.to = draft.to.trim().to_string();
        let outcome = self.store.write(|tx| {
            let encounter = draft.encounter_id.clone();
            let (mrn, grant) = match text_grant(tx, &who, now, &encounter)? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let mut r = tx.coding_record_or_new(&encounter)?;
            let stored = r.version;
            if coding_version != stored {
                // put_coding words the conflict (who changed it, when).
                tx.put_coding(&mut r, coding_version)?;
            }
            let me = who.subject.username.as_str();
            if !r.open_to_query_by(me) {
                return Err(rule(format!(
                    "send a query on an encounter you are coding: {encounter} is {}{}",
                    r.status.label().to_lowercase(),
                    r.assigned
                        .as_deref()
                        .map(|a| format!(" with {a}"))
                        .unwrap_or_default()
                )));
            }
            match tx.user(&draft.to)? {
                Some(u)
                    if u.status == crate::domain::UserStatus::Active
                        && policy::decide(
                            &u.roles,
                            Permission::AnswerQueries,
                            Resource::Ordinary,
                        ) == Decision::Allow => {}
                _ => {
                    return Err(rule(format!(
                        "{} is not an active clinician who answers queries",
                        if draft.to.is_empty() {
                            "nobody"
                        } else {
                            &draft.to
                        }
                    )));
                }
            }
            let record: Vec<(String, String)> = tx
                .documents_for_encounter(&grant, &encounter)?
                .into_iter()
                .map(|d: Document| (d.id, d.text))
                .collect();
            let problems = query::check(&draft, &record);
            if !problems.is_empty() {
                return Err(rule(format!(
                    "the query cannot be sent yet: {}",
                    problems.join(" ")
                )));
            }
            let mut q = PhysicianQuery {
                id: String::new(),
                mrn: mrn.clone(),
                draft: draft.clone(),
                status: QueryStatus::Open,
                sent_by: me.to_string(),
                sent_at: now,
                answer: None,
                withdrawn: None,
                version: 0,
            };
            let id = tx.add_query(&mut q)?;
            if r.status == CodingStatus::InProgress {
                let required = crate::domain::coding::requires_validation(
                    &tx.settings()?.coding_validation,
                    r.class,
                );
                r.apply(
                    CodingAction::Hold {
                        reason: HoldReason::QueryPending,
                        note: format!("{id} to {}", draft.to),
                    },
                    who_of(&who.subject),
                    required,
                    now,
                )
                .map_err(rule)?;
                tx.put_coding(&mut r, stored)?;
            }
            let mut ev = self.event(
                &who,
                AuditAction::QuerySent,
                Outcome::Success,
                format!(
                    "{id} on {encounter} to {}: {}, {} indicator(s)",
                    draft.to,
                    draft.kind.label(),
                    draft.indicators.len()
                ),
            );
            ev.patient = Some(mrn);
            tx.append_audit(ev)?;
            Ok(Ok(q))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    /// Answer or withdraw: the query at the version the user saw, still open, and the
    /// clinical-text grant on its encounter; `close` fills in the answer or the withdrawal.
    fn close_query(
        &self,
        who: &Actor,
        id: &str,
        expected_version: u64,
        may: impl Fn(&PhysicianQuery) -> Result<(), String>,
        close: impl Fn(&mut PhysicianQuery) -> Result<(AuditAction, String), String>,
    ) -> ServiceResult<PhysicianQuery> {
        let now = self.now();
        let outcome = self.store.write(|tx| {
            let Some(mut q) = tx.query(id)? else {
                return Err(StoreError::NotFound {
                    what: format!("query {id}"),
                });
            };
            let (mrn, _grant) = match text_grant(tx, who, now, &q.draft.encounter_id)? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            if q.version != expected_version {
                tx.put_query(&mut q, expected_version)?;
            }
            may(&q).map_err(rule)?;
            if q.status != QueryStatus::Open {
                return Err(rule(format!(
                    "{id} is already {}",
                    match q.status {
                        QueryStatus::Answered => "answered",
                        _ => "withdrawn",
                    }
                )));
            }
            let (action, words) = close(&mut q).map_err(rule)?;
            tx.put_query(&mut q, expected_version)?;
            let mut ev = self.event(who, action, Outcome::Success, words);
            ev.patient = Some(mrn);
            tx.append_audit(ev)?;
            self.close_query_hold(tx, who, now, &q)?;
            Ok(Ok(q))
        })?;
        outcome.map_err(|r| self.refused(who, r))
    }

    pub(super) fn answer_query_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        choice: Option<&str>,
        words: &str,
    ) -> ServiceResult<PhysicianQuery> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(
            &who,
            Permission::AnswerQueries,
            "answering physician queries",
        )?;
        let me = who.subject.username.clone();
        let now = self.now();
        self.close_query(
            &who,
            id,
            expected_version,
            |q| {
                if q.draft.to == me {
                    Ok(())
                } else {
                    Err(format!("{id} is addressed to {}, not to you", q.draft.to))
                }
            },
            |q| {
                let text = query::answer_text(&q.draft.form, choice, words)?;
                let summary = format!("{id} on {} answered: {text}", q.draft.encounter_id);
                q.answer = Some(QueryAnswer {
                    text,
                    by: me.clone(),
                    at: now,
                });
                q.status = QueryStatus::Answered;
                Ok((AuditAction::QueryAnswered, summary))
            },
        )
    }

    pub(super) fn withdraw_query_as(
        &self,
        token: &SessionToken,
        id: &str,
        expected_version: u64,
        reason: &str,
    ) -> ServiceResult<PhysicianQuery> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::EditCodes, QUERIES)?;
        let me = who.subject.username.clone();
        let supervisor = allowed(&who.subject, Permission::AssignWork);
        let now = self.now();
        let reason = reason.trim().to_string();
        self.close_query(
            &who,
            id,
            expected_version,
            |q| {
                if q.sent_by == me || supervisor {
                    Ok(())
                } else {
                    Err(format!(
                        "only {} or a supervisor can withdraw {id}",
                        q.sent_by
                    ))
                }
            },
            |q| {
                if reason.is_empty() {
                    return Err("say why the query is withdrawn".into());
                }
                if reason.chars().count() > query::MAX_TEXT_CHARS {
                    return Err("the reason is too long".into());
                }
                let summary = format!("{id} on {} withdrawn: {reason}", q.draft.encounter_id);
                q.withdrawn = Some(QueryAnswer {
                    text: reason.clone(),
                    by: me.clone(),
                    at: now,
                });
                q.status = QueryStatus::Withdrawn;
                Ok((AuditAction::QueryWithdrawn, summary))
            },
        )
    }

    /// The queries on an encounter for the coding workspace, when the user may read its
    /// clinical text (billing may not: no queries then).
    pub(super) fn encounter_queries(
        &self,
        tx: &WriteTx,
        who: &Actor,
        now: DateTime<Utc>,
        encounter_id: &str,
    ) -> Result<Vec<PhysicianQuery>, StoreError> {
        match text_grant(tx, who, now, encounter_id)? {
            Ok((_, grant)) => tx.queries_for_encounter(&grant, encounter_id),
            Err(_) => Ok(Vec::new()),
        }
    }

    pub(super) fn my_queries_as(&self, token: &SessionToken) -> ServiceResult<MyQueries> {
        let who = Actor::from(&self.ready_session(token)?);
        let answers = allowed(&who.subject, Permission::AnswerQueries);
        let sends = allowed(&who.subject, Permission::EditCodes);
        if !answers && !sends {
            self.permit(&who, Permission::AnswerQueries, QUERIES)?;
        }
        let now = self.now();
        let today = now.date_naive();
        let me = who.subject.username.clone();
        let out = self.store.write(|tx| {
            let mut out = MyQueries {
                to_answer: Vec::new(),
                sent: Vec::new(),
                withheld: Vec::new(),
                today,
            };
            for q in tx.queries_of_user(&me)? {
                let mine_to_answer = answers && q.draft.to == me && q.status == QueryStatus::Open;
                let closed_at = q.answer.as_ref().or(q.withdrawn.as_ref()).map(|a| a.at);
                let mine_sent = sends
                    && q.sent_by == me
                    && closed_at.is_none_or(|at| (now - at).num_days() < CLOSED_SHOWN_DAYS);
                if !mine_to_answer && !mine_sent {
                    continue;
                }
                let mrn = match text_grant(tx, &who, now, &q.draft.encounter_id)? {
                    Ok((mrn, _)) => mrn,
                    Err(r) if r.refusal == Refusal::NeedsBreakGlass => {
                        out.withheld.push((q.id.clone(), r.mrn, q.age_days(today)));
                        continue;
                    }
                    Err(_) => continue,
                };
                let grant = |p| super::grants::grant_for(tx, &who, now, &mrn, p, QUERIES);
                let Ok(g) = grant(Permission::ViewEncounters)? else {
                    continue;
                };
                let Some(e) = tx.encounter(&g, &q.draft.encounter_id)? else {
                    continue;
                };
                let patient = match grant(Permission::ViewDemographics)? {
                    Ok(g) => tx
                        .patient(&g, &mrn)?
                        .map(|p| p.display_name())
                        .unwrap_or_default(),
                    Err(_) => String::new(),
                };
                let item = QueryItem {
                    mrn: e.mrn.clone(),
                    patient,
                    class: e.class,
                    admitted: e.admitted,
                    discharged: e.discharged,
                    query: q,
                };
                if mine_to_answer {
                    out.to_answer.push(item);
                } else {
                    out.sent.push(item);
                }
            }
            // Oldest waiting first: a query's age is what the department is measured on.
            out.to_answer.sort_by_key(|i| i.query.sent_at);
            // The coder's: open ones first, oldest first, then the closed ones.
            out.sent
                .sort_by_key(|i| (i.query.status != QueryStatus::Open, i.query.sent_at));
            let mut ev = self.event(
                &who,
                AuditAction::QueriesViewed,
                Outcome::Success,
                format!(
                    "work queue: {} to answer, {} sent, {} on restricted records",
                    out.to_answer.len(),
                    out.sent.len(),
                    out.withheld.len()
                ),
            );
            ev.patient = None;
            tx.append_audit(ev)?;
            Ok(out)
        })?;
        Ok(out)
    }
}

/// Sentences of a note a demo query quotes: the first with a measurement (a digit) after
/// the opening sentence (which gives the age), then the assessment; each short enough to be
/// an indicator; the opening sentence when neither is there.
fn demo_quotes(text: &str) -> Vec<String> {
    let sentences: Vec<String> = text
        .split_inclusive(". ")
        .map(|s| s.trim().to_string())
        .filter(|s| s.len() > 12 && s.chars().count() <= query::MAX_QUOTE_CHARS)
        .collect();
    let mut picked: Vec<String> = sentences
        .iter()
        .skip(1)
        .filter(|s| s.chars().any(|c| c.is_ascii_digit()))
        .take(1)
        .cloned()
        .collect();
    if let Some(a) = sentences.iter().find(|s| s.contains("Assessment")) {
        picked.push(a.clone());
    }
    if picked.is_empty()
        && let Some(s) = sentences.first()
    {
        picked.push(s.clone());
    }
    picked.dedup();
    picked
}

impl LocalRecords {
    /// Demo only: every encounter the coding seed left on hold "query pending" with the
    /// demo coder gets the query that hold waits for, sent to the demo clinician on the day
    /// the hold began (so F6 shows queries of different ages), quoting the encounter's first
    /// note. Encounters on restricted charts are left without one (their text needs
    /// break-the-glass). Returns the number of queries written.
    pub fn system_seed_queries(&self) -> ServiceResult<usize> {
        let coder = Actor {
            subject: Subject {
                username: "coder".into(),
                roles: vec![crate::domain::Role::Coder],
            },
            peer: None,
        };
        let now = self.now();
        let system = Self::system();
        let written = self.store.write(|tx| {
            if tx.user("clinician")?.is_none() {
                return Ok(0);
            }
            let mut rows = tx.coding_queue_rows()?;
            rows.sort_by(|a, b| a.encounter_id.cmp(&b.encounter_id));
            let mut written = 0;
            for row in rows {
                if row.status != CodingStatus::OnHold
                    || row.hold != Some(HoldReason::QueryPending)
                    || row.assigned.as_deref() != Some("coder")
                    || row.restricted
                    || tx.open_query_count(&row.encounter_id)? > 0
                {
                    continue;
                }
                let Ok((mrn, grant)) = text_grant(tx, &coder, now, &row.encounter_id)? else {
                    continue;
                };
                let docs = tx.documents_for_encounter(&grant, &row.encounter_id)?;
                let Some(first) = docs.first() else {
                    continue;
                };
                let kind = query::QueryKind::ClinicalValidity;
                let draft = QueryDraft {
                    encounter_id: row.encounter_id.clone(),
                    kind,
                    to: "clinician".into(),
                    indicators: demo_quotes(&first.text)
                        .into_iter()
                        .map(|quote| query::Indicator {
                            document_id: first.id.clone(),
                            quote,
                        })
                        .collect(),
                    question: query::template_question(kind),
                    form: query::QueryForm::MultipleChoice(query::template_options(kind)),
                };
                let record: Vec<(String, String)> =
                    docs.into_iter().map(|d: Document| (d.id, d.text)).collect();
                if !query::check(&draft, &record).is_empty() {
                    continue;
                }
                let sent_at = row
                    .held_since
                    .and_then(|d| d.and_hms_opt(10, 0, 0))
                    .map_or(now, |t| t.and_utc());
                let mut q = PhysicianQuery {
                    id: String::new(),
                    mrn,
                    draft,
                    status: QueryStatus::Open,
                    sent_by: "coder".into(),
                    sent_at,
                    answer: None,
                    withdrawn: None,
                    version: 0,
                };
                tx.add_query(&mut q)?;
                written += 1;
            }
            tx.append_audit(self.event(
                &system,
                AuditAction::DataSeeded,
                Outcome::Success,
                format!("demo physician queries: {written}"),
            ))?;
            Ok(written)
        })?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::demo_quotes;

    #[test]
    fn demo_quotes_take_a_measurement_and_the_assessment() {
        let note = "The patient is a 71-year-old woman admitted with cough. Temperature 38.4 C, SpO2 91% on room air. Assessment is community-acquired pneumonia. The plan is to start antibiotics.";
        assert_eq!(
            demo_quotes(note),
            vec![
                "Temperature 38.4 C, SpO2 91% on room air.".to_string(),
                "Assessment is community-acquired pneumonia.".to_string()
            ]
        );
        // Nothing measured, no assessment: the opening sentence.
        assert_eq!(
            demo_quotes("Seen in clinic today. Doing well at home."),
            vec!["Seen in clinic today.".to_string()]
        );
        assert!(demo_quotes("").is_empty());
    }
}
