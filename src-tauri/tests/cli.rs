//! The desk binary's command line, before any window opens. Also makes `cargo test`
//! build the `schalter-desk` binary that the WebDriver tests in `tests/` start.

use std::process::Command;

fn desk() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schalter-desk"))
}

#[test]
fn version_prints_and_exits() {
    let out = desk().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("schalter-desk {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_names_the_configuration_and_the_dmabuf_switch() {
    let out = desk().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--config"));
    assert!(text.contains("SCHALTER_DISABLE_DMABUF"));
}

#[test]
fn unknown_argument_is_refused_with_usage() {
    let out = desk().arg("--frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unbekanntes Argument"));
}
