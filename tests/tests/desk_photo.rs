//! The counter visit's heart in the real window: a studio makes a code, the "scanner"
//! types it into the desk, the verified photo appears, F8 accepts, the cloud forgets it.

use schalter_desk_core::{DeskConfig, PhotoRetrieval};
use schalter_photo::Algorithm;
use schalter_system_tests::{assert_accessible, asset, Desk, Environment};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn scanned_code_shows_the_verified_photo_and_accepting_deletes_it_in_the_cloud() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, central_url) = env.start_central()?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(&central_url, &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
    let code = env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await?;

    let desk = Desk::start(&config).await?;
    desk.log_in().await?;

    // Somewhere else first, so the scan has to find its way to the photo screen.
    desk.driver.action_chain().send_keys(Key::F4).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Abholung").await?;
    // A handheld scanner is a keyboard that types very fast and ends with Enter.
    desk.driver.action_chain().send_keys(code.clone() + Key::Enter).perform().await?;
    desk.wait_text("#section-content h1", |t| t == "Kunde/Foto").await?;
    desk.wait_text("#photo-verdict", |t| t == "Alle Prüfungen bestanden").await?;
    let checks = desk.wait_text("#photo-checks", |t| t.contains("✓")).await?;
    assert!(!checks.contains('✗'), "{checks}");
    desk.wait_text("#photo-user-identifier", |t| t.split(":::").count() == 3).await?;
    assert_accessible(&desk.driver, "photo screen with a verified photo").await?;
    desk.screenshot("photo-verified", "Alle Prüfungen bestanden").await?;

    desk.driver.action_chain().send_keys(Key::F8).perform().await?;
    desk.wait_text("#photo-status", |t| t == "Foto übernommen und in der Cloud gelöscht.").await?;
    desk.screenshot("photo-accepted", "Foto übernommen und in der Cloud gelöscht.").await?;

    // The second way in: the studio's printed Data Matrix as an image file.
    let second = env.studio_upload(&cloud_url, &asset("photos/too-small-622x800.jpg"), Algorithm::Aes256Cbc).await?;
    let image = env.dir.path().join("code-datamatrix.png");
    std::fs::write(&image, schalter_photo_cloud::codes::datamatrix_png(&second)?)?;
    let file_input = desk.driver.find(By::Css("#photo-code-file")).await?;
    file_input.send_keys(image.display().to_string()).await?;
    desk.wait_text("#photo-verdict", |t| t.starts_with("Nicht alle Prüfungen bestanden")).await?;
    desk.wait_text("#photo-checks", |t| t.contains("✗")).await?;
    assert_accessible(&desk.driver, "photo screen with failed checks").await?;
    desk.screenshot("photo-from-image-file-too-small", "Nicht alle Prüfungen bestanden").await?;
    // A failed check is not accepted by one stray F8: the desk asks again; F9 rejects.
    desk.driver.action_chain().send_keys(Key::F8).perform().await?;
    desk.wait_text("#photo-confirm", |t| t.contains("F8 noch einmal drücken")).await?;
    desk.screenshot("photo-failed-checks-confirm", "F8 noch einmal drücken").await?;
    desk.driver.action_chain().send_keys(Key::F9).perform().await?;
    desk.wait_text("#photo-status", |t| t.starts_with("Foto abgelehnt.")).await?;
    desk.close().await?;

    let retrieval = PhotoRetrieval::new(&DeskConfig::load(&config)?)?;
    let after = retrieval.fetch(&code).await.map(|_| ()).map_err(|e| e.code().to_owned());
    assert_eq!(after, Err("photo_not_found".to_owned()), "the cloud must no longer have the photo");
    Ok(())
}

/// The third way in: the webcam (here a replayed sequence through the same GStreamer pipeline, as
/// there is no camera on this machine) reads the slip held up to it; the preview is drawn while it looks.
#[tokio::test(flavor = "multi_thread")]
async fn camera_reads_the_code_and_the_photo_appears() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, central_url) = env.start_central()?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let code = env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await?;
    let frames = env.dir.path().join("camera");
    std::fs::create_dir_all(&frames)?;
    for (index, png) in schalter_photo_cloud::codes::camera_frames(&code)?.iter().enumerate() {
        std::fs::write(frames.join(format!("frame-{index:03}.png")), png)?;
    }
    // Slow enough that the preview is on screen for a while before the code comes into view.
    let camera = format!("\n[camera]\nreplay = \"{}\"\nreplay_fps = 2\n", frames.join("frame-%03d.png").display());
    let photo_cloud = Environment::photo_cloud_toml("psb:05111000_00", &cloud_url);
    let config = env.desk_config_with(&central_url, &format!("{photo_cloud}{camera}"))?;

    let desk = Desk::start(&config).await?;
    desk.log_in().await?;

    desk.driver.action_chain().send_keys(Key::F6).perform().await?;
    desk.wait_text("#camera-status", |t| t.contains("Den Code vor die Kamera halten")).await?;
    // The preview is drawn from the raw frames the desk streams over the IPC channel.
    let preview = desk.driver.find(By::Css("#camera-preview")).await?;
    let mut drawn = None;
    for _ in 0..50 {
        drawn = preview.attr("data-frames").await.ok().flatten();
        if drawn.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(drawn.is_some(), "no preview frame was drawn");
    desk.screenshot("camera-preview", "Den Code vor die Kamera halten").await?;

    desk.wait_text("#photo-verdict", |t| t == "Alle Prüfungen bestanden").await?;
    assert!(
        desk.driver.find_all(By::Css("#camera-status")).await?.is_empty(),
        "the camera stops once the code is read"
    );
    desk.screenshot("camera-photo-verified", "Alle Prüfungen bestanden").await?;

    // F6 by mistake: Esc switches the camera off again and the photo on screen is still there.
    desk.driver.action_chain().send_keys(Key::F6).perform().await?;
    desk.wait_text("#camera-status", |t| t.contains("Den Code vor die Kamera halten")).await?;
    desk.driver.action_chain().send_keys(Key::Escape).perform().await?;
    desk.wait_text("#camera-toggle", |t| t.starts_with("Mit der Kamera lesen")).await?;
    assert!(desk.driver.find_all(By::Css("#camera-status")).await?.is_empty(), "Esc stops the camera");
    desk.wait_text("#photo-verdict", |t| t == "Alle Prüfungen bestanden").await?;
    desk.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn regression_a_scan_into_the_focused_code_field_is_read_whole() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, central_url) = env.start_central()?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(&central_url, &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
    let code = env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await?;
    let desk = Desk::start(&config).await?;
    desk.log_in().await?;
    // After login the code field has the focus: the scanner types into it, the window re-renders
    // the field on every key, and the scan must still arrive in one piece.
    // The field takes the focus once the main screen has rendered after the login, which a loaded machine may show
    // a moment later than the login's answer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut focused = desk.driver.active_element().await?.id().await?;
    while focused.as_deref() != Some("photo-code-input") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        focused = desk.driver.active_element().await?.id().await?;
    }
    assert_eq!(focused.as_deref(), Some("photo-code-input"));
    desk.driver.action_chain().send_keys(code + Key::Enter).perform().await?;
    desk.wait_text("#photo-verdict", |t| t == "Alle Prüfungen bestanden").await?;
    desk.screenshot("photo-scanned-into-focused-field", "Alle Prüfungen bestanden").await?;
    desk.close().await?;
    Ok(())
}
