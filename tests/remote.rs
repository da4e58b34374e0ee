//! The daemon and its clients on a real socket: twenty clerks at once doing reads and writes
//! (no write lost or doubled, no deadlock), the kernel's word for who connected in the audit
//! trail, and hostile clients — garbage, a 4 GB length, a frame cut short, silence, the wrong
//! protocol, two hundred connections at once — while an honest client is served throughout.

mod common;

use chartroom::domain::audit::{AuditAction, Outcome};
use chartroom::domain::patient::{NewPatient, Sex};
use chartroom::remote::protocol::{self, Hello, MAGIC, PROTOCOL_VERSION, Welcome};
use chartroom::remote::{RemoteRecords, ServeOptions, serve};
use chartroom::service::{AuditVerdict, LocalRecords, LoginRequest, Records, ServiceError};
use chartroom::store::Store;
use chrono::NaiveDate;
use common::password_of;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Daemon {
    dir: tempfile::TempDir,
    socket: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Daemon {
    /// A database with one user per role, served on a socket in its folder.
    fn start(tune: impl FnOnce(&mut ServeOptions)) -> Daemon {
        let common::Fixture { dir, records, .. } = common::fixture();
        drop(records);
        let db = dir.path().join("test.redb");
        let socket = dir.path().join("chartroom.sock");
        let mut opts = ServeOptions::new(&db, &socket);
        tune(&mut opts);
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready) = std::sync::mpsc::channel();
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            serve(&opts, flag, &mut |_| {
                let _ = ready_tx.send(());
            })
        });
        ready
            .recv_timeout(Duration::from_secs(30))
            .expect("the daemon listens");
        Daemon {
            dir,
            socket,
            stop,
            thread: Some(thread),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("test.redb")
    }

    /// As SIGTERM would: stop, let calls finish, close the database.
    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap().unwrap();
        }
        assert!(!self.socket.exists(), "the socket is removed");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn login(r: &dyn Records, user: &str) -> chartroom::service::SessionToken {
    r.login(LoginRequest {
        username: user.into(),
        password: password_of(user).into(),
        // A client's claim, which the daemon replaces with the kernel's.
        peer: Some("forged-peer".into()),
    })
    .unwrap_or_else(|e| panic!("login {user}: {e}"))
    .token
}

fn new_patient(client: usize, i: usize) -> NewPatient {
    let letter = |n: usize| char::from(b'a' + u8::try_from(n % 26).unwrap());
    NewPatient {
        family_name: "Loadtest".into(),
        given_names: vec![format!("Ana{}{}", letter(client), letter(i))],
        dob: NaiveDate::from_ymd_opt(
            1950 + i32::try_from(client).unwrap(),
            1 + u32::try_from(i % 12).unwrap(),
            1 + u32::try_from(i).unwrap(),
        )
        .unwrap(),
        sex: Sex::Female,
        address: None,
        phone: None,
        ssn: None,
        details: Default::default(),
    }
}

fn reopen(db: &Path) -> LocalRecords {
    LocalRecords::new(Store::open(db).unwrap())
}

#[test]
fn twenty_clerks_at_once_lose_no_write_and_double_none() {
    let mut d = Daemon::start(|_| {});
    let clients = 20;
    let each = 10;
    let acknowledged: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let socket = d.socket.clone();
                s.spawn(move || {
                    let r = RemoteRecords::connect(&socket).unwrap();
                    let reg = login(&r, "registrar");
                    let mut mrns = Vec::new();
                    for i in 0..each {
                        let p = r
                            .register_patient(&reg, new_patient(c, i), Some("load test".into()))
                            .unwrap();
                        mrns.push(p.mrn.clone());
                        // Reads between the writes.
                        let chart = r.open_chart(&reg, &p.mrn).unwrap();
                        assert_eq!(chart.patient.mrn, p.mrn);
                        r.search(&reg, "loadtest", 5).unwrap();
                    }
                    r.logout(&reg).unwrap();
                    mrns
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    d.stop();
    let mut all: Vec<String> = acknowledged.into_iter().flatten().collect();
    assert_eq!(all.len(), clients * each);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), clients * each, "no MRN handed out twice");
    let records = reopen(&d.db());
    let stored = records.store().read(|r| r.patient_mrns()).unwrap();
    assert_eq!(stored.len(), clients * each, "nothing extra was written");
    for mrn in &all {
        assert!(stored.contains(mrn), "{mrn} was acknowledged and is stored");
    }
    assert!(matches!(
        records.system_verify_audit().unwrap(),
        AuditVerdict::Intact(_)
    ));
    // Every login names the peer the kernel reported, never the client's claim.
    let logins: Vec<_> = records
        .system_audit_entries(1, 100_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.event.action == AuditAction::Login && e.event.outcome == Outcome::Success)
        .collect();
    assert_eq!(logins.len(), clients);
    for e in &logins {
        let peer = e.event.peer.clone().unwrap_or_default();
        assert!(peer.contains("uid "), "{peer}");
        assert!(!peer.contains("forged"), "{peer}");
    }
}

/// A raw connection that has said hello.
fn greeted(socket: &Path, version: u32) -> (UnixStream, Welcome) {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    protocol::write_frame(
        &mut s,
        &Hello {
            magic: MAGIC.into(),
            protocol: version,
            client_version: "test".into(),
        },
    )
    .unwrap();
    let w: Welcome = protocol::read_message(&mut s, 1 << 20, &mut protocol::wait_forever).unwrap();
    (s, w)
}

/// True once the daemon has closed `s` (EOF or reset), within `within`.
fn closed_within(s: &mut UnixStream, within: Duration) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let until = Instant::now() + within;
    let mut buf = [0u8; 256];
    while Instant::now() < until {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn hostile_clients_are_cut_off_and_an_honest_one_is_served_throughout() {
    let mut d = Daemon::start(|o| {
        o.hello_within = Duration::from_millis(500);
        o.frame_within = Duration::from_millis(500);
    });
    let honest = RemoteRecords::connect(&d.socket).unwrap();
    let token = login(&honest, "registrar");
    let still_served = |what: &str| {
        honest
            .search(&token, "nobody", 5)
            .unwrap_or_else(|e| panic!("after {what}: {e}"));
    };

    // Garbage instead of a hello: told in words, then closed.
    let mut g = UnixStream::connect(&d.socket).unwrap();
    g.write_all(&[0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1])
        .unwrap();
    let w: Welcome = protocol::read_message(&mut g, 1 << 20, &mut protocol::wait_forever).unwrap();
    assert!(
        matches!(&w, Welcome::Refused { message } if message.contains("chartroom attach")),
        "{w:?}"
    );
    assert!(closed_within(&mut g, Duration::from_secs(5)));
    still_served("garbage");

    // Another protocol version: the message says what to do.
    let (mut old, w) = greeted(&d.socket, PROTOCOL_VERSION + 1);
    assert!(
        matches!(&w, Welcome::Refused { message } if message.contains("same chartroom version")),
        "{w:?}"
    );
    assert!(closed_within(&mut old, Duration::from_secs(5)));

    // A 4 GB length prefix after a good hello: cut off without allocating it.
    let (mut huge, w) = greeted(&d.socket, PROTOCOL_VERSION);
    assert!(matches!(w, Welcome::Ok { .. }));
    huge.write_all(&u32::MAX.to_be_bytes()).unwrap();
    assert!(closed_within(&mut huge, Duration::from_secs(5)));
    still_served("a 4 GB length");

    // A frame that starts and never finishes: cut off after frame_within.
    let (mut half, _) = greeted(&d.socket, PROTOCOL_VERSION);
    half.write_all(&[0, 0, 1, 0, 1, 2, 3]).unwrap();
    assert!(closed_within(&mut half, Duration::from_secs(5)));

    // A client that vanishes mid-frame.
    let (mut gone, _) = greeted(&d.socket, PROTOCOL_VERSION);
    gone.write_all(&[0, 0, 0, 50, 1, 2]).unwrap();
    drop(gone);

    // A valid frame that is not a call: closed.
    let (mut wrong, _) = greeted(&d.socket, PROTOCOL_VERSION);
    protocol::write_frame(&mut wrong, &"not a call".to_string()).unwrap();
    assert!(closed_within(&mut wrong, Duration::from_secs(5)));

    // Connects and never speaks: closed after hello_within.
    let mut silent = UnixStream::connect(&d.socket).unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)));
    still_served("silence");

    // Two hundred connections at once, each greeted; the honest client goes on.
    let crowd: Vec<UnixStream> = (0..200)
        .map(|_| {
            let (s, w) = greeted(&d.socket, PROTOCOL_VERSION);
            assert!(matches!(w, Welcome::Ok { .. }));
            s
        })
        .collect();
    still_served("200 connections");
    let p = honest
        .register_patient(&token, new_patient(1, 1), Some("test".into()))
        .unwrap();
    drop(crowd);
    d.stop();
    let records = reopen(&d.db());
    let stored = records.store().read(|r| r.patient_mrns()).unwrap();
    assert_eq!(stored, vec![p.mrn]);
}

#[test]
fn more_connections_than_the_cap_are_told_to_try_again() {
    let mut d = Daemon::start(|o| o.max_connections = 3);
    let held: Vec<_> = (0..3)
        .map(|_| greeted(&d.socket, PROTOCOL_VERSION).0)
        .collect();
    // The accept loop may still be counting the first three; give it a moment.
    std::thread::sleep(Duration::from_millis(200));
    let mut over = UnixStream::connect(&d.socket).unwrap();
    over.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let w: Welcome =
        protocol::read_message(&mut over, 1 << 20, &mut protocol::wait_forever).unwrap();
    assert!(
        matches!(&w, Welcome::Refused { message } if message.contains("try again")),
        "{w:?}"
    );
    let e = RemoteRecords::connect(&d.socket).err().unwrap();
    assert!(e.contains("try again"), "{e}");
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        RemoteRecords::connect(&d.socket).is_ok(),
        "served again once others left"
    );
    d.stop();
}

#[test]
fn a_restarted_daemon_is_found_again_and_old_sessions_must_log_in_again() {
    let mut d = Daemon::start(|_| {});
    let r = RemoteRecords::connect(&d.socket).unwrap();
    let token = login(&r, "registrar");
    r.search(&token, "x", 1).unwrap();
    d.stop();
    let e = r.search(&token, "x", 1).unwrap_err();
    assert!(
        matches!(&e, ServiceError::Unavailable(m) if m.contains("reconnecting")),
        "{e:?}"
    );
    // The same database served again on the same socket.
    let socket = d.socket.clone();
    let db = d.db();
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, ready) = std::sync::mpsc::channel();
    let flag = Arc::clone(&stop);
    let t = std::thread::spawn(move || {
        serve(&ServeOptions::new(&db, &socket), flag, &mut |_| {
            let _ = tx.send(());
        })
    });
    ready.recv_timeout(Duration::from_secs(30)).unwrap();
    let e = r.search(&token, "x", 1).unwrap_err();
    assert_eq!(e, ServiceError::ServerRestarted, "{e}");
    assert_eq!(r.connections(), 2);
    let token = login(&r, "registrar");
    r.search(&token, "x", 1).unwrap();
    stop.store(true, Ordering::SeqCst);
    t.join().unwrap().unwrap();
}

#[test]
fn a_second_daemon_on_the_same_file_or_socket_is_refused() {
    let d = Daemon::start(|_| {});
    let other_socket = d.dir.path().join("other.sock");
    let e = serve(
        &ServeOptions::new(&d.db(), &other_socket),
        Arc::new(AtomicBool::new(true)),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        e.contains("already open") && e.contains("chartroom attach"),
        "{e}"
    );
    let e = RemoteRecords::connect(&d.dir.path().join("nothing.sock"))
        .err()
        .unwrap();
    assert!(e.contains("is `chartroom serve` running?"), "{e}");
}

const BIN: &str = env!("CARGO_BIN_EXE_chartroom");

/// `chartroom serve` as its own process, waiting until the socket answers.
fn spawn_daemon(db: &Path, socket: &Path) -> std::process::Child {
    let child = std::process::Command::new(BIN)
        .args(["serve", "--db"])
        .arg(db)
        .arg("--socket")
        .arg(socket)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while RemoteRecords::connect(socket).is_err() {
        assert!(Instant::now() < until, "the daemon did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn fixture_db() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let common::Fixture { dir, records, .. } = common::fixture();
    drop(records);
    let db = dir.path().join("test.redb");
    let socket = dir.path().join("chartroom.sock");
    (dir, db, socket)
}

#[test]
fn a_daemon_killed_during_writes_keeps_every_acknowledged_one() {
    let (_dir, db, socket) = fixture_db();
    let mut daemon = spawn_daemon(&db, &socket);
    let acknowledged = std::sync::Mutex::new(Vec::new());
    // Sessions first, so the kill falls among writes and not among logins.
    let sessions: Vec<_> = (0..4)
        .map(|_| {
            let r = RemoteRecords::connect(&socket).unwrap();
            let reg = login(&r, "registrar");
            (r, reg)
        })
        .collect();
    std::thread::scope(|s| {
        for (c, (r, reg)) in sessions.iter().enumerate() {
            let acknowledged = &acknowledged;
            s.spawn(move || {
                for i in 0..1000 {
                    match r.register_patient(reg, new_patient(c, i % 26), Some("crash".into())) {
                        Ok(p) => acknowledged.lock().unwrap().push(p.mrn),
                        Err(_) => return,
                    }
                }
            });
        }
        // Let writes flow, then kill the daemon without warning.
        let until = Instant::now() + Duration::from_secs(60);
        while acknowledged.lock().unwrap().len() < 40 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        daemon.kill().unwrap();
        daemon.wait().unwrap();
    });
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(acknowledged.len() >= 40, "{}", acknowledged.len());
    let records = reopen(&db);
    let stored = records.store().read(|r| r.patient_mrns()).unwrap();
    for mrn in &acknowledged {
        assert!(stored.contains(mrn), "acknowledged {mrn} survived SIGKILL");
    }
    assert!(matches!(
        records.system_verify_audit().unwrap(),
        AuditVerdict::Intact(_)
    ));
}

#[test]
fn sigterm_finishes_closes_the_database_and_exits_0() {
    let (_dir, db, socket) = fixture_db();
    let mut daemon = spawn_daemon(&db, &socket);
    let r = RemoteRecords::connect(&socket).unwrap();
    let reg = login(&r, "registrar");
    let p = r
        .register_patient(&reg, new_patient(2, 2), Some("test".into()))
        .unwrap();
    // A second daemon on the same file is refused in words while the first runs.
    let second = std::process::Command::new(BIN)
        .args(["serve", "--db"])
        .arg(&db)
        .arg("--socket")
        .arg(db.with_extension("sock2"))
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("already open"));
    // SAFETY: kill on our own child's pid.
    unsafe { libc::kill(i32::try_from(daemon.id()).unwrap(), libc::SIGTERM) };
    let status = daemon.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!socket.exists());
    // The file is free again and holds the write.
    let records = reopen(&db);
    assert!(
        records
            .store()
            .read(|r| r.patient_mrns())
            .unwrap()
            .contains(&p.mrn)
    );
}

#[test]
fn attach_rides_out_a_daemon_restart_keeping_what_was_typed() {
    let (dir, db, socket) = fixture_db();
    let mut daemon = spawn_daemon(&db, &socket);
    let home = dir.path().to_string_lossy().into_owned();
    let mut t = common::pty::Pty::program(
        BIN,
        &["attach", "--socket", socket.to_str().unwrap()],
        &[("XDG_CONFIG_HOME", &home)],
    );
    t.wait_for("Sign in to chartroom", 60);
    t.send(b"registrar\tregistrar-demo-password\r");
    t.wait_for("Welcome", 30);
    t.send(b"\x1bOQ"); // F2
    t.wait_for("Find:", 10);
    for c in b"quin" {
        t.send(&[*c]);
        std::thread::sleep(Duration::from_millis(60));
    }
    t.wait_for("Find: quin", 10);
    // SIGTERM: the daemon goes; the next search finds it gone.
    // SAFETY: kill on our own child's pid.
    unsafe { libc::kill(i32::try_from(daemon.id()).unwrap(), libc::SIGTERM) };
    assert_eq!(daemon.wait().unwrap().code(), Some(0));
    t.send(b"t");
    t.wait_for("reconnecting…", 20);
    // Back again: the client finds it by itself and asks for the password over the screen.
    let mut daemon = spawn_daemon(&db, &socket);
    t.wait_for("The server restarted", 60);
    assert!(t.screen().contains("Find: quint"), "{}", t.screen());
    t.send(b"registrar-demo-password\r");
    t.wait_for("Logged in again", 20);
    assert!(
        t.screen().contains("Find: quint"),
        "what was typed is kept:\n{}",
        t.screen()
    );
    t.send(b"\x11"); // Ctrl+Q
    t.wait_exit(20, "attach did not quit");
    daemon.kill().unwrap();
    let _ = daemon.wait();
}
