//! Frames on the daemon's socket: a 4-byte big-endian length, then that many bytes of
//! MessagePack (named fields, so `#[serde(default)]` keeps working across versions). The
//! first frame each way is the handshake; a client of another protocol version is told so
//! in words and the connection closes.
//!
//! The reader never trusts a length: it refuses one above the limit before allocating, and
//! grows its buffer only as bytes arrive, so a 4 GB prefix or a frame that never finishes
//! costs nothing. Waiting is the caller's policy (`patience`), so the daemon can time out a
//! silent client and stop at SIGTERM in the middle of a read.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::{ErrorKind, Read, Write};

/// Bumped whenever `Call`, `Reply` or a type inside them changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;
/// The largest call a client may send (the biggest real one, a set of codes or an
/// authorization, is a few KB).
pub const MAX_CALL_BYTES: u32 = 256 * 1024;
/// The largest reply (a long audit page or a large document).
pub const MAX_REPLY_BYTES: u32 = 64 * 1024 * 1024;
/// What a client says first, so a stray program is told it reached the wrong socket.
pub const MAGIC: &str = "chartroom";
/// Bytes read at a time: what one frame may hold in memory before more has arrived.
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub magic: String,
    pub protocol: u32,
    /// The client's `chartroom --version`, for the daemon's log.
    pub client_version: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Welcome {
    Ok {
        protocol: u32,
        server_version: String,
    },
    /// The daemon will not serve this client; the message says why and what to do.
    Refused { message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("the other side closed the connection")]
    Closed,
    #[error("the connection closed in the middle of a frame ({got} of {want} bytes)")]
    Truncated { got: usize, want: usize },
    #[error("a frame of {len} bytes is over the limit of {max}")]
    TooLarge { len: u32, max: u32 },
    #[error("nothing arrived in time")]
    TimedOut,
    #[error("the daemon is shutting down")]
    ShuttingDown,
    #[error("a frame that is not a chartroom message: {0}")]
    Decode(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The bytes of one frame: length prefix and body.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, FrameError> {
    let body = rmp_serde::to_vec_named(value).map_err(|e| FrameError::Decode(e.to_string()))?;
    let len = u32::try_from(body.len()).map_err(|_| FrameError::TooLarge {
        len: u32::MAX,
        max: u32::MAX,
    })?;
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    rmp_serde::from_slice(body).map_err(|e| FrameError::Decode(e.to_string()))
}

/// Writes one frame in one `write_all` and flushes it.
pub fn write_frame<T: Serialize>(w: &mut impl Write, value: &T) -> Result<(), FrameError> {
    let bytes = encode(value)?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame's body, at most `max` bytes. When a read times out (the stream has a read
/// timeout), `patience(started)` decides: `Ok` waits on, an error ends the read. `started` says
/// whether part of this frame has arrived (a half-sent frame deserves less patience than an
/// idle connection).
pub fn read_frame(
    r: &mut impl Read,
    max: u32,
    patience: &mut dyn FnMut(bool) -> Result<(), FrameError>,
) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; 4];
    let got = fill(r, &mut header, false, patience)?;
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < header.len() {
        return Err(FrameError::Truncated { got, want: 4 });
    }
    let len = u32::from_be_bytes(header);
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    let want = len as usize;
    let mut body: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; CHUNK.min(want.max(1))];
    while body.len() < want {
        let n = (want - body.len()).min(chunk.len());
        let got = fill(r, &mut chunk[..n], true, patience)?;
        body.extend_from_slice(&chunk[..got]);
        if got < n {
            return Err(FrameError::Truncated {
                got: body.len(),
                want,
            });
        }
    }
    Ok(body)
}

/// Reads one frame and decodes it.
pub fn read_message<T: DeserializeOwned>(
    r: &mut impl Read,
    max: u32,
    patience: &mut dyn FnMut(bool) -> Result<(), FrameError>,
) -> Result<T, FrameError> {
    decode(&read_frame(r, max, patience)?)
}

/// Fills `buf` unless the stream ends first; returns how much arrived.
fn fill(
    r: &mut impl Read,
    buf: &mut [u8],
    mut started: bool,
    patience: &mut dyn FnMut(bool) -> Result<(), FrameError>,
) -> Result<usize, FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                started = true;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                patience(started || filled > 0)?
            }
            Err(e) => return Err(FrameError::Io(e)),
        }
    }
    Ok(filled)
}

/// Patience for a blocking stream in tests and tools: never gives up.
pub fn wait_forever(_: bool) -> Result<(), FrameError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(bytes: &[u8], max: u32) -> Result<Vec<u8>, FrameError> {
        read_frame(&mut &bytes[..], max, &mut wait_forever)
    }

    #[test]
    fn a_handshake_round_trips() {
        let hello = Hello {
            magic: MAGIC.into(),
            protocol: PROTOCOL_VERSION,
            client_version: "0.1.0".into(),
        };
        let bytes = encode(&hello).unwrap();
        let back: Hello = decode(&read_all(&bytes, MAX_CALL_BYTES).unwrap()).unwrap();
        assert_eq!(back, hello);
    }

    #[test]
    fn a_huge_length_is_refused_before_anything_is_allocated() {
        let bytes = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        match read_all(&bytes, MAX_CALL_BYTES) {
            Err(FrameError::TooLarge { len, max }) => {
                assert_eq!((len, max), (u32::MAX, MAX_CALL_BYTES))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn closed_and_truncated_are_told_apart() {
        assert!(matches!(read_all(&[], 100), Err(FrameError::Closed)));
        assert!(matches!(
            read_all(&[0, 0], 100),
            Err(FrameError::Truncated { got: 2, want: 4 })
        ));
        assert!(matches!(
            read_all(&[0, 0, 0, 10, 1, 2, 3], 100),
            Err(FrameError::Truncated { got: 3, want: 10 })
        ));
    }

    /// A stream that times out between every byte, as a slow client would.
    struct Trickle<'a> {
        bytes: &'a [u8],
        pos: usize,
        starve: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.starve = !self.starve;
            if self.starve {
                return Err(std::io::Error::from(ErrorKind::WouldBlock));
            }
            if self.pos >= self.bytes.len() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.bytes[self.pos];
            self.pos += 1;
            Ok(1)
        }
    }

    #[test]
    fn patience_sees_a_started_frame_and_can_end_the_wait() {
        let bytes = encode(&"hello".to_string()).unwrap();
        let mut seen = Vec::new();
        let mut t = Trickle {
            bytes: &bytes,
            pos: 0,
            starve: false,
        };
        let body = read_frame(&mut t, 100, &mut |started| {
            seen.push(started);
            Ok(())
        })
        .unwrap();
        assert_eq!(decode::<String>(&body).unwrap(), "hello");
        assert_eq!(seen.first(), Some(&false), "idle before the first byte");
        assert!(seen[1..].iter().all(|s| *s), "then a frame in progress");
        let mut t = Trickle {
            bytes: &bytes,
            pos: 0,
            starve: false,
        };
        let mut waits = 0;
        let e = read_frame(&mut t, 100, &mut |_| {
            waits += 1;
            if waits > 2 {
                Err(FrameError::TimedOut)
            } else {
                Ok(())
            }
        });
        assert!(matches!(e, Err(FrameError::TimedOut)), "{e:?}");
    }

    proptest! {
        #[test]
        fn any_body_round_trips(body in proptest::collection::vec(any::<u8>(), 0..5000)) {
            let bytes = encode(&body).unwrap();
            let back: Vec<u8> = decode(&read_all(&bytes, MAX_CALL_BYTES).unwrap()).unwrap();
            prop_assert_eq!(back, body);
        }

        #[test]
        fn garbage_is_an_error_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(body) = read_all(&bytes, 200) {
                prop_assert!(body.len() <= 200);
                let _ = decode::<Hello>(&body);
                let _ = decode::<crate::remote::api::Call>(&body);
            }
        }

        #[test]
        fn every_cut_of_a_frame_is_truncated_or_closed(cut in 0usize..40) {
            let bytes = encode(&Hello {
                magic: MAGIC.into(),
                protocol: 7,
                client_version: "x".into(),
            })
            .unwrap();
            let cut = cut.min(bytes.len() - 1);
            let e = read_all(&bytes[..cut], MAX_CALL_BYTES).unwrap_err();
            let closed_or_truncated =
                matches!(e, FrameError::Closed | FrameError::Truncated { .. });
            prop_assert!(closed_or_truncated);
        }
    }
}
