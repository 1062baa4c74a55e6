//! `cargo xtask bench sync-backlog`: a desk that was offline with 100, 500 and 1,000 records, each with a 300 KB
//! photo, syncs them to the central API on loopback (SQLite, then PostgreSQL), against `curl` uploading the same
//! number of bytes, as the same blob calls, to the same server in the same run.
//!
//! Prints each run's time, the medians, and ends with
//! `sync_backlog ratio_vs_raw_upload=<x> scaling_1000_vs_100=<y>` for PostgreSQL (SQLite if no PostgreSQL is
//! available). Targets: x ≤ 1.5, y ≤ 11.
//!
//! Knobs for quick looks (the defaults are the benchmark): `SCHALTER_BENCH_REPEAT` (runs per size, 3),
//! `SCHALTER_BENCH_SIZES` (e.g. `100,300`), `SCHALTER_BENCH_BACKENDS` (`sqlite`, `postgresql` or both), and
//! `SCHALTER_BENCH_TIMINGS=1` to print the engine's per-phase timings of each sync (`sync round timings`, debug).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use schalter_system_tests::{sync_probe, CentralDatabase, CentralOptions, Environment, CLERK_PASSWORD, CLERK_USERNAME};
use sha2::{Digest as _, Sha256};

const PHOTO_BYTES: usize = 300_000;
const SIZES: [u64; 3] = [100, 500, 1000];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn repeats() -> usize {
    std::env::var("SCHALTER_BENCH_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1)
}

fn sizes() -> Vec<u64> {
    let chosen: Vec<u64> = std::env::var("SCHALTER_BENCH_SIZES")
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default();
    if chosen.is_empty() {
        SIZES.to_vec()
    } else {
        chosen
    }
}

fn backend_chosen(name: &str) -> bool {
    std::env::var("SCHALTER_BENCH_BACKENDS").map_or(true, |v| v.split(',').any(|b| b.trim() == name))
}

fn print_timings() -> bool {
    std::env::var("SCHALTER_BENCH_TIMINGS").is_ok_and(|v| v == "1")
}

struct Run {
    sync: Duration,
    raw: Duration,
}

/// One fresh central and desk: `count` records captured (not timed), then synced (timed), then the same bytes
/// uploaded by curl (timed).
fn run(database: &CentralDatabase, count: u64) -> anyhow::Result<Run> {
    let env = Environment::with_database(database.clone())?;
    let central = env.start_central_with(CentralOptions::default())?;
    let config = env.desk_config(central.url())?;
    let captured = sync_probe(&config)
        .args(["capture", "--count", &count.to_string(), "--photo-bytes", &PHOTO_BYTES.to_string()])
        .args(["--seed", &count.to_string()])
        .stdout(Stdio::null())
        .status()?;
    anyhow::ensure!(captured.success(), "capture failed");

    let mut probe = sync_probe(&config);
    if print_timings() {
        probe.env("SCHALTER_LOG", "warn,schalter_sync=debug");
    }
    let out = probe.args(["sync", "--until-drained"]).output()?;
    anyhow::ensure!(out.status.success(), "sync failed: {}", String::from_utf8_lossy(&out.stderr));
    for line in String::from_utf8_lossy(&out.stderr).lines().filter(|l| l.contains("sync round timings")) {
        println!("  {count} records: {}", line.split_once("sync round timings").map_or(line, |(_, rest)| rest).trim());
    }
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    anyhow::ensure!(summary["pending"] == 0 && summary["blobs_uploaded"] == count, "not all synced: {summary}");
    let sync = Duration::from_secs_f64(summary["seconds"].as_f64().context("seconds")?);

    let raw = curl_upload(&env, central.url(), count)?;
    Ok(Run { sync, raw })
}

fn curl_base(env: &Environment, block: &mut String) {
    let path = |p: &Path| p.display().to_string();
    let _ = writeln!(block, "silent\nshow-error\nfail");
    let _ = writeln!(block, "cacert = \"{}\"", path(&env.pki.ca_cert()));
    let _ = writeln!(block, "cert = \"{}\"", path(&env.pki.desk_cert()));
    let _ = writeln!(block, "key = \"{}\"", path(&env.pki.desk_key()));
}

/// `count` new 300 KB blobs, each in one `PATCH`, one after another over one kept-alive connection.
fn curl_upload(env: &Environment, url: &str, count: u64) -> anyhow::Result<Duration> {
    let mut login = String::new();
    curl_base(env, &mut login);
    let _ = writeln!(login, "url = \"{url}/v1/auth/login\"\nheader = \"Content-Type: application/json\"");
    let body = serde_json::json!({"username": CLERK_USERNAME, "password": CLERK_PASSWORD}).to_string();
    let _ = writeln!(login, "data = {}", serde_json::to_string(&body)?);
    let login_file = env.dir.path().join("curl-login.conf");
    std::fs::write(&login_file, login)?;
    let out = Command::new("curl").arg("--config").arg(&login_file).output().context("curl (apt-get install curl)")?;
    if !out.status.success() {
        bail!("curl login failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let session: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let token = session["token"].as_str().context("token")?.to_owned();

    let dir = env.dir.path().join("raw-blobs");
    std::fs::create_dir_all(&dir)?;
    let mut config = String::new();
    let mut state = 0x243F_6A88_85A3_08D3_u64 ^ count;
    for index in 0..count {
        let mut bytes = Vec::with_capacity(PHOTO_BYTES);
        while bytes.len() < PHOTO_BYTES {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.extend_from_slice(&state.to_le_bytes());
        }
        bytes.truncate(PHOTO_BYTES);
        let hash = hex(&Sha256::digest(&bytes));
        let file = dir.join(format!("{index}.bin"));
        std::fs::write(&file, &bytes)?;
        if index > 0 {
            config.push_str("next\n");
        }
        curl_base(env, &mut config);
        let _ = writeln!(config, "url = \"{url}/v1/blobs/{hash}\"\nrequest = \"PATCH\"");
        // curl's fastest way here (HTTP/2 uploads wait on window updates more often): the baseline is the best raw upload.
        let _ = writeln!(config, "http1.1");
        let _ = writeln!(config, "header = \"Authorization: Bearer {token}\"");
        let _ = writeln!(config, "header = \"Content-Type: application/offset+octet-stream\"");
        let _ = writeln!(config, "header = \"Upload-Offset: 0\"\nheader = \"Upload-Length: {PHOTO_BYTES}\"");
        // No `Expect: 100-continue` round trip before each body: the desk does not wait for one either.
        let _ = writeln!(config, "header = \"Expect:\"");
        let _ = writeln!(config, "data-binary = \"@{}\"\noutput = \"/dev/null\"", file.display());
    }
    let config_file = env.dir.path().join("curl-upload.conf");
    std::fs::write(&config_file, config)?;
    let started = Instant::now();
    let out = Command::new("curl").arg("--config").arg(&config_file).output()?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        bail!("curl upload failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(elapsed)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let mut backends = vec![("sqlite", CentralDatabase::Sqlite)];
    match CentralDatabase::postgres_from_env() {
        Some(postgres) => backends.push(("postgresql", postgres)),
        None => println!(
            "(SCHALTER_TEST_POSTGRES_URL fehlt: nur SQLite; `cargo xtask bench sync-backlog` startet PostgreSQL)"
        ),
    }
    backends.retain(|(name, _)| backend_chosen(name));
    let repeat = repeats();
    let mut last = None;
    for (name, database) in &backends {
        let mut medians = Vec::new();
        for count in sizes() {
            let mut syncs = Vec::new();
            let mut raws = Vec::new();
            for attempt in 1..=repeat {
                let run = run(database, count)?;
                println!(
                    "{name:<10} {count:>5} records  run {attempt}/{repeat}: sync {:>9.1} ms   curl {:>9.1} ms",
                    ms(run.sync),
                    ms(run.raw)
                );
                syncs.push(run.sync);
                raws.push(run.raw);
            }
            let (sync, raw) = (median(syncs), median(raws));
            println!(
                "{name:<10} {count:>5} records  median: sync {:>9.1} ms   curl {:>9.1} ms   ratio {:.2}",
                ms(sync),
                ms(raw),
                ms(sync) / ms(raw)
            );
            medians.push((count, sync, raw));
        }
        last = Some(medians);
    }
    let medians = last.context("no backend chosen (SCHALTER_BENCH_BACKENDS)")?;
    let (_, sync_100, _) = medians[0];
    let (_, sync_1000, raw_1000) = medians[medians.len() - 1];
    println!(
        "sync_backlog ratio_vs_raw_upload={:.2} scaling_1000_vs_100={:.2}",
        ms(sync_1000) / ms(raw_1000),
        ms(sync_1000) / ms(sync_100)
    );
    Ok(())
}
