//! The desk releases the central serves: Tauri's manifest per channel, the packages by name, and
//! nothing else of the file system.

// The updates never touch the database: one backend is enough.
#[allow(unused_macros)]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use schalter_central::{app, AppState, UpdatesDir};
use tower::ServiceExt;

use common::{Backend, TestDatabase};

const MANIFEST: &str = r#"{"version":"0.2.0","notes":"Neu: Warteschlange","pub_date":"2026-12-02T20:00:00Z",
  "platforms":{"linux-x86_64":{"signature":"c2ln","url":"/v1/updates/stable/files/Schalter_0.2.0_amd64.deb"}}}"#;

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, Vec<u8>) {
    let response = router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body).unwrap()["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn manifests_per_channel_and_packages_by_name_only() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("stable")).unwrap();
    std::fs::create_dir_all(dir.path().join("pilot")).unwrap();
    std::fs::write(dir.path().join("stable/latest.json"), MANIFEST).unwrap();
    std::fs::write(dir.path().join("stable/Schalter_0.2.0_amd64.deb"), b"package bytes").unwrap();
    std::fs::write(dir.path().join("secret.txt"), b"not for desks").unwrap();

    let mut state = AppState::new(database.connect().await);
    let without = app(state.clone());
    assert_eq!(get(&without, "/v1/updates/stable").await.0, StatusCode::NOT_FOUND, "no updates dir: nothing offered");
    state.updates = Some(UpdatesDir(dir.path().to_owned()));
    let router = app(state);

    let (status, body) = get(&router, "/v1/updates/stable").await;
    assert_eq!(status, StatusCode::OK);
    let manifest: schalter_wire::updates::UpdateManifest = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest.version, "0.2.0");
    assert_eq!(manifest.platforms["linux-x86_64"].signature, "c2ln");

    let (status, body) = get(&router, "/v1/updates/pilot").await;
    assert_eq!((status, code(&body).as_str()), (StatusCode::NOT_FOUND, "update_not_found"));
    let (status, body) = get(&router, "/v1/updates/nightly").await;
    assert_eq!((status, code(&body).as_str()), (StatusCode::BAD_REQUEST, "invalid_request"));

    let (status, body) = get(&router, "/v1/updates/stable/files/Schalter_0.2.0_amd64.deb").await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"package bytes"[..]));
    let (status, body) = get(&router, "/v1/updates/stable/files/Schalter_0.3.0_amd64.deb").await;
    assert_eq!((status, code(&body).as_str()), (StatusCode::NOT_FOUND, "update_not_found"));

    // Out of the channel directory: encoded slashes and dots, a hidden file, another channel's path.
    for uri in [
        "/v1/updates/stable/files/..%2Fsecret.txt",
        "/v1/updates/stable/files/%2E%2E",
        "/v1/updates/stable/files/.hidden",
        "/v1/updates/stable/files/..%5Csecret.txt",
        "/v1/updates/..%2Fstable/files/latest.json",
    ] {
        let (status, body) = get(&router, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_ne!(body, b"not for desks", "{uri}");
    }
    let (status, _) = get(&router, "/v1/updates/stable/files/../../secret.txt").await;
    assert_ne!(status, StatusCode::OK, "a literal ../ never reaches the file");
}
