//! ICD-10-PCS, FY2025, as shipped: section 0 (Medical and Surgical) only. A code of another
//! section cannot be checked here and is accepted as unverified, never called wrong.

use super::CodeSetError;
use std::io::BufRead;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcsCode {
    pub code: String,
    pub title: String,
}

#[derive(Clone, Debug, Default)]
pub struct PcsCodeSet {
    /// Sorted by code.
    pub codes: Vec<PcsCode>,
}

/// The sections this file covers (the first character of a code).
pub const SECTIONS_SHIPPED: &[char] = &['0'];

impl PcsCodeSet {
    pub fn find(&self, code: &str) -> Option<&PcsCode> {
        self.codes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.codes[i])
    }
}

pub fn parse(input: impl BufRead) -> Result<PcsCodeSet, CodeSetError> {
    let mut codes = Vec::new();
    for (_, row) in super::hcpcs::tsv_rows(input, "ICD-10-PCS file", 4) {
        let row = row?;
        codes.push(PcsCode {
            code: row[0].clone(),
            title: row[3].clone(),
        });
    }
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(PcsCodeSet { codes })
}
