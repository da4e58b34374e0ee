//! Who may do what (DESIGN §1, §6 "minimum necessary"). Pure: `decide` looks only at its
//! arguments, and the full role × permission × sensitivity matrix is tested below.
//!
//! Operations that return protected health information need a [`Grant`], which only
//! [`authorize`] can construct: a service operation that skips the check does not compile.

use crate::domain::Role;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    // Screens (F2..F6)
    UseSearch,
    UseChart,
    UseCoding,
    UseRoi,
    UseWorkQueue,
    // Patient data
    SearchPatients,
    RegisterPatient,
    EditDemographics,
    ViewDemographics,
    ViewEncounters,
    ViewClinicalText,
    ViewCodes,
    EditCodes,
    ManageDisclosures,
    SetSensitivity,
    /// Compliance's list of break-the-glass accesses, and judging them.
    ReviewBreakGlass,
    /// The duplicate work list: review pairs, decide, request merges.
    ReviewDuplicates,
    /// Carry out (approve) a merge, and undo one.
    ApproveMerge,
    /// Amendment requests (45 CFR 164.526): log them, extend, record decisions and the
    /// statements of disagreement and rebuttals. Reading a chart's requests is
    /// `ViewClinicalText`.
    ManageAmendments,
    /// Place and release legal (litigation) holds on a chart.
    ManageLegalHolds,
    /// Second-level review of coding: validate an encounter's codes or return them to the
    /// coder (coding supervisors).
    ValidateCoding,
    /// The discharged-not-final-billed list: which discharged encounters are not final-coded
    /// and how long they have waited (billing, supervisors). No clinical content.
    ViewDnfb,
    /// Answer the physician queries addressed to oneself (clinicians). Reading a query's
    /// encounter still needs `ViewClinicalText` on it.
    AnswerQueries,
    // Oversight and administration
    ViewAuditTrail,
    ViewReports,
    AssignWork,
    ManageUsers,
    UnlockUsers,
    ManageSettings,
    RunBackup,
}

impl Permission {
    pub const ALL: [Permission; 30] = [
        Permission::UseSearch,
        Permission::UseChart,
        Permission::UseCoding,
        Permission::UseRoi,
        Permission::UseWorkQueue,
        Permission::SearchPatients,
        Permission::RegisterPatient,
        Permission::EditDemographics,
        Permission::ViewDemographics,
        Permission::ViewEncounters,
        Permission::ViewClinicalText,
        Permission::ViewCodes,
        Permission::EditCodes,
        Permission::ManageDisclosures,
        Permission::SetSensitivity,
        Permission::ReviewBreakGlass,
        Permission::ReviewDuplicates,
        Permission::ApproveMerge,
        Permission::ManageAmendments,
        Permission::ManageLegalHolds,
        Permission::ValidateCoding,
        Permission::ViewDnfb,
        Permission::AnswerQueries,
        Permission::ViewAuditTrail,
        Permission::ViewReports,
        Permission::AssignWork,
        Permission::ManageUsers,
        Permission::UnlockUsers,
        Permission::ManageSettings,
        Permission::RunBackup,
    ];

    /// Reading the record of a patient: a sensitive chart turns these into break-the-glass.
    pub fn reads_patient_record(self) -> bool {
        matches!(
            self,
            Permission::UseChart
                | Permission::ViewDemographics
                | Permission::ViewEncounters
                | Permission::ViewClinicalText
                | Permission::ViewCodes
        )
    }
}

/// How sensitive the record an operation touches is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// No patient record, or an ordinary one.
    Ordinary,
    /// A chart or encounter flagged sensitive (VIP, employee, Part 2, ...).
    Sensitive,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
    /// Allowed only after the user states a reason and re-enters the password (issue 5).
    BreakGlass,
}

/// What one role may do on ordinary records.
fn role_allows(role: Role, p: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Registrar => matches!(
            p,
            UseSearch
                | UseChart
                | UseWorkQueue
                | SearchPatients
                | RegisterPatient
                | EditDemographics
                | ViewDemographics
                | ViewEncounters
        ),
        Role::Coder => matches!(
            p,
            UseSearch
                | UseChart
                | UseCoding
                | UseWorkQueue
                | SearchPatients
                | ViewDemographics
                | ViewEncounters
                | ViewClinicalText
                | ViewCodes
                | EditCodes
        ),
        Role::Roi => matches!(
            p,
            UseSearch
                | UseChart
                | UseRoi
                | UseWorkQueue
                | SearchPatients
                | ViewDemographics
                | ViewEncounters
                | ViewClinicalText
                | ViewCodes
                | ManageDisclosures
                | ManageAmendments
        ),
        Role::Analyst => matches!(
            p,
            UseSearch
                | UseChart
                | UseWorkQueue
                | SearchPatients
                | ViewDemographics
                | ViewEncounters
                | ViewClinicalText
                | ViewCodes
                | ReviewDuplicates
                | ViewReports
        ),
        Role::Supervisor => matches!(
            p,
            UseSearch
                | UseChart
                | UseCoding
                | UseRoi
                | UseWorkQueue
                | SearchPatients
                | RegisterPatient
                | EditDemographics
                | ViewDemographics
                | ViewEncounters
                | ViewClinicalText
                | ViewCodes
                | EditCodes
                | ManageDisclosures
                | ReviewDuplicates
                | ApproveMerge
                | ManageAmendments
                | ValidateCoding
                | ViewDnfb
                | ViewReports
                | AssignWork
                | UnlockUsers
        ),
        // Billing sees coded/uncoded status and codes, never note text, and cannot change codes.
        Role::Billing => matches!(
            p,
            UseSearch
                | UseChart
                | UseCoding
                | UseWorkQueue
                | SearchPatients
                | ViewDemographics
                | ViewEncounters
                | ViewCodes
                | ViewDnfb
        ),
        Role::Clinician => matches!(
            p,
            UseSearch
                | UseChart
                | UseWorkQueue
                | SearchPatients
                | ViewDemographics
                | ViewEncounters
                | ViewClinicalText
                | ViewCodes
                | AnswerQueries
        ),
        Role::Compliance => matches!(
            p,
            UseSearch
                | UseChart
                | UseRoi
                | UseWorkQueue
                | SearchPatients
                | ViewDemographics
                | ViewEncounters
                | ViewClinicalText
                | ViewCodes
                | SetSensitivity
                | ReviewBreakGlass
                | ManageAmendments
                | ManageLegalHolds
                | ViewAuditTrail
                | ViewReports
        ),
        // Auditors read the trail and reports; no patient screens, no clinical text.
        Role::Auditor => matches!(p, ViewAuditTrail | ViewReports),
        // Administrators run the system; no clinical text unless also granted a clinical role.
        Role::Admin => matches!(p, ManageUsers | UnlockUsers | ManageSettings | RunBackup),
    }
}

/// Compliance reviews sensitive charts as its job; everyone else breaks the glass.
fn role_reads_sensitive_freely(role: Role) -> bool {
    role == Role::Compliance
}

fn decide_one(role: Role, p: Permission, r: Resource) -> Decision {
    if !role_allows(role, p) {
        return Decision::Deny;
    }
    match r {
        Resource::Sensitive if p.reads_patient_record() && !role_reads_sensitive_freely(role) => {
            Decision::BreakGlass
        }
        _ => Decision::Allow,
    }
}

/// The decision for a user holding `roles`: the most permissive of the roles' decisions.
pub fn decide(roles: &[Role], p: Permission, r: Resource) -> Decision {
    let mut best = Decision::Deny;
    for &role in roles {
        match decide_one(role, p, r) {
            Decision::Allow => return Decision::Allow,
            Decision::BreakGlass => best = Decision::BreakGlass,
            Decision::Deny => {}
        }
    }
    best
}

/// The chart's tabs (F3). Minimum necessary: a role sees a tab only when it holds one of the
/// tab's permissions; the service sends the list and the UI shows just those.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartTab {
    Summary,
    Encounters,
    Documents,
    Codes,
    Disclosures,
    AccessLog,
    Amendments,
}

impl ChartTab {
    pub const ALL: [ChartTab; 7] = [
        ChartTab::Summary,
        ChartTab::Encounters,
        ChartTab::Documents,
        ChartTab::Codes,
        ChartTab::Disclosures,
        ChartTab::AccessLog,
        ChartTab::Amendments,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChartTab::Summary => "Summary",
            ChartTab::Encounters => "Encounters",
            ChartTab::Documents => "Documents",
            ChartTab::Codes => "Codes",
            ChartTab::Disclosures => "Disclosures",
            ChartTab::AccessLog => "Access log",
            ChartTab::Amendments => "Amendments",
        }
    }

    /// Any one of these lets a role see the tab. The document list is metadata (kind,
    /// author, date); reading a document's text needs `ViewClinicalText` on its own.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            ChartTab::Summary | ChartTab::Amendments => &[ViewClinicalText],
            ChartTab::Encounters | ChartTab::Documents => &[ViewEncounters],
            ChartTab::Codes => &[ViewCodes],
            ChartTab::Disclosures => &[ManageDisclosures, ViewAuditTrail],
            ChartTab::AccessLog => &[ViewAuditTrail],
        }
    }
}

/// The tabs a user holding `roles` sees on a chart they may open.
pub fn chart_tabs(roles: &[Role]) -> Vec<ChartTab> {
    ChartTab::ALL
        .into_iter()
        .filter(|t| {
            t.permissions()
                .iter()
                .any(|p| decide(roles, *p, Resource::Ordinary) == Decision::Allow)
        })
        .collect()
}

/// The authenticated user an operation acts for. Built by the service from its session table,
/// never from what a client says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub username: String,
    pub roles: Vec<Role>,
}

/// Proof that the policy allowed `permission` for `username`. The field is private and there is
/// no other constructor, so only [`authorize`] makes one.
#[derive(Debug)]
pub struct Grant {
    permission: Permission,
    resource: Resource,
    username: String,
}

impl Grant {
    pub fn permission(&self) -> Permission {
        self.permission
    }
    pub fn username(&self) -> &str {
        &self.username
    }
    /// The sensitivity the grant was decided for: an ordinary grant does not open a
    /// sensitive record.
    pub fn resource(&self) -> Resource {
        self.resource
    }
    /// True when this grant is for `p`.
    pub fn covers(&self, p: Permission) -> bool {
        self.permission == p
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Denied,
    NeedsBreakGlass,
}

pub fn authorize(subject: &Subject, p: Permission, r: Resource) -> Result<Grant, Refusal> {
    authorize_with_glass(subject, p, r, false)
}

/// [`authorize`] for a user who holds an active break-the-glass access to this patient
/// (`glass_broken`, which the service establishes from its own table): what would need the
/// glass broken is then allowed; what the role may not do at all stays denied.
pub fn authorize_with_glass(
    subject: &Subject,
    p: Permission,
    r: Resource,
    glass_broken: bool,
) -> Result<Grant, Refusal> {
    let grant = || Grant {
        permission: p,
        resource: r,
        username: subject.username.clone(),
    };
    match decide(&subject.roles, p, r) {
        Decision::Allow => Ok(grant()),
        Decision::BreakGlass if glass_broken => Ok(grant()),
        Decision::Deny => Err(Refusal::Denied),
        Decision::BreakGlass => Err(Refusal::NeedsBreakGlass),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use Permission::*;

    /// The full matrix on ordinary records: one row per role, the permissions it holds.
    /// Every (role, permission) pair not listed must be denied.
    fn expected_allowed(role: Role) -> Vec<Permission> {
        match role {
            Role::Registrar => vec![
                UseSearch,
                UseChart,
                UseWorkQueue,
                SearchPatients,
                RegisterPatient,
                EditDemographics,
                ViewDemographics,
                ViewEncounters,
            ],
            Role::Coder => vec![
                UseSearch,
                UseChart,
                UseCoding,
                UseWorkQueue,
                SearchPatients,
                ViewDemographics,
                ViewEncounters,
                ViewClinicalText,
                ViewCodes,
                EditCodes,
            ],
            Role::Roi => vec![
                UseSearch,
                UseChart,
                UseRoi,
                UseWorkQueue,
                SearchPatients,
                ViewDemographics,
                ViewEncounters,
                ViewClinicalText,
                ViewCodes,
                ManageDisclosures,
                ManageAmendments,
            ],
            Role::Analyst => vec![
                UseSearch,
                UseChart,
                UseWorkQueue,
                SearchPatients,
                ViewDemographics,
                ViewEncounters,
                ViewClinicalText,
                ViewCodes,
                ReviewDuplicates,
                ViewReports,
            ],
            Role::Supervisor => vec![
                UseSearch,
                UseChart,
                UseCoding,
                UseRoi,
                UseWorkQueue,
                SearchPatients,
                RegisterPatient,
                EditDemographics,
                ViewDemographics,
                ViewEncounters,
                ViewClinicalText,
                ViewCodes,
                EditCodes,
                ManageDisclosures,
                ReviewDuplicates,
                ApproveMerge,
                ManageAmendments,
                ValidateCoding,
                ViewDnfb,
                ViewReports,
                AssignWork,
                UnlockUsers,
            ],
            Role::Billing => vec![
                UseSearch,
                UseChart,
                UseCoding,
                UseWorkQueue,
                SearchPatients,
                ViewDemographics,
                ViewEncounters,
                ViewCodes,
                ViewDnfb,
            ],
            Role::Clinician => vec![
                UseSearch,
                UseChart,
                UseWorkQueue,
                SearchPatients,
                ViewDemographics,
                ViewEncounters,
                ViewClinicalText,
                ViewCodes,
                AnswerQueries,
            ],
            Role::Compliance => vec![
                UseSearch,
                UseChart,
                UseRoi,
                UseWorkQueue,
                SearchPatients,
                ViewDemographics,
                ViewEncounters,
                ViewClinicalText,
                ViewCodes,
                SetSensitivity,
                ReviewBreakGlass,
                ManageAmendments,
                ManageLegalHolds,
                ViewAuditTrail,
                ViewReports,
            ],
            Role::Auditor => vec![ViewAuditTrail, ViewReports],
            Role::Admin => vec![ManageUsers, UnlockUsers, ManageSettings, RunBackup],
        }
    }

    #[test]
    fn full_matrix_single_roles() {
        for role in Role::ALL {
            let allowed = expected_allowed(role);
            for p in Permission::ALL {
                let ordinary = decide(&[role], p, Resource::Ordinary);
                let sensitive = decide(&[role], p, Resource::Sensitive);
                if !allowed.contains(&p) {
                    assert_eq!((ordinary, sensitive), (Deny, Deny), "{role} {p:?}");
                    continue;
                }
                assert_eq!(ordinary, Allow, "{role} {p:?} ordinary");
                let want = if p.reads_patient_record() && role != Role::Compliance {
                    BreakGlass
                } else {
                    Allow
                };
                assert_eq!(sensitive, want, "{role} {p:?} sensitive");
            }
        }
    }

    #[test]
    fn minimum_necessary_spot_checks() {
        assert_eq!(
            decide(&[Role::Billing], ViewClinicalText, Resource::Ordinary),
            Deny
        );
        assert_eq!(
            decide(&[Role::Billing], EditCodes, Resource::Ordinary),
            Deny
        );
        assert_eq!(
            decide(&[Role::Auditor], ViewClinicalText, Resource::Ordinary),
            Deny
        );
        assert_eq!(decide(&[Role::Admin], UseChart, Resource::Ordinary), Deny);
        assert_eq!(
            decide(&[Role::Registrar], ViewClinicalText, Resource::Ordinary),
            Deny
        );
        assert_eq!(decide(&[Role::Coder], UseRoi, Resource::Ordinary), Deny);
        // Coding: a coder neither validates nor reads the DNFB list; billing reads it and
        // changes nothing; registrars see neither.
        assert_eq!(
            decide(&[Role::Coder], ValidateCoding, Resource::Ordinary),
            Deny
        );
        assert_eq!(decide(&[Role::Coder], AssignWork, Resource::Ordinary), Deny);
        assert_eq!(
            decide(&[Role::Billing], ViewDnfb, Resource::Ordinary),
            Allow
        );
        assert_eq!(
            decide(&[Role::Billing], ValidateCoding, Resource::Ordinary),
            Deny
        );
        assert_eq!(
            decide(&[Role::Registrar], ViewDnfb, Resource::Ordinary),
            Deny
        );
        assert_eq!(
            decide(&[Role::Supervisor], ValidateCoding, Resource::Ordinary),
            Allow
        );
    }

    #[test]
    fn several_roles_take_the_most_permissive_decision() {
        assert_eq!(decide(&[], UseSearch, Resource::Ordinary), Deny);
        assert_eq!(
            decide(
                &[Role::Admin, Role::Coder],
                ViewClinicalText,
                Resource::Ordinary
            ),
            Allow
        );
        assert_eq!(
            decide(
                &[Role::Auditor, Role::Coder],
                ViewClinicalText,
                Resource::Sensitive
            ),
            BreakGlass
        );
        assert_eq!(
            decide(
                &[Role::Coder, Role::Compliance],
                ViewClinicalText,
                Resource::Sensitive
            ),
            Allow
        );
        // every pair of roles: union of the two single-role decisions
        for a in Role::ALL {
            for b in Role::ALL {
                for p in Permission::ALL {
                    for r in [Resource::Ordinary, Resource::Sensitive] {
                        let (da, db) = (decide(&[a], p, r), decide(&[b], p, r));
                        let want = if da == Allow || db == Allow {
                            Allow
                        } else if da == BreakGlass || db == BreakGlass {
                            BreakGlass
                        } else {
                            Deny
                        };
                        assert_eq!(decide(&[a, b], p, r), want, "{a}+{b} {p:?} {r:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn grants_come_only_from_authorize() {
        let s = Subject {
            username: "coder".into(),
            roles: vec![Role::Coder],
        };
        let g = authorize(&s, ViewClinicalText, Resource::Ordinary).unwrap();
        assert!(g.covers(ViewClinicalText));
        assert_eq!(g.username(), "coder");
        assert_eq!(
            authorize(&s, UseRoi, Resource::Ordinary).unwrap_err(),
            Refusal::Denied
        );
        assert_eq!(
            authorize(&s, UseChart, Resource::Sensitive).unwrap_err(),
            Refusal::NeedsBreakGlass
        );
    }

    /// One row per role: the chart tabs it sees (minimum necessary).
    #[test]
    fn chart_tabs_per_role() {
        use ChartTab::*;
        for (role, want) in [
            (Role::Registrar, vec![Encounters, Documents]),
            (
                Role::Coder,
                vec![Summary, Encounters, Documents, Codes, Amendments],
            ),
            (
                Role::Roi,
                vec![
                    Summary,
                    Encounters,
                    Documents,
                    Codes,
                    Disclosures,
                    Amendments,
                ],
            ),
            (
                Role::Analyst,
                vec![Summary, Encounters, Documents, Codes, Amendments],
            ),
            (
                Role::Supervisor,
                vec![
                    Summary,
                    Encounters,
                    Documents,
                    Codes,
                    Disclosures,
                    Amendments,
                ],
            ),
            (Role::Billing, vec![Encounters, Documents, Codes]),
            (
                Role::Clinician,
                vec![Summary, Encounters, Documents, Codes, Amendments],
            ),
            (Role::Compliance, ChartTab::ALL.to_vec()),
            (Role::Auditor, vec![Disclosures, AccessLog]),
            (Role::Admin, vec![]),
        ] {
            assert_eq!(chart_tabs(&[role]), want, "{role}");
        }
    }

    /// A broken glass opens what the role could read on an ordinary chart, nothing more.
    #[test]
    fn a_broken_glass_opens_only_what_the_role_may_read() {
        let billing = Subject {
            username: "billing".into(),
            roles: vec![Role::Billing],
        };
        for (p, broken, want) in [
            (ViewEncounters, false, Err(Refusal::NeedsBreakGlass)),
            (ViewEncounters, true, Ok(Resource::Sensitive)),
            (ViewCodes, true, Ok(Resource::Sensitive)),
            // Minimum necessary still holds: billing never reads note text.
            (ViewClinicalText, true, Err(Refusal::Denied)),
            (ReviewBreakGlass, true, Err(Refusal::Denied)),
        ] {
            let got = authorize_with_glass(&billing, p, Resource::Sensitive, broken)
                .map(|g| g.resource());
            assert_eq!(got, want, "{p:?} broken={broken}");
        }
    }
}
