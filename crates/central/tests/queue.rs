//! The counter queue at the central (issue 11), on both backends: walk-in and appointment
//! check-ins with the day's numbers, call, serve, finish with the application, recalls up to
//! `missed`, park/resume, forward, two desks calling one ticket (one wins, the other is rejected),
//! replays answered from the stored result, every change in the feed, and the call display
//! (number and place, never a name).

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use schalter_server_kit::ClientCertificate;
use serde_json::{json, Value};
use tower::ServiceExt;
use uuid::Uuid;

use common::instance::*;
use common::{Backend, TestDatabase};

const OFFICE: &str = "05111000_01";

/// One desk's pushes: its certificate, token, device id and next sequence.
struct DeskSession {
    cert: ClientCertificate,
    token: String,
    device: String,
    seq: i64,
}

impl DeskSession {
    async fn open(central: &Instance, name: &str) -> Self {
        let cert = desk(name);
        let token = central.login(&cert).await;
        Self { cert, token, device: format!("desk-{}", Uuid::now_v7()), seq: 0 }
    }

    fn mutation(&mut self, kind: &str, payload: Value) -> Value {
        self.seq += 1;
        json!({
            "seq": self.seq,
            "id": Uuid::now_v7(),
            "kind": kind,
            "occurred_at": "2027-01-15T08:00:00Z",
            "payload": payload,
        })
    }

    /// Pushes one mutation: (status, response or error).
    async fn send(&mut self, central: &Instance, kind: &str, payload: Value) -> (String, Value) {
        let mutation = self.mutation(kind, payload);
        let answer = central.push(&self.cert, &self.token, &self.device, &[mutation]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let result = &answer.body["results"][0];
        let status = result["status"].as_str().unwrap().to_owned();
        let body = if status == "rejected" { result["error"].clone() } else { result["response"].clone() };
        (status, body)
    }

    async fn applied(&mut self, central: &Instance, kind: &str, payload: Value) -> Value {
        let (status, body) = self.send(central, kind, payload).await;
        assert_eq!(status, "applied", "{kind}: {body}");
        body
    }

    async fn rejected(&mut self, central: &Instance, kind: &str, payload: Value) -> String {
        let (status, body) = self.send(central, kind, payload).await;
        assert_eq!(status, "rejected", "{kind}: {body}");
        body["code"].as_str().unwrap().to_owned()
    }
}

fn walk_in(ticket: Uuid) -> Value {
    json!({ "ticket_id": ticket, "kind": "walk_in", "service_id": "personalausweis" })
}

fn step(ticket: Uuid, place: &str) -> Value {
    json!({ "ticket_id": ticket, "place": place })
}

async fn raw_pool(database: &TestDatabase) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&database.url).await.unwrap()
}

/// A booking of Max Mustermann today in the office (the appointment half writes these).
async fn insert_booking(pool: &sqlx::AnyPool, id: &str, starts_at: i64) {
    sqlx::query(
        "INSERT INTO appointment_bookings (id, code_hash, office_id, service_id, desk, starts_at, ends_at, \
         family_name, state, created_at, cancelled_at, version, published_version) \
         VALUES ($1, $2, $3, 'reisepass', 1, $4, $5, 'Mustermann', 'booked', $6, NULL, 1, 1)",
    )
    .bind(id)
    .bind(hex_sha256(id.as_bytes()))
    .bind(OFFICE)
    .bind(starts_at)
    .bind(starts_at + 900)
    .bind(START - 86_400)
    .execute(pool)
    .await
    .unwrap();
}

async fn booking_state(pool: &sqlx::AnyPool, id: &str) -> String {
    use sqlx::Row;
    let row =
        sqlx::query("SELECT state FROM appointment_bookings WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
    row.try_get("state").unwrap()
}

async fn get(router: axum::Router, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn a_walk_in_is_checked_in_called_served_and_finished(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let mut desk = DeskSession::open(&central, "CN=Arbeitsplatz 1").await;
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());

    let ticket = desk.applied(&central, "queue.check_in", walk_in(first)).await;
    assert_eq!((ticket["display_number"].as_str(), ticket["state"].as_str()), (Some("W 001"), Some("waiting")));
    assert_eq!(ticket["day"], "2027-01-15");
    let ticket = desk.applied(&central, "queue.check_in", walk_in(second)).await;
    assert_eq!(ticket["display_number"], "W 002", "the day's numbers count up");
    assert_eq!(desk.rejected(&central, "queue.check_in", walk_in(second)).await, "queue_already_checked_in");
    let no_service = json!({ "ticket_id": Uuid::now_v7(), "kind": "walk_in" });
    assert_eq!(desk.rejected(&central, "queue.check_in", no_service).await, "queue_invalid_service");
    assert_eq!(desk.rejected(&central, "queue.call", step(first, "Platz 123")).await, "queue_invalid_place");
    assert_eq!(desk.rejected(&central, "queue.call", step(Uuid::now_v7(), "Platz 3")).await, "queue_unknown_ticket");

    let called = desk.applied(&central, "queue.call", step(first, "Platz 3")).await;
    assert_eq!((called["state"].as_str(), called["place"].as_str()), (Some("called"), Some("Platz 3")));
    assert_eq!(called["call_count"], 1);
    let visit = Uuid::now_v7();
    let serve = json!({ "ticket_id": first, "place": "Platz 3", "visit_id": visit });
    let serving = desk.applied(&central, "queue.serve", serve).await;
    assert_eq!(serving["visit_id"], json!(visit));
    let application = Uuid::now_v7();
    let finish = json!({ "ticket_id": first, "place": "Platz 3", "application_id": application });
    let finished = desk.applied(&central, "queue.finish", finish.clone()).await;
    assert_eq!(finished["state"], "finished");
    assert_eq!(finished["application_id"], json!(application));
    assert_eq!(desk.rejected(&central, "queue.finish", finish).await, "queue_invalid_transition");

    let stored = central.db().queue_ticket(&first.to_string()).await.unwrap().unwrap();
    assert_eq!(stored.state, "finished");
    assert_eq!(stored.visit_id, Some(visit.to_string()));
    assert_eq!(stored.application_id, Some(application.to_string()));

    // Every change is in the feed as a queue_ticket of the office.
    let pulled = central.pull(&desk.cert, &desk.token, 0, 500).await;
    let changes: Vec<&Value> =
        pulled.body["changes"].as_array().unwrap().iter().filter(|c| c["entity"] == "queue_ticket").collect();
    let states: Vec<&str> = changes
        .iter()
        .filter(|c| c["id"] == json!(first.to_string()))
        .map(|c| c["data"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["waiting", "called", "serving", "finished"]);
    assert_eq!(changes.len(), 5);
    assert!(changes.iter().all(|c| c["data"]["office_id"] == OFFICE));
}

async fn a_replayed_queue_mutation_gets_its_stored_answer(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let mut desk = DeskSession::open(&central, "CN=Arbeitsplatz 1").await;
    let ticket = Uuid::now_v7();
    let check_in = desk.mutation("queue.check_in", walk_in(ticket));
    let call = desk.mutation("queue.call", step(ticket, "Platz 3"));
    let batch = [check_in, call];
    let first = central.push(&desk.cert, &desk.token, &desk.device, &batch).await;
    assert_eq!(statuses(&first), ["applied", "applied"]);
    let again = central.push(&desk.cert, &desk.token, &desk.device, &batch).await;
    assert_eq!(statuses(&again), ["replayed", "replayed"]);
    for index in 0..2 {
        assert_eq!(again.body["results"][index]["response"], first.body["results"][index]["response"]);
    }
    // Applied once: one ticket, called once, one number handed out.
    let stored = central.db().queue_ticket(&ticket.to_string()).await.unwrap().unwrap();
    assert_eq!((stored.number, stored.call_count, stored.state.as_str()), (1, 1, "called"));
    let next = desk.applied(&central, "queue.check_in", walk_in(Uuid::now_v7())).await;
    assert_eq!(next["number"], 2);
}

async fn two_desks_calling_one_ticket_one_wins(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let one = Instance::start(&database, true).await;
    let two = Instance::start(&database, false).await;
    for round in 0..5 {
        let mut a = DeskSession::open(&one, &format!("CN=Arbeitsplatz A{round}")).await;
        let mut b = DeskSession::open(&two, &format!("CN=Arbeitsplatz B{round}")).await;
        let ticket = Uuid::now_v7();
        a.applied(&one, "queue.check_in", walk_in(ticket)).await;
        let (from_a, from_b) =
            (a.mutation("queue.call", step(ticket, "Platz 1")), b.mutation("queue.call", step(ticket, "Platz 2")));
        let (answer_a, answer_b) = tokio::join!(
            one.push(&a.cert, &a.token, &a.device, std::slice::from_ref(&from_a)),
            two.push(&b.cert, &b.token, &b.device, std::slice::from_ref(&from_b)),
        );
        let mut outcomes = [answer_a, answer_b]
            .iter()
            .map(|answer| {
                assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
                let result = &answer.body["results"][0];
                match result["status"].as_str().unwrap() {
                    "applied" => "applied".to_owned(),
                    _ => result["error"]["code"].as_str().unwrap().to_owned(),
                }
            })
            .collect::<Vec<_>>();
        outcomes.sort();
        assert_eq!(outcomes, ["applied", "queue_ticket_taken"], "round {round}");
        let stored = one.db().queue_ticket(&ticket.to_string()).await.unwrap().unwrap();
        assert_eq!(stored.call_count, 1, "called once");
        assert!(["Platz 1", "Platz 2"].contains(&stored.place.as_deref().unwrap()));
    }
}

async fn recalls_end_in_missed_and_a_new_check_in_brings_it_back(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let mut desk = DeskSession::open(&central, "CN=Arbeitsplatz 1").await;
    let ticket = Uuid::now_v7();
    desk.applied(&central, "queue.check_in", walk_in(ticket)).await;
    desk.applied(&central, "queue.call", step(ticket, "Platz 3")).await;
    assert_eq!(desk.rejected(&central, "queue.recall", step(ticket, "Platz 4")).await, "queue_not_your_ticket");
    assert_eq!(desk.applied(&central, "queue.recall", step(ticket, "Platz 3")).await["call_count"], 2);
    assert_eq!(desk.applied(&central, "queue.recall", step(ticket, "Platz 3")).await["call_count"], 3);
    assert_eq!(desk.rejected(&central, "queue.recall", step(ticket, "Platz 3")).await, "queue_call_limit");
    let missed = desk.applied(&central, "queue.missed", step(ticket, "Platz 3")).await;
    assert_eq!(missed["state"], "missed");
    assert_eq!(desk.rejected(&central, "queue.call", step(ticket, "Platz 3")).await, "queue_invalid_transition");
    let back = desk.applied(&central, "queue.check_in", walk_in(ticket)).await;
    assert_eq!((back["state"].as_str(), back["call_count"].as_u64()), (Some("waiting"), Some(0)));
    assert_eq!(back["display_number"], "W 001", "keeps its number");
}

async fn park_resume_and_forward(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let central = Instance::start(&database, true).await;
    let mut desk = DeskSession::open(&central, "CN=Arbeitsplatz 1").await;
    let ticket = Uuid::now_v7();
    desk.applied(&central, "queue.check_in", walk_in(ticket)).await;
    desk.applied(&central, "queue.call", step(ticket, "Platz 3")).await;
    assert_eq!(desk.rejected(&central, "queue.park", step(ticket, "Platz 3")).await, "queue_invalid_transition");
    let serve = json!({ "ticket_id": ticket, "place": "Platz 3", "visit_id": Uuid::now_v7() });
    desk.applied(&central, "queue.serve", serve).await;
    assert_eq!(desk.applied(&central, "queue.park", step(ticket, "Platz 3")).await["state"], "parked");
    let resumed = desk.applied(&central, "queue.resume", step(ticket, "Platz 4")).await;
    assert_eq!((resumed["state"].as_str(), resumed["place"].as_str()), (Some("serving"), Some("Platz 4")));

    let nowhere = json!({ "ticket_id": ticket, "place": "Platz 4" });
    assert_eq!(desk.rejected(&central, "queue.forward", nowhere).await, "queue_forward_target_missing");
    let forward =
        json!({ "ticket_id": ticket, "place": "Platz 4", "to_place": "Platz 7", "to_service_id": "reisepass" });
    let forwarded = desk.applied(&central, "queue.forward", forward).await;
    assert_eq!(
        (forwarded["state"].as_str(), forwarded["place"].as_str(), forwarded["service_id"].as_str()),
        (Some("waiting"), Some("Platz 7"), Some("reisepass"))
    );
    assert_eq!(desk.rejected(&central, "queue.call", step(ticket, "Platz 3")).await, "queue_not_your_ticket");
    assert_eq!(desk.applied(&central, "queue.call", step(ticket, "Platz 7")).await["state"], "called");
}

async fn an_appointment_checks_in_its_booking_once(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let central = Instance::start(&database, true).await;
    let pool = raw_pool(&database).await;
    let mut desk = DeskSession::open(&central, "CN=Tresen").await;
    insert_booking(&pool, "booking-1", START + 1800).await;
    insert_booking(&pool, "booking-tomorrow", START + 86_400).await;

    let appointment =
        |booking: &str| json!({ "ticket_id": Uuid::now_v7(), "kind": "appointment", "booking_id": booking });
    let ticket = desk.applied(&central, "queue.check_in", appointment("booking-1")).await;
    assert_eq!(ticket["display_number"], "T 001");
    assert_eq!(ticket["service_id"], "reisepass", "the booking's service");
    assert_eq!(ticket["booking_id"], "booking-1");
    assert_eq!(ticket["due_at"], "2027-01-15T08:30:00Z");
    assert_eq!(booking_state(&pool, "booking-1").await, "checked_in");
    assert!(!ticket.to_string().contains("Mustermann"), "no name in the ticket: {ticket}");

    assert_eq!(desk.rejected(&central, "queue.check_in", appointment("booking-1")).await, "queue_already_checked_in");
    assert_eq!(
        desk.rejected(&central, "queue.check_in", appointment("booking-tomorrow")).await,
        "queue_unknown_booking"
    );
    assert_eq!(booking_state(&pool, "booking-tomorrow").await, "booked", "a rejection leaves the booking alone");
    assert_eq!(
        desk.rejected(&central, "queue.check_in", appointment("no-such-booking")).await,
        "queue_unknown_booking"
    );
    // Walk-ins count on their own.
    assert_eq!(desk.applied(&central, "queue.check_in", walk_in(Uuid::now_v7())).await["display_number"], "W 001");
}

async fn the_call_display_shows_number_and_place_and_no_name(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let central = Instance::start(&database, true).await;
    let pool = raw_pool(&database).await;
    insert_booking(&pool, "booking-2", START + 600).await;
    let mut desk = DeskSession::open(&central, "CN=Arbeitsplatz 1").await;
    let display = schalter_central::call_display::routes().with_state(central.state.clone());

    let path = format!("/v1/public/offices/{OFFICE}/calls");
    let (status, headers, body) = get(display.clone(), &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({ "office_id": OFFICE, "calls": [] }));

    let (walker, booked) = (Uuid::now_v7(), Uuid::now_v7());
    desk.applied(&central, "queue.check_in", walk_in(walker)).await;
    let appointment = json!({ "ticket_id": booked, "kind": "appointment", "booking_id": "booking-2" });
    desk.applied(&central, "queue.check_in", appointment).await;
    desk.applied(&central, "queue.call", step(walker, "Platz 3")).await;
    central.state.clock.advance(5);
    desk.applied(&central, "queue.call", step(booked, "Platz 5")).await;

    let (status, _, body) = get(display.clone(), &path).await;
    assert_eq!(status, StatusCode::OK);
    let calls: Value = serde_json::from_str(&body).unwrap();
    let shown: Vec<(&str, &str)> = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| (call["display_number"].as_str().unwrap(), call["place"].as_str().unwrap()))
        .collect();
    assert_eq!(shown, [("T 001", "Platz 5"), ("W 001", "Platz 3")], "newest first");
    assert!(!body.contains("Mustermann") && !body.contains("booking"), "{body}");
    // Sorted: whether serde_json keeps the order depends on the features the whole workspace enables.
    let mut keys: Vec<&String> = calls["calls"][0].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["call_count", "called_at", "display_number", "place"]);

    // A finished customer leaves the display.
    let finish = json!({ "ticket_id": walker, "place": "Platz 3" });
    desk.applied(&central, "queue.finish", finish).await;
    let (_, _, body) = get(display.clone(), &path).await;
    assert!(!body.contains("W 001"), "{body}");

    let (status, _, _) = get(display.clone(), "/v1/public/offices/05111999_99/calls").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "unknown office");
    let (status, _, _) = get(display.clone(), "/v1/public/offices/x/calls").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "malformed office id");

    let (status, headers, page) = get(display.clone(), &format!("/aufruf/{OFFICE}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(page.contains("lang=\"de\"") && page.contains("aria-live") && page.contains("Now calling"));
    assert!(!page.contains("http://") && !page.contains("https://"), "no external resources");
    let (status, headers, script) = get(display.clone(), "/aufruf-assets/aufruf.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.contains("/v1/public/offices/") && script.contains("2000"));
    let (status, _, _) = get(display, "/aufruf-assets/aufruf.css").await;
    assert_eq!(status, StatusCode::OK);
}

on_both_backends!(
    a_walk_in_is_checked_in_called_served_and_finished,
    a_replayed_queue_mutation_gets_its_stored_answer,
    two_desks_calling_one_ticket_one_wins,
    recalls_end_in_missed_and_a_new_check_in_brings_it_back,
    park_resume_and_forward,
    an_appointment_checks_in_its_booking_once,
    the_call_display_shows_number_and_place_and_no_name,
);
