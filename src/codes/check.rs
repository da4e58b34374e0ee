//! Is this a code, and may it be used on this date? Each answer is one plain sentence a coder
//! can act on: what is wrong and what to use instead.

use super::hcpcs::HcpcsKind;
use super::{CodeSets, CodeSystem, Coverage, FiscalYear, normalize};
use chrono::NaiveDate;

/// How many billable children a header's message lists before "and N more".
const CHILDREN_SHOWN: usize = 6;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not the shape of any code of the system.
    Malformed(String),
    NotACode,
    /// A header: the billable codes under it.
    NotBillable {
        children: Vec<(String, String)>,
        more: usize,
    },
    /// A code that needs a 7th character: the characters and what they mean.
    MissingSeventh {
        options: Vec<(char, String)>,
    },
    /// The 7th character typed without the `X` placeholders before it.
    MissingPlaceholder {
        with_placeholder: String,
    },
    /// Valid in another fiscal year only.
    NotValidOnDate {
        valid_in: FiscalYear,
        used_on: NaiveDate,
    },
    /// A HCPCS code terminated before the date of service.
    Terminated(NaiveDate),
    /// A HCPCS code added after the date of service.
    NotYetValid(NaiveDate),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Valid,
    Invalid(Problem),
    /// Accepted but not checked, with why (a PCS section or a code family not shipped).
    Unverified(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub input: String,
    /// The code as the files write it (no dot, upper case); empty when it could not be read.
    pub code: String,
    pub system: CodeSystem,
    pub title: Option<String>,
    pub status: Status,
    /// Which file it was checked against, and anything to know about that.
    pub checked_against: String,
}

impl CheckResult {
    pub fn is_valid(&self) -> bool {
        !matches!(self.status, Status::Invalid(_))
    }

    /// The code with its dot where ICD-10-CM writes one (`S72.001A`).
    pub fn display_code(&self) -> String {
        display(self.system, &self.code)
    }

    /// One plain sentence about the code.
    pub fn sentence(&self) -> String {
        let code = self.display_code();
        match &self.status {
            Status::Valid => format!(
                "{code} is valid: {}.",
                self.title.as_deref().unwrap_or_default()
            ),
            Status::Unverified(why) => format!("{code} is accepted unverified: {why}."),
            Status::Invalid(p) => match p {
                Problem::Malformed(why) => why.clone(),
                Problem::NotACode => {
                    let label = self.system.label();
                    let article = if label.starts_with('I') { "an" } else { "a" };
                    format!("{code} is not {article} {label} code.")
                }
                Problem::NotBillable { children, more } => {
                    let list = children
                        .iter()
                        .map(|(c, _)| display(self.system, c))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let more = if *more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    };
                    format!(
                        "{code} is a heading ({}), not a billable code: use one of {list}{more}.",
                        self.title.as_deref().unwrap_or_default()
                    )
                }
                Problem::MissingSeventh { options } => {
                    let list = options
                        .iter()
                        .take(4)
                        .map(|(c, m)| format!("{c} {m}"))
                        .collect::<Vec<_>>()
                        .join("; ");
                    let more = options.len().saturating_sub(4);
                    let more = if more > 0 {
                        format!("; {more} more")
                    } else {
                        String::new()
                    };
                    format!("{code} needs a 7th character: {list}{more}.")
                }
                Problem::MissingPlaceholder { with_placeholder } => format!(
                    "{code} is missing its placeholder X: the code is {}.",
                    display(self.system, with_placeholder)
                ),
                Problem::NotValidOnDate { valid_in, used_on } => {
                    if used_on < &valid_in.first_day() {
                        format!(
                            "{code} is not valid on {used_on}: it was added in {valid_in} (from {}).",
                            valid_in.first_day()
                        )
                    } else {
                        format!(
                            "{code} is not valid on {used_on}: it was deleted after {valid_in} (last valid {}).",
                            valid_in.last_day()
                        )
                    }
                }
                Problem::Terminated(on) => {
                    format!("{code} was terminated on {on}; it cannot be used after that date.")
                }
                Problem::NotYetValid(from) => {
                    format!("{code} is valid only from {from}.")
                }
            },
        }
    }
}

/// A code as people write it: ICD-10-CM with its dot after the category (`S72.001A`).
pub fn display(system: CodeSystem, code: &str) -> String {
    if system == CodeSystem::Icd10Cm && code.len() > 3 {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

/// Guesses the system from the shape when the caller does not say: an ICD-10-CM code when
/// the code is one, else HCPCS, else PCS.
pub fn check_code(
    sets: &CodeSets,
    input: &str,
    system: Option<CodeSystem>,
    date: NaiveDate,
) -> CheckResult {
    let Some(code) = normalize(input) else {
        return CheckResult {
            input: input.to_string(),
            code: String::new(),
            system: system.unwrap_or(CodeSystem::Icd10Cm),
            title: None,
            status: Status::Invalid(Problem::Malformed(format!(
                "{:?} is not a code: codes are letters and digits, with or without a dot.",
                crate::sanitize::sanitize(input.trim())
            ))),
            checked_against: String::new(),
        };
    };
    let system = system.unwrap_or_else(|| guess_system(sets, &code, date));
    let mut r = match system {
        CodeSystem::Icd10Cm => check_cm(sets, &code, date),
        CodeSystem::Icd10Pcs => check_pcs(sets, &code),
        CodeSystem::Hcpcs => check_hcpcs(sets, &code, date),
    };
    r.input = input.to_string();
    r
}

fn guess_system(sets: &CodeSets, code: &str, date: NaiveDate) -> CodeSystem {
    let (cm, _, _) = sets.cm_for(date);
    if cm.find(code).is_some() || sets.cm2025.find(code).is_some() {
        return CodeSystem::Icd10Cm;
    }
    if sets.hcpcs.find(code).is_some()
        || (code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()))
    {
        return CodeSystem::Hcpcs;
    }
    // ICD-10-CM's second character is always a digit; a 7-character code without one is PCS.
    let second_is_digit = code.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
    if code.len() == 7
        && (code.starts_with(|c: char| c.is_ascii_digit())
            || !second_is_digit
            || sets.pcs.find(code).is_some())
    {
        return CodeSystem::Icd10Pcs;
    }
    CodeSystem::Icd10Cm
}

fn result(
    code: &str,
    system: CodeSystem,
    title: Option<String>,
    status: Status,
    against: String,
) -> CheckResult {
    CheckResult {
        input: String::new(),
        code: code.to_string(),
        system,
        title,
        status,
        checked_against: against,
    }
}

fn check_cm(sets: &CodeSets, code: &str, date: NaiveDate) -> CheckResult {
    let (set, fy, coverage) = sets.cm_for(date);
    let against = match coverage {
        Coverage::Covered => format!("ICD-10-CM {fy}"),
        Coverage::Before => format!("ICD-10-CM {fy} (the oldest year shipped; {date} is earlier)"),
        Coverage::After => {
            format!("ICD-10-CM {fy} (the newest year shipped; next year's files are not installed)")
        }
    };
    let invalid = |p: Problem, title: Option<String>| {
        result(
            code,
            CodeSystem::Icd10Cm,
            title,
            Status::Invalid(p),
            against.clone(),
        )
    };
    // A letter, then letters or digits: most categories are letter-digit-alphanumeric, but
    // FY2026 added letter-letter ones (QA0.0101), so the second character is not checked.
    let shape =
        code.len() >= 3 && code.len() <= 7 && code.starts_with(|c: char| c.is_ascii_uppercase());
    if !shape {
        let why = if code.len() > 7 {
            format!(
                "{code} is {} characters long; ICD-10-CM codes have 3 to 7.",
                code.len()
            )
        } else {
            format!(
                "{} is not an ICD-10-CM code: those are a letter, then 2 to 6 letters or digits (like E11.9 or S72.001A).",
                if code.is_empty() {
                    "An empty entry".to_string()
                } else {
                    code.to_string()
                }
            )
        };
        return invalid(Problem::Malformed(why), None);
    }
    if let Some(i) = set.find_index(code) {
        let node = &set.nodes[i];
        if node.billable {
            return result(
                code,
                CodeSystem::Icd10Cm,
                Some(node.title.clone()),
                Status::Valid,
                against,
            );
        }
        let children = set.billable_descendants(i);
        let seventh: Vec<(char, String)> = children
            .iter()
            .filter(|c| c.code.len() == 7 && c.parent == Some(i as u32) && code.len() < 7)
            .filter_map(|c| {
                let ch = c.code.chars().last()?;
                let meaning = c.title.strip_prefix(&node.title)?.trim_start_matches(", ");
                Some((ch, meaning.to_string()))
            })
            .collect();
        if !seventh.is_empty() && seventh.len() == children.len() {
            return invalid(
                Problem::MissingSeventh { options: seventh },
                Some(node.title.clone()),
            );
        }
        let more = children.len().saturating_sub(CHILDREN_SHOWN);
        return invalid(
            Problem::NotBillable {
                children: children
                    .iter()
                    .take(CHILDREN_SHOWN)
                    .map(|c| (c.code.clone(), c.title.clone()))
                    .collect(),
                more,
            },
            Some(node.title.clone()),
        );
    }
    // The 7th character typed straight after a short code: T78.07A for T78.07XA.
    if code.len() < 7 && code.len() >= 4 {
        let (stem, last) = code.split_at(code.len() - 1);
        let padded = format!("{stem:X<6}{last}");
        if let Some(n) = set.find(&padded) {
            return invalid(
                Problem::MissingPlaceholder {
                    with_placeholder: padded,
                },
                Some(n.title.clone()),
            );
        }
    }
    // Valid in the other fiscal year shipped: added or deleted.
    for other in super::CM_YEARS {
        if other == fy {
            continue;
        }
        if let Some(n) = sets.cm(other).find(code).filter(|n| n.billable) {
            return invalid(
                Problem::NotValidOnDate {
                    valid_in: other,
                    used_on: date,
                },
                Some(n.title.clone()),
            );
        }
    }
    invalid(Problem::NotACode, None)
}

/// What the first character of a PCS code names.
fn pcs_section(c: char) -> Option<&'static str> {
    Some(match c {
        '0' => "Medical and Surgical",
        '1' => "Obstetrics",
        '2' => "Placement",
        '3' => "Administration",
        '4' => "Measurement and Monitoring",
        '5' => "Extracorporeal or Systemic Assistance and Performance",
        '6' => "Extracorporeal or Systemic Therapies",
        '7' => "Osteopathic",
        '8' => "Other Procedures",
        '9' => "Chiropractic",
        'B' => "Imaging",
        'C' => "Nuclear Medicine",
        'D' => "Radiation Therapy",
        'F' => "Physical Rehabilitation and Diagnostic Audiology",
        'G' => "Mental Health",
        'H' => "Substance Abuse Treatment",
        'X' => "New Technology",
        _ => return None,
    })
}

fn check_pcs(sets: &CodeSets, code: &str) -> CheckResult {
    let against = "ICD-10-PCS FY2025, section 0 only".to_string();
    let invalid = |p: Problem| {
        result(
            code,
            CodeSystem::Icd10Pcs,
            None,
            Status::Invalid(p),
            against.clone(),
        )
    };
    let shape = code.len() == 7
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && c != 'O' && c != 'I');
    if !shape {
        return invalid(Problem::Malformed(format!(
            "{} is not an ICD-10-PCS code: those are 7 letters or digits (no O or I), like 0DTJ4ZZ.",
            if code.is_empty() {
                "An empty entry"
            } else {
                code
            }
        )));
    }
    let first = code.chars().next().unwrap_or('?');
    let Some(section) = pcs_section(first) else {
        return invalid(Problem::Malformed(format!(
            "{code} does not start with a PCS section character."
        )));
    };
    if !super::pcs::SECTIONS_SHIPPED.contains(&first) {
        return result(
            code,
            CodeSystem::Icd10Pcs,
            None,
            Status::Unverified(format!(
                "section {first} ({section}) is not in the PCS file shipped, which has section 0 only"
            )),
            against,
        );
    }
    match sets.pcs.find(code) {
        Some(c) => result(
            code,
            CodeSystem::Icd10Pcs,
            Some(c.title.clone()),
            Status::Valid,
            against,
        ),
        None => invalid(Problem::NotACode),
    }
}

fn check_hcpcs(sets: &CodeSets, code: &str, date: NaiveDate) -> CheckResult {
    let against = "HCPCS Level II, CMS 2020 file".to_string();
    if code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()) {
        return result(
            code,
            CodeSystem::Hcpcs,
            None,
            Status::Unverified(
                "five digits is a CPT code, which chartroom does not carry (AMA copyright); check it in your licensed CPT".into(),
            ),
            against,
        );
    }
    if code.len() == 5 && code.starts_with('D') && code[1..].chars().all(|c| c.is_ascii_digit()) {
        return result(
            code,
            CodeSystem::Hcpcs,
            None,
            Status::Unverified(
                "D codes are CDT dental codes, which chartroom does not carry (ADA copyright)"
                    .into(),
            ),
            against,
        );
    }
    let invalid = |p: Problem, t: Option<String>| {
        result(
            code,
            CodeSystem::Hcpcs,
            t,
            Status::Invalid(p),
            against.clone(),
        )
    };
    let Some(c) = sets.hcpcs.find(code) else {
        let shape = (code.len() == 5
            && code.starts_with(|c: char| c.is_ascii_uppercase())
            && code[1..].chars().all(|c| c.is_ascii_digit()))
            || code.len() == 2;
        return if shape {
            invalid(Problem::NotACode, None)
        } else {
            invalid(
                Problem::Malformed(format!(
                    "{} is not a HCPCS code: those are a letter and 4 digits (like E0114), modifiers 2 characters.",
                    if code.is_empty() {
                        "An empty entry"
                    } else {
                        code
                    }
                )),
                None,
            )
        };
    };
    let title = Some(match c.kind {
        HcpcsKind::Modifier => format!("modifier: {}", c.title),
        HcpcsKind::Procedure => c.title.clone(),
    });
    if let Some(t) = c.terminated.filter(|t| *t < date) {
        return invalid(Problem::Terminated(t), title);
    }
    if let Some(a) = c.added.filter(|a| *a > date) {
        return invalid(Problem::NotYetValid(a), title);
    }
    result(code, CodeSystem::Hcpcs, title, Status::Valid, against)
}
