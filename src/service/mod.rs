//! Every operation a clerk can do, as one trait (DESIGN §2). The UI holds a `dyn Records` and
//! never knows whether it is in-process ([`LocalRecords`]) or across the daemon's socket.
//! Requests and responses are serde types so the same calls can travel as frames.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod clock;
mod local;
pub mod packet;
mod session;

pub use clock::{Clock, ManualClock, SystemClock};
pub use local::LocalRecords;

use crate::codes::validate::{AssignedCode, Finding};
use crate::domain::amendment::{AmendmentRequest, AmendmentTarget, DenialReason};
use crate::domain::audit::{AuditEntry, ChainBreak, ChainSummary};
use crate::domain::break_glass::{BreakGlassAccess, BreakGlassReason, Verdict};
use crate::domain::coding::{
    AgeBand, Backlog, CodeListVersion, CoderProductivity, CodingRecord, CodingStatus, Count,
    HoldReason, QueueFilter, QueueRow, QueueSort,
};
use crate::domain::mpi::{CaseDecision, DuplicateCase, FieldComparison, MergeRecord};
use crate::domain::patient::{Document, Encounter, NewPatient, Patient};
use crate::domain::search::{Hit, SearchKey};
use crate::domain::user::UserSummary;
use crate::domain::{Role, Secret};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Opaque session handle handed out by `login`. The roles behind it live in the service's
/// session table, never in the client.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionToken(pub String);

/// The workstation screens reachable by function keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    Search,
    Chart,
    Coding,
    Roi,
    WorkQueue,
    /// User accounts: unlock (supervisor, admin), deactivate and reset (admin).
    Users,
    /// Possible duplicate charts: review, decide, merge (analysts, supervisors).
    Duplicates,
    /// Break-the-glass accesses waiting for compliance's verdict.
    BreakGlassReview,
}

impl Screen {
    pub const ALL: [Screen; 8] = [
        Screen::Search,
        Screen::Chart,
        Screen::Coding,
        Screen::Roi,
        Screen::WorkQueue,
        Screen::Users,
        Screen::Duplicates,
        Screen::BreakGlassReview,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Search => "Patient search",
            Screen::Chart => "Chart",
            Screen::Coding => "Coding queue",
            Screen::Roi => "Release of information",
            Screen::WorkQueue => "My work queue",
            Screen::Users => "Users",
            Screen::Duplicates => "Duplicate charts",
            Screen::BreakGlassReview => "Break-the-glass review",
        }
    }

    pub fn permission(self) -> crate::policy::Permission {
        use crate::policy::Permission::*;
        match self {
            Screen::Search => UseSearch,
            Screen::Chart => UseChart,
            Screen::Coding => UseCoding,
            Screen::Roi => UseRoi,
            Screen::WorkQueue => UseWorkQueue,
            Screen::Users => UnlockUsers,
            Screen::Duplicates => ReviewDuplicates,
            Screen::BreakGlassReview => ReviewBreakGlass,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub demo: bool,
    pub organisation: String,
    pub idle_timeout_minutes: u32,
    pub patients: u64,
    /// How long a break-the-glass access lasts, for the warning that asks for one.
    #[serde(default)]
    pub break_glass_minutes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: Secret,
    /// The connecting Unix user. The daemon overwrites whatever a client sends with what
    /// SO_PEERCRED says; in-process callers leave it empty.
    #[serde(default)]
    pub peer: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginOk {
    pub token: SessionToken,
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    /// The screens this user may open, so the UI can say so before a key is pressed.
    pub screens: Vec<Screen>,
    /// Everything the policy allows this user on ordinary records: the UI hides what the
    /// service would refuse anyway (the service still checks every call).
    pub permissions: Vec<crate::policy::Permission>,
    pub must_change_password: bool,
    pub idle_timeout_minutes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub password: Secret,
    /// Set when an admin chose the first password: the user must change it at first login.
    pub must_change_password: bool,
}

/// What a chart open returns in this foundation: demographics and the encounter list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSummary {
    pub patient: Patient,
    pub encounters: Vec<Encounter>,
    /// The tabs this user's roles see (the policy's `chart_tabs`).
    #[serde(default)]
    pub tabs: Vec<crate::policy::ChartTab>,
    /// The chart's documents without their text, newest first; text is read one document at
    /// a time (`chart_document`), each read audited.
    #[serde(default)]
    pub documents: Vec<DocumentInfo>,
    /// The break-the-glass access this chart was opened under, if any (the banner shows
    /// until when).
    #[serde(default)]
    pub break_glass: Option<BreakGlassAccess>,
    /// Problems, allergies, medications and immunizations, for roles that see the Summary
    /// tab (`ViewClinicalText`); None for the others (billing, registrars), whose banner then
    /// says nothing about allergies.
    #[serde(default)]
    pub summary: Option<crate::domain::clinical::ClinicalSummary>,
    /// Sensitive encounters this user may not read here (an ordinary chart opened without
    /// break-the-glass): they are in `encounters` with dates and class only, and their
    /// documents are listed as restricted. Reading them needs break-the-glass.
    #[serde(default)]
    pub withheld_encounters: Vec<String>,
    /// Each encounter's coding status (encounter id, status) for roles that see codes; the
    /// Encounters tab shows it. Empty for the others.
    #[serde(default)]
    pub coding: Vec<(String, crate::domain::coding::CodingStatus)>,
}

pub use crate::domain::patient::DocumentInfo;

/// A code found by the look-up: as people write it, as the files do, its title, billable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeHit {
    pub code: String,
    pub raw: String,
    pub title: String,
    pub billable: bool,
}

/// One code checked on a date, with the instructional notes in force for it (its own and its
/// headings', nearest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeDetails {
    pub code: String,
    pub title: Option<String>,
    pub valid: bool,
    /// The plain sentence about it (valid, a heading with its children, not valid on the
    /// date, ...).
    pub sentence: String,
    pub checked_against: String,
    pub notes: Vec<CodeNote>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeNote {
    /// "Excludes1", "Code first", ...
    pub kind: String,
    pub text: String,
    /// Where the note is written (the code itself or a heading above it).
    pub at: String,
}

/// Two charts that may be the same patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePair {
    pub a: SearchKey,
    pub b: SearchKey,
    pub weight: f64,
    pub very_likely: bool,
}

/// What `chartroom duplicates scan` found and did to the work list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanOutcome {
    pub pairs: Vec<DuplicatePair>,
    /// Pairs new to the work list.
    pub new_cases: usize,
    /// Pairs decided earlier (not a duplicate, merged), left as decided.
    pub remembered: usize,
}

/// One line of the duplicate work list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCaseRow {
    pub case: DuplicateCase,
    pub a: Option<Hit>,
    pub b: Option<Hit>,
}

/// Both charts of a case side by side, with what a reviewer needs to decide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateReview {
    pub case: DuplicateCase,
    pub a: Patient,
    pub b: Patient,
    pub a_encounters: usize,
    pub b_encounters: usize,
    pub a_last_visit: Option<chrono::NaiveDate>,
    pub b_last_visit: Option<chrono::NaiveDate>,
    pub comparison: Vec<FieldComparison>,
    /// The merge carried out for this case, when there is one.
    pub merge: Option<MergeRecord>,
}

/// What is decided on an amendment request (45 CFR 164.526): accepted with the text of the
/// amendment (appended to the chart as a new document), or denied on one of the four grounds
/// with the written explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentDecisionInput {
    Accept {
        amendment_text: String,
    },
    Deny {
        reason: DenialReason,
        explanation: String,
    },
}

/// The two statements that may follow a denial: the patient's disagreement, then the
/// provider's rebuttal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    Disagreement,
    Rebuttal,
}

/// A chart's amendment requests, and what the chart shows with them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartAmendments {
    /// Oldest first.
    pub requests: Vec<AmendmentRequest>,
    /// Ids of documents with an accepted amendment: shown as amended, never rewritten.
    pub amended_documents: Vec<String>,
    /// The documents the requests name and the amendment documents appended for accepted
    /// ones, in id order, so the chart shows each amended document beside its amendment.
    pub documents: Vec<Document>,
}

/// One row of the release-of-information desk (F5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiRow {
    pub request: crate::domain::roi::RoiRequest,
    /// "Family, Given" of the chart the request is on.
    pub patient_name: String,
}

/// The desk's list: open requests by days left (overdue first), then closed ones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiDesk {
    pub rows: Vec<RoiRow>,
    /// The department's date the days left were worked out on.
    pub today: NaiveDate,
}

/// A document of the chart as the release step offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiCandidate {
    pub info: crate::domain::patient::DocumentInfo,
    /// Empty for a restricted document (the user has not broken the glass): what it is stays
    /// hidden until they do.
    pub categories: Vec<crate::domain::roi::SensitiveCategory>,
    /// Inside what the request asked for (dates, kinds, encounters).
    pub wanted: bool,
    pub pages: u32,
}

/// One request with what the specialist needs to work it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiView {
    pub request: crate::domain::roi::RoiRequest,
    pub patient_name: String,
    pub birth_date: NaiveDate,
    /// The chart is on legal hold: the matter, so the release is weighed with it.
    pub legal_hold: Option<String>,
    /// The checker on the documents the request wants.
    pub check: crate::domain::roi::AuthCheck,
    pub documents: Vec<RoiCandidate>,
    pub today: NaiveDate,
    /// For an accounting request: what the accounting would list if given now.
    #[serde(default)]
    pub accounting: Option<AccountingPreview>,
}

/// An accounting request's accounting before it is given: the disclosures of the six years
/// before the request that must be accounted for, and its fee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountingPreview {
    pub since: NaiveDate,
    pub listed: Vec<crate::domain::roi::Disclosure>,
    pub fee_cents: u32,
}

/// A step on a request other than its release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoiStep {
    Move {
        to: crate::domain::roi::RequestStatus,
        note: String,
    },
    Extend {
        reason: String,
        patient_told: NaiveDate,
    },
    Deny {
        ground: crate::domain::roi::DenialGround,
        explanation: String,
    },
    Authorization(Box<crate::domain::roi::Authorization>),
    Papers {
        legal: crate::domain::roi::LegalProcess,
        representative_authority: String,
    },
}

/// What is released: the documents picked and how the patient's copy is charged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInput {
    pub documents: Vec<String>,
    pub access_fee: crate::domain::roi::AccessFee,
}

/// The chart's Disclosures tab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartDisclosures {
    /// Each disclosure with every version, oldest first; newest disclosure first.
    pub disclosures: Vec<Vec<crate::domain::roi::Disclosure>>,
    pub accountings: Vec<crate::domain::roi::AccountingRecord>,
    /// What an accounting asked for today would list (ids).
    pub accounting_today: Vec<String>,
    /// What an accounting asked for today would cost (0 when it is the first in 12 months).
    pub next_accounting_fee_cents: u32,
    pub today: NaiveDate,
    /// The user may record and correct disclosures.
    pub can_manage: bool,
}

/// One page of the coding queue (F4) and how many rows passed the filter in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub total: usize,
    pub rows: Vec<QueueRow>,
    /// The day the ages were worked out on.
    pub today: NaiveDate,
}

/// An encounter's coding as the coder's workspace shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingView {
    pub record: CodingRecord,
    pub encounter: Encounter,
    /// Every saved code list, oldest first (the last is `record.codes`).
    pub versions: Vec<CodeListVersion>,
    /// `codes::validate` on the current list (on the discharge date, in the encounter's
    /// setting), most severe first.
    pub findings: Vec<Finding>,
    /// Whether this encounter's type needs second-level validation (the department setting).
    pub validation_required: bool,
    /// The physician queries on the encounter, oldest first (empty for roles that may not
    /// read its clinical text).
    #[serde(default)]
    pub queries: Vec<crate::domain::query::PhysicianQuery>,
    /// The day the record was read (queries' ages are counted to it).
    #[serde(default)]
    pub today: Option<NaiveDate>,
}

/// A clinician a physician query can be addressed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryRecipient {
    pub username: String,
    pub full_name: String,
}

/// A query with what a work queue shows beside it: the patient and the encounter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryItem {
    pub query: crate::domain::query::PhysicianQuery,
    /// The chart the encounter is on now (after a merge, the surviving one).
    pub mrn: String,
    pub patient: String,
    pub class: crate::domain::EncounterClass,
    pub admitted: NaiveDate,
    pub discharged: Option<NaiveDate>,
}

/// The physician queries on one user's work queue (F6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyQueries {
    /// Open queries addressed to this clinician, oldest first.
    pub to_answer: Vec<QueryItem>,
    /// Queries this coder sent: open ones first (oldest first), then those answered or
    /// withdrawn in the last 30 days.
    pub sent: Vec<QueryItem>,
    /// Queries on restricted records this user may not read without break-the-glass:
    /// (query id, MRN, age in days).
    pub withheld: Vec<(String, String, i64)>,
    pub today: NaiveDate,
}

/// A code list saved as a new version, and what validation found in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedCodes {
    pub record: CodingRecord,
    pub findings: Vec<Finding>,
}

/// Discharged, not final billed: the encounters billing waits for. No clinical content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnfbReport {
    pub total: usize,
    pub by_age: Vec<Count<AgeBand>>,
    /// Oldest discharge first, at most the limit asked for.
    pub rows: Vec<QueueRow>,
    pub today: NaiveDate,
}

/// One encounter's codes on the chart's Codes tab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterCodes {
    pub encounter_id: String,
    pub class: crate::domain::EncounterClass,
    pub admitted: NaiveDate,
    pub discharged: Option<NaiveDate>,
    /// `Uncoded` for an encounter nobody worked (or not yet discharged).
    pub status: CodingStatus,
    pub codes: Vec<AssignedCode>,
    pub code_version: u64,
    pub coded_by: Option<String>,
    /// Each code's title in the code set of the encounter's date, in `codes` order (empty
    /// where a code is not in the set).
    #[serde(default)]
    pub titles: Vec<String>,
}

/// The chart's Codes tab: codes per encounter, newest admission first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartCodes {
    pub encounters: Vec<EncounterCodes>,
    /// Restricted encounters this user may not read here (break-the-glass opens them).
    pub withheld_encounters: Vec<String>,
}

/// One page of search results and how many matched in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Parts of the query that were not understood (`31/02/1990 is not a real date`).
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditVerdict {
    Intact(ChainSummary),
    Broken(ChainBreak),
}

/// Every failure a clerk can meet, each with a message that says what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ServiceError {
    /// Deliberately the same for an unknown user and a wrong password.
    #[error("user name or password is not right")]
    BadCredentials,
    #[error(
        "this account is locked after too many failed logins; ask an administrator or supervisor to unlock it"
    )]
    AccountLocked,
    #[error("choose a new password before continuing")]
    PasswordChangeRequired,
    #[error("your session has ended; log in again")]
    SessionExpired,
    /// Only from `chartroom attach`: the daemon restarted since this session logged in, so the
    /// session is gone but the screen (and what was typed) is not.
    #[error("the chartroom server restarted; enter your password to go on (your screen is kept)")]
    ServerRestarted,
    #[error("not permitted: {0}")]
    NotPermitted(String),
    #[error("this chart is restricted; opening it needs a break-the-glass reason")]
    NeedsBreakGlass,
    #[error("password not accepted: {0}")]
    PasswordRejected(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{} existing patient(s) may be this person; choose one, or say why this is a new patient", .0.len())]
    PossibleDuplicates(Vec<Hit>),
    #[error("{0}")]
    Conflict(String),
    #[error("the records service failed: {0}")]
    Unavailable(String),
    /// Something is still starting up (the patient index); trying again shortly works.
    #[error("{0}")]
    NotReady(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Everything the UI (local or attached) can ask for.
pub trait Records: Send + Sync {
    /// What the login screen shows before anyone logs in.
    fn server_info(&self) -> ServiceResult<ServerInfo>;
    fn login(&self, req: LoginRequest) -> ServiceResult<LoginOk>;
    fn logout(&self, session: &SessionToken) -> ServiceResult<()>;
    /// Ends the session because the UI saw no keys for the idle timeout.
    fn idle_logoff(&self, session: &SessionToken) -> ServiceResult<()>;
    /// Activity outside service calls (typing in a form) keeps the session alive.
    fn keep_alive(&self, session: &SessionToken) -> ServiceResult<()>;
    /// A wrong current password counts toward lockout like a failed login.
    fn change_password(
        &self,
        session: &SessionToken,
        old: &Secret,
        new: &Secret,
    ) -> ServiceResult<()>;
    /// Checks that the user may open `screen`; a refusal is audited as a denied attempt.
    fn open_screen(&self, session: &SessionToken, screen: Screen) -> ServiceResult<()>;
    /// Patient search as typed; audited once per search the clerk settles on, not per key.
    fn search(
        &self,
        session: &SessionToken,
        query: &str,
        limit: usize,
    ) -> ServiceResult<SearchResults>;
    /// The charts this user opened most recently, newest first (the empty search box).
    fn recent_patients(&self, session: &SessionToken) -> ServiceResult<Vec<Hit>>;
    fn open_chart(&self, session: &SessionToken, mrn: &str) -> ServiceResult<ChartSummary>;
    /// Existing patients the new one may be (same name and birth date, sound-alike names with
    /// the same birth date, the same SSN or phone).
    fn likely_matches(&self, session: &SessionToken, p: &NewPatient) -> ServiceResult<Vec<Hit>>;
    /// Registers a new patient. When likely matches exist the clerk must say why this is a new
    /// patient (`not_a_duplicate_because`); without a reason the service refuses with
    /// `PossibleDuplicates`.
    fn register_patient(
        &self,
        session: &SessionToken,
        p: NewPatient,
        not_a_duplicate_because: Option<String>,
    ) -> ServiceResult<Patient>;
    /// Corrects a patient's demographics as a new version (the old one stays in history).
    /// `expected_version` is the version the clerk edited: a newer one is a conflict.
    fn update_patient(
        &self,
        session: &SessionToken,
        mrn: &str,
        expected_version: u64,
        p: NewPatient,
    ) -> ServiceResult<Patient>;
    /// Every version of a patient's demographics, newest first.
    fn patient_history(&self, session: &SessionToken, mrn: &str) -> ServiceResult<Vec<Patient>>;
    /// The duplicate work list: undecided cases, or every case with `include_decided`.
    fn duplicate_cases(
        &self,
        session: &SessionToken,
        include_decided: bool,
    ) -> ServiceResult<Vec<DuplicateCaseRow>>;
    /// Both charts of a case side by side (a read of both, audited for each).
    fn review_duplicate(
        &self,
        session: &SessionToken,
        case_id: &str,
    ) -> ServiceResult<DuplicateReview>;
    /// A decision on a case; a merge (supervisors) is carried out in the same transaction.
    fn decide_duplicate(
        &self,
        session: &SessionToken,
        case_id: &str,
        expected_version: u64,
        decision: CaseDecision,
        note: &str,
    ) -> ServiceResult<DuplicateCase>;
    /// One document's text (needs clinical-text rights), audited in the same transaction.
    fn chart_document(
        &self,
        session: &SessionToken,
        mrn: &str,
        document_id: &str,
    ) -> ServiceResult<crate::domain::Document>;
    /// "Who looked at this chart": the audit entries naming the patient, newest first.
    fn chart_access_log(&self, session: &SessionToken, mrn: &str)
    -> ServiceResult<Vec<AuditEntry>>;
    /// Opens a restricted chart outside the user's normal rights: a reason, perhaps a note,
    /// and the password again. The access lasts the configured window (60 minutes by default)
    /// for this user and this patient only, and goes to compliance's review list.
    fn break_glass(
        &self,
        session: &SessionToken,
        mrn: &str,
        reason: BreakGlassReason,
        note: &str,
        password: &crate::domain::Secret,
    ) -> ServiceResult<BreakGlassAccess>;
    /// Compliance's review list, newest first; `unreviewed_only` leaves out judged ones.
    fn break_glass_list(
        &self,
        session: &SessionToken,
        unreviewed_only: bool,
    ) -> ServiceResult<Vec<BreakGlassAccess>>;
    fn review_break_glass(
        &self,
        session: &SessionToken,
        id: u64,
        expected_version: u64,
        verdict: Verdict,
        comment: &str,
    ) -> ServiceResult<BreakGlassAccess>;
    /// Compliance flags a chart sensitive or clears the flag (a new version of the patient).
    fn set_sensitivity(
        &self,
        session: &SessionToken,
        mrn: &str,
        expected_version: u64,
        sensitivity: Option<crate::domain::Sensitivity>,
        reason: &str,
    ) -> ServiceResult<Patient>;
    /// Compliance places a legal hold for a matter (`Some`) or releases it (`None`): a new
    /// version of the patient, audited with the reason. A held chart cannot be merged.
    fn set_legal_hold(
        &self,
        session: &SessionToken,
        mrn: &str,
        expected_version: u64,
        matter: Option<&str>,
        reason: &str,
    ) -> ServiceResult<Patient>;
    /// Compliance flags one encounter sensitive or clears its flag (a new version of the
    /// encounter; `expected_version` is the version the clerk saw). Its content then needs
    /// the grant a sensitive chart needs; the rest of an ordinary chart opens as before.
    fn set_encounter_sensitivity(
        &self,
        session: &SessionToken,
        mrn: &str,
        encounter_id: &str,
        expected_version: u64,
        sensitivity: Option<crate::domain::Sensitivity>,
        reason: &str,
    ) -> ServiceResult<Encounter>;
    /// Logs a patient's request to amend their record (ManageAmendments). A document target
    /// must be a document of this chart. Due 60 days after `received`.
    fn log_amendment_request(
        &self,
        session: &SessionToken,
        mrn: &str,
        target: AmendmentTarget,
        requested_change: &str,
        received: NaiveDate,
    ) -> ServiceResult<AmendmentRequest>;
    /// A chart's amendment requests and the documents they touch (ViewClinicalText on the
    /// chart: a restricted chart needs break-the-glass). Audited as `amendments_viewed`.
    fn amendment_requests(
        &self,
        session: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<ChartAmendments>;
    /// Takes the one 30-day extension; the patient must have been told by the original due
    /// date. `expected_version` is the version the clerk saw: a newer one is a conflict.
    fn extend_amendment(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        reason: &str,
        patient_told: NaiveDate,
    ) -> ServiceResult<AmendmentRequest>;
    /// Accepts or denies a pending request. Acceptance appends the amendment to the chart as
    /// a new document (kind "Amendment") in the same transaction; the amended document is
    /// never changed.
    fn decide_amendment(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        decision: AmendmentDecisionInput,
        decided_on: NaiveDate,
    ) -> ServiceResult<AmendmentRequest>;
    /// Records the patient's statement of disagreement with a denial, or the rebuttal to it.
    fn add_amendment_statement(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        kind: StatementKind,
        text: &str,
        dated: NaiveDate,
    ) -> ServiceResult<AmendmentRequest>;
    /// The department's pending requests, soonest due first (overdue ones lead).
    fn amendment_worklist(&self, session: &SessionToken) -> ServiceResult<Vec<AmendmentRequest>>;
    /// The release-of-information desk (ManageDisclosures, or ViewAuditTrail to read).
    fn roi_desk(&self, session: &SessionToken) -> ServiceResult<RoiDesk>;
    /// Logs a request (ManageDisclosures). Refused for a merged chart (log it on the
    /// survivor) and for a received date in the future.
    fn log_roi_request(
        &self,
        session: &SessionToken,
        request: crate::domain::roi::NewRoiRequest,
    ) -> ServiceResult<crate::domain::roi::RoiRequest>;
    /// One request with its checker and the chart's documents. Audited `roi_viewed`.
    fn roi_request(&self, session: &SessionToken, id: &str) -> ServiceResult<RoiView>;
    /// A step on a request at the version the clerk saw.
    fn roi_step(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        step: RoiStep,
    ) -> ServiceResult<crate::domain::roi::RoiRequest>;
    /// Releases a request in processing: checks the papers on the documents picked, writes the
    /// packet completely, then records the release (and its accounting entry when one is
    /// due) in one transaction. Nothing is recorded unless the packet was written.
    fn release_roi(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        input: ReleaseInput,
    ) -> ServiceResult<crate::domain::roi::RoiRequest>;
    /// The chart's Disclosures tab (ManageDisclosures or ViewAuditTrail).
    fn chart_disclosures(
        &self,
        session: &SessionToken,
        mrn: &str,
    ) -> ServiceResult<ChartDisclosures>;
    /// Records a disclosure made outside chartroom (ManageDisclosures).
    fn record_disclosure(
        &self,
        session: &SessionToken,
        mrn: &str,
        fields: crate::domain::roi::DisclosureFields,
    ) -> ServiceResult<crate::domain::roi::Disclosure>;
    /// Corrects a disclosure by a new version with the reason (or marks it entered in error).
    fn correct_disclosure(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        fields: crate::domain::roi::DisclosureFields,
        entered_in_error: bool,
        reason: &str,
    ) -> ServiceResult<crate::domain::roi::Disclosure>;
    /// Gives the patient their accounting of disclosures: writes it to the output folder and
    /// records it (with its fee: the first in 12 months is free).
    fn provide_accounting(
        &self,
        session: &SessionToken,
        mrn: &str,
        requested_on: NaiveDate,
    ) -> ServiceResult<crate::domain::roi::AccountingRecord>;
    /// The code look-up (code prefix or title words) in the code set in force on `on`.
    fn lookup_codes(
        &self,
        session: &SessionToken,
        system: crate::codes::CodeSystem,
        on: chrono::NaiveDate,
        query: &str,
        limit: usize,
    ) -> ServiceResult<Vec<CodeHit>>;
    /// One code checked on `on`, with its instructional notes.
    fn code_details(
        &self,
        session: &SessionToken,
        system: crate::codes::CodeSystem,
        on: chrono::NaiveDate,
        code: &str,
    ) -> ServiceResult<CodeDetails>;
    /// The coding queue (UseCoding): discharged encounters not final, filtered, sorted, the
    /// first `limit` rows. Audited as one read.
    fn coding_queue(
        &self,
        session: &SessionToken,
        filter: &QueueFilter,
        sort: QueueSort,
        limit: usize,
    ) -> ServiceResult<QueuePage>;
    /// An encounter's coding record, its code-list versions and the current findings
    /// (ViewCodes on the encounter: a restricted one needs break-the-glass).
    fn coding_record(
        &self,
        session: &SessionToken,
        encounter_id: &str,
    ) -> ServiceResult<CodingView>;
    /// A coder takes an uncoded encounter. Of two coders racing for one, exactly one wins;
    /// the other is refused with who has it.
    fn claim_encounter(
        &self,
        session: &SessionToken,
        encounter_id: &str,
    ) -> ServiceResult<CodingRecord>;
    /// Gives a claimed encounter back to the queue (its coder or a supervisor).
    fn release_encounter(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord>;
    fn hold_encounter(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        reason: HoldReason,
        note: &str,
    ) -> ServiceResult<CodingRecord>;
    fn resume_encounter(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord>;
    /// Saves the whole code list as one new version (earlier versions are kept). Saving is
    /// allowed with findings; they come back with the record.
    fn save_codes(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        codes: Vec<AssignedCode>,
    ) -> ServiceResult<SavedCodes>;
    /// Refused while the saved list has any error finding (the findings are in the message).
    fn mark_coded(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord>;
    /// Second-level review passed (ValidateCoding; not the coder).
    fn validate_coding(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord>;
    /// Second-level review sends it back to its coder with a note.
    fn return_to_coder(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        note: &str,
    ) -> ServiceResult<CodingRecord>;
    /// Final coding: from coded (no validation needed) or validated. Leaves the queue.
    fn finalize_coding(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
    ) -> ServiceResult<CodingRecord>;
    /// A supervisor assigns an encounter to a coder, or reassigns it.
    fn assign_encounter(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        coder: &str,
    ) -> ServiceResult<CodingRecord>;
    /// A supervisor reopens final coding, with the reason; it goes back to its coder.
    fn reopen_coding(
        &self,
        session: &SessionToken,
        encounter_id: &str,
        expected_version: u64,
        reason: &str,
    ) -> ServiceResult<CodingRecord>;
    /// Clinicians a query can be sent to (EditCodes), by name.
    fn query_recipients(&self, session: &SessionToken) -> ServiceResult<Vec<QueryRecipient>>;
    /// Sends a physician query on an encounter the coder has in progress (at the coding
    /// record version they saw). Refused with every problem `domain::query::check` finds
    /// (indicators quoted from the encounter's documents, the fixed options, no payment
    /// words). The encounter goes on hold, "query pending", in the same transaction.
    fn send_query(
        &self,
        session: &SessionToken,
        draft: crate::domain::query::QueryDraft,
        coding_version: u64,
    ) -> ServiceResult<crate::domain::query::PhysicianQuery>;
    /// The clinician answers a query addressed to them: one of its choices, with their
    /// words (required for "other" and open questions). When it was the encounter's last
    /// open query, the hold ends and the encounter is back with its coder.
    fn answer_query(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        choice: Option<&str>,
        words: &str,
    ) -> ServiceResult<crate::domain::query::PhysicianQuery>;
    /// The coder who sent it (or a supervisor) withdraws an open query, with the reason.
    fn withdraw_query(
        &self,
        session: &SessionToken,
        id: &str,
        expected_version: u64,
        reason: &str,
    ) -> ServiceResult<crate::domain::query::PhysicianQuery>;
    /// The queries on this user's work queue (clinicians: to answer; coders: sent).
    fn my_queries(&self, session: &SessionToken) -> ServiceResult<MyQueries>;
    /// The backlog by age band, type, coder and status (supervisors).
    fn coding_backlog(&self, session: &SessionToken) -> ServiceResult<Backlog>;
    /// Encounters marked coded per coder in `[from, to)`, per hour of coding time and by
    /// type (supervisors).
    fn coder_productivity(
        &self,
        session: &SessionToken,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ServiceResult<Vec<CoderProductivity>>;
    /// Discharged, not final billed (ViewDnfb: billing and supervisors), oldest first.
    fn dnfb_list(&self, session: &SessionToken, limit: usize) -> ServiceResult<DnfbReport>;
    /// The chart's Codes tab (ViewCodes; billing sees codes, never note text).
    fn chart_codes(&self, session: &SessionToken, mrn: &str) -> ServiceResult<ChartCodes>;
    fn list_users(&self, session: &SessionToken) -> ServiceResult<Vec<UserSummary>>;
    fn add_user(&self, session: &SessionToken, u: NewUser) -> ServiceResult<()>;
    fn set_locked(&self, session: &SessionToken, username: &str, locked: bool)
    -> ServiceResult<()>;
    fn set_active(&self, session: &SessionToken, username: &str, active: bool)
    -> ServiceResult<()>;
    /// Sets a temporary password the user must change at next login.
    fn reset_password(
        &self,
        session: &SessionToken,
        username: &str,
        temporary: &Secret,
    ) -> ServiceResult<()>;
    fn audit_entries(
        &self,
        session: &SessionToken,
        from_seq: u64,
        limit: usize,
    ) -> ServiceResult<Vec<AuditEntry>>;
    fn verify_audit(&self, session: &SessionToken) -> ServiceResult<AuditVerdict>;
}

/// When a session started and was last active, for the idle clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTimes {
    pub started: DateTime<Utc>,
    pub last_active: DateTime<Utc>,
}
