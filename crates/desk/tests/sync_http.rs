//! The desk's HTTPS sync calls against a scripted server over mutual TLS: each answer of DESIGN §4 becomes the
//! engine's terms (gap, retry later, log in, refused, resume from the offset). The real central's routes are
//! tested in its own crate.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post};
use axum::{Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use schalter_desk_core::{CentralApi, CentralClient, DeskConfig};
use schalter_pki::{CertificateAuthority, Validity};
use schalter_sync::{BlobState, PushOutcome, TransportError};
use schalter_wire::sync::{MutationResult, MutationStatus, PullQuery, PullResponse, PushMutation, PushRequest};
use serde_json::json;

const TOKEN: &str = "sitzungs-token";

async fn serve(router: Router) -> (tempfile::TempDir, SocketAddr) {
    let dir = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::new("Test-CA").unwrap();
    let server = ca.issue_server(&["127.0.0.1", "localhost"], Validity::days(1)).unwrap();
    let desk = ca.issue_client("desk-test", Validity::days(1)).unwrap();
    desk.write(&dir.path().join("desk.pem"), &dir.path().join("desk.key")).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
    let tls = schalter_pki::mtls_server_config(&server, &ca.cert_pem()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let tls = RustlsConfig::from_config(Arc::new(tls));
    tokio::spawn(axum_server::from_tcp_rustls(listener, tls).serve(router.into_make_service()));
    (dir, address)
}

fn client(dir: &Path, central: SocketAddr) -> CentralClient {
    let path = dir.join("desk.toml");
    std::fs::write(
        &path,
        format!(
            "central_url = \"https://{central}\"\ncentral_ca = \"ca.pem\"\ndesk_cert = \"desk.pem\"\ndesk_key = \"desk.key\"\n"
        ),
    )
    .unwrap();
    CentralClient::new(&DeskConfig::load(&path).unwrap()).unwrap()
}

fn request() -> PushRequest {
    PushRequest {
        device_id: "desk-test".into(),
        mutations: vec![PushMutation {
            seq: 3,
            id: uuid::Uuid::now_v7(),
            kind: "photo_audit.record".into(),
            occurred_at: time::OffsetDateTime::UNIX_EPOCH,
            clerk_id: None,
            payload: json!({"action": "fetched"}),
        }],
    }
}

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

#[tokio::test]
async fn push_answers_become_gap_retry_login_refusal_and_results() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let router = Router::new().route(
        "/v1/sync/push",
        post(move |headers: HeaderMap, Json(body): Json<PushRequest>| {
            let call = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                assert!(authorised(&headers));
                let error = |status: StatusCode, code: &str| {
                    (status, Json(json!({"code": code, "message": "Nein."}))).into_response()
                };
                match call {
                    0 => (
                        StatusCode::CONFLICT,
                        Json(json!({"code": "sequence_gap", "message": "Lücke", "expected_seq": 1})),
                    )
                        .into_response(),
                    1 => StatusCode::SERVICE_UNAVAILABLE.into_response(),
                    2 => error(StatusCode::TOO_MANY_REQUESTS, "server_busy"),
                    3 => error(StatusCode::UNAUTHORIZED, "session_expired"),
                    4 => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_payload"),
                    5 => error(StatusCode::CONFLICT, "device_mismatch"),
                    6 => error(StatusCode::BAD_REQUEST, "invalid_request"),
                    _ => Json(json!({
                        "results": body.mutations.iter().map(|m| MutationResult {
                            seq: m.seq, status: MutationStatus::Applied, response: None, error: None,
                        }).collect::<Vec<_>>(),
                        "last_seq": 3,
                    }))
                    .into_response(),
                }
            }
        }),
    );
    let (dir, address) = serve(router).await;
    let client = client(dir.path(), address);
    let request = request();

    assert!(matches!(client.sync_push(TOKEN, &request).await, Ok(PushOutcome::Gap(gap)) if gap.expected_seq == 1));
    assert_eq!(
        client.sync_push(TOKEN, &request).await,
        Err(TransportError::Unavailable { code: "central_unreachable".into() })
    );
    assert_eq!(
        client.sync_push(TOKEN, &request).await,
        Err(TransportError::Unavailable { code: "server_busy".into() })
    );
    assert_eq!(client.sync_push(TOKEN, &request).await, Err(TransportError::SessionExpired));
    assert!(matches!(
        client.sync_push(TOKEN, &request).await,
        Err(TransportError::Refused { code, .. }) if code == "invalid_payload"
    ));
    assert!(
        matches!(
            client.sync_push(TOKEN, &request).await,
            Err(TransportError::Refused { code, .. }) if code == "device_mismatch"
        ),
        "a 409 that is no sequence gap is a refusal"
    );
    assert_eq!(
        client.sync_push(TOKEN, &request).await,
        Err(TransportError::Unavailable { code: "invalid_request".into() }),
        "a request of ours called malformed was damaged on the way: sent again"
    );
    match client.sync_push(TOKEN, &request).await {
        Ok(PushOutcome::Answered(response)) => assert_eq!((response.results[0].seq, response.last_seq), (3, 3)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn pull_sends_cursor_and_limit_and_blobs_resume_from_the_servers_offset() {
    let router = Router::new()
        .route(
            "/v1/sync/pull",
            get(|Query(query): Query<PullQuery>| async move {
                Json(PullResponse {
                    changes: Vec::new(),
                    next_cursor: query.cursor + i64::from(query.limit.unwrap()),
                    has_more: false,
                })
            }),
        )
        .route(
            "/v1/blobs/{sha256}",
            head(|UrlPath(sha): UrlPath<String>| async move {
                if sha.starts_with('a') {
                    StatusCode::NOT_FOUND.into_response()
                } else {
                    (StatusCode::OK, [("upload-offset", "10"), ("upload-length", "20")]).into_response()
                }
            })
            .patch(|headers: HeaderMap, body: Bytes| async move {
                let offset: u64 = headers["upload-offset"].to_str().unwrap().parse().unwrap();
                assert_eq!(headers["upload-length"].to_str().unwrap(), "20");
                if offset != 10 {
                    return StatusCode::CONFLICT.into_response();
                }
                let new_offset = (offset + body.len() as u64).to_string();
                Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .header("upload-offset", new_offset)
                    .body(axum::body::Body::empty())
                    .unwrap()
            }),
        );
    let (dir, address) = serve(router).await;
    let client = client(dir.path(), address);

    assert_eq!(client.sync_pull(TOKEN, 7, 50).await.unwrap().next_cursor, 57);
    assert_eq!(client.blob_head(TOKEN, &"a".repeat(64)).await, Ok(None));
    assert_eq!(client.blob_head(TOKEN, &"b".repeat(64)).await, Ok(Some(BlobState { offset: 10, length: Some(20) })));
    assert_eq!(client.blob_patch(TOKEN, &"b".repeat(64), 10, 20, &[1; 10]).await, Ok(20));
    assert_eq!(client.blob_patch(TOKEN, &"b".repeat(64), 0, 20, &[1; 10]).await, Err(TransportError::OffsetMismatch));
}

#[tokio::test]
async fn an_unreachable_central_is_unavailable_not_a_refusal() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::new("Test-CA").unwrap();
    let desk = ca.issue_client("desk-test", Validity::days(1)).unwrap();
    desk.write(&dir.path().join("desk.pem"), &dir.path().join("desk.key")).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
    let client = client(dir.path(), port);
    assert_eq!(
        client.sync_pull(TOKEN, 0, 10).await,
        Err(TransportError::Unavailable { code: "central_unreachable".into() })
    );
}
