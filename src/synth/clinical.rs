//! Synthetic clinical summaries: problems (ICD-10-CM, public domain), allergies (or "no known
//! allergies", or nothing recorded), medications and immunizations (CVX codes), consistent with
//! the patient's age and visits: a diagnosis seen at a visit becomes a problem (active when
//! chronic, resolved when acute) with its usual medication prescribed by that visit's
//! attending; a visit for a food reaction leaves a food allergy; an antibiotic is never one
//! the patient is allergic to.
//!
//! Each patient's items come from their own ChaCha8 stream (seed and patient number), so
//! adding them changed nothing else the generator makes.

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::clinical::{
    Allergy, AllergyStatus, ClinicalItem, Criticality, ICD10CM, Immunization, ImmunizationStatus,
    ItemMeta, Medication, MedicationStatus, NoKnownAllergies, Problem, ProblemStatus, Severity,
};
use crate::domain::patient::age_on;

/// One generated clinical item; `encounter` is the index of the patient's encounter it was
/// recorded at (the loader turns it into the encounter's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthItem {
    pub item: ClinicalItem,
    pub encounter: Option<usize>,
}

/// What the clinical generator needs to know about one visit.
pub(super) struct Visit {
    pub diagnosis: &'static str,
    pub day: NaiveDate,
    pub encounter: usize,
    pub attending: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Course {
    /// Stays on the problem list as active.
    Chronic,
    /// Resolved after the visit.
    Acute,
}

/// Diagnosis text of the note templates -> (ICD-10-CM code, display, course, medication key).
/// Visits for exams, screening and follow-up add no problem.
const DIAGNOSES: &[(&str, &str, &str, Course, Option<&str>)] = &[
    (
        "community-acquired pneumonia",
        "J18.9",
        "Pneumonia, unspecified organism",
        Course::Acute,
        Some("pneumonia"),
    ),
    (
        "congestive heart failure exacerbation",
        "I50.9",
        "Heart failure, unspecified",
        Course::Chronic,
        Some("heart failure"),
    ),
    (
        "COPD exacerbation",
        "J44.9",
        "Chronic obstructive pulmonary disease, unspecified",
        Course::Chronic,
        Some("copd"),
    ),
    (
        "chronic obstructive pulmonary disease",
        "J44.9",
        "Chronic obstructive pulmonary disease, unspecified",
        Course::Chronic,
        Some("copd"),
    ),
    (
        "closed fracture of the left hip",
        "S72.002A",
        "Fracture of unspecified part of neck of left femur, initial encounter for closed fracture",
        Course::Acute,
        Some("pain"),
    ),
    (
        "cellulitis of the right lower leg",
        "L03.115",
        "Cellulitis of right lower limb",
        Course::Acute,
        Some("cellulitis"),
    ),
    (
        "sepsis due to urinary tract infection",
        "A41.9",
        "Sepsis, unspecified organism",
        Course::Acute,
        None,
    ),
    (
        "acute appendicitis",
        "K35.80",
        "Unspecified acute appendicitis",
        Course::Acute,
        None,
    ),
    (
        "acute cholecystitis",
        "K81.0",
        "Acute cholecystitis",
        Course::Acute,
        None,
    ),
    (
        "diabetic ketoacidosis",
        "E10.10",
        "Type 1 diabetes mellitus with ketoacidosis without coma",
        Course::Chronic,
        Some("type 1 diabetes"),
    ),
    (
        "upper gastrointestinal bleeding",
        "K92.2",
        "Gastrointestinal hemorrhage, unspecified",
        Course::Acute,
        Some("ppi"),
    ),
    (
        "acute ischemic stroke",
        "I63.9",
        "Cerebral infarction, unspecified",
        Course::Acute,
        Some("stroke"),
    ),
    (
        "bronchiolitis",
        "J21.9",
        "Acute bronchiolitis, unspecified",
        Course::Acute,
        None,
    ),
    (
        "asthma exacerbation",
        "J45.909",
        "Unspecified asthma, uncomplicated",
        Course::Chronic,
        Some("asthma"),
    ),
    (
        "mild persistent asthma",
        "J45.30",
        "Mild persistent asthma, uncomplicated",
        Course::Chronic,
        Some("asthma"),
    ),
    (
        "osteoarthritis of the right knee",
        "M17.11",
        "Unilateral primary osteoarthritis, right knee",
        Course::Chronic,
        Some("arthritis"),
    ),
    (
        "osteoarthritis of the knee",
        "M17.9",
        "Osteoarthritis of knee, unspecified",
        Course::Chronic,
        Some("arthritis"),
    ),
    (
        "atrial fibrillation with rapid ventricular response",
        "I48.91",
        "Unspecified atrial fibrillation",
        Course::Chronic,
        Some("atrial fibrillation"),
    ),
    (
        "atrial fibrillation",
        "I48.91",
        "Unspecified atrial fibrillation",
        Course::Chronic,
        Some("atrial fibrillation"),
    ),
    (
        "acute pancreatitis",
        "K85.90",
        "Acute pancreatitis without necrosis or infection, unspecified",
        Course::Acute,
        None,
    ),
    (
        "non-ST elevation myocardial infarction",
        "I21.4",
        "Non-ST elevation (NSTEMI) myocardial infarction",
        Course::Acute,
        Some("coronary"),
    ),
    (
        "stable coronary artery disease",
        "I25.10",
        "Atherosclerotic heart disease of native coronary artery without angina pectoris",
        Course::Chronic,
        Some("coronary"),
    ),
    (
        "chest pain with heart attack ruled out",
        "R07.9",
        "Chest pain, unspecified",
        Course::Acute,
        None,
    ),
    (
        "fainting due to dehydration",
        "R55",
        "Syncope and collapse",
        Course::Acute,
        None,
    ),
    (
        "viral gastroenteritis with dehydration",
        "A08.4",
        "Viral intestinal infection, unspecified",
        Course::Acute,
        None,
    ),
    (
        "transient ischemic attack",
        "G45.9",
        "Transient cerebral ischemic attack, unspecified",
        Course::Acute,
        Some("stroke"),
    ),
    (
        "stone of the right ureter",
        "N20.1",
        "Calculus of ureter",
        Course::Acute,
        None,
    ),
    (
        "chest wall pain",
        "R07.89",
        "Other chest pain",
        Course::Acute,
        None,
    ),
    (
        "sprain of the right ankle",
        "S93.401A",
        "Sprain of unspecified ligament of right ankle, initial encounter",
        Course::Acute,
        None,
    ),
    (
        "laceration of the left hand",
        "S61.412A",
        "Laceration without foreign body of left hand, initial encounter",
        Course::Acute,
        None,
    ),
    (
        "urinary tract infection",
        "N39.0",
        "Urinary tract infection, site not specified",
        Course::Acute,
        Some("uti"),
    ),
    (
        "viral illness with fever",
        "B34.9",
        "Viral infection, unspecified",
        Course::Acute,
        None,
    ),
    (
        "migraine headache",
        "G43.909",
        "Migraine, unspecified, not intractable, without status migrainosus",
        Course::Acute,
        None,
    ),
    (
        "migraine without aura",
        "G43.009",
        "Migraine without aura, not intractable, without status migrainosus",
        Course::Chronic,
        Some("migraine"),
    ),
    (
        "gastroenteritis",
        "K52.9",
        "Noninfective gastroenteritis and colitis, unspecified",
        Course::Acute,
        None,
    ),
    (
        "strain of the lower back",
        "S39.012A",
        "Strain of muscle, fascia and tendon of lower back, initial encounter",
        Course::Acute,
        None,
    ),
    (
        "low back pain",
        "M54.50",
        "Low back pain, unspecified",
        Course::Acute,
        None,
    ),
    (
        "allergic reaction to food",
        "T78.1XXA",
        "Other adverse food reactions, not elsewhere classified, initial encounter",
        Course::Acute,
        Some("food allergy"),
    ),
    (
        "otitis media of the right ear",
        "H66.91",
        "Otitis media, unspecified, right ear",
        Course::Acute,
        Some("otitis"),
    ),
    (
        "otitis media of the left ear",
        "H66.92",
        "Otitis media, unspecified, left ear",
        Course::Acute,
        Some("otitis"),
    ),
    (
        "fracture of the left wrist",
        "S62.102A",
        "Fracture of unspecified carpal bone, left wrist, initial encounter for closed fracture",
        Course::Acute,
        None,
    ),
    (
        "type 2 diabetes mellitus",
        "E11.9",
        "Type 2 diabetes mellitus without complications",
        Course::Chronic,
        Some("type 2 diabetes"),
    ),
    (
        "essential hypertension",
        "I10",
        "Essential (primary) hypertension",
        Course::Chronic,
        Some("hypertension"),
    ),
    (
        "cataract of the right eye",
        "H26.9",
        "Unspecified cataract",
        Course::Chronic,
        None,
    ),
    (
        "right inguinal hernia",
        "K40.90",
        "Unilateral inguinal hernia, without obstruction or gangrene, not specified as recurrent",
        Course::Chronic,
        None,
    ),
    (
        "carpal tunnel syndrome of the left hand",
        "G56.02",
        "Carpal tunnel syndrome, left upper limb",
        Course::Chronic,
        None,
    ),
    (
        "hypothyroidism",
        "E03.9",
        "Hypothyroidism, unspecified",
        Course::Chronic,
        Some("hypothyroidism"),
    ),
    (
        "chronic kidney disease stage 3",
        "N18.30",
        "Chronic kidney disease, stage 3 unspecified",
        Course::Chronic,
        None,
    ),
    (
        "major depressive disorder, moderate",
        "F32.1",
        "Major depressive disorder, single episode, moderate",
        Course::Chronic,
        Some("depression"),
    ),
    (
        "opioid use disorder in early remission",
        "F11.21",
        "Opioid dependence, in remission",
        Course::Chronic,
        Some("opioid use disorder"),
    ),
    (
        "HIV infection, well controlled",
        "B20",
        "Human immunodeficiency virus [HIV] disease",
        Course::Chronic,
        Some("hiv"),
    ),
];

/// Long-standing problems adults often carry from before the visits on file: (minimum age,
/// chance in a thousand, code, display, medication key).
const BACKGROUND: &[(u32, u32, &str, &str, Option<&str>)] = &[
    (
        30,
        160,
        "E78.5",
        "Hyperlipidemia, unspecified",
        Some("hyperlipidemia"),
    ),
    (18, 120, "E66.9", "Obesity, unspecified", None),
    (
        18,
        90,
        "K21.9",
        "Gastro-esophageal reflux disease without esophagitis",
        Some("ppi"),
    ),
    (18, 60, "F41.1", "Generalized anxiety disorder", None),
    (
        45,
        140,
        "I10",
        "Essential (primary) hypertension",
        Some("hypertension"),
    ),
];

/// What an antibiotic or drug must not be given to: the allergy that rules it out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Avoid {
    None,
    Penicillin,
    Cephalosporin,
    Sulfa,
    AceInhibitor,
    Nsaid,
}

/// Medication key -> choices in order of preference: (medication, dose/route/frequency,
/// what it must avoid, chronic (stays active) or a course (completed)).
fn medications_for(key: &str) -> &'static [(&'static str, &'static str, Avoid)] {
    match key {
        "pneumonia" => &[
            (
                "amoxicillin-clavulanate 875-125 mg tablet",
                "1 tablet by mouth twice daily for 7 days",
                Avoid::Penicillin,
            ),
            (
                "azithromycin 250 mg tablet",
                "500 mg day 1, then 250 mg by mouth daily for 4 days",
                Avoid::None,
            ),
        ],
        "cellulitis" => &[
            (
                "cephalexin 500 mg capsule",
                "500 mg by mouth four times daily for 7 days",
                Avoid::Cephalosporin,
            ),
            (
                "clindamycin 300 mg capsule",
                "300 mg by mouth every 8 hours for 7 days",
                Avoid::None,
            ),
        ],
        "uti" => &[
            (
                "sulfamethoxazole-trimethoprim 800-160 mg tablet",
                "1 tablet by mouth twice daily for 3 days",
                Avoid::Sulfa,
            ),
            (
                "nitrofurantoin monohydrate/macrocrystals 100 mg capsule",
                "100 mg by mouth twice daily for 5 days",
                Avoid::None,
            ),
        ],
        "otitis" => &[
            (
                "amoxicillin 400 mg/5 mL suspension",
                "45 mg/kg by mouth twice daily for 10 days",
                Avoid::Penicillin,
            ),
            (
                "azithromycin 200 mg/5 mL suspension",
                "10 mg/kg by mouth on day 1, then 5 mg/kg daily for 4 days",
                Avoid::None,
            ),
        ],
        "pain" => &[(
            "acetaminophen 500 mg tablet",
            "1,000 mg by mouth every 8 hours as needed for pain",
            Avoid::None,
        )],
        "arthritis" => &[
            (
                "naproxen 500 mg tablet",
                "500 mg by mouth twice daily with food as needed",
                Avoid::Nsaid,
            ),
            (
                "acetaminophen 500 mg tablet",
                "1,000 mg by mouth every 8 hours as needed for pain",
                Avoid::None,
            ),
        ],
        "heart failure" => &[
            (
                "furosemide 40 mg tablet",
                "40 mg by mouth once daily",
                Avoid::None,
            ),
            (
                "metoprolol succinate ER 25 mg tablet",
                "25 mg by mouth once daily",
                Avoid::None,
            ),
        ],
        "copd" => &[
            (
                "tiotropium 18 mcg inhalation capsule",
                "1 capsule inhaled once daily",
                Avoid::None,
            ),
            (
                "albuterol HFA 90 mcg/actuation inhaler",
                "2 puffs inhaled every 4 to 6 hours as needed",
                Avoid::None,
            ),
        ],
        "asthma" => &[
            (
                "albuterol HFA 90 mcg/actuation inhaler",
                "2 puffs inhaled every 4 to 6 hours as needed",
                Avoid::None,
            ),
            (
                "fluticasone HFA 110 mcg/actuation inhaler",
                "2 puffs inhaled twice daily",
                Avoid::None,
            ),
        ],
        "atrial fibrillation" => &[
            (
                "apixaban 5 mg tablet",
                "5 mg by mouth twice daily",
                Avoid::None,
            ),
            (
                "metoprolol tartrate 25 mg tablet",
                "25 mg by mouth twice daily",
                Avoid::None,
            ),
        ],
        "coronary" => &[
            (
                "atorvastatin 40 mg tablet",
                "40 mg by mouth at bedtime",
                Avoid::None,
            ),
            (
                "aspirin 81 mg delayed-release tablet",
                "81 mg by mouth once daily",
                Avoid::Nsaid,
            ),
        ],
        "stroke" => &[
            (
                "clopidogrel 75 mg tablet",
                "75 mg by mouth once daily",
                Avoid::None,
            ),
            (
                "atorvastatin 80 mg tablet",
                "80 mg by mouth at bedtime",
                Avoid::None,
            ),
        ],
        "type 1 diabetes" => &[
            (
                "insulin glargine 100 units/mL pen",
                "20 units under the skin at bedtime",
                Avoid::None,
            ),
            (
                "insulin lispro 100 units/mL pen",
                "per sliding scale under the skin with meals",
                Avoid::None,
            ),
        ],
        "type 2 diabetes" => &[(
            "metformin 500 mg tablet",
            "500 mg by mouth twice daily with meals",
            Avoid::None,
        )],
        "hypertension" => &[
            (
                "lisinopril 10 mg tablet",
                "10 mg by mouth once daily",
                Avoid::AceInhibitor,
            ),
            (
                "amlodipine 5 mg tablet",
                "5 mg by mouth once daily",
                Avoid::None,
            ),
        ],
        "hyperlipidemia" => &[(
            "atorvastatin 20 mg tablet",
            "20 mg by mouth at bedtime",
            Avoid::None,
        )],
        "ppi" => &[(
            "omeprazole 20 mg delayed-release capsule",
            "20 mg by mouth once daily before breakfast",
            Avoid::None,
        )],
        "hypothyroidism" => &[(
            "levothyroxine 75 mcg tablet",
            "75 mcg by mouth once daily before breakfast",
            Avoid::None,
        )],
        "migraine" => &[(
            "sumatriptan 50 mg tablet",
            "50 mg by mouth at onset; may repeat once after 2 hours",
            Avoid::None,
        )],
        "depression" => &[(
            "sertraline 50 mg tablet",
            "50 mg by mouth once daily",
            Avoid::None,
        )],
        "opioid use disorder" => &[(
            "buprenorphine-naloxone 8-2 mg sublingual film",
            "1 film under the tongue once daily",
            Avoid::None,
        )],
        "hiv" => &[(
            "bictegravir-emtricitabine-tenofovir alafenamide 50-200-25 mg tablet",
            "1 tablet by mouth once daily",
            Avoid::None,
        )],
        "food allergy" => &[(
            "epinephrine 0.3 mg auto-injector",
            "0.3 mg into the outer thigh once as needed for anaphylaxis",
            Avoid::None,
        )],
        _ => &[],
    }
}

/// Which medication keys are courses (completed after the visit) rather than standing orders.
fn is_course(key: &str) -> bool {
    matches!(key, "pneumonia" | "cellulitis" | "uti" | "otitis" | "pain")
}

/// (substance, usual reaction, severities weights mild/moderate/severe, high criticality in a
/// thousand, what it rules out, weight, child-appropriate).
struct Substance {
    name: &'static str,
    reaction: &'static str,
    severity: [u32; 3],
    high: u32,
    avoid: Avoid,
    weight: u32,
}

const SUBSTANCES: &[Substance] = &[
    Substance {
        name: "penicillin",
        reaction: "hives",
        severity: [30, 45, 25],
        high: 300,
        avoid: Avoid::Penicillin,
        weight: 30,
    },
    Substance {
        name: "sulfonamide antibiotics",
        reaction: "rash",
        severity: [50, 40, 10],
        high: 100,
        avoid: Avoid::Sulfa,
        weight: 14,
    },
    Substance {
        name: "codeine",
        reaction: "nausea and vomiting",
        severity: [60, 35, 5],
        high: 20,
        avoid: Avoid::None,
        weight: 10,
    },
    Substance {
        name: "latex",
        reaction: "contact dermatitis",
        severity: [55, 35, 10],
        high: 200,
        avoid: Avoid::None,
        weight: 8,
    },
    Substance {
        name: "peanut",
        reaction: "anaphylaxis",
        severity: [5, 25, 70],
        high: 900,
        avoid: Avoid::None,
        weight: 7,
    },
    Substance {
        name: "shellfish",
        reaction: "hives and lip swelling",
        severity: [20, 50, 30],
        high: 600,
        avoid: Avoid::None,
        weight: 7,
    },
    Substance {
        name: "ibuprofen",
        reaction: "hives",
        severity: [40, 45, 15],
        high: 100,
        avoid: Avoid::Nsaid,
        weight: 6,
    },
    Substance {
        name: "iodinated contrast media",
        reaction: "hives",
        severity: [40, 40, 20],
        high: 300,
        avoid: Avoid::None,
        weight: 5,
    },
    Substance {
        name: "morphine",
        reaction: "itching",
        severity: [70, 25, 5],
        high: 20,
        avoid: Avoid::None,
        weight: 5,
    },
    Substance {
        name: "cephalexin",
        reaction: "rash",
        severity: [50, 40, 10],
        high: 100,
        avoid: Avoid::Cephalosporin,
        weight: 4,
    },
    Substance {
        name: "lisinopril",
        reaction: "angioedema",
        severity: [0, 30, 70],
        high: 800,
        avoid: Avoid::AceInhibitor,
        weight: 3,
    },
    Substance {
        name: "bee venom",
        reaction: "anaphylaxis",
        severity: [5, 25, 70],
        high: 900,
        avoid: Avoid::None,
        weight: 3,
    },
    Substance {
        name: "egg",
        reaction: "hives",
        severity: [40, 45, 15],
        high: 200,
        avoid: Avoid::None,
        weight: 3,
    },
];

const FOODS: [&str; 3] = ["peanut", "shellfish", "tree nuts"];

/// (vaccine, CVX code, age in months it is given at) for children's records.
const CHILDHOOD: &[(&str, &str, u32)] = &[
    ("hepatitis B vaccine, pediatric/adolescent", "08", 0),
    ("DTaP", "20", 2),
    ("IPV (polio)", "10", 2),
    ("Hib (PRP-T)", "48", 2),
    ("pneumococcal conjugate PCV13", "133", 2),
    ("rotavirus, pentavalent", "116", 2),
    ("DTaP", "20", 4),
    ("IPV (polio)", "10", 4),
    ("MMR", "03", 12),
    ("varicella", "21", 12),
    ("hepatitis A, pediatric/adolescent, 2 dose", "83", 12),
    ("DTaP", "20", 54),
    ("MMR", "03", 54),
    ("Tdap", "115", 132),
    ("HPV, 9-valent", "165", 132),
];

const FLU: (&str, &str) = (
    "influenza, injectable, quadrivalent, preservative free",
    "150",
);

/// A patient's clinical items, from their own stream.
pub(super) fn generate(
    seed: u64,
    index: usize,
    dob: NaiveDate,
    last_day: NaiveDate,
    visits: &[Visit],
) -> Vec<SynthItem> {
    let mut rng = ChaCha8Rng::seed_from_u64(
        seed ^ 0x05EE_DC11_u64.rotate_left(17) ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    let mut g = Gen {
        rng: &mut rng,
        out: Vec::new(),
        dob,
        last_day,
    };
    let age = age_on(dob, last_day);
    let avoid = g.allergies(age, visits);
    g.problems(age, visits, &avoid);
    g.immunizations(age);
    g.out
}

struct Gen<'a> {
    rng: &'a mut ChaCha8Rng,
    out: Vec<SynthItem>,
    dob: NaiveDate,
    last_day: NaiveDate,
}

fn meta(day: NaiveDate) -> ItemMeta {
    ItemMeta::new("", "", day.and_time(chrono::NaiveTime::MIN).and_utc())
}

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

impl Gen<'_> {
    fn push(&mut self, item: ClinicalItem, encounter: Option<usize>) {
        self.out.push(SynthItem { item, encounter });
    }

    /// A day between `from` and the last day (inclusive).
    fn day_from(&mut self, from: NaiveDate) -> NaiveDate {
        let span = (self.last_day - from).num_days().max(0);
        from + Days::new(self.rng.random_range(0..=span).unsigned_abs())
    }

    /// Allergies, NKA or nothing; returns what prescriptions must avoid.
    fn allergies(&mut self, age: u32, visits: &[Visit]) -> Vec<Avoid> {
        let food_visit = visits
            .iter()
            .find(|v| v.diagnosis == "allergic reaction to food");
        let first_visit = visits.first();
        // 0: not recorded, 1: NKA, 2: allergies.
        let mut kind = pick_w(self.rng, &[15, 47, 38]);
        if food_visit.is_some() {
            kind = 2;
        }
        let mut avoid = Vec::new();
        match kind {
            0 => {}
            1 => {
                let day = first_visit.map_or_else(|| self.day_from(self.dob), |v| v.day);
                self.push(
                    ClinicalItem::NoKnownAllergies(NoKnownAllergies {
                        meta: meta(day),
                        recorded: Some(day),
                        status: AllergyStatus::Active,
                    }),
                    first_visit.map(|v| v.encounter),
                );
            }
            _ => {
                let mut names: Vec<&'static str> = Vec::new();
                if let Some(v) = food_visit {
                    let food = FOODS[self.rng.random_range(0..FOODS.len())];
                    names.push(food);
                    let severity =
                        [Severity::Moderate, Severity::Severe][pick_w(self.rng, &[60, 40])];
                    self.push(
                        ClinicalItem::Allergy(Allergy {
                            meta: meta(v.day),
                            substance: food.into(),
                            reaction: Some("hives and lip swelling".into()),
                            severity: Some(severity),
                            criticality: Criticality::High,
                            status: AllergyStatus::Active,
                            recorded: Some(v.day),
                        }),
                        Some(v.encounter),
                    );
                }
                let n = 1 + pick_w(self.rng, &[55, 25, 13, 7]);
                let weights: Vec<u32> = SUBSTANCES
                    .iter()
                    .map(|s| {
                        if age < 12 && s.name == "lisinopril" {
                            0
                        } else {
                            s.weight
                        }
                    })
                    .collect();
                for _ in 0..n.saturating_sub(names.len()) {
                    let s = &SUBSTANCES[pick_w(self.rng, &weights)];
                    if names.contains(&s.name) {
                        continue;
                    }
                    names.push(s.name);
                    let severity = [Severity::Mild, Severity::Moderate, Severity::Severe]
                        [pick_w(self.rng, &s.severity)];
                    let criticality = if self.rng.random_range(0..1000) < s.high {
                        Criticality::High
                    } else if self.rng.random_bool(0.8) {
                        Criticality::Low
                    } else {
                        Criticality::UnableToAssess
                    };
                    // Most are recorded at a visit; some were reported before any on file.
                    let at = if visits.is_empty() || self.rng.random_bool(0.3) {
                        None
                    } else {
                        visits.get(self.rng.random_range(0..visits.len()))
                    };
                    let day = at.map_or_else(|| self.day_from(self.dob), |v| v.day);
                    // Now and then an old intolerance the patient has since tolerated, or an
                    // entry a clinician withdrew.
                    let status = match self.rng.random_range(0..100) {
                        0..4 => AllergyStatus::Inactive,
                        4..6 => AllergyStatus::EnteredInError,
                        _ => AllergyStatus::Active,
                    };
                    if status == AllergyStatus::Active {
                        avoid.push(s.avoid);
                    }
                    let unknown_severity = self.rng.random_bool(0.08);
                    self.push(
                        ClinicalItem::Allergy(Allergy {
                            meta: meta(day),
                            substance: s.name.into(),
                            reaction: Some(s.reaction.into()),
                            severity: (!unknown_severity).then_some(severity),
                            criticality,
                            status,
                            recorded: Some(day),
                        }),
                        at.map(|v| v.encounter),
                    );
                }
            }
        }
        avoid
    }

    fn problems(&mut self, age: u32, visits: &[Visit], avoid: &[Avoid]) {
        let mut codes: Vec<&str> = Vec::new();
        for v in visits {
            let Some(&(_, code, display, course, med)) =
                DIAGNOSES.iter().find(|d| d.0 == v.diagnosis)
            else {
                continue;
            };
            // A chronic problem is listed once, from the first visit it was seen at; an acute
            // one each time it happened.
            if course == Course::Chronic && codes.contains(&code) {
                continue;
            }
            codes.push(code);
            let status = match course {
                Course::Chronic if self.rng.random_bool(0.05) => ProblemStatus::Inactive,
                Course::Chronic => ProblemStatus::Active,
                Course::Acute => ProblemStatus::Resolved,
            };
            self.push(
                ClinicalItem::Problem(Problem {
                    meta: meta(v.day),
                    code_system: ICD10CM.into(),
                    code: code.into(),
                    display: display.into(),
                    onset: Some(v.day),
                    status,
                }),
                Some(v.encounter),
            );
            if let Some(key) = med {
                self.prescribe(key, v.day, Some(v), avoid, status == ProblemStatus::Active);
            }
        }
        if age >= 18 {
            for &(min_age, chance, code, display, med) in BACKGROUND {
                if age < min_age
                    || codes.contains(&code)
                    || self.rng.random_range(0..1000) >= chance
                {
                    continue;
                }
                codes.push(code);
                let years = self.rng.random_range(1..=(age - min_age + 1).min(15));
                let onset = self
                    .last_day
                    .checked_sub_months(Months::new(years * 12))
                    .unwrap_or(self.last_day)
                    .max(self.dob);
                self.push(
                    ClinicalItem::Problem(Problem {
                        meta: meta(onset),
                        code_system: ICD10CM.into(),
                        code: code.into(),
                        display: display.into(),
                        onset: Some(onset),
                        status: ProblemStatus::Active,
                    }),
                    None,
                );
                if let Some(key) = med {
                    self.prescribe(key, onset, None, avoid, true);
                }
            }
        }
    }

    /// The medications for `key`, skipping any the patient's allergies rule out. A standing
    /// order stays active while its problem is (now and then stopped); a course is completed.
    fn prescribe(
        &mut self,
        key: &str,
        start: NaiveDate,
        visit: Option<&Visit>,
        avoid: &[Avoid],
        problem_active: bool,
    ) {
        let choices = medications_for(key);
        let course = is_course(key);
        let allowed: Vec<_> = choices
            .iter()
            .filter(|(_, _, a)| *a == Avoid::None || !avoid.contains(a))
            .collect();
        // A course is one drug; a standing order may be several.
        let take = if course {
            allowed.len().min(1)
        } else {
            allowed.len()
        };
        for &&(name, dosage, _) in allowed.iter().take(take) {
            let status = if course {
                MedicationStatus::Completed
            } else if !problem_active || self.rng.random_bool(0.08) {
                MedicationStatus::Stopped
            } else {
                MedicationStatus::Active
            };
            self.push(
                ClinicalItem::Medication(Medication {
                    meta: meta(start),
                    medication: name.into(),
                    dosage: dosage.into(),
                    status,
                    start: Some(start),
                    prescriber: visit.map(|v| v.attending.to_string()),
                }),
                visit.map(|v| v.encounter),
            );
        }
    }

    fn shot(&mut self, vaccine: &str, cvx: &str, date: NaiveDate, status: ImmunizationStatus) {
        self.push(
            ClinicalItem::Immunization(Immunization {
                meta: meta(date),
                vaccine: vaccine.into(),
                cvx: Some(cvx.into()),
                date,
                status,
            }),
            None,
        );
    }

    fn immunizations(&mut self, age: u32) {
        if age < 18 {
            for &(vaccine, cvx, months) in CHILDHOOD {
                let Some(date) = self.dob.checked_add_months(Months::new(months)) else {
                    continue;
                };
                if date > self.last_day || self.rng.random_bool(0.06) {
                    continue;
                }
                let date = date + Days::new(self.rng.random_range(0..21));
                if date <= self.last_day {
                    self.shot(vaccine, cvx, date, ImmunizationStatus::Completed);
                }
            }
        }
        // Influenza in some of the last few autumns; now and then declined.
        if age >= 1 && self.rng.random_bool(0.6) {
            let last_year = self.last_day.year();
            for year in (last_year - 3)..=last_year {
                let Some(date) = NaiveDate::from_ymd_opt(year, 10, self.rng.random_range(1..=28))
                else {
                    continue;
                };
                if date > self.last_day || date < self.dob || self.rng.random_bool(0.35) {
                    continue;
                }
                let status = if self.rng.random_bool(0.07) {
                    ImmunizationStatus::NotDone
                } else {
                    ImmunizationStatus::Completed
                };
                self.shot(FLU.0, FLU.1, date, status);
            }
        }
        if age >= 18 {
            if self.rng.random_bool(0.5) {
                let from = self
                    .last_day
                    .checked_sub_months(Months::new(120))
                    .unwrap_or(self.dob);
                let date = self.day_from(from.max(self.dob));
                self.shot("Tdap", "115", date, ImmunizationStatus::Completed);
            }
            if self.rng.random_bool(0.4) {
                let from = NaiveDate::from_ymd_opt(2021, 1, 15).unwrap_or(self.dob);
                if from <= self.last_day {
                    let date = self.day_from(from.max(self.dob));
                    self.shot(
                        "COVID-19 vaccine, unspecified formulation",
                        "213",
                        date,
                        ImmunizationStatus::Completed,
                    );
                }
            }
        }
        if age >= 50 && self.rng.random_bool(0.35) {
            let from = self
                .last_day
                .checked_sub_months(Months::new(60))
                .unwrap_or(self.dob);
            let date = self.day_from(from);
            self.shot(
                "zoster vaccine recombinant",
                "187",
                date,
                ImmunizationStatus::Completed,
            );
        }
        if age >= 65 && self.rng.random_bool(0.5) {
            let from = self
                .last_day
                .checked_sub_months(Months::new(48))
                .unwrap_or(self.dob);
            let date = self.day_from(from);
            self.shot(
                "pneumococcal conjugate PCV20",
                "216",
                date,
                ImmunizationStatus::Completed,
            );
        }
    }
}
