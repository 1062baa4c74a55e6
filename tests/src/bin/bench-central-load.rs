//! `cargo xtask bench central-load`: the central API under a working day's peak, over real HTTP between real
//! processes: two `schalter-central serve` instances on one PostgreSQL database (as a city runs them behind a
//! load balancer), 50 desks syncing through them over mutual TLS and 200 citizens booking and cancelling
//! appointments on their public listeners, all at once for 60 s.
//!
//! The model, so the figures mean something:
//! - a desk syncs every 2 s (the real desk: every 10 s, so this is five counters' worth per desk): it pushes 1–5
//!   audit mutations in one batch (the lightest real mutation: the load is the push transaction, the device lock,
//!   the feed, not the payload) and pulls the feed from its cursor until it is caught up;
//! - a citizen looks up the free times of an office and service, books one, and cancels every second booking,
//!   with 0.5–1.5 s between two clicks (a person on the booking page, not the release-instant rush: that is
//!   `cargo xtask bench booking-rush`).
//!
//! Every request counts: its latency from send to the whole body, and as an error when it did not reach an answer,
//! answered 5xx, or answered anything but the documented outcomes (a booking of a time someone else took a moment
//! earlier, `slot_taken`, is an answer, not an error; so is `slot_unknown` for a time that left the list). A push
//! whose mutations are not all applied is an error too.
//!
//! Prints the per-kind figures and ends with `central_load p99_ms=<p> errors=<e>`. Target: e = 0, p < 250.
//! `SCHALTER_BENCH_SECONDS` shortens the run for a quick look (default 60).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};
use schalter_system_tests::{workspace_root, Central, CentralDatabase, CentralOptions, Environment};
use schalter_system_tests::{CLERK_PASSWORD, CLERK_USERNAME};
use schalter_wire::appointments as public;
use schalter_wire::sync::{PullResponse, PushMutation, PushRequest, PushResponse};
use schalter_wire::{paths, LoginRequest, PhotoAuditAction, PhotoAuditEvent, Session};

const DESKS: usize = 50;
const CITIZENS: usize = 200;
const DESK_SYNC_EVERY: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
    /// The first few errors, by what happened (no personal data: codes and statuses only).
    examples: Vec<String>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.examples.len() < 5 {
            self.examples.push(what);
        }
    }
}

#[derive(Default)]
struct Tallies {
    sync: Mutex<Tally>,
    booking: Mutex<Tally>,
}

fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

fn seconds() -> u64 {
    std::env::var("SCHALTER_BENCH_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60).max(1)
}

/// Sends a request and reads the whole body; the latency is recorded in `tally`, and `None` (an error, recorded)
/// when no answer came.
async fn timed(tally: &Mutex<Tally>, what: &str, request: reqwest::RequestBuilder) -> Option<(u16, Vec<u8>)> {
    let started = Instant::now();
    let answer = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            response.bytes().await.map(|body| (status, body.to_vec()))
        }
        Err(error) => Err(error),
    };
    let mut tally = tally.lock().unwrap();
    tally.latencies.push(started.elapsed());
    match answer {
        Ok(answer) => Some(answer),
        Err(error) => {
            tally.error(format!("{what}: no answer ({})", error.without_url()));
            None
        }
    }
}

fn error_code(body: &[u8]) -> String {
    serde_json::from_slice::<schalter_wire::ApiError>(body).map(|e| e.code).unwrap_or_else(|_| "?".into())
}

struct DeskClient {
    http: reqwest::Client,
    base: String,
    token: String,
    device_id: String,
    seq: i64,
    cursor: i64,
}

async fn log_in(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let login = LoginRequest { username: CLERK_USERNAME.into(), password: CLERK_PASSWORD.into() };
    // The central runs Argon2 in a few slots and answers 429 `server_busy` beyond them: wait and try again, as
    // the desk does.
    for _ in 0..50 {
        let response = http.post(format!("{base}{}", paths::LOGIN)).json(&login).send().await?;
        if response.status().as_u16() == 429 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        if !response.status().is_success() {
            bail!("login answered {}", response.status());
        }
        return Ok(response.json::<Session>().await?.token);
    }
    bail!("login stayed busy")
}

impl DeskClient {
    /// One sync round: push a batch, then pull until caught up.
    async fn sync_round(&mut self, rng: &mut rand::rngs::StdRng, tally: &Mutex<Tally>) {
        let mutations: Vec<PushMutation> = (0..rng.gen_range(1..=5))
            .map(|_| {
                self.seq += 1;
                PushMutation {
                    seq: self.seq,
                    id: uuid::Uuid::now_v7(),
                    kind: schalter_wire::sync::kinds::PHOTO_AUDIT.into(),
                    occurred_at: time::OffsetDateTime::now_utc(),
                    clerk_id: None,
                    payload: serde_json::to_value(PhotoAuditEvent {
                        action: PhotoAuditAction::Fetched,
                        photo_id: Some(uuid::Uuid::new_v4()),
                        error_code: None,
                    })
                    .expect("an audit event is JSON"),
                }
            })
            .collect();
        let count = mutations.len();
        let push = PushRequest { device_id: self.device_id.clone(), mutations };
        let request = self.http.post(format!("{}{}", self.base, paths::SYNC_PUSH)).bearer_auth(&self.token).json(&push);
        if let Some((status, body)) = timed(tally, "push", request).await {
            let applied = serde_json::from_slice::<PushResponse>(&body).ok().filter(|answer| {
                answer.results.len() == count
                    && answer.results.iter().all(|r| r.status == schalter_wire::sync::MutationStatus::Applied)
            });
            if status != 200 || applied.is_none() {
                tally.lock().unwrap().error(format!("push: {status} {}", error_code(&body)));
                // The server did not take the batch as a whole: send the same sequences again next round, as the
                // desk's outbox would.
                self.seq -= count as i64;
            }
        }
        loop {
            let url = format!("{}{}?cursor={}&limit=500", self.base, paths::SYNC_PULL, self.cursor);
            let Some((status, body)) = timed(tally, "pull", self.http.get(url).bearer_auth(&self.token)).await else {
                return;
            };
            let Ok(page) = serde_json::from_slice::<PullResponse>(&body).map_err(|_| ()).and_then(|page| {
                if status == 200 {
                    Ok(page)
                } else {
                    Err(())
                }
            }) else {
                tally.lock().unwrap().error(format!("pull: {status} {}", error_code(&body)));
                return;
            };
            self.cursor = page.next_cursor;
            if !page.has_more {
                return;
            }
        }
    }
}

async fn run_desk(mut desk: DeskClient, seed: u64, stop: Arc<AtomicBool>, tallies: Arc<Tallies>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    // Spread the desks over the interval instead of syncing all in the same instant.
    tokio::time::sleep(DESK_SYNC_EVERY.mul_f64(rng.gen_range(0.0..1.0))).await;
    let mut every = tokio::time::interval(DESK_SYNC_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !stop.load(Ordering::Relaxed) {
        every.tick().await;
        desk.sync_round(&mut rng, &tallies.sync).await;
    }
}

async fn think(rng: &mut rand::rngs::StdRng) {
    tokio::time::sleep(Duration::from_millis(rng.gen_range(500..1500))).await;
}

async fn run_citizen(
    base: String,
    offices: Arc<Vec<(String, String)>>,
    http: reqwest::Client,
    seed: u64,
    stop: Arc<AtomicBool>,
    tallies: Arc<Tallies>,
) {
    let tally = &tallies.booking;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    think(&mut rng).await;
    while !stop.load(Ordering::Relaxed) {
        let (office, service) = &offices[rng.gen_range(0..offices.len())];
        let url = format!("{base}{}?office={office}&service={service}&days=7", public::SLOTS);
        let Some((status, body)) = timed(tally, "slots", http.get(url)).await else { continue };
        let slots = match serde_json::from_slice::<public::FreeSlots>(&body) {
            Ok(slots) if status == 200 => slots.slots,
            _ => {
                tally.lock().unwrap().error(format!("slots: {status} {}", error_code(&body)));
                think(&mut rng).await;
                continue;
            }
        };
        think(&mut rng).await;
        if slots.is_empty() {
            continue;
        }
        let slot = &slots[rng.gen_range(0..slots.len())];
        let booking = public::BookingRequest {
            slot_id: slot.slot_id.clone(),
            service_id: service.clone(),
            family_name: "Mustermann".into(),
        };
        let Some((status, body)) =
            timed(tally, "book", http.post(format!("{base}{}", public::BOOKINGS)).json(&booking)).await
        else {
            continue;
        };
        let code = match status {
            201 => match serde_json::from_slice::<public::BookingConfirmation>(&body) {
                Ok(confirmation) => Some(confirmation.booking_code),
                Err(_) => {
                    tally.lock().unwrap().error("book: 201 without a confirmation".into());
                    None
                }
            },
            400..=499 if matches!(error_code(&body).as_str(), "slot_taken" | "slot_unknown" | "booking_too_late") => {
                None
            }
            _ => {
                tally.lock().unwrap().error(format!("book: {status} {}", error_code(&body)));
                None
            }
        };
        think(&mut rng).await;
        if let Some(code) = code.filter(|_| rng.gen_bool(0.5)) {
            let cancel = public::CancelRequest { booking_code: code };
            if let Some((status, body)) =
                timed(tally, "cancel", http.post(format!("{base}{}", public::CANCEL)).json(&cancel)).await
            {
                if status != 200 {
                    tally.lock().unwrap().error(format!("cancel: {status} {}", error_code(&body)));
                }
            }
            think(&mut rng).await;
        }
    }
}

fn start_instance(env: &Environment) -> anyhow::Result<Central> {
    let config = workspace_root().join("crates/appointments/src/duesseldorf.toml");
    env.start_central_with(CentralOptions {
        extra_args: vec![
            "--public-listen".into(),
            "127.0.0.1:0".into(),
            "--appointments-config".into(),
            config.display().to_string(),
            // The citizens all come from 127.0.0.1 here; the per-address limit would count them as one.
            "--public-requests-per-minute".into(),
            "0".into(),
        ],
        ..Default::default()
    })
}

fn report(name: &str, tally: &Tally, elapsed: Duration) -> Vec<Duration> {
    let mut sorted = tally.latencies.clone();
    sorted.sort();
    println!(
        "central_load_{name} requests={} per_second={:.0} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} errors={}",
        sorted.len(),
        sorted.len() as f64 / elapsed.as_secs_f64(),
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        percentile(&sorted, 1.0),
        tally.errors
    );
    for example in &tally.examples {
        println!("  {name} error: {example}");
    }
    sorted
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(database @ CentralDatabase::Postgres { .. }) = CentralDatabase::postgres_from_env() else {
        bail!("central-load runs on PostgreSQL: set SCHALTER_TEST_POSTGRES_URL (cargo xtask bench central-load does)");
    };
    let env = Environment::with_database(database)?;
    let instances = [start_instance(&env)?, start_instance(&env)?];
    println!(
        "central_load: 2 instances on one PostgreSQL database, {DESKS} desks every {}s, {CITIZENS} citizens, {} s",
        DESK_SYNC_EVERY.as_secs(),
        seconds()
    );

    let ca = schalter_pki::load_ca(&env.pki.ca_cert())?;
    let identity = schalter_pki::Identity::load(&env.pki.desk_cert(), &env.pki.desk_key())?;
    let mut desks = Vec::new();
    for index in 0..DESKS {
        // Each desk its own client, so its own connections, as 50 machines would have; half through each instance.
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(schalter_pki::client_config(&ca, Some(&identity))?)
            .https_only(true)
            .timeout(Duration::from_secs(10))
            .build()?;
        let base = instances[index % 2].url().to_owned();
        let token = log_in(&http, &base).await.with_context(|| format!("desk {index} logging in"))?;
        desks.push(DeskClient { http, base, token, device_id: format!("desk-load-{index:03}"), seq: 0, cursor: 0 });
    }

    let public_urls: Vec<String> = instances
        .iter()
        .map(|central| central.public_url().map(str::to_owned).context("an instance without its public listener"))
        .collect::<anyhow::Result<_>>()?;
    // Plain HTTP (the city's proxy terminates TLS); reqwest wants a TLS configuration all the same, and this
    // process has no default crypto provider: ours.
    let citizen_client = || {
        reqwest::Client::builder()
            .use_preconfigured_tls(schalter_pki::client_config(&ca, None).expect("a client configuration"))
            .timeout(Duration::from_secs(10))
            .build()
    };
    let directory: public::PublicDirectory = citizen_client()?
        .get(format!("{}{}", public_urls[0], public::OFFICES))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let offices: Arc<Vec<(String, String)>> = Arc::new(
        directory
            .offices
            .iter()
            .filter(|office| office.kind != "pop_up")
            .flat_map(|office| office.services.iter().map(|service| (office.id.clone(), service.clone())))
            .collect(),
    );
    anyhow::ensure!(!offices.is_empty(), "no office offers appointments");

    let stop = Arc::new(AtomicBool::new(false));
    let tallies = Arc::new(Tallies::default());
    let mut tasks = Vec::new();
    for (index, desk) in desks.into_iter().enumerate() {
        tasks.push(tokio::spawn(run_desk(desk, index as u64, stop.clone(), tallies.clone())));
    }
    for index in 0..CITIZENS {
        let base = public_urls[index % 2].clone();
        tasks.push(tokio::spawn(run_citizen(
            base,
            offices.clone(),
            citizen_client()?,
            1000 + index as u64,
            stop.clone(),
            tallies.clone(),
        )));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds())).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed();

    let sync = tallies.sync.lock().unwrap();
    let booking = tallies.booking.lock().unwrap();
    let mut all = report("sync", &sync, elapsed);
    all.extend(report("booking", &booking, elapsed));
    all.sort();
    println!(
        "central_load requests={} p50_ms={:.1} p99_ms={:.1} errors={}",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        sync.errors + booking.errors
    );
    println!("central_load p99_ms={:.0} errors={}", percentile(&all, 0.99), sync.errors + booking.errors);
    drop(instances);
    Ok(())
}
