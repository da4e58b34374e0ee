//! Break-the-glass in the service: the user states a reason and re-enters the password, the
//! access is stored with its expiry and audited in one transaction; compliance lists and
//! judges the accesses and sets the sensitivity flags that make a chart need one.

use super::grants::{grant_for, resource_of};
use super::{Actor, LocalRecords};
use crate::domain::Sensitivity;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::break_glass::{BreakGlassAccess, BreakGlassReason, Verdict};
use crate::domain::password;
use crate::domain::{Patient, Secret};
use crate::policy::{self, Decision, Permission, Resource};
use crate::service::{ServiceError, ServiceResult, SessionToken};
use crate::store::StoreError;

impl LocalRecords {
    pub(super) fn break_glass_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        reason: BreakGlassReason,
        note: &str,
        password_again: &Secret,
    ) -> ServiceResult<BreakGlassAccess> {
        let s = self.ready_session(token)?;
        let who = Actor::from(&s);
        let what = "breaking the glass";
        match policy::decide(
            &who.subject.roles,
            Permission::UseChart,
            Resource::Sensitive,
        ) {
            Decision::BreakGlass => {}
            Decision::Allow => {
                return Err(ServiceError::Invalid(
                    "your role opens restricted charts without breaking the glass".into(),
                ));
            }
            Decision::Deny => {
                return Err(self.refuse(
                    &who,
                    AuditAction::OperationDenied,
                    Some(mrn),
                    what,
                    ServiceError::NotPermitted(what.into()),
                ));
            }
        }
        let stored = self
            .store
            .read(|r| r.user(&s.username))?
            .ok_or_else(|| ServiceError::NotFound(format!("user {}", s.username)))?;
        // Verified outside the transaction: one slow hash never holds the writer.
        let password_ok = password::verify_password(password_again.expose(), &stored.password_hash);
        let now = self.now();
        let outcome = self.store.write(|tx| {
            let settings = tx.settings()?;
            let Some(sensitivity) = tx.patient_sensitivity(mrn)? else {
                return Err(StoreError::NotFound {
                    what: format!("patient {mrn}"),
                });
            };
            if !password_ok {
                let Some(mut u) = tx.user(&s.username)? else {
                    return Err(StoreError::NotFound {
                        what: format!("user {}", s.username),
                    });
                };
                return Ok(Err(Self::wrong_password(
                    tx,
                    &mut u,
                    &settings,
                    s.peer.clone(),
                    now,
                    "wrong password when breaking the glass",
                    "the password is not right",
                )?));
            }
            let Some(category) = sensitivity else {
                return Ok(Err(ServiceError::Invalid(
                    "this chart is not restricted; open it as usual".into(),
                )));
            };
            let mut access = match BreakGlassAccess::new(
                &s.username,
                mrn,
                reason,
                note,
                now,
                settings.break_glass_minutes,
            ) {
                Ok(a) => a,
                Err(e) => return Ok(Err(ServiceError::Invalid(e))),
            };
            tx.add_break_glass(&mut access)?;
            let mut ev = self.event(
                &who,
                AuditAction::BreakGlass,
                Outcome::Success,
                format!(
                    "access {} to a {} chart until {}: {}{}",
                    access.id,
                    category.label(),
                    access.expires.format("%H:%M UTC"),
                    reason.label(),
                    if access.note.is_empty() {
                        ""
                    } else {
                        " (note given)"
                    }
                ),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(access))
        })?;
        if matches!(outcome, Err(ServiceError::AccountLocked)) {
            self.end_user_sessions(&s.username, "session ended: locked")?;
        }
        outcome
    }

    pub(super) fn break_glass_list_as(
        &self,
        token: &SessionToken,
        unreviewed_only: bool,
    ) -> ServiceResult<Vec<BreakGlassAccess>> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(
            &who,
            Permission::ReviewBreakGlass,
            "the break-the-glass review list",
        )?;
        let ev = self.event(
            &who,
            AuditAction::BreakGlassListViewed,
            Outcome::Success,
            "",
        );
        Ok(self.store.write(|tx| {
            let list = tx.break_glass_list(unreviewed_only)?;
            let mut ev = ev;
            ev.reason = format!("{} access(es)", list.len());
            tx.append_audit(ev)?;
            Ok(list)
        })?)
    }

    pub(super) fn review_break_glass_as(
        &self,
        token: &SessionToken,
        id: u64,
        expected_version: u64,
        verdict: Verdict,
        comment: &str,
    ) -> ServiceResult<BreakGlassAccess> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(
            &who,
            Permission::ReviewBreakGlass,
            "reviewing break-the-glass",
        )?;
        let now = self.now();
        self.store.write(|tx| {
            let mut access = tx.break_glass(id)?.ok_or_else(|| StoreError::NotFound {
                what: format!("break-the-glass access {id}"),
            })?;
            if let Err(e) = access.judge(verdict, comment, &who.subject.username, now) {
                return Ok(Err(ServiceError::Invalid(e)));
            }
            tx.put_break_glass(&mut access, expected_version)?;
            let mut ev = self.event(
                &who,
                AuditAction::BreakGlassReviewed,
                Outcome::Success,
                format!("access {id} by {}: {}", access.username, verdict.label()),
            );
            ev.patient = Some(access.mrn.clone());
            tx.append_audit(ev)?;
            Ok(Ok(access))
        })?
    }

    /// Compliance flags a chart sensitive (or clears the flag): a new version of the patient,
    /// with the reason in the audit trail.
    pub(super) fn set_sensitivity_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        expected_version: u64,
        sensitivity: Option<Sensitivity>,
        reason: &str,
    ) -> ServiceResult<Patient> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::SetSensitivity, "setting sensitivity")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::Invalid(
                "say why the flag changes (a note is required)".into(),
            ));
        }
        let now = self.now();
        let outcome = self.store.write(|tx| {
            let current = tx
                .patient_sensitivity(mrn)?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("patient {mrn}"),
                })?;
            // Compliance reads sensitive charts as its job, so this grant is never refused.
            let grant = match policy::authorize(
                &who.subject,
                Permission::ViewDemographics,
                resource_of(current),
            ) {
                Ok(g) => g,
                Err(r) => return Ok(Err(Self::refusal_error(r, "setting sensitivity"))),
            };
            let mut p = tx
                .patient(&grant, mrn)?
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("patient {mrn}"),
                })?;
            if p.sensitivity == sensitivity {
                return Ok(Err(ServiceError::Invalid(
                    "the chart already has this flag; nothing was changed".into(),
                )));
            }
            p.sensitivity = sensitivity;
            p.updated_at = now;
            p.updated_by = who.subject.username.clone();
            let key = tx.put_patient(&mut p, Some(expected_version))?;
            let label = |s: Option<Sensitivity>| s.map_or("none", Sensitivity::label);
            let mut ev = self.event(
                &who,
                AuditAction::SensitivityChanged,
                Outcome::Success,
                format!(
                    "{} -> {}: {}",
                    label(current),
                    label(sensitivity),
                    reason.chars().take(200).collect::<String>()
                ),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok((p, key)))
        })?;
        let (p, key) = outcome?;
        self.index_upsert(key);
        Ok(p)
    }
}

impl LocalRecords {
    pub(super) fn chart_document_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        document_id: &str,
    ) -> ServiceResult<crate::domain::Document> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::ViewClinicalText, "reading documents")?;
        let now = self.now();
        let mut ev = self.event(
            &who,
            AuditAction::DocumentViewed,
            Outcome::Success,
            document_id,
        );
        ev.patient = Some(mrn.to_string());
        let outcome = self.store.write(|tx| {
            let grant = match grant_for(
                tx,
                &who,
                now,
                mrn,
                Permission::ViewClinicalText,
                "reading documents",
            )? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let doc = tx
                .document(&grant, document_id)?
                .filter(|d| d.mrn == mrn)
                .ok_or_else(|| StoreError::NotFound {
                    what: format!("document {document_id} of patient {mrn}"),
                })?;
            tx.append_audit(ev)?;
            Ok(Ok(doc))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

    pub(super) fn chart_access_log_as(
        &self,
        token: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<Vec<crate::domain::AuditEntry>> {
        let who = Actor::from(&self.ready_session(token)?);
        self.permit(&who, Permission::ViewAuditTrail, "a chart's access log")?;
        let mut ev = self.event(&who, AuditAction::AccessLogViewed, Outcome::Success, "");
        ev.patient = Some(mrn.to_string());
        Ok(self.store.write(|tx| {
            if tx.patient_sensitivity(mrn)?.is_none() {
                return Err(StoreError::NotFound {
                    what: format!("patient {mrn}"),
                });
            }
            let entries = tx.patient_access_log(mrn)?;
            ev.reason = format!("{} entries", entries.len());
            tx.append_audit(ev)?;
            Ok(entries)
        })?)
    }
}
