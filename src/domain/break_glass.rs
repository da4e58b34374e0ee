//! Break-the-glass: reading a sensitive chart outside one's normal rights. The user states why
//! and re-enters the password; access then lasts a limited time, for that user and that patient
//! only, and every such access waits on compliance's review list until it is judged.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Longest text a user may add to a reason; the reason itself is a fixed choice.
pub const MAX_NOTE: usize = 1_000;

/// Why the glass was broken: a fixed list, so the review list can be read and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakGlassReason {
    /// Treating the patient now.
    PatientCare,
    Emergency,
    /// Coding or billing this patient's encounter.
    CodingOrBilling,
    /// A release-of-information request for this patient.
    ReleaseOfInformation,
    /// A quality, audit or legal review that needs the record.
    Review,
    /// Anything else: the note must say what.
    Other,
}

impl BreakGlassReason {
    pub const ALL: [BreakGlassReason; 6] = [
        BreakGlassReason::PatientCare,
        BreakGlassReason::Emergency,
        BreakGlassReason::CodingOrBilling,
        BreakGlassReason::ReleaseOfInformation,
        BreakGlassReason::Review,
        BreakGlassReason::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BreakGlassReason::PatientCare => "direct patient care",
            BreakGlassReason::Emergency => "emergency",
            BreakGlassReason::CodingOrBilling => "coding or billing this patient's encounter",
            BreakGlassReason::ReleaseOfInformation => "release of information request",
            BreakGlassReason::Review => "quality, audit or legal review",
            BreakGlassReason::Other => "other (say what in the note)",
        }
    }
}

/// Compliance's judgement of one access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Appropriate,
    Violation,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Appropriate => "appropriate",
            Verdict::Violation => "violation",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub verdict: Verdict,
    pub comment: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One broken glass: who, which patient, why, until when, and compliance's review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassAccess {
    /// Sequence number, assigned by the store.
    pub id: u64,
    pub username: String,
    pub mrn: String,
    pub reason: BreakGlassReason,
    #[serde(default)]
    pub note: String,
    pub at: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    #[serde(default)]
    pub review: Option<Review>,
    pub version: u64,
}

impl BreakGlassAccess {
    /// Checks the reason and note and builds the access lasting `minutes` from `now`.
    pub fn new(
        username: &str,
        mrn: &str,
        reason: BreakGlassReason,
        note: &str,
        now: DateTime<Utc>,
        minutes: u32,
    ) -> Result<BreakGlassAccess, String> {
        let note = note.trim();
        if reason == BreakGlassReason::Other && note.is_empty() {
            return Err("with \"other\" as the reason, the note must say what it is".into());
        }
        if note.chars().count() > MAX_NOTE {
            return Err(format!("the note is longer than {MAX_NOTE} characters"));
        }
        Ok(BreakGlassAccess {
            id: 0,
            username: username.to_string(),
            mrn: mrn.to_string(),
            reason,
            note: note.to_string(),
            at: now,
            expires: now + Duration::minutes(i64::from(effective_minutes(minutes))),
            review: None,
            version: 0,
        })
    }

    /// True while the access still opens the chart: before its expiry, never after.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        now >= self.at && now < self.expires
    }

    /// Whole days since the access while it waits for review (the list shows it ageing).
    pub fn days_unreviewed(&self, now: DateTime<Utc>) -> Option<i64> {
        self.review
            .is_none()
            .then(|| (now - self.at).num_days().max(0))
    }

    /// Records compliance's judgement; once only, and never by the user who broke the glass.
    pub fn judge(
        &mut self,
        verdict: Verdict,
        comment: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), String> {
        if let Some(r) = &self.review {
            return Err(format!(
                "already reviewed by {} on {}: {}",
                r.by,
                r.at.format("%Y-%m-%d"),
                r.verdict.label()
            ));
        }
        if by == self.username {
            return Err("nobody reviews their own break-the-glass access".into());
        }
        let comment = comment.trim();
        if comment.is_empty() {
            return Err("a review needs a comment".into());
        }
        if comment.chars().count() > MAX_NOTE {
            return Err(format!("the comment is longer than {MAX_NOTE} characters"));
        }
        self.review = Some(Review {
            verdict,
            comment: comment.to_string(),
            by: by.to_string(),
            at,
        });
        Ok(())
    }
}

/// The access window actually used: the setting, kept between 5 minutes and 8 hours (a
/// window shorter than a task is useless; one longer than a shift is standing access).
pub fn effective_minutes(setting: u32) -> u32 {
    setting.clamp(5, 480)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).unwrap()
    }

    #[test]
    fn access_lasts_the_window_and_not_a_minute_more() {
        let a = BreakGlassAccess::new(
            "coder",
            "00012345",
            BreakGlassReason::CodingOrBilling,
            "",
            t(9, 0),
            60,
        )
        .unwrap();
        for (now, active) in [
            (t(8, 59), false),
            (t(9, 0), true),
            (t(9, 59), true),
            (t(10, 0), false),
            (t(13, 0), false),
        ] {
            assert_eq!(a.is_active(now), active, "at {now}");
        }
    }

    #[test]
    fn the_window_setting_is_kept_sensible() {
        for (set, want) in [(60, 60), (0, 5), (4, 5), (5, 5), (480, 480), (10_000, 480)] {
            assert_eq!(effective_minutes(set), want, "setting {set}");
        }
    }

    #[test]
    fn reasons_and_notes_are_checked() {
        let other = BreakGlassAccess::new("u", "m", BreakGlassReason::Other, "  ", t(9, 0), 60);
        assert!(other.unwrap_err().contains("note must say"));
        let long = "x".repeat(MAX_NOTE + 1);
        let too_long =
            BreakGlassAccess::new("u", "m", BreakGlassReason::Emergency, &long, t(9, 0), 60);
        assert!(too_long.unwrap_err().contains("longer than"));
        let ok = BreakGlassAccess::new(
            "u",
            "m",
            BreakGlassReason::Other,
            " chart audit ",
            t(9, 0),
            60,
        )
        .unwrap();
        assert_eq!(ok.note, "chart audit");
    }

    #[test]
    fn a_review_is_once_by_someone_else_with_a_comment() {
        let mut a =
            BreakGlassAccess::new("nurse", "m", BreakGlassReason::Emergency, "", t(9, 0), 60)
                .unwrap();
        let later = t(9, 0) + Duration::days(3);
        assert_eq!(a.days_unreviewed(later), Some(3));
        assert!(
            a.judge(Verdict::Appropriate, "ok", "nurse", later)
                .unwrap_err()
                .contains("own")
        );
        assert!(
            a.judge(Verdict::Appropriate, " ", "compliance", later)
                .unwrap_err()
                .contains("comment")
        );
        a.judge(
            Verdict::Violation,
            "no care relationship",
            "compliance",
            later,
        )
        .unwrap();
        assert_eq!(a.days_unreviewed(later), None);
        let again = a.judge(Verdict::Appropriate, "changed my mind", "compliance", later);
        assert!(
            again
                .unwrap_err()
                .contains("already reviewed by compliance")
        );
        assert_eq!(
            a.review.as_ref().map(|r| r.verdict),
            Some(Verdict::Violation)
        );
    }
}
