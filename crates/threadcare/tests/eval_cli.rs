//! The `eval` command as a person uses it: missing data is a message and exit 0 with nothing
//! written; with data it prints the report and writes it where `--out` says.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn threadcare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(args)
        .output()
        .expect("run threadcare")
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("threadcare-eval-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The synthetic sets of the evaluation crate's tests (our own words, the real sets' columns).
fn synthetic_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../threadcare-eval/tests/data")
}

#[test]
fn missing_data_folder_says_so_and_writes_nothing() {
    let dir = scratch("missing");
    let out = dir.join("report.md");
    let o = threadcare(&[
        "eval",
        "--data",
        dir.join("nowhere").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("was not found: nothing was evaluated"),
        "{stderr}"
    );
    assert!(o.stdout.is_empty());
    assert!(!out.exists());
}

#[test]
fn data_folder_without_any_set_writes_nothing() {
    let dir = scratch("empty");
    let out = dir.join("report.md");
    let o = threadcare(&[
        "eval",
        "--quiet",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("Gaur500: skipped"), "{stderr}");
    assert!(stderr.contains("none of the sets was found"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn report_is_printed_and_written() {
    let dir = scratch("synthetic");
    let out = dir.join("docs/evaluation.md");
    let o = threadcare(&[
        "eval",
        "--data",
        synthetic_data().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let written = std::fs::read_to_string(&out).expect("the report is written, its folder created");
    assert_eq!(String::from_utf8_lossy(&o.stdout), written);
    for section in [
        "## Summary",
        "## Gaur500",
        "## IRF",
        "## EPITOME",
        "## DiaSafety",
        "## Dreaddit",
        "## Calibration",
    ] {
        assert!(written.contains(section), "{section}");
    }
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("Gaur500: assessing 9 posts of 7 users"),
        "{stderr}"
    );
    assert!(stderr.contains("wrote"), "{stderr}");
}
