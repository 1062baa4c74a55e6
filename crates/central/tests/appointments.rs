//! Appointments at the central, on both backends, with Düsseldorf's configuration and fixed instants
//! in June 2025: the SQL releases exactly what the pure rules release (the week ahead at 09:00, the
//! same-day remainder on the day), a rush on one slot books each desk once, a cancelled slot waits out
//! its quarantine, a two-slot service needs two free slots, bookings reach only their office's feed,
//! and the public router's refusals (rate limit, malformed requests).

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use schalter_appointments::AppointmentConfig;
use schalter_central::appointments::{book, cancel, free_slots, generate_slots, AppointmentService};
use schalter_central::{public_app, AppState, CentralError, Clock, Db, TrustedProxy};
use schalter_wire::appointments::{BookingRequest, CancelRequest, FreeSlots, SlotQuery};
use serde_json::{json, Value};
use time::macros::{date, datetime};
use time::OffsetDateTime;
use tower::ServiceExt;

use common::{Backend, TestDatabase};

/// Bürgerbüro Gerresheim: four desks, the fourth holds the same-day remainder.
const OFFICE: &str = "05111000_03";
const ID_CARD: &str = "personalausweis";
/// Thursday 12 June 2025 (CEST): its slots come out on Thursday 5 June at 09:00, its remainder on the day at 09:00.
const DAY: &str = "2025-06-12";

async fn prepared(database: &TestDatabase) -> (Db, AppointmentConfig) {
    let db = database.connect().await;
    let config = AppointmentConfig::duesseldorf();
    db.import_appointment_config(&config).await.unwrap();
    let generated = generate_slots(&db, &config, date!(2025 - 06 - 05)).await.unwrap();
    assert!(generated > 5_000, "{generated}");
    assert_eq!(generate_slots(&db, &config, date!(2025 - 06 - 05)).await.unwrap(), 0, "a generated day stays as it is");
    (db, config)
}

async fn times(db: &Db, config: &AppointmentConfig, service: &str, now: OffsetDateTime) -> FreeSlots {
    let query = SlotQuery { office: OFFICE.into(), service: service.into(), from: Some(DAY.into()), days: Some(1) };
    free_slots(db, config, &query, now).await.unwrap()
}

fn slot_at<'s>(slots: &'s FreeSlots, time: &str) -> Option<&'s str> {
    slots.slots.iter().find(|slot| slot.time == time).map(|slot| slot.slot_id.as_str())
}

fn request(slot_id: &str, service: &str) -> BookingRequest {
    BookingRequest { slot_id: slot_id.into(), service_id: service.into(), family_name: "Mustermann".into() }
}

async fn booked_slots(db_url: &str) -> (i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url).await.unwrap();
    let (slots,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM appointment_slots WHERE booking_id IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    let (bookings,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM appointment_bookings WHERE state = 'booked'")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    (slots, bookings)
}

async fn the_week_ahead_appears_at_nine_and_the_remainder_on_the_day(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (db, config) = prepared(&database).await;
    assert!(times(&db, &config, ID_CARD, datetime!(2025-06-05 08:59:59 +2)).await.slots.is_empty(), "not before 09:00");
    let released = times(&db, &config, ID_CARD, datetime!(2025-06-05 09:00 +2)).await;
    // 08:00–18:00 on Thursdays: 40 quarter hours.
    assert_eq!(released.slots.len(), 40);
    assert_eq!((released.slots[0].date.as_str(), released.slots[0].time.as_str()), (DAY, "08:00"));
    assert_eq!(released.slots[0].starts_at, datetime!(2025-06-12 06:00 UTC));

    // The three weekly desks at 14:00 are booked; the fourth is the remainder, not out yet.
    let now = datetime!(2025-06-05 09:30 +2);
    for _ in 0..3 {
        let slot = slot_at(&times(&db, &config, ID_CARD, now).await, "14:00").expect("14:00 still free").to_owned();
        book(&db, &config, &request(&slot, ID_CARD), now).await.unwrap();
    }
    assert!(slot_at(&times(&db, &config, ID_CARD, now).await, "14:00").is_none(), "14:00 is full");
    // The same-day remainder comes on the 12th at 09:00: 14:00 is bookable once more.
    let on_the_day = datetime!(2025-06-12 09:00 +2);
    assert!(slot_at(&times(&db, &config, ID_CARD, on_the_day - time::Duration::SECOND).await, "14:00").is_none());
    let remainder = times(&db, &config, ID_CARD, on_the_day).await;
    let slot = slot_at(&remainder, "14:00").expect("the remainder's 14:00").to_owned();
    assert!(slot.ends_with("-04"), "desk 4 holds the remainder: {slot}");
    assert!(slot_at(&remainder, "09:15").is_none(), "booking closes 15 minutes before the start");
    assert!(slot_at(&remainder, "09:30").is_some());
    let booked = book(&db, &config, &request(&slot, ID_CARD), on_the_day).await.unwrap();
    assert_eq!((booked.date.as_str(), booked.time.as_str()), (DAY, "14:00"));
    assert_eq!(booked.booking_code.len(), 9, "{}", booked.booking_code.len());
    // Too close to its start, whatever was free.
    let late = slot_at(&remainder, "09:30").unwrap().to_owned();
    let refused = book(&db, &config, &request(&late, ID_CARD), datetime!(2025-06-12 09:15 +2)).await.unwrap_err();
    assert!(matches!(refused, CentralError::SlotTaken), "{refused:?}");
}

async fn a_rush_on_one_slot_books_each_desk_once(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let (db, config) = prepared(&database).await;
    let now = datetime!(2025-06-05 09:00:01 +2);
    let slot = slot_at(&times(&db, &config, ID_CARD, now).await, "10:00").unwrap().to_owned();
    let config = Arc::new(config);
    let mut rush = Vec::new();
    for _ in 0..24 {
        let (db, config, slot) = (db.clone(), config.clone(), slot.clone());
        rush.push(tokio::spawn(async move { book(&db, &config, &request(&slot, ID_CARD), now).await }));
    }
    let mut booked = Vec::new();
    let mut taken = 0;
    for attempt in rush {
        match attempt.await.unwrap() {
            Ok(confirmation) => booked.push(confirmation),
            Err(CentralError::SlotTaken) => taken += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    // Three weekly desks at 10:00 (the fourth is the remainder): three bookings, each its own slot.
    assert_eq!((booked.len(), taken), (3, 21));
    assert!(booked.iter().all(|b| b.time == "10:00"));
    let codes: std::collections::HashSet<_> = booked.iter().map(|b| b.booking_code.clone()).collect();
    assert_eq!(codes.len(), 3);
    assert_eq!(booked_slots(&database.url).await, (3, 3), "one slot per booking, none twice");
    assert!(slot_at(&times(&db, &config, ID_CARD, now).await, "10:00").is_none());

    // Cancelled: out of circulation for ten minutes, then back.
    let cancelled_at = datetime!(2025-06-05 11:00 +2);
    let code = booked[0].booking_code.to_lowercase().replace('-', " ");
    let answer = cancel(&db, &config, &CancelRequest { booking_code: code.clone() }, cancelled_at).await.unwrap();
    assert_eq!((answer.date.as_str(), answer.time.as_str()), (DAY, "10:00"));
    let quarantine = cancelled_at + time::Duration::minutes(9);
    assert!(slot_at(&times(&db, &config, ID_CARD, quarantine).await, "10:00").is_none(), "quarantined");
    let again = cancelled_at + time::Duration::minutes(10);
    let freed =
        slot_at(&times(&db, &config, ID_CARD, again).await, "10:00").expect("back after ten minutes").to_owned();
    book(&db, &config, &request(&freed, ID_CARD), again).await.unwrap();
    let twice = cancel(&db, &config, &CancelRequest { booking_code: code }, again).await.unwrap_err();
    assert!(matches!(twice, CentralError::BookingNotFound), "{twice:?}");
    let malformed = cancel(&db, &config, &CancelRequest { booking_code: "K7QX-M2P0".into() }, again).await.unwrap_err();
    assert_eq!(malformed.code(), "booking_code_invalid");
    let after_start = datetime!(2025-06-12 10:01 +2);
    let late = CancelRequest { booking_code: booked[1].booking_code.clone() };
    assert!(matches!(cancel(&db, &config, &late, after_start).await.unwrap_err(), CentralError::BookingTooLate));
}

async fn a_longer_service_needs_consecutive_free_slots_at_one_desk(backend: Backend) {
    let database = TestDatabase::shared(backend).await;
    let (db, config) = prepared(&database).await;
    let now = datetime!(2025-06-05 10:00 +2);
    const BOTH: &str = "personalausweis-und-reisepass";
    // 17:45 is the last quarter hour: a 30-minute service cannot start there.
    let both = times(&db, &config, BOTH, now).await;
    assert_eq!(both.slots.last().map(|s| s.time.as_str()), Some("17:30"));
    assert_eq!(both.slots[0].ends_at, datetime!(2025-06-12 06:30 UTC));
    // Fill 12:15 at all three weekly desks: no 30 minutes from 12:00 any more, but from 11:45 neither.
    for _ in 0..3 {
        let slot = slot_at(&times(&db, &config, ID_CARD, now).await, "12:15").unwrap().to_owned();
        book(&db, &config, &request(&slot, ID_CARD), now).await.unwrap();
    }
    let both = times(&db, &config, BOTH, now).await;
    assert!(slot_at(&both, "12:00").is_none() && slot_at(&both, "12:15").is_none());
    let at_half = slot_at(&both, "12:30").expect("12:30–13:00 is free").to_owned();
    assert!(slot_at(&both, "11:45").is_some());
    book(&db, &config, &request(&at_half, BOTH), now).await.unwrap();
    assert_eq!(booked_slots(&database.url).await, (5, 4), "the two-slot booking holds two slots");
    // A service the office does not offer, and a family name that is none.
    let pop_up_only = request(&at_half, "abholung");
    assert!(book(&db, &config, &pop_up_only, now).await.is_ok(), "Gerresheim hands documents out");
    let nameless = BookingRequest { family_name: " ".into(), ..request(&at_half, ID_CARD) };
    assert_eq!(book(&db, &config, &nameless, now).await.unwrap_err().code(), "booking_family_name_invalid");
    let nowhere = request("05111000_03-20250612-1237-01", ID_CARD);
    assert_eq!(book(&db, &config, &nowhere, now).await.unwrap_err().code(), "slot_unknown");
}

async fn bookings_reach_only_their_offices_desks(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (db, config) = prepared(&database).await;
    let now = datetime!(2025-06-05 09:30 +2);
    let slot = slot_at(&times(&db, &config, ID_CARD, now).await, "08:30").unwrap().to_owned();
    let booked = book(&db, &config, &request(&slot, ID_CARD), now).await.unwrap();
    assert_eq!(db.publish_appointment_changes(now.unix_timestamp(), 500).await.unwrap(), 1);
    assert_eq!(db.publish_appointment_changes(now.unix_timestamp(), 500).await.unwrap(), 0, "published once");
    cancel(&db, &config, &CancelRequest { booking_code: booked.booking_code.clone() }, now).await.unwrap();
    assert_eq!(db.publish_appointment_changes(now.unix_timestamp(), 500).await.unwrap(), 1, "the cancellation too");

    let own = db.changes_for_office(0, 100, OFFICE).await.unwrap().changes;
    let appointments: Vec<_> = own.iter().filter(|c| c.entity == "appointment").collect();
    assert_eq!(appointments.len(), 2);
    let states: Vec<&str> = appointments.iter().map(|c| c.data.as_ref().unwrap()["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["booked", "cancelled"]);
    let data = appointments[0].data.as_ref().unwrap();
    assert_eq!(data["family_name"], "Mustermann");
    assert_eq!(data["starts_at"], "2025-06-12T06:30:00Z");
    let code = schalter_appointments::BookingCode::parse(&booked.booking_code).unwrap();
    assert_eq!(data["code_hash"], code.hash());
    let elsewhere = db.changes_for_office(0, 100, "05111000_01").await.unwrap().changes;
    assert!(elsewhere.iter().all(|c| c.entity != "appointment"), "another office's desks never see the name");
    assert!(db.changes_after(0, 100).await.unwrap().changes.iter().any(|c| c.entity == "appointment"));
}

async fn a_slot_taken_without_its_booking_is_freed_after_a_minute(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (db, config) = prepared(&database).await;
    let now = datetime!(2025-06-05 09:30 +2);
    let slot = slot_at(&times(&db, &config, ID_CARD, now).await, "15:00").unwrap().to_owned();
    let desk: i64 = slot.rsplit('-').next().unwrap().parse().unwrap();
    let starts_at = datetime!(2025-06-12 15:00 +2).unix_timestamp();
    // A booking's process dies between its two statements: the slot is taken, its booking row never comes.
    let mut connection = db.acquire().await.unwrap();
    let taken = schalter_central::db::appointments::take_slots(
        &mut connection,
        "0190d5f0-0000-7000-8000-000000000000",
        OFFICE,
        desk,
        starts_at,
        1,
        900,
        now.unix_timestamp(),
    );
    assert!(taken.await.unwrap());
    drop(connection);
    // And a real booking beside it, which must stay.
    let other = slot_at(&times(&db, &config, ID_CARD, now).await, "15:15").unwrap().to_owned();
    book(&db, &config, &request(&other, ID_CARD), now).await.unwrap();
    let free_desks = |at: i64| {
        let db = db.clone();
        async move {
            let mut connection = db.acquire().await.unwrap();
            schalter_central::db::appointments::free_desks_at(&mut connection, OFFICE, at, now.unix_timestamp())
                .await
                .unwrap()
                .len()
        }
    };
    let quarter_past = starts_at + 900;
    assert_eq!((free_desks(starts_at).await, free_desks(quarter_past).await), (2, 2), "one taken at each");
    let within = now.unix_timestamp() + 59;
    assert_eq!(db.release_unconfirmed_slots(within, 60).await.unwrap(), 0, "not within the grace");
    let after = now.unix_timestamp() + 61;
    assert_eq!(db.release_unconfirmed_slots(after, 60).await.unwrap(), 1, "only the one without its booking");
    assert_eq!((free_desks(starts_at).await, free_desks(quarter_past).await), (3, 2), "free again; the booking stays");
    assert_eq!(db.release_unconfirmed_slots(after, 60).await.unwrap(), 0);
}

async fn call(router: &axum::Router, request: Request<Body>) -> (StatusCode, Option<String>, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry = response.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn post(path: &str, body: &str) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_owned())).unwrap()
}

async fn the_public_router_books_limits_and_refuses(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let (db, config) = prepared(&database).await;
    let mut state = AppState::new(db.clone());
    state.clock = Clock::manual(datetime!(2025-06-05 09:30 +2).unix_timestamp());
    let unconfigured =
        public_app(state.clone(), TrustedProxy(None)).layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, 1], 1))));
    let (status, _, body) =
        call(&unconfigured, Request::get("/v1/public/appointments/offices").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("appointments_not_configured")));

    state.appointments = Some(AppointmentService::new(config, Some(8)));
    let from = |last: u8| {
        public_app(state.clone(), TrustedProxy(None)).layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, last], 1))))
    };
    let router = from(1);
    let (status, _, directory) =
        call(&router, Request::get("/v1/public/appointments/offices").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(directory["offices"].as_array().unwrap().len(), 15);
    let slots_path = format!("/v1/public/appointments/slots?office={OFFICE}&service={ID_CARD}&from={DAY}&days=1");
    let (status, _, slots) = call(&router, Request::get(&slots_path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    // 10:00: three weekly desks (the fourth holds the same-day remainder).
    let ten = slots["slots"].as_array().unwrap().iter().find(|slot| slot["time"] == "10:00").unwrap();
    let slot_id = ten["slot_id"].as_str().unwrap().to_owned();
    let booking = json!({"slot_id": slot_id, "service_id": ID_CARD, "family_name": "Mustermann"}).to_string();
    let (status, _, booked) = call(&router, post("/v1/public/appointments/bookings", &booking)).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["office_name"], "Bürgerbüro Gerresheim");
    let (status, _, refused) = call(&router, post("/v1/public/appointments/bookings", "{\"slot_id\": 1}")).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let (status, _, refused) =
        call(&router, post("/v1/public/appointments/bookings/cancel", "{\"booking_code\": \"nope\"}")).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("booking_code_invalid")));
    // The same time again: the other two weekly desks, then it is gone.
    for _ in 0..2 {
        let (status, _, again) = call(&router, post("/v1/public/appointments/bookings", &booking)).await;
        assert_eq!((status, again["time"].as_str()), (StatusCode::CREATED, booked["time"].as_str()), "{again}");
    }
    let (status, _, refused) = call(&router, post("/v1/public/appointments/bookings", &booking)).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::CONFLICT, Some("slot_taken")), "booked a moment ago");
    // Eight requests a minute from one address: the ninth waits.
    let (status, retry, refused) = call(&router, Request::get(&slots_path).body(Body::empty()).unwrap()).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_requests")));
    assert_eq!(retry.as_deref(), Some("8"));
    let other = from(2);
    let (status, _, _) = call(&other, Request::get(&slots_path).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "another address is not limited by the first");
}

on_both_backends!(
    the_week_ahead_appears_at_nine_and_the_remainder_on_the_day,
    a_rush_on_one_slot_books_each_desk_once,
    a_longer_service_needs_consecutive_free_slots_at_one_desk,
    bookings_reach_only_their_offices_desks,
    the_public_router_books_limits_and_refuses,
    a_slot_taken_without_its_booking_is_freed_after_a_minute,
);

/// One office with 50 desks of 5-minute slots, 08:00–16:20 on Thursday 12 June 2025: exactly 5,000 slots,
/// all released at once on Thursday 5 June at 09:00.
const RUSH_CONFIG: &str = r#"
[release]
advance_days = 7
advance_at = "09:00"
cancelled_quarantine_minutes = 10
booking_lead_minutes = 15

[[services]]
id = "abholung"
name_de = "Ausweis oder Pass abholen"
name_en = "Collect an ID card or passport"
minutes = 5

[[offices]]
id = "05111000_50"
name = "Bürgerbüro Lastprobe"
address = "Musterstraße 1, 40210 Düsseldorf"
kind = "buergerbuero"
slot_minutes = 5
desks = 50
services = ["abholung"]
hours = [{ weekday = "thursday", open = "08:00", close = "16:20" }]
"#;

struct RushPlan {
    clients: usize,
    attempts: usize,
}

struct RushReport {
    booked: usize,
    taken: usize,
    other_errors: usize,
    double_bookings: i64,
    booked_slots: i64,
    latencies: Vec<std::time::Duration>,
    seconds: f64,
    raw_seconds: f64,
}

impl RushReport {
    fn percentile(&self, share: f64) -> std::time::Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        sorted[((sorted.len() as f64 - 1.0) * share).round() as usize]
    }

    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds
    }

    fn raw_throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.raw_seconds
    }
}

/// The load generator's client: hyper's own (what reqwest is built on, without its layers), one
/// connection per client kept alive, so the rush measures the server rather than the client.
type LoadClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<axum::body::Bytes>,
>;

fn load_client() -> LoadClient {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
}

/// Sends `request` and reads the answer to its end: the status and the body.
async fn send(
    client: &LoadClient,
    request: Request<http_body_util::Full<axum::body::Bytes>>,
) -> (u16, axum::body::Bytes) {
    match client.request(request).await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            match answer.into_body().collect().await {
                Ok(body) => (status, body.to_bytes()),
                Err(_) => (0, axum::body::Bytes::new()),
            }
        }
        Err(_) => (0, axum::body::Bytes::new()),
    }
}

fn get(uri: &str) -> Request<http_body_util::Full<axum::body::Bytes>> {
    Request::get(uri).body(http_body_util::Full::default()).unwrap()
}

/// The rush over real HTTP on loopback (the public router, in this process, with its connection info),
/// then the same number of raw booking statements at the same concurrency on the same database.
async fn booking_rush(backend: Backend, plan: &RushPlan) -> RushReport {
    let database = TestDatabase::shared(backend).await;
    let db = database.connect().await;
    let config = AppointmentConfig::parse(RUSH_CONFIG).unwrap();
    db.import_appointment_config(&config).await.unwrap();
    assert_eq!(generate_slots(&db, &config, date!(2025 - 06 - 12)).await.unwrap(), 5_000);
    let release = datetime!(2025-06-05 09:00 +2);
    let mut state = AppState::new(db.clone());
    state.clock = Clock::manual(release.unix_timestamp());
    state.appointments = Some(AppointmentService::new(config, None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = public_app(state, TrustedProxy(None)).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{address}");

    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Every client has read the released times before the clock starts: the rush is the bookings.
    let ready = Arc::new(tokio::sync::Barrier::new(plan.clients + 1));
    let mut clients = Vec::new();
    for client_number in 0..plan.clients {
        let (base, next, attempts, ready) = (base.clone(), next.clone(), plan.attempts, ready.clone());
        clients.push(tokio::spawn(async move {
            let http = load_client();
            let slots_uri =
                format!("{base}/v1/public/appointments/slots?office=05111000_50&service=abholung&from=2025-06-12&days=1");
            let (status, body) = send(&http, get(&slots_uri)).await;
            assert_eq!(status, 200);
            let slots: FreeSlots = serde_json::from_slice(&body).unwrap();
            ready.wait().await;
            let mut outcomes = Vec::new();
            let mut pick = client_number;
            let bookings = format!("{base}/v1/public/appointments/bookings");
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < attempts {
                pick = (pick * 7919 + 13) % slots.slots.len();
                let body = json!({"slot_id": slots.slots[pick].slot_id, "service_id": "abholung", "family_name": "Mustermann"});
                let request = Request::post(&bookings)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(http_body_util::Full::new(axum::body::Bytes::from(body.to_string())))
                    .unwrap();
                let sent = std::time::Instant::now();
                let (status, _) = send(&http, request).await;
                outcomes.push((status, sent.elapsed()));
            }
            outcomes
        }));
    }
    ready.wait().await;
    let started = std::time::Instant::now();
    let mut report = RushReport {
        booked: 0,
        taken: 0,
        other_errors: 0,
        double_bookings: 0,
        booked_slots: 0,
        latencies: Vec::new(),
        seconds: 0.0,
        raw_seconds: 0.0,
    };
    for client in clients {
        for (status, latency) in client.await.unwrap() {
            match status {
                201 => report.booked += 1,
                409 => report.taken += 1,
                _ => report.other_errors += 1,
            }
            report.latencies.push(latency);
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    server.abort();

    sqlx::any::install_default_drivers();
    let (pool, _) = schalter_server_kit::database::connect(&database.url).await.unwrap();
    let (slots,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM appointment_slots WHERE booking_id IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Two bookings at one desk and time, or an answered booking without its slot: a double booking.
    let (same_slot,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT desk, starts_at FROM appointment_bookings WHERE state = 'booked' \
         GROUP BY desk, starts_at HAVING COUNT(*) > 1) AS twice",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    report.booked_slots = slots;
    report.double_bookings = same_slot + (report.booked as i64 - slots).max(0);

    // The baseline: the booking statement alone, at the same concurrency, on the freed slots.
    sqlx::query("UPDATE appointment_slots SET booking_id = NULL").execute(&pool).await.unwrap();
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM appointment_slots ORDER BY id").fetch_all(&pool).await.unwrap();
    let ids = Arc::new(ids.into_iter().map(|(id,)| id).collect::<Vec<_>>());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let raw_started = std::time::Instant::now();
    let mut raw = Vec::new();
    for client_number in 0..plan.clients {
        let (pool, ids, next, attempts) = (pool.clone(), ids.clone(), next.clone(), plan.attempts);
        raw.push(tokio::spawn(async move {
            let mut pick = client_number;
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < attempts {
                pick = (pick * 7919 + 13) % ids.len();
                sqlx::query(
                    "UPDATE appointment_slots SET booking_id = $1 WHERE id = $2 AND booking_id IS NULL AND free_from <= $3",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&ids[pick])
                .bind(release.unix_timestamp())
                .execute(&pool)
                .await
                .unwrap();
            }
        }));
    }
    for task in raw {
        task.await.unwrap();
    }
    report.raw_seconds = raw_started.elapsed().as_secs_f64();
    pool.close().await;
    report
}

fn assert_the_rush_held(report: &RushReport, plan: &RushPlan) {
    assert_eq!(report.latencies.len(), plan.attempts);
    assert_eq!(report.double_bookings, 0);
    assert_eq!(report.other_errors, 0, "every attempt booked or was told the slot is taken");
    assert_eq!(report.booked + report.taken, plan.attempts);
    assert_eq!(report.booked as i64, report.booked_slots, "each answered booking holds its slot");
    assert!(report.booked > 0 && report.booked <= 5_000);
}

async fn a_small_rush_over_http_never_books_a_slot_twice(backend: Backend) {
    let plan = RushPlan { clients: 20, attempts: 400 };
    let report = booking_rush(backend, &plan).await;
    assert_the_rush_held(&report, &plan);
}

on_both_backends!(a_small_rush_over_http_never_books_a_slot_twice);

/// `cargo xtask bench booking-rush`: 200 clients, 10,000 attempts, 5,000 slots, on SQLite and on
/// PostgreSQL (which must be reachable through `SCHALTER_TEST_POSTGRES_URL`); the last line is the
/// PostgreSQL run's.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: cargo xtask bench booking-rush"]
async fn bench_booking_rush() {
    let plan = RushPlan { clients: 200, attempts: 10_000 };
    let mut last = String::new();
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        if backend == Backend::Postgres && !common::postgres_available("bench_booking_rush") {
            continue;
        }
        let report = booking_rush(backend, &plan).await;
        println!(
            "booking_rush_{name} clients={} attempts={} bookings={} taken={} double_bookings={} p50_ms={:.1} p99_ms={:.1} \
             throughput_per_s={:.0} raw_sql_per_s={:.0} ratio_vs_raw_sql={:.2}",
            plan.clients,
            plan.attempts,
            report.booked,
            report.taken,
            report.double_bookings,
            report.percentile(0.5).as_secs_f64() * 1000.0,
            report.percentile(0.99).as_secs_f64() * 1000.0,
            report.throughput(),
            report.raw_throughput(),
            report.throughput() / report.raw_throughput(),
        );
        assert_the_rush_held(&report, &plan);
        last = format!(
            "booking_rush double_bookings={} ratio_vs_raw_sql={:.2}",
            report.double_bookings,
            report.throughput() / report.raw_throughput()
        );
    }
    println!("{last}");
}
