//! Department settings kept in the database.

use super::patient::EncounterClass;
use super::roi::{self, DueDays, FeeSchedule, RequesterType};
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

    /// Every setting a department may change, as `name = value` the way `set` reads it back.
    pub fn entries(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("organisation".to_string(), self.organisation.clone()),
            (
                "lockout_threshold".into(),
                self.lockout_threshold.to_string(),
            ),
            (
                "idle_timeout_minutes".into(),
                self.idle_timeout_minutes.to_string(),
            ),
            (
                "break_glass_minutes".into(),
                self.break_glass_minutes.to_string(),
            ),
            (
                "duplicate_review_weight".into(),
                self.duplicate_review_weight.to_string(),
            ),
            (
                "duplicate_very_likely_weight".into(),
                self.duplicate_very_likely_weight.to_string(),
            ),
            (
                "coding_validation".into(),
                self.coding_validation
                    .iter()
                    .map(key)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ];
        for r in RequesterType::ALL.iter().filter(|r| !r.is_access()) {
            v.push((
                format!("roi_due_days.{}", key(r)),
                roi::due_days(*r, &self.roi_due_days).to_string(),
            ));
        }
        for r in RequesterType::ALL.iter().filter(|r| !r.is_access()) {
            let f = self
                .roi_fees
                .iter()
                .find(|f| f.requester == *r)
                .cloned()
                .unwrap_or(FeeSchedule {
                    requester: *r,
                    base_cents: 0,
                    per_page_cents: 0,
                    max_cents: 0,
                });
            v.push((
                format!("roi_fees.{}", key(r)),
                format!(
                    "{},{},{}",
                    plain_dollars(f.base_cents),
                    plain_dollars(f.per_page_cents),
                    plain_dollars(f.max_cents)
                ),
            ));
        }
        v.extend([
            (
                "roi_labor_per_hour".to_string(),
                plain_dollars(self.roi_labor_cents_per_hour),
            ),
            (
                "accounting_fee".into(),
                plain_dollars(self.accounting_fee_cents),
            ),
            ("roi_output_dir".into(), self.roi_output_dir.clone()),
        ]);
        v
    }

    /// Sets one setting from its text, as an administrator types it; the old and new value
    /// come back for the audit trail. Unknown names and values out of range are refused with
    /// what would be accepted, and nothing changes.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(String, String), String> {
        let old = self.value_of(name)?;
        let value = value.trim();
        let number = |lo: u32, hi: u32| -> Result<u32, String> {
            match value.parse::<u32>() {
                Ok(n) if (lo..=hi).contains(&n) => Ok(n),
                _ => Err(format!(
                    "{name} is a whole number from {lo} to {hi}; \"{value}\" is not"
                )),
            }
        };
        let weight = || -> Result<i32, String> {
            value
                .parse::<i32>()
                .ok()
                .filter(|w| (-100..=100).contains(w))
                .ok_or_else(|| format!("{name} is a match weight from -100 to 100"))
        };
        match name {
            "organisation" => {
                if value.chars().count() > 200 || value.chars().any(char::is_control) {
                    return Err("the organisation's name is one line of at most 200 characters".into());
                }
                self.organisation = value.to_string();
            }
            "lockout_threshold" => self.lockout_threshold = number(1, 100)?,
            "idle_timeout_minutes" => {
                self.idle_timeout_minutes = number(1, MAX_IDLE_MINUTES).map_err(|e| {
                    format!("{e} (HIPAA practice here: a session idles out within {MAX_IDLE_MINUTES} minutes)")
                })?
            }
            "break_glass_minutes" => self.break_glass_minutes = number(5, 480)?,
            "duplicate_review_weight" => {
                let w = weight()?;
                if w > self.duplicate_very_likely_weight {
                    return Err(format!(
                        "the review weight cannot be above the very-likely weight ({})",
                        self.duplicate_very_likely_weight
                    ));
                }
                self.duplicate_review_weight = w;
            }
            "duplicate_very_likely_weight" => {
                let w = weight()?;
                if w < self.duplicate_review_weight {
                    return Err(format!(
                        "the very-likely weight cannot be below the review weight ({})",
                        self.duplicate_review_weight
                    ));
                }
                self.duplicate_very_likely_weight = w;
            }
            "coding_validation" => {
                let mut classes = Vec::new();
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let c: EncounterClass = from_key(part).ok_or_else(|| {
                        format!(
                            "\"{part}\" is not an encounter class; use inpatient, outpatient, \
                             emergency or observation, separated by commas (empty for none)"
                        )
                    })?;
                    if !classes.contains(&c) {
                        classes.push(c);
                    }
                }
                self.coding_validation = classes;
            }
            "roi_labor_per_hour" => {
                self.roi_labor_cents_per_hour = roi::parse_dollars(name, value)?
            }
            "accounting_fee" => self.accounting_fee_cents = roi::parse_dollars(name, value)?,
            "roi_output_dir" => {
                if !value.is_empty() && !std::path::Path::new(value).is_absolute() {
                    return Err(
                        "roi_output_dir is an absolute folder (or empty for `releases` beside \
                         the database)"
                            .into(),
                    );
                }
                self.roi_output_dir = value.to_string();
            }
            _ => {
                let (table, who) = name.split_once('.').unwrap_or((name, ""));
                let r = requester(who)?;
                match table {
                    "roi_due_days" => {
                        let days = number(1, 365)?;
                        match self.roi_due_days.iter_mut().find(|d| d.requester == r) {
                            Some(d) => d.days = days,
                            None => self.roi_due_days.push(DueDays { requester: r, days }),
                        }
                    }
                    _ => {
                        let parts: Vec<&str> = value.split(',').collect();
                        let [base, page, max] = parts.as_slice() else {
                            return Err(format!(
                                "{name} is three amounts: base fee, per page, cap (0 = no cap), \
                                 e.g. 25.00,1.00,0"
                            ));
                        };
                        let fee = FeeSchedule {
                            requester: r,
                            base_cents: roi::parse_dollars("the base fee", base)?,
                            per_page_cents: roi::parse_dollars("the fee per page", page)?,
                            max_cents: roi::parse_dollars("the cap", max)?,
                        };
                        match self.roi_fees.iter_mut().find(|f| f.requester == r) {
                            Some(f) => *f = fee,
                            None => self.roi_fees.push(fee),
                        }
                    }
                }
            }
        }
        let new = self.value_of(name)?;
        Ok((old, new))
    }

    fn value_of(&self, name: &str) -> Result<String, String> {
        if let Some(who) = name
            .strip_prefix("roi_due_days.")
            .or_else(|| name.strip_prefix("roi_fees."))
        {
            requester(who)?;
        }
        self.entries()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                format!("there is no setting \"{name}\"; `chartroom settings show` lists them")
            })
    }
}

/// A value's name as stored (serde's snake_case), e.g. `court_order`.
fn key<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn from_key<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

/// The requester a per-type setting names; the patient's own deadline and fee are the law's.
fn requester(who: &str) -> Result<RequesterType, String> {
    let others: Vec<String> = RequesterType::ALL
        .iter()
        .filter(|r| !r.is_access())
        .map(key)
        .collect();
    match from_key::<RequesterType>(who) {
        Some(r) if r.is_access() => Err(format!(
            "the deadline (30 days) and fee (164.524(c)(4)) of a request from {} are set by \
             law, not here",
            r.label()
        )),
        Some(r) => Ok(r),
        None => Err(format!(
            "\"{who}\" is not a requester type; use one of {}",
            others.join(", ")
        )),
    }
}

/// Cents as an amount `parse_dollars` reads back: 2500 -> "25.00".
fn plain_dollars(cents: u32) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_is_set_from_text_and_read_back_the_same() {
        let mut s = Settings::default();
        for (name, value, shown) in [
            ("organisation", " Coast Clinic ", "Coast Clinic"),
            ("lockout_threshold", "5", "5"),
            ("idle_timeout_minutes", "10", "10"),
            ("break_glass_minutes", "30", "30"),
            ("duplicate_very_likely_weight", "20", "20"),
            ("duplicate_review_weight", "-2", "-2"),
            (
                "coding_validation",
                "inpatient, emergency,inpatient",
                "inpatient,emergency",
            ),
            ("coding_validation", "", ""),
            ("roi_due_days.attorney", "21", "21"),
            ("roi_due_days.court_order", "10", "10"),
            ("roi_fees.attorney", "30,1.25,$250", "30.00,1.25,250.00"),
            ("roi_labor_per_hour", "22.50", "22.50"),
            ("accounting_fee", "10", "10.00"),
            ("roi_output_dir", "/srv/him/releases", "/srv/him/releases"),
            ("roi_output_dir", "", ""),
        ] {
            let (_, new) = s.set(name, value).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(new, shown, "{name}");
            let listed = s.entries().into_iter().find(|(n, _)| n == name).unwrap();
            assert_eq!(listed.1, shown, "{name} in the list");
        }
        assert_eq!(roi::due_days(RequesterType::Attorney, &s.roi_due_days), 21);
        let fee = s
            .roi_fees
            .iter()
            .find(|f| f.requester == RequesterType::Attorney)
            .unwrap();
        assert_eq!(
            (fee.base_cents, fee.per_page_cents, fee.max_cents),
            (3_000, 125, 25_000)
        );
        assert_eq!(s.roi_labor_cents_per_hour, 2_250);
        assert_eq!(s.accounting_fee_cents, 1_000);
        // Every listed entry reads back unchanged.
        let before = s.clone();
        for (name, value) in before.entries() {
            s.set(&name, &value)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert_eq!(s, before);
    }

    #[test]
    fn bad_settings_are_refused_and_change_nothing() {
        let mut s = Settings::default();
        let before = s.clone();
        for (name, value, says) in [
            ("nonsense", "1", "no setting"),
            ("idle_timeout_minutes", "30", "within 15 minutes"),
            ("idle_timeout_minutes", "0", "from 1 to 15"),
            ("lockout_threshold", "ten", "whole number"),
            ("break_glass_minutes", "2", "from 5 to 480"),
            ("duplicate_review_weight", "40", "above the very-likely"),
            ("duplicate_very_likely_weight", "1", "below the review"),
            (
                "coding_validation",
                "inpatient,hospice",
                "not an encounter class",
            ),
            ("roi_due_days.patient", "60", "set by law"),
            ("roi_due_days.personal_representative", "60", "set by law"),
            ("roi_fees.patient", "1,1,1", "set by law"),
            ("roi_due_days.plumber", "5", "not a requester type"),
            ("roi_due_days.attorney", "0", "from 1 to 365"),
            ("roi_fees.insurer", "10,1", "three amounts"),
            ("roi_fees.insurer", "10,abc,0", "not an amount"),
            ("accounting_fee", "1.234", "not an amount"),
            ("roi_output_dir", "releases", "absolute"),
            ("organisation", "two\nlines", "one line"),
        ] {
            let e = s.set(name, value).unwrap_err();
            assert!(e.contains(says), "{name}={value}: {e}");
            assert_eq!(s, before, "{name} left unchanged");
        }
    }

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
