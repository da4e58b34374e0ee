//! `chartroom attach`: the `Records` trait over the daemon's socket. The UI holds it as a
//! `dyn Records` exactly as it holds `LocalRecords`.
//!
//! A connection that broke while idle (the daemon restarted) is made again on the next call,
//! and the call is sent once more only when it never reached the daemon whole (the write
//! failed), so a write is never done twice. A call whose answer was lost is reported as such:
//! the clerk checks and tries again; the screen, and whatever was typed, stays.

use super::api::{Call, Reply};
use super::protocol::{self, FrameError, Hello, MAGIC, MAX_REPLY_BYTES, PROTOCOL_VERSION, Welcome};
use crate::service::{ServiceError, ServiceResult};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer may take (a full-text search of a large database is well inside it).
const ANSWER_WITHIN: Duration = Duration::from_secs(120);
/// What the status line says while the daemon is away.
pub const RECONNECTING: &str = "reconnecting… (the chartroom server is not answering)";

pub struct RemoteRecords {
    socket: PathBuf,
    link: Mutex<Link>,
}

#[derive(Default)]
struct Link {
    stream: Option<UnixStream>,
    /// Connections made so far; a new one means sessions from before may be gone.
    connections: u64,
    /// The connection the last successful login was made on.
    login_connection: u64,
}

impl RemoteRecords {
    /// Connects and shakes hands; the messages say what to do when there is no daemon, no
    /// permission or another protocol version.
    pub fn connect(socket: &Path) -> Result<RemoteRecords, String> {
        let stream = open(socket)?;
        Ok(RemoteRecords {
            socket: socket.to_path_buf(),
            link: Mutex::new(Link {
                stream: Some(stream),
                connections: 1,
                login_connection: 0,
            }),
        })
    }

    /// How many times the client has connected (1 until the daemon went away once).
    pub fn connections(&self) -> u64 {
        self.link.lock().map(|l| l.connections).unwrap_or(0)
    }

    pub(super) fn call(&self, call: Call) -> ServiceResult<Reply> {
        let mut link = self
            .link
            .lock()
            .map_err(|_| ServiceError::Unavailable("the connection is unusable; restart".into()))?;
        let bytes = protocol::encode(&call).map_err(unavailable)?;
        for attempt in 0..2 {
            if link.stream.is_none() {
                match open(&self.socket) {
                    Ok(s) => {
                        link.stream = Some(s);
                        link.connections += 1;
                    }
                    Err(e) => {
                        return Err(ServiceError::Unavailable(format!("{RECONNECTING}: {e}")));
                    }
                }
            }
            let Some(stream) = link.stream.as_mut() else {
                continue;
            };
            if let Err(e) = std::io::Write::write_all(stream, &bytes) {
                // The daemon never had the whole call: safe to send it once more.
                link.stream = None;
                if attempt == 0 {
                    continue;
                }
                return Err(ServiceError::Unavailable(format!("{RECONNECTING}: {e}")));
            }
            let started = Instant::now();
            let answer = protocol::read_message::<Reply>(stream, MAX_REPLY_BYTES, &mut |_| {
                if started.elapsed() > ANSWER_WITHIN {
                    Err(FrameError::TimedOut)
                } else {
                    Ok(())
                }
            });
            return match answer {
                Ok(reply) => {
                    if matches!(reply, Reply::login(Ok(_))) {
                        link.login_connection = link.connections;
                    }
                    Ok(reply)
                }
                Err(e) => {
                    link.stream = None;
                    Err(ServiceError::Unavailable(format!(
                        "reconnecting… the server did not answer, so {} may or may not have \
                         been done: look before trying again ({e})",
                        call.name()
                    )))
                }
            };
        }
        Err(ServiceError::Unavailable(RECONNECTING.into()))
    }
}

impl RemoteRecords {
    /// A session that the daemon no longer knows because it restarted since the login is
    /// `ServerRestarted`, so the UI asks for the password and keeps the screen; an idle
    /// logoff stays `SessionExpired`.
    pub(super) fn after<T>(&self, r: ServiceResult<T>) -> ServiceResult<T> {
        match r {
            Err(ServiceError::SessionExpired) => {
                let restarted = self
                    .link
                    .lock()
                    .map(|l| l.login_connection > 0 && l.connections > l.login_connection)
                    .unwrap_or(false);
                Err(if restarted {
                    ServiceError::ServerRestarted
                } else {
                    ServiceError::SessionExpired
                })
            }
            other => other,
        }
    }
}

fn unavailable(e: FrameError) -> ServiceError {
    ServiceError::Unavailable(e.to_string())
}

/// One connection, handshake done.
fn open(socket: &Path) -> Result<UnixStream, String> {
    let shown = socket.display();
    let mut stream = UnixStream::connect(socket).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
            format!("no chartroom server answers at {shown}; is `chartroom serve` running?")
        }
        std::io::ErrorKind::PermissionDenied => format!(
            "not allowed to use {shown}; the socket's group must include your user (see \
             docs/deployment.md)"
        ),
        _ => format!("cannot reach {shown}: {e}"),
    })?;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    protocol::write_frame(
        &mut stream,
        &Hello {
            magic: MAGIC.into(),
            protocol: PROTOCOL_VERSION,
            client_version: env!("CARGO_PKG_VERSION").into(),
        },
    )
    .map_err(|e| format!("cannot greet the server at {shown}: {e}"))?;
    let started = Instant::now();
    let welcome: Welcome = protocol::read_message(&mut stream, 64 * 1024, &mut |_| {
        if started.elapsed() > Duration::from_secs(10) {
            Err(FrameError::TimedOut)
        } else {
            Ok(())
        }
    })
    .map_err(|e| format!("the server at {shown} did not greet back: {e}"))?;
    match welcome {
        Welcome::Ok { .. } => Ok(stream),
        Welcome::Refused { message } => Err(message),
    }
}
