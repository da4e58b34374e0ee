//! `chartroom code ...`: the shipped code sets from the command line.

use crate::codes::{CodeSets, CodeSystem, check_code};
use clap::{Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum CodeCommand {
    /// Check codes against the shipped code sets; exits 1 when any is invalid.
    Check {
        #[arg(required = true)]
        codes: Vec<String>,
        /// Date of service or discharge (YYYY-MM-DD; default today): picks the fiscal year.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// The code system (default: worked out from each code's shape).
        #[arg(long, value_enum)]
        system: Option<SystemArg>,
        /// One JSON object per line instead of sentences.
        #[arg(long)]
        json: bool,
    },
    /// Look codes up by a code prefix or words of their titles (`fx fem neck`, `diab ckd`).
    Find {
        #[arg(required = true)]
        words: Vec<String>,
        /// Date of service (YYYY-MM-DD; default today): picks the ICD-10-CM year.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// The code system (default ICD-10-CM).
        #[arg(long, value_enum, default_value = "cm")]
        system: SystemArg,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SystemArg {
    Cm,
    Pcs,
    Hcpcs,
}

impl From<SystemArg> for CodeSystem {
    fn from(s: SystemArg) -> CodeSystem {
        match s {
            SystemArg::Cm => CodeSystem::Icd10Cm,
            SystemArg::Pcs => CodeSystem::Icd10Pcs,
            SystemArg::Hcpcs => CodeSystem::Hcpcs,
        }
    }
}

pub fn run(cmd: CodeCommand) -> Result<i32, String> {
    let sets = CodeSets::shared().map_err(|e| format!("the shipped code sets: {e}"))?;
    let today = || chrono::Local::now().date_naive();
    let (codes, date, system, json) = match cmd {
        CodeCommand::Check {
            codes,
            date,
            system,
            json,
        } => (codes, date.unwrap_or_else(today), system, json),
        CodeCommand::Find {
            words,
            date,
            system,
            limit,
        } => {
            let date = date.unwrap_or_else(today);
            let index = sets.index_for(system.into(), date);
            let hits = index.search(&words.join(" "), limit);
            if hits.is_empty() {
                println!(
                    "No codes match {:?}.",
                    crate::sanitize::sanitize(&words.join(" "))
                );
                return Ok(1);
            }
            for h in hits {
                let code = crate::codes::check::display(system.into(), h.code);
                let mark = if h.billable { ' ' } else { '-' };
                println!("{code:<9}{mark} {}", h.title);
            }
            return Ok(0);
        }
    };
    let mut any_invalid = false;
    for typed in &codes {
        let r = check_code(sets, typed, system.map(Into::into), date);
        any_invalid |= !r.is_valid();
        if json {
            let status = match &r.status {
                crate::codes::check::Status::Valid => "valid",
                crate::codes::check::Status::Invalid(_) => "invalid",
                crate::codes::check::Status::Unverified(_) => "unverified",
            };
            println!(
                "{}",
                serde_json::json!({
                    "input": typed,
                    "code": r.display_code(),
                    "system": r.system.label(),
                    "status": status,
                    "title": r.title,
                    "message": r.sentence(),
                    "checked_against": r.checked_against,
                    "date": date.to_string(),
                })
            );
        } else {
            println!("{}", crate::sanitize::sanitize(&r.sentence()));
        }
    }
    Ok(i32::from(any_invalid))
}
