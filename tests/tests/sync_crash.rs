//! Crash safety of the outbox and the sync engine: the headless desk (`desk-sync-probe`, the same `Desk` and engine
//! as the app) is killed with SIGKILL at random points while it captures and while it syncs, a hundred times, then
//! started again. At the end the central holds every record exactly once and the outbox is empty.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use schalter_system_tests::{
    assert_central_holds_exactly, capture_records, captured_record_id, sync_probe, sync_until_drained, CentralOptions,
    Environment,
};

const KILLS: u64 = 100;
const RECORDS_PER_CAPTURE: u64 = 4;
const PHOTO_BYTES: usize = 30_000;

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_points_during_capture_and_sync_the_central_holds_every_record_exactly_once(
) -> anyhow::Result<()> {
    let env = Environment::new()?;
    let central = env.start_central_with(CentralOptions::default())?;
    let config = env.desk_config(central.url())?;
    let mut rng = StdRng::seed_from_u64(0x5C4A_17E2);

    let mut capture_seeds = Vec::new();
    let (mut killed, mut killed_mid_capture) = (0u64, 0u64);
    // How long a whole run takes, per kind, learnt from the runs that ended before their kill: the median,
    // not the longest, so that one run slowed by a busy machine does not push the later kills past the end.
    let mut finished_runs: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let run_time = |finished: &[Duration]| {
        let mut sorted = finished.to_vec();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied().unwrap_or(Duration::from_millis(300))
    };
    for round in 0..KILLS {
        let capture = round % 2 == 0;
        let mut command = sync_probe(&config);
        if capture {
            capture_seeds.push(round);
            command.args([
                "capture",
                "--count",
                &RECORDS_PER_CAPTURE.to_string(),
                "--photo-bytes",
                &PHOTO_BYTES.to_string(),
            ]);
            command.args(["--seed", &round.to_string()]);
        } else {
            command.args(["sync", "--until-drained"]);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn()?;
        // The probe prints a line per record as it commits it; a thread passes them on as they come.
        let stdout = child.stdout.take().expect("piped");
        let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let kind = usize::from(capture);
        let started = Instant::now();
        let mut output = Vec::new();
        if capture && round % 4 == 0 {
            // Every other capture is killed right after its first record: between two records of a capture,
            // whatever the machine's speed.
            while Instant::now() < started + Duration::from_secs(30) {
                match lines_rx.recv_timeout(Duration::from_millis(5)) {
                    Ok(line) => {
                        let first_record = captured_record_id(&line).is_some();
                        output.push(line);
                        if first_record {
                            break;
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) if child.try_wait()?.is_none() => {}
                    Err(_) => break,
                }
            }
        } else {
            // Anywhere from before the login to the end of the work: start-up, login, store transactions,
            // uploads, pushes.
            let delay =
                Duration::from_millis(rng.gen_range(0..run_time(&finished_runs[kind]).as_millis().max(1) as u64));
            while started.elapsed() < delay && child.try_wait()?.is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        if child.try_wait()?.is_none() {
            child.kill()?; // SIGKILL
            killed += 1;
        } else {
            finished_runs[kind].push(started.elapsed());
        }
        child.wait()?;
        reader.join().expect("stdout reader");
        output.extend(lines_rx.try_iter());
        let lines = output.iter().filter_map(|line| captured_record_id(line)).count() as u64;
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
        expected.extend(capture_records(&config, RECORDS_PER_CAPTURE, PHOTO_BYTES, *seed)?);
    }
    assert_eq!(expected.len() as u64, capture_seeds.len() as u64 * RECORDS_PER_CAPTURE);
    sync_until_drained(&config, 1)?;
    // Each record is two mutations: the accept and its audit event.
    assert_central_holds_exactly(&env, &expected, &[2 * expected.len() as i64]).await
}
