//! A whole code list for an encounter, checked as a coder's second pair of eyes: each code on
//! the date of service, Excludes1 pairs, code-first and use-additional reminders, a
//! manifestation code put first, the present-on-admission indicator on inpatient diagnoses,
//! and the procedure code system the setting calls for.

use super::check::{CheckResult, check_code, display};
use super::icd10cm::{CmCodeSet, NoteKind};
use super::{CodeSets, CodeSystem};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Present on admission (CMS): Y yes, N no, U documentation insufficient, W clinically
/// undetermined, or the code is exempt from reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Poa {
    Y,
    N,
    U,
    W,
    Exempt,
}

impl Poa {
    pub fn parse(s: &str) -> Option<Poa> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "Y" => Poa::Y,
            "N" => Poa::N,
            "U" => Poa::U,
            "W" => Poa::W,
            "E" | "1" | "EXEMPT" => Poa::Exempt,
            _ => return None,
        })
    }

    pub fn letter(self) -> &'static str {
        match self {
            Poa::Y => "Y",
            Poa::N => "N",
            Poa::U => "U",
            Poa::W => "W",
            Poa::Exempt => "E",
        }
    }
}

/// One code on an encounter's list, in sequence (the first diagnosis is the principal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedCode {
    pub system: CodeSystem,
    /// As the files write it: no dot, upper case.
    pub code: String,
    #[serde(default)]
    pub poa: Option<Poa>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be fixed before the encounter can be coded.
    Error,
    /// Probably wrong; the coder confirms.
    Warning,
    /// An instruction of the classification to follow.
    Reminder,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// The positions in the list it is about.
    pub codes: Vec<usize>,
    pub message: String,
}

/// The setting decides which procedure codes apply and whether POA is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Inpatient,
    Outpatient,
}

/// A code or range an instructional note points to: `S78.-`, `M97.0-`, `P35-P39`, `E11.9`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reference {
    Prefix(String),
    Range(String, String),
}

impl Reference {
    fn covers(&self, code: &str) -> bool {
        match self {
            Reference::Prefix(p) => code.starts_with(p.as_str()),
            Reference::Range(a, b) => {
                let head = &code[..code.len().min(a.len())];
                a.as_str() <= head && head <= b.as_str()
            }
        }
    }
}

/// The code references in a note's text.
fn references(text: &str) -> Vec<Reference> {
    let is_code_char = |c: char| c.is_ascii_alphanumeric() || c == '.';
    let words: Vec<&str> = text
        .split(|c: char| !(is_code_char(c) || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    // A code, with or without the dot and a trailing "-" (meaning "and its subdivisions").
    let shaped = |s: &str| {
        let s = s.strip_suffix('-').unwrap_or(s);
        let b = s.as_bytes();
        b.len() >= 3
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_digit()
            && b[2].is_ascii_alphanumeric()
            && s.chars().all(is_code_char)
    };
    let clean = |s: &str| {
        s.trim_end_matches('-')
            .trim_end_matches('.')
            .replace('.', "")
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        i += 1;
        // "S06.1- to S06.6-": a range written in words.
        if shaped(w) && words.get(i) == Some(&"to") && words.get(i + 1).is_some_and(|b| shaped(b)) {
            out.push(Reference::Range(clean(w), clean(words[i + 1])));
            i += 2;
        } else if let Some((a, b)) = w.split_once('-').filter(|(a, b)| shaped(a) && shaped(b)) {
            out.push(Reference::Range(clean(a), clean(b)));
        } else if shaped(w) {
            out.push(Reference::Prefix(clean(w)));
        }
    }
    out
}

/// The notes of a kind in force for a code, grouped by where they are written: one group is
/// one instruction (a code-first block lists alternatives; any one satisfies it).
fn note_groups<'a>(set: &'a CmCodeSet, code: &str, kind: NoteKind) -> Vec<Vec<&'a str>> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    let Some(i) = set.find_index(code) else {
        return Vec::new();
    };
    for (node, note) in set.notes_in_force(i) {
        if note.kind != kind {
            continue;
        }
        match groups.last_mut() {
            Some((at, list)) if *at == node.code.as_str() => list.push(&note.text),
            _ => groups.push((&node.code, vec![&note.text])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

fn notes_of<'a>(set: &'a CmCodeSet, code: &str, kind: NoteKind) -> Vec<&'a str> {
    set.find_index(code)
        .map(|i| {
            set.notes_in_force(i)
                .into_iter()
                .filter(|(_, n)| n.kind == kind)
                .map(|(_, n)| n.text.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// Checks each code, then the list as a whole. Findings come most severe first.
pub fn validate(
    sets: &CodeSets,
    list: &[AssignedCode],
    date: NaiveDate,
    setting: Setting,
) -> (Vec<CheckResult>, Vec<Finding>) {
    let checks: Vec<CheckResult> = list
        .iter()
        .map(|a| check_code(sets, &a.code, Some(a.system), date))
        .collect();
    let mut findings = Vec::new();
    for (i, c) in checks.iter().enumerate() {
        if !c.is_valid() {
            findings.push(Finding {
                severity: Severity::Error,
                codes: vec![i],
                message: c.sentence(),
            });
        }
    }
    let (set, _, _) = sets.cm_for(date);
    let diagnoses: Vec<usize> = (0..list.len())
        .filter(|&i| list[i].system == CodeSystem::Icd10Cm && checks[i].is_valid())
        .collect();
    let show = |i: usize| display(list[i].system, &list[i].code);

    // Excludes1: the two conditions are never coded together.
    for (k, &a) in diagnoses.iter().enumerate() {
        for &b in &diagnoses[k + 1..] {
            for (x, y) in [(a, b), (b, a)] {
                let hit = notes_of(set, &list[x].code, NoteKind::Excludes1)
                    .into_iter()
                    .find(|t| references(t).iter().any(|r| r.covers(&list[y].code)));
                if let Some(text) = hit {
                    findings.push(Finding {
                        severity: Severity::Warning,
                        codes: vec![a, b],
                        message: format!(
                            "{} and {} conflict: {} has Excludes1 \"{text}\". Code both only if the conditions are unrelated.",
                            show(x),
                            show(y),
                            show(x)
                        ),
                    });
                    break;
                }
            }
        }
    }

    // Code first / use additional code: the partner should be on the list.
    for &i in &diagnoses {
        for (kind, verb) in [
            (NoteKind::CodeFirst, "code first"),
            (NoteKind::UseAdditionalCode, "use additional code"),
        ] {
            for group in note_groups(set, &list[i].code, kind) {
                let refs: Vec<Reference> = group.iter().flat_map(|t| references(t)).collect();
                if refs.is_empty() {
                    continue;
                }
                let partner = diagnoses
                    .iter()
                    .find(|&&j| j != i && refs.iter().any(|r| r.covers(&list[j].code)));
                match partner {
                    None => {
                        let shown = group.iter().take(3).copied().collect::<Vec<_>>().join("; ");
                        let more = match group.len().saturating_sub(3) {
                            0 => String::new(),
                            n => format!("; {n} more in the notes"),
                        };
                        findings.push(Finding {
                            severity: Severity::Reminder,
                            codes: vec![i],
                            message: format!("{}: {verb} {shown}{more}.", show(i)),
                        });
                    }
                    Some(&j) if kind == NoteKind::CodeFirst && j > i => findings.push(Finding {
                        severity: Severity::Warning,
                        codes: vec![i, j],
                        message: format!(
                            "{} has a code-first note for {}: put {} before it.",
                            show(i),
                            show(j),
                            show(j)
                        ),
                    }),
                    Some(_) => {}
                }
            }
        }
    }

    // A manifestation ("in [other] diseases classified elsewhere") is never the principal.
    if let Some(&first) = diagnoses.first()
        && let Some(title) = &checks[first].title
        && title
            .to_ascii_lowercase()
            .contains("diseases classified elsewhere")
    {
        findings.push(Finding {
            severity: Severity::Error,
            codes: vec![first],
            message: format!(
                "{} is a manifestation code (\"{title}\") and cannot be the principal diagnosis: sequence the underlying condition first.",
                show(first)
            ),
        });
    }

    for (i, a) in list.iter().enumerate() {
        match (setting, a.system) {
            (Setting::Inpatient, CodeSystem::Icd10Cm) if a.poa.is_none() => {
                findings.push(Finding {
                    severity: Severity::Error,
                    codes: vec![i],
                    message: format!(
                        "{} needs a present-on-admission indicator: Y, N, U, W or exempt.",
                        show(i)
                    ),
                });
            }
            (Setting::Inpatient, CodeSystem::Hcpcs) => findings.push(Finding {
                severity: Severity::Error,
                codes: vec![i],
                message: format!(
                    "{} is HCPCS: inpatient procedures are coded in ICD-10-PCS.",
                    show(i)
                ),
            }),
            (Setting::Outpatient, CodeSystem::Icd10Pcs) => findings.push(Finding {
                severity: Severity::Error,
                codes: vec![i],
                message: format!(
                    "{} is ICD-10-PCS: outpatient procedures are coded in HCPCS (or CPT).",
                    show(i)
                ),
            }),
            _ => {}
        }
    }
    findings.sort_by_key(|f| f.severity);
    (checks, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_in_note_text() {
        let p = |s: &str| Reference::Prefix(s.into());
        let r = |a: &str, b: &str| Reference::Range(a.into(), b.into());
        for (text, want) in [
            (
                "traumatic amputation of hip and thigh (S78.-)",
                vec![p("S78")],
            ),
            (
                "periprosthetic fracture of prosthetic implant of hip (M97.0-)",
                vec![p("M970")],
            ),
            (
                "infectious diseases specific to the perinatal period (P35-P39)",
                vec![r("P35", "P39")],
            ),
            ("head injury NOS (S09.90)", vec![p("S0990")]),
            (
                "in subcategories S06.1- to S06.6-, and S06.81- to S06.89-",
                vec![r("S061", "S066"), r("S0681", "S0689")],
            ),
            (
                "certain localized infections - see body system-related chapters",
                vec![],
            ),
            ("(A00-A09, B00.-)", vec![r("A00", "A09"), p("B00")]),
        ] {
            assert_eq!(references(text), want, "{text}");
        }
        assert!(r("P35", "P39").covers("P369"));
        assert!(!r("P35", "P39").covers("P400"));
        assert!(p("M970").covers("M9701XA"));
    }

    #[test]
    fn poa_values() {
        for (s, want) in [
            ("y", Some(Poa::Y)),
            (" W ", Some(Poa::W)),
            ("1", Some(Poa::Exempt)),
            ("exempt", Some(Poa::Exempt)),
            ("X", None),
            ("", None),
        ] {
            assert_eq!(Poa::parse(s), want, "{s:?}");
        }
    }
}
