//! A headless desk for crash tests and benchmarks of the outbox and the sync engine, over the same `Desk` and
//! engine code as the app:
//!
//! ```text
//! desk-sync-probe --config desk.toml --username U --password P capture --count N --photo-bytes B --seed S
//! desk-sync-probe --config desk.toml --username U --password P sync [--until-drained]
//! ```
//!
//! `capture` logs in (online, or offline when the central is unreachable) and records N accepted-photo visits with
//! deterministic pseudo-random image bytes (the same store transaction as a real accept, minus the cloud job),
//! printing one JSON line per record. Photo and visit ids derive from the seed and the index, so a run killed at
//! any point and started again with the same arguments resumes: records already written are reported with
//! `"resumed": true`, not written twice.
//!
//! `sync` runs engine rounds (all of them with `--until-drained`, until nothing is pending) and prints one JSON
//! summary `{pushed, replayed, rejected, blobs_uploaded, seconds, pending, rounds}`. Exit codes: 0 drained (or
//! the single round succeeded), 2 central unreachable after the engine's retries (backoff 1, 2, 4, 8, 16 s; also
//! for an offline login that cannot reach the central), 3 login needed (refused or expired), 1 anything else (the
//! error's code on stderr), 64 usage. Killing it loses nothing: every answer is committed
//! as it arrives and the next run resumes uploads from the central's offset and replays unanswered pushes.
//!
//! The password may also come from `SCHALTER_PROBE_PASSWORD` (keeps it out of the process list).
//!
//! Logs go to standard error, filtered by `SCHALTER_LOG` (default `warn`); `SCHALTER_LOG=schalter_sync=debug` shows
//! where each sync round's time went (`sync round timings`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use schalter_desk_core::{Desk, DeskConfig, DeskError, SyncReport};
use uuid::Uuid;

const USAGE: &str = "desk-sync-probe --config DATEI --username U --password P \
capture --count N --photo-bytes B --seed S | sync [--until-drained]";

enum Command {
    Capture { count: u64, photo_bytes: usize, seed: u64 },
    Sync { until_drained: bool },
}

struct Args {
    config: PathBuf,
    username: String,
    password: String,
    command: Command,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut config, mut username, mut password) = (None, None, std::env::var("SCHALTER_PROBE_PASSWORD").ok());
    let (mut count, mut photo_bytes, mut seed, mut until_drained) = (None, None, None, false);
    let mut command = None;
    let number = |name: &str, value: Option<String>| -> Result<u64, String> {
        value.ok_or(format!("{name} braucht einen Wert"))?.parse().map_err(|_| format!("{name}: keine Zahl"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config = Some(PathBuf::from(args.next().ok_or("--config braucht einen Pfad")?)),
            "--username" => username = Some(args.next().ok_or("--username braucht einen Wert")?),
            "--password" => password = Some(args.next().ok_or("--password braucht einen Wert")?),
            "--count" => count = Some(number("--count", args.next())?),
            "--photo-bytes" => photo_bytes = Some(number("--photo-bytes", args.next())?),
            "--seed" => seed = Some(number("--seed", args.next())?),
            "--until-drained" => until_drained = true,
            "capture" | "sync" if command.is_none() => command = Some(arg),
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("Unbekanntes Argument {other:?}\n{USAGE}")),
        }
    }
    let command = match command.as_deref() {
        Some("capture") => Command::Capture {
            count: count.ok_or("capture braucht --count")?,
            photo_bytes: usize::try_from(photo_bytes.ok_or("capture braucht --photo-bytes")?)
                .map_err(|_| "--photo-bytes zu groß")?,
            seed: seed.ok_or("capture braucht --seed")?,
        },
        Some(_) => Command::Sync { until_drained },
        None => return Err(USAGE.into()),
    };
    Ok(Args {
        config: config.ok_or("--config fehlt")?,
        username: username.ok_or("--username fehlt")?,
        password: password.ok_or("--password fehlt (oder SCHALTER_PROBE_PASSWORD)")?,
        command,
    })
}

/// SplitMix64: a fixed, portable sequence, so that the same seed gives the same bytes on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uuid(&mut self) -> Uuid {
        let bytes = (u128::from(self.next()) << 64 | u128::from(self.next())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// A "photo" of `len` bytes: a JPEG start marker, then pseudo-random bytes (incompressible, like image data).
fn photo(seed: u64, index: u64, len: usize) -> Vec<u8> {
    let mut rng = SplitMix(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    let mut bytes = Vec::with_capacity(len + 8);
    bytes.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    bytes.truncate(len.max(4));
    bytes
}

fn exit_code(error: &DeskError) -> u8 {
    match error.code() {
        "central_unreachable" | "tls_rejected" => 2,
        "sync_needs_login"
        | "not_logged_in"
        | "session_expired"
        | "unauthenticated"
        | "invalid_credentials"
        | "offline_login_unknown"
        | "offline_login_expired"
        | "clock_before_last_login"
        | "account_locked" => 3,
        _ => 1,
    }
}

fn fail(error: &DeskError) -> ExitCode {
    eprintln!("{}", serde_json::json!({"error": error.code(), "message": error.to_string()}));
    ExitCode::from(exit_code(error))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCHALTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(text) => {
            eprintln!("{text}");
            return ExitCode::from(64);
        }
    };
    let desk = match DeskConfig::load(&args.config).and_then(|config| Desk::new(&config)) {
        Ok(desk) => desk,
        Err(error) => return fail(&error),
    };
    let session = match desk.login(&args.username, &args.password).await {
        Ok(session) => session,
        Err(error) => return fail(&error),
    };
    let code = match args.command {
        Command::Capture { count, photo_bytes, seed } => capture(&desk, count, photo_bytes, seed).await,
        Command::Sync { until_drained } => sync(&desk, until_drained, session.offline).await,
    };
    let _ = desk.logout().await;
    code
}

async fn capture(desk: &Desk, count: u64, photo_bytes: usize, seed: u64) -> ExitCode {
    for index in 0..count {
        let mut ids = SplitMix(seed.rotate_left(17) ^ index);
        let (photo_id, visit_id) = (ids.uuid(), ids.uuid());
        match desk.record_accepted_photo(photo_id, visit_id, &photo(seed, index, photo_bytes)).await {
            Ok(captured) => println!(
                "{}",
                serde_json::json!({
                    "index": index,
                    "record_id": captured.photo_id,
                    "visit_id": captured.visit_id,
                    "sha256": captured.sha256,
                    "seq": captured.seq,
                    "resumed": captured.existing,
                })
            ),
            Err(error) => return fail(&error),
        }
    }
    ExitCode::SUCCESS
}

async fn sync(desk: &Desk, until_drained: bool, logged_in_offline: bool) -> ExitCode {
    let started = Instant::now();
    let mut total = SyncReport::default();
    let mut rounds = 0u64;
    // The engine retries within a round while the central is away; an offline login has no session to retry
    // with, so the probe pauses by the engine's backoff between its background login attempts instead.
    let retry = schalter_desk_core::SyncConfig::default().retry;
    let mut offline_failures = 0u32;
    let result = loop {
        rounds += 1;
        match desk.sync_round().await {
            Ok(report) => {
                total.add(&report);
                if !until_drained || report.pending == 0 {
                    break Ok(());
                }
            }
            // An offline login whose background login at the central still fails: the central is unreachable.
            Err(error) if error.code() == "sync_needs_login" && logged_in_offline => {
                let still_offline = desk.current_session().is_some_and(|s| s.offline);
                if !still_offline {
                    break Err(error);
                }
                offline_failures += 1;
                if offline_failures >= retry.max_attempts {
                    break Err(DeskError::Unreachable);
                }
                let pause = retry.delay_after(offline_failures).whole_milliseconds();
                tokio::time::sleep(std::time::Duration::from_millis(u64::try_from(pause).unwrap_or(0))).await;
            }
            Err(error) => break Err(error),
        }
    };
    println!(
        "{}",
        serde_json::json!({
            "pushed": total.pushed,
            "replayed": total.replayed,
            "rejected": total.rejected,
            "blobs_uploaded": total.blobs_uploaded,
            "seconds": started.elapsed().as_secs_f64(),
            "pending": desk.sync_status().pending,
            "rounds": rounds,
        })
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_photo_and_ids_and_another_seed_others() {
        assert_eq!(photo(7, 3, 1000), photo(7, 3, 1000));
        assert_ne!(photo(7, 3, 1000), photo(8, 3, 1000));
        assert_ne!(photo(7, 3, 1000), photo(7, 4, 1000));
        assert_eq!(photo(7, 3, 1000).len(), 1000);
        assert_eq!(&photo(7, 3, 1000)[..2], &[0xFF, 0xD8]);
        assert_eq!(SplitMix(5).uuid(), SplitMix(5).uuid());
    }

    #[test]
    fn arguments_parse_into_the_two_commands() {
        let args = |s: &str| parse(s.split_whitespace().map(str::to_owned));
        let capture =
            args("--config d.toml --username u --password p capture --count 3 --photo-bytes 10 --seed 1").unwrap();
        assert!(matches!(capture.command, Command::Capture { count: 3, photo_bytes: 10, seed: 1 }));
        let sync = args("--config d.toml --username u --password p sync --until-drained").unwrap();
        assert!(matches!(sync.command, Command::Sync { until_drained: true }));
        assert!(args("--config d.toml --username u --password p capture --count 3").is_err());
        assert!(args("--config d.toml --username u --password p").is_err());
    }
}
