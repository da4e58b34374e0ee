//! Keys, bound from a table with a description per entry. The footer and the F1 help are built
//! from the live table, so a user's keymap file changes what they say too.
//!
//! A user keymap file (`--keymap FILE`, or `$XDG_CONFIG_HOME/chartroom/keymap.toml`) rebinds
//! actions by their serde names:
//!
//! ```toml
//! [bindings]
//! quit = "Ctrl+X"
//! help = "F1"
//! ```

use crate::service::Screen;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Everything a key can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Help,
    Search,
    Chart,
    Coding,
    Roi,
    WorkQueue,
    Users,
    Back,
    Quit,
    Redraw,
    ChangePassword,
    Logout,
    NextField,
    PrevField,
    Submit,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    ToggleLock,
    ToggleActive,
    ResetPassword,
    RecentPatients,
    NewPatient,
    Save,
    Duplicates,
    NotDuplicate,
    NeedsResearch,
    Merge,
    SwapSurvivor,
    UndoMerge,
    AllCases,
    ReopenCase,
    EditDemographics,
    DemographicHistory,
    TabSummary,
    TabEncounters,
    TabDocuments,
    TabCodes,
    TabDisclosures,
    TabAccessLog,
    TabAmendments,
    Find,
    NextMatch,
    PrevMatch,
    BreakGlassReview,
    ShowReviewed,
    MarkAppropriate,
    MarkViolation,
    NewAmendment,
    ExtendAmendment,
    AcceptAmendment,
    DenyAmendment,
    AmendmentStatement,
    FlagSensitive,
    LegalHold,
    QueueMine,
    QueueUnassigned,
    QueueOnHold,
    QueueAll,
    QueueType,
    QueueSortNext,
    QueueSortReverse,
    CodeLookup,
    CodingReport,
    Claim,
    AssignCoder,
    AddCode,
    SetPoa,
    CodeUp,
    CodeDown,
    DeleteCode,
    MarkCoded,
    HoldCoding,
    ReleaseCoding,
    ValidateCoding,
    ReturnCoding,
    ComposeQuery,
    QuoteLine,
    WithdrawQuery,
    PickAnswer,
    ReloadWork,
    NewRoiRequest,
    RoiValidate,
    RoiWait,
    RoiProcess,
    RoiAuthorization,
    RoiPapers,
    RoiExtend,
    RoiDeny,
    RoiCancel,
    RoiRelease,
    RoiPick,
    ReloadRoi,
    RecordDisclosure,
    CorrectDisclosure,
    ProvideAccounting,
}

/// Where a key means its action. Screen letters (`l` lock, `r` research) mean something only
/// on their screen, so the same letter can serve two screens; `Any` keys work everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyScope {
    Any,
    Users,
    Duplicates,
    Chart,
    Review,
    /// The chart's document reader: the chart's keys and find.
    Reader,
    /// The chart's Amendments tab: the chart's keys and the amendment steps.
    Amendments,
    /// F4's queue: filters, sort, claim, assign.
    CodingQueue,
    /// The coding workspace: the code list's keys and the document reader's find.
    Workspace,
    /// F6, my work queue and its answer form.
    WorkQueue,
    /// F5, the release-of-information desk and a request's page.
    Roi,
    /// The chart's Disclosures tab: the chart's keys and the accounting's.
    Disclosures,
}

impl KeyScope {
    /// The scope whose keys also work here (the reader and the Amendments tab are parts of
    /// the chart).
    pub fn parent(self) -> Option<KeyScope> {
        match self {
            KeyScope::Reader | KeyScope::Amendments | KeyScope::Disclosures => {
                Some(KeyScope::Chart)
            }
            KeyScope::Workspace => Some(KeyScope::Reader),
            _ => None,
        }
    }

    /// Whether bindings of these two scopes can be pressed on the same screen.
    pub fn overlaps(self, other: KeyScope) -> bool {
        self == KeyScope::Any
            || other == KeyScope::Any
            || self == other
            || self.parent() == Some(other)
            || other.parent() == Some(self)
    }
}

impl Action {
    pub const ALL: [Action; 99] = [
        Action::Help,
        Action::Search,
        Action::Chart,
        Action::Coding,
        Action::Roi,
        Action::WorkQueue,
        Action::Users,
        Action::Back,
        Action::Quit,
        Action::Redraw,
        Action::ChangePassword,
        Action::Logout,
        Action::NextField,
        Action::PrevField,
        Action::Submit,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Home,
        Action::End,
        Action::ToggleLock,
        Action::ToggleActive,
        Action::ResetPassword,
        Action::RecentPatients,
        Action::NewPatient,
        Action::Save,
        Action::Duplicates,
        Action::NotDuplicate,
        Action::NeedsResearch,
        Action::Merge,
        Action::SwapSurvivor,
        Action::UndoMerge,
        Action::AllCases,
        Action::ReopenCase,
        Action::EditDemographics,
        Action::DemographicHistory,
        Action::TabSummary,
        Action::TabEncounters,
        Action::TabDocuments,
        Action::TabCodes,
        Action::TabDisclosures,
        Action::TabAccessLog,
        Action::TabAmendments,
        Action::Find,
        Action::NextMatch,
        Action::PrevMatch,
        Action::BreakGlassReview,
        Action::ShowReviewed,
        Action::MarkAppropriate,
        Action::MarkViolation,
        Action::NewAmendment,
        Action::ExtendAmendment,
        Action::AcceptAmendment,
        Action::DenyAmendment,
        Action::AmendmentStatement,
        Action::FlagSensitive,
        Action::LegalHold,
        Action::QueueMine,
        Action::QueueUnassigned,
        Action::QueueOnHold,
        Action::QueueAll,
        Action::QueueType,
        Action::QueueSortNext,
        Action::QueueSortReverse,
        Action::CodeLookup,
        Action::CodingReport,
        Action::Claim,
        Action::AssignCoder,
        Action::AddCode,
        Action::SetPoa,
        Action::CodeUp,
        Action::CodeDown,
        Action::DeleteCode,
        Action::MarkCoded,
        Action::HoldCoding,
        Action::ReleaseCoding,
        Action::ValidateCoding,
        Action::ReturnCoding,
        Action::ComposeQuery,
        Action::QuoteLine,
        Action::WithdrawQuery,
        Action::PickAnswer,
        Action::ReloadWork,
        Action::NewRoiRequest,
        Action::RoiValidate,
        Action::RoiWait,
        Action::RoiProcess,
        Action::RoiAuthorization,
        Action::RoiPapers,
        Action::RoiExtend,
        Action::RoiDeny,
        Action::RoiCancel,
        Action::RoiRelease,
        Action::RoiPick,
        Action::ReloadRoi,
        Action::RecordDisclosure,
        Action::CorrectDisclosure,
        Action::ProvideAccounting,
    ];

    /// The screen on which this action's key means it.
    pub fn scope(self) -> KeyScope {
        match self {
            Action::ToggleLock | Action::ToggleActive | Action::ResetPassword => KeyScope::Users,
            Action::ShowReviewed | Action::MarkAppropriate | Action::MarkViolation => {
                KeyScope::Review
            }
            Action::NotDuplicate
            | Action::NeedsResearch
            | Action::Merge
            | Action::SwapSurvivor
            | Action::UndoMerge
            | Action::AllCases
            | Action::ReopenCase => KeyScope::Duplicates,
            Action::EditDemographics
            | Action::DemographicHistory
            | Action::TabSummary
            | Action::TabEncounters
            | Action::TabDocuments
            | Action::TabCodes
            | Action::TabDisclosures
            | Action::TabAccessLog
            | Action::TabAmendments
            | Action::FlagSensitive
            | Action::LegalHold => KeyScope::Chart,
            Action::Find | Action::NextMatch | Action::PrevMatch => KeyScope::Reader,
            Action::NewAmendment
            | Action::ExtendAmendment
            | Action::AcceptAmendment
            | Action::DenyAmendment
            | Action::AmendmentStatement => KeyScope::Amendments,
            Action::QueueMine
            | Action::QueueUnassigned
            | Action::QueueOnHold
            | Action::QueueAll
            | Action::QueueType
            | Action::QueueSortNext
            | Action::QueueSortReverse
            | Action::CodeLookup
            | Action::CodingReport
            | Action::Claim
            | Action::AssignCoder => KeyScope::CodingQueue,
            Action::AddCode
            | Action::SetPoa
            | Action::CodeUp
            | Action::CodeDown
            | Action::DeleteCode
            | Action::MarkCoded
            | Action::HoldCoding
            | Action::ReleaseCoding
            | Action::ValidateCoding
            | Action::ReturnCoding
            | Action::ComposeQuery
            | Action::QuoteLine
            | Action::WithdrawQuery => KeyScope::Workspace,
            Action::PickAnswer | Action::ReloadWork => KeyScope::WorkQueue,
            Action::NewRoiRequest
            | Action::RoiValidate
            | Action::RoiWait
            | Action::RoiProcess
            | Action::RoiAuthorization
            | Action::RoiPapers
            | Action::RoiExtend
            | Action::RoiDeny
            | Action::RoiCancel
            | Action::RoiRelease
            | Action::RoiPick
            | Action::ReloadRoi => KeyScope::Roi,
            Action::RecordDisclosure | Action::CorrectDisclosure | Action::ProvideAccounting => {
                KeyScope::Disclosures
            }
            _ => KeyScope::Any,
        }
    }

    /// The name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Help => "help",
            Action::Search => "search",
            Action::Chart => "chart",
            Action::Coding => "coding",
            Action::Roi => "roi",
            Action::WorkQueue => "work_queue",
            Action::Users => "users",
            Action::Back => "back",
            Action::Quit => "quit",
            Action::Redraw => "redraw",
            Action::ChangePassword => "change_password",
            Action::Logout => "logout",
            Action::NextField => "next_field",
            Action::PrevField => "prev_field",
            Action::Submit => "submit",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Home => "home",
            Action::End => "end",
            Action::ToggleLock => "toggle_lock",
            Action::ToggleActive => "toggle_active",
            Action::ResetPassword => "reset_password",
            Action::RecentPatients => "recent_patients",
            Action::NewPatient => "new_patient",
            Action::Save => "save",
            Action::Duplicates => "duplicates",
            Action::NotDuplicate => "not_duplicate",
            Action::NeedsResearch => "needs_research",
            Action::Merge => "merge",
            Action::SwapSurvivor => "swap_survivor",
            Action::UndoMerge => "undo_merge",
            Action::AllCases => "all_cases",
            Action::ReopenCase => "reopen_case",
            Action::EditDemographics => "edit_demographics",
            Action::DemographicHistory => "demographic_history",
            Action::FlagSensitive => "flag_sensitive",
            Action::LegalHold => "legal_hold",
            Action::QueueMine => "queue_mine",
            Action::QueueUnassigned => "queue_unassigned",
            Action::QueueOnHold => "queue_on_hold",
            Action::QueueAll => "queue_all",
            Action::QueueType => "queue_type",
            Action::QueueSortNext => "queue_sort_next",
            Action::QueueSortReverse => "queue_sort_reverse",
            Action::CodeLookup => "code_lookup",
            Action::CodingReport => "coding_report",
            Action::Claim => "claim",
            Action::AssignCoder => "assign_coder",
            Action::AddCode => "add_code",
            Action::SetPoa => "set_poa",
            Action::CodeUp => "code_up",
            Action::CodeDown => "code_down",
            Action::DeleteCode => "delete_code",
            Action::MarkCoded => "mark_coded",
            Action::HoldCoding => "hold_coding",
            Action::ReleaseCoding => "release_coding",
            Action::ValidateCoding => "validate_coding",
            Action::ReturnCoding => "return_coding",
            Action::ComposeQuery => "compose_query",
            Action::PickAnswer => "pick_answer",
            Action::ReloadWork => "reload_work",
            Action::NewRoiRequest => "new_roi_request",
            Action::RoiValidate => "roi_validate",
            Action::RoiWait => "roi_wait",
            Action::RoiProcess => "roi_process",
            Action::RoiAuthorization => "roi_authorization",
            Action::RoiPapers => "roi_papers",
            Action::RoiExtend => "roi_extend",
            Action::RoiDeny => "roi_deny",
            Action::RoiCancel => "roi_cancel",
            Action::RoiRelease => "roi_release",
            Action::RoiPick => "roi_pick",
            Action::ReloadRoi => "reload_roi",
            Action::RecordDisclosure => "record_disclosure",
            Action::CorrectDisclosure => "correct_disclosure",
            Action::ProvideAccounting => "provide_accounting",
            Action::QuoteLine => "quote_line",
            Action::WithdrawQuery => "withdraw_query",
            Action::TabSummary => "tab_summary",
            Action::TabEncounters => "tab_encounters",
            Action::TabDocuments => "tab_documents",
            Action::TabCodes => "tab_codes",
            Action::TabDisclosures => "tab_disclosures",
            Action::TabAccessLog => "tab_access_log",
            Action::TabAmendments => "tab_amendments",
            Action::Find => "find",
            Action::NextMatch => "next_match",
            Action::PrevMatch => "prev_match",
            Action::BreakGlassReview => "break_glass_review",
            Action::ShowReviewed => "show_reviewed",
            Action::MarkAppropriate => "mark_appropriate",
            Action::MarkViolation => "mark_violation",
            Action::NewAmendment => "new_amendment",
            Action::ExtendAmendment => "extend_amendment",
            Action::AcceptAmendment => "accept_amendment",
            Action::DenyAmendment => "deny_amendment",
            Action::AmendmentStatement => "amendment_statement",
        }
    }

    /// Short label for the footer.
    pub fn label(self) -> &'static str {
        match self {
            Action::Help => "Help",
            Action::Search => "Search",
            Action::Chart => "Chart",
            Action::Coding => "Coding",
            Action::Roi => "ROI",
            Action::WorkQueue => "My work",
            Action::Users => "Users",
            Action::Back => "Back",
            Action::Quit => "Quit",
            Action::Redraw => "Redraw",
            Action::ChangePassword => "Password",
            Action::Logout => "Log out",
            Action::NextField => "Next field",
            Action::PrevField => "Previous field",
            Action::Submit => "OK",
            Action::Up => "Up",
            Action::Down => "Down",
            Action::PageUp => "Page up",
            Action::PageDown => "Page down",
            Action::Home => "First",
            Action::End => "Last",
            Action::ToggleLock => "Lock/unlock",
            Action::ToggleActive => "(De)activate",
            Action::ResetPassword => "Reset password",
            Action::RecentPatients => "Recent",
            Action::NewPatient => "New patient",
            Action::Save => "Save",
            Action::Duplicates => "Duplicates",
            Action::NotDuplicate => "Not dup",
            Action::NeedsResearch => "Research",
            Action::Merge => "Merge",
            Action::SwapSurvivor => "Swap",
            Action::UndoMerge => "Undo merge",
            Action::AllCases => "All/open",
            Action::ReopenCase => "Reopen",
            Action::EditDemographics => "Edit",
            Action::DemographicHistory => "History",
            Action::FlagSensitive => "Flag",
            Action::LegalHold => "Legal hold",
            Action::QueueMine => "Mine",
            Action::QueueUnassigned => "Unassigned",
            Action::QueueOnHold => "On hold",
            Action::QueueAll => "All",
            Action::QueueType => "Type",
            Action::QueueSortNext => "Sort",
            Action::QueueSortReverse => "Reverse",
            Action::CodeLookup => "Look-up",
            Action::CodingReport => "Report",
            Action::Claim => "Claim",
            Action::AssignCoder => "Assign",
            Action::AddCode => "Add code",
            Action::SetPoa => "POA",
            Action::CodeUp => "Move up",
            Action::CodeDown => "Move down",
            Action::DeleteCode => "Delete",
            Action::MarkCoded => "Coded",
            Action::HoldCoding => "Hold",
            Action::ReleaseCoding => "Release",
            Action::ValidateCoding => "Validate",
            Action::ReturnCoding => "Return",
            Action::ComposeQuery => "Query",
            Action::PickAnswer => "Pick",
            Action::ReloadWork => "Reload",
            Action::NewRoiRequest => "New request",
            Action::RoiValidate => "Validating",
            Action::RoiWait => "Waiting",
            Action::RoiProcess => "In processing",
            Action::RoiAuthorization => "Authorization",
            Action::RoiPapers => "Papers",
            Action::RoiExtend => "Extend",
            Action::RoiDeny => "Deny",
            Action::RoiCancel => "Cancel",
            Action::RoiRelease => "Release",
            Action::RoiPick => "Pick",
            Action::ReloadRoi => "Reload",
            Action::RecordDisclosure => "Add",
            Action::CorrectDisclosure => "Correct",
            Action::ProvideAccounting => "Accounting",
            Action::QuoteLine => "Quote",
            Action::WithdrawQuery => "Withdraw",
            Action::TabSummary => "Summary",
            Action::TabEncounters => "Encounters",
            Action::TabDocuments => "Documents",
            Action::TabCodes => "Codes",
            Action::TabDisclosures => "Disclosures",
            Action::TabAccessLog => "Access log",
            Action::TabAmendments => "Amendments",
            Action::Find => "Find",
            Action::NextMatch => "Next",
            Action::PrevMatch => "Previous",
            Action::BreakGlassReview => "Break-glass",
            Action::ShowReviewed => "All/waiting",
            Action::MarkAppropriate => "Appropriate",
            Action::MarkViolation => "Violation",
            Action::NewAmendment => "New request",
            Action::ExtendAmendment => "Extend",
            Action::AcceptAmendment => "Accept",
            Action::DenyAmendment => "Deny",
            Action::AmendmentStatement => "Statement",
        }
    }

    /// One sentence for the help screen.
    pub fn description(self) -> &'static str {
        match self {
            Action::Help => "Show this help: every key and what it does",
            Action::Search => "Patient search: find a patient, put them in context",
            Action::Chart => "Chart of the patient in context",
            Action::Coding => "Coding queue: encounters waiting for codes",
            Action::Roi => "Release of information: requests and disclosures",
            Action::WorkQueue => "My work queue: what is assigned to me",
            Action::Users => "Users: unlock accounts; deactivate and reset (admin)",
            Action::Back => "Back, or cancel the dialog",
            Action::Quit => "Quit chartroom (asks first if anything is unsaved)",
            Action::Redraw => "Redraw the whole screen",
            Action::ChangePassword => "Change my password",
            Action::Logout => "Log out and return to the login screen",
            Action::NextField => "Next field",
            Action::PrevField => "Previous field",
            Action::Submit => "Confirm: log in, save, open",
            Action::Up => "Move up",
            Action::Down => "Move down",
            Action::PageUp => "One page up",
            Action::PageDown => "One page down",
            Action::Home => "First line",
            Action::End => "Last line",
            Action::ToggleLock => "Users: lock or unlock the selected account",
            Action::ToggleActive => "Users: deactivate or reactivate the selected account",
            Action::ResetPassword => "Users: set a temporary password for the selected account",
            Action::RecentPatients => "Search: show the patients I opened recently",
            Action::NewPatient => "Search: register a new patient",
            Action::Save => "Save the form",
            Action::Duplicates => "Duplicates: possible duplicate charts to review and merge",
            Action::NotDuplicate => "Duplicates: not the same patient (remembered)",
            Action::NeedsResearch => "Duplicates: needs research, with a note",
            Action::Merge => "Duplicates: merge (analysts request, supervisors approve)",
            Action::SwapSurvivor => "Duplicates: choose the other chart to survive the merge",
            Action::UndoMerge => "Duplicates: undo a merge (supervisor)",
            Action::AllCases => "Duplicates: list decided cases too, or only the open ones",
            Action::ReopenCase => "Duplicates: reopen a pair decided not to be a duplicate",
            Action::EditDemographics => "Chart: edit the patient's demographics",
            Action::DemographicHistory => "Chart: earlier versions of the demographics",
            Action::FlagSensitive => {
                "Chart: flag the chart (or, on Encounters, the selected encounter) sensitive, or clear the flag"
            }
            Action::LegalHold => "Chart: place or release a legal hold (compliance)",
            Action::QueueMine => "Coding queue: my work",
            Action::QueueUnassigned => "Coding queue: work nobody has claimed",
            Action::QueueOnHold => "Coding queue: work on hold",
            Action::QueueAll => "Coding queue: all work not final",
            Action::QueueType => {
                "Coding queue: next encounter type (inpatient, outpatient, ED, observation, all)"
            }
            Action::QueueSortNext => "Coding queue: sort by the next column",
            Action::QueueSortReverse => "Coding queue: reverse the sort order",
            Action::CodeLookup => "Coding queue: look codes up without an encounter",
            Action::CodingReport => {
                "Coding queue: backlog, productivity and DNFB (supervisors; billing sees DNFB)"
            }
            Action::Claim => "Coding queue: claim the selected uncoded encounter",
            Action::AssignCoder => {
                "Coding queue: assign the selected encounter to a coder (supervisor)"
            }
            Action::AddCode => {
                "Coding: add a code through the look-up (Enter adds the highlighted code)"
            }
            Action::SetPoa => "Coding: cycle the selected code POA (Y, N, U, W, exempt)",
            Action::CodeUp => "Coding: move the selected code up (the first is the principal)",
            Action::CodeDown => "Coding: move the selected code down",
            Action::DeleteCode => "Coding: remove the selected code from the list",
            Action::MarkCoded => "Coding: mark the encounter coded (refused while errors remain)",
            Action::HoldCoding => "Coding: put on hold with a reason, or resume one on hold",
            Action::ReleaseCoding => "Coding: give the encounter back to the queue",
            Action::ValidateCoding => "Coding: second-level review passed (supervisor)",
            Action::ReturnCoding => "Coding: return to the coder with a note (supervisor)",
            Action::PickAnswer => "Work queue: pick the highlighted answer to a query",
            Action::ReloadWork => "Work queue: read the list again",
            Action::NewRoiRequest => "Release of information: log a new request (intake)",
            Action::RoiValidate => "Release of information: move the request to validating",
            Action::RoiWait => {
                "Release of information: waiting for authorization, fee or clarification"
            }
            Action::RoiProcess => "Release of information: move the request to in processing",
            Action::RoiAuthorization => {
                "Release of information: record the authorization, element by element"
            }
            Action::RoiPapers => {
                "Release of information: court order, satisfactory assurance, representative's authority"
            }
            Action::RoiExtend => {
                "Release of information: the one 30-day extension of a patient's request"
            }
            Action::RoiDeny => "Release of information: deny the request with its ground",
            Action::RoiCancel => "Release of information: cancel the request (say why)",
            Action::RoiRelease => "Release of information: write the packet and record the release",
            Action::RoiPick => "Release of information: pick or drop the highlighted document",
            Action::ReloadRoi => "Release of information: read the list again",
            Action::RecordDisclosure => "Disclosures: record a disclosure made outside chartroom",
            Action::CorrectDisclosure => {
                "Disclosures: correct the selected disclosure (a new version, with the reason)"
            }
            Action::ProvideAccounting => {
                "Disclosures: give the patient their accounting of disclosures"
            }
            Action::ComposeQuery => {
                "Coding: write a physician query (compliant templates; Ctrl+S sends it)"
            }
            Action::QuoteLine => {
                "Coding: quote the reader's line (the found one, else the top) as a clinical indicator"
            }
            Action::WithdrawQuery => "Coding: withdraw your open physician query, with the reason",
            Action::TabSummary => "Chart: Summary tab",
            Action::TabEncounters => "Chart: Encounters tab",
            Action::TabDocuments => "Chart: Documents tab (Enter reads one)",
            Action::TabCodes => "Chart: Codes tab",
            Action::TabDisclosures => "Chart: Disclosures tab (accounting of disclosures)",
            Action::TabAccessLog => "Chart: Access log tab (who looked at this chart)",
            Action::TabAmendments => "Chart: Amendments tab",
            Action::Find => "Document: find in the text",
            Action::NextMatch => "Document: next match",
            Action::PrevMatch => "Document: previous match",
            Action::BreakGlassReview => "Break-the-glass review: accesses waiting for compliance",
            Action::ShowReviewed => {
                "Break-glass review: show reviewed ones too, or only those waiting"
            }
            Action::MarkAppropriate => {
                "Break-glass review: judge the access appropriate, with a comment"
            }
            Action::MarkViolation => {
                "Break-glass review: judge the access a violation, with a comment"
            }
            Action::NewAmendment => "Amendments: log a new request (a document or other item)",
            Action::ExtendAmendment => "Amendments: take the one 30-day extension",
            Action::AcceptAmendment => "Amendments: accept; the amendment is appended and linked",
            Action::DenyAmendment => "Amendments: deny on one of the rule's four grounds",
            Action::AmendmentStatement => "Amendments: patient's disagreement, then the rebuttal",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Global actions work from every screen once logged in.
    pub fn is_global(self) -> bool {
        matches!(
            self,
            Action::Help
                | Action::Search
                | Action::Chart
                | Action::Coding
                | Action::Roi
                | Action::WorkQueue
                | Action::Users
                | Action::Duplicates
                | Action::BreakGlassReview
                | Action::Back
                | Action::Quit
                | Action::Redraw
                | Action::ChangePassword
                | Action::Logout
        )
    }
}

/// A key with its modifiers, as written in keymap files: `F1`, `Ctrl+Q`, `Esc`, `Shift+Tab`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }
    const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        let code = match ev.code {
            // Terminals report Shift+Tab as BackTab, some with SHIFT set as well.
            KeyCode::Char(c) if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut shift = false;
        let parts: Vec<&str> = s.split('+').map(str::trim).collect();
        let (last, mods) = match parts.split_last() {
            Some((l, m)) if !l.is_empty() => (*l, m),
            // "Ctrl++" binds the plus key
            _ if s.ends_with("++") || s == "+" => ("+", &parts[..parts.len().saturating_sub(2)]),
            _ => return Err(format!("'{s}' is not a key")),
        };
        for m in mods {
            match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => ctrl = true,
                "alt" | "meta" => alt = true,
                "shift" => shift = true,
                "" => {}
                other => {
                    return Err(format!(
                        "'{other}' is not a modifier (use Ctrl, Alt or Shift)"
                    ));
                }
            }
        }
        let lower = last.to_ascii_lowercase();
        let code = match lower.as_str() {
            "esc" | "escape" => KeyCode::Esc,
            "enter" | "return" => KeyCode::Enter,
            "tab" if shift => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => return Err(format!("'{last}' is not a function key (F1 to F12)")),
                }
            }
            _ => {
                let mut chars = last.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                    _ => return Err(format!("'{last}' is not a key name")),
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// Whether the label should be ASCII-only (`Up` instead of `↑`).
    pub fn label(&self, ascii: bool) -> String {
        let base = match self.code {
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift+Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Insert => "Ins".into(),
            KeyCode::Up => if ascii { "Up" } else { "↑" }.into(),
            KeyCode::Down => if ascii { "Down" } else { "↓" }.into(),
            KeyCode::Left => if ascii { "Left" } else { "←" }.into(),
            KeyCode::Right => if ascii { "Right" } else { "→" }.into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) if self.ctrl => c.to_ascii_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("Ctrl+");
        }
        if self.alt {
            s.push_str("Alt+");
        }
        s.push_str(&base);
        s
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(true))
    }
}

/// One row of the keymap table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

/// The default table (DESIGN §5 fixes the global keys).
const DEFAULTS: [(Key, Action); 99] = [
    (Key::plain(KeyCode::F(1)), Action::Help),
    (Key::plain(KeyCode::F(2)), Action::Search),
    (Key::plain(KeyCode::F(3)), Action::Chart),
    (Key::plain(KeyCode::F(4)), Action::Coding),
    (Key::plain(KeyCode::F(5)), Action::Roi),
    (Key::plain(KeyCode::F(6)), Action::WorkQueue),
    (Key::plain(KeyCode::F(7)), Action::Users),
    (Key::plain(KeyCode::Esc), Action::Back),
    (Key::ctrl('q'), Action::Quit),
    (Key::ctrl('l'), Action::Redraw),
    (Key::ctrl('p'), Action::ChangePassword),
    (Key::ctrl('o'), Action::Logout),
    (Key::plain(KeyCode::Tab), Action::NextField),
    (Key::plain(KeyCode::BackTab), Action::PrevField),
    (Key::plain(KeyCode::Enter), Action::Submit),
    (Key::plain(KeyCode::Up), Action::Up),
    (Key::plain(KeyCode::Down), Action::Down),
    (Key::plain(KeyCode::PageUp), Action::PageUp),
    (Key::plain(KeyCode::PageDown), Action::PageDown),
    (Key::plain(KeyCode::Home), Action::Home),
    (Key::plain(KeyCode::End), Action::End),
    (Key::plain(KeyCode::Char('l')), Action::ToggleLock),
    (Key::plain(KeyCode::Char('d')), Action::ToggleActive),
    (Key::plain(KeyCode::Char('r')), Action::ResetPassword),
    (Key::ctrl('r'), Action::RecentPatients),
    (Key::ctrl('n'), Action::NewPatient),
    (Key::ctrl('s'), Action::Save),
    (Key::plain(KeyCode::F(8)), Action::Duplicates),
    (Key::plain(KeyCode::Char('n')), Action::NotDuplicate),
    (Key::plain(KeyCode::Char('r')), Action::NeedsResearch),
    (Key::plain(KeyCode::Char('m')), Action::Merge),
    (Key::plain(KeyCode::Char('s')), Action::SwapSurvivor),
    (Key::plain(KeyCode::Char('u')), Action::UndoMerge),
    (Key::plain(KeyCode::Char('a')), Action::AllCases),
    (Key::plain(KeyCode::Char('o')), Action::ReopenCase),
    (Key::plain(KeyCode::Char('e')), Action::EditDemographics),
    (Key::plain(KeyCode::Char('h')), Action::DemographicHistory),
    (Key::plain(KeyCode::Char('f')), Action::FlagSensitive),
    (Key::plain(KeyCode::Char('L')), Action::LegalHold),
    (Key::plain(KeyCode::Char('1')), Action::TabSummary),
    (Key::plain(KeyCode::Char('2')), Action::TabEncounters),
    (Key::plain(KeyCode::Char('3')), Action::TabDocuments),
    (Key::plain(KeyCode::Char('4')), Action::TabCodes),
    (Key::plain(KeyCode::Char('5')), Action::TabDisclosures),
    (Key::plain(KeyCode::Char('6')), Action::TabAccessLog),
    (Key::plain(KeyCode::Char('7')), Action::TabAmendments),
    (Key::plain(KeyCode::Char('/')), Action::Find),
    (Key::plain(KeyCode::Char('n')), Action::NextMatch),
    (Key::plain(KeyCode::Char('N')), Action::PrevMatch),
    (Key::plain(KeyCode::F(9)), Action::BreakGlassReview),
    (Key::plain(KeyCode::Char('a')), Action::ShowReviewed),
    (Key::plain(KeyCode::Char('p')), Action::MarkAppropriate),
    (Key::plain(KeyCode::Char('v')), Action::MarkViolation),
    (Key::plain(KeyCode::Char('n')), Action::NewAmendment),
    (Key::plain(KeyCode::Char('x')), Action::ExtendAmendment),
    (Key::plain(KeyCode::Char('a')), Action::AcceptAmendment),
    (Key::plain(KeyCode::Char('d')), Action::DenyAmendment),
    (Key::plain(KeyCode::Char('s')), Action::AmendmentStatement),
    (Key::plain(KeyCode::Char('m')), Action::QueueMine),
    (Key::plain(KeyCode::Char('u')), Action::QueueUnassigned),
    (Key::plain(KeyCode::Char('h')), Action::QueueOnHold),
    (Key::plain(KeyCode::Char('a')), Action::QueueAll),
    (Key::plain(KeyCode::Char('t')), Action::QueueType),
    (Key::plain(KeyCode::Char('s')), Action::QueueSortNext),
    (Key::plain(KeyCode::Char('S')), Action::QueueSortReverse),
    (Key::plain(KeyCode::Char('l')), Action::CodeLookup),
    (Key::plain(KeyCode::Char('R')), Action::CodingReport),
    (Key::plain(KeyCode::Char('c')), Action::Claim),
    (Key::plain(KeyCode::Char('A')), Action::AssignCoder),
    (Key::plain(KeyCode::Char('+')), Action::AddCode),
    (Key::plain(KeyCode::Char('p')), Action::SetPoa),
    (Key::plain(KeyCode::Char('[')), Action::CodeUp),
    (Key::plain(KeyCode::Char(']')), Action::CodeDown),
    (Key::plain(KeyCode::Delete), Action::DeleteCode),
    (Key::plain(KeyCode::Char('k')), Action::MarkCoded),
    (Key::plain(KeyCode::Char('o')), Action::HoldCoding),
    (Key::plain(KeyCode::Char('r')), Action::ReleaseCoding),
    (Key::plain(KeyCode::Char('v')), Action::ValidateCoding),
    (Key::plain(KeyCode::Char('x')), Action::ReturnCoding),
    (Key::plain(KeyCode::Char('q')), Action::ComposeQuery),
    (Key::plain(KeyCode::Char('i')), Action::QuoteLine),
    (Key::plain(KeyCode::Char('w')), Action::WithdrawQuery),
    (Key::plain(KeyCode::Char(' ')), Action::PickAnswer),
    (Key::plain(KeyCode::Char('r')), Action::ReloadWork),
    (Key::plain(KeyCode::Char('n')), Action::NewRoiRequest),
    (Key::plain(KeyCode::Char('v')), Action::RoiValidate),
    (Key::plain(KeyCode::Char('w')), Action::RoiWait),
    (Key::plain(KeyCode::Char('p')), Action::RoiProcess),
    (Key::plain(KeyCode::Char('a')), Action::RoiAuthorization),
    (Key::plain(KeyCode::Char('g')), Action::RoiPapers),
    (Key::plain(KeyCode::Char('x')), Action::RoiExtend),
    (Key::plain(KeyCode::Char('d')), Action::RoiDeny),
    (Key::plain(KeyCode::Char('c')), Action::RoiCancel),
    (Key::plain(KeyCode::Char('R')), Action::RoiRelease),
    (Key::plain(KeyCode::Char(' ')), Action::RoiPick),
    (Key::plain(KeyCode::Char('r')), Action::ReloadRoi),
    (Key::plain(KeyCode::Char('m')), Action::RecordDisclosure),
    (Key::plain(KeyCode::Char('c')), Action::CorrectDisclosure),
    (Key::plain(KeyCode::Char('A')), Action::ProvideAccounting),
];

/// The function-key screens, in footer order.
pub const SCREEN_ACTIONS: [(Action, Screen); 8] = [
    (Action::Search, Screen::Search),
    (Action::Chart, Screen::Chart),
    (Action::Coding, Screen::Coding),
    (Action::Roi, Screen::Roi),
    (Action::WorkQueue, Screen::WorkQueue),
    (Action::Users, Screen::Users),
    (Action::Duplicates, Screen::Duplicates),
    (Action::BreakGlassReview, Screen::BreakGlassReview),
];

pub fn screen_for(action: Action) -> Option<Screen> {
    SCREEN_ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, s)| *s)
}

pub fn action_for(screen: Screen) -> Action {
    SCREEN_ACTIONS
        .iter()
        .find(|(_, s)| *s == screen)
        .map_or(Action::Help, |(a, _)| *a)
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: DEFAULTS
                .iter()
                .map(|&(key, action)| Binding { key, action })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    bindings: BTreeMap<toml::Spanned<String>, toml::Spanned<String>>,
}

/// `file:line:column: problem`, for start-up errors from TOML files.
pub fn located(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    problem: &str,
) -> String {
    match span {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{}: line {line}, column {col}: {problem}", path.display())
        }
        None => format!("{}: {problem}", path.display()),
    }
}

impl Keymap {
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The action `key` means on a screen of `scope` (`Any`: a screen without letters of
    /// its own).
    pub fn action_for(&self, key: &Key, scope: KeyScope) -> Option<Action> {
        let live = [Some(KeyScope::Any), Some(scope), scope.parent()];
        self.bindings
            .iter()
            .find(|b| &b.key == key && live.contains(&Some(b.action.scope())))
            .map(|b| b.action)
    }

    /// The first key bound to `action`, for footers and messages.
    pub fn key_for(&self, action: Action) -> Option<Key> {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.key)
    }

    /// The defaults with a user's file applied on top. Errors name file, line and problem.
    pub fn from_file(path: &Path) -> Result<Keymap, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read keymap file: {e}", path.display()))?;
        Self::from_toml(path, &text)
    }

    pub fn from_toml(path: &Path, text: &str) -> Result<Keymap, String> {
        let file: KeymapFile =
            toml::from_str(text).map_err(|e| located(path, text, e.span(), e.message()))?;
        let mut map = Keymap::default();
        for (name, key) in file.bindings {
            let action = Action::from_name(name.get_ref()).ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                located(
                    path,
                    text,
                    Some(name.span()),
                    &format!(
                        "unknown action '{}'; actions are: {}",
                        name.get_ref(),
                        known.join(", ")
                    ),
                )
            })?;
            let parsed =
                Key::parse(key.get_ref()).map_err(|e| located(path, text, Some(key.span()), &e))?;
            // The key moves to the new action, away from every action it could be confused
            // with on the same screen; those keep any other key they have.
            map.bindings.retain(|b| {
                !(b.key == parsed
                    && b.action != action
                    && b.action.scope().overlaps(action.scope()))
            });
            map.bindings.retain(|b| b.action != action);
            map.bindings.push(Binding {
                key: parsed,
                action,
            });
        }
        for a in [Action::Quit, Action::Back, Action::Help] {
            if map.key_for(a).is_none() {
                return Err(format!(
                    "{}: the '{}' action needs a key",
                    path.display(),
                    a.name()
                ));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_parse_and_print_back() {
        for (text, label) in [
            ("F1", "F1"),
            ("f12", "F12"),
            ("Ctrl+Q", "Ctrl+Q"),
            ("ctrl+l", "Ctrl+L"),
            ("Esc", "Esc"),
            ("Shift+Tab", "Shift+Tab"),
            ("PageDown", "PgDn"),
            ("Alt+x", "Alt+x"),
            ("Up", "Up"),
        ] {
            assert_eq!(Key::parse(text).unwrap().label(true), label, "{text}");
        }
        for bad in ["F13", "F0", "Hyper+Q", "Banana", ""] {
            assert!(Key::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_action_has_a_default_key_and_a_unique_name() {
        let km = Keymap::default();
        for a in Action::ALL {
            assert!(km.key_for(a).is_some(), "{a:?}");
            assert_eq!(Action::from_name(a.name()), Some(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(
                json,
                format!("\"{}\"", a.name()),
                "serde name matches keymap name"
            );
        }
    }

    #[test]
    fn no_key_means_two_things_on_one_screen() {
        let km = Keymap::default();
        for (i, a) in km.bindings().iter().enumerate() {
            for b in &km.bindings()[i + 1..] {
                assert!(
                    a.key != b.key || !a.action.scope().overlaps(b.action.scope()),
                    "{} is bound to both {:?} and {:?}",
                    a.key,
                    a.action,
                    b.action
                );
            }
        }
        // The same letter serves two screens.
        let r = Key::parse("r").unwrap();
        assert_eq!(
            km.action_for(&r, KeyScope::Users),
            Some(Action::ResetPassword)
        );
        assert_eq!(
            km.action_for(&r, KeyScope::Duplicates),
            Some(Action::NeedsResearch)
        );
        assert_eq!(km.action_for(&r, KeyScope::Chart), None);
        // The reader and the Amendments tab keep the chart's keys, and `n` means "next
        // match" in one and "new request" in the other.
        let n = Key::parse("n").unwrap();
        let one = Key::parse("1").unwrap();
        for (scope, want) in [
            (KeyScope::Reader, Some(Action::NextMatch)),
            (KeyScope::Amendments, Some(Action::NewAmendment)),
            (KeyScope::Chart, None),
        ] {
            assert_eq!(km.action_for(&n, scope), want, "{scope:?}");
            assert_eq!(
                km.action_for(&one, scope),
                Some(Action::TabSummary),
                "{scope:?}"
            );
        }
        assert!(KeyScope::Amendments.overlaps(KeyScope::Chart));
        assert!(!KeyScope::Amendments.overlaps(KeyScope::Reader));
        assert!(!KeyScope::Amendments.overlaps(KeyScope::Users));
    }

    #[test]
    fn rebinding_a_screen_letter_leaves_other_screens_alone() {
        let p = Path::new("keymap.toml");
        let km = Keymap::from_toml(p, "[bindings]\nneeds_research = \"x\"\n").unwrap();
        let x = Key::parse("x").unwrap();
        assert_eq!(
            km.action_for(&x, KeyScope::Duplicates),
            Some(Action::NeedsResearch)
        );
        let r = Key::parse("r").unwrap();
        assert_eq!(
            km.action_for(&r, KeyScope::Users),
            Some(Action::ResetPassword)
        );
        assert_eq!(km.action_for(&r, KeyScope::Duplicates), None);
        // A global key taken by a screen action leaves every screen.
        let km = Keymap::from_toml(p, "[bindings]\nmerge = \"F2\"\n").unwrap();
        assert_eq!(km.key_for(Action::Search), None);
    }

    #[test]
    fn user_file_rebinds_and_errors_name_the_line() {
        let p = Path::new("keymap.toml");
        let km = Keymap::from_toml(p, "[bindings]\nquit = \"Ctrl+X\"\n").unwrap();
        assert_eq!(
            km.key_for(Action::Quit),
            Some(Key::parse("Ctrl+X").unwrap())
        );
        assert_eq!(
            km.action_for(&Key::parse("Ctrl+Q").unwrap(), KeyScope::Any),
            None
        );

        let err = Keymap::from_toml(p, "[bindings]\nhelp = \"F1\"\nfly = \"F9\"\n").unwrap_err();
        assert!(
            err.contains("line 3") && err.contains("unknown action 'fly'"),
            "{err}"
        );
        let err = Keymap::from_toml(p, "[bindings]\n\nquit = \"Ctrl+Banana\"\n").unwrap_err();
        assert!(err.contains("line 3") && err.contains("Banana"), "{err}");
        let err = Keymap::from_toml(p, "[bindings\nquit = 1\n").unwrap_err();
        assert!(err.starts_with("keymap.toml: line 1"), "{err}");
        let err = Keymap::from_toml(p, "[keys]\n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
    }
}
