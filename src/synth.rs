//! Synthetic patients for the demo database and `chartroom seed`.
//!
//! Everything produced here is invented: names are drawn from frequency lists, addresses pair
//! made-up street numbers with real city/state/ZIP combinations, phone numbers use the
//! fictional 555-01xx range, SSNs avoid the never-issued 000, 666 and 9xx areas, clinicians are
//! made up and notes are assembled from plain-language templates. No real person's health
//! information may ever enter a demo or test database, so the demo never starts from real data.
//!
//! Determinism: one ChaCha8 stream seeded from [`SynthConfig::seed`] drives every choice, in a
//! fixed order, and nothing reads the clock, the environment, hash-map order or thread timing;
//! "today" comes from the config. The same seed and count therefore give byte-identical output,
//! and patient `i` depends only on the seed and the patients before it, so a smaller run is a
//! prefix of a larger one.
//!
//! Streaming: [`generate`] returns an iterator that holds only the lookup tables and a bounded
//! ring of recent patients (the sources of deliberate near-duplicates), so a million patients
//! never sit in memory at once.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::patient::{Address, EncounterClass, NewPatient, Sensitivity, Sex, age_on};

mod clinical;
pub use clinical::SynthItem;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthConfig {
    pub seed: u64,
    pub patients: usize,
    /// Nothing generated is dated after this day.
    pub today: NaiveDate,
}

/// One synthetic patient with its encounters and documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthPatient {
    pub patient: NewPatient,
    pub deceased: Option<NaiveDate>,
    pub sensitivity: Option<Sensitivity>,
    /// Some(i): this is a deliberate near-duplicate of the i-th generated patient (0-based)
    pub near_duplicate_of: Option<usize>,
    pub encounters: Vec<SynthEncounter>,
    /// Problems, allergies (or "no known allergies"), medications and immunizations.
    pub clinical: Vec<SynthItem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthEncounter {
    pub class: EncounterClass,
    pub admitted: NaiveDate,
    pub discharged: Option<NaiveDate>,
    pub location: String,
    pub attending: String,
    pub discharge_status: Option<String>,
    pub documents: Vec<SynthDocument>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthDocument {
    pub kind: String,
    pub author: String,
    pub written: NaiveDate,
    pub text: String,
}

/// Streams `cfg.patients` patients.
pub fn generate(cfg: &SynthConfig) -> impl Iterator<Item = SynthPatient> + use<> {
    Generator::new(*cfg)
}

// ---------------------------------------------------------------------------------------------
// Tunables

/// Encounters fall in the last ~6 years before today.
const WINDOW_DAYS: i32 = 6 * 365 + 1;
/// How many recent patients are kept as near-duplicate sources.
const RECENT: usize = 256;
const NEAR_DUP_RATE: f64 = 0.005;
const SSN_RATE: f64 = 0.97;
const SENSITIVE_RATE: f64 = 0.015;
const MIDDLE_NAME_RATE: f64 = 0.35;
/// SSN space without areas 000, 666 and 900-999: 898 areas x 99 groups x 9999 serials.
const SSN_SPACE: u64 = 898 * 99 * 9999;

/// Early patients fixed so that every seeded database shows the same teaching cases.
#[derive(Clone, Copy)]
enum Forced {
    Surname(&'static str),
    Duplicate(usize, Variant),
}

fn forced_at(index: usize) -> Option<Forced> {
    match index {
        3 => Some(Forced::Surname("Alemán")),
        11 => Some(Forced::Surname("Nguy\u{1ec5}n")),
        17 => Some(Forced::Surname("O'Brien")),
        40 => Some(Forced::Duplicate(3, Variant::FoldAccents)),
        57 => Some(Forced::Duplicate(17, Variant::Punctuation)),
        88 => Some(Forced::Duplicate(11, Variant::FoldAccents)),
        _ => None,
    }
}

/// How a near-duplicate differs from its original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    FamilyTypo,
    GivenTypo,
    Nickname,
    FoldAccents,
    Punctuation,
    DobTransposed,
}

// ---------------------------------------------------------------------------------------------
// The generator

struct Picker {
    cum: Vec<u32>,
}

impl Picker {
    fn new(weights: impl Iterator<Item = u32>) -> Self {
        let mut total = 0u32;
        let cum = weights
            .map(|w| {
                total = total.saturating_add(w);
                total
            })
            .collect();
        Picker { cum }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let r = rng.random_range(0..total);
        self.cum.partition_point(|&c| c <= r)
    }
}

/// Index into `weights`, chosen with probability proportional to the weight.
fn pick_w(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    if total == 0 {
        return 0;
    }
    let mut r = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if r < w {
            return i;
        }
        r -= w;
    }
    weights.len().saturating_sub(1)
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
    if items.is_empty() {
        return fallback;
    }
    items[rng.random_range(0..items.len())]
}

struct Recent {
    index: usize,
    patient: NewPatient,
}

struct Generator {
    cfg: SynthConfig,
    rng: ChaCha8Rng,
    next: usize,
    today: i32,
    surnames: Picker,
    female: Picker,
    male: Picker,
    cities: Picker,
    recent: Vec<Recent>,
    recent_pos: usize,
    ssn_key: u64,
    days: Vec<i32>,
    /// The current patient's visits, for the clinical summary.
    visits: Vec<clinical::Visit>,
}

/// What the note templates need to know about an encounter.
struct Ctx {
    class: EncounterClass,
    admitted: i32,
    discharged: Option<i32>,
    cond: &'static Condition,
    status: Option<&'static str>,
    attending: &'static str,
    age: u32,
    sex: Sex,
}

impl Iterator for Generator {
    type Item = SynthPatient;

    fn next(&mut self) -> Option<SynthPatient> {
        if self.next >= self.cfg.patients {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.patient(index))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.cfg.patients.saturating_sub(self.next);
        (left, Some(left))
    }
}

impl Generator {
    fn new(cfg: SynthConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let ssn_key = rng.random::<u64>();
        Generator {
            cfg,
            rng,
            next: 0,
            today: cfg.today.num_days_from_ce(),
            surnames: Picker::new(SURNAMES.iter().map(|s| s.1)),
            female: Picker::new(FEMALE_NAMES.iter().map(|s| s.1)),
            male: Picker::new(MALE_NAMES.iter().map(|s| s.1)),
            cities: Picker::new(CITIES.iter().map(|c| c.4)),
            recent: Vec::with_capacity(RECENT),
            recent_pos: 0,
            ssn_key,
            days: Vec::with_capacity(64),
            visits: Vec::with_capacity(64),
        }
    }

    fn date(&self, day: i32) -> NaiveDate {
        to_date(day, self.cfg.today)
    }

    fn patient(&mut self, index: usize) -> SynthPatient {
        let forced = forced_at(index);
        let dup_source = match forced {
            Some(Forced::Duplicate(original, variant)) => self
                .recent
                .iter()
                .position(|r| r.index == original)
                .map(|slot| (slot, variant)),
            Some(Forced::Surname(_)) => None,
            None => {
                if index >= 20
                    && !self.recent.is_empty()
                    && (self.rng.random_bool(NEAR_DUP_RATE) || index % 1000 == 999)
                {
                    let slot = self.rng.random_range(0..self.recent.len());
                    let variant = self.random_variant(slot);
                    Some((slot, variant))
                } else {
                    None
                }
            }
        };

        let (patient, near_duplicate_of) = match dup_source {
            Some((slot, variant)) => {
                let (p, original) = self.near_duplicate(index, slot, variant);
                (p, Some(original))
            }
            None => {
                let surname = match forced {
                    Some(Forced::Surname(s)) => Some(s),
                    _ => None,
                };
                (self.fresh(index, surname), None)
            }
        };

        let dob_day = patient.dob.num_days_from_ce();
        let age = age_on(patient.dob, self.cfg.today);
        let plain = near_duplicate_of.is_none() && forced.is_none();
        let deceased = if plain {
            self.deceased(dob_day, age)
        } else {
            None
        };
        let sensitivity = if near_duplicate_of.is_none() && self.rng.random_bool(SENSITIVE_RATE) {
            Some(self.sensitivity(age))
        } else {
            None
        };
        let encounters =
            self.encounters(&patient, deceased, sensitivity, near_duplicate_of.is_some());
        if near_duplicate_of.is_none() && deceased.is_none() {
            self.remember(index, &patient);
        }
        let last_day = self.date(deceased.unwrap_or(self.today));
        let clinical =
            clinical::generate(self.cfg.seed, index, patient.dob, last_day, &self.visits);
        SynthPatient {
            deceased: deceased.map(|d| self.date(d)),
            patient,
            sensitivity,
            near_duplicate_of,
            encounters,
            clinical,
        }
    }

    // --- demographics ------------------------------------------------------------------------

    fn fresh(&mut self, index: usize, surname: Option<&'static str>) -> NewPatient {
        let roll = self.rng.random_range(0..1000u32);
        let sex = if roll < 2 {
            Sex::Unknown
        } else if roll < 2 + 508 {
            Sex::Female
        } else {
            Sex::Male
        };
        let family = match surname {
            Some(s) => s,
            None => SURNAMES[self.surnames.pick(&mut self.rng)].0,
        };
        let female = match sex {
            Sex::Female => true,
            Sex::Male => false,
            Sex::Unknown => self.rng.random_bool(0.5),
        };
        let first = self.given(female);
        let mut given_names = Vec::with_capacity(2);
        given_names.push(first.to_string());
        if self.rng.random_bool(MIDDLE_NAME_RATE) {
            for _ in 0..3 {
                let middle = self.given(female);
                if middle != first {
                    given_names.push(middle.to_string());
                    break;
                }
            }
        }
        let dob_day = self.dob_day();
        let dob = self.date(dob_day);
        let city = self.cities.pick(&mut self.rng);
        let address = if self.rng.random_bool(0.98) {
            Some(self.address(city))
        } else {
            None
        };
        let phone = if self.rng.random_bool(0.88) {
            Some(self.phone(city))
        } else {
            None
        };
        let ssn = if self.rng.random_bool(SSN_RATE) {
            Some(self.ssn_for(index))
        } else {
            None
        };
        NewPatient {
            family_name: family.to_string(),
            given_names,
            dob,
            sex,
            address,
            phone,
            ssn,
            details: Default::default(),
        }
    }

    fn given(&mut self, female: bool) -> &'static str {
        if female {
            FEMALE_NAMES[self.female.pick(&mut self.rng)].0
        } else {
            MALE_NAMES[self.male.pick(&mut self.rng)].0
        }
    }

    /// Age bands roughly follow who uses a community hospital: more adults, fewer centenarians.
    fn dob_day(&mut self) -> i32 {
        const BANDS: [(i32, i32); 8] = [
            (0, 4),
            (5, 17),
            (18, 29),
            (30, 44),
            (45, 64),
            (65, 79),
            (80, 89),
            (90, 100),
        ];
        const WEIGHTS: [u32; 8] = [6, 12, 14, 18, 26, 17, 6, 1];
        let (lo, hi) = BANDS[pick_w(&mut self.rng, &WEIGHTS)];
        let lo_days = lo * 365 + lo / 4;
        let hi_days = (hi + 1) * 365 + (hi + 1) / 4;
        self.today - self.rng.random_range(lo_days..hi_days)
    }

    fn address(&mut self, city: usize) -> Address {
        let (city_name, state, zip, _, _) = CITIES.get(city).copied().unwrap_or(CITIES_FALLBACK);
        let mut line = String::with_capacity(40);
        let number = if self.rng.random_bool(0.2) {
            self.rng.random_range(1..100u32)
        } else {
            self.rng.random_range(100..10000u32)
        };
        let _ = write!(line, "{number} ");
        if self.rng.random_bool(0.1) {
            line.push_str(pick(&mut self.rng, &["N ", "S ", "E ", "W "], "N "));
        }
        line.push_str(pick(&mut self.rng, STREETS, "Main"));
        line.push(' ');
        line.push_str(STREET_SUFFIXES[pick_w(&mut self.rng, &STREET_SUFFIX_WEIGHTS)]);
        if self.rng.random_bool(0.12) {
            let _ = write!(line, " Apt {}", self.rng.random_range(1..40u32));
            if self.rng.random_bool(0.3) {
                line.push(pick(&mut self.rng, &['A', 'B', 'C', 'D'], 'A'));
            }
        }
        Address {
            line,
            city: city_name.to_string(),
            state: state.to_string(),
            zip: zip.to_string(),
        }
    }

    fn phone(&mut self, city: usize) -> String {
        let area = CITIES.get(city).copied().unwrap_or(CITIES_FALLBACK).3;
        format!("({area}) 555-01{:02}", self.rng.random_range(0..100u32))
    }

    /// A unique SSN per patient index: a keyed permutation of the SSN space, so unrelated
    /// patients never share one by accident (only near-duplicates do) and neighbours in the
    /// stream get unrelated numbers.
    fn ssn_for(&self, index: usize) -> String {
        let n = u64::try_from(index).unwrap_or(0) % SSN_SPACE;
        let n = permute_ssn_space(n, self.ssn_key);
        let serial = n % 9999 + 1;
        let rest = n / 9999;
        let group = rest % 99 + 1;
        let mut area = rest / 99 + 1;
        if area >= 666 {
            area += 1;
        }
        format!("{area:03}-{group:02}-{serial:04}")
    }

    fn deceased(&mut self, dob_day: i32, age: u32) -> Option<i32> {
        let p = match age {
            0..40 => 0.002,
            40..65 => 0.008,
            _ => 0.03,
        };
        if !self.rng.random_bool(p) {
            return None;
        }
        let lo = (dob_day + 1).max(self.today - WINDOW_DAYS);
        if lo > self.today {
            return None;
        }
        Some(self.rng.random_range(lo..=self.today))
    }

    fn sensitivity(&mut self, age: u32) -> Sensitivity {
        const KINDS: [Sensitivity; 6] = [
            Sensitivity::Employee,
            Sensitivity::Vip,
            Sensitivity::BehavioralHealth,
            Sensitivity::SubstanceUseDisorder,
            Sensitivity::Hiv,
            Sensitivity::ReproductiveHealth,
        ];
        let kind = KINDS[pick_w(&mut self.rng, &[45, 20, 15, 8, 6, 6])];
        let fits = match kind {
            Sensitivity::Employee => (18..=70).contains(&age),
            Sensitivity::SubstanceUseDisorder => age >= 16,
            Sensitivity::ReproductiveHealth => (15..=55).contains(&age),
            Sensitivity::BehavioralHealth => age >= 10,
            Sensitivity::Hiv => age >= 12,
            Sensitivity::Vip => true,
        };
        if fits { kind } else { Sensitivity::Vip }
    }

    fn remember(&mut self, index: usize, p: &NewPatient) {
        if self.recent.len() < RECENT {
            self.recent.push(Recent {
                index,
                patient: p.clone(),
            });
            return;
        }
        let pos = self.recent_pos;
        self.recent_pos = (pos + 1) % RECENT;
        if let Some(slot) = self.recent.get_mut(pos) {
            slot.index = index;
            copy_into(&mut slot.patient, p);
        }
    }

    // --- near-duplicates ---------------------------------------------------------------------

    fn random_variant(&mut self, slot: usize) -> Variant {
        let accented = self.recent.get(slot).is_some_and(|r| {
            !r.patient.family_name.is_ascii() || r.patient.given_names.iter().any(|g| !g.is_ascii())
        });
        if accented && self.rng.random_bool(0.6) {
            return Variant::FoldAccents;
        }
        const VARIANTS: [Variant; 6] = [
            Variant::FamilyTypo,
            Variant::GivenTypo,
            Variant::Nickname,
            Variant::FoldAccents,
            Variant::Punctuation,
            Variant::DobTransposed,
        ];
        VARIANTS[pick_w(&mut self.rng, &[25, 15, 20, 10, 5, 25])]
    }

    fn near_duplicate(
        &mut self,
        index: usize,
        slot: usize,
        variant: Variant,
    ) -> (NewPatient, usize) {
        let (original, mut p) = match self.recent.get(slot) {
            Some(r) => (r.index, r.patient.clone()),
            None => return (self.fresh(index, None), index),
        };
        let applied = self.apply_variant(&mut p, variant)
            || self.apply_variant(&mut p, Variant::FamilyTypo)
            || self.apply_variant(&mut p, Variant::GivenTypo);
        if !applied {
            // Very short names on both sides: a doubled final letter is still a plausible typo.
            if let Some(last) = p.family_name.chars().last() {
                p.family_name.push(last);
            }
        }
        if p.given_names.len() > 1 && self.rng.random_bool(0.3) {
            p.given_names.truncate(1);
        }
        p.ssn = match pick_w(&mut self.rng, &[35, 30, 20, 15]) {
            0 => p.ssn,
            1 => None,
            2 => Some(self.ssn_for(index)),
            _ => p.ssn.map(|s| transpose_ssn_digits(&mut self.rng, s)),
        };
        let moved = self.rng.random_bool(0.3);
        let city = if moved {
            self.cities.pick(&mut self.rng)
        } else {
            p.address
                .as_ref()
                .and_then(|a| CITIES.iter().position(|c| c.0 == a.city && c.1 == a.state))
                .unwrap_or_else(|| self.cities.pick(&mut self.rng))
        };
        if moved {
            p.address = Some(self.address(city));
        }
        p.phone = match pick_w(&mut self.rng, &[50, 25, 25]) {
            0 => p.phone,
            1 => None,
            _ => Some(self.phone(city)),
        };
        (p, original)
    }

    /// Changes `p` as the variant says; false when the variant does not apply to this name.
    fn apply_variant(&mut self, p: &mut NewPatient, variant: Variant) -> bool {
        match variant {
            Variant::FamilyTypo => match typo(&mut self.rng, &p.family_name) {
                Some(s) => {
                    p.family_name = s;
                    true
                }
                None => false,
            },
            Variant::GivenTypo => {
                let Some(first) = p.given_names.first_mut() else {
                    return false;
                };
                match typo(&mut self.rng, first) {
                    Some(s) => {
                        *first = s;
                        true
                    }
                    None => false,
                }
            }
            Variant::Nickname => {
                let Some(first) = p.given_names.first_mut() else {
                    return false;
                };
                let Some((_, nicks)) = NICKNAMES
                    .iter()
                    .find(|(formal, _)| *formal == first.as_str())
                else {
                    return false;
                };
                let nick = pick(&mut self.rng, nicks, "");
                if nick.is_empty() {
                    return false;
                }
                *first = nick.to_string();
                true
            }
            Variant::FoldAccents => {
                let mut changed = false;
                let folded = fold_accents(&p.family_name);
                if folded != p.family_name {
                    p.family_name = folded;
                    changed = true;
                }
                for g in &mut p.given_names {
                    let folded = fold_accents(g);
                    if folded != *g {
                        *g = folded;
                        changed = true;
                    }
                }
                changed
            }
            Variant::Punctuation => {
                let squeezed = strip_punctuation(&p.family_name);
                if squeezed != p.family_name && !squeezed.is_empty() {
                    p.family_name = squeezed;
                    return true;
                }
                if let Some(first) = p.given_names.first_mut() {
                    let squeezed = strip_punctuation(first);
                    if squeezed != *first && !squeezed.is_empty() {
                        *first = squeezed;
                        return true;
                    }
                }
                false
            }
            Variant::DobTransposed => {
                let (day, month) = (p.dob.day(), p.dob.month());
                if day > 12 || day == month {
                    return false;
                }
                match NaiveDate::from_ymd_opt(p.dob.year(), day, month) {
                    Some(d) if d <= self.cfg.today => {
                        p.dob = d;
                        true
                    }
                    _ => false,
                }
            }
        }
    }

    // --- encounters --------------------------------------------------------------------------

    fn encounter_count(&mut self) -> usize {
        match pick_w(&mut self.rng, &[780, 140, 75, 5]) {
            0 => 1 + pick_w(&mut self.rng, &[40, 27, 19, 14]),
            1 => self.rng.random_range(5..=9),
            2 => self.rng.random_range(10..=30),
            _ => self.rng.random_range(31..=60),
        }
    }

    fn encounters(
        &mut self,
        p: &NewPatient,
        deceased: Option<i32>,
        sensitivity: Option<Sensitivity>,
        duplicate: bool,
    ) -> Vec<SynthEncounter> {
        let dob_day = p.dob.num_days_from_ce();
        let start = dob_day.max(self.today - WINDOW_DAYS);
        let end = deceased.unwrap_or(self.today);
        let mut n = if duplicate {
            self.rng.random_range(1..=2)
        } else {
            self.encounter_count()
        };
        // A newborn cannot have had thirty visits.
        let span = usize::try_from(end - start).unwrap_or(0);
        if span < 365 {
            n = n.min(1 + span / 30);
        }
        self.days.clear();
        self.visits.clear();
        for _ in 0..n {
            let d = self.rng.random_range(start..=end);
            self.days.push(d);
        }
        self.days.sort_unstable();
        let died_in_hospital = deceased.is_some() && self.rng.random_bool(0.6);
        let elderly = age_on(p.dob, self.cfg.today) >= 65;
        let special = sensitivity.and_then(sensitive_condition);

        let mut out = Vec::with_capacity(n);
        let mut prev_end = start;
        for i in 0..n {
            let last = i + 1 == n;
            let day = self.days.get(i).copied().unwrap_or(start);
            let mut admitted = day.max(prev_end);
            let class;
            let cond;
            let discharged;
            let status;
            if last && died_in_hospital {
                class = EncounterClass::Inpatient;
                let los = self.rng.random_range(1..=10);
                admitted = (end - los).max(prev_end);
                let age = age_on(p.dob, self.date(admitted));
                cond = pick_condition(&mut self.rng, INPATIENT, age, true);
                discharged = Some(end);
                status = Some("Expired");
            } else {
                let weights: [u32; 4] = if elderly {
                    [55, 17, 20, 8]
                } else {
                    [62, 18, 13, 7]
                };
                class = [
                    EncounterClass::Outpatient,
                    EncounterClass::Emergency,
                    EncounterClass::Inpatient,
                    EncounterClass::Observation,
                ][pick_w(&mut self.rng, &weights)];
                let age = age_on(p.dob, self.date(admitted));
                cond = match (class, special) {
                    (EncounterClass::Outpatient, Some(c))
                        if c.fits(age) && self.rng.random_bool(0.5) =>
                    {
                        c
                    }
                    _ => {
                        let list = match class {
                            EncounterClass::Inpatient => INPATIENT,
                            EncounterClass::Outpatient => OUTPATIENT,
                            EncounterClass::Emergency => EMERGENCY,
                            EncounterClass::Observation => OBSERVATION,
                        };
                        pick_condition(&mut self.rng, list, age, false)
                    }
                };
                let los = match class {
                    EncounterClass::Inpatient => {
                        1 + i32::try_from(pick_w(
                            &mut self.rng,
                            &[10, 18, 18, 14, 10, 8, 6, 5, 5, 6],
                        ))
                        .unwrap_or(0)
                    }
                    EncounterClass::Observation => 1 + i32::from(self.rng.random_bool(0.25)),
                    EncounterClass::Emergency => i32::from(self.rng.random_bool(0.1)),
                    EncounterClass::Outpatient => 0,
                };
                let still_in = last
                    && class == EncounterClass::Inpatient
                    && deceased.is_none()
                    && self.today - admitted <= 10
                    && self.rng.random_bool(0.5);
                discharged = if still_in {
                    None
                } else {
                    Some((admitted + los).min(end))
                };
                status = match (class, discharged) {
                    (_, None) | (EncounterClass::Outpatient, _) => None,
                    (EncounterClass::Inpatient, _) => {
                        let w: [u32; 7] = if age >= 70 {
                            [40, 25, 22, 6, 4, 2, 1]
                        } else {
                            [70, 12, 4, 3, 1, 5, 5]
                        };
                        Some(INPATIENT_STATUS[pick_w(&mut self.rng, &w)])
                    }
                    (EncounterClass::Observation, _) => {
                        Some(["Home", "Home health", "AMA"][pick_w(&mut self.rng, &[92, 6, 2])])
                    }
                    (EncounterClass::Emergency, _) => {
                        Some(["Home", "Transferred", "AMA"][pick_w(&mut self.rng, &[94, 3, 3])])
                    }
                };
            }
            prev_end = discharged.unwrap_or(admitted);
            let attending = pick(&mut self.rng, ATTENDINGS, "Dr. A. Halvorsen");
            let ctx = Ctx {
                class,
                admitted,
                discharged,
                cond,
                status,
                attending,
                age: age_on(p.dob, self.date(admitted)),
                sex: p.sex,
            };
            let documents = self.documents(&ctx);
            self.visits.push(clinical::Visit {
                diagnosis: cond.diagnosis,
                day: self.date(admitted),
                encounter: out.len(),
                attending,
            });
            out.push(SynthEncounter {
                class,
                admitted: self.date(admitted),
                discharged: discharged.map(|d| self.date(d)),
                location: cond.location.to_string(),
                attending: attending.to_string(),
                discharge_status: status.map(str::to_string),
                documents,
            });
        }
        out
    }

    // --- documents ---------------------------------------------------------------------------

    fn documents(&mut self, ctx: &Ctx) -> Vec<SynthDocument> {
        let mut kinds: [Option<(DocKind, i32)>; 3] = [None; 3];
        let until = ctx.discharged.unwrap_or(self.today).min(self.today);
        let los = until - ctx.admitted;
        let mid = if los >= 2 {
            ctx.admitted + self.rng.random_range(1..los)
        } else {
            until
        };
        let summary_day = ctx
            .discharged
            .map(|d| (d + self.rng.random_range(0..=2)).min(self.today));
        let op_day = if los >= 1 && self.rng.random_bool(0.4) {
            ctx.admitted + 1
        } else {
            ctx.admitted
        };
        let procedure = ctx.cond.procedure.is_some();
        match ctx.class {
            EncounterClass::Outpatient => {
                if procedure {
                    kinds[0] = Some((DocKind::HistoryPhysical, ctx.admitted));
                    kinds[1] = Some((DocKind::Operative, ctx.admitted));
                } else {
                    kinds[0] = Some((DocKind::Clinic, ctx.admitted));
                }
            }
            EncounterClass::Emergency => {
                kinds[0] = Some((DocKind::Ed, ctx.admitted));
                if self.rng.random_bool(0.2) {
                    kinds[1] = Some((DocKind::Progress, until));
                }
            }
            EncounterClass::Observation => {
                kinds[0] = Some((DocKind::HistoryPhysical, ctx.admitted));
                kinds[1] = Some(match summary_day {
                    Some(d) => (DocKind::Discharge, d),
                    None => (DocKind::Progress, mid),
                });
            }
            EncounterClass::Inpatient => {
                kinds[0] = Some((DocKind::HistoryPhysical, ctx.admitted));
                if procedure {
                    kinds[1] = Some((DocKind::Operative, op_day));
                } else if los >= 2 && self.rng.random_bool(0.7) {
                    kinds[1] = Some((DocKind::Progress, mid));
                }
                kinds[2] = Some(match summary_day {
                    Some(d) => (DocKind::Discharge, d),
                    None => (DocKind::Progress, mid.max(op_day)),
                });
            }
        }
        let mut docs = Vec::with_capacity(3);
        for (kind, day) in kinds.into_iter().flatten() {
            let author = match kind {
                DocKind::Progress if self.rng.random_bool(0.4) => {
                    pick(&mut self.rng, OTHER_CLINICIANS, "K. Marsh, NP")
                }
                _ => ctx.attending,
            };
            let text = note(&mut self.rng, kind, ctx, day, self.cfg.today);
            docs.push(SynthDocument {
                kind: kind.label().to_string(),
                author: author.to_string(),
                written: self.date(day),
                text,
            });
        }
        docs
    }
}

/// A bijection on `0..SSN_SPACE`: a 4-round Feistel network on 30 bits, walked until the
/// value lands back inside the space (cycle walking keeps it a permutation).
fn permute_ssn_space(x: u64, key: u64) -> u64 {
    const HALF: u32 = 15;
    const MASK: u64 = (1 << HALF) - 1;
    let mut v = x;
    for _ in 0..64 {
        let (mut l, mut r) = (v >> HALF, v & MASK);
        for round in 0..4u64 {
            let f = splitmix(r ^ key.rotate_left(16 * round as u32) ^ (round << 32)) & MASK;
            (l, r) = (r, l ^ f);
        }
        v = (l << HALF) | r;
        if v < SSN_SPACE {
            return v;
        }
    }
    // Unreachable in practice (each walk step lands inside with probability 0.83).
    x
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Day number (days from the common era) to a date; `fallback` only for impossible inputs.
fn to_date(day: i32, fallback: NaiveDate) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(fallback)
}

fn copy_into(dst: &mut NewPatient, src: &NewPatient) {
    dst.family_name.clone_from(&src.family_name);
    dst.given_names.clone_from(&src.given_names);
    dst.dob = src.dob;
    dst.sex = src.sex;
    match (&mut dst.address, &src.address) {
        (Some(d), Some(s)) => {
            d.line.clone_from(&s.line);
            d.city.clone_from(&s.city);
            d.state.clone_from(&s.state);
            d.zip.clone_from(&s.zip);
        }
        (d, s) => d.clone_from(s),
    }
    dst.phone.clone_from(&src.phone);
    dst.ssn.clone_from(&src.ssn);
}

/// One letter swapped with its neighbour or dropped, never the first letter.
fn typo(rng: &mut ChaCha8Rng, name: &str) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        return None;
    }
    if rng.random_bool(0.5) {
        let swaps: Vec<usize> = (1..chars.len() - 1)
            .filter(|&i| {
                chars[i].is_alphabetic() && chars[i + 1].is_alphabetic() && chars[i] != chars[i + 1]
            })
            .collect();
        if !swaps.is_empty() {
            let i = swaps[rng.random_range(0..swaps.len())];
            chars.swap(i, i + 1);
            return Some(chars.into_iter().collect());
        }
    }
    let drops: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if drops.is_empty() {
        return None;
    }
    chars.remove(drops[rng.random_range(0..drops.len())]);
    Some(chars.into_iter().collect())
}

/// What a registration system without accented letters would have typed.
fn fold_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ạ' | 'ầ' => out.push('a'),
            'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => out.push('A'),
            'é' | 'è' | 'ê' | 'ë' | 'ễ' | 'ế' | 'ệ' => out.push('e'),
            'É' | 'È' | 'Ê' | 'Ë' => out.push('E'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'Í' | 'Ì' | 'Î' | 'Ï' => out.push('I'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => out.push('o'),
            'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => out.push('O'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'Ú' | 'Ù' | 'Û' | 'Ü' => out.push('U'),
            'ỳ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'Ñ' => out.push('N'),
            'ç' => out.push('c'),
            'Ç' => out.push('C'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'ś' => out.push('s'),
            'Ś' => out.push('S'),
            'ż' | 'ź' => out.push('z'),
            'Ż' | 'Ź' => out.push('Z'),
            'ß' => out.push_str("ss"),
            other => out.push(other),
        }
    }
    out
}

fn strip_punctuation(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\'' | '-' | ' ' | '.'))
        .collect()
}

/// Two neighbouring digits of the serial swapped: a keying slip, never area 000/666/9xx.
fn transpose_ssn_digits(rng: &mut ChaCha8Rng, ssn: String) -> String {
    let mut bytes = ssn.into_bytes();
    if bytes.len() == 11 {
        let i = rng.random_range(7..10);
        bytes.swap(i, i + 1);
    }
    String::from_utf8(bytes).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Notes

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocKind {
    HistoryPhysical,
    Progress,
    Discharge,
    Ed,
    Clinic,
    Operative,
}

impl DocKind {
    fn label(self) -> &'static str {
        match self {
            DocKind::HistoryPhysical => "History and physical",
            DocKind::Progress => "Progress note",
            DocKind::Discharge => "Discharge summary",
            DocKind::Ed => "ED note",
            DocKind::Clinic => "Clinic note",
            DocKind::Operative => "Operative note",
        }
    }
}

fn describe(out: &mut String, age: u32, sex: Sex) {
    if age == 0 {
        out.push_str("an infant");
        return;
    }
    let noun = match (sex, age < 18) {
        (Sex::Female, true) => "girl",
        (Sex::Male, true) => "boy",
        (Sex::Unknown, true) => "child",
        (Sex::Female, false) => "woman",
        (Sex::Male, false) => "man",
        (Sex::Unknown, false) => "patient",
    };
    let article = if age == 8 || age == 11 || age == 18 || (80..90).contains(&age) {
        "an"
    } else {
        "a"
    };
    let _ = write!(out, "{article} {age}-year-old {noun}");
}

fn pronoun(sex: Sex) -> &'static str {
    match sex {
        Sex::Female => "She",
        Sex::Male => "He",
        Sex::Unknown => "The patient",
    }
}

/// Appends up to three distinct sentences from `pool`, keeping the note at eight or fewer.
fn extras(rng: &mut ChaCha8Rng, out: &mut String, pool: &[&str], base: usize) {
    if pool.is_empty() {
        return;
    }
    let max = 8usize.saturating_sub(base).min(3).min(pool.len());
    let n = rng.random_range(0..=max);
    let start = rng.random_range(0..pool.len());
    for k in 0..n {
        out.push(' ');
        out.push_str(pool[(start + k) % pool.len()]);
    }
}

fn note(rng: &mut ChaCha8Rng, kind: DocKind, ctx: &Ctx, day: i32, today: NaiveDate) -> String {
    let c = ctx.cond;
    let mut t = String::with_capacity(480);
    match kind {
        DocKind::HistoryPhysical | DocKind::Ed | DocKind::Clinic => {
            t.push_str("The patient is ");
            describe(&mut t, ctx.age, ctx.sex);
            match (kind, ctx.class) {
                (DocKind::Ed, _) => t.push_str(" who presents to the emergency department with "),
                (DocKind::Clinic, _) => {
                    t.push_str(" seen in the ");
                    t.push_str(c.location);
                    t.push_str(" for ");
                }
                (_, EncounterClass::Outpatient) => t.push_str(" seen before the procedure for "),
                (_, EncounterClass::Observation) => t.push_str(" placed in observation for "),
                _ => t.push_str(" admitted with "),
            }
            t.push_str(c.complaint);
            t.push_str(". ");
            t.push_str(c.history);
            t.push(' ');
            t.push_str(c.finding);
            t.push_str(" Assessment is ");
            t.push_str(c.diagnosis);
            t.push_str(". The plan is to ");
            t.push_str(c.plan);
            t.push('.');
            let pool = if kind == DocKind::Clinic {
                CLINIC_EXTRAS
            } else {
                COMMON_EXTRAS
            };
            extras(rng, &mut t, pool, 5);
        }
        DocKind::Progress if ctx.class == EncounterClass::Emergency => {
            t.push_str("Reassessed in the emergency department. ");
            t.push_str(pronoun(ctx.sex));
            t.push_str(" reports ");
            t.push_str(pick(rng, ED_REASSESS_REPORTS, "feeling better"));
            t.push_str(". Assessment remains ");
            t.push_str(c.diagnosis);
            t.push_str(". The disposition was discussed with the patient.");
            extras(rng, &mut t, ED_REASSESS_EXTRAS, 4);
        }
        DocKind::Progress => {
            let _ = write!(t, "Hospital day {}. ", day - ctx.admitted + 1);
            t.push_str(pronoun(ctx.sex));
            t.push_str(" reports ");
            t.push_str(pick(rng, PROGRESS_REPORTS, "feeling better"));
            t.push_str(". Assessment remains ");
            t.push_str(c.diagnosis);
            t.push_str(". The plan is to continue current care and ");
            t.push_str(pick(rng, PROGRESS_NEXT, "recheck labs in the morning"));
            t.push('.');
            extras(rng, &mut t, PROGRESS_EXTRAS, 4);
        }
        DocKind::Discharge => {
            let expired = ctx.status == Some("Expired");
            let _ = write!(
                t,
                "The patient was admitted on {} with {}. The final diagnosis was {}. ",
                to_date(ctx.admitted, today),
                c.complaint,
                c.diagnosis
            );
            t.push_str(pronoun(ctx.sex));
            match c.procedure {
                Some((procedure, _)) => {
                    t.push_str(" underwent ");
                    t.push_str(procedure);
                    t.push_str(" without complications.");
                }
                None if expired => t.push_str(" declined despite treatment."),
                None => t.push_str(" improved steadily with treatment."),
            }
            t.push(' ');
            t.push_str(pronoun(ctx.sex));
            let where_to = match ctx.status.unwrap_or("Home") {
                "Home health" => " was discharged home with home health services on ",
                "SNF" => " was discharged to a skilled nursing facility on ",
                "Rehab facility" => " was discharged to an inpatient rehabilitation facility on ",
                "Hospice" => " was discharged to hospice care on ",
                "Transferred" => " was transferred to another hospital on ",
                "AMA" => " left against medical advice on ",
                "Expired" => " died on ",
                _ => " was discharged home on ",
            };
            t.push_str(where_to);
            let _ = write!(
                t,
                "{}.",
                to_date(ctx.discharged.unwrap_or(ctx.admitted), today)
            );
            if expired {
                extras(rng, &mut t, EXPIRED_EXTRAS, 4);
            } else {
                t.push_str(" Follow up with primary care within one week.");
                extras(rng, &mut t, DISCHARGE_EXTRAS, 5);
            }
        }
        DocKind::Operative => {
            let (procedure, anesthesia) = c
                .procedure
                .unwrap_or(("the planned procedure", "general anesthesia"));
            t.push_str("Procedure performed: ");
            t.push_str(procedure);
            t.push_str(". Preoperative diagnosis: ");
            t.push_str(c.diagnosis);
            t.push_str(". Anesthesia: ");
            t.push_str(anesthesia);
            t.push_str(". The procedure was completed without complications.");
            extras(rng, &mut t, OPERATIVE_EXTRAS, 4);
        }
    }
    t
}

// ---------------------------------------------------------------------------------------------
// Clinical content: ordinary conditions in plain words

struct Condition {
    complaint: &'static str,
    /// One sentence.
    history: &'static str,
    /// One sentence.
    finding: &'static str,
    diagnosis: &'static str,
    /// Follows "The plan is to".
    plan: &'static str,
    location: &'static str,
    min_age: u32,
    max_age: u32,
    /// (procedure, anesthesia)
    procedure: Option<(&'static str, &'static str)>,
}

impl Condition {
    fn fits(&self, age: u32) -> bool {
        (self.min_age..=self.max_age).contains(&age)
    }
}

#[allow(clippy::too_many_arguments)]
const fn cond(
    complaint: &'static str,
    history: &'static str,
    finding: &'static str,
    diagnosis: &'static str,
    plan: &'static str,
    location: &'static str,
    min_age: u32,
    max_age: u32,
    procedure: Option<(&'static str, &'static str)>,
) -> Condition {
    Condition {
        complaint,
        history,
        finding,
        diagnosis,
        plan,
        location,
        min_age,
        max_age,
        procedure,
    }
}

fn pick_condition(
    rng: &mut ChaCha8Rng,
    list: &'static [Condition],
    age: u32,
    no_procedure: bool,
) -> &'static Condition {
    let ok = |c: &Condition| c.fits(age) && !(no_procedure && c.procedure.is_some());
    for _ in 0..8 {
        if let Some(c) = list.get(rng.random_range(0..list.len().max(1)))
            && ok(c)
        {
            return c;
        }
    }
    list.iter().find(|c| ok(c)).unwrap_or(&FALLBACK_CONDITION)
}

fn sensitive_condition(s: Sensitivity) -> Option<&'static Condition> {
    match s {
        Sensitivity::BehavioralHealth => Some(&BEHAVIORAL_HEALTH),
        Sensitivity::SubstanceUseDisorder => Some(&SUBSTANCE_USE),
        Sensitivity::Hiv => Some(&HIV_CARE),
        Sensitivity::ReproductiveHealth => Some(&REPRODUCTIVE),
        Sensitivity::Employee | Sensitivity::Vip => None,
    }
}

static FALLBACK_CONDITION: Condition = cond(
    "a routine visit",
    "The patient has no new concerns.",
    "The exam is normal.",
    "routine health exam",
    "follow up as needed",
    "Family Medicine Clinic",
    0,
    200,
    None,
);

static INPATIENT: &[Condition] = &[
    cond(
        "cough, fever and shortness of breath",
        "Symptoms began four days ago with a productive cough and chills.",
        "The chest film shows a right lower lobe infiltrate.",
        "community-acquired pneumonia",
        "start intravenous antibiotics and change to oral therapy once the fever resolves",
        "4 West Medical",
        18,
        100,
        None,
    ),
    cond(
        "shortness of breath and leg swelling",
        "Breathing has worsened over a week with a weight gain of six pounds.",
        "There are crackles at both lung bases and swelling of both legs.",
        "congestive heart failure exacerbation",
        "give intravenous diuretics, track daily weights and limit salt and fluids",
        "3 North Cardiac",
        45,
        100,
        None,
    ),
    cond(
        "worsening cough and wheezing",
        "The patient has chronic lung disease and ran out of inhalers last week.",
        "There is wheezing throughout both lungs with a long expiratory phase.",
        "COPD exacerbation",
        "give steroids, scheduled nebulizer treatments and a short course of antibiotics",
        "4 West Medical",
        40,
        100,
        None,
    ),
    cond(
        "left hip pain after a fall at home",
        "The patient tripped on a rug and could not get up or bear weight.",
        "The left leg is shortened and rotated and the film shows a displaced fracture.",
        "closed fracture of the left hip",
        "repair the fracture in surgery and start clot prevention afterward",
        "2 South Orthopedics",
        55,
        100,
        Some((
            "open reduction and internal fixation of the left hip",
            "general anesthesia",
        )),
    ),
    cond(
        "redness and swelling of the right lower leg",
        "The redness started near a small scrape and has spread over three days.",
        "The right shin is warm, red and tender without any fluid collection.",
        "cellulitis of the right lower leg",
        "give intravenous antibiotics, elevate the leg and mark the edge of the redness",
        "4 West Medical",
        18,
        100,
        None,
    ),
    cond(
        "fever and new confusion",
        "Family reports burning with urination for several days before the confusion began.",
        "Blood pressure was low on arrival and the urine test shows infection.",
        "sepsis due to urinary tract infection",
        "give intravenous fluids and antibiotics and follow the urine and blood cultures",
        "4 West Medical",
        50,
        100,
        None,
    ),
    cond(
        "right lower abdominal pain",
        "Pain began around the navel yesterday and moved to the right lower abdomen.",
        "There is tenderness in the right lower abdomen and the scan shows an inflamed appendix.",
        "acute appendicitis",
        "take the patient to surgery today",
        "5 East Surgical",
        6,
        80,
        Some(("laparoscopic appendectomy", "general anesthesia")),
    ),
    cond(
        "right upper abdominal pain after meals",
        "Pain after fatty meals has come and gone for months and is now constant.",
        "The ultrasound shows gallstones with a thickened gallbladder wall.",
        "acute cholecystitis",
        "give intravenous antibiotics and remove the gallbladder",
        "5 East Surgical",
        20,
        90,
        Some(("laparoscopic cholecystectomy", "general anesthesia")),
    ),
    cond(
        "nausea, vomiting and high blood sugar",
        "The patient missed several insulin doses during a stomach illness.",
        "Blood sugar and ketones are high and the blood is acidic.",
        "diabetic ketoacidosis",
        "start an insulin drip with intravenous fluids and check labs every few hours",
        "Medical ICU",
        10,
        70,
        None,
    ),
    cond(
        "black stools and lightheadedness",
        "The patient takes ibuprofen daily for arthritis pain.",
        "The blood count shows a large drop from the last check.",
        "upper gastrointestinal bleeding",
        "give a blood transfusion, start acid suppression and arrange an endoscopy",
        "4 West Medical",
        40,
        100,
        None,
    ),
    cond(
        "sudden weakness of the right arm and trouble speaking",
        "Symptoms started two hours before arrival while the patient was eating dinner.",
        "The brain scan shows no bleeding and the exam shows right-sided weakness.",
        "acute ischemic stroke",
        "monitor on the stroke unit, start aspirin and begin therapy evaluations",
        "3 North Neuro",
        45,
        100,
        None,
    ),
    cond(
        "cough and trouble breathing",
        "Cold symptoms for three days were followed by fast breathing and poor feeding.",
        "There is wheezing with mild retractions and oxygen levels are low on room air.",
        "bronchiolitis",
        "give oxygen, suction the nose as needed and support feeding",
        "Pediatric Unit",
        0,
        2,
        None,
    ),
    cond(
        "wheezing not relieved by the home inhaler",
        "Symptoms worsened after a cold and the inhaler helped only briefly.",
        "There is wheezing in both lungs and the child is working hard to breathe.",
        "asthma exacerbation",
        "give frequent nebulizer treatments and a short course of oral steroids",
        "Pediatric Unit",
        2,
        17,
        None,
    ),
    cond(
        "long-standing right knee pain",
        "The patient has had knee pain for years despite injections and physical therapy.",
        "The knee film shows severe loss of joint space.",
        "osteoarthritis of the right knee",
        "proceed with the planned knee replacement and start physical therapy the next day",
        "2 South Orthopedics",
        50,
        90,
        Some(("right total knee replacement", "spinal anesthesia")),
    ),
    cond(
        "palpitations and fatigue",
        "The racing heartbeat started yesterday and has not let up.",
        "The heart tracing shows atrial fibrillation with a fast rate.",
        "atrial fibrillation with rapid ventricular response",
        "control the heart rate, start a blood thinner and check a heart ultrasound",
        "3 North Cardiac",
        50,
        100,
        None,
    ),
    cond(
        "upper abdominal pain going through to the back",
        "Pain began after a large meal and is worse lying flat.",
        "The lipase level is markedly elevated.",
        "acute pancreatitis",
        "give intravenous fluids and pain control and advance the diet slowly",
        "4 West Medical",
        20,
        85,
        None,
    ),
    cond(
        "heavy chest pressure",
        "Pressure began at rest this morning and spread to the left arm.",
        "The heart enzyme level is elevated and the heart tracing shows new changes.",
        "non-ST elevation myocardial infarction",
        "start blood thinners and plan a heart catheterization",
        "3 North Cardiac",
        40,
        100,
        None,
    ),
];

static OBSERVATION: &[Condition] = &[
    cond(
        "chest pain",
        "Chest pain came on while climbing stairs and eased with rest.",
        "The first heart enzyme test and the heart tracing are normal.",
        "chest pain with heart attack ruled out",
        "repeat the heart enzyme tests and arrange a stress test",
        "Observation Unit",
        30,
        100,
        None,
    ),
    cond(
        "a fainting spell",
        "The patient passed out briefly after standing up quickly.",
        "Blood pressure drops on standing and the heart tracing is normal.",
        "fainting due to dehydration",
        "give intravenous fluids and monitor the heart rhythm overnight",
        "Observation Unit",
        40,
        100,
        None,
    ),
    cond(
        "vomiting and diarrhea",
        "Several family members have had the same illness this week.",
        "The mouth is dry and labs show mild dehydration.",
        "viral gastroenteritis with dehydration",
        "give intravenous fluids and advance to clear liquids",
        "Clinical Decision Unit",
        0,
        100,
        None,
    ),
    cond(
        "brief numbness of the left hand",
        "The numbness lasted about twenty minutes and has fully resolved.",
        "The exam is normal and the brain scan shows no bleeding.",
        "transient ischemic attack",
        "start aspirin, check a neck artery ultrasound and monitor the heart rhythm",
        "Observation Unit",
        45,
        100,
        None,
    ),
    cond(
        "wheezing and chest tightness",
        "Symptoms started after exposure to smoke from a wood stove.",
        "There is mild wheezing that improved after the first treatment.",
        "asthma exacerbation",
        "continue nebulizer treatments and start oral steroids",
        "Clinical Decision Unit",
        5,
        70,
        None,
    ),
    cond(
        "flank pain that comes in waves",
        "The pain moves from the right flank toward the groin.",
        "The scan shows a small stone in the right ureter.",
        "stone of the right ureter",
        "control the pain, give fluids and strain the urine",
        "Observation Unit",
        20,
        80,
        None,
    ),
];

static EMERGENCY: &[Condition] = &[
    cond(
        "chest pain",
        "The pain is sharp and worse with deep breaths and pressing on the chest.",
        "The heart tracing and heart enzyme test are normal.",
        "chest wall pain",
        "use anti-inflammatory medicine and follow up with primary care",
        "ED",
        18,
        100,
        None,
    ),
    cond(
        "a twisted ankle",
        "The patient rolled the right ankle playing basketball.",
        "There is swelling over the outer ankle and the film shows no fracture.",
        "sprain of the right ankle",
        "use a brace, ice and elevation and follow up if not better in a week",
        "ED Fast Track",
        8,
        70,
        None,
    ),
    cond(
        "a cut on the left hand",
        "The patient cut the hand on a kitchen knife while cooking.",
        "There is a clean two centimeter cut with normal movement and feeling.",
        "laceration of the left hand",
        "close the wound with sutures and remove them in ten days",
        "ED Fast Track",
        3,
        90,
        None,
    ),
    cond(
        "burning with urination",
        "Symptoms started two days ago with frequent urination.",
        "The urine test shows signs of infection.",
        "urinary tract infection",
        "take oral antibiotics for five days and drink plenty of fluids",
        "ED",
        14,
        100,
        None,
    ),
    cond(
        "fever and fussiness",
        "The fever started yesterday with a runny nose and cough.",
        "The child is active and drinking and the exam is normal apart from a runny nose.",
        "viral illness with fever",
        "give fever medicine and fluids and return for any trouble breathing",
        "Pediatric ED",
        0,
        6,
        None,
    ),
    cond(
        "a headache",
        "The headache built up slowly and feels like past headaches.",
        "The neurologic exam is normal.",
        "migraine headache",
        "treat the headache here and follow up with primary care",
        "ED",
        12,
        80,
        None,
    ),
    cond(
        "abdominal pain and vomiting",
        "The pain is crampy and started after eating at a restaurant.",
        "The abdomen is soft with mild tenderness.",
        "gastroenteritis",
        "take anti-nausea medicine, drink clear liquids and return for worsening pain",
        "ED",
        2,
        90,
        None,
    ),
    cond(
        "low back pain",
        "The pain started after lifting boxes and does not go down the legs.",
        "There is muscle tenderness with normal strength and reflexes.",
        "strain of the lower back",
        "use anti-inflammatory medicine, stay active and follow up with primary care",
        "ED Fast Track",
        18,
        85,
        None,
    ),
    cond(
        "hives and lip swelling",
        "Symptoms began an hour after eating shellfish.",
        "There are hives on the trunk with mild lip swelling and clear breathing.",
        "allergic reaction to food",
        "take antihistamines and a short course of steroids and carry an epinephrine pen",
        "ED",
        3,
        90,
        None,
    ),
    cond(
        "ear pain",
        "The ear pain began after a cold.",
        "The right eardrum is red and bulging.",
        "otitis media of the right ear",
        "take oral antibiotics and follow up with the pediatrician",
        "Pediatric ED",
        1,
        10,
        None,
    ),
    cond(
        "shortness of breath",
        "The patient has asthma and symptoms worsened during a cold.",
        "There is wheezing that cleared after two nebulizer treatments.",
        "asthma exacerbation",
        "use the inhaler every four hours and take oral steroids for five days",
        "ED",
        4,
        60,
        None,
    ),
    cond(
        "a fall with wrist pain",
        "The patient slipped on ice and landed on an outstretched hand.",
        "The film shows a nondisplaced fracture of the left wrist.",
        "fracture of the left wrist",
        "wear a splint and follow up in the orthopedic clinic",
        "ED",
        5,
        100,
        None,
    ),
];

static OUTPATIENT: &[Condition] = &[
    cond(
        "type 2 diabetes follow-up",
        "Home sugar readings are mostly in range with a few high readings after dinner.",
        "The A1c has improved since the last visit.",
        "type 2 diabetes mellitus",
        "continue metformin, review the diet and recheck the A1c in three months",
        "Internal Medicine Clinic",
        25,
        100,
        None,
    ),
    cond(
        "high blood pressure follow-up",
        "The patient takes the medicine daily and checks blood pressure at home.",
        "Blood pressure is well controlled today.",
        "essential hypertension",
        "continue the current medicine and check kidney function yearly",
        "Family Medicine Clinic",
        25,
        100,
        None,
    ),
    cond(
        "an annual physical",
        "The patient has no new concerns today.",
        "The exam is normal.",
        "routine adult health exam",
        "keep up with screening tests and vaccines",
        "Family Medicine Clinic",
        18,
        100,
        None,
    ),
    cond(
        "a well-child visit",
        "Growth and development are on track according to the parent.",
        "Height and weight are tracking normally on the growth chart.",
        "routine child health exam",
        "give the vaccines due today and return for the next well visit",
        "Pediatric Clinic",
        0,
        17,
        None,
    ),
    cond(
        "coronary artery disease follow-up",
        "The patient walks daily without chest pain.",
        "The heart tracing is unchanged from last year.",
        "stable coronary artery disease",
        "continue aspirin and the cholesterol medicine",
        "Cardiology Clinic",
        45,
        100,
        None,
    ),
    cond(
        "atrial fibrillation follow-up",
        "The patient has had no palpitations or bleeding on the blood thinner.",
        "The heart rate is controlled today.",
        "atrial fibrillation",
        "continue the blood thinner and the rate control medicine",
        "Cardiology Clinic",
        50,
        100,
        None,
    ),
    cond(
        "knee pain",
        "The knee aches after walking and is stiff in the morning.",
        "There is mild swelling and grinding of the knee.",
        "osteoarthritis of the knee",
        "start physical therapy and use acetaminophen as needed",
        "Orthopedic Clinic",
        35,
        100,
        None,
    ),
    cond(
        "asthma follow-up",
        "The rescue inhaler is needed about once a week.",
        "The lungs are clear and breathing tests are stable.",
        "mild persistent asthma",
        "continue the daily controller inhaler",
        "Pulmonary Clinic",
        5,
        80,
        None,
    ),
    cond(
        "COPD follow-up",
        "Breathing is stable with the current inhalers.",
        "Breath sounds are mildly decreased without wheezing.",
        "chronic obstructive pulmonary disease",
        "continue the inhalers and stay current on vaccines",
        "Pulmonary Clinic",
        45,
        100,
        None,
    ),
    cond(
        "cloudy vision in the right eye",
        "Vision has slowly worsened and makes night driving hard.",
        "The eye exam shows a dense cataract in the right eye.",
        "cataract of the right eye",
        "proceed with cataract surgery today",
        "Surgical Day Unit",
        50,
        100,
        Some((
            "cataract removal with lens implant in the right eye",
            "monitored sedation",
        )),
    ),
    cond(
        "a bulge in the right groin",
        "The bulge appears when lifting and goes away when lying down.",
        "There is a soft bulge in the right groin that pushes back in easily.",
        "right inguinal hernia",
        "proceed with hernia repair today",
        "Surgical Day Unit",
        18,
        90,
        Some(("right inguinal hernia repair", "general anesthesia")),
    ),
    cond(
        "numbness of the left hand at night",
        "Numbness of the thumb and first fingers wakes the patient at night.",
        "The nerve study confirms compression at the wrist.",
        "carpal tunnel syndrome of the left hand",
        "proceed with carpal tunnel release today",
        "Surgical Day Unit",
        25,
        90,
        Some(("left carpal tunnel release", "regional anesthesia")),
    ),
    cond(
        "a screening colonoscopy",
        "The patient has no bowel symptoms and is due for screening.",
        "The bowel preparation was good.",
        "encounter for colon cancer screening",
        "perform the colonoscopy today and send any polyps to pathology",
        "Endoscopy Unit",
        45,
        85,
        Some((
            "colonoscopy with removal of a small polyp",
            "monitored sedation",
        )),
    ),
    cond(
        "thyroid follow-up",
        "The patient feels well on the current thyroid dose.",
        "The thyroid level is in the normal range.",
        "hypothyroidism",
        "continue the current dose and recheck labs in six months",
        "Endocrinology Clinic",
        18,
        100,
        None,
    ),
    cond(
        "frequent headaches",
        "Headaches occur about twice a month with sensitivity to light.",
        "The neurologic exam is normal.",
        "migraine without aura",
        "keep a headache diary and start a daily preventive medicine",
        "Neurology Clinic",
        12,
        75,
        None,
    ),
    cond(
        "kidney function follow-up",
        "The patient has no swelling and urinates normally.",
        "Kidney function is stable compared with the last visit.",
        "chronic kidney disease stage 3",
        "avoid anti-inflammatory medicines and recheck labs in four months",
        "Nephrology Clinic",
        45,
        100,
        None,
    ),
    cond(
        "an ear infection",
        "The child has had ear pain and fever for a day.",
        "The left eardrum is red and bulging.",
        "otitis media of the left ear",
        "give oral antibiotics and recheck if not better in three days",
        "Pediatric Clinic",
        0,
        10,
        None,
    ),
    cond(
        "low back pain",
        "The pain has lasted three weeks and is better with walking.",
        "Strength and reflexes are normal in both legs.",
        "low back pain",
        "start physical therapy and continue home exercises",
        "Family Medicine Clinic",
        18,
        90,
        None,
    ),
    cond(
        "a hospital follow-up visit",
        "The patient was recently discharged and feels better.",
        "The exam is improved compared with the hospital stay.",
        "follow-up after a hospital stay",
        "review the medicines and follow up in one month",
        "Internal Medicine Clinic",
        18,
        100,
        None,
    ),
];

static BEHAVIORAL_HEALTH: Condition = cond(
    "low mood and poor sleep",
    "Mood has improved somewhat since the medicine was increased.",
    "The patient denies thoughts of self-harm.",
    "major depressive disorder, moderate",
    "continue the antidepressant and weekly therapy sessions",
    "Behavioral Health Clinic",
    10,
    100,
    None,
);

static SUBSTANCE_USE: Condition = cond(
    "opioid use disorder follow-up",
    "The patient reports no use since the last visit.",
    "The urine drug test is as expected.",
    "opioid use disorder in early remission",
    "continue buprenorphine and group counseling",
    "Recovery Clinic",
    16,
    100,
    None,
);

static HIV_CARE: Condition = cond(
    "HIV follow-up",
    "The patient takes the daily medicine without missed doses.",
    "The viral load remains undetectable.",
    "HIV infection, well controlled",
    "continue the current antiretroviral medicine and recheck labs in three months",
    "Infectious Disease Clinic",
    12,
    100,
    None,
);

static REPRODUCTIVE: Condition = cond(
    "contraception counseling",
    "The patient would like to discuss birth control options.",
    "The exam is unremarkable.",
    "encounter for contraception management",
    "start the chosen method and follow up in three months",
    "Reproductive Health Clinic",
    15,
    55,
    None,
);

const INPATIENT_STATUS: [&str; 7] = [
    "Home",
    "Home health",
    "SNF",
    "Rehab facility",
    "Hospice",
    "Transferred",
    "AMA",
];

const COMMON_EXTRAS: &[&str] = &[
    "Allergies were reviewed and are unchanged.",
    "Home medicines were reviewed and reconciled.",
    "Vital signs are within normal limits.",
    "The patient does not smoke and drinks alcohol rarely.",
    "There has been no recent travel.",
    "The patient lives at home with family.",
    "Past history was reviewed with no changes.",
    "Family history is noncontributory.",
    "Questions were answered and the patient agrees with the plan.",
];

const CLINIC_EXTRAS: &[&str] = &[
    "Medicines were reviewed and refilled.",
    "Vaccines are up to date.",
    "Allergies were reviewed and are unchanged.",
    "The patient was encouraged to stay active.",
    "Return to clinic in three months.",
    "Labs were ordered before the next visit.",
    "Questions were answered and the patient agrees with the plan.",
];

const PROGRESS_REPORTS: &[&str] = &[
    "feeling somewhat better",
    "less pain today",
    "a good night of sleep",
    "easier breathing",
    "a better appetite",
    "walking in the hall with help",
    "mild nausea that is improving",
];

const PROGRESS_NEXT: &[&str] = &[
    "advance activity as tolerated",
    "recheck labs in the morning",
    "plan for discharge in one to two days",
    "continue physical therapy",
    "wean oxygen as tolerated",
    "switch to oral medicines",
];

const PROGRESS_EXTRAS: &[&str] = &[
    "Vital signs have been stable overnight.",
    "Pain is controlled with oral medicine.",
    "The patient is eating a regular diet.",
    "Labs are stable.",
    "Case management is helping with discharge planning.",
    "The family was updated by phone.",
];

const ED_REASSESS_REPORTS: &[&str] = &[
    "feeling better after medicine",
    "less pain",
    "no more nausea",
    "easier breathing",
];

const ED_REASSESS_EXTRAS: &[&str] = &[
    "Repeat vital signs are normal.",
    "The patient is drinking fluids without vomiting.",
    "Return precautions were reviewed.",
    "A work note was provided.",
];

const DISCHARGE_EXTRAS: &[&str] = &[
    "Discharge medicines were reviewed with the patient.",
    "Return precautions were explained.",
    "The patient understands the instructions.",
    "Pending test results will be followed by the primary care office.",
];

const EXPIRED_EXTRAS: &[&str] = &[
    "The family was at the bedside.",
    "Comfort care measures were in place.",
    "The chaplain visited the family.",
];

const OPERATIVE_EXTRAS: &[&str] = &[
    "Estimated blood loss was minimal.",
    "Sponge and needle counts were correct.",
    "Antibiotics were given before the incision.",
    "The patient went to recovery in stable condition.",
    "The family was updated after the procedure.",
];

// ---------------------------------------------------------------------------------------------
// People and places (all clinicians are invented)

const ATTENDINGS: &[&str] = &[
    "Dr. A. Halvorsen",
    "Dr. B. Okonjo",
    "Dr. C. Marchetti",
    "Dr. D. Lindqvist",
    "Dr. E. Castellanos",
    "Dr. F. Abernathy",
    "Dr. G. Pruitt",
    "Dr. H. Yamashiro",
    "Dr. J. Delacroix",
    "Dr. K. Brennan",
    "Dr. L. Farouk",
    "Dr. M. Ostrowski",
    "Dr. N. Iyer",
    "Dr. P. Quintero",
    "Dr. R. Ashworth",
    "Dr. S. Kaminski",
    "Dr. T. Oyelaran",
    "Dr. V. Thorne",
    "Dr. W. Achterberg",
    "Dr. Y. Nakashima",
    "Dr. A. Fairbanks",
    "Dr. E. Mwangi",
    "Dr. L. Petrakis",
    "Dr. R. Villanueva",
    "Dr. M. Haddad",
    "Dr. C. Whitlock",
    "Dr. H. Banerjee",
    "Dr. K. Eastman",
    "Dr. S. Reinholt",
    "Dr. T. Gallagher",
    "Dr. P. Moreau",
    "Dr. D. Akintola",
    "Dr. G. Lindholm",
    "Dr. F. Estrella",
    "Dr. B. Carrow",
    "Dr. N. Vasquez-Hale",
    "Dr. O. Brandt",
    "Dr. I. Novak",
    "Dr. U. Adeyemi",
    "Dr. Z. Ferreira",
];

const OTHER_CLINICIANS: &[&str] = &[
    "K. Marsh, NP",
    "L. Dunbar, PA-C",
    "T. Oduya, NP",
    "R. Kessler, PA-C",
    "M. Sato, NP",
    "J. Renwick, NP",
    "A. Beaumont, PA-C",
    "S. Calloway, NP",
    "D. Ferrante, NP",
    "E. Lund, PA-C",
];

/// (city, state, ZIP, area code, weight): real combinations, chosen for spread, not accuracy.
type City = (&'static str, &'static str, &'static str, &'static str, u32);

const CITIES_FALLBACK: City = ("Springfield", "IL", "62701", "217", 1);

const CITIES: &[City] = &[
    ("Springfield", "IL", "62701", "217", 40),
    ("Columbus", "OH", "43215", "614", 30),
    ("Austin", "TX", "78701", "512", 25),
    ("San Antonio", "TX", "78205", "210", 25),
    ("Denver", "CO", "80202", "303", 20),
    ("Portland", "OR", "97204", "503", 20),
    ("Boise", "ID", "83702", "208", 10),
    ("Omaha", "NE", "68102", "402", 15),
    ("Madison", "WI", "53703", "608", 12),
    ("Des Moines", "IA", "50309", "515", 12),
    ("Albany", "NY", "12207", "518", 12),
    ("Burlington", "VT", "05401", "802", 5),
    ("Bangor", "ME", "04401", "207", 5),
    ("Fargo", "ND", "58102", "701", 6),
    ("Sioux Falls", "SD", "57104", "605", 6),
    ("Billings", "MT", "59101", "406", 5),
    ("Cheyenne", "WY", "82001", "307", 4),
    ("Tucson", "AZ", "85701", "520", 15),
    ("Albuquerque", "NM", "87102", "505", 12),
    ("Santa Fe", "NM", "87501", "505", 5),
    ("Reno", "NV", "89501", "775", 8),
    ("Salt Lake City", "UT", "84111", "801", 12),
    ("Spokane", "WA", "99201", "509", 10),
    ("Sacramento", "CA", "95814", "916", 20),
    ("Fresno", "CA", "93721", "559", 15),
    ("Wichita", "KS", "67202", "316", 10),
    ("Tulsa", "OK", "74103", "918", 12),
    ("Little Rock", "AR", "72201", "501", 8),
    ("Jackson", "MS", "39201", "601", 8),
    ("Birmingham", "AL", "35203", "205", 10),
    ("Knoxville", "TN", "37902", "865", 10),
    ("Lexington", "KY", "40507", "859", 10),
    ("Charleston", "WV", "25301", "304", 5),
    ("Richmond", "VA", "23219", "804", 12),
    ("Raleigh", "NC", "27601", "919", 15),
    ("Columbia", "SC", "29201", "803", 10),
    ("Savannah", "GA", "31401", "912", 8),
    ("Tallahassee", "FL", "32301", "850", 10),
    ("Duluth", "MN", "55802", "218", 5),
    ("Lansing", "MI", "48933", "517", 10),
    ("Fort Wayne", "IN", "46802", "260", 10),
    ("Erie", "PA", "16501", "814", 8),
    ("Hartford", "CT", "06103", "860", 10),
    ("Providence", "RI", "02903", "401", 10),
    ("Manchester", "NH", "03101", "603", 6),
    ("Baltimore", "MD", "21202", "410", 20),
];

const STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Walnut",
    "Church",
    "Spring",
    "Chestnut",
    "Highland",
    "Sunset",
    "Ridge",
    "River",
    "Mill",
    "Meadow",
    "Forest",
    "Willow",
    "Birch",
    "Jackson",
    "Lincoln",
    "Franklin",
    "Jefferson",
    "Madison",
    "Center",
    "Cherry",
    "Dogwood",
    "Hickory",
    "Sycamore",
    "Locust",
    "Magnolia",
    "Laurel",
    "Prospect",
    "Union",
    "School",
    "Water",
    "Bridge",
    "Market",
    "Academy",
    "Orchard",
    "Valley",
    "Fairview",
    "Country Club",
    "Railroad",
    "Broad",
    "Grove",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Aspen",
    "Juniper",
];

const STREET_SUFFIXES: [&str; 9] = ["St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Blvd", "Pl"];
const STREET_SUFFIX_WEIGHTS: [u32; 9] = [30, 20, 15, 15, 8, 5, 3, 2, 2];

/// Formal given name and the short forms registrars see at the front desk.
const NICKNAMES: &[(&str, &[&str])] = &[
    ("Robert", &["Bob", "Rob", "Bobby"]),
    ("William", &["Bill", "Will", "Billy"]),
    ("Elizabeth", &["Liz", "Beth", "Betty"]),
    ("John", &["Jon", "Jack", "Johnny"]),
    ("Jonathan", &["Jon", "Johnny"]),
    ("James", &["Jim", "Jimmy", "Jamie"]),
    ("Michael", &["Mike", "Mikey"]),
    ("Richard", &["Rick", "Rich", "Dick"]),
    ("Thomas", &["Tom", "Tommy"]),
    ("Joseph", &["Joe", "Joey"]),
    ("Charles", &["Charlie", "Chuck"]),
    ("Christopher", &["Chris"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Matthew", &["Matt"]),
    ("Anthony", &["Tony"]),
    ("Steven", &["Steve"]),
    ("Stephen", &["Steve"]),
    ("Andrew", &["Andy", "Drew"]),
    ("Joshua", &["Josh"]),
    ("Kenneth", &["Ken", "Kenny"]),
    ("Edward", &["Ed", "Eddie", "Ted"]),
    ("Timothy", &["Tim"]),
    ("Ronald", &["Ron", "Ronnie"]),
    ("Donald", &["Don", "Donnie"]),
    ("Gregory", &["Greg"]),
    ("Jeffrey", &["Jeff"]),
    ("Raymond", &["Ray"]),
    ("Lawrence", &["Larry"]),
    ("Gerald", &["Jerry"]),
    ("Alexander", &["Alex", "Xander"]),
    ("Benjamin", &["Ben", "Benny"]),
    ("Nicholas", &["Nick"]),
    ("Samuel", &["Sam", "Sammy"]),
    ("Zachary", &["Zach"]),
    ("Theodore", &["Ted", "Theo"]),
    ("Patrick", &["Pat"]),
    ("Francisco", &["Paco", "Frank"]),
    ("José", &["Pepe"]),
    ("Alejandro", &["Alex"]),
    ("Margaret", &["Peggy", "Maggie", "Meg"]),
    ("Katherine", &["Kate", "Kathy", "Katie"]),
    ("Catherine", &["Cathy", "Cate"]),
    ("Jennifer", &["Jen", "Jenny"]),
    ("Patricia", &["Pat", "Patty", "Trish"]),
    ("Susan", &["Sue", "Susie"]),
    ("Deborah", &["Debbie", "Deb"]),
    ("Rebecca", &["Becky", "Becca"]),
    ("Kimberly", &["Kim"]),
    ("Samantha", &["Sam"]),
    ("Victoria", &["Vicky", "Tori"]),
    ("Christina", &["Tina", "Chris"]),
    ("Abigail", &["Abby"]),
    ("Jessica", &["Jess", "Jessie"]),
    ("Stephanie", &["Steph"]),
    ("Pamela", &["Pam"]),
    ("Cynthia", &["Cindy"]),
    ("Sandra", &["Sandy"]),
    ("Dorothy", &["Dot", "Dottie"]),
    ("Frances", &["Fran"]),
    ("Guadalupe", &["Lupe"]),
    ("Eleanor", &["Ellie", "Nora"]),
    ("Isabella", &["Bella", "Izzy"]),
    ("Olivia", &["Liv"]),
    ("Amanda", &["Mandy"]),
    ("Barbara", &["Barb"]),
    ("Judith", &["Judy"]),
    ("Virginia", &["Ginny"]),
];

// ---------------------------------------------------------------------------------------------
// Names with approximate US frequency weights (per million people, rounded). Spellings with
// and without accents both occur, as they do in real registration systems.

const SURNAMES: &[(&str, u32)] = &[
    ("Smith", 8280),
    ("Johnson", 6550),
    ("Williams", 5500),
    ("Brown", 4870),
    ("Jones", 4830),
    ("Garcia", 3750),
    ("García", 200),
    ("Miller", 3930),
    ("Davis", 3820),
    ("Rodriguez", 3650),
    ("Rodríguez", 130),
    ("Martinez", 3600),
    ("Martínez", 130),
    ("Hernandez", 3500),
    ("Hernández", 140),
    ("Lopez", 2900),
    ("López", 100),
    ("Gonzalez", 2800),
    ("González", 100),
    ("Wilson", 2780),
    ("Anderson", 2710),
    ("Thomas", 2620),
    ("Taylor", 2600),
    ("Moore", 2450),
    ("Jackson", 2440),
    ("Martin", 2400),
    ("Lee", 2370),
    ("Perez", 2250),
    ("Pérez", 80),
    ("Thompson", 2320),
    ("White", 2300),
    ("Harris", 2160),
    ("Sanchez", 2060),
    ("Sánchez", 80),
    ("Clark", 1950),
    ("Ramirez", 1820),
    ("Ramírez", 70),
    ("Lewis", 1870),
    ("Robinson", 1850),
    ("Walker", 1830),
    ("Young", 1720),
    ("Allen", 1720),
    ("King", 1700),
    ("Wright", 1680),
    ("Scott", 1600),
    ("Torres", 1570),
    ("Nguyen", 1260),
    ("Nguy\u{1ec5}n", 150),
    ("Hill", 1550),
    ("Flores", 1550),
    ("Green", 1540),
    ("Adams", 1540),
    ("Nelson", 1510),
    ("Baker", 1510),
    ("Hall", 1500),
    ("Rivera", 1460),
    ("Campbell", 1430),
    ("Mitchell", 1430),
    ("Carter", 1410),
    ("Roberts", 1410),
    ("Gomez", 1290),
    ("Phillips", 1280),
    ("Evans", 1270),
    ("Turner", 1270),
    ("Diaz", 1250),
    ("Parker", 1230),
    ("Cruz", 1220),
    ("Edwards", 1210),
    ("Collins", 1210),
    ("Reyes", 1200),
    ("Stewart", 1180),
    ("Morris", 1160),
    ("Morales", 1160),
    ("Murphy", 1130),
    ("Cook", 1110),
    ("Rogers", 1110),
    ("Gutierrez", 1100),
    ("Ortiz", 1090),
    ("Morgan", 1080),
    ("Cooper", 1080),
    ("Peterson", 1070),
    ("Bailey", 1070),
    ("Reed", 1050),
    ("Kelly", 1050),
    ("Howard", 1030),
    ("Ramos", 1020),
    ("Kim", 1020),
    ("Cox", 1010),
    ("Ward", 1000),
    ("Richardson", 990),
    ("Watson", 970),
    ("Brooks", 960),
    ("Chavez", 950),
    ("Wood", 950),
    ("James", 950),
    ("Bennett", 930),
    ("Gray", 930),
    ("Mendoza", 930),
    ("Ruiz", 930),
    ("Hughes", 920),
    ("Price", 920),
    ("Alvarez", 920),
    ("Castillo", 910),
    ("Sanders", 900),
    ("Patel", 890),
    ("Myers", 890),
    ("Long", 880),
    ("Ross", 880),
    ("Foster", 880),
    ("Jimenez", 870),
    ("Powell", 860),
    ("Jenkins", 850),
    ("Perry", 850),
    ("Russell", 840),
    ("Sullivan", 830),
    ("Bell", 830),
    ("Coleman", 830),
    ("Butler", 820),
    ("Henderson", 810),
    ("Barnes", 810),
    ("Gonzales", 800),
    ("Fisher", 790),
    ("Vasquez", 780),
    ("Simmons", 770),
    ("Romero", 760),
    ("Jordan", 760),
    ("Patterson", 760),
    ("Alexander", 760),
    ("Hamilton", 760),
    ("Graham", 750),
    ("Reynolds", 740),
    ("Griffin", 730),
    ("Wallace", 730),
    ("Moreno", 730),
    ("West", 720),
    ("Cole", 720),
    ("Hayes", 720),
    ("Bryant", 710),
    ("Herrera", 710),
    ("Gibson", 700),
    ("Ellis", 700),
    ("Tran", 620),
    ("Tr\u{1ea7}n", 80),
    ("Medina", 700),
    ("Aguilar", 690),
    ("Stevens", 690),
    ("Murray", 690),
    ("Ford", 680),
    ("Castro", 680),
    ("Marshall", 680),
    ("Owens", 680),
    ("Harrison", 670),
    ("Fernandez", 670),
    ("McDonald", 670),
    ("Woods", 660),
    ("Washington", 660),
    ("Kennedy", 650),
    ("Wells", 650),
    ("Vargas", 650),
    ("Henry", 640),
    ("Chen", 640),
    ("Freeman", 640),
    ("Webb", 630),
    ("Tucker", 630),
    ("Guzman", 620),
    ("Burns", 620),
    ("Crawford", 620),
    ("Olson", 620),
    ("Simpson", 610),
    ("Porter", 610),
    ("Hunter", 610),
    ("Gordon", 610),
    ("Mendez", 600),
    ("Silva", 600),
    ("Shaw", 600),
    ("Snyder", 590),
    ("Mason", 590),
    ("Dixon", 590),
    ("Muñoz", 420),
    ("Munoz", 160),
    ("Hunt", 580),
    ("Hicks", 580),
    ("Holmes", 570),
    ("Palmer", 570),
    ("Wagner", 560),
    ("Black", 560),
    ("Robertson", 560),
    ("Boyd", 550),
    ("Rose", 550),
    ("Stone", 550),
    ("Salazar", 550),
    ("Fox", 550),
    ("Warren", 550),
    ("Mills", 550),
    ("Meyer", 540),
    ("Rice", 540),
    ("Schmidt", 540),
    ("Garza", 540),
    ("Daniels", 540),
    ("Ferguson", 530),
    ("Nichols", 530),
    ("Stephens", 530),
    ("Soto", 530),
    ("Weaver", 520),
    ("Ryan", 520),
    ("Gardner", 520),
    ("Payne", 520),
    ("Grant", 520),
    ("Dunn", 510),
    ("Kelley", 510),
    ("Spencer", 510),
    ("Hawkins", 510),
    ("Arnold", 510),
    ("Pierce", 500),
    ("Vazquez", 500),
    ("Hansen", 500),
    ("Peters", 500),
    ("Santos", 500),
    ("Hart", 500),
    ("Bradley", 490),
    ("Knight", 490),
    ("Elliott", 490),
    ("Cunningham", 490),
    ("Duncan", 490),
    ("Armstrong", 490),
    ("Hudson", 490),
    ("Carroll", 490),
    ("Lane", 490),
    ("Riley", 480),
    ("Andrews", 480),
    ("Alvarado", 480),
    ("Ray", 480),
    ("Delgado", 480),
    ("Berry", 480),
    ("Perkins", 480),
    ("Hoffman", 470),
    ("Johnston", 470),
    ("Matthews", 470),
    ("Peña", 340),
    ("Pena", 130),
    ("Richards", 470),
    ("Contreras", 470),
    ("Willis", 470),
    ("Carpenter", 460),
    ("Lawrence", 460),
    ("Sandoval", 460),
    ("Guerrero", 460),
    ("George", 450),
    ("Chapman", 450),
    ("Rios", 450),
    ("Estrada", 450),
    ("Ortega", 450),
    ("Watkins", 450),
    ("Greene", 450),
    ("Núñez", 300),
    ("Nunez", 140),
    ("Wheeler", 440),
    ("Valdez", 440),
    ("Harper", 440),
    ("Burke", 440),
    ("Larson", 440),
    ("Santiago", 440),
    ("Maldonado", 440),
    ("Morrison", 430),
    ("Franklin", 430),
    ("Carlson", 430),
    ("Austin", 430),
    ("Dominguez", 430),
    ("Carr", 420),
    ("Lawson", 420),
    ("Jacobs", 420),
    ("O'Brien", 420),
    ("Lynch", 420),
    ("Singh", 420),
    ("Vega", 420),
    ("Bishop", 410),
    ("Montgomery", 410),
    ("Oliver", 410),
    ("Jensen", 410),
    ("Harvey", 410),
    ("Williamson", 410),
    ("Gilbert", 410),
    ("Dean", 410),
    ("Sims", 400),
    ("Espinoza", 400),
    ("Howell", 400),
    ("Li", 400),
    ("Wong", 400),
    ("Reid", 400),
    ("Hanson", 400),
    ("Le", 300),
    ("Lê", 100),
    ("McCoy", 400),
    ("Garrett", 400),
    ("Burton", 400),
    ("Fuller", 390),
    ("Wang", 390),
    ("Weber", 390),
    ("Welch", 390),
    ("Rojas", 390),
    ("Lucas", 390),
    ("Marquez", 390),
    ("Fields", 390),
    ("Park", 390),
    ("Yang", 390),
    ("Little", 380),
    ("Banks", 380),
    ("Padilla", 380),
    ("Day", 380),
    ("Walsh", 380),
    ("Bowman", 380),
    ("Schultz", 380),
    ("Luna", 380),
    ("Fowler", 380),
    ("Mejia", 380),
    ("Davidson", 380),
    ("Acosta", 370),
    ("Brewer", 370),
    ("Holland", 370),
    ("Juarez", 370),
    ("Newman", 370),
    ("Pearson", 370),
    ("Curtis", 370),
    ("Cortez", 370),
    ("Douglas", 370),
    ("Schneider", 370),
    ("Joseph", 370),
    ("Barrett", 370),
    ("Navarro", 370),
    ("Figueroa", 370),
    ("Keller", 360),
    ("Avila", 360),
    ("Wade", 360),
    ("Molina", 360),
    ("Stanley", 360),
    ("Hopkins", 360),
    ("Campos", 360),
    ("Barnett", 360),
    ("Bates", 360),
    ("Chambers", 350),
    ("Caldwell", 350),
    ("Beck", 350),
    ("Lambert", 350),
    ("Miranda", 350),
    ("Byrd", 350),
    ("Craig", 350),
    ("Ayala", 350),
    ("Lowe", 350),
    ("Frazier", 350),
    ("Powers", 350),
    ("Neal", 350),
    ("Zhang", 330),
    ("O'Connor", 300),
    ("O'Neil", 150),
    ("MacDonald", 150),
    ("Cohen", 330),
    ("Schwartz", 330),
    ("Alemán", 120),
    ("Aleman", 60),
    ("Ibáñez", 60),
    ("Müller", 80),
    ("Mueller", 120),
    ("Kowalski", 90),
    ("Nowak", 80),
    ("W\u{142}odarczyk", 25),
    ("Sørensen", 40),
    ("Sorensen", 90),
    ("Abdullah", 60),
    ("Okafor", 40),
    ("Okeke", 30),
    ("Mbeki", 15),
    ("Mensah", 25),
    ("Van der Berg", 20),
    ("Ó Súilleabháin", 10),
    ("D'Angelo", 60),
    ("García-López", 30),
    ("Smith-Jones", 10),
    ("Ph\u{1ea1}m", 60),
    ("Huỳnh", 30),
    ("Choi", 120),
    ("Tanaka", 40),
    ("Yamamoto", 40),
    ("Khan", 150),
    ("Ali", 150),
    ("Hassan", 80),
    ("Haddad", 40),
    ("Rossi", 60),
    ("Russo", 90),
    ("Bianchi", 20),
    ("Dubois", 25),
    ("Lefèvre", 10),
    ("Schröder", 15),
    ("Novák", 10),
    ("Yılmaz", 10),
];

const FEMALE_NAMES: &[(&str, u32)] = &[
    ("Mary", 3000),
    ("Patricia", 1500),
    ("Jennifer", 1500),
    ("Linda", 1400),
    ("Elizabeth", 1400),
    ("Barbara", 1200),
    ("Susan", 1100),
    ("Jessica", 1100),
    ("Sarah", 1100),
    ("Karen", 1000),
    ("Lisa", 1000),
    ("Nancy", 900),
    ("Margaret", 900),
    ("Betty", 800),
    ("Sandra", 800),
    ("Ashley", 900),
    ("Kimberly", 850),
    ("Emily", 900),
    ("Donna", 700),
    ("Michelle", 800),
    ("Carol", 700),
    ("Amanda", 800),
    ("Dorothy", 600),
    ("Melissa", 700),
    ("Deborah", 650),
    ("Stephanie", 700),
    ("Rebecca", 650),
    ("Sharon", 550),
    ("Laura", 600),
    ("Cynthia", 550),
    ("Kathleen", 500),
    ("Amy", 550),
    ("Angela", 550),
    ("Shirley", 450),
    ("Anna", 500),
    ("Brenda", 450),
    ("Pamela", 450),
    ("Emma", 700),
    ("Nicole", 500),
    ("Helen", 400),
    ("Samantha", 550),
    ("Katherine", 500),
    ("Christine", 400),
    ("Debra", 400),
    ("Rachel", 450),
    ("Carolyn", 350),
    ("Janet", 350),
    ("Catherine", 400),
    ("Maria", 600),
    ("María", 250),
    ("Heather", 400),
    ("Diane", 350),
    ("Ruth", 300),
    ("Julie", 350),
    ("Olivia", 650),
    ("Joyce", 300),
    ("Virginia", 300),
    ("Victoria", 350),
    ("Kelly", 350),
    ("Lauren", 400),
    ("Christina", 400),
    ("Joan", 300),
    ("Evelyn", 350),
    ("Judith", 280),
    ("Megan", 350),
    ("Andrea", 330),
    ("Cheryl", 280),
    ("Hannah", 400),
    ("Jacqueline", 280),
    ("Martha", 260),
    ("Gloria", 250),
    ("Teresa", 260),
    ("Ann", 250),
    ("Sara", 280),
    ("Madison", 350),
    ("Frances", 220),
    ("Kathryn", 250),
    ("Janice", 220),
    ("Jean", 220),
    ("Abigail", 350),
    ("Alice", 250),
    ("Judy", 200),
    ("Sophia", 500),
    ("Grace", 300),
    ("Denise", 220),
    ("Amber", 250),
    ("Doris", 180),
    ("Marilyn", 180),
    ("Danielle", 250),
    ("Beverly", 180),
    ("Isabella", 450),
    ("Theresa", 200),
    ("Diana", 220),
    ("Natalie", 280),
    ("Brittany", 250),
    ("Charlotte", 400),
    ("Marie", 220),
    ("Kayla", 250),
    ("Alexis", 220),
    ("Lori", 180),
    ("Ava", 400),
    ("Mia", 400),
    ("Amelia", 350),
    ("Harper", 250),
    ("Chloe", 250),
    ("Chloé", 40),
    ("Zoe", 150),
    ("Zoë", 40),
    ("Renee", 120),
    ("Renée", 60),
    ("Lucia", 100),
    ("Lucía", 50),
    ("Guadalupe", 120),
    ("Rosa", 150),
    ("Carmen", 180),
    ("Ana", 200),
    ("Sofia", 200),
    ("Sofía", 80),
    ("Valentina", 120),
    ("Camila", 150),
    ("Ximena", 60),
    ("Mei", 60),
    ("Priya", 80),
    ("Aisha", 80),
    ("Fatima", 90),
    ("Amara", 50),
    ("Ngozi", 30),
    ("Chiamaka", 20),
    ("Linh", 50),
    ("Thu", 30),
    ("Hoa", 30),
    ("Ji-woo", 30),
    ("Min-ji", 30),
    ("Yuki", 30),
    ("Ingrid", 30),
    ("Astrid", 25),
    ("Siobhán", 25),
    ("Aoife", 25),
    ("Bridget", 60),
    ("Agnieszka", 20),
    ("Ma\u{142}gorzata", 15),
    ("Zofia", 20),
    ("Nadia", 50),
    ("Leila", 50),
    ("Yasmin", 40),
    ("Keisha", 60),
    ("Tamika", 50),
    ("Latoya", 50),
    ("Imani", 50),
    ("Destiny", 70),
    ("Jasmine", 150),
    ("Aaliyah", 120),
    ("Maya", 150),
    ("Ella", 200),
    ("Scarlett", 150),
    ("Lily", 180),
    ("Layla", 150),
    ("Nora", 150),
    ("Riley", 100),
    ("Aurora", 80),
    ("Penelope", 100),
    ("Hazel", 120),
    ("Violet", 100),
    ("Stella", 100),
    ("Lillian", 120),
    ("Addison", 100),
    ("Aubrey", 100),
    ("Ellie", 120),
    ("Eleanor", 180),
    ("Naomi", 120),
    ("Savannah", 100),
    ("Claire", 120),
    ("Audrey", 120),
    ("Leah", 130),
    ("Allison", 150),
    ("Gabriela", 90),
    ("Dolores", 80),
    ("Francesca", 40),
    ("Beatriz", 30),
    ("Inés", 30),
    ("Mónica", 40),
    ("Jocelyn", 70),
    ("Vanessa", 120),
    ("Erica", 130),
    ("Tiffany", 130),
    ("Crystal", 120),
    ("Monica", 120),
    ("Wendy", 100),
    ("Tammy", 100),
    ("Dawn", 90),
    ("Peggy", 60),
];

const MALE_NAMES: &[(&str, u32)] = &[
    ("James", 3200),
    ("John", 3100),
    ("Robert", 3000),
    ("Michael", 3000),
    ("William", 2500),
    ("David", 2500),
    ("Richard", 1500),
    ("Joseph", 1500),
    ("Thomas", 1400),
    ("Charles", 1300),
    ("Christopher", 1300),
    ("Daniel", 1200),
    ("Matthew", 1100),
    ("Anthony", 900),
    ("Mark", 900),
    ("Donald", 800),
    ("Steven", 800),
    ("Paul", 750),
    ("Andrew", 800),
    ("Joshua", 800),
    ("Kenneth", 650),
    ("Kevin", 650),
    ("Brian", 650),
    ("George", 600),
    ("Timothy", 550),
    ("Ronald", 550),
    ("Edward", 500),
    ("Jason", 550),
    ("Jeffrey", 500),
    ("Ryan", 500),
    ("Jacob", 550),
    ("Gary", 450),
    ("Nicholas", 500),
    ("Eric", 450),
    ("Jonathan", 450),
    ("Stephen", 400),
    ("Larry", 380),
    ("Justin", 400),
    ("Scott", 380),
    ("Brandon", 400),
    ("Benjamin", 450),
    ("Samuel", 400),
    ("Gregory", 330),
    ("Alexander", 400),
    ("Frank", 330),
    ("Patrick", 330),
    ("Raymond", 320),
    ("Jack", 350),
    ("Dennis", 280),
    ("Jerry", 280),
    ("Tyler", 330),
    ("Aaron", 300),
    ("Jose", 450),
    ("José", 250),
    ("Adam", 300),
    ("Nathan", 300),
    ("Henry", 300),
    ("Douglas", 250),
    ("Zachary", 250),
    ("Peter", 250),
    ("Kyle", 250),
    ("Ethan", 350),
    ("Walter", 220),
    ("Noah", 400),
    ("Jeremy", 220),
    ("Christian", 230),
    ("Keith", 200),
    ("Roger", 200),
    ("Terry", 200),
    ("Gerald", 200),
    ("Harold", 200),
    ("Sean", 200),
    ("Austin", 220),
    ("Carl", 180),
    ("Arthur", 180),
    ("Lawrence", 180),
    ("Dylan", 200),
    ("Jesse", 180),
    ("Jordan", 200),
    ("Bryan", 170),
    ("Billy", 150),
    ("Bruce", 150),
    ("Gabriel", 200),
    ("Logan", 200),
    ("Albert", 150),
    ("Willie", 140),
    ("Alan", 140),
    ("Juan", 250),
    ("Wayne", 130),
    ("Elijah", 200),
    ("Randy", 130),
    ("Roy", 130),
    ("Vincent", 130),
    ("Ralph", 120),
    ("Eugene", 120),
    ("Russell", 120),
    ("Mason", 200),
    ("Philip", 120),
    ("Louis", 120),
    ("Liam", 350),
    ("Oliver", 250),
    ("Lucas", 250),
    ("Mateo", 150),
    ("Luis", 200),
    ("Carlos", 200),
    ("Miguel", 150),
    ("Jesús", 60),
    ("Jesus", 60),
    ("Alejandro", 100),
    ("Diego", 100),
    ("Francisco", 120),
    ("Javier", 80),
    ("Rafael", 70),
    ("Ángel", 40),
    ("Angel", 80),
    ("Ricardo", 70),
    ("Fernando", 60),
    ("Manuel", 100),
    ("Pedro", 70),
    ("Eduardo", 60),
    ("Minh", 50),
    ("Duc", 30),
    ("Huy", 30),
    ("Wei", 40),
    ("Jun", 30),
    ("Hiroshi", 20),
    ("Min-jun", 30),
    ("Raj", 40),
    ("Arjun", 50),
    ("Vikram", 30),
    ("Mohammed", 80),
    ("Ahmed", 60),
    ("Omar", 60),
    ("Hassan", 40),
    ("Chinedu", 25),
    ("Emeka", 25),
    ("Oluwaseun", 15),
    ("Kwame", 20),
    ("Thabo", 15),
    ("Søren", 15),
    ("Lars", 20),
    ("Anders", 20),
    ("Björn", 15),
    ("Jürgen", 15),
    ("Stefan", 25),
    ("Piotr", 20),
    ("Wojciech", 10),
    ("Krzysztof", 15),
    ("Seamus", 20),
    ("Ciarán", 15),
    ("Declan", 30),
    ("D'Angelo", 40),
    ("DeShawn", 40),
    ("Darnell", 50),
    ("Terrence", 60),
    ("Malik", 50),
    ("Jamal", 60),
    ("Andre", 80),
    ("André", 30),
    ("Marcus", 120),
    ("Isaac", 120),
    ("Caleb", 150),
    ("Owen", 150),
    ("Wyatt", 120),
    ("Hunter", 120),
    ("Connor", 120),
    ("Evan", 120),
    ("Luke", 150),
    ("Jayden", 100),
    ("Aiden", 120),
    ("Levi", 120),
    ("Julian", 100),
    ("Carter", 100),
    ("Lincoln", 80),
    ("Sebastian", 120),
    ("Theodore", 120),
    ("Leo", 120),
    ("Ezra", 80),
    ("Miles", 80),
    ("Elias", 70),
    ("Victor", 100),
    ("Martin", 100),
    ("Craig", 90),
    ("Todd", 90),
    ("Shawn", 90),
    ("Curtis", 80),
    ("Travis", 90),
    ("Derek", 80),
    ("Marvin", 60),
    ("Glenn", 60),
    ("Howard", 70),
    ("Earl", 70),
    ("Fred", 70),
    ("Leonard", 70),
    ("Clarence", 50),
    ("Ernest", 50),
    ("Stanley", 60),
    ("Francis", 50),
    ("Norman", 50),
    ("Harry", 70),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    fn cfg(seed: u64, patients: usize) -> SynthConfig {
        SynthConfig {
            seed,
            patients,
            today: today(),
        }
    }

    fn fingerprint(ps: &[SynthPatient]) -> String {
        let mut s = String::new();
        for p in ps {
            let n = &p.patient;
            let _ = write!(
                s,
                "{}|{}|{}|{}|{:?}|{:?}|{:?};",
                n.family_name,
                n.given_names.join(" "),
                n.dob,
                n.sex.letter(),
                n.ssn,
                n.phone,
                p.near_duplicate_of
            );
            for e in &p.encounters {
                let _ = write!(
                    s,
                    "{}:{}:{:?}:{}",
                    e.class.label(),
                    e.admitted,
                    e.discharged,
                    e.location
                );
                for d in &e.documents {
                    let _ = write!(s, "[{}/{}/{}]", d.kind, d.written, d.text.len());
                }
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn determinism() {
        let a: Vec<_> = generate(&cfg(7, 300)).collect();
        let b: Vec<_> = generate(&cfg(7, 300)).collect();
        assert_eq!(a.len(), 300);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(a, b);
        // A smaller run is a prefix of a larger one.
        let c: Vec<_> = generate(&cfg(7, 100)).collect();
        assert_eq!(&a[..100], &c[..]);
    }

    #[test]
    fn different_seeds_differ() {
        let a: Vec<_> = generate(&cfg(7, 300)).collect();
        let b: Vec<_> = generate(&cfg(8, 300)).collect();
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn streams_with_exact_size_hint() {
        let mut it = generate(&cfg(3, 10));
        assert_eq!(it.size_hint(), (10, Some(10)));
        it.next();
        assert_eq!(it.size_hint(), (9, Some(9)));
        assert_eq!(it.count(), 9);
        assert_eq!(generate(&cfg(3, 0)).count(), 0);
    }

    #[test]
    fn everything_validates_and_dates_are_ordered() {
        for seed in [1, 2, 99] {
            let c = cfg(seed, 3000);
            for p in generate(&c) {
                let n = &p.patient;
                n.validate(c.today).unwrap();
                assert!(n.dob <= c.today);
                assert!(age_on(n.dob, c.today) <= 100);
                if let Some(ssn) = &n.ssn {
                    assert_eq!(ssn.len(), 11, "{ssn}");
                    let area: u32 = ssn[..3].parse().unwrap();
                    assert!(area != 0 && area != 666 && area < 900, "{ssn}");
                    assert_ne!(&ssn[4..6], "00");
                    assert_ne!(&ssn[7..], "0000");
                }
                if let Some(phone) = &n.phone {
                    assert!(phone.contains(") 555-01"), "{phone}");
                    assert_eq!(phone.len(), 14, "{phone}");
                }
                if let Some(d) = p.deceased {
                    assert!(d > n.dob && d <= c.today);
                }
                assert!(!p.encounters.is_empty());
                let last = p.encounters.len() - 1;
                for (i, e) in p.encounters.iter().enumerate() {
                    assert!(e.admitted >= n.dob);
                    assert!(e.admitted <= c.today);
                    let end = p.deceased.unwrap_or(c.today);
                    match e.discharged {
                        Some(d) => assert!(e.admitted <= d && d <= end),
                        None => {
                            assert_eq!(i, last);
                            assert_eq!(e.class, EncounterClass::Inpatient);
                            assert!(p.deceased.is_none());
                        }
                    }
                    if e.discharge_status.as_deref() == Some("Expired") {
                        assert!(p.deceased.is_some());
                        assert_eq!(i, last);
                        assert_eq!(e.discharged, p.deceased);
                    }
                    if e.class == EncounterClass::Inpatient
                        && let Some(d) = e.discharged
                    {
                        assert!((d - e.admitted).num_days() <= 10);
                        assert!(e.discharge_status.is_some());
                    }
                    if i > 0 {
                        assert!(e.admitted >= p.encounters[i - 1].admitted);
                    }
                    assert!(!e.documents.is_empty() && e.documents.len() <= 3);
                    assert!(e.attending.starts_with("Dr. "));
                    for d in &e.documents {
                        assert!(d.written >= e.admitted && d.written <= c.today);
                        let sentences = d.text.matches('.').count();
                        assert!((3..=8).contains(&sentences), "{sentences}: {}", d.text);
                        assert!(!d.author.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn seed_one_has_teaching_names_and_near_duplicates() {
        let c = cfg(1, 5000);
        let all: Vec<_> = generate(&c).collect();
        for want in ["Alemán", "Nguy\u{1ec5}n", "O'Brien"] {
            assert!(
                all.iter().any(|p| p.patient.family_name == want),
                "no {want}"
            );
        }
        let dups: Vec<_> = all
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.near_duplicate_of.map(|o| (i, o)))
            .collect();
        assert!(dups.len() >= 5, "{} near-duplicates", dups.len());
        for &(i, o) in &dups {
            assert!(o < i);
            let (a, b) = (&all[o].patient, &all[i].patient);
            assert_eq!(a.sex, b.sex);
            let transposed =
                NaiveDate::from_ymd_opt(a.dob.year(), a.dob.day(), a.dob.month()) == Some(b.dob);
            assert!(a.dob == b.dob || transposed, "{i} -> {o}");
            assert!(
                a.family_name != b.family_name || a.given_names != b.given_names || a.dob != b.dob,
                "{i} is an exact copy of {o}"
            );
            assert!(all[o].near_duplicate_of.is_none());
        }
        assert!(
            dups.iter()
                .any(|&(i, o)| o == 3 && all[i].patient.family_name == "Aleman")
        );
    }

    #[test]
    fn surnames_are_skewed() {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let all: Vec<_> = generate(&cfg(1, 5000)).collect();
        for p in &all {
            *counts.entry(p.patient.family_name.as_str()).or_default() += 1;
        }
        let mut v: Vec<usize> = counts.values().copied().collect();
        v.sort_unstable();
        let median = v[v.len() / 2];
        let max = *v.last().unwrap();
        assert!(max >= 10 * median, "max {max}, median {median}");
        assert!(counts.len() > 150, "{} distinct surnames", counts.len());
    }

    #[test]
    fn name_lists_are_clean() {
        for (name, w) in SURNAMES.iter().chain(FEMALE_NAMES).chain(MALE_NAMES) {
            assert!(*w > 0);
            assert_eq!(name.trim(), *name);
            // Precomposed only: no combining marks.
            assert!(
                !name.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)),
                "{name}"
            );
        }
        assert!(SURNAMES.len() >= 200);
        assert!(FEMALE_NAMES.len() >= 150);
        assert!(MALE_NAMES.len() >= 150);
        assert_eq!("Nguy\u{1ec5}n".chars().count(), 6);
        assert!(SURNAMES.iter().any(|s| s.0 == "Nguy\u{1ec5}n"));
        assert_eq!(fold_accents("Alemán"), "Aleman");
        assert_eq!(fold_accents("Ó Súilleabháin"), "O Suilleabhain");
        assert_eq!(fold_accents("W\u{142}odarczyk"), "Wlodarczyk");
        assert_eq!(strip_punctuation("O'Brien"), "OBrien");
    }

    #[test]
    fn ssn_mapping_is_unique() {
        let g = Generator::new(cfg(5, 0));
        let mut seen = std::collections::HashSet::new();
        for i in 0..50_000 {
            assert!(seen.insert(g.ssn_for(i)));
        }
    }

    #[test]
    fn rates_are_plausible() {
        let all: Vec<_> = generate(&cfg(1, 20_000)).collect();
        let n = all.len() as f64;
        let rate =
            |f: &dyn Fn(&SynthPatient) -> bool| all.iter().filter(|p| f(p)).count() as f64 / n;
        let ssn = rate(&|p| p.patient.ssn.is_some());
        assert!((0.94..0.99).contains(&ssn), "ssn {ssn}");
        let dead = rate(&|p| p.deceased.is_some());
        assert!((0.005..0.02).contains(&dead), "deceased {dead}");
        let sens = rate(&|p| p.sensitivity.is_some());
        assert!((0.008..0.025).contains(&sens), "sensitive {sens}");
        let dup = rate(&|p| p.near_duplicate_of.is_some());
        assert!((0.003..0.01).contains(&dup), "near-duplicates {dup}");
        let unknown = rate(&|p| p.patient.sex == Sex::Unknown);
        assert!(unknown < 0.01, "unknown sex {unknown}");
        let max_enc = all.iter().map(|p| p.encounters.len()).max().unwrap();
        assert!((31..=60).contains(&max_enc), "max encounters {max_enc}");
        assert!(
            all.iter()
                .any(|p| p.encounters.iter().any(|e| e.discharged.is_none()))
        );
        assert!(all.iter().any(|p| p.patient.given_names.len() == 2));
    }
}
