//! The real central API process refuses anyone without a desk certificate of its CA, and a desk
//! refuses a central whose certificate names another host. Every refusal is checked for its
//! specific TLS cause, next to a valid client that the same running server serves.

use std::net::SocketAddr;
use std::time::Duration;

use schalter_pki::{client_config, CertificateAuthority, Identity, Validity};
use schalter_system_tests::Environment;

fn client(env: &Environment, identity: Option<&Identity>) -> reqwest::Client {
    let ca = std::fs::read_to_string(env.pki.ca_cert()).unwrap();
    client_trusting(&ca, identity, None)
}

fn client_trusting(ca: &str, identity: Option<&Identity>, resolve: Option<(&str, SocketAddr)>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_preconfigured_tls(client_config(ca, identity).unwrap())
        .timeout(Duration::from_secs(5));
    if let Some((name, address)) = resolve {
        builder = builder.resolve(name, address);
    }
    builder.build().unwrap()
}

fn desk_identity(env: &Environment) -> Identity {
    Identity::load(&env.pki.desk_cert(), &env.pki.desk_key()).unwrap()
}

/// The request fails, and for the named TLS reason.
async fn assert_refused(client: &reqwest::Client, url: &str, reason: &str) {
    let error = client.get(format!("{url}/health")).send().await.expect_err("the handshake must fail");
    let chain = schalter_pki::error_chain(&error);
    assert!(chain.contains(reason), "expected {reason} in the error chain, got {chain}");
}

async fn assert_served(client: &reqwest::Client, url: &str) {
    let health: serde_json::Value =
        client.get(format!("{url}/health")).send().await.unwrap().error_for_status().unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
}

/// Replaces the environment's PKI with one whose CA key we hold; the central's certificate
/// names `server_names`.
fn own_ca(env: &Environment, server_names: &[&str]) -> CertificateAuthority {
    let ca = CertificateAuthority::new("Test-CA").unwrap();
    ca.issue_server(server_names, Validity::days(30))
        .unwrap()
        .write(&env.pki.central_cert(), &env.pki.central_key())
        .unwrap();
    std::fs::write(env.pki.ca_cert(), ca.cert_pem()).unwrap();
    ca
}

#[tokio::test]
async fn desk_certificate_is_served() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    assert_served(&client(&env, Some(&desk_identity(&env))), &url).await;
}

#[tokio::test]
async fn no_client_certificate_is_refused() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    assert_refused(&client(&env, None), &url, "AlertReceived(CertificateRequired)").await;
    assert_served(&client(&env, Some(&desk_identity(&env))), &url).await;
}

#[tokio::test]
async fn client_certificate_of_another_ca_is_refused() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    let rogue = CertificateAuthority::new("Fremde CA").unwrap().issue_client("desk-fremd", Validity::days(30)).unwrap();
    assert_refused(&client(&env, Some(&rogue)), &url, "AlertReceived(UnknownCA)").await;
    assert_served(&client(&env, Some(&desk_identity(&env))), &url).await;
}

#[tokio::test]
async fn rogue_certificate_with_the_desks_own_subject_is_refused() {
    let env = Environment::new().unwrap();
    let (_central, url) = env.start_central().unwrap();
    // A look-alike: the real desk certificate's subject, issued by a CA of the same name with another key.
    let rogue_ca = CertificateAuthority::new("Schalter Entwicklungs-CA").unwrap();
    let rogue = rogue_ca.issue_client("desk-05111000_01-test", Validity::days(30)).unwrap();
    // The issuer name matches the trusted CA, so the server tries that CA's key: the signature
    // does not verify (rustls: BadSignature, sent as the decrypt_error alert), not "unknown CA".
    assert_refused(&client(&env, Some(&rogue)), &url, "AlertReceived(DecryptError)").await;
    assert_served(&client(&env, Some(&desk_identity(&env))), &url).await;
}

#[tokio::test]
async fn expired_desk_certificate_is_refused() {
    let env = Environment::new().unwrap();
    let ca = own_ca(&env, &["127.0.0.1"]);
    let (_central, url) = env.start_central().unwrap();
    let expired = ca.issue_client("desk-abgelaufen", Validity::expired()).unwrap();
    let valid = ca.issue_client("desk-gueltig", Validity::days(30)).unwrap();
    assert_refused(&client(&env, Some(&expired)), &url, "AlertReceived(CertificateExpired)").await;
    assert_served(&client(&env, Some(&valid)), &url).await;
}

#[tokio::test]
async fn central_certificate_for_another_host_is_refused_by_the_desk() {
    let env = Environment::new().unwrap();
    let ca = own_ca(&env, &["anderer-server.example"]);
    let (_central, url) = env.start_central().unwrap();
    let desk = ca.issue_client("desk-gueltig", Validity::days(30)).unwrap();
    // Reached as 127.0.0.1, the certificate names another host: the desk hangs up.
    assert_refused(&client_trusting(&ca.cert_pem(), Some(&desk), None), &url, "NotValidForName").await;
    // Reached under the name the certificate carries, the same server is fine.
    let address: SocketAddr = url.trim_start_matches("https://").parse().unwrap();
    let by_name = client_trusting(&ca.cert_pem(), Some(&desk), Some(("anderer-server.example", address)));
    assert_served(&by_name, &format!("https://anderer-server.example:{}", address.port())).await;
}

#[tokio::test]
async fn stops_gracefully_on_sigterm() {
    let env = Environment::new().unwrap();
    let (central, _url) = env.start_central().unwrap();
    let status = central.terminate().expect("central stops after SIGTERM");
    assert!(status.success(), "central should shut down gracefully, ended with {status}");
}
