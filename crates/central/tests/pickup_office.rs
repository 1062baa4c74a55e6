//! The desk's back office for the pickup box, on both backends, through the real router: the
//! compartment overview and the uncollected list (no names, no phone numbers), clearing a lockout
//! (supervisors only), taking expired documents back, the handout at the counter (a box document's
//! compartment freed and its PIN revoked, the old document and the PIN letter recorded, "handed
//! out" in the feed), and the four-eyes rule for loading.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use schalter_central::pickup::PickupKeys;
use schalter_central::secrets::SecretsKey;
use schalter_domain::Role;
use schalter_pickup::Pepper;
use schalter_server_kit::ClientCertificate;
use serde_json::{json, Value};
use uuid::Uuid;

use common::instance::*;
use common::{Backend, TestDatabase};

const BOX: &str = "dlz-box-1";
const OFFICE: &str = "05111000_01";

fn keys() -> PickupKeys {
    PickupKeys::new(SecretsKey::from_bytes(&[3; 32]), &Pepper::from_bytes([4; 32]))
}

/// Erika Mustermann's application for pickup at the box (an ID card: with the PIN letter and her old card).
fn box_draft(kind: &str) -> Value {
    let mut draft = passport_draft();
    draft["document_kind"] = json!(kind);
    draft["pickup"] = json!("pickup_box");
    draft["mobile_number"] = json!("0151 12345678");
    draft["pickup_consent"] = json!(true);
    if kind == "id_card" {
        draft["pin_letter_handed_over"] = json!(true);
        draft["current_document_kind"] = json!("id_card");
        draft["current_document_serial"] = json!("L01X00T47");
    }
    draft
}

/// A central with the pickup keys, its box, and `drafts` submitted and delivered: their ids.
async fn central_with(database: &TestDatabase, drafts: Vec<Value>) -> (Instance, Vec<Uuid>) {
    let central = Instance::start(database, true).await.with_pickup_keys(keys());
    let ids = submitted_and_delivered(&central, drafts).await;
    let compartments = [("S", false), ("M", true), ("M", false), ("L", false)];
    central.db().add_pickup_box(BOX, OFFICE, "Dienstleistungszentrum", 10, &compartments, 0).await.unwrap();
    (central, ids)
}

/// A clerk of the office with `role`, logged in at their own desk: the desk and the token.
async fn clerk_with_role(central: &Instance, username: &str, role: Role) -> (ClientCertificate, String) {
    let hash = central.state.password_hasher.hash(&schalter_domain::Password::parse_new(PASSWORD).unwrap()).await;
    let mut clerk = new_clerk(username, &hash.unwrap());
    clerk.role = role;
    central.db().upsert_clerk(&clerk, START).await.unwrap();
    let desk = desk(&format!("Arbeitsplatz {username}"));
    let token = central.login_as(&desk, username).await["token"].as_str().unwrap().to_owned();
    (desk, token)
}

async fn get(central: &Instance, desk: &ClientCertificate, token: &str, path: &str) -> Answer {
    let request = Request::get(path).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty());
    central.call(desk, request.unwrap()).await
}

async fn load(central: &Instance, desk: &ClientCertificate, token: &str, id: Uuid) -> Answer {
    central.post_json(desk, token, "/v1/pickups/load", &json!({ "application_id": id, "box_id": BOX })).await
}

fn assert_code(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!((answer.status, answer.body["code"].as_str()), (status, Some(code)), "{}", answer.body);
}

async fn number_of(central: &Instance, id: Uuid) -> String {
    let mut tx = central.db().begin().await.unwrap();
    let row: (String,) = sqlx::query_as("SELECT number FROM applications WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    row.0
}

async fn execute(central: &Instance, sql: &str, id: Uuid) {
    let mut tx = central.db().begin().await.unwrap();
    sqlx::query(sql).bind(id.to_string()).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// What the terminal leaves after three wrong PINs (box_terminal.rs): pickup and compartment locked.
async fn lock(central: &Instance, id: Uuid) {
    execute(central, "UPDATE pickups SET state = 'locked', wrong_answers = 3 WHERE application_id = $1", id).await;
    execute(central, "UPDATE compartments SET state = 'locked' WHERE application_id = $1", id).await;
}

async fn pickup_row(central: &Instance, id: Uuid) -> (String, i64, String) {
    let mut tx = central.db().begin().await.unwrap();
    let row: (String, i64, String) =
        sqlx::query_as("SELECT state, wrong_answers, pin_hash FROM pickups WHERE application_id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    row
}

fn audited(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

async fn audit_actions(central: &Instance) -> Vec<String> {
    central.db().audit_rows().await.unwrap().into_iter().map(|row| row.action).collect()
}

async fn the_overview_and_the_uncollected_list_name_no_one(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let drafts = vec![box_draft("passport32"), box_draft("id_card"), box_draft("passport32")];
    let (central, ids) = central_with(&database, drafts).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    // The first on 15 Jan 2027 (last day 25 Jan), the others two days later (last day 27 Jan).
    assert_eq!(load(&central, &desk, &token, ids[0]).await.status, StatusCode::OK);
    central.state.clock.advance(2 * 86_400);
    let token = central.login(&desk).await;
    for id in &ids[1..] {
        assert_eq!(load(&central, &desk, &token, *id).await.status, StatusCode::OK);
    }
    // 26 Jan, 09:00: the first expired, the third's last day is tomorrow, the second got locked.
    central.state.clock.advance(9 * 86_400);
    let now = central.state.clock.now();
    assert_eq!(schalter_central::pickup::expire_due(central.db(), &keys().secrets, now).await.unwrap(), 1);
    lock(&central, ids[1]).await;

    let token = central.login(&desk).await;
    let overview = get(&central, &desk, &token, "/v1/pickups/compartments").await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    let text = overview.body.to_string();
    assert!(!text.contains("Mustermann") && !text.contains("Erika") && !text.contains("151"), "{text}");
    assert_eq!(overview.body["four_eyes_loading"], false);
    let the_box = &overview.body["boxes"][0];
    assert_eq!((the_box["box_id"].as_str(), the_box["name"].as_str()), (Some(BOX), Some("Dienstleistungszentrum")));
    let compartments = the_box["compartments"].as_array().unwrap();
    let states: Vec<&str> = compartments.iter().map(|c| c["state"].as_str().unwrap()).collect();
    // Passport: S (1); ID card: M not low (3); passport: the next free fitting one, M low (2) or L (4).
    assert_eq!(states[0], "expired");
    assert_eq!(states[2], "locked");
    assert_eq!(compartments[0]["application_number"], json!(number_of(&central, ids[0]).await));
    assert_eq!(compartments[0]["last_pickup_day"], "2027-01-25");
    assert_eq!((compartments[1]["size"].as_str(), compartments[1]["accessible"].as_bool()), (Some("M"), Some(true)));
    let free = compartments.iter().filter(|c| c["state"] == "free").count();
    assert_eq!(free, 1);
    assert!(compartments.iter().any(|c| c["state"] == "loaded" && c["application_id"] == json!(ids[2])));

    let list = get(&central, &desk, &token, "/v1/pickups/uncollected").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let entries = list.body["entries"].as_array().unwrap();
    let by_id = |id: Uuid| entries.iter().find(|e| e["application_id"] == json!(id)).map(|e| e["state"].clone());
    assert_eq!(by_id(ids[0]), Some(json!("expired")));
    assert_eq!(by_id(ids[1]), Some(json!("locked")));
    assert_eq!(by_id(ids[2]), Some(json!("deadline_near")), "its last day is tomorrow");
    assert!(!list.body.to_string().contains("Mustermann"));

    // Another office sees none of it.
    let (other_desk, other_token) = {
        let hash = central.state.password_hasher.hash(&schalter_domain::Password::parse_new(PASSWORD).unwrap()).await;
        let mut clerk = new_clerk("max", &hash.unwrap());
        clerk.office = schalter_domain::OfficeId::parse("05111000_02").unwrap();
        central.db().upsert_clerk(&clerk, START).await.unwrap();
        let nord = common::instance::desk("Arbeitsplatz Nord");
        let token = central.login_as(&nord, "max").await["token"].as_str().unwrap().to_owned();
        (nord, token)
    };
    let elsewhere = get(&central, &other_desk, &other_token, "/v1/pickups/compartments").await;
    assert_eq!(elsewhere.body["boxes"], json!([]));
    let elsewhere = get(&central, &other_desk, &other_token, "/v1/pickups/uncollected").await;
    assert_eq!(elsewhere.body["entries"], json!([]));
    let take = json!({ "application_id": ids[0] });
    let refused = central.post_json(&other_desk, &other_token, "/v1/pickups/take-back", &take).await;
    assert_code(&refused, StatusCode::FORBIDDEN, "forbidden");
}

async fn only_a_supervisor_clears_a_lockout(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (central, ids) = central_with(&database, vec![box_draft("passport32")]).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    assert_eq!(load(&central, &desk, &token, ids[0]).await.status, StatusCode::OK);
    let (hash_before, _) = central.db().pickup_secrets(&ids[0].to_string()).await.unwrap().unwrap();
    let body = json!({ "application_id": ids[0] });
    let not_locked = central.post_json(&desk, &token, "/v1/pickups/clear-lock", &body).await;
    assert_code(&not_locked, StatusCode::FORBIDDEN, "forbidden");
    lock(&central, ids[0]).await;

    // A clerk may not; a supervisor may.
    let refused = central.post_json(&desk, &token, "/v1/pickups/clear-lock", &body).await;
    assert_code(&refused, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(pickup_row(&central, ids[0]).await.0, "locked");
    let (supervisor_desk, supervisor) = clerk_with_role(&central, "leitung", Role::Supervisor).await;
    let cleared = central.post_json(&supervisor_desk, &supervisor, "/v1/pickups/clear-lock", &body).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(cleared.body, json!({ "application_id": ids[0], "box_id": BOX, "compartment": 1, "state": "loaded" }));
    let (state, wrong, hash) = pickup_row(&central, ids[0]).await;
    assert_eq!((state.as_str(), wrong), ("waiting", 0));
    assert_eq!(hash, hash_before, "the PIN stays the same");
    assert_eq!(central.db().compartment_states(BOX).await.unwrap()[0].1, "loaded");
    assert_eq!(audited(&audit_actions(&central).await, "pickup_lock_cleared"), 1);
    let again = central.post_json(&supervisor_desk, &supervisor, "/v1/pickups/clear-lock", &body).await;
    assert_code(&again, StatusCode::CONFLICT, "pickup_not_locked");
    let unknown = json!({ "application_id": Uuid::now_v7() });
    let unknown = central.post_json(&supervisor_desk, &supervisor, "/v1/pickups/clear-lock", &unknown).await;
    assert_code(&unknown, StatusCode::NOT_FOUND, "pickup_not_found");
}

async fn an_expired_document_is_taken_back_and_handed_out_at_the_counter(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (central, ids) = central_with(&database, vec![box_draft("passport32")]).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    assert_eq!(load(&central, &desk, &token, ids[0]).await.status, StatusCode::OK);
    let body = json!({ "application_id": ids[0] });
    let early = central.post_json(&desk, &token, "/v1/pickups/take-back", &body).await;
    assert_code(&early, StatusCode::CONFLICT, "pickup_not_expired");

    central.state.clock.advance(11 * 86_400);
    let now = central.state.clock.now();
    assert_eq!(schalter_central::pickup::expire_due(central.db(), &keys().secrets, now).await.unwrap(), 1);
    let token = central.login(&desk).await;
    let taken = central.post_json(&desk, &token, "/v1/pickups/take-back", &body).await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.body);
    assert_eq!(taken.body["state"], "free");
    assert_eq!(central.db().compartment_states(BOX).await.unwrap()[0], (1, "free".into(), None));
    let list = get(&central, &desk, &token, "/v1/pickups/uncollected").await;
    assert_eq!(list.body["entries"][0]["state"], "at_counter");
    assert_eq!(list.body["entries"][0]["compartment"], Value::Null);
    let again = central.post_json(&desk, &token, "/v1/pickups/take-back", &body).await;
    assert_code(&again, StatusCode::CONFLICT, "pickup_not_expired");

    // At the counter now: found by its number, handed out with the old passport as a souvenir.
    let number = number_of(&central, ids[0]).await;
    let found = get(&central, &desk, &token, &format!("/v1/pickups/ready?number={number}")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!((found.body["place"].as_str(), found.body["has_old_document"].as_bool()), (Some("counter"), Some(true)));
    assert_eq!(found.body["pin_letter_required"], false);
    let handout = json!({ "application_id": ids[0], "old_document": "souvenir" });
    let handed = central.post_json(&desk, &token, "/v1/pickups/hand-out", &handout).await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
    assert_eq!(handed.body["freed_compartment"], Value::Null);
    assert_eq!(
        central.db().handover(&ids[0].to_string()).await.unwrap(),
        Some(("counter".into(), "souvenir".into(), false))
    );
    assert_eq!(audited(&audit_actions(&central).await, "pickup_taken_back"), 1);
}

async fn a_box_document_handed_out_at_the_counter_frees_its_compartment_and_revokes_its_pin(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let mut counter = passport_draft();
    counter["document_kind"] = json!("passport48");
    let (central, ids) = central_with(&database, vec![box_draft("id_card"), counter]).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let loaded = load(&central, &desk, &token, ids[0]).await;
    assert_eq!(loaded.body["compartment"], 3, "{}", loaded.body);

    let number = number_of(&central, ids[0]).await;
    let found = get(&central, &desk, &token, &format!("/v1/pickups/ready?number={number}")).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(
        found.body,
        json!({
            "application_id": ids[0], "application_number": number, "document_kind": "id_card",
            "place": "compartment", "box_id": BOX, "compartment": 3, "has_old_document": true,
            "pin_letter_required": true,
        })
    );
    // The delivered document's serial, as scanned from the card, finds it too.
    execute(&central, "UPDATE applications SET serial_number = 'LZ6311T475' WHERE id = $1", ids[0]).await;
    let by_serial = get(&central, &desk, &token, "/v1/pickups/ready?number=lz6311t475").await;
    assert_eq!(by_serial.body["application_id"], json!(ids[0]), "{}", by_serial.body);
    let missing = get(&central, &desk, &token, "/v1/pickups/ready?number=05111000_01-2027-999999").await;
    assert_code(&missing, StatusCode::NOT_FOUND, "pickup_not_found");

    // The ID card needs the PIN-letter confirmation and the old card's fate.
    let without_letter = json!({ "application_id": ids[0], "old_document": "invalidated" });
    let refused = central.post_json(&desk, &token, "/v1/pickups/hand-out", &without_letter).await;
    assert_code(&refused, StatusCode::UNPROCESSABLE_ENTITY, "pickup_pin_letter_unconfirmed");
    let no_old = json!({ "application_id": ids[0], "old_document": "none", "pin_letter_confirmed": true });
    let refused = central.post_json(&desk, &token, "/v1/pickups/hand-out", &no_old).await;
    assert_code(&refused, StatusCode::UNPROCESSABLE_ENTITY, "pickup_old_document_unrecorded");
    // The terminal has the compartment open: the clerk waits.
    execute(&central, "UPDATE pickups SET state = 'opened' WHERE application_id = $1", ids[0]).await;
    let good = json!({ "application_id": ids[0], "old_document": "invalidated", "pin_letter_confirmed": true });
    let busy = central.post_json(&desk, &token, "/v1/pickups/hand-out", &good).await;
    assert_code(&busy, StatusCode::CONFLICT, "pickup_in_use");
    execute(&central, "UPDATE pickups SET state = 'waiting' WHERE application_id = $1", ids[0]).await;

    let handed = central.post_json(&desk, &token, "/v1/pickups/hand-out", &good).await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
    assert_eq!(handed.body, json!({ "application_id": ids[0], "application_number": number, "freed_compartment": 3 }));
    assert_eq!(central.db().compartment_states(BOX).await.unwrap()[2], (3, "free".into(), None));
    let (state, _, pin_hash) = pickup_row(&central, ids[0]).await;
    assert_eq!((state.as_str(), pin_hash.as_str()), ("handed_out", ""), "no PIN opens anything again");
    assert_eq!(
        central.db().handover(&ids[0].to_string()).await.unwrap(),
        Some(("compartment".into(), "invalidated".into(), true))
    );
    let again = central.post_json(&desk, &token, "/v1/pickups/hand-out", &good).await;
    assert_code(&again, StatusCode::CONFLICT, "pickup_already_handed_out");

    // The counter document: no compartment, no PIN letter (a passport).
    let counter = json!({ "application_id": ids[1], "old_document": "invalidated" });
    let handed = central.post_json(&desk, &token, "/v1/pickups/hand-out", &counter).await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);

    // Every desk learns "handed out" through the feed.
    let pulled = central.pull(&desk, &token, 0, 500).await;
    let handed_out: Vec<&Value> = pulled.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "application" && c["data"]["status"] == "handed_out")
        .collect();
    assert_eq!(handed_out.len(), 2);
    assert_eq!(audited(&audit_actions(&central).await, "document_handed_out"), 2);
}

async fn under_the_four_eyes_rule_a_second_clerk_arms_the_load(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (central, ids) = central_with(&database, vec![box_draft("passport32")]).await;
    central.db().set_four_eyes_loading(OFFICE, true).await.unwrap();
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let loaded = load(&central, &desk, &token, ids[0]).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
    assert_eq!(
        (loaded.body["compartment"].as_u64(), loaded.body["awaiting_confirmation"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(central.db().count_rows("sms_outbox").await.unwrap(), 0, "no PIN before the second clerk");
    let overview = get(&central, &desk, &token, "/v1/pickups/compartments").await;
    assert_eq!(overview.body["four_eyes_loading"], true);
    assert_eq!(overview.body["boxes"][0]["compartments"][0]["state"], "awaiting_confirmation");

    let body = json!({ "application_id": ids[0] });
    let own = central.post_json(&desk, &token, "/v1/pickups/confirm-load", &body).await;
    assert_code(&own, StatusCode::FORBIDDEN, "pickup_same_clerk");
    central.state.clock.advance(3600);
    let (second_desk, second) = clerk_with_role(&central, "max", Role::Clerk).await;
    let confirmed = central.post_json(&second_desk, &second, "/v1/pickups/confirm-load", &body).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.body["awaiting_confirmation"], false);
    assert_eq!(confirmed.body["last_pickup_day"], "2027-01-25");
    assert_eq!(central.db().count_rows("sms_outbox").await.unwrap(), 1);
    assert_eq!(pickup_row(&central, ids[0]).await.0, "waiting");
    let again = central.post_json(&second_desk, &second, "/v1/pickups/confirm-load", &body).await;
    assert_code(&again, StatusCode::CONFLICT, "pickup_not_awaiting_confirmation");
    let actions = audit_actions(&central).await;
    assert_eq!((audited(&actions, "pickup_loaded_unconfirmed"), audited(&actions, "pickup_load_confirmed")), (1, 1));
    let pulled = central.pull(&second_desk, &second, 0, 500).await;
    let ready =
        pulled.body["changes"].as_array().unwrap().iter().filter(|c| c["data"]["status"] == "ready_for_pickup").count();
    assert_eq!(ready, 1);
}

async fn status_of(central: &Instance, id: Uuid) -> String {
    let mut tx = central.db().begin().await.unwrap();
    let row: (String,) = sqlx::query_as("SELECT status FROM applications WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    row.0
}

async fn arrived(central: &Instance, desk: &ClientCertificate, token: &str, number: &str) -> Answer {
    central.post_json(desk, token, "/v1/pickups/arrived", &json!({ "number": number })).await
}

async fn an_arrived_counter_document_becomes_ready_and_a_box_document_waits_for_its_load(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let mut counter = passport_draft();
    counter["document_kind"] = json!("passport48");
    let mut direct = passport_draft();
    direct["pickup"] = json!("direct_delivery");
    let (central, ids) = central_with(&database, vec![counter, box_draft("id_card"), passport_draft(), direct]).await;
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let (counter_id, box_id, early_id) = (ids[0], ids[1], ids[2]);

    // Direktversand: the document goes to the citizen's door, it never arrives here.
    let direct = arrived(&central, &desk, &token, &number_of(&central, ids[3]).await).await;
    assert_code(&direct, StatusCode::UNPROCESSABLE_ENTITY, "pickup_direct_delivery");

    // Not delivered yet: no Lieferinformation, nothing to mark.
    execute(&central, "UPDATE applications SET status = 'in_production' WHERE id = $1", early_id).await;
    let early = arrived(&central, &desk, &token, &number_of(&central, early_id).await).await;
    assert_code(&early, StatusCode::UNPROCESSABLE_ENTITY, "pickup_not_delivered");
    let unknown = arrived(&central, &desk, &token, "05111000_01-2027-999999").await;
    assert_code(&unknown, StatusCode::NOT_FOUND, "pickup_not_found");

    // The counter document, by the serial scanned from the passport: ready for pickup, in the feed, audited.
    execute(&central, "UPDATE applications SET serial_number = 'C01X00T47' WHERE id = $1", counter_id).await;
    let marked = arrived(&central, &desk, &token, " c01x00t47 ").await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    let counter_number = number_of(&central, counter_id).await;
    assert_eq!(
        marked.body,
        json!({
            "application_id": counter_id, "application_number": counter_number, "document_kind": "passport48",
            "outcome": "ready_at_counter", "already_marked": false,
        })
    );
    assert_eq!(status_of(&central, counter_id).await, "ready_for_pickup");
    let again = arrived(&central, &desk, &token, &counter_number).await;
    assert_eq!(
        (again.body["outcome"].as_str(), again.body["already_marked"].as_bool()),
        (Some("ready_at_counter"), Some(true))
    );
    let pulled = central.pull(&desk, &token, 0, 500).await;
    let ready: Vec<_> = pulled.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["data"]["status"] == "ready_for_pickup")
        .collect();
    assert_eq!(ready.len(), 1, "one feed entry, not one per scan");
    assert_eq!(audited(&audit_actions(&central).await, "document_arrived"), 1);
    let found = get(&central, &desk, &token, &format!("/v1/pickups/ready?number={counter_number}")).await;
    assert_eq!(found.body["place"], "counter", "{}", found.body);

    // The box document stays delivered: the desk offers its load; loaded, a scan is refused.
    let box_number = number_of(&central, box_id).await;
    let offered = arrived(&central, &desk, &token, &box_number).await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    assert_eq!(
        (offered.body["outcome"].as_str(), offered.body["already_marked"].as_bool()),
        (Some("load_into_box"), Some(false))
    );
    assert_eq!(status_of(&central, box_id).await, "delivered");
    assert_eq!(load(&central, &desk, &token, box_id).await.status, StatusCode::OK);
    let loaded = arrived(&central, &desk, &token, &box_number).await;
    assert_code(&loaded, StatusCode::UNPROCESSABLE_ENTITY, "pickup_already_loaded");

    // Handed out: a late scan says so.
    let handout = json!({ "application_id": counter_id, "old_document": "invalidated" });
    let handed = central.post_json(&desk, &token, "/v1/pickups/hand-out", &handout).await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
    let late = arrived(&central, &desk, &token, &counter_number).await;
    assert_code(&late, StatusCode::CONFLICT, "pickup_already_handed_out");

    assert_eq!(audited(&audit_actions(&central).await, "document_arrived"), 1);
}

on_both_backends!(
    an_arrived_counter_document_becomes_ready_and_a_box_document_waits_for_its_load,
    a_box_document_handed_out_at_the_counter_frees_its_compartment_and_revokes_its_pin,
    an_expired_document_is_taken_back_and_handed_out_at_the_counter,
    only_a_supervisor_clears_a_lockout,
    the_overview_and_the_uncollected_list_name_no_one,
    under_the_four_eyes_rule_a_second_clerk_arms_the_load,
);
