//! Administration from the command line: init, users, seed, audit, check. Whoever can open the
//! database file acts as the system and is named in the audit trail by Unix user.

use super::open_records;
use crate::domain::Secret;
use crate::domain::audit::AuditAction;
use crate::domain::role::{Role, roles_label};
use crate::domain::user::UserStatus;
use crate::sanitize::sanitize;
use crate::service::{AuditVerdict, LocalRecords, NewUser};
use crate::store::Store;
use crate::synth::{SynthConfig, generate};
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; the password is read from the terminal (twice) or one line of stdin.
    Add {
        #[arg(long)]
        db: PathBuf,
        username: String,
        /// Comma-separated roles: registrar, coder, roi, analyst, supervisor, billing, clinician, compliance, auditor, admin.
        #[arg(long)]
        roles: String,
        /// Full name as shown in the header and audit reports.
        #[arg(long)]
        name: Option<String>,
        /// Let the user keep this password (by default they must choose their own at first login).
        #[arg(long)]
        no_change_required: bool,
    },
    /// List users with roles and state.
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Lock an account (ends its sessions).
    Lock {
        #[arg(long)]
        db: PathBuf,
        username: String,
    },
    /// Unlock an account and clear its failed-login count.
    Unlock {
        #[arg(long)]
        db: PathBuf,
        username: String,
    },
    /// Deactivate an account. Users are never deleted, so the audit trail keeps its names.
    Deactivate {
        #[arg(long)]
        db: PathBuf,
        username: String,
    },
    /// Reactivate a deactivated account.
    Reactivate {
        #[arg(long)]
        db: PathBuf,
        username: String,
    },
    /// Set a temporary password (terminal or stdin); the user must change it at next login.
    ResetPassword {
        #[arg(long)]
        db: PathBuf,
        username: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Print every setting as `name = value`, in the form `set` accepts.
    Show {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Change one setting (audited). Amounts are dollars (25.00); a fee schedule is
    /// `base,per_page,cap` (cap 0 = none), e.g. `roi_fees.attorney 25.00,1.00,0`.
    Set {
        #[arg(long)]
        db: PathBuf,
        name: String,
        value: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum DuplicatesCommand {
    /// Scan every patient for likely duplicates (Fellegi-Sunter weights; thresholds are
    /// settings) and print the pairs, best first.
    Scan {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 1 naming the first bad entry.
    Verify {
        #[arg(long)]
        db: PathBuf,
    },
    /// Print entries, oldest first.
    List {
        #[arg(long)]
        db: PathBuf,
        /// First sequence number to print.
        #[arg(long, default_value_t = 1)]
        from: u64,
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

/// A password from the terminal without echo (asked twice when `confirm`), or one stdin line.
pub fn read_password(prompt: &str, confirm: bool) -> Result<Secret, String> {
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password(prompt).map_err(|e| format!("cannot read password: {e}"))?;
        if confirm {
            let again = rpassword::prompt_password("Again: ")
                .map_err(|e| format!("cannot read password: {e}"))?;
            if again != first {
                return Err("the two passwords differ; nothing was changed".into());
            }
        }
        Ok(Secret::from(first))
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read password from stdin: {e}"))?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if pw.is_empty() {
            return Err("no password on stdin; pipe one line, or run from a terminal".into());
        }
        Ok(Secret::from(pw))
    }
}

pub fn init(db: &Path, admin: &str) -> Result<i32, String> {
    let store = Store::open_or_create(db).map_err(|e| e.to_string())?;
    let records = LocalRecords::new(store);
    if !records
        .system_list_users()
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Err(format!(
            "{} already has users; add more with `chartroom user add`",
            db.display()
        ));
    }
    let password = read_password(
        &format!("Password for {admin} (at least 15 characters): "),
        true,
    )?;
    crate::domain::password::check_new_password(password.expose(), admin)
        .map_err(|e| format!("password not accepted: {e}"))?;
    records
        .system_note(AuditAction::DatabaseCreated, "chartroom init")
        .map_err(|e| e.to_string())?;
    records
        .system_add_user(
            NewUser {
                username: admin.to_string(),
                full_name: "Administrator".into(),
                roles: vec![Role::Admin],
                password,
                must_change_password: false,
            },
            true,
        )
        .map_err(|e| e.to_string())?;
    println!("Created {} with administrator '{admin}'.", db.display());
    println!(
        "Add users with: chartroom user add --db {} NAME --roles ROLE[,ROLE]",
        db.display()
    );
    Ok(0)
}

pub fn user(cmd: UserCommand) -> Result<i32, String> {
    let s = |e: crate::service::ServiceError| e.to_string();
    match cmd {
        UserCommand::Add {
            db,
            username,
            roles,
            name,
            no_change_required,
        } => {
            let roles = Role::parse_list(&roles)?;
            let records = open_records(&db)?;
            let password = read_password(
                &format!("Password for {username} (at least 15 characters): "),
                true,
            )?;
            records
                .system_add_user(
                    NewUser {
                        username: username.clone(),
                        full_name: name.unwrap_or_else(|| username.clone()),
                        roles: roles.clone(),
                        password,
                        must_change_password: !no_change_required,
                    },
                    true,
                )
                .map_err(s)?;
            println!("Added {username} ({}).", roles_label(&roles));
        }
        UserCommand::List { db, json } => {
            let records = open_records(&db)?;
            for u in records.system_list_users().map_err(s)? {
                if json {
                    println!("{}", serde_json::to_string(&u).map_err(|e| e.to_string())?);
                } else {
                    let state = match (u.status, u.locked) {
                        (UserStatus::Deactivated, _) => "deactivated",
                        (_, true) => "locked",
                        _ => "active",
                    };
                    let last = u.last_login.map_or_else(
                        || "never".to_string(),
                        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
                    );
                    println!(
                        "{:<16} {:<28} {:<12} last login {last}{}",
                        sanitize(&u.username),
                        roles_label(&u.roles),
                        state,
                        if u.must_change_password {
                            "  (must change password)"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        UserCommand::Lock { db, username } => {
            open_records(&db)?
                .system_set_locked(&username, true)
                .map_err(s)?;
            println!("Locked {username}.");
        }
        UserCommand::Unlock { db, username } => {
            open_records(&db)?
                .system_set_locked(&username, false)
                .map_err(s)?;
            println!("Unlocked {username}; failed-login count cleared.");
        }
        UserCommand::Deactivate { db, username } => {
            open_records(&db)?
                .system_set_active(&username, false)
                .map_err(s)?;
            println!("Deactivated {username}. The account stays in the audit trail.");
        }
        UserCommand::Reactivate { db, username } => {
            open_records(&db)?
                .system_set_active(&username, true)
                .map_err(s)?;
            println!("Reactivated {username}.");
        }
        UserCommand::ResetPassword { db, username } => {
            let records = open_records(&db)?;
            let password = read_password(&format!("Temporary password for {username}: "), true)?;
            records
                .system_reset_password(&username, &password)
                .map_err(s)?;
            println!("Password of {username} reset; they must choose a new one at next login.");
        }
    }
    Ok(0)
}

/// Patients per write transaction when seeding: large enough to be fast, small enough that
/// an interrupted seed loses little and memory stays bounded.
const SEED_BATCH: usize = 2000;

pub fn seed(
    db: &Path,
    patients: usize,
    seed: u64,
    today: Option<chrono::NaiveDate>,
) -> Result<i32, String> {
    let store = Store::open_or_create(db).map_err(|e| e.to_string())?;
    let records = LocalRecords::new(store);
    let today = today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let loaded = seed_records(&records, patients, seed, today)?;
    println!(
        "Added {loaded} synthetic patients to {} (seed {seed}, dates around {today}).",
        db.display()
    );
    // Build the search index now and keep its snapshot, so the first start after a large
    // seed is as fast as every other.
    records
        .wait_for_search_index(std::time::Duration::from_secs(1800))
        .map_err(|e| e.to_string())?;
    if let Some(r) = records.search_index_report() {
        match (&r.snapshot_error, r.snapshot_written) {
            (Some(e), _) => println!("The search index snapshot could not be written: {e}"),
            (None, true) => println!("Search index snapshot written ({:.1} MB).", r.snapshot_mb),
            (None, false) => {}
        }
    }
    Ok(0)
}

pub(crate) fn seed_records(
    records: &LocalRecords,
    patients: usize,
    seed: u64,
    today: chrono::NaiveDate,
) -> Result<usize, String> {
    let cfg = SynthConfig {
        seed,
        patients,
        today,
    };
    let mut batch = Vec::with_capacity(SEED_BATCH.min(patients));
    let mut loaded = 0;
    for p in generate(&cfg) {
        batch.push(p);
        if batch.len() == SEED_BATCH {
            loaded += records
                .system_load_synthetic(&batch)
                .map_err(|e| e.to_string())?
                .len();
            batch.clear();
        }
    }
    if !batch.is_empty() {
        loaded += records
            .system_load_synthetic(&batch)
            .map_err(|e| e.to_string())?
            .len();
    }
    Ok(loaded)
}

pub fn audit(cmd: AuditCommand) -> Result<i32, String> {
    match cmd {
        AuditCommand::Verify { db } => {
            let records = super::open_records_read_only(&db)?;
            match records.system_verify_audit().map_err(|e| e.to_string())? {
                AuditVerdict::Intact(s) => {
                    println!(
                        "audit trail intact: {} entries, head {}",
                        s.entries, s.head_hash
                    );
                    Ok(0)
                }
                AuditVerdict::Broken(b) => {
                    println!("audit trail BROKEN at entry {}: {}", b.seq, b.problem);
                    Ok(1)
                }
            }
        }
        AuditCommand::List {
            db,
            from,
            limit,
            json,
        } => {
            let records = open_records(&db)?;
            for e in records
                .system_audit_entries(from, limit)
                .map_err(|e| e.to_string())?
            {
                if json {
                    println!("{}", serde_json::to_string(&e).map_err(|e| e.to_string())?);
                } else {
                    let ev = &e.event;
                    println!(
                        "{:>7} {} {:<14} {:<18} {:<8} {:<9} {}",
                        e.seq,
                        ev.at.format("%Y-%m-%d %H:%M:%S"),
                        sanitize(&ev.user),
                        ev.action.as_str(),
                        format!("{:?}", ev.outcome).to_lowercase(),
                        sanitize(ev.patient.as_deref().unwrap_or("-")),
                        sanitize(&ev.reason)
                    );
                }
            }
            Ok(0)
        }
    }
}

pub fn check(db: &Path) -> Result<i32, String> {
    let mut store = Store::open(db).map_err(|e| e.to_string())?;
    let ok = store.check_integrity().map_err(|e| e.to_string())?;
    let records = LocalRecords::new(store);
    let chain = records.system_verify_audit().map_err(|e| e.to_string())?;
    match (ok, chain) {
        (true, AuditVerdict::Intact(s)) => {
            println!(
                "{}: pages intact; audit trail intact ({} entries)",
                db.display(),
                s.entries
            );
            Ok(0)
        }
        (pages, chain) => {
            if !pages {
                println!(
                    "{}: damaged pages were found and repaired by the storage engine; verify against a backup",
                    db.display()
                );
            }
            if let AuditVerdict::Broken(b) = chain {
                println!("audit trail BROKEN at entry {}: {}", b.seq, b.problem);
            }
            Ok(1)
        }
    }
}

pub fn search(db: &Path, query: &str, json: bool, limit: usize) -> Result<i32, String> {
    let records = open_records(db)?;
    let r = records
        .system_search(query, limit)
        .map_err(|e| e.to_string())?;
    for p in &r.problems {
        eprintln!("note: {p}");
    }
    let today = chrono::Utc::now().date_naive();
    for h in &r.hits {
        let name = format!("{}, {}", h.family_name.to_uppercase(), h.given_names);
        if json {
            let line = serde_json::json!({
                "mrn": h.mrn,
                "name": name,
                "dob": h.dob.format("%Y-%m-%d").to_string(),
                "score": h.score,
                "sex": h.sex.letter(),
                "match": h.kind.label(),
                "deceased": h.deceased,
                "sensitive": h.sensitive,
                "merged_into": h.merged_into,
                "last_visit": h.last_visit.map(|d| d.format("%Y-%m-%d").to_string()),
            });
            println!("{line}");
        } else {
            println!(
                "{}  {:<32} {} {} ({:>3})  last visit {}  {}",
                h.mrn,
                sanitize(&name),
                h.sex.letter(),
                h.dob.format("%Y-%m-%d"),
                crate::domain::patient::age_on(h.dob, today),
                h.last_visit
                    .map_or_else(|| "-".to_string(), |d| d.format("%Y-%m-%d").to_string()),
                h.kind.label()
            );
        }
    }
    if !json {
        println!("{} match(es)", r.total);
    }
    Ok(0)
}

pub fn duplicates(cmd: DuplicatesCommand) -> Result<i32, String> {
    match cmd {
        DuplicatesCommand::Scan { db, json } => {
            let records = open_records(&db)?;
            let outcome = records.system_duplicate_scan().map_err(|e| e.to_string())?;
            let pairs = &outcome.pairs;
            for p in pairs {
                let who = |k: &crate::domain::search::SearchKey| {
                    format!(
                        "{} {} {}",
                        k.mrn,
                        sanitize(&k.display_name()),
                        k.dob.format("%Y-%m-%d")
                    )
                };
                if json {
                    let line = serde_json::json!({
                        "mrn_a": p.a.mrn,
                        "mrn_b": p.b.mrn,
                        "weight": (p.weight * 10.0).round() / 10.0,
                        "very_likely": p.very_likely,
                    });
                    println!("{line}");
                } else {
                    println!(
                        "{:<11} {:>5.1}  {}  ~  {}",
                        if p.very_likely {
                            "very likely"
                        } else {
                            "review"
                        },
                        p.weight,
                        who(&p.a),
                        who(&p.b)
                    );
                }
            }
            if !json {
                let likely = pairs.iter().filter(|p| p.very_likely).count();
                println!(
                    "{} pair(s): {likely} very likely, {} to review; {} new to the work list (F8), {} decided earlier and left as decided",
                    pairs.len(),
                    pairs.len() - likely,
                    outcome.new_cases,
                    outcome.remembered
                );
            }
            Ok(0)
        }
    }
}

pub fn settings(action: SettingsCommand) -> Result<i32, String> {
    match action {
        SettingsCommand::Show { db, json } => {
            let records = super::open_records_read_only(&db)?;
            let entries = records
                .system_settings()
                .map_err(|e| e.to_string())?
                .entries();
            for (name, value) in entries {
                if json {
                    println!("{}", serde_json::json!({ "name": name, "value": value }));
                } else {
                    println!("{name} = {}", sanitize(&value));
                }
            }
        }
        SettingsCommand::Set { db, name, value } => {
            let (old, new) = open_records(&db)?
                .system_change_setting(&name, &value)
                .map_err(|e| format!("{e}; nothing was changed"))?;
            println!(
                "{name}: {} -> {} (recorded in the audit trail)",
                sanitize(&old),
                sanitize(&new)
            );
        }
    }
    Ok(0)
}
