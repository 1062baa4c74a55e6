//! Loading delivered documents into the pickup box, on both backends: the smallest fitting
//! compartment (low ones for who asks), the PIN only as its keyed hash and in the SMS (which names
//! no one), "ready for pickup" in the feed, the refusals, and two clerks racing for the last
//! compartment.

#[macro_use]
mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use schalter_central::pickup::{load, Loader, PickupKeys};
use schalter_central::secrets::SecretsKey;
use schalter_central::sms::file_sink::FileSink;
use schalter_central::sms::SmsWorker;
use schalter_central::{CentralError, Db};
use schalter_pickup::{Pepper, PickupId, PickupPin, PinHash};
use schalter_wire::pickup::LoadRequest;
use serde_json::{json, Value};
use uuid::Uuid;

use common::instance::*;
use common::{Backend, TestDatabase};

const BOX: &str = "dlz-box-1";

fn keys() -> PickupKeys {
    PickupKeys::new(SecretsKey::from_bytes(&[3; 32]), &Pepper::from_bytes([4; 32]))
}

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

async fn delivered(central: &Instance, drafts: Vec<Value>) -> Vec<Uuid> {
    submitted_and_delivered(central, drafts).await
}

async fn add_box(db: &Db) {
    let compartments = [("S", false), ("M", true), ("M", false), ("L", false)];
    db.add_pickup_box(BOX, "05111000_01", "Dienstleistungszentrum", 10, &compartments, 0).await.unwrap();
}

async fn clerk_of(central: &Instance) -> Uuid {
    central.db().find_clerk_by_username(&schalter_domain::Username::parse("erika").unwrap()).await.unwrap().unwrap().id
}

fn loader(clerk_id: Uuid, office_id: &str) -> Loader<'_> {
    Loader { clerk_id, office_id, desk: Some("CN=Arbeitsplatz 1".into()) }
}

fn request(application_id: Uuid, accessible: bool) -> LoadRequest {
    LoadRequest { application_id, box_id: BOX.into(), accessible }
}

fn code(result: Result<impl std::fmt::Debug, CentralError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(error) => error.code().into(),
    }
}

async fn documents_go_into_the_smallest_fitting_compartment_and_the_pin_only_into_the_sms(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let mut counter = passport_draft();
    counter["document_kind"] = json!("passport48");
    let ids = delivered(
        &central,
        vec![
            box_draft("passport32"),
            box_draft("id_card"),
            box_draft("passport32"),
            box_draft("express_passport32"),
            counter,
        ],
    )
    .await;
    add_box(central.db()).await;
    let (clerk, keys, now) = (clerk_of(&central).await, keys(), 1_800_000_000);
    let load_one = |id, accessible| {
        let request = request(id, accessible);
        let keys = &keys;
        let db = central.db().clone();
        async move { load(&db, keys, now, &loader(clerk, "05111000_01"), &request).await }
    };

    // A passport needs S; an ID card comes with its letter and needs M (the low one stays free).
    let passport = load_one(ids[0], false).await.unwrap();
    assert_eq!((passport.compartment, passport.accessible), (1, false));
    assert_eq!(passport.last_pickup_day, "2027-01-25", "ten days after loading on 15 Jan 2027");
    let id_card = load_one(ids[1], false).await.unwrap();
    assert_eq!(id_card.compartment, 3, "the low M is kept for who asks");
    // Who asks for a low compartment gets the low one.
    let low = load_one(ids[2], true).await.unwrap();
    assert_eq!((low.compartment, low.accessible), (2, true));
    assert_eq!(code(load_one(ids[2], false).await), "pickup_not_ready", "ready for pickup already");
    // A document for the counter does not go into the box.
    assert_eq!(code(load_one(ids[4], false).await), "pickup_not_by_box");
    let large = load_one(ids[3], false).await.unwrap();
    assert_eq!(large.compartment, 4);
    let states: Vec<String> = central.db().compartment_states(BOX).await.unwrap().into_iter().map(|c| c.1).collect();
    assert_eq!(states, ["loaded"; 4]);

    // The PIN: stored only as its keyed hash, the SMS carries it and no name.
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(FileSink::new(dir.path().join("sms.jsonl")));
    let worker = SmsWorker::new(
        central.db().clone(),
        sink.clone(),
        SecretsKey::from_bytes(&[3; 32]),
        central.state.clock.clone(),
    );
    assert_eq!(worker.run_once().await.unwrap().sent, 4);
    let sms = sink.read_all();
    let (_, first_sms) = central.db().pickup_secrets(&ids[0].to_string()).await.unwrap().unwrap();
    let (_, to, text) = sms.iter().find(|(id, _, _)| *id == first_sms).cloned().unwrap();
    assert_eq!(to, "+4915112345678");
    assert!(!text.contains("Mustermann") && !text.contains("Erika"), "{text}");
    assert!(text.contains("Dienstleistungszentrum") && text.contains("25.01.2027"), "{text}");
    for (index, id) in ids[..4].iter().enumerate() {
        let (hash, sms_id) = central.db().pickup_secrets(&id.to_string()).await.unwrap().unwrap();
        let (_, _, text) = sms.iter().find(|(sent, _, _)| *sent == sms_id).unwrap();
        let digits: String = text.split("PIN: ").nth(1).unwrap().chars().take(6).collect();
        let pin = PickupPin::parse(&digits).unwrap();
        let hash = PinHash::parse_hex(&hash).unwrap();
        assert!(keys.pin_hasher.verify(&pin, PickupId::from_uuid(*id), &hash), "application {index}");
        assert!(!keys.pin_hasher.verify(&pin, PickupId::from_uuid(ids[(index + 1) % 4]), &hash));
        assert!(!hash.to_hex().contains(&digits));
        assert!(text.contains("bisherige Dokument"), "each has an old document to bring: {text}");
    }

    // The desks learn "ready for pickup" through the feed.
    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let pulled = central.pull(&desk, &token, 0, 500).await;
    let ready = pulled.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "application" && c["data"]["status"] == "ready_for_pickup")
        .count();
    assert_eq!(ready, 4);
}

async fn loading_needs_a_delivered_box_document_with_a_third_factor_and_a_free_compartment(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let mut no_factor = box_draft("passport32");
    no_factor["date_of_birth"] = json!("XX.XX.1964");
    no_factor["current_document_kind"] = json!(null);
    no_factor["current_document_serial"] = json!(null);
    let ids = delivered(&central, vec![no_factor, box_draft("passport32"), box_draft("passport32")]).await;
    let db = central.db();
    db.add_pickup_box(BOX, "05111000_01", "Dienstleistungszentrum", 10, &[("S", false)], 0).await.unwrap();
    let (clerk, keys, now) = (clerk_of(&central).await, keys(), 1_800_000_000);

    let unknown_box = LoadRequest { application_id: ids[1], box_id: "nirgends".into(), accessible: false };
    assert_eq!(code(load(db, &keys, now, &loader(clerk, "05111000_01"), &unknown_box).await), "pickup_unknown_box");
    assert_eq!(code(load(db, &keys, now, &loader(clerk, "05111000_02"), &request(ids[1], false)).await), "forbidden");
    assert_eq!(
        code(load(db, &keys, now, &loader(clerk, "05111000_01"), &request(ids[0], false)).await),
        "pickup_no_third_factor"
    );
    assert_eq!(code(load(db, &keys, now, &loader(clerk, "05111000_01"), &request(ids[1], false)).await), "ok");
    assert_eq!(
        code(load(db, &keys, now, &loader(clerk, "05111000_01"), &request(ids[2], false)).await),
        "pickup_box_full"
    );
    // Nothing of the refused loads stays behind.
    assert_eq!(db.count_rows("pickups").await.unwrap(), 1);
    assert_eq!(db.count_rows("sms_outbox").await.unwrap(), 1);
}

async fn two_clerks_racing_for_the_last_compartment_never_share_it(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let central = Instance::start(&database, true).await;
    let ids = delivered(&central, vec![box_draft("passport32"), box_draft("passport32")]).await;
    central.db().add_pickup_box(BOX, "05111000_01", "Dienstleistungszentrum", 10, &[("S", false)], 0).await.unwrap();
    let clerk = clerk_of(&central).await;
    let (one, two) = (database.connect().await, database.connect().await);
    let keys = keys();
    let (first, second) = (request(ids[0], false), request(ids[1], false));
    let by = loader(clerk, "05111000_01");
    let (a, b) =
        tokio::join!(load(&one, &keys, 1_800_000_000, &by, &first), load(&two, &keys, 1_800_000_000, &by, &second),);
    let mut outcomes = vec![code(a), code(b)];
    outcomes.sort();
    assert_eq!(outcomes, ["ok", "pickup_box_full"]);
    assert_eq!(central.db().count_rows("pickups").await.unwrap(), 1);
}

async fn a_clerk_loads_through_the_api_once_the_central_has_its_pin_key(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let without_keys = Instance::start(&database, true).await;
    let ids = delivered(&without_keys, vec![box_draft("passport32")]).await;
    add_box(without_keys.db()).await;
    let desk = desk("Arbeitsplatz 1");
    let token = without_keys.login(&desk).await;
    let body = json!({ "application_id": ids[0], "box_id": BOX });
    let refused = without_keys.post_json(&desk, &token, "/v1/pickups/load", &body).await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("pickup_not_configured"))
    );

    let central = without_keys.with_pickup_keys(keys());
    let loaded = central.post_json(&desk, &token, "/v1/pickups/load", &body).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
    assert_eq!((loaded.body["compartment"].as_u64(), loaded.body["box_id"].as_str()), (Some(1), Some(BOX)));
    assert!(!loaded.body.to_string().contains("PIN"), "the PIN goes to the phone only");
    let again = central.post_json(&desk, &token, "/v1/pickups/load", &body).await;
    assert_eq!(
        (again.status, again.body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pickup_not_ready"))
    );
    let audited =
        central.db().audit_rows().await.unwrap().into_iter().filter(|row| row.action == "pickup_loaded").count();
    assert_eq!(audited, 1);
}

async fn an_uncollected_document_expires_back_to_the_counter_with_an_sms(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let ids = delivered(&central, vec![box_draft("passport32"), box_draft("passport32")]).await;
    add_box(central.db()).await;
    let (clerk, keys) = (clerk_of(&central).await, keys());
    let loaded_at = 1_800_000_000; // 15 Jan 2027, 09:00 in Düsseldorf
    let by = loader(clerk, "05111000_01");
    let first = load(central.db(), &keys, loaded_at, &by, &request(ids[0], false)).await.unwrap();
    assert_eq!(first.last_pickup_day, "2027-01-25");
    // Loaded a day later, the second one has a day more.
    load(central.db(), &keys, loaded_at + 86_400, &by, &request(ids[1], false)).await.unwrap();
    let db = central.db();
    let sms_before = db.count_rows("sms_outbox").await.unwrap();

    // On its last day it still waits; the midnight after, it goes back to the counter.
    let last_day_evening = loaded_at + 10 * 86_400 + 14 * 3600; // 25 Jan, 23:00 in Düsseldorf
    assert_eq!(schalter_central::pickup::expire_due(db, &keys.secrets, last_day_evening).await.unwrap(), 0);
    let after_midnight = loaded_at + 11 * 86_400 - 8 * 3600 + 60; // 26 Jan, 01:01 in Düsseldorf
    assert_eq!(schalter_central::pickup::expire_due(db, &keys.secrets, after_midnight).await.unwrap(), 1);
    assert_eq!(schalter_central::pickup::expire_due(db, &keys.secrets, after_midnight).await.unwrap(), 0, "once");
    assert_eq!(db.pickup_state(&ids[0].to_string()).await.unwrap().as_deref(), Some("expired"));
    assert_eq!(db.pickup_state(&ids[1].to_string()).await.unwrap().as_deref(), Some("waiting"));
    let compartments = db.compartment_states(BOX).await.unwrap();
    assert_eq!(compartments[0].1, "expired", "waits for a clerk to take it back");
    assert_eq!(db.count_rows("sms_outbox").await.unwrap(), sms_before + 1, "the citizen is told");

    let desk = desk("Arbeitsplatz 1");
    let token = central.login(&desk).await;
    let pulled = central.pull(&desk, &token, 0, 500).await;
    let last = pulled.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|c| c["entity"] == "application" && c["id"] == ids[0].to_string())
        .unwrap()
        .clone();
    assert_eq!(last["data"]["status"], "ready_for_pickup");
    assert_eq!(last["data"]["status_reason"], schalter_central::pickup::EXPIRED_REASON);
}

async fn a_box_terminal_is_only_a_box_and_a_desk_never_one(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    add_box(central.db()).await;
    let terminal = desk("Ausgabebox-Terminal 1");
    central.db().register_box_terminal(&terminal.fingerprint, BOX, 0).await.unwrap();
    let status = |certificate: schalter_server_kit::ClientCertificate| {
        let central = central.clone();
        async move {
            let request = axum::http::Request::get("/v1/box/status").body(axum::body::Body::empty()).unwrap();
            central.call(&certificate, request).await
        }
    };

    // The terminal learns its box; 15 Jan 2027 09:00 is a Friday within the service hours.
    let answer = status(terminal.clone()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({ "box_id": BOX, "name": "Dienstleistungszentrum", "mode": "service_hours", "open": true })
    );
    // A desk's certificate is no box, and a box's certificate cannot log in as a desk.
    let refused = status(desk("Arbeitsplatz 1")).await;
    assert_eq!((refused.status, refused.body["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_a_box")));
    let login = axum::http::Request::post("/v1/auth/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({ "username": "erika", "password": PASSWORD }).to_string()))
        .unwrap();
    let as_desk = central.call(&terminal, login).await;
    assert_eq!((as_desk.status, as_desk.body["code"].as_str()), (StatusCode::FORBIDDEN, Some("box_certificate")));
    assert!(!central.login(&desk("Arbeitsplatz 1")).await.is_empty(), "a desk logs in as before");
    // Friday 15 Jan 2027, 13:00 in Düsseldorf: the service centre closed at 13:00.
    central.state.clock.advance(4 * 3600);
    assert_eq!(status(terminal).await.body["open"], false);
}

on_both_backends!(
    a_box_terminal_is_only_a_box_and_a_desk_never_one,
    an_uncollected_document_expires_back_to_the_counter_with_an_sms,
    a_clerk_loads_through_the_api_once_the_central_has_its_pin_key,
    documents_go_into_the_smallest_fitting_compartment_and_the_pin_only_into_the_sms,
    loading_needs_a_delivered_box_document_with_a_third_factor_and_a_free_compartment,
    two_clerks_racing_for_the_last_compartment_never_share_it,
);
