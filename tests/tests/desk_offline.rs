//! A pop-up office in the real window: the central API goes away, the clerk logs in offline and
//! accepts photos, the pending count grows; the central comes back and the count drains to zero.

use std::time::Duration;

use schalter_photo::Algorithm;
use schalter_system_tests::{
    assert_accessible, asset, files_containing, CentralOptions, Desk, Environment, CLERK_NAME, CLERK_PASSWORD,
    CLERK_USERNAME,
};
use thirtyfour::prelude::*;

/// The engine backs off while the central is away; this bounds how long the window may take to notice it is back.
const DRAIN_WITHIN: Duration = Duration::from_secs(60);

fn pending_of(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_the_clerk_logs_in_and_works_and_the_changes_drain_when_the_central_returns() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let mut central = env.start_central_with(CentralOptions::default())?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(central.url(), &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
    let desk = Desk::start(&config).await?;

    // Online once: from now on this desk knows the clerk and can unlock its store offline.
    desk.log_in().await?;
    desk.wait_text("#sync-state", |t| t == "Alle Änderungen übertragen").await?;
    desk.driver.action_chain().key_down(Key::Control).send_keys("q").key_up(Key::Control).perform().await?;
    desk.wait_text("#login-title", |t| !t.is_empty()).await?;

    central.stop()?;
    desk.log_in().await?;
    desk.wait_text("#offline-session", |t| t == "Offline angemeldet").await?;
    desk.wait_text("#connection-state", |t| t == "Offline").await?;
    assert_accessible(&desk.driver, "main screen, logged in offline").await?;
    desk.screenshot("offline-logged-in", "Offline angemeldet").await?;

    // Work goes on: the photo cloud is reachable (mobile data), the central is not.
    let mut pending = Vec::new();
    let mut codes = Vec::new();
    for photo in ["photos/valid-1244x1600.jpg", "photos/valid-1244x1600.jpg"] {
        let code = env.studio_upload(&cloud_url, &asset(photo), Algorithm::Aes256Gcm).await?;
        codes.push(code.clone());
        desk.driver.action_chain().send_keys(code + Key::Enter).perform().await?;
        desk.wait_text("#photo-verdict", |t| t == "Alle Prüfungen bestanden").await?;
        let before = pending.last().copied().unwrap_or(0);
        desk.driver.action_chain().send_keys(Key::F8).perform().await?;
        desk.wait_text("#photo-status", |t| t.starts_with("Foto übernommen")).await?;
        let text = desk.wait_text("#sync-state", |t| pending_of(t).is_some_and(|n| n > before)).await?;
        pending.push(pending_of(&text).expect("a count"));
        desk.driver.action_chain().send_keys(Key::F10).perform().await?;
    }
    assert!(pending[1] > pending[0], "the pending count grows with the work: {pending:?}");
    let shown = desk.wait_text("#sync-state", |t| t.contains("noch nicht übertragen")).await?;
    desk.screenshot("offline-changes-pending", &shown).await?;

    // A thief with this disk: the store (database, WAL), the keyring and the window's log (at debug level) hold
    // neither the clerk's name, user name or password, nor a photo code (it carries the photo's key), nor image bytes.
    let jpeg = asset("photos/valid-1244x1600.jpg");
    let image_bytes = &jpeg[jpeg.len() / 2..jpeg.len() / 2 + 48];
    let needles: Vec<&[u8]> = vec![
        CLERK_NAME.as_bytes(),
        b"Mustermann",
        CLERK_USERNAME.as_bytes(),
        CLERK_PASSWORD.as_bytes(),
        codes[0].as_bytes(),
        codes[1].as_bytes(),
        image_bytes,
    ];
    let log = Desk::log_path_for(&config);
    let found = files_containing(&env.dir.path().join("data-desk"), std::slice::from_ref(&log), &needles)?;
    assert!(found.is_empty(), "readable on disk: {found:?}");
    let log_text = std::fs::read_to_string(&log)?;
    assert!(log_text.contains("photo decision"), "the desk core's own log lines are where the check looks");
    // The same search finds them where they are meant to be in the clear (the check can fail).
    let photo_file = env.dir.path().join("photo.jpg");
    std::fs::write(&photo_file, &jpeg)?;
    let control = files_containing(&env.dir.path().join("pki"), &[photo_file], &[image_bytes, b"BEGIN CERTIFICATE"])?;
    assert_eq!(control.iter().filter(|(_, needle)| *needle == 0).count(), 1, "{control:?}");
    assert!(control.iter().any(|(_, needle)| *needle == 1), "{control:?}");

    // The central returns: the desk logs in there in the background and the outbox drains.
    central.restart()?;
    let deadline = tokio::time::Instant::now() + DRAIN_WITHIN;
    loop {
        let text = desk.driver.find(By::Css("#sync-state")).await?.text().await?;
        if text == "Alle Änderungen übertragen" {
            break;
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "still {text:?} {DRAIN_WITHIN:?} after the central returned"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    desk.wait_text("#connection-state", |t| t == "Online").await?;
    let last_sync = desk.wait_text("#last-sync", |t| t != "noch keine").await?;
    assert!(!last_sync.is_empty());
    desk.screenshot("synced-after-the-central-returned", "Alle Änderungen übertragen").await?;
    desk.close().await?;
    Ok(())
}
