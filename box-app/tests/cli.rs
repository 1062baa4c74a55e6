//! The box binary's command line, before any window opens. Also makes `cargo test` build the
//! `schalter-box` binary that the WebDriver test in `tests/` starts.

use std::process::Command;

fn terminal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schalter-box"))
}

#[test]
fn version_prints_and_exits() {
    let out = terminal().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("schalter-box {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_names_the_configuration() {
    let out = terminal().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("SCHALTER_BOX_CONFIG"));
}

#[test]
fn unknown_argument_is_refused_with_usage() {
    let out = terminal().arg("--kiosk-off").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unbekanntes Argument"));
}
