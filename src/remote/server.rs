//! `chartroom serve`: one process owns the database and serves `Records` on a Unix socket.
//!
//! One thread per connection, each with at most one call in flight, so nothing queues without
//! bound; the number of connections is capped. A client has a few seconds to say hello and a
//! few more to finish any frame it starts; between calls it may sit as long as it likes (its
//! session's idle logoff is the service's, enforced here on every call). The peer's Unix user
//! comes from the kernel (SO_PEERCRED) and goes into each login's audit entry, whatever the
//! client claims. SIGTERM or SIGINT: stop accepting, let every call in flight finish and
//! commit, close the database, remove the socket, exit 0.

use super::api::Call;
use super::protocol::{self, FrameError, Hello, MAGIC, MAX_CALL_BYTES, PROTOCOL_VERSION, Welcome};
use crate::service::{LocalRecords, Records};
use crate::store::Store;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub db: PathBuf,
    pub socket: PathBuf,
    /// The group that may connect (the socket is 0660); None keeps the daemon's own group.
    pub group: Option<String>,
    pub max_connections: usize,
    /// Time to say hello after connecting.
    pub hello_within: Duration,
    /// Time to finish a frame once its first byte arrived.
    pub frame_within: Duration,
}

impl ServeOptions {
    pub fn new(db: &Path, socket: &Path) -> ServeOptions {
        ServeOptions {
            db: db.to_path_buf(),
            socket: socket.to_path_buf(),
            group: None,
            max_connections: 256,
            hello_within: Duration::from_secs(10),
            frame_within: Duration::from_secs(30),
        }
    }
}

/// How often sessions idle past their limit are ended (and audited) when no call comes.
const SWEEP_EVERY: Duration = Duration::from_secs(30);
/// How often a waiting connection looks at the stop flag.
const POLL: Duration = Duration::from_millis(200);

/// Runs until SIGTERM/SIGINT (or `stop` is set); `ready` is called once the socket listens.
pub fn serve(
    opts: &ServeOptions,
    stop: Arc<AtomicBool>,
    ready: &mut dyn FnMut(&Path),
) -> Result<(), String> {
    let store = Store::open(&opts.db).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("already open") {
            format!(
                "{} is already open in another chartroom process (a daemon, or a workstation \
                 with --db); only one process may own the file. Stop it first, or attach to the \
                 daemon that has it: chartroom attach --socket PATH",
                opts.db.display()
            )
        } else {
            msg
        }
    })?;
    let records = LocalRecords::new(store);
    let listener = bind(opts)?;
    records.start_search_index();
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| format!("cannot watch for SIGTERM: {e}"))?;
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot set up {}: {e}", opts.socket.display()))?;
    ready(&opts.socket);
    let active = AtomicUsize::new(0);
    let mut swept = Instant::now();
    std::thread::scope(|scope| {
        while !stop.load(Ordering::SeqCst) {
            if swept.elapsed() >= SWEEP_EVERY {
                swept = Instant::now();
                if let Err(e) = records.system_sweep_idle() {
                    eprintln!("chartroom serve: ending idle sessions failed: {e}");
                }
            }
            match listener.accept() {
                Ok((stream, _)) => {
                    if active.load(Ordering::SeqCst) >= opts.max_connections {
                        refuse(
                            stream,
                            "the server has as many sessions as it takes; try again shortly",
                        );
                        continue;
                    }
                    active.fetch_add(1, Ordering::SeqCst);
                    let (records, stop, active) = (&records, &stop, &active);
                    let spawned = std::thread::Builder::new()
                        .name("chartroom-conn".into())
                        .spawn_scoped(scope, move || {
                            let peer = peer_of(&stream);
                            let why = connection(stream, records, stop, opts, &peer);
                            eprintln!("chartroom serve: {peer}: connection closed ({why})");
                            active.fetch_sub(1, Ordering::SeqCst);
                        });
                    if let Err(e) = spawned {
                        active.fetch_sub(1, Ordering::SeqCst);
                        eprintln!("chartroom serve: cannot start a connection thread: {e}");
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => {
                    eprintln!("chartroom serve: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        eprintln!(
            "chartroom serve: stopping; {} connection(s) finish their calls",
            active.load(Ordering::SeqCst)
        );
    });
    drop(listener);
    let _ = std::fs::remove_file(&opts.socket);
    drop(records);
    eprintln!("chartroom serve: stopped; the database is closed");
    Ok(())
}

/// Binds the socket 0660 (group from the options), taking over a stale socket file but never
/// a live one or anything that is not a socket.
fn bind(opts: &ServeOptions) -> Result<UnixListener, String> {
    let path = &opts.socket;
    let shown = path.display();
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(format!(
                "{shown} exists and is not a socket; choose another --socket"
            ));
        }
        if UnixStream::connect(path).is_ok() {
            return Err(format!(
                "a chartroom server already answers at {shown}; one daemon per socket"
            ));
        }
        std::fs::remove_file(path).map_err(|e| format!("cannot remove the stale {shown}: {e}"))?;
    }
    // SAFETY: umask only changes this process's file-creation mask; the socket is created
    // without other-user permissions from the start, then set exactly.
    let old = unsafe { libc::umask(0o117) };
    let bound = UnixListener::bind(path);
    // SAFETY: as above, restoring the mask.
    unsafe { libc::umask(old) };
    let listener = bound.map_err(|e| format!("cannot listen on {shown}: {e}"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| format!("cannot set the mode of {shown}: {e}"))?;
    if let Some(group) = &opts.group {
        let gid = group_id(group)?;
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("{shown} is not a usable path"))?;
        // SAFETY: a valid NUL-terminated path; uid -1 (u32::MAX) leaves the owner unchanged.
        let rc = unsafe { libc::chown(c_path.as_ptr(), u32::MAX, gid) };
        if rc != 0 {
            return Err(format!(
                "cannot give {shown} to group {group}: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(listener)
}

fn group_id(name: &str) -> Result<libc::gid_t, String> {
    let c = std::ffi::CString::new(name).map_err(|_| format!("no group {name:?}"))?;
    // SAFETY: getgrnam reads a NUL-terminated name; the result is read before any other
    // call could reuse its static buffer (start-up, one thread).
    let g = unsafe { libc::getgrnam(c.as_ptr()) };
    if g.is_null() {
        return Err(format!("there is no group {name:?} on this machine"));
    }
    // SAFETY: non-null pointer from getgrnam.
    Ok(unsafe { (*g).gr_gid })
}

/// Says why in a Welcome frame and hangs up (too many connections).
fn refuse(mut stream: UnixStream, message: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = protocol::write_frame(
        &mut stream,
        &Welcome::Refused {
            message: message.into(),
        },
    );
}

/// The connecting process's Unix user, from the kernel: "jdoe (uid 1000)".
pub fn peer_of(stream: &UnixStream) -> String {
    let mut cred = libc::ucred {
        pid: 0,
        uid: u32::MAX,
        gid: u32::MAX,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: a live socket descriptor, and a ucred buffer of the length passed.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return "unknown peer".into();
    }
    match user_name(cred.uid) {
        Some(name) => format!("{name} (uid {})", cred.uid),
        None => format!("uid {}", cred.uid),
    }
}

fn user_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: passwd is plain data; zeroed is a valid "empty" value for getpwuid_r to fill.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: buffers are valid for the lengths given; result is checked before use.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so pw_name points at a NUL-terminated string in `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

/// Serves one connection until it closes, misbehaves or the daemon stops; says why it ended.
fn connection(
    mut stream: UnixStream,
    records: &LocalRecords,
    stop: &AtomicBool,
    opts: &ServeOptions,
    peer: &str,
) -> String {
    if stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(POLL)).is_err()
        || stream.set_write_timeout(Some(opts.frame_within)).is_err()
    {
        return "cannot set socket timeouts".into();
    }
    let connected = Instant::now();
    let hello = protocol::read_message::<Hello>(&mut stream, 4096, &mut |_| {
        if stop.load(Ordering::SeqCst) {
            Err(FrameError::ShuttingDown)
        } else if connected.elapsed() > opts.hello_within {
            Err(FrameError::TimedOut)
        } else {
            Ok(())
        }
    });
    let hello = match hello {
        Ok(h) => h,
        Err(FrameError::Decode(_)) => {
            refuse(
                stream,
                "this socket speaks the chartroom protocol; connect with `chartroom attach`",
            );
            return "not a chartroom client".into();
        }
        Err(e) => return format!("no hello: {e}"),
    };
    if hello.magic != MAGIC {
        refuse(
            stream,
            "this socket speaks the chartroom protocol; connect with `chartroom attach`",
        );
        return "not a chartroom client".into();
    }
    if hello.protocol != PROTOCOL_VERSION {
        let message = format!(
            "this chartroom server ({}) speaks protocol {PROTOCOL_VERSION} and your chartroom \
             ({}) speaks {}; install the same chartroom version on both sides",
            env!("CARGO_PKG_VERSION"),
            hello.client_version,
            hello.protocol
        );
        refuse(stream, &message);
        return format!("protocol {} refused", hello.protocol);
    }
    let welcome = Welcome::Ok {
        protocol: PROTOCOL_VERSION,
        server_version: env!("CARGO_PKG_VERSION").into(),
    };
    if let Err(e) = protocol::write_frame(&mut stream, &welcome) {
        return format!("cannot answer the hello: {e}");
    }
    loop {
        let mut begun: Option<Instant> = None;
        let call = protocol::read_message::<Call>(&mut stream, MAX_CALL_BYTES, &mut |started| {
            if !started {
                // Idle between calls: wait, unless the daemon is stopping.
                return if stop.load(Ordering::SeqCst) {
                    Err(FrameError::ShuttingDown)
                } else {
                    Ok(())
                };
            }
            let since = *begun.get_or_insert_with(Instant::now);
            if since.elapsed() > opts.frame_within {
                Err(FrameError::TimedOut)
            } else {
                Ok(())
            }
        });
        let mut call = match call {
            Ok(c) => c,
            Err(FrameError::Closed) => return "client hung up".into(),
            Err(e) => return e.to_string(),
        };
        if let Call::login { req } = &mut call {
            // The kernel's word, not the client's.
            req.peer = Some(peer.to_string());
        }
        let reply = call.run(records as &dyn Records);
        if let Err(e) = protocol::write_frame(&mut stream, &reply) {
            return format!("cannot send the answer: {e}");
        }
    }
}
