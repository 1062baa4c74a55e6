//! `cargo xtask bench <name>`: benchmarks print medians and ratios against a baseline
//! measured in the same run. They are never part of `cargo xtask test`.

use std::process::Command;

use anyhow::bail;

use crate::{cargo, project_root, run_command, setup};

/// `cargo <verb> --quiet --release --locked <args>` in the workspace.
fn release(verb: &str, args: &[&str]) -> Command {
    let mut command = cargo();
    command.current_dir(project_root()).args([verb, "--quiet", "--release", "--locked"]).args(args);
    command
}

pub fn run(name: Option<&str>) -> anyhow::Result<()> {
    match name {
        Some("decode") => {
            setup::bench_packages()?;
            run_command(&mut release("run", &["-p", "schalter-scan", "--example", "scan-bench"]))
        }
        Some("scan-to-photo") => {
            setup::bench_packages()?;
            run_command(&mut release("build", &["-p", "schalter-photo-cloud"]))?;
            run_command(&mut release("run", &["-p", "schalter-system-tests", "--bin", "bench-scan-to-photo"]))
        }
        Some("sync-backlog") => {
            setup::bench_packages()?;
            let postgres = crate::postgres::ensure_running()?;
            run_command(&mut release("build", &["-p", "schalter-central", "-p", "schalter-desk-core", "--bins"]))?;
            run_command(
                release("run", &["-p", "schalter-system-tests", "--bin", "bench-sync-backlog"])
                    .env(crate::postgres::URL_VARIABLE, &postgres.url),
            )
        }
        Some("capture") => run_command(&mut release("run", &["-p", "schalter-system-tests", "--bin", "bench-capture"])),
        // The attack runs on the central's router over real mutual TLS on loopback (see the test's
        // documentation); the suite runs a small one on both backends.
        Some("box-attack") => run_command(&mut release(
            "test",
            &["-p", "schalter-central", "--test", "box_terminal", "bench_box_attack", "--", "--ignored", "--nocapture"],
        )),
        // 200 clients over real HTTP on loopback against the public router, then the raw booking
        // statement at the same concurrency; SQLite, then the private PostgreSQL (the last line).
        Some("booking-rush") => {
            let postgres = crate::postgres::ensure_running()?;
            run_command(
                release(
                    "test",
                    &[
                        "-p",
                        "schalter-central",
                        "--test",
                        "appointments",
                        "bench_booking_rush",
                        "--",
                        "--ignored",
                        "--nocapture",
                    ],
                )
                .env(crate::postgres::URL_VARIABLE, &postgres.url),
            )
        }
        // Two central processes on the private PostgreSQL, 50 desks and 200 citizens over real HTTP for 60 s.
        Some("central-load") => {
            let postgres = crate::postgres::ensure_running()?;
            run_command(&mut release("build", &["-p", "schalter-central", "--bins"]))?;
            run_command(
                release("run", &["-p", "schalter-system-tests", "--bin", "bench-central-load"])
                    .env(crate::postgres::URL_VARIABLE, &postgres.url),
            )
        }
        _ => bail!(
            "cargo xtask bench decode | scan-to-photo | sync-backlog | capture | box-attack | booking-rush | central-load"
        ),
    }
}
