//! Workstation state and its one update function. `update` is pure in the sense that matters:
//! it changes only the state and returns [`Effect`]s for the runtime to carry out against the
//! service; results come back as [`Msg`]s. Drawing (`view`) reads the state and nothing else.

use super::keymap::{Action, Key, KeyScope, Keymap, screen_for};
use super::screens::chart::{ChartRequest, ChartView};
use super::screens::duplicates::{DuplicatesRequest, DuplicatesView};
use super::screens::login::LoginForm;
use super::screens::password::PasswordForm;
use super::screens::register::{RegisterForm, RegisterRequest};
use super::screens::search::{PAGE_RESULTS, SearchRequest, SearchView};
use super::screens::users::{UserRequest, UsersView};
use super::theme::Theme;
use crate::domain::Secret;
use crate::domain::mpi::{CaseDecision, DuplicateCase};
use crate::domain::patient::{NewPatient, Patient};
use crate::domain::search::Hit;
use crate::domain::settings::MAX_IDLE_MINUTES;
use crate::domain::user::UserSummary;
use crate::service::{
    ChartSummary, DuplicateCaseRow, DuplicateReview, LoginOk, Screen, SearchResults, ServerInfo,
    ServiceError, SessionToken,
};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::{Duration, Instant};

/// How long before the idle logoff the warning shows (half the limit when that is shorter).
pub const IDLE_WARNING: Duration = Duration::from_secs(60);
/// After the service was unreachable: the first wait before trying again, and the longest.
const RECONNECT_FIRST: Duration = Duration::from_secs(1);
const RECONNECT_MAX: Duration = Duration::from_secs(15);
/// Rows moved by PgUp/PgDn in lists at 80×24.
const USERS_PAGE: usize = 15;
const SEARCH_PAGE: usize = 15;
/// How often typing without service calls tells the service the clerk is still there. The
/// UI's idle clock starts from the last time the service heard from us, so the UI always
/// logs off no later than the service would, and never after warning too late.
pub const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(20);

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize,
    /// A deadline from [`App::next_deadline`] passed.
    Tick,
    LoggedIn(Result<LoginOk, ServiceError>),
    ScreenOpened(Screen, Result<(), ServiceError>),
    PasswordChanged(Result<(), ServiceError>),
    UsersLoaded(Result<Vec<UserSummary>, ServiceError>),
    /// The answer to search number `.0`.
    SearchDone(u64, Result<SearchResults, ServiceError>),
    RecentLoaded(Result<Vec<Hit>, ServiceError>),
    /// The chart of this MRN, or why it did not open.
    ChartOpened(String, Box<Result<ChartSummary, ServiceError>>),
    DocumentOpened(Box<Result<crate::domain::Document, ServiceError>>),
    AccessLogLoaded(Result<Vec<crate::domain::AuditEntry>, ServiceError>),
    ChartCodesLoaded(Box<Result<crate::service::ChartCodes, ServiceError>>),
    AmendmentsLoaded(Box<Result<crate::service::ChartAmendments, ServiceError>>),
    /// The answer to an amendment form's step.
    AmendmentSaved(Box<Result<crate::domain::amendment::AmendmentRequest, ServiceError>>),
    BreakGlassListLoaded(Result<Vec<crate::domain::break_glass::BreakGlassAccess>, ServiceError>),
    BreakGlassJudged(Box<Result<crate::domain::break_glass::BreakGlassAccess, ServiceError>>),
    /// A break-the-glass answer for this MRN.
    GlassBroken(String, Result<(), ServiceError>),
    /// Compliance's flag change on this MRN: what changed, in words, or why not.
    FlagSet(String, Result<String, ServiceError>),
    /// The answer to a registration, with what was sent (to show likely matches against it).
    Registered(Box<(NewPatient, Result<Patient, ServiceError>)>),
    DuplicatesLoaded(Result<Vec<DuplicateCaseRow>, ServiceError>),
    DuplicateReviewed(Box<Result<DuplicateReview, ServiceError>>),
    DuplicateDecided(Box<Result<DuplicateCase, ServiceError>>),
    PatientUpdated(Box<Result<Patient, ServiceError>>),
    HistoryLoaded(Result<Vec<Patient>, ServiceError>),
    /// A change to an account finished; the text says what was done.
    UserChanged(String, Result<(), ServiceError>),
    /// The answer to code look-up number `.0`.
    CodesFound(u64, Result<Vec<crate::service::CodeHit>, ServiceError>),
    CodeDetails(Box<Result<crate::service::CodeDetails, ServiceError>>),
    /// The answer to a coding call.
    Coding(Box<CodingAnswer>),
    /// The answer to a work queue call (F6).
    Work(crate::ui::screens::work_queue::WorkAnswer),
    /// The chart's Disclosures tab read (or read again).
    DisclosuresLoaded(Box<Result<crate::service::ChartDisclosures, ServiceError>>),
    /// A disclosure recorded or corrected, an accounting given: what was done, in words.
    DisclosureDone(Box<Result<String, ServiceError>>),
    /// The answer to a release-of-information call (F5).
    Roi(crate::ui::screens::roi::RoiAnswer),
    /// A background call (keep-alive) failed.
    ServiceFailed(ServiceError),
    /// The answer to a reconnection probe (`Effect::Reconnect`).
    Reconnected(Result<(), ServiceError>),
}

/// A call of the coding queue or workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodingCall {
    Queue(
        crate::domain::coding::QueueFilter,
        crate::domain::coding::QueueSort,
    ),
    Backlog,
    /// Coder productivity over the last days (supervisors).
    Productivity,
    /// The discharged-not-final-billed list (billing, supervisors).
    Dnfb,
    /// Claim, and open the workspace when it is ours (`open`).
    Claim {
        encounter: String,
        open: bool,
    },
    Open(String),
    Assign {
        encounter: String,
        version: u64,
        coder: String,
    },
    Step(String, u64, crate::ui::screens::coding_workspace::WorkStep),
    /// The documents of this encounter (MRN, encounter id), from the chart's list.
    Documents(String, String),
    /// One document's text (MRN, document id), audited.
    Document(String, String),
    /// The clinicians a physician query can go to.
    Recipients,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CodingAnswer {
    Queue(Result<crate::service::QueuePage, ServiceError>),
    Backlog(Result<crate::domain::coding::Backlog, ServiceError>),
    Productivity(Result<Vec<crate::domain::coding::CoderProductivity>, ServiceError>),
    Dnfb(Box<Result<crate::service::DnfbReport, ServiceError>>),
    Claimed(String, bool, Result<(), ServiceError>),
    /// The record for the workspace; `.0` the list was just saved.
    Record(bool, Box<Result<crate::service::CodingView, ServiceError>>),
    Assigned(String, Result<(), ServiceError>),
    /// A step done (what, in words; whether it saved the list) and the record read again.
    Stepped(
        String,
        bool,
        Box<Result<crate::service::CodingView, ServiceError>>,
    ),
    StepFailed(ServiceError),
    Documents(Result<Vec<crate::domain::patient::DocumentInfo>, ServiceError>),
    Document(Box<Result<crate::domain::Document, ServiceError>>),
    Recipients(Result<Vec<crate::service::QueryRecipient>, ServiceError>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Login {
        username: String,
        password: Secret,
    },
    Logout(SessionToken),
    IdleLogoff(SessionToken),
    KeepAlive(SessionToken),
    /// After the service was unreachable: try it again (reconnecting under `attach`).
    Reconnect(SessionToken),
    OpenScreen(SessionToken, Screen),
    ChangePassword {
        token: SessionToken,
        old: Secret,
        new: Secret,
    },
    LoadUsers(SessionToken),
    LoadRecent(SessionToken),
    /// Open (and audit) the chart of this MRN.
    OpenChart(SessionToken, String),
    /// Read (and audit) one document of this chart.
    OpenDocument(SessionToken, String, String),
    LoadAccessLog(SessionToken, String),
    LoadChartCodes(SessionToken, String),
    /// Compliance's list; `true` only those waiting for review.
    LoadBreakGlassList(SessionToken, bool),
    JudgeBreakGlass {
        token: SessionToken,
        id: u64,
        version: u64,
        verdict: crate::domain::break_glass::Verdict,
        comment: String,
    },
    LoadAmendments(SessionToken, String),
    /// One step on an amendment request: log, extend, decide, statement.
    Amendment(
        SessionToken,
        Box<crate::ui::screens::amendment_form::AmendmentCall>,
    ),
    BreakGlass(
        SessionToken,
        Box<crate::ui::screens::break_glass::BreakGlassRequest>,
    ),
    /// The code look-up: numbered, in a system on a date.
    LookupCodes {
        token: SessionToken,
        seq: u64,
        system: crate::codes::CodeSystem,
        on: chrono::NaiveDate,
        query: String,
    },
    CodeDetails(
        SessionToken,
        crate::codes::CodeSystem,
        chrono::NaiveDate,
        String,
    ),
    /// Compliance places or releases a legal hold.
    SetHold(
        SessionToken,
        Box<crate::ui::screens::legal_hold_form::HoldRequest>,
    ),
    /// Compliance sets or clears a chart's or an encounter's sensitivity flag.
    SetFlag(
        SessionToken,
        Box<crate::ui::screens::sensitivity_form::FlagRequest>,
    ),
    Register {
        token: SessionToken,
        patient: Box<NewPatient>,
        reason: Option<String>,
    },
    /// Numbered so the newest wins; the runtime performs only the last of a burst.
    Search {
        token: SessionToken,
        seq: u64,
        query: String,
        limit: usize,
    },
    ChangeUser(SessionToken, UserRequest),
    /// The work list; `true` includes decided cases.
    LoadDuplicates(SessionToken, bool),
    ReviewDuplicate(SessionToken, String),
    DecideDuplicate {
        token: SessionToken,
        case_id: String,
        version: u64,
        decision: CaseDecision,
        note: String,
    },
    /// Save corrected demographics as a new version of the one edited.
    UpdatePatient {
        token: SessionToken,
        mrn: String,
        version: u64,
        patient: Box<NewPatient>,
    },
    LoadHistory(SessionToken, String),
    /// The coding queue and workspace.
    Coding(SessionToken, Box<CodingCall>),
    /// My work queue (F6): its list, an answer to a physician query.
    Work(SessionToken, Box<crate::ui::screens::work_queue::WorkCall>),
    /// The chart's Disclosures tab: read it, or send one of its forms.
    Disclosures(
        SessionToken,
        String,
        Box<crate::ui::screens::chart_disclosures::DisclosureCall>,
    ),
    /// The release-of-information desk (F5).
    Roi(SessionToken, Box<crate::ui::screens::roi::RoiCall>),
    /// Clear the terminal and draw everything again (Ctrl+L).
    FullRedraw,
    Quit,
}

/// What fills the main area once logged in.
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    Home,
    Screen(Screen),
    ChangePassword(PasswordForm),
    Users(UsersView),
    Search(SearchView),
    Chart(Box<ChartView>),
    BreakGlass(Box<crate::ui::screens::break_glass::BreakGlassForm>),
    BreakGlassReview(Box<crate::ui::screens::break_glass_review::BreakGlassReviewScreen>),
    Register(Box<RegisterForm>),
    Duplicates(Box<DuplicatesView>),
    /// `l` on the coding queue: the code look-up without an encounter.
    CodeLookup(Box<crate::ui::screens::code_lookup::CodeLookupView>),
    /// F4: the coding queue.
    CodingQueue(Box<crate::ui::screens::coding_queue::CodingQueueView>),
    /// F6: my work queue.
    WorkQueue(Box<crate::ui::screens::work_queue::WorkQueueView>),
    /// F5: the release-of-information desk.
    Roi(Box<crate::ui::screens::roi::RoiScreen>),
    /// The coding workspace on one encounter (the queue kept to go back to).
    CodingWorkspace(
        Box<(
            crate::ui::screens::coding_workspace::CodingWorkspace,
            crate::ui::screens::coding_queue::CodingQueueView,
        )>,
    ),
}

/// Where a user was when their session ended without a logout. Form contents (passwords) are
/// never kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    pub username: String,
    pub screen: Option<Screen>,
    pub patient: Option<String>,
    pub patient_mrn: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    /// The daemon restarted under `chartroom attach`: the password again, screen kept
    /// (the typed password is `App::reauth`).
    Reauth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

pub struct App {
    pub info: ServerInfo,
    pub keymap: Keymap,
    pub theme: Theme,
    pub session: Option<LoginOk>,
    pub login: LoginForm,
    pub view: View,
    /// Where the user was when the session ended without a logout: restored (through the
    /// service, which checks again) if the same user logs back in.
    pub resume: Option<Resume>,
    pub overlay: Option<Overlay>,
    /// The password being typed on the `Reauth` overlay.
    pub reauth: Option<crate::ui::input::TextInput>,
    /// The service was unreachable: when to try again, and the wait after that.
    pub reconnect_at: Option<(Instant, Duration)>,
    pub status: Option<Status>,
    /// Label of the patient in context, chosen in patient search.
    pub patient_in_context: Option<String>,
    /// Their MRN, for the screens that work on the patient in context.
    pub context_mrn: Option<String>,
    /// The search screen as the clerk left it, so F2 comes back to the same results.
    pub last_search: Option<SearchView>,
    /// The date ages are computed on (set at start and at each login).
    pub today: chrono::NaiveDate,
    /// When the service last heard from this session: the origin of the idle clock.
    pub idle_since: Instant,
    pub warned: bool,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
}

impl App {
    pub fn new(info: ServerInfo, keymap: Keymap, theme: Theme, now: Instant) -> App {
        App {
            info,
            keymap,
            theme,
            session: None,
            login: LoginForm::default(),
            view: View::Home,
            resume: None,
            overlay: None,
            reauth: None,
            reconnect_at: None,
            status: None,
            patient_in_context: None,
            context_mrn: None,
            today: chrono::Local::now().date_naive(),
            last_search: None,
            idle_since: now,
            warned: false,
            quit: false,
            dirty: true,
        }
    }

    fn idle_limit(&self) -> Duration {
        let minutes = self
            .session
            .as_ref()
            .map_or(self.info.idle_timeout_minutes, |s| s.idle_timeout_minutes);
        Duration::from_secs(u64::from(minutes.clamp(1, MAX_IDLE_MINUTES)) * 60)
    }

    /// When the runtime must wake up even without input: the idle warning, then the logoff.
    /// None while logged out, so an idle login screen sleeps and writes nothing.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.session.as_ref()?;
        let limit = self.idle_limit();
        let warn = limit.saturating_sub(IDLE_WARNING).max(limit / 2);
        let idle = self.idle_since + if self.warned { limit } else { warn };
        Some(self.reconnect_at.map_or(idle, |(at, _)| at.min(idle)))
    }

    /// The screen to return to after the session ends without a logout.
    fn current_screen(&self) -> Option<Screen> {
        match &self.view {
            View::Screen(s) => Some(*s),
            View::Users(_) => Some(Screen::Users),
            View::Search(_) => Some(Screen::Search),
            View::Chart(_) => Some(Screen::Chart),
            View::Duplicates(_) => Some(Screen::Duplicates),
            View::BreakGlassReview(_) => Some(Screen::BreakGlassReview),
            View::WorkQueue(_) => Some(Screen::WorkQueue),
            View::Roi(_) => Some(Screen::Roi),
            View::CodeLookup(_) | View::CodingQueue(_) | View::CodingWorkspace(_) => {
                Some(Screen::Coding)
            }
            // A form is never resumed: what was typed may hold another patient's details.
            View::Register(_) | View::BreakGlass(_) => None,
            View::Home | View::ChangePassword(_) => None,
        }
    }

    /// Whether a text field has the keyboard (so Home/End edit rather than move a list).
    fn field_focused(&self) -> bool {
        match &self.view {
            _ if self.session.is_none() => true,
            View::ChangePassword(_) | View::Register(_) => true,
            View::Users(u) => u.reset.is_some(),
            View::Duplicates(d) => d.typing(),
            View::Chart(c) => c.typing(),
            View::BreakGlass(f) => f.typing(),
            View::BreakGlassReview(r) => r.typing(),
            View::CodeLookup(v) => v.typing(),
            View::CodingQueue(q) => q.typing(),
            View::CodingWorkspace(w) => w.0.typing(),
            View::WorkQueue(w) => w.typing(),
            View::Roi(r) => r.typing(),
            _ => false,
        }
    }

    /// Which screen letters mean something now (`r` resets a password on Users, asks for
    /// research on Duplicates).
    pub fn key_scope(&self) -> KeyScope {
        match &self.view {
            View::Users(_) => KeyScope::Users,
            View::Duplicates(_) => KeyScope::Duplicates,
            View::Chart(c) => c.key_scope(),
            View::BreakGlassReview(_) => KeyScope::Review,
            View::CodingQueue(q) if !q.typing() => KeyScope::CodingQueue,
            View::CodingWorkspace(w) if !w.0.typing() => KeyScope::Workspace,
            View::WorkQueue(w) if !w.typing() => KeyScope::WorkQueue,
            View::Roi(r) if !r.typing() => KeyScope::Roi,
            _ => KeyScope::Any,
        }
    }

    fn may(&self, p: crate::policy::Permission) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.permissions.contains(&p))
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some(Status {
            kind,
            text: text.into(),
        });
    }

    /// Whether quitting now would lose something the user typed.
    pub fn has_unsaved(&self) -> bool {
        match &self.view {
            View::ChangePassword(f) if self.session.is_some() => f.has_input(),
            View::BreakGlass(f) => f.has_input(),
            View::BreakGlassReview(r) => r.has_input(),
            View::Users(u) if self.session.is_some() => u.has_input(),
            View::Register(f) if self.session.is_some() => f.has_input(),
            View::Duplicates(d) if self.session.is_some() => d.has_input(),
            View::Chart(c) if self.session.is_some() => c.has_unsaved(),
            View::CodingQueue(q) if self.session.is_some() => q.has_input(),
            View::CodingWorkspace(w) if self.session.is_some() => w.0.has_unsaved(),
            View::WorkQueue(w) if self.session.is_some() => w.has_input(),
            View::Roi(r) if self.session.is_some() => r.has_input(),
            _ => self.session.is_none() && self.login.has_input(),
        }
    }

    fn key_label(&self, a: Action) -> String {
        self.keymap
            .key_for(a)
            .map_or_else(|| a.name().to_string(), |k| k.label(self.theme.ascii))
    }

    pub fn update(&mut self, msg: Msg, now: Instant) -> Vec<Effect> {
        match msg {
            Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
            Msg::Key(key) => {
                self.dirty = true;
                let mut effects = self.note_activity(now);
                effects.extend(self.on_key(key));
                effects
            }
            Msg::Paste(text) => {
                self.dirty = true;
                let effects = self.note_activity(now);
                if self.overlay.is_none() {
                    match (&mut self.view, self.session.is_some()) {
                        (_, false) => self.login.paste(&text),
                        (View::ChangePassword(f), true) => f.paste(&text),
                        (View::BreakGlass(f), true) => f.paste(&text),
                        (View::Users(u), true) => u.paste(&text),
                        (View::Register(f), true) => f.paste(&text),
                        (View::Duplicates(d), true) => d.paste(&text),
                        (View::Chart(c), true) => c.paste(&text),
                        (View::CodingQueue(q), true) => q.paste(&text),
                        (View::WorkQueue(w), true) => w.paste(&text),
                        (View::Roi(r), true) => r.paste(&text),
                        (View::CodingWorkspace(w), true) => {
                            let request = w.0.paste(&text);
                            return effects
                                .into_iter()
                                .chain(self.workspace_request(request))
                                .collect();
                        }
                        (View::CodeLookup(v), true) => {
                            let request = v.paste(&text);
                            return effects
                                .into_iter()
                                .chain(self.lookup_request(request))
                                .collect();
                        }
                        (View::Search(v), true) => {
                            let request = v.paste(&text);
                            return effects
                                .into_iter()
                                .chain(self.search_request(request))
                                .collect();
                        }
                        _ => {}
                    }
                }
                effects
            }
            Msg::Resize => {
                self.dirty = true;
                Vec::new()
            }
            Msg::Tick => self.on_tick(now),
            Msg::LoggedIn(result) => {
                self.dirty = true;
                self.on_logged_in(result, now)
            }
            Msg::ScreenOpened(screen, result) => {
                self.dirty = true;
                match result {
                    Ok(()) => {
                        self.status = None;
                        if screen == Screen::Coding {
                            let me = self
                                .session
                                .as_ref()
                                .map_or_else(String::new, |s| s.username.clone());
                            let mut q = crate::ui::screens::coding_queue::CodingQueueView::new(
                                &me,
                                self.may(crate::policy::Permission::EditCodes),
                                self.may(crate::policy::Permission::AssignWork),
                            );
                            q.may_read_dnfb = self.may(crate::policy::Permission::ViewDnfb);
                            self.set_view(View::CodingQueue(Box::new(q)));
                            return self.load_queue();
                        }
                        if screen == Screen::Roi {
                            let r = crate::ui::screens::roi::RoiScreen::new(
                                self.may(crate::policy::Permission::ManageDisclosures),
                                self.context_mrn.clone(),
                            );
                            self.set_view(View::Roi(Box::new(r)));
                            return self.roi_call(crate::ui::screens::roi::RoiCall::Desk);
                        }
                        if screen == Screen::WorkQueue {
                            let w = crate::ui::screens::work_queue::WorkQueueView::new(
                                self.may(crate::policy::Permission::AnswerQueries),
                                self.may(crate::policy::Permission::EditCodes),
                            );
                            let load = w.has_lists();
                            self.set_view(View::WorkQueue(Box::new(w)));
                            return if load { self.load_work() } else { Vec::new() };
                        }
                        if screen == Screen::Users {
                            self.set_view(View::Users(UsersView::default()));
                            return self.token().map(Effect::LoadUsers).into_iter().collect();
                        }
                        if screen == Screen::BreakGlassReview {
                            self.set_view(View::BreakGlassReview(Box::default()));
                            return self
                                .token()
                                .map(|t| Effect::LoadBreakGlassList(t, true))
                                .into_iter()
                                .collect();
                        }
                        if screen == Screen::Duplicates {
                            let approve = self.may(crate::policy::Permission::ApproveMerge);
                            self.set_view(View::Duplicates(Box::new(DuplicatesView::new(approve))));
                            return self.load_duplicates();
                        }
                        if screen == Screen::Chart
                            && let (Some(mrn), Some(token)) =
                                (self.context_mrn.clone(), self.token())
                        {
                            return vec![Effect::OpenChart(token, mrn)];
                        }
                        if screen == Screen::Search {
                            if matches!(self.view, View::Search(_)) {
                                return Vec::new();
                            }
                            let back = self.last_search.take().unwrap_or_default();
                            let empty = back.input.is_empty();
                            self.set_view(View::Search(back));
                            return if empty {
                                self.search_request(Some(SearchRequest::Recent))
                            } else {
                                Vec::new()
                            };
                        }
                        self.set_view(View::Screen(screen));
                    }
                    Err(e) => self.on_service_error(&e, screen.title()),
                }
                Vec::new()
            }
            Msg::UsersLoaded(result) => {
                self.dirty = true;
                match (result, &mut self.view) {
                    (Ok(users), View::Users(v)) => v.set_users(users),
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Users"),
                }
                Vec::new()
            }
            Msg::ChartOpened(mrn, result) => {
                self.dirty = true;
                match *result {
                    Ok(chart) => self.set_view(View::Chart(Box::new(ChartView::new(chart)))),
                    Err(ServiceError::NeedsBreakGlass) => {
                        self.set_view(View::BreakGlass(Box::new(
                            crate::ui::screens::break_glass::BreakGlassForm::new(&mrn),
                        )));
                        self.set_status(
                            StatusKind::Warning,
                            "Restricted chart: state a reason to open it, or Esc.",
                        );
                    }
                    Err(e) => self.on_service_error(&e, "Chart"),
                }
                Vec::new()
            }
            Msg::BreakGlassListLoaded(result) => {
                self.dirty = true;
                match (result, &mut self.view) {
                    (Ok(list), View::BreakGlassReview(r)) => r.list.set_accesses(list),
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Break-the-glass review"),
                }
                Vec::new()
            }
            Msg::BreakGlassJudged(result) => {
                self.dirty = true;
                match *result {
                    Ok(a) => {
                        let verdict = a.review.as_ref().map_or("", |r| r.verdict.label());
                        self.set_status(
                            StatusKind::Info,
                            format!("Access {} by {} judged {verdict}.", a.id, a.username),
                        );
                        let waiting_only = matches!(&self.view, View::BreakGlassReview(r) if !r.list.show_reviewed);
                        return self
                            .token()
                            .map(|t| Effect::LoadBreakGlassList(t, waiting_only))
                            .into_iter()
                            .collect();
                    }
                    Err(e) => self.on_service_error(&e, "Break-the-glass review"),
                }
                Vec::new()
            }
            Msg::GlassBroken(mrn, result) => {
                self.dirty = true;
                match result {
                    Ok(()) => {
                        self.status = None;
                        return self
                            .session
                            .as_ref()
                            .map(|s| Effect::OpenChart(s.token.clone(), mrn))
                            .into_iter()
                            .collect();
                    }
                    Err(e) => {
                        if let View::BreakGlass(f) = &mut self.view {
                            f.failed();
                        }
                        self.on_service_error(&e, "Breaking the glass");
                    }
                }
                Vec::new()
            }
            Msg::FlagSet(mrn, result) => {
                self.dirty = true;
                match result {
                    Ok(what) => {
                        self.set_status(StatusKind::Info, what);
                        // The chart opens (and is audited) again with the new flag.
                        return self
                            .token()
                            .map(|t| Effect::OpenChart(t, mrn))
                            .into_iter()
                            .collect();
                    }
                    Err(e) => self.on_service_error(&e, "Changing the chart's flags"),
                }
                Vec::new()
            }
            // A restricted encounter's document: the same warning a restricted chart gets.
            Msg::DocumentOpened(result)
                if matches!(*result, Err(ServiceError::NeedsBreakGlass))
                    && matches!(self.view, View::Chart(_)) =>
            {
                self.dirty = true;
                if let View::Chart(c) = &self.view {
                    let mrn = c.chart.patient.mrn.clone();
                    self.set_view(View::BreakGlass(Box::new(
                        crate::ui::screens::break_glass::BreakGlassForm::new(&mrn),
                    )));
                    self.set_status(
                        StatusKind::Warning,
                        "Restricted encounter: state a reason to read it, or Esc.",
                    );
                }
                Vec::new()
            }
            Msg::DocumentOpened(result) => {
                self.dirty = true;
                match (*result, &mut self.view) {
                    (Ok(d), View::Chart(c)) => {
                        let title = format!(
                            "{} — {} — {}",
                            d.kind,
                            d.author,
                            d.written.format("%Y-%m-%d")
                        );
                        c.show_document(&title, &d.text);
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Reading documents"),
                }
                Vec::new()
            }
            Msg::ChartCodesLoaded(result) => {
                self.dirty = true;
                match (*result, &mut self.view) {
                    (Ok(codes), View::Chart(c)) => {
                        c.codes = Some(crate::ui::screens::chart_codes::CodesTab::new(codes))
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Codes"),
                }
                Vec::new()
            }
            Msg::AccessLogLoaded(result) => {
                self.dirty = true;
                match (result, &mut self.view) {
                    (Ok(entries), View::Chart(c)) => {
                        c.access_log = Some(
                            crate::ui::screens::chart_access_log::AccessLogTab::new(entries),
                        )
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Access log"),
                }
                Vec::new()
            }
            Msg::AmendmentsLoaded(result) => {
                self.dirty = true;
                match (*result, &mut self.view) {
                    (Ok(a), View::Chart(c)) => {
                        c.add_documents(&a.documents);
                        c.mark_amended(&a.requests);
                        match &mut c.amendments {
                            Some(t) => t.set_data(a),
                            None => {
                                c.amendments = Some(
                                    crate::ui::screens::chart_amendments::AmendmentsTab::new(a),
                                )
                            }
                        }
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Amendments"),
                }
                Vec::new()
            }
            Msg::AmendmentSaved(result) => {
                self.dirty = true;
                self.on_amendment_saved(*result)
            }
            Msg::Registered(answer) => {
                self.dirty = true;
                let (patient, result) = *answer;
                match result {
                    Ok(p) => {
                        self.set_status(StatusKind::Info, format!("Registered: MRN {}.", p.mrn));
                        let label = format!(
                            "{} {}, {}",
                            p.mrn,
                            p.family_name.to_uppercase(),
                            p.given_names.join(" ")
                        );
                        self.patient_in_context = Some(label);
                        self.context_mrn = Some(p.mrn.clone());
                        self.last_search = None;
                        return self
                            .token()
                            .map(|t| Effect::OpenChart(t, p.mrn))
                            .into_iter()
                            .collect();
                    }
                    Err(ServiceError::PossibleDuplicates(hits)) => {
                        if let View::Register(f) = &mut self.view {
                            f.show_duplicates(hits, patient);
                        }
                        self.set_status(
                            StatusKind::Warning,
                            "Possible existing patients: check before making a new chart.",
                        );
                    }
                    Err(e) => self.on_service_error(&e, "Registration"),
                }
                Vec::new()
            }
            Msg::DuplicatesLoaded(result) => {
                self.dirty = true;
                match (result, &mut self.view) {
                    (Ok(rows), View::Duplicates(d)) => d.set_rows(rows),
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Duplicate charts"),
                }
                Vec::new()
            }
            Msg::DuplicateReviewed(result) => {
                self.dirty = true;
                match (*result, &mut self.view) {
                    (Ok(review), View::Duplicates(d)) => {
                        self.status = None;
                        d.show_review(review);
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Duplicate charts"),
                }
                Vec::new()
            }
            Msg::DuplicateDecided(result) => {
                self.dirty = true;
                match *result {
                    Ok(case) => {
                        if let View::Duplicates(d) = &mut self.view {
                            d.decided();
                        }
                        let what = case
                            .history
                            .last()
                            .map(|e| e.note.clone())
                            .unwrap_or_default();
                        self.set_status(
                            StatusKind::Info,
                            format!("{} and {}: {what}", case.a, case.b),
                        );
                        return self.load_duplicates();
                    }
                    Err(e) => self.on_service_error(&e, "Duplicate charts"),
                }
                Vec::new()
            }
            Msg::PatientUpdated(result) => {
                self.dirty = true;
                match *result {
                    Ok(p) => {
                        self.set_status(
                            StatusKind::Info,
                            format!("Saved: version {} of MRN {}.", p.version, p.mrn),
                        );
                        self.patient_in_context = Some(format!(
                            "{} {}, {}",
                            p.mrn,
                            p.family_name.to_uppercase(),
                            p.given_names.join(" ")
                        ));
                        return self
                            .token()
                            .map(|t| Effect::OpenChart(t, p.mrn))
                            .into_iter()
                            .collect();
                    }
                    Err(e) => self.on_service_error(&e, "Demographics"),
                }
                Vec::new()
            }
            Msg::HistoryLoaded(result) => {
                self.dirty = true;
                match (result, &mut self.view) {
                    (Ok(versions), View::Chart(c)) => c.show_history(versions),
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Demographic history"),
                }
                Vec::new()
            }
            Msg::RecentLoaded(result) => {
                self.dirty = true;
                if let View::Search(v) = &mut self.view
                    && let Some(e) = v.on_recent(result)
                {
                    self.on_service_error(&e, "Patient search");
                }
                Vec::new()
            }
            Msg::CodesFound(seq, result) => {
                self.dirty = true;
                match (result, &mut self.view) {
                    (Ok(hits), View::CodeLookup(v)) => {
                        let next = v.found(seq, hits);
                        return self.lookup_request(next);
                    }
                    (Ok(hits), View::CodingWorkspace(w)) => {
                        let next = w.0.lookup.as_mut().and_then(|l| l.found(seq, hits));
                        return self.workspace_request(
                            next.map(
                                crate::ui::screens::coding_workspace::WorkspaceRequest::Lookup,
                            ),
                        );
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Code look-up"),
                }
                Vec::new()
            }
            Msg::CodeDetails(result) => {
                self.dirty = true;
                match (*result, &mut self.view) {
                    (Ok(d), View::CodeLookup(v)) => v.show_details(d),
                    (Ok(d), View::CodingWorkspace(w)) => {
                        if let Some(l) = &mut w.0.lookup {
                            l.show_details(d);
                        }
                    }
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Code look-up"),
                }
                Vec::new()
            }
            Msg::SearchDone(seq, result) => {
                self.dirty = true;
                if let View::Search(v) = &mut self.view
                    && let Some(e) = v.on_results(seq, result)
                {
                    self.on_service_error(&e, "Patient search");
                }
                Vec::new()
            }
            Msg::UserChanged(done, result) => {
                self.dirty = true;
                if let View::Users(u) = &mut self.view {
                    if result.is_ok() {
                        u.close_form();
                    } else {
                        u.form_refused();
                    }
                }
                match result {
                    Ok(()) => {
                        self.set_status(StatusKind::Info, done);
                        return self.token().map(Effect::LoadUsers).into_iter().collect();
                    }
                    Err(e) => self.on_service_error(&e, "Users"),
                }
                Vec::new()
            }
            Msg::PasswordChanged(result) => {
                self.dirty = true;
                match result {
                    Ok(()) => {
                        if let Some(s) = &mut self.session {
                            s.must_change_password = false;
                        }
                        self.set_view(View::Home);
                        self.set_status(StatusKind::Info, "Password changed.");
                    }
                    Err(e) => {
                        if let View::ChangePassword(f) = &mut self.view {
                            f.failed();
                        }
                        self.on_service_error(&e, "Password");
                    }
                }
                Vec::new()
            }
            Msg::Coding(answer) => {
                self.dirty = true;
                self.on_coding(*answer)
            }
            Msg::DisclosuresLoaded(result) => {
                self.dirty = true;
                match (*result, &mut self.view) {
                    (Ok(d), View::Chart(c)) => match &mut c.disclosures {
                        Some(t) => t.reload(d),
                        None => {
                            c.disclosures = Some(
                                crate::ui::screens::chart_disclosures::DisclosuresTab::new(d),
                            )
                        }
                    },
                    (Ok(_), _) => {}
                    (Err(e), _) => self.on_service_error(&e, "Disclosures"),
                }
                Vec::new()
            }
            Msg::DisclosureDone(result) => {
                self.dirty = true;
                let mrn = match &self.view {
                    View::Chart(c) => c.chart.patient.mrn.clone(),
                    _ => return Vec::new(),
                };
                match *result {
                    Ok(done) => {
                        self.set_status(StatusKind::Info, crate::sanitize::sanitize(&done));
                        return self
                            .token()
                            .map(|t| {
                                Effect::Disclosures(
                                    t,
                                    mrn,
                                    Box::new(
                                        crate::ui::screens::chart_disclosures::DisclosureCall::Load,
                                    ),
                                )
                            })
                            .into_iter()
                            .collect();
                    }
                    Err(e) => {
                        if let View::Chart(c) = &mut self.view
                            && let Some(t) = &mut c.disclosures
                        {
                            t.refused(e.to_string());
                        }
                        self.on_service_error(&e, "Disclosures");
                    }
                }
                Vec::new()
            }
            Msg::Roi(answer) => {
                let effects = self.on_roi(answer);
                self.dirty = true;
                effects
            }
            Msg::Work(answer) => {
                self.dirty = true;
                self.on_work(answer)
            }
            Msg::ServiceFailed(e) => {
                self.dirty = true;
                self.on_service_error(&e, "");
                Vec::new()
            }
            Msg::Reconnected(result) => {
                self.dirty = true;
                match result {
                    Ok(()) => {
                        self.reconnect_at = None;
                        self.set_status(
                            StatusKind::Info,
                            "Connected to the chartroom server again.",
                        );
                    }
                    Err(e) => self.on_service_error(&e, ""),
                }
                Vec::new()
            }
        }
    }

    /// Turns what the search screen asked for into effects: a numbered search, or the chosen
    /// patient put in context and their chart opened (the service decides whether it may).
    /// What the code look-up asked for, as effects (a bad date is said in the status line).
    fn lookup_request(
        &mut self,
        request: Option<crate::ui::screens::code_lookup::LookupRequest>,
    ) -> Vec<Effect> {
        use crate::ui::screens::code_lookup::LookupRequest;
        if let View::CodeLookup(v) = &mut self.view
            && let Some(problem) = v.problem()
        {
            self.set_status(StatusKind::Error, problem);
        }
        self.dirty = true;
        let Some(token) = self.token() else {
            return Vec::new();
        };
        match request {
            Some(LookupRequest::Find(seq, system, on, query)) => vec![Effect::LookupCodes {
                token,
                seq,
                system,
                on,
                query,
            }],
            Some(LookupRequest::Details(system, on, code)) => {
                vec![Effect::CodeDetails(token, system, on, code)]
            }
            None => Vec::new(),
        }
    }

    /// Reads the queue as the screen filters and sorts it (and the backlog for supervisors).
    fn load_queue(&self) -> Vec<Effect> {
        let (Some(token), View::CodingQueue(q)) = (self.token(), &self.view) else {
            return Vec::new();
        };
        let mut effects = vec![Effect::Coding(
            token.clone(),
            Box::new(CodingCall::Queue(q.filter(), q.sort)),
        )];
        if q.may_assign {
            effects.push(Effect::Coding(token, Box::new(CodingCall::Backlog)));
        }
        effects
    }

    fn queue_request(
        &mut self,
        request: Option<crate::ui::screens::coding_queue::QueueRequest>,
    ) -> Vec<Effect> {
        use crate::ui::screens::coding_queue::QueueRequest;
        let Some(token) = self.token() else {
            return Vec::new();
        };
        let call = match request {
            None => return Vec::new(),
            Some(QueueRequest::Reload) => return self.load_queue(),
            Some(QueueRequest::Report { productivity, dnfb }) => {
                let mut calls = Vec::new();
                if productivity {
                    calls.push(Effect::Coding(
                        token.clone(),
                        Box::new(CodingCall::Productivity),
                    ));
                }
                if dnfb {
                    calls.push(Effect::Coding(token, Box::new(CodingCall::Dnfb)));
                }
                return calls;
            }
            Some(QueueRequest::Lookup) => {
                self.set_view(View::CodeLookup(Box::new(
                    crate::ui::screens::code_lookup::CodeLookupView::new(self.today),
                )));
                self.status = None;
                return Vec::new();
            }
            Some(QueueRequest::Claim(encounter)) => CodingCall::Claim {
                encounter,
                open: false,
            },
            Some(QueueRequest::Open(row)) => {
                let may_code = self.may(crate::policy::Permission::EditCodes);
                if may_code && row.status == crate::domain::coding::CodingStatus::Uncoded {
                    CodingCall::Claim {
                        encounter: row.encounter_id,
                        open: true,
                    }
                } else {
                    CodingCall::Open(row.encounter_id)
                }
            }
            Some(QueueRequest::Assign {
                encounter_id,
                version,
                coder,
            }) => CodingCall::Assign {
                encounter: encounter_id,
                version,
                coder,
            },
        };
        vec![Effect::Coding(token, Box::new(call))]
    }

    fn workspace_request(
        &mut self,
        request: Option<crate::ui::screens::coding_workspace::WorkspaceRequest>,
    ) -> Vec<Effect> {
        use crate::ui::screens::coding_workspace::WorkspaceRequest;
        self.dirty = true;
        if let View::CodingWorkspace(w) = &mut self.view
            && let Some(problem) = w.0.problem()
        {
            self.set_status(StatusKind::Warning, problem);
        }
        let Some(token) = self.token() else {
            return Vec::new();
        };
        match request {
            None => Vec::new(),
            Some(WorkspaceRequest::Document(mrn, id)) => {
                vec![Effect::Coding(
                    token,
                    Box::new(CodingCall::Document(mrn, id)),
                )]
            }
            Some(WorkspaceRequest::Recipients) => {
                vec![Effect::Coding(token, Box::new(CodingCall::Recipients))]
            }
            Some(WorkspaceRequest::Step(encounter, version, step)) => vec![Effect::Coding(
                token,
                Box::new(CodingCall::Step(encounter, version, step)),
            )],
            Some(WorkspaceRequest::Lookup(
                crate::ui::screens::code_lookup::LookupRequest::Find(seq, system, on, query),
            )) => vec![Effect::LookupCodes {
                token,
                seq,
                system,
                on,
                query,
            }],
            Some(WorkspaceRequest::Lookup(
                crate::ui::screens::code_lookup::LookupRequest::Details(system, on, code),
            )) => vec![Effect::CodeDetails(token, system, on, code)],
        }
    }

    /// Shows a coding record: the workspace open on it takes the new record; from the queue
    /// a workspace opens, and its documents are asked for.
    fn open_workspace(&mut self, saved: bool, view: crate::service::CodingView) -> Vec<Effect> {
        let me = self
            .session
            .as_ref()
            .map_or_else(String::new, |s| s.username.clone());
        let may_validate = self.may(crate::policy::Permission::ValidateCoding);
        match &mut self.view {
            View::CodingWorkspace(w) if w.0.encounter_id() == view.record.encounter_id => {
                w.0.stepped(view, saved);
            }
            View::CodingQueue(q) => {
                let docs = CodingCall::Documents(
                    view.record.mrn.clone(),
                    view.record.encounter_id.clone(),
                );
                let ws = crate::ui::screens::coding_workspace::CodingWorkspace::new(
                    view,
                    &me,
                    may_validate,
                );
                let queue = (**q).clone();
                self.set_view(View::CodingWorkspace(Box::new((ws, queue))));
                return self
                    .token()
                    .map(|t| Effect::Coding(t, Box::new(docs)))
                    .into_iter()
                    .collect();
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_coding(&mut self, answer: CodingAnswer) -> Vec<Effect> {
        let Some(token) = self.token() else {
            return Vec::new();
        };
        match answer {
            CodingAnswer::Queue(Ok(page)) => {
                if let View::CodingQueue(q) = &mut self.view {
                    q.set_page(page);
                }
            }
            CodingAnswer::Productivity(Ok(p)) => {
                if let View::CodingQueue(q) = &mut self.view
                    && let Some(r) = &mut q.report
                {
                    r.productivity = Some(p);
                }
            }
            CodingAnswer::Dnfb(d) => match (*d, &mut self.view) {
                (Ok(d), View::CodingQueue(q)) => {
                    if let Some(r) = &mut q.report {
                        r.dnfb = Some(d);
                    }
                }
                (Ok(_), _) => {}
                (Err(e), _) => return self.coding_failed(&e),
            },
            CodingAnswer::Backlog(Ok(b)) => {
                if let View::CodingQueue(q) = &mut self.view {
                    q.backlog = Some(b);
                }
            }
            CodingAnswer::Claimed(encounter, open, Ok(())) => {
                self.set_status(StatusKind::Info, format!("{encounter} claimed."));
                if open {
                    return vec![Effect::Coding(token, Box::new(CodingCall::Open(encounter)))];
                }
                return self.load_queue();
            }
            CodingAnswer::Record(saved, view) if view.is_ok() => {
                if let Ok(view) = *view {
                    return self.open_workspace(saved, view);
                }
            }
            CodingAnswer::Assigned(done, Ok(())) => {
                self.set_status(StatusKind::Info, done);
                return self.load_queue();
            }
            CodingAnswer::Stepped(done, saved, view) => {
                self.set_status(StatusKind::Info, done);
                match *view {
                    Ok(view) => return self.open_workspace(saved, view),
                    Err(e) => self.on_service_error(&e, "Coding"),
                }
            }
            CodingAnswer::Documents(result) => {
                if let View::CodingWorkspace(w) = &mut self.view {
                    w.0.set_documents(result.map_err(|e| match e {
                        ServiceError::NotPermitted(_) => {
                            "Documents: not permitted for your role.".to_string()
                        }
                        other => other.to_string(),
                    }));
                }
            }
            CodingAnswer::Recipients(result) => match (result, &mut self.view) {
                (Ok(list), View::CodingWorkspace(w)) => w.0.set_recipients(list),
                (Ok(_), _) => {}
                (Err(e), _) => self.on_service_error(&e, "Physician queries"),
            },
            CodingAnswer::Document(result) => match (*result, &mut self.view) {
                (Ok(d), View::CodingWorkspace(w)) => {
                    let title = format!(
                        "{} — {} — {}",
                        d.kind,
                        d.author,
                        d.written.format("%Y-%m-%d")
                    );
                    w.0.show_document(&d.id, &title, &d.text);
                }
                (Ok(_), _) => {}
                (Err(e), _) => self.on_service_error(&e, "Reading documents"),
            },
            CodingAnswer::Queue(Err(e))
            | CodingAnswer::Backlog(Err(e))
            | CodingAnswer::Productivity(Err(e))
            | CodingAnswer::Claimed(_, _, Err(e))
            | CodingAnswer::Assigned(_, Err(e))
            | CodingAnswer::StepFailed(e) => {
                return self.coding_failed(&e);
            }
            CodingAnswer::Record(_, view) => {
                if let Err(e) = *view {
                    return self.coding_failed(&e);
                }
            }
        }
        Vec::new()
    }

    /// A refused or failed coding call: said in the status line; the queue is read again
    /// (someone else may have taken the row).
    fn coding_failed(&mut self, e: &ServiceError) -> Vec<Effect> {
        self.on_service_error(e, "Coding");
        if matches!(self.view, View::CodingQueue(_)) {
            return self.load_queue();
        }
        Vec::new()
    }

    fn search_request(&mut self, request: Option<SearchRequest>) -> Vec<Effect> {
        let Some(token) = self.token() else {
            return Vec::new();
        };
        match request {
            Some(SearchRequest::Search(seq, query)) => vec![Effect::Search {
                token,
                seq,
                query,
                limit: PAGE_RESULTS,
            }],
            Some(SearchRequest::Recent) => vec![Effect::LoadRecent(token)],
            Some(SearchRequest::Choose(hit)) => {
                let label = format!(
                    "{} {}, {}",
                    hit.mrn,
                    hit.family_name.to_uppercase(),
                    hit.given_names
                );
                self.patient_in_context = Some(label);
                self.context_mrn = Some(hit.mrn.clone());
                vec![Effect::OpenChart(token, hit.mrn)]
            }
            None => Vec::new(),
        }
    }

    /// Changes the main view, keeping the search screen as it was for the next F2.
    fn set_view(&mut self, view: View) {
        if let View::Search(v) = std::mem::replace(&mut self.view, view) {
            self.last_search = Some(v);
        }
    }

    /// Loads the duplicate work list as the screen shows it (open cases, or all).
    fn load_duplicates(&self) -> Vec<Effect> {
        let all = matches!(&self.view, View::Duplicates(d) if d.include_decided);
        self.token()
            .map(|t| Effect::LoadDuplicates(t, all))
            .into_iter()
            .collect()
    }

    fn token(&self) -> Option<SessionToken> {
        self.session.as_ref().map(|s| s.token.clone())
    }

    fn load_work(&self) -> Vec<Effect> {
        use crate::ui::screens::work_queue::WorkCall;
        self.token()
            .map(|t| Effect::Work(t, Box::new(WorkCall::Load)))
            .into_iter()
            .collect()
    }

    fn roi_call(&self, call: crate::ui::screens::roi::RoiCall) -> Vec<Effect> {
        self.token()
            .map(|t| Effect::Roi(t, Box::new(call)))
            .into_iter()
            .collect()
    }

    /// The desk's answers: the list, a request's page, or a request changed (its page is
    /// read again, so the checker and documents are the service's).
    fn on_roi(&mut self, answer: crate::ui::screens::roi::RoiAnswer) -> Vec<Effect> {
        use crate::ui::screens::roi::{RoiAnswer, RoiCall, RoiScreen};
        match answer {
            RoiAnswer::Desk(result) => match (*result, &mut self.view) {
                (Ok(d), View::Roi(r)) => r.set_desk(d),
                (Ok(_), _) => {}
                (Err(e), _) => self.on_service_error(&e, "Release of information"),
            },
            RoiAnswer::Opened(result) => match (*result, &mut self.view) {
                (Ok(v), View::Roi(r)) => {
                    self.context_mrn = Some(v.request.mrn.clone());
                    r.set_page(v);
                }
                (Ok(_), _) => {}
                (Err(e), _) => self.on_roi_error(&e),
            },
            RoiAnswer::Changed(result) => match (*result, &mut self.view) {
                (Ok(req), View::Roi(r)) => {
                    r.changed();
                    self.set_status(
                        StatusKind::Info,
                        crate::sanitize::sanitize(&RoiScreen::done_message(&req)),
                    );
                    let mut calls = self.roi_call(RoiCall::Open(req.id.clone()));
                    calls.extend(self.roi_call(RoiCall::Desk));
                    return calls;
                }
                (Ok(_), _) => {}
                (Err(e), _) => self.on_roi_error(&e),
            },
        }
        Vec::new()
    }

    /// A refusal: the open form keeps what was typed and shows why; the status line says it.
    fn on_roi_error(&mut self, e: &ServiceError) {
        if let View::Roi(r) = &mut self.view {
            r.refused(e.to_string());
            let _ = r.problem();
        }
        let what = match e {
            ServiceError::NeedsBreakGlass => {
                "This chart or encounter is restricted: open it in F3 and break the glass                  (reason: release of information), then come back."
            }
            _ => "Release of information",
        };
        if matches!(e, ServiceError::NeedsBreakGlass) {
            self.set_status(StatusKind::Warning, what);
        } else {
            self.on_service_error(e, what);
        }
    }

    /// The work queue's answers: the list, or an answer recorded (the list is read again:
    /// the query has left it) or refused (the form stays as typed).
    fn on_work(&mut self, answer: crate::ui::screens::work_queue::WorkAnswer) -> Vec<Effect> {
        use crate::ui::screens::work_queue::WorkAnswer;
        match answer {
            WorkAnswer::Loaded(result) => match (*result, &mut self.view) {
                (Ok(q), View::WorkQueue(w)) => w.set_queries(q),
                (Ok(_), _) => {}
                (Err(e), _) => self.on_service_error(&e, "My work queue"),
            },
            WorkAnswer::Answered(result) => match *result {
                Ok(q) => {
                    if let View::WorkQueue(w) = &mut self.view {
                        w.answered();
                    }
                    self.set_status(
                        StatusKind::Info,
                        format!(
                            "{} answered; {} has it back to code.",
                            q.id,
                            crate::sanitize::sanitize(&q.sent_by)
                        ),
                    );
                    return self.load_work();
                }
                Err(e) => {
                    if let View::WorkQueue(w) = &mut self.view {
                        w.answer_failed();
                    }
                    self.on_service_error(&e, "Answering the query");
                }
            },
        }
        Vec::new()
    }

    fn on_service_error(&mut self, e: &ServiceError, what: &str) {
        match e {
            ServiceError::SessionExpired => {
                self.end_session("Your session has ended. Log in again.")
            }
            // The server came back without our session: ask for the password over the screen
            // as it is, so nothing typed is lost.
            ServiceError::ServerRestarted if self.session.is_some() => {
                self.reconnect_at = None;
                self.overlay = Some(Overlay::Reauth);
                self.reauth = Some(crate::ui::input::TextInput::masked(128));
                self.set_status(StatusKind::Warning, e.to_string());
            }
            ServiceError::NotPermitted(_) => self.set_status(
                StatusKind::Error,
                format!("{what}: not permitted for your role (the attempt is recorded)."),
            ),
            // Unreachable (the daemon restarting): try again on our own, a little later each
            // time, so the password is asked for as soon as it is back.
            ServiceError::Unavailable(_) if self.session.is_some() => {
                let wait = self
                    .reconnect_at
                    .map_or(RECONNECT_FIRST, |(_, w)| (w * 2).min(RECONNECT_MAX));
                self.reconnect_at = Some((Instant::now() + wait, wait));
                self.set_status(StatusKind::Error, e.to_string());
            }
            other => self.set_status(StatusKind::Error, other.to_string()),
        }
    }

    /// Any key: tells the service the clerk is here, at most every 20 s, and at once when the
    /// idle warning is showing; the idle clock restarts from that moment.
    fn note_activity(&mut self, now: Instant) -> Vec<Effect> {
        let was_warned = std::mem::take(&mut self.warned);
        if was_warned {
            self.status = None;
        }
        if let Some(s) = &self.session
            && (was_warned || now.duration_since(self.idle_since) >= KEEP_ALIVE_EVERY)
        {
            self.idle_since = now;
            return vec![Effect::KeepAlive(s.token.clone())];
        }
        Vec::new()
    }

    fn on_tick(&mut self, now: Instant) -> Vec<Effect> {
        if let Some((at, wait)) = self.reconnect_at
            && at <= now
            && let Some(token) = self.token()
        {
            // Keep the back-off until an answer says the service is there again.
            self.reconnect_at = Some((now + wait, wait));
            return vec![Effect::Reconnect(token)];
        }
        let Some(deadline) = self.next_deadline() else {
            return Vec::new();
        };
        if now < deadline {
            return Vec::new();
        }
        self.dirty = true;
        let limit = self.idle_limit();
        if !self.warned && now < self.idle_since + limit {
            self.warned = true;
            let left = (self.idle_since + limit)
                .saturating_duration_since(now)
                .as_secs()
                .div_ceil(60);
            let unit = if left == 1 { "minute" } else { "minutes" };
            self.set_status(
                StatusKind::Warning,
                format!(
                    "No activity: you will be logged out in {left} {unit}. Press any key to stay."
                ),
            );
            return Vec::new();
        }
        let Some(token) = self.token() else {
            return Vec::new();
        };
        let minutes = limit.as_secs() / 60;
        self.end_session(&format!(
            "Logged out after {minutes} minutes without activity. Log in to return where you were."
        ));
        vec![Effect::IdleLogoff(token)]
    }

    /// The session ended without a logout (idle, or the service ended it): remember where the
    /// user was, keep their name in the login form, drop everything else.
    fn end_session(&mut self, message: &str) {
        if let Some(s) = self.session.take() {
            self.resume = Some(Resume {
                username: s.username.clone(),
                screen: self.current_screen(),
                patient: self.patient_in_context.take(),
                patient_mrn: self.context_mrn.take(),
            });
            self.login = LoginForm::default();
            self.login.prefill_username(&s.username);
        }
        self.view = View::Home;
        self.patient_in_context = None;
        self.context_mrn = None;
        self.last_search = None;
        self.overlay = None;
        self.reauth = None;
        self.reconnect_at = None;
        self.warned = false;
        self.set_status(StatusKind::Warning, message);
    }

    fn on_logged_in(&mut self, result: Result<LoginOk, ServiceError>, now: Instant) -> Vec<Effect> {
        if self.overlay == Some(Overlay::Reauth) {
            self.on_reauthed(result, now);
            return Vec::new();
        }
        let ok = match result {
            Ok(ok) => ok,
            Err(e) => {
                self.login.failed();
                self.set_status(StatusKind::Error, e.to_string());
                return Vec::new();
            }
        };
        self.idle_since = now;
        self.today = chrono::Local::now().date_naive();
        self.login = LoginForm::default();
        let resume = self.resume.take().filter(|r| r.username == ok.username);
        let token = ok.token.clone();
        let mut effects = Vec::new();
        if ok.must_change_password {
            self.view = View::ChangePassword(PasswordForm::forced());
            self.patient_in_context = None;
            self.set_status(
                StatusKind::Warning,
                "Your password was reset: choose a new one to continue.",
            );
        } else {
            self.view = View::Home;
            self.status = None;
            self.patient_in_context = resume.as_ref().and_then(|r| r.patient.clone());
            self.context_mrn = resume.as_ref().and_then(|r| r.patient_mrn.clone());
            // Back to the screen the user was on, through the service, which checks again.
            if let Some(screen) = resume.and_then(|r| r.screen) {
                effects.push(Effect::OpenScreen(token, screen));
            }
        }
        self.session = Some(ok);
        effects
    }

    /// The login from the `Reauth` overlay came back: the same user goes on where they were.
    fn on_reauthed(&mut self, result: Result<LoginOk, ServiceError>, now: Instant) {
        match result {
            Ok(ok)
                if !ok.must_change_password
                    && self
                        .session
                        .as_ref()
                        .is_some_and(|s| s.username == ok.username) =>
            {
                self.session = Some(ok);
                self.overlay = None;
                self.reauth = None;
                self.reconnect_at = None;
                self.idle_since = now;
                self.warned = false;
                self.set_status(
                    StatusKind::Info,
                    "Logged in again after the server restart; your screen is as you left it. \
                     Do again what had not gone through.",
                );
            }
            // A reset password must be changed first: that is a fresh start.
            Ok(_) => self.end_session("Log in again: your password must be changed first."),
            Err(e) => {
                if let Some(p) = &mut self.reauth {
                    p.clear();
                }
                self.set_status(StatusKind::Error, e.to_string());
            }
        }
    }

    fn on_reauth_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = self
            .keymap
            .action_for(&Key::from_event(&key), KeyScope::Any);
        match (key.code, action) {
            (_, Some(Action::Quit)) => self.request_quit(),
            (KeyCode::Esc, _) => {
                self.end_session("Logged out: the server restarted and you chose not to go on.");
                Vec::new()
            }
            (KeyCode::Enter, _) => {
                let password = self.reauth.as_ref().map(|p| p.value().to_string());
                let username = self.session.as_ref().map(|s| s.username.clone());
                match (username, password) {
                    (Some(username), Some(p)) if !p.is_empty() => vec![Effect::Login {
                        username,
                        password: p.into(),
                    }],
                    _ => {
                        self.set_status(StatusKind::Warning, "Type your password, then Enter.");
                        Vec::new()
                    }
                }
            }
            _ => {
                if let Some(p) = &mut self.reauth {
                    p.handle_key(&key);
                }
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match self.overlay {
            Some(Overlay::Reauth) => {
                self.dirty = true;
                return self.on_reauth_key(key);
            }
            Some(Overlay::ConfirmQuit) => {
                match key.code {
                    KeyCode::Char('y' | 'Y') => return self.quit_now(),
                    KeyCode::Char('n' | 'N') | KeyCode::Esc => self.overlay = None,
                    _ => {}
                }
                return Vec::new();
            }
            Some(Overlay::Help { scroll }) => {
                let action = self
                    .keymap
                    .action_for(&Key::from_event(&key), KeyScope::Any);
                match action {
                    Some(Action::Back | Action::Help | Action::Submit) => self.overlay = None,
                    Some(Action::Down | Action::PageDown) => {
                        self.overlay = Some(Overlay::Help {
                            scroll: scroll.saturating_add(1),
                        })
                    }
                    Some(Action::Up | Action::PageUp) => {
                        self.overlay = Some(Overlay::Help {
                            scroll: scroll.saturating_sub(1),
                        })
                    }
                    Some(Action::Quit) => return self.request_quit(),
                    _ => {}
                }
                return Vec::new();
            }
            None => {}
        }

        // A focused text field takes printable characters and editing keys first.
        let plain_char = matches!(key.code, KeyCode::Char(_))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let editing = plain_char
            || (self.field_focused() && matches!(key.code, KeyCode::Home | KeyCode::End))
            || matches!(
                key.code,
                KeyCode::Backspace | KeyCode::Delete | KeyCode::Left | KeyCode::Right
            )
            || (key.code == KeyCode::Char('u') && key.modifiers == KeyModifiers::CONTROL);
        if editing
            && self.session.is_some()
            && let View::Search(v) = &mut self.view
            && let Some(request) = v.handle_key(&key)
        {
            return self.search_request(request);
        }
        if editing
            && self.session.is_some()
            && let View::CodeLookup(v) = &mut self.view
            && let Some(request) = v.handle_key(&key)
        {
            return self.lookup_request(request);
        }
        if editing
            && self.session.is_some()
            && let View::CodingWorkspace(w) = &mut self.view
            && let Some(request) = w.0.handle_key(&key)
        {
            return self.workspace_request(request);
        }
        if editing {
            let used = match (&mut self.view, self.session.is_some()) {
                (View::CodingQueue(q), true) => q.handle_key(&key),
                (_, false) => self.login.handle_key(&key),
                (View::ChangePassword(f), true) => f.handle_key(&key),
                (View::Users(u), true) => u.handle_key(&key),
                (View::Register(f), true) => f.handle_key(&key),
                (View::Duplicates(d), true) => d.handle_key(&key),
                (View::Chart(c), true) => c.handle_key(&key),
                (View::BreakGlass(f), true) => f.handle_key(&key),
                (View::BreakGlassReview(r), true) => r.handle_key(&key),
                (View::WorkQueue(w), true) => w.handle_key(&key),
                (View::Roi(r), true) => r.handle_key(&key),
                _ => false,
            };
            if used {
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.kind == StatusKind::Error)
                {
                    self.status = None;
                }
                return Vec::new();
            }
        }

        let Some(action) = self
            .keymap
            .action_for(&Key::from_event(&key), self.key_scope())
        else {
            return Vec::new();
        };
        match action {
            Action::Quit => return self.request_quit(),
            Action::Redraw => return vec![Effect::FullRedraw],
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                return Vec::new();
            }
            _ => {}
        }
        let Some(token) = self.session.as_ref().map(|s| s.token.clone()) else {
            return self.on_login_action(action);
        };
        let forced = matches!(&self.view, View::ChangePassword(f) if f.forced);
        if let Some(screen) = screen_for(action) {
            if forced {
                self.set_status(StatusKind::Warning, "Choose a new password first.");
                return Vec::new();
            }
            if self.has_unsaved() {
                let back = self.key_label(Action::Back);
                self.set_status(
                    StatusKind::Warning,
                    format!("Finish the form first, or {back} to cancel it."),
                );
                return Vec::new();
            }
            return vec![Effect::OpenScreen(token, screen)];
        }
        match action {
            Action::Logout => {
                self.session = None;
                self.resume = None;
                self.view = View::Home;
                self.login = LoginForm::default();
                self.patient_in_context = None;
                self.context_mrn = None;
                self.last_search = None;
                self.set_status(StatusKind::Info, "Logged out.");
                vec![Effect::Logout(token)]
            }
            Action::ChangePassword if !forced => {
                self.set_view(View::ChangePassword(PasswordForm::default()));
                self.status = None;
                Vec::new()
            }
            Action::Back if matches!(&self.view, View::Register(_)) => {
                if let View::Register(f) = &mut self.view
                    && f.back()
                {
                    // An edit goes back to its chart (opened, and audited, again).
                    if let Some((mrn, _)) = f.editing.clone() {
                        return vec![Effect::OpenChart(token, mrn)];
                    }
                    let back = self.last_search.take().unwrap_or_default();
                    self.view = View::Search(back);
                }
                Vec::new()
            }
            Action::FlagSensitive if matches!(&self.view, View::Chart(c) if !c.typing()) => {
                if !self.may(crate::policy::Permission::SetSensitivity) {
                    self.set_status(
                        StatusKind::Error,
                        "Sensitivity flags: not permitted for your role.",
                    );
                    return Vec::new();
                }
                if let View::Chart(c) = &mut self.view
                    && let Err(why) = c.open_flag_form()
                {
                    self.set_status(StatusKind::Warning, why);
                }
                self.dirty = true;
                Vec::new()
            }
            Action::LegalHold if matches!(&self.view, View::Chart(c) if !c.typing()) => {
                if !self.may(crate::policy::Permission::ManageLegalHolds) {
                    self.set_status(
                        StatusKind::Error,
                        "Legal holds: not permitted for your role.",
                    );
                    return Vec::new();
                }
                if let View::Chart(c) = &mut self.view {
                    c.open_hold_form();
                }
                self.dirty = true;
                Vec::new()
            }
            Action::EditDemographics if matches!(self.view, View::Chart(_)) => {
                if !self.may(crate::policy::Permission::EditDemographics) {
                    self.set_status(
                        StatusKind::Error,
                        "Correcting demographics: not permitted for your role.",
                    );
                    return Vec::new();
                }
                if let View::Chart(c) = &self.view {
                    if let Some(into) = &c.chart.patient.merged_into {
                        let into = into.clone();
                        self.set_status(
                            StatusKind::Warning,
                            format!("This chart was merged into {into}: correct that one."),
                        );
                        return Vec::new();
                    }
                    let form = RegisterForm::for_edit(&c.chart.patient);
                    self.set_view(View::Register(Box::new(form)));
                    self.status = None;
                }
                Vec::new()
            }
            Action::DemographicHistory => match &self.view {
                View::Chart(c) => vec![Effect::LoadHistory(token, c.chart.patient.mrn.clone())],
                _ => Vec::new(),
            },
            Action::Back if matches!(&self.view, View::Users(u) if u.reset.is_some()) => {
                if let View::Users(u) = &mut self.view {
                    u.close_form();
                }
                Vec::new()
            }
            Action::Back => {
                // A pane inside the screen (a note, the side-by-side view, the history)
                // closes first.
                let closed = match &mut self.view {
                    View::Duplicates(d) => d.back(),
                    View::Chart(c) => c.close(),
                    View::BreakGlassReview(r) => r.back(),
                    View::WorkQueue(w) => w.back(),
                    View::Roi(r) => r.back(),
                    View::CodingQueue(q) => q.back(),
                    View::CodingWorkspace(w) => w.0.back(),
                    _ => false,
                };
                if !closed && let View::CodingWorkspace(w) = &mut self.view {
                    if w.0.has_unsaved() && !w.0.leave_warned {
                        w.0.leave_warned = true;
                        let save = self.key_label(Action::Save);
                        let back = self.key_label(Action::Back);
                        self.set_status(
                            StatusKind::Warning,
                            format!("Unsaved codes: {save} saves the list; {back} again leaves without saving."),
                        );
                        return Vec::new();
                    }
                    let queue = w.1.clone();
                    self.set_view(View::CodingQueue(Box::new(queue)));
                    self.status = None;
                    return self.load_queue();
                }
                if !closed && let View::CodeLookup(_) = &self.view {
                    return vec![Effect::OpenScreen(token, Screen::Coding)];
                }
                if !forced && !closed {
                    self.set_view(View::Home);
                    self.status = None;
                }
                Vec::new()
            }
            Action::NewPatient if matches!(self.view, View::Search(_)) => {
                if self.may(crate::policy::Permission::RegisterPatient) {
                    self.set_view(View::Register(Box::default()));
                    self.status = None;
                } else {
                    self.set_status(
                        StatusKind::Error,
                        "Registering patients: not permitted for your role.",
                    );
                }
                Vec::new()
            }
            _ => {
                if let View::Register(f) = &mut self.view {
                    return match f.on_action(action, self.today) {
                        Some(RegisterRequest::Register(patient, reason)) => {
                            vec![Effect::Register {
                                token,
                                patient,
                                reason,
                            }]
                        }
                        Some(RegisterRequest::UseExisting(hit)) => {
                            self.search_request(Some(SearchRequest::Choose(hit)))
                        }
                        Some(RegisterRequest::Update {
                            mrn,
                            version,
                            patient,
                        }) => vec![Effect::UpdatePatient {
                            token,
                            mrn,
                            version,
                            patient,
                        }],
                        None => Vec::new(),
                    };
                }
                if let View::Duplicates(d) = &mut self.view {
                    return match d.on_action(action, SEARCH_PAGE) {
                        Some(DuplicatesRequest::Review(id)) => {
                            vec![Effect::ReviewDuplicate(token, id)]
                        }
                        Some(DuplicatesRequest::Reload) => self.load_duplicates(),
                        Some(DuplicatesRequest::Decide {
                            case_id,
                            version,
                            decision,
                            note,
                        }) => vec![Effect::DecideDuplicate {
                            token,
                            case_id,
                            version,
                            decision,
                            note,
                        }],
                        None => Vec::new(),
                    };
                }
                if let View::BreakGlassReview(r) = &mut self.view {
                    return match r.on_action(action, SEARCH_PAGE) {
                        Some(crate::ui::screens::break_glass_review::ReviewRequest::Reload(
                            waiting_only,
                        )) => {
                            vec![Effect::LoadBreakGlassList(token, waiting_only)]
                        }
                        Some(crate::ui::screens::break_glass_review::ReviewRequest::Judge {
                            id,
                            version,
                            verdict,
                            comment,
                        }) => vec![Effect::JudgeBreakGlass {
                            token,
                            id,
                            version,
                            verdict,
                            comment,
                        }],
                        None => Vec::new(),
                    };
                }
                if let View::Roi(r) = &mut self.view {
                    let call = r.on_action(action, SEARCH_PAGE);
                    if let Some(problem) = r.problem() {
                        self.set_status(StatusKind::Warning, problem);
                    }
                    return call
                        .map(|c| Effect::Roi(token, Box::new(c)))
                        .into_iter()
                        .collect();
                }
                if let View::WorkQueue(w) = &mut self.view {
                    use crate::ui::screens::work_queue::WorkRequest;
                    let request = w.on_action(action, SEARCH_PAGE);
                    if let Some(problem) = w.problem() {
                        self.set_status(StatusKind::Warning, problem);
                    } else if w.answering.is_some() {
                        // The form changed: an earlier "not answered" no longer holds.
                        self.status = None;
                    }
                    return match request {
                        Some(WorkRequest::Call(call)) => vec![Effect::Work(token, Box::new(call))],
                        Some(WorkRequest::OpenChart(mrn)) => vec![Effect::OpenChart(token, mrn)],
                        None => Vec::new(),
                    };
                }
                if let View::BreakGlass(f) = &mut self.view {
                    let sent = f.on_action(action);
                    if let Some(problem) = f.problem() {
                        self.set_status(StatusKind::Error, problem);
                    }
                    return sent
                        .map(|r| Effect::BreakGlass(token, Box::new(r)))
                        .into_iter()
                        .collect();
                }
                if let Some(effects) = self.amendment_action(&token, action) {
                    return effects;
                }
                if let View::Chart(c) = &mut self.view {
                    let mrn = c.chart.patient.mrn.clone();
                    let request = match chart_tab(action) {
                        Some(tab) => match c.select_tab(tab) {
                            Ok(r) => r,
                            Err(why) => {
                                self.set_status(StatusKind::Warning, why);
                                return Vec::new();
                            }
                        },
                        None => c.on_action(action, SEARCH_PAGE),
                    };
                    return match request {
                        Some(ChartRequest::Document(id)) => {
                            vec![Effect::OpenDocument(token, mrn, id)]
                        }
                        Some(ChartRequest::AccessLog) => vec![Effect::LoadAccessLog(token, mrn)],
                        Some(ChartRequest::Codes) => vec![Effect::LoadChartCodes(token, mrn)],
                        Some(ChartRequest::Amendments) => {
                            vec![Effect::LoadAmendments(token, mrn)]
                        }
                        Some(ChartRequest::Disclosures(call)) => {
                            vec![Effect::Disclosures(token, mrn, Box::new(call))]
                        }
                        Some(ChartRequest::SetFlag(r)) => vec![Effect::SetFlag(token, Box::new(r))],
                        Some(ChartRequest::SetHold(r)) => vec![Effect::SetHold(token, Box::new(r))],
                        None => {
                            if let Some(problem) = c.form_problem() {
                                self.set_status(StatusKind::Error, problem);
                            }
                            Vec::new()
                        }
                    };
                }
                if let View::Search(v) = &mut self.view {
                    let request = v.on_action(action, SEARCH_PAGE);
                    return self.search_request(request);
                }
                if let View::CodeLookup(v) = &mut self.view {
                    let request = v.on_action(action, SEARCH_PAGE);
                    return self.lookup_request(request);
                }
                if let View::CodingQueue(q) = &mut self.view {
                    let request = q.on_action(action, SEARCH_PAGE);
                    if let Some(problem) = q.problem() {
                        self.set_status(StatusKind::Warning, problem);
                    }
                    return self.queue_request(request);
                }
                if let View::CodingWorkspace(w) = &mut self.view {
                    let request = w.0.on_action(action, SEARCH_PAGE);
                    return self.workspace_request(request);
                }
                if let View::Users(u) = &mut self.view {
                    let request = u.on_action(action, USERS_PAGE);
                    if let Some(problem) = u.problem() {
                        self.set_status(StatusKind::Error, problem);
                    }
                    return request
                        .map(|r| Effect::ChangeUser(token, r))
                        .into_iter()
                        .collect();
                }
                if let View::ChangePassword(f) = &mut self.view {
                    if let Some((old, new)) = f.on_action(action) {
                        return vec![Effect::ChangePassword { token, old, new }];
                    }
                    if let Some(problem) = f.problem() {
                        self.set_status(StatusKind::Error, problem);
                    }
                }
                Vec::new()
            }
        }
    }

    /// An amendment step key on the chart's Amendments tab, or any key while its form is
    /// open; None when the key is for the chart itself.
    fn amendment_action(&mut self, token: &SessionToken, action: Action) -> Option<Vec<Effect>> {
        let manage = self.may(crate::policy::Permission::ManageAmendments);
        let today = self.today;
        let View::Chart(c) = &mut self.view else {
            return None;
        };
        if let Some(form) = c.amendment_form_mut() {
            let call = form.on_action(action, today);
            return Some(
                call.map(|call| Effect::Amendment(token.clone(), Box::new(call)))
                    .into_iter()
                    .collect(),
            );
        }
        if action.scope() != KeyScope::Amendments {
            return None;
        }
        if !manage {
            self.set_status(
                StatusKind::Error,
                "Working amendment requests: not permitted for your role.",
            );
            return Some(Vec::new());
        }
        let mrn = c.chart.patient.mrn.clone();
        let opened = match &mut c.amendments {
            Some(t) => t.open_form(action, &c.chart.documents, &mrn, today),
            None => Err("The amendment requests are still loading.".to_string()),
        };
        match opened {
            Ok(()) => self.status = None,
            Err(why) => self.set_status(StatusKind::Warning, why),
        }
        Some(Vec::new())
    }

    /// The service's answer to an amendment step: the tab is read again, and a refusal is
    /// shown in the form, which stays open.
    fn on_amendment_saved(
        &mut self,
        result: Result<crate::domain::amendment::AmendmentRequest, ServiceError>,
    ) -> Vec<Effect> {
        let Some(token) = self.token() else {
            return Vec::new();
        };
        let View::Chart(c) = &mut self.view else {
            return Vec::new();
        };
        let mrn = c.chart.patient.mrn.clone();
        match result {
            Ok(r) => {
                let done = c
                    .amendments
                    .as_mut()
                    .map_or_else(|| format!("Request {} saved.", r.id), |t| t.saved(&r));
                self.set_status(StatusKind::Info, done);
                vec![Effect::LoadAmendments(token, mrn)]
            }
            Err(ServiceError::SessionExpired) => {
                self.on_service_error(&ServiceError::SessionExpired, "Amendments");
                Vec::new()
            }
            Err(e) => {
                if let Some(f) = c.amendment_form_mut() {
                    f.failed(e.to_string());
                }
                let reload = matches!(e, ServiceError::Conflict(_));
                self.on_service_error(&e, "Amendment requests");
                if reload {
                    vec![Effect::LoadAmendments(token, mrn)]
                } else {
                    Vec::new()
                }
            }
        }
    }

    fn on_login_action(&mut self, action: Action) -> Vec<Effect> {
        if screen_for(action).is_some() || action == Action::ChangePassword {
            let submit = self.key_label(Action::Submit);
            self.set_status(
                StatusKind::Info,
                format!("Log in first: user name, password, then {submit}."),
            );
            return Vec::new();
        }
        match self.login.on_action(action) {
            Ok(Some((username, password))) => vec![Effect::Login { username, password }],
            Ok(None) => Vec::new(),
            Err(problem) => {
                self.set_status(StatusKind::Error, problem);
                Vec::new()
            }
        }
    }

    fn request_quit(&mut self) -> Vec<Effect> {
        if self.has_unsaved() {
            self.overlay = Some(Overlay::ConfirmQuit);
            return Vec::new();
        }
        self.quit_now()
    }

    fn quit_now(&mut self) -> Vec<Effect> {
        self.quit = true;
        let mut effects = Vec::new();
        if let Some(s) = self.session.take() {
            effects.push(Effect::Logout(s.token));
        }
        effects.push(Effect::Quit);
        effects
    }
}

/// The chart tab a key picks.
fn chart_tab(action: Action) -> Option<crate::policy::ChartTab> {
    use crate::policy::ChartTab;
    Some(match action {
        Action::TabSummary => ChartTab::Summary,
        Action::TabEncounters => ChartTab::Encounters,
        Action::TabDocuments => ChartTab::Documents,
        Action::TabCodes => ChartTab::Codes,
        Action::TabDisclosures => ChartTab::Disclosures,
        Action::TabAccessLog => ChartTab::AccessLog,
        Action::TabAmendments => ChartTab::Amendments,
        _ => return None,
    })
}
