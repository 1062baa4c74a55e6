//! The waiting room's call display (`/aufruf/{office}`, issue 11) in Debian's Chromium against the real
//! central's public listener: with nobody called it says so; a ticket called at a place appears with its
//! number and place within the page's 2 s poll and is announced through its live region; a second call
//! comes on top. Never a name: the page has none to show (the central's answer carries number and place).
//! axe-core; screenshots `call-display-*.png`.

use anyhow::Context;
use schalter_system_tests::chromium::Chromium;
use schalter_system_tests::{assert_accessible, CentralOptions, Environment};
use thirtyfour::prelude::*;

const OFFICE: &str = "05111000_01";

/// A ticket of today called at `place`, as the desks' `queue.call` leaves it.
async fn called(db: &sqlx::AnyPool, number: i64, place: &str) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    let day = schalter_pickup::local_time::german_date(now).to_string();
    sqlx::query(
        "INSERT INTO queue_tickets (id, office_id, day, kind, number, display_number, service_id, booking_id, state, \
         call_count, place, due_at, arrived_at, called_at, finished_at, visit_id, application_id, updated_at, updated_by) \
         VALUES ($1, $2, $3, 'walk_in', $4, $5, 'personalausweis', NULL, 'called', 1, $6, NULL, $7, $8, NULL, NULL, NULL, $8, 'test')",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(OFFICE)
    .bind(day)
    .bind(number)
    .bind(format!("W {number:03}"))
    .bind(place)
    .bind(now.unix_timestamp() - 600)
    .bind(now.unix_timestamp() + number)
    .execute(db)
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_call_display_shows_numbers_and_places_as_they_are_called() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let extra_args = vec!["--public-listen".into(), "127.0.0.1:0".into()];
    let central = env.start_central_with(CentralOptions { extra_args, ..Default::default() })?;
    let public_url = central.public_url().context("the central announced no public listener")?.to_owned();
    sqlx::any::install_default_drivers();
    let db = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&env.central_database_url()).await?;
    let browser = Chromium::start().await?;
    let driver = &browser.driver;

    driver.goto(format!("{public_url}/aufruf/{OFFICE}")).await?;
    browser.wait_text("#empty", |t| t.contains("Zurzeit kein Aufruf")).await?;
    assert_accessible(driver, "call display, empty").await?;

    called(&db, 7, "Platz 3").await?;
    let rows = browser.wait_text("#call-rows", |t| t.contains("W 007") && t.contains("Platz 3")).await?;
    assert!(!rows.contains("Mustermann"), "{rows}");
    browser.wait_text("#announce", |t| t.contains("W 007") && t.contains("Platz 3")).await?;
    assert!(!driver.find(By::Css("#empty")).await?.is_displayed().await?, "the empty note goes");
    called(&db, 12, "Platz 5").await?;
    browser.wait_text("#announce", |t| t.contains("W 012") && t.contains("Platz 5")).await?;
    let first = browser.wait_text("#call-rows tr:first-child", |t| t.contains("W 012")).await?;
    assert!(first.contains("Platz 5"), "the newest call on top: {first}");
    assert_accessible(driver, "call display, two calls").await?;
    browser.screenshot("call-display-calls", "W 012").await?;

    browser.close().await?;
    db.close().await;
    drop(central);
    Ok(())
}
