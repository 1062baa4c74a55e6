//! The desk core (`schalter-desk-core`, no window) against the real central API and photo cloud
//! processes: what a photo decision may and may not do, and that nothing of one citizen's photo
//! outlives the clerk's session, the next code or the decision.

use schalter_desk_core::{Desk, DeskConfig, DeskError};
use schalter_photo::Algorithm;
use schalter_system_tests::{asset, Environment, Running, CLERK_PASSWORD, CLERK_USERNAME};

/// Fields drop in this order: the desk and the servers before the directory with their databases.
struct Counter {
    desk: Desk,
    _central: Running,
    _cloud: Running,
    cloud_url: String,
    env: Environment,
}

async fn counter() -> Counter {
    let env = Environment::new().unwrap();
    let (central, central_url) = env.start_central().unwrap();
    let (cloud, cloud_url) = env.start_photo_cloud().unwrap();
    let config =
        env.desk_config_with(&central_url, &Environment::photo_cloud_toml("psb:05111000_00", &cloud_url)).unwrap();
    let desk = Desk::new(&DeskConfig::load(&config).unwrap()).unwrap();
    desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap();
    Counter { env, _central: central, _cloud: cloud, cloud_url, desk }
}

impl Counter {
    async fn upload(&self, photo: &str) -> String {
        self.env.studio_upload(&self.cloud_url, &asset(photo), Algorithm::Aes256Gcm).await.unwrap()
    }
}

fn code_of<T>(result: Result<T, DeskError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(error) => error.code().to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn regression_logout_forgets_the_photo_and_its_key() {
    let c = counter().await;
    let photo = c.desk.fetch_photo(&c.upload("photos/valid-1244x1600.jpg").await).await.unwrap();
    c.desk.logout().await.unwrap();
    c.desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap();
    // The next clerk cannot decide on the previous citizen's photo.
    assert_eq!(code_of(c.desk.decide_photo(&photo.photo_id, true, None, false).await), "no_photo");

    // The valid case in the same test: a photo fetched in this session can be decided.
    let photo = c.desk.fetch_photo(&c.upload("photos/valid-1244x1600.jpg").await).await.unwrap();
    let decision = c.desk.decide_photo(&photo.photo_id, true, None, false).await.unwrap();
    assert!(decision.deleted_in_cloud);
}

#[tokio::test(flavor = "multi_thread")]
async fn regression_a_new_code_forgets_the_previous_photo_even_when_it_fails() {
    let c = counter().await;
    let first = c.desk.fetch_photo(&c.upload("photos/valid-1244x1600.jpg").await).await.unwrap();
    assert_eq!(code_of(c.desk.fetch_photo("kein Foto-Code").await), "not_base64");
    assert_eq!(code_of(c.desk.decide_photo(&first.photo_id, true, None, false).await), "no_photo");

    let second = c.desk.fetch_photo(&c.upload("photos/valid-1244x1600.jpg").await).await.unwrap();
    assert_eq!(code_of(c.desk.decide_photo(&first.photo_id, true, None, false).await), "no_photo");
    assert_eq!(code_of(c.desk.decide_photo(&second.photo_id, false, None, false).await), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn regression_accepting_a_photo_that_failed_a_check_needs_the_clerks_override() {
    let c = counter().await;
    let code = c.upload("photos/too-small-622x800.jpg").await;
    let photo = c.desk.fetch_photo(&code).await.unwrap();
    assert!(!photo.all_passed);
    // The core refuses, whatever the window sent; the photo stays open and in the cloud.
    assert_eq!(code_of(c.desk.decide_photo(&photo.photo_id, true, None, false).await), "override_required");
    let decision = c.desk.decide_photo(&photo.photo_id, true, None, true).await.unwrap();
    assert!(decision.accepted && decision.checks_overridden && decision.deleted_in_cloud);

    // A photo that passed every check needs no override, and is not recorded as one.
    let photo = c.desk.fetch_photo(&c.upload("photos/valid-1244x1600.jpg").await).await.unwrap();
    let decision = c.desk.decide_photo(&photo.photo_id, true, None, true).await.unwrap();
    assert!(decision.accepted && !decision.checks_overridden);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_photo_decided_on_is_forgotten() {
    let c = counter().await;
    let photo = c.desk.fetch_photo(&c.upload("photos/valid-1244x1600.jpg").await).await.unwrap();
    c.desk.decide_photo(&photo.photo_id, false, None, false).await.unwrap();
    assert_eq!(code_of(c.desk.decide_photo(&photo.photo_id, true, None, false).await), "no_photo");
    c.desk.clear_photo();
}

#[tokio::test(flavor = "multi_thread")]
async fn each_trusted_cloud_is_held_to_its_configured_seal_form() {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine;
    use schalter_desk_core::PhotoRetrieval;
    use schalter_photo::seal::{SealForm, SealSigner};

    let c = counter().await;
    let code = c.upload("photos/valid-1244x1600.jpg").await;
    let retrieval_with = |form: &str| {
        let cloud = Environment::photo_cloud_toml("psb:05111000_00", &c.cloud_url);
        let toml = format!("{cloud}seal_form = \"{form}\"\n");
        let path = c.env.desk_config_named(&format!("desk-{form}.toml"), "https://127.0.0.1:9", &toml).unwrap();
        PhotoRetrieval::new(&DeskConfig::load(&path).unwrap()).unwrap()
    };
    let digest_desk = retrieval_with("digest_as_message");
    let plain_desk = retrieval_with("plain");

    // The reference cloud seals in the default form: only the desk configured for it opens the photo.
    let (parsed, cloud) = digest_desk.parse_trusted(&code).unwrap();
    let envelope = digest_desk.download(&parsed, cloud).await.unwrap();
    assert!(digest_desk.open(&parsed, cloud, &envelope).is_ok());
    assert_eq!(code_of(plain_desk.open(&parsed, cloud, &envelope)), "seal_invalid");

    // The same photo sealed in the plain form (with the cloud's seal key): now the other way round.
    let signer = SealSigner::from_pkcs8_pem(&std::fs::read_to_string(c.env.pki.seal_key()).unwrap()).unwrap();
    let ciphertext = BASE64.decode(&envelope.ciphertext).unwrap();
    let mut plain = envelope.clone();
    plain.seal.signature =
        BASE64.encode(signer.sign_with_form(SealForm::Plain, &ciphertext, &envelope.user_identifier));
    assert!(plain_desk.open(&parsed, cloud, &plain).is_ok());
    assert_eq!(code_of(digest_desk.open(&parsed, cloud, &plain)), "seal_invalid");
}

/// What a handheld scanner set to a US layout types into a German desk: the keys of `y`/`z` are
/// swapped, `/` lands on `-`, and `=`/`+` on the dead accent keys (not composed here: the scanner
/// sends the next character as a key of its own).
fn typed_by_us_scanner(code: &str) -> String {
    code.chars()
        .map(|c| match c {
            'y' => 'z',
            'z' => 'y',
            'Y' => 'Z',
            'Z' => 'Y',
            '/' => '-',
            '=' => '´',
            '+' => '`',
            other => other,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn regression_a_code_from_a_us_layout_scanner_is_recognised_and_the_clerk_told() {
    let c = counter().await;
    // Codes until one contains every character the layouts disagree on, so each is exercised.
    let has_every_differing_char =
        |code: &str| ['y', 'z', '/', '+'].iter().all(|ch| code.to_ascii_lowercase().contains(*ch));
    let mut code = c.upload("photos/valid-1244x1600.jpg").await;
    for _ in 0..50 {
        if has_every_differing_char(&code) {
            break;
        }
        code = c.upload("photos/valid-1244x1600.jpg").await;
    }
    assert!(has_every_differing_char(&code), "no code with y, z, / and + in 50 uploads");
    let garbled = typed_by_us_scanner(&code);
    assert_ne!(garbled, code);
    let photo = c.desk.fetch_photo(&garbled).await.unwrap();
    assert!(photo.keyboard_layout_corrected);
    assert!(photo.all_passed);

    // The same code typed correctly is taken as typed and says nothing about the layout.
    c.desk.decide_photo(&photo.photo_id, false, None, false).await.unwrap();
    let photo = c.desk.fetch_photo(&code).await.unwrap();
    assert!(!photo.keyboard_layout_corrected);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_working_clerk_keeps_the_centrals_session_alive_past_its_idle_time() {
    use schalter_system_tests::CentralOptions;
    use std::time::Duration;

    let env = Environment::new().unwrap();
    let central =
        env.start_central_with(CentralOptions { session_idle_seconds: Some(4), ..Default::default() }).unwrap();
    let desk = Desk::new(&DeskConfig::load(&env.desk_config(central.url()).unwrap()).unwrap()).unwrap();
    let session = desk.login(CLERK_USERNAME, CLERK_PASSWORD).await.unwrap();
    assert_eq!(session.idle_timeout_seconds, 4);
    for second in 0..10 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(desk.touch_session().await.is_some(), "session lost after {second} s of work");
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(desk.touch_session().await.is_none(), "an idle session must end");
}
