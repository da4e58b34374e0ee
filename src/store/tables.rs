//! Table definitions. Private to `store`: nothing outside names redb.

use redb::{MultimapTableDefinition, TableDefinition};

pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
pub const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
pub const PATIENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("patients");
/// Earlier versions of patient records: (mrn, version) -> the record as it was.
pub const PATIENT_HISTORY: TableDefinition<(&str, u64), &[u8]> =
    TableDefinition::new("patient_history");
pub const ENCOUNTERS: TableDefinition<&str, &[u8]> = TableDefinition::new("encounters");
pub const DOCUMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("documents");
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");
/// Each user's recently opened charts, newest first: user name -> list of MRNs.
pub const RECENT_PATIENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("recent_patients");
/// What patient search needs per patient (`domain::search::SearchKey`), kept in step with
/// `patients` and `encounters` in the same transactions, so the index loads without decoding
/// whole records.
pub const SEARCH_KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("search_keys");
/// The built patient index as bytes (`SearchIndex::to_snapshot`), in chunks: a cache that
/// makes start-up fast; `search_keys` stays the truth.
pub const SEARCH_SNAPSHOT: TableDefinition<u32, &[u8]> = TableDefinition::new("search_snapshot");
/// Search keys written since logging began: change number -> MRN. A snapshot at change
/// number G is brought up to date with the MRNs after G.
pub const SEARCH_CHANGES: TableDefinition<u64, &str> = TableDefinition::new("search_changes");

/// Possible duplicate pairs and their decisions: case id (`a~b`) -> `DuplicateCase`.
pub const DUPLICATE_CASES: TableDefinition<&str, &[u8]> = TableDefinition::new("duplicate_cases");
/// Merges as carried out (what moved), for undo: merge id -> `MergeRecord`.
pub const MERGES: TableDefinition<u64, &[u8]> = TableDefinition::new("merges");

/// Break-the-glass accesses by sequence number, and the latest one of each (user, patient).
pub const BREAK_GLASS: TableDefinition<u64, &[u8]> = TableDefinition::new("break_glass");
pub const BREAK_GLASS_LATEST: TableDefinition<(&str, &str), u64> =
    TableDefinition::new("break_glass_latest");
/// Amendment requests (45 CFR 164.526): id (`AMD-000001`) -> `AmendmentRequest`.
pub const AMENDMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("amendments");
/// A patient's amendment requests: MRN -> request id.
pub const AMENDMENTS_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("amendments_by_patient");
/// Requests naming a document as their target: document id -> request id. A document with an
/// accepted request is "amended"; the document itself is never rewritten.
pub const AMENDMENTS_BY_DOCUMENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("amendments_by_document");
/// The clinical summary's records (problems, allergies and "no known allergies",
/// medications, immunizations): item id (`PR000000001`, ...) -> `ClinicalItem`.
pub const CLINICAL_ITEMS: TableDefinition<&str, &[u8]> = TableDefinition::new("clinical_items");
/// A patient's clinical items: MRN -> item id. A merge moves the rows with the items.
pub const CLINICAL_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("clinical_by_patient");
/// Encounters' coding (issue 6): encounter id -> `CodingRecord` (status, assignee, the current
/// code list, history of every step). An encounter with no record is uncoded.
pub const CODING: TableDefinition<&str, &[u8]> = TableDefinition::new("coding");
/// Every saved code list, never overwritten: (encounter id, code-list version) ->
/// `CodeListVersion`.
pub const CODING_VERSIONS: TableDefinition<(&str, u64), &[u8]> =
    TableDefinition::new("coding_versions");
/// The coding queue: encounter id -> `QueueRow` for every discharged encounter that is not
/// final, kept in step with encounters, patients and coding records in their transactions.
pub const CODING_QUEUE: TableDefinition<&str, &[u8]> = TableDefinition::new("coding_queue");
/// Queue rows changed: change number (meta.coding_queue_gen) -> encounter id, so a copy of
/// the queue in memory catches up by reading only what changed.
pub const CODING_QUEUE_LOG: TableDefinition<u64, &str> = TableDefinition::new("coding_queue_log");
/// "Marked coded" steps by time, for productivity: (unix ms, encounter id) -> `CodedEvent`.
pub const CODING_CODED: TableDefinition<(i64, &str), &[u8]> = TableDefinition::new("coding_coded");
/// Physician queries by id (`Q-000001`).
pub const QUERIES: TableDefinition<&str, &[u8]> = TableDefinition::new("queries");
/// encounter id -> query ids.
pub const QUERIES_BY_ENCOUNTER: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("queries_by_encounter");
/// user name -> ids of the queries they sent or were asked.
pub const QUERIES_BY_USER: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("queries_by_user");
/// Release-of-information requests by id (`ROI-000001`).
pub const ROI_REQUESTS: TableDefinition<&str, &[u8]> = TableDefinition::new("roi_requests");
/// MRN -> request ids.
pub const ROI_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("roi_by_patient");
/// The accounting of disclosures: (id `DSC-000001`, version) -> `Disclosure`. Insert only: a
/// correction is a new version, the old ones stay.
pub const DISCLOSURES: TableDefinition<(&str, u64), &[u8]> = TableDefinition::new("disclosures");
/// MRN -> disclosure ids.
pub const DISCLOSURES_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("disclosures_by_patient");
/// Accountings given to patients: id (`ACC-000001`) -> `AccountingRecord`.
pub const ACCOUNTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("accountings");
pub const ACCOUNTINGS_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("accountings_by_patient");
pub const DUPLICATE_CASES_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("duplicate_cases_by_patient");
pub const ENCOUNTERS_BY_PATIENT: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("encounters_by_patient");
pub const DOCUMENTS_BY_ENCOUNTER: MultimapTableDefinition<&str, &str> =
    MultimapTableDefinition::new("documents_by_encounter");
pub const AUDIT_BY_PATIENT: MultimapTableDefinition<&str, u64> =
    MultimapTableDefinition::new("audit_by_patient");
pub const AUDIT_BY_USER: MultimapTableDefinition<&str, u64> =
    MultimapTableDefinition::new("audit_by_user");

/// Names used in error messages ("table patients, key 00000018").
pub mod names {
    pub const META: &str = "meta";
    pub const USERS: &str = "users";
    pub const PATIENTS: &str = "patients";
    pub const ENCOUNTERS: &str = "encounters";
    pub const DOCUMENTS: &str = "documents";
    pub const AUDIT: &str = "audit";
    pub const SEARCH_KEYS: &str = "search_keys";
    pub const SEARCH_SNAPSHOT: &str = "search_snapshot";
    pub const RECENT_PATIENTS: &str = "recent_patients";
    pub const DUPLICATE_CASES: &str = "duplicate_cases";
    pub const MERGES: &str = "merges";
    pub const BREAK_GLASS: &str = "break_glass";
    pub const AMENDMENTS: &str = "amendments";
    pub const CLINICAL_ITEMS: &str = "clinical_items";
    pub const CLINICAL_BY_PATIENT: &str = "clinical_by_patient";
    pub const CODING: &str = "coding";
    pub const CODING_VERSIONS: &str = "coding_versions";
    pub const CODING_QUEUE: &str = "coding_queue";
    pub const CODING_CODED: &str = "coding_coded";
    pub const QUERIES: &str = "queries";
    pub const ROI_REQUESTS: &str = "roi_requests";
    pub const DISCLOSURES: &str = "disclosures";
    pub const ACCOUNTINGS: &str = "accountings";
}

/// Meta keys.
pub mod meta {
    pub const SCHEMA_VERSION: &str = "schema_version";
    pub const SETTINGS: &str = "settings";
    pub const AUDIT_HEAD: &str = "audit_head";
    pub const MRN_SEQ: &str = "mrn_seq";
    pub const ENCOUNTER_SEQ: &str = "encounter_seq";
    pub const DOCUMENT_SEQ: &str = "document_seq";
    pub const CREATED_AT: &str = "created_at";
    pub const MERGE_SEQ: &str = "merge_seq";
    pub const BREAK_GLASS_SEQ: &str = "break_glass_seq";
    pub const AMENDMENT_SEQ: &str = "amendment_seq";
    pub const CLINICAL_SEQ: &str = "clinical_seq";
    pub const QUERY_SEQ: &str = "query_seq";
    pub const ROI_SEQ: &str = "roi_seq";
    pub const DISCLOSURE_SEQ: &str = "disclosure_seq";
    pub const ACCOUNTING_SEQ: &str = "accounting_seq";
    /// The last change number in `coding_queue_log`.
    pub const CODING_QUEUE_GEN: &str = "coding_queue_gen";
    /// The last change number in `search_changes`; absent until a snapshot is first made.
    pub const SEARCH_LOG: &str = "search_log";
}
