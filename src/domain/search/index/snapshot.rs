//! The built index as bytes, so a million patients load in a second instead of being decoded
//! and indexed again at every start.
//!
//! The snapshot is a cache: the `search_keys` table stays the truth. Little-endian, length
//! prefixed, versioned by [`FORMAT`]; the decoder checks every length and every position it
//! reads, so a damaged or foreign snapshot is an error (and the index is built from the keys),
//! never a panic or an index that points outside itself. Replaced entries are left out, so a
//! snapshot written after many changes is as compact as a fresh build.
//!
//! Bump [`FORMAT`] whenever the index's layout or what it derives from a key changes (folding,
//! name variants, phonetic codes, identifier keys): an old snapshot is then rebuilt, not read.

use super::{Entry, FAMILY_BIT, FLAG_REMOVED, SearchIndex, Vocab};
use crate::domain::patient::Sex;
use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;

const MAGIC: &[u8; 4] = b"CRSX";
pub const FORMAT: u32 = 1;
const NO_ENTRY: u32 = u32::MAX;

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn u32s(&mut self, v: impl ExactSizeIterator<Item = u32>) {
        self.len(v.len());
        for x in v {
            self.u32(x);
        }
    }
    fn i32s(&mut self, v: impl ExactSizeIterator<Item = i32>) {
        self.len(v.len());
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn u64s(&mut self, v: impl ExactSizeIterator<Item = u64>) {
        self.len(v.len());
        for x in v {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| format!("snapshot ends early at byte {}", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn len(&mut self) -> Result<usize, String> {
        Ok(self.u32()? as usize)
    }
    fn str(&mut self) -> Result<&'a str, String> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| format!("bad text at byte {}", self.at))
    }
    /// `n` fixed-size items; the byte count is checked before anything is allocated.
    fn items(&mut self, size: usize) -> Result<&'a [u8], String> {
        let n = self.len()?;
        self.take(n.checked_mul(size).ok_or("snapshot length overflows")?)
    }
    /// u32 values, each below `bound` once `mask` is cleared.
    fn u32s(&mut self, bound: usize, mask: u32) -> Result<Vec<u32>, String> {
        let raw = self.items(4)?;
        let out: Vec<u32> = raw
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        match out.iter().find(|v| (**v & !mask) as usize >= bound) {
            Some(v) => Err(format!("position {v} outside the snapshot's {bound}")),
            None => Ok(out),
        }
    }
    fn i32s(&mut self) -> Result<Vec<i32>, String> {
        Ok(self
            .items(4)?
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
    fn u64s(&mut self) -> Result<Vec<u64>, String> {
        Ok(self
            .items(8)?
            .chunks_exact(8)
            .map(|b| {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                u64::from_le_bytes(a)
            })
            .collect())
    }
}

fn sex_code(s: Sex) -> u8 {
    match s {
        Sex::Female => 0,
        Sex::Male => 1,
        Sex::Unknown => 2,
    }
}

fn sex_from(code: u8) -> Result<Sex, String> {
    match code {
        0 => Ok(Sex::Female),
        1 => Ok(Sex::Male),
        2 => Ok(Sex::Unknown),
        c => Err(format!("unknown sex code {c}")),
    }
}

impl SearchIndex {
    /// The index as snapshot bytes, tagged with `generation` (the change-log position the
    /// index reflects). Replaced entries are dropped and positions renumbered.
    pub fn to_snapshot(&self, generation: u64) -> Vec<u8> {
        let mut renumber = vec![NO_ENTRY; self.entries.len()];
        let mut next = 0u32;
        for (i, e) in self.entries.iter().enumerate() {
            if e.live() {
                renumber[i] = next;
                next += 1;
            }
        }
        let moved = |p: u32| renumber[(p & !FAMILY_BIT) as usize];
        let mut w = Writer(Vec::with_capacity(self.entries.len() * 128));
        w.0.extend_from_slice(MAGIC);
        w.u32(FORMAT);
        w.0.extend_from_slice(&generation.to_le_bytes());

        w.len(self.vocab.len());
        for v in &self.vocab {
            w.str(&v.text);
            let kept: Vec<u32> = v
                .postings
                .iter()
                .filter(|p| moved(**p) != NO_ENTRY)
                .map(|p| moved(*p) | (p & FAMILY_BIT))
                .collect();
            w.u32s(kept.into_iter());
        }
        w.u32s(self.sorted.iter().copied());
        w.len(self.by_code.len());
        for (code, ids) in &self.by_code {
            w.str(code);
            w.u32s(ids.iter().copied());
        }

        let live: Vec<usize> = (0..self.entries.len())
            .filter(|i| self.entries[*i].live())
            .collect();
        w.len(live.len());
        for i in &live {
            let e = &self.entries[*i];
            w.str(&e.text);
            w.u32s(e.tokens.iter().copied());
            w.u8(e.n_family);
            w.u8(sex_code(e.sex));
            w.u8(e.flags);
            match &e.merged_into {
                Some(m) => {
                    w.u8(1);
                    w.str(m);
                }
                None => w.u8(0),
            }
        }
        w.i32s(live.iter().map(|i| self.recency[*i]));
        w.i32s(live.iter().map(|i| self.dob[*i].num_days_from_ce()));
        w.u32s(
            self.by_mrn
                .iter()
                .map(|p| moved(*p))
                .filter(|p| *p != NO_ENTRY)
                .collect::<Vec<_>>()
                .into_iter(),
        );

        let mut idents: Vec<(u64, u32)> = self
            .ident_keys
            .iter()
            .zip(&self.ident_rows)
            .map(|(k, r)| (*k, *r))
            .chain(
                self.ident_added
                    .iter()
                    .flat_map(|(k, rows)| rows.iter().map(|r| (*k, *r))),
            )
            .filter_map(|(k, r)| Some((k, moved(r))).filter(|(_, r)| *r != NO_ENTRY))
            .collect();
        idents.sort_unstable();
        w.u64s(idents.iter().map(|(k, _)| *k));
        w.u32s(idents.iter().map(|(_, r)| *r));
        w.0
    }

    /// The generation a snapshot was written at, read from its header alone.
    pub fn snapshot_generation(bytes: &[u8]) -> Option<u64> {
        let mut r = Reader { bytes, at: 0 };
        (r.take(4).ok()? == MAGIC && r.u32().ok()? == FORMAT)
            .then(|| r.u64().ok())
            .flatten()
    }

    /// Reads a snapshot back: the index and its generation, or what is wrong with the bytes.
    pub fn from_snapshot(bytes: &[u8]) -> Result<(SearchIndex, u64), String> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4)? != MAGIC {
            return Err("not a search-index snapshot".into());
        }
        let format = r.u32()?;
        if format != FORMAT {
            return Err(format!(
                "snapshot format {format}, this build reads {FORMAT}"
            ));
        }
        let generation = r.u64()?;

        // Each vocabulary entry takes at least 8 bytes: a count larger than that is damage,
        // caught before it sizes an allocation.
        let n_vocab = r.len()?;
        if n_vocab > bytes.len() / 8 {
            return Err(format!("vocabulary count {n_vocab} is impossible"));
        }
        // Postings are checked against the entry count once it is known, below.
        let mut vocab = Vec::with_capacity(n_vocab);
        for _ in 0..n_vocab {
            let text = r.str()?;
            let postings = r.u32s(NO_ENTRY as usize, FAMILY_BIT)?;
            vocab.push(Vocab {
                text: text.into(),
                postings,
            });
        }
        let sorted = r.u32s(n_vocab, 0)?;
        if sorted.len() != n_vocab {
            return Err("vocabulary order does not cover the vocabulary".into());
        }
        let n_codes = r.len()?;
        if n_codes > bytes.len() / 8 {
            return Err(format!("sound-code count {n_codes} is impossible"));
        }
        let mut by_code = FxHashMap::default();
        by_code.reserve(n_codes);
        for _ in 0..n_codes {
            let code: Box<str> = r.str()?.into();
            by_code.insert(code, r.u32s(n_vocab, 0)?);
        }

        let n = r.len()?;
        if n > bytes.len() / 11 {
            return Err(format!("patient count {n} is impossible"));
        }
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            let text: Box<str> = r.str()?.into();
            if text.split('\t').count() != 3 {
                return Err(format!(
                    "entry {} is not mrn, family and given",
                    entries.len()
                ));
            }
            let tokens = r.u32s(n_vocab, 0)?.into_boxed_slice();
            let n_family = r.u8()?;
            let sex = sex_from(r.u8()?)?;
            let flags = r.u8()? & !FLAG_REMOVED;
            let merged_into = match r.u8()? {
                0 => None,
                _ => Some(r.str()?.into()),
            };
            entries.push(Entry {
                text,
                tokens,
                n_family,
                sex,
                flags,
                merged_into,
            });
        }
        if let Some(v) = vocab
            .iter()
            .flat_map(|v| &v.postings)
            .find(|p| (**p & !FAMILY_BIT) as usize >= n)
        {
            return Err(format!("posting {v} outside the snapshot's {n} patients"));
        }
        let recency = r.i32s()?;
        let dob: Vec<NaiveDate> = r
            .i32s()?
            .into_iter()
            .map(|d| NaiveDate::from_num_days_from_ce_opt(d).ok_or("impossible date of birth"))
            .collect::<Result<_, _>>()?;
        if recency.len() != n || dob.len() != n {
            return Err("per-patient arrays do not match the patient count".into());
        }
        let by_mrn = r.u32s(n, 0)?;
        let ident_keys = r.u64s()?;
        let ident_rows = r.u32s(n, 0)?;
        if ident_keys.len() != ident_rows.len() {
            return Err("identifier keys and rows differ in length".into());
        }
        if r.at != bytes.len() {
            return Err(format!("{} bytes after the end", bytes.len() - r.at));
        }

        let mut by_dob: FxHashMap<NaiveDate, Vec<u32>> = FxHashMap::default();
        for (i, d) in dob.iter().enumerate() {
            by_dob
                .entry(*d)
                .or_default()
                .push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        let mut by_text = FxHashMap::default();
        by_text.reserve(n_vocab);
        for (i, v) in vocab.iter().enumerate() {
            by_text.insert(v.text.clone(), u32::try_from(i).unwrap_or(u32::MAX));
        }
        Ok((
            SearchIndex {
                vocab,
                sorted,
                by_text,
                by_code,
                entries,
                recency,
                dob,
                by_mrn,
                by_dob,
                ident_keys,
                ident_rows,
                ident_added: FxHashMap::default(),
                built: true,
            },
            generation,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::{SearchKey, parse};
    use proptest::prelude::*;

    fn synthetic(n: usize) -> Vec<SearchKey> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let cfg = crate::synth::SynthConfig {
            seed: 7,
            patients: n,
            today,
        };
        crate::synth::generate(&cfg)
            .enumerate()
            .map(|(i, p)| {
                let mrn = crate::domain::mrn::mrn_for_sequence(i as u64 + 1);
                let at = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
                let patient = crate::domain::Patient::from_new(mrn, &p.patient, at, "test");
                let last = p.encounters.iter().map(|e| e.admitted).max();
                SearchKey::from_patient(&patient, last)
            })
            .collect()
    }

    /// Queries of every kind the index answers, from the keys themselves.
    fn queries(keys: &[SearchKey]) -> Vec<String> {
        let mut q = vec![
            "smi".to_string(),
            "smith jo".into(),
            "nguyen".into(),
            "s".into(),
        ];
        for k in keys.iter().step_by(37) {
            q.push(k.mrn.clone());
            q.push(format!("{} {}", k.family_name, k.dob.format("%m/%d/%Y")));
            q.push(k.given_names.join(" ").to_lowercase());
            if let Some(ssn) = &k.ssn {
                q.push(format!("{}{}", &k.family_name[..1], &ssn[5..]));
            }
            if let Some(p) = &k.phone {
                q.push(p.clone());
            }
            q.extend(k.identifiers.iter().cloned());
        }
        q
    }

    fn answers(idx: &SearchIndex, qs: &[String]) -> Vec<(usize, Vec<(String, u32)>)> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        qs.iter()
            .map(|q| {
                let (n, hits) = idx.search(&parse(q, today), 20);
                (n, hits.into_iter().map(|h| (h.mrn, h.score)).collect())
            })
            .collect()
    }

    #[test]
    fn a_snapshot_answers_every_query_as_the_index_it_came_from() {
        let keys = synthetic(600);
        let qs = queries(&keys);
        let built = SearchIndex::build(keys.clone());
        let bytes = built.to_snapshot(42);
        assert_eq!(SearchIndex::snapshot_generation(&bytes), Some(42));
        let (loaded, generation) = SearchIndex::from_snapshot(&bytes).unwrap();
        assert_eq!(generation, 42);
        assert_eq!(answers(&loaded, &qs), answers(&built, &qs));
        assert_eq!(loaded.len(), 600);

        // Changed after the build (replaced entries, identifiers added later), the snapshot
        // leaves the replaced ones out and still answers the same.
        let mut changed = built;
        let mut edits: Vec<SearchKey> = keys.iter().step_by(5).cloned().collect();
        for k in &mut edits {
            k.family_name = format!("Quokka{}", &k.mrn[6..]);
            k.phone = Some(format!("971555{}", &k.mrn[4..]));
        }
        changed.upsert_many(edits.clone());
        changed.upsert(edits[0].clone());
        let qs: Vec<String> = qs.into_iter().chain(queries(&edits)).collect();
        let bytes = changed.to_snapshot(43);
        let (reloaded, _) = SearchIndex::from_snapshot(&bytes).unwrap();
        assert_eq!(answers(&reloaded, &qs), answers(&changed, &qs));
        assert_eq!(
            reloaded.entries.len(),
            600,
            "replaced entries are not carried"
        );
        assert!(
            !answers(&reloaded, &["quokka".into()])[0].1.is_empty(),
            "the changed names are found"
        );
    }

    #[test]
    fn damaged_snapshots_are_refused_with_a_reason() {
        let bytes = SearchIndex::build(synthetic(40)).to_snapshot(1);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "ends early"),
            (b"XXXX".to_vec(), "not a search-index snapshot"),
            (
                [&bytes[..4], &99u32.to_le_bytes(), &bytes[8..]].concat(),
                "format 99",
            ),
            (bytes[..bytes.len() - 1].to_vec(), "ends early"),
            ([bytes.as_slice(), &[0]].concat(), "after the end"),
        ];
        for (b, want) in cases {
            let err = SearchIndex::from_snapshot(&b).err().unwrap_or_default();
            assert!(err.contains(want), "{want:?}: got {err:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any damage is an error or an index that searches without panicking.
        #[test]
        fn damage_never_panics(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
                               cut in any::<usize>()) {
            let mut bytes = SearchIndex::build(synthetic(30)).to_snapshot(1);
            for (at, v) in flips {
                let n = bytes.len();
                bytes[at % n] ^= v | 1;
            }
            bytes.truncate(bytes.len() - cut % 3);
            if let Ok((idx, _)) = SearchIndex::from_snapshot(&bytes) {
                let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
                for q in ["s", "smith jo", "00000018", "1/2/1980", "S1234", "5035550101"] {
                    let _ = idx.search(&parse(q, today), 20);
                }
                let _ = idx.get("00000018");
            }
        }
    }
}
