//! Helpers shared by the end-to-end tests: run the real binary, check it worked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `qtrail` binary on a data directory, with the caller's environment cleared
/// of settings that would change what it does.
pub fn qtrail(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_qtrail"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("RUST_LOG")
        .env_remove("QTRAIL_DATA_DIR")
        .env_remove("QTRAIL_RULES");
    c
}

/// The standard output of a run that must have succeeded.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "qtrail failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The repository's sample logs.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}
