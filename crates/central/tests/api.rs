//! The real router against a fresh database per test (in memory, or a file where the pool's
//! concurrency matters). Requests "from a desk" carry the client-certificate extension the TLS
//! acceptor would set.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use schalter_central::auth::PasswordHasher;
use schalter_central::db::NewClerk;
use schalter_central::{app, seed, AppState, Clock};
use schalter_domain::{DisplayName, OfficeId, Password, Role, Username};
use schalter_server_kit::{ClientCertificate, ConnectedClient};
use serde_json::{json, Value};
use tower::ServiceExt;

use common::{Backend, TestDatabase};

const PASSWORD: &str = "korrekt-pferd-batterie";
const LOCKED_MESSAGE: &str = "Das Konto ist nach mehreren Fehlversuchen für einige Minuten gesperrt. \
    Bitte später erneut versuchen oder die Leitung ansprechen.";

/// Cheap Argon2 parameters: the tests are about the flow, not the cost.
fn cheap_params() -> argon2::Params {
    argon2::Params::new(1024, 1, 1, None).unwrap()
}

/// A desk as the acceptor would describe it; the "certificate" is just distinct bytes.
fn desk(name: &str) -> ClientCertificate {
    ClientCertificate::from_leaf_der(name.as_bytes().to_vec())
}

fn clerk(password_hash: String, role: Role, display_name: &str) -> NewClerk {
    NewClerk {
        username: Username::parse("erika").unwrap(),
        display_name: DisplayName::parse(display_name).unwrap(),
        role,
        office: OfficeId::parse("05111000_01").unwrap(),
        password_hash,
    }
}

#[derive(Clone)]
struct TestApp {
    router: Router,
    state: AppState,
    /// Erika's current password hash, for upserts that change something else.
    password_hash: String,
    /// Dropped with the last clone: then a PostgreSQL test database goes too.
    _database: Arc<TestDatabase>,
}

async fn spawn_app(backend: Backend) -> TestApp {
    let database = TestDatabase::new(backend).await;
    spawn_app_with(database, PasswordHasher::with_limits(cheap_params(), 4, Duration::from_secs(30))).await
}

async fn spawn_app_with(database: TestDatabase, hasher: PasswordHasher) -> TestApp {
    let db = database.connect().await;
    seed::seed_duesseldorf_offices(&db).await.unwrap();
    let mut state = AppState::new(db);
    state.clock = Clock::manual(1_800_000_000);
    state.password_hasher = Arc::new(hasher);
    let hash = state.password_hasher.hash(&Password::parse_new(PASSWORD).unwrap()).await.unwrap();
    state.db.upsert_clerk(&clerk(hash.clone(), Role::Clerk, "Erika Mustermann"), state.clock.now()).await.unwrap();
    TestApp { router: app(state.clone()), state, password_hash: hash, _database: Arc::new(database) }
}

impl TestApp {
    async fn call(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        // `/metrics` answers Prometheus text: kept as a JSON string; every other body must be JSON.
        let text =
            response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/plain"));
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else if text {
            Value::String(String::from_utf8_lossy(&bytes).into_owned())
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, body)
    }

    async fn call_at(&self, desk: Option<&ClientCertificate>, mut request: Request<Body>) -> (StatusCode, Value) {
        request.extensions_mut().insert(ConnectedClient(desk.cloned()));
        self.call(request).await
    }

    async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.login_at(None, username, password).await
    }

    async fn login_at(&self, desk: Option<&ClientCertificate>, username: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({ "username": username, "password": password }).to_string();
        let request = Request::post("/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        self.call_at(desk, request).await
    }

    async fn with_token(&self, method: &str, path: &str, token: &str) -> (StatusCode, Value) {
        self.with_token_at(None, method, path, token).await
    }

    async fn with_token_at(
        &self,
        desk: Option<&ClientCertificate>,
        method: &str,
        path: &str,
        token: &str,
    ) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call_at(desk, request).await
    }
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

async fn health_answers_ok(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.call(Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

async fn login_returns_a_session_with_clerk_and_office(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn wrong_password_and_unknown_user_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn malformed_json_is_an_invalid_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .call(
            Request::post("/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_request");
}

async fn five_failures_lock_the_account_until_the_lock_lapses(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn idle_session_expires_and_use_keeps_it_alive(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn logout_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, body) = app.login("erika", PASSWORD).await;
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(app.with_token("POST", "/v1/auth/logout", &token).await.0, StatusCode::NO_CONTENT);
    let (status, body) = app.with_token("GET", "/v1/auth/session", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
}

async fn missing_or_foreign_token_is_unauthenticated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, _) = app.call(Request::get("/v1/auth/session").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.with_token("GET", "/v1/auth/session", "erfunden").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn audit_trail_records_ids_only(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn served_openapi_matches_the_checked_in_document(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn photo_events_are_audited_with_the_sessions_clerk(backend: Backend) {
    let app = spawn_app(backend).await;
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

async fn regression_parallel_wrong_passwords_cannot_bypass_the_lockout(backend: Backend) {
    // A file with the real pool (8 connections), or PostgreSQL, so the attempts truly race in the database.
    let database = TestDatabase::shared(backend).await;
    let app = spawn_app_with(database, PasswordHasher::with_limits(cheap_params(), 4, Duration::from_secs(30))).await;
    const SENT: usize = 40;
    let before = app.state.password_hasher.verifications();
    let attempts: Vec<_> = (0..SENT)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move { app.login("erika", &format!("falsch-geraten-{i:02}")).await })
        })
        .collect();
    let mut answers = Vec::new();
    for attempt in attempts {
        let (status, body) = attempt.await.unwrap();
        answers.push((status, code(&body).to_owned()));
    }
    let evaluated = app.state.password_hasher.verifications() - before;
    let invalid = answers.iter().filter(|(_, code)| code == "invalid_credentials").count();
    let locked = answers.iter().filter(|(_, code)| code == "account_locked").count();
    eprintln!(
        "lockout figures: sent {SENT} wrong passwords in parallel, evaluated by Argon2 {evaluated}, \
         answered invalid_credentials {invalid}, account_locked {locked}"
    );
    assert!(evaluated <= 5, "{evaluated} of {SENT} parallel guesses were checked; at most 5 may be");
    assert_eq!(invalid + locked, SENT, "{answers:?}");
    assert!(invalid <= 4, "{answers:?}");
    for (status, code) in &answers {
        let expected = if code == "account_locked" { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
        assert_eq!(*status, expected);
    }

    // Locked now: even the right password is refused, and not even checked …
    let checked = app.state.password_hasher.verifications();
    let (status, body) = app.login("erika", PASSWORD).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "account_locked"));
    assert_eq!(body["message"], LOCKED_MESSAGE);
    assert_eq!(app.state.password_hasher.verifications(), checked);
    // … until the lock lapses.
    app.state.clock.advance(5 * 60);
    let (status, body) = app.login("erika", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn regression_argon2_runs_are_bounded_and_a_full_central_answers_server_busy(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let app =
        spawn_app_with(database, PasswordHasher::with_limits(cheap_params(), 1, Duration::from_millis(100))).await;
    // Someone else's password check holds the only slot.
    let held = app.state.password_hasher.slot().await.unwrap();
    let started = Instant::now();
    let waiting: Vec<_> = (0..10)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.login("erika", PASSWORD).await })
        })
        .collect();
    for login in waiting {
        let (status, body) = login.await.unwrap();
        assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "server_busy"));
        assert_eq!(body["message"], "Die Zentrale ist gerade ausgelastet. Bitte in einigen Sekunden erneut anmelden.");
    }
    // Refused after the short wait, not queued behind the slot.
    assert!(started.elapsed() < Duration::from_secs(5), "busy answers took {:?}", started.elapsed());
    let response = app
        .router
        .clone()
        .oneshot(
            Request::post("/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "username": "erika", "password": PASSWORD }).to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("5"));
    // Busy answers cost the clerk nothing: ten of them have not locked the account.
    drop(held);
    let (status, body) = app.login("erika", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn regression_unknown_user_names_are_throttled_exactly_like_known_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..6 {
        known.push(app.login("erika", "falsch-falsch").await);
        unknown.push(app.login("niemand", "falsch-falsch").await);
    }
    assert_eq!(known, unknown, "the lockout must not tell known from unknown names");
    let codes: Vec<_> = known.iter().map(|(status, body)| (*status, code(body).to_owned())).collect();
    let invalid = (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned());
    let locked = (StatusCode::TOO_MANY_REQUESTS, "account_locked".to_owned());
    assert_eq!(codes, [invalid.clone(), invalid.clone(), invalid.clone(), invalid.clone(), locked.clone(), locked]);
    // Both lapse alike (and the lapsed counters can be cleared); the right password works again.
    app.state.clock.advance(5 * 60);
    assert_eq!(app.state.db.purge_lapsed_login_throttles(app.state.clock.now()).await.unwrap(), 2);
    assert_eq!(app.login("niemand", "falsch-falsch").await, known[0]);
    assert_eq!(app.login("erika", PASSWORD).await.0, StatusCode::OK);
}

async fn regression_a_desk_spraying_guesses_over_many_names_is_throttled_and_other_desks_are_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let sprayer = desk("Arbeitsplatz 1");
    let neighbour = desk("Arbeitsplatz 2");
    // Successes are no failures: a busy desk with many logins is never throttled.
    for _ in 0..25 {
        assert_eq!(app.login_at(Some(&neighbour), "erika", PASSWORD).await.0, StatusCode::OK);
    }
    // One guess per name stays far below each name's lock, but the desk counts them all.
    for i in 0..20 {
        let (status, body) = app.login_at(Some(&sprayer), &format!("name{i:02}"), "falsch-falsch").await;
        assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "invalid_credentials"), "guess {i}");
    }
    let (status, body) = app.login_at(Some(&sprayer), "erika", PASSWORD).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    assert!(body["message"].as_str().unwrap().contains("zu viele fehlgeschlagene Anmeldungen"), "{body}");
    // The neighbouring desk, and the same clerk there, are unaffected.
    assert_eq!(app.login_at(Some(&neighbour), "erika", PASSWORD).await.0, StatusCode::OK);
    // The window lapses.
    app.state.clock.advance(5 * 60);
    assert_eq!(app.login_at(Some(&sprayer), "erika", PASSWORD).await.0, StatusCode::OK);
}

async fn regression_a_token_presented_by_another_desk_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let own = desk("Arbeitsplatz 1");
    let other = desk("Arbeitsplatz 2");
    let (_, body) = app.login_at(Some(&own), "erika", PASSWORD).await;
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(app.with_token_at(Some(&own), "GET", "/v1/auth/session", &token).await.0, StatusCode::OK);
    let (status, body) = app.with_token_at(Some(&other), "GET", "/v1/auth/session", &token).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let (status, _) = app.with_token_at(None, "GET", "/v1/auth/session", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.with_token_at(Some(&other), "POST", "/v1/auth/logout", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another desk must not end the session either");
    // The session still works where it belongs.
    assert_eq!(app.with_token_at(Some(&own), "GET", "/v1/auth/session", &token).await.0, StatusCode::OK);
    let trail = app.state.db.audit_trail().await.unwrap();
    assert!(trail.iter().any(|(_, action)| action == "session_refused_other_desk"));
}

async fn regression_changing_or_deactivating_a_clerk_ends_its_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = app.state.clock.now();
    let session = |token: String| {
        let app = app.clone();
        async move { app.with_token("GET", "/v1/auth/session", &token).await.0 }
    };
    let token = |body: Value| body["token"].as_str().unwrap().to_owned();

    // A new display name changes no rights: the session stays.
    let first = token(app.login("erika", PASSWORD).await.1);
    app.state
        .db
        .upsert_clerk(&clerk(app.password_hash.clone(), Role::Clerk, "Erika M. Mustermann"), now)
        .await
        .unwrap();
    assert_eq!(session(first.clone()).await, StatusCode::OK);

    // A new password ends it.
    let new_password = "neues-pferd-batterie";
    let new_hash = app.state.password_hasher.hash(&Password::parse_new(new_password).unwrap()).await.unwrap();
    app.state.db.upsert_clerk(&clerk(new_hash.clone(), Role::Clerk, "Erika Mustermann"), now).await.unwrap();
    assert_eq!(session(first).await, StatusCode::UNAUTHORIZED);

    // So does a new role …
    let second = token(app.login("erika", new_password).await.1);
    assert_eq!(session(second.clone()).await, StatusCode::OK);
    app.state.db.upsert_clerk(&clerk(new_hash.clone(), Role::Supervisor, "Erika Mustermann"), now).await.unwrap();
    assert_eq!(session(second).await, StatusCode::UNAUTHORIZED);

    // … and deactivation, which also stops logins.
    let (status, body) = app.login("erika", new_password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let clerk_id = uuid::Uuid::parse_str(body["clerk"]["id"].as_str().unwrap()).unwrap();
    let third = token(body);
    assert_eq!(app.state.db.session_count(clerk_id).await.unwrap(), 1);
    app.state.db.deactivate_clerk(&Username::parse("erika").unwrap()).await.unwrap().unwrap();
    assert_eq!(app.state.db.session_count(clerk_id).await.unwrap(), 0);
    assert_eq!(session(third).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("erika", new_password).await.0, StatusCode::UNAUTHORIZED);
}

async fn regression_a_login_racing_a_password_change_cannot_keep_the_old_rights(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = app.state.clock.now();
    let before = app.state.db.find_clerk_by_username(&Username::parse("erika").unwrap()).await.unwrap().unwrap();
    let new_hash = app.state.password_hasher.hash(&Password::parse_new("neues-pferd-batterie").unwrap()).await.unwrap();
    app.state.db.upsert_clerk(&clerk(new_hash, Role::Clerk, "Erika Mustermann"), now).await.unwrap();
    // The login checked the old password before the change and inserts its session after the
    // change deleted the clerk's sessions.
    let token = "ein-token-aus-dem-wettlauf";
    let late = schalter_central::db::SessionRecord {
        clerk_id: before.id,
        created_at: now,
        expires_at: now + 600,
        absolute_expires_at: now + 3600,
        desk_fingerprint: None,
        clerk_stamp: Some(before.rights_stamp()),
    };
    app.state.db.insert_session(&schalter_central::auth::token_hash(token), &late).await.unwrap();
    let (status, body) = app.with_token("GET", "/v1/auth/session", token).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    assert_eq!(app.state.db.session_count(before.id).await.unwrap(), 0, "the stale session is gone");
}

async fn json_bodies_are_refused_with_code_and_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let post = |content_type: &str, body: Vec<u8>| {
        Request::post("/v1/auth/login").header(header::CONTENT_TYPE, content_type).body(Body::from(body)).unwrap()
    };
    let (status, body) = app.call(post("text/plain", b"erika korrekt".to_vec())).await;
    assert_eq!((status, code(&body)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"));
    assert_eq!(body["message"], "Erwartet wird der Inhaltstyp application/json.");

    let huge = json!({ "username": "erika", "password": "x".repeat(70 * 1024) }).to_string().into_bytes();
    let (status, body) = app.call(post("application/json", huge)).await;
    assert_eq!((status, code(&body)), (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"));
    assert!(body["message"].as_str().unwrap().starts_with("Die Anfrage ist zu groß"), "{body}");

    // Wrong shape: the answer does not quote what was sent (it could be a password).
    let (status, body) =
        app.call(post("application/json", br#"{"username": 5, "password": "geheim-123"}"#.to_vec())).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"));
    assert!(!body["message"].as_str().unwrap().contains("geheim"), "{body}");

    let valid = json!({ "username": "erika", "password": PASSWORD }).to_string().into_bytes();
    assert_eq!(app.call(post("application/json", valid)).await.0, StatusCode::OK);
}

/// Walks the OpenAPI document: each operation must list what every handler of its kind can
/// answer (a JSON body: 400, 413, 415; a bearer token: 401), and what the router really
/// answers to a missing token or a bad body must be among the listed statuses. Public paths
/// (`/v1/public/…`) are asked of the public listener's router, with Düsseldorf's appointments.
async fn regression_openapi_lists_every_status_the_handlers_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login("erika", PASSWORD).await.1["token"].as_str().unwrap().to_owned();
    let mut public_state = app.state.clone();
    public_state.appointments = Some(schalter_central::appointments::AppointmentService::new(
        schalter_appointments::AppointmentConfig::duesseldorf(),
        None,
    ));
    public_state.db.import_appointment_config(&schalter_appointments::AppointmentConfig::duesseldorf()).await.unwrap();
    let public = TestApp {
        router: schalter_central::public_app(public_state, schalter_central::TrustedProxy(None)),
        ..app.clone()
    };
    let document: Value = serde_json::from_str(&schalter_central::openapi::document_json()).unwrap();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let listed: Vec<&str> = operation["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            let json_body = operation.pointer("/requestBody/content/application~1json").is_some();
            let upload_body = operation.pointer("/requestBody/content/application~1offset+octet-stream").is_some();
            // A concrete path: the blob routes take a SHA-256, the call display an office.
            let uri = path.replace("{sha256}", &"ab".repeat(32)).replace("{office_id}", "05111000_01");
            let app = if path.starts_with("/v1/public/") { &public } else { &app };
            let secured = operation.get("security").is_some();
            let mut required = Vec::new();
            if json_body || upload_body {
                required.extend(["400", "413", "415"]);
            }
            if secured {
                required.push("401");
            }
            for status in required {
                assert!(listed.contains(&status), "{method} {path} does not list {status}: {listed:?}");
            }

            let request = |token: Option<&str>, content_type: Option<&str>, body: Vec<u8>| {
                let mut builder = Request::builder().method(method.to_uppercase().as_str()).uri(uri.as_str());
                if let Some(token) = token {
                    builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                if let Some(content_type) = content_type {
                    builder = builder.header(header::CONTENT_TYPE, content_type);
                }
                builder.body(Body::from(body)).unwrap()
            };
            let mut answered = vec![app.call(request(None, None, Vec::new())).await.0];
            if json_body {
                let token = secured.then_some(token.as_str());
                let too_big = format!("[{}]", "1,".repeat(40 * 1024) + "1").into_bytes();
                answered.push(app.call(request(token, Some("text/plain"), b"x".to_vec())).await.0);
                answered.push(app.call(request(token, Some("application/json"), b"{".to_vec())).await.0);
                answered.push(app.call(request(token, Some("application/json"), too_big)).await.0);
            }
            if upload_body {
                let token = Some(token.as_str());
                let too_big = vec![0u8; schalter_wire::sync::MAX_BLOB_CHUNK_BYTES + 1];
                answered.push(app.call(request(token, Some("application/json"), b"{}".to_vec())).await.0);
                answered.push(app.call(request(token, Some("application/offset+octet-stream"), b"x".to_vec())).await.0);
                answered.push(app.call(request(token, Some("application/offset+octet-stream"), too_big)).await.0);
            }
            for status in answered {
                assert!(
                    listed.contains(&status.as_str()),
                    "{method} {path} answered {status}, which its OpenAPI entry does not list: {listed:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} operations in the document");
}

on_both_backends!(
    health_answers_ok,
    login_returns_a_session_with_clerk_and_office,
    wrong_password_and_unknown_user_get_the_same_answer,
    malformed_json_is_an_invalid_request,
    five_failures_lock_the_account_until_the_lock_lapses,
    idle_session_expires_and_use_keeps_it_alive,
    logout_ends_the_session,
    missing_or_foreign_token_is_unauthenticated,
    audit_trail_records_ids_only,
    served_openapi_matches_the_checked_in_document,
    photo_events_are_audited_with_the_sessions_clerk,
    regression_parallel_wrong_passwords_cannot_bypass_the_lockout,
    regression_argon2_runs_are_bounded_and_a_full_central_answers_server_busy,
    regression_unknown_user_names_are_throttled_exactly_like_known_ones,
    regression_a_desk_spraying_guesses_over_many_names_is_throttled_and_other_desks_are_not,
    regression_a_token_presented_by_another_desk_is_refused,
    regression_changing_or_deactivating_a_clerk_ends_its_sessions,
    regression_a_login_racing_a_password_change_cannot_keep_the_old_rights,
    json_bodies_are_refused_with_code_and_message,
    regression_openapi_lists_every_status_the_handlers_answer,
);
