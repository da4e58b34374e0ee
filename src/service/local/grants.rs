//! The grant for reading one patient's record, decided inside the transaction that reads it:
//! the chart's sensitivity and the user's live break-the-glass access are looked up there, so
//! a flag set or an access expiring a moment earlier is seen.

use super::{Actor, LocalRecords};
use crate::domain::Sensitivity;
use crate::domain::audit::AuditAction;
use crate::domain::break_glass::BreakGlassAccess;
use crate::policy::{self, Permission, Refusal, Resource};
use crate::service::ServiceError;
use crate::store::{StoreError, WriteTx};
use chrono::{DateTime, Utc};

pub(super) fn resource_of(sensitivity: Option<Sensitivity>) -> Resource {
    if sensitivity.is_some() {
        Resource::Sensitive
    } else {
        Resource::Ordinary
    }
}

/// A refusal decided inside a transaction: what was refused, for which patient.
pub(super) struct Refused {
    pub refusal: Refusal,
    pub mrn: String,
    pub what: &'static str,
}

/// This user's live break-the-glass access to the chart, when the chart is sensitive.
pub(super) fn live_glass(
    tx: &WriteTx,
    who: &Actor,
    mrn: &str,
    sensitivity: Option<Sensitivity>,
    now: DateTime<Utc>,
) -> Result<Option<BreakGlassAccess>, StoreError> {
    if sensitivity.is_none() {
        return Ok(None);
    }
    tx.active_break_glass(&who.subject.username, mrn, now)
}

/// The grant for `permission` on this patient's chart as sensitive as it is; a refusal comes
/// back as a value for the caller to audit after the transaction.
pub(super) fn grant_for(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    permission: Permission,
    what: &'static str,
) -> Result<Result<policy::Grant, Refused>, StoreError> {
    let Some(sensitivity) = tx.patient_sensitivity(mrn)? else {
        return Err(StoreError::NotFound {
            what: format!("patient {mrn}"),
        });
    };
    let glass = live_glass(tx, who, mrn, sensitivity, now)?.is_some();
    Ok(
        policy::authorize_with_glass(&who.subject, permission, resource_of(sensitivity), glass)
            .map_err(|refusal| Refused {
                refusal,
                mrn: mrn.to_string(),
                what,
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
}
