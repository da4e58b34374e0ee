//! Amendment requests (45 CFR 164.526): a patient asks for something in their record to be
//! changed, and the provider must accept or deny it in writing within a deadline. A denied
//! patient may file a statement of disagreement, and the provider may answer it with a
//! rebuttal; both then travel with the record.
//!
//! The rules here are plain functions (deadlines, which step is allowed when, what must be
//! written down); the service checks permissions, appends the amendment document and does the
//! writes. `version` belongs to the store: nothing here bumps it.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Days to act on a request: 164.526(b)(2)(i).
pub const RESPONSE_DAYS: u64 = 60;
/// The one extension allowed, and only with a written statement of the reasons and the date
/// by which action will be completed: 164.526(b)(2)(ii).
pub const EXTENSION_DAYS: u64 = 30;
/// Longest reason for an extension, in characters: a statement, not a document.
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest free text (requested change, amendment, explanation, statements). 164.526(d)(1)(ii)
/// lets a provider reasonably limit a statement of disagreement's length.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest text kept in a history event; the full text is on the request.
const EVENT_TEXT_CHARS: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentStatus {
    /// Received, not yet decided: the clock is running.
    Pending,
    /// The amendment is made: appended to the record and linked from what it amends.
    Accepted,
    /// Refused on one of the four grounds of 164.526(a)(2), in writing.
    Denied,
}

impl AmendmentStatus {
    pub fn label(self) -> &'static str {
        match self {
            AmendmentStatus::Pending => "pending",
            AmendmentStatus::Accepted => "accepted",
            AmendmentStatus::Denied => "denied",
        }
    }
}

/// What the patient wants amended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentTarget {
    /// A document in the chart.
    Document { id: String, title: String },
    /// Anything else in the record (a problem-list entry, an allergy, a demographic field).
    Item { description: String },
}

impl AmendmentTarget {
    /// In words, for lists and the history.
    pub fn describe(&self) -> String {
        match self {
            AmendmentTarget::Document { id, title } => format!("document \"{title}\" ({id})"),
            AmendmentTarget::Item { description } => description.clone(),
        }
    }
}

/// The only grounds on which a request may be denied: 164.526(a)(2)(i)-(iv).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenialReason {
    /// (i): someone else created it, and the originator is still available to act on it.
    NotCreatedByUs,
    /// (ii): not part of the designated record set.
    NotPartOfDesignatedRecordSet,
    /// (iii): the patient could not inspect it under 164.524 either.
    NotAvailableForAccess,
    /// (iv): the record is accurate and complete as it is.
    AccurateAndComplete,
}

impl DenialReason {
    pub const ALL: [DenialReason; 4] = [
        DenialReason::NotCreatedByUs,
        DenialReason::NotPartOfDesignatedRecordSet,
        DenialReason::NotAvailableForAccess,
        DenialReason::AccurateAndComplete,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DenialReason::NotCreatedByUs => {
                "not created by this provider (the originator is available to act)"
            }
            DenialReason::NotPartOfDesignatedRecordSet => "not part of the designated record set",
            DenialReason::NotAvailableForAccess => "not available for inspection under 164.524",
            DenialReason::AccurateAndComplete => "accurate and complete",
        }
    }
}

/// The single 30-day extension, as told to the patient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// The written statement of reasons the patient received.
    pub reason: String,
    /// When the patient was told; it must be before the original 60 days ran out.
    pub patient_told: NaiveDate,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What was decided, and what the written decision must carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Accepted {
        amendment_text: String,
        /// The amendment document the service appended to the chart; None until it has.
        #[serde(default)]
        amendment_document_id: Option<String>,
    },
    /// The written denial must state its basis: 164.526(d)(1)(i).
    Denied {
        reason: DenialReason,
        explanation: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub decided_on: NaiveDate,
    pub by: String,
    pub outcome: DecisionOutcome,
}

/// A statement of disagreement (the patient's) or a rebuttal (the provider's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub text: String,
    /// When the patient's statement arrived; for a rebuttal, the date it was written.
    pub received: NaiveDate,
}

/// One step in a request's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    pub what: String,
}

/// A patient's request to amend their record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentRequest {
    pub id: String,
    pub mrn: String,
    pub target: AmendmentTarget,
    pub requested_change: String,
    /// The day the request arrived: the 60 days count from here.
    pub received: NaiveDate,
    #[serde(default)]
    pub extension: Option<Extension>,
    pub status: AmendmentStatus,
    #[serde(default)]
    pub decision: Option<Decision>,
    #[serde(default)]
    pub disagreement: Option<Statement>,
    #[serde(default)]
    pub rebuttal: Option<Statement>,
    pub history: Vec<AmendmentEvent>,
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Set while the request belongs to a surviving chart through a merge: the MRN it was
    /// logged on.
    #[serde(default)]
    pub moved_from: Option<String>,
    /// Set only on the copy handed to a user who may not read the restricted chart (or
    /// encounter) the request is about: its words are left out. Never stored.
    #[serde(default)]
    pub withheld: bool,
}

/// What a withheld request's texts say.
pub const WITHHELD: &str = "restricted chart: text withheld";

/// `date` plus `days`, or the last representable date: a deadline that cannot be written down
/// is never reached, rather than a panic.
pub(crate) fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// `text` trimmed, or why it cannot be used.
pub(crate) fn required(what: &str, text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{what} is required"));
    }
    let n = text.chars().count();
    if n > max {
        return Err(format!(
            "{what} is too long ({n} characters; at most {max})"
        ));
    }
    Ok(text.to_string())
}

/// At most `EVENT_TEXT_CHARS` of `text`, for the history.
fn short(text: &str) -> String {
    let mut s: String = text.chars().take(EVENT_TEXT_CHARS).collect();
    if text.chars().count() > EVENT_TEXT_CHARS {
        s.push('…');
    }
    s
}

/// `date` is within `[earliest, today]`, or why not.
fn check_date(
    what: &str,
    date: NaiveDate,
    earliest: (NaiveDate, &str),
    today: NaiveDate,
) -> Result<(), String> {
    if date < earliest.0 {
        return Err(format!(
            "{what} ({date}) cannot be before {} ({})",
            earliest.1, earliest.0
        ));
    }
    if date > today {
        return Err(format!(
            "{what} ({date}) cannot be in the future (today is {today})"
        ));
    }
    Ok(())
}

impl AmendmentRequest {
    /// A new pending request. The service assigns `id`; `today` is the local date, so a
    /// request cannot be logged as received tomorrow.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &str,
        mrn: &str,
        target: AmendmentTarget,
        requested_change: &str,
        received: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<AmendmentRequest, String> {
        let target = match target {
            AmendmentTarget::Document { id, title } => {
                let id = id.trim().to_string();
                if id.is_empty() {
                    return Err("say which document is to be amended".into());
                }
                AmendmentTarget::Document {
                    id,
                    title: title.trim().to_string(),
                }
            }
            AmendmentTarget::Item { description } => AmendmentTarget::Item {
                description: required(
                    "a description of what is to be amended",
                    &description,
                    MAX_REASON_CHARS,
                )?,
            },
        };
        let requested_change = required("the requested change", requested_change, MAX_TEXT_CHARS)?;
        if received > today {
            return Err(format!(
                "the date received ({received}) cannot be in the future (today is {today})"
            ));
        }
        let due = add_days(received, RESPONSE_DAYS);
        Ok(AmendmentRequest {
            id: id.to_string(),
            mrn: mrn.to_string(),
            history: vec![AmendmentEvent {
                at,
                by: by.to_string(),
                what: format!(
                    "received {received}, due {due}: amend {}: {}",
                    target.describe(),
                    short(&requested_change)
                ),
            }],
            target,
            requested_change,
            received,
            extension: None,
            status: AmendmentStatus::Pending,
            decision: None,
            disagreement: None,
            rebuttal: None,
            version: 0,
            created_at: at,
            created_by: by.to_string(),
            moved_from: None,
            withheld: false,
        })
    }

    /// The copy for a user who may not read the restricted record the request is about (the
    /// work list, a chart with a restricted encounter): id, patient, dates, status and who
    /// logged it stay, so the deadline can still be worked; the patient's words, the target's
    /// title, the decision's and statements' texts and the history's wording are left out.
    pub fn withheld(&self) -> AmendmentRequest {
        let target = match &self.target {
            AmendmentTarget::Document { id, .. } => AmendmentTarget::Document {
                id: id.clone(),
                title: WITHHELD.into(),
            },
            AmendmentTarget::Item { .. } => AmendmentTarget::Item {
                description: WITHHELD.into(),
            },
        };
        AmendmentRequest {
            id: self.id.clone(),
            mrn: self.mrn.clone(),
            target,
            requested_change: WITHHELD.into(),
            received: self.received,
            extension: self.extension.as_ref().map(|e| Extension {
                reason: WITHHELD.into(),
                ..e.clone()
            }),
            status: self.status,
            decision: None,
            disagreement: None,
            rebuttal: None,
            history: self
                .history
                .iter()
                .map(|e| AmendmentEvent {
                    what: WITHHELD.into(),
                    ..e.clone()
                })
                .collect(),
            version: self.version,
            created_at: self.created_at,
            created_by: self.created_by.clone(),
            moved_from: self.moved_from.clone(),
            withheld: true,
        }
    }

    /// 60 days after receipt, whatever an extension says: the date by which the patient must
    /// have been told of an extension.
    pub fn original_due_date(&self) -> NaiveDate {
        add_days(self.received, RESPONSE_DAYS)
    }

    /// The day by which the request must be decided: 60 days after receipt, 90 with the one
    /// extension (164.526(b)(2)).
    pub fn due_date(&self) -> NaiveDate {
        match self.extension {
            Some(_) => add_days(self.original_due_date(), EXTENSION_DAYS),
            None => self.original_due_date(),
        }
    }

    /// Days until the due date; 0 on the due date itself, negative once it has passed.
    pub fn days_left(&self, today: NaiveDate) -> i64 {
        self.due_date().signed_duration_since(today).num_days()
    }

    /// Past its due date and still undecided. A decided request is never overdue, even if it
    /// was decided late.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == AmendmentStatus::Pending && today > self.due_date()
    }

    /// Refuses `action` unless the request is still waiting for a decision.
    fn still_pending(&self, action: &str) -> Result<(), String> {
        if self.status == AmendmentStatus::Pending {
            return Ok(());
        }
        let on = self
            .decision
            .as_ref()
            .map(|d| format!(" on {}", d.decided_on))
            .unwrap_or_default();
        Err(format!(
            "this request was already {}{on}; {action} only while it is pending",
            self.status.label()
        ))
    }

    fn record(&mut self, by: &str, at: DateTime<Utc>, what: String) {
        self.history.push(AmendmentEvent {
            at,
            by: by.to_string(),
            what,
        });
    }

    /// Takes the one 30-day extension. The patient must have been given the reasons and the
    /// new date in writing before the original 60 days ran out (164.526(b)(2)(ii)).
    pub fn extend(
        &mut self,
        reason: &str,
        patient_told: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.still_pending("it can be extended")?;
        if let Some(e) = &self.extension {
            return Err(format!(
                "an extension was already taken on {}; only one 30-day extension is allowed",
                e.patient_told
            ));
        }
        let reason = required(
            "a written reason for the extension",
            reason,
            MAX_REASON_CHARS,
        )?;
        let original = self.original_due_date();
        check_date(
            "the date the patient was told",
            patient_told,
            (self.received, "the date received"),
            today,
        )?;
        if patient_told > original {
            return Err(format!(
                "the patient must be told of an extension by the original due date ({original}), \
                 not {patient_told}"
            ));
        }
        self.extension = Some(Extension {
            reason: reason.clone(),
            patient_told,
            by: by.to_string(),
            at,
        });
        let due = self.due_date();
        self.record(
            by,
            at,
            format!(
                "extended to {due} (patient told {patient_told}): {}",
                short(&reason)
            ),
        );
        Ok(())
    }

    /// Checks a decision date: on or after receipt, not after today.
    fn check_decided_on(&self, decided_on: NaiveDate, today: NaiveDate) -> Result<(), String> {
        check_date(
            "the decision date",
            decided_on,
            (self.received, "the date received"),
            today,
        )
    }

    /// Accepts the request. The service then appends the amendment document and links it with
    /// [`AmendmentRequest::link_amendment_document`].
    pub fn accept(
        &mut self,
        amendment_text: &str,
        decided_on: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.still_pending("it can be decided")?;
        let text = required("the text of the amendment", amendment_text, MAX_TEXT_CHARS)?;
        self.check_decided_on(decided_on, today)?;
        self.record(by, at, format!("accepted {decided_on}: {}", short(&text)));
        self.status = AmendmentStatus::Accepted;
        self.decision = Some(Decision {
            decided_on,
            by: by.to_string(),
            outcome: DecisionOutcome::Accepted {
                amendment_text: text,
                amendment_document_id: None,
            },
        });
        Ok(())
    }

    /// Denies the request on one of the four grounds. The explanation is the basis the written
    /// denial must state (164.526(d)(1)(i)).
    pub fn deny(
        &mut self,
        reason: DenialReason,
        explanation: &str,
        decided_on: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        self.still_pending("it can be decided")?;
        let explanation = required(
            "a written explanation of the denial",
            explanation,
            MAX_TEXT_CHARS,
        )?;
        self.check_decided_on(decided_on, today)?;
        self.record(
            by,
            at,
            format!(
                "denied {decided_on} ({}): {}",
                reason.label(),
                short(&explanation)
            ),
        );
        self.status = AmendmentStatus::Denied;
        self.decision = Some(Decision {
            decided_on,
            by: by.to_string(),
            outcome: DecisionOutcome::Denied {
                reason,
                explanation,
            },
        });
        Ok(())
    }

    /// Links the amendment document the service appended for an accepted request; once.
    pub fn link_amendment_document(
        &mut self,
        document_id: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        let document_id = document_id.trim();
        if document_id.is_empty() {
            return Err("the amendment document's id is required".into());
        }
        let Some(Decision {
            outcome:
                DecisionOutcome::Accepted {
                    amendment_document_id,
                    ..
                },
            ..
        }) = &mut self.decision
        else {
            return Err("only an accepted request has an amendment document".into());
        };
        if let Some(existing) = amendment_document_id {
            return Err(format!(
                "the amendment is already appended as document {existing}"
            ));
        }
        *amendment_document_id = Some(document_id.to_string());
        self.record(
            by,
            at,
            format!("amendment appended as document {document_id}"),
        );
        Ok(())
    }

    /// Records the patient's statement of disagreement with a denial (164.526(d)(1)(ii)); once.
    pub fn record_disagreement(
        &mut self,
        text: &str,
        received: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        let denied_on = match (&self.status, &self.decision) {
            (AmendmentStatus::Denied, Some(d)) => d.decided_on,
            _ => {
                return Err(format!(
                    "a statement of disagreement answers a denial; this request is {}",
                    self.status.label()
                ));
            }
        };
        if let Some(s) = &self.disagreement {
            return Err(format!(
                "a statement of disagreement was already received on {}",
                s.received
            ));
        }
        let text = required("the statement of disagreement", text, MAX_TEXT_CHARS)?;
        check_date(
            "the date the statement was received",
            received,
            (denied_on, "the denial"),
            today,
        )?;
        self.record(
            by,
            at,
            format!(
                "statement of disagreement received {received}: {}",
                short(&text)
            ),
        );
        self.disagreement = Some(Statement { text, received });
        Ok(())
    }

    /// Records the provider's rebuttal to the statement of disagreement (164.526(d)(3)); once.
    /// `dated` is the day it was written.
    pub fn record_rebuttal(
        &mut self,
        text: &str,
        dated: NaiveDate,
        today: NaiveDate,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        let Some(disagreement) = &self.disagreement else {
            return Err(
                "a rebuttal answers a statement of disagreement; none has been received".into(),
            );
        };
        let since = disagreement.received;
        if let Some(r) = &self.rebuttal {
            return Err(format!("a rebuttal was already written on {}", r.received));
        }
        let text = required("the rebuttal", text, MAX_TEXT_CHARS)?;
        check_date(
            "the rebuttal date",
            dated,
            (since, "the statement of disagreement"),
            today,
        )?;
        self.record(by, at, format!("rebuttal {dated}: {}", short(&text)));
        self.rebuttal = Some(Statement {
            text,
            received: dated,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2028, 1, 10, 10, 0, 0).unwrap()
    }

    fn doc() -> AmendmentTarget {
        AmendmentTarget::Document {
            id: "D-17".into(),
            title: "Discharge summary".into(),
        }
    }

    /// A pending request received on `received`, logged that day.
    fn req(received: NaiveDate) -> AmendmentRequest {
        AmendmentRequest::new(
            "A-1",
            "0000013",
            doc(),
            "Allergy is to penicillin, not amoxicillin",
            received,
            received,
            "clerk",
            t(),
        )
        .unwrap()
    }

    fn extended(received: NaiveDate) -> AmendmentRequest {
        let mut r = req(received);
        r.extend(
            "awaiting the author's review",
            received,
            received,
            "him",
            t(),
        )
        .unwrap();
        r
    }

    fn err_contains(got: Result<(), String>, want: &str, rule: &str) {
        match got {
            Err(e) => assert!(e.contains(want), "{rule}: wanted \"{want}\" in \"{e}\""),
            Ok(()) => panic!("{rule}: wanted an error containing \"{want}\", got Ok"),
        }
    }

    #[test]
    fn due_dates_count_60_days_and_90_with_the_extension() {
        let cases = [
            // (received, extended, due, rule)
            (d(2026, 1, 15), false, d(2026, 3, 16), "plain 60 days"),
            (d(2026, 1, 15), true, d(2026, 4, 15), "plain 60 + 30 days"),
            (
                d(2028, 1, 1),
                false,
                d(2028, 3, 1),
                "60 days through a leap February",
            ),
            (
                d(2028, 1, 1),
                true,
                d(2028, 3, 31),
                "90 days through a leap February",
            ),
            (
                d(2027, 12, 31),
                false,
                d(2028, 2, 29),
                "60 days landing on Feb 29",
            ),
            (
                d(2027, 12, 31),
                true,
                d(2028, 3, 30),
                "90 days across a year end",
            ),
            (
                d(2026, 12, 31),
                false,
                d(2027, 3, 1),
                "60 days through a common February",
            ),
            (
                d(2026, 10, 31),
                false,
                d(2026, 12, 30),
                "60 days from a month end",
            ),
            (
                d(2026, 10, 31),
                true,
                d(2027, 1, 29),
                "90 days from a month end",
            ),
            (d(2028, 2, 29), false, d(2028, 4, 29), "60 days from Feb 29"),
        ];
        for (received, ext, want, rule) in cases {
            let r = if ext {
                extended(received)
            } else {
                req(received)
            };
            assert_eq!(r.due_date(), want, "{rule}: received {received}");
            assert_eq!(
                r.original_due_date(),
                add_days(received, 60),
                "{rule}: the original due date ignores the extension"
            );
        }
    }

    #[test]
    fn due_date_at_the_end_of_the_calendar_does_not_panic() {
        let mut r = req(d(2028, 1, 1));
        r.received = NaiveDate::MAX;
        assert_eq!(
            r.due_date(),
            NaiveDate::MAX,
            "an unrepresentable deadline falls back to the last date"
        );
        assert_eq!(
            add_days(d(2028, 1, 1), 0),
            d(2028, 1, 1),
            "adding no days keeps the date"
        );
    }

    #[test]
    fn days_left_and_overdue() {
        let received = d(2028, 1, 1); // due 2028-03-01
        let cases = [
            // (today, days_left, overdue, rule)
            (
                d(2028, 1, 1),
                60,
                false,
                "the day received has 60 days left",
            ),
            (d(2028, 2, 29), 1, false, "the day before the due date"),
            (
                d(2028, 3, 1),
                0,
                false,
                "due today is 0 days left, not overdue",
            ),
            (
                d(2028, 3, 2),
                -1,
                true,
                "the day after the due date is overdue",
            ),
            (d(2028, 4, 1), -31, true, "a month late"),
        ];
        for (today, left, overdue, rule) in cases {
            let r = req(received);
            assert_eq!(r.days_left(today), left, "{rule}: days left on {today}");
            assert_eq!(r.is_overdue(today), overdue, "{rule}: overdue on {today}");
        }
        let r = extended(received); // due 2028-03-31
        assert_eq!(r.days_left(d(2028, 3, 2)), 29, "the extension adds 30 days");
        assert!(
            !r.is_overdue(d(2028, 3, 31)),
            "extended: due today is not overdue"
        );
        assert!(
            r.is_overdue(d(2028, 4, 1)),
            "extended: the day after is overdue"
        );

        let late = d(2028, 6, 1);
        let mut accepted = req(received);
        accepted
            .accept("Amended allergy list", d(2028, 5, 1), late, "him", t())
            .unwrap();
        let mut denied = req(received);
        denied
            .deny(
                DenialReason::AccurateAndComplete,
                "The record is accurate.",
                d(2028, 1, 20),
                late,
                "him",
                t(),
            )
            .unwrap();
        for (r, rule) in [
            (&accepted, "an accepted request is never overdue"),
            (&denied, "a denied request is never overdue"),
        ] {
            assert!(!r.is_overdue(late), "{rule}");
            assert_eq!(r.days_left(late), -92, "{rule}: days left still counts");
        }
    }

    #[test]
    fn new_requests_need_a_change_and_a_past_receipt_date() {
        let today = d(2028, 1, 10);
        let new = |target: AmendmentTarget, change: &str, received: NaiveDate| {
            AmendmentRequest::new(
                "A-1",
                "0000013",
                target,
                change,
                received,
                today,
                "clerk",
                t(),
            )
            .map(|_| ())
        };
        let item = |s: &str| AmendmentTarget::Item {
            description: s.into(),
        };
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let cases: Vec<(Result<(), String>, &str, &str)> = vec![
            (
                new(doc(), "  ", today),
                "the requested change is required",
                "blank change",
            ),
            (
                new(doc(), &long, today),
                "the requested change is too long (10001 characters; at most 10000)",
                "change length bound",
            ),
            (
                new(doc(), "fix", d(2028, 1, 11)),
                "the date received (2028-01-11) cannot be in the future (today is 2028-01-10)",
                "receipt tomorrow",
            ),
            (
                new(
                    AmendmentTarget::Document {
                        id: " ".into(),
                        title: "Note".into(),
                    },
                    "fix",
                    today,
                ),
                "say which document",
                "document target needs an id",
            ),
            (
                new(item(""), "fix", today),
                "a description of what is to be amended is required",
                "item target needs a description",
            ),
        ];
        for (got, want, rule) in cases {
            err_contains(got, want, rule);
        }

        let r = AmendmentRequest::new(
            "A-2",
            "0000013",
            item(" Problem list: asthma "),
            "  Remove asthma  ",
            today,
            today,
            "clerk",
            t(),
        )
        .unwrap();
        assert_eq!(
            r.status,
            AmendmentStatus::Pending,
            "new requests are pending"
        );
        assert_eq!(r.requested_change, "Remove asthma", "text is trimmed");
        assert_eq!(r.version, 0, "the store owns the version");
        assert_eq!(r.history.len(), 1, "receipt is the first event");
        assert_eq!(
            r.history[0].what,
            "received 2028-01-10, due 2028-03-10: amend Problem list: asthma: Remove asthma",
            "the receipt event names the due date and the target"
        );
    }

    #[test]
    fn extension_rules() {
        let received = d(2028, 1, 1); // original due 2028-03-01
        let today = d(2028, 2, 1);
        let reason = "waiting for the author";
        let pending = || req(received);
        let accepted = || {
            let mut r = req(received);
            r.accept("Amended.", d(2028, 1, 15), today, "him", t())
                .unwrap();
            r
        };
        let long = "y".repeat(MAX_REASON_CHARS + 1);
        // (rule, request, reason, patient told, today, wanted error fragment)
        let cases: Vec<(&str, AmendmentRequest, &str, NaiveDate, NaiveDate, &str)> = vec![
            (
                "a second extension is refused",
                extended(received),
                reason,
                today,
                today,
                "an extension was already taken on 2028-01-01; only one 30-day extension",
            ),
            (
                "a blank reason is refused",
                pending(),
                "",
                today,
                today,
                "a written reason for the extension is required",
            ),
            (
                "a whitespace reason is refused",
                pending(),
                "   \n",
                today,
                today,
                "a written reason for the extension is required",
            ),
            (
                "the reason is bounded to 1,000 characters",
                pending(),
                &long,
                today,
                today,
                "too long (1001 characters; at most 1000)",
            ),
            (
                "the patient told after the original due date is refused",
                pending(),
                reason,
                d(2028, 3, 2),
                d(2028, 3, 5),
                "must be told of an extension by the original due date (2028-03-01), not 2028-03-02",
            ),
            (
                "the patient told in the future is refused",
                pending(),
                reason,
                d(2028, 2, 2),
                today,
                "the date the patient was told (2028-02-02) cannot be in the future (today is 2028-02-01)",
            ),
            (
                "the patient told before receipt is refused",
                pending(),
                reason,
                d(2027, 12, 31),
                today,
                "cannot be before the date received (2028-01-01)",
            ),
            (
                "an extension on a decided request is refused",
                accepted(),
                reason,
                today,
                today,
                "this request was already accepted on 2028-01-15; it can be extended only while it is pending",
            ),
        ];
        for (rule, mut r, why, told, on, want) in cases {
            let before = r.clone();
            err_contains(r.extend(why, told, on, "him", t()), want, rule);
            assert_eq!(r, before, "{rule}: a refusal changes nothing");
        }

        // Allowed: told on the original due date itself, recorded later.
        let mut r = pending();
        r.extend(reason, d(2028, 3, 1), d(2028, 3, 4), "him", t())
            .unwrap();
        assert_eq!(
            r.due_date(),
            d(2028, 3, 31),
            "told on the due date: 30 more days"
        );
        assert_eq!(
            r.history.last().map(|e| e.what.as_str()),
            Some("extended to 2028-03-31 (patient told 2028-03-01): waiting for the author"),
            "the extension is in the history"
        );
    }

    #[test]
    fn decisions_statements_and_their_order() {
        let received = d(2028, 1, 1);
        let today = d(2028, 2, 1);
        let deny = |r: &mut AmendmentRequest| {
            r.deny(
                DenialReason::NotCreatedByUs,
                "The lab report was created by Acme Labs.",
                d(2028, 1, 20),
                today,
                "him",
                t(),
            )
        };
        let disagree = |r: &mut AmendmentRequest, on: NaiveDate| {
            r.record_disagreement("I never had that test.", on, today, "clerk", t())
        };
        let rebut = |r: &mut AmendmentRequest, on: NaiveDate| {
            r.record_rebuttal("The lab confirms the result.", on, today, "him", t())
        };

        // (rule, result, wanted error fragment)
        let mut cases: Vec<(&str, Result<(), String>, &str)> = Vec::new();

        let mut r = req(received);
        cases.push((
            "rebuttal without a disagreement",
            rebut(&mut r, today),
            "none has been received",
        ));
        cases.push((
            "disagreement on a pending request",
            disagree(&mut r, today),
            "answers a denial; this request is pending",
        ));
        cases.push((
            "acceptance needs the amendment text",
            r.accept(" ", today, today, "him", t()),
            "the text of the amendment is required",
        ));
        cases.push((
            "denial needs a written explanation",
            r.deny(
                DenialReason::AccurateAndComplete,
                "",
                today,
                today,
                "him",
                t(),
            ),
            "a written explanation of the denial is required",
        ));
        cases.push((
            "decision before receipt",
            r.accept("Amended.", d(2027, 12, 31), today, "him", t()),
            "the decision date (2027-12-31) cannot be before the date received (2028-01-01)",
        ));
        let mut r = req(received);
        cases.push((
            "decision dated tomorrow",
            r.accept("Amended.", d(2028, 2, 2), today, "him", t()),
            "the decision date (2028-02-02) cannot be in the future (today is 2028-02-01)",
        ));

        let mut accepted = req(received);
        accepted
            .accept("Allergy: penicillin.", d(2028, 1, 15), today, "him", t())
            .unwrap();
        cases.push((
            "disagreement on an accepted request",
            disagree(&mut accepted, today),
            "answers a denial; this request is accepted",
        ));
        cases.push((
            "deciding twice (deny after accept)",
            deny(&mut accepted),
            "this request was already accepted on 2028-01-15; it can be decided only while it is pending",
        ));
        cases.push((
            "deciding twice (accept after accept)",
            accepted.accept("Again.", today, today, "him", t()),
            "already accepted on 2028-01-15",
        ));
        cases.push((
            "rebuttal on an accepted request",
            rebut(&mut accepted, today),
            "none has been received",
        ));

        let mut denied = req(received);
        deny(&mut denied).unwrap();
        cases.push((
            "deciding twice (accept after deny)",
            denied.accept("Amended.", today, today, "him", t()),
            "this request was already denied on 2028-01-20; it can be decided only while it is pending",
        ));
        cases.push((
            "linking a document to a denied request",
            denied.link_amendment_document("D-99", "him", t()),
            "only an accepted request has an amendment document",
        ));
        cases.push((
            "disagreement dated before the denial",
            disagree(&mut denied, d(2028, 1, 19)),
            "the date the statement was received (2028-01-19) cannot be before the denial (2028-01-20)",
        ));
        cases.push((
            "disagreement text required",
            denied.record_disagreement("  ", today, today, "clerk", t()),
            "the statement of disagreement is required",
        ));
        disagree(&mut denied, d(2028, 1, 25)).unwrap();
        cases.push((
            "disagreement only once",
            disagree(&mut denied, today),
            "a statement of disagreement was already received on 2028-01-25",
        ));
        cases.push((
            "rebuttal dated before the disagreement",
            rebut(&mut denied, d(2028, 1, 24)),
            "the rebuttal date (2028-01-24) cannot be before the statement of disagreement (2028-01-25)",
        ));
        cases.push((
            "rebuttal text required",
            denied.record_rebuttal("", today, today, "him", t()),
            "the rebuttal is required",
        ));
        rebut(&mut denied, d(2028, 1, 30)).unwrap();
        cases.push((
            "rebuttal only once",
            rebut(&mut denied, today),
            "a rebuttal was already written on 2028-01-30",
        ));

        for (rule, got, want) in cases {
            err_contains(got, want, rule);
        }

        assert_eq!(
            denied.status,
            AmendmentStatus::Denied,
            "denial sets the status"
        );
        assert_eq!(
            denied.decision,
            Some(Decision {
                decided_on: d(2028, 1, 20),
                by: "him".into(),
                outcome: DecisionOutcome::Denied {
                    reason: DenialReason::NotCreatedByUs,
                    explanation: "The lab report was created by Acme Labs.".into(),
                },
            }),
            "the denial keeps its ground and explanation"
        );
        assert_eq!(
            denied.disagreement.as_ref().map(|s| s.received),
            Some(d(2028, 1, 25)),
            "the first disagreement is kept"
        );
        assert_eq!(
            denied.rebuttal.as_ref().map(|s| s.received),
            Some(d(2028, 1, 30)),
            "the first rebuttal is kept"
        );
        let trail: Vec<&str> = denied.history.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(
            trail,
            vec![
                "received 2028-01-01, due 2028-03-01: amend document \"Discharge summary\" (D-17): \
                 Allergy is to penicillin, not amoxicillin",
                "denied 2028-01-20 (not created by this provider (the originator is available \
                 to act)): The lab report was created by Acme Labs.",
                "statement of disagreement received 2028-01-25: I never had that test.",
                "rebuttal 2028-01-30: The lab confirms the result.",
            ],
            "each step, and only the successful ones, is in the history"
        );
    }

    #[test]
    fn accepted_amendment_links_its_document_once() {
        let mut r = req(d(2028, 1, 1));
        let today = d(2028, 2, 1);
        r.accept(
            "  Allergy: penicillin.  ",
            d(2028, 1, 15),
            today,
            "him",
            t(),
        )
        .unwrap();
        err_contains(
            r.link_amendment_document(" ", "svc", t()),
            "the amendment document's id is required",
            "a link needs an id",
        );
        r.link_amendment_document("D-99", "svc", t()).unwrap();
        err_contains(
            r.link_amendment_document("D-100", "svc", t()),
            "already appended as document D-99",
            "a link is made once",
        );
        assert_eq!(
            r.decision.map(|d| d.outcome),
            Some(DecisionOutcome::Accepted {
                amendment_text: "Allergy: penicillin.".into(),
                amendment_document_id: Some("D-99".into()),
            }),
            "acceptance keeps the trimmed text and the appended document"
        );
        assert_eq!(
            r.status,
            AmendmentStatus::Accepted,
            "acceptance sets the status"
        );
        assert_eq!(
            r.history.last().map(|e| e.what.as_str()),
            Some("amendment appended as document D-99"),
            "the link is in the history"
        );
    }

    #[test]
    fn denial_reasons_are_the_four_grounds() {
        let labels: Vec<&str> = DenialReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(
            labels,
            vec![
                "not created by this provider (the originator is available to act)",
                "not part of the designated record set",
                "not available for inspection under 164.524",
                "accurate and complete",
            ],
            "164.526(a)(2) has exactly four grounds, in order"
        );
    }

    #[test]
    fn old_records_without_optional_fields_still_load() {
        let r = req(d(2028, 1, 1));
        let mut v = serde_json::to_value(&r).unwrap();
        let o = v.as_object_mut().unwrap();
        for k in ["extension", "decision", "disagreement", "rebuttal"] {
            o.remove(k);
        }
        let back: AmendmentRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, r, "optional fields default to None");
    }
}
