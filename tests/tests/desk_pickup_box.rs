//! The pickup box's compartment overview (»Ausgabebox«, Umschalt+F4) in the real desk window against the
//! real central API: a box added with `schalter-central add-box`, documents in it in each state the back
//! office acts on (synthetic applications written into the central's database, as the load and the
//! terminal leave them), the four-eyes rule switched on with `schalter-central pickup-settings`, the
//! states in words, the uncollected list, and screenshots.

use std::process::Stdio;

use schalter_system_tests::{assert_accessible, Desk, Environment};
use thirtyfour::prelude::*;

const BOX: &str = "dlz-box-1";

/// A writable connection to the central's database (the harness's own is read-only).
async fn writable(env: &Environment) -> anyhow::Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    Ok(sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&env.central_database_url()).await?)
}

/// A delivered application of Erika Mustermann's office, loaded into `compartment` and left `state`
/// (`waiting`, `expired`, `locked`, `awaiting_confirmation`), its compartment in `compartment_state`. No personal data: the
/// application's data is not read by the overview.
async fn loaded(
    db: &sqlx::AnyPool,
    n: u32,
    compartment: i64,
    state: &str,
    compartment_state: &str,
    expires_at: i64,
) -> anyhow::Result<()> {
    let id = format!("0193a1b2-0000-7000-8000-00000000000{n}");
    let number = format!("05111000_01-2027-00000{n}");
    sqlx::query(
        "INSERT INTO applications (id, number, provisional_number, office_id, document_kind, status, data, photo_id, \
           visit_id, total_fee_cents, application_date, clerk_id, device_id, captured_at, received_at, updated_at) \
         VALUES ($1, $2, $3, '05111000_01', 'passport32', 'ready_for_pickup', '{}', $1, $1, 7000, '2027-01-04', \
           'clerk', 'desk-1', 0, 0, 0)",
    )
    .bind(&id)
    .bind(&number)
    .bind(format!("V-test-{n}"))
    .execute(db)
    .await?;
    sqlx::query(
        "INSERT INTO pickups (application_id, box_id, compartment, mobile, pin_hash, wrong_answers, state, loaded_at, \
           expires_at, loaded_by) VALUES ($1, $2, $3, '+4915100000000', '', $4, $5, 0, $6, 'clerk')",
    )
    .bind(&id)
    .bind(BOX)
    .bind(compartment)
    .bind(if state == "locked" { 3_i64 } else { 0 })
    .bind(state)
    .bind(expires_at)
    .execute(db)
    .await?;
    sqlx::query("UPDATE compartments SET state = $3, application_id = $4 WHERE box_id = $1 AND number = $2")
        .bind(BOX)
        .bind(compartment)
        .bind(compartment_state)
        .bind(&id)
        .execute(db)
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_compartment_overview_shows_each_state_in_words() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let status = env
        .central_command(&[
            "add-box",
            "--id",
            BOX,
            "--office",
            "05111000_01",
            "--name",
            "Dienstleistungszentrum",
            "--compartments",
            "S,S,Ma,M,M,L",
        ])
        .stdout(Stdio::null())
        .status()?;
    assert!(status.success(), "add-box failed");
    // The office works by the four-eyes rule: one load waits for a second clerk's confirmation.
    let status = env
        .central_command(&["pickup-settings", "--office", "05111000_01", "--four-eyes-loading", "true"])
        .stdout(Stdio::null())
        .status()?;
    assert!(status.success(), "pickup-settings failed");
    let db = writable(&env).await?;
    // 25 Jan 2027 ends at midnight in Düsseldorf; 28 Jan likewise.
    let (jan_25, jan_28) = (1_800_918_000, 1_801_177_200);
    loaded(&db, 1, 1, "expired", "expired", jan_25).await?;
    loaded(&db, 2, 4, "locked", "locked", jan_28).await?;
    loaded(&db, 3, 6, "waiting", "loaded", jan_28).await?;
    loaded(&db, 4, 5, "awaiting_confirmation", "loaded", jan_28).await?;
    db.close().await;

    let (_central, url) = env.start_central()?;
    let desk = Desk::start(&env.desk_config(&url)?).await?;
    desk.log_in().await?;
    desk.wait_text("#section-content h1", |t| t == "Kunde/Foto").await?;
    desk.driver.action_chain().key_down(Key::Shift).send_keys(Key::F4).key_up(Key::Shift).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Ausgabebox").await?;
    let table = "#box-compartments-dlz-box-1";
    desk.wait_text(table, |t| t.contains("Frist abgelaufen")).await?;
    let row = |n: u32| format!("tr[data-compartment=\"{n}\"]");
    desk.wait_text(&row(1), |t| t.contains("Frist abgelaufen") && t.contains("05111000_01-2027-000001")).await?;
    desk.wait_text(&row(1), |t| t.contains("25.01.2027") && t.contains("Zurücknehmen")).await?;
    desk.wait_text(&row(3), |t| t.contains("frei") && t.contains("tief")).await?;
    desk.wait_text(&row(4), |t| t.contains("gesperrt") && t.contains("nur Leitung")).await?;
    desk.wait_text(&row(6), |t| t.contains("belegt, wartet auf Abholung") && t.contains("28.01.2027")).await?;
    desk.wait_text(&row(5), |t| t.contains("Bestätigung fehlt") && t.contains("Einlegen bestätigen")).await?;
    desk.wait_text("#section-content", |t| t.contains("Vier-Augen-Prinzip")).await?;
    desk.wait_text("#box-uncollected", |t| t.contains("gesperrt (zu viele Fehlversuche)")).await?;
    let page = desk.driver.find(By::Css("#section-content")).await?.text().await?;
    assert!(!page.contains("Mustermann") && !page.contains("+49"), "no names, no phone numbers: {page}");
    let focused = desk.driver.active_element().await?.attr("id").await?;
    assert_eq!(focused.as_deref(), Some("box-load-number"), "keyboard-first: the number field has the focus");

    assert_accessible(&desk.driver, "pickup box overview").await?;
    desk.screenshot("pickup-box-overview", "Frist abgelaufen").await?;
    // Below the compartments: the uncollected list, scrolled into view.
    desk.driver
        .execute(
            "document.getElementById('box-uncollected').closest('section').scrollIntoView({ block: 'end' });",
            vec![],
        )
        .await?;
    desk.screenshot("pickup-box-uncollected", "gesperrt (zu viele Fehlversuche)").await?;
    desk.close().await
}
