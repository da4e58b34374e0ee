//! HCPCS Level II (the CMS alpha-numeric file): procedure and supply codes with their add and
//! termination dates, and the two-character modifiers. No CPT and no CDT is in it.

use super::CodeSetError;
use chrono::NaiveDate;
use std::io::BufRead;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HcpcsKind {
    Procedure,
    Modifier,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HcpcsCode {
    pub code: String,
    pub kind: HcpcsKind,
    pub title: String,
    pub added: Option<NaiveDate>,
    /// The last day the code may be used; `None` while active.
    pub terminated: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default)]
pub struct HcpcsCodeSet {
    /// Sorted by code.
    pub codes: Vec<HcpcsCode>,
}

impl HcpcsCodeSet {
    pub fn find(&self, code: &str) -> Option<&HcpcsCode> {
        self.codes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.codes[i])
    }
}

/// The rows of a tab-separated file after its header, each with its line number; a row with
/// fewer than `fields` fields is an error naming the file and the line.
pub(super) fn tsv_rows<'a>(
    input: impl BufRead + 'a,
    file: &'static str,
    fields: usize,
) -> impl Iterator<Item = (usize, Result<Vec<String>, CodeSetError>)> + 'a {
    input.lines().enumerate().skip(1).map(move |(i, line)| {
        let n = i + 1;
        let malformed = |what: String| CodeSetError::Malformed {
            file: file.into(),
            at: format!("line {n}"),
            what,
        };
        let row = line.map_err(|e| malformed(e.to_string())).and_then(|l| {
            let f: Vec<String> = l.split('\t').map(str::to_string).collect();
            if f.len() < fields {
                Err(malformed(format!(
                    "expected {fields} tab-separated fields, found {}",
                    f.len()
                )))
            } else {
                Ok(f)
            }
        });
        (n, row)
    })
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

pub fn parse(input: impl BufRead) -> Result<HcpcsCodeSet, CodeSetError> {
    let mut codes = Vec::new();
    for (n, row) in tsv_rows(input, "HCPCS file", 8) {
        let row = row?;
        let kind = match row[1].as_str() {
            "procedure" => HcpcsKind::Procedure,
            "modifier" => HcpcsKind::Modifier,
            other => {
                return Err(CodeSetError::Malformed {
                    file: "HCPCS file".into(),
                    at: format!("line {n}"),
                    what: format!("kind {other:?} is neither procedure nor modifier"),
                });
            }
        };
        codes.push(HcpcsCode {
            code: row[0].clone(),
            kind,
            title: row[3].clone(),
            added: date(&row[4]),
            terminated: date(&row[6]),
        });
    }
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(HcpcsCodeSet { codes })
}
