//! What a clerk typed into the one search box, understood without mode switches: name parts in
//! any order or `family, given`; an MRN or its leading digits; a date of birth in the common
//! forms; VistA's initial + last four of the SSN (`S1234`); phone digits; a whole SSN.

use chrono::{Datelike, NaiveDate};

/// Longest query we read; the rest is ignored (a pasted page must not stall the index).
pub const MAX_QUERY_CHARS: usize = 120;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Query {
    /// Folded name parts that may match any name part of the patient.
    pub names: Vec<String>,
    /// From `family, given` input: parts that must match the family name.
    pub family: Vec<String>,
    /// Digits that may be an MRN or its leading part.
    pub mrn_prefix: Option<String>,
    pub dob: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// `S1234`: family initial (folded) and the SSN's last four.
    pub initial_ssn4: Option<(char, String)>,
    /// Ten or seven digits.
    pub phone: Option<String>,
    /// Nine digits.
    pub ssn: Option<String>,
    /// Letters and digits that may be another identifier (licence, Medicare, insurance),
    /// normalised to upper case without punctuation.
    pub identifier: Option<String>,
    /// Parts that were not understood, in words for the status line.
    pub problems: Vec<String>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.family.is_empty()
            && self.mrn_prefix.is_none()
            && self.dob.is_none()
            && self.birth_year.is_none()
            && self.initial_ssn4.is_none()
            && self.phone.is_none()
            && self.ssn.is_none()
            && self.identifier.is_none()
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// `Mar`, `march`, `Sept.` -> the month number; at least three letters.
fn month_of(token: &str) -> Option<u32> {
    let t = token.trim_end_matches(['.', ',']).to_ascii_lowercase();
    if t.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(t.as_str()))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// Two-digit years: up to this year's two digits is 20xx, above is 19xx.
fn full_year(y: i32, today: NaiveDate) -> i32 {
    if y >= 100 {
        return y;
    }
    let century_cut = today.year() % 100;
    if y <= century_cut { 2000 + y } else { 1900 + y }
}

fn date_or_problem(
    y: i32,
    m: u32,
    d: u32,
    text: &str,
    problems: &mut Vec<String>,
) -> Option<NaiveDate> {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => Some(date),
        None => {
            problems.push(format!("{text} is not a real date"));
            None
        }
    }
}

fn parse_numeric_date(
    token: &str,
    today: NaiveDate,
    problems: &mut Vec<String>,
) -> Option<Option<NaiveDate>> {
    let parts: Vec<&str> = token.split(['-', '/', '.']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let lens = [parts[0].len(), parts[1].len(), parts[2].len()];
    let iso = lens[0] == 4 && lens[1] <= 2 && lens[2] <= 2;
    let us = lens[0] <= 2 && lens[1] <= 2 && (lens[2] == 2 || lens[2] == 4);
    if !iso && !us {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse::<i64>().unwrap_or(-1))
        .collect();
    let (y, m, d) = if parts[0].len() == 4 {
        (nums[0], nums[1], nums[2]) // 1980-03-04
    } else {
        (nums[2], nums[0], nums[1]) // 03/04/1980, 3/4/80 (US order)
    };
    let y = full_year(i32::try_from(y).unwrap_or(-1), today);
    Some(date_or_problem(
        y,
        u32::try_from(m).unwrap_or(0),
        u32::try_from(d).unwrap_or(0),
        token,
        problems,
    ))
}

fn digits_only(s: &str) -> Option<String> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    let rest_ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '(' | ')' | '-' | '.' | '+' | ' '));
    (rest_ok && !d.is_empty()).then_some(d)
}

/// A date of birth typed alone, in any of the forms search understands.
pub fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let q = parse(text, today);
    if let Some(p) = q.problems.first() {
        return Err(p.clone());
    }
    match (q.dob, q.names.is_empty()) {
        (Some(d), true) => Ok(d),
        _ => Err("not a date: use YYYY-MM-DD or MM/DD/YYYY".into()),
    }
}

/// Parses `input` as typed on `today` (for two-digit years and future dates).
pub fn parse(input: &str, today: NaiveDate) -> Query {
    let mut q = Query::default();
    let cleaned: String = input
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if input.chars().count() > MAX_QUERY_CHARS {
        q.problems.push(format!(
            "only the first {MAX_QUERY_CHARS} characters are searched"
        ));
    }
    // "smith, john": before the comma is the family name.
    let (family_part, rest) = match cleaned.split_once(',') {
        Some((f, r)) => (Some(f.to_string()), r.to_string()),
        None => (None, cleaned.clone()),
    };
    if let Some(f) = &family_part {
        q.family = super::fold::name_tokens(f);
    }
    // A phone number written with spaces, "(503) 555-0101", is one thing.
    let whole_digits = digits_only(rest.trim());
    if let Some(d) = whole_digits
        .as_ref()
        .filter(|d| rest.trim().contains([' ', '(', ')']) && (d.len() == 10 || d.len() == 7))
    {
        q.phone = Some(d.clone());
        return q;
    }
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        // "4 Mar 1980" and "Mar 4 1980"
        if i + 2 < tokens.len() {
            let (a, b, c) = (tokens[i], tokens[i + 1], tokens[i + 2]);
            let num = |s: &str| s.trim_end_matches(',').parse::<u32>().ok();
            let as_date = match (
                num(a),
                month_of(b),
                month_of(a),
                num(b),
                c.parse::<i32>().ok(),
            ) {
                (Some(d), Some(m), _, _, Some(y)) => Some((y, m, d)),
                (_, _, Some(m), Some(d), Some(y)) => Some((y, m, d)),
                _ => None,
            };
            if let Some((y, m, d)) = as_date {
                let text = format!("{a} {b} {c}");
                q.dob =
                    date_or_problem(full_year(y, today), m, d, &text, &mut q.problems).or(q.dob);
                i += 3;
                continue;
            }
        }
        if let Some(parsed) = parse_numeric_date(t, today, &mut q.problems) {
            if let Some(d) = parsed {
                if d > today {
                    q.problems.push(format!("{t} is in the future"));
                } else {
                    q.dob = Some(d);
                }
            }
            i += 1;
            continue;
        }
        let bytes = t.as_bytes();
        if bytes.len() == 5
            && bytes[0].is_ascii_alphabetic()
            && bytes[1..].iter().all(u8::is_ascii_digit)
        {
            q.initial_ssn4 = Some((
                char::from(bytes[0].to_ascii_lowercase()),
                t[1..].to_string(),
            ));
            i += 1;
            continue;
        }
        if let Some(d) = digits_only(t) {
            let year = d
                .parse::<i32>()
                .ok()
                .filter(|y| d.len() == 4 && (1900..=today.year()).contains(y));
            match d.len() {
                9 => q.ssn = Some(d.clone()),
                10 => q.phone = Some(d.clone()),
                7 => q.phone = Some(d.clone()),
                _ => {}
            }
            if d.len() >= 5 {
                q.identifier = Some(d.clone());
            }
            if d.len() <= 8 && !t.contains('-') {
                if let Some(y) = year {
                    q.birth_year = Some(y);
                }
                q.mrn_prefix = Some(d);
            }
            i += 1;
            continue;
        }
        let normalized = crate::domain::patient::Identifier::normalized(t);
        if normalized.len() >= 5
            && normalized.bytes().any(|b| b.is_ascii_digit())
            && normalized.bytes().any(|b| b.is_ascii_alphabetic())
        {
            q.identifier = Some(normalized);
            i += 1;
            continue;
        }
        q.names.extend(super::fold::name_tokens(t));
        i += 1;
    }
    // With a name, a four-digit year is the birth year, not an MRN prefix.
    if q.birth_year.is_some() && (!q.names.is_empty() || !q.family.is_empty()) {
        q.mrn_prefix = None;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn query_table() {
        let cases: Vec<(&str, Query)> = vec![
            (
                "smi jo",
                Query {
                    names: names(&["smi", "jo"]),
                    ..Default::default()
                },
            ),
            (
                "john smith",
                Query {
                    names: names(&["john", "smith"]),
                    ..Default::default()
                },
            ),
            (
                "smith, john",
                Query {
                    family: names(&["smith"]),
                    names: names(&["john"]),
                    ..Default::default()
                },
            ),
            (
                "Alemán",
                Query {
                    names: names(&["aleman"]),
                    ..Default::default()
                },
            ),
            (
                "00000018",
                Query {
                    mrn_prefix: Some("00000018".into()),
                    identifier: Some("00000018".into()),
                    ..Default::default()
                },
            ),
            (
                "0001",
                Query {
                    mrn_prefix: Some("0001".into()),
                    ..Default::default()
                },
            ),
            (
                "1980-03-04",
                Query {
                    dob: d(1980, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "03/04/1980",
                Query {
                    dob: d(1980, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "3/4/80",
                Query {
                    dob: d(1980, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "3/4/05",
                Query {
                    dob: d(2005, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "4 Mar 1980",
                Query {
                    dob: d(1980, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "March 4 1980",
                Query {
                    dob: d(1980, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "smith 1980",
                Query {
                    names: names(&["smith"]),
                    birth_year: Some(1980),
                    ..Default::default()
                },
            ),
            (
                "smith 3/4/80",
                Query {
                    names: names(&["smith"]),
                    dob: d(1980, 3, 4),
                    ..Default::default()
                },
            ),
            (
                "S1234",
                Query {
                    initial_ssn4: Some(('s', "1234".into())),
                    ..Default::default()
                },
            ),
            (
                "(503) 555-0101",
                Query {
                    phone: Some("5035550101".into()),
                    ..Default::default()
                },
            ),
            (
                "5035550101",
                Query {
                    phone: Some("5035550101".into()),
                    identifier: Some("5035550101".into()),
                    ..Default::default()
                },
            ),
            (
                "123-45-6789",
                Query {
                    ssn: Some("123456789".into()),
                    identifier: Some("123456789".into()),
                    ..Default::default()
                },
            ),
            (
                "OR1234567",
                Query {
                    identifier: Some("OR1234567".into()),
                    ..Default::default()
                },
            ),
            (
                "1eg4-te5-mk73 smith",
                Query {
                    identifier: Some("1EG4TE5MK73".into()),
                    names: names(&["smith"]),
                    ..Default::default()
                },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input, today()), want, "{input:?}");
        }
    }

    #[test]
    fn bad_input_gives_a_message_or_nothing_never_a_panic() {
        let q = parse("31/02/1990", today());
        assert_eq!(
            q.problems,
            vec!["31/02/1990 is not a real date".to_string()]
        );
        assert!(q.is_empty());
        assert!(parse("", today()).is_empty());
        assert!(parse("   \n\t ", today()).is_empty());
        let long = "a".repeat(10_000);
        let q = parse(&long, today());
        assert_eq!(q.names, vec!["a".repeat(MAX_QUERY_CHARS)]);
        assert!(q.problems[0].contains("first 120"));
        let q = parse("smith\njohn\u{1b}[2J", today());
        assert_eq!(q.names, names(&["smith", "john", "2j"]));
        assert!(parse("1/1/2099", today()).problems[0].contains("future"));
    }

    proptest::proptest! {
        #[test]
        fn any_input_parses(s in proptest::prelude::any::<String>()) {
            let _ = parse(&s, today());
        }
    }
}
