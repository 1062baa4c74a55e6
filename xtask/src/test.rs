use std::process::Command;

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
    run_command(
        Command::new("xvfb-run")
            .current_dir(&root)
            .args(["-a", "-s", "-screen 0 1280x800x24 -nolisten tcp"])
            .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--workspace", "--locked"]),
    )?;
    println!("\nxtask: alles grün. Screenshots: target/e2e-screenshots/");
    Ok(())
}

fn step(name: &str) {
    println!("\n== {name}");
}
