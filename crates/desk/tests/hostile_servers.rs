//! The desk against servers that misbehave: a redirect must never carry the clerk's token or the
//! office's organisation key to another address, and no answer is read past its size limit.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use schalter_desk_core::{CentralApi, CentralClient, DeskConfig, DeskError, PhotoRetrieval, MAX_CENTRAL_ANSWER_BYTES};
use schalter_photo::{Algorithm, PhotoCode};
use schalter_pki::{CertificateAuthority, Validity};

struct Pki {
    dir: tempfile::TempDir,
    server: RustlsConfig,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ca = CertificateAuthority::new("Test-CA").unwrap();
    let server = ca.issue_server(&["127.0.0.1", "localhost"], Validity::days(1)).unwrap();
    let desk = ca.issue_client("desk-test", Validity::days(1)).unwrap();
    desk.write(&dir.path().join("desk.pem"), &dir.path().join("desk.key")).unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
    std::fs::write(dir.path().join("seal.pem"), ca.cert_pem()).unwrap();
    let tls = schalter_pki::mtls_server_config(&server, &ca.cert_pem()).unwrap();
    Pki { dir, server: RustlsConfig::from_config(Arc::new(tls)) }
}

async fn serve(router: Router, tls: RustlsConfig) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(axum_server::from_tcp_rustls(listener, tls).serve(router.into_make_service()));
    address
}

fn desk_config(dir: &Path, central: SocketAddr, cloud: Option<SocketAddr>) -> DeskConfig {
    let mut toml = format!(
        "central_url = \"https://{central}\"\ncentral_ca = \"ca.pem\"\ndesk_cert = \"desk.pem\"\ndesk_key = \"desk.key\"\n\
         organisation_key = \"psb:05111000_00\"\n"
    );
    if let Some(cloud) = cloud {
        toml +=
            &format!("[[photo_clouds]]\nbase_url = \"https://{cloud}\"\nca = \"ca.pem\"\nseal_cert = \"seal.pem\"\n");
    }
    let path = dir.join("desk.toml");
    std::fs::write(&path, toml).unwrap();
    DeskConfig::load(&path).unwrap()
}

/// Counts requests and whether any carried a credential.
#[derive(Clone, Default)]
struct Elsewhere {
    requests: Arc<AtomicUsize>,
    with_credentials: Arc<AtomicUsize>,
}

fn elsewhere_router(seen: Elsewhere) -> Router {
    Router::new().fallback(any(move |headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            seen.requests.fetch_add(1, Ordering::SeqCst);
            if headers.contains_key(header::AUTHORIZATION) || headers.contains_key("x-organisation-key") {
                seen.with_credentials.fetch_add(1, Ordering::SeqCst);
            }
            "{}"
        }
    }))
}

fn redirect_to(target: SocketAddr) -> Response {
    (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, format!("https://{target}/stolen"))]).into_response()
}

fn code_text(cloud: SocketAddr) -> String {
    let code = PhotoCode::new(
        format!("https://{cloud}"),
        uuid::Uuid::now_v7(),
        Algorithm::Aes256Gcm,
        vec![7; 12],
        "",
        [9; 32],
    )
    .unwrap();
    code.to_base64().to_string()
}

#[tokio::test]
async fn regression_the_central_client_never_follows_a_redirect_with_the_token() {
    let pki = pki();
    let seen = Elsewhere::default();
    let elsewhere = serve(elsewhere_router(seen.clone()), pki.server.clone()).await;
    let central = serve(
        Router::new()
            .route("/health", get(|| async { r#"{"status":"ok","version":"1"}"# }))
            .route("/v1/auth/session", any(move || async move { redirect_to(elsewhere) })),
        pki.server.clone(),
    )
    .await;
    let client = CentralClient::new(&desk_config(pki.dir.path(), central, None)).unwrap();

    // The valid case on the same server: an ordinary answer is read.
    assert_eq!(client.health().await.unwrap().status, "ok");
    let refused = client.session("geheimes-token").await;
    assert!(matches!(refused, Err(DeskError::UnexpectedAnswer(307))), "{refused:?}");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 0, "the redirect was followed");
    assert_eq!(seen.with_credentials.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn regression_the_photo_client_never_follows_a_redirect_with_the_organisation_key() {
    let pki = pki();
    let seen = Elsewhere::default();
    let elsewhere = serve(elsewhere_router(seen.clone()), pki.server.clone()).await;
    let cloud =
        serve(Router::new().fallback(any(move || async move { redirect_to(elsewhere) })), pki.server.clone()).await;
    let photos = PhotoRetrieval::new(&desk_config(pki.dir.path(), cloud, Some(cloud))).unwrap();

    let refused = photos.fetch(&code_text(cloud)).await.map(drop).map_err(|e| e.code().to_owned());
    assert_eq!(refused, Err("cloud_unexpected_answer".to_owned()));
    assert_eq!(seen.requests.load(Ordering::SeqCst), 0, "the redirect was followed");
    // The same client does reach a server that answers: the refusal above was the redirect's.
    let direct = PhotoRetrieval::new(&desk_config(pki.dir.path(), elsewhere, Some(elsewhere))).unwrap();
    let answered = direct.fetch(&code_text(elsewhere)).await.map(drop).map_err(|e| e.code().to_owned());
    assert_eq!(answered, Err("cloud_unexpected_answer".to_owned()), "`{{}}` is no photo envelope");
    assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
    assert_eq!(seen.with_credentials.load(Ordering::SeqCst), 1, "the organisation key goes to its own cloud only");
}

fn huge_json(len: usize, announce_length: bool) -> Response {
    let body = format!(r#"{{"status":"{}","version":"1"}}"#, "x".repeat(len));
    if announce_length {
        body.into_response()
    } else {
        // Chunked, without Content-Length: the limit must hold while the body streams in.
        let chunks =
            body.into_bytes().chunks(64 * 1024).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>();
        Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
    }
}

#[tokio::test]
async fn regression_a_huge_central_answer_is_refused_unread() {
    let pki = pki();
    let central = serve(
        Router::new()
            .route("/health", get(|| async { huge_json(MAX_CENTRAL_ANSWER_BYTES, true) }))
            .route("/v1/auth/session", get(|| async { huge_json(MAX_CENTRAL_ANSWER_BYTES, false) }))
            .route("/v1/auth/login", any(|| async { huge_json(MAX_CENTRAL_ANSWER_BYTES / 2, true) })),
        pki.server.clone(),
    )
    .await;
    let client = CentralClient::new(&desk_config(pki.dir.path(), central, None)).unwrap();
    assert_eq!(client.health().await.map(drop).map_err(|e| e.code().to_owned()), Err("answer_too_large".into()));
    assert_eq!(client.session("t").await.map(drop).map_err(|e| e.code().to_owned()), Err("answer_too_large".into()));
    // Half the limit is read (and then found not to be a session, which is a different error).
    let login = client.login("erika", "korrekt-pferd-batterie").await.map(drop).map_err(|e| e.code().to_owned());
    assert_eq!(login, Err("unexpected_answer".into()));
}

#[tokio::test]
async fn regression_a_huge_photo_envelope_is_refused_before_decoding() {
    let pki = pki();
    let cloud =
        serve(Router::new().fallback(any(|| async { huge_json(16 * 1024 * 1024, false) })), pki.server.clone()).await;
    let photos = PhotoRetrieval::new(&desk_config(pki.dir.path(), cloud, Some(cloud))).unwrap();
    let refused = photos.fetch(&code_text(cloud)).await.map(drop).map_err(|e| e.code().to_owned());
    assert_eq!(refused, Err("answer_too_large".to_owned()));
}
