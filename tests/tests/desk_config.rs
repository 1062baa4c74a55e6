//! The desk's managed configuration in the real window: a missing or broken configuration opens the window
//! with a German error screen for IT (what, where, no login form, the keyboard on the detail, axe-clean), and a
//! user's file cannot set what the managed file decides.
//!
//! One test function: the managed file's place is moved by `SCHALTER_MANAGED_CONFIG` (for tests only), an
//! environment variable of this process that each window inherits, so the cases run one after the other.

use schalter_system_tests::{assert_accessible, Desk, Environment};

/// The window's error screen says `detail` for IT; nothing of the login form is there.
async fn assert_error_screen(desk: &Desk, case: &str, detail: &str) -> anyhow::Result<()> {
    desk.wait_text("#startup-title", |t| t == "Dieser Arbeitsplatz ist nicht betriebsbereit").await?;
    desk.wait_text("#startup-error", |t| t.contains("Die Konfiguration dieses Arbeitsplatzes ist fehlerhaft")).await?;
    let shown = desk.wait_text("#startup-detail", |t| t.contains(detail)).await?;
    assert!(shown.contains("Bitte die IT verständigen"), "{case}: {shown}");
    desk.wait_text("#startup-no-login", |t| t.contains("erst möglich, wenn die IT den Fehler behoben")).await?;
    let login_fields =
        desk.driver.execute("return document.querySelectorAll('#username, #password').length;", Vec::new()).await?;
    assert_eq!(login_fields.json(), &serde_json::json!(0), "{case}: no login form that could only fail");
    let focused =
        desk.driver.execute("return document.activeElement && document.activeElement.id;", Vec::new()).await?;
    assert_eq!(focused.json(), &serde_json::json!("startup-detail"), "{case}: the keyboard is on the detail line");
    assert_accessible(&desk.driver, case).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_broken_managed_configuration_shows_a_german_error_screen() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let url = "https://127.0.0.1:9";
    // The environment's desk.toml with its relative pki/ paths, as the managed file.
    let managed = env.desk_config(url)?;
    let user = env.dir.path().join("user.toml");
    let set_managed = |path: &std::path::Path| std::env::set_var("SCHALTER_MANAGED_CONFIG", path);

    // Valid first: the managed file and a user file with a comfort setting give the login screen.
    set_managed(&managed);
    std::fs::write(&user, "[camera]\ndevice = \"/dev/video9\"\n")?;
    let desk = Desk::start(&user).await?;
    desk.wait_text("#login-title", |t| t == "Anmeldung am Arbeitsplatz").await?;
    desk.close().await?;

    // No file at all (the managed one not deployed, no user file).
    let nowhere = env.dir.path().join("etc-schalter").join("desk.toml");
    set_managed(&nowhere);
    std::fs::remove_file(&user)?;
    let desk = Desk::start(&user).await?;
    let expected = format!("Es gibt keine Konfigurationsdatei. Erwartet wird {}", nowhere.display());
    assert_error_screen(&desk, "missing configuration", &expected).await?;
    desk.screenshot("desk-config-missing", "Es gibt keine Konfigurationsdatei").await?;
    desk.close().await?;

    // A managed file with a typo: file, line and key, in German.
    let broken = env.dir.path().join("managed-broken.toml");
    std::fs::write(&broken, std::fs::read_to_string(&managed)? + "offline_login_valid_for_hour = 8\n")?;
    let line = std::fs::read_to_string(&broken)?.lines().count();
    set_managed(&broken);
    let desk = Desk::start(&user).await?;
    let expected = format!("{}, Zeile {line}: unbekannter Schlüssel »offline_login_valid_for_hour«", broken.display());
    assert_error_screen(&desk, "broken managed configuration", &expected).await?;
    desk.screenshot("desk-config-broken", "unbekannter Schlüssel").await?;
    desk.close().await?;

    // The user's file (here given with --config, which cannot replace the managed file) sets a security key.
    set_managed(&managed);
    std::fs::write(&user, "disable_dmabuf_renderer = false\ncentral_url = \"https://127.0.0.1:8443\"\n")?;
    let desk = Desk::start(&user).await?;
    let expected = format!(
        "{}, Zeile 2: »central_url« ist eine Sicherheitseinstellung und gilt nur aus der verwalteten Datei {}",
        user.display(),
        managed.display()
    );
    assert_error_screen(&desk, "security key in the user's file", &expected).await?;
    desk.screenshot("desk-config-user-security-key", "ist eine Sicherheitseinstellung").await?;
    desk.close().await
}
