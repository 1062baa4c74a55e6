//! The audit trail names the desk by the certificate it connected with: a real server on a real
//! socket with mutual TLS, the same acceptor `schalter-central serve` uses.

#[macro_use]
mod common;

use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use schalter_central::db::NewClerk;
use schalter_central::{app, seed, AppState};
use schalter_domain::{DisplayName, OfficeId, Password, Role, Username};
use schalter_pki::{CertificateAuthority, Validity};
use schalter_server_kit::ClientCertificateAcceptor;
use serde_json::{json, Value};

use common::{Backend, TestDatabase};

const PASSWORD: &str = "korrekt-pferd-batterie";

async fn login_and_photo_events_record_the_desk_certificate(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let db = database.connect().await;
    seed::seed_duesseldorf_offices(&db).await.unwrap();
    let mut state = AppState::new(db);
    state.password_hasher =
        Arc::new(schalter_central::auth::PasswordHasher::with_params(argon2::Params::new(1024, 1, 1, None).unwrap()));
    let hash = state.password_hasher.hash(&Password::parse_new(PASSWORD).unwrap()).await.unwrap();
    let clerk = NewClerk {
        username: Username::parse("erika").unwrap(),
        display_name: DisplayName::parse("Erika Mustermann").unwrap(),
        role: Role::Clerk,
        office: OfficeId::parse("05111000_01").unwrap(),
        password_hash: hash,
    };
    state.db.upsert_clerk(&clerk, state.clock.now()).await.unwrap();

    let ca = CertificateAuthority::new("Test-CA").unwrap();
    let server = ca.issue_server(&["localhost"], Validity::days(1)).unwrap();
    let desk = ca.issue_client("Arbeitsplatz 7 Dienstleistungszentrum", Validity::days(1)).unwrap();
    let tls = schalter_pki::mtls_server_config(&server, &ca.cert_pem()).unwrap();
    let handle = axum_server::Handle::new();
    let serving = axum_server::bind("127.0.0.1:0".parse().unwrap())
        .acceptor(ClientCertificateAcceptor::new(RustlsConfig::from_config(Arc::new(tls))))
        .handle(handle.clone())
        .serve(app(state.clone()).into_make_service());
    tokio::spawn(serving);
    let port = handle.listening().await.unwrap().port();

    let client = reqwest::Client::builder()
        .use_preconfigured_tls(schalter_pki::client_config(&ca.cert_pem(), Some(&desk)).unwrap())
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let session: Value = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({ "username": "erika", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().expect("token");
    let photo_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let recorded = client
        .post(format!("{base}/v1/audit/photo-events"))
        .bearer_auth(token)
        .json(&json!({ "action": "fetched", "photo_id": photo_id, "error_code": null }))
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status(), 204);

    // The same token from another desk's certificate (same CA, so TLS lets it in) is refused.
    let other_desk = ca.issue_client("Arbeitsplatz 8 Dienstleistungszentrum", Validity::days(1)).unwrap();
    let other = reqwest::Client::builder()
        .use_preconfigured_tls(schalter_pki::client_config(&ca.cert_pem(), Some(&other_desk)).unwrap())
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let refused = other.get(format!("{base}/v1/auth/session")).bearer_auth(token).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.json::<Value>().await.unwrap()["code"], "unauthenticated");
    let own = client.get(format!("{base}/v1/auth/session")).bearer_auth(token).send().await.unwrap();
    assert_eq!(own.status(), 200, "the desk that logged in keeps its session");

    // The device id of the first push is bound to the certificate it came with, over real TLS.
    let push = |device: &str, seq: i64| {
        json!({ "device_id": device, "mutations": [{
            "seq": seq, "id": uuid::Uuid::now_v7(), "kind": "photo_audit.record",
            "occurred_at": "2027-01-15T09:30:00Z",
            "payload": { "action": "rejected", "photo_id": photo_id, "error_code": null },
        }] })
    };
    let pushed = client.post(format!("{base}/v1/sync/push")).bearer_auth(token).json(&push("desk-7", 1)).send();
    assert_eq!(pushed.await.unwrap().status(), 200);
    let other_session: Value = other
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({ "username": "erika", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other_token = other_session["token"].as_str().expect("token");
    let hijack = other.post(format!("{base}/v1/sync/push")).bearer_auth(other_token).json(&push("desk-7", 2)).send();
    let hijack = hijack.await.unwrap();
    assert_eq!(hijack.status(), 403);
    assert_eq!(hijack.json::<Value>().await.unwrap()["code"], "device_mismatch");
    handle.shutdown();

    let rows = state.db.audit_rows().await.unwrap();
    let login = rows.iter().find(|row| row.action == "login").expect("login audited");
    let fetched = rows.iter().find(|row| row.action == "photo_fetched").expect("fetch audited");
    for row in [login, fetched] {
        let desk = row.desk.as_deref().unwrap_or_default();
        assert!(desk.contains("CN=Arbeitsplatz 7 Dienstleistungszentrum"), "{desk}");
        assert!(desk.contains("sha256:"), "{desk}");
    }
    assert_eq!(fetched.subject.as_deref(), Some(photo_id));
    let synced = rows.iter().find(|row| row.action == "photo_rejected").expect("synced event audited");
    assert!(synced.desk.as_deref().unwrap_or_default().contains("CN=Arbeitsplatz 7 Dienstleistungszentrum"));
    let device = state.db.sync_device("desk-7").await.unwrap().unwrap();
    assert_eq!(device.last_seq, 1);
    let bound = device.desk_fingerprint.expect("bound to a certificate");
    assert!(login.desk.as_deref().unwrap().ends_with(&format!("sha256:{bound}")), "bound to the desk that logged in");
}

on_both_backends!(login_and_photo_events_record_the_desk_certificate);
