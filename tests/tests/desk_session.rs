//! The clerk's session in the real window, against a central API with a short idle time: working
//! keeps it alive past the idle time (at the desk and at the central), stopping ends it.

use std::time::{Duration, Instant};

use schalter_system_tests::{CentralOptions, Desk, Environment, CLERK_NAME};
use thirtyfour::prelude::*;

const IDLE_SECONDS: u64 = 12;

#[tokio::test(flavor = "multi_thread")]
async fn regression_a_working_clerk_stays_logged_in_past_the_idle_time_and_an_idle_one_is_logged_out(
) -> anyhow::Result<()> {
    let env = Environment::new()?;
    let central =
        env.start_central_with(CentralOptions { session_idle_seconds: Some(IDLE_SECONDS), ..Default::default() })?;
    let desk = Desk::start(&env.desk_config(central.url())?).await?;
    desk.log_in().await?;

    // Two idle periods of work: a key every two seconds, switching between screens.
    let working = Instant::now();
    let mut screens = [(Key::F3, "Antrag"), (Key::F2, "Kunde/Foto")].into_iter().cycle();
    let mut last_key = Instant::now();
    while working.elapsed() < Duration::from_secs(2 * IDLE_SECONDS) {
        let (key, title) = screens.next().unwrap();
        desk.driver.action_chain().send_keys(key).perform().await?;
        last_key = Instant::now();
        desk.wait_text("#section-content h1", |t| t == title).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // Still logged in, and the central still knows the session: the desk asks it at every
    // quarter of the idle time and would have ended the session on its refusal.
    desk.wait_text("#clerk-name", |t| t == CLERK_NAME).await?;
    assert!(desk.driver.find(By::Css("#username")).await.is_err(), "sent back to the login while working");
    desk.screenshot("session-kept-alive-while-working", CLERK_NAME).await?;

    // Then the clerk walks away: the login returns with the reason one idle time after the last
    // action the window reported. The window reports at most every quarter of the idle time, so
    // that is between 3/4 of the idle time and the idle time after the last key (plus the desk's
    // one-second check and WebDriver's latency).
    let notice = desk.wait_text("#login-notice", |t| t.contains("abgelaufen")).await?;
    let after = last_key.elapsed();
    assert!(after <= Duration::from_secs(IDLE_SECONDS + 5), "logged out only {after:?} after the last key");
    assert!(after >= Duration::from_secs(IDLE_SECONDS * 3 / 4 - 1), "logged out already {after:?} after the last key");
    desk.screenshot("session-expired-after-idle", &notice).await?;
    desk.close().await?;
    Ok(())
}
