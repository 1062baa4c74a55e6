//! The counter visit's heart in the real window: a studio makes a code, the "scanner"
//! types it into the desk, the verified photo appears, F8 accepts, the cloud forgets it.

use schalter_desk_core::{DeskConfig, PhotoRetrieval};
use schalter_photo::Algorithm;
use schalter_system_tests::{asset, Desk, Environment, CLERK_NAME, CLERK_PASSWORD, CLERK_USERNAME};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread")]
async fn scanned_code_shows_the_verified_photo_and_accepting_deletes_it_in_the_cloud() -> anyhow::Result<()> {
    let env = Environment::new()?;
    let (_central, central_url) = env.start_central()?;
    let (_cloud, cloud_url) = env.start_photo_cloud()?;
    let config = env.desk_config_with(&central_url, &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url))?;
    let code = env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await?;

    let desk = Desk::start(&config).await?;
    desk.type_into("#username", CLERK_USERNAME).await?;
    desk.type_into("#password", CLERK_PASSWORD.to_owned() + Key::Enter).await?;
    desk.wait_text("#clerk-name", |t| t == CLERK_NAME).await?;

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
    desk.screenshot("photo-verified").await?;

    desk.driver.action_chain().send_keys(Key::F8).perform().await?;
    desk.wait_text("#photo-status", |t| t == "Foto übernommen und in der Cloud gelöscht.").await?;
    desk.screenshot("photo-accepted").await?;

    // The second way in: the studio's printed Data Matrix as an image file.
    let second = env.studio_upload(&cloud_url, &asset("photos/too-small-622x800.jpg"), Algorithm::Aes256Cbc).await?;
    let image = env.dir.path().join("code-datamatrix.png");
    std::fs::write(&image, schalter_photo_cloud::codes::datamatrix_png(&second)?)?;
    let file_input = desk.driver.find(By::Css("#photo-code-file")).await?;
    file_input.send_keys(image.display().to_string()).await?;
    desk.wait_text("#photo-verdict", |t| t.starts_with("Nicht alle Prüfungen bestanden")).await?;
    desk.wait_text("#photo-checks", |t| t.contains("✗")).await?;
    desk.screenshot("photo-from-image-file-too-small").await?;
    desk.close().await?;

    let retrieval = PhotoRetrieval::new(&DeskConfig::load(&config)?)?;
    let after = retrieval.fetch(&code).await.map(|_| ()).map_err(|e| e.code().to_owned());
    assert_eq!(after, Err("photo_not_found".to_owned()), "the cloud must no longer have the photo");
    Ok(())
}
