//! Typed access inside one transaction. The service composes these calls so that a change and
//! its audit entry commit together or not at all.

use super::tables::{self, meta, names};
use super::{StoreError, codec};
use crate::domain::audit::{
    AuditEntry, AuditEvent, ChainBreak, ChainCheck, ChainSummary, GENESIS_HASH, entry_hash,
};
use crate::domain::search::SearchKey;
use crate::domain::{Document, Encounter, Patient, Sensitivity, Settings, User};
use crate::policy::{Grant, Permission, Resource};
use chrono::{DateTime, Utc};
use redb::{ReadableMultimapTable, ReadableTable, ReadableTableMetadata};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How many recent patients each user keeps.
pub const RECENT_LIMIT: usize = 20;

/// A record that two people can edit.
pub trait Versioned {
    fn version(&self) -> u64;
    fn set_version(&mut self, v: u64);
    /// Who wrote the current version and when, for the conflict message.
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)>;
}

impl Versioned for User {
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, v: u64) {
        self.version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        None
    }
}

impl Versioned for Patient {
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, v: u64) {
        self.version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        Some((self.updated_by.clone(), self.updated_at))
    }
}

impl Versioned for Encounter {
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, v: u64) {
        self.version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        None
    }
}

/// Whether a grant decided for `grant.resource()` opens an encounter of a chart: an
/// ordinary grant does not open a sensitive encounter (its content is withheld or refused).
pub(super) fn covers_encounter(grant: &Grant, encounter: Option<Sensitivity>) -> bool {
    encounter.is_none() || grant.resource() == Resource::Sensitive
}

pub(super) fn get_str<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &str,
    key: &str,
) -> Result<Option<T>, StoreError> {
    match table.get(key)? {
        Some(v) => codec::decode(name, key, v.value()).map(Some),
        None => Ok(None),
    }
}

pub(super) fn all_str<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &str,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for row in table.iter()? {
        let (k, v) = row?;
        out.push(codec::decode(name, k.value(), v.value())?);
    }
    Ok(out)
}

fn audit_head(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Option<(u64, String)>, StoreError> {
    get_str(table, names::META, meta::AUDIT_HEAD)
}

/// Walks the whole audit table; see [`ChainCheck`].
fn verify_chain(
    audit: &impl ReadableTable<u64, &'static [u8]>,
    head: Option<(u64, String)>,
) -> Result<Result<ChainSummary, ChainBreak>, StoreError> {
    let mut check = ChainCheck::default();
    for row in audit.iter()? {
        let (k, v) = row?;
        let key = k.value();
        let bytes = v.value();
        let entry: Option<AuditEntry> = codec::decode(names::AUDIT, &key.to_string(), bytes).ok();
        if let Err(b) = check.push(key, bytes, entry.as_ref()) {
            return Ok(Err(b));
        }
    }
    Ok(check.finish(head))
}

fn audit_range(
    audit: &impl ReadableTable<u64, &'static [u8]>,
    from_seq: u64,
    limit: usize,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut out = Vec::new();
    for row in audit.range(from_seq..)?.take(limit) {
        let (k, v) = row?;
        out.push(codec::decode(
            names::AUDIT,
            &k.value().to_string(),
            v.value(),
        )?);
    }
    Ok(out)
}

/// Grants that let a caller read a patient's demographics.
const DEMOGRAPHIC_GRANTS: [Permission; 3] = [
    Permission::ViewDemographics,
    Permission::EditDemographics,
    Permission::UseChart,
];

/// A sensitive record opens only with a grant decided for a sensitive record (after
/// break-the-glass, or for compliance); an ordinary grant is not enough.
pub(super) fn require_for(
    grant: &Grant,
    sensitivity: Option<Sensitivity>,
) -> Result<(), StoreError> {
    match (sensitivity, grant.resource()) {
        (Some(_), Resource::Ordinary) => Err(StoreError::NotGranted),
        _ => Ok(()),
    }
}

pub(super) fn require(grant: &Grant, any_of: &[Permission]) -> Result<(), StoreError> {
    if any_of.iter().any(|p| grant.covers(*p)) {
        Ok(())
    } else {
        Err(StoreError::NotGranted)
    }
}

pub struct WriteTx {
    pub(super) tx: redb::WriteTransaction,
}

impl WriteTx {
    pub(super) fn new(tx: redb::WriteTransaction) -> Self {
        WriteTx { tx }
    }

    pub(super) fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit()?)
    }

    pub(super) fn create_all_tables(&mut self) -> Result<(), StoreError> {
        self.tx.open_table(tables::META)?;
        self.tx.open_table(tables::USERS)?;
        self.tx.open_table(tables::PATIENTS)?;
        self.tx.open_table(tables::PATIENT_HISTORY)?;
        self.tx.open_table(tables::ENCOUNTERS)?;
        self.tx.open_table(tables::DOCUMENTS)?;
        self.tx.open_table(tables::AUDIT)?;
        self.tx.open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?;
        self.tx
            .open_multimap_table(tables::DOCUMENTS_BY_ENCOUNTER)?;
        self.tx.open_multimap_table(tables::AUDIT_BY_PATIENT)?;
        self.tx.open_multimap_table(tables::AUDIT_BY_USER)?;
        self.tx.open_table(tables::SEARCH_KEYS)?;
        self.tx.open_table(tables::SEARCH_SNAPSHOT)?;
        self.tx.open_table(tables::SEARCH_CHANGES)?;
        self.tx.open_table(tables::RECENT_PATIENTS)?;
        self.tx.open_table(tables::DUPLICATE_CASES)?;
        self.tx.open_table(tables::MERGES)?;
        self.tx.open_table(tables::BREAK_GLASS)?;
        self.tx.open_table(tables::BREAK_GLASS_LATEST)?;
        self.tx
            .open_multimap_table(tables::DUPLICATE_CASES_BY_PATIENT)?;
        self.tx.open_table(tables::AMENDMENTS)?;
        self.tx.open_multimap_table(tables::AMENDMENTS_BY_PATIENT)?;
        self.tx
            .open_multimap_table(tables::AMENDMENTS_BY_DOCUMENT)?;
        self.tx.open_table(tables::CLINICAL_ITEMS)?;
        self.tx.open_multimap_table(tables::CLINICAL_BY_PATIENT)?;
        self.tx.open_table(tables::CODING)?;
        self.tx.open_table(tables::CODING_VERSIONS)?;
        self.tx.open_table(tables::CODING_QUEUE)?;
        self.tx.open_table(tables::CODING_QUEUE_LOG)?;
        self.tx.open_table(tables::CODING_CODED)?;
        self.tx.open_table(tables::QUERIES)?;
        self.tx.open_multimap_table(tables::QUERIES_BY_ENCOUNTER)?;
        self.tx.open_multimap_table(tables::QUERIES_BY_USER)?;
        self.tx.open_table(tables::ROI_REQUESTS)?;
        self.tx.open_multimap_table(tables::ROI_BY_PATIENT)?;
        self.tx.open_table(tables::DISCLOSURES)?;
        self.tx
            .open_multimap_table(tables::DISCLOSURES_BY_PATIENT)?;
        self.tx.open_table(tables::ACCOUNTINGS)?;
        self.tx
            .open_multimap_table(tables::ACCOUNTINGS_BY_PATIENT)?;
        Ok(())
    }

    pub fn get_meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        get_str(&self.tx.open_table(tables::META)?, names::META, key)
    }

    pub fn put_meta<T: Serialize>(&mut self, key: &str, value: &T) -> Result<(), StoreError> {
        let bytes = codec::encode(value)?;
        self.tx
            .open_table(tables::META)?
            .insert(key, bytes.as_slice())?;
        Ok(())
    }

    pub fn settings(&self) -> Result<Settings, StoreError> {
        Ok(self.get_meta(meta::SETTINGS)?.unwrap_or_default())
    }

    pub fn put_settings(&mut self, s: &Settings) -> Result<(), StoreError> {
        self.put_meta(meta::SETTINGS, s)
    }

    /// Next value of a counter kept in `meta` (MRNs, encounter and document ids).
    pub(super) fn next_seq(&mut self, key: &str) -> Result<u64, StoreError> {
        let n: u64 = self.get_meta(key)?.unwrap_or(0) + 1;
        self.put_meta(key, &n)?;
        Ok(n)
    }

    pub fn next_mrn_seq(&mut self) -> Result<u64, StoreError> {
        self.next_seq(meta::MRN_SEQ)
    }
    pub fn next_encounter_id(&mut self) -> Result<String, StoreError> {
        Ok(format!("E{:09}", self.next_seq(meta::ENCOUNTER_SEQ)?))
    }
    pub fn next_document_id(&mut self) -> Result<String, StoreError> {
        Ok(format!("D{:09}", self.next_seq(meta::DOCUMENT_SEQ)?))
    }

    // ---- users -------------------------------------------------------------------------

    pub fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        get_str(&self.tx.open_table(tables::USERS)?, names::USERS, username)
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        all_str(&self.tx.open_table(tables::USERS)?, names::USERS)
    }

    /// Writes `user` if the stored version is `expected` (None: the user must not exist yet).
    pub fn put_user(&mut self, user: &mut User, expected: Option<u64>) -> Result<(), StoreError> {
        let current = self.user(&user.username)?;
        check_version(names::USERS, &user.username, current.as_ref(), expected)?;
        user.set_version(expected.unwrap_or(0) + 1);
        let bytes = codec::encode(user)?;
        self.tx
            .open_table(tables::USERS)?
            .insert(user.username.as_str(), bytes.as_slice())?;
        Ok(())
    }

    // ---- patients ----------------------------------------------------------------------

    /// Whether a patient exists and how sensitive the chart is: what the policy needs before
    /// any protected information is read.
    pub fn patient_sensitivity(
        &self,
        mrn: &str,
    ) -> Result<Option<Option<Sensitivity>>, StoreError> {
        let p: Option<Patient> =
            get_str(&self.tx.open_table(tables::PATIENTS)?, names::PATIENTS, mrn)?;
        Ok(p.map(|p| p.sensitivity))
    }

    pub fn patient(&self, grant: &Grant, mrn: &str) -> Result<Option<Patient>, StoreError> {
        require(grant, &DEMOGRAPHIC_GRANTS)?;
        let p: Option<Patient> =
            get_str(&self.tx.open_table(tables::PATIENTS)?, names::PATIENTS, mrn)?;
        if let Some(p) = &p {
            require_for(grant, p.sensitivity)?;
        }
        Ok(p)
    }

    /// Inserts a new patient or a new version of one; earlier versions go to history.
    /// Returns the search key written with it.
    pub fn put_patient(
        &mut self,
        p: &mut Patient,
        expected: Option<u64>,
    ) -> Result<SearchKey, StoreError> {
        let mut table = self.tx.open_table(tables::PATIENTS)?;
        let current: Option<Patient> = get_str(&table, names::PATIENTS, &p.mrn)?;
        check_version(names::PATIENTS, &p.mrn, current.as_ref(), expected)?;
        if let Some(old) = &current {
            let old_bytes = codec::encode(old)?;
            self.tx
                .open_table(tables::PATIENT_HISTORY)?
                .insert((p.mrn.as_str(), old.version), old_bytes.as_slice())?;
        }
        p.set_version(expected.unwrap_or(0) + 1);
        let bytes = codec::encode(p)?;
        table.insert(p.mrn.as_str(), bytes.as_slice())?;
        drop(table);
        // What the search key knows beyond the patient record carries over.
        let old = self.search_key(&p.mrn)?;
        let mut key = SearchKey::from_patient(p, old.as_ref().and_then(|k| k.last_visit));
        key.possible_duplicate = old.is_some_and(|k| k.possible_duplicate);
        self.put_search_key(&key)?;
        // The coding queue shows the patient's name and whether the chart is restricted.
        self.sync_patient_coding_queue(&p.mrn)?;
        Ok(key)
    }

    /// Every version of a patient, newest first (the current one, then history).
    pub fn patient_versions(&self, grant: &Grant, mrn: &str) -> Result<Vec<Patient>, StoreError> {
        let Some(current) = self.patient(grant, mrn)? else {
            return Err(StoreError::NotFound {
                what: format!("patient {mrn}"),
            });
        };
        let mut out = vec![current];
        let history = self.tx.open_table(tables::PATIENT_HISTORY)?;
        for row in history.range((mrn, 0)..=(mrn, u64::MAX))?.rev() {
            let (k, v) = row?;
            let (m, version) = k.value();
            out.push(codec::decode(
                "patient_history",
                &format!("{m} v{version}"),
                v.value(),
            )?);
        }
        Ok(out)
    }

    pub fn put_encounter(&mut self, e: &Encounter) -> Result<(), StoreError> {
        let bytes = codec::encode(e)?;
        self.tx
            .open_table(tables::ENCOUNTERS)?
            .insert(e.id.as_str(), bytes.as_slice())?;
        self.tx
            .open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?
            .insert(e.mrn.as_str(), e.id.as_str())?;
        // Recent activity ranks search results: keep the patient's last visit current.
        let visit = e.discharged.unwrap_or(e.admitted);
        if let Some(mut key) = self.search_key(&e.mrn)?
            && key.last_visit.is_none_or(|v| v < visit)
        {
            key.last_visit = Some(visit);
            self.put_search_key(&key)?;
        }
        // A discharged encounter enters the coding queue (and a changed one updates its row).
        self.sync_coding_queue_for(e)
    }

    /// Puts `mrn` at the top of `username`'s recent patients (at most [`RECENT_LIMIT`]).
    pub fn note_recent_patient(&mut self, username: &str, mrn: &str) -> Result<(), StoreError> {
        let mut t = self.tx.open_table(tables::RECENT_PATIENTS)?;
        let mut list: Vec<String> =
            get_str(&t, names::RECENT_PATIENTS, username)?.unwrap_or_default();
        list.retain(|m| m != mrn);
        list.insert(0, mrn.to_string());
        list.truncate(RECENT_LIMIT);
        let bytes = codec::encode(&list)?;
        t.insert(username, bytes.as_slice())?;
        Ok(())
    }

    pub(super) fn search_key(&self, mrn: &str) -> Result<Option<SearchKey>, StoreError> {
        get_str(
            &self.tx.open_table(tables::SEARCH_KEYS)?,
            names::SEARCH_KEYS,
            mrn,
        )
    }

    pub(super) fn put_search_key(&mut self, key: &SearchKey) -> Result<(), StoreError> {
        let bytes = codec::encode(key)?;
        self.tx
            .open_table(tables::SEARCH_KEYS)?
            .insert(key.mrn.as_str(), bytes.as_slice())?;
        self.log_search_change(&key.mrn)
    }

    /// Rebuilds every search key from the patients and their encounters (migration to
    /// schema 2, and repair).
    pub(super) fn rebuild_search_keys(&mut self) -> Result<u64, StoreError> {
        let mut last_visit: std::collections::HashMap<String, chrono::NaiveDate> =
            std::collections::HashMap::new();
        for row in self.tx.open_table(tables::ENCOUNTERS)?.iter()? {
            let (k, v) = row?;
            let e: Encounter = codec::decode(names::ENCOUNTERS, k.value(), v.value())?;
            let visit = e.discharged.unwrap_or(e.admitted);
            let slot = last_visit.entry(e.mrn).or_insert(visit);
            *slot = (*slot).max(visit);
        }
        let mut keys = Vec::new();
        for row in self.tx.open_table(tables::PATIENTS)?.iter()? {
            let (k, v) = row?;
            let p: Patient = codec::decode(names::PATIENTS, k.value(), v.value())?;
            let lv = last_visit.get(&p.mrn).copied();
            keys.push(SearchKey::from_patient(&p, lv));
        }
        for k in &keys {
            self.put_search_key(k)?;
        }
        Ok(keys.len() as u64)
    }

    /// The chart's encounters; a sensitive encounter the grant does not open comes back
    /// [`Encounter::withheld`] (dates and class only).
    pub fn encounters_for(&self, grant: &Grant, mrn: &str) -> Result<Vec<Encounter>, StoreError> {
        Ok(self
            .encounters_shown(grant, mrn)?
            .into_iter()
            .map(|(e, _)| e)
            .collect())
    }

    /// [`Self::encounters_for`], each with whether it was withheld.
    pub fn encounters_shown(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<Vec<(Encounter, bool)>, StoreError> {
        Ok(self
            .raw_encounters(grant, mrn)?
            .into_iter()
            .map(|e| {
                if covers_encounter(grant, e.sensitivity) {
                    (e, false)
                } else {
                    (e.withheld(), true)
                }
            })
            .collect())
    }

    fn raw_encounters(&self, grant: &Grant, mrn: &str) -> Result<Vec<Encounter>, StoreError> {
        require(grant, &[Permission::ViewEncounters, Permission::UseChart])?;
        require_for(grant, self.patient_sensitivity(mrn)?.flatten())?;
        self.stored_encounters(mrn)
    }

    /// A patient's encounters as stored, for the reads above to decide on; an index row
    /// naming an encounter that is not there is corruption, named.
    pub(super) fn stored_encounters(&self, mrn: &str) -> Result<Vec<Encounter>, StoreError> {
        let index = self.tx.open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?;
        let table = self.tx.open_table(tables::ENCOUNTERS)?;
        let mut out = Vec::new();
        for id in index.get(mrn)? {
            let id = id?;
            let key = id.value();
            match get_str(&table, names::ENCOUNTERS, key)? {
                Some(e) => out.push(e),
                None => {
                    return Err(StoreError::Corrupt {
                        table: "encounters_by_patient".into(),
                        key: format!("{mrn} -> {key}"),
                        detail: "index names an encounter that does not exist".into(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// One encounter, for operations that name it (compliance's flag). Needs a grant to see
    /// encounters that opens the chart and the encounter as sensitive as they are.
    pub fn encounter(&self, grant: &Grant, id: &str) -> Result<Option<Encounter>, StoreError> {
        require(grant, &[Permission::ViewEncounters])?;
        let e: Option<Encounter> = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            id,
        )?;
        if let Some(e) = &e {
            require_for(grant, self.patient_sensitivity(&e.mrn)?.flatten())?;
            if !covers_encounter(grant, e.sensitivity) {
                return Err(StoreError::NotGranted);
            }
        }
        Ok(e)
    }

    /// Writes a changed encounter if the stored version is `expected`; a stale one is a
    /// `Conflict`. The patient never changes here (merges move encounters).
    pub fn put_encounter_version(
        &mut self,
        e: &mut Encounter,
        expected: u64,
    ) -> Result<(), StoreError> {
        let current: Option<Encounter> = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            &e.id,
        )?;
        check_version(names::ENCOUNTERS, &e.id, current.as_ref(), Some(expected))?;
        if current.as_ref().is_some_and(|c| c.mrn != e.mrn) {
            return Err(StoreError::Internal(format!(
                "encounter {} cannot change its patient here",
                e.id
            )));
        }
        e.set_version(expected + 1);
        self.put_encounter(e)
    }

    /// The sensitivity flags of a chart's encounters (no protected content: what the policy
    /// needs, like [`Self::patient_sensitivity`]), in encounter id order.
    pub fn encounter_flags(&self, mrn: &str) -> Result<Vec<(String, Sensitivity)>, StoreError> {
        Ok(self
            .stored_encounters(mrn)?
            .into_iter()
            .filter_map(|e| e.sensitivity.map(|s| (e.id, s)))
            .collect())
    }

    /// Which patient an encounter belongs to and its flag, without its content. `None` when
    /// there is no such encounter.
    pub fn encounter_place(
        &self,
        id: &str,
    ) -> Result<Option<(String, Option<Sensitivity>)>, StoreError> {
        let e: Option<Encounter> = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            id,
        )?;
        Ok(e.map(|e| (e.mrn, e.sensitivity)))
    }

    /// The flag of the encounter a document belongs to (what the policy needs before its
    /// text is read).
    fn document_encounter_flag(&self, d: &Document) -> Result<Option<Sensitivity>, StoreError> {
        let e: Option<Encounter> = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            &d.encounter_id,
        )?;
        match e {
            Some(e) => Ok(e.sensitivity),
            None => Err(StoreError::Corrupt {
                table: names::DOCUMENTS.into(),
                key: d.id.clone(),
                detail: format!("names encounter {} that does not exist", d.encounter_id),
            }),
        }
    }

    /// Where a document is filed, without its content: (patient, encounter, the encounter's
    /// flag). `None` when there is no such document.
    pub fn document_place(
        &self,
        id: &str,
    ) -> Result<Option<(String, String, Option<Sensitivity>)>, StoreError> {
        let d: Option<Document> = get_str(
            &self.tx.open_table(tables::DOCUMENTS)?,
            names::DOCUMENTS,
            id,
        )?;
        match d {
            Some(d) => {
                let flag = self.document_encounter_flag(&d)?;
                Ok(Some((d.mrn, d.encounter_id, flag)))
            }
            None => Ok(None),
        }
    }

    pub fn put_document(&mut self, d: &Document) -> Result<(), StoreError> {
        let bytes = codec::encode(d)?;
        self.tx
            .open_table(tables::DOCUMENTS)?
            .insert(d.id.as_str(), bytes.as_slice())?;
        self.tx
            .open_multimap_table(tables::DOCUMENTS_BY_ENCOUNTER)?
            .insert(d.encounter_id.as_str(), d.id.as_str())?;
        Ok(())
    }

    /// The patient's documents without their text (the chart's list): a grant to see
    /// encounters is enough, clinical-text rights are not needed.
    pub fn document_list(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<Vec<crate::domain::patient::DocumentInfo>, StoreError> {
        require(grant, &[Permission::ViewEncounters])?;
        require_for(grant, self.patient_sensitivity(mrn)?.flatten())?;
        let by_patient = self.tx.open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?;
        let by_encounter = self
            .tx
            .open_multimap_table(tables::DOCUMENTS_BY_ENCOUNTER)?;
        let table = self.tx.open_table(tables::DOCUMENTS)?;
        let encounters = self.tx.open_table(tables::ENCOUNTERS)?;
        let mut out = Vec::new();
        for enc in by_patient.get(mrn)? {
            let enc = enc?;
            let enc_id = enc.value();
            let flag = get_str::<Encounter>(&encounters, names::ENCOUNTERS, enc_id)?
                .ok_or_else(|| StoreError::Corrupt {
                    table: "encounters_by_patient".into(),
                    key: format!("{mrn} -> {enc_id}"),
                    detail: "index names an encounter that does not exist".into(),
                })?
                .sensitivity;
            // Minimum necessary and Part 2: the list of a restricted encounter's documents
            // says neither what they are nor who wrote them.
            let open = covers_encounter(grant, flag);
            for id in by_encounter.get(enc_id)? {
                let id = id?;
                if let Some(d) = get_str::<Document>(&table, names::DOCUMENTS, id.value())? {
                    out.push(if open {
                        crate::domain::patient::DocumentInfo {
                            lines: d.text.lines().count(),
                            id: d.id,
                            encounter_id: d.encounter_id,
                            kind: d.kind,
                            author: d.author,
                            written: d.written,
                            restricted: false,
                            amended_by: None,
                        }
                    } else {
                        crate::domain::patient::DocumentInfo {
                            lines: 0,
                            id: d.id,
                            encounter_id: d.encounter_id,
                            kind: String::new(),
                            author: String::new(),
                            written: d.written,
                            restricted: true,
                            amended_by: None,
                        }
                    });
                }
            }
        }
        Ok(out)
    }

    /// One document, for operations that name it (an amendment's target). Needs the clinical
    /// text grant for the patient's chart as sensitive as it is.
    pub fn document(&self, grant: &Grant, id: &str) -> Result<Option<Document>, StoreError> {
        require(grant, &[Permission::ViewClinicalText])?;
        let d: Option<Document> = get_str(
            &self.tx.open_table(tables::DOCUMENTS)?,
            names::DOCUMENTS,
            id,
        )?;
        if let Some(d) = &d {
            require_for(grant, self.patient_sensitivity(&d.mrn)?.flatten())?;
            if !covers_encounter(grant, self.document_encounter_flag(d)?) {
                return Err(StoreError::NotGranted);
            }
        }
        Ok(d)
    }

    pub fn documents_for_encounter(
        &self,
        grant: &Grant,
        encounter_id: &str,
    ) -> Result<Vec<Document>, StoreError> {
        require(grant, &[Permission::ViewClinicalText])?;
        let index = self
            .tx
            .open_multimap_table(tables::DOCUMENTS_BY_ENCOUNTER)?;
        let table = self.tx.open_table(tables::DOCUMENTS)?;
        let mut out: Vec<Document> = Vec::new();
        for id in index.get(encounter_id)? {
            let id = id?;
            if let Some(d) = get_str(&table, names::DOCUMENTS, id.value())? {
                out.push(d);
            }
        }
        if let Some(first) = out.first() {
            require_for(grant, self.patient_sensitivity(&first.mrn)?.flatten())?;
            if !covers_encounter(grant, self.document_encounter_flag(first)?) {
                return Err(StoreError::NotGranted);
            }
        }
        Ok(out)
    }

    pub fn patient_count(&self) -> Result<u64, StoreError> {
        Ok(self.tx.open_table(tables::PATIENTS)?.len()?)
    }

    // ---- audit -------------------------------------------------------------------------

    /// Appends one entry chained to the last; the head (count, hash) is kept in `meta` in the
    /// same transaction so a truncated log is detected too.
    pub fn append_audit(&mut self, event: AuditEvent) -> Result<u64, StoreError> {
        let head = audit_head(&self.tx.open_table(tables::META)?)?;
        let (last_seq, prev_hash) = head.unwrap_or((0, GENESIS_HASH.to_string()));
        let seq = last_seq + 1;
        let patient = event.patient.clone();
        let user = event.user.clone();
        let entry = AuditEntry {
            seq,
            event,
            prev_hash,
        };
        let bytes = codec::encode(&entry)?;
        let hash = entry_hash(&bytes);
        self.tx
            .open_table(tables::AUDIT)?
            .insert(seq, bytes.as_slice())?;
        if let Some(mrn) = &patient {
            self.tx
                .open_multimap_table(tables::AUDIT_BY_PATIENT)?
                .insert(mrn.as_str(), seq)?;
        }
        self.tx
            .open_multimap_table(tables::AUDIT_BY_USER)?
            .insert(user.as_str(), seq)?;
        self.put_meta(meta::AUDIT_HEAD, &(seq, hash))?;
        Ok(seq)
    }
}

pub(super) fn check_version<T: Versioned>(
    table: &str,
    key: &str,
    current: Option<&T>,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    match (current, expected) {
        (None, None) => Ok(()),
        (Some(c), Some(v)) if c.version() == v => Ok(()),
        (None, Some(_)) => Err(StoreError::NotFound {
            what: format!("{table} {key}"),
        }),
        (Some(c), _) => {
            let (by, at) = c
                .changed_by()
                .map_or((None, None), |(b, a)| (Some(b), Some(a)));
            Err(StoreError::Conflict {
                table: table.to_string(),
                key: key.to_string(),
                by,
                at,
            })
        }
    }
}

pub struct ReadTx {
    pub(super) tx: redb::ReadTransaction,
}

impl ReadTx {
    pub(super) fn new(tx: redb::ReadTransaction) -> Self {
        ReadTx { tx }
    }

    pub fn settings(&self) -> Result<Settings, StoreError> {
        let t = self.tx.open_table(tables::META)?;
        Ok(get_str(&t, names::META, meta::SETTINGS)?.unwrap_or_default())
    }

    pub fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        get_str(&self.tx.open_table(tables::USERS)?, names::USERS, username)
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        all_str(&self.tx.open_table(tables::USERS)?, names::USERS)
    }

    pub fn patient_count(&self) -> Result<u64, StoreError> {
        Ok(self.tx.open_table(tables::PATIENTS)?.len()?)
    }

    pub fn search_key(&self, mrn: &str) -> Result<Option<SearchKey>, StoreError> {
        get_str(
            &self.tx.open_table(tables::SEARCH_KEYS)?,
            names::SEARCH_KEYS,
            mrn,
        )
    }

    /// Patients in MRN order, for tools that must see every record (crash test, export).
    pub fn patient_mrns(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for row in self.tx.open_table(tables::PATIENTS)?.iter()? {
            out.push(row?.0.value().to_string());
        }
        Ok(out)
    }

    /// The charts `username` opened most recently, newest first.
    pub fn recent_patients(&self, username: &str) -> Result<Vec<String>, StoreError> {
        let t = match self.tx.open_table(tables::RECENT_PATIENTS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        Ok(get_str(&t, names::RECENT_PATIENTS, username)?.unwrap_or_default())
    }

    /// Every patient's search key, in MRN order, without holding them all at once. `f`
    /// returns false to stop early.
    pub fn for_each_search_key(
        &self,
        mut f: impl FnMut(SearchKey) -> bool,
    ) -> Result<(), StoreError> {
        for row in self.tx.open_table(tables::SEARCH_KEYS)?.iter()? {
            let (k, v) = row?;
            if !f(codec::decode(names::SEARCH_KEYS, k.value(), v.value())?) {
                break;
            }
        }
        Ok(())
    }

    pub fn verify_audit(&self) -> Result<Result<ChainSummary, ChainBreak>, StoreError> {
        let head = audit_head(&self.tx.open_table(tables::META)?)?;
        verify_chain(&self.tx.open_table(tables::AUDIT)?, head)
    }

    pub fn audit_entries(
        &self,
        from_seq: u64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        audit_range(&self.tx.open_table(tables::AUDIT)?, from_seq, limit)
    }

    /// Audit sequence numbers that name `mrn`, oldest first.
    pub fn audit_for_patient(&self, mrn: &str) -> Result<Vec<u64>, StoreError> {
        let t = self.tx.open_multimap_table(tables::AUDIT_BY_PATIENT)?;
        let mut out = Vec::new();
        for v in t.get(mrn)? {
            out.push(v?.value());
        }
        Ok(out)
    }
}

/// The audit entries naming `mrn`, newest first.
fn patient_audit(
    index: &impl ReadableMultimapTable<&'static str, u64>,
    audit: &impl ReadableTable<u64, &'static [u8]>,
    mrn: &str,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut seqs = Vec::new();
    for v in index.get(mrn)? {
        seqs.push(v?.value());
    }
    seqs.reverse();
    let mut out = Vec::with_capacity(seqs.len());
    for seq in seqs {
        out.extend(audit_range(audit, seq, 1)?);
    }
    Ok(out)
}

impl WriteTx {
    /// "Who looked at this chart": every audit entry naming the patient, newest first.
    pub fn patient_access_log(&self, mrn: &str) -> Result<Vec<AuditEntry>, StoreError> {
        patient_audit(
            &self.tx.open_multimap_table(tables::AUDIT_BY_PATIENT)?,
            &self.tx.open_table(tables::AUDIT)?,
            mrn,
        )
    }
}
