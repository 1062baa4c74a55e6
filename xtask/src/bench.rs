//! `cargo xtask bench <name>`: benchmarks print medians and ratios against a baseline
//! measured in the same run. They are never part of `cargo xtask test`.

use anyhow::bail;

use crate::{cargo, project_root, run_command, setup};

pub fn run(name: Option<&str>) -> anyhow::Result<()> {
    let root = project_root();
    match name {
        Some("decode") => {
            setup::bench_packages()?;
            run_command(cargo().current_dir(&root).args([
                "run",
                "--quiet",
                "--release",
                "--locked",
                "-p",
                "schalter-scan",
                "--example",
                "scan-bench",
            ]))
        }
        Some("scan-to-photo") => {
            setup::bench_packages()?;
            run_command(cargo().current_dir(&root).args([
                "build",
                "--quiet",
                "--release",
                "--locked",
                "-p",
                "schalter-photo-cloud",
            ]))?;
            run_command(cargo().current_dir(&root).args([
                "run",
                "--quiet",
                "--release",
                "--locked",
                "-p",
                "schalter-system-tests",
                "--bin",
                "bench-scan-to-photo",
            ]))
        }
        Some("sync-backlog") => {
            setup::bench_packages()?;
            let postgres = crate::postgres::ensure_running()?;
            run_command(cargo().current_dir(&root).args([
                "build",
                "--quiet",
                "--release",
                "--locked",
                "-p",
                "schalter-central",
                "-p",
                "schalter-desk-core",
                "--bins",
            ]))?;
            run_command(
                cargo()
                    .current_dir(&root)
                    .args([
                        "run",
                        "--quiet",
                        "--release",
                        "--locked",
                        "-p",
                        "schalter-system-tests",
                        "--bin",
                        "bench-sync-backlog",
                    ])
                    .env(crate::postgres::URL_VARIABLE, &postgres.url),
            )
        }
        _ => bail!("cargo xtask bench decode | scan-to-photo | sync-backlog"),
    }
}
