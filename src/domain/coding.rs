//! The coding workflow (issue 6) as plain rules: the states an encounter's coding goes
//! through, who may move it from which state ([`transition`]), the record with its history
//! and code-list versions, the queue's rows with their filter and sort, backlog age bands and
//! coder productivity. No I/O: the store keeps these values, the service calls these rules.
//!
//! ```text
//!  uncoded ──claim/assign──► in progress ──hold──► on hold ──resume──► in progress
//!     ▲                        │   ▲                 │
//!     └──────release───────────┘   └─return to coder─┼──────────────┐
//!                              mark coded             │              │
//!                                  ▼                  ▼              │
//!                                coded ──validate──► validated ──────┘
//!                                  │ (not required)      │
//!                                  └──────finalize───────┴──► final ──reopen──► in progress
//! ```

use super::patient::EncounterClass;
use crate::codes::validate::AssignedCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodingStatus {
    Uncoded,
    InProgress,
    OnHold,
    Coded,
    Validated,
    Final,
}

impl CodingStatus {
    pub const ALL: [CodingStatus; 6] = [
        CodingStatus::Uncoded,
        CodingStatus::InProgress,
        CodingStatus::OnHold,
        CodingStatus::Coded,
        CodingStatus::Validated,
        CodingStatus::Final,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CodingStatus::Uncoded => "Uncoded",
            CodingStatus::InProgress => "In progress",
            CodingStatus::OnHold => "On hold",
            CodingStatus::Coded => "Coded",
            CodingStatus::Validated => "Validated",
            CodingStatus::Final => "Final",
        }
    }

    /// Someone has the encounter in hand (its assigned coder works it).
    pub fn is_claimed(self) -> bool {
        matches!(self, CodingStatus::InProgress | CodingStatus::OnHold)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    QueryPending,
    DocumentationMissing,
    WaitingOnPathology,
    Other,
}

impl HoldReason {
    pub const ALL: [HoldReason; 4] = [
        HoldReason::QueryPending,
        HoldReason::DocumentationMissing,
        HoldReason::WaitingOnPathology,
        HoldReason::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            HoldReason::QueryPending => "Query pending",
            HoldReason::DocumentationMissing => "Documentation missing",
            HoldReason::WaitingOnPathology => "Waiting on pathology",
            HoldReason::Other => "Other",
        }
    }
}

/// What someone asks to do to an encounter's coding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodingAction {
    Claim,
    Release,
    Hold {
        reason: HoldReason,
        note: String,
    },
    Resume,
    SaveCodes,
    MarkCoded,
    Validate,
    ReturnToCoder {
        note: String,
    },
    Finalize,
    Assign {
        coder: String,
    },
    Reopen {
        reason: String,
    },
    /// The last open physician query on the encounter was answered (or withdrawn): a hold
    /// for "query pending" ends by itself and the encounter goes back to its coder.
    QueryClosed {
        query: String,
    },
}

impl CodingAction {
    pub fn label(&self) -> &'static str {
        match self {
            CodingAction::Claim => "claim",
            CodingAction::Release => "release",
            CodingAction::Hold { .. } => "hold",
            CodingAction::Resume => "resume",
            CodingAction::SaveCodes => "save codes",
            CodingAction::MarkCoded => "mark coded",
            CodingAction::Validate => "validate",
            CodingAction::ReturnToCoder { .. } => "return to coder",
            CodingAction::Finalize => "finalize",
            CodingAction::Assign { .. } => "assign",
            CodingAction::Reopen { .. } => "reopen",
            CodingAction::QueryClosed { .. } => "query closed",
        }
    }
}

/// Who is acting, as the rules need it (the service fills it from the policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who<'a> {
    pub username: &'a str,
    /// May assign codes (EditCodes).
    pub coder: bool,
    /// May assign and reassign work, release or reopen anyone's (AssignWork).
    pub supervisor: bool,
    /// May do the second-level review (ValidateCoding).
    pub validator: bool,
}

/// Where the coding stands, as the rules need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State<'a> {
    pub status: CodingStatus,
    pub assigned: Option<&'a str>,
    /// Who marked it coded last (the validator must be someone else).
    pub coded_by: Option<&'a str>,
    /// Whether this encounter's class needs the second-level review.
    pub validation_required: bool,
}

/// The state after an allowed action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Next {
    pub status: CodingStatus,
    pub assigned: Option<String>,
}

/// The transition rules: who may do what from which state. `Err` says why not, in a
/// sentence the clerk can act on.
pub fn transition(state: State, action: &CodingAction, who: Who) -> Result<Next, String> {
    use CodingStatus::*;
    let me = who.username;
    let mine = state.assigned == Some(me);
    let holder = || state.assigned.unwrap_or("nobody");
    let keep = |status| {
        Ok(Next {
            status,
            assigned: state.assigned.map(str::to_string),
        })
    };
    let needs_coder = || {
        if who.coder {
            Ok(())
        } else {
            Err("only coders work encounters".to_string())
        }
    };
    let not_in = |what: &str| {
        Err(format!(
            "cannot {what}: the encounter is {}",
            state.status.label().to_lowercase()
        ))
    };
    match action {
        CodingAction::Claim => {
            needs_coder()?;
            match state.status {
                Uncoded => Ok(Next {
                    status: InProgress,
                    assigned: Some(me.to_string()),
                }),
                InProgress | OnHold if mine => Err("you already have this encounter".into()),
                InProgress | OnHold => Err(format!(
                    "already claimed by {}; ask a supervisor to reassign it",
                    holder()
                )),
                _ => not_in("claim it"),
            }
        }
        CodingAction::Release => match state.status {
            InProgress | OnHold if mine || who.supervisor => Ok(Next {
                status: Uncoded,
                assigned: None,
            }),
            InProgress | OnHold => Err(format!("only {} or a supervisor can release it", holder())),
            _ => not_in("release it"),
        },
        CodingAction::Hold { reason, note } => {
            if *reason == HoldReason::Other && note.trim().is_empty() {
                return Err("say why it is on hold (a note is needed for \"other\")".into());
            }
            match state.status {
                InProgress if mine || who.supervisor => keep(OnHold),
                InProgress => Err(format!(
                    "only {} or a supervisor can put it on hold",
                    holder()
                )),
                OnHold => Err("it is already on hold".into()),
                _ => not_in("put it on hold"),
            }
        }
        CodingAction::Resume => match state.status {
            OnHold if mine || who.supervisor => keep(InProgress),
            OnHold => Err(format!("only {} or a supervisor can resume it", holder())),
            _ => not_in("resume it"),
        },
        CodingAction::SaveCodes => {
            needs_coder()?;
            match state.status {
                InProgress | OnHold if mine => keep(state.status),
                InProgress | OnHold => Err(format!(
                    "{} has this encounter; only the assigned coder changes its codes",
                    holder()
                )),
                Uncoded => Err("claim the encounter before coding it".into()),
                _ => not_in("change its codes"),
            }
        }
        CodingAction::MarkCoded => {
            needs_coder()?;
            match state.status {
                InProgress if mine => keep(Coded),
                InProgress => Err(format!("only {} can mark it coded", holder())),
                OnHold => Err("resume it before marking it coded".into()),
                _ => not_in("mark it coded"),
            }
        }
        CodingAction::Validate => {
            if !who.validator {
                return Err("only a coding supervisor validates".into());
            }
            if !state.validation_required {
                return Err("this encounter type needs no second-level review; finalize it".into());
            }
            match state.status {
                Coded if state.coded_by == Some(me) => {
                    Err("someone other than the coder validates".into())
                }
                Coded => keep(Validated),
                _ => not_in("validate it"),
            }
        }
        CodingAction::ReturnToCoder { note } => {
            if !who.validator {
                return Err("only a coding supervisor returns coding".into());
            }
            if note.trim().is_empty() {
                return Err("say what the coder should look at again".into());
            }
            match state.status {
                Coded | Validated => Ok(Next {
                    status: InProgress,
                    assigned: state.coded_by.or(state.assigned).map(str::to_string),
                }),
                _ => not_in("return it"),
            }
        }
        CodingAction::Finalize => match (state.status, state.validation_required) {
            (Coded, false) if mine || who.supervisor => keep(Final),
            (Coded, false) => Err(format!("only {} or a supervisor can finalize it", holder())),
            (Coded, true) => Err("this encounter type needs second-level validation first".into()),
            (Validated, _) if mine || who.validator => keep(Final),
            (Validated, _) => Err(format!("only {} or a supervisor can finalize it", holder())),
            _ => not_in("finalize it"),
        },
        CodingAction::Assign { coder } => {
            if !who.supervisor {
                return Err("only a supervisor assigns work".into());
            }
            let coder = coder.trim();
            if coder.is_empty() {
                return Err("name the coder to assign".into());
            }
            match state.status {
                _ if state.assigned == Some(coder) && state.status.is_claimed() => {
                    Err(format!("it is already assigned to {coder}"))
                }
                Uncoded => Ok(Next {
                    status: InProgress,
                    assigned: Some(coder.to_string()),
                }),
                InProgress | OnHold => Ok(Next {
                    status: state.status,
                    assigned: Some(coder.to_string()),
                }),
                _ => not_in("assign it"),
            }
        }
        CodingAction::Reopen { reason } => {
            if !who.supervisor {
                return Err("only a supervisor reopens final coding".into());
            }
            if reason.trim().is_empty() {
                return Err("say why the final coding is reopened".into());
            }
            match state.status {
                Final => Ok(Next {
                    status: InProgress,
                    assigned: state.coded_by.or(state.assigned).map(str::to_string),
                }),
                _ => not_in("reopen it"),
            }
        }
        // Whoever closed the query (the clinician answering it) is not the coder; the
        // service vouches for the query, and `apply` checks the hold is the query's.
        CodingAction::QueryClosed { .. } => match state.status {
            OnHold => keep(InProgress),
            _ => not_in("take it off hold for the query"),
        },
    }
}

/// Whether an encounter of `class` needs the second-level review, by the department's setting
/// (the classes listed).
pub fn requires_validation(classes: &[EncounterClass], class: EncounterClass) -> bool {
    classes.contains(&class)
}

/// The default setting: inpatient coding is validated, other types are not.
pub fn default_validation_classes() -> Vec<EncounterClass> {
    vec![EncounterClass::Inpatient]
}

/// One step in a record's history. Never rewritten.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    pub action: CodingAction,
    pub from: CodingStatus,
    pub to: CodingStatus,
    /// Who has the encounter after the step.
    #[serde(default)]
    pub assigned: Option<String>,
    /// The code-list version the step saved (save codes) or acted on.
    #[serde(default)]
    pub code_version: u64,
}

/// One saved code list. Every save is a new version; earlier ones are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeListVersion {
    pub encounter_id: String,
    pub version: u64,
    pub codes: Vec<AssignedCode>,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
    /// Error findings of `codes::validate` when saved (saving is allowed with them).
    #[serde(default)]
    pub errors: usize,
    #[serde(default)]
    pub warnings: usize,
}

/// An encounter's coding: where it stands, the current code list and how it got there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingRecord {
    pub encounter_id: String,
    pub mrn: String,
    pub class: EncounterClass,
    pub discharged: NaiveDate,
    pub status: CodingStatus,
    #[serde(default)]
    pub assigned: Option<String>,
    #[serde(default)]
    pub hold: Option<HoldReason>,
    #[serde(default)]
    pub hold_note: Option<String>,
    /// The current code list (the latest version); earlier ones are in the store's history.
    #[serde(default)]
    pub codes: Vec<AssignedCode>,
    /// Number of the current code list; 0 when nothing was saved yet.
    #[serde(default)]
    pub code_version: u64,
    #[serde(default)]
    pub coded_by: Option<String>,
    #[serde(default)]
    pub coded_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub validated_by: Option<String>,
    /// The record's version (every step is one); 0 for an encounter nobody touched yet.
    pub version: u64,
    #[serde(default)]
    pub history: Vec<CodingEvent>,
}

impl CodingRecord {
    /// Whether `coder` may send a physician query on this encounter: it is assigned to them
    /// and in progress, or already on hold waiting for a query (a second one may follow).
    pub fn open_to_query_by(&self, coder: &str) -> bool {
        self.assigned.as_deref() == Some(coder)
            && (self.status == CodingStatus::InProgress
                || (self.status == CodingStatus::OnHold
                    && self.hold == Some(HoldReason::QueryPending)))
    }

    /// The day the current hold began; `None` unless the encounter is on hold.
    pub fn held_since(&self) -> Option<NaiveDate> {
        if self.status != CodingStatus::OnHold {
            return None;
        }
        self.history
            .iter()
            .rev()
            .find(|e| e.to == CodingStatus::OnHold && e.from != CodingStatus::OnHold)
            .map(|e| e.at.date_naive())
    }

    /// The record of a discharged encounter nobody has touched: uncoded, version 0.
    pub fn new(
        encounter_id: &str,
        mrn: &str,
        class: EncounterClass,
        discharged: NaiveDate,
    ) -> Self {
        CodingRecord {
            encounter_id: encounter_id.to_string(),
            mrn: mrn.to_string(),
            class,
            discharged,
            status: CodingStatus::Uncoded,
            assigned: None,
            hold: None,
            hold_note: None,
            codes: Vec::new(),
            code_version: 0,
            coded_by: None,
            coded_at: None,
            validated_by: None,
            version: 0,
            history: Vec::new(),
        }
    }

    pub fn state(&self, validation_required: bool) -> State<'_> {
        State {
            status: self.status,
            assigned: self.assigned.as_deref(),
            coded_by: self.coded_by.as_deref(),
            validation_required,
        }
    }

    /// Applies `action` if the rules allow it, recording the step in the history. Saving
    /// codes goes through [`CodingRecord::save_codes`]. The version is the store's to bump.
    pub fn apply(
        &mut self,
        action: CodingAction,
        who: Who,
        validation_required: bool,
        now: DateTime<Utc>,
    ) -> Result<&CodingEvent, String> {
        if action == CodingAction::SaveCodes {
            return Err("codes are saved with save_codes".into());
        }
        if matches!(action, CodingAction::QueryClosed { .. })
            && self.hold != Some(HoldReason::QueryPending)
        {
            return Err("the encounter is not on hold for a query".into());
        }
        let next = transition(self.state(validation_required), &action, who)?;
        let from = self.status;
        match &action {
            CodingAction::Hold { reason, note } => {
                self.hold = Some(*reason);
                self.hold_note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
            }
            CodingAction::Resume | CodingAction::Release => {
                self.hold = None;
                self.hold_note = None;
            }
            CodingAction::MarkCoded => {
                self.coded_by = Some(who.username.to_string());
                self.coded_at = Some(now);
                self.validated_by = None;
            }
            CodingAction::Validate => self.validated_by = Some(who.username.to_string()),
            CodingAction::ReturnToCoder { .. } | CodingAction::Reopen { .. } => {
                self.validated_by = None;
            }
            _ => {}
        }
        if next.status != CodingStatus::OnHold {
            self.hold = None;
            self.hold_note = None;
        }
        self.status = next.status;
        self.assigned = next.assigned;
        self.history.push(CodingEvent {
            at: now,
            by: who.username.to_string(),
            action,
            from,
            to: self.status,
            assigned: self.assigned.clone(),
            code_version: self.code_version,
        });
        self.history
            .last()
            .ok_or_else(|| "history lost its last step".to_string())
    }

    /// A new code list as the next version; the rules decide whether this user may save now.
    pub fn save_codes(
        &mut self,
        codes: Vec<AssignedCode>,
        who: Who,
        validation_required: bool,
        now: DateTime<Utc>,
    ) -> Result<u64, String> {
        transition(
            self.state(validation_required),
            &CodingAction::SaveCodes,
            who,
        )?;
        self.code_version += 1;
        self.codes = codes;
        self.history.push(CodingEvent {
            at: now,
            by: who.username.to_string(),
            action: CodingAction::SaveCodes,
            from: self.status,
            to: self.status,
            assigned: self.assigned.clone(),
            code_version: self.code_version,
        });
        Ok(self.code_version)
    }

    /// Time `coder` had the encounter in progress since it was last marked coded (or ever):
    /// from each claim, assignment to them or resume, to the next step that took it out of
    /// their hands or out of progress. `until` closes an interval still open.
    pub fn worked_seconds(&self, coder: &str, until: DateTime<Utc>) -> i64 {
        let since = self
            .history
            .iter()
            .rposition(|e| e.to == CodingStatus::Coded && e.action == CodingAction::MarkCoded);
        let steps = match since {
            // The step that marks it coded now is not in the history yet.
            Some(i) => &self.history[i + 1..],
            None => &self.history[..],
        };
        let mut total = 0;
        let mut open: Option<DateTime<Utc>> = None;
        for e in steps {
            let working = e.to == CodingStatus::InProgress && e.assigned.as_deref() == Some(coder);
            match (open, working) {
                (None, true) => open = Some(e.at),
                (Some(start), false) => {
                    total += (e.at - start).num_seconds().max(0);
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            total += (until - start).num_seconds().max(0);
        }
        total
    }
}

/// Days an encounter has waited since discharge (0 on the day of discharge; never negative).
pub fn age_in_days(discharged: NaiveDate, today: NaiveDate) -> u32 {
    u32::try_from((today - discharged).num_days().max(0)).unwrap_or(u32::MAX)
}

/// The backlog's age bands, in days since discharge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    Days0To3,
    Days4To7,
    Days8To14,
    Days15To30,
    Over30,
}

impl AgeBand {
    pub const ALL: [AgeBand; 5] = [
        AgeBand::Days0To3,
        AgeBand::Days4To7,
        AgeBand::Days8To14,
        AgeBand::Days15To30,
        AgeBand::Over30,
    ];

    pub fn of(days: u32) -> AgeBand {
        match days {
            0..=3 => AgeBand::Days0To3,
            4..=7 => AgeBand::Days4To7,
            8..=14 => AgeBand::Days8To14,
            15..=30 => AgeBand::Days15To30,
            _ => AgeBand::Over30,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::Days0To3 => "0-3 days",
            AgeBand::Days4To7 => "4-7 days",
            AgeBand::Days8To14 => "8-14 days",
            AgeBand::Days15To30 => "15-30 days",
            AgeBand::Over30 => ">30 days",
        }
    }
}

/// One line of the coding queue: everything its columns show. The store keeps one for every
/// discharged encounter that is not final; `age_days` is worked out when the queue is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub encounter_id: String,
    pub mrn: String,
    /// `FAMILY, Given` as the chart's banner prints it.
    pub patient: String,
    pub class: EncounterClass,
    pub admitted: NaiveDate,
    pub discharged: NaiveDate,
    /// "restricted" when this user may not see who treated a restricted encounter.
    pub attending: String,
    #[serde(default)]
    pub assigned: Option<String>,
    pub status: CodingStatus,
    #[serde(default)]
    pub hold: Option<HoldReason>,
    /// The coding record's version (0: nobody touched it yet), for the next step's
    /// `expected_version`.
    #[serde(default)]
    pub version: u64,
    /// The chart or the encounter is flagged sensitive: working its codes needs
    /// break-the-glass unless the role reads such records freely.
    #[serde(default)]
    pub restricted: bool,
    /// Days since discharge, on the day the queue was read.
    #[serde(default)]
    pub age_days: u32,
    /// The day it went on hold, while it is on hold (the age of a pending query).
    #[serde(default)]
    pub held_since: Option<NaiveDate>,
}

/// Whose work a queue filter shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoderFilter {
    Unassigned,
    User(String),
}

/// The queue's filters; every field empty or None means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueFilter {
    /// Statuses to show; empty: every status that is not final.
    pub statuses: Vec<CodingStatus>,
    pub classes: Vec<EncounterClass>,
    pub coder: Option<CoderFilter>,
    pub hold: Option<HoldReason>,
    pub bands: Vec<AgeBand>,
    pub min_age_days: Option<u32>,
    pub max_age_days: Option<u32>,
    pub discharged_from: Option<NaiveDate>,
    pub discharged_to: Option<NaiveDate>,
    /// Case-insensitive part of the attending's name.
    pub attending: Option<String>,
    /// Case-insensitive start of the patient's name, or of the MRN.
    pub patient: Option<String>,
}

impl QueueFilter {
    /// Whether `row` passes, given its age in days.
    pub fn matches_at(&self, row: &QueueRow, age: u32) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&row.status))
            && (self.classes.is_empty() || self.classes.contains(&row.class))
            && match &self.coder {
                None => true,
                Some(CoderFilter::Unassigned) => row.assigned.is_none(),
                Some(CoderFilter::User(u)) => row.assigned.as_deref() == Some(u.as_str()),
            }
            && self.hold.is_none_or(|h| row.hold == Some(h))
            && (self.bands.is_empty() || self.bands.contains(&AgeBand::of(age)))
            && self.min_age_days.is_none_or(|m| age >= m)
            && self.max_age_days.is_none_or(|m| age <= m)
            && self.discharged_from.is_none_or(|d| row.discharged >= d)
            && self.discharged_to.is_none_or(|d| row.discharged <= d)
            && self.attending.as_deref().is_none_or(|a| {
                row.attending
                    .to_lowercase()
                    .contains(&a.trim().to_lowercase())
            })
            && self.patient.as_deref().is_none_or(|p| {
                let p = p.trim().to_lowercase();
                row.patient.to_lowercase().starts_with(&p) || row.mrn.starts_with(&p)
            })
    }
}

/// The queue's columns, each sortable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueColumn {
    #[default]
    Age,
    Class,
    Discharged,
    Patient,
    Mrn,
    Attending,
    Coder,
    Status,
    Hold,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSort {
    pub column: QueueColumn,
    /// Largest first. The default (age, descending) puts the oldest discharges first.
    pub descending: bool,
}

impl QueueSort {
    /// Oldest discharge first: how a coding queue is usually worked.
    pub fn oldest_first() -> QueueSort {
        QueueSort {
            column: QueueColumn::Age,
            descending: true,
        }
    }

    /// The order of two rows (with their ages); ties go to the older discharge, then the
    /// encounter id, so a page is the same every time.
    pub fn compare_at(&self, a: &QueueRow, a_age: u32, b: &QueueRow, b_age: u32) -> Ordering {
        let by = match self.column {
            QueueColumn::Age => a_age.cmp(&b_age),
            QueueColumn::Class => a.class.label().cmp(b.class.label()),
            QueueColumn::Discharged => a.discharged.cmp(&b.discharged),
            QueueColumn::Patient => a.patient.cmp(&b.patient),
            QueueColumn::Mrn => a.mrn.cmp(&b.mrn),
            QueueColumn::Attending => a.attending.cmp(&b.attending),
            // Unassigned sorts first when ascending.
            QueueColumn::Coder => a.assigned.cmp(&b.assigned),
            QueueColumn::Status => a.status.cmp(&b.status),
            QueueColumn::Hold => a.hold.cmp(&b.hold),
        };
        let by = if self.descending { by.reverse() } else { by };
        by.then_with(|| a.discharged.cmp(&b.discharged))
            .then_with(|| a.encounter_id.cmp(&b.encounter_id))
    }
}

/// The first `limit` rows passing `filter` in `sort` order, and how many passed in all. Only
/// the page is sorted (a partial selection first), so 100,000 rows cost one pass.
pub fn queue_page<'a>(
    rows: impl Iterator<Item = &'a QueueRow>,
    filter: &QueueFilter,
    sort: QueueSort,
    limit: usize,
    today: NaiveDate,
) -> (usize, Vec<QueueRow>) {
    let mut aged: Vec<(u32, &QueueRow)> = Vec::new();
    for r in rows.filter(|r| r.status != CodingStatus::Final) {
        let age = age_in_days(r.discharged, today);
        if filter.matches_at(r, age) {
            aged.push((age, r));
        }
    }
    let total = aged.len();
    let cmp = |a: &(u32, &QueueRow), b: &(u32, &QueueRow)| sort.compare_at(a.1, a.0, b.1, b.0);
    if limit > 0 && limit < aged.len() {
        aged.select_nth_unstable_by(limit - 1, cmp);
    }
    aged.truncate(limit);
    aged.sort_by(cmp);
    let page = aged
        .into_iter()
        .map(|(age, r)| QueueRow {
            age_days: age,
            ..r.clone()
        })
        .collect();
    (total, page)
}

/// How many, by a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count<K> {
    pub key: K,
    pub count: usize,
}

/// The supervisor's view of the backlog (every discharged encounter not final).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backlog {
    pub total: usize,
    /// Every band, in order, zeros included.
    pub by_age: Vec<Count<AgeBand>>,
    pub by_class: Vec<Count<EncounterClass>>,
    /// `None`: not assigned to anyone.
    pub by_coder: Vec<Count<Option<String>>>,
    pub by_status: Vec<Count<CodingStatus>>,
}

fn count_by<K: Ord + Clone>(keys: impl Iterator<Item = K>) -> Vec<Count<K>> {
    let mut map = std::collections::BTreeMap::new();
    for k in keys {
        *map.entry(k).or_insert(0usize) += 1;
    }
    map.into_iter()
        .map(|(key, count)| Count { key, count })
        .collect()
}

impl Backlog {
    pub fn from_rows<'a>(rows: impl Iterator<Item = &'a QueueRow>, today: NaiveDate) -> Backlog {
        let rows: Vec<&QueueRow> = rows.filter(|r| r.status != CodingStatus::Final).collect();
        let bands: Vec<AgeBand> = rows
            .iter()
            .map(|r| AgeBand::of(age_in_days(r.discharged, today)))
            .collect();
        Backlog {
            total: rows.len(),
            by_age: AgeBand::ALL
                .into_iter()
                .map(|b| Count {
                    key: b,
                    count: bands.iter().filter(|x| **x == b).count(),
                })
                .collect(),
            by_class: count_by(rows.iter().map(|r| EncounterClassKey(r.class)))
                .into_iter()
                .map(|c| Count {
                    key: c.key.0,
                    count: c.count,
                })
                .collect(),
            by_coder: count_by(rows.iter().map(|r| r.assigned.clone())),
            by_status: count_by(rows.iter().map(|r| r.status)),
        }
    }
}

/// Encounter classes in their declared order (for counting).
#[derive(Clone, Copy, PartialEq, Eq)]
struct EncounterClassKey(EncounterClass);

impl EncounterClassKey {
    fn rank(self) -> u8 {
        match self.0 {
            EncounterClass::Inpatient => 0,
            EncounterClass::Outpatient => 1,
            EncounterClass::Emergency => 2,
            EncounterClass::Observation => 3,
        }
    }
}

impl PartialOrd for EncounterClassKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EncounterClassKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// One "marked coded" step, as productivity counts it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedEvent {
    pub encounter_id: String,
    pub coder: String,
    pub class: EncounterClass,
    pub at: DateTime<Utc>,
    /// Time the coder had it in progress before marking it coded.
    pub worked_seconds: i64,
}

/// A coder's output over a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoderProductivity {
    pub coder: String,
    pub coded: usize,
    pub by_class: Vec<Count<EncounterClass>>,
    /// Hours the coder had the encounters in progress.
    pub hours: f64,
    /// `coded / hours`; 0 when no time was recorded.
    pub per_hour: f64,
    /// Per class: (class, encounters per hour of that class's coding time).
    pub per_hour_by_class: Vec<(EncounterClass, f64)>,
}

/// Productivity per coder from the coded steps in `[from, to)`, by coder name.
pub fn productivity(
    events: &[CodedEvent],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<CoderProductivity> {
    let mut by: std::collections::BTreeMap<&str, Vec<&CodedEvent>> = Default::default();
    for e in events.iter().filter(|e| e.at >= from && e.at < to) {
        by.entry(e.coder.as_str()).or_default().push(e);
    }
    let rate = |n: usize, secs: i64| {
        if secs > 0 {
            n as f64 * 3600.0 / secs as f64
        } else {
            0.0
        }
    };
    by.into_iter()
        .map(|(coder, evs)| {
            let secs: i64 = evs.iter().map(|e| e.worked_seconds).sum();
            let by_class = count_by(evs.iter().map(|e| EncounterClassKey(e.class)));
            let per_hour_by_class = by_class
                .iter()
                .map(|c| {
                    let s: i64 = evs
                        .iter()
                        .filter(|e| e.class == c.key.0)
                        .map(|e| e.worked_seconds)
                        .sum();
                    (c.key.0, rate(c.count, s))
                })
                .collect();
            CoderProductivity {
                coder: coder.to_string(),
                coded: evs.len(),
                by_class: by_class
                    .into_iter()
                    .map(|c| Count {
                        key: c.key.0,
                        count: c.count,
                    })
                    .collect(),
                hours: secs as f64 / 3600.0,
                per_hour: rate(evs.len(), secs),
                per_hour_by_class,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use CodingStatus::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const CODER: Who = Who {
        username: "ana",
        coder: true,
        supervisor: false,
        validator: false,
    };
    const OTHER: Who = Who {
        username: "ben",
        coder: true,
        supervisor: false,
        validator: false,
    };
    const SUPER: Who = Who {
        username: "sup",
        coder: true,
        supervisor: true,
        validator: true,
    };
    const CLINICIAN: Who = Who {
        username: "osei",
        coder: false,
        supervisor: false,
        validator: false,
    };
    const BILLING: Who = Who {
        username: "bill",
        coder: false,
        supervisor: false,
        validator: false,
    };

    fn st<'a>(status: CodingStatus, assigned: Option<&'a str>, required: bool) -> State<'a> {
        State {
            status,
            assigned,
            coded_by: assigned,
            validation_required: required,
        }
    }

    fn hold(reason: HoldReason, note: &str) -> CodingAction {
        CodingAction::Hold {
            reason,
            note: note.into(),
        }
    }

    /// (state, action, who, Ok((status, assigned)) or Err(part of the message)).
    #[test]
    fn transition_table() {
        let ana = Some("ana");
        let assign = |c: &str| CodingAction::Assign { coder: c.into() };
        let ret = |n: &str| CodingAction::ReturnToCoder { note: n.into() };
        let reopen = |n: &str| CodingAction::Reopen { reason: n.into() };
        let closed = || CodingAction::QueryClosed {
            query: "Q-000001".into(),
        };
        type Want = Result<(CodingStatus, Option<&'static str>), &'static str>;
        let cases: Vec<(State, CodingAction, Who, Want)> = vec![
            // claim
            (
                st(Uncoded, None, false),
                CodingAction::Claim,
                CODER,
                Ok((InProgress, ana)),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::Claim,
                OTHER,
                Err("already claimed by ana"),
            ),
            (
                st(OnHold, ana, false),
                CodingAction::Claim,
                OTHER,
                Err("already claimed by ana"),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::Claim,
                CODER,
                Err("already have"),
            ),
            (
                st(Uncoded, None, false),
                CodingAction::Claim,
                BILLING,
                Err("only coders"),
            ),
            (
                st(Final, ana, false),
                CodingAction::Claim,
                OTHER,
                Err("is final"),
            ),
            // release
            (
                st(InProgress, ana, false),
                CodingAction::Release,
                CODER,
                Ok((Uncoded, None)),
            ),
            (
                st(OnHold, ana, false),
                CodingAction::Release,
                SUPER,
                Ok((Uncoded, None)),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::Release,
                OTHER,
                Err("only ana or a supervisor"),
            ),
            (
                st(Uncoded, None, false),
                CodingAction::Release,
                CODER,
                Err("is uncoded"),
            ),
            // hold / resume
            (
                st(InProgress, ana, false),
                hold(HoldReason::QueryPending, ""),
                CODER,
                Ok((OnHold, ana)),
            ),
            (
                st(InProgress, ana, false),
                hold(HoldReason::Other, " "),
                CODER,
                Err("a note is needed"),
            ),
            (
                st(InProgress, ana, false),
                hold(HoldReason::Other, "chart on paper"),
                SUPER,
                Ok((OnHold, ana)),
            ),
            (
                st(InProgress, ana, false),
                hold(HoldReason::QueryPending, ""),
                OTHER,
                Err("only ana"),
            ),
            (
                st(OnHold, ana, false),
                hold(HoldReason::QueryPending, ""),
                CODER,
                Err("already on hold"),
            ),
            (
                st(OnHold, ana, false),
                CodingAction::Resume,
                CODER,
                Ok((InProgress, ana)),
            ),
            (
                st(OnHold, ana, false),
                CodingAction::Resume,
                OTHER,
                Err("only ana"),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::Resume,
                CODER,
                Err("is in progress"),
            ),
            // save codes
            (
                st(InProgress, ana, false),
                CodingAction::SaveCodes,
                CODER,
                Ok((InProgress, ana)),
            ),
            (
                st(OnHold, ana, false),
                CodingAction::SaveCodes,
                CODER,
                Ok((OnHold, ana)),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::SaveCodes,
                SUPER,
                Err("only the assigned coder"),
            ),
            (
                st(Uncoded, None, false),
                CodingAction::SaveCodes,
                CODER,
                Err("claim the encounter"),
            ),
            (
                st(Coded, ana, false),
                CodingAction::SaveCodes,
                CODER,
                Err("is coded"),
            ),
            // mark coded
            (
                st(InProgress, ana, false),
                CodingAction::MarkCoded,
                CODER,
                Ok((Coded, ana)),
            ),
            (
                st(OnHold, ana, false),
                CodingAction::MarkCoded,
                CODER,
                Err("resume it"),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::MarkCoded,
                OTHER,
                Err("only ana"),
            ),
            // validation
            (
                st(Coded, ana, true),
                CodingAction::Validate,
                SUPER,
                Ok((Validated, ana)),
            ),
            (
                st(Coded, ana, false),
                CodingAction::Validate,
                SUPER,
                Err("needs no second-level"),
            ),
            (
                st(Coded, ana, true),
                CodingAction::Validate,
                CODER,
                Err("only a coding supervisor"),
            ),
            (
                st(Coded, Some("sup"), true),
                CodingAction::Validate,
                SUPER,
                Err("someone other than the coder"),
            ),
            (
                st(Coded, ana, true),
                ret("POA on J18.9"),
                SUPER,
                Ok((InProgress, ana)),
            ),
            (
                st(Validated, ana, true),
                ret("recheck"),
                SUPER,
                Ok((InProgress, ana)),
            ),
            (st(Coded, ana, true), ret(""), SUPER, Err("say what")),
            (
                st(Coded, ana, true),
                ret("x"),
                CODER,
                Err("only a coding supervisor"),
            ),
            // finalize
            (
                st(Coded, ana, false),
                CodingAction::Finalize,
                CODER,
                Ok((Final, ana)),
            ),
            (
                st(Coded, ana, false),
                CodingAction::Finalize,
                SUPER,
                Ok((Final, ana)),
            ),
            (
                st(Coded, ana, false),
                CodingAction::Finalize,
                OTHER,
                Err("only ana or a supervisor"),
            ),
            (
                st(Coded, ana, true),
                CodingAction::Finalize,
                CODER,
                Err("needs second-level validation"),
            ),
            (
                st(Validated, ana, true),
                CodingAction::Finalize,
                CODER,
                Ok((Final, ana)),
            ),
            (
                st(Validated, ana, true),
                CodingAction::Finalize,
                SUPER,
                Ok((Final, ana)),
            ),
            (
                st(Validated, ana, true),
                CodingAction::Finalize,
                OTHER,
                Err("only ana"),
            ),
            (
                st(InProgress, ana, false),
                CodingAction::Finalize,
                CODER,
                Err("is in progress"),
            ),
            // assign / reassign
            (
                st(Uncoded, None, false),
                assign("ben"),
                SUPER,
                Ok((InProgress, Some("ben"))),
            ),
            (
                st(InProgress, ana, false),
                assign("ben"),
                SUPER,
                Ok((InProgress, Some("ben"))),
            ),
            (
                st(OnHold, ana, false),
                assign("ben"),
                SUPER,
                Ok((OnHold, Some("ben"))),
            ),
            (
                st(InProgress, ana, false),
                assign("ana"),
                SUPER,
                Err("already assigned to ana"),
            ),
            (
                st(Uncoded, None, false),
                assign("ben"),
                CODER,
                Err("only a supervisor"),
            ),
            (
                st(Uncoded, None, false),
                assign(" "),
                SUPER,
                Err("name the coder"),
            ),
            (st(Coded, ana, false), assign("ben"), SUPER, Err("is coded")),
            // reopen
            (
                st(Final, ana, false),
                reopen("payer denial: wrong principal"),
                SUPER,
                Ok((InProgress, ana)),
            ),
            (st(Final, ana, false), reopen(""), SUPER, Err("say why")),
            (
                st(Final, ana, false),
                reopen("x"),
                CODER,
                Err("only a supervisor"),
            ),
            (st(Coded, ana, false), reopen("x"), SUPER, Err("is coded")),
            // a query answered: back to the coder, whoever answered
            (
                st(OnHold, ana, false),
                closed(),
                CLINICIAN,
                Ok((InProgress, ana)),
            ),
            (
                st(InProgress, ana, false),
                closed(),
                CLINICIAN,
                Err("is in progress"),
            ),
        ];
        for (state, action, who, want) in cases {
            let got = transition(state, &action, who);
            match (&got, want) {
                (Ok(n), Ok((status, assigned))) => {
                    assert_eq!(
                        (n.status, n.assigned.as_deref()),
                        (status, assigned),
                        "{state:?} {action:?} by {}",
                        who.username
                    );
                }
                (Err(e), Err(part)) => {
                    assert!(
                        e.contains(part),
                        "{state:?} {action:?}: {e:?} lacks {part:?}"
                    )
                }
                _ => panic!(
                    "{state:?} {action:?} by {}: got {got:?}, want {want:?}",
                    who.username
                ),
            }
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
    }

    #[test]
    fn a_record_keeps_every_step_and_code_list_version() {
        let mut r = CodingRecord::new("E1", "M1", EncounterClass::Inpatient, d("2026-11-20"));
        r.apply(CodingAction::Claim, CODER, true, at(9, 0)).unwrap();
        let code = |c: &str| AssignedCode {
            system: crate::codes::CodeSystem::Icd10Cm,
            code: c.into(),
            poa: Some(crate::codes::validate::Poa::Y),
        };
        assert_eq!(
            r.save_codes(vec![code("J189")], CODER, true, at(9, 10)),
            Ok(1)
        );
        assert_eq!(
            r.save_codes(vec![code("J189"), code("I10")], CODER, true, at(9, 20)),
            Ok(2)
        );
        r.apply(
            hold(HoldReason::QueryPending, "asked Dr. Okafor"),
            CODER,
            true,
            at(9, 30),
        )
        .unwrap();
        assert_eq!(r.hold, Some(HoldReason::QueryPending));
        assert_eq!(r.hold_note.as_deref(), Some("asked Dr. Okafor"));
        r.apply(CodingAction::Resume, CODER, true, at(10, 30))
            .unwrap();
        assert_eq!(r.hold, None);
        // 30 minutes before the hold, 15 after it.
        assert_eq!(r.worked_seconds("ana", at(10, 45)), 45 * 60);
        r.apply(CodingAction::MarkCoded, CODER, true, at(10, 45))
            .unwrap();
        assert_eq!(r.coded_by.as_deref(), Some("ana"));
        let refused = r.apply(CodingAction::Finalize, CODER, true, at(10, 46));
        assert!(refused.unwrap_err().contains("validation"));
        r.apply(CodingAction::Validate, SUPER, true, at(11, 0))
            .unwrap();
        r.apply(CodingAction::Finalize, SUPER, true, at(11, 1))
            .unwrap();
        assert_eq!(r.status, Final);
        let steps: Vec<(&str, CodingStatus, CodingStatus)> = r
            .history
            .iter()
            .map(|e| (e.action.label(), e.from, e.to))
            .collect();
        assert_eq!(
            steps,
            vec![
                ("claim", Uncoded, InProgress),
                ("save codes", InProgress, InProgress),
                ("save codes", InProgress, InProgress),
                ("hold", InProgress, OnHold),
                ("resume", OnHold, InProgress),
                ("mark coded", InProgress, Coded),
                ("validate", Coded, Validated),
                ("finalize", Validated, Final),
            ]
        );
        assert_eq!(r.history[2].code_version, 2);
        assert_eq!(r.code_version, 2);
        // A refused step leaves nothing behind.
        assert_eq!(r.history.len(), 8);
    }

    #[test]
    fn only_a_query_hold_ends_when_the_query_closes() {
        let closed = || CodingAction::QueryClosed {
            query: "Q-000001".into(),
        };
        let mut r = CodingRecord::new("E1", "M1", EncounterClass::Inpatient, d("2026-11-20"));
        r.apply(CodingAction::Claim, CODER, true, at(9, 0)).unwrap();
        r.apply(
            hold(HoldReason::WaitingOnPathology, ""),
            CODER,
            true,
            at(9, 5),
        )
        .unwrap();
        let refused = r.apply(closed(), CLINICIAN, true, at(9, 6)).unwrap_err();
        assert!(refused.contains("not on hold for a query"), "{refused}");
        assert_eq!(r.status, OnHold);
        r.apply(CodingAction::Resume, CODER, true, at(9, 7))
            .unwrap();
        r.apply(
            hold(HoldReason::QueryPending, "Q-000001"),
            CODER,
            true,
            at(9, 8),
        )
        .unwrap();
        r.apply(closed(), CLINICIAN, true, at(11, 0)).unwrap();
        assert_eq!(
            (r.status, r.assigned.as_deref(), r.hold),
            (InProgress, Some("ana"), None)
        );
        assert_eq!(r.history.last().map(|e| e.by.as_str()), Some("osei"));
    }

    #[test]
    fn a_query_is_sent_only_on_an_encounter_in_the_coders_hands() {
        let mut r = CodingRecord::new("E1", "M1", EncounterClass::Inpatient, d("2026-11-20"));
        assert!(!r.open_to_query_by("ana"), "uncoded: nobody's yet");
        r.apply(CodingAction::Claim, CODER, true, at(9, 0)).unwrap();
        assert!(r.open_to_query_by("ana"));
        assert!(!r.open_to_query_by("bea"), "another coder's encounter");
        r.apply(
            hold(HoldReason::WaitingOnPathology, ""),
            CODER,
            true,
            at(9, 5),
        )
        .unwrap();
        assert!(!r.open_to_query_by("ana"), "on hold for something else");
        r.apply(CodingAction::Resume, CODER, true, at(9, 7))
            .unwrap();
        r.apply(
            hold(HoldReason::QueryPending, "Q-000001"),
            CODER,
            true,
            at(9, 8),
        )
        .unwrap();
        assert!(r.open_to_query_by("ana"), "a second query may follow");
    }

    #[test]
    fn validation_setting_by_class() {
        let classes = default_validation_classes();
        assert!(requires_validation(&classes, EncounterClass::Inpatient));
        for c in [
            EncounterClass::Outpatient,
            EncounterClass::Emergency,
            EncounterClass::Observation,
        ] {
            assert!(!requires_validation(&classes, c), "{c:?}");
        }
        assert!(!requires_validation(&[], EncounterClass::Inpatient));
    }

    #[test]
    fn age_in_queue_across_month_and_year_ends() {
        for (discharged, today, want) in [
            ("2026-11-23", "2026-11-23", 0),
            ("2026-01-31", "2026-02-01", 1),
            ("2026-02-28", "2026-03-01", 1),
            ("2024-02-28", "2024-03-01", 2),
            ("2025-12-31", "2026-01-01", 1),
            ("2026-03-31", "2026-04-30", 30),
            ("2026-01-15", "2026-02-15", 31),
            ("2026-11-24", "2026-11-23", 0),
        ] {
            assert_eq!(
                age_in_days(d(discharged), d(today)),
                want,
                "{discharged} {today}"
            );
        }
    }

    #[test]
    fn age_bands() {
        for (days, band) in [
            (0, AgeBand::Days0To3),
            (3, AgeBand::Days0To3),
            (4, AgeBand::Days4To7),
            (7, AgeBand::Days4To7),
            (8, AgeBand::Days8To14),
            (14, AgeBand::Days8To14),
            (15, AgeBand::Days15To30),
            (30, AgeBand::Days15To30),
            (31, AgeBand::Over30),
            (400, AgeBand::Over30),
        ] {
            assert_eq!(AgeBand::of(days), band, "{days}");
        }
    }

    fn row(
        id: &str,
        name: &str,
        discharged: &str,
        status: CodingStatus,
        coder: Option<&str>,
    ) -> QueueRow {
        QueueRow {
            encounter_id: id.into(),
            mrn: format!("M{id}"),
            patient: name.into(),
            class: if id.ends_with('1') {
                EncounterClass::Inpatient
            } else {
                EncounterClass::Outpatient
            },
            admitted: d(discharged),
            discharged: d(discharged),
            attending: "Dr. A. Halvorsen".into(),
            assigned: coder.map(str::to_string),
            status,
            hold: None,
            version: 0,
            restricted: false,
            age_days: 0,
            held_since: None,
        }
    }

    #[test]
    fn queue_filters_and_sorts_a_page() {
        let today = d("2026-11-23");
        let rows = [
            row("E1", "ADAMS, Ann", "2026-11-22", Uncoded, None),
            row("E2", "BAKER, Bo", "2026-10-01", InProgress, Some("ana")),
            row("E3", "CRUZ, Cy", "2026-11-10", Uncoded, None),
            row("E4", "DIAZ, Di", "2026-11-10", Final, Some("ana")),
            row("E5", "EVANS, Ed", "2026-11-01", Coded, Some("ben")),
        ];
        let ids = |p: &(usize, Vec<QueueRow>)| {
            p.1.iter()
                .map(|r| r.encounter_id.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let all = QueueFilter::default();
        let page = queue_page(rows.iter(), &all, QueueSort::oldest_first(), 10, today);
        assert_eq!((page.0, ids(&page).as_str()), (4, "E2 E5 E3 E1"));
        assert_eq!(page.1[0].age_days, 53);
        let page = queue_page(rows.iter(), &all, QueueSort::oldest_first(), 2, today);
        assert_eq!((page.0, ids(&page).as_str()), (4, "E2 E5"));
        let by_name = QueueSort {
            column: QueueColumn::Patient,
            descending: true,
        };
        let page = queue_page(rows.iter(), &all, by_name, 10, today);
        assert_eq!(ids(&page), "E5 E3 E2 E1");
        let unassigned = QueueFilter {
            coder: Some(CoderFilter::Unassigned),
            ..QueueFilter::default()
        };
        assert_eq!(
            ids(&queue_page(
                rows.iter(),
                &unassigned,
                QueueSort::default(),
                10,
                today
            )),
            "E1 E3"
        );
        let anas = QueueFilter {
            coder: Some(CoderFilter::User("ana".into())),
            ..QueueFilter::default()
        };
        assert_eq!(
            ids(&queue_page(
                rows.iter(),
                &anas,
                QueueSort::default(),
                10,
                today
            )),
            "E2"
        );
        let older = QueueFilter {
            bands: vec![AgeBand::Days8To14, AgeBand::Days15To30],
            ..QueueFilter::default()
        };
        assert_eq!(
            ids(&queue_page(
                rows.iter(),
                &older,
                QueueSort::default(),
                10,
                today
            )),
            "E3 E5"
        );
        let inpatient_coded = QueueFilter {
            statuses: vec![Coded, Uncoded],
            classes: vec![EncounterClass::Inpatient],
            ..QueueFilter::default()
        };
        assert_eq!(
            ids(&queue_page(
                rows.iter(),
                &inpatient_coded,
                QueueSort::default(),
                10,
                today
            )),
            "E1"
        );
        let named = QueueFilter {
            patient: Some("cr".into()),
            ..QueueFilter::default()
        };
        assert_eq!(
            ids(&queue_page(
                rows.iter(),
                &named,
                QueueSort::default(),
                10,
                today
            )),
            "E3"
        );
        let backlog = Backlog::from_rows(rows.iter(), today);
        assert_eq!(backlog.total, 4);
        let bands: Vec<usize> = backlog.by_age.iter().map(|c| c.count).collect();
        assert_eq!(bands, vec![1, 0, 1, 1, 1]);
        assert_eq!(
            backlog.by_coder,
            vec![
                Count {
                    key: None,
                    count: 2
                },
                Count {
                    key: Some("ana".to_string()),
                    count: 1
                },
                Count {
                    key: Some("ben".to_string()),
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn productivity_per_coder_and_class() {
        let ev = |coder: &str, class, h: u32, mins: i64| CodedEvent {
            encounter_id: format!("E{h}"),
            coder: coder.into(),
            class,
            at: at(h, 0),
            worked_seconds: mins * 60,
        };
        let events = vec![
            ev("ana", EncounterClass::Outpatient, 9, 10),
            ev("ana", EncounterClass::Outpatient, 10, 20),
            ev("ana", EncounterClass::Inpatient, 11, 30),
            ev("ben", EncounterClass::Inpatient, 12, 0),
            ev("ana", EncounterClass::Inpatient, 20, 30),
        ];
        let p = productivity(&events, at(8, 0), at(13, 0));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].coder.as_str(), p[0].coded), ("ana", 3));
        assert!((p[0].hours - 1.0).abs() < 1e-9);
        assert!((p[0].per_hour - 3.0).abs() < 1e-9);
        assert_eq!(
            p[0].per_hour_by_class,
            vec![
                (EncounterClass::Inpatient, 2.0),
                (EncounterClass::Outpatient, 4.0)
            ]
        );
        assert_eq!(
            (p[1].coder.as_str(), p[1].coded, p[1].per_hour),
            ("ben", 1, 0.0)
        );
    }
}
