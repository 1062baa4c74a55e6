//! The public booking page (`/termine/`, issue 11) in Debian's Chromium, headless, under chromedriver,
//! against the real central with Düsseldorf's appointment configuration on its public listener. A citizen
//! (synthetic: Mustermann) chooses a service by keyboard, sees that a pop-up office of 2025 has nothing to
//! book, chooses the Dienstleistungszentrum, picks the first time of the second day with free times, is
//! told the family name is missing, enters it and books: the page shows the booking code once, and the
//! central holds exactly that booking. Cancelling with a well-formed unknown code and with a malformed
//! one shows the errors and cancels nothing; the code from the page cancels it, and again it does not.
//! English on request; no horizontal scrolling at a phone's width; no cookies or storage. axe-core on the
//! form, the confirmation and the cancel result; screenshots `target/e2e-screenshots/booking-*.png`.

use anyhow::Context;
use schalter_system_tests::chromium::Chromium;
use schalter_system_tests::{assert_accessible, central_database, workspace_root, CentralOptions, Environment};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

const OFFICE_ID: &str = "05111000_01";
const OFFICE_NAME: &str = "Bürgerbüro Dienstleistungszentrum";
const OFFICE_ADDRESS: &str = "Willi-Becker-Allee 7, 40227 Düsseldorf";
const SERVICE_ID: &str = "personalausweis";
const FAMILY_NAME: &str = "Mustermann";

/// `K7QX-M2PA`: two groups of four of the code alphabet.
fn is_booking_code(text: &str) -> bool {
    let alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 2 && groups.iter().all(|g| g.len() == 4 && g.chars().all(|c| alphabet.contains(c)))
}

/// `Do., 10.12.2026` for `2026-12-10`.
fn german_date(iso: &str) -> anyhow::Result<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(iso, format).with_context(|| format!("slot date {iso:?}"))?;
    let weekday = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."][date.weekday().number_days_from_monday() as usize];
    Ok(format!("{weekday}, {:02}.{:02}.{}", date.day(), u8::from(date.month()), date.year()))
}

async fn bookings(db: &sqlx::AnyPool) -> anyhow::Result<Vec<(String, String, String, String)>> {
    Ok(sqlx::query_as("SELECT office_id, service_id, family_name, state FROM appointment_bookings ORDER BY id")
        .fetch_all(db)
        .await?)
}

async fn active_element_id(browser: &Chromium) -> anyhow::Result<String> {
    let id = browser.driver.execute("return document.activeElement && document.activeElement.id;", Vec::new()).await?;
    Ok(id.json().as_str().unwrap_or_default().to_owned())
}

async fn type_into(browser: &Chromium, css: &str, text: impl Into<TypingData>) -> anyhow::Result<()> {
    let field = browser.driver.find(By::Css(css)).await?;
    field.clear().await?;
    field.send_keys(text).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_books_and_cancels_an_appointment_on_the_booking_page() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let config = workspace_root().join("crates/appointments/src/duesseldorf.toml");
    let central = env.start_central_with(CentralOptions {
        extra_args: vec![
            "--public-listen".into(),
            "127.0.0.1:0".into(),
            "--appointments-config".into(),
            config.display().to_string(),
        ],
        ..Default::default()
    })?;
    let public_url = central.public_url().context("the central announced no public listener")?.to_owned();
    let db = central_database(&env).await?;
    let browser = Chromium::start().await?;
    let driver = &browser.driver;

    driver.goto(format!("{public_url}/termine/")).await?;
    browser.wait_text("h1", |t| t == "Termin buchen").await?;
    let lang = driver.find(By::Css("html")).await?.attr("lang").await?;
    assert_eq!(lang.as_deref(), Some("de"), "German first");

    // The page's own style applies under its CSP (nothing inline, nothing from elsewhere).
    browser
        .wait_script(
            "public.css applies",
            "return getComputedStyle(document.body).backgroundColor === 'rgb(238, 243, 247)';",
        )
        .await?;

    // 1. The service, by keyboard: focus the first choice and move to the ID card with the arrow keys
    // (the radios are one group), which selects it.
    let first_service = browser.wait_displayed("input[name=service]").await?;
    first_service.focus().await?;
    let mut chosen = String::new();
    for _ in 0..4 {
        chosen = driver
            .execute("return document.activeElement.value || '';", Vec::new())
            .await?
            .json()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if chosen == SERVICE_ID {
            break;
        }
        driver.active_element().await?.send_keys(Key::Down).await?;
    }
    assert_eq!(chosen, SERVICE_ID, "the service radios are reachable by the arrow keys");
    driver.active_element().await?.send_keys(Key::Space).await?;
    assert!(driver.find(By::Css("#service-personalausweis")).await?.is_selected().await?);

    // 2. The office: the select offers the Dienstleistungszentrum and the pop-up offices with their dates.
    browser.wait_script("the office list is enabled", "return !document.getElementById('office').disabled;").await?;
    let options = driver.find(By::Css("#office")).await?.text().await?;
    assert!(options.contains(OFFICE_NAME), "{options}");
    assert!(
        options.contains("Aquazoo") && options.contains("nur am 02.06.2025"),
        "pop-ups with their dates: {options}"
    );
    // A pop-up office of 2025 has nothing to book now, and the page says when it opens.
    let offices = SelectElement::new(&driver.find(By::Css("#office")).await?).await?;
    offices.select_by_value("05111000_22").await?;
    browser.wait_text("#slots-status", |t| t.contains("nur am 02.06.2025 geöffnet")).await?;
    assert!(driver.find_all(By::Css("input[name=slot]")).await?.is_empty());
    offices.select_by_value(OFFICE_ID).await?;
    browser.wait_text("#office-address", |t| t == OFFICE_ADDRESS).await?;

    // 3. The bookable times, grouped by day with German day names. The first time of the second day is
    // chosen: the first day may be today, whose next time can pass the booking lead (15 minutes before its
    // start) while a slow machine runs the test.
    let status = browser.wait_text("#slots-status", |t| t.contains("freie Uhrzeiten")).await?;
    browser.wait_displayed("input[name=slot]").await?;
    let days = driver.find_all(By::Css("#slots fieldset.day")).await?;
    let day = days.get(1).or(days.first()).context("no day with free times")?;
    let first_slot = day.find(By::Css("input[name=slot]")).await?;
    let slot_id = first_slot.attr("value").await?.context("slot without id")?;
    let slot_date = first_slot.attr("id").await?.context("slot without element id")?;
    // `slot-<date>-<n>`
    let slot_date = slot_date.trim_start_matches("slot-").get(..10).context("slot element id")?.to_owned();
    let day_legend = day.find(By::Css("legend")).await?.text().await?;
    let expected_day = german_date(&slot_date)?;
    assert!(day_legend.starts_with(&expected_day), "day heading {day_legend:?}, expected {expected_day:?} ({status})");
    let slot_time = day.find(By::Css(".time")).await?.text().await?;
    assert!(slot_time.len() == 5 && slot_time.as_bytes()[2] == b':', "a time like 08:00: {slot_time:?}");
    assert!(slot_id.starts_with(OFFICE_ID), "{slot_id}");
    first_slot.click().await?;
    browser
        .wait_text("#summary", |t| t.contains(&expected_day) && t.contains(&slot_time) && t.contains(OFFICE_NAME))
        .await?;
    driver.execute("window.scrollTo(0, 0);", Vec::new()).await?;
    browser.screenshot("booking-form", "Termin buchen").await?;
    driver.execute("document.getElementById('time-step').scrollIntoView();", Vec::new()).await?;
    browser.screenshot("booking-times", &expected_day).await?;
    assert_accessible(driver, "booking form").await?;

    // 4. Without a family name nothing is booked: the page says what is missing and puts the focus there.
    driver.find(By::Css("#book")).await?.click().await?;
    browser.wait_text("#booking-error", |t| t == "Bitte geben Sie Ihren Familiennamen ein.").await?;
    assert_eq!(active_element_id(&browser).await?, "family-name");
    assert!(bookings(&db).await?.is_empty(), "nothing booked without a name");

    // Booked with Enter in the name field: the confirmation, focused, with the code shown once.
    type_into(&browser, "#family-name", FAMILY_NAME.to_owned() + Key::Enter).await?;
    let code = browser.wait_text("#booking-code", is_booking_code).await?;
    browser.wait_text("#booking-result-heading", |t| t == "Ihr Termin ist gebucht").await?;
    assert_eq!(active_element_id(&browser).await?, "booking-result-heading", "focus on the result");
    let ring = driver.execute("return getComputedStyle(document.activeElement).outlineStyle;", Vec::new()).await?;
    assert_eq!(ring.json(), &serde_json::json!("solid"), "the focused heading shows the focus ring");
    let details = browser.wait_text("#booking-details", |t| t.contains(OFFICE_NAME)).await?;
    for expected in [OFFICE_ADDRESS, expected_day.as_str(), &format!("{slot_time} Uhr"), "Personalausweis beantragen"] {
        assert!(details.contains(expected), "{expected:?} missing in the confirmation: {details}");
    }
    browser.wait_text("#booking-result", |t| t.contains("nur dieses eine Mal angezeigt")).await?;
    assert_eq!(
        bookings(&db).await?,
        vec![(OFFICE_ID.to_owned(), SERVICE_ID.to_owned(), FAMILY_NAME.to_owned(), "booked".to_owned())],
        "exactly the one booking"
    );
    browser.screenshot("booking-confirmation", "Ihr Termin ist gebucht").await?;
    assert_accessible(driver, "booking confirmation").await?;

    // The booked time is gone from the slots the API offers now.
    let free = driver
        .execute_async(
            "const [url, done] = arguments; fetch(url).then(r => r.json()).then(done, e => done(String(e)));",
            vec![serde_json::json!(format!(
                "/v1/public/appointments/slots?office={OFFICE_ID}&service={SERVICE_ID}&days=14"
            ))],
        )
        .await?;
    let free = free.json();
    let offered = free["slots"].as_array().context("slots")?;
    assert!(!offered.is_empty(), "other times stay bookable");
    assert!(offered.iter().all(|s| s["slot_id"] != slot_id.as_str()), "the booked slot is no longer offered");

    // 5. Cancelling: a well-formed code of no booking, then a malformed one: errors in words, nothing cancelled.
    let unknown = if code == "AAAA-AAAA" { "BBBB-BBBB" } else { "AAAA-AAAA" };
    type_into(&browser, "#cancel-code", unknown.to_owned() + Key::Enter).await?;
    browser
        .wait_text("#cancel-error", |t| t.starts_with("Zu diesem Buchungscode gibt es keinen offenen Termin."))
        .await?;
    browser.screenshot("booking-cancel-error", "keinen offenen Termin").await?;
    type_into(&browser, "#cancel-code", "K7QX".to_owned() + Key::Enter).await?;
    browser.wait_text("#cancel-error", |t| t.starts_with("Das ist kein gültiger Buchungscode.")).await?;
    let invalid = driver.find(By::Css("#cancel-code")).await?.attr("aria-invalid").await?;
    assert_eq!(invalid.as_deref(), Some("true"));
    assert!(driver.find(By::Css("#cancel-result")).await?.attr("hidden").await?.is_some(), "no result shown");
    assert_eq!(bookings(&db).await?[0].3, "booked", "a wrong code cancels nothing");

    // The code from the page, typed in lower case without the dash as a citizen might: cancelled.
    let typed = code.replace('-', "").to_lowercase();
    type_into(&browser, "#cancel-code", typed + Key::Enter).await?;
    browser.wait_text("#cancel-result-heading", |t| t == "Ihr Termin ist abgesagt").await?;
    assert_eq!(active_element_id(&browser).await?, "cancel-result-heading", "focus on the result");
    let cancelled = browser.wait_text("#cancel-details", |t| t.contains(OFFICE_NAME)).await?;
    assert!(cancelled.contains(&expected_day) && cancelled.contains(&slot_time), "{cancelled}");
    assert!(!driver.find(By::Css("#cancel-error")).await?.is_displayed().await?, "the earlier error is gone");
    assert!(!driver.find(By::Css("#booking-result")).await?.is_displayed().await?, "its confirmation is gone");
    browser.wait_displayed("#booking").await?;
    let rows = bookings(&db).await?;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].3, "cancelled");
    browser.screenshot("booking-cancelled", "Ihr Termin ist abgesagt").await?;
    assert_accessible(driver, "cancel result").await?;

    // The same code a second time: no longer an open appointment.
    type_into(&browser, "#cancel-code", code.clone() + Key::Enter).await?;
    browser
        .wait_text("#cancel-error", |t| t.starts_with("Zu diesem Buchungscode gibt es keinen offenen Termin."))
        .await?;
    assert!(driver.find(By::Css("#cancel-result")).await?.attr("hidden").await?.is_some());

    // 6. English on request: the texts, the lang attribute, the error in English.
    driver.find(By::Css("#language")).await?.click().await?;
    browser.wait_text("h1", |t| t == "Book an appointment").await?;
    let lang = driver.find(By::Css("html")).await?.attr("lang").await?;
    assert_eq!(lang.as_deref(), Some("en"));
    browser
        .wait_text("#cancel-error", |t| t.starts_with("There is no open appointment with this booking code."))
        .await?;
    browser.wait_text("#language", |t| t == "Deutsch").await?;
    browser.wait_text("#services", |t| t.contains("Apply for an ID card")).await?;
    driver.execute("window.scrollTo(0, 0);", Vec::new()).await?;
    browser.screenshot("booking-english", "There is no open appointment").await?;
    driver.find(By::Css("#language")).await?.click().await?;
    browser.wait_text("h1", |t| t == "Termin buchen").await?;

    // 7. A phone's width: everything reflows, nothing needs horizontal scrolling.
    driver.set_window_rect(0, 0, 390, 844).await?;
    browser
        .wait_script(
            "no horizontal scrolling at 390 px",
            "return document.documentElement.scrollWidth <= window.innerWidth;",
        )
        .await?;
    driver.execute("window.scrollTo(0, 0);", Vec::new()).await?;
    browser.screenshot("booking-phone", "Termin buchen").await?;

    // Nothing of the citizen's is kept in the browser.
    let kept = driver
        .execute(
            "return document.cookie.length + window.localStorage.length + window.sessionStorage.length;",
            Vec::new(),
        )
        .await?;
    assert_eq!(kept.json(), &serde_json::json!(0), "no cookies, no storage");

    browser.close().await?;
    drop(central);
    Ok(())
}
