//! The deployment of docs/deployment.md, for real: an OpenSSH server on loopback whose
//! `Match Group` block forces `chartroom attach` on the clerks, a daemon owning the database,
//! and a clerk logging in over `ssh -tt`: the chartroom login appears, a patient search works,
//! and no shell can be reached (a command given to ssh runs chartroom all the same).
//!
//! sshd is installed by `.ci/run`; where it cannot be, the test says so and skips.

mod common;

use chartroom::remote::{ServeOptions, serve};
use common::pty::Pty;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chartroom");
const SSHD: &str = "/usr/sbin/sshd";

fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn whoami() -> (String, String) {
    let out = |args: &[&str]| {
        let o = Command::new("id").args(args).output().unwrap();
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    (out(&["-un"]), out(&["-gn"]))
}

struct Sshd {
    child: std::process::Child,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// sshd on 127.0.0.1:`port`, configured as docs/deployment.md says, for this user's group.
fn start_sshd(dir: &Path, port: u16, socket: &Path, group: &str) -> Sshd {
    let host_key = dir.join("host_ed25519");
    sh(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key));
    let config = dir.join("sshd_config");
    let attach = format!("{BIN} attach --socket {}", socket.display());
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
             AuthorizedKeysFile {}\nStrictModes no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\n\
             AcceptEnv LANG\n\
             Match Group {group}\n    ForceCommand {attach}\n    AllowTcpForwarding no\n    \
             X11Forwarding no\n    PermitTTY yes\n",
            host_key.display(),
            dir.join("sshd.pid").display(),
            dir.join("authorized_keys").display(),
        ),
    )
    .unwrap();
    // Privilege separation needs its empty directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    sh(Command::new(SSHD).arg("-t").arg("-f").arg(&config));
    let child = Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "sshd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd { child }
}

fn ssh_args(dir: &Path, port: u16, user: &str) -> Vec<String> {
    vec![
        "-tt".into(),
        "-q".into(),
        "-i".into(),
        dir.join("client_ed25519").display().to_string(),
        "-o".into(),
        "StrictHostKeyChecking=no".into(),
        "-o".into(),
        "UserKnownHostsFile=/dev/null".into(),
        "-o".into(),
        "BatchMode=yes".into(),
        "-p".into(),
        port.to_string(),
        format!("{user}@127.0.0.1"),
    ]
}

#[test]
fn a_clerk_over_ssh_gets_chartroom_and_never_a_shell() {
    if !Path::new(SSHD).exists() {
        eprintln!("skipped: {SSHD} is not installed (.ci/run installs openssh-server)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The database, with synthetic patients, served by a daemon.
    let db = dir.path().join("clinic.redb");
    let seed = Command::new(BIN)
        .args(["seed", "--db"])
        .arg(&db)
        .args(["--patients", "300", "--today", "2026-11-23"])
        .output()
        .unwrap();
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    let add = Command::new(BIN)
        .args(["user", "add", "--db"])
        .arg(&db)
        .args(["clerk", "--roles", "registrar", "--no-change-required"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut add = add;
        add.stdin
            .take()
            .unwrap()
            .write_all(b"a lighthouse keeper walks the quiet shore\n")
            .unwrap();
        assert!(add.wait().unwrap().success());
    }
    let socket = dir.path().join("chartroom.sock");
    let (user, group) = whoami();
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let mut opts = ServeOptions::new(&db, &socket);
    opts.group = Some(group.clone());
    let flag = Arc::clone(&stop);
    let daemon = std::thread::spawn(move || {
        serve(&opts, flag, &mut |_| {
            let _ = ready_tx.send(());
        })
    });
    ready.recv_timeout(Duration::from_secs(120)).unwrap();
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&socket).unwrap().permissions());
    assert_eq!(
        mode & 0o777,
        0o660,
        "the socket is for the owner and the group only"
    );

    let client_key = dir.path().join("client_ed25519");
    sh(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&client_key));
    std::fs::copy(
        client_key.with_extension("pub"),
        dir.path().join("authorized_keys"),
    )
    .unwrap();
    let port = free_port();
    let _sshd = start_sshd(dir.path(), port, &socket, &group);

    // A clerk logs in over ssh: the chartroom login, then a search.
    let args = ssh_args(dir.path(), port, &user);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut t = Pty::program("ssh", &argv, &[]);
    t.wait_for("Sign in to chartroom", 60);
    t.send(b"clerk\ta lighthouse keeper walks the quiet shore\r");
    t.wait_for("Welcome", 30);
    t.send(b"\x1bOQ"); // F2
    t.wait_for("Find:", 10);
    for c in "smith".bytes() {
        t.send(&[c]);
        std::thread::sleep(Duration::from_millis(40));
    }
    t.wait_for("matches", 20);
    assert!(t.screen().contains("SMITH,"), "{}", t.screen());
    t.send(b"\x11"); // Ctrl+Q: the session ends and so does the ssh connection.
    t.wait_exit(20, "ssh did not end after quitting chartroom");

    // Asking for a shell command still runs chartroom, never the command.
    let marker = dir.path().join("shell-was-reached");
    let mut args = ssh_args(dir.path(), port, &user);
    args.push(format!("touch {}; sh", marker.display()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut t = Pty::program("ssh", &argv, &[]);
    t.wait_for("Sign in to chartroom", 60);
    t.send(b"\x11");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !marker.exists(),
        "the forced command replaced the shell command"
    );
    // Port forwarding is refused: a connection through a local forward to sshd itself
    // never reaches it (no SSH banner comes back).
    let local = free_port();
    let mut args = ssh_args(dir.path(), port, &user);
    args.retain(|a| a != "-tt");
    args.splice(
        0..0,
        [
            "-N".to_string(),
            "-L".into(),
            format!("{local}:127.0.0.1:{port}"),
        ],
    );
    let mut fwd = Command::new("ssh")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    let mut through = loop {
        if let Ok(c) = std::net::TcpStream::connect(("127.0.0.1", local)) {
            break c;
        }
        assert!(
            Instant::now() < until,
            "ssh did not open the local end of the forward"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    through
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut got = Vec::new();
    let _ = std::io::Read::read_to_end(&mut through, &mut got);
    let _ = fwd.kill();
    let _ = fwd.wait();
    assert!(
        !String::from_utf8_lossy(&got).contains("SSH-"),
        "the forward reached sshd: {got:?}"
    );

    stop.store(true, Ordering::SeqCst);
    daemon.join().unwrap().unwrap();
    // The login through ssh names the Unix user the kernel saw.
    let audit = Command::new(BIN)
        .args(["audit", "list", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let trail = String::from_utf8_lossy(&audit.stdout);
    let login = trail
        .lines()
        .find(|l| l.contains("\"login\"") && l.contains("\"clerk\""))
        .expect("the clerk's login is audited");
    assert!(login.contains(&format!("{user} (uid")), "{login}");
}
