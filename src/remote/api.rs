//! The service trait as messages: one `Call` variant per `Records` method and one `Reply`
//! variant carrying its result. Both, the daemon's dispatch and the client's `Records` impl
//! are generated from the one list below, so a method added to the trait without a line here
//! does not compile.

use super::client::RemoteRecords;
use crate::codes::validate::AssignedCode;
use crate::domain::Secret;
use crate::domain::amendment::{AmendmentRequest, AmendmentTarget};
use crate::domain::audit::AuditEntry;
use crate::domain::break_glass::{BreakGlassAccess, BreakGlassReason, Verdict};
use crate::domain::coding::{
    Backlog, CoderProductivity, CodingRecord, HoldReason, QueueFilter, QueueSort,
};
use crate::domain::mpi::{CaseDecision, DuplicateCase};
use crate::domain::patient::{Encounter, NewPatient, Patient};
use crate::domain::search::Hit;
use crate::domain::user::UserSummary;
use crate::service::*;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The type a `Records` method takes for an argument of each kind.
macro_rules! param {
    (val, $t:ty) => { $t };
    (r, $t:ty) => { &$t };
    (s, $t:ty) => { &str };
    (os, $t:ty) => { Option<&str> };
}

/// The owned value a borrowed argument travels as.
macro_rules! own {
    (val, $a:ident) => {
        $a
    };
    (r, $a:ident) => {
        $a.clone()
    };
    (s, $a:ident) => {
        $a.to_string()
    };
    (os, $a:ident) => {
        $a.map(str::to_string)
    };
}

/// The argument handed to the daemon's `LocalRecords` from what arrived.
macro_rules! pass {
    (val, $a:ident) => {
        $a
    };
    (r, $a:ident) => {
        &$a
    };
    (s, $a:ident) => {
        &$a
    };
    (os, $a:ident) => {
        $a.as_deref()
    };
}

macro_rules! api {
    ($( fn $name:ident ( $( $arg:ident : $kind:ident $ty:ty ),* ) -> $ret:ty ; )*) => {
        /// One call of the service, as the client sends it.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Debug, Serialize, Deserialize)]
        pub enum Call {
            $( $name { $( $arg: $ty ),* } ),*
        }

        /// The result of one call, as the daemon sends it back.
        #[allow(non_camel_case_types, clippy::large_enum_variant)]
        #[derive(Clone, Debug, Serialize, Deserialize)]
        pub enum Reply {
            $( $name(ServiceResult<$ret>) ),*
        }

        impl Call {
            /// The method's name, for logs and errors (never its arguments: they hold PHI).
            pub fn name(&self) -> &'static str {
                match self {
                    $( Call::$name { .. } => stringify!($name) ),*
                }
            }

            /// Runs the call on the daemon's records.
            pub fn run(self, records: &dyn Records) -> Reply {
                match self {
                    $( Call::$name { $( $arg ),* } => Reply::$name(records.$name( $( pass!($kind, $arg) ),* )) ),*
                }
            }
        }

        impl Reply {
            pub fn name(&self) -> &'static str {
                match self {
                    $( Reply::$name(_) => stringify!($name) ),*
                }
            }
        }

        impl Records for RemoteRecords {
            $(
                fn $name(&self $(, $arg: param!($kind, $ty) )*) -> ServiceResult<$ret> {
                    match self.call(Call::$name { $( $arg: own!($kind, $arg) ),* })? {
                        Reply::$name(r) => self.after(r),
                        other => Err(mismatch(stringify!($name), &other)),
                    }
                }
            )*
        }
    };
}

fn mismatch(asked: &str, got: &Reply) -> ServiceError {
    ServiceError::Unavailable(format!(
        "the server answered another call ({asked} asked, {} came back); reconnect",
        got.name()
    ))
}

api! {
    fn server_info() -> ServerInfo;
    fn login(req: val LoginRequest) -> LoginOk;
    fn logout(session: r SessionToken) -> ();
    fn idle_logoff(session: r SessionToken) -> ();
    fn keep_alive(session: r SessionToken) -> ();
    fn change_password(session: r SessionToken, old: r Secret, new: r Secret) -> ();
    fn open_screen(session: r SessionToken, screen: val Screen) -> ();
    fn search(session: r SessionToken, query: s String, limit: val usize) -> SearchResults;
    fn recent_patients(session: r SessionToken) -> Vec<Hit>;
    fn open_chart(session: r SessionToken, mrn: s String) -> ChartSummary;
    fn likely_matches(session: r SessionToken, p: r NewPatient) -> Vec<Hit>;
    fn register_patient(session: r SessionToken, p: val NewPatient, not_a_duplicate_because: val Option<String>) -> Patient;
    fn update_patient(session: r SessionToken, mrn: s String, expected_version: val u64, p: val NewPatient) -> Patient;
    fn patient_history(session: r SessionToken, mrn: s String) -> Vec<Patient>;
    fn duplicate_cases(session: r SessionToken, include_decided: val bool) -> Vec<DuplicateCaseRow>;
    fn review_duplicate(session: r SessionToken, case_id: s String) -> DuplicateReview;
    fn decide_duplicate(session: r SessionToken, case_id: s String, expected_version: val u64, decision: val CaseDecision, note: s String) -> DuplicateCase;
    fn chart_document(session: r SessionToken, mrn: s String, document_id: s String) -> crate::domain::Document;
    fn chart_access_log(session: r SessionToken, mrn: s String) -> Vec<AuditEntry>;
    fn break_glass(session: r SessionToken, mrn: s String, reason: val BreakGlassReason, note: s String, password: r crate::domain::Secret) -> BreakGlassAccess;
    fn break_glass_list(session: r SessionToken, unreviewed_only: val bool) -> Vec<BreakGlassAccess>;
    fn review_break_glass(session: r SessionToken, id: val u64, expected_version: val u64, verdict: val Verdict, comment: s String) -> BreakGlassAccess;
    fn set_sensitivity(session: r SessionToken, mrn: s String, expected_version: val u64, sensitivity: val Option<crate::domain::Sensitivity>, reason: s String) -> Patient;
    fn set_legal_hold(session: r SessionToken, mrn: s String, expected_version: val u64, matter: os Option<String>, reason: s String) -> Patient;
    fn set_encounter_sensitivity(session: r SessionToken, mrn: s String, encounter_id: s String, expected_version: val u64, sensitivity: val Option<crate::domain::Sensitivity>, reason: s String) -> Encounter;
    fn log_amendment_request(session: r SessionToken, mrn: s String, target: val AmendmentTarget, requested_change: s String, received: val NaiveDate) -> AmendmentRequest;
    fn amendment_requests(session: r SessionToken, mrn: s String) -> ChartAmendments;
    fn extend_amendment(session: r SessionToken, id: s String, expected_version: val u64, reason: s String, patient_told: val NaiveDate) -> AmendmentRequest;
    fn decide_amendment(session: r SessionToken, id: s String, expected_version: val u64, decision: val AmendmentDecisionInput, decided_on: val NaiveDate) -> AmendmentRequest;
    fn add_amendment_statement(session: r SessionToken, id: s String, expected_version: val u64, kind: val StatementKind, text: s String, dated: val NaiveDate) -> AmendmentRequest;
    fn amendment_worklist(session: r SessionToken) -> Vec<AmendmentRequest>;
    fn roi_desk(session: r SessionToken) -> RoiDesk;
    fn log_roi_request(session: r SessionToken, request: val crate::domain::roi::NewRoiRequest) -> crate::domain::roi::RoiRequest;
    fn roi_request(session: r SessionToken, id: s String) -> RoiView;
    fn roi_step(session: r SessionToken, id: s String, expected_version: val u64, step: val RoiStep) -> crate::domain::roi::RoiRequest;
    fn release_roi(session: r SessionToken, id: s String, expected_version: val u64, input: val ReleaseInput) -> crate::domain::roi::RoiRequest;
    fn chart_disclosures(session: r SessionToken, mrn: s String) -> ChartDisclosures;
    fn record_disclosure(session: r SessionToken, mrn: s String, fields: val crate::domain::roi::DisclosureFields) -> crate::domain::roi::Disclosure;
    fn correct_disclosure(session: r SessionToken, id: s String, expected_version: val u64, fields: val crate::domain::roi::DisclosureFields, entered_in_error: val bool, reason: s String) -> crate::domain::roi::Disclosure;
    fn provide_accounting(session: r SessionToken, mrn: s String, requested_on: val NaiveDate) -> crate::domain::roi::AccountingRecord;
    fn lookup_codes(session: r SessionToken, system: val crate::codes::CodeSystem, on: val chrono::NaiveDate, query: s String, limit: val usize) -> Vec<CodeHit>;
    fn code_details(session: r SessionToken, system: val crate::codes::CodeSystem, on: val chrono::NaiveDate, code: s String) -> CodeDetails;
    fn coding_queue(session: r SessionToken, filter: r QueueFilter, sort: val QueueSort, limit: val usize) -> QueuePage;
    fn coding_record(session: r SessionToken, encounter_id: s String) -> CodingView;
    fn claim_encounter(session: r SessionToken, encounter_id: s String) -> CodingRecord;
    fn release_encounter(session: r SessionToken, encounter_id: s String, expected_version: val u64) -> CodingRecord;
    fn hold_encounter(session: r SessionToken, encounter_id: s String, expected_version: val u64, reason: val HoldReason, note: s String) -> CodingRecord;
    fn resume_encounter(session: r SessionToken, encounter_id: s String, expected_version: val u64) -> CodingRecord;
    fn save_codes(session: r SessionToken, encounter_id: s String, expected_version: val u64, codes: val Vec<AssignedCode>) -> SavedCodes;
    fn mark_coded(session: r SessionToken, encounter_id: s String, expected_version: val u64) -> CodingRecord;
    fn validate_coding(session: r SessionToken, encounter_id: s String, expected_version: val u64) -> CodingRecord;
    fn return_to_coder(session: r SessionToken, encounter_id: s String, expected_version: val u64, note: s String) -> CodingRecord;
    fn finalize_coding(session: r SessionToken, encounter_id: s String, expected_version: val u64) -> CodingRecord;
    fn assign_encounter(session: r SessionToken, encounter_id: s String, expected_version: val u64, coder: s String) -> CodingRecord;
    fn reopen_coding(session: r SessionToken, encounter_id: s String, expected_version: val u64, reason: s String) -> CodingRecord;
    fn query_recipients(session: r SessionToken) -> Vec<QueryRecipient>;
    fn send_query(session: r SessionToken, draft: val crate::domain::query::QueryDraft, coding_version: val u64) -> crate::domain::query::PhysicianQuery;
    fn answer_query(session: r SessionToken, id: s String, expected_version: val u64, choice: os Option<String>, words: s String) -> crate::domain::query::PhysicianQuery;
    fn withdraw_query(session: r SessionToken, id: s String, expected_version: val u64, reason: s String) -> crate::domain::query::PhysicianQuery;
    fn my_queries(session: r SessionToken) -> MyQueries;
    fn coding_backlog(session: r SessionToken) -> Backlog;
    fn coder_productivity(session: r SessionToken, from: val DateTime<Utc>, to: val DateTime<Utc>) -> Vec<CoderProductivity>;
    fn dnfb_list(session: r SessionToken, limit: val usize) -> DnfbReport;
    fn chart_codes(session: r SessionToken, mrn: s String) -> ChartCodes;
    fn list_users(session: r SessionToken) -> Vec<UserSummary>;
    fn add_user(session: r SessionToken, u: val NewUser) -> ();
    fn set_locked(session: r SessionToken, username: s String, locked: val bool) -> ();
    fn set_active(session: r SessionToken, username: s String, active: val bool) -> ();
    fn reset_password(session: r SessionToken, username: s String, temporary: r Secret) -> ();
    fn audit_entries(session: r SessionToken, from_seq: val u64, limit: val usize) -> Vec<AuditEntry>;
    fn verify_audit(session: r SessionToken) -> AuditVerdict;
}
