//! The real central API process refuses anyone without a desk certificate of its CA.

use std::time::Duration;

use schalter_pki::{client_config, CertificateAuthority, Identity, Validity};
use schalter_system_tests::Environment;

fn client(env: &Environment, identity: Option<&Identity>) -> reqwest::Client {
    let ca = std::fs::read_to_string(env.pki.ca_cert()).unwrap();
    reqwest::Client::builder()
        .use_preconfigured_tls(client_config(&ca, identity).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn desk_identity(env: &Environment) -> Identity {
    Identity::load(&env.pki.desk_cert(), &env.pki.desk_key()).unwrap()
}

#[tokio::test]
async fn desk_certificate_is_served() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    let health: serde_json::Value = client(&env, Some(&desk_identity(&env)))
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn no_client_certificate_is_refused() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    assert!(client(&env, None).get(format!("{url}/health")).send().await.is_err());
}

#[tokio::test]
async fn client_certificate_of_another_ca_is_refused() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    let rogue = CertificateAuthority::new("Fremde CA").unwrap().issue_client("desk-fremd", Validity::days(30)).unwrap();
    assert!(client(&env, Some(&rogue)).get(format!("{url}/health")).send().await.is_err());
}

#[tokio::test]
async fn expired_desk_certificate_is_refused() {
    let env = Environment::new().unwrap();
    // Replace the environment's PKI with one whose CA we hold, to issue an expired desk
    // certificate from the very CA the server trusts.
    let ca = CertificateAuthority::new("Test-CA").unwrap();
    ca.issue_server(&["127.0.0.1"], Validity::days(30))
        .unwrap()
        .write(&env.pki.central_cert(), &env.pki.central_key())
        .unwrap();
    std::fs::write(env.pki.ca_cert(), ca.cert_pem()).unwrap();
    let (_central, url) = env.start_central().unwrap();
    let expired = ca.issue_client("desk-abgelaufen", Validity::expired()).unwrap();
    let valid = ca.issue_client("desk-gueltig", Validity::days(30)).unwrap();
    assert!(client(&env, Some(&expired)).get(format!("{url}/health")).send().await.is_err());
    assert!(client(&env, Some(&valid)).get(format!("{url}/health")).send().await.is_ok());
}

#[tokio::test]
async fn stops_gracefully_on_sigterm() {
    let env = Environment::new().unwrap();
    let (central, _url) = env.start_central().unwrap();
    let status = central.terminate().expect("central stops after SIGTERM");
    assert!(status.success(), "central should shut down gracefully, ended with {status}");
}
