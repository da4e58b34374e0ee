//! The grant for reading one patient's record, decided inside the transaction that reads it:
//! the chart's sensitivity and the user's live break-the-glass access are looked up there, so
//! a flag set or an access expiring a moment earlier is seen.

use super::{Actor, LocalRecords};
use crate::domain::Sensitivity;
use crate::domain::audit::AuditAction;
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

/// True when the chart is sensitive and this user holds a live break-the-glass access to it.
pub(super) fn glass_broken(
    tx: &WriteTx,
    who: &Actor,
    mrn: &str,
    sensitivity: Option<Sensitivity>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(sensitivity.is_some()
        && tx
            .active_break_glass(&who.subject.username, mrn, now)?
            .is_some())
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
    let glass = glass_broken(tx, who, mrn, sensitivity, now)?;
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
