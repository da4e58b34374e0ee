//! Duplicate cases and merges in the store. A merge moves the retired chart's encounters,
//! documents and clinical summary items to the survivor, marks the retired patient
//! `merged_into` (a new version; the old one stays in history) and writes a `MergeRecord`
//! listing exactly what moved, so that an undo moves back only that. All of it happens inside the caller's one write transaction.

use super::tables::{self, meta, names};
use super::tx::{ReadTx, Versioned, WriteTx, all_str, check_version, get_str, require};
use super::{StoreError, codec};
use crate::domain::Sensitivity;
use crate::domain::mpi::{
    CaseEvent, CaseStatus, DuplicateCase, MergeRecord, MergeUndo, merged_sensitivity,
};
use crate::domain::search::SearchKey;
use crate::domain::{Document, Encounter, Patient};
use crate::policy::{Grant, Permission};
use chrono::{DateTime, Utc};
use redb::{ReadableMultimapTable, ReadableTable};

impl Versioned for DuplicateCase {
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

fn refused(text: impl Into<String>) -> StoreError {
    StoreError::Refused(text.into())
}

/// Who carried out a merge or its undo, and when.
pub struct MergeActor<'a> {
    pub by: &'a str,
    pub at: DateTime<Utc>,
}

impl WriteTx {
    pub fn duplicate_case(&self, id: &str) -> Result<Option<DuplicateCase>, StoreError> {
        get_str(
            &self.tx.open_table(tables::DUPLICATE_CASES)?,
            names::DUPLICATE_CASES,
            id,
        )
    }

    fn cases_of(&self, mrn: &str) -> Result<Vec<DuplicateCase>, StoreError> {
        let index = self
            .tx
            .open_multimap_table(tables::DUPLICATE_CASES_BY_PATIENT)?;
        let mut ids = Vec::new();
        for id in index.get(mrn)? {
            ids.push(id?.value().to_string());
        }
        drop(index);
        let mut out = Vec::new();
        for id in ids {
            match self.duplicate_case(&id)? {
                Some(c) => out.push(c),
                None => {
                    return Err(StoreError::Corrupt {
                        table: "duplicate_cases_by_patient".into(),
                        key: format!("{mrn} -> {id}"),
                        detail: "index names a case that does not exist".into(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Writes a case (None: it must be new) and keeps both patients' "possible duplicate" mark
    /// in step. Returns the search keys that changed, for the in-memory index.
    pub fn put_duplicate_case(
        &mut self,
        case: &mut DuplicateCase,
        expected: Option<u64>,
    ) -> Result<Vec<SearchKey>, StoreError> {
        let current = self.duplicate_case(&case.id)?;
        check_version(names::DUPLICATE_CASES, &case.id, current.as_ref(), expected)?;
        case.set_version(expected.unwrap_or(0) + 1);
        let bytes = codec::encode(case)?;
        self.tx
            .open_table(tables::DUPLICATE_CASES)?
            .insert(case.id.as_str(), bytes.as_slice())?;
        {
            let mut index = self
                .tx
                .open_multimap_table(tables::DUPLICATE_CASES_BY_PATIENT)?;
            index.insert(case.a.as_str(), case.id.as_str())?;
            index.insert(case.b.as_str(), case.id.as_str())?;
        }
        let mut changed = Vec::new();
        for mrn in [case.a.clone(), case.b.clone()] {
            changed.extend(self.refresh_duplicate_mark(&mrn)?);
        }
        Ok(changed)
    }

    /// Sets the search key's "possible duplicate" mark from the patient's cases.
    fn refresh_duplicate_mark(&mut self, mrn: &str) -> Result<Option<SearchKey>, StoreError> {
        let active = self.cases_of(mrn)?.iter().any(|c| c.status.is_active());
        match self.search_key(mrn)? {
            Some(mut key) if key.possible_duplicate != active => {
                key.possible_duplicate = active;
                self.put_search_key(&key)?;
                Ok(Some(key))
            }
            _ => Ok(None),
        }
    }

    fn raw_patient(&self, mrn: &str) -> Result<Patient, StoreError> {
        get_str(&self.tx.open_table(tables::PATIENTS)?, names::PATIENTS, mrn)?.ok_or_else(|| {
            StoreError::NotFound {
                what: format!("patient {mrn}"),
            }
        })
    }

    fn encounter_ids(&self, mrn: &str) -> Result<Vec<String>, StoreError> {
        let index = self.tx.open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?;
        let mut out = Vec::new();
        for id in index.get(mrn)? {
            out.push(id?.value().to_string());
        }
        Ok(out)
    }

    /// Moves one encounter and its documents to `to`; returns the documents moved. `merged`
    /// says whether this is a merge (remember where it came from) or its undo.
    fn move_encounter(
        &mut self,
        id: &str,
        from: &str,
        to: &str,
        merged: bool,
        only_documents: Option<&[String]>,
    ) -> Result<Vec<String>, StoreError> {
        let mut e: Encounter = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            id,
        )?
        .ok_or_else(|| StoreError::Corrupt {
            table: "encounters_by_patient".into(),
            key: format!("{from} -> {id}"),
            detail: "index names an encounter that does not exist".into(),
        })?;
        e.mrn = to.to_string();
        e.moved_from = merged.then(|| from.to_string());
        e.version += 1;
        let bytes = codec::encode(&e)?;
        self.tx
            .open_table(tables::ENCOUNTERS)?
            .insert(id, bytes.as_slice())?;
        {
            let mut index = self.tx.open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?;
            index.remove(from, id)?;
            index.insert(to, id)?;
        }
        self.sync_coding_queue_for(&e)?;
        let mut doc_ids = Vec::new();
        for d in self
            .tx
            .open_multimap_table(tables::DOCUMENTS_BY_ENCOUNTER)?
            .get(id)?
        {
            doc_ids.push(d?.value().to_string());
        }
        let mut moved = Vec::new();
        let mut docs = self.tx.open_table(tables::DOCUMENTS)?;
        for d in doc_ids {
            if only_documents.is_some_and(|only| !only.contains(&d)) {
                continue;
            }
            let Some(mut doc): Option<Document> = get_str(&docs, names::DOCUMENTS, &d)? else {
                continue;
            };
            if doc.mrn != from {
                continue;
            }
            doc.mrn = to.to_string();
            doc.moved_from = merged.then(|| from.to_string());
            doc.version += 1;
            let bytes = codec::encode(&doc)?;
            docs.insert(d.as_str(), bytes.as_slice())?;
            moved.push(d);
        }
        Ok(moved)
    }

    /// Sets one encounter's flag (a merge carrying the retired chart's category, or its
    /// undo) as a new version of the encounter.
    fn set_encounter_flag(
        &mut self,
        id: &str,
        flag: Option<Sensitivity>,
    ) -> Result<(), StoreError> {
        let mut e: Encounter = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            id,
        )?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("encounter {id}"),
        })?;
        e.sensitivity = flag;
        e.version += 1;
        let bytes = codec::encode(&e)?;
        self.tx
            .open_table(tables::ENCOUNTERS)?
            .insert(id, bytes.as_slice())?;
        self.sync_coding_queue_for(&e)
    }

    fn encounter_flag(&self, id: &str) -> Result<Option<Sensitivity>, StoreError> {
        Ok(get_str::<Encounter>(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            id,
        )?
        .and_then(|e| e.sensitivity))
    }

    /// The latest visit of `mrn` from its encounters, written to its search key.
    fn refresh_last_visit(&mut self, mrn: &str) -> Result<Option<SearchKey>, StoreError> {
        let mut last = None;
        let table = self.tx.open_table(tables::ENCOUNTERS)?;
        for id in self.encounter_ids(mrn)? {
            if let Some(e) = get_str::<Encounter>(&table, names::ENCOUNTERS, &id)? {
                let visit = e.discharged.unwrap_or(e.admitted);
                last = last.max(Some(visit));
            }
        }
        drop(table);
        match self.search_key(mrn)? {
            Some(mut key) => {
                key.last_visit = last;
                self.put_search_key(&key)?;
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    /// Merges `retired` into `survivor`. Other undecided cases of the retired chart are
    /// superseded (the next scan compares the survivor instead). Returns the merge record and
    /// every search key that changed.
    pub fn merge_patients(
        &mut self,
        grant: &Grant,
        survivor: &str,
        retired: &str,
        case_id: Option<&str>,
        requested_by: Option<String>,
        who: &MergeActor,
    ) -> Result<(MergeRecord, Vec<SearchKey>), StoreError> {
        require(grant, &[Permission::ApproveMerge])?;
        if survivor == retired {
            return Err(refused("a chart cannot be merged into itself"));
        }
        let mut s = self.raw_patient(survivor)?;
        let mut r = self.raw_patient(retired)?;
        if let Some(into) = &s.merged_into {
            return Err(refused(format!(
                "{survivor} was itself merged into {into}; merge into {into} instead"
            )));
        }
        if let Some(into) = &r.merged_into {
            return Err(refused(format!("{retired} is already merged into {into}")));
        }
        // Records held for a legal matter are kept exactly as they are.
        for p in [&s, &r] {
            if let Some(h) = &p.legal_hold {
                return Err(refused(format!(
                    "{} is under legal hold ({}): it cannot be merged until compliance releases the hold",
                    p.mrn, h.matter
                )));
            }
        }
        let mut encounters = Vec::new();
        let mut documents = Vec::new();
        for id in self.encounter_ids(retired)? {
            documents.extend(self.move_encounter(&id, retired, survivor, true, None)?);
            encounters.push(id);
        }
        let mut clinical = Vec::new();
        for id in self.clinical_ids(retired)? {
            if self.move_clinical_item(&id, retired, survivor, true)? {
                clinical.push(id);
            }
        }
        let mut changed: Vec<SearchKey> = Vec::new();
        // The retired chart's sensitivity stays with what it protected (domain rule).
        let rule = merged_sensitivity(s.sensitivity, r.sensitivity);
        let mut flagged_encounters = Vec::new();
        if let Some(category) = rule.moved_encounters {
            for id in &encounters {
                if self.encounter_flag(id)?.is_none() {
                    self.set_encounter_flag(id, Some(category))?;
                    flagged_encounters.push(id.clone());
                }
            }
        }
        let survivor_flagged = if rule.survivor == s.sensitivity {
            None
        } else {
            let version = s.version;
            s.sensitivity = rule.survivor;
            s.updated_by = who.by.to_string();
            s.updated_at = who.at;
            changed.push(self.put_patient(&mut s, Some(version))?);
            rule.survivor
        };
        let amendments = self.move_amendments(retired, survivor, true, None)?;
        let (roi_requests, disclosures, accountings) =
            self.move_roi(retired, survivor, true, None)?;
        let version = r.version;
        r.merged_into = Some(survivor.to_string());
        r.updated_by = who.by.to_string();
        r.updated_at = who.at;
        self.put_patient(&mut r, Some(version))?;
        let id = self.next_seq(meta::MERGE_SEQ)?;
        let record = MergeRecord {
            id,
            case_id: case_id.map(str::to_string),
            survivor: survivor.to_string(),
            retired: retired.to_string(),
            encounters,
            documents,
            clinical,
            at: who.at,
            by: who.by.to_string(),
            requested_by,
            undone: None,
            amendments,
            flagged_encounters,
            survivor_flagged,
            roi_requests,
            disclosures,
            accountings,
        };
        self.put_merge(&record)?;
        for mut other in self.cases_of(retired)? {
            if Some(other.id.as_str()) == case_id || !other.status.is_active() {
                continue;
            }
            let v = other.version;
            other.status = CaseStatus::Superseded;
            other.history.push(CaseEvent {
                at: who.at,
                by: who.by.to_string(),
                status: CaseStatus::Superseded,
                note: format!("{retired} was merged into {survivor} (merge {id})"),
            });
            other.updated_at = who.at;
            other.updated_by = who.by.to_string();
            changed.extend(self.put_duplicate_case(&mut other, Some(v))?);
        }
        changed.extend(self.refresh_last_visit(survivor)?);
        changed.extend(self.search_key(retired)?);
        Ok((record, dedupe(changed)))
    }

    /// Takes merge `id` back: what it moved goes back to the retired chart (encounters added
    /// to the survivor since stay there), and the retired chart is live again.
    pub fn undo_merge(
        &mut self,
        grant: &Grant,
        id: u64,
        who: &MergeActor,
        reason: &str,
    ) -> Result<(MergeRecord, Vec<SearchKey>), StoreError> {
        require(grant, &[Permission::ApproveMerge])?;
        let mut record = self.merge(id)?.ok_or_else(|| StoreError::NotFound {
            what: format!("merge {id}"),
        })?;
        if let Some(u) = &record.undone {
            return Err(refused(format!(
                "merge {id} was already undone by {} on {}",
                u.by,
                u.at.format("%Y-%m-%d")
            )));
        }
        let (survivor, retired) = (record.survivor.clone(), record.retired.clone());
        let mut s = self.raw_patient(&survivor)?;
        let mut r = self.raw_patient(&retired)?;
        if let Some(into) = &s.merged_into {
            return Err(refused(format!(
                "{survivor} has since been merged into {into}; undo that merge first"
            )));
        }
        if r.merged_into.as_deref() != Some(survivor.as_str()) {
            return Err(refused(format!(
                "{retired} is no longer merged into {survivor}; nothing to undo"
            )));
        }
        let on_survivor = self.encounter_ids(&survivor)?;
        for e in &record.encounters {
            if on_survivor.contains(e) {
                self.move_encounter(e, &survivor, &retired, false, Some(&record.documents))?;
            }
        }
        for id in &record.clinical {
            self.move_clinical_item(id, &survivor, &retired, false)?;
        }
        let mut changed = Vec::new();
        // The flags the merge added come off again, unless compliance changed them since.
        for e in &record.flagged_encounters {
            if self.encounter_flag(e)?.is_some() && self.encounter_flag(e)? == r.sensitivity {
                self.set_encounter_flag(e, None)?;
            }
        }
        if let Some(flag) = record.survivor_flagged
            && s.sensitivity == Some(flag)
        {
            let version = s.version;
            s.sensitivity = None;
            s.updated_by = who.by.to_string();
            s.updated_at = who.at;
            changed.push(self.put_patient(&mut s, Some(version))?);
        }
        self.move_amendments(&survivor, &retired, false, Some(&record.amendments))?;
        self.move_roi(
            &survivor,
            &retired,
            false,
            Some((
                &record.roi_requests,
                &record.disclosures,
                &record.accountings,
            )),
        )?;
        let version = r.version;
        r.merged_into = None;
        r.updated_by = who.by.to_string();
        r.updated_at = who.at;
        self.put_patient(&mut r, Some(version))?;
        record.undone = Some(MergeUndo {
            at: who.at,
            by: who.by.to_string(),
            reason: reason.to_string(),
        });
        self.put_merge(&record)?;
        changed.extend(self.refresh_last_visit(&survivor)?);
        changed.extend(self.refresh_last_visit(&retired)?);
        Ok((record, dedupe(changed)))
    }

    pub fn merge(&self, id: u64) -> Result<Option<MergeRecord>, StoreError> {
        get_merge(&self.tx.open_table(tables::MERGES)?, id)
    }

    fn put_merge(&mut self, m: &MergeRecord) -> Result<(), StoreError> {
        let bytes = codec::encode(m)?;
        self.tx
            .open_table(tables::MERGES)?
            .insert(m.id, bytes.as_slice())?;
        Ok(())
    }
}

fn get_merge(
    table: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<MergeRecord>, StoreError> {
    match table.get(id)? {
        Some(v) => codec::decode(names::MERGES, &id.to_string(), v.value()).map(Some),
        None => Ok(None),
    }
}

/// The newest version of each key, once.
fn dedupe(keys: Vec<SearchKey>) -> Vec<SearchKey> {
    let mut out: Vec<SearchKey> = Vec::new();
    for k in keys.into_iter().rev() {
        if !out.iter().any(|o| o.mrn == k.mrn) {
            out.push(k);
        }
    }
    out
}

impl ReadTx {
    /// Every duplicate case, in id order.
    pub fn duplicate_cases(&self) -> Result<Vec<DuplicateCase>, StoreError> {
        all_str(
            &self.tx.open_table(tables::DUPLICATE_CASES)?,
            names::DUPLICATE_CASES,
        )
    }

    pub fn duplicate_case(&self, id: &str) -> Result<Option<DuplicateCase>, StoreError> {
        get_str(
            &self.tx.open_table(tables::DUPLICATE_CASES)?,
            names::DUPLICATE_CASES,
            id,
        )
    }

    pub fn merge(&self, id: u64) -> Result<Option<MergeRecord>, StoreError> {
        get_merge(&self.tx.open_table(tables::MERGES)?, id)
    }
}
