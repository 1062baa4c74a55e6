//! Real minisign signatures in Tauri's format (base64 around minisign's text files), made the way
//! tauri-cli 2 makes them (its `sign_file`: prehashed, "signature from tauri secret key").

use std::collections::BTreeMap;
use std::io::Cursor;
use std::time::Duration;

use base64::Engine;

use super::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A Tauri signer key pair: (private key as `TAURI_SIGNING_PRIVATE_KEY` holds it, public key as
/// `plugins.updater.pubkey` holds it).
struct TauriKey {
    secret: minisign::SecretKey,
    public_base64: String,
}

fn tauri_key() -> TauriKey {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let public_base64 = B64.encode(pair.pk.to_box().unwrap().to_string());
    TauriKey { secret: pair.sk, public_base64 }
}

/// What tauri-cli's `sign_file` does: prehashed signature, its comments, the box base64-encoded.
fn tauri_sign(key: &TauriKey, bytes: &[u8], file_name: &str) -> String {
    let trusted = format!("timestamp:1764700000\tfile:{file_name}");
    let signature =
        minisign::sign(None, &key.secret, Cursor::new(bytes), Some(&trusted), Some("signature from tauri secret key"))
            .unwrap();
    B64.encode(signature.to_string())
}

fn manifest(version: &str, signature: &str) -> UpdateManifest {
    let mut platforms = BTreeMap::new();
    platforms.insert(
        LINUX_X86_64.to_owned(),
        PlatformUpdate {
            signature: signature.to_owned(),
            url: "/v1/updates/stable/files/Schalter_0.2.0_amd64.deb".into(),
        },
    );
    UpdateManifest {
        version: version.into(),
        notes: Some("Warteschlange: Aufruf per Taste".into()),
        pub_date: None,
        platforms,
    }
}

fn updater(key: &TauriKey, dir: &Path, mode: UpdatePolicy) -> Updater {
    let config = UpdatesConfig { mode, ..UpdatesConfig::default() };
    Updater::with_key(config, dir, &key.public_base64, ReleaseVersion::parse("0.1.0").unwrap())
}

#[test]
fn a_package_with_one_flipped_byte_is_refused_and_the_untouched_one_accepted() {
    let key = tauri_key();
    let package: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let signature = tauri_sign(&key, &package, "Schalter_0.2.0_amd64.deb");
    let dir = tempfile::tempdir().unwrap();
    let updater = updater(&key, dir.path(), UpdatePolicy::Automatic);
    let offer = updater.offer(&manifest("0.2.0", &signature), LINUX_X86_64).unwrap().expect("0.2.0 > 0.1.0");

    let mut tampered = package.clone();
    tampered[31_337] ^= 0x01;
    let refused = updater.accept(&offer, &tampered).unwrap_err();
    assert_eq!(refused.code(), "update_signature_invalid");
    assert!(std::fs::read_dir(dir.path().join("updates")).map_or(true, |mut entries| entries.next().is_none()));

    let spooled = updater.accept(&offer, &package).unwrap();
    assert_eq!(std::fs::read(&spooled).unwrap(), package);
    assert_eq!(spooled.file_name().unwrap(), "Schalter_0.2.0_amd64.deb");
    // Swapped in the spool after the check: the install step checks again.
    std::fs::write(&spooled, &tampered).unwrap();
    assert_eq!(updater.install(&offer, &spooled).unwrap_err().code(), "update_signature_invalid");
}

#[test]
fn another_key_or_a_garbled_signature_is_refused() {
    let (key, other) = (tauri_key(), tauri_key());
    let package = b"package".to_vec();
    let signature = tauri_sign(&other, &package, "p.deb");
    assert_eq!(verify(&package, &signature, &key.public_base64).unwrap_err().code(), "update_signature_invalid");
    assert_eq!(verify(&package, "not base64!", &key.public_base64).unwrap_err().code(), "update_unusable");
    assert_eq!(
        verify(&package, &B64.encode("untrusted comment: x\nnope\n"), &key.public_base64).unwrap_err().code(),
        "update_unusable"
    );
    verify(&package, &tauri_sign(&key, &package, "p.deb"), &key.public_base64).unwrap();
}

#[test]
fn the_release_key_is_a_minisign_public_key() {
    minisign_verify::PublicKey::decode(&unbase64(RELEASE_PUBLIC_KEY, "key").unwrap()).unwrap();
}

/// The key compiled into the desk and the one tauri-cli signs against must be one key, or every
/// package `cargo xtask bundle` builds would be refused by the desks it is meant for.
#[test]
fn the_release_key_is_the_one_the_bundle_configuration_names() {
    let config: serde_json::Value = serde_json::from_str(include_str!("../../../../tauri.conf.json")).unwrap();
    let configured = config.pointer("/plugins/updater/pubkey").and_then(|key| key.as_str()).unwrap();
    assert_eq!(configured.trim(), RELEASE_PUBLIC_KEY.trim());
    assert_ne!(configured.trim(), tauri_key().public_base64, "a fresh key differs");
}

#[test]
fn only_a_newer_version_for_this_platform_is_offered() {
    let key = tauri_key();
    let dir = tempfile::tempdir().unwrap();
    let updater = updater(&key, dir.path(), UpdatePolicy::Automatic);
    for (version, offered) in
        [("0.2.0", true), ("v0.1.1", true), ("0.1.0", false), ("0.0.9", false), ("0.2.0-rc.1", true)]
    {
        assert_eq!(updater.offer(&manifest(version, "x"), LINUX_X86_64).unwrap().is_some(), offered, "{version}");
    }
    assert!(updater.offer(&manifest("0.2.0", "x"), WINDOWS_X86_64).unwrap().is_none());
    assert_eq!(updater.offer(&manifest("zwei", "x"), LINUX_X86_64).unwrap_err().code(), "update_unusable");
    let offer = updater.offer(&manifest("0.2.0", "x"), LINUX_X86_64).unwrap().unwrap();
    let view = updater.view(&offer);
    assert_eq!((view.version.as_str(), view.managed), ("0.2.0", false));
}

#[test]
fn installs_only_when_idle_and_a_managed_desk_never() {
    let key = tauri_key();
    let dir = tempfile::tempdir().unwrap();
    let automatic = updater(&key, dir.path(), UpdatePolicy::Automatic);
    assert_eq!(automatic.decide(false, Duration::ZERO), InstallDecision::Now);
    assert_eq!(automatic.decide(true, Duration::from_secs(60)), InstallDecision::Later);
    assert_eq!(automatic.decide(true, Duration::from_secs(600)), InstallDecision::Now);

    let managed = updater(&key, dir.path(), UpdatePolicy::Managed);
    assert_eq!(managed.decide(false, Duration::from_secs(86_400)), InstallDecision::Never);
    let package = b"package".to_vec();
    let offer = managed.offer(&manifest("0.2.0", &tauri_sign(&key, &package, "p.deb")), LINUX_X86_64).unwrap().unwrap();
    assert!(managed.view(&offer).managed);
    let spooled = automatic.accept(&offer, &package).unwrap();
    assert_eq!(managed.install(&offer, &spooled).unwrap_err().code(), "update_install_failed");
}

#[test]
fn the_configuration_reads_from_toml() {
    let config: UpdatesConfig = toml::from_str("mode = \"managed\"\nchannel = \"pilot\"\nidle_minutes = 5\n").unwrap();
    assert_eq!((config.mode, config.channel, config.idle_minutes), (UpdatePolicy::Managed, UpdateChannel::PILOT, 5));
    assert!(toml::from_str::<UpdatesConfig>("channel = \"nightly\"").is_err());
    assert_eq!(toml::from_str::<UpdatesConfig>("").unwrap(), UpdatesConfig::default());
}
