//! The grant for reading one patient's record, decided inside the transaction that reads it:
//! the chart's sensitivity, its encounters' and the user's live break-the-glass access are
//! looked up there, so a flag set or an access expiring a moment earlier is seen.
//!
//! Two levels of sensitivity: a flagged chart needs the grant (break-the-glass, or a role that
//! reads sensitive records freely) before anything of it opens; a flagged encounter on an
//! ordinary chart needs the same grant for its content only. The chart opens with the best
//! grant the user holds (`chart_grant`); under an ordinary one the store withholds the
//! sensitive encounters (dates and class only) and their documents' titles and authors, and
//! reading such an encounter's content (`content_grant`) is refused with `NeedsBreakGlass`.

use super::{Actor, LocalRecords};
use crate::domain::Sensitivity;
use crate::domain::audit::AuditAction;
use crate::domain::break_glass::BreakGlassAccess;
use crate::policy::{self, Decision, Permission, Refusal, Resource};
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
    /// The sensitive encounter whose content was refused, when it was one (not the chart).
    pub encounter: Option<String>,
}

/// A grant and the break-the-glass access it rests on, if it needed one.
pub(super) struct ChartGrant {
    pub grant: policy::Grant,
    pub glass: Option<BreakGlassAccess>,
}

/// The grant for `permission` on a record as sensitive as `resource`: the live access is
/// looked up only when the policy says it takes one, and returned only when it was used.
fn decide_with_glass(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    permission: Permission,
    resource: Resource,
) -> Result<Result<ChartGrant, Refusal>, StoreError> {
    let glass = match policy::decide(&who.subject.roles, permission, resource) {
        Decision::BreakGlass => tx.active_break_glass(&who.subject.username, mrn, now)?,
        _ => None,
    };
    Ok(
        policy::authorize_with_glass(&who.subject, permission, resource, glass.is_some())
            .map(|grant| ChartGrant { grant, glass }),
    )
}

/// The best grant for `permission` on this patient's chart: for a flagged chart, one decided
/// for a sensitive record or a refusal; for an ordinary chart, one decided for a sensitive
/// record when the user may read those here (role, or a live access to this patient), which
/// opens the chart's sensitive encounters, and otherwise the ordinary grant, under which the
/// store withholds them.
pub(super) fn chart_grant(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    permission: Permission,
    what: &'static str,
) -> Result<Result<ChartGrant, Refused>, StoreError> {
    let Some(sensitivity) = tx.patient_sensitivity(mrn)? else {
        return Err(StoreError::NotFound {
            what: format!("patient {mrn}"),
        });
    };
    let refused = |refusal| Refused {
        refusal,
        mrn: mrn.to_string(),
        what,
        encounter: None,
    };
    if sensitivity.is_some() {
        return Ok(
            decide_with_glass(tx, who, now, mrn, permission, Resource::Sensitive)?.map_err(refused),
        );
    }
    Ok(
        match decide_with_glass(tx, who, now, mrn, permission, Resource::Sensitive)? {
            Ok(g) => Ok(g),
            Err(_) => policy::authorize(&who.subject, permission, Resource::Ordinary)
                .map(|grant| ChartGrant { grant, glass: None })
                .map_err(refused),
        },
    )
}

/// [`chart_grant`] without the access it rests on.
pub(super) fn grant_for(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    permission: Permission,
    what: &'static str,
) -> Result<Result<policy::Grant, Refused>, StoreError> {
    Ok(chart_grant(tx, who, now, mrn, permission, what)?.map(|g| g.grant))
}

/// The grant for reading the content of one encounter (`encounter`, with its flag) of this
/// chart: the chart's flag or the encounter's makes it a sensitive read, refused with
/// `NeedsBreakGlass` unless the role reads sensitive records freely or a live access exists.
pub(super) fn content_grant(
    tx: &WriteTx,
    who: &Actor,
    now: DateTime<Utc>,
    mrn: &str,
    encounter: (&str, Option<Sensitivity>),
    permission: Permission,
    what: &'static str,
) -> Result<Result<ChartGrant, Refused>, StoreError> {
    let Some(sensitivity) = tx.patient_sensitivity(mrn)? else {
        return Err(StoreError::NotFound {
            what: format!("patient {mrn}"),
        });
    };
    let (encounter_id, flag) = encounter;
    let resource = resource_of(sensitivity.or(flag));
    Ok(
        decide_with_glass(tx, who, now, mrn, permission, resource)?.map_err(|refusal| Refused {
            refusal,
            mrn: mrn.to_string(),
            what,
            encounter: (sensitivity.is_none() && flag.is_some()).then(|| encounter_id.to_string()),
        }),
    )
}

impl LocalRecords {
    /// Turns a refusal found inside a transaction into the audited error.
    pub(super) fn refused(&self, who: &Actor, r: Refused) -> ServiceError {
        let what = match (r.refusal, &r.encounter) {
            (Refusal::Denied, _) => r.what.to_string(),
            (Refusal::NeedsBreakGlass, Some(e)) => format!("restricted encounter {e}"),
            (Refusal::NeedsBreakGlass, None) => "restricted chart".to_string(),
        };
        self.refuse(
            who,
            AuditAction::OperationDenied,
            Some(&r.mrn),
            &what,
            Self::refusal_error(r.refusal, &what),
        )
    }
}
