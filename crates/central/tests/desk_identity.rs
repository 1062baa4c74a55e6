//! The audit trail names the desk by the certificate it connected with: a real server on a real
//! socket with mutual TLS, the same acceptor `schalter-central serve` uses.

#[macro_use]
mod common;

use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use schalter_central::db::certificates::{CertificateKind, CertificateRecord};
use schalter_central::db::NewClerk;
use schalter_central::{app, seed, AppState};
use schalter_domain::{DisplayName, OfficeId, Password, Role, Username};
use schalter_pki::{CertificateAuthority, CertificateSerial, Identity, Validity};
use schalter_server_kit::ClientCertificateAcceptor;
use serde_json::{json, Value};

use common::{Backend, TestDatabase};

const PASSWORD: &str = "korrekt-pferd-batterie";

/// A central with these clerks (username, display name) at 05111000_01, all with `PASSWORD`; their ids in order.
async fn central_with_clerks(backend: Backend, clerks: &[(&str, &str)]) -> (TestDatabase, AppState, Vec<uuid::Uuid>) {
    let database = TestDatabase::new(backend).await;
    let db = database.connect().await;
    seed::seed_duesseldorf_offices(&db).await.unwrap();
    let mut state = AppState::new(db);
    state.password_hasher =
        Arc::new(schalter_central::auth::PasswordHasher::with_params(argon2::Params::new(1024, 1, 1, None).unwrap()));
    let hash = state.password_hasher.hash(&Password::parse_new(PASSWORD).unwrap()).await.unwrap();
    let mut ids = Vec::new();
    for (username, display_name) in clerks {
        let clerk = NewClerk {
            username: Username::parse(username).unwrap(),
            display_name: DisplayName::parse(display_name).unwrap(),
            role: Role::Clerk,
            office: OfficeId::parse("05111000_01").unwrap(),
            password_hash: hash.clone(),
        };
        ids.push(state.db.upsert_clerk(&clerk, state.clock.now()).await.unwrap());
    }
    (database, state, ids)
}

/// Serves `state` on a real socket with mutual TLS, as `schalter-central serve` does, under a server
/// certificate of `ca` for `localhost`; the port.
async fn serve_mtls(state: &AppState, ca: &CertificateAuthority) -> (axum_server::Handle, u16) {
    let server = ca.issue_server(&["localhost"], Validity::days(1)).unwrap();
    let tls = schalter_pki::mtls_server_config(&server, &ca.cert_pem()).unwrap();
    let handle = axum_server::Handle::new();
    let serving = axum_server::bind("127.0.0.1:0".parse().unwrap())
        .acceptor(ClientCertificateAcceptor::new(RustlsConfig::from_config(Arc::new(tls))))
        .handle(handle.clone())
        .serve(app(state.clone()).into_make_service());
    tokio::spawn(serving);
    let port = handle.listening().await.unwrap().port();
    (handle, port)
}

async fn login_and_photo_events_record_the_desk_certificate(backend: Backend) {
    let (_database, state, _) = central_with_clerks(backend, &[("erika", "Erika Mustermann")]).await;
    let ca = CertificateAuthority::new("Test-CA").unwrap();
    let desk = ca.issue_client("Arbeitsplatz 7 Dienstleistungszentrum", Validity::days(1)).unwrap();
    let (handle, port) = serve_mtls(&state, &ca).await;

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

/// A desk whose certificate is renewed (`schalter-admin desk provision` again under its name) stays the same
/// desk at the central: at the new certificate's first login it gets the old store key (its local store
/// opens), its colleagues' pending changes still count as theirs, and its device id moves with it. A
/// certificate that renews nothing gets none of it, and the old certificate loses the device.
async fn a_renewed_desk_certificate_takes_over_its_desk(backend: Backend) {
    let clerks = [("erika", "Erika Mustermann"), ("max", "Max Mustermann")];
    let (_database, state, clerk_ids) = central_with_clerks(backend, &clerks).await;
    let max_id = clerk_ids[1].to_string();

    let ca = CertificateAuthority::new("Test-CA").unwrap();
    let issue = |name: &str| {
        let issued = ca.issue_client_with_serial(name, Validity::days(1), &CertificateSerial::random()).unwrap();
        let identity = Identity { cert_pem: issued.cert_pem.clone(), key_pem: issued.key_pem.clone().unwrap() };
        (issued, identity)
    };
    let (old, old_identity) = issue("Platz 9");
    let (new, new_identity) = issue("Platz 9");
    let (stranger, stranger_identity) = issue("Platz 10");
    for issued in [&old, &new, &stranger] {
        let record = CertificateRecord {
            fingerprint: issued.fingerprint.clone(),
            serial: issued.serial.to_hex(),
            kind: CertificateKind::Desk,
            name: issued.common_name.clone(),
            office_id: "05111000_01".into(),
            box_id: None,
            issued_at: 0,
            not_after: issued.not_after.unix_timestamp(),
            revoked_at: None,
        };
        state.db.record_issued_certificate(&record).await.unwrap();
    }

    let (handle, port) = serve_mtls(&state, &ca).await;
    let base = format!("https://localhost:{port}");
    let client = |identity: &Identity| {
        reqwest::Client::builder()
            .use_preconfigured_tls(schalter_pki::client_config(&ca.cert_pem(), Some(identity)).unwrap())
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .build()
            .unwrap()
    };
    let login = |client: reqwest::Client, username: &'static str| {
        let base = base.clone();
        async move {
            let answer = client
                .post(format!("{base}/v1/auth/login"))
                .json(&json!({ "username": username, "password": PASSWORD }))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
            answer.json::<Value>().await.unwrap()
        }
    };
    // Max's change, made offline at Platz 9 and pushed in Erika's session.
    let push = |client: reqwest::Client, token: String, seq: i64| {
        let base = base.clone();
        let max_id = max_id.clone();
        async move {
            let body = json!({ "device_id": "desk-9", "mutations": [{
                "seq": seq, "id": uuid::Uuid::now_v7(), "kind": "photo_audit.record", "clerk_id": max_id,
                "occurred_at": "2027-01-15T09:30:00Z",
                "payload": { "action": "rejected", "photo_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "error_code": null },
            }] });
            let answer =
                client.post(format!("{base}/v1/sync/push")).bearer_auth(token).json(&body).send().await.unwrap();
            (answer.status(), answer.json::<Value>().await.unwrap())
        }
    };

    let old_desk = client(&old_identity);
    login(old_desk.clone(), "max").await;
    let erika_old = login(old_desk.clone(), "erika").await;
    let old_token = erika_old["token"].as_str().unwrap().to_owned();
    let store_key = erika_old["desk_store_key"].as_str().expect("a store key").to_owned();
    let (status, pushed) = push(old_desk.clone(), old_token.clone(), 1).await;
    assert_eq!((status.as_u16(), pushed["results"][0]["status"].as_str()), (200, Some("applied")), "{pushed}");

    // A certificate that renews nothing: its own store key, and the device is not its.
    let stranger_desk = client(&stranger_identity);
    let erika_stranger = login(stranger_desk.clone(), "erika").await;
    assert_ne!(erika_stranger["desk_store_key"].as_str(), Some(store_key.as_str()));
    let (status, refused) = push(stranger_desk, erika_stranger["token"].as_str().unwrap().to_owned(), 2).await;
    assert_eq!((status.as_u16(), refused["code"].as_str()), (403, Some("device_mismatch")));

    // The renewal: what schalter-admin records when Platz 9 is provisioned again.
    state.db.record_renewal(&new.fingerprint, &old.fingerprint).await.unwrap();
    let new_desk = client(&new_identity);
    let erika_new = login(new_desk.clone(), "erika").await;
    assert_eq!(erika_new["desk_store_key"].as_str(), Some(store_key.as_str()), "the desk's store still opens");
    let (status, pushed) = push(new_desk.clone(), erika_new["token"].as_str().unwrap().to_owned(), 2).await;
    assert_eq!((status.as_u16(), pushed["results"][0]["status"].as_str()), (200, Some("applied")), "{pushed}");
    let device = state.db.sync_device("desk-9").await.unwrap().unwrap();
    assert_eq!((device.last_seq, device.desk_fingerprint.as_deref()), (2, Some(new.fingerprint.as_str())));
    // The old certificate has lost the device; a second login takes nothing over again.
    let (status, refused) = push(old_desk, old_token, 3).await;
    assert_eq!((status.as_u16(), refused["code"].as_str()), (403, Some("device_mismatch")));
    assert!(state.db.adopt_renewed_desk(&new.fingerprint, 0).await.unwrap().is_empty());
    handle.shutdown();

    let rows = state.db.audit_rows().await.unwrap();
    let renewed: Vec<_> = rows.iter().filter(|row| row.action == "desk_certificate_renewed").collect();
    assert_eq!(renewed.len(), 1);
    let subject = renewed[0].subject.as_deref().unwrap_or_default();
    assert_eq!(subject, format!("sha256:{} -> sha256:{}", old.fingerprint, new.fingerprint));
}

on_both_backends!(a_renewed_desk_certificate_takes_over_its_desk);
