//! `chartroom bench commit`: acknowledged durable writes per second through the daemon with
//! N sessions at once, each registering patients (a durable, audited write, acknowledged only
//! after its commit) over its own connection.

use super::bench::{machine, percentile};
use crate::domain::patient::{NewPatient, Sex};
use crate::remote::{RemoteRecords, ServeOptions, serve};
use crate::service::{LoginRequest, Records};
use chrono::NaiveDate;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub fn bench_commit(sessions: usize, writes: usize) -> Result<i32, String> {
    let sessions = sessions.max(1);
    let (dir, db, records) =
        super::bench::fresh_with_user("commit", crate::domain::Role::Registrar)?;
    // The daemon must own the file.
    drop(records);
    let socket = dir.join("chartroom.sock");
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let opts = ServeOptions::new(&db, &socket);
    let flag = Arc::clone(&stop);
    let daemon = std::thread::spawn(move || {
        serve(&opts, flag, &mut |_| {
            let _ = ready_tx.send(());
        })
    });
    ready
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "the daemon did not start".to_string())?;
    // Connections and logins first: argon2 is not what is measured.
    let mut clients = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        let r = RemoteRecords::connect(&socket)?;
        let token = r
            .login(LoginRequest {
                username: "registrar".into(),
                password: "bench-registrar-password".into(),
                peer: None,
            })
            .map_err(|e| e.to_string())?
            .token;
        clients.push((r, token));
    }
    let started = Instant::now();
    let results: Vec<Result<Vec<f64>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(c, (r, token))| {
                s.spawn(move || {
                    let mut ms = Vec::with_capacity(writes);
                    for i in 0..writes {
                        let p = NewPatient {
                            family_name: "Commitbench".into(),
                            given_names: vec![format!("S{c}W{i}")],
                            dob: NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default()
                                + chrono::Days::new((c * writes + i) as u64),
                            sex: Sex::Unknown,
                            address: None,
                            phone: None,
                            ssn: None,
                            details: Default::default(),
                        };
                        let t = Instant::now();
                        r.register_patient(token, p, Some("benchmark".into()))
                            .map_err(|e| e.to_string())?;
                        ms.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(ms)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a session thread failed".into()))
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::SeqCst);
    let _ = daemon.join();
    let mut ms = Vec::new();
    for r in results {
        ms.extend(r?);
    }
    ms.sort_by(f64::total_cmp);
    let db_mb = std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / 1e6);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        serde_json::json!({
            "bench": "commit",
            "sessions": sessions,
            "writes": ms.len(),
            "seconds": elapsed,
            "writes_per_s": ms.len() as f64 / elapsed.max(1e-9),
            "p50_ms": percentile(&ms, 50.0),
            "p95_ms": percentile(&ms, 95.0),
            "p99_ms": percentile(&ms, 99.0),
            "db_mb": db_mb,
            "machine": machine(),
        })
    );
    Ok(0)
}
