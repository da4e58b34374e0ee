//! The command line as a script would use it: init, users, audit verify against tampering, and
//! every kind of bad database or config file getting a clear message with the file untouched.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_chartroom");

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-chartroom-test")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before reading stdin; the pipe then breaks,
    // which is the child's answer, not a failure of the harness.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn init_db(dir: &Path) -> String {
    let db = dir.join("clinic.redb").to_string_lossy().into_owned();
    let o = run(
        &["init", "--db", &db],
        "a lighthouse keeper walks the quiet shore\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    db
}

#[test]
fn init_add_users_and_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = init_db(dir.path());
    let o = run(
        &[
            "user",
            "add",
            "--db",
            &db,
            "jdoe",
            "--roles",
            "coder,analyst",
            "--name",
            "Jo Doe",
        ],
        "a perfectly fine long passphrase\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let weak = run(
        &["user", "add", "--db", &db, "weak", "--roles", "coder"],
        "password\n",
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        text(&weak).contains("at least 15 characters"),
        "{}",
        text(&weak)
    );
    let bad_role = run(
        &["user", "add", "--db", &db, "x", "--roles", "nurse"],
        "a perfectly fine long passphrase\n",
    );
    assert!(text(&bad_role).contains("unknown role 'nurse'"));
    let o = run(&["user", "list", "--db", &db, "--json"], "");
    let users: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["admin", "jdoe"]);
    assert_eq!(users[1]["roles"], serde_json::json!(["coder", "analyst"]));
    assert_eq!(users[1]["must_change_password"], true);
    assert!(
        users.iter().all(|u| u.get("password_hash").is_none()),
        "hashes never listed"
    );
    for cmd in ["lock", "unlock", "deactivate", "reactivate"] {
        let o = run(&["user", cmd, "--db", &db, "jdoe"], "");
        assert!(o.status.success(), "{cmd}: {}", text(&o));
    }
    let o = run(
        &["user", "reset-password", "--db", &db, "jdoe"],
        "a temporary passphrase for jo\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["user", "lock", "--db", &db, "ghost"], "");
    assert!(text(&o).contains("user ghost not found"), "{}", text(&o));
    let o = run(
        &["init", "--db", &db],
        "a lighthouse keeper walks the quiet shore\n",
    );
    assert!(!o.status.success() && text(&o).contains("already has users"));
}

#[test]
fn audit_verify_exit_codes_before_and_after_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let db = init_db(dir.path());
    let o = run(&["audit", "verify", "--db", &db], "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("audit trail intact: 2 entries"),
        "{}",
        text(&o)
    );
    // Alter entry 2 with redb directly.
    common::tamper_audit(Path::new(&db), 2, |mut b| {
        let n = b.len();
        b[n - 3] ^= 0x20;
        Some(b)
    });
    let o = run(&["audit", "verify", "--db", &db], "");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("BROKEN at entry 2"), "{}", text(&o));
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

fn expect_refusal(db: &Path, needle: &str) {
    let before = sha(db);
    let o = run(&["audit", "verify", "--db", db.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(needle),
        "wanted {needle:?} in: {}",
        text(&o)
    );
    assert!(!text(&o).contains("panicked"), "{}", text(&o));
    assert_eq!(sha(db), before, "the file was changed");
}

#[test]
fn bad_database_files_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let not_redb = dir.path().join("notes.txt");
    std::fs::write(
        &not_redb,
        "just some text that is certainly not a database\n",
    )
    .unwrap();
    expect_refusal(&not_redb, "not a chartroom database");

    let empty = dir.path().join("empty.redb");
    std::fs::write(&empty, "").unwrap();
    expect_refusal(&empty, "too short");

    let o = run(
        &[
            "audit",
            "verify",
            "--db",
            dir.path().join("missing.redb").to_str().unwrap(),
        ],
        "",
    );
    assert!(text(&o).contains("chartroom init"), "{}", text(&o));

    // A redb file from another program.
    let foreign = dir.path().join("foreign.redb");
    {
        let db = redb::Database::create(&foreign).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut t = tx
                .open_table(redb::TableDefinition::<&str, u64>::new("other"))
                .unwrap();
            t.insert("k", 1).unwrap();
        }
        tx.commit().unwrap();
    }
    expect_refusal(&foreign, "not a chartroom database");

    // A chartroom database from a newer schema.
    let newer = Path::new(&init_db(dir.path())).to_path_buf();
    chartroom::store::Store::open(&newer)
        .unwrap()
        .write(|tx| tx.put_meta("schema_version", &99u32))
        .unwrap();
    expect_refusal(&newer, "newer chartroom (schema 99");

    // A damaged file: the middle overwritten.
    let damaged = dir.path().join("damaged.redb");
    let sub = tempfile::tempdir().unwrap();
    let good = init_db(sub.path());
    let mut bytes = std::fs::read(&good).unwrap();
    let (mid, len) = (bytes.len() / 2, bytes.len());
    for b in &mut bytes[mid.saturating_sub(2048)..(mid + 2048).min(len)] {
        *b = 0xA5;
    }
    // Keep the header valid so redb itself has to notice.
    std::fs::write(&damaged, &bytes).unwrap();
    let before = sha(&damaged);
    let o = run(&["audit", "verify", "--db", damaged.to_str().unwrap()], "");
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!text(&o).contains("panicked"), "{}", text(&o));
    assert_eq!(sha(&damaged), before);
}

#[test]
fn a_database_held_by_another_process_points_to_attach() {
    let dir = tempfile::tempdir().unwrap();
    let db = init_db(dir.path());
    let mut holder = Command::new(BIN)
        .args(["crash-writer", "--db", &db])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    let o = run(&["audit", "verify", "--db", &db], "");
    holder.kill().unwrap();
    let _ = holder.wait();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("already open") && text(&o).contains("chartroom attach"),
        "{}",
        text(&o)
    );
}

#[test]
fn bad_theme_or_keymap_files_stop_start_up_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = init_db(dir.path());
    let theme = dir.path().join("mine.toml");
    std::fs::write(&theme, "name = \"mine\"\n[header]\nfg = \"not-a-colour\"\n").unwrap();
    let o = run(&["--db", &db, "--theme", theme.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("mine.toml: line 3"), "{}", text(&o));
    let keymap = dir.path().join("keys.toml");
    std::fs::write(
        &keymap,
        "[bindings]\nquit = \"Ctrl+Q\"\nteleport = \"F9\"\n",
    )
    .unwrap();
    let o = run(&["--db", &db, "--keymap", keymap.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("keys.toml: line 3") && text(&o).contains("teleport"),
        "{}",
        text(&o)
    );
}

/// Patients as stored, with the write time blanked (it is when the seed ran, not data).
fn stored_patients(db: &Path) -> Vec<chartroom::domain::Patient> {
    use redb::{ReadableDatabase, ReadableTable};
    let d = redb::Database::open(db).unwrap();
    let tx = d.begin_read().unwrap();
    let t = tx
        .open_table(redb::TableDefinition::<&str, &[u8]>::new("patients"))
        .unwrap();
    t.iter()
        .unwrap()
        .map(|row| {
            let (k, v) = row.unwrap();
            let mut p: chartroom::domain::Patient =
                chartroom::store::codec::decode("patients", k.value(), v.value()).unwrap();
            p.updated_at = chrono::DateTime::UNIX_EPOCH;
            p
        })
        .collect()
}

#[test]
fn seed_is_deterministic_for_a_seed_and_date() {
    let dir = tempfile::tempdir().unwrap();
    let seed = |name: &str, s: &str| {
        let db = dir.path().join(name);
        let o = run(
            &[
                "seed",
                "--db",
                db.to_str().unwrap(),
                "--patients",
                "120",
                "--seed",
                s,
                "--today",
                "2026-01-15",
            ],
            "",
        );
        assert!(o.status.success(), "{}", text(&o));
        assert!(
            text(&o).contains("Added 120 synthetic patients"),
            "{}",
            text(&o)
        );
        stored_patients(&db)
    };
    let a = seed("a.redb", "3");
    let b = seed("b.redb", "3");
    let c = seed("c.redb", "4");
    assert_eq!(a.len(), 120);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(
        a.iter()
            .all(|p| chartroom::domain::mrn::is_valid_mrn(&p.mrn))
    );
}

#[test]
fn duplicate_scan_finds_the_synthetic_near_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.redb");
    let db = db.to_str().unwrap();
    let o = run(
        &[
            "seed",
            "--db",
            db,
            "--patients",
            "300",
            "--today",
            "2026-01-15",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["duplicates", "scan", "--db", db, "--json"], "");
    assert!(o.status.success(), "{}", text(&o));
    let pairs: Vec<(String, String, bool)> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["mrn_a"].as_str().unwrap().to_string(),
                v["mrn_b"].as_str().unwrap().to_string(),
                v["very_likely"].as_bool().unwrap(),
            )
        })
        .collect();
    // The generator makes patients 40, 88 and 57 near-copies of Alemán (3), Nguyễn (11) and
    // O'Brien (17): accents or punctuation dropped.
    let mrn = |i: u64| chartroom::domain::mrn::mrn_for_sequence(i + 1);
    for (a, b) in [(3, 40), (11, 88), (17, 57)] {
        assert!(
            pairs.contains(&(mrn(a), mrn(b), true)),
            "{a}~{b} not found in {pairs:?}"
        );
    }
    assert!(
        pairs.len() <= 10,
        "few false alarms in 300 patients: {pairs:?}"
    );
}

#[test]
fn code_check_prints_a_sentence_per_code_and_exits_1_on_any_invalid() {
    let ok = run(
        &["code", "check", "E11.9", "s72.001a", "--date", "2026-03-01"],
        "",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("S72.001A is valid: Fracture of unspecified part of neck of right femur"));

    // Added in FY2026, so invalid for a discharge in June 2025; the other code is fine.
    let bad = run(
        &["code", "check", "E11.9", "E11A", "--date", "2025-06-30"],
        "",
    );
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("E11.A is not valid on 2025-06-30"));

    let json = run(
        &["code", "check", "--json", "T78.01A", "--date", "2026-03-01"],
        "",
    );
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["status"], "invalid");
    assert_eq!(v["system"], "ICD-10-CM");
    assert!(v["message"].as_str().unwrap().contains("T78.01XA"), "{v}");

    // A nonsense argument is a sentence and exit 1, not a crash.
    let junk = run(&["code", "check", "\u{1b}[2J", "--date", "2026-03-01"], "");
    assert_eq!(junk.status.code(), Some(1), "{}", text(&junk));
    assert!(!String::from_utf8_lossy(&junk.stdout).contains('\u{1b}'));
}

#[test]
fn settings_are_shown_changed_with_an_audit_entry_and_bad_values_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = init_db(dir.path());
    let o = run(&["settings", "show", "--db", &db], "");
    assert!(o.status.success(), "{}", text(&o));
    let shown = text(&o);
    for line in [
        "roi_due_days.attorney = 30",
        "roi_due_days.provider = 7",
        "roi_fees.attorney = 25.00,1.00,0.00",
        "accounting_fee = 15.00",
        "idle_timeout_minutes = 15",
    ] {
        assert!(shown.contains(line), "{line} missing:\n{shown}");
    }
    assert!(
        !shown.contains("roi_due_days.patient"),
        "the law's, not ours"
    );
    let o = run(
        &[
            "settings",
            "set",
            "--db",
            &db,
            "roi_due_days.attorney",
            "21",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("roi_due_days.attorney: 30 -> 21"),
        "{}",
        text(&o)
    );
    let o = run(
        &[
            "settings",
            "set",
            "--db",
            &db,
            "roi_fees.insurer",
            "12.50,0.75,100",
        ],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    // A bad value exits 2, says what is accepted, and changes nothing.
    for (name, value, says) in [
        ("roi_due_days.patient", "45", "set by law"),
        ("idle_timeout_minutes", "60", "from 1 to 15"),
        ("accounting_fee", "lots", "not an amount"),
        ("no_such_thing", "1", "settings show"),
    ] {
        let o = run(&["settings", "set", "--db", &db, name, value], "");
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(
            text(&o).contains(says) && text(&o).contains("nothing was changed"),
            "{}",
            text(&o)
        );
    }
    let o = run(&["settings", "show", "--db", &db, "--json"], "");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let value = |n: &str| {
        lines
            .iter()
            .find(|l| l["name"] == n)
            .map(|l| l["value"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(value("roi_due_days.attorney"), "21");
    assert_eq!(value("roi_fees.insurer"), "12.50,0.75,100.00");
    assert_eq!(value("idle_timeout_minutes"), "15");
    // The two changes are in the trail, with old and new values; the chain verifies.
    let o = run(&["audit", "list", "--db", &db, "--json"], "");
    let trail = String::from_utf8_lossy(&o.stdout).into_owned();
    let changes: Vec<&str> = trail
        .lines()
        .filter(|l| l.contains("settings_changed"))
        .collect();
    assert_eq!(changes.len(), 2, "{trail}");
    assert!(changes[0].contains("roi_due_days.attorney") && changes[0].contains("21"));
    let o = run(&["audit", "verify", "--db", &db], "");
    assert!(o.status.success(), "{}", text(&o));
}
