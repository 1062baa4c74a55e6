//! Desk updates end to end (issue 12): the real central serves a channel's `latest.json` and package from
//! `--updates-dir`; the desk core fetches both over its mTLS client, verifies the minisign signature exactly as
//! tauri-plugin-updater does, spools the package and hands it to the installer only when no clerk is logged in.
//! In the same test: the package with one flipped byte is refused and never reaches the spool, and a managed
//! desk downloads nothing and never installs.
//!
//! The signing key is made here (the release key stays with the release manager); the desk is given its public
//! key through `Updater::with_key`, the seam `Updater::new` closes with the compiled-in release key.

use std::io::Cursor;
use std::path::Path;

use base64::Engine;
use schalter_desk_core::updates::{ReleaseVersion, Updater};
use schalter_desk_core::{Desk, DeskConfig, DeskError};
use schalter_system_tests::{CentralOptions, Environment, CLERK_PASSWORD, CLERK_USERNAME};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const PACKAGE: &str = "Schalter_0.2.0_amd64.deb";

/// What tauri-cli's signer writes: base64 around minisign's prehashed signature text.
fn tauri_sign(secret: &minisign::SecretKey, bytes: &[u8]) -> String {
    let trusted = format!("timestamp:1764700000\tfile:{PACKAGE}");
    let signature =
        minisign::sign(None, secret, Cursor::new(bytes), Some(&trusted), Some("signature from tauri secret key"))
            .unwrap();
    B64.encode(signature.to_string())
}

fn publish(dir: &Path, channel: &str, package: &[u8], signature: &str) {
    let channel_dir = dir.join(channel);
    std::fs::create_dir_all(&channel_dir).unwrap();
    std::fs::write(channel_dir.join(PACKAGE), package).unwrap();
    let manifest = serde_json::json!({
        "version": "0.2.0",
        "notes": "Warteschlange: Aufruf per Taste",
        "pub_date": "2026-12-03T08:00:00Z",
        "platforms": { "linux-x86_64": { "signature": signature, "url": format!("/v1/updates/{channel}/files/{PACKAGE}") } },
    });
    std::fs::write(channel_dir.join("latest.json"), manifest.to_string()).unwrap();
}

fn desk(env: &Environment, url: &str, name: &str, updates: &str, public_key: &str) -> (Desk, DeskConfig) {
    let path = env.desk_config_named(&format!("{name}.toml"), url, &format!("[updates]\n{updates}")).unwrap();
    let config = DeskConfig::load(&path).unwrap();
    let updater = Updater::with_key(
        config.updates.clone(),
        &config.data_dir,
        public_key,
        ReleaseVersion::parse("0.1.0").unwrap(),
    );
    (Desk::new(&config).unwrap().with_updater(updater), config)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_update_is_installed_when_the_desk_is_idle_and_a_tampered_one_never() {
    let env = Environment::new().unwrap();
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let public_key = B64.encode(pair.pk.to_box().unwrap().to_string());
    let package: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let signature = tauri_sign(&pair.sk, &package);
    let releases = env.dir.path().join("releases");
    publish(&releases, "stable", &package, &signature);
    // The pilot channel offers the same release, its package with one byte flipped in transit or on the disk.
    let mut tampered = package.clone();
    tampered[150_000] ^= 0x01;
    publish(&releases, "pilot", &tampered, &signature);

    let options = CentralOptions {
        extra_args: vec!["--updates-dir".into(), releases.display().to_string()],
        ..CentralOptions::default()
    };
    let central = env.start_central_with(options).unwrap();
    let url = central.url().to_owned();

    // The installer: a real program that gets the spooled package's path last, as dpkg would.
    let installed = env.dir.path().join("installed.deb");
    let installer = format!(
        "mode = \"automatic\"\ninstall_command = [\"/bin/sh\", \"-c\", \"cp \\\"$1\\\" {}\", \"install\"]\n",
        installed.display()
    );
    let (automatic, config) = desk(&env, &url, "desk-automatic", &installer, &public_key);
    let view = automatic.check_for_update().await.unwrap().expect("0.2.0 is newer than 0.1.0");
    assert_eq!((view.version.as_str(), view.notes.as_str()), ("0.2.0", "Warteschlange: Aufruf per Taste"));
    assert!(!view.managed && !view.installed);
    assert_eq!(std::fs::read(config.data_dir.join("updates").join(PACKAGE)).unwrap(), package, "verified and spooled");

    // A clerk at work: not now.
    automatic.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap();
    assert!(!automatic.install_update_if_idle().unwrap());
    assert!(!installed.exists(), "never installed under a working clerk");
    automatic.logout().await.unwrap();
    assert!(automatic.install_update_if_idle().unwrap(), "idle: installed");
    assert_eq!(std::fs::read(&installed).unwrap(), package, "the installer got the verified package");
    assert!(automatic.update_status().unwrap().installed, "the window is told");

    // The flipped byte: refused, nothing spooled, nothing installed.
    let (pilot, pilot_config) = desk(&env, &url, "desk-pilot", "channel = \"pilot\"\n", &public_key);
    let refused = pilot.check_for_update().await.unwrap_err();
    assert!(matches!(refused, DeskError::UpdateSignatureInvalid), "{refused:?}");
    assert_eq!(refused.code(), "update_signature_invalid");
    let spool = pilot_config.data_dir.join("updates");
    assert!(!spool.exists() || std::fs::read_dir(&spool).unwrap().next().is_none(), "nothing of it in the spool");
    assert!(!pilot.install_update_if_idle().unwrap());
    assert_eq!(pilot.update_status(), None);

    // Managed: told, nothing downloaded, never installed.
    let (managed, managed_config) = desk(&env, &url, "desk-managed", "mode = \"managed\"\n", &public_key);
    let view = managed.check_for_update().await.unwrap().expect("told of 0.2.0");
    assert!(view.managed);
    assert!(!managed_config.data_dir.join("updates").exists(), "a managed desk downloads nothing");
    assert!(!managed.install_update_if_idle().unwrap());
}
