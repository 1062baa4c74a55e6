//! The real desk window against the real central API, over mTLS, driven by WebDriver.

use schalter_system_tests::{assert_accessible, Desk, Environment, CLERK_NAME, CLERK_PASSWORD, CLERK_USERNAME};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_shows_a_clear_german_message() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, url) = env.start_central()?;
    let desk = Desk::start(&env.desk_config(&url)?).await?;

    desk.wait_text("#connection-state", |t| t.contains("Online")).await?;
    assert_accessible(&desk.driver, "login screen").await?;
    desk.type_into("#username", CLERK_USERNAME).await?;
    desk.type_into("#password", "falsches-passwort" + Key::Enter).await?;
    desk.wait_text("#login-error", |t| t == "Benutzername oder Passwort ist falsch.").await?;
    let password = desk.driver.find(By::Css("#password")).await?.prop("value").await?;
    assert_eq!(password.as_deref(), Some(""), "the wrong password must be cleared");
    assert!(desk.driver.find(By::Css("#clerk-name")).await.is_err(), "no main screen after a wrong password");

    assert_accessible(&desk.driver, "login screen with the wrong-password message").await?;
    desk.screenshot("login-wrong-password", "Benutzername oder Passwort ist falsch.").await?;
    desk.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn right_password_opens_the_main_screen_and_keys_navigate() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, url) = env.start_central()?;
    let desk = Desk::start(&env.desk_config(&url)?).await?;

    desk.log_in().await?;
    desk.wait_text("#office-name", |t| t.contains("Bürgerbüro Dienstleistungszentrum")).await?;
    desk.wait_text("#connection-state", |t| t.contains("Online")).await?;
    desk.wait_text("#last-contact", |t| t.len() == 8 && t.contains(':')).await?;
    desk.wait_text("#section-content h1", |t| t == "Kunde/Foto").await?;
    assert_accessible(&desk.driver, "main screen").await?;
    desk.screenshot("main-screen", CLERK_NAME).await?;

    desk.driver.action_chain().send_keys(Key::F3).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Antrag").await?;
    desk.driver.action_chain().send_keys(Key::F5).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Warteschlange").await?;

    desk.driver.action_chain().key_down(Key::Control).send_keys("q").key_up(Key::Control).perform().await?;
    desk.wait_text("#login-title", |t| t == "Anmeldung am Arbeitsplatz").await?;
    desk.close().await
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_central_shows_offline_and_says_why_login_fails() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let closed_port = schalter_system_tests::free_port();
    let desk = Desk::start(&env.desk_config(&format!("https://127.0.0.1:{closed_port}"))?).await?;

    desk.wait_text("#connection-state", |t| t.contains("Offline")).await?;
    desk.type_into("#username", CLERK_USERNAME).await?;
    desk.type_into("#password", CLERK_PASSWORD.to_owned() + Key::Enter).await?;
    // Offline, only a clerk who logged in online on this desk before may log in (by the desk's keyring).
    let said = "Die Zentrale ist nicht erreichbar, und an diesem Arbeitsplatz waren Sie noch nie online angemeldet.";
    desk.wait_text("#login-error", |t| t.starts_with(said)).await?;
    desk.screenshot("login-offline", said).await?;
    desk.close().await
}
