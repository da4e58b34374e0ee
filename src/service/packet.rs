//! The release packet on disk: a folder of files written atomically. Everything goes into a
//! hidden temporary folder beside the final one, each file synced, then a `sha256sum`-style
//! manifest, then one rename; so the folder named after the request either holds the whole
//! packet or does not exist. Any failure removes the temporary folder and says what to do.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const MANIFEST_NAME: &str = "MANIFEST.sha256";

pub struct PacketFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub struct Packet {
    /// The folder's name: letters, digits and '-' only (`ROI-000001`).
    pub request_id: String,
    pub files: Vec<PacketFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestEntry {
    pub name: String,
    pub bytes: u64,
    /// Lowercase hex.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WrittenPacket {
    pub dir: PathBuf,
    /// The files, not the manifest itself, in the order written.
    pub manifest: Vec<ManifestEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    #[error(
        "the release folder {0} does not exist or is not a folder; create it or set \
         roi_output_dir to an existing folder, then release again"
    )]
    NotADirectory(PathBuf),
    #[error(
        "cannot write in {0}: permission denied; choose another output folder or ask the \
         administrator to grant write access, then release again"
    )]
    NotWritable(PathBuf),
    #[error(
        "the disk holding {0} is full; free space or choose another output folder, then release again"
    )]
    DiskFull(PathBuf),
    #[error(
        "a packet folder {0} already exists; move it aside after checking it, then release again"
    )]
    AlreadyExists(PathBuf),
    #[error(
        "the packet file name {0:?} is not usable (empty, a path, a control character or used twice)"
    )]
    BadName(String),
    #[error("writing {path} failed: {source}; check the folder and release again")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the packet file {name} does not match its manifest (changed, missing or not listed)")]
    Mismatch { name: String },
}

/// The file-system calls the writer makes, so a test can make one fail (a full disk).
pub trait PacketSink {
    fn create_dir(&mut self, path: &Path) -> std::io::Result<()>;
    /// Creates the file, writes all of `bytes` and syncs it.
    fn write_file(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()>;
    fn sync_dir(&mut self, path: &Path) -> std::io::Result<()>;
    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()>;
    fn remove_dir_all(&mut self, path: &Path) -> std::io::Result<()>;
}

/// The real file system.
pub struct FsSink;

impl PacketSink for FsSink {
    fn create_dir(&mut self, path: &Path) -> std::io::Result<()> {
        std::fs::create_dir(path)
    }
    fn write_file(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::File::create_new(path)?;
        f.write_all(bytes)?;
        f.sync_all()
    }
    fn sync_dir(&mut self, path: &Path) -> std::io::Result<()> {
        std::fs::File::open(path)?.sync_all()
    }
    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::rename(from, to)
    }
    fn remove_dir_all(&mut self, path: &Path) -> std::io::Result<()> {
        std::fs::remove_dir_all(path)
    }
}

fn classify(path: &Path, e: std::io::Error) -> PacketError {
    let raw = e.raw_os_error();
    if raw == Some(libc::ENOSPC) || raw == Some(libc::EDQUOT) {
        PacketError::DiskFull(path.to_path_buf())
    } else if e.kind() == std::io::ErrorKind::PermissionDenied
        || raw == Some(libc::EACCES)
        || raw == Some(libc::EPERM)
        || raw == Some(libc::EROFS)
    {
        PacketError::NotWritable(path.to_path_buf())
    } else if e.kind() == std::io::ErrorKind::AlreadyExists {
        PacketError::AlreadyExists(path.to_path_buf())
    } else {
        PacketError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// A file name fit for every file system: lowercase ASCII letters, digits and '-', runs of
/// anything else collapsed to one '-', at most 60 characters, never empty.
pub fn safe_file_stem(s: &str) -> String {
    let mut out = String::new();
    for c in deunicode::deunicode(s).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out: String = out.chars().take(60).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "file".into() } else { out }
}

fn check_names(packet: &Packet) -> Result<(), PacketError> {
    let id = &packet.request_id;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(PacketError::BadName(id.clone()));
    }
    let mut seen = std::collections::HashSet::new();
    for f in &packet.files {
        let n = &f.name;
        let bad = n.is_empty()
            || n == "."
            || n == ".."
            || n == MANIFEST_NAME
            || n.starts_with('.')
            || n.contains(['/', '\\'])
            || n.chars().any(char::is_control)
            || !seen.insert(n.clone());
        if bad {
            return Err(PacketError::BadName(n.clone()));
        }
    }
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn manifest_text(entries: &[ManifestEntry]) -> String {
    entries
        .iter()
        .map(|e| format!("{}  {}\n", e.sha256, e.name))
        .collect()
}

/// Writes `packet` as `out_dir/<request_id>`, completely or not at all.
pub fn write_packet(out_dir: &Path, packet: &Packet) -> Result<WrittenPacket, PacketError> {
    write_packet_with(&mut FsSink, out_dir, packet)
}

pub fn write_packet_with(
    sink: &mut dyn PacketSink,
    out_dir: &Path,
    packet: &Packet,
) -> Result<WrittenPacket, PacketError> {
    check_names(packet)?;
    if !out_dir.is_dir() {
        return Err(PacketError::NotADirectory(out_dir.to_path_buf()));
    }
    let dir = out_dir.join(&packet.request_id);
    if dir.exists() {
        return Err(PacketError::AlreadyExists(dir));
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let temp = out_dir.join(format!(
        ".{}.partial-{}-{nanos}",
        packet.request_id,
        std::process::id()
    ));
    sink.create_dir(&temp).map_err(|e| classify(out_dir, e))?;
    match fill(sink, &temp, &dir, out_dir, packet) {
        Ok(manifest) => Ok(WrittenPacket { dir, manifest }),
        Err(e) => {
            let _ = sink.remove_dir_all(&temp);
            Err(e)
        }
    }
}

fn fill(
    sink: &mut dyn PacketSink,
    temp: &Path,
    dir: &Path,
    out_dir: &Path,
    packet: &Packet,
) -> Result<Vec<ManifestEntry>, PacketError> {
    let mut manifest = Vec::with_capacity(packet.files.len());
    for f in &packet.files {
        sink.write_file(&temp.join(&f.name), &f.bytes)
            .map_err(|e| classify(out_dir, e))?;
        manifest.push(ManifestEntry {
            name: f.name.clone(),
            bytes: f.bytes.len() as u64,
            sha256: sha256_hex(&f.bytes),
        });
    }
    sink.write_file(
        &temp.join(MANIFEST_NAME),
        manifest_text(&manifest).as_bytes(),
    )
    .map_err(|e| classify(out_dir, e))?;
    sink.sync_dir(temp).map_err(|e| classify(out_dir, e))?;
    if dir.exists() {
        return Err(PacketError::AlreadyExists(dir.to_path_buf()));
    }
    sink.rename(temp, dir)
        .map_err(|e| match classify(out_dir, e) {
            // rename over a non-empty folder that appeared meanwhile
            PacketError::Io { source, .. }
                if source.raw_os_error() == Some(libc::ENOTEMPTY)
                    || source.raw_os_error() == Some(libc::EEXIST) =>
            {
                PacketError::AlreadyExists(dir.to_path_buf())
            }
            other => other,
        })?;
    // The rename is durable once the parent folder is synced.
    sink.sync_dir(out_dir).map_err(|e| classify(out_dir, e))?;
    Ok(manifest)
}

/// Checks a written packet against its manifest: every listed file there with its hash and
/// size, nothing unlisted beside it.
pub fn verify_packet(dir: &Path) -> Result<Vec<ManifestEntry>, PacketError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PacketError::Io { path, source }
    };
    let manifest_path = dir.join(MANIFEST_NAME);
    let text = std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
    let mut entries = Vec::new();
    for line in text.lines() {
        let Some((hash, name)) = line.split_once("  ") else {
            return Err(PacketError::Mismatch {
                name: MANIFEST_NAME.into(),
            });
        };
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|_| PacketError::Mismatch {
            name: name.to_string(),
        })?;
        if sha256_hex(&bytes) != hash {
            return Err(PacketError::Mismatch {
                name: name.to_string(),
            });
        }
        entries.push(ManifestEntry {
            name: name.to_string(),
            bytes: bytes.len() as u64,
            sha256: hash.to_string(),
        });
    }
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name != MANIFEST_NAME && !entries.iter().any(|e| e.name == name) {
            return Err(PacketError::Mismatch { name });
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn packet(id: &str, files: &[(&str, &[u8])]) -> Packet {
        Packet {
            request_id: id.into(),
            files: files
                .iter()
                .map(|(n, b)| PacketFile {
                    name: n.to_string(),
                    bytes: b.to_vec(),
                })
                .collect(),
        }
    }

    fn three() -> Packet {
        packet(
            "ROI-000001",
            &[
                ("cover-letter.txt", b"Dear requester"),
                ("invoice.txt", b"Total $6.50"),
                ("001-progress-note.txt", b"Progress note.\nWell."),
            ],
        )
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_packet_is_written_whole_with_its_manifest() {
        let out = tempfile::tempdir().unwrap();
        let w = write_packet(out.path(), &three()).unwrap();
        assert_eq!(w.dir, out.path().join("ROI-000001"));
        assert_eq!(
            entries(out.path()),
            ["ROI-000001"],
            "no temporary folder left"
        );
        assert_eq!(w.manifest.len(), 3);
        assert_eq!(
            w.manifest[1].sha256,
            hex::encode(Sha256::digest(b"Total $6.50"))
        );
        assert_eq!(w.manifest[1].bytes, 11);
        assert_eq!(verify_packet(&w.dir).unwrap(), w.manifest);
        let text = std::fs::read_to_string(w.dir.join(MANIFEST_NAME)).unwrap();
        assert!(text.starts_with(&format!("{}  cover-letter.txt\n", w.manifest[0].sha256)));
    }

    #[test]
    fn a_second_packet_of_the_same_request_is_refused_and_the_first_kept() {
        let out = tempfile::tempdir().unwrap();
        let first = write_packet(out.path(), &three()).unwrap();
        let again = packet("ROI-000001", &[("x.txt", b"other")]);
        assert!(matches!(
            write_packet(out.path(), &again),
            Err(PacketError::AlreadyExists(_))
        ));
        assert_eq!(verify_packet(&first.dir).unwrap(), first.manifest);
        assert_eq!(entries(out.path()), ["ROI-000001"]);
    }

    #[test]
    fn a_missing_or_wrong_output_folder() {
        let out = tempfile::tempdir().unwrap();
        let missing = out.path().join("nope");
        assert!(matches!(
            write_packet(&missing, &three()),
            Err(PacketError::NotADirectory(_))
        ));
        let file = out.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let e = write_packet(&file, &three()).unwrap_err();
        assert!(matches!(e, PacketError::NotADirectory(_)));
        assert!(e.to_string().contains("roi_output_dir"), "{e}");
    }

    #[test]
    fn a_read_only_folder_is_not_writable_and_nothing_is_made() {
        use std::os::unix::fs::PermissionsExt;
        let out = tempfile::tempdir().unwrap();
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        // Root writes through mode bits, so as root (CI) the folder is one the kernel itself
        // refuses to let anyone create files in.
        let ro = if root {
            std::path::PathBuf::from("/sys/kernel")
        } else {
            let ro = out.path().join("ro");
            std::fs::create_dir(&ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
            ro
        };
        assert!(ro.is_dir(), "{} is not a folder here", ro.display());
        let before = entries(&ro);
        let e = write_packet(&ro, &three()).unwrap_err();
        if !root {
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(matches!(e, PacketError::NotWritable(_)), "{e:?}");
        assert!(e.to_string().contains(&ro.display().to_string()), "{e}");
        assert_eq!(entries(&ro), before, "nothing was made");
    }

    /// The real file system, except that the `fail_at`th file write runs out of space.
    struct FullDisk {
        writes: usize,
        fail_at: usize,
    }

    impl PacketSink for FullDisk {
        fn create_dir(&mut self, path: &Path) -> std::io::Result<()> {
            FsSink.create_dir(path)
        }
        fn write_file(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
            self.writes += 1;
            if self.writes == self.fail_at {
                // Half the file made it before the disk filled.
                std::fs::write(path, &bytes[..bytes.len() / 2])?;
                return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
            }
            FsSink.write_file(path, bytes)
        }
        fn sync_dir(&mut self, path: &Path) -> std::io::Result<()> {
            FsSink.sync_dir(path)
        }
        fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            FsSink.rename(from, to)
        }
        fn remove_dir_all(&mut self, path: &Path) -> std::io::Result<()> {
            FsSink.remove_dir_all(path)
        }
    }

    #[test]
    fn a_full_disk_leaves_nothing_behind() {
        for fail_at in 1..=4 {
            let out = tempfile::tempdir().unwrap();
            let mut sink = FullDisk { writes: 0, fail_at };
            let e = write_packet_with(&mut sink, out.path(), &three()).unwrap_err();
            assert!(matches!(e, PacketError::DiskFull(_)), "{fail_at}: {e:?}");
            assert!(e.to_string().contains("full"));
            assert!(entries(out.path()).is_empty(), "write {fail_at} left files");
        }
    }

    #[test]
    fn bad_names_are_refused_before_anything_is_written() {
        let out = tempfile::tempdir().unwrap();
        for bad in ["", "..", "a/b", "a\\b", "\u{1b}x", ".hidden", MANIFEST_NAME] {
            let p = packet("ROI-000002", &[(bad, b"x")]);
            assert!(
                matches!(write_packet(out.path(), &p), Err(PacketError::BadName(_))),
                "{bad:?}"
            );
        }
        let twice = packet("ROI-000002", &[("a.txt", b"1"), ("a.txt", b"2")]);
        assert!(matches!(
            write_packet(out.path(), &twice),
            Err(PacketError::BadName(_))
        ));
        let bad_id = packet("../x", &[("a.txt", b"1")]);
        assert!(matches!(
            write_packet(out.path(), &bad_id),
            Err(PacketError::BadName(_))
        ));
        assert!(entries(out.path()).is_empty());
    }

    #[test]
    fn tampering_is_found() {
        let out = tempfile::tempdir().unwrap();
        let w = write_packet(out.path(), &three()).unwrap();
        let f = w.dir.join("invoice.txt");
        std::fs::write(&f, b"Total $0.50").unwrap();
        match verify_packet(&w.dir) {
            Err(PacketError::Mismatch { name }) => assert_eq!(name, "invoice.txt"),
            other => panic!("{other:?}"),
        }
        std::fs::write(&f, b"Total $6.50").unwrap();
        verify_packet(&w.dir).unwrap();
        std::fs::write(w.dir.join("extra.txt"), b"?").unwrap();
        match verify_packet(&w.dir) {
            Err(PacketError::Mismatch { name }) => assert_eq!(name, "extra.txt"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn safe_file_stems() {
        for (given, want) in [
            ("Progress note 2026-03-01", "progress-note-2026-03-01"),
            ("Émile/../x", "emile-x"),
            ("", "file"),
            ("  --  ", "file"),
            ("D000000123", "d000000123"),
            ("Discharge summary\u{1b}[31m", "discharge-summary-31m"),
        ] {
            assert_eq!(safe_file_stem(given), want, "{given:?}");
        }
        assert_eq!(safe_file_stem(&"a".repeat(100)).len(), 60);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn any_contents_round_trip(files in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..2048), 1..6)) {
            let out = tempfile::tempdir().unwrap();
            let p = Packet {
                request_id: "ROI-000009".into(),
                files: files.iter().enumerate().map(|(i, b)| PacketFile {
                    name: format!("{i:03}.bin"),
                    bytes: b.clone(),
                }).collect(),
            };
            let w = write_packet(out.path(), &p).unwrap();
            prop_assert_eq!(verify_packet(&w.dir).unwrap(), w.manifest.clone());
            for (f, m) in p.files.iter().zip(&w.manifest) {
                prop_assert_eq!(std::fs::read(w.dir.join(&m.name)).unwrap(), f.bytes.clone());
            }
        }
    }
}
