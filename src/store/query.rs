//! Physician queries in the store: one record per query, indexed by the encounter it asks
//! about and by the users on it (the coder who sent it, the clinician asked). The text quotes
//! the record, so reading it needs the clinical-text grant on the encounter, as sensitive as
//! the chart and the encounter are.

use super::tables::{self, meta, names};
use super::tx::{
    Versioned, WriteTx, check_version, covers_encounter, get_str, require, require_for,
};
use super::{StoreError, codec};
use crate::domain::query::{PhysicianQuery, QueryStatus};
use crate::policy::{Grant, Permission};
use chrono::{DateTime, Utc};
use redb::ReadableMultimapTable;

impl Versioned for PhysicianQuery {
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, v: u64) {
        self.version = v;
    }
    fn changed_by(&self) -> Option<(String, DateTime<Utc>)> {
        let last = self.answer.as_ref().or(self.withdrawn.as_ref());
        Some(last.map_or((self.sent_by.clone(), self.sent_at), |a| {
            (a.by.clone(), a.at)
        }))
    }
}

impl WriteTx {
    /// Stores a new query: assigns its id (`Q-000001`, from a counter in `meta`) and version
    /// 1, and indexes it under its encounter, its sender and the clinician asked.
    pub fn add_query(&mut self, q: &mut PhysicianQuery) -> Result<String, StoreError> {
        let id = format!("Q-{:06}", self.next_seq(meta::QUERY_SEQ)?);
        if self.query(&id)?.is_some() {
            return Err(StoreError::Internal(format!(
                "query counter gave {id}, which already exists"
            )));
        }
        q.id = id.clone();
        q.set_version(1);
        let bytes = codec::encode(q)?;
        self.tx
            .open_table(tables::QUERIES)?
            .insert(id.as_str(), bytes.as_slice())?;
        self.tx
            .open_multimap_table(tables::QUERIES_BY_ENCOUNTER)?
            .insert(q.draft.encounter_id.as_str(), id.as_str())?;
        let mut by_user = self.tx.open_multimap_table(tables::QUERIES_BY_USER)?;
        by_user.insert(q.sent_by.as_str(), id.as_str())?;
        by_user.insert(q.draft.to.as_str(), id.as_str())?;
        Ok(id)
    }

    /// A query by id, without a grant: the service decides on its encounter before anything
    /// of it leaves the transaction.
    pub fn query(&self, id: &str) -> Result<Option<PhysicianQuery>, StoreError> {
        get_str(&self.tx.open_table(tables::QUERIES)?, names::QUERIES, id)
    }

    /// Writes a changed query if the stored version is `expected` (`Conflict` otherwise).
    /// Its encounter, sender and addressee never change, so the indexes stay as they are.
    pub fn put_query(&mut self, q: &mut PhysicianQuery, expected: u64) -> Result<(), StoreError> {
        let current = self.query(&q.id)?;
        check_version(names::QUERIES, &q.id, current.as_ref(), Some(expected))?;
        match &current {
            None => {
                return Err(StoreError::NotFound {
                    what: format!("query {}", q.id),
                });
            }
            Some(c)
                if c.draft.encounter_id != q.draft.encounter_id
                    || c.draft.to != q.draft.to
                    || c.sent_by != q.sent_by =>
            {
                return Err(StoreError::Internal(format!(
                    "query {} cannot change its encounter, sender or addressee",
                    q.id
                )));
            }
            Some(_) => {}
        }
        q.set_version(expected + 1);
        let bytes = codec::encode(q)?;
        self.tx
            .open_table(tables::QUERIES)?
            .insert(q.id.as_str(), bytes.as_slice())?;
        Ok(())
    }

    fn query_ids(
        &self,
        index: redb::MultimapTableDefinition<&'static str, &'static str>,
        key: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for id in self.tx.open_multimap_table(index)?.get(key)? {
            out.push(id?.value().to_string());
        }
        Ok(out)
    }

    /// The queries an index names, in id order; a dangling row is corruption.
    fn queries_named(
        &self,
        index_name: &str,
        key: &str,
        ids: Vec<String>,
    ) -> Result<Vec<PhysicianQuery>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.query(&id)? {
                Some(q) => out.push(q),
                None => {
                    return Err(StoreError::Corrupt {
                        table: index_name.into(),
                        key: format!("{key} -> {id}"),
                        detail: "index names a query that does not exist".into(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The queries on an encounter, oldest first: the clinical-text grant on it.
    pub fn queries_for_encounter(
        &self,
        grant: &Grant,
        encounter_id: &str,
    ) -> Result<Vec<PhysicianQuery>, StoreError> {
        require(grant, &[Permission::ViewClinicalText])?;
        let Some((mrn, flag)) = self.encounter_place(encounter_id)? else {
            return Ok(Vec::new());
        };
        require_for(grant, self.patient_sensitivity(&mrn)?.flatten())?;
        if !covers_encounter(grant, flag) {
            return Err(StoreError::NotGranted);
        }
        let ids = self.query_ids(tables::QUERIES_BY_ENCOUNTER, encounter_id)?;
        self.queries_named("queries_by_encounter", encounter_id, ids)
    }

    /// How many queries on an encounter are still open (no content: the coding rules need
    /// only the count to keep a query hold in place).
    pub fn open_query_count(&self, encounter_id: &str) -> Result<usize, StoreError> {
        let ids = self.query_ids(tables::QUERIES_BY_ENCOUNTER, encounter_id)?;
        Ok(self
            .queries_named("queries_by_encounter", encounter_id, ids)?
            .iter()
            .filter(|q| q.status == QueryStatus::Open)
            .count())
    }

    /// Every query `username` sent or was asked, oldest first, without a grant: the service
    /// decides on each one's encounter before it shows anything of it.
    pub fn queries_of_user(&self, username: &str) -> Result<Vec<PhysicianQuery>, StoreError> {
        let ids = self.query_ids(tables::QUERIES_BY_USER, username)?;
        self.queries_named("queries_by_user", username, ids)
    }
}
