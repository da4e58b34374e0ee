//! The new-patient form's rules, as plain functions of what was typed: each problem is tied to
//! the field it belongs to, so the screen can show it next to that field.

use super::patient::{
    Address, EmergencyContact, IDENTIFIER_KINDS, Identifier, LegalRepresentative, NewPatient,
    Patient, PatientDetails, Phone, PhoneUse, RepresentativeKind, Sex, age_on,
};
use super::search::query::parse_date;
use chrono::NaiveDate;

/// How many fields the form has.
pub const FIELD_COUNT: usize = 17;

/// The form's fields, in screen order: label, required, hint.
pub const FIELDS: [(&str, bool, &str); FIELD_COUNT] = [
    ("Family name", true, ""),
    ("Given names", true, ""),
    ("Preferred name", false, ""),
    ("Date of birth", true, "YYYY-MM-DD or MM/DD/YYYY"),
    ("Sex", true, "F, M or U"),
    ("Admin. gender", false, ""),
    ("Street", false, ""),
    ("City", false, ""),
    ("State", false, "2 letters"),
    ("ZIP", false, "12345 or 12345-6789"),
    ("Phone", false, "10 digits"),
    ("Other phones", false, "mobile 503-555-0102, work ..."),
    ("SSN", false, "9 digits: NNN-NN-NNNN"),
    ("Identifiers", false, "DL|MBI|MCD|INS|PP|MR|ID number, ..."),
    ("Language", false, ""),
    ("Emergency", false, "name; relationship; phone"),
    (
        "Representative",
        false,
        "guardian|parent|poa; name; document",
    ),
];

pub const FAMILY: usize = 0;
pub const GIVEN: usize = 1;
pub const PREFERRED: usize = 2;
pub const DOB: usize = 3;
pub const SEX: usize = 4;
pub const GENDER: usize = 5;
pub const STREET: usize = 6;
pub const CITY: usize = 7;
pub const STATE: usize = 8;
pub const ZIP: usize = 9;
pub const PHONE: usize = 10;
pub const OTHER_PHONES: usize = 11;
pub const SSN: usize = 12;
pub const IDENTIFIERS: usize = 13;
pub const LANGUAGE: usize = 14;
pub const EMERGENCY: usize = 15;
pub const REPRESENTATIVE: usize = 16;

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn name_problem(s: &str) -> Option<String> {
    if s.chars().any(|c| c.is_ascii_digit()) {
        Some("a name has no digits".into())
    } else if s.chars().count() > 60 {
        Some("at most 60 characters".into())
    } else {
        None
    }
}

/// 10 digits, written any common way: `(503) 555-0101`, `503.555.0101`.
fn phone(s: &str) -> Result<String, String> {
    let d = digits(s);
    let shape_ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || " ()-.+".contains(c));
    match (shape_ok, d.len()) {
        (true, 10) => Ok(d),
        (true, 11) if d.starts_with('1') => Ok(d[1..].to_string()),
        _ => Err("a phone number has 10 digits".into()),
    }
}

fn ssn(s: &str) -> Result<String, String> {
    let d = digits(s);
    if d.len() != 9
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    {
        return Err("an SSN has 9 digits: NNN-NN-NNNN".into());
    }
    let (area, group, serial) = (&d[..3], &d[3..5], &d[5..]);
    if area == "000" || area == "666" || area.starts_with('9') || group == "00" || serial == "0000"
    {
        return Err("not a number the SSA issues; check it with the patient".into());
    }
    Ok(d)
}

/// `mobile 503-555-0102, work 503 555 0199`: a use word (home, mobile/cell, work, other) is
/// optional before each number.
fn other_phones(s: &str) -> Result<Vec<Phone>, String> {
    let mut out = Vec::new();
    for item in s.split([',', ';']).map(str::trim).filter(|i| !i.is_empty()) {
        let (use_, number) = match item.split_once(' ') {
            Some((w, rest)) if PhoneUse::parse(w).is_some() => {
                (PhoneUse::parse(w).unwrap_or(PhoneUse::Other), rest)
            }
            _ if item.chars().next().is_some_and(char::is_alphabetic) => {
                return Err(format!(
                    "'{}' is not home, mobile, work or other",
                    item.split(' ').next().unwrap_or(item)
                ));
            }
            _ => (PhoneUse::Other, item),
        };
        let number = phone(number).map_err(|e| format!("{item}: {e}"))?;
        out.push(Phone { use_, number });
    }
    Ok(out)
}

/// `DL OR1234567, MBI 1EG4-TE5-MK73`: a kind code, then the number as on the card.
fn identifiers(s: &str) -> Result<Vec<Identifier>, String> {
    let mut out = Vec::new();
    for item in s.split([',', ';']).map(str::trim).filter(|i| !i.is_empty()) {
        let Some((kind, value)) = item.split_once(' ') else {
            return Err(format!("'{item}': a kind, then the number (DL OR1234567)"));
        };
        let kind = kind.to_ascii_uppercase();
        if !IDENTIFIER_KINDS.iter().any(|(k, _)| *k == kind) {
            let known: Vec<&str> = IDENTIFIER_KINDS.iter().map(|(k, _)| *k).collect();
            return Err(format!("'{kind}' is not one of {}", known.join(", ")));
        }
        let value = value.trim();
        if Identifier::normalized(value).len() < 4 {
            return Err(format!("{kind} {value}: at least 4 letters or digits"));
        }
        out.push(Identifier {
            kind,
            value: value.to_string(),
        });
    }
    Ok(out)
}

/// The form as it would have been typed for `p`: the edit form starts from this, and
/// [`check`] of it gives `p`'s demographics back.
pub fn values_of(p: &Patient) -> [String; FIELD_COUNT] {
    let mut v: [String; FIELD_COUNT] = Default::default();
    v[FAMILY] = p.family_name.clone();
    v[GIVEN] = p.given_names.join(" ");
    v[PREFERRED] = p.details.preferred_name.clone().unwrap_or_default();
    v[DOB] = p.dob.format("%Y-%m-%d").to_string();
    v[SEX] = p.sex.letter().to_string();
    v[GENDER] = p.details.administrative_gender.clone().unwrap_or_default();
    if let Some(a) = &p.address {
        v[STREET] = a.line.clone();
        v[CITY] = a.city.clone();
        v[STATE] = a.state.clone();
        v[ZIP] = a.zip.clone();
    }
    v[PHONE] = p.phone.clone().unwrap_or_default();
    v[OTHER_PHONES] = p
        .details
        .other_phones
        .iter()
        .map(|ph| format!("{} {}", ph.use_.label(), ph.number))
        .collect::<Vec<_>>()
        .join(", ");
    v[SSN] = p.ssn.clone().unwrap_or_default();
    v[IDENTIFIERS] = p
        .details
        .identifiers
        .iter()
        .map(|i| format!("{} {}", i.kind, i.value))
        .collect::<Vec<_>>()
        .join(", ");
    v[LANGUAGE] = p.details.language.clone().unwrap_or_default();
    if let Some(e) = &p.details.emergency_contact {
        v[EMERGENCY] = format!("{}; {}; {}", e.name, e.relationship, e.phone);
    }
    if let Some(r) = &p.details.legal_representative {
        let kind = match r.kind {
            RepresentativeKind::Guardian => "guardian",
            RepresentativeKind::ParentOfMinor => "parent",
            RepresentativeKind::PowerOfAttorney => "poa",
        };
        v[REPRESENTATIVE] = format!("{kind}; {}; {}", r.name, r.authority_document);
    }
    v
}

/// Checks what was typed; on success the patient to register, otherwise every problem with
/// the field it belongs to.
pub fn check(
    values: &[String; FIELD_COUNT],
    today: NaiveDate,
) -> Result<NewPatient, Vec<(usize, String)>> {
    let mut problems: Vec<(usize, String)> = Vec::new();
    let v = |i: usize| values[i].trim();
    for (i, (_, required, _)) in FIELDS.iter().enumerate() {
        if *required && v(i).is_empty() {
            problems.push((i, "required".into()));
        }
    }
    for i in [FAMILY, GIVEN, PREFERRED] {
        if let Some(p) = name_problem(v(i)) {
            problems.push((i, p));
        }
    }
    let dob = if v(DOB).is_empty() {
        None
    } else {
        match parse_date(v(DOB), today) {
            Ok(d) if d > today => {
                problems.push((DOB, "in the future".into()));
                None
            }
            Ok(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(d) => {
                problems.push((DOB, "before 1900; check the year".into()));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                problems.push((DOB, e));
                None
            }
        }
    };
    let sex = match v(SEX).to_ascii_lowercase().as_str() {
        "" => None,
        "f" | "female" => Some(Sex::Female),
        "m" | "male" => Some(Sex::Male),
        "u" | "unknown" => Some(Sex::Unknown),
        _ => {
            problems.push((SEX, "F, M or U".into()));
            None
        }
    };
    let any_address = [STREET, CITY, STATE, ZIP].iter().any(|i| !v(*i).is_empty());
    let mut address = None;
    if any_address {
        for i in [STREET, CITY, STATE, ZIP] {
            if v(i).is_empty() {
                problems.push((i, "needed for an address".into()));
            }
        }
        let state = v(STATE).to_ascii_uppercase();
        let two_letters = state.len() == 2 && state.chars().all(|c| c.is_ascii_uppercase());
        if !state.is_empty() && !two_letters {
            problems.push((STATE, "two letters, such as OR".into()));
        }
        let zip = v(ZIP);
        let zip_ok = {
            let d = digits(zip);
            (d.len() == 5 || d.len() == 9) && zip.chars().all(|c| c.is_ascii_digit() || c == '-')
        };
        if !zip.is_empty() && !zip_ok {
            problems.push((ZIP, "5 or 9 digits".into()));
        }
        address = Some(Address {
            line: v(STREET).to_string(),
            city: v(CITY).to_string(),
            state,
            zip: zip.to_string(),
        });
    }
    let phone_number = match opt(v(PHONE)).map(|p| phone(&p)) {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            problems.push((PHONE, e));
            None
        }
        None => None,
    };
    let ssn_number = match opt(v(SSN)).map(|s| ssn(&s)) {
        Some(Ok(s)) => Some(format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..])),
        Some(Err(e)) => {
            problems.push((SSN, e));
            None
        }
        None => None,
    };
    let more_phones = other_phones(v(OTHER_PHONES)).unwrap_or_else(|e| {
        problems.push((OTHER_PHONES, e));
        Vec::new()
    });
    let more_ids = identifiers(v(IDENTIFIERS)).unwrap_or_else(|e| {
        problems.push((IDENTIFIERS, e));
        Vec::new()
    });
    let emergency_contact = match opt(v(EMERGENCY)) {
        None => None,
        Some(text) => {
            let parts: Vec<&str> = text.split(';').map(str::trim).collect();
            match parts.as_slice() {
                [name, relationship, ph] if !name.is_empty() && !relationship.is_empty() => {
                    match phone(ph) {
                        Ok(p) => Some(EmergencyContact {
                            name: name.to_string(),
                            relationship: relationship.to_string(),
                            phone: p,
                        }),
                        Err(e) => {
                            problems.push((EMERGENCY, e));
                            None
                        }
                    }
                }
                _ => {
                    problems.push((EMERGENCY, "name; relationship; phone".into()));
                    None
                }
            }
        }
    };
    let legal_representative = match opt(v(REPRESENTATIVE)) {
        None => None,
        Some(text) => {
            let parts: Vec<&str> = text.split(';').map(str::trim).collect();
            let kind = |k: &str| match k.to_ascii_lowercase().as_str() {
                "guardian" => Some(RepresentativeKind::Guardian),
                "parent" | "parent of minor" => Some(RepresentativeKind::ParentOfMinor),
                "poa" | "power of attorney" => Some(RepresentativeKind::PowerOfAttorney),
                _ => None,
            };
            match parts.as_slice() {
                [k, name, document]
                    if kind(k).is_some() && !name.is_empty() && !document.is_empty() =>
                {
                    let kind = kind(k).unwrap_or(RepresentativeKind::Guardian);
                    if kind == RepresentativeKind::ParentOfMinor
                        && dob.is_some_and(|d| age_on(d, today) >= 18)
                    {
                        problems.push((
                            REPRESENTATIVE,
                            "the patient is an adult: a parent needs guardianship".into(),
                        ));
                    }
                    Some(LegalRepresentative {
                        kind,
                        name: name.to_string(),
                        authority_document: document.to_string(),
                    })
                }
                _ => {
                    problems.push((
                        REPRESENTATIVE,
                        "guardian|parent|poa; name; the document that gives authority".into(),
                    ));
                    None
                }
            }
        }
    };
    problems.sort_by_key(|(i, _)| *i);
    problems.dedup_by_key(|(i, _)| *i);
    match (dob, sex, problems.is_empty()) {
        (Some(dob), Some(sex), true) => Ok(NewPatient {
            family_name: v(FAMILY).to_string(),
            given_names: v(GIVEN).split_whitespace().map(str::to_string).collect(),
            dob,
            sex,
            address,
            phone: phone_number,
            ssn: ssn_number,
            details: PatientDetails {
                preferred_name: opt(v(PREFERRED)),
                administrative_gender: opt(v(GENDER)),
                language: opt(v(LANGUAGE)),
                emergency_contact,
                legal_representative,
                other_phones: more_phones,
                identifiers: more_ids,
            },
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn form(pairs: &[(usize, &str)]) -> [String; FIELD_COUNT] {
        let mut v: [String; FIELD_COUNT] = Default::default();
        v[FAMILY] = "Alemán".into();
        v[GIVEN] = "José Luis".into();
        v[DOB] = "1980-03-04".into();
        v[SEX] = "m".into();
        for (i, s) in pairs {
            v[*i] = s.to_string();
        }
        v
    }

    #[test]
    fn a_complete_form_becomes_a_patient() {
        let p = check(
            &form(&[
                (STREET, "12 Elm St"),
                (CITY, "Bend"),
                (STATE, "or"),
                (ZIP, "97701"),
                (PHONE, "(541) 555-0101"),
                (OTHER_PHONES, "mobile 541-555-0103, 541 555 0104"),
                (SSN, "123-45-6789"),
                (IDENTIFIERS, "dl OR1234567; MBI 1EG4-TE5-MK73"),
                (EMERGENCY, "Ana Alemán; wife; 541 555 0102"),
                (REPRESENTATIVE, "poa; Ana Alemán; POA form 2024-01"),
            ]),
            today(),
        )
        .unwrap();
        assert_eq!(p.given_names, ["José", "Luis"]);
        assert_eq!(p.address.as_ref().unwrap().state, "OR");
        assert_eq!(p.phone.as_deref(), Some("5415550101"));
        assert_eq!(p.ssn.as_deref(), Some("123-45-6789"));
        assert_eq!(
            p.details.legal_representative.as_ref().unwrap().kind,
            RepresentativeKind::PowerOfAttorney
        );
        assert_eq!(
            p.details.other_phones,
            vec![
                Phone {
                    use_: PhoneUse::Mobile,
                    number: "5415550103".into()
                },
                Phone {
                    use_: PhoneUse::Other,
                    number: "5415550104".into()
                }
            ]
        );
        assert_eq!(p.details.identifiers[0].kind, "DL");
        assert_eq!(p.details.identifiers[1].value, "1EG4-TE5-MK73");
        assert_eq!(
            p.details.emergency_contact.as_ref().unwrap().phone,
            "5415550102"
        );
        // The edit form starts from the stored values and reads back the same patient.
        let stored = Patient::from_new("0000013".into(), &p, chrono::Utc::now(), "registrar");
        let again = check(&values_of(&stored), today()).unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn problems_name_their_field() {
        type Case<'a> = (&'a [(usize, &'a str)], usize, &'a str);
        let cases: &[Case] = &[
            (&[(FAMILY, "")], FAMILY, "required"),
            (&[(GIVEN, "J0se")], GIVEN, "no digits"),
            (&[(DOB, "31/02/1990")], DOB, "not a real date"),
            (&[(DOB, "2027-01-01")], DOB, "future"),
            (&[(DOB, "1850-01-01")], DOB, "before 1900"),
            (&[(DOB, "soon")], DOB, "not a date"),
            (&[(SEX, "x")], SEX, "F, M or U"),
            (&[(CITY, "Bend")], STREET, "needed for an address"),
            (
                &[
                    (STREET, "1 A St"),
                    (CITY, "B"),
                    (STATE, "Oregon"),
                    (ZIP, "97701"),
                ],
                STATE,
                "two letters",
            ),
            (
                &[(STREET, "1 A St"), (CITY, "B"), (STATE, "OR"), (ZIP, "977")],
                ZIP,
                "5 or 9",
            ),
            (&[(PHONE, "555-0101")], PHONE, "10 digits"),
            (&[(SSN, "12-345")], SSN, "9 digits"),
            (
                &[(OTHER_PHONES, "pager 5415550101")],
                OTHER_PHONES,
                "not home",
            ),
            (&[(OTHER_PHONES, "mobile 555")], OTHER_PHONES, "10 digits"),
            (&[(IDENTIFIERS, "XX 12345")], IDENTIFIERS, "not one of"),
            (&[(IDENTIFIERS, "DL")], IDENTIFIERS, "a kind, then"),
            (&[(IDENTIFIERS, "DL 1")], IDENTIFIERS, "at least 4"),
            (&[(SSN, "666-12-3456")], SSN, "not a number the SSA issues"),
            (
                &[(EMERGENCY, "Ana")],
                EMERGENCY,
                "name; relationship; phone",
            ),
            (
                &[(REPRESENTATIVE, "friend; Bo; none")],
                REPRESENTATIVE,
                "guardian|parent|poa",
            ),
            (
                &[(REPRESENTATIVE, "parent; Bo; birth certificate")],
                REPRESENTATIVE,
                "adult",
            ),
        ];
        for (pairs, field, text) in cases {
            let problems = check(&form(pairs), today()).unwrap_err();
            assert!(
                problems.iter().any(|(f, p)| f == field && p.contains(text)),
                "{pairs:?}: {problems:?}"
            );
        }
        let child = form(&[
            (DOB, "3/4/2015"),
            (REPRESENTATIVE, "parent; Ana; birth certificate"),
        ]);
        assert!(check(&child, today()).is_ok());
    }
}
