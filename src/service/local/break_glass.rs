//! Break-the-glass in the service: the user states a reason and re-enters the password, the
//! access is stored with its expiry and audited in one transaction; compliance lists and
//! judges the accesses and sets the sensitivity flags that make a chart need one.

use super::grants::{content_grant, grant_for, resource_of};
use super::{Actor, LocalRecords};
use crate::domain::Sensitivity;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::break_glass::{BreakGlassAccess, BreakGlassReason, Verdict};
use crate::domain::password;
use crate::domain::{Encounter, Patient, Secret};
use crate::policy::{self, Decision, Permission, Resource};
use crate::service::{ServiceError, ServiceResult, SessionToken};
use crate::store::StoreError;

/// What the access log shows instead of a sensitivity change's or a break-the-glass
/// access's wording to a role that does not read sensitive records freely.
pub const CATEGORY_WITHHELD: &str = "details withheld: sensitive category";

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
            // A flagged chart, or an ordinary one with flagged encounters: the access opens
            // the whole chart for this user, and the trail names what was restricted.
            let restricted = match sensitivity {
                Some(category) => format!("a {} chart", category.label()),
                None => {
                    let flags = tx.encounter_flags(mrn)?;
                    let mut categories: Vec<&str> = flags.iter().map(|(_, s)| s.label()).collect();
                    categories.sort_unstable();
                    categories.dedup();
                    if categories.is_empty() {
                        return Ok(Err(ServiceError::Invalid(
                            "this chart is not restricted; open it as usual".into(),
                        )));
                    }
                    format!(
                        "a chart with {} restricted encounter{} ({})",
                        flags.len(),
                        if flags.len() == 1 { "" } else { "s" },
                        categories.join(", ")
                    )
                }
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
                    "access {} to {restricted} until {}: {}{}",
                    access.id,
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
            let mut p = match Self::patient_to_change(tx, &who, mrn, "setting sensitivity")? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let current = p.sensitivity;
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
    /// The current patient record for a change compliance makes to the chart itself (its
    /// sensitivity, a legal hold), read with the grant its sensitivity calls for.
    pub(super) fn patient_to_change(
        tx: &crate::store::WriteTx,
        who: &Actor,
        mrn: &str,
        what: &str,
    ) -> Result<Result<Patient, ServiceError>, StoreError> {
        let not_found = || StoreError::NotFound {
            what: format!("patient {mrn}"),
        };
        let sensitivity = tx.patient_sensitivity(mrn)?.ok_or_else(not_found)?;
        // Compliance reads sensitive charts as its job, so this grant is never refused to it.
        let grant = match policy::authorize(
            &who.subject,
            Permission::ViewDemographics,
            resource_of(sensitivity),
        ) {
            Ok(g) => g,
            Err(r) => return Ok(Err(Self::refusal_error(r, what))),
        };
        Ok(Ok(tx.patient(&grant, mrn)?.ok_or_else(not_found)?))
    }

    /// Compliance flags one encounter sensitive (or clears its flag): a new version of the
    /// encounter, with the reason in the audit trail. The encounter's content then needs the
    /// grant a sensitive chart needs, while the rest of the chart opens as before.
    pub(super) fn set_encounter_sensitivity_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        encounter_id: &str,
        expected_version: u64,
        sensitivity: Option<Sensitivity>,
        reason: &str,
    ) -> ServiceResult<Encounter> {
        let who = Actor::from(&self.ready_session(token)?);
        let what = "setting sensitivity";
        self.permit(&who, Permission::SetSensitivity, what)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::Invalid(
                "say why the flag changes (a note is required)".into(),
            ));
        }
        let now = self.now();
        let outcome = self.store.write(|tx| {
            // Compliance reads sensitive records as its job, so this grant opens the encounter
            // whatever its flag; another role holding SetSensitivity would need the glass.
            let not_found = || StoreError::NotFound {
                what: format!("encounter {encounter_id} of patient {mrn}"),
            };
            let flag = match tx.encounter_place(encounter_id)? {
                Some((m, flag)) if m == mrn => flag,
                _ => {
                    return match grant_for(tx, &who, now, mrn, Permission::ViewEncounters, what)? {
                        Err(r) => Ok(Err(r)),
                        Ok(_) => Err(not_found()),
                    };
                }
            };
            let access = match content_grant(
                tx,
                &who,
                now,
                mrn,
                (encounter_id, flag),
                Permission::ViewEncounters,
                what,
            )? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let mut e = tx
                .encounter(&access.grant, encounter_id)?
                .filter(|e| e.mrn == mrn)
                .ok_or_else(not_found)?;
            let current = e.sensitivity;
            if current == sensitivity {
                return Err(StoreError::Refused(
                    "the encounter already has this flag; nothing was changed".into(),
                ));
            }
            e.sensitivity = sensitivity;
            tx.put_encounter_version(&mut e, expected_version)?;
            let label = |s: Option<Sensitivity>| s.map_or("none", Sensitivity::label);
            let mut ev = self.event(
                &who,
                AuditAction::SensitivityChanged,
                Outcome::Success,
                format!(
                    "encounter {encounter_id} (v{}): {} -> {}: {}",
                    e.version,
                    label(current),
                    label(sensitivity),
                    reason.chars().take(200).collect::<String>()
                ),
            );
            ev.patient = Some(mrn.to_string());
            tx.append_audit(ev)?;
            Ok(Ok(e))
        })?;
        outcome.map_err(|r| self.refused(&who, r))
    }

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
            let not_found = || StoreError::NotFound {
                what: format!("document {document_id} of patient {mrn}"),
            };
            // The document's encounter decides with the chart: a sensitive encounter's text
            // needs the same grant as a sensitive chart's.
            let (encounter_id, flag) = match tx.document_place(document_id)? {
                Some((m, e, flag)) if m == mrn => (e, flag),
                // The chart is decided first, so a restricted chart tells nothing of which
                // documents it holds.
                _ => {
                    return match grant_for(
                        tx,
                        &who,
                        now,
                        mrn,
                        Permission::ViewClinicalText,
                        "reading documents",
                    )? {
                        Err(r) => Ok(Err(r)),
                        Ok(_) => Err(not_found()),
                    };
                }
            };
            let access = match content_grant(
                tx,
                &who,
                now,
                mrn,
                (&encounter_id, flag),
                Permission::ViewClinicalText,
                "reading documents",
            )? {
                Ok(g) => g,
                Err(r) => return Ok(Err(r)),
            };
            let doc = tx
                .document(&access.grant, document_id)?
                .filter(|d| d.mrn == mrn)
                .ok_or_else(not_found)?;
            if let Some(g) = &access.glass {
                ev.reason = format!("{document_id} under break-the-glass access {}", g.id);
            }
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
            let mut entries = tx.patient_access_log(mrn)?;
            // Which category a chart or encounter is flagged with (Part 2, HIV, ...) is
            // itself protected: only roles that read sensitive records freely see it here.
            let sees_categories = policy::decide(
                &who.subject.roles,
                Permission::ViewEncounters,
                Resource::Sensitive,
            ) == Decision::Allow;
            if !sees_categories {
                for e in &mut entries {
                    if matches!(
                        e.event.action,
                        AuditAction::SensitivityChanged | AuditAction::BreakGlass
                    ) {
                        e.event.reason = CATEGORY_WITHHELD.into();
                    }
                }
            }
            ev.reason = format!("{} entries", entries.len());
            tx.append_audit(ev)?;
            Ok(entries)
        })?)
    }
}
