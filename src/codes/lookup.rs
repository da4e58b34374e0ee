//! The look-up a coder types into: a code prefix (`s72.0`) or words from the titles, each word
//! a prefix of a title word and coders' shorthand understood (`fx fem neck`, `diab ckd`).
//! Built once per code set; a keystroke's look-up is a few bitset unions and a partial sort.

use super::icd10cm::{CmCodeSet, NodeKind, NoteKind};

/// Coders' shorthand: the words it stands for (each must be in the title).
const SHORTHAND: &[(&str, &[&str])] = &[
    ("fx", &["fracture"]),
    ("ckd", &["chronic", "kidney", "disease"]),
    ("esrd", &["end", "stage", "renal", "disease"]),
    ("aki", &["acute", "kidney", "failure"]),
    ("dm", &["diabetes", "mellitus"]),
    ("htn", &["hypertensive"]),
    ("chf", &["heart", "failure"]),
    ("hf", &["heart", "failure"]),
    ("copd", &["chronic", "obstructive", "pulmonary"]),
    ("mi", &["myocardial", "infarction"]),
    ("stemi", &["st", "elevation", "myocardial", "infarction"]),
    (
        "nstemi",
        &["non-st", "elevation", "myocardial", "infarction"],
    ),
    ("uti", &["urinary", "tract", "infection"]),
    ("cva", &["cerebral", "infarction"]),
    ("tia", &["transient", "cerebral", "ischemic"]),
    ("afib", &["atrial", "fibrillation"]),
    ("gerd", &["gastro-esophageal", "reflux"]),
    ("dvt", &["deep", "vein"]),
    ("pe", &["pulmonary", "embolism"]),
    ("ca", &["malignant", "neoplasm"]),
    ("hx", &["history"]),
    ("sob", &["shortness", "breath"]),
    ("abd", &["abdominal"]),
    ("bilat", &["bilateral"]),
    ("rt", &["right"]),
    ("lt", &["left"]),
    ("lle", &["left", "lower", "limb"]),
    ("rle", &["right", "lower", "limb"]),
    ("oa", &["osteoarthritis"]),
    ("ra", &["rheumatoid", "arthritis"]),
    ("pna", &["pneumonia"]),
    ("sz", &["seizures"]),
    ("mva", &["motor", "vehicle"]),
    ("hiv", &["human", "immunodeficiency", "virus"]),
    ("t2dm", &["type", "2", "diabetes", "mellitus"]),
    ("t1dm", &["type", "1", "diabetes", "mellitus"]),
];

/// One listed code.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    code: String,
    title: String,
    billable: bool,
    /// Words in the title (for a code grown by a 7th character, in the title it grew from, so
    /// "initial encounter" does not rank below "sequela"): fewer is a closer match.
    words: u16,
    /// The title's first word, folded, for "starts with what was typed".
    first_word: String,
}

/// A found code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub billable: bool,
    /// Its index in the code set's own list, for the notes.
    pub entry: usize,
}

#[derive(Clone, Debug, Default)]
pub struct CodeIndex {
    entries: Vec<Entry>,
    /// Entries sorted by code, for code prefixes.
    by_code: Vec<u32>,
    /// Title words (folded to ASCII lower case), sorted, each with the entries it is in.
    vocab: Vec<(String, Vec<u32>)>,
    /// The same for the words of inclusion terms, which find a code but rank it lower.
    extra_vocab: Vec<(String, Vec<u32>)>,
    /// One typed letter or digit matches a third of the codes: those answers are kept ready
    /// (titles only, and titles with inclusion terms).
    initials: Vec<(u8, Bits, Bits)>,
}

/// What `CodeIndex::build` lists: code, title, billable, the title whose word count ranks it,
/// and inclusion terms.
pub struct Item {
    pub code: String,
    pub title: String,
    pub billable: bool,
    pub rank_title: Option<String>,
    pub extra: Vec<String>,
}

fn sorted(postings: rustc_hash::FxHashMap<String, Vec<u32>>) -> Vec<(String, Vec<u32>)> {
    let mut v: Vec<(String, Vec<u32>)> = postings.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Lower-case ASCII words of a title (`Sézary` → `sezary`); hyphens stay inside words.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| deunicode::deunicode(w).to_ascii_lowercase())
}

#[derive(Clone, Debug, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: u32) {
        self.0[(i / 64) as usize] |= 1 << (i % 64);
    }
    fn and(&mut self, o: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a &= b;
        }
    }
    fn or(&mut self, o: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
    fn has(&self, i: u32) -> bool {
        self.0[(i / 64) as usize] & (1 << (i % 64)) != 0
    }
    fn ones(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let t = w.trailing_zeros();
                w &= w - 1;
                Some(k as u32 * 64 + t)
            })
        })
    }
}

impl CodeIndex {
    pub fn build(items: impl Iterator<Item = Item>) -> CodeIndex {
        let mut entries = Vec::new();
        let mut postings: rustc_hash::FxHashMap<String, Vec<u32>> = Default::default();
        let mut extra_postings: rustc_hash::FxHashMap<String, Vec<u32>> = Default::default();
        for (i, item) in items.enumerate() {
            let add = |w: String, postings: &mut rustc_hash::FxHashMap<String, Vec<u32>>| {
                let list = postings.entry(w).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            };
            for w in words(&item.title) {
                add(w, &mut postings);
            }
            for term in &item.extra {
                for w in words(term) {
                    add(w, &mut extra_postings);
                }
            }
            let n = words(item.rank_title.as_deref().unwrap_or(&item.title)).count();
            let first_word = words(&item.title).next().unwrap_or_default();
            entries.push(Entry {
                first_word,
                code: item.code,
                title: item.title,
                billable: item.billable,
                words: u16::try_from(n).unwrap_or(u16::MAX),
            });
        }
        let vocab = sorted(postings);
        let extra_vocab = sorted(extra_postings);
        let mut by_code: Vec<u32> = (0..entries.len() as u32).collect();
        by_code.sort_by(|&a, &b| entries[a as usize].code.cmp(&entries[b as usize].code));
        let mut index = CodeIndex {
            entries,
            by_code,
            vocab,
            extra_vocab,
            initials: Vec::new(),
        };
        index.initials = (b'0'..=b'9')
            .chain(b'a'..=b'z')
            .map(|c| {
                let t = (c as char).to_string();
                (c, index.token_bits(&t, false), index.token_bits(&t, true))
            })
            .collect();
        index
    }

    /// An ICD-10-CM year: every code, its inclusion terms and those of its headers within the
    /// category searchable with it ("Fracture of hip NOS" finds S72.00-).
    pub fn for_cm(set: &CmCodeSet) -> CodeIndex {
        CodeIndex::build(set.codes().map(|n| {
            let mut extra = Vec::new();
            let mut at = Some(n);
            while let Some(node) = at {
                if node.kind != NodeKind::Code {
                    break;
                }
                extra.extend(
                    node.notes
                        .iter()
                        .filter(|x| x.kind == NoteKind::InclusionTerm)
                        .map(|x| x.text.clone()),
                );
                at = node.parent.map(|p| &set.nodes[p as usize]);
            }
            // A code grown by a 7th character ranks by the title it grew from.
            let rank_title = n
                .parent
                .map(|p| &set.nodes[p as usize])
                .filter(|p| n.code.len() == 7 && n.title.starts_with(p.title.as_str()))
                .map(|p| p.title.clone());
            Item {
                code: n.code.clone(),
                title: n.title.clone(),
                billable: n.billable,
                rank_title,
                extra,
            }
        }))
    }

    /// A plain list (PCS, HCPCS): code, title, billable.
    pub fn plain(items: impl Iterator<Item = (String, String, bool)>) -> CodeIndex {
        CodeIndex::build(items.map(|(code, title, billable)| Item {
            code,
            title,
            billable,
            rank_title: None,
            extra: Vec::new(),
        }))
    }

    /// Entries containing a word that starts with `prefix`.
    fn prefix_bits(&self, vocab: &[(String, Vec<u32>)], prefix: &str, bits: &mut Bits) {
        let start = vocab.partition_point(|(w, _)| w.as_str() < prefix);
        for (_, list) in vocab[start..]
            .iter()
            .take_while(|(w, _)| w.starts_with(prefix))
        {
            for &i in list {
                bits.set(i);
            }
        }
    }

    /// Entries with the exact word.
    fn word_bits(&self, vocab: &[(String, Vec<u32>)], word: &str, bits: &mut Bits) {
        if let Ok(k) = vocab.binary_search_by(|(w, _)| w.as_str().cmp(word)) {
            for &i in &vocab[k].1 {
                bits.set(i);
            }
        }
    }

    /// Entries matching one typed word: as a prefix of a word, or as coders' shorthand for a
    /// phrase; in the titles only, or in titles and inclusion terms.
    fn token_bits(&self, token: &str, with_extra: bool) -> Bits {
        if let [c] = token.as_bytes()
            && let Some((_, titles, all)) = self.initials.iter().find(|(k, _, _)| k == c)
        {
            return if with_extra {
                all.clone()
            } else {
                titles.clone()
            };
        }
        let n = self.entries.len();
        let vocabs: &[&[(String, Vec<u32>)]] = if with_extra {
            &[&self.vocab, &self.extra_vocab]
        } else {
            &[&self.vocab]
        };
        let mut bits = Bits::new(n);
        for v in vocabs {
            self.prefix_bits(v, token, &mut bits);
        }
        if let Some((_, phrase)) = SHORTHAND.iter().find(|(s, _)| *s == token) {
            let mut all = Bits::new(n);
            for v in vocabs {
                self.word_bits(v, phrase[0], &mut all);
            }
            for w in &phrase[1..] {
                let mut one = Bits::new(n);
                for v in vocabs {
                    self.word_bits(v, w, &mut one);
                }
                all.and(&one);
            }
            bits.or(&all);
        }
        bits
    }

    /// Up to `limit` codes for what was typed, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Found<'_>> {
        let found = |i: u32| {
            let e = &self.entries[i as usize];
            Found {
                code: &e.code,
                title: &e.title,
                billable: e.billable,
                entry: i as usize,
            }
        };
        let query = query.trim();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        // A code prefix: a letter or digit then a digit (E11, s72.0, 0DT) — codes in order.
        if let Some(code) = super::normalize(query).filter(|c| looks_like_code(c)) {
            let start = self
                .by_code
                .partition_point(|&i| self.entries[i as usize].code.as_str() < code.as_str());
            let hits: Vec<Found<'_>> = self.by_code[start..]
                .iter()
                .take_while(|&&i| self.entries[i as usize].code.starts_with(code.as_str()))
                .take(limit)
                .map(|&i| found(i))
                .collect();
            if !hits.is_empty() {
                return hits;
            }
        }
        let tokens: Vec<String> = words(query).collect();
        let Some(first) = tokens.first() else {
            return Vec::new();
        };
        let (mut all, mut in_titles) =
            (self.token_bits(first, true), self.token_bits(first, false));
        for t in &tokens[1..] {
            all.and(&self.token_bits(t, true));
            in_titles.and(&self.token_bits(t, false));
        }
        // Matched in the title before matched through an inclusion term; billable before
        // headings; a title that starts with the first word typed; then the shortest titles
        // (the closest matches); then in code order. Packed in one integer, computed once.
        let key = |i: u32| {
            let e = &self.entries[i as usize];
            let starts = e.first_word.starts_with(first.as_str());
            (u64::from(!in_titles.has(i)) << 60)
                | (u64::from(!e.billable) << 59)
                | (u64::from(!starts) << 58)
                | (u64::from(e.words) << 32)
                | u64::from(i)
        };
        let mut hits: Vec<u64> = all.ones().map(key).collect();
        if hits.len() > limit {
            hits.select_nth_unstable(limit - 1);
            hits.truncate(limit);
        }
        hits.sort_unstable();
        hits.into_iter().map(|k| found(k as u32)).collect()
    }
}

fn looks_like_code(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphanumeric() && b[1].is_ascii_digit()
        // FY2026's letter-letter categories (QA0).
        || (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1].is_ascii_alphabetic() && b[2].is_ascii_digit())
        || (b.len() >= 3 && b[0].is_ascii_digit() && b.iter().all(u8::is_ascii_alphanumeric))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> CodeIndex {
        let rows = [
            (
                "S72001A",
                "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture",
                true,
            ),
            (
                "S7200",
                "Fracture of unspecified part of neck of femur",
                false,
            ),
            (
                "S7290XA",
                "Unspecified fracture of unspecified femur, initial encounter for closed fracture",
                true,
            ),
            (
                "E1122",
                "Type 2 diabetes mellitus with diabetic chronic kidney disease",
                true,
            ),
            (
                "E119",
                "Type 2 diabetes mellitus without complications",
                true,
            ),
            ("N183", "Chronic kidney disease, stage 3 (moderate)", false),
            ("C841", "Sézary disease", false),
        ];
        CodeIndex::build(rows.iter().map(|(c, t, b)| {
            let extra = if *c == "S7200" {
                vec!["Fracture of hip NOS".to_string()]
            } else {
                vec![]
            };
            Item {
                code: c.to_string(),
                title: t.to_string(),
                billable: *b,
                rank_title: None,
                extra,
            }
        }))
    }

    fn codes(ix: &CodeIndex, q: &str) -> Vec<String> {
        ix.search(q, 10)
            .into_iter()
            .map(|f| f.code.to_string())
            .collect()
    }

    #[test]
    fn lookups() {
        let ix = index();
        for (q, want) in [
            ("fx fem neck", vec!["S72001A", "S7200"]),
            ("diab ckd", vec!["E1122"]),
            ("ckd", vec!["E1122", "N183"]),
            ("DIAB", vec!["E119", "E1122"]),
            ("s72.0", vec!["S7200", "S72001A"]),
            ("e11", vec!["E1122", "E119"]),
            ("sezary", vec!["C841"]),
            ("Sézary", vec!["C841"]),
            ("hip fx", vec!["S7200"]),
            ("fem", vec!["S7290XA", "S72001A", "S7200"]),
            ("zzz", vec![]),
            ("", vec![]),
            ("🦴", vec![]),
        ] {
            assert_eq!(codes(&ix, q), want, "{q:?}");
        }
    }

    #[test]
    fn the_limit_keeps_the_best() {
        let ix = index();
        assert_eq!(codes(&ix, "fracture").len(), 3);
        let top: Vec<_> = ix
            .search("fracture", 1)
            .into_iter()
            .map(|f| f.code)
            .collect();
        // Both are billable; the one whose title starts with the word typed wins.
        assert_eq!(top, vec!["S72001A"]);
    }
}
