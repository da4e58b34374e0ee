//! `chartroom demo`: a deterministic demo database in the user's data directory, then the UI.

use super::admin::seed_records;
use super::{UiArgs, load_ui_config, run_ui};
use crate::domain::Role;
use crate::domain::audit::AuditAction;
use crate::service::{LocalRecords, NewUser};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const DEMO_PATIENTS: usize = 5000;
/// The demo's synthetic data always comes from this seed, so every demo shows the same patients.
pub const DEMO_SEED: u64 = 1;

pub fn demo_path() -> Result<PathBuf, String> {
    dirs::data_dir()
        .map(|d| d.join("chartroom").join("demo.redb"))
        .ok_or_else(|| "no user data directory; set HOME or XDG_DATA_HOME".to_string())
}

fn demo_full_name(role: Role) -> String {
    format!("{} (demo)", role.title())
}

/// Builds the demo database beside its final path and renames it into place, so an
/// interrupted build never leaves a half-made demo behind.
pub fn build(path: &Path, patients: usize) -> Result<(), String> {
    // The code sets take seconds to parse; the coding history needs them after the patients
    // are loaded, so they load meanwhile.
    let code_sets = std::thread::spawn(|| crate::codes::CodeSets::shared().is_ok());
    let tmp = path.with_extension("redb.building");
    if tmp.exists() {
        std::fs::remove_file(&tmp).map_err(|e| format!("cannot remove {}: {e}", tmp.display()))?;
    }
    let records = LocalRecords::new(Store::create(&tmp).map_err(|e| e.to_string())?);
    let err = |e: crate::service::ServiceError| e.to_string();
    records
        .system_note(AuditAction::DatabaseCreated, "chartroom demo")
        .map_err(err)?;
    records
        .update_settings("demo settings", |s| {
            s.demo = true;
            s.organisation = "Demo Community Hospital".into();
        })
        .map_err(err)?;
    for role in Role::ALL {
        records
            .system_add_user(
                NewUser {
                    username: role.as_str().to_string(),
                    full_name: demo_full_name(role),
                    roles: vec![role],
                    password: format!("{}-demo-password", role.as_str()).into(),
                    must_change_password: false,
                },
                // Demo passwords contain the user name by design; real users cannot choose that.
                false,
            )
            .map_err(err)?;
    }
    // Dates are generated around today so the demo always looks current.
    seed_records(
        &records,
        patients,
        DEMO_SEED,
        chrono::Utc::now().date_naive(),
    )?;
    // The coding queue (F4): past encounters final-coded, a recent backlog, a few in hand.
    if !code_sets.join().unwrap_or(false) {
        return Err("the shipped code sets could not be loaded".into());
    }
    records
        .system_seed_coding(chrono::Utc::now().date_naive())
        .map_err(err)?;
    // The holds "query pending" wait on real queries the demo clinician answers in F6.
    records.system_seed_queries().map_err(err)?;
    // The ROI desk (F5) starts with the requests of the last weeks, one of them overdue.
    records.system_seed_roi().map_err(err)?;
    // The duplicate work list (F8) starts filled, as after a department's nightly scan.
    records.system_duplicate_scan().map_err(err)?;
    drop(records);
    std::fs::rename(&tmp, path)
        .map_err(|e| format!("cannot move the demo database into place: {e}"))
}

pub fn run(ui: &UiArgs, rebuild: bool, patients: usize, no_ui: bool) -> Result<i32, String> {
    load_ui_config(ui)?;
    let path = demo_path()?;
    if rebuild && path.exists() {
        std::fs::remove_file(&path)
            .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    }
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        eprintln!("Building the demo database ({patients} synthetic patients)...");
        let started = Instant::now();
        build(&path, patients)?;
        eprintln!("Built in {:.1} s.", started.elapsed().as_secs_f64());
    }
    let records = super::open_records(&path)?;
    let info = crate::service::Records::server_info(&records).map_err(|e| e.to_string())?;
    if !info.demo {
        return Err(format!(
            "{} is not a demo database; move it away or run `chartroom demo --rebuild`",
            path.display()
        ));
    }
    println!(
        "Demo database: {} ({} patients)",
        path.display(),
        info.patients
    );
    if no_ui {
        return Ok(0);
    }
    run_ui(&records, ui)?;
    Ok(0)
}
