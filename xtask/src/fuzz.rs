//! `cargo xtask fuzz [seconds]`: runs each cargo-fuzz target of the photo crate for a while
//! (nightly and cargo-fuzz are installed if missing). Not part of `cargo xtask test`: fuzzing
//! finds things over hours, a CI minute proves little.

use std::process::Command;

use anyhow::Context;

use crate::{cargo, project_root, run_command};

const TARGETS: &[&str] = &["code_parse", "photo_check"];
const DEFAULT_SECONDS: u64 = 60;

pub fn run(seconds: Option<&str>) -> anyhow::Result<()> {
    let seconds = match seconds {
        Some(text) => text.parse::<u64>().context("Sekunden je Ziel als Zahl angeben")?,
        None => DEFAULT_SECONDS,
    };
    let has_nightly = Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_nightly {
        run_command(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let has_cargo_fuzz = cargo().args(["fuzz", "--version"]).output().is_ok_and(|output| output.status.success());
    if !has_cargo_fuzz {
        run_command(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    let photo = project_root().join("crates/photo");
    // Real JPEGs as seeds, so the image checks are fuzzed past the first marker.
    let seeds = photo.join("fuzz/corpus/photo_check");
    std::fs::create_dir_all(&seeds)?;
    for entry in std::fs::read_dir(project_root().join("assets/photos"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "jpg") {
            std::fs::copy(&path, seeds.join(path.file_name().expect("file name")))?;
        }
    }
    for target in TARGETS {
        println!("== fuzz {target}: {seconds} s");
        run_command(Command::new("cargo").current_dir(&photo).env_remove("RUSTUP_TOOLCHAIN").args([
            "+nightly",
            "fuzz",
            "run",
            target,
            "--",
            &format!("-max_total_time={seconds}"),
        ]))?;
    }
    println!("fuzz: {} Ziele je {seconds} s ohne Absturz", TARGETS.len());
    Ok(())
}
