//! The tamper-evident audit trail (45 CFR 164.312(b)). Each entry records the SHA-256 of the
//! stored bytes of the entry before it, so changing, removing or reordering any entry breaks the
//! chain at a place `chartroom audit verify` can name.

use super::role::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    DatabaseCreated,
    DataSeeded,
    Login,
    LoginFailed,
    Lockout,
    Logout,
    IdleLogoff,
    PasswordChanged,
    PasswordReset,
    UserCreated,
    UserLocked,
    UserUnlocked,
    UserDeactivated,
    UserReactivated,
    ScreenOpened,
    ScreenDenied,
    OperationDenied,
    ChartOpened,
    PatientRegistered,
    AuditViewed,
    SettingsChanged,
    PatientSearch,
    DuplicateScan,
    DuplicateListViewed,
    DuplicateReviewed,
    DuplicateDecided,
    PatientsMerged,
    MergeUndone,
    DemographicsChanged,
    DemographicHistoryViewed,
    BreakGlass,
    BreakGlassReviewed,
    BreakGlassListViewed,
    SensitivityChanged,
    LegalHoldPlaced,
    LegalHoldReleased,
    DocumentViewed,
    AccessLogViewed,
    AmendmentLogged,
    AmendmentExtended,
    AmendmentDecided,
    AmendmentStatementAdded,
    AmendmentsViewed,
    /// A step of an encounter's coding (claim, hold, mark coded, validate, assign, ...).
    CodingChanged,
    /// A code list saved as a new version.
    CodesSaved,
    CodingViewed,
    CodingQueueViewed,
    /// Backlog, productivity or the DNFB list.
    CodingReportViewed,
    /// A physician query sent, answered, withdrawn; the lists of them read.
    QuerySent,
    QueryAnswered,
    QueryWithdrawn,
    QueriesViewed,
    /// Release of information: a request logged, a step on it, its release (packet written,
    /// disclosure recorded), the desk's list or one request read.
    RoiLogged,
    RoiChanged,
    RoiReleased,
    RoiViewed,
    /// The accounting of disclosures: an entry recorded by hand, a correction (a new
    /// version), the chart's list read, an accounting given to the patient.
    DisclosureRecorded,
    DisclosureCorrected,
    DisclosuresViewed,
    AccountingProvided,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::DatabaseCreated => "database_created",
            AuditAction::DataSeeded => "data_seeded",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Lockout => "lockout",
            AuditAction::Logout => "logout",
            AuditAction::IdleLogoff => "idle_logoff",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserLocked => "user_locked",
            AuditAction::UserUnlocked => "user_unlocked",
            AuditAction::UserDeactivated => "user_deactivated",
            AuditAction::UserReactivated => "user_reactivated",
            AuditAction::ScreenOpened => "screen_opened",
            AuditAction::ScreenDenied => "screen_denied",
            AuditAction::OperationDenied => "operation_denied",
            AuditAction::ChartOpened => "chart_opened",
            AuditAction::PatientRegistered => "patient_registered",
            AuditAction::AuditViewed => "audit_viewed",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::PatientSearch => "patient_search",
            AuditAction::DuplicateScan => "duplicate_scan",
            AuditAction::DuplicateListViewed => "duplicate_list_viewed",
            AuditAction::DuplicateReviewed => "duplicate_reviewed",
            AuditAction::DuplicateDecided => "duplicate_decided",
            AuditAction::PatientsMerged => "patients_merged",
            AuditAction::MergeUndone => "merge_undone",
            AuditAction::DemographicsChanged => "demographics_changed",
            AuditAction::DemographicHistoryViewed => "demographic_history_viewed",
            AuditAction::BreakGlass => "break_glass",
            AuditAction::BreakGlassReviewed => "break_glass_reviewed",
            AuditAction::BreakGlassListViewed => "break_glass_list_viewed",
            AuditAction::SensitivityChanged => "sensitivity_changed",
            AuditAction::LegalHoldPlaced => "legal_hold_placed",
            AuditAction::LegalHoldReleased => "legal_hold_released",
            AuditAction::DocumentViewed => "document_viewed",
            AuditAction::AccessLogViewed => "access_log_viewed",
            AuditAction::AmendmentLogged => "amendment_logged",
            AuditAction::AmendmentExtended => "amendment_extended",
            AuditAction::AmendmentDecided => "amendment_decided",
            AuditAction::AmendmentStatementAdded => "amendment_statement_added",
            AuditAction::AmendmentsViewed => "amendments_viewed",
            AuditAction::CodingChanged => "coding_changed",
            AuditAction::CodesSaved => "codes_saved",
            AuditAction::CodingViewed => "coding_viewed",
            AuditAction::CodingQueueViewed => "coding_queue_viewed",
            AuditAction::CodingReportViewed => "coding_report_viewed",
            AuditAction::QuerySent => "query_sent",
            AuditAction::QueryAnswered => "query_answered",
            AuditAction::QueryWithdrawn => "query_withdrawn",
            AuditAction::QueriesViewed => "queries_viewed",
            AuditAction::RoiLogged => "roi_logged",
            AuditAction::RoiChanged => "roi_changed",
            AuditAction::RoiReleased => "roi_released",
            AuditAction::RoiViewed => "roi_viewed",
            AuditAction::DisclosureRecorded => "disclosure_recorded",
            AuditAction::DisclosureCorrected => "disclosure_corrected",
            AuditAction::DisclosuresViewed => "disclosures_viewed",
            AuditAction::AccountingProvided => "accounting_provided",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

/// What the service asks to record; the store adds sequence number and chain hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub user: String,
    pub roles: Vec<Role>,
    pub action: AuditAction,
    pub patient: Option<String>,
    pub outcome: Outcome,
    /// Why, in words: the screen denied, the reason given, the failure cause. Never a password.
    pub reason: String,
    /// The Unix user of the connecting process, when known (multi-user mode).
    #[serde(default)]
    pub peer: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub event: AuditEvent,
    pub prev_hash: String,
}

/// SHA-256 of an entry's stored bytes, as lowercase hex.
pub fn entry_hash(stored: &[u8]) -> String {
    hex::encode(Sha256::digest(stored))
}

/// Where the chain first breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    /// The first entry that is not as it was written (or the first missing one).
    pub seq: u64,
    pub problem: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSummary {
    pub entries: u64,
    pub head_hash: String,
}

/// Walks the chain in key order; feed it every stored entry, then `finish` with the recorded head.
///
/// A broken link between entries k-1 and k means either k-1's bytes changed or k's recorded
/// link did. The next link decides: if it breaks too, entry k itself was changed; if it holds,
/// k is intact and k-1 was changed. The head record plays "the next link" for the last entry.
pub struct ChainCheck {
    next_seq: u64,
    prev_hash: String,
    /// The first link found broken (the sequence number of the entry it leads into).
    broken_link: Option<u64>,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            broken_link: None,
        }
    }
}

fn changed(seq: u64) -> ChainBreak {
    ChainBreak {
        seq,
        problem: format!("entry {seq} was changed after it was written"),
    }
}

impl ChainCheck {
    /// `key` is the table key, `stored` the bytes as stored, `entry` their decoding (or None
    /// when they do not decode).
    pub fn push(
        &mut self,
        key: u64,
        stored: &[u8],
        entry: Option<&AuditEntry>,
    ) -> Result<(), ChainBreak> {
        if key != self.next_seq {
            let seq = self.next_seq;
            return Err(ChainBreak {
                seq,
                problem: if key > seq {
                    format!("entry {seq} is missing (the next stored entry is {key})")
                } else {
                    format!("entry {key} appears again after entry {}", seq - 1)
                },
            });
        }
        let Some(entry) = entry else {
            return Err(ChainBreak {
                seq: key,
                problem: format!("entry {key} cannot be decoded: its bytes were changed"),
            });
        };
        if entry.seq != key {
            return Err(ChainBreak {
                seq: key,
                problem: format!(
                    "the entry stored as {key} says it is entry {}: entries were moved or reordered",
                    entry.seq
                ),
            });
        }
        let link_ok = entry.prev_hash == self.prev_hash;
        if let Some(k) = self.broken_link {
            return Err(if link_ok {
                changed(k.saturating_sub(1).max(1))
            } else {
                changed(k)
            });
        }
        if !link_ok {
            self.broken_link = Some(key);
        }
        self.prev_hash = entry_hash(stored);
        self.next_seq = key + 1;
        Ok(())
    }

    /// `head` is the (count, hash) the database recorded with the last append.
    pub fn finish(self, head: Option<(u64, String)>) -> Result<ChainSummary, ChainBreak> {
        let count = self.next_seq - 1;
        let head_hash_ok = head.as_ref().is_some_and(|(_, h)| *h == self.prev_hash);
        if let Some(k) = self.broken_link {
            return Err(if head_hash_ok {
                changed(k.saturating_sub(1).max(1))
            } else {
                changed(k)
            });
        }
        match head {
            Some((head_count, _)) if head_count > count => Err(ChainBreak {
                seq: count + 1,
                problem: format!(
                    "entries {} to {head_count} are missing from the end of the log",
                    count + 1
                ),
            }),
            Some((head_count, _)) if head_count < count => Err(ChainBreak {
                seq: head_count + 1,
                problem: format!(
                    "entry {} was added outside chartroom (the log head says {head_count})",
                    head_count + 1
                ),
            }),
            Some(_) if count > 0 && !head_hash_ok => Err(changed(count)),
            None if count > 0 => Err(ChainBreak {
                seq: 1,
                problem: "the log head record is missing".into(),
            }),
            _ => Ok(ChainSummary {
                entries: count,
                head_hash: self.prev_hash,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<(u64, Vec<u8>, AuditEntry)> {
        let mut prev = GENESIS_HASH.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let entry = AuditEntry {
                seq,
                event: AuditEvent {
                    at: DateTime::from_timestamp(1_700_000_000 + seq as i64, 0).unwrap(),
                    user: format!("user{seq}"),
                    roles: vec![Role::Coder],
                    action: AuditAction::Login,
                    patient: None,
                    outcome: Outcome::Success,
                    reason: String::new(),
                    peer: None,
                },
                prev_hash: prev.clone(),
            };
            let bytes = serde_json::to_vec(&entry).unwrap();
            prev = entry_hash(&bytes);
            out.push((seq, bytes, entry));
        }
        out
    }

    fn verify(
        entries: &[(u64, Vec<u8>, AuditEntry)],
        head: Option<(u64, String)>,
    ) -> Result<ChainSummary, ChainBreak> {
        let mut c = ChainCheck::default();
        for (k, b, e) in entries {
            let decoded: Option<AuditEntry> = serde_json::from_slice(b).ok();
            let _ = e;
            c.push(*k, b, decoded.as_ref())?;
        }
        c.finish(head)
    }

    fn head(entries: &[(u64, Vec<u8>, AuditEntry)]) -> Option<(u64, String)> {
        entries.last().map(|(k, b, _)| (*k, entry_hash(b)))
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let s = verify(&c, head(&c)).unwrap();
        assert_eq!(s.entries, 5);
        assert_eq!(verify(&[], None).unwrap().entries, 0);
    }

    #[test]
    fn each_kind_of_tampering_names_the_first_bad_entry() {
        let c = chain(6);
        let h = head(&c);

        // changed content of entry 3
        let mut t = c.clone();
        t[2].1 = String::from_utf8(t[2].1.clone())
            .unwrap()
            .replace("user3", "userX")
            .into_bytes();
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 3);

        // entry 4 removed
        let mut t = c.clone();
        t.remove(3);
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 4);

        // entries 2 and 3 swapped in place
        let mut t = c.clone();
        let (b2, b3) = (t[1].1.clone(), t[2].1.clone());
        t[1].1 = b3;
        t[2].1 = b2;
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 2);

        // last entry changed
        let mut t = c.clone();
        t[5].1 = String::from_utf8(t[5].1.clone())
            .unwrap()
            .replace("user6", "userY")
            .into_bytes();
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 6);

        // last entry removed
        let mut t = c.clone();
        t.pop();
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 6);

        // only entry 4's recorded link changed: entry 4 is named, not entry 3
        let mut t = c.clone();
        let mut e4 = t[3].2.clone();
        e4.prev_hash = GENESIS_HASH.to_string();
        t[3].1 = serde_json::to_vec(&e4).unwrap();
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 4);

        // the last entry's link changed
        let mut t = c.clone();
        let mut e6 = t[5].2.clone();
        e6.prev_hash = GENESIS_HASH.to_string();
        t[5].1 = serde_json::to_vec(&e6).unwrap();
        assert_eq!(verify(&t, h.clone()).unwrap_err().seq, 6);

        // garbage bytes
        let mut t = c.clone();
        t[0].1 = b"garbage".to_vec();
        assert_eq!(verify(&t, h).unwrap_err().seq, 1);
    }
}
