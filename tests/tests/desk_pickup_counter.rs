//! The counter handout (»Abholung«, F4) in the real desk window against the real central API: the desk core
//! captures Erika Mustermann's passport for the counter (synthetic), the sync takes it to the central, the
//! producer's delivery is written into the central's database (status `delivered`, the serial printed on the
//! passport). In the window the clerk scans the serial into »Eingang vom Hersteller erfassen« (the document
//! becomes ready for pickup), finds it by name in the desk's own store (the match with its birth date), chooses
//! it with the keyboard, and records the handout with F12. A second passport, for the box, arrives too: it is
//! not listed (delivered, not ready), and its arrival offers the load with its number filled in. Screenshots, axe.

use std::process::Stdio;
use std::time::{Duration, Instant};

use schalter_desk_core::{Desk as DeskCore, DeskConfig};
use schalter_photo::Algorithm;
use schalter_system_tests::{
    assert_accessible, asset, central_database, erika_draft, CentralOptions, Desk, Environment, CLERK_PASSWORD,
    CLERK_USERNAME,
};
use thirtyfour::prelude::*;

const SERIAL: &str = "C01X00T47";
const BOX_SERIAL: &str = "C01X00T48";

/// A writable connection to the central's database (the harness's own is read-only).
async fn writable(env: &Environment) -> anyhow::Result<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    Ok(sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&env.central_database_url()).await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_counter_document_arrives_is_found_by_name_and_handed_out() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let central = env.start_central_with(CentralOptions::default())?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(central.url(), &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;

    let added = env
        .central_command(&[
            "add-box",
            "--id",
            "dlz-box-1",
            "--office",
            "05111000_01",
            "--name",
            "Dienstleistungszentrum",
        ])
        .args(["--compartments", "S,M,Ma,L"])
        .stdout(Stdio::null())
        .status()?;
    assert!(added.success(), "add-box failed");

    // Captured at this desk (its store knows the name): a passport for the counter and one for the box,
    // synced until the central's numbers are known.
    let counter = erika_draft("passport32");
    let for_the_box = schalter_application::ApplicationDraft {
        pickup: "pickup_box".into(),
        mobile_number: Some("0151 11111111".into()),
        pickup_consent: true,
        ..erika_draft("passport48")
    };
    let (number, box_number) = {
        let core = DeskCore::new(&DeskConfig::load(&config)?)?;
        core.login(CLERK_USERNAME, CLERK_PASSWORD).await?;
        for draft in [&counter, &for_the_box] {
            let code =
                env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await?;
            let photo = core.fetch_photo(&code).await?;
            core.decide_photo(&photo.photo_id, true, None, false).await?;
            core.capture_fingerprints(draft).await?;
            core.capture_signature().await?;
            core.submit_application(draft).await?;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let numbers = loop {
            core.sync_now().await?;
            let list = core.applications("").await?;
            let number_of =
                |kind: &str| list.iter().find(|a| a.document_kind == kind).and_then(|a| a.application_number.clone());
            if let (Some(counter), Some(the_box)) = (number_of("passport32"), number_of("passport48")) {
                break (counter, the_box);
            }
            anyhow::ensure!(Instant::now() < deadline, "no application numbers after a minute");
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        core.logout().await?;
        numbers
    };
    // The producer's Lieferinformation, as the producer round leaves it.
    let db = writable(&env).await?;
    for (serial, number) in [(SERIAL, &number), (BOX_SERIAL, &box_number)] {
        sqlx::query("UPDATE applications SET status = 'delivered', serial_number = $1 WHERE number = $2")
            .bind(serial)
            .bind(number)
            .execute(&db)
            .await?;
    }
    db.close().await;

    let desk = Desk::start(&config).await?;
    desk.log_in().await?;
    desk.driver.action_chain().send_keys(Key::F4).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Abholung").await?;

    // The passport arrived: its serial scanned into the arrival field.
    desk.type_into("#arrival-number", SERIAL.to_owned() + Key::Enter).await?;
    desk.wait_text("#arrival-outcome", |t| t.contains("jetzt abholbereit am Schalter")).await?;

    // Found by name: the sync brings "ready for pickup" into this desk's store, then the match is listed.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let field = desk.driver.find(By::Css("#handout-number")).await?;
        field.clear().await?;
        field.send_keys("Mustermann".to_owned() + Key::Enter).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        if !desk.driver.find_all(By::Css("#handout-matches tbody tr")).await?.is_empty() {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the name search found no ready application");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let row = desk.wait_text("#handout-matches tbody", |t| t.contains(&number)).await?;
    assert!(!row.contains(&box_number), "the box passport is delivered, not ready: not listed ({row})");
    assert!(row.contains("Mustermann, Erika") && row.contains("12.08.1964") && row.contains("Reisepass"), "{row}");
    let focused = desk.driver.active_element().await?.attr("aria-label").await?.unwrap_or_default();
    assert!(focused.contains("Mustermann, Erika"), "keyboard-first: the first match has the focus ({focused})");
    assert_accessible(&desk.driver, "pickup counter name search").await?;
    desk.screenshot("pickup-counter-matches", "12.08.1964").await?;

    // Enter takes it; no old document on record, no PIN letter for a passport: F12 records the handout.
    desk.driver.action_chain().send_keys(Key::Enter).perform().await?;
    desk.wait_text("#handout-candidate h2", |t| t.contains(&number)).await?;
    desk.wait_text("#handout-place", |t| t.contains("am Schalter")).await?;
    assert_accessible(&desk.driver, "pickup counter candidate").await?;
    desk.screenshot("pickup-counter-candidate", "Aushändigung erfassen").await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#handout-outcome", |t| t.contains("Aushändigung erfasst")).await?;
    assert_accessible(&desk.driver, "pickup counter handed out").await?;
    desk.screenshot("pickup-counter-handed-out", "Aushändigung erfasst").await?;

    // The box passport arrives: it is not ready before its load; the load form gets its number.
    desk.type_into("#arrival-number", BOX_SERIAL.to_owned() + Key::Enter).await?;
    desk.wait_text("#arrival-outcome", |t| t.contains("erst mit dem Einlegen")).await?;
    assert_accessible(&desk.driver, "pickup counter box arrival").await?;
    desk.screenshot("pickup-counter-box-arrival", "erst mit dem Einlegen").await?;
    desk.driver.find(By::Css("#arrival-to-load")).await?.click().await?;
    desk.wait_text("#section-content h1", |t| t == "Ausgabebox").await?;
    let prefilled = desk.driver.find(By::Css("#box-load-number")).await?.prop("value").await?;
    assert_eq!(prefilled.as_deref(), Some(box_number.as_str()));

    let db = central_database(&env).await?;
    let (status,): (String,) =
        sqlx::query_as("SELECT status FROM applications WHERE number = $1").bind(&number).fetch_one(&db).await?;
    assert_eq!(status, "handed_out");
    let (status,): (String,) =
        sqlx::query_as("SELECT status FROM applications WHERE number = $1").bind(&box_number).fetch_one(&db).await?;
    assert_eq!(status, "delivered", "a box document becomes ready when it is loaded");
    desk.close().await
}
