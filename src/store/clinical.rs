//! The clinical summary's records in the store: one table of items (problems, allergies,
//! "no known allergies", medications, immunizations) keyed by id, and a multimap of each
//! patient's item ids, written in the same transaction as the item. A merge moves items with
//! the chart (`move_clinical_item`, called from `merge_patients` and `undo_merge`).

use super::tables::{self, meta, names};
use super::tx::{
    ReadTx, Versioned, WriteTx, check_version, covers_encounter, get_str, require, require_for,
};
use super::{StoreError, codec};
use crate::domain::clinical::{ClinicalItem, ClinicalSummary};
use crate::policy::{Grant, Permission};
use chrono::{DateTime, Utc};
use redb::{ReadableMultimapTable, ReadableTable};

impl Versioned for ClinicalItem {
    fn version(&self) -> u64 {
        self.meta().version
    }
    fn set_version(&mut self, v: u64) {
        self.meta_mut().version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        let m = self.meta();
        Some((m.recorded_by.clone(), m.recorded_at))
    }
}

/// Clinical items are clinical data: the same right as reading a note.
const READ_GRANTS: [Permission; 1] = [Permission::ViewClinicalText];

fn get(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<ClinicalItem>, StoreError> {
    get_str(table, names::CLINICAL_ITEMS, id)
}

/// The ids of `mrn`'s items, in id order.
fn ids_of(
    index: &impl ReadableMultimapTable<&'static str, &'static str>,
    mrn: &str,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for id in index.get(mrn)? {
        out.push(id?.value().to_string());
    }
    Ok(out)
}

/// `mrn`'s items; an index row naming no item, or an item of another patient, is corruption.
fn items_of(
    index: &impl ReadableMultimapTable<&'static str, &'static str>,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    mrn: &str,
) -> Result<Vec<ClinicalItem>, StoreError> {
    let mut out = Vec::new();
    for id in ids_of(index, mrn)? {
        match get(table, &id)? {
            Some(item) if item.meta().mrn == mrn => out.push(item),
            Some(item) => {
                return Err(StoreError::Corrupt {
                    table: names::CLINICAL_BY_PATIENT.into(),
                    key: format!("{mrn} -> {id}"),
                    detail: format!("the item belongs to patient {}", item.meta().mrn),
                });
            }
            None => {
                return Err(StoreError::Corrupt {
                    table: names::CLINICAL_BY_PATIENT.into(),
                    key: format!("{mrn} -> {id}"),
                    detail: "index names a clinical item that does not exist".into(),
                });
            }
        }
    }
    Ok(out)
}

/// The summary from the tables of either kind of transaction.
fn summary_of(
    index: &impl ReadableMultimapTable<&'static str, &'static str>,
    items: &impl ReadableTable<&'static str, &'static [u8]>,
    encounters: &impl ReadableTable<&'static str, &'static [u8]>,
    grant: &Grant,
    mrn: &str,
) -> Result<ClinicalSummary, StoreError> {
    let all = items_of(index, items, mrn)?;
    Ok(ClinicalSummary::from_items(shown_items(
        all, grant, encounters,
    )?))
}

/// Items recorded at an encounter the grant does not open (a sensitive encounter on an
/// ordinary grant) are left out, as the encounter's own content is.
fn shown_items(
    items: Vec<ClinicalItem>,
    grant: &Grant,
    encounters: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<ClinicalItem>, StoreError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let flag = match &item.meta().encounter_id {
            Some(e) => get_str::<crate::domain::Encounter>(encounters, names::ENCOUNTERS, e)?
                .and_then(|e| e.sensitivity),
            None => None,
        };
        if covers_encounter(grant, flag) {
            out.push(item);
        }
    }
    Ok(out)
}

impl WriteTx {
    /// Stores a new item of an existing patient: assigns its id (kind prefix + a counter in
    /// `meta`) and version 1, and indexes it under its patient.
    pub fn add_clinical_item(&mut self, item: &mut ClinicalItem) -> Result<String, StoreError> {
        self.add_clinical_items(std::slice::from_mut(item))?;
        Ok(item.meta().id.clone())
    }

    /// [`WriteTx::add_clinical_item`] for many items at once (loading a chart's history):
    /// each patient is checked once and the counter written once.
    pub fn add_clinical_items(&mut self, items: &mut [ClinicalItem]) -> Result<(), StoreError> {
        let mut checked: Vec<String> = Vec::new();
        for item in items.iter() {
            let mrn = &item.meta().mrn;
            if !checked.contains(mrn) {
                if self.patient_sensitivity(mrn)?.is_none() {
                    return Err(StoreError::NotFound {
                        what: format!("patient {mrn}"),
                    });
                }
                checked.push(mrn.clone());
            }
        }
        let first: u64 = self.get_meta(meta::CLINICAL_SEQ)?.unwrap_or(0);
        let mut table = self.tx.open_table(tables::CLINICAL_ITEMS)?;
        let mut index = self.tx.open_multimap_table(tables::CLINICAL_BY_PATIENT)?;
        let mut seq = first;
        for item in items.iter_mut() {
            seq += 1;
            let id = format!("{}{seq:09}", item.id_prefix());
            if table.get(id.as_str())?.is_some() {
                return Err(StoreError::Internal(format!(
                    "clinical item counter gave {id}, which already exists"
                )));
            }
            item.meta_mut().id = id.clone();
            item.set_version(1);
            let bytes = codec::encode(&*item)?;
            table.insert(id.as_str(), bytes.as_slice())?;
            index.insert(item.meta().mrn.as_str(), id.as_str())?;
        }
        drop((table, index));
        if seq != first {
            self.put_meta(meta::CLINICAL_SEQ, &seq)?;
        }
        Ok(())
    }

    /// One item, for a caller allowed to read its patient's clinical data.
    pub fn clinical_item(
        &self,
        grant: &Grant,
        id: &str,
    ) -> Result<Option<ClinicalItem>, StoreError> {
        require(grant, &READ_GRANTS)?;
        let item = get(&self.tx.open_table(tables::CLINICAL_ITEMS)?, id)?;
        if let Some(item) = &item {
            require_for(grant, self.patient_sensitivity(&item.meta().mrn)?.flatten())?;
        }
        Ok(item)
    }

    /// Writes a changed item (a correction, a status change) if the stored version is
    /// `expected`; a stale one is a `Conflict`. An item never changes patient this way (only a
    /// merge moves it), so the index stays as it is.
    pub fn put_clinical_item(
        &mut self,
        item: &mut ClinicalItem,
        expected: u64,
    ) -> Result<(), StoreError> {
        let id = item.meta().id.clone();
        let mut table = self.tx.open_table(tables::CLINICAL_ITEMS)?;
        let current = get(&table, &id)?;
        check_version(names::CLINICAL_ITEMS, &id, current.as_ref(), Some(expected))?;
        if let Some(c) = &current
            && c.meta().mrn != item.meta().mrn
        {
            return Err(StoreError::Internal(format!(
                "clinical item {id} cannot change its patient"
            )));
        }
        item.set_version(expected + 1);
        let bytes = codec::encode(item)?;
        table.insert(id.as_str(), bytes.as_slice())?;
        Ok(())
    }

    /// The patient's clinical summary, each list in the Summary tab's order.
    pub fn clinical_summary(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<ClinicalSummary, StoreError> {
        require(grant, &READ_GRANTS)?;
        require_for(grant, self.patient_sensitivity(mrn)?.flatten())?;
        summary_of(
            &self.tx.open_multimap_table(tables::CLINICAL_BY_PATIENT)?,
            &self.tx.open_table(tables::CLINICAL_ITEMS)?,
            &self.tx.open_table(tables::ENCOUNTERS)?,
            grant,
            mrn,
        )
    }

    /// The ids of a patient's items (what a merge moves).
    pub(super) fn clinical_ids(&self, mrn: &str) -> Result<Vec<String>, StoreError> {
        ids_of(
            &self.tx.open_multimap_table(tables::CLINICAL_BY_PATIENT)?,
            mrn,
        )
    }

    /// Moves item `id` from patient `from` to `to`; false when it is no longer on `from`
    /// (nothing is changed then). `merged` says whether this is a merge (remember where it
    /// came from) or its undo.
    pub(super) fn move_clinical_item(
        &mut self,
        id: &str,
        from: &str,
        to: &str,
        merged: bool,
    ) -> Result<bool, StoreError> {
        let mut table = self.tx.open_table(tables::CLINICAL_ITEMS)?;
        let mut item = get(&table, id)?.ok_or_else(|| StoreError::Corrupt {
            table: names::CLINICAL_BY_PATIENT.into(),
            key: format!("{from} -> {id}"),
            detail: "index names a clinical item that does not exist".into(),
        })?;
        if item.meta().mrn != from {
            return Ok(false);
        }
        let m = item.meta_mut();
        m.mrn = to.to_string();
        m.moved_from = merged.then(|| from.to_string());
        m.version += 1;
        let bytes = codec::encode(&item)?;
        table.insert(id, bytes.as_slice())?;
        drop(table);
        let mut index = self.tx.open_multimap_table(tables::CLINICAL_BY_PATIENT)?;
        index.remove(from, id)?;
        index.insert(to, id)?;
        Ok(true)
    }
}

impl ReadTx {
    /// The patient's clinical summary (see [`WriteTx::clinical_summary`]).
    pub fn clinical_summary(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<ClinicalSummary, StoreError> {
        require(grant, &READ_GRANTS)?;
        let patients = self.tx.open_table(tables::PATIENTS)?;
        let p: Option<crate::domain::Patient> = get_str(&patients, names::PATIENTS, mrn)?;
        require_for(grant, p.and_then(|p| p.sensitivity))?;
        summary_of(
            &self.tx.open_multimap_table(tables::CLINICAL_BY_PATIENT)?,
            &self.tx.open_table(tables::CLINICAL_ITEMS)?,
            &self.tx.open_table(tables::ENCOUNTERS)?,
            grant,
            mrn,
        )
    }
}
