//! `chartroom bench codes`: code-set load time, look-up per keystroke over all of ICD-10-CM,
//! and validating 10,000 code lists.

use super::bench::{machine, percentile};
use crate::codes::validate::{AssignedCode, Poa, Setting, validate};
use crate::codes::{CodeSets, CodeSystem};
use rand::{RngExt, SeedableRng};
use std::time::Instant;

/// What coders type: shorthand, word prefixes, code prefixes with and without the dot.
const QUERIES: &[&str] = &[
    "fx fem neck",
    "diab ckd",
    "type 2 diabetes with hyperglycemia",
    "chf acute on chronic",
    "copd exac",
    "pneumonia unspecified organism",
    "sepsis due to e coli",
    "uti",
    "hypertensive heart and chronic kidney disease",
    "afib",
    "acute kidney failure",
    "displaced fracture of shaft of right tibia",
    "s72.001a",
    "E11.65",
    "i10",
    "z79.4",
    "history of falling",
    "obesity bmi 40",
    "major depressive disorder recurrent severe",
    "alcohol dependence with withdrawal",
    "opioid use disorder",
    "cellulitis of left lower limb",
    "pressure ulcer sacral stage 3",
    "malignant neoplasm of upper lobe left bronchus",
    "ca breast",
    "stemi anterior wall",
    "nstemi",
    "dvt lle",
    "pe",
    "gerd without esophagitis",
    "migraine without aura",
    "low back pain",
    "r10.9",
    "abd pain ruq",
    "sob",
    "encounter for screening for malignant neoplasm of colon",
    "long term current use of insulin",
    "hiv disease",
    "covid",
    "dementia with behavioral disturbance",
];

pub fn bench_codes(loads: usize, lists: usize, seed: u64) -> Result<i32, String> {
    let mut load_ms = Vec::new();
    let mut sets = None;
    for _ in 0..loads.max(1) {
        let t = Instant::now();
        let s = CodeSets::load().map_err(|e| e.to_string())?;
        load_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        sets = Some(s);
    }
    let Some(sets) = sets else {
        return Err("no load ran".into());
    };
    load_ms.sort_by(f64::total_cmp);

    // Look-up per keystroke: every prefix of every query, as the popup would ask.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap_or_default();
    let index = sets.index_for(CodeSystem::Icd10Cm, today);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let billable: Vec<&str> = sets
        .cm2026
        .codes()
        .filter(|n| n.billable)
        .map(|n| n.code.as_str())
        .collect();
    let mut typed: Vec<String> = QUERIES.iter().map(|q| q.to_string()).collect();
    // And 200 codes typed as a coder would, with the dot.
    for _ in 0..200 {
        let c = billable[rng.random_range(0..billable.len())];
        typed.push(crate::codes::check::display(CodeSystem::Icd10Cm, c).to_lowercase());
    }
    let mut lookup_ms = Vec::new();
    let mut results = 0usize;
    for q in &typed {
        for end in q.char_indices().map(|(i, c)| i + c.len_utf8()) {
            let t = Instant::now();
            let hits = index.search(&q[..end], 50);
            lookup_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            results += hits.len();
        }
    }
    lookup_ms.sort_by(f64::total_cmp);

    // 10,000 code lists of 2 to 12 codes, one in twenty entries a heading or a typo.
    let mut encounters = Vec::with_capacity(lists);
    for _ in 0..lists {
        let n = rng.random_range(2..=12);
        let inpatient = rng.random_bool(0.4);
        let list: Vec<AssignedCode> = (0..n)
            .map(|_| {
                let mut code = billable[rng.random_range(0..billable.len())].to_string();
                if rng.random_bool(0.05) {
                    code.truncate(code.len().saturating_sub(1).max(3));
                }
                AssignedCode {
                    system: CodeSystem::Icd10Cm,
                    code,
                    poa: if inpatient && rng.random_bool(0.95) {
                        Some(Poa::Y)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let setting = if inpatient {
            Setting::Inpatient
        } else {
            Setting::Outpatient
        };
        encounters.push((list, setting));
    }
    let mut list_ms = Vec::with_capacity(lists);
    let mut findings = 0usize;
    let all = Instant::now();
    for (list, setting) in &encounters {
        let t = Instant::now();
        let (_, f) = validate(&sets, list, today, *setting);
        list_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        findings += f.len();
    }
    let total_ms = all.elapsed().as_secs_f64() * 1000.0;
    list_ms.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "bench": "codes",
            "codes": {
                "icd10cm_fy2026": sets.cm2026.len(),
                "icd10cm_fy2025": sets.cm2025.len(),
                "icd10pcs": sets.pcs.codes.len(),
                "hcpcs": sets.hcpcs.codes.len(),
            },
            "load_runs": load_ms.len(),
            "load_p50_ms": percentile(&load_ms, 50.0),
            "load_max_ms": load_ms.last().copied().unwrap_or_default(),
            "lookup_keystrokes": lookup_ms.len(),
            "lookup_p50_ms": percentile(&lookup_ms, 50.0),
            "lookup_p95_ms": percentile(&lookup_ms, 95.0),
            "lookup_p99_ms": percentile(&lookup_ms, 99.0),
            "lookup_max_ms": lookup_ms.last().copied().unwrap_or_default(),
            "lookup_results": results,
            "lists": list_ms.len(),
            "lists_total_ms": total_ms,
            "list_p50_ms": percentile(&list_ms, 50.0),
            "list_p99_ms": percentile(&list_ms, 99.0),
            "findings": findings,
            "machine": machine(),
        })
    );
    Ok(0)
}
