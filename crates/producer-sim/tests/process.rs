//! The simulator as the central meets it: its own process on a mutual-TLS socket. (This file also makes
//! `cargo test --workspace` build the binary the system tests start.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use schalter_pki::{DevPkiPaths, Identity};

fn simulator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_schalter-producer-sim"))
}

fn with_tls<'a>(command: &'a mut Command, pki: &DevPkiPaths) -> &'a mut Command {
    command
        .args(["--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(pki.producer_cert())
        .arg("--tls-key")
        .arg(pki.producer_key())
        .arg("--client-ca")
        .arg(pki.ca_cert())
}

#[tokio::test]
async fn the_simulator_answers_only_a_client_with_a_certificate_and_refuses_a_bad_rate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = DevPkiPaths::new(dir.path());
    pki.ensure("Platz Test").unwrap();

    let refused = with_tls(&mut simulator(), &pki).args(["--rejection-rate", "1.5"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--rejection-rate lies between 0 and 1"));

    let mut child = with_tls(&mut simulator(), &pki)
        .args(["--rejection-rate", "0.5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("schalter-producer-sim listening on ").expect("listening line").to_owned();

    let ca = std::fs::read_to_string(pki.ca_cert()).unwrap();
    let central = Identity::load(&pki.central_producer_client_cert(), &pki.central_producer_client_key()).unwrap();
    let client = |identity: Option<&Identity>| {
        let tls = schalter_pki::client_config(&ca, identity).unwrap();
        reqwest::Client::builder().use_preconfigured_tls(tls).build().unwrap()
    };
    let health = format!("{url}/health");
    let answer = client(Some(&central)).get(&health).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "ok");
    assert!(client(None).get(&health).send().await.is_err(), "no client certificate, no answer");

    child.kill().unwrap();
    child.wait().unwrap();
}
