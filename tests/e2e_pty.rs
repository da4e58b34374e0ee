//! Drives the real binary in a pseudo-terminal at 80×24: a refused screen and a clean quit, a
//! hang-up, a search that puts a patient in context, break-the-glass from the coder's reason
//! and password to compliance's review, and a coder coding one encounter from the F4 queue,
//! each checked in the audit log (and the coding in the database).

mod common;

use common::pty::Pty;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_chartroom");

/// Every audit entry of the database, as `audit list --json` prints them.
fn audit_events(db: &std::path::Path) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(BIN)
        .args(["audit", "list", "--json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn coder_is_refused_release_of_information_and_quits_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(&["demo", "--patients", "200"], home.path());
    t.wait_for("Sign in to chartroom", 240);
    assert!(t.screen().contains("DEMO"));
    t.send(b"coder\t");
    t.send(b"coder-demo-password\r");
    t.wait_for("Welcome", 30);
    assert!(t.screen().contains("coder (coder)"));
    // An idle screen writes nothing at all: no clock, no cursor blink, no redraw.
    std::thread::sleep(Duration::from_millis(300));
    let before = t.raw.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(
        t.raw.lock().unwrap().len(),
        before,
        "bytes written while idle"
    );
    t.send(b"\x1b[15~"); // F5
    t.wait_for("not permitted", 10);
    t.send(b"\x11"); // Ctrl+Q
    let status = t.wait_exit(20, "did not quit");
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(200));
    // Terminal restored: alternate screen left, cursor shown again.
    let raw = String::from_utf8_lossy(&t.raw.lock().unwrap()).into_owned();
    let leave = raw.rfind("\x1b[?1049l").expect("alternate screen left");
    let enter = raw.rfind("\x1b[?1049h").unwrap();
    assert!(leave > enter);
    assert!(
        raw[leave..].contains("\x1b[?25h") || raw[enter..leave].contains("\x1b[?25h"),
        "cursor shown"
    );
    assert!(!t.parser.lock().unwrap().screen().alternate_screen());

    // The denied attempt is in the audit log.
    let db = home.path().join("chartroom").join("demo.redb");
    let denied = audit_events(&db)
        .into_iter()
        .filter(|e| e["event"]["user"] == "coder" && e["event"]["action"] == "screen_denied")
        .map(|e| e["event"]["reason"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(denied, vec!["Release of information".to_string()]);
    let verify = std::process::Command::new(BIN)
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
}

#[test]
fn a_hang_up_logs_the_session_out() {
    let home = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(&["demo", "--patients", "50"], home.path());
    t.wait_for("Sign in to chartroom", 240);
    t.send(b"roi\troi-demo-password\r");
    t.wait_for("Welcome", 30);
    let pid = t.child.process_id().unwrap() as i32;
    // The SSH link drops: the terminal sends SIGHUP.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    t.wait_exit(20, "still running after SIGHUP");
    let db = home.path().join("chartroom").join("demo.redb");
    let actions: Vec<String> = audit_events(&db)
        .into_iter()
        .filter(|e| e["event"]["user"] == "roi")
        .map(|e| e["event"]["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, vec!["login", "logout"]);
}

#[test]
fn typing_a_search_finds_the_patient_and_puts_them_in_context() {
    let home = tempfile::tempdir().unwrap();
    let mut t = Pty::spawn(&["demo", "--patients", "200"], home.path());
    t.wait_for("Sign in to chartroom", 240);
    t.send(b"registrar\tregistrar-demo-password\r");
    t.wait_for("Welcome", 30);
    t.send(b"\x1bOQ"); // F2
    t.wait_for("Find:", 10);
    for c in "o'brien".bytes() {
        t.send(&[c]);
        std::thread::sleep(Duration::from_millis(30));
    }
    t.wait_for("O'BRIEN,", 20);
    t.send(b"\r");
    t.wait_for("Chart — ", 10);
    let header = t.screen().lines().next().unwrap_or_default().to_string();
    assert!(header.contains("O'BRIEN"), "{header}");
    t.send(b"\x11");
    t.wait_exit(20, "did not quit");
    let db = home.path().join("chartroom").join("demo.redb");
    let searches: Vec<String> = audit_events(&db)
        .into_iter()
        .filter(|e| e["event"]["action"] == "patient_search")
        .map(|e| e["event"]["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        searches.len(),
        1,
        "one settled search, not one per key: {searches:?}"
    );
    assert!(searches[0].starts_with("query \"o'brien\""), "{searches:?}");
}

/// A restricted chart in the demo, found the way a user could: search hits carry the flag.
fn a_sensitive_patient(db: &std::path::Path) -> (String, String) {
    for letter in 'a'..='z' {
        let out = std::process::Command::new(BIN)
            .args(["search", "--json", "--limit", "500", "--db"])
            .arg(db)
            .arg(letter.to_string())
            .output()
            .unwrap();
        assert!(out.status.success());
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let hit: serde_json::Value = serde_json::from_str(line).unwrap();
            if hit["sensitive"] == true && hit["merged_into"].is_null() {
                let name = hit["name"].as_str().unwrap().to_string();
                return (hit["mrn"].as_str().unwrap().to_string(), name);
            }
        }
    }
    panic!("the demo database has no sensitive chart");
}

fn quit(t: &mut Pty) {
    t.send(b"\x11");
    t.wait_exit(20, "did not quit");
}

fn type_slowly(t: &mut Pty, text: &str) {
    for c in text.bytes() {
        t.send(&[c]);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_coder_breaks_the_glass_and_compliance_reviews_it() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("chartroom").join("demo.redb");
    let build = std::process::Command::new(BIN)
        .args(["demo", "--patients", "200", "--no-ui"])
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let (mrn, name) = a_sensitive_patient(&db);
    let family = name.split(',').next().unwrap().to_string();

    // The coder finds the chart; opening it asks for a reason and the password again.
    let mut t = Pty::spawn(&["demo"], home.path());
    t.wait_for("Sign in to chartroom", 60);
    t.send(b"coder\tcoder-demo-password\r");
    t.wait_for("Welcome", 30);
    t.send(b"\x1bOQ"); // F2
    t.wait_for("Find:", 10);
    type_slowly(&mut t, &mrn);
    t.wait_for(&family, 20);
    t.send(b"\r");
    t.wait_for("break the glass", 10);
    assert!(t.screen().contains(&mrn), "{}", t.screen());
    // A wrong password is refused and the chart stays closed.
    t.send(b"\t");
    type_slowly(&mut t, "coding a late charge");
    t.send(b"\t");
    type_slowly(&mut t, "not-my-password");
    t.send(b"\r");
    t.wait_for("the password is not right", 10);
    assert!(!t.screen().contains("Chart — "), "{}", t.screen());
    type_slowly(&mut t, "coder-demo-password");
    t.send(b"\r");
    t.wait_for("Chart — ", 10);
    assert!(t.screen().contains(&family), "{}", t.screen());
    quit(&mut t);

    let events = audit_events(&db);
    let by = |user: &str, action: &str| -> Vec<serde_json::Value> {
        events
            .iter()
            .filter(|e| e["event"]["user"] == user && e["event"]["action"] == action)
            .map(|e| e["event"].clone())
            .collect()
    };
    let glass = by("coder", "break_glass");
    assert_eq!(glass.len(), 1, "{glass:?}");
    // The wrong password counts towards the account's lock-out like a failed sign-in.
    let failed = by("coder", "login_failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("wrong password when breaking the glass"),
        "{failed:?}"
    );
    assert_eq!(glass[0]["patient"], mrn.as_str());
    let opened = by("coder", "chart_opened");
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert!(
        opened[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("under break-the-glass access"),
        "{opened:?}"
    );

    // Compliance sees the access waiting on F9 and marks it appropriate with a comment.
    let mut t = Pty::spawn(&["demo"], home.path());
    t.wait_for("Sign in to chartroom", 60);
    t.send(b"compliance\tcompliance-demo-password\r");
    t.wait_for("Welcome", 30);
    t.send(b"\x1b[20~"); // F9
    t.wait_for("coder", 10);
    assert!(t.screen().contains(&mrn), "{}", t.screen());
    t.send(b"p");
    t.wait_for("Comment (appropriate)", 10);
    type_slowly(&mut t, "charge query confirmed");
    t.send(b"\r");
    t.wait_for("Nothing waiting for review", 10);
    quit(&mut t);
    let reviewed: Vec<_> = audit_events(&db)
        .into_iter()
        .filter(|e| e["event"]["action"] == "break_glass_reviewed")
        .collect();
    assert_eq!(reviewed.len(), 1, "{reviewed:?}");
    assert_eq!(reviewed[0]["event"]["user"], "compliance");
    let verify = std::process::Command::new(BIN)
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
}

#[test]
fn a_coder_codes_one_encounter_from_the_queue() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("chartroom").join("demo.redb");
    let mut t = Pty::spawn(&["demo", "--patients", "200"], home.path());
    t.wait_for("Sign in to chartroom", 240);
    t.send(b"coder\tcoder-demo-password\r");
    t.wait_for("Welcome", 30);
    t.send(b"\x1bOS"); // F4
    t.wait_for("Coding queue", 30);
    t.send(b"u"); // unassigned work
    t.wait_for("unassigned", 10);
    t.send(b"\r"); // claims the first one and opens it
    t.wait_for("In progress", 20);
    let header = t
        .screen()
        .lines()
        .find(|l| l.contains("Coding E"))
        .unwrap_or_default()
        .to_string();
    let enc: String = header
        .split("Coding ")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(enc.starts_with('E'), "{header}");
    t.send(b"+");
    t.wait_for("Code look-up", 10);
    type_slowly(&mut t, "r69");
    t.wait_for("Illness, unspecified", 20);
    t.send(b"\r");
    t.wait_for("unsaved", 10);
    t.send(b"\x13"); // Ctrl+S
    t.wait_for("Saved list", 20);
    t.send(b"k");
    t.wait_for("marked coded", 20);
    quit(&mut t);

    let events = audit_events(&db);
    let of = |action: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["event"]["user"] == "coder" && e["event"]["action"] == action)
            .map(|e| {
                e["event"]["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let saved = of("codes_saved");
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert!(saved[0].contains(&enc), "{saved:?}");
    assert!(saved[0].contains("1 code(s), 0 error(s)"), "{saved:?}");
    let changed = of("coding_changed");
    assert!(
        changed
            .iter()
            .any(|r| r.contains(&enc) && r.to_lowercase().contains("claim")),
        "{changed:?}"
    );
    assert!(
        changed
            .iter()
            .any(|r| r.contains(&enc) && r.to_lowercase().contains("coded")),
        "{changed:?}"
    );
    // What was stored, read back through the service as a supervisor would.
    use chartroom::service::Records;
    let records =
        chartroom::service::LocalRecords::new(chartroom::store::Store::open(&db).unwrap());
    let sup = records
        .login(chartroom::service::LoginRequest {
            username: "supervisor".into(),
            password: "supervisor-demo-password".into(),
            peer: None,
        })
        .unwrap()
        .token;
    let view = records.coding_record(&sup, &enc).unwrap();
    assert_eq!(
        view.record.status,
        chartroom::domain::coding::CodingStatus::Coded
    );
    assert_eq!(view.record.coded_by.as_deref(), Some("coder"));
    let codes: Vec<&str> = view.record.codes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, vec!["R69"]);
    drop(records);
    let verify = std::process::Command::new(BIN)
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
}

#[test]
fn a_patients_request_goes_from_intake_to_a_released_packet() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("chartroom").join("demo.redb");
    let mut t = Pty::spawn(&["demo", "--patients", "200"], home.path());
    t.wait_for("Sign in to chartroom", 240);
    t.send(b"roi\troi-demo-password\r");
    t.wait_for("Welcome", 30);
    // The patient from search: their chart puts them in context for intake.
    t.send(b"\x1bOQ"); // F2
    t.wait_for("Find:", 10);
    type_slowly(&mut t, "o'brien");
    t.wait_for("O'BRIEN,", 20);
    t.send(b"\r");
    t.wait_for("Chart — ", 10);
    t.send(b"\x1b[15~"); // F5
    t.wait_for("Release of information —", 20);
    t.send(b"n");
    t.wait_for("New release-of-information request", 10);
    t.send(b"\t\t"); // requester: the patient (the default); to the name
    type_slowly(&mut t, "Pat O'Brien");
    t.send(b"\t");
    type_slowly(&mut t, "patient portal");
    t.send(b"\x13"); // Ctrl+S: logged, and its page opens
    t.wait_for("logged; due", 20);
    t.wait_for("Checker", 20);
    t.wait_for("No authorization is needed", 20);
    let id: String = t
        .screen()
        .lines()
        .find_map(|l| l.split("ROI-").nth(1).map(|r| format!("ROI-{}", &r[..6])))
        .unwrap();
    t.send(b"p"); // in processing
    t.wait_for("in processing", 20);
    t.send(b"\t"); // the documents pane: what was asked for is picked
    t.wait_for("picked", 10);
    t.send(b"R");
    t.wait_for("flat fee $6.50", 10);
    t.send(b"\x13");
    t.wait_for("released:", 30);
    t.wait_for("Packet:", 10);
    quit(&mut t);

    let dir = home.path().join("chartroom").join("releases").join(&id);
    let manifest = chartroom::service::packet::verify_packet(&dir).unwrap();
    let names: Vec<&str> = manifest.iter().map(|m| m.name.as_str()).collect();
    for want in ["cover-letter.txt", "invoice.txt", "electronic-copy.json"] {
        assert!(names.contains(&want), "{names:?}");
    }
    assert!(names.iter().any(|n| n.starts_with("001-")), "{names:?}");
    let cover = std::fs::read_to_string(dir.join("cover-letter.txt")).unwrap();
    assert!(
        cover.contains("Pat O'Brien") && cover.contains(&id),
        "{cover}"
    );
    let invoice = std::fs::read_to_string(dir.join("invoice.txt")).unwrap();
    assert!(invoice.contains("$6.50"), "{invoice}");
    let events = audit_events(&db);
    let of = |action: &str| {
        events
            .iter()
            .filter(|e| e["event"]["user"] == "roi" && e["event"]["action"] == action)
            .count()
    };
    assert_eq!(of("roi_logged"), 1);
    assert_eq!(of("roi_released"), 1);
    let verify = std::process::Command::new(BIN)
        .args(["audit", "verify", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
}
