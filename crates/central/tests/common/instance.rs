//! One central API instance driven through its real router, as the sync and producer tests use it:
//! a clerk, a desk certificate, pushes, pulls and blob uploads.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use schalter_central::auth::PasswordHasher;
use schalter_central::db::NewClerk;
use schalter_central::{app, seed, AppState, Clock, Db};
use schalter_domain::{DisplayName, OfficeId, Password, Role, Username};
pub use schalter_server_kit::peer::hex_sha256;
use schalter_server_kit::{ClientCertificate, ConnectedClient};
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

use super::TestDatabase;

pub const PASSWORD: &str = "korrekt-pferd-batterie";
pub const START: i64 = 1_800_000_000;

pub fn desk(name: &str) -> ClientCertificate {
    ClientCertificate::from_leaf_der(name.as_bytes().to_vec())
}

pub fn new_clerk(username: &str, password_hash: &str) -> NewClerk {
    NewClerk {
        username: Username::parse(username).unwrap(),
        display_name: DisplayName::parse("Erika Mustermann").unwrap(),
        role: Role::Clerk,
        office: OfficeId::parse("05111000_01").unwrap(),
        password_hash: password_hash.to_owned(),
    }
}

/// One API instance: a router over its own pool.
#[derive(Clone)]
pub struct Instance {
    pub router: Router,
    pub state: AppState,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Instance {
    /// An instance over `database`; the first one migrates and creates the clerk "erika".
    pub async fn start(database: &TestDatabase, first: bool) -> Self {
        let db = database.connect().await;
        let mut state = AppState::new(db);
        state.clock = Clock::manual(START);
        state.password_hasher = Arc::new(PasswordHasher::with_params(argon2::Params::new(1024, 1, 1, None).unwrap()));
        if first {
            seed::seed_duesseldorf_offices(&state.db).await.unwrap();
            let hash = state.password_hasher.hash(&Password::parse_new(PASSWORD).unwrap()).await.unwrap();
            state.db.upsert_clerk(&new_clerk("erika", &hash), START).await.unwrap();
        }
        Self { router: app(state.clone()), state }
    }

    /// The same instance with the pickup box's keys (its router rebuilt over them).
    pub fn with_pickup_keys(mut self, keys: schalter_central::pickup::PickupKeys) -> Self {
        self.state.pickup_keys = Some(Arc::new(keys));
        self.router = app(self.state.clone());
        self
    }

    /// `POST path` with a JSON body and the clerk's token.
    pub async fn post_json(&self, desk: &ClientCertificate, token: &str, path: &str, body: &Value) -> Answer {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(body.to_string()))
            .unwrap();
        self.call(desk, request).await
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub async fn call(&self, desk: &ClientCertificate, mut request: Request<Body>) -> Answer {
        request.extensions_mut().insert(ConnectedClient(Some(desk.clone())));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        Answer { status, headers, body }
    }

    /// Logs erika in at `desk`; the token is good at every instance on the same database.
    pub async fn login(&self, desk: &ClientCertificate) -> String {
        self.login_as(desk, "erika").await["token"].as_str().unwrap().to_owned()
    }

    /// Logs `username` (password [`PASSWORD`]) in at `desk`: the session document.
    pub async fn login_as(&self, desk: &ClientCertificate, username: &str) -> Value {
        let request = Request::post("/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "username": username, "password": PASSWORD }).to_string()))
            .unwrap();
        let answer = self.call(desk, request).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    pub async fn add_clerk(&self, username: &str) -> Uuid {
        let hash = self.state.password_hasher.hash(&Password::parse_new(PASSWORD).unwrap()).await.unwrap();
        self.db().upsert_clerk(&new_clerk(username, &hash), START).await.unwrap();
        self.db().find_clerk_by_username(&Username::parse(username).unwrap()).await.unwrap().unwrap().id
    }

    pub async fn push(&self, desk: &ClientCertificate, token: &str, device_id: &str, mutations: &[Value]) -> Answer {
        let body = json!({ "device_id": device_id, "mutations": mutations });
        let request = Request::post("/v1/sync/push")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(body.to_string()))
            .unwrap();
        self.call(desk, request).await
    }

    pub async fn pull(&self, desk: &ClientCertificate, token: &str, cursor: i64, limit: u32) -> Answer {
        let request = Request::get(format!("/v1/sync/pull?cursor={cursor}&limit={limit}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(desk, request).await
    }

    pub async fn head_blob(&self, desk: &ClientCertificate, token: &str, sha256: &str) -> Answer {
        let request = Request::head(format!("/v1/blobs/{sha256}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(desk, request).await
    }

    pub async fn patch_blob(
        &self,
        desk: &ClientCertificate,
        token: &str,
        sha256: &str,
        offset: u64,
        length: Option<u64>,
        bytes: &[u8],
    ) -> Answer {
        let mut request = Request::patch(format!("/v1/blobs/{sha256}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/offset+octet-stream")
            .header("upload-offset", offset);
        if let Some(length) = length {
            request = request.header("upload-length", length);
        }
        self.call(desk, request.body(Body::from(bytes.to_vec())).unwrap()).await
    }

    /// Uploads `bytes` in one part and returns their SHA-256.
    pub async fn upload(&self, desk: &ClientCertificate, token: &str, bytes: &[u8]) -> String {
        let sha256 = hex_sha256(bytes);
        let answer = self.patch_blob(desk, token, &sha256, 0, Some(bytes.len() as u64), bytes).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);
        sha256
    }
}

pub fn audit_mutation(seq: i64) -> Value {
    json!({
        "seq": seq,
        "id": Uuid::now_v7(),
        "kind": "photo_audit.record",
        "occurred_at": "2027-01-15T09:30:00Z",
        "payload": { "action": "fetched", "photo_id": Uuid::now_v7(), "error_code": null },
    })
}

pub fn accept_mutation(seq: i64, sha256: &str) -> Value {
    json!({
        "seq": seq,
        "id": Uuid::now_v7(),
        "kind": "photo.accept",
        "occurred_at": "2027-01-15T09:31:00Z",
        "payload": {
            "photo_id": Uuid::now_v7(),
            "visit_id": Uuid::now_v7(),
            "photo_sha256": sha256,
            "media_type": "image/jpeg",
            "override_failed_checks": true,
        },
    })
}

pub fn statuses(answer: &Answer) -> Vec<String> {
    answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["status"].as_str().unwrap().to_owned())
        .collect()
}

/// Erika Mustermann's passport application as the desk's form sends it.
pub fn passport_draft() -> Value {
    json!({
        "document_kind": "passport32", "family_name": "Mustermann", "birth_name": "Gabler", "given_names": "Erika",
        "date_of_birth": "12.08.1964", "place_of_birth": "Berlin", "sex": "001", "height": "160",
        "eye_colour": "grün", "no_residence_in_germany": false, "street": "Heidestraße 17", "postal_code": "51147",
        "place": "Köln", "nationality": "deutsch", "current_document_kind": "passport",
        "current_document_serial": "C01X00T47", "pickup": "counter", "pickup_consent": false,
        "photo_in_office": false, "pin_letter_handed_over": false,
    })
}

/// Lena Mustermann, 14 at the application: an ID card her custodian applies for, no current document.
pub fn teen_id_card() -> Value {
    let mut teen = passport_draft();
    teen["document_kind"] = json!("id_card");
    teen["given_names"] = json!("Lena");
    teen["date_of_birth"] = json!("2012-09-01");
    teen["custodian_family_name"] = json!("Mustermann");
    teen["custodian_given_names"] = json!("Erika");
    teen["pin_letter_handed_over"] = json!(true);
    teen["current_document_kind"] = json!(null);
    teen["current_document_serial"] = json!(null);
    teen
}

/// A signature as the desk sends it: the simulated pad's strokes as the producer's 900 × 132 JPEG.
pub fn signature_jpeg() -> Vec<u8> {
    use schalter_devices::SignaturePad as _;
    let pad = schalter_devices::SimulatedSignaturePad::new(7);
    schalter_devices::render_signature_jpeg(&pad.capture().unwrap(), pad.pad_size()).unwrap()
}

/// Both index fingers captured, and the signature's blob (from 10) or none.
pub fn prints_taken(signature_sha256: Option<&str>) -> Value {
    json!({
        "fingerprints": {
            "left": { "outcome": "captured", "finger": "left_index", "quality": 72 },
            "right": { "outcome": "captured", "finger": "right_index", "quality": 64 },
        },
        "signature_sha256": signature_sha256,
    })
}

/// No prints (under 6, or a document without a chip), and the signature's blob (from 10) or none.
pub fn no_prints(signature_sha256: Option<&str>) -> Value {
    json!({
        "fingerprints": { "left": { "outcome": "not_required" }, "right": { "outcome": "not_required" } },
        "signature_sha256": signature_sha256,
    })
}

pub fn submit_mutation(seq: i64, photo_id: &Value, visit_id: &Value, draft: Value, biometrics: Value) -> Value {
    json!({
        "seq": seq,
        "id": Uuid::now_v7(),
        "kind": "application.submit",
        "occurred_at": "2027-01-15T09:40:00Z",
        "payload": {
            "application_id": Uuid::now_v7(), "provisional_number": format!("V-test-{seq:05}"),
            "visit_id": visit_id, "photo_id": photo_id, "application_date": "2027-01-15", "draft": draft,
            "biometrics": biometrics,
        },
    })
}

/// Submits `drafts` from "Arbeitsplatz 1" (each with the sample photo, prints and a signature, in pushes of the
/// size a desk sends) and marks them delivered, as the producer rounds would (tests/producer.rs): their ids.
pub async fn submitted_and_delivered(central: &Instance, drafts: Vec<Value>) -> Vec<Uuid> {
    const PHOTO: &[u8] = include_bytes!("../../../../assets/photos/valid-1244x1600.jpg");
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let photo = central.upload(&desk, &token, PHOTO).await;
    let signature = central.upload(&desk, &token, &signature_jpeg()).await;
    let accept = accept_mutation(1, &photo);
    let (photo_id, visit_id) = (&accept["payload"]["photo_id"], &accept["payload"]["visit_id"]);
    let mut batch = vec![accept.clone()];
    for (n, draft) in drafts.into_iter().enumerate() {
        batch.push(submit_mutation(n as i64 + 2, photo_id, visit_id, draft, prints_taken(Some(&signature))));
    }
    for part in batch.chunks(25) {
        let answer = central.push(&desk, &token, "desk-1", part).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert!(statuses(&answer).iter().all(|s| s == "applied"), "{}", answer.body);
    }
    let mut tx = central.db().begin().await.unwrap();
    sqlx::query("UPDATE applications SET status = 'delivered'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    batch[1..].iter().map(|m| Uuid::parse_str(m["payload"]["application_id"].as_str().unwrap()).unwrap()).collect()
}
