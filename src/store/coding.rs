//! Coding (issue 6) in the store: one record per encounter somebody has worked, every saved
//! code list kept as its own version, the coding queue as a compact table of rows, and the
//! "marked coded" steps by time for productivity.
//!
//! The queue table holds a row for every discharged encounter that is not final (an
//! encounter with no coding record is uncoded). Every write that changes what a row shows
//! (the encounter, the patient's name or flag, the coding record) rewrites the row in the
//! same transaction and logs its encounter id under a new change number, so the service's
//! copy of the queue in memory catches up by reading only the rows that changed.

use super::tables::{self, meta, names};
use super::tx::{ReadTx, Versioned, WriteTx, covers_encounter, get_str, require, require_for};
use super::{StoreError, codec};
use crate::domain::coding::{CodeListVersion, CodedEvent, CodingRecord, CodingStatus, QueueRow};
use crate::domain::{Encounter, Patient};
use crate::policy::{Grant, Permission};
use chrono::{DateTime, Utc};
use redb::{ReadableMultimapTable, ReadableTable};

impl Versioned for CodingRecord {
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

/// Grants that let a caller read an encounter's codes.
const CODE_GRANTS: [Permission; 2] = [Permission::ViewCodes, Permission::EditCodes];

/// More changes than this since the copy in memory was read: read the whole queue again.
const FULL_RELOAD_AFTER: u64 = 20_000;

/// What the queue in memory needs to catch up to change number `change`.
#[derive(Debug)]
pub struct QueueDelta {
    pub change: u64,
    /// True when `rows` is the whole queue (replace the copy), false when it is the rows
    /// changed since the copy's change number (`None`: the row left the queue).
    pub full: bool,
    pub rows: Vec<(String, Option<QueueRow>)>,
}

/// The row an encounter shows in the queue, or None when it is not in the queue (not
/// discharged, or final).
fn queue_row(
    e: &Encounter,
    patient: Option<&Patient>,
    record: Option<&CodingRecord>,
) -> Option<QueueRow> {
    let discharged = e.discharged?;
    if record.is_some_and(|r| r.status == CodingStatus::Final) {
        return None;
    }
    Some(QueueRow {
        encounter_id: e.id.clone(),
        mrn: e.mrn.clone(),
        patient: patient.map(Patient::display_name).unwrap_or_default(),
        class: e.class,
        admitted: e.admitted,
        discharged,
        attending: e.attending.clone(),
        assigned: record.and_then(|r| r.assigned.clone()),
        status: record.map_or(CodingStatus::Uncoded, |r| r.status),
        hold: record.and_then(|r| r.hold),
        version: record.map_or(0, |r| r.version),
        restricted: e.sensitivity.is_some() || patient.is_some_and(|p| p.sensitivity.is_some()),
        age_days: 0,
        held_since: record.and_then(CodingRecord::held_since),
    })
}

fn coded_key(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

impl WriteTx {
    /// An encounter's coding record, without a grant: the service decides on the encounter's
    /// chart and flag before anything of it leaves the transaction.
    pub fn coding_record(&self, encounter_id: &str) -> Result<Option<CodingRecord>, StoreError> {
        get_str(
            &self.tx.open_table(tables::CODING)?,
            names::CODING,
            encounter_id,
        )
    }

    /// The record to change: the stored one, or a fresh uncoded one (version 0) for a
    /// discharged encounter nobody worked yet. `NotFound` without such an encounter;
    /// refused when the encounter is not discharged.
    pub fn coding_record_or_new(&self, encounter_id: &str) -> Result<CodingRecord, StoreError> {
        let e: Encounter = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            encounter_id,
        )?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("encounter {encounter_id}"),
        })?;
        if let Some(mut r) = self.coding_record(encounter_id)? {
            // A merge moves the encounter; the record follows it.
            r.mrn = e.mrn;
            return Ok(r);
        }
        let Some(discharged) = e.discharged else {
            return Err(StoreError::Refused(format!(
                "encounter {encounter_id} is not discharged yet; it is coded after discharge"
            )));
        };
        Ok(CodingRecord::new(&e.id, &e.mrn, e.class, discharged))
    }

    /// Writes a changed record if the stored version is `expected` (0: no record stored yet);
    /// a stale one is a `Conflict`. The queue row follows in the same transaction.
    pub fn put_coding(&mut self, r: &mut CodingRecord, expected: u64) -> Result<(), StoreError> {
        let current = self.coding_record(&r.encounter_id)?;
        match (&current, expected) {
            (None, 0) => {}
            (Some(c), v) if c.version == v => {}
            (None, _) => {
                return Err(StoreError::Conflict {
                    table: names::CODING.into(),
                    key: r.encounter_id.clone(),
                    by: None,
                    at: None,
                });
            }
            (Some(c), _) => {
                let (by, at) = c
                    .changed_by()
                    .map_or((None, None), |(b, a)| (Some(b), Some(a)));
                return Err(StoreError::Conflict {
                    table: names::CODING.into(),
                    key: r.encounter_id.clone(),
                    by,
                    at,
                });
            }
        }
        r.set_version(expected + 1);
        let bytes = codec::encode(r)?;
        self.tx
            .open_table(tables::CODING)?
            .insert(r.encounter_id.as_str(), bytes.as_slice())?;
        self.sync_coding_queue(&r.encounter_id)
    }

    /// Keeps a saved code list. A version is written once: writing one that exists is an
    /// internal error, never an overwrite.
    pub fn put_code_list_version(&mut self, v: &CodeListVersion) -> Result<(), StoreError> {
        let mut t = self.tx.open_table(tables::CODING_VERSIONS)?;
        let key = (v.encounter_id.as_str(), v.version);
        if t.get(key)?.is_some() {
            return Err(StoreError::Internal(format!(
                "code list {} v{} exists already; versions are never overwritten",
                v.encounter_id, v.version
            )));
        }
        let bytes = codec::encode(v)?;
        t.insert(key, bytes.as_slice())?;
        Ok(())
    }

    /// Every saved code list of an encounter, oldest first.
    pub fn code_list_versions(
        &self,
        grant: &Grant,
        encounter_id: &str,
    ) -> Result<Vec<CodeListVersion>, StoreError> {
        require(grant, &CODE_GRANTS)?;
        self.require_encounter(grant, encounter_id)?;
        let t = self.tx.open_table(tables::CODING_VERSIONS)?;
        let mut out = Vec::new();
        for row in t.range((encounter_id, 0)..=(encounter_id, u64::MAX))? {
            let (k, v) = row?;
            let (id, n) = k.value();
            out.push(codec::decode(
                names::CODING_VERSIONS,
                &format!("{id} v{n}"),
                v.value(),
            )?);
        }
        Ok(out)
    }

    /// The grant covers this encounter's chart and its flag.
    fn require_encounter(&self, grant: &Grant, encounter_id: &str) -> Result<(), StoreError> {
        if let Some((mrn, flag)) = self.encounter_place(encounter_id)? {
            require_for(grant, self.patient_sensitivity(&mrn)?.flatten())?;
            if !covers_encounter(grant, flag) {
                return Err(StoreError::NotGranted);
            }
        }
        Ok(())
    }

    /// An encounter's coding record, for a caller with a grant to read codes that covers the
    /// encounter's chart and flag.
    pub fn coding_record_granted(
        &self,
        grant: &Grant,
        encounter_id: &str,
    ) -> Result<Option<CodingRecord>, StoreError> {
        require(grant, &CODE_GRANTS)?;
        self.require_encounter(grant, encounter_id)?;
        self.coding_record(encounter_id)
    }

    /// A chart's encounters with their coding records (None: never worked), in encounter id
    /// order. Encounters the grant does not open are left out; the caller names them.
    pub fn coding_for_patient(
        &self,
        grant: &Grant,
        mrn: &str,
    ) -> Result<Vec<(Encounter, Option<CodingRecord>)>, StoreError> {
        require(grant, &CODE_GRANTS)?;
        require_for(grant, self.patient_sensitivity(mrn)?.flatten())?;
        let coding = self.tx.open_table(tables::CODING)?;
        let mut out = Vec::new();
        for e in self.stored_encounters(mrn)? {
            if !covers_encounter(grant, e.sensitivity) {
                continue;
            }
            let r: Option<CodingRecord> = get_str(&coding, names::CODING, &e.id)?;
            out.push((e, r));
        }
        Ok(out)
    }

    /// The coding status of the encounters a chart open just read (`encounters_shown`): the
    /// withheld ones are skipped, the others read from the coding table alone, so the chart
    /// does not read its encounters a second time.
    pub fn coding_statuses(
        &self,
        grant: &Grant,
        shown: &[(Encounter, bool)],
    ) -> Result<Vec<(String, CodingStatus)>, StoreError> {
        require(grant, &CODE_GRANTS)?;
        let coding = self.tx.open_table(tables::CODING)?;
        let mut out = Vec::new();
        for (e, withheld) in shown {
            if *withheld || !covers_encounter(grant, e.sensitivity) {
                continue;
            }
            let r: Option<CodingRecord> = get_str(&coding, names::CODING, &e.id)?;
            out.push((e.id.clone(), r.map_or(CodingStatus::Uncoded, |r| r.status)));
        }
        Ok(out)
    }

    /// Records a "marked coded" step for productivity.
    pub fn record_coded(&mut self, ev: &CodedEvent) -> Result<(), StoreError> {
        let bytes = codec::encode(ev)?;
        self.tx.open_table(tables::CODING_CODED)?.insert(
            (coded_key(ev.at), ev.encounter_id.as_str()),
            bytes.as_slice(),
        )?;
        Ok(())
    }

    /// The "marked coded" steps in `[from, to)`, oldest first.
    pub fn coded_events(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CodedEvent>, StoreError> {
        let t = self.tx.open_table(tables::CODING_CODED)?;
        let mut out = Vec::new();
        let (a, b) = (coded_key(from), coded_key(to));
        if a >= b {
            return Ok(out);
        }
        for row in t.range((a, "")..(b, ""))? {
            let (k, v) = row?;
            let (ms, id) = k.value();
            out.push(codec::decode(
                names::CODING_CODED,
                &format!("{ms} {id}"),
                v.value(),
            )?);
        }
        Ok(out)
    }

    /// Brings the queue row of encounter `id` in line with the encounter, its patient and
    /// its coding record.
    pub(super) fn sync_coding_queue(&mut self, id: &str) -> Result<(), StoreError> {
        let e: Option<Encounter> = get_str(
            &self.tx.open_table(tables::ENCOUNTERS)?,
            names::ENCOUNTERS,
            id,
        )?;
        match e {
            Some(e) => self.sync_coding_queue_for(&e),
            None => self.set_queue_row(id, None),
        }
    }

    /// [`Self::sync_coding_queue`] for an encounter just written.
    pub(super) fn sync_coding_queue_for(&mut self, e: &Encounter) -> Result<(), StoreError> {
        if e.discharged.is_none() {
            return self.set_queue_row(&e.id, None);
        }
        let mut record = self.coding_record(&e.id)?;
        if let Some(r) = record.as_mut().filter(|r| r.mrn != e.mrn) {
            // The encounter moved with a merge (or its undo): the record follows, as a new
            // version so a form opened before the merge does not write over it.
            r.mrn = e.mrn.clone();
            r.version += 1;
            let bytes = codec::encode(&*r)?;
            self.tx
                .open_table(tables::CODING)?
                .insert(e.id.as_str(), bytes.as_slice())?;
        }
        let patient: Option<Patient> = get_str(
            &self.tx.open_table(tables::PATIENTS)?,
            names::PATIENTS,
            &e.mrn,
        )?;
        let row = queue_row(e, patient.as_ref(), record.as_ref());
        self.set_queue_row(&e.id, row)
    }

    /// Re-syncs the queue rows of a patient's encounters (a name or flag changed).
    pub(super) fn sync_patient_coding_queue(&mut self, mrn: &str) -> Result<(), StoreError> {
        let mut ids = Vec::new();
        {
            let index = self.tx.open_multimap_table(tables::ENCOUNTERS_BY_PATIENT)?;
            let queue = self.tx.open_table(tables::CODING_QUEUE)?;
            for id in index.get(mrn)? {
                let id = id?.value().to_string();
                if queue.get(id.as_str())?.is_some() {
                    ids.push(id);
                }
            }
        }
        for id in ids {
            self.sync_coding_queue(&id)?;
        }
        Ok(())
    }

    /// Writes (or removes) one queue row when it differs, logging the change.
    fn set_queue_row(&mut self, id: &str, row: Option<QueueRow>) -> Result<(), StoreError> {
        let mut queue = self.tx.open_table(tables::CODING_QUEUE)?;
        let current: Option<QueueRow> = get_str(&queue, names::CODING_QUEUE, id)?;
        if current == row {
            return Ok(());
        }
        match &row {
            Some(r) => {
                let bytes = codec::encode(r)?;
                queue.insert(id, bytes.as_slice())?;
            }
            None => {
                queue.remove(id)?;
            }
        }
        drop(queue);
        let change = self.next_seq(meta::CODING_QUEUE_GEN)?;
        self.tx
            .open_table(tables::CODING_QUEUE_LOG)?
            .insert(change, id)?;
        Ok(())
    }

    /// Builds the queue from every encounter (migration to schema 7, and repair).
    pub(super) fn rebuild_coding_queue(&mut self) -> Result<u64, StoreError> {
        let mut ids = Vec::new();
        for row in self.tx.open_table(tables::ENCOUNTERS)?.iter()? {
            ids.push(row?.0.value().to_string());
        }
        for id in &ids {
            self.sync_coding_queue(id)?;
        }
        Ok(ids.len() as u64)
    }
}

fn decode_row(key: &str, bytes: &[u8]) -> Result<QueueRow, StoreError> {
    let row: QueueRow = codec::decode(names::CODING_QUEUE, key, bytes)?;
    if row.encounter_id != key {
        return Err(StoreError::Corrupt {
            table: names::CODING_QUEUE.into(),
            key: key.into(),
            detail: format!("the row is for encounter {}", row.encounter_id),
        });
    }
    Ok(row)
}

impl ReadTx {
    /// What a copy of the queue at change number `since` (None: no copy yet) needs to catch
    /// up; the whole queue when there is no copy, it is from another file, or too much
    /// changed since.
    pub fn coding_queue_delta(&self, since: Option<u64>) -> Result<QueueDelta, StoreError> {
        let change: u64 = get_str(
            &self.tx.open_table(tables::META)?,
            names::META,
            meta::CODING_QUEUE_GEN,
        )?
        .unwrap_or(0);
        let queue = self.tx.open_table(tables::CODING_QUEUE)?;
        match since {
            Some(s) if s <= change && change - s <= FULL_RELOAD_AFTER => {
                let log = self.tx.open_table(tables::CODING_QUEUE_LOG)?;
                let mut ids: Vec<String> = Vec::new();
                for row in log.range(s + 1..=change)? {
                    ids.push(row?.1.value().to_string());
                }
                ids.sort();
                ids.dedup();
                let mut rows = Vec::with_capacity(ids.len());
                for id in ids {
                    let row = match queue.get(id.as_str())? {
                        Some(v) => Some(decode_row(&id, v.value())?),
                        None => None,
                    };
                    rows.push((id, row));
                }
                Ok(QueueDelta {
                    change,
                    full: false,
                    rows,
                })
            }
            _ => {
                let mut rows = Vec::new();
                for row in queue.iter()? {
                    let (k, v) = row?;
                    let key = k.value();
                    rows.push((key.to_string(), Some(decode_row(key, v.value())?)));
                }
                Ok(QueueDelta {
                    change,
                    full: true,
                    rows,
                })
            }
        }
    }
}

impl WriteTx {
    /// Every queue row, for tools that work the whole queue (the demo's coding history).
    pub fn coding_queue_rows(&self) -> Result<Vec<QueueRow>, StoreError> {
        let mut out = Vec::new();
        for row in self.tx.open_table(tables::CODING_QUEUE)?.iter()? {
            let (k, v) = row?;
            out.push(decode_row(k.value(), v.value())?);
        }
        Ok(out)
    }

    /// The ICD-10-CM problem codes recorded at each encounter (the synthetic loader's
    /// diagnoses), for the demo's coding history: encounter id -> codes as written.
    pub fn problem_codes_by_encounter(
        &self,
    ) -> Result<std::collections::HashMap<String, Vec<String>>, StoreError> {
        use crate::domain::clinical::ClinicalItem;
        let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
        for row in self.tx.open_table(tables::CLINICAL_ITEMS)?.iter()? {
            let (k, v) = row?;
            let item: ClinicalItem = codec::decode(names::CLINICAL_ITEMS, k.value(), v.value())?;
            if let ClinicalItem::Problem(p) = item
                && let Some(e) = p.meta.encounter_id.clone()
            {
                out.entry(e).or_default().push(p.code);
            }
        }
        Ok(out)
    }
}
