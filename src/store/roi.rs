//! Release of information in the store: requests (`roi_requests`, by patient), the accounting
//! of disclosures (`disclosures`, every version kept under (id, version), insert only) and the
//! accountings given to patients. None of these holds note text; reading a document for a
//! packet goes through the documents' own grant.

use super::tables::{self, meta, names};
use super::tx::{Versioned, WriteTx, check_version, get_str, require};
use super::{StoreError, codec};
use crate::domain::roi::{AccountingRecord, Disclosure, RoiRequest};
use crate::policy::{Grant, Permission};
use chrono::{DateTime, Utc};
use redb::{ReadableMultimapTable, ReadableTable};
use serde::de::DeserializeOwned;

impl Versioned for RoiRequest {
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

/// The ROI desk works the requests; compliance and auditors read them.
const READ_GRANTS: [Permission; 2] = [Permission::ManageDisclosures, Permission::ViewAuditTrail];

/// The ids a merge moved: (requests, disclosures, accountings).
pub type MovedRoi = (Vec<String>, Vec<String>, Vec<String>);
/// Only these ids (an undo), per kind.
type OnlyRoi<'a> = Option<(&'a [String], &'a [String], &'a [String])>;

/// Records an index row names, in id order; a dangling row is corruption.
fn by_index<T: DeserializeOwned>(
    index: &impl ReadableMultimapTable<&'static str, &'static str>,
    index_name: &str,
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    table_name: &str,
    key: &str,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for id in index.get(key)? {
        let id = id?;
        match get_str(table, table_name, id.value())? {
            Some(r) => out.push(r),
            None => {
                return Err(StoreError::Corrupt {
                    table: index_name.into(),
                    key: format!("{key} -> {}", id.value()),
                    detail: format!("index names a record missing from {table_name}"),
                });
            }
        }
    }
    Ok(out)
}

/// Every version of disclosure `id`, oldest first.
fn disclosure_versions(
    table: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    id: &str,
) -> Result<Vec<Disclosure>, StoreError> {
    let mut out = Vec::new();
    for row in table.range((id, 0)..=(id, u64::MAX))? {
        let (k, v) = row?;
        let (kid, n) = k.value();
        out.push(codec::decode(
            names::DISCLOSURES,
            &format!("{kid}#{n}"),
            v.value(),
        )?);
    }
    Ok(out)
}

/// Every disclosure of a patient with its whole history (oldest version first), by id.
fn patient_disclosures(
    index: &impl ReadableMultimapTable<&'static str, &'static str>,
    table: &impl ReadableTable<(&'static str, u64), &'static [u8]>,
    mrn: &str,
) -> Result<Vec<Vec<Disclosure>>, StoreError> {
    let mut out = Vec::new();
    for id in index.get(mrn)? {
        let id = id?;
        let versions = disclosure_versions(table, id.value())?;
        if versions.is_empty() {
            return Err(StoreError::Corrupt {
                table: "disclosures_by_patient".into(),
                key: format!("{mrn} -> {}", id.value()),
                detail: "index names a disclosure that has no versions".into(),
            });
        }
        out.push(versions);
    }
    Ok(out)
}

fn all_requests(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<RoiRequest>, StoreError> {
    let mut out = Vec::new();
    for row in table.iter()? {
        let (k, v) = row?;
        out.push(codec::decode(names::ROI_REQUESTS, k.value(), v.value())?);
    }
    Ok(out)
}

impl WriteTx {
    /// Stores a new request: id `ROI-000001` from a counter, version 1, indexed by patient.
    pub fn add_roi_request(&mut self, r: &mut RoiRequest) -> Result<String, StoreError> {
        let id = format!("ROI-{:06}", self.next_seq(meta::ROI_SEQ)?);
        if self.roi_request(&id)?.is_some() {
            return Err(StoreError::Internal(format!(
                "request counter gave {id}, which already exists"
            )));
        }
        r.id = id.clone();
        r.set_version(1);
        let bytes = codec::encode(r)?;
        self.tx
            .open_table(tables::ROI_REQUESTS)?
            .insert(id.as_str(), bytes.as_slice())?;
        self.tx
            .open_multimap_table(tables::ROI_BY_PATIENT)?
            .insert(r.mrn.as_str(), id.as_str())?;
        Ok(id)
    }

    /// A request by id, without a grant: the service decides before anything leaves.
    pub fn roi_request(&self, id: &str) -> Result<Option<RoiRequest>, StoreError> {
        get_str(
            &self.tx.open_table(tables::ROI_REQUESTS)?,
            names::ROI_REQUESTS,
            id,
        )
    }

    /// The request to change, if its stored version is still `expected`.
    pub fn roi_request_for_update(
        &self,
        id: &str,
        expected: u64,
    ) -> Result<RoiRequest, StoreError> {
        let current = self.roi_request(id)?;
        check_version(names::ROI_REQUESTS, id, current.as_ref(), Some(expected))?;
        current.ok_or_else(|| StoreError::NotFound {
            what: format!("release-of-information request {id}"),
        })
    }

    /// Writes a changed request at `expected` (a stale one is a `Conflict`). Its patient
    /// changes only through a merge (`move_roi`).
    pub fn put_roi_request(&mut self, r: &mut RoiRequest, expected: u64) -> Result<(), StoreError> {
        let current = self.roi_request(&r.id)?;
        check_version(names::ROI_REQUESTS, &r.id, current.as_ref(), Some(expected))?;
        match &current {
            None => {
                return Err(StoreError::NotFound {
                    what: format!("release-of-information request {}", r.id),
                });
            }
            Some(c) if c.mrn != r.mrn => {
                return Err(StoreError::Internal(format!(
                    "request {} cannot change its patient",
                    r.id
                )));
            }
            Some(_) => {}
        }
        r.set_version(expected + 1);
        let bytes = codec::encode(r)?;
        self.tx
            .open_table(tables::ROI_REQUESTS)?
            .insert(r.id.as_str(), bytes.as_slice())?;
        Ok(())
    }

    /// Records a new disclosure as version 1 with id `DSC-000001`.
    pub fn add_disclosure(&mut self, d: &mut Disclosure) -> Result<String, StoreError> {
        let id = format!("DSC-{:06}", self.next_seq(meta::DISCLOSURE_SEQ)?);
        d.id = id.clone();
        d.version = 1;
        self.insert_disclosure_version(d)?;
        self.tx
            .open_multimap_table(tables::DISCLOSURES_BY_PATIENT)?
            .insert(d.mrn.as_str(), id.as_str())?;
        Ok(id)
    }

    /// The current (newest) version of a disclosure.
    pub fn disclosure(&self, id: &str) -> Result<Option<Disclosure>, StoreError> {
        Ok(disclosure_versions(&self.tx.open_table(tables::DISCLOSURES)?, id)?.pop())
    }

    /// Appends `d` as the version after `expected`; a stale correction is a `Conflict`, and a
    /// version is never written twice.
    pub fn correct_disclosure(
        &mut self,
        d: &mut Disclosure,
        expected: u64,
    ) -> Result<(), StoreError> {
        let current = self.disclosure(&d.id)?;
        match &current {
            None => {
                return Err(StoreError::NotFound {
                    what: format!("disclosure {}", d.id),
                });
            }
            Some(c) if c.version != expected => {
                return Err(StoreError::Conflict {
                    table: names::DISCLOSURES.into(),
                    key: d.id.clone(),
                    by: Some(c.recorded_by.clone()),
                    at: Some(c.recorded_at),
                });
            }
            Some(c) if c.mrn != d.mrn => {
                return Err(StoreError::Internal(format!(
                    "disclosure {} cannot change its patient",
                    d.id
                )));
            }
            Some(_) => {}
        }
        d.version = expected + 1;
        self.insert_disclosure_version(d)
    }

    fn insert_disclosure_version(&mut self, d: &Disclosure) -> Result<(), StoreError> {
        let mut table = self.tx.open_table(tables::DISCLOSURES)?;
        if table.get((d.id.as_str(), d.version))?.is_some() {
            return Err(StoreError::Internal(format!(
                "disclosure {} version {} already exists; versions are never rewritten",
                d.id, d.version
            )));
        }
        let bytes = codec::encode(d)?;
        table.insert((d.id.as_str(), d.version), bytes.as_slice())?;
        Ok(())
    }

    pub fn add_accounting(&mut self, a: &mut AccountingRecord) -> Result<String, StoreError> {
        let id = format!("ACC-{:06}", self.next_seq(meta::ACCOUNTING_SEQ)?);
        a.id = id.clone();
        let bytes = codec::encode(a)?;
        self.tx
            .open_table(tables::ACCOUNTINGS)?
            .insert(id.as_str(), bytes.as_slice())?;
        self.tx
            .open_multimap_table(tables::ACCOUNTINGS_BY_PATIENT)?
            .insert(a.mrn.as_str(), id.as_str())?;
        Ok(id)
    }

    /// Rewrites an accounting record (its folder is known only once the file is written, in
    /// the same transaction that added it).
    pub fn put_accounting(&mut self, a: &AccountingRecord) -> Result<(), StoreError> {
        let bytes = codec::encode(a)?;
        self.tx
            .open_table(tables::ACCOUNTINGS)?
            .insert(a.id.as_str(), bytes.as_slice())?;
        Ok(())
    }

    /// Moves chart `from`'s requests, disclosures and accountings to `to` (a merge; its undo
    /// with `only` what the merge moved). Requests get a new version, disclosures a new
    /// version (the old MRN stays in the history), and the indexes follow. Returns the ids
    /// moved: (requests, disclosures, accountings).
    pub fn move_roi(
        &mut self,
        from: &str,
        to: &str,
        merged: bool,
        only: OnlyRoi,
    ) -> Result<MovedRoi, StoreError> {
        let keep =
            |list: Option<&[String]>, id: &str| list.is_none_or(|l| l.iter().any(|x| x == id));
        let moved_from = merged.then(|| from.to_string());
        let requests: Vec<RoiRequest> = by_index(
            &self.tx.open_multimap_table(tables::ROI_BY_PATIENT)?,
            "roi_by_patient",
            &self.tx.open_table(tables::ROI_REQUESTS)?,
            names::ROI_REQUESTS,
            from,
        )?;
        let mut moved_requests = Vec::new();
        for mut r in requests {
            if !keep(only.map(|o| o.0), &r.id) {
                continue;
            }
            r.mrn = to.to_string();
            r.moved_from = moved_from.clone();
            r.version += 1;
            let bytes = codec::encode(&r)?;
            self.tx
                .open_table(tables::ROI_REQUESTS)?
                .insert(r.id.as_str(), bytes.as_slice())?;
            let mut index = self.tx.open_multimap_table(tables::ROI_BY_PATIENT)?;
            index.remove(from, r.id.as_str())?;
            index.insert(to, r.id.as_str())?;
            moved_requests.push(r.id);
        }
        let histories = patient_disclosures(
            &self
                .tx
                .open_multimap_table(tables::DISCLOSURES_BY_PATIENT)?,
            &self.tx.open_table(tables::DISCLOSURES)?,
            from,
        )?;
        let mut moved_disclosures = Vec::new();
        for mut versions in histories {
            let Some(mut d) = versions.pop() else {
                continue;
            };
            if !keep(only.map(|o| o.1), &d.id) {
                continue;
            }
            d.mrn = to.to_string();
            d.moved_from = moved_from.clone();
            d.version += 1;
            d.correction_reason = Some(if merged {
                format!("chart {from} merged into {to}")
            } else {
                format!("merge of {to} into {from} undone")
            });
            self.insert_disclosure_version(&d)?;
            let mut index = self
                .tx
                .open_multimap_table(tables::DISCLOSURES_BY_PATIENT)?;
            index.remove(from, d.id.as_str())?;
            index.insert(to, d.id.as_str())?;
            moved_disclosures.push(d.id);
        }
        let accountings: Vec<AccountingRecord> = by_index(
            &self
                .tx
                .open_multimap_table(tables::ACCOUNTINGS_BY_PATIENT)?,
            "accountings_by_patient",
            &self.tx.open_table(tables::ACCOUNTINGS)?,
            names::ACCOUNTINGS,
            from,
        )?;
        let mut moved_accountings = Vec::new();
        for mut a in accountings {
            if !keep(only.map(|o| o.2), &a.id) {
                continue;
            }
            a.mrn = to.to_string();
            a.moved_from = moved_from.clone();
            let bytes = codec::encode(&a)?;
            self.tx
                .open_table(tables::ACCOUNTINGS)?
                .insert(a.id.as_str(), bytes.as_slice())?;
            let mut index = self
                .tx
                .open_multimap_table(tables::ACCOUNTINGS_BY_PATIENT)?;
            index.remove(from, a.id.as_str())?;
            index.insert(to, a.id.as_str())?;
            moved_accountings.push(a.id);
        }
        Ok((moved_requests, moved_disclosures, moved_accountings))
    }

    /// How many requests exist (whoever may see them; for the demo seed).
    pub fn roi_request_count(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        Ok(self.tx.open_table(tables::ROI_REQUESTS)?.len()?)
    }

    pub fn roi_requests(&self, grant: &Grant) -> Result<Vec<RoiRequest>, StoreError> {
        require(grant, &READ_GRANTS)?;
        all_requests(&self.tx.open_table(tables::ROI_REQUESTS)?)
    }

    pub fn disclosures_of(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<Vec<Vec<Disclosure>>, StoreError> {
        require(grant, &READ_GRANTS)?;
        patient_disclosures(
            &self
                .tx
                .open_multimap_table(tables::DISCLOSURES_BY_PATIENT)?,
            &self.tx.open_table(tables::DISCLOSURES)?,
            mrn,
        )
    }

    pub fn accountings_of(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<Vec<AccountingRecord>, StoreError> {
        require(grant, &READ_GRANTS)?;
        by_index(
            &self
                .tx
                .open_multimap_table(tables::ACCOUNTINGS_BY_PATIENT)?,
            "accountings_by_patient",
            &self.tx.open_table(tables::ACCOUNTINGS)?,
            names::ACCOUNTINGS,
            mrn,
        )
    }

    pub fn roi_requests_of(&self, grant: &Grant, mrn: &str) -> Result<Vec<RoiRequest>, StoreError> {
        require(grant, &READ_GRANTS)?;
        by_index(
            &self.tx.open_multimap_table(tables::ROI_BY_PATIENT)?,
            "roi_by_patient",
            &self.tx.open_table(tables::ROI_REQUESTS)?,
            names::ROI_REQUESTS,
            mrn,
        )
    }
}
