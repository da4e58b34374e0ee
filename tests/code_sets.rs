//! The shipped code sets against the counts their sources publish, and the validity rules
//! (7th characters, placeholders, headers, dates of service) as table tests.

use chartroom::codes::check::{Problem, Status};
use chartroom::codes::{CodeSets, CodeSystem, check_code};
use chrono::NaiveDate;

fn sets() -> &'static CodeSets {
    CodeSets::shared().expect("the shipped code sets load")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn counts_match_the_published_figures() {
    let s = sets();
    // CDC's FY2026 figures (data/codes/PROVENANCE.md): 74,719 billable and 23,467 headers.
    assert_eq!(s.cm2026.billable_count(), 74_719);
    assert_eq!(s.cm2026.len() - s.cm2026.billable_count(), 23_467);
    // The FY2025 order file: 74,260 billable, 23,324 headers.
    assert_eq!(s.cm2025.billable_count(), 74_260);
    assert_eq!(s.cm2025.len() - s.cm2025.billable_count(), 23_324);
    assert_eq!(s.pcs.codes.len(), 68_367);
    assert_eq!(s.hcpcs.codes.len(), 7_079);
}

#[test]
fn seventh_characters_are_expanded_with_placeholders() {
    let s = sets();
    let a = s.cm2026.find("S72001A").expect("S72.001A");
    assert!(a.billable);
    assert_eq!(
        a.title,
        "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"
    );
    assert!(!s.cm2026.find("S72001").unwrap().billable);
    // T78.07 has 5 characters: the placeholder X fills the 6th.
    assert!(s.cm2026.find("T7807XA").is_some() || s.cm2026.find("T7801XA").is_some());
    // The S06 exception stated in a note: a death before regaining consciousness has only an
    // initial encounter.
    assert!(s.cm2026.find("S061X7A").is_some_and(|n| n.billable));
    assert!(s.cm2026.find("S061X7D").is_none());
    assert!(s.cm2026.find("S061X8S").is_none());
    assert!(s.cm2026.find("S061X1D").is_some());
    // Every expanded code in FY2026 is also in FY2025's order file unless it was added.
    let fy25_has = |c: &str| s.cm2025.find(c).is_some();
    assert!(fy25_has("S72001A"));
}

#[test]
fn notes_are_carried_and_inherited() {
    let s = sets();
    let i = s.cm2026.find_index("S72001A").unwrap();
    let notes = s.cm2026.notes_in_force(i);
    let texts: Vec<&str> = notes.iter().map(|(_, n)| n.text.as_str()).collect();
    // From category S72: an Excludes1 and a general note.
    assert!(
        texts.contains(&"traumatic amputation of hip and thigh (S78.-)"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"A fracture not indicated as open or closed should be coded to closed")
    );
    // From S72.00: its inclusion term.
    assert!(texts.contains(&"Fracture of hip NOS"));
}

#[test]
fn each_problem_gets_a_plain_sentence() {
    let s = sets();
    let on = d("2026-03-15");
    type Want = fn(&Status) -> bool;
    let cases: Vec<(&str, Want, &str)> = vec![
        (
            "E11.9",
            |st| *st == Status::Valid,
            "E11.9 is valid: Type 2 diabetes mellitus without complications.",
        ),
        (" e119 ", |st| *st == Status::Valid, "E11.9 is valid"),
        ("s72.001a", |st| *st == Status::Valid, "S72.001A is valid"),
        (
            "E11",
            |st| matches!(st, Status::Invalid(Problem::NotBillable { .. })),
            "E11 is a heading (Type 2 diabetes mellitus), not a billable code: use one of E11.00",
        ),
        (
            "S72.001",
            |st| matches!(st, Status::Invalid(Problem::MissingSeventh { .. })),
            "S72.001 needs a 7th character: A initial encounter for closed fracture; B ",
        ),
        (
            "ZZZ",
            |st| matches!(st, Status::Invalid(Problem::NotACode)),
            "ZZZ is not an ICD-10-CM code.",
        ),
        // FY2026 has categories with a letter second (QA0).
        ("qa0.0101", |st| *st == Status::Valid, "QA0.0101 is valid"),
        (
            "1E11",
            |st| matches!(st, Status::Invalid(Problem::Malformed(_))),
            "is not an ICD-10-CM code: those are a letter",
        ),
        (
            "E11.99999999",
            |st| matches!(st, Status::Invalid(Problem::Malformed(_))),
            "is 11 characters long",
        ),
        (
            "🦴",
            |st| matches!(st, Status::Invalid(Problem::Malformed(_))),
            "is not a code: codes are letters and digits",
        ),
        (
            "",
            |st| matches!(st, Status::Invalid(Problem::Malformed(_))),
            "An empty entry is not",
        ),
        (
            "E11.89",
            |st| matches!(st, Status::Invalid(Problem::NotACode)),
            "E11.89 is not an ICD-10-CM code.",
        ),
    ];
    for (typed, want, sentence) in cases {
        let r = check_code(s, typed, None, on);
        assert!(want(&r.status), "{typed:?}: {:?}", r.status);
        assert!(
            r.sentence().contains(sentence),
            "{typed:?}: {}",
            r.sentence()
        );
        assert_eq!(r.is_valid(), r.status == Status::Valid, "{typed:?}");
    }
}

#[test]
fn placeholder_missing_is_named() {
    let s = sets();
    // Find a 5-character header whose children carry a placeholder, from the data itself.
    let expanded = s
        .cm2026
        .codes()
        .find(|n| {
            n.billable
                && n.code.len() == 7
                && n.code.ends_with("XA")
                && n.code[..5].chars().all(|c| c != 'X')
        })
        .expect("some XA code");
    let short = format!("{}{}", &expanded.code[..5], "A");
    let r = check_code(s, &short, Some(CodeSystem::Icd10Cm), d("2026-03-15"));
    assert_eq!(
        r.status,
        Status::Invalid(Problem::MissingPlaceholder {
            with_placeholder: expanded.code.clone()
        }),
        "{short}"
    );
    assert!(
        r.sentence().contains("missing its placeholder X"),
        "{}",
        r.sentence()
    );
}

#[test]
fn the_date_of_service_picks_the_fiscal_year() {
    let s = sets();
    // E11.A was added in FY2026: invalid for a June 2025 discharge, valid in FY2026.
    let before = check_code(s, "E11.A", None, d("2025-06-30"));
    assert!(
        matches!(
            before.status,
            Status::Invalid(Problem::NotValidOnDate { .. })
        ),
        "{:?}",
        before.status
    );
    assert!(
        before
            .sentence()
            .contains("added in FY2026 (from 2025-10-01)"),
        "{}",
        before.sentence()
    );
    assert_eq!(
        check_code(s, "E11.A", None, d("2025-10-01")).status,
        Status::Valid
    );
    // S30.1XXA was deleted: valid through 30 September 2025 only.
    assert_eq!(
        check_code(s, "S30.1XXA", None, d("2025-09-30")).status,
        Status::Valid
    );
    let after = check_code(s, "S30.1XXA", None, d("2025-10-01"));
    assert!(
        after
            .sentence()
            .contains("deleted after FY2025 (last valid 2025-09-30)"),
        "{}",
        after.sentence()
    );
    // A date after the newest year shipped is checked against it, and says so.
    assert!(
        check_code(s, "E11.9", None, d("2027-01-05"))
            .checked_against
            .contains("next year's files are not installed")
    );
}

#[test]
fn pcs_and_hcpcs() {
    let s = sets();
    let on = d("2026-03-15");
    let first_pcs = s.pcs.codes[0].code.clone();
    assert_eq!(check_code(s, &first_pcs, None, on).status, Status::Valid);
    // Guessed as PCS from its shape: no ICD-10-CM code has a letter second.
    let imaging = check_code(s, "BW03ZZZ", None, on);
    assert!(
        matches!(imaging.status, Status::Unverified(_)),
        "{:?}",
        imaging.status
    );
    assert!(
        imaging
            .sentence()
            .contains("section B (Imaging) is not in the PCS file shipped")
    );
    assert!(matches!(
        check_code(s, "0DTJ4ZI", Some(CodeSystem::Icd10Pcs), on).status,
        Status::Invalid(Problem::Malformed(_))
    ));
    // A HCPCS code in force, a modifier, and one terminated in the file.
    let active = s
        .hcpcs
        .codes
        .iter()
        .find(|c| c.code.len() == 5 && c.terminated.is_none())
        .unwrap();
    assert_eq!(
        check_code(s, &active.code, Some(CodeSystem::Hcpcs), on).status,
        Status::Valid
    );
    let gone = s
        .hcpcs
        .codes
        .iter()
        .find(|c| c.code.len() == 5 && c.terminated.is_some())
        .unwrap();
    let r = check_code(s, &gone.code, Some(CodeSystem::Hcpcs), on);
    assert!(
        matches!(r.status, Status::Invalid(Problem::Terminated(_))),
        "{:?}",
        r.status
    );
    // CPT and CDT are not carried: accepted unverified, never called valid.
    let cpt = check_code(s, "99213", None, on);
    assert!(cpt.sentence().contains("CPT"), "{}", cpt.sentence());
    assert!(matches!(cpt.status, Status::Unverified(_)));
}

mod lists {
    use super::*;
    use chartroom::codes::validate::{AssignedCode, Poa, Setting, Severity, validate};

    fn cm(code: &str, poa: Option<Poa>) -> AssignedCode {
        AssignedCode {
            system: CodeSystem::Icd10Cm,
            code: code.into(),
            poa,
        }
    }

    fn messages(list: &[AssignedCode], setting: Setting) -> Vec<(Severity, String)> {
        let (_, f) = validate(sets(), list, d("2026-03-15"), setting);
        f.into_iter().map(|f| (f.severity, f.message)).collect()
    }

    #[test]
    fn excludes1_pairs_are_named_with_the_note() {
        let m = messages(&[cm("E119", None), cm("E089", None)], Setting::Outpatient);
        let conflict = m
            .iter()
            .find(|(_, t)| t.contains("conflict"))
            .unwrap_or_else(|| panic!("{m:?}"));
        assert_eq!(conflict.0, Severity::Warning);
        assert!(
            conflict.1.contains("E11.9 and E08.9 conflict"),
            "{}",
            conflict.1
        );
        assert!(conflict.1.contains("(E08.-)"), "{}", conflict.1);
        // Excludes2 is not a conflict: S72 excludes2 fracture of lower leg (S82.-).
        let m = messages(
            &[cm("S72001A", None), cm("S82001A", None)],
            Setting::Outpatient,
        );
        assert!(!m.iter().any(|(_, t)| t.contains("conflict")), "{m:?}");
    }

    #[test]
    fn manifestation_first_and_code_first_order() {
        let wrong = messages(&[cm("F0280", None), cm("G309", None)], Setting::Outpatient);
        assert!(
            wrong.iter().any(|(s, t)| *s == Severity::Error
                && t.contains("manifestation code")
                && t.starts_with("F02.80")),
            "{wrong:?}"
        );
        assert!(
            wrong
                .iter()
                .any(|(_, t)| t
                    .contains("F02.80 has a code-first note for G30.9: put G30.9 before it")),
            "{wrong:?}"
        );
        let right = messages(&[cm("G309", None), cm("F0280", None)], Setting::Outpatient);
        assert!(
            !right.iter().any(|(s, _)| *s == Severity::Error),
            "{right:?}"
        );
        // Alone, the manifestation gets the code-first reminder.
        let alone = messages(
            &[cm("G309", None), cm("F0280", None)][1..],
            Setting::Outpatient,
        );
        assert!(
            alone
                .iter()
                .any(|(s, t)| *s == Severity::Reminder && t.contains("code first")),
            "{alone:?}"
        );
    }

    #[test]
    fn inpatient_needs_poa_and_pcs() {
        let list = [
            cm("J189", Some(Poa::Y)),
            cm("E119", None),
            AssignedCode {
                system: CodeSystem::Hcpcs,
                code: "E0114".into(),
                poa: None,
            },
        ];
        let m = messages(&list, Setting::Inpatient);
        assert!(
            m.iter().any(|(s, t)| *s == Severity::Error
                && t == "E11.9 needs a present-on-admission indicator: Y, N, U, W or exempt."),
            "{m:?}"
        );
        assert!(
            !m.iter().any(|(_, t)| t.starts_with("J18.9 needs")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|(_, t)| t.contains("inpatient procedures are coded in ICD-10-PCS")),
            "{m:?}"
        );
        // Outpatient: no POA asked, HCPCS is right.
        let m = messages(&list, Setting::Outpatient);
        assert!(
            !m.iter()
                .any(|(_, t)| t.contains("present-on-admission") || t.contains("ICD-10-PCS")),
            "{m:?}"
        );
    }

    #[test]
    fn invalid_codes_come_first_as_errors() {
        let m = messages(
            &[cm("E11", Some(Poa::Y)), cm("J189", Some(Poa::N))],
            Setting::Inpatient,
        );
        assert_eq!(m[0].0, Severity::Error);
        assert!(m[0].1.starts_with("E11 is a heading"), "{m:?}");
    }
}

#[test]
fn lookup_over_the_real_titles() {
    let s = sets();
    let ix = s.index_for(CodeSystem::Icd10Cm, d("2026-03-15"));
    let top = |q: &str, n: usize| -> Vec<String> {
        ix.search(q, n)
            .into_iter()
            .map(|f| f.code.to_string())
            .collect()
    };
    assert!(
        top("fx fem neck", 5).iter().all(|c| c.starts_with("S720")),
        "{:?}",
        top("fx fem neck", 5)
    );
    assert!(
        top("diab ckd", 5).contains(&"E1122".to_string()),
        "{:?}",
        top("diab ckd", 5)
    );
    assert_eq!(top("s72.0", 1), vec!["S720"]);
    assert_eq!(top("pneumonia", 1), vec!["J189"]);
    assert!(top("copd exac", 3).contains(&"J441".to_string()));
    // Accents in titles are found with and without them.
    assert!(!top("sezary", 3).is_empty() && top("sezary", 3) == top("Sézary", 3));
    assert!(top("xyzzy", 5).is_empty());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Whatever is typed, each system answers with a sentence and never panics; only a
        /// real code of the shipped sets is called valid.
        #[test]
        fn any_input_gets_a_sentence(input in any::<String>(), days in 0i64..1500) {
            let s = sets();
            let on = d("2024-06-01") + chrono::Duration::days(days);
            for system in [None, Some(CodeSystem::Icd10Cm), Some(CodeSystem::Icd10Pcs), Some(CodeSystem::Hcpcs)] {
                let r = check_code(s, &input, system, on);
                let sentence = r.sentence();
                prop_assert!(!sentence.trim().is_empty());
                prop_assert!(!sentence.chars().any(|c| c == '\u{1b}'), "{sentence:?}");
                if r.status == Status::Valid {
                    let found = match r.system {
                        CodeSystem::Icd10Cm => s.cm_for(on).0.find(&r.code).is_some_and(|n| n.billable),
                        CodeSystem::Icd10Pcs => s.pcs.find(&r.code).is_some(),
                        CodeSystem::Hcpcs => s.hcpcs.find(&r.code).is_some(),
                    };
                    prop_assert!(found, "{input:?} called valid as {}", r.code);
                }
            }
        }

        /// A billable code typed any way a coder might (case, dot, spaces) is valid.
        #[test]
        fn billable_codes_typed_loosely_are_valid(k in 0usize..74_719, lower in any::<bool>(), pad in "[ ]{0,3}") {
            let s = sets();
            let code = s.cm2026.codes().filter(|n| n.billable).nth(k).unwrap().code.clone();
            let mut typed = if code.len() > 3 { format!("{}.{}", &code[..3], &code[3..]) } else { code.clone() };
            if lower {
                typed = typed.to_lowercase();
            }
            let r = check_code(s, &format!("{pad}{typed}{pad}"), Some(CodeSystem::Icd10Cm), d("2026-03-15"));
            prop_assert_eq!(r.status, Status::Valid, "{}", typed);
        }

        /// The look-up takes any text without panicking and returns at most the limit.
        #[test]
        fn lookup_takes_any_text(q in any::<String>(), limit in 0usize..60) {
            let ix = sets().index_for(CodeSystem::Icd10Cm, d("2026-03-15"));
            prop_assert!(ix.search(&q, limit).len() <= limit);
        }
    }
}

#[test]
fn every_billable_code_of_each_year_is_valid_in_that_year() {
    let s = sets();
    for (set, on) in [(&s.cm2026, d("2026-03-15")), (&s.cm2025, d("2025-03-15"))] {
        let wrong: Vec<String> = set
            .codes()
            .filter(|n| n.billable)
            .filter(|n| check_code(s, &n.code, None, on).status != Status::Valid)
            .map(|n| n.code.clone())
            .take(5)
            .collect();
        assert!(wrong.is_empty(), "{on}: {wrong:?}");
    }
}
