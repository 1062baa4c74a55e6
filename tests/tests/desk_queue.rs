//! The counter queue (»Warteschlange«, F5) in the real desk window against the real central API: the desk
//! configured as `[queue] place = "Platz 3"` checks a walk-in in (the central numbers it `W 001`), calls next with
//! F12, marks the customer appeared with Enter on the focused »Erschienen«, and finishes. The central's database
//! holds the ticket `finished` at Platz 3 with one call. Then the confirmation: F12 while W 002 is being served asks
//! first (Escape cancels; Enter calls W 003 and parks W 002). Last, an appointment booked online (Max Mustermann,
//! written into the central as the booking API leaves it, code only as its hash) reaches the desk through the
//! central's publisher and the office's feed, and is checked in by the code the citizen shows: T 001, the
//! booking `checked_in` at the central. Screenshots: called, finished, the question, the appointment; axe.

use std::time::{Duration, Instant};

use schalter_system_tests::{assert_accessible, central_database, workspace_root, CentralOptions, Desk, Environment};
use thirtyfour::prelude::*;

/// Until the element with this id has the focus (10 s at most).
async fn wait_focus(desk: &Desk, id: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let focused = desk.driver.active_element().await?.id().await?.unwrap_or_default();
        if focused == id {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "#{id} never got the focus (last: #{focused})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Until nothing matches `css` (10 s at most).
async fn wait_gone(desk: &Desk, css: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !desk.driver.find_all(By::Css(css)).await?.is_empty() {
        anyhow::ensure!(Instant::now() < deadline, "{css} is still shown after 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_walk_in_is_checked_in_called_served_and_finished() -> anyhow::Result<()> {
    let env = Environment::new()?;
    // With Düsseldorf's appointments, so the central publishes bookings into the offices' feeds.
    let appointments = workspace_root().join("crates/appointments/src/duesseldorf.toml");
    let extra_args = vec![
        "--public-listen".into(),
        "127.0.0.1:0".into(),
        "--appointments-config".into(),
        appointments.display().to_string(),
    ];
    let central = env.start_central_with(CentralOptions { extra_args, ..CentralOptions::default() })?;
    let config = env.desk_config_with(central.url(), "[queue]\nplace = \"Platz 3\"\n")?;
    book_today(&env).await?;

    let desk = Desk::start(&config).await?;
    desk.log_in().await?;
    desk.driver.action_chain().send_keys(Key::F5).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Warteschlange").await?;
    desk.wait_text("#queue-call-title", |t| t == "Aufruf an Platz 3").await?;
    desk.wait_text("#queue-no-current", |t| t.contains("niemand")).await?;
    assert_accessible(&desk.driver, "queue, empty").await?;

    // A walk-in for an ID card (the service preselected): the central numbers the ticket in the sync round.
    desk.driver.find(By::Css("#queue-walk-in")).await?.click().await?;
    desk.wait_text("#queue-outcome", |t| t == "Eingecheckt: Wartenummer W 001.").await?;
    let row = desk.wait_text("#queue-list tr[data-ticket=\"W 001\"]", |t| t.contains("wartet")).await?;
    assert!(row.contains("Personalausweis"), "{row}");

    // F12 calls next; the focus goes to »Erschienen«.
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#queue-outcome", |t| t == "W 001 ist an Platz 3 aufgerufen.").await?;
    desk.wait_text("#queue-current-number", |t| t == "W 001").await?;
    desk.wait_text("#queue-current-state", |t| t == "aufgerufen").await?;
    desk.wait_text("#queue-current-calls", |t| t == "1 von 3").await?;
    // Keyboard-first: »Erschienen« has the focus.
    wait_focus(&desk, "queue-serve").await?;
    assert_accessible(&desk.driver, "queue, ticket called").await?;
    desk.screenshot("queue-called", "W 001").await?;

    desk.driver.action_chain().send_keys(Key::Enter).perform().await?;
    desk.wait_text("#queue-current-state", |t| t == "in Bearbeitung").await?;
    desk.driver.find(By::Css("#queue-finish")).await?.click().await?;
    desk.wait_text("#queue-outcome", |t| t == "W 001 ist abgeschlossen.").await?;
    desk.wait_text("#queue-no-current", |t| t.contains("niemand")).await?;
    assert!(desk.driver.find_all(By::Css("#queue-list tr[data-ticket=\"W 001\"]")).await?.is_empty());
    assert_accessible(&desk.driver, "queue, finished").await?;
    desk.screenshot("queue-finished", "W 001 ist abgeschlossen.").await?;

    // Each action went through the sync at once: the central holds the ticket finished at Platz 3.
    let db = central_database(&env).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let (state, place, kind) = loop {
        let row: Option<(String, Option<String>, String)> =
            sqlx::query_as("SELECT state, place, kind FROM queue_tickets WHERE display_number = 'W 001'")
                .fetch_optional(&db)
                .await?;
        if let Some(row) = row.filter(|(state, ..)| state == "finished") {
            break row;
        }
        anyhow::ensure!(Instant::now() < deadline, "the central has no finished ticket W 001 after 30 s");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!((state.as_str(), place.as_deref(), kind.as_str()), ("finished", Some("Platz 3"), "walk_in"));
    let (calls,): (i64,) =
        sqlx::query_as("SELECT call_count FROM queue_tickets WHERE display_number = 'W 001'").fetch_one(&db).await?;
    assert_eq!(calls, 1);

    // Two more walk-ins; W 002 is served when F12 is pressed again: the desk asks first (Escape cancels,
    // Enter on »Trotzdem aufrufen« calls W 003 and parks W 002).
    for _ in 0..2 {
        desk.driver.find(By::Css("#queue-walk-in")).await?.click().await?;
        desk.wait_text("#queue-outcome", |t| t.starts_with("Eingecheckt")).await?;
    }
    desk.wait_text("#queue-list-title", |t| t == "Warteliste (2 wartend)").await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#queue-current-number", |t| t == "W 002").await?;
    wait_focus(&desk, "queue-serve").await?;
    desk.driver.action_chain().send_keys(Key::Enter).perform().await?;
    desk.wait_text("#queue-current-state", |t| t == "in Bearbeitung").await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#queue-confirm-text", |t| t.contains("W 002 ist noch an diesem Platz (in Bearbeitung)")).await?;
    wait_focus(&desk, "queue-confirm-yes").await?;
    assert_accessible(&desk.driver, "queue, confirmation").await?;
    desk.screenshot("queue-confirm", "Trotzdem aufrufen").await?;
    desk.driver.action_chain().send_keys(Key::Escape).perform().await?;
    wait_gone(&desk, "#queue-confirm").await?;
    desk.wait_text("#queue-current-number", |t| t == "W 002").await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#queue-confirm-text", |t| t.contains("W 002")).await?;
    wait_focus(&desk, "queue-confirm-yes").await?;
    desk.driver.action_chain().send_keys(Key::Enter).perform().await?;
    desk.wait_text("#queue-current-number", |t| t == "W 003").await?;
    desk.wait_text("#queue-list tr[data-ticket=\"W 002\"]", |t| t.contains("geparkt")).await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let states: Vec<(String, String)> =
            sqlx::query_as("SELECT display_number, state FROM queue_tickets ORDER BY display_number")
                .fetch_all(&db)
                .await?;
        let expected = [("W 001", "finished"), ("W 002", "parked"), ("W 003", "called")];
        if states.iter().map(|(n, s)| (n.as_str(), s.as_str())).eq(expected) {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the central's tickets after the confirmed call: {states:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The online booking came with the feed: listed with its name, checked in by the code as typed.
    desk.wait_text("#queue-appointments", |t| t.contains("Mustermann") && t.contains("gebucht")).await?;
    desk.type_into("#queue-code", "k7qx m2pa".to_owned() + Key::Enter).await?;
    desk.wait_text("#queue-outcome", |t| t == "Eingecheckt: Wartenummer T 001.").await?;
    desk.wait_text("#queue-appointments", |t| t.contains("T 001")).await?;
    assert_accessible(&desk.driver, "queue, appointment checked in").await?;
    desk.screenshot("queue-appointment", "T 001").await?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (state,): (String,) =
            sqlx::query_as("SELECT state FROM appointment_bookings WHERE id = $1").bind(BOOKING).fetch_one(&db).await?;
        if state == "checked_in" {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the booking is still {state} at the central after 30 s");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    desk.close().await
}

const BOOKING: &str = "0190d5f0-1111-7000-8000-000000000001";

/// Max Mustermann's booking at the desk's office for now, as `POST /v1/public/appointments/bookings`
/// leaves it (today may be a Sunday, when the booking API has nothing to offer): code K7QX-M2PA, kept
/// only as its hash, not yet in the feed.
async fn book_today(env: &Environment) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let db = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&env.central_database_url()).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code_hash = schalter_appointments::BookingCode::parse("K7QX-M2PA")?.hash();
    sqlx::query(
        "INSERT INTO appointment_bookings (id, code_hash, office_id, service_id, desk, starts_at, ends_at, family_name, \
         state, created_at, cancelled_at, version, published_version) \
         VALUES ($1, $2, '05111000_01', 'reisepass', 1, $3, $4, 'Mustermann', 'booked', $5, NULL, 1, 0)",
    )
    .bind(BOOKING)
    .bind(code_hash)
    .bind(now)
    .bind(now + 900)
    .bind(now - 3600)
    .execute(&db)
    .await?;
    db.close().await;
    Ok(())
}
