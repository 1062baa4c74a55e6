//! The box terminal's sessions over the HTTP routes, on both backends, with the central's clock in hand:
//! phone → PIN → old document or birth date → PIN letter → open → closed; the same answers for unknown
//! numbers, the lock after three wrong answers across sessions, the rate limit per terminal, a door left
//! open, a slot jam, a power cut between "open" and "closed", a document handed out at the counter
//! meanwhile, and the opening hours.

#[macro_use]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use schalter_central::box_terminal::BoxTerminalConfig;
use schalter_central::pickup::{load, Loader, PickupKeys};
use schalter_central::secrets::SecretsKey;
use schalter_central::sms::file_sink::FileSink;
use schalter_central::sms::SmsWorker;
use schalter_pickup::Pepper;
use schalter_server_kit::ClientCertificate;
use schalter_wire::pickup::LoadRequest;
use serde_json::{json, Value};
use uuid::Uuid;

use common::instance::*;
use common::{Backend, TestDatabase};

const PHOTO: &[u8] = include_bytes!("../../../assets/photos/valid-1244x1600.jpg");
const BOX: &str = "dlz-box-1";
const OFFICE: &str = "05111000_01";
const MOBILE: &str = "0151 12345678";

fn keys() -> PickupKeys {
    PickupKeys::new(SecretsKey::from_bytes(&[3; 32]), &Pepper::from_bytes([4; 32]))
}

/// An ID card with an old ID card to put into the slot, or (`old_document: false`) a passport without
/// one, collected with the birth date.
fn box_draft(id_card: bool, old_document: bool, mobile: &str) -> Value {
    let mut draft = passport_draft();
    draft["document_kind"] = json!(if id_card { "id_card" } else { "passport32" });
    draft["pickup"] = json!("pickup_box");
    draft["mobile_number"] = json!(mobile);
    draft["pickup_consent"] = json!(true);
    draft["pin_letter_handed_over"] = json!(id_card);
    if old_document {
        draft["current_document_kind"] = json!("id_card");
        draft["current_document_serial"] = json!("L01X00T47");
    } else {
        draft["current_document_kind"] = json!(null);
        draft["current_document_serial"] = json!(null);
    }
    draft
}

struct Scene {
    central: Instance,
    terminal: ClientCertificate,
    ids: Vec<Uuid>,
    /// The PIN of each of `ids`, read from the SMS sink as the citizen reads it.
    pins: Vec<String>,
    compartments: Vec<u32>,
    _dir: tempfile::TempDir,
}

/// A central with the box, a registered terminal, and `drafts` submitted, delivered and loaded.
async fn scene(database: &TestDatabase, drafts: Vec<Value>, config: BoxTerminalConfig) -> Scene {
    let mut central = Instance::start(database, true).await;
    central.state.box_terminal = config;
    let central = central.with_pickup_keys(keys());
    let compartments = [("S", false), ("M", true), ("M", false), ("M", false), ("L", false)];
    central.db().add_pickup_box(BOX, OFFICE, "Dienstleistungszentrum", 10, &compartments, 0).await.unwrap();
    let terminal = desk("Ausgabebox-Terminal 1");
    central.db().register_box_terminal(&terminal.fingerprint, BOX, 0).await.unwrap();

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
    let answer = central.push(&desk, &token, "desk-1", &batch).await;
    assert!(statuses(&answer).iter().all(|s| s == "applied"), "{}", answer.body);
    execute(central.db(), "UPDATE applications SET status = 'delivered'").await;
    let ids: Vec<Uuid> =
        batch[1..].iter().map(|m| Uuid::parse_str(m["payload"]["application_id"].as_str().unwrap()).unwrap()).collect();

    let clerk = central
        .db()
        .find_clerk_by_username(&schalter_domain::Username::parse("erika").unwrap())
        .await
        .unwrap()
        .unwrap();
    let loader = Loader { clerk_id: clerk.id, office_id: OFFICE, desk: None };
    let mut loaded = Vec::new();
    for id in &ids {
        let request = LoadRequest { application_id: *id, box_id: BOX.into(), accessible: false };
        loaded.push(load(central.db(), &keys(), START, &loader, &request).await.unwrap().compartment);
    }
    let dir = tempfile::tempdir().unwrap();
    let sink = Arc::new(FileSink::new(dir.path().join("sms.jsonl")));
    let worker = SmsWorker::new(
        central.db().clone(),
        sink.clone(),
        SecretsKey::from_bytes(&[3; 32]),
        central.state.clock.clone(),
    );
    worker.run_once().await.unwrap();
    let sms = sink.read_all();
    let mut pins = Vec::new();
    for id in &ids {
        let (_, sms_id) = central.db().pickup_secrets(&id.to_string()).await.unwrap().unwrap();
        let (_, _, text) = sms.iter().find(|(sent, _, _)| *sent == sms_id).unwrap();
        pins.push(text.split("PIN: ").nth(1).unwrap().chars().take(6).collect());
    }
    Scene { central, terminal, ids, pins, compartments: loaded, _dir: dir }
}

async fn execute(db: &schalter_central::Db, statement: &str) {
    let mut tx = db.begin().await.unwrap();
    sqlx::query(statement).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

fn fast() -> BoxTerminalConfig {
    BoxTerminalConfig { answer_floor: Duration::ZERO, attempts_per_minute: std::num::NonZeroU32::new(1000).unwrap() }
}

/// A PIN that is not `right`.
fn wrong(right: &str) -> String {
    if right == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

impl Scene {
    async fn start(&self) -> Answer {
        self.start_at(&self.terminal).await
    }

    async fn start_at(&self, terminal: &ClientCertificate) -> Answer {
        let request = Request::post("/v1/box/sessions").body(Body::empty()).unwrap();
        self.central.call(terminal, request).await
    }

    async fn send(&self, session: &Value, input: Value) -> Answer {
        self.send_at(&self.terminal, session, input).await
    }

    async fn send_at(&self, terminal: &ClientCertificate, session: &Value, input: Value) -> Answer {
        let path = format!("/v1/box/sessions/{}/input", session.as_str().unwrap());
        let request =
            Request::post(path).header("content-type", "application/json").body(Body::from(input.to_string())).unwrap();
        self.central.call(terminal, request).await
    }

    /// Sends `input` and returns the screen, asserting 200.
    async fn screen(&self, session: &Value, input: Value) -> Value {
        let answer = self.send(session, input).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body
    }

    async fn session(&self) -> Value {
        let answer = self.start().await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body["screen"], json!({ "screen": "enter_phone_number" }));
        answer.body["session_id"].clone()
    }

    async fn pickup_state(&self, index: usize) -> (String, i64, String) {
        let mut tx = self.central.db().begin().await.unwrap();
        sqlx::query_as::<_, (String, i64, String)>(
            "SELECT state, wrong_answers, pin_hash FROM pickups WHERE application_id = $1",
        )
        .bind(self.ids[index].to_string())
        .fetch_one(&mut *tx)
        .await
        .unwrap()
    }

    async fn compartment_state(&self, index: usize) -> String {
        let states = self.central.db().compartment_states(BOX).await.unwrap();
        states.into_iter().find(|c| c.0 == i64::from(self.compartments[index])).unwrap().1
    }

    async fn application_status(&self, index: usize) -> String {
        let mut tx = self.central.db().begin().await.unwrap();
        let (status,): (String,) = sqlx::query_as("SELECT status FROM applications WHERE id = $1")
            .bind(self.ids[index].to_string())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        status
    }

    async fn audit_actions(&self) -> Vec<String> {
        let mut tx = self.central.db().begin().await.unwrap();
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT action FROM audit_events ORDER BY at, id").fetch_all(&mut *tx).await.unwrap();
        rows.into_iter().map(|r| r.0).collect()
    }
}

async fn an_id_card_is_collected_with_phone_pin_old_document_and_pin_letter(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let scene = scene(&database, vec![box_draft(true, true, MOBILE)], fast()).await;
    let session = scene.session().await;
    // Typed differently from the application: the same number.
    let pin_screen = scene.screen(&session, json!({ "input": "phone_number", "number": "+49 151 1234 5678" })).await;
    assert_eq!(pin_screen["screen"], json!({ "screen": "enter_pin", "wrong_before": 0 }));
    let again = scene.screen(&session, json!({ "input": "pin", "pin": wrong(&scene.pins[0]) })).await;
    assert_eq!(again["screen"], json!({ "screen": "enter_pin", "wrong_before": 1 }));
    assert_eq!(scene.pickup_state(0).await.1, 1, "the wrong PIN is counted on the pickup");
    let insert = scene.screen(&session, json!({ "input": "pin", "pin": scene.pins[0] })).await;
    assert_eq!(insert["screen"], json!({ "screen": "insert_old_document", "returned_before": 0 }));

    // Another document in the slot comes back; the right one is held.
    let other = scene.screen(&session, json!({ "input": "slot_read", "serial": "T22000129" })).await;
    assert_eq!(other["commands"], json!([{ "command": "return_old_document" }]));
    assert_eq!(other["screen"], json!({ "screen": "insert_old_document", "returned_before": 1 }));
    let letter = scene.screen(&session, json!({ "input": "slot_read", "serial": "L01X00T47" })).await;
    assert_eq!(letter["screen"], json!({ "screen": "confirm_pin_letter" }));
    assert_eq!(letter["commands"], json!([]));
    let opening = scene.screen(&session, json!({ "input": "pin_letter_confirmed" })).await;
    assert_eq!(opening["screen"], json!({ "screen": "please_wait" }));
    let compartment = scene.compartments[0];
    assert_eq!(opening["commands"], json!([{ "command": "open_compartment", "compartment": compartment }]));
    let take = scene.screen(&session, json!({ "input": "compartment_opened" })).await;
    assert_eq!(take["screen"], json!({ "screen": "take_document", "compartment": compartment }));
    assert_eq!(scene.application_status(0).await, "ready_for_pickup", "not handed out before the door closes");
    let done = scene.screen(&session, json!({ "input": "door_closed" })).await;
    assert_eq!(done["screen"], json!({ "screen": "thank_you" }));
    assert_eq!(done["commands"], json!([{ "command": "destroy_old_document" }]));

    // Handed out everywhere, the old document destroyed, the compartment free, the PIN spent.
    assert_eq!(scene.pickup_state(0).await, ("handed_out".into(), 1, String::new()));
    assert_eq!(scene.compartment_state(0).await, "free");
    assert_eq!(scene.application_status(0).await, "handed_out");
    let actions = scene.audit_actions().await;
    for action in [
        "box_old_document_mismatch",
        "pickup_pin_letter_confirmed",
        "pickup_handed_out_at_box",
        "pickup_old_document_destroyed",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    let finished = scene.send(&session, json!({ "input": "cancel" })).await;
    assert_eq!((finished.status, finished.body["code"].as_str()), (StatusCode::CONFLICT, Some("box_session_finished")));
    // The PIN opens nothing any more: the number now answers as an unknown one.
    let later = scene.session().await;
    scene.screen(&later, json!({ "input": "phone_number", "number": MOBILE })).await;
    let spent = scene.screen(&later, json!({ "input": "pin", "pin": scene.pins[0] })).await;
    assert_eq!(spent["screen"], json!({ "screen": "enter_pin", "wrong_before": 1 }));
    assert_eq!(spent["commands"], json!([]));
}

async fn without_an_old_document_the_birth_date_decides_and_wrong_ones_count(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let scene = scene(&database, vec![box_draft(false, false, MOBILE)], fast()).await;
    let session = scene.session().await;
    scene.screen(&session, json!({ "input": "phone_number", "number": MOBILE })).await;
    let birth = scene.screen(&session, json!({ "input": "pin", "pin": scene.pins[0] })).await;
    assert_eq!(birth["screen"], json!({ "screen": "enter_birth_date", "wrong_before": 0 }));
    let malformed = scene.send(&session, json!({ "input": "birth_date", "date": "12.08.1964" })).await;
    assert_eq!(malformed.body["code"], "box_invalid_birth_date");
    let wrong_date = scene.screen(&session, json!({ "input": "birth_date", "date": "1964-08-13" })).await;
    assert_eq!(wrong_date["screen"], json!({ "screen": "enter_birth_date", "wrong_before": 1 }));
    assert_eq!(scene.pickup_state(0).await.1, 1);
    // A passport: no PIN letter, the compartment opens at once.
    let opening = scene.screen(&session, json!({ "input": "birth_date", "date": "1964-08-12" })).await;
    assert_eq!(opening["screen"], json!({ "screen": "please_wait" }));
    assert_eq!(opening["commands"], json!([{ "command": "open_compartment", "compartment": scene.compartments[0] }]));
    scene.screen(&session, json!({ "input": "compartment_opened" })).await;
    let done = scene.screen(&session, json!({ "input": "door_closed" })).await;
    assert_eq!(done["commands"], json!([]), "nothing to destroy");
    assert_eq!(scene.application_status(0).await, "handed_out");
}

async fn three_wrong_pins_across_sessions_lock_and_unknown_numbers_answer_alike(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let scene = scene(&database, vec![box_draft(true, true, MOBILE)], fast()).await;
    let pin = scene.pins[0].clone();
    // Whatever is tried, a known and an unknown number see the same screens.
    let mut seen = Vec::new();
    for number in [MOBILE, "0160 99999999"] {
        let session = scene.session().await;
        let mut screens = vec![scene.screen(&session, json!({ "input": "phone_number", "number": number })).await];
        screens.push(scene.screen(&session, json!({ "input": "pin", "pin": wrong(&pin) })).await);
        screens.push(scene.screen(&session, json!({ "input": "cancel" })).await);
        seen.push(screens.into_iter().map(|s| (s["screen"].clone(), s["commands"].clone())).collect::<Vec<_>>());
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(scene.pickup_state(0).await.1, 1);

    // Two more wrong PINs in a new session lock the pickup and its compartment.
    let session = scene.session().await;
    scene.screen(&session, json!({ "input": "phone_number", "number": MOBILE })).await;
    scene.screen(&session, json!({ "input": "pin", "pin": wrong(&pin) })).await;
    assert_eq!(scene.pickup_state(0).await.0, "waiting");
    scene.screen(&session, json!({ "input": "pin", "pin": wrong(&pin) })).await;
    assert_eq!(scene.pickup_state(0).await.0, "locked");
    assert_eq!(scene.compartment_state(0).await, "locked");

    // Now even the right PIN opens nothing, and looks like a wrong one; three end the session.
    let session = scene.session().await;
    scene.screen(&session, json!({ "input": "phone_number", "number": MOBILE })).await;
    let first = scene.screen(&session, json!({ "input": "pin", "pin": pin })).await;
    assert_eq!(
        (first["screen"].clone(), first["commands"].clone()),
        (json!({ "screen": "enter_pin", "wrong_before": 1 }), json!([]))
    );
    scene.screen(&session, json!({ "input": "pin", "pin": pin })).await;
    let ended = scene.screen(&session, json!({ "input": "pin", "pin": pin })).await;
    assert_eq!(ended["screen"], json!({ "screen": "ended", "reason": "too_many_wrong_pins", "to_counter": true }));
    assert!(scene.audit_actions().await.iter().any(|a| a == "box_pin_on_locked_pickup"));
    assert!(scene.audit_actions().await.iter().any(|a| a == "box_wrong_pin_unknown_number"));
}

async fn the_rate_limit_holds_per_terminal_and_answers_keep_their_floor(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let config = BoxTerminalConfig {
        attempts_per_minute: std::num::NonZeroU32::new(3).unwrap(),
        answer_floor: Duration::from_millis(120),
    };
    let scene = scene(&database, vec![box_draft(true, true, MOBILE)], config).await;
    let session = scene.session().await;
    let started = Instant::now();
    let unknown = scene.screen(&session, json!({ "input": "phone_number", "number": "0160 99999999" })).await;
    assert!(started.elapsed() >= Duration::from_millis(120), "the answer waits for the floor");
    assert_eq!(unknown["screen"]["screen"], "enter_pin");
    scene.screen(&session, json!({ "input": "pin", "pin": "123456" })).await;
    // A malformed PIN is refused and still costs its token.
    let malformed = scene.send(&session, json!({ "input": "pin", "pin": "12a456" })).await;
    assert_eq!(
        (malformed.status, malformed.body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("pickup_invalid_pin"))
    );
    let limited = scene.send(&session, json!({ "input": "pin", "pin": "123457" })).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.body["code"], "pickup_terminal_rate_limited");
    assert_eq!(limited.headers["retry-after"], "20");
    // Device reports and cancelling are never limited; another terminal of the box has its own bucket.
    scene.screen(&session, json!({ "input": "cancel" })).await;
    let second = desk("Ausgabebox-Terminal 2");
    scene.central.db().register_box_terminal(&second.fingerprint, BOX, 0).await.unwrap();
    let other = scene.start_at(&second).await.body["session_id"].clone();
    let answer = scene.send_at(&second, &other, json!({ "input": "phone_number", "number": MOBILE })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // Nor can one terminal use another's session, and a desk is no terminal.
    let foreign = scene.send_at(&scene.terminal, &other, json!({ "input": "cancel" })).await;
    assert_eq!(foreign.body["code"], "box_session_unknown");
    let as_desk = scene.send_at(&desk("Arbeitsplatz 1"), &other, json!({ "input": "cancel" })).await;
    assert_eq!(as_desk.body["code"], "not_a_box");
    // Twenty seconds later the first terminal may try again.
    scene.central.state.clock.advance(20);
    let session = scene.session().await;
    let answer = scene.send(&session, json!({ "input": "phone_number", "number": MOBILE })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

async fn a_power_cut_a_door_left_open_and_a_slot_jam_lose_no_record(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let drafts = vec![
        box_draft(false, false, MOBILE),
        box_draft(false, false, "0152 2222222"),
        box_draft(true, true, "0153 3333333"),
    ];
    let scene = scene(&database, drafts, fast()).await;
    let to_opening = |index: usize, number: &'static str| {
        let scene = &scene;
        async move {
            let session = scene.session().await;
            scene.screen(&session, json!({ "input": "phone_number", "number": number })).await;
            scene.screen(&session, json!({ "input": "pin", "pin": scene.pins[index] })).await;
            let opening = scene.screen(&session, json!({ "input": "birth_date", "date": "1964-08-12" })).await;
            assert_eq!(opening["screen"]["screen"], "please_wait");
            session
        }
    };

    // Power cut after "open", the document still inside: the same session comes back, the compartment is
    // loaded again and the PIN still valid.
    let session = to_opening(0, MOBILE).await;
    let back = scene.start().await.body;
    assert_eq!(back["session_id"], session);
    assert_eq!(back["check_compartment"], scene.compartments[0]);
    let not_taken = scene
        .screen(&session, json!({ "input": "power_restored", "door_open_seen": false, "compartment_empty": false }))
        .await;
    assert_eq!(
        not_taken["screen"],
        json!({ "screen": "ended", "reason": "not_taken_after_power_cut", "to_counter": false })
    );
    assert_eq!(scene.compartment_state(0).await, "loaded");
    assert_eq!(scene.pickup_state(0).await.0, "waiting");
    // ... so the citizen tries again; this time the power goes while the door is open and the
    // compartment is empty afterwards: handed out, unconfirmed until a clerk checks.
    let session = to_opening(0, MOBILE).await;
    scene.screen(&session, json!({ "input": "compartment_opened" })).await;
    let back = scene.start().await.body;
    assert_eq!(
        (back["session_id"].clone(), back["screen"]["screen"].clone()),
        (session.clone(), json!("take_document"))
    );
    let taken = scene
        .screen(&session, json!({ "input": "power_restored", "door_open_seen": true, "compartment_empty": true }))
        .await;
    assert_eq!(taken["screen"]["screen"], "thank_you");
    assert_eq!(scene.application_status(0).await, "handed_out");
    assert_eq!(scene.compartment_state(0).await, "opened", "unconfirmed until a clerk checks");

    // A door not closed in time: handed out, the alarm raised; a late close is still recorded.
    let session = to_opening(1, "0152 2222222").await;
    scene.screen(&session, json!({ "input": "compartment_opened" })).await;
    let timeout = scene.screen(&session, json!({ "input": "door_timeout" })).await;
    assert_eq!(timeout["screen"]["screen"], "thank_you");
    assert_eq!(scene.application_status(1).await, "handed_out");
    assert_eq!(scene.compartment_state(1).await, "opened");
    scene.screen(&session, json!({ "input": "door_closed" })).await;

    // The slot jams: to the counter, the pickup stays loaded.
    let session = scene.session().await;
    scene.screen(&session, json!({ "input": "phone_number", "number": "0153 3333333" })).await;
    scene.screen(&session, json!({ "input": "pin", "pin": scene.pins[2] })).await;
    let jam = scene.screen(&session, json!({ "input": "slot_jam" })).await;
    assert_eq!(jam["screen"], json!({ "screen": "ended", "reason": "slot_jam", "to_counter": true }));
    assert_eq!((scene.pickup_state(2).await.0, scene.compartment_state(2).await), ("waiting".into(), "loaded".into()));

    let actions = scene.audit_actions().await;
    for action in ["box_alarm_power_cut", "box_alarm_door_left_open", "box_door_closed_late", "box_alarm_slot_jam"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
}

async fn a_document_handed_out_meanwhile_and_a_closed_box_open_nothing(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let scene = scene(&database, vec![box_draft(true, true, MOBILE)], fast()).await;
    let session = scene.session().await;
    scene.screen(&session, json!({ "input": "phone_number", "number": MOBILE })).await;
    scene.screen(&session, json!({ "input": "pin", "pin": scene.pins[0] })).await;
    // A clerk hands it out at the counter while the citizen stands at the box.
    execute(scene.central.db(), "UPDATE pickups SET state = 'handed_out', pin_hash = ''").await;
    let gone = scene.screen(&session, json!({ "input": "slot_read", "serial": "L01X00T47" })).await;
    assert_eq!(gone["screen"], json!({ "screen": "ended", "reason": "no_longer_available", "to_counter": true }));
    assert_eq!(gone["commands"], json!([]));
    // Friday 15 Jan 2027, 13:00 in Düsseldorf: closed.
    scene.central.state.clock.advance(4 * 3600);
    let closed = scene.start().await;
    assert_eq!((closed.status, closed.body["code"].as_str()), (StatusCode::CONFLICT, Some("pickup_box_closed")));
}

async fn behind_one_number_for_a_family_the_pin_says_whose_document(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let drafts = vec![box_draft(false, false, MOBILE), box_draft(false, false, MOBILE)];
    let scene = scene(&database, drafts, fast()).await;
    let session = scene.session().await;
    scene.screen(&session, json!({ "input": "phone_number", "number": MOBILE })).await;
    // A PIN that is neither counts against both.
    let neither = ["000000", "111111", "222222"].into_iter().find(|p| !scene.pins.iter().any(|pin| pin == p)).unwrap();
    scene.screen(&session, json!({ "input": "pin", "pin": neither })).await;
    assert_eq!((scene.pickup_state(0).await.1, scene.pickup_state(1).await.1), (1, 1));
    // The second one's PIN opens the second one's compartment.
    scene.screen(&session, json!({ "input": "pin", "pin": scene.pins[1] })).await;
    let opening = scene.screen(&session, json!({ "input": "birth_date", "date": "1964-08-12" })).await;
    assert_eq!(opening["commands"], json!([{ "command": "open_compartment", "compartment": scene.compartments[1] }]));
}

on_both_backends!(
    behind_one_number_for_a_family_the_pin_says_whose_document,
    an_id_card_is_collected_with_phone_pin_old_document_and_pin_letter,
    without_an_old_document_the_birth_date_decides_and_wrong_ones_count,
    three_wrong_pins_across_sessions_lock_and_unknown_numbers_answer_alike,
    the_rate_limit_holds_per_terminal_and_answers_keep_their_floor,
    a_power_cut_a_door_left_open_and_a_slot_jam_lose_no_record,
    a_document_handed_out_meanwhile_and_a_closed_box_open_nothing,
);
