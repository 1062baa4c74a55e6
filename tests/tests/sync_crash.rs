//! Crash safety of the outbox and the sync engine: the headless desk (`desk-sync-probe`, the same `Desk` and engine
//! as the app) is killed with SIGKILL at random points while it captures and while it syncs, a hundred times, then
//! started again. At the end the central holds every record exactly once and the outbox is empty.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use schalter_system_tests::{central_database, sync_probe, CentralOptions, Environment};
use sqlx::Row as _;

const KILLS: u64 = 100;
const RECORDS_PER_CAPTURE: u64 = 3;
const PHOTO_BYTES: &str = "30000";

/// One line of `capture`'s output.
fn record_id(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    Some(value.get("record_id")?.as_str()?.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_points_during_capture_and_sync_the_central_holds_every_record_exactly_once(
) -> anyhow::Result<()> {
    let env = Environment::new()?;
    let central = env.start_central_with(CentralOptions::default())?;
    let config = env.desk_config(central.url())?;
    let mut rng = StdRng::seed_from_u64(0x5C4A_17E2);

    let mut capture_seeds = Vec::new();
    let (mut killed, mut killed_mid_capture) = (0u64, 0u64);
    for round in 0..KILLS {
        let capture = round % 2 == 0;
        let mut command = sync_probe(&config);
        if capture {
            capture_seeds.push(round);
            command.args(["capture", "--count", &RECORDS_PER_CAPTURE.to_string(), "--photo-bytes", PHOTO_BYTES]);
            command.args(["--seed", &round.to_string()]);
        } else {
            command.args(["sync", "--until-drained"]);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
        // From before the login to well after the work: start-up, login, store transactions, uploads, pushes.
        let delay = Duration::from_millis(rng.gen_range(0..900));
        let started = Instant::now();
        while started.elapsed() < delay && child.try_wait()?.is_none() {
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait()?.is_none() {
            child.kill()?; // SIGKILL
            killed += 1;
        }
        child.wait()?;
        let mut output = String::new();
        child.stdout.take().expect("piped").read_to_string(&mut output)?;
        let lines = output.lines().filter_map(record_id).count() as u64;
        if capture && lines > 0 && lines < RECORDS_PER_CAPTURE {
            killed_mid_capture += 1;
        }
    }
    eprintln!("{killed} of {KILLS} runs killed, {killed_mid_capture} of them between two records of a capture");
    assert!(killed >= KILLS / 2, "most runs must really be killed mid-way: {killed} of {KILLS}");
    assert!(killed_mid_capture > 0, "no run was killed between two records of a capture");

    // Every capture started again with its seed completes it (records already there are resumed, not doubled).
    let mut expected = BTreeSet::new();
    for seed in &capture_seeds {
        let out = sync_probe(&config)
            .args(["capture", "--count", &RECORDS_PER_CAPTURE.to_string(), "--photo-bytes", PHOTO_BYTES])
            .args(["--seed", &seed.to_string()])
            .output()?;
        anyhow::ensure!(out.status.success(), "capture --seed {seed}: {}", String::from_utf8_lossy(&out.stderr));
        expected.extend(String::from_utf8(out.stdout)?.lines().filter_map(record_id));
    }
    assert_eq!(expected.len() as u64, capture_seeds.len() as u64 * RECORDS_PER_CAPTURE);

    let out = sync_probe(&config).args(["sync", "--until-drained"]).output()?;
    anyhow::ensure!(out.status.success(), "final sync: {}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(summary["pending"], 0, "the outbox drains to zero: {summary}");

    let db = central_database(&env).await?;
    let rows = sqlx::query("SELECT photo_id FROM accepted_photos").fetch_all(&db).await?;
    let held: Vec<String> = rows.iter().map(|row| row.get::<String, _>(0)).collect();
    let distinct: BTreeSet<String> = held.iter().cloned().collect();
    assert_eq!(held.len(), distinct.len(), "a record held twice");
    assert_eq!(distinct, expected, "the central holds exactly the captured records");

    // Each record is two mutations (the accept and its audit event), answered once each, without gaps.
    let device = sqlx::query("SELECT last_seq FROM sync_devices").fetch_all(&db).await?;
    assert_eq!(device.len(), 1, "one desk");
    let last_seq: i64 = device[0].get(0);
    let answered: i64 = sqlx::query("SELECT COUNT(*) FROM sync_mutations").fetch_one(&db).await?.get(0);
    assert_eq!(last_seq, answered);
    assert_eq!(answered as usize, 2 * expected.len());
    let rejected: i64 =
        sqlx::query("SELECT COUNT(*) FROM sync_mutations WHERE status <> 'applied'").fetch_one(&db).await?.get(0);
    assert_eq!(rejected, 0);
    let incomplete: i64 = sqlx::query(
        "SELECT COUNT(*) FROM accepted_photos a JOIN blobs b ON b.sha256 = a.photo_sha256 WHERE NOT b.complete",
    )
    .fetch_one(&db)
    .await?
    .get(0);
    assert_eq!(incomplete, 0, "every accepted photo's image is complete at the central");
    Ok(())
}
