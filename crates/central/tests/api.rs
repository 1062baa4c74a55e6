//! The real router against a fresh in-memory database per test.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use schalter_central::db::NewClerk;
use schalter_central::{app, seed, AppState, Clock, Db};
use schalter_domain::{DisplayName, OfficeId, Password, Role, Username};
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSWORD: &str = "korrekt-pferd-batterie";

struct TestApp {
    router: Router,
    state: AppState,
}

async fn spawn_app() -> TestApp {
    let db = Db::connect("sqlite::memory:").await.unwrap();
    db.migrate().await.unwrap();
    seed::seed_duesseldorf_offices(&db).await.unwrap();
    let mut state = AppState::new(db);
    state.clock = Clock::manual(1_800_000_000);
    // Cheap Argon2 parameters: the tests are about the flow, not the cost.
    state.password_hasher = std::sync::Arc::new(schalter_central::auth::PasswordHasher::with_params(
        argon2::Params::new(1024, 1, 1, None).unwrap(),
    ));
    let hash = state.password_hasher.hash(&Password::parse_new(PASSWORD).unwrap()).await.unwrap();
    state
        .db
        .upsert_clerk(
            &NewClerk {
                username: Username::parse("erika").unwrap(),
                display_name: DisplayName::parse("Erika Mustermann").unwrap(),
                role: Role::Clerk,
                office: OfficeId::parse("05111000_01").unwrap(),
                password_hash: hash,
            },
            state.clock.now(),
        )
        .await
        .unwrap();
    TestApp { router: app(state.clone()), state }
}

impl TestApp {
    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        (status, body)
    }

    async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({ "username": username, "password": password }).to_string();
        self.call(
            Request::post("/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    async fn with_token(&self, method: &str, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }
}

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let (status, body) = app.call(Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn login_returns_a_session_with_clerk_and_office() {
    let app = spawn_app().await;
    let (status, body) = app.login("Erika", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["clerk"]["display_name"], "Erika Mustermann");
    assert_eq!(body["clerk"]["role"], "clerk");
    assert_eq!(body["clerk"]["office"]["id"], "05111000_01");
    assert_eq!(body["clerk"]["office"]["name"], "Bürgerbüro Dienstleistungszentrum");
    assert!(body["token"].as_str().unwrap().len() >= 43);

    let token = body["token"].as_str().unwrap();
    let (status, info) = app.with_token("GET", "/v1/auth/session", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["clerk"]["username"], "erika");
    assert!(info.get("token").is_none(), "session info must not repeat the secret");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let (wrong_status, wrong) = app.login("erika", "falsches-passwort").await;
    let (unknown_status, unknown) = app.login("niemand", "falsches-passwort").await;
    let (malformed_status, malformed) = app.login("x y", "falsches-passwort").await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, malformed);
    assert_eq!(unknown_status, malformed_status);
    assert_eq!(wrong["code"], "invalid_credentials");
    assert_eq!(wrong["message"], "Benutzername oder Passwort ist falsch.");
}

#[tokio::test]
async fn malformed_json_is_a_clear_bad_request() {
    let app = spawn_app().await;
    let (status, body) = app
        .call(
            Request::post("/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "bad_request");
}

#[tokio::test]
async fn five_failures_lock_the_account_until_the_lock_lapses() {
    let app = spawn_app().await;
    for _ in 0..4 {
        assert_eq!(app.login("erika", "falsch-falsch").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.login("erika", "falsch-falsch").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "account_locked");
    // Even the right password is refused while locked.
    assert_eq!(app.login("erika", PASSWORD).await.0, StatusCode::TOO_MANY_REQUESTS);
    app.state.clock.advance(5 * 60);
    assert_eq!(app.login("erika", PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn idle_session_expires_and_use_keeps_it_alive() {
    let app = spawn_app().await;
    let (_, body) = app.login("erika", PASSWORD).await;
    let token = body["token"].as_str().unwrap().to_owned();

    app.state.clock.advance(29 * 60);
    assert_eq!(app.with_token("GET", "/v1/auth/session", &token).await.0, StatusCode::OK);
    app.state.clock.advance(29 * 60);
    assert_eq!(app.with_token("GET", "/v1/auth/session", &token).await.0, StatusCode::OK);
    app.state.clock.advance(31 * 60);
    let (status, body) = app.with_token("GET", "/v1/auth/session", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_expired");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let (_, body) = app.login("erika", PASSWORD).await;
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(app.with_token("POST", "/v1/auth/logout", &token).await.0, StatusCode::NO_CONTENT);
    let (status, body) = app.with_token("GET", "/v1/auth/session", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
}

#[tokio::test]
async fn missing_or_foreign_token_is_unauthenticated() {
    let app = spawn_app().await;
    let (status, _) = app.call(Request::get("/v1/auth/session").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.with_token("GET", "/v1/auth/session", "erfunden").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn audit_trail_records_ids_only() {
    let app = spawn_app().await;
    app.login("erika", "falsch-falsch").await;
    app.login("erika", PASSWORD).await;
    let trail = app.state.db.audit_trail().await.unwrap();
    let actions: Vec<_> = trail.iter().map(|(_, action)| action.as_str()).collect();
    assert_eq!(actions, ["login_failed", "login"]);
    for (clerk, _) in &trail {
        let clerk = clerk.as_deref().unwrap();
        assert!(uuid::Uuid::parse_str(clerk).is_ok(), "audit actor must be an id, was {clerk}");
    }
}

#[tokio::test]
async fn served_openapi_matches_the_checked_in_document() {
    let app = spawn_app().await;
    let (status, served) = app.call(Request::get("/openapi.json").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let generated = schalter_central::openapi::document_json();
    assert_eq!(served, serde_json::from_str::<Value>(&generated).unwrap());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "crates/central/openapi.json is stale: run `UPDATE_SNAPSHOTS=1 cargo test -p schalter-central --test api`"
    );
}

#[tokio::test]
async fn photo_events_are_audited_with_the_sessions_clerk() {
    let app = spawn_app().await;
    let (_, body) = app.login("erika", PASSWORD).await;
    let token = body["token"].as_str().unwrap().to_owned();
    let event = json!({ "action": "fetched", "photo_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "error_code": null });
    let request = Request::post("/v1/audit/photo-events")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(event.to_string()))
        .unwrap();
    assert_eq!(app.call(request).await.0, StatusCode::NO_CONTENT);
    let trail = app.state.db.audit_trail().await.unwrap();
    assert_eq!(trail.last().unwrap().1, "photo_fetched");

    let anonymous = Request::post("/v1/audit/photo-events")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(event.to_string()))
        .unwrap();
    assert_eq!(app.call(anonymous).await.0, StatusCode::UNAUTHORIZED);
}
