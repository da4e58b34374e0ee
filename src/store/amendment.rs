//! Amendment requests (45 CFR 164.526) in the store: one record per request, indexed by
//! patient and by the document it names. An accepted amendment is a new document appended to
//! the chart (written with `put_document` like any other); the amended document is never
//! rewritten: `amendments_by_document` is what marks it amended.

use super::tables::{self, meta, names};
use super::tx::{ReadTx, Versioned, WriteTx, check_version, get_str, require, require_for};
use super::{StoreError, codec};
use crate::domain::amendment::{AmendmentRequest, AmendmentStatus, AmendmentTarget};
use crate::policy::{Grant, Permission};
use chrono::{DateTime, Utc};
use redb::{ReadableMultimapTable, ReadableTable};

impl Versioned for AmendmentRequest {
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, v: u64) {
        self.version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        self.history.last().map(|e| (e.by.clone(), e.at))
    }
}

/// Grants that let a caller read amendment requests (their text is clinical).
const READ_GRANTS: [Permission; 2] = [Permission::ViewClinicalText, Permission::ManageAmendments];

fn get(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<AmendmentRequest>, StoreError> {
    get_str(table, names::AMENDMENTS, id)
}

/// The requests an index row names, in id order; a dangling row is corruption.
fn by_index(
    index: &impl ReadableMultimapTable<&'static str, &'static str>,
    index_name: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Vec<AmendmentRequest>, StoreError> {
    let mut out = Vec::new();
    for id in index.get(key)? {
        let id = id?;
        let id = id.value();
        match get(table, id)? {
            Some(r) => out.push(r),
            None => {
                return Err(StoreError::Corrupt {
                    table: index_name.into(),
                    key: format!("{key} -> {id}"),
                    detail: "index names an amendment request that does not exist".into(),
                });
            }
        }
    }
    Ok(out)
}

/// Every pending request, in id order.
fn pending(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<AmendmentRequest>, StoreError> {
    let mut out = Vec::new();
    for row in table.iter()? {
        let (k, v) = row?;
        let r: AmendmentRequest = codec::decode(names::AMENDMENTS, k.value(), v.value())?;
        if r.status == AmendmentStatus::Pending {
            out.push(r);
        }
    }
    Ok(out)
}

impl WriteTx {
    /// Stores a new request: assigns its id (`AMD-000001`, from a counter in `meta`) and
    /// version 1, and indexes it under its patient and the document it names.
    pub fn add_amendment(&mut self, r: &mut AmendmentRequest) -> Result<String, StoreError> {
        let id = format!("AMD-{:06}", self.next_seq(meta::AMENDMENT_SEQ)?);
        if self.amendment(&id)?.is_some() {
            return Err(StoreError::Internal(format!(
                "amendment counter gave {id}, which already exists"
            )));
        }
        r.id = id.clone();
        r.set_version(1);
        let bytes = codec::encode(r)?;
        self.tx
            .open_table(tables::AMENDMENTS)?
            .insert(id.as_str(), bytes.as_slice())?;
        self.tx
            .open_multimap_table(tables::AMENDMENTS_BY_PATIENT)?
            .insert(r.mrn.as_str(), id.as_str())?;
        if let AmendmentTarget::Document { id: doc, .. } = &r.target {
            self.tx
                .open_multimap_table(tables::AMENDMENTS_BY_DOCUMENT)?
                .insert(doc.as_str(), id.as_str())?;
        }
        Ok(id)
    }

    /// A request by id, without a grant: the service decides on the patient it names before
    /// anything of it leaves the transaction.
    pub fn amendment(&self, id: &str) -> Result<Option<AmendmentRequest>, StoreError> {
        get(&self.tx.open_table(tables::AMENDMENTS)?, id)
    }

    /// The request to change, if its stored version is still `expected` (`Conflict` when
    /// someone else changed it since, `NotFound` when there is no such request).
    pub fn amendment_for_update(
        &self,
        id: &str,
        expected: u64,
    ) -> Result<AmendmentRequest, StoreError> {
        let current = self.amendment(id)?;
        check_version(names::AMENDMENTS, id, current.as_ref(), Some(expected))?;
        current.ok_or_else(|| StoreError::NotFound {
            what: format!("amendment request {id}"),
        })
    }

    /// Writes a changed request if the stored version is `expected`; a stale one is a
    /// `Conflict`. The patient and the target never change, so the indexes stay as they are.
    pub fn put_amendment(
        &mut self,
        r: &mut AmendmentRequest,
        expected: u64,
    ) -> Result<(), StoreError> {
        if r.withheld {
            return Err(StoreError::Internal(format!(
                "amendment request {} is a withheld copy and cannot be stored",
                r.id
            )));
        }
        let current = self.amendment(&r.id)?;
        check_version(names::AMENDMENTS, &r.id, current.as_ref(), Some(expected))?;
        if let Some(c) = &current
            && (c.mrn != r.mrn || c.target != r.target)
        {
            return Err(StoreError::Internal(format!(
                "amendment request {} cannot change its patient or target",
                r.id
            )));
        }
        r.set_version(expected + 1);
        let bytes = codec::encode(r)?;
        self.tx
            .open_table(tables::AMENDMENTS)?
            .insert(r.id.as_str(), bytes.as_slice())?;
        Ok(())
    }

    /// Moves the requests of chart `from` to chart `to` (a merge, or its undo with `only` the
    /// requests the merge moved): each gets a new version with the new MRN, `moved_from`
    /// set on a merge and cleared on undo, and the patient index follows. Returns the ids
    /// moved, in id order.
    pub fn move_amendments(
        &mut self,
        from: &str,
        to: &str,
        merged: bool,
        only: Option<&[String]>,
    ) -> Result<Vec<String>, StoreError> {
        let found = by_index(
            &self.tx.open_multimap_table(tables::AMENDMENTS_BY_PATIENT)?,
            "amendments_by_patient",
            &self.tx.open_table(tables::AMENDMENTS)?,
            from,
        )?;
        let mut moved = Vec::new();
        for mut r in found {
            if only.is_some_and(|o| !o.contains(&r.id)) {
                continue;
            }
            r.mrn = to.to_string();
            r.moved_from = merged.then(|| from.to_string());
            r.version += 1;
            let bytes = codec::encode(&r)?;
            self.tx
                .open_table(tables::AMENDMENTS)?
                .insert(r.id.as_str(), bytes.as_slice())?;
            let mut index = self.tx.open_multimap_table(tables::AMENDMENTS_BY_PATIENT)?;
            index.remove(from, r.id.as_str())?;
            index.insert(to, r.id.as_str())?;
            moved.push(r.id);
        }
        Ok(moved)
    }

    /// A patient's requests, in id order (oldest first).
    pub fn amendments_for_patient(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<Vec<AmendmentRequest>, StoreError> {
        require(grant, &READ_GRANTS)?;
        require_for(grant, self.patient_sensitivity(mrn)?.flatten())?;
        by_index(
            &self.tx.open_multimap_table(tables::AMENDMENTS_BY_PATIENT)?,
            "amendments_by_patient",
            &self.tx.open_table(tables::AMENDMENTS)?,
            mrn,
        )
    }

    /// The requests naming document `doc_id`, in id order. One that was accepted makes the
    /// document "amended".
    pub fn amendments_of_document(
        &self,
        grant: &Grant,
        doc_id: &str,
    ) -> Result<Vec<AmendmentRequest>, StoreError> {
        require(grant, &READ_GRANTS)?;
        let found = by_index(
            &self
                .tx
                .open_multimap_table(tables::AMENDMENTS_BY_DOCUMENT)?,
            "amendments_by_document",
            &self.tx.open_table(tables::AMENDMENTS)?,
            doc_id,
        )?;
        for r in &found {
            require_for(grant, self.patient_sensitivity(&r.mrn)?.flatten())?;
        }
        Ok(found)
    }

    /// The chart's documents an accepted request amended (document id -> the request): what
    /// the document list marks "amended". Only ids; the grant is the one listing documents.
    pub fn amended_documents(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
        require(grant, &[Permission::ViewEncounters])?;
        let found = by_index(
            &self.tx.open_multimap_table(tables::AMENDMENTS_BY_PATIENT)?,
            "amendments_by_patient",
            &self.tx.open_table(tables::AMENDMENTS)?,
            mrn,
        )?;
        Ok(found
            .into_iter()
            .filter(|r| r.status == AmendmentStatus::Accepted)
            .filter_map(|r| match r.target {
                AmendmentTarget::Document { id, .. } => Some((id, r.id)),
                _ => None,
            })
            .collect())
    }

    /// Every pending request (the department's work list), in id order.
    pub fn pending_amendments(&self, grant: &Grant) -> Result<Vec<AmendmentRequest>, StoreError> {
        require(grant, &[Permission::ManageAmendments])?;
        pending(&self.tx.open_table(tables::AMENDMENTS)?)
    }
}

impl ReadTx {
    pub fn amendment(&self, id: &str) -> Result<Option<AmendmentRequest>, StoreError> {
        get(&self.tx.open_table(tables::AMENDMENTS)?, id)
    }

    /// Every pending request, in id order.
    pub fn pending_amendments(&self, grant: &Grant) -> Result<Vec<AmendmentRequest>, StoreError> {
        require(grant, &[Permission::ManageAmendments])?;
        pending(&self.tx.open_table(tables::AMENDMENTS)?)
    }
}
