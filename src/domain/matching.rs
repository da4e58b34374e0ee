//! Likely-duplicate patients, in the Fellegi–Sunter manner: each field's agreement or
//! disagreement adds log2(m/u) or log2((1-m)/(1-u)) to a pair's weight, where m is how often
//! the field agrees for true matches and u how often it agrees by chance. Name agreement is
//! frequency-aware: two "Smith"s agree by chance far more often than two "Efthimiou"s, so u is
//! the name's own frequency. Pairs above the "review" threshold go to the work list; above
//! "very likely" they are flagged as probable duplicates.

use super::search::SearchKey;
use super::search::fold::{edit_distance_within, fold, name_variants};
use chrono::{Datelike, NaiveDate};
use rphonetic::{DoubleMetaphone, Encoder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the matcher compares. Values are folded (lowercase, no accents, no punctuation) by
/// [`MatchRecord::new`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MatchRecord {
    pub given: String,
    pub family: String,
    pub dob: Option<NaiveDate>,
    /// `F`, `M` or empty.
    pub sex: String,
    /// Any national identifier, digits only.
    pub ssn: String,
    pub street: String,
    pub city: String,
    pub zip: String,
    pub phone: String,
    /// Double Metaphone codes (primary, alternate) of the names, worked out once per record
    /// rather than once per compared pair.
    pub family_sound: (String, String),
    pub given_sound: (String, String),
}

impl MatchRecord {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        given: &str,
        family: &str,
        dob: Option<NaiveDate>,
        sex: &str,
        ssn: &str,
        street: &str,
        city: &str,
        zip: &str,
        phone: &str,
    ) -> MatchRecord {
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        let given = given
            .split_whitespace()
            .next()
            .map(fold)
            .unwrap_or_default();
        let family = fold(family);
        MatchRecord {
            given_sound: codes(&given),
            family_sound: codes(&family),
            given,
            family,
            dob,
            sex: sex.trim().to_ascii_uppercase(),
            ssn: digits(ssn),
            street: fold(street),
            city: fold(city),
            zip: digits(zip),
            phone: digits(phone),
        }
    }

    /// What the matcher reads of a patient's search key (city is not kept there; ZIP says
    /// more).
    pub fn from_key(k: &SearchKey) -> MatchRecord {
        MatchRecord::new(
            k.given_names.first().map_or("", String::as_str),
            &k.family_name,
            Some(k.dob),
            k.sex.letter(),
            k.ssn.as_deref().unwrap_or(""),
            k.street.as_deref().unwrap_or(""),
            "",
            k.zip.as_deref().unwrap_or(""),
            k.phone.as_deref().unwrap_or(""),
        )
    }
}

/// Review and very-likely thresholds (settings in the database, these by default).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub review: f64,
    pub very_likely: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            review: 8.0,
            very_likely: 16.0,
        }
    }
}

fn w(m: f64, u: f64) -> f64 {
    (m / u).log2()
}

fn disagree(m: f64, u: f64) -> f64 {
    ((1.0 - m) / (1.0 - u)).log2()
}

/// Added when birth dates are unrelated and no SSN or phone agrees.
const UNRELATED_DOB_PENALTY: f64 = -6.0;

/// More records than this with one SSN or phone number and the number is not compared.
const SHARED_NUMBER_LIMIT: usize = 5;

/// The weights are as calibrated (on FEBRL) for a population of this many patients. In a larger
/// one, chance agreements grow with the number of pairs while true duplicates grow with the
/// number of patients, so the prior odds that a pair is one patient fall as 1/N: the same
/// evidence is worth log2(N / this) bits less.
const CALIBRATED_POPULATION: f64 = 10_000.0;

/// Sex and birth decade: given names follow fashion, so two Marys born in 1951 agree by
/// chance far more often than two Marys in general.
type Cohort = (u8, i32);

fn cohort(r: &MatchRecord) -> Option<Cohort> {
    Some((r.sex.bytes().next()?, r.dob?.year().div_euclid(10)))
}

/// Value frequencies of a population: chance agreement on a value is as likely as the value is
/// common (two Smiths, a household's shared phone, a busy ZIP code).
pub struct Frequencies {
    given: HashMap<String, usize>,
    given_in_cohort: HashMap<(String, Cohort), usize>,
    cohort: HashMap<Cohort, usize>,
    family: HashMap<String, usize>,
    ssn: HashMap<String, usize>,
    phone: HashMap<String, usize>,
    street: HashMap<String, usize>,
    zip: HashMap<String, usize>,
    total: f64,
}

impl Frequencies {
    pub fn of(records: &[MatchRecord]) -> Frequencies {
        let count = |field: fn(&MatchRecord) -> &String| {
            let mut t: HashMap<String, usize> = HashMap::new();
            for r in records {
                *t.entry(field(r).clone()).or_insert(0) += 1;
            }
            t
        };
        let mut given_in_cohort: HashMap<(String, Cohort), usize> = HashMap::new();
        let mut cohorts: HashMap<Cohort, usize> = HashMap::new();
        for r in records {
            if let Some(c) = cohort(r) {
                *given_in_cohort.entry((r.given.clone(), c)).or_insert(0) += 1;
                *cohorts.entry(c).or_insert(0) += 1;
            }
        }
        Frequencies {
            given: count(|r| &r.given),
            given_in_cohort,
            cohort: cohorts,
            family: count(|r| &r.family),
            ssn: count(|r| &r.ssn),
            phone: count(|r| &r.phone),
            street: count(|r| &r.street),
            zip: count(|r| &r.zip),
            total: records.len().max(1) as f64,
        }
    }

    /// A number many patients share is a placeholder or an institution's (a clinic's main
    /// line, a guarantor's SSN), not the patient's own: it says nothing about identity.
    fn shared_by_many(table: &HashMap<String, usize>, value: &str) -> bool {
        table.get(value).copied().unwrap_or(1) > SHARED_NUMBER_LIMIT
    }

    fn u(&self, table: &HashMap<String, usize>, value: &str) -> f64 {
        (table.get(value).copied().unwrap_or(1) as f64 / self.total).clamp(1e-6, 0.5)
    }

    /// Chance agreement on a given name: its share of the pair's cohorts (the larger of the
    /// two), or of everyone when sex or birth date is missing. Tiny cohorts fall back to
    /// everyone, whose count is the steadier estimate.
    fn u_given(&self, a: &MatchRecord, b: &MatchRecord) -> f64 {
        let overall = self.u(&self.given, &a.given);
        let in_cohort = |r: &MatchRecord| {
            let c = cohort(r)?;
            let size = *self.cohort.get(&c)?;
            if size < 1_000 {
                return None;
            }
            let n = self.given_in_cohort.get(&(r.given.clone(), c)).copied()?;
            Some(n as f64 / size as f64)
        };
        match (in_cohort(a), in_cohort(b)) {
            (Some(x), Some(y)) => x.max(y).clamp(1e-6, 0.5),
            _ => overall,
        }
    }

    /// Bits taken off every pair's weight for the size of the population.
    fn population_bits(&self) -> f64 {
        (self.total / CALIBRATED_POPULATION).log2().max(0.0)
    }
}

fn codes(s: &str) -> (String, String) {
    let dm = DoubleMetaphone::default();
    (dm.encode(s), dm.encode_alternate(s))
}

fn similar_name(a: &str, b: &str, ca: &(String, String), cb: &(String, String)) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let sound = !ca.0.is_empty() && (ca.0 == cb.0 || ca.0 == cb.1 || ca.1 == cb.0);
    sound
        || edit_distance_within(a, b, if a.len().max(b.len()) > 7 { 2 } else { 1 }).is_some()
        || name_variants(a).contains(&b)
        || (a.len() >= 3 && b.len() >= 3 && (a.starts_with(b) || b.starts_with(a)))
}

/// The Fellegi–Sunter weight of a pair.
pub fn weight(a: &MatchRecord, b: &MatchRecord, f: &Frequencies) -> f64 {
    let mut total = 0.0;
    let (mut dob_far, mut identifier_agrees) = (false, false);
    // Names: exact agreement weighted by the value's frequency.
    for (x, y, table, (sx, sy)) in [
        (
            &a.family,
            &b.family,
            &f.family,
            (&a.family_sound, &b.family_sound),
        ),
        (
            &a.given,
            &b.given,
            &f.given,
            (&a.given_sound, &b.given_sound),
        ),
    ] {
        if x.is_empty() || y.is_empty() {
            continue;
        }
        if x == y {
            let u = if std::ptr::eq(table, &f.given) {
                f.u_given(a, b)
            } else {
                f.u(table, x)
            };
            total += w(0.90, u);
        } else if similar_name(x, y, sx, sy) {
            total += w(0.08, 0.01);
        } else if x.len() >= 2
            && y.len() >= 2
            && (x.starts_with(y.as_str()) || y.starts_with(x.as_str()))
        {
            total += w(0.02, 0.005);
        } else {
            total += disagree(0.98, 0.01);
        }
    }
    // Swapped given and family names are a common registration error.
    if a.given == b.family && a.family == b.given && !a.given.is_empty() && a.given != a.family {
        total += 12.0;
    }
    match (a.dob, b.dob) {
        (Some(x), Some(y)) if x == y => total += w(0.95, 1.0 / 25_000.0),
        (Some(x), Some(y)) => {
            let same = [
                x.year() == y.year(),
                x.month() == y.month(),
                x.day() == y.day(),
            ];
            let transposed = x.year() == y.year() && x.month() == y.day() && x.day() == y.month();
            // Day and month swapped is a keying slip that chance rarely makes (same year and
            // the mirror date: about 1 in 30,000 pairs); two of year, month and day agree by
            // chance about once in 200 pairs.
            if transposed && x.month() != x.day() {
                total += w(0.03, 1e-4);
            } else if same.iter().filter(|s| **s).count() == 2 {
                total += w(0.04, 0.005);
            } else {
                total += disagree(0.97, 1.0 / 25_000.0);
                dob_far = true;
            }
        }
        _ => {}
    }
    if !a.sex.is_empty() && !b.sex.is_empty() {
        total += if a.sex == b.sex {
            w(0.98, 0.5)
        } else {
            disagree(0.98, 0.5)
        };
    }
    // A number one keystroke off: rare by chance for a 9-digit SSN, common for phones in one
    // town, which share area code and exchange.
    for (x, y, m, near_u, table) in [
        (&a.ssn, &b.ssn, 0.95, 1e-4, &f.ssn),
        (&a.phone, &b.phone, 0.8, 0.005, &f.phone),
    ] {
        if x.is_empty()
            || y.is_empty()
            || Frequencies::shared_by_many(table, x)
            || Frequencies::shared_by_many(table, y)
        {
            continue;
        }
        let u = f.u(table, x).max(1e-6);
        if x == y {
            total += w(m, u);
            identifier_agrees = true;
        } else if x.len() == y.len() && edit_distance_within(x, y, 1).is_some() {
            total += w(0.04, near_u);
        } else {
            total += disagree(m, u);
        }
    }
    // Households share addresses; the frequency of each value already says how much. A ZIP
    // code close to another is a neighbouring one, not a typo: only the street counts near
    // agreement.
    for (x, y, m, near, table) in [
        (&a.street, &b.street, 0.8, true, &f.street),
        (&a.zip, &b.zip, 0.85, false, &f.zip),
    ] {
        if x.is_empty() || y.is_empty() {
            continue;
        }
        if x == y {
            total += w(m, f.u(table, x).max(0.002));
        } else if near && edit_distance_within(x, y, 2).is_some() {
            total += w(0.08, 0.005);
        } else {
            total += disagree(m, 0.01) * 0.5; // people move: address disagreement counts less
        }
    }
    if !a.city.is_empty() && !b.city.is_empty() {
        total += if a.city == b.city {
            w(0.85, 0.05)
        } else {
            disagree(0.85, 0.05) * 0.5
        };
    }
    // Two people with common names and unrelated birth dates (a household, a namesake in the
    // same town) agree on much; without a shared SSN or phone that is not one patient.
    if dob_far && !identifier_agrees {
        total += UNRELATED_DOB_PENALTY;
    }
    total - f.population_bits()
}

/// Blocking keys: pairs are only compared when they share one (sound of the family name with
/// birth year; birth date; identifier; phone; sound of the given name with postcode). Keeps a
/// million records to a few million comparisons instead of half a trillion. Each key is kept
/// as a 64-bit hash: two keys that collide only make one block larger.
fn block_keys(r: &MatchRecord, mut f: impl FnMut(u64)) {
    use std::fmt::Write;
    use std::hash::{Hash, Hasher};
    let mut buf = String::with_capacity(32);
    let mut key = |args: std::fmt::Arguments| {
        buf.clear();
        let _ = buf.write_fmt(args);
        let mut h = rustc_hash::FxHasher::default();
        buf.hash(&mut h);
        f(h.finish());
    };
    let (fam, giv) = (&r.family_sound.0, &r.given_sound.0);
    if let Some(d) = r.dob {
        key(format_args!("fy:{fam}:{}", d.year()));
        key(format_args!("d:{d}"));
        key(format_args!("gy:{giv}:{}", d.year()));
    }
    if !r.ssn.is_empty() {
        key(format_args!("s:{}", r.ssn));
    }
    if !r.phone.is_empty() {
        key(format_args!("p:{}", r.phone));
    }
    if !r.zip.is_empty() {
        key(format_args!("gz:{giv}:{}", r.zip));
        key(format_args!("fz:{fam}:{}", r.zip));
    }
}

/// Largest block compared pairwise; larger ones (a very common key) are skipped, the other
/// keys still catch their duplicates.
const MAX_BLOCK: usize = 200;

/// Every candidate pair with its weight at or above `min_weight`, best first.
pub fn scan(records: &[MatchRecord], min_weight: f64) -> Vec<(usize, usize, f64)> {
    let freq = Frequencies::of(records);
    // (block key, record) sorted: each block is one run, without a map of millions of keys.
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(records.len() * 7);
    for (i, r) in records.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        block_keys(r, |k| keyed.push((k, i)));
    }
    keyed.sort_unstable();
    keyed.dedup();
    // Pairs packed in one u64 (smaller record first), sorted once to weigh each pair once.
    let mut pairs: Vec<u64> = Vec::new();
    for block in keyed.chunk_by(|a, b| a.0 == b.0) {
        if block.len() < 2 || block.len() > MAX_BLOCK {
            continue;
        }
        for (x, &(_, i)) in block.iter().enumerate() {
            for &(_, j) in &block[x + 1..] {
                pairs.push((u64::from(i.min(j)) << 32) | u64::from(i.max(j)));
            }
        }
    }
    drop(keyed);
    pairs.sort_unstable();
    pairs.dedup();
    let mut out: Vec<(usize, usize, f64)> = pairs
        .into_iter()
        .map(|p| ((p >> 32) as usize, (p & 0xffff_ffff) as usize))
        .map(|(i, j)| (i, j, weight(&records[i], &records[j], &freq)))
        .filter(|(_, _, wt)| *wt >= min_weight)
        .collect();
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(
        given: &str,
        family: &str,
        dob: &str,
        sex: &str,
        ssn: &str,
        street: &str,
        zip: &str,
    ) -> MatchRecord {
        MatchRecord::new(
            given,
            family,
            NaiveDate::parse_from_str(dob, "%Y-%m-%d").ok(),
            sex,
            ssn,
            street,
            "bend",
            zip,
            "",
        )
    }

    #[test]
    fn weights_order_pairs_sensibly() {
        let people = vec![
            rec(
                "John",
                "Smith",
                "1980-03-04",
                "M",
                "123456789",
                "12 elm st",
                "97701",
            ),
            rec(
                "Jon",
                "Smith",
                "1980-03-04",
                "M",
                "",
                "12 elm street",
                "97701",
            ), // nickname, same DOB
            rec(
                "John",
                "Smith",
                "1975-06-01",
                "M",
                "987654321",
                "3 oak ave",
                "97702",
            ), // namesake
            rec("Anna", "Efthimiou", "1990-01-02", "F", "", "", ""),
            rec("Ana", "Efthimiou", "1990-02-01", "F", "", "", ""), // day/month swapped, rare name
            rec("Smith", "John", "1980-03-04", "M", "123456789", "", ""), // names swapped
        ];
        let f = Frequencies::of(&people);
        let w01 = weight(&people[0], &people[1], &f);
        let w02 = weight(&people[0], &people[2], &f);
        let w34 = weight(&people[3], &people[4], &f);
        let w05 = weight(&people[0], &people[5], &f);
        let t = Thresholds::default();
        assert!(w01 >= t.very_likely, "nickname + same DOB + address: {w01}");
        assert!(w02 < t.review, "a namesake with another DOB and SSN: {w02}");
        assert!(w34 >= t.review, "rare name, transposed DOB: {w34}");
        assert!(
            w05 >= t.very_likely,
            "swapped names, same DOB and SSN: {w05}"
        );
        let found = scan(&people, t.review);
        assert!(found.iter().any(|(i, j, _)| (*i, *j) == (0, 1)));
        assert!(!found.iter().any(|(i, j, _)| (*i, *j) == (0, 2)));
    }

    fn with_phone(mut r: MatchRecord, phone: &str) -> MatchRecord {
        r.phone = phone.into();
        r
    }

    /// Found at a million synthetic patients: household members and namesakes in one town
    /// filled the work list, and a number shared by hundreds counted as an identifier.
    #[test]
    fn households_namesakes_and_shared_numbers_stay_off_the_list() {
        let t = Thresholds::default();
        let mother = rec(
            "Maria",
            "Okafor",
            "1961-02-03",
            "F",
            "",
            "9 birch ln",
            "97701",
        );
        let daughter = rec(
            "Ada",
            "Okafor",
            "1994-09-30",
            "F",
            "",
            "9 birch ln",
            "97701",
        );
        let mut people = vec![mother.clone(), daughter.clone()];
        // The clinic's main line, written as the phone of many patients.
        let clinic = "5415550100";
        for i in 0..=SHARED_NUMBER_LIMIT {
            people.push(with_phone(
                rec(
                    "Lee",
                    &format!("Stranger{i}"),
                    "1950-01-01",
                    "M",
                    "",
                    "",
                    "",
                ),
                clinic,
            ));
        }
        let a = with_phone(
            rec("Maria", "Okafor", "1961-02-03", "F", "", "", ""),
            clinic,
        );
        let b = with_phone(rec("Ruth", "Okafor", "1988-07-14", "F", "", "", ""), clinic);
        people.extend([a.clone(), b.clone()]);
        let f = Frequencies::of(&people);
        let cases: [(&MatchRecord, &MatchRecord, bool, &str); 3] = [
            (
                &mother,
                &daughter,
                false,
                "household: same family and address, unrelated DOB",
            ),
            (&a, &b, false, "a shared clinic number is not an identifier"),
            (&mother, &a, true, "same name and DOB still match"),
        ];
        for (x, y, listed, why) in cases {
            let w = weight(x, y, &f);
            assert_eq!(w >= t.review, listed, "{why}: weight {w}");
        }
        // The patient's own phone agreeing lifts the unrelated-DOB penalty as well as adding
        // its own weight.
        let own = "5415557777";
        let typo = rec("Maria", "Okafor", "1971-08-09", "F", "", "", "");
        let without = weight(&mother, &typo, &f);
        let with = weight(&with_phone(mother.clone(), own), &with_phone(typo, own), &f);
        assert!(
            with - without > -UNRELATED_DOB_PENALTY + 1.0,
            "{without} -> {with}"
        );
    }

    /// Two Marys born in 1951 are less telling than two Lindas born in 1951 when Mary was ten
    /// times as common that decade, though both names are as common overall.
    #[test]
    fn given_names_are_weighed_within_their_sex_and_birth_decade() {
        let mut people = Vec::new();
        let born = |year: i32, i: usize| format!("{year}-01-{:02}", 1 + i % 28);
        for i in 0..1_000 {
            let given = match i {
                0..300 => "Mary".to_string(),
                300..330 => "Linda".to_string(),
                _ => format!("Fifties{i}"),
            };
            people.push(rec(
                &given,
                &format!("F{i}"),
                &born(1951, i),
                "F",
                "",
                "",
                "",
            ));
        }
        for i in 0..1_000 {
            let given = if i < 270 {
                "Linda".to_string()
            } else {
                format!("Nineties{i}")
            };
            people.push(rec(
                &given,
                &format!("N{i}"),
                &born(1991, i),
                "F",
                "",
                "",
                "",
            ));
        }
        let f = Frequencies::of(&people);
        let pair = |given: &str| {
            let a = rec(given, "Warren", "1951-09-27", "F", "", "", "");
            let b = rec(given, "Warren", "1951-09-27", "F", "", "", "");
            weight(&a, &b, &f)
        };
        let (mary, linda) = (pair("Mary"), pair("Linda"));
        assert!(
            (linda - mary - 10f64.log2()).abs() < 0.01,
            "mary {mary}, linda {linda}"
        );
        // Without sex or birth date the name's overall share is all there is.
        let no_dob = |given: &str| {
            let a = rec(given, "Warren", "", "F", "", "", "");
            weight(&a, &a.clone(), &f)
        };
        assert!((no_dob("Mary") - no_dob("Linda")).abs() < 0.01);
    }

    /// The same evidence is worth less in a larger population: a million patients hold a
    /// hundred times the chance namesakes of ten thousand.
    #[test]
    fn larger_populations_take_bits_off_every_pair() {
        let one = |n: usize| {
            let people: Vec<MatchRecord> = (0..n)
                .map(|i| rec("Ann", &format!("P{i}"), "1970-01-01", "F", "", "", ""))
                .collect();
            Frequencies::of(&people).population_bits()
        };
        for (n, bits) in [(100, 0.0), (10_000, 0.0), (20_000, 1.0), (80_000, 3.0)] {
            assert!((one(n) - bits).abs() < 1e-9, "{n}: {}", one(n));
        }
    }
}
