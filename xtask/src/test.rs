use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::bail;

use crate::{cargo, project_root, run_command, setup};

pub fn run() -> anyhow::Result<()> {
    let root = project_root();
    setup::system_packages()?;
    setup::tauri_driver()?;
    setup::ui()?;

    step("Formatierung");
    run_command(cargo().current_dir(&root).args(["fmt", "--all", "--check"]))?;

    step("UI-Tests");
    run_command(setup::npm(&root.join("ui")).args(["run", "--silent", "test"]))?;

    step("Clippy");
    run_command(cargo().current_dir(&root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("Rust-Tests und WebDriver-Tests unter Xvfb");
    std::fs::create_dir_all(root.join("target/e2e-screenshots"))?;
    let (passed, failed) = run_counting_tests(
        Command::new("xvfb-run")
            .current_dir(&root)
            .args(["-a", "-s", "-screen 0 1280x800x24 -nolisten tcp"])
            .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--workspace", "--locked"]),
    )?;
    println!("\nxtask: alles grün. Screenshots: target/e2e-screenshots/");
    println!("summary: {passed} passed, {failed} failed");
    Ok(())
}

/// Runs `cargo test`, passing its output through, and adds up its "test result" lines.
fn run_counting_tests(command: &mut Command) -> anyhow::Result<(u64, u64)> {
    let mut child = command.stdout(Stdio::piped()).spawn()?;
    let (mut passed, mut failed) = (0, 0);
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        if let Some(counts) = line.strip_prefix("test result: ") {
            let count = |word: &str| {
                counts.split([';', '.']).find_map(|part| part.trim().strip_suffix(word)?.trim().parse::<u64>().ok())
            };
            passed += count("passed").unwrap_or(0);
            failed += count("failed").unwrap_or(0);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        println!("summary: {passed} passed, {failed} failed");
        bail!("cargo test failed ({status})");
    }
    Ok((passed, failed))
}

fn step(name: &str) {
    println!("\n== {name}");
}
