//! The real cloud on a real mutual-TLS socket on 127.0.0.1:0, a fresh SQLite file per test and a
//! test PKI: authority CA (desks), studio CA (studios) and the cloud's own CA.

use std::net::SocketAddr;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::StatusCode;
use schalter_photo::{crypto, seal, Algorithm, PhotoCode};
use schalter_photo_cloud::dev_pki::DevCloudPki;
use schalter_photo_cloud::server::{self, RunningServer};
use schalter_photo_cloud::studio::{self, SlipDetails, StudioClient};
use schalter_photo_cloud::{service, AppState, Clock, Db, SealKey};
use schalter_pki::{Identity, Validity};
use serde_json::{json, Value};
use uuid::Uuid;

const PSB: &str = "psb:05111000_00";
const DAY: i64 = 24 * 60 * 60;
/// Small, so that the over-limit test sends little.
const TEST_UPLOAD_LIMIT: usize = 64 * 1024;

struct TestCloud {
    server: RunningServer,
    state: AppState,
    pki: DevCloudPki,
    _dir: tempfile::TempDir,
}

async fn spawn_cloud() -> TestCloud {
    let dir = tempfile::tempdir().unwrap();
    let pki = DevCloudPki::generate().unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("cloud.db").display())).await.unwrap();
    db.migrate().await.unwrap();
    let seal = SealKey::from_pem(&pki.seal.key_pem, &pki.seal.cert_pem).unwrap();
    let mut state = AppState::new(db, seal).await.unwrap();
    state.clock = Clock::manual(time::OffsetDateTime::now_utc().unix_timestamp());
    state.max_upload_bytes = TEST_UPLOAD_LIMIT;
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = server::start(state.clone(), listen, &pki.tls_settings()).await.unwrap();
    TestCloud { server, state, pki, _dir: dir }
}

impl TestCloud {
    fn client(&self, identity: Option<&Identity>) -> reqwest::Client {
        let tls = schalter_pki::client_config(&self.pki.cloud_ca.cert_pem(), identity).unwrap();
        reqwest::Client::builder().use_preconfigured_tls(tls).build().unwrap()
    }

    fn desk(&self) -> reqwest::Client {
        self.client(Some(&self.pki.authority_client))
    }

    fn studio_http(&self) -> reqwest::Client {
        self.client(Some(&self.pki.studio_client))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    async fn upload_as(&self, client: &reqwest::Client, body: Vec<u8>) -> (StatusCode, Value) {
        let response = client
            .post(self.url("/v1/studio/photos"))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// Uploads as the test studio; returns the photo id and the Nutzerkennung.
    async fn upload(&self, body: &[u8]) -> (Uuid, String) {
        let (status, answer) = self.upload_as(&self.studio_http(), body.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        (answer["photo_id"].as_str().unwrap().parse().unwrap(), answer["user_identifier"].as_str().unwrap().to_owned())
    }

    async fn authority_call(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        org_key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = client.request(method, self.url(path));
        if let Some(key) = org_key {
            request = request.header("X-Organisation-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    async fn fetch(&self, photo_id: Uuid) -> (StatusCode, Value) {
        self.authority_call(&self.desk(), reqwest::Method::GET, &format!("/v1/photos/{photo_id}"), Some(PSB), None)
            .await
    }

    async fn delete(&self, photo_id: Uuid) -> (StatusCode, Value) {
        self.authority_call(&self.desk(), reqwest::Method::DELETE, &format!("/v1/photos/{photo_id}"), Some(PSB), None)
            .await
    }

    async fn keep_until(&self, photo_id: Uuid, date: &str) -> (StatusCode, Value) {
        let path = format!("/v1/photos/{photo_id}/retention");
        self.authority_call(&self.desk(), reqwest::Method::PUT, &path, Some(PSB), Some(json!({ "keep_until": date })))
            .await
    }

    fn date_in_days(&self, days: i64) -> String {
        let at = time::OffsetDateTime::from_unix_timestamp(self.state.clock.now() + days * DAY).unwrap();
        schalter_photo_cloud::retention::format_date(at.date())
    }
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, body)
}

fn assert_error(result: (StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(result.0, status, "{}", result.1);
    assert_eq!(result.1["code"], code, "{}", result.1);
    let message = result.1["message"].as_str().unwrap();
    assert!(!message.is_empty());
}

#[tokio::test]
async fn upload_fetch_verify_seal_delete() {
    let cloud = spawn_cloud().await;
    let ciphertext: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
    let (photo_id, user_identifier) = cloud.upload(&ciphertext).await;
    assert_eq!(photo_id.get_version_num(), 4);
    let parts: Vec<Uuid> = user_identifier.split(":::").map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], cloud.state.cloud_service_id);

    let (status, body) = cloud.fetch(photo_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fetched = BASE64.decode(body["ciphertext"].as_str().unwrap()).unwrap();
    assert_eq!(fetched, ciphertext);
    assert_eq!(body["user_identifier"], user_identifier.as_str());
    assert_eq!(body["seal"]["algorithm"], "ecdsa-p256-sha256");
    let signature = BASE64.decode(body["seal"]["signature"].as_str().unwrap()).unwrap();
    seal::verify(&cloud.pki.seal.cert_pem, seal::ALGORITHM, &fetched, &user_identifier, &signature).unwrap();
    // The seal covers the Nutzerkennung too.
    let mut other = parts.clone();
    other[2] = Uuid::new_v4();
    let forged = other.iter().map(Uuid::to_string).collect::<Vec<_>>().join(":::");
    assert!(seal::verify(&cloud.pki.seal.cert_pem, seal::ALGORITHM, &fetched, &forged, &signature).is_err());

    assert_eq!(cloud.delete(photo_id).await.0, StatusCode::NO_CONTENT);
    assert_error(cloud.fetch(photo_id).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(cloud.delete(photo_id).await, StatusCode::NOT_FOUND, "not_found");
    let state = cloud.state.db.photo_state(photo_id).await.unwrap().unwrap();
    assert!(!state.has_ciphertext, "deleted photo must have no bytes left");

    let trail = cloud.state.db.audit_trail().await.unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["uploaded", "fetched", "deleted", "fetch_not_found"]);
    assert!(trail[0].actor.starts_with("studio:"));
    assert_eq!(trail[1].actor, PSB);
    assert!(trail.iter().all(|e| e.photo_id == Some(photo_id) && e.client_cert_sha256.as_ref().unwrap().len() == 64));
}

#[tokio::test]
async fn seal_certificate_is_served_as_pem() {
    let cloud = spawn_cloud().await;
    let response = cloud.desk().get(cloud.url("/v1/seal-certificate")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-pem-file");
    assert_eq!(response.text().await.unwrap(), cloud.pki.seal.cert_pem);
}

#[tokio::test]
async fn only_pab_psb_and_azr_may_fetch() {
    let cloud = spawn_cloud().await;
    let (photo_id, _) = cloud.upload(b"ciphertext").await;
    let path = format!("/v1/photos/{photo_id}");
    for key in ["eid:05111000_00", "dbs:05111000_00"] {
        let result = cloud.authority_call(&cloud.desk(), reqwest::Method::GET, &path, Some(key), None).await;
        assert_error(result, StatusCode::FORBIDDEN, "wrong_category");
        let result = cloud.authority_call(&cloud.desk(), reqwest::Method::DELETE, &path, Some(key), None).await;
        assert_error(result, StatusCode::FORBIDDEN, "wrong_category");
    }
    for key in ["pab:05111000_00", "azr:05111000_00", PSB] {
        let (status, body) = cloud.authority_call(&cloud.desk(), reqwest::Method::GET, &path, Some(key), None).await;
        assert_eq!(status, StatusCode::OK, "{key}: {body}");
    }
    let refused = cloud.state.db.audit_trail().await.unwrap();
    assert_eq!(refused.iter().filter(|e| e.action == "refused_wrong_category").count(), 4);
}

#[tokio::test]
async fn organisation_key_is_required_and_checked() {
    let cloud = spawn_cloud().await;
    let (photo_id, _) = cloud.upload(b"ciphertext").await;
    let path = format!("/v1/photos/{photo_id}");
    for key in [None, Some(""), Some("psb:123"), Some("xyz:05111000_00"), Some("05111000_00")] {
        let result = cloud.authority_call(&cloud.desk(), reqwest::Method::GET, &path, key, None).await;
        assert_error(result, StatusCode::BAD_REQUEST, "invalid_organisation_key");
    }
}

#[tokio::test]
async fn authority_certificate_cannot_upload() {
    let cloud = spawn_cloud().await;
    let result = cloud.upload_as(&cloud.desk(), b"ciphertext".to_vec()).await;
    assert_error(result, StatusCode::FORBIDDEN, "studio_certificate_required");
}

#[tokio::test]
async fn studio_certificate_cannot_fetch_delete_or_retain() {
    let cloud = spawn_cloud().await;
    let (photo_id, _) = cloud.upload(b"ciphertext").await;
    let studio = cloud.studio_http();
    let path = format!("/v1/photos/{photo_id}");
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let result = cloud.authority_call(&studio, method, &path, Some(PSB), None).await;
        assert_error(result, StatusCode::FORBIDDEN, "authority_certificate_required");
    }
    let retention = format!("{path}/retention");
    let body = json!({ "keep_until": cloud.date_in_days(1) });
    let result = cloud.authority_call(&studio, reqwest::Method::PUT, &retention, Some(PSB), Some(body)).await;
    assert_error(result, StatusCode::FORBIDDEN, "authority_certificate_required");
    assert_eq!(cloud.fetch(photo_id).await.0, StatusCode::OK, "the photo is untouched");
}

#[tokio::test]
async fn certificates_of_other_cas_or_none_fail_the_handshake() {
    let cloud = spawn_cloud().await;
    let stranger_ca = schalter_pki::CertificateAuthority::new("Fremde CA").unwrap();
    let stranger = stranger_ca.issue_client("desk-fremd", Validity::days(30)).unwrap();
    let expired = cloud.pki.authority_ca.issue_client("desk-abgelaufen", Validity::expired()).unwrap();
    // The cloud's own CA issues no client certificates the cloud accepts either.
    let cloud_issued = cloud.pki.cloud_ca.issue_client("desk-cloud-ca", Validity::days(30)).unwrap();
    let cases = [
        ("a certificate of another CA", Some(&stranger), "AlertReceived(UnknownCA)"),
        ("an expired certificate", Some(&expired), "AlertReceived(CertificateExpired)"),
        ("a certificate of the cloud's own CA", Some(&cloud_issued), "AlertReceived(UnknownCA)"),
        ("no certificate", None, "AlertReceived(CertificateRequired)"),
    ];
    for (case, identity, alert) in cases {
        let error = cloud.client(identity).get(cloud.url("/health")).send().await.expect_err(case);
        let chain = schalter_pki::error_chain(&error);
        assert!(chain.contains(alert), "{case}: expected the server's TLS alert {alert}, got {chain}");
        // The same running server still serves a valid desk.
        assert_eq!(cloud.desk().get(cloud.url("/health")).send().await.unwrap().status(), StatusCode::OK, "{case}");
    }
}

#[tokio::test]
async fn a_revoked_desk_certificate_cannot_fetch_and_a_valid_one_can() {
    let dir = tempfile::tempdir().unwrap();
    let pki = DevCloudPki::generate().unwrap();
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("cloud.db").display())).await.unwrap();
    db.migrate().await.unwrap();
    let state = AppState::new(db, SealKey::from_pem(&pki.seal.key_pem, &pki.seal.cert_pem).unwrap()).await.unwrap();
    // The authority CA as the city runs it: loaded from its files, serials in a registry, a CRL.
    let city =
        schalter_pki::CertificateAuthority::load(&pki.authority_ca.cert_pem(), &pki.authority_ca.key_pem()).unwrap();
    let desk = |name: &str| {
        let issued = city
            .issue_client_with_serial(name, Validity::days(30), &schalter_pki::CertificateSerial::random())
            .unwrap();
        let identity = Identity { cert_pem: issued.cert_pem.clone(), key_pem: issued.key_pem.clone().unwrap() };
        (issued, identity)
    };
    let (revoked, revoked_identity) = desk("Platz 1");
    let (valid, valid_identity) = desk("Platz 2");
    let now = time::OffsetDateTime::now_utc();
    let crl_file = dir.path().join("crl.pem");
    // As `schalter-admin` publishes it: the whole list, numbered, written beside and renamed.
    let publish = |revoked: &[&schalter_pki::IssuedCertificate], number: u64| {
        let list: Vec<_> = revoked
            .iter()
            .map(|issued| schalter_pki::RevokedCertificate { serial: issued.serial.clone(), revoked_at: now })
            .collect();
        let pem = city.crl_pem(&list, number, now, now + time::Duration::days(7)).unwrap();
        let partial = dir.path().join(".crl.pem.neu");
        std::fs::write(&partial, pem).unwrap();
        std::fs::rename(&partial, &crl_file).unwrap();
    };
    publish(&[&revoked], 1);
    let mut tls = pki.tls_settings().with_authority_crl(&crl_file).unwrap();
    tls.crl_check_every = Duration::from_millis(50);
    let server = server::start(state, "127.0.0.1:0".parse().unwrap(), &tls).await.unwrap();
    let client = |identity: &Identity| {
        let tls = schalter_pki::client_config(&pki.cloud_ca.cert_pem(), Some(identity)).unwrap();
        reqwest::Client::builder().use_preconfigured_tls(tls).build().unwrap()
    };

    // A photo to fetch, uploaded by the studio (whose CA has no CRL here: studios still get in).
    let studio = client(&pki.studio_client);
    let body = synthetic_jpeg_bytes();
    let upload = studio
        .post(format!("{}/v1/studio/photos", server.url()))
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let photo_id = answer(upload).await.1["photo_id"].as_str().unwrap().to_owned();
    let fetch = |identity: &Identity| {
        client(identity).get(format!("{}/v1/photos/{photo_id}", server.url())).header("X-Organisation-Key", PSB).send()
    };
    assert_eq!(fetch(&valid_identity).await.unwrap().status(), StatusCode::OK);
    let error = fetch(&revoked_identity).await.expect_err("a revoked desk certificate must not get through");
    let chain = schalter_pki::error_chain(&error);
    assert!(chain.contains("AlertReceived(CertificateRevoked)"), "{chain}");

    // Platz 2 revoked while the cloud serves: the new list is in force without a restart.
    let refused = |result: Result<reqwest::Response, reqwest::Error>| match result {
        Ok(_) => false,
        Err(error) => schalter_pki::error_chain(&error).contains("AlertReceived(CertificateRevoked)"),
    };
    publish(&[&revoked, &valid], 2);
    let mut waited = Duration::ZERO;
    while !refused(fetch(&valid_identity).await) {
        assert!(waited < Duration::from_secs(10), "the rewritten CRL was not picked up");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    // A broken file (a half-copied list) does not open the door: the last good list stays ...
    std::fs::write(&crl_file, "kein CRL").unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(refused(fetch(&valid_identity).await), "the last good list stays");
    assert!(refused(fetch(&revoked_identity).await));
    // ... and the next good one is read again: Platz 2's revocation taken back (a test list, not a real case).
    publish(&[&revoked], 3);
    let mut waited = Duration::ZERO;
    while fetch(&valid_identity).await.map(|answer| answer.status()).ok() != Some(StatusCode::OK) {
        assert!(waited < Duration::from_secs(10), "the CRL after the broken file was not picked up");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    assert!(refused(fetch(&revoked_identity).await));

    // A file that is no CRL stops the start.
    std::fs::write(&crl_file, "kein CRL").unwrap();
    assert!(pki.tls_settings().with_authority_crl(&crl_file).is_err());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_and_malformed_photo_ids() {
    let cloud = spawn_cloud().await;
    assert_error(cloud.fetch(Uuid::new_v4()).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(cloud.delete(Uuid::new_v4()).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(cloud.keep_until(Uuid::new_v4(), &cloud.date_in_days(1)).await, StatusCode::NOT_FOUND, "not_found");
    let result =
        cloud.authority_call(&cloud.desk(), reqwest::Method::GET, "/v1/photos/kein-uuid", Some(PSB), None).await;
    assert_error(result, StatusCode::BAD_REQUEST, "invalid_photo_id");
    let result = cloud.authority_call(&cloud.desk(), reqwest::Method::GET, "/v1/nichts", Some(PSB), None).await;
    assert_error(result, StatusCode::NOT_FOUND, "unknown_path");
}

#[tokio::test]
async fn upload_bodies_are_checked() {
    let cloud = spawn_cloud().await;
    let studio = cloud.studio_http();
    let result = cloud.upload_as(&studio, vec![7u8; TEST_UPLOAD_LIMIT + 1]).await;
    assert_error(result, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(cloud.upload_as(&studio, vec![7u8; TEST_UPLOAD_LIMIT]).await.0, StatusCode::CREATED);
    assert_error(cloud.upload_as(&studio, Vec::new()).await, StatusCode::BAD_REQUEST, "empty_body");
    let response = studio
        .post(cloud.url("/v1/studio/photos"))
        .header("content-type", "image/jpeg")
        .body(b"abc".to_vec())
        .send()
        .await
        .unwrap();
    assert_error(answer(response).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn one_studio_certificate_is_one_account_and_user() {
    let cloud = spawn_cloud().await;
    let (_, first) = cloud.upload(b"eins").await;
    let (_, second) = cloud.upload(b"zwei").await;
    assert_eq!(first, second);
    // A renewed certificate with the same subject: same provider account, new user.
    let renewed = cloud.pki.studio_ca.issue_client("Fotostudio Muster", Validity::days(30)).unwrap();
    let (_, third) = cloud.upload_as(&cloud.client(Some(&renewed)), b"drei".to_vec()).await;
    let third = third["user_identifier"].as_str().unwrap();
    let split = |uid: &str| uid.split(":::").map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(split(third)[..2], split(&first)[..2]);
    assert_ne!(split(third)[2], split(&first)[2]);
    // Another studio: another account.
    let other = cloud.pki.studio_ca.issue_client("Foto Anders", Validity::days(30)).unwrap();
    let (_, fourth) = cloud.upload_as(&cloud.client(Some(&other)), b"vier".to_vec()).await;
    let fourth = fourth["user_identifier"].as_str().unwrap();
    assert_eq!(split(fourth)[0], split(&first)[0]);
    assert_ne!(split(fourth)[1], split(&first)[1]);
}

#[tokio::test]
async fn retention_up_to_six_months_after_upload() {
    let cloud = spawn_cloud().await;
    let (photo_id, _) = cloud.upload(b"ciphertext").await;
    let within = cloud.date_in_days(170);
    assert_eq!(cloud.keep_until(photo_id, &within).await.0, StatusCode::NO_CONTENT);
    let state = cloud.state.db.photo_state(photo_id).await.unwrap().unwrap();
    assert_eq!(state.keep_until.as_deref(), Some(within.as_str()));

    let result = cloud.keep_until(photo_id, &cloud.date_in_days(200)).await;
    assert_error(result, StatusCode::UNPROCESSABLE_ENTITY, "retention_too_long");
    assert_error(
        cloud.keep_until(photo_id, &cloud.date_in_days(-1)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "retention_in_past",
    );
    assert_error(cloud.keep_until(photo_id, "31.12.2025").await, StatusCode::UNPROCESSABLE_ENTITY, "invalid_date");
    let path = format!("/v1/photos/{photo_id}/retention");
    let result =
        cloud.authority_call(&cloud.desk(), reqwest::Method::PUT, &path, Some(PSB), Some(json!({ "bis": 1 }))).await;
    assert_error(result, StatusCode::BAD_REQUEST, "bad_request");
    // Refusals leave the earlier retention in place.
    let state = cloud.state.db.photo_state(photo_id).await.unwrap().unwrap();
    assert_eq!(state.keep_until.as_deref(), Some(within.as_str()));
    assert_eq!(cloud.fetch(photo_id).await.0, StatusCode::OK);
}

#[tokio::test]
async fn purge_removes_expired_photos_with_a_manual_clock() {
    let cloud = spawn_cloud().await;
    let (kept_briefly, _) = cloud.upload(b"kurz").await;
    let (untouched, _) = cloud.upload(b"lang").await;
    assert_eq!(cloud.keep_until(kept_briefly, &cloud.date_in_days(1)).await.0, StatusCode::NO_CONTENT);
    let clock = &cloud.state.clock;
    assert_eq!(service::purge(&cloud.state.db, clock).await.unwrap(), 0);

    clock.advance(3 * DAY);
    // Expired photos are gone for authorities even before the purge has run …
    assert_error(cloud.fetch(kept_briefly).await, StatusCode::NOT_FOUND, "not_found");
    assert!(cloud.state.db.photo_state(kept_briefly).await.unwrap().unwrap().has_ciphertext);
    // … and the purge removes their bytes.
    assert_eq!(service::purge(&cloud.state.db, clock).await.unwrap(), 1);
    assert!(!cloud.state.db.photo_state(kept_briefly).await.unwrap().unwrap().has_ciphertext);
    assert_eq!(cloud.fetch(untouched).await.0, StatusCode::OK);

    // Six months after upload, every photo goes, retention or not.
    clock.advance(185 * DAY);
    assert_eq!(service::purge(&cloud.state.db, clock).await.unwrap(), 1);
    assert_error(cloud.fetch(untouched).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(cloud.delete(untouched).await, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(service::purge(&cloud.state.db, clock).await.unwrap(), 0);
    let purged = cloud.state.db.audit_trail().await.unwrap().into_iter().filter(|e| e.action == "purged").count();
    assert_eq!(purged, 2);
}

#[tokio::test]
async fn photo_expires_exactly_six_months_after_upload() {
    let cloud = spawn_cloud().await;
    let uploaded_at = cloud.state.clock.now();
    let (photo_id, _) = cloud.upload(b"ciphertext").await;
    let expiry = schalter_photo_cloud::retention::latest_expiry(uploaded_at);
    assert!((181 * DAY..=184 * DAY).contains(&(expiry - uploaded_at)));
    cloud.state.clock.advance(expiry - uploaded_at - 1);
    assert_eq!(cloud.fetch(photo_id).await.0, StatusCode::OK);
    cloud.state.clock.advance(1);
    assert_error(cloud.fetch(photo_id).await, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn studio_tool_writes_a_code_the_desk_can_use() {
    let cloud = spawn_cloud().await;
    let client =
        StudioClient::new(&cloud.server.url(), &cloud.pki.cloud_ca.cert_pem(), &cloud.pki.studio_client).unwrap();
    let jpeg = synthetic_jpeg_bytes();
    for algorithm in [Algorithm::Aes256Gcm, Algorithm::Aes256Cbc] {
        let upload = studio::upload_photo(&client, &jpeg, algorithm).await.unwrap();
        let out = cloud._dir.path().join(format!("out-{}", studio::algorithm_name(algorithm)));
        let slip =
            SlipDetails { studio_name: "Fotostudio Muster".into(), taken_on: time::macros::date!(2025 - 05 - 02) };
        let report = studio::write_outputs(&upload, &out, &slip).unwrap();

        let text = std::fs::read_to_string(&report.code_file).unwrap();
        let code = PhotoCode::parse(&text).unwrap();
        assert_eq!(code.photo_id, upload.photo_id);
        assert_eq!(code.cloud_url, cloud.server.url());
        assert_eq!(code.algorithm, algorithm);
        assert_eq!(datamatrix_text(&std::fs::read(&report.datamatrix_file).unwrap()), text.trim());
        assert!(std::fs::metadata(&report.qr_file).unwrap().len() > 100);
        let html = std::fs::read_to_string(&report.slip_file).unwrap();
        assert!(html.contains("Bitte bringen Sie diesen Code zu Ihrem Termin im Bürgerbüro mit."));
        assert!(!html.contains(text.trim()), "the slip must not print the payload");

        // What the desk does with the code: fetch, verify the seal, decrypt.
        let (status, body) = cloud.fetch(code.photo_id).await;
        assert_eq!(status, StatusCode::OK);
        let ciphertext = BASE64.decode(body["ciphertext"].as_str().unwrap()).unwrap();
        assert_ne!(ciphertext, jpeg, "only ciphertext reaches the cloud");
        let signature = BASE64.decode(body["seal"]["signature"].as_str().unwrap()).unwrap();
        let user_identifier = body["user_identifier"].as_str().unwrap();
        assert_eq!(user_identifier, upload.user_identifier);
        seal::verify(&cloud.pki.seal.cert_pem, seal::ALGORITHM, &ciphertext, user_identifier, &signature).unwrap();
        let plain = crypto::decrypt(&code, &ciphertext).unwrap();
        assert_eq!(&plain[..], &jpeg[..]);
    }
}

#[tokio::test]
async fn studio_tool_reports_refusals() {
    let cloud = spawn_cloud().await;
    // A desk certificate is not a studio's.
    let client =
        StudioClient::new(&cloud.server.url(), &cloud.pki.cloud_ca.cert_pem(), &cloud.pki.authority_client).unwrap();
    let error = studio::upload_photo(&client, b"jpeg", Algorithm::Aes256Gcm).await.unwrap_err();
    assert!(
        matches!(&error, studio::StudioError::Refused { status: 403, code, .. } if code == "studio_certificate_required"),
        "{error}"
    );
    assert!(StudioClient::new("http://unsicher", &cloud.pki.cloud_ca.cert_pem(), &cloud.pki.studio_client).is_err());
}

#[tokio::test]
async fn binary_serves_uploads_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_schalter-photo-cloud");
    let pki_dir = dir.path().join("pki");
    let made = Command::new(exe).arg("dev-pki").arg("--out").arg(&pki_dir).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let paths = schalter_photo_cloud::dev_pki::DevCloudPkiPaths::in_dir(&pki_dir);
    let listed: Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(listed["seal_key"].as_str().unwrap(), paths.seal_key.to_str().unwrap());
    let database_url = format!("sqlite://{}", dir.path().join("cloud.db").display());
    let mut server = KillOnDrop(
        Command::new(exe)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--tls-cert")
            .arg(&paths.server_cert)
            .arg("--tls-key")
            .arg(&paths.server_key)
            .arg("--authority-ca")
            .arg(&paths.authority_ca)
            .arg("--studio-ca")
            .arg(&paths.studio_ca)
            .arg("--seal-key")
            .arg(&paths.seal_key)
            .arg("--seal-cert")
            .arg(&paths.seal_cert)
            .env("SCHALTER_PHOTO_CLOUD_DATABASE_URL", &database_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("schalter-photo-cloud listening on ").expect(&line).to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let photo = dir.path().join("foto.jpg");
    std::fs::write(&photo, synthetic_jpeg_bytes()).unwrap();
    let out = dir.path().join("out");
    let studio = tokio::process::Command::new(exe)
        .args(["studio", "--cloud-url", &url, "--algorithm", "cbc"])
        .arg("--cloud-ca")
        .arg(&paths.cloud_ca)
        .arg("--studio-cert")
        .arg(&paths.studio_client_cert)
        .arg("--studio-key")
        .arg(&paths.studio_client_key)
        .arg("--photo")
        .arg(&photo)
        .arg("--out")
        .arg(&out)
        .output()
        .await
        .unwrap();
    assert!(studio.status.success(), "{}", String::from_utf8_lossy(&studio.stderr));
    let report: Value = serde_json::from_slice(&studio.stdout).unwrap();
    assert_eq!(report["algorithm"], "aes-256-cbc");
    let code = PhotoCode::parse(&std::fs::read_to_string(report["code_file"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(code.photo_id.to_string(), report["photo_id"].as_str().unwrap());
    assert!(out.join("code-datamatrix.png").is_file() && out.join("slip.html").is_file());

    let purge = tokio::process::Command::new(exe)
        .arg("purge")
        .env("SCHALTER_PHOTO_CLOUD_DATABASE_URL", &database_url)
        .output()
        .await
        .unwrap();
    assert!(purge.status.success());
    assert_eq!(serde_json::from_slice::<Value>(&purge.stdout).unwrap()["purged"], 0);

    let killed = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = server.0.wait().unwrap();
    assert!(status.success(), "graceful shutdown ends with success, got {status}");
}

/// Kills the server if the test fails before it stops the server itself.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Bytes that start like a JPEG; the cloud never looks inside.
fn synthetic_jpeg_bytes() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    bytes.extend([0xFF, 0xD9]);
    bytes
}

/// Reads a Data Matrix PNG as written by the studio tool (module size and quiet zone known).
fn datamatrix_text(png: &[u8]) -> String {
    use schalter_photo_cloud::codes::{DATAMATRIX_QUIET_MODULES, MODULE_PX};
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png).unwrap().to_luma8();
    let (width_px, height_px) = image.dimensions();
    assert_eq!(width_px % MODULE_PX, 0);
    const { assert!(MODULE_PX >= 4, "module size at least 4 px") };
    let modules = (width_px / MODULE_PX - 2 * DATAMATRIX_QUIET_MODULES) as usize;
    assert_eq!(width_px, height_px);
    let mut dark = Vec::with_capacity(modules * modules);
    for y in 0..modules as u32 {
        for x in 0..modules as u32 {
            let centre = |m: u32| (m + DATAMATRIX_QUIET_MODULES) * MODULE_PX + MODULE_PX / 2;
            dark.push(image.get_pixel(centre(x), centre(y)).0[0] < 128);
        }
    }
    String::from_utf8(datamatrix::DataMatrix::decode(&dark, modules).unwrap()).unwrap()
}
