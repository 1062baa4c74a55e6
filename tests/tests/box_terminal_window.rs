//! The pickup box's kiosk window (`schalter-box`) driven by WebDriver as a citizen would use it,
//! every step screenshotted and checked with axe.
//!
//! Every screen and the error paths run against **a stand-in** of the central
//! (`schalter_box_terminal::standin`: a boundary double over mTLS that speaks `schalter_wire::pickup`
//! for one synthetic pickup), so they need no producer and no capture; the last test runs the window
//! against the real `schalter-central` with an ID card captured, delivered and loaded before.

use schalter_box_terminal::standin::{StandInCentral, StandInPickup, StandInPki};
use schalter_system_tests::box_terminal::{click, start_box_window, tap_digits, wait_screen, LoadedBox};
use schalter_system_tests::{assert_accessible, Desk};
use thirtyfour::prelude::*;

struct Kiosk {
    _dir: tempfile::TempDir,
    central: StandInCentral,
    window: Desk,
}

async fn start(pickup: StandInPickup) -> anyhow::Result<Kiosk> {
    start_with(pickup, "").await
}

/// `settings`: top-level `box.toml` lines (e.g. `idle_seconds = 2`).
async fn start_with(pickup: StandInPickup, settings: &str) -> anyhow::Result<Kiosk> {
    let dir = tempfile::tempdir()?;
    let pki = StandInPki::create(&dir.path().join("pki"))?;
    let central = StandInCentral::start(&pki, pickup).await?;
    let config = dir.path().join("box.toml");
    std::fs::write(&config, format!("{settings}\n{}", pki.terminal_toml(&central.url())))?;
    let window = start_box_window(&config).await?;
    Ok(Kiosk { _dir: dir, central, window })
}

async fn title_is(window: &Desk, title: &str) -> anyhow::Result<()> {
    window.wait_text("#title", |t| t == title).await?;
    Ok(())
}

/// Checks the screen with axe and saves its screenshot, `text` shown.
async fn look(window: &Desk, name: &str, text: &str) -> anyhow::Result<()> {
    let shown = window.driver.find(By::Css("body")).await?.text().await?;
    for leak in ["null", "undefined", "NaN", "{n}", "{code}"] {
        assert!(!shown.contains(leak), "{name}: the screen shows {leak:?}: {shown}");
    }
    assert_accessible(&window.driver, name).await?;
    window.screenshot(name, text).await?;
    Ok(())
}

async fn enter_phone(window: &Desk) -> anyhow::Result<()> {
    click(window, "#start").await?;
    wait_screen(window, "enter_phone_number").await?;
    tap_digits(window, "01711234567").await?;
    window.wait_text("#entry", |t| t == "0171 1234567").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_collects_an_id_card_with_the_old_document_step_by_step() -> anyhow::Result<()> {
    let Kiosk { central, window, .. } = start(StandInPickup::default()).await?;

    wait_screen(&window, "welcome").await?;
    title_is(&window, "Ausweis oder Reisepass abholen").await?;
    window.wait_text("#simulator", |t| t.contains("Simulator")).await?;
    look(&window, "box-01-welcome", "Abholung starten").await?;

    enter_phone(&window).await?;
    look(&window, "box-02-phone", "Ihre Handynummer").await?;
    click(&window, "#next").await?;

    // The PIN by keyboard: digits, then Enter. Masked on screen, never in the page.
    wait_screen(&window, "enter_pin").await?;
    window.driver.action_chain().send_keys("123456").perform().await?;
    let entry = window.driver.find(By::Css("#entry")).await?;
    assert_eq!(entry.attr("aria-label").await?.as_deref(), Some("6 von 6 Ziffern eingegeben"));
    assert!(!window.driver.source().await?.contains("123456"), "the PIN must not be in the page");
    look(&window, "box-03-pin", "SMS-PIN eingeben").await?;
    window.driver.action_chain().send_keys(Key::Enter).perform().await?;

    wait_screen(&window, "insert_old_document").await?;
    title_is(&window, "Altes Dokument einlegen").await?;
    look(&window, "box-04-old-document", "Altes Dokument einlegen").await?;
    click(&window, "#sim-insert").await?;

    wait_screen(&window, "confirm_pin_letter").await?;
    look(&window, "box-05-pin-letter", "Haben Sie den PIN-Brief erhalten?").await?;
    click(&window, "#confirm-letter").await?;

    wait_screen(&window, "take_document").await?;
    title_is(&window, "Fach 7 ist offen").await?;
    look(&window, "box-06-take-document", "Fach 7 ist offen").await?;
    click(&window, "#sim-close").await?;

    wait_screen(&window, "thank_you").await?;
    look(&window, "box-07-thank-you", "Vielen Dank!").await?;
    assert_eq!(
        central.state.log(),
        ["start", "phone_number", "pin", "slot_read", "pin_letter_confirmed", "compartment_opened", "door_closed"],
        "every step and every device report reached the central, in order"
    );
    click(&window, "#finish").await?;
    wait_screen(&window, "welcome").await?;

    // The language switch: every text in English, and back.
    click(&window, "#lang-en").await?;
    title_is(&window, "Collect your ID card or passport").await?;
    let lang = window.driver.find(By::Css("html")).await?.attr("lang").await?;
    assert_eq!(lang.as_deref(), Some("en"));
    look(&window, "box-08-welcome-english", "Start pickup").await?;
    click(&window, "#lang-de").await?;
    title_is(&window, "Ausweis oder Reisepass abholen").await?;

    // Three wrong PINs: the same answer for every wrong try, then off to the counter.
    enter_phone(&window).await?;
    click(&window, "#next").await?;
    wait_screen(&window, "enter_pin").await?;
    tap_digits(&window, "000000").await?;
    click(&window, "#next").await?;
    window.wait_text("#notice", |t| t.contains("Fehlversuche: 1 von 3")).await?;
    look(&window, "box-09-wrong-pin", "Fehlversuche: 1 von 3").await?;
    for _ in 0..2 {
        tap_digits(&window, "000000").await?;
        click(&window, "#next").await?;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    wait_screen(&window, "ended").await?;
    window.wait_text("#hint", |t| t == "Die PIN wurde zu oft falsch eingegeben.").await?;
    look(&window, "box-10-ended-wrong-pins", "Bitte wenden Sie sich an den Schalter im Bürgerbüro.").await?;
    window.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jammed_slot_ends_at_the_counter_and_a_closed_box_cannot_be_started() -> anyhow::Result<()> {
    let Kiosk { central, window, .. } = start(StandInPickup::default()).await?;
    wait_screen(&window, "welcome").await?;
    enter_phone(&window).await?;
    click(&window, "#next").await?;
    wait_screen(&window, "enter_pin").await?;
    tap_digits(&window, "123456").await?;
    click(&window, "#next").await?;
    wait_screen(&window, "insert_old_document").await?;
    click(&window, "#sim-jam").await?;
    wait_screen(&window, "ended").await?;
    window.wait_text("#hint", |t| t.contains("Der Einzugsschlitz ist blockiert")).await?;
    look(&window, "box-11-ended-slot-jam", "Der Einzugsschlitz ist blockiert").await?;
    assert_eq!(central.state.log().last(), Some(&"slot_jam"));

    // Outside opening hours: the central refuses the session; the window says so and offers no start.
    central.state.set_open(false);
    click(&window, "#finish").await?;
    wait_screen(&window, "welcome").await?;
    click(&window, "#start").await?;
    window.wait_text("#notice", |t| t.contains("Die Ausgabebox ist jetzt geschlossen")).await?;
    assert!(!window.driver.find(By::Css("#start")).await?.is_enabled().await?);
    look(&window, "box-12-closed", "Die Ausgabebox ist jetzt geschlossen").await?;
    window.close().await
}

/// A passport without an old document on record: the birth date on the pad, by keyboard, with the
/// focus visible; an impossible date is refused before anything goes out.
#[tokio::test(flavor = "multi_thread")]
async fn a_passport_is_collected_with_the_birth_date_typed_by_keyboard() -> anyhow::Result<()> {
    let passport = StandInPickup { old_document: None, id_card: false, compartment: 2, ..StandInPickup::default() };
    let Kiosk { central, window, .. } = start(passport).await?;
    wait_screen(&window, "welcome").await?;
    enter_phone(&window).await?;
    click(&window, "#next").await?;
    wait_screen(&window, "enter_pin").await?;
    tap_digits(&window, "123456").await?;
    click(&window, "#next").await?;

    wait_screen(&window, "enter_birth_date").await?;
    window.driver.action_chain().send_keys("3102").perform().await?;
    window.wait_text("#entry", |t| t == "31.02.JJJJ").await?;
    window.driver.action_chain().send_keys("1964").perform().await?;
    window.driver.action_chain().send_keys(Key::Enter).perform().await?;
    window.wait_text("#error", |t| t.contains("Das ist kein gültiges Datum")).await?;
    look(&window, "box-13-birth-date-invalid", "Das ist kein gültiges Datum").await?;
    assert_eq!(central.state.log().last(), Some(&"pin"), "the impossible date did not go out");
    window.wait_text("#entry", |t| t == "31.02.1964").await?;
    for _ in 0..8 {
        window.driver.action_chain().send_keys(Key::Backspace).perform().await?;
    }
    window.wait_text("#entry", |t| t == "TT.MM.JJJJ").await?;
    assert!(window.driver.find(By::Css("#error")).await.is_err(), "typing again hides the error");

    // Tab from the screen reaches the pad; the focus is drawn.
    window.driver.action_chain().send_keys(Key::Tab).perform().await?;
    let focused = window.driver.active_element().await?;
    assert_eq!(focused.attr("data-key").await?.as_deref(), Some("1"));
    assert_eq!(focused.css_value("outline-style").await?, "solid");
    window.driver.action_chain().send_keys("1208196").perform().await?;
    window.wait_text("#entry", |t| t == "12.08.196J").await?;
    look(&window, "box-14-birth-date", "Ihr Geburtsdatum").await?;
    window.driver.action_chain().send_keys("4").perform().await?;
    window.wait_text("#entry", |t| t == "12.08.1964").await?;
    // Enter on a focused pad key is that key (the entry is full: nothing); "Weiter" sends.
    window.driver.action_chain().send_keys(Key::Enter).perform().await?;
    window.wait_text("#entry", |t| t == "12.08.1964").await?;
    click(&window, "#next").await?;

    wait_screen(&window, "take_document").await?;
    title_is(&window, "Fach 2 ist offen").await?;
    click(&window, "#sim-close").await?;
    wait_screen(&window, "thank_you").await?;
    window.wait_text("#hint", |t| t == "Die Abholung ist abgeschlossen.").await?;
    assert_eq!(
        central.state.log(),
        ["start", "phone_number", "pin", "birth_date", "compartment_opened", "door_closed"],
    );
    window.close().await
}

/// Nobody touches the screen: the terminal cancels the session itself after `idle_seconds`.
#[tokio::test(flavor = "multi_thread")]
async fn an_abandoned_session_is_cancelled_after_the_idle_time() -> anyhow::Result<()> {
    let Kiosk { central, window, .. } = start_with(StandInPickup::default(), "idle_seconds = 2").await?;
    wait_screen(&window, "welcome").await?;
    enter_phone(&window).await?;
    click(&window, "#next").await?;
    wait_screen(&window, "enter_pin").await?;
    wait_screen(&window, "ended").await?;
    window.wait_text("#hint", |t| t == "Die Abholung wurde abgebrochen.").await?;
    look(&window, "box-15-ended-idle", "Sie können die Abholung neu beginnen.").await?;
    assert_eq!(central.state.log(), ["start", "phone_number", "cancel"]);
    window.close().await
}

/// The same window against the real `schalter-central` (box from `add-box`, the dev PKI's terminal
/// certificate), an ID card captured, delivered and loaded through the real processes before.
#[tokio::test(flavor = "multi_thread")]
async fn the_real_central_hands_an_id_card_out_through_the_window() -> anyhow::Result<()> {
    let env = schalter_system_tests::Environment::new()?;
    let loaded = LoadedBox::start(&env).await?;
    let window = start_box_window(&loaded.config).await?;

    wait_screen(&window, "welcome").await?;
    click(&window, "#start").await?;
    wait_screen(&window, "enter_phone_number").await?;
    tap_digits(&window, &loaded.phone.replace(' ', "")).await?;
    click(&window, "#next").await?;
    wait_screen(&window, "enter_pin").await?;
    tap_digits(&window, &loaded.pin).await?;
    click(&window, "#next").await?;
    wait_screen(&window, "insert_old_document").await?;
    let serial = window.driver.find(By::Css("#sim-serial")).await?;
    serial.clear().await?;
    serial.send_keys(loaded.old_serial).await?;
    click(&window, "#sim-insert").await?;
    wait_screen(&window, "confirm_pin_letter").await?;
    click(&window, "#confirm-letter").await?;
    wait_screen(&window, "take_document").await?;
    window.wait_text("#title", |t| t.starts_with("Fach ") && t.ends_with(" ist offen")).await?;
    look(&window, "box-real-take-document", "ist offen").await?;
    click(&window, "#sim-close").await?;
    wait_screen(&window, "thank_you").await?;
    look(&window, "box-real-thank-you", "Vielen Dank!").await?;

    // The log of the kiosk names screens and codes, never what the citizen typed.
    let log = std::fs::read_to_string(Desk::log_path_for(&loaded.config))?;
    assert!(log.contains("take_document"), "the kiosk logs its steps");
    for secret in [loaded.pin.as_str(), loaded.old_serial, "33333333"] {
        assert!(!log.contains(secret), "the kiosk's log carries personal data");
    }

    // Handed out: the desk sees it through the sync.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        loaded.desk.sync_now().await?;
        let list = loaded.desk.applications("").await?;
        if list.iter().any(|a| a.status == "handed_out") {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "never handed out: {:?}",
            list.iter().map(|a| &a.status).collect::<Vec<_>>()
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    drop(loaded.central);
    window.close().await
}
