use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::bail;

use crate::{cargo, demo, postgres, project_root, run_command, setup};

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

    // Every desk under test starts its own Xvfb (tests/src/lib.rs), so no test needs a display
    // from outside; none is passed on, so no test can draw on the developer's screen.
    step("Rust-Tests und WebDriver-Tests (ein eigenes Xvfb je Arbeitsplatz-Fenster)");
    std::fs::create_dir_all(root.join("target/e2e-screenshots"))?;
    // The central API's tests run on SQLite and, with these variables, on PostgreSQL too.
    let postgres = postgres::ensure_running()?;
    let (passed, failed) = run_counting_tests(
        cargo()
            .current_dir(&root)
            .args(["test", "--workspace", "--locked"])
            .env(postgres::URL_VARIABLE, &postgres.url)
            .env(postgres::REQUIRE_VARIABLE, "1")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("XAUTHORITY"),
    )?;
    drop(postgres);

    // The demo's one `cargo build` of exactly what it starts (demo::DEMO_BINARIES) finds it built by now; that the
    // list and the build cover every process it spawns is checked statically (demo.rs,
    // every_binary_the_demo_spawns_is_built). Rebuilding them here cost over two minutes of every run.
    step("Demo-Smoke: cargo xtask demo --smoke");
    let started = Instant::now();
    let smoke = demo::run(demo::Mode::Smoke);
    let seconds = started.elapsed().as_secs_f64();
    if let Err(error) = smoke {
        println!("xtask: Demo-Smoke fehlgeschlagen nach {seconds:.1} s");
        println!("summary: {passed} passed, {failed} failed");
        return Err(error.context("Demo-Smoke"));
    }
    println!("xtask: Demo-Smoke bestanden in {seconds:.1} s, Bildschirmfoto .demo/smoke.png");

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
