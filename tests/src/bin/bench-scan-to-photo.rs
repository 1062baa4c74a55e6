//! `cargo xtask bench scan-to-photo`: the desk's photo retrieval on loopback, each stage
//! against a baseline on the same bytes in the same run (curl for the fetch, a plain
//! `image` decode for the processing).

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use schalter_desk_core::{DeskConfig, PhotoRetrieval};
use schalter_photo::Algorithm;
use schalter_system_tests::{asset, Environment};

const RUNS: usize = 60;
/// Processing is cheap next to a fetch; more runs steady its median.
const PROCESS_RUNS: usize = 120;
const ORGANISATION_KEY: &str = "psb:05111000_00";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn curl(env: &Environment) -> Command {
    let mut command = Command::new("curl");
    command
        .args(["--silent", "--show-error", "--fail"])
        .arg("--cacert")
        .arg(env.pki.ca_cert())
        .arg("--cert")
        .arg(env.pki.desk_cert())
        .arg("--key")
        .arg(env.pki.desk_key())
        .args(["-H", &format!("X-Organisation-Key: {ORGANISATION_KEY}")]);
    command
}

/// `time_total` of each transfer curl reports, in order.
fn curl_times(command: &mut Command) -> anyhow::Result<Vec<Duration>> {
    let out = command.output().context("curl (apt-get install curl)")?;
    if !out.status.success() {
        bail!("curl failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout)?
        .lines()
        .map(|line| Ok(Duration::from_secs_f64(line.trim().parse::<f64>()?)))
        .collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = Environment::pki_only()?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config_path =
        env.desk_config_with("https://127.0.0.1:9", &Environment::photo_cloud_toml(ORGANISATION_KEY, &cloud_url))?;
    let config = DeskConfig::load(&config_path)?;
    let photo = asset("photos/valid-1244x1600.jpg");
    let code_text = env.studio_upload(&cloud_url, &photo, Algorithm::Aes256Gcm).await?;

    let cold = PhotoRetrieval::with_connection_reuse(&config, false)?;
    let warm = PhotoRetrieval::with_connection_reuse(&config, true)?;
    let (code, cloud) = warm.parse_trusted(&code_text)?;
    let url = format!("{cloud_url}/v1/photos/{}", code.photo_id);

    let mut fetch_cold = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        cold.download(&code, cloud).await?;
        fetch_cold.push(started.elapsed());
    }
    let mut curl_cold = Vec::new();
    for _ in 0..RUNS {
        curl_cold.extend(curl_times(curl(&env).args(["-o", "/dev/null", "-w", "%{time_total}\n", &url]))?);
    }

    warm.download(&code, cloud).await?; // opens the connection that the timed runs reuse
    let mut fetch_warm = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        warm.download(&code, cloud).await?;
        fetch_warm.push(started.elapsed());
    }
    let mut keep_alive = curl(&env);
    keep_alive.args(["-w", "%{time_total}\n"]);
    for _ in 0..=RUNS {
        keep_alive.args(["-o", "/dev/null", &url]);
    }
    let curl_warm: Vec<Duration> = curl_times(&mut keep_alive)?.into_iter().skip(1).collect();

    let envelope = warm.download(&code, cloud).await?;
    let jpeg = warm.open(&code, cloud, &envelope)?.jpeg;
    image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)?;
    // The two stages alternate run by run, so that whatever else the machine does at the time
    // (a build next door on a shared machine) weighs on both medians alike.
    let mut process = Vec::new();
    let mut plain_decode = Vec::new();
    for _ in 0..PROCESS_RUNS {
        let started = Instant::now();
        let opened = warm.open(&code, cloud, &envelope)?;
        process.push(started.elapsed());
        drop(opened);
        let started = Instant::now();
        image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)?;
        plain_decode.push(started.elapsed());
    }

    let rows = [
        ("fetch cold (desk, new TLS connection)", median(fetch_cold.clone())),
        ("fetch cold (curl, new connection)", median(curl_cold.clone())),
        ("fetch warm (desk, reused connection)", median(fetch_warm.clone())),
        ("fetch warm (curl keep-alive)", median(curl_warm.clone())),
        ("seal + decrypt + decode + checks", median(process.clone())),
        ("plain JPEG decode (image crate)", median(plain_decode.clone())),
    ];
    println!("{RUNS} runs per fetch stage, {PROCESS_RUNS} per processing stage, photo {} bytes, medians:", photo.len());
    for (name, value) in rows {
        println!("  {name:<40} {:>8.2} ms", ms(value));
    }
    let cold_ratio = ms(median(fetch_cold.clone())) / ms(median(curl_cold));
    let warm_ratio = ms(median(fetch_warm)) / ms(median(curl_warm));
    let process_ratio = ms(median(process.clone())) / ms(median(plain_decode));
    let total = ms(median(fetch_cold)) + ms(median(process));
    println!(
        "scan_to_photo fetch_cold_ratio={cold_ratio:.2} fetch_warm_ratio={warm_ratio:.2} process_ratio={process_ratio:.2} total_ms={total:.1}"
    );
    Ok(())
}
