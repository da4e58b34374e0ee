//! Legal (litigation) holds: compliance marks a chart as evidence in a matter. The hold is a
//! new version of the patient (the history keeps every placement and release), audited with
//! the reason; while it stands the banner says so and merges are refused.

use super::{Actor, LocalRecords};
use crate::domain::Patient;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::patient::LegalHold;
use crate::policy::Permission;
use crate::service::{ServiceError, ServiceResult, SessionToken};

impl LocalRecords {
    /// Places a hold for `matter`, or releases the chart's hold when `matter` is None.
    pub(super) fn set_legal_hold_as(
        &self,
        token: &SessionToken,
        mrn: &str,
        expected_version: u64,
        matter: Option<&str>,
        reason: &str,
    ) -> ServiceResult<Patient> {
        let who = Actor::from(&self.ready_session(token)?);
        let what = "legal holds";
        self.permit(&who, Permission::ManageLegalHolds, what)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::Invalid(
                "say why (who asked for the hold or its release); a reason is required".into(),
            ));
        }
        let now = self.now();
        let hold = match matter {
            Some(m) => {
                Some(LegalHold::new(m, &who.subject.username, now).map_err(ServiceError::Invalid)?)
            }
            None => None,
        };
        let outcome = self.store.write(|tx| {
            let mut p = match Self::patient_to_change(tx, &who, mrn, what)? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let (action, detail) = match (&p.legal_hold, &hold) {
                (None, None) => {
                    return Ok(Err(ServiceError::Invalid(
                        "the chart is not under legal hold; nothing was changed".into(),
                    )));
                }
                (Some(old), Some(_)) => {
                    return Ok(Err(ServiceError::Invalid(format!(
                        "the chart is already held for {}; release that hold first",
                        old.matter
                    ))));
                }
                (None, Some(h)) => (AuditAction::LegalHoldPlaced, format!("matter {}", h.matter)),
                (Some(old), None) => (
                    AuditAction::LegalHoldReleased,
                    format!(
                        "matter {} (placed {})",
                        old.matter,
                        old.placed_at.date_naive()
                    ),
                ),
            };
            p.legal_hold = hold.clone();
            p.updated_at = now;
            p.updated_by = who.subject.username.clone();
            let key = tx.put_patient(&mut p, Some(expected_version))?;
            let mut ev = self.event(
                &who,
                action,
                Outcome::Success,
                format!("{detail}: {}", reason.chars().take(200).collect::<String>()),
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
