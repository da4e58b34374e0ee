//! Department settings kept in the database.

use serde::{Deserialize, Serialize};

/// The longest idle time HIPAA practice allows us (DESIGN §5): a setting may lower it, never raise it.
pub const MAX_IDLE_MINUTES: u32 = 15;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Consecutive failed logins before an account locks.
    pub lockout_threshold: u32,
    /// Minutes of inactivity before a session ends; clamped to 1..=15.
    pub idle_timeout_minutes: u32,
    /// Set on databases built by `chartroom demo`; every screen then says DEMO.
    pub demo: bool,
    /// Name of the organisation, shown in the header.
    pub organisation: String,
    /// Duplicate matching: pairs weighing at least this go to the review work list.
    pub duplicate_review_weight: i32,
    /// ... and at least this are flagged as very likely the same patient.
    pub duplicate_very_likely_weight: i32,
    /// Minutes a break-the-glass access lasts (kept between 5 and 480).
    pub break_glass_minutes: u32,
    /// Encounter classes whose coding needs second-level validation before it is final.
    pub coding_validation: Vec<super::patient::EncounterClass>,
    /// Days to answer a release-of-information request, per requester type other than the
    /// patient (a patient's own request is always 30 days, 45 CFR 164.524).
    pub roi_due_days: Vec<super::roi::DueDays>,
    /// Copy fees per requester type other than the patient (state law sets most of these).
    pub roi_fees: Vec<super::roi::FeeSchedule>,
    /// Hourly rate for the labour of copying in an actual-cost patient fee.
    pub roi_labor_cents_per_hour: u32,
    /// Reasonable cost-based fee for a second accounting of disclosures within 12 months.
    pub accounting_fee_cents: u32,
    /// Where release packets are written; empty = a `releases` folder beside the database.
    pub roi_output_dir: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lockout_threshold: 10,
            idle_timeout_minutes: MAX_IDLE_MINUTES,
            demo: false,
            organisation: String::new(),
            duplicate_review_weight: 8,
            duplicate_very_likely_weight: 16,
            break_glass_minutes: 60,
            coding_validation: super::coding::default_validation_classes(),
            roi_due_days: super::roi::default_due_days(),
            roi_fees: super::roi::default_fee_schedules(),
            roi_labor_cents_per_hour: super::roi::DEFAULT_LABOR_CENTS_PER_HOUR,
            accounting_fee_cents: 1_500,
            roi_output_dir: String::new(),
        }
    }
}

impl Settings {
    /// Idle timeout actually enforced: never above 15 minutes, never below 1.
    pub fn effective_idle_minutes(&self) -> u32 {
        self.idle_timeout_minutes.clamp(1, MAX_IDLE_MINUTES)
    }

    pub fn effective_lockout_threshold(&self) -> u32 {
        self.lockout_threshold.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeout_may_be_lowered_never_raised() {
        for (set, want) in [(15, 15), (5, 5), (60, 15), (0, 1), (1, 1)] {
            let s = Settings {
                idle_timeout_minutes: set,
                ..Settings::default()
            };
            assert_eq!(s.effective_idle_minutes(), want, "setting {set}");
        }
    }
}
