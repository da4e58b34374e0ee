//! The code sets shipped inside the binary (ICD-10-CM FY2025 and FY2026, ICD-10-PCS section 0,
//! HCPCS Level II) and the rules that check a code against them. Nothing is downloaded: the
//! files in `data/codes/` are compressed into the binary and parsed once, on first use
//! (`CodeSets::shared`). How to put next year's files in is in `docs/code-sets.md`.

pub mod check;
pub mod hcpcs;
pub mod icd10cm;
pub mod lookup;
pub mod pcs;
pub mod validate;

use chrono::{Datelike, NaiveDate};
use std::io::BufReader;
use std::sync::OnceLock;

pub use check::{CheckResult, Problem, check_code};

#[derive(Debug, thiserror::Error)]
pub enum CodeSetError {
    #[error("{file}, {at}: {what}")]
    Malformed {
        file: String,
        at: String,
        what: String,
    },
}

/// A federal fiscal year: FY2026 runs from 1 October 2025 to 30 September 2026.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    pub fn of(date: NaiveDate) -> FiscalYear {
        if date.month() >= 10 {
            FiscalYear(date.year() + 1)
        } else {
            FiscalYear(date.year())
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 - 1, 10, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 9, 30).unwrap_or(NaiveDate::MAX)
    }
}

impl std::fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeSystem {
    Icd10Cm,
    Icd10Pcs,
    Hcpcs,
}

impl CodeSystem {
    pub fn label(self) -> &'static str {
        match self {
            CodeSystem::Icd10Cm => "ICD-10-CM",
            CodeSystem::Icd10Pcs => "ICD-10-PCS",
            CodeSystem::Hcpcs => "HCPCS",
        }
    }
}

const ICD10CM_2026_XML: &[u8] =
    include_bytes!("../../data/codes/icd10cm-tabular-April-1-2026.xml.gz");
const ICD10CM_2025_TSV: &[u8] = include_bytes!("../../data/codes/icd10cm.tsv.gz");
const ICD10PCS_TSV: &[u8] = include_bytes!("../../data/codes/icd10pcs.tsv.gz");
const HCPCS_TSV: &[u8] = include_bytes!("../../data/codes/hcpcs.tsv.gz");

/// The fiscal years of ICD-10-CM shipped, oldest first.
pub const CM_YEARS: [FiscalYear; 2] = [FiscalYear(2025), FiscalYear(2026)];

/// Every shipped code set, parsed.
pub struct CodeSets {
    pub cm2025: icd10cm::CmCodeSet,
    pub cm2026: icd10cm::CmCodeSet,
    pub pcs: pcs::PcsCodeSet,
    pub hcpcs: hcpcs::HcpcsCodeSet,
    /// The look-up of each, in the same order as their codes.
    pub cm2025_index: lookup::CodeIndex,
    pub cm2026_index: lookup::CodeIndex,
    pub pcs_index: lookup::CodeIndex,
    pub hcpcs_index: lookup::CodeIndex,
}

fn join<T>(r: std::thread::Result<Result<T, CodeSetError>>) -> Result<T, CodeSetError> {
    r.unwrap_or_else(|_| {
        Err(CodeSetError::Malformed {
            file: "code sets".into(),
            at: "load".into(),
            what: "the loader stopped unexpectedly".into(),
        })
    })
}

fn gunzip(bytes: &'static [u8]) -> BufReader<flate2::read::GzDecoder<&'static [u8]>> {
    BufReader::with_capacity(1 << 16, flate2::read::GzDecoder::new(bytes))
}

impl CodeSets {
    /// Parses the embedded files (the four in parallel: start-up time is what a coder waits).
    pub fn load() -> Result<CodeSets, CodeSetError> {
        std::thread::scope(|s| {
            let with_index = |set: Result<icd10cm::CmCodeSet, CodeSetError>| {
                set.map(|set| {
                    let index = lookup::CodeIndex::for_cm(&set);
                    (set, index)
                })
            };
            let cm2026 =
                s.spawn(move || with_index(icd10cm::parse_tabular(gunzip(ICD10CM_2026_XML))));
            let cm2025 =
                s.spawn(move || with_index(icd10cm::parse_order_tsv(gunzip(ICD10CM_2025_TSV))));
            let pcs = s.spawn(|| {
                pcs::parse(gunzip(ICD10PCS_TSV)).map(|p| {
                    let index = lookup::CodeIndex::plain(
                        p.codes
                            .iter()
                            .map(|c| (c.code.clone(), c.title.clone(), true)),
                    );
                    (p, index)
                })
            });
            let hcpcs = hcpcs::parse(gunzip(HCPCS_TSV))?;
            let hcpcs_index = lookup::CodeIndex::plain(
                hcpcs
                    .codes
                    .iter()
                    .map(|c| (c.code.clone(), c.title.clone(), c.terminated.is_none())),
            );
            let (cm2026, cm2026_index) = join(cm2026.join())?;
            let (cm2025, cm2025_index) = join(cm2025.join())?;
            let (pcs, pcs_index) = join(pcs.join())?;
            Ok(CodeSets {
                cm2026,
                cm2025,
                pcs,
                hcpcs,
                cm2025_index,
                cm2026_index,
                pcs_index,
                hcpcs_index,
            })
        })
    }

    /// The code sets, loaded once per process.
    pub fn shared() -> Result<&'static CodeSets, &'static CodeSetError> {
        static SETS: OnceLock<Result<CodeSets, CodeSetError>> = OnceLock::new();
        SETS.get_or_init(CodeSets::load).as_ref()
    }

    /// The ICD-10-CM in force on a date of service, and whether the date is covered by a
    /// shipped year at all (a date after FY2026 uses FY2026 until next year's files are in).
    pub fn cm_for(&self, date: NaiveDate) -> (&icd10cm::CmCodeSet, FiscalYear, Coverage) {
        let (fy, coverage) = shipped_year(date);
        (self.cm(fy), fy, coverage)
    }

    /// The look-up for a system on a date of service.
    pub fn index_for(&self, system: CodeSystem, date: NaiveDate) -> &lookup::CodeIndex {
        match system {
            CodeSystem::Icd10Cm if shipped_year(date).0.0 <= 2025 => &self.cm2025_index,
            CodeSystem::Icd10Cm => &self.cm2026_index,
            CodeSystem::Icd10Pcs => &self.pcs_index,
            CodeSystem::Hcpcs => &self.hcpcs_index,
        }
    }

    /// A shipped year's ICD-10-CM (`CM_YEARS`).
    pub fn cm(&self, fy: FiscalYear) -> &icd10cm::CmCodeSet {
        if fy.0 <= 2025 {
            &self.cm2025
        } else {
            &self.cm2026
        }
    }
}

/// The shipped ICD-10-CM year that answers for a date, and whether it really covers it.
pub fn shipped_year(date: NaiveDate) -> (FiscalYear, Coverage) {
    let fy = FiscalYear::of(date);
    let (oldest, newest) = (CM_YEARS[0], CM_YEARS[CM_YEARS.len() - 1]);
    if fy < oldest {
        (oldest, Coverage::Before)
    } else if fy > newest {
        (newest, Coverage::After)
    } else {
        (fy, Coverage::Covered)
    }
}

/// Whether a shipped fiscal year covers the date asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    Covered,
    /// Earlier than the oldest year shipped.
    Before,
    /// Later than the newest year shipped.
    After,
}

/// A code as typed (`s72.001a `, `E11.9`) in the form the files use: upper case, no dot, no
/// spaces. `None` when something other than letters, digits, dots and spaces is in it.
pub fn normalize(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            '.' | ' ' => {}
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn fiscal_years() {
        for (date, fy) in [
            ("2025-09-30", 2025),
            ("2025-10-01", 2026),
            ("2026-09-30", 2026),
            ("2026-10-01", 2027),
            ("2024-02-29", 2024),
        ] {
            assert_eq!(FiscalYear::of(d(date)), FiscalYear(fy), "{date}");
        }
        assert_eq!(FiscalYear(2026).first_day(), d("2025-10-01"));
        assert_eq!(FiscalYear(2026).last_day(), d("2026-09-30"));
    }

    #[test]
    fn normalising_typed_codes() {
        for (typed, want) in [
            ("S72.001A", Some("S72001A")),
            (" s72.001a ", Some("S72001A")),
            ("e119", Some("E119")),
            ("E 11.9", Some("E119")),
            ("", Some("")),
            ("E11-9", None),
            ("🦴", None),
            ("E11.9\u{1b}[2J", None),
        ] {
            assert_eq!(normalize(typed).as_deref(), want, "{typed:?}");
        }
    }
}
