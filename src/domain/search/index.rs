//! The in-memory patient index.
//!
//! Every distinct folded name part is one vocabulary entry (sorted, so a typed prefix is a
//! contiguous range found by binary search) with the patients that carry it. A query name part
//! is expanded to vocabulary entries with a match quality: exact, prefix, name variant or sound
//! (Double Metaphone), or typo (edit distance 1–2 within the same first letter). The part with
//! the fewest patients drives; the other parts and the date of birth filter its candidates.
//! Identifiers (MRN, SSN, `S1234`, phone) are hash or sorted lookups and rank first.
//!
//! Memory is kept small because the daemon holds a million of these: one string per patient
//! for display, name parts as vocabulary ids, and the fields ranking touches for every
//! candidate (recency, date of birth) in flat arrays of their own.

mod snapshot;

use super::SearchKey;
use super::fold::{edit_distance_within, fold, name_variants, typo_budget};
use super::query::Query;
use crate::domain::patient::Sex;
use chrono::{Datelike, NaiveDate};
use rphonetic::{DoubleMetaphone, Encoder};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// How a result matched, best first. The order is the ranking order of the issue: exact
/// identifiers, exact names, prefixes, sound-alikes and name variants, typos.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Typo = 1,
    Phonetic = 2,
    Prefix = 3,
    ExactName = 4,
    DateOfBirth = 5,
    Identifier = 6,
}

impl MatchKind {
    pub fn label(self) -> &'static str {
        match self {
            MatchKind::Identifier => "identifier",
            MatchKind::DateOfBirth => "date of birth",
            MatchKind::ExactName => "exact name",
            MatchKind::Prefix => "prefix",
            MatchKind::Phonetic => "sounds like",
            MatchKind::Typo => "spelling",
        }
    }
}

/// How much one matching name part adds to a result's score: an exact part outweighs two
/// prefixes, so `jon smith` puts John SMITH above Jonathan SMITHERS.
fn weight(k: MatchKind) -> u32 {
    match k {
        MatchKind::ExactName => 6,
        MatchKind::Prefix => 3,
        MatchKind::Phonetic => 2,
        MatchKind::Typo => 1,
        MatchKind::DateOfBirth | MatchKind::Identifier => 0,
    }
}

/// One result, with what a results table shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub mrn: String,
    pub family_name: String,
    pub given_names: String,
    pub dob: NaiveDate,
    pub sex: Sex,
    pub deceased: bool,
    pub sensitive: bool,
    pub merged_into: Option<String>,
    /// In an undecided duplicate case.
    #[serde(default)]
    pub possible_duplicate: bool,
    pub last_visit: Option<NaiveDate>,
    pub kind: MatchKind,
    /// Higher is better; comparable within one search.
    pub score: u32,
}

impl Hit {
    /// A result row for a known patient (work lists), without a search behind it.
    pub fn from_key(k: &SearchKey) -> Hit {
        Hit {
            mrn: k.mrn.clone(),
            family_name: k.family_name.clone(),
            given_names: k.given_names.join(" "),
            dob: k.dob,
            sex: k.sex,
            deceased: k.deceased,
            sensitive: k.sensitive,
            merged_into: k.merged_into.clone(),
            possible_duplicate: k.possible_duplicate,
            last_visit: k.last_visit,
            kind: MatchKind::Identifier,
            score: 0,
        }
    }
}

struct Vocab {
    text: Box<str>,
    /// Entry positions with this name part, ascending; bit 31 set when it is a family name part.
    postings: Vec<u32>,
}

const FAMILY_BIT: u32 = 1 << 31;
const FLAG_DECEASED: u8 = 1;
const FLAG_SENSITIVE: u8 = 2;
const FLAG_REMOVED: u8 = 4;
const FLAG_DUPLICATE: u8 = 8;

struct Entry {
    /// `mrn \t family \t given names`, one allocation.
    text: Box<str>,
    /// Vocabulary ids: the family name parts first, then given and preferred.
    tokens: Box<[u32]>,
    n_family: u8,
    sex: Sex,
    flags: u8,
    merged_into: Option<Box<str>>,
}

impl Entry {
    fn field(&self, i: usize) -> &str {
        self.text.split('\t').nth(i).unwrap_or("")
    }
    fn mrn(&self) -> &str {
        self.field(0)
    }
    fn live(&self) -> bool {
        self.flags & FLAG_REMOVED == 0
    }
}

#[derive(Default)]
pub struct SearchIndex {
    vocab: Vec<Vocab>,
    /// Vocabulary ids in text order.
    sorted: Vec<u32>,
    by_text: FxHashMap<Box<str>, u32>,
    by_code: FxHashMap<Box<str>, Vec<u32>>,
    entries: Vec<Entry>,
    /// Parallel to `entries`: what ranking and filtering read for every candidate.
    recency: Vec<i32>,
    dob: Vec<NaiveDate>,
    /// Entry positions in MRN order.
    by_mrn: Vec<u32>,
    by_dob: FxHashMap<NaiveDate, Vec<u32>>,
    /// Identifier keys in ascending order, with the entry of each (parallel): a sorted array
    /// loads from a snapshot as one copy where a hash map of millions would rebuild.
    ident_keys: Vec<u64>,
    ident_rows: Vec<u32>,
    /// Identifiers of patients added after `finish`.
    ident_added: FxHashMap<u64, Vec<u32>>,
    /// Set once `build` has sorted everything; later inserts keep the order themselves.
    built: bool,
}

fn codes(token: &str) -> [String; 2] {
    let dm = DoubleMetaphone::default();
    [dm.encode(token), dm.encode_alternate(token)]
}

/// Identifier keys: a tag in the top bits, the number below.
fn ident_ssn(ssn: u64) -> u64 {
    (1 << 60) | ssn
}
fn ident_initial_ssn4(initial: char, last4: u64) -> u64 {
    (2 << 60) | (u64::from(initial) << 16) | last4
}
fn ident_phone(digits: u64) -> u64 {
    (3 << 60) | digits
}

/// Other identifiers by a 60-bit hash of their normalised text (a collision across a million
/// patients is a one-in-a-million-million event).
fn ident_other(normalized: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    normalized.hash(&mut h);
    (4 << 60) | (h.finish() & ((1 << 60) - 1))
}

fn identifier_keys(k: &SearchKey) -> Vec<u64> {
    let mut out = Vec::new();
    if let Some(ssn) = k.ssn.as_deref().filter(|s| s.len() == 9)
        && let Ok(n) = ssn.parse::<u64>()
    {
        out.push(ident_ssn(n));
        if let Some(initial) = fold(&k.family_name).chars().next() {
            out.push(ident_initial_ssn4(initial, n % 10_000));
        }
    }
    if let Some(phone) = k.phone.as_deref().filter(|p| p.len() >= 7)
        && let Ok(n) = phone.parse::<u64>()
    {
        out.push(ident_phone(n));
        out.push(ident_phone(n % 10_000_000));
    }
    for phone in k.other_phones.iter().filter(|p| p.len() >= 7) {
        if let Ok(n) = phone.parse::<u64>() {
            out.push(ident_phone(n));
            out.push(ident_phone(n % 10_000_000));
        }
    }
    for id in &k.identifiers {
        out.push(ident_other(id));
    }
    out
}

/// Calls `f` with each folded name part of `s` (split on spaces and hyphens).
fn each_token(s: &str, mut f: impl FnMut(&str)) {
    for part in s.split(|c: char| c.is_whitespace() || c == '-' || c == ',') {
        let folded = if part.is_ascii() {
            part.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect::<String>()
        } else {
            fold(part)
        };
        if !folded.is_empty() {
            f(&folded);
        }
    }
}

impl SearchIndex {
    pub fn build(keys: impl IntoIterator<Item = SearchKey>) -> SearchIndex {
        let mut index = SearchIndex::default();
        for k in keys {
            index.push(k);
        }
        index.finish()
    }

    /// Adds a patient while building (before [`SearchIndex::finish`]); streaming keys in this
    /// way never holds them all at once.
    pub fn add(&mut self, key: SearchKey) {
        if self.built {
            self.upsert(key);
        } else {
            self.push(key);
        }
    }

    /// Sorts what `add` collected; the index answers searches from here on.
    pub fn finish(mut self) -> SearchIndex {
        let index = &mut self;
        let n_vocab = u32::try_from(index.vocab.len()).unwrap_or(u32::MAX);
        index.sorted = (0..n_vocab).collect();
        let vocab = &index.vocab;
        index
            .sorted
            .sort_unstable_by(|a, b| vocab[*a as usize].text.cmp(&vocab[*b as usize].text));
        let n = u32::try_from(index.entries.len()).unwrap_or(u32::MAX);
        index.by_mrn = (0..n).collect();
        let mut pairs: Vec<(u64, u32)> = std::mem::take(&mut index.ident_keys)
            .into_iter()
            .zip(std::mem::take(&mut index.ident_rows))
            .collect();
        pairs.sort_unstable();
        (index.ident_keys, index.ident_rows) = pairs.into_iter().unzip();
        let entries = &index.entries;
        index
            .by_mrn
            .sort_unstable_by(|a, b| entries[*a as usize].mrn().cmp(entries[*b as usize].mrn()));
        index.built = true;
        self
    }

    /// Patients in the index (records replaced by a newer version not counted).
    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.live()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a patient (registration, import), or replaces the entry with the same MRN.
    pub fn upsert(&mut self, key: SearchKey) {
        if let Some(pos) = self.position_of(&key.mrn) {
            self.remove_at(pos);
        }
        let idx = self.push(key);
        if self.built {
            let entries = &self.entries;
            let mrn = entries[idx as usize].mrn();
            let pos = self
                .by_mrn
                .partition_point(|e| entries[*e as usize].mrn() < mrn);
            self.by_mrn.insert(pos, idx);
        }
    }

    /// Adds or replaces many patients at once (the changes since a snapshot): each replaced
    /// entry is marked, the new ones appended, and the MRN order sorted once, where one
    /// `upsert` at a time would shift a million positions per patient.
    pub fn upsert_many(&mut self, keys: Vec<SearchKey>) {
        if !self.built {
            keys.into_iter().for_each(|k| self.add(k));
            return;
        }
        // The last version of each MRN wins, as it would one at a time.
        let mut latest: FxHashMap<String, SearchKey> = FxHashMap::default();
        for k in keys {
            latest.insert(k.mrn.clone(), k);
        }
        let mut added = Vec::with_capacity(latest.len());
        for (_, key) in latest {
            // `by_mrn` stays sorted through the loop: new entries join it afterwards.
            if let Some(pos) = self.position_of(&key.mrn) {
                self.entries[pos as usize].flags |= FLAG_REMOVED;
            }
            added.push(self.push(key));
        }
        let entries = &self.entries;
        self.by_mrn.retain(|e| entries[*e as usize].live());
        self.by_mrn.extend(added);
        self.by_mrn
            .sort_unstable_by(|a, b| entries[*a as usize].mrn().cmp(entries[*b as usize].mrn()));
    }

    fn position_of(&self, mrn: &str) -> Option<u32> {
        let pos = self
            .by_mrn
            .partition_point(|e| self.entries[*e as usize].mrn() < mrn);
        self.by_mrn
            .get(pos)
            .copied()
            .filter(|e| self.entries[*e as usize].mrn() == mrn)
    }

    /// A replaced record keeps its slot but is no longer found.
    fn remove_at(&mut self, idx: u32) {
        self.entries[idx as usize].flags |= FLAG_REMOVED;
        self.by_mrn.retain(|p| *p != idx);
    }

    fn push(&mut self, key: SearchKey) -> u32 {
        let idx = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let mut tokens: Vec<u32> = Vec::with_capacity(4);
        each_token(&key.family_name, |t| {
            tokens.push(self_token(
                &mut self.vocab,
                &mut self.by_text,
                &mut self.by_code,
                &mut self.sorted,
                self.built,
                t,
            ))
        });
        let n_family = tokens.len();
        for g in key.given_names.iter().chain(key.preferred_name.iter()) {
            each_token(g, |t| {
                let id = self_token(
                    &mut self.vocab,
                    &mut self.by_text,
                    &mut self.by_code,
                    &mut self.sorted,
                    self.built,
                    t,
                );
                if !tokens.contains(&id) {
                    tokens.push(id);
                }
            });
        }
        for (i, t) in tokens.iter().enumerate() {
            let posting = if i < n_family { idx | FAMILY_BIT } else { idx };
            let postings = &mut self.vocab[*t as usize].postings;
            match postings.last() {
                Some(last) if last & !FAMILY_BIT == idx => {
                    // Same part in family and given name: keep the family mark.
                    if i < n_family
                        && let Some(l) = postings.last_mut()
                    {
                        *l |= FAMILY_BIT;
                    }
                }
                _ => postings.push(posting),
            }
        }
        self.by_dob.entry(key.dob).or_default().push(idx);
        for k in identifier_keys(&key) {
            if self.built {
                self.ident_added.entry(k).or_default().push(idx);
            } else {
                self.ident_keys.push(k);
                self.ident_rows.push(idx);
            }
        }
        let mut flags = 0;
        if key.deceased {
            flags |= FLAG_DECEASED;
        }
        if key.sensitive {
            flags |= FLAG_SENSITIVE;
        }
        if key.possible_duplicate {
            flags |= FLAG_DUPLICATE;
        }
        self.recency
            .push(key.last_visit.map_or(i32::MIN, |d| d.num_days_from_ce()));
        self.dob.push(key.dob);
        self.entries.push(Entry {
            text: format!(
                "{}\t{}\t{}",
                key.mrn,
                key.family_name,
                key.given_names.join(" ")
            )
            .into(),
            tokens: tokens.into_boxed_slice(),
            n_family: u8::try_from(n_family).unwrap_or(u8::MAX),
            sex: key.sex,
            flags,
            merged_into: key.merged_into.map(String::into_boxed_str),
        });
        idx
    }

    /// Entries carrying identifier key `k`.
    fn with_ident(&self, k: u64) -> impl Iterator<Item = u32> + '_ {
        let from = self.ident_keys.partition_point(|x| *x < k);
        let to = from + self.ident_keys[from..].partition_point(|x| *x == k);
        self.ident_rows[from..to]
            .iter()
            .chain(self.ident_added.get(&k).into_iter().flatten())
            .copied()
    }

    /// Vocabulary entries a typed name part may stand for, with the quality of each.
    fn expand(&self, token: &str) -> FxHashMap<u32, MatchKind> {
        let mut out: FxHashMap<u32, MatchKind> = FxHashMap::default();
        let mut add = |id: u32, kind: MatchKind| {
            let e = out.entry(id).or_insert(kind);
            if kind > *e {
                *e = kind;
            }
        };
        let text = |id: &u32| self.vocab[*id as usize].text.as_ref();
        let start = self.sorted.partition_point(|id| text(id) < token);
        for id in &self.sorted[start..] {
            let t = text(id);
            if !t.starts_with(token) {
                break;
            }
            add(
                *id,
                if t == token {
                    MatchKind::ExactName
                } else {
                    MatchKind::Prefix
                },
            );
        }
        if token.len() < 2 {
            return out;
        }
        for v in name_variants(token) {
            if let Some(id) = self.by_text.get(v) {
                add(*id, MatchKind::Phonetic);
            }
        }
        for c in codes(token).iter().filter(|c| !c.is_empty()) {
            for id in self.by_code.get(c.as_str()).into_iter().flatten() {
                add(*id, MatchKind::Phonetic);
            }
        }
        let budget = typo_budget(token.len());
        if budget > 0 {
            let first = &token[..1];
            let from = self.sorted.partition_point(|id| text(id) < first);
            for id in &self.sorted[from..] {
                let t = text(id);
                if !t.starts_with(first) {
                    break;
                }
                if edit_distance_within(token, t, budget).is_some() {
                    add(*id, MatchKind::Typo);
                }
            }
        }
        out
    }

    fn hit(&self, idx: u32, kind: MatchKind, score: u32) -> Hit {
        let e = &self.entries[idx as usize];
        Hit {
            mrn: e.mrn().to_string(),
            family_name: e.field(1).to_string(),
            given_names: e.field(2).to_string(),
            dob: self.dob[idx as usize],
            sex: e.sex,
            deceased: e.flags & FLAG_DECEASED != 0,
            sensitive: e.flags & FLAG_SENSITIVE != 0,
            merged_into: e.merged_into.as_ref().map(|m| m.to_string()),
            possible_duplicate: e.flags & FLAG_DUPLICATE != 0,
            last_visit: NaiveDate::from_num_days_from_ce_opt(self.recency[idx as usize]),
            kind,
            score,
        }
    }

    /// The patient with this MRN, as a result row (recent-patient lists).
    pub fn get(&self, mrn: &str) -> Option<Hit> {
        self.position_of(mrn)
            .map(|idx| self.hit(idx, MatchKind::Identifier, 0))
    }

    /// Answers `q`: the number of matching patients and the best `limit` of them.
    pub fn search(&self, q: &Query, limit: usize) -> (usize, Vec<Hit>) {
        // (entry, kind, name score); each entry at most once, marked in `seen` (a bitmap is
        // O(n) where sorting a quarter of a million candidates is not).
        let mut found: Vec<(u32, MatchKind, u32)> = Vec::new();
        let mut seen = Seen::new(self.entries.len());
        let live = |idx: u32| self.entries[idx as usize].live();
        let dob_ok = |idx: u32| {
            let d = self.dob[idx as usize];
            q.dob.is_none_or(|want| d == want) && q.birth_year.is_none_or(|y| d.year() == y)
        };
        // Matches counted but not kept: the tail of a huge MRN-prefix range.
        let mut uncounted = 0usize;

        // Identifiers first: they rank above any name match.
        if let Some(prefix) = &q.mrn_prefix {
            let entries = &self.entries;
            let start = self
                .by_mrn
                .partition_point(|e| entries[*e as usize].mrn() < prefix.as_str());
            let len = self.by_mrn[start..]
                .partition_point(|e| entries[*e as usize].mrn().starts_with(prefix.as_str()));
            // A short prefix ("0") covers most of the file: keep the first page in MRN order
            // and only count the rest.
            let keep = if len > limit.saturating_mul(4) + 1000 {
                limit
            } else {
                len
            };
            uncounted += len - keep;
            for e in &self.by_mrn[start..start + keep] {
                if live(*e) && dob_ok(*e) && seen.insert(*e) {
                    found.push((*e, MatchKind::Identifier, 0));
                }
            }
        }
        let mut idents = Vec::new();
        if let Some(n) = q.ssn.as_deref().and_then(|s| s.parse::<u64>().ok()) {
            idents.push(ident_ssn(n));
        }
        if let Some((initial, four)) = &q.initial_ssn4
            && let Ok(n) = four.parse::<u64>()
        {
            idents.push(ident_initial_ssn4(*initial, n));
        }
        if let Some(n) = q.phone.as_deref().and_then(|s| s.parse::<u64>().ok()) {
            idents.push(ident_phone(n));
        }
        if let Some(id) = &q.identifier {
            idents.push(ident_other(id));
        }
        for k in idents {
            for idx in self.with_ident(k) {
                if live(idx) && dob_ok(idx) && seen.insert(idx) {
                    found.push((idx, MatchKind::Identifier, 0));
                }
            }
        }

        let name_parts: Vec<(&str, bool)> = q
            .family
            .iter()
            .map(|t| (t.as_str(), true))
            .chain(q.names.iter().map(|t| (t.as_str(), false)))
            .collect();

        if name_parts.is_empty() {
            if let Some(dob) = q.dob {
                for idx in self.by_dob.get(&dob).into_iter().flatten().copied() {
                    if live(idx) && seen.insert(idx) {
                        found.push((idx, MatchKind::DateOfBirth, 0));
                    }
                }
            } else if let Some(year) = q.birth_year.filter(|_| found.is_empty()) {
                for (idx, d) in self.dob.iter().enumerate() {
                    let idx = u32::try_from(idx).unwrap_or(u32::MAX);
                    if d.year() == year && live(idx) && seen.insert(idx) {
                        found.push((idx, MatchKind::DateOfBirth, 0));
                    }
                }
            }
        } else {
            let expanded: Vec<(FxHashMap<u32, MatchKind>, bool)> = name_parts
                .iter()
                .map(|(t, fam)| (self.expand(t), *fam))
                .collect();
            // The part with the fewest patients drives; the others filter.
            let cost = |m: &FxHashMap<u32, MatchKind>| -> usize {
                m.keys()
                    .map(|id| self.vocab[*id as usize].postings.len())
                    .sum()
            };
            let Some(driver) = (0..expanded.len()).min_by_key(|i| cost(&expanded[*i].0)) else {
                return (0, Vec::new());
            };
            let (driver_matches, driver_family_only) = &expanded[driver];
            // Best matches first, so the first time a patient is seen is its best way in.
            let mut ways: Vec<(u32, MatchKind)> =
                driver_matches.iter().map(|(id, k)| (*id, *k)).collect();
            ways.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let single = expanded.len() == 1;
            for (id, kind) in ways {
                for p in &self.vocab[id as usize].postings {
                    let fam = p & FAMILY_BIT != 0;
                    let idx = p & !FAMILY_BIT;
                    if (*driver_family_only && !fam) || !live(idx) || !dob_ok(idx) {
                        continue;
                    }
                    if single {
                        if seen.insert(idx) {
                            found.push((idx, kind, weight(kind) * 2 + u32::from(fam)));
                        }
                        continue;
                    }
                    if seen.contains(idx) {
                        continue;
                    }
                    if let Some((worst, score)) = self.score_rest(idx, &expanded, driver, kind, fam)
                    {
                        seen.insert(idx);
                        found.push((idx, worst, score));
                    }
                }
            }
        }

        let total = found.len() + uncounted;
        if limit == 0 {
            return (total, Vec::new());
        }
        // Identifiers first; then how well all the name parts match together, then the weakest
        // part (exact before prefix before sound-alike before typo), then recent activity.
        let rank = |f: &(u32, MatchKind, u32)| {
            (
                f.1 == MatchKind::Identifier,
                f.2,
                f.1,
                self.recency[f.0 as usize],
            )
        };
        if found.len() > limit {
            found.select_nth_unstable_by(limit - 1, |a, b| rank(b).cmp(&rank(a)));
            found.truncate(limit);
        }
        found.sort_unstable_by(|a, b| rank(b).cmp(&rank(a)).then(a.0.cmp(&b.0)));
        // The score tells the same order as the ranking: identifier, name score, weakest part.
        let hits = found
            .into_iter()
            .map(|(idx, kind, score)| {
                let ident = u32::from(kind == MatchKind::Identifier);
                self.hit(idx, kind, ident * 1_000_000 + score * 10 + kind as u32)
            })
            .collect();
        (total, hits)
    }

    /// Checks the other name parts against a patient the driving part reached: each must match
    /// one of the patient's parts (a family part when the query said so). Returns the weakest
    /// way and the score, or None when a part does not match.
    fn score_rest(
        &self,
        idx: u32,
        expanded: &[(FxHashMap<u32, MatchKind>, bool)],
        driver: usize,
        driver_kind: MatchKind,
        driver_family: bool,
    ) -> Option<(MatchKind, u32)> {
        let e = &self.entries[idx as usize];
        let n_family = usize::from(e.n_family).min(e.tokens.len());
        let (mut worst, mut sum, mut any_family) =
            (driver_kind, weight(driver_kind), driver_family);
        for (i, (matches, family_only)) in expanded.iter().enumerate() {
            if i == driver {
                continue;
            }
            let n = if *family_only {
                n_family
            } else {
                e.tokens.len()
            };
            let (k, f) = e.tokens[..n]
                .iter()
                .enumerate()
                .filter_map(|(j, t)| matches.get(t).map(|k| (*k, j < n_family)))
                .max()?;
            worst = worst.min(k);
            sum += weight(k);
            any_family |= f;
        }
        Some((worst, sum * 2 + u32::from(any_family)))
    }
}

/// Which entries a search has already taken: one bit each.
struct Seen(Vec<u64>);

impl Seen {
    fn new(n: usize) -> Seen {
        Seen(vec![0; n.div_ceil(64)])
    }
    fn contains(&self, idx: u32) -> bool {
        self.0
            .get(idx as usize / 64)
            .is_some_and(|w| w & (1 << (idx % 64)) != 0)
    }
    /// Marks `idx`; true when it was not marked before.
    fn insert(&mut self, idx: u32) -> bool {
        let Some(w) = self.0.get_mut(idx as usize / 64) else {
            return false;
        };
        let bit = 1 << (idx % 64);
        let new = *w & bit == 0;
        *w |= bit;
        new
    }
}

/// Vocabulary id of `text`, adding it if new (a free function so `push` can borrow fields
/// separately).
fn self_token(
    vocab: &mut Vec<Vocab>,
    by_text: &mut FxHashMap<Box<str>, u32>,
    by_code: &mut FxHashMap<Box<str>, Vec<u32>>,
    sorted: &mut Vec<u32>,
    built: bool,
    text: &str,
) -> u32 {
    if let Some(id) = by_text.get(text) {
        return *id;
    }
    let id = u32::try_from(vocab.len()).unwrap_or(u32::MAX);
    for c in codes(text).into_iter().filter(|c| !c.is_empty()) {
        let ids = by_code.entry(c.into()).or_default();
        if ids.last() != Some(&id) {
            ids.push(id);
        }
    }
    vocab.push(Vocab {
        text: text.into(),
        postings: Vec::new(),
    });
    by_text.insert(text.into(), id);
    if built {
        let pos = sorted.partition_point(|v| vocab[*v as usize].text.as_ref() < text);
        sorted.insert(pos, id);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::query::parse;

    fn key(
        mrn: &str,
        family: &str,
        given: &str,
        dob: (i32, u32, u32),
        visit: Option<(i32, u32, u32)>,
    ) -> SearchKey {
        SearchKey {
            mrn: mrn.into(),
            family_name: family.into(),
            given_names: given.split(' ').map(str::to_string).collect(),
            preferred_name: None,
            dob: NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).unwrap(),
            sex: Sex::Female,
            ssn: None,
            phone: None,
            deceased: false,
            sensitive: false,
            merged_into: None,
            last_visit: visit.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            street: None,
            zip: None,
            possible_duplicate: false,
            other_phones: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    fn sample() -> SearchIndex {
        let mut k1 = key(
            "00000018",
            "Smith",
            "John",
            (1980, 3, 4),
            Some((2026, 1, 1)),
        );
        k1.ssn = Some("123451234".into());
        k1.phone = Some("5035550101".into());
        SearchIndex::build([
            k1,
            key("00000026", "Smyth", "Jon", (1975, 6, 1), Some((2020, 1, 1))),
            key(
                "00000034",
                "Smithers",
                "Jonathan",
                (1990, 1, 2),
                Some((2025, 1, 1)),
            ),
            key("00000042", "Alemán", "José", (1980, 3, 4), None),
            key("00000059", "Nguyễn", "Thị Mai", (2001, 2, 3), None),
            key("00000067", "O'Brien", "Siobhán", (1962, 7, 8), None),
            key(
                "00000075",
                "Smith",
                "Mary",
                (1980, 3, 4),
                Some((2024, 1, 1)),
            ),
            key("00000083", "Johnson", "Smith", (1955, 5, 5), None),
        ])
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn mrns(idx: &SearchIndex, q: &str) -> Vec<String> {
        idx.search(&parse(q, today()), 20)
            .1
            .into_iter()
            .map(|h| h.mrn)
            .collect()
    }

    #[test]
    fn ranking_table() {
        let idx = sample();
        let cases: &[(&str, &[&str])] = &[
            // exact names first, then prefixes; ties by recent activity
            (
                "smith",
                &["00000018", "00000075", "00000083", "00000034", "00000026"],
            ),
            (
                "smith john",
                &["00000018", "00000083", "00000034", "00000026"],
            ),
            (
                "john smith",
                &["00000018", "00000083", "00000034", "00000026"],
            ),
            ("jon smith", &["00000018", "00000026", "00000034"]),
            ("smith, john", &["00000018", "00000034", "00000026"]),
            ("smi jo", &["00000018", "00000034", "00000083"]),
            ("aleman", &["00000042"]),
            ("alemán", &["00000042"]),
            ("nguyen", &["00000059"]),
            ("obrien", &["00000067"]),
            ("o'brien", &["00000067"]),
            ("00000018", &["00000018"]),
            ("0000007", &["00000075"]),
            ("S1234", &["00000018"]),
            ("(503) 555-0101", &["00000018"]),
            ("5550101", &["00000018"]),
            ("123-45-1234", &["00000018"]),
            ("1980-03-04", &["00000018", "00000075", "00000042"]),
            ("smith 3/4/80", &["00000018", "00000075"]),
            ("smith 1980", &["00000018", "00000075"]),
            ("smyth", &["00000026", "00000018", "00000075", "00000083"]),
            ("smoth", &["00000018", "00000075", "00000026", "00000083"]),
            ("31/02/1990", &[]),
            ("", &[]),
        ];
        for (q, want) in cases {
            assert_eq!(
                mrns(&idx, q),
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{q:?}"
            );
        }
    }

    #[test]
    fn match_kinds_counts_and_display_fields() {
        let idx = sample();
        let (total, hits) = idx.search(&parse("smith", today()), 2);
        assert_eq!(total, 5, "the count covers every match, not just the page");
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].kind, MatchKind::ExactName);
        assert_eq!(
            (hits[0].family_name.as_str(), hits[0].given_names.as_str()),
            ("Smith", "John")
        );
        assert_eq!(hits[0].last_visit, NaiveDate::from_ymd_opt(2026, 1, 1));
        let (_, hits) = idx.search(&parse("jon smith", today()), 10);
        assert_eq!(
            hits[0].kind,
            MatchKind::Phonetic,
            "Jon finds John as a variant"
        );
        assert_eq!(
            idx.search(&parse("00000018", today()), 10).1[0].kind,
            MatchKind::Identifier
        );
        assert_eq!(
            idx.search(&parse("nguyen", today()), 10).1[0].family_name,
            "Nguyễn"
        );
    }

    #[test]
    fn upsert_adds_and_replaces() {
        let mut idx = sample();
        idx.upsert(key("00000091", "Zyzzyva", "Ann", (2000, 1, 1), None));
        assert_eq!(mrns(&idx, "zyz"), ["00000091"]);
        idx.upsert(key("00000091", "Quokka", "Ann", (2000, 1, 1), None));
        assert!(mrns(&idx, "zyzzyva").is_empty());
        assert_eq!(mrns(&idx, "quokka"), ["00000091"]);
        assert_eq!(mrns(&idx, "00000091"), ["00000091"]);
        assert_eq!(idx.len(), 9);
    }
}
