//! SIGKILL during durable commits: every acknowledged write is present after reopening and the
//! audit chain verifies. `chartroom bench crash --cycles 100` runs the same harness longer.

#[test]
fn killed_writer_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.redb");
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_chartroom"));
    let report = chartroom::cli::bench::crash_cycles(exe, &db, 10, 42).unwrap();
    assert_eq!(report.cycles, 10);
    assert_eq!(report.lost_writes, 0, "{report:?}");
    assert_eq!(report.audit_intact_cycles, 10, "{report:?}");
    assert!(
        report.acknowledged_writes >= 10,
        "the writer got commits through: {report:?}"
    );
}
