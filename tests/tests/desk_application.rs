//! The application in the real window, keyboard only: an adult's passport and a 15-year-old's ID card (eID off, the
//! custodian applies), each after its photo was accepted; the fee and rules live, F12 summary, F12 records under a
//! provisional number, the receipt is saved (F11) as a PDF whose text holds the number and the fee and nothing
//! personal, the sync brings the central's number, and the search finds both.

use std::path::PathBuf;
use std::time::Duration;

use schalter_photo::Algorithm;
use schalter_system_tests::{
    assert_accessible, asset, files_containing, CentralOptions, Desk, Environment, ADULT_PASSPORT_KEYSTROKES,
};
use thirtyfour::prelude::*;

/// What the clerk types, field by field in tab order: text, or arrow presses on a select.
enum Entry<'a> {
    Text(&'a str),
    /// ArrowDown this many times on a select.
    Down(usize),
    /// Leave the field as it is.
    Skip,
    /// Space on a checkbox.
    Tick,
}

/// Types `entries` from the focused first field on, one field at a time (a pause between fields, so that the window's
/// scanner detection sees a person, not a burst), Tab after each. Returns the keys pressed.
async fn fill(desk: &Desk, entries: &[Entry<'_>]) -> anyhow::Result<usize> {
    let mut keys = 0;
    for entry in entries {
        let chain = desk.driver.action_chain();
        let chain = match entry {
            Entry::Text(text) => {
                keys += text.chars().count();
                chain.send_keys(*text)
            }
            Entry::Down(times) => {
                keys += times;
                (0..*times).fold(chain, |chain, _| chain.send_keys(Key::Down))
            }
            Entry::Skip => chain,
            Entry::Tick => {
                keys += 1;
                chain.send_keys(" ")
            }
        };
        chain.send_keys(Key::Tab).perform().await?;
        keys += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(keys)
}

async fn accept_photo(desk: &Desk, env: &Environment, cloud_url: &str) -> anyhow::Result<()> {
    let code = env.studio_upload(cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await?;
    desk.driver.action_chain().send_keys(code + Key::Enter).perform().await?;
    desk.wait_text("#photo-verdict", |t| t == "Alle Prüfungen bestanden").await?;
    desk.driver.action_chain().send_keys(Key::F8).perform().await?;
    desk.wait_text("#photo-status", |t| t.starts_with("Foto übernommen")).await?;
    Ok(())
}

/// F7 and F8 with the simulated reader and pad (the test desk has no `[devices]`): both index fingers, then the
/// signature's preview. Returns the keys pressed.
async fn capture_biometrics(desk: &Desk) -> anyhow::Result<usize> {
    desk.driver.action_chain().send_keys(Key::F7).perform().await?;
    desk.wait_text("#app-fingerprint-right", |t| t == "Rechte Hand: rechter Zeigefinger erfasst, Qualität 72").await?;
    desk.wait_text("#app-fingerprint-left", |t| t == "Linke Hand: linker Zeigefinger erfasst, Qualität 72").await?;
    desk.driver.action_chain().send_keys(Key::F8).perform().await?;
    desk.driver.query(By::Css("img[alt='Unterschrift (Vorschau)']")).first().await?;
    Ok(2)
}

async fn value_of(desk: &Desk, css: &str) -> anyhow::Result<String> {
    Ok(desk.driver.find(By::Css(css)).await?.prop("value").await?.unwrap_or_default())
}

/// F11 saves the receipt of the application just recorded into the environment's receipt directory (desk.toml
/// `[receipts] save_directory`); returns the number it carries and the PDF's text (`pdftotext`). The number is the
/// one the screen shows, the fee is on it, and none of `personal` is.
async fn save_receipt(
    desk: &Desk,
    env: &Environment,
    fee: &str,
    personal: &[&str],
    screenshot: &str,
) -> anyhow::Result<(String, String)> {
    desk.driver.action_chain().send_keys(Key::F11).perform().await?;
    let status = desk.wait_text("#receipt-status", |t| t.contains(" gespeichert: ")).await?;
    let (number, path) = status
        .strip_prefix("Quittung ")
        .and_then(|rest| rest.split_once(" gespeichert: "))
        .ok_or_else(|| anyhow::anyhow!("unexpected status {status:?}"))?;
    let path = PathBuf::from(path);
    assert_eq!(path.parent(), Some(env.receipts_dir().as_path()), "{status}");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(format!("Quittung-{number}.pdf").as_str()));
    // Making the receipt synced first: the notice shows the number the receipt carries.
    desk.wait_text("#application-recorded", |t| t.contains(number)).await?;
    let output = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output()?;
    assert!(output.status.success(), "pdftotext: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout)?;
    assert!(text.contains(number) && text.contains(fee), "number {number} and fee {fee} on the receipt:\n{text}");
    assert!(text.contains("Quittung über Ihren Antrag") && text.contains("Gebühren"), "{text}");
    for value in personal {
        assert!(!text.contains(value), "{value:?} is on the receipt:\n{text}");
    }
    desk.screenshot(screenshot, "gespeichert").await?;
    Ok((number.to_owned(), text))
}

/// Erika's passport, field by field in tab order (the adult passport of both tests).
fn adult_passport() -> Vec<Entry<'static>> {
    vec![
        Entry::Down(1), // Reisepass (32 Seiten)
        Entry::Text("Mustermann"),
        Entry::Text("Erika"),
        Entry::Text("Gabler"),
        Entry::Skip, // doctoral degree
        Entry::Skip, // religious name
        Entry::Text("12.08.1964"),
        Entry::Text("Berlin"),
        Entry::Down(1), // weiblich
        Entry::Text("168"),
        Entry::Text("grün"),
        Entry::Skip, // nationality: deutsch
        Entry::Skip, // no residence in Germany: no
        Entry::Text("Heidestraße 17"),
        Entry::Text("51147"),
        Entry::Text("Köln"),
        Entry::Down(2), // bisheriges Dokument: Reisepass
        Entry::Text("C01X00T47"),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_the_application_gets_a_provisional_number_and_its_final_one_when_the_central_returns(
) -> anyhow::Result<()> {
    let env = Environment::new()?;
    let mut central = env.start_central_with(CentralOptions::default())?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(central.url(), &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
    let desk = Desk::start(&config).await?;
    desk.log_in().await?;
    desk.driver.action_chain().key_down(Key::Control).send_keys("q").key_up(Key::Control).perform().await?;
    desk.wait_text("#login-title", |t| !t.is_empty()).await?;

    // A pop-up office: the central is away, the photo cloud answers over mobile data.
    central.stop()?;
    desk.log_in().await?;
    desk.wait_text("#offline-session", |t| t == "Offline angemeldet").await?;
    accept_photo(&desk, &env, &cloud_url).await?;
    desk.driver.action_chain().send_keys(Key::F3).perform().await?;
    desk.wait_text("#app-photo", |t| t == "Lichtbild dieses Besuchs angenommen").await?;
    fill(&desk, &adult_passport()).await?;
    desk.wait_text("#app-fee-total", |t| t == "70,00 €").await?;
    capture_biometrics(&desk).await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#application-summary", |t| t.contains("Mustermann")).await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    let recorded = desk.wait_text("#application-recorded", |t| t.contains("vorläufige Nummer V-")).await?;
    let provisional =
        recorded.split_whitespace().find(|w| w.starts_with("V-")).unwrap_or_default().trim_end_matches('.');
    let list = desk.wait_text("#application-list", |t| t.contains("noch nicht übertragen")).await?;
    assert!(list.contains(provisional) && list.contains("folgt"), "{list}");
    desk.driver.find(By::Css("#application-search")).await?.scroll_into_view().await?;
    desk.screenshot("application-offline-provisional", "noch nicht übertragen").await?;

    // A thief with this disk finds none of what the clerk typed: not in the store, its WAL, nor the window's log.
    let needles: Vec<&[u8]> = vec![b"Gabler", b"12.08.1964", "Heidestra\u{df}e".as_bytes(), b"C01X00T47", b"51147"];
    let log = Desk::log_path_for(&config);
    let found = files_containing(&env.dir.path().join("data-desk"), std::slice::from_ref(&log), &needles)?;
    assert!(found.is_empty(), "readable on disk: {found:?}");
    assert!(std::fs::read_to_string(&log)?.contains("application captured"), "the log is the one the desk writes");

    // The central returns: the background login, the push, and the final number beside the provisional one.
    central.restart()?;
    let list =
        desk.wait_text_within("#application-list", Duration::from_secs(60), |t| t.contains("05111000_01-20")).await?;
    assert!(list.contains(provisional) && list.contains("erfasst"), "{list}");
    desk.wait_text("#application-recorded", |t| t.starts_with("Antrag erfasst: Nummer 05111000_01-")).await?;
    desk.driver.find(By::Css("#application-search")).await?.scroll_into_view().await?;
    desk.screenshot("application-offline-synced", "erfasst").await?;
    desk.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passport_and_a_teenagers_id_card_are_captured_by_keyboard_and_get_their_numbers() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, central_url) = env.start_central()?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(&central_url, &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
    let desk = Desk::start(&config).await?;
    desk.log_in().await?;

    // Without an accepted photo the form says so.
    desk.driver.action_chain().send_keys(Key::F3).perform().await?;
    desk.wait_text("#app-photo", |t| t.starts_with("Noch kein Lichtbild")).await?;
    desk.driver.action_chain().send_keys(Key::F2).perform().await?;

    // Erika Mustermann, adult, passport (32 pages), her old passport, pickup at the counter.
    accept_photo(&desk, &env, &cloud_url).await?;
    desk.driver.action_chain().send_keys(Key::F3).perform().await?;
    desk.wait_text("#app-photo", |t| t == "Lichtbild dieses Besuchs angenommen").await?;
    let mut keystrokes = 1;
    keystrokes += fill(&desk, &adult_passport()).await?;
    assert_eq!(value_of(&desk, "#app-document_kind").await?, "passport32");
    assert_eq!(value_of(&desk, "#app-sex").await?, "001");
    assert_eq!(value_of(&desk, "#app-current_document_kind").await?, "passport");
    desk.wait_text("#app-fee-total", |t| t == "70,00 €").await?;
    desk.wait_text("#app-validity", |t| t.contains("120 Monate")).await?;
    assert_accessible(&desk.driver, "application form").await?;
    desk.screenshot("application-passport-form", "70,00 €").await?;
    keystrokes += capture_biometrics(&desk).await?;
    desk.driver.find(By::Css("#app-biometrics")).await?.scroll_into_view().await?;
    assert_accessible(&desk.driver, "application form with biometrics").await?;
    desk.screenshot("application-passport-biometrics", "Qualität 72").await?;

    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    let summary = desk.wait_text("#application-summary", |t| t.contains("Mustermann")).await?;
    assert!(summary.contains("Reisepass (32 Seiten)") && summary.contains("70,00 €"), "{summary}");
    assert_accessible(&desk.driver, "application summary").await?;
    desk.screenshot("application-passport-summary", "Zusammenfassung").await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    keystrokes += 2;
    let recorded = desk.wait_text("#application-recorded", |t| t.contains("vorläufige Nummer V-")).await?;
    println!("capture keystrokes={keystrokes} (adult passport, from F3 to the second F12)");
    assert_eq!(keystrokes, ADULT_PASSPORT_KEYSTROKES, "update the constant the capture benchmark reports");
    let erika = [
        "Mustermann",
        "Erika",
        "Gabler",
        "12.08.1964",
        "1964-08-12",
        "Berlin",
        "Heidestraße",
        "51147",
        "Köln",
        "C01X00T47",
    ];
    let (erikas_number, text) = save_receipt(&desk, &env, "70,00 €", &erika, "application-passport-receipt").await?;
    assert!(erikas_number.starts_with("05111000_01-"), "the central answered: the final number {erikas_number}");
    assert!(text.contains("Reisepass (32 Seiten)") && text.contains("Ihren bisherigen Reisepass"), "{text}");

    // Lena, 15, ID card: eID off, her mother applies for her; the PIN letter is handed over.
    desk.driver.action_chain().send_keys(Key::F10).perform().await?;
    accept_photo(&desk, &env, &cloud_url).await?;
    desk.driver.action_chain().send_keys(Key::F3).perform().await?;
    desk.wait_text("#app-photo", |t| t == "Lichtbild dieses Besuchs angenommen").await?;
    fill(
        &desk,
        &[
            Entry::Skip, // Personalausweis
            Entry::Text("Mustermann"),
            Entry::Text("Lena"),
            Entry::Skip,
            Entry::Skip,
            Entry::Skip,
            Entry::Text("01.09.2011"),
            Entry::Text("Köln"),
            Entry::Skip, // sex: not needed for an ID card
            Entry::Text("158"),
            Entry::Text("blau"),
            Entry::Skip,
            Entry::Skip,
            Entry::Text("Heidestraße 17"),
            Entry::Text("51147"),
            Entry::Text("Köln"),
            Entry::Skip,               // no current document
            Entry::Text("Mustermann"), // custodian (appeared with the birth date)
            Entry::Text("Erika"),
            Entry::Skip, // pickup at the counter
            Entry::Skip, // photo not taken in the office
            Entry::Tick, // PIN letter handed over
        ],
    )
    .await?;
    desk.wait_text("#app-eid", |t| t == "Online-Ausweisfunktion aus (unter 16)").await?;
    desk.wait_text("#app-applies", |t| t == "Sorgeberechtigte beantragen").await?;
    desk.wait_text("#app-fee-total", |t| t == "27,60 €").await?;
    desk.screenshot("application-id-card-teenager", "Online-Ausweisfunktion aus (unter 16)").await?;
    // 15: prints and signature too.
    capture_biometrics(&desk).await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#application-summary", |t| t.contains("Lena")).await?;
    desk.driver.action_chain().send_keys(Key::F12).perform().await?;
    desk.wait_text("#application-recorded", |t| t != recorded && t.contains("vorläufige Nummer V-")).await?;
    let lena = ["Mustermann", "Lena", "Erika", "01.09.2011", "2011-09-01", "Heidestraße", "51147", "Köln"];
    let (lenas_number, text) = save_receipt(&desk, &env, "27,60 €", &lena, "application-id-card-receipt").await?;
    assert_ne!(lenas_number, erikas_number);
    assert!(text.contains("Den PIN-Brief zu Ihrem Personalausweis haben Sie heute erhalten."), "{text}");

    // The sync brings the central's numbers; the search finds each by name and by number.
    desk.driver.action_chain().key_down(Key::Control).send_keys("s").key_up(Key::Control).perform().await?;
    let list = desk
        .wait_text("#application-list", |t| {
            t.matches("05111000_01-2026-").count() == 2 || t.matches("05111000_01-2027-").count() == 2
        })
        .await?;
    assert!(list.contains("Mustermann, Erika") && list.contains("Mustermann, Lena"), "{list}");
    desk.wait_text("#application-recorded", |t| t.starts_with("Antrag erfasst: Nummer 05111000_01-")).await?;
    desk.driver.find(By::Css("#application-search")).await?.scroll_into_view().await?;
    desk.screenshot("application-list-synced", "Mustermann, Lena").await?;
    desk.type_into("#application-search", "Lena").await?;
    let found = desk.wait_text("#application-list", |t| !t.contains("Erika")).await?;
    assert!(found.contains("Mustermann, Lena"), "{found}");
    desk.close().await?;
    Ok(())
}
