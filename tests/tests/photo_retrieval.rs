//! The desk's photo retrieval against the real reference photo cloud process: the happy
//! path and the negative matrix of issue #3, each refusal with its own code.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use schalter_desk_core::{DeskConfig, DeskError, PhotoRetrieval};
use schalter_photo::{Algorithm, PhotoCode};
use schalter_pki::{CertificateAuthority, Validity};
use schalter_system_tests::{asset, Environment, Running};

const OFFICE_KEY: &str = "psb:05111000_00";

struct Setup {
    env: Environment,
    _cloud: Running,
    cloud_url: String,
}

fn setup() -> Setup {
    let env = Environment::new().unwrap();
    let (cloud, cloud_url) = env.start_photo_cloud().unwrap();
    Setup { env, _cloud: cloud, cloud_url }
}

impl Setup {
    fn retrieval_with(&self, organisation_key: &str, extra: &str) -> PhotoRetrieval {
        let toml = Environment::photo_cloud_toml(organisation_key, &self.cloud_url) + extra;
        // The central API is not needed here; the desk only needs a syntactically valid URL.
        let path = self.env.desk_config_with("https://127.0.0.1:9", &toml).unwrap();
        PhotoRetrieval::new(&DeskConfig::load(&path).unwrap()).unwrap()
    }

    fn retrieval(&self) -> PhotoRetrieval {
        self.retrieval_with(OFFICE_KEY, "")
    }

    async fn upload(&self, photo: &[u8], algorithm: Algorithm) -> String {
        self.env.studio_upload(&self.cloud_url, photo, algorithm).await.unwrap()
    }
}

fn code_of(result: Result<impl Sized, DeskError>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(error) => error.code().to_owned(),
    }
}

#[tokio::test]
async fn gcm_and_cbc_photos_arrive_verified_and_checked_then_accepting_deletes_them() {
    let s = setup();
    let desk = s.retrieval();
    for algorithm in [Algorithm::Aes256Gcm, Algorithm::Aes256Cbc] {
        let code = s.upload(&asset("photos/valid-1244x1600.jpg"), algorithm).await;
        let photo = desk.fetch(&code).await.unwrap();
        assert!(photo.all_passed, "{:?}", photo.checks);
        assert_eq!((photo.width, photo.height), (1244, 1600));
        assert_eq!(photo.user_identifier.split(":::").count(), 3);
        assert!(photo.image_data_url.starts_with("data:image/jpeg;base64,/9j/"));

        let decision = desk.decide(&photo.photo_id, true, None, false).await.unwrap();
        assert!(decision.deleted_in_cloud);
        assert_eq!(code_of(desk.fetch(&code).await), "photo_not_found", "photo already deleted");
    }
}

#[tokio::test]
async fn keeping_for_reuse_leaves_the_photo_in_the_cloud() {
    let s = setup();
    let desk = s.retrieval();
    let code = s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await;
    let photo = desk.fetch(&code).await.unwrap();
    let keep_until = (time::OffsetDateTime::now_utc() + time::Duration::days(28)).date().to_string();
    let decision = desk.decide(&photo.photo_id, true, Some(keep_until.clone()), false).await.unwrap();
    assert_eq!(decision.kept_until.as_deref(), Some(keep_until.as_str()));
    assert!(desk.fetch(&code).await.is_ok(), "kept photo can be fetched again");
    let too_long = (time::OffsetDateTime::now_utc() + time::Duration::days(400)).date().to_string();
    assert_eq!(code_of(desk.decide(&photo.photo_id, true, Some(too_long), false).await), "retention_too_long");
}

#[tokio::test]
async fn unknown_photo_id_is_not_found() {
    let s = setup();
    let code = PhotoCode::parse(&s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await).unwrap();
    let unknown = PhotoCode::new(
        code.cloud_url.clone(),
        uuid::Uuid::new_v4(),
        code.algorithm,
        code.iv.clone(),
        code.padding.clone(),
        *code.key(),
    )
    .unwrap();
    assert_eq!(code_of(s.retrieval().fetch(&unknown.to_base64()).await), "photo_not_found");
}

#[tokio::test]
async fn wrong_key_fails_decryption_after_a_valid_seal() {
    let s = setup();
    let code = PhotoCode::parse(&s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await).unwrap();
    let wrong = PhotoCode::new(
        code.cloud_url.clone(),
        code.photo_id,
        code.algorithm,
        code.iv.clone(),
        code.padding.clone(),
        [7; 32],
    )
    .unwrap();
    assert_eq!(code_of(s.retrieval().fetch(&wrong.to_base64()).await), "decryption_failed");
}

#[tokio::test]
async fn tampered_ciphertext_or_user_identifier_breaks_the_seal() {
    let s = setup();
    let desk = s.retrieval();
    let text = s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await;
    let (code, cloud) = desk.parse_trusted(&text).unwrap();
    let envelope = desk.download(&code, cloud).await.unwrap();
    assert!(desk.open(&code, cloud, &envelope).is_ok());

    let mut tampered = envelope.clone();
    let mut bytes = BASE64.decode(&tampered.ciphertext).unwrap();
    bytes[100] ^= 0x01;
    tampered.ciphertext = BASE64.encode(bytes);
    assert_eq!(code_of(desk.open(&code, cloud, &tampered)), "seal_invalid", "tampered ciphertext");

    let mut tampered = envelope.clone();
    let last = tampered.user_identifier.pop().unwrap();
    tampered.user_identifier.push(if last == '0' { '1' } else { '0' });
    assert_eq!(code_of(desk.open(&code, cloud, &tampered)), "seal_invalid", "tampered user identifier");
}

#[tokio::test]
async fn photo_too_small_is_shown_with_a_failed_check() {
    let s = setup();
    let code = s.upload(&asset("photos/too-small-622x800.jpg"), Algorithm::Aes256Gcm).await;
    let photo = s.retrieval().fetch(&code).await.unwrap();
    assert!(!photo.all_passed);
    let min_size = photo.checks.iter().find(|c| c.id == "min_size").unwrap();
    assert!(!min_size.passed);
}

#[tokio::test]
async fn png_truncated_jpeg_and_decompression_bomb_are_refused() {
    let s = setup();
    let desk = s.retrieval();
    let png = s.upload(&asset("photos/not-a-jpeg.png"), Algorithm::Aes256Gcm).await;
    assert_eq!(code_of(desk.fetch(&png).await), "not_jpeg");

    let valid = asset("photos/valid-1244x1600.jpg");
    let truncated = s.upload(&valid[..valid.len() / 2], Algorithm::Aes256Cbc).await;
    assert_eq!(code_of(desk.fetch(&truncated).await), "corrupt_jpeg");

    // A baseline JPEG header announcing 60000 × 60000 pixels and almost no data.
    let mut bomb = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x03];
    bomb.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    let bomb = s.upload(&bomb, Algorithm::Aes256Gcm).await;
    assert_eq!(code_of(desk.fetch(&bomb).await), "decompression_bomb");
}

#[tokio::test]
async fn organisation_key_of_a_wrong_category_is_refused_by_the_cloud() {
    let s = setup();
    let code = s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await;
    assert_eq!(code_of(s.retrieval_with("eid:05111000_00", "").fetch(&code).await), "wrong_category");
}

#[tokio::test]
async fn code_pointing_to_an_untrusted_cloud_is_refused_before_any_request() {
    let s = setup();
    let code = PhotoCode::parse(&s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await).unwrap();
    let foreign = PhotoCode::new(
        "https://image-download.example",
        code.photo_id,
        code.algorithm,
        code.iv.clone(),
        code.padding.clone(),
        *code.key(),
    )
    .unwrap();
    assert_eq!(code_of(s.retrieval().fetch(&foreign.to_base64()).await), "untrusted_cloud");
}

#[tokio::test]
async fn malformed_codes_get_their_own_codes() {
    let s = setup();
    let desk = s.retrieval();
    let valid = PhotoCode::parse(&s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await).unwrap();
    let bytes = valid.to_bytes().to_vec();
    let b64 = |b: &[u8]| BASE64.encode(b);
    let mut wrong_magic = bytes.clone();
    wrong_magic[0] = 0xE3;
    let mut wrong_version = bytes.clone();
    wrong_version[1] = 0x02;
    let mut trailing = bytes.clone();
    trailing.push(0);
    let cases = [
        ("kein Code!".to_owned(), "not_base64"),
        (b64(&wrong_magic), "wrong_magic"),
        (b64(&wrong_version), "unknown_version"),
        (b64(&bytes[..bytes.len() - 5]), "length_overrun"),
        (b64(&trailing), "trailing_bytes"),
    ];
    for (text, expected) in cases {
        assert_eq!(code_of(desk.fetch(&text).await), expected, "{expected}");
    }
}

#[tokio::test]
async fn rogue_cloud_certificate_is_refused() {
    let s = setup();
    let code = s.upload(&asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await;
    // The desk trusts another CA for this cloud than the one that issued its certificate.
    let rogue = CertificateAuthority::new("Fremde CA").unwrap();
    let rogue_ca = s.env.dir.path().join("rogue-ca.pem");
    std::fs::write(&rogue_ca, rogue.cert_pem()).unwrap();
    let toml = format!(
        "organisation_key = \"{OFFICE_KEY}\"\n[[photo_clouds]]\nbase_url = \"{}\"\nca = \"rogue-ca.pem\"\nseal_cert = \"pki/seal.pem\"\n",
        s.cloud_url
    );
    let path = s.env.desk_config_with("https://127.0.0.1:9", &toml).unwrap();
    let desk = PhotoRetrieval::new(&DeskConfig::load(&path).unwrap()).unwrap();
    assert_eq!(code_of(desk.fetch(&code).await), "cloud_tls_rejected");
}

#[tokio::test]
async fn hostname_mismatch_is_refused() {
    let env = Environment::new().unwrap();
    // The cloud's certificate names localhost, 127.0.0.1 and ::1 only; 127.0.0.2 is
    // loopback too, so the connection succeeds and only the name check can refuse.
    let (_cloud, cloud_url) = env.start_photo_cloud_at("127.0.0.2:0", &env.pki.ca_cert()).unwrap();
    assert!(cloud_url.starts_with("https://127.0.0.2:"), "{cloud_url}");
    let toml = Environment::photo_cloud_toml(OFFICE_KEY, &cloud_url);
    let path = env.desk_config_with("https://127.0.0.1:9", &toml).unwrap();
    let desk = PhotoRetrieval::new(&DeskConfig::load(&path).unwrap()).unwrap();
    let code = PhotoCode::new(
        cloud_url.as_str(),
        uuid::Uuid::new_v4(),
        Algorithm::Aes256Gcm,
        vec![0; 12],
        String::new(),
        [1; 32],
    )
    .unwrap();
    assert_eq!(code_of(desk.fetch(&code.to_base64()).await), "cloud_tls_rejected");
}

#[tokio::test]
async fn desk_certificates_of_another_ca_or_expired_are_refused_by_the_cloud() {
    let env = Environment::new().unwrap();
    let dir = env.dir.path();
    // A cloud that accepts desks of an authority CA we hold the key of.
    let authority = CertificateAuthority::new("Behörden-CA Test").unwrap();
    std::fs::write(dir.join("authority-ca.pem"), authority.cert_pem()).unwrap();
    let (_cloud, cloud_url) = env.start_photo_cloud_trusting(&dir.join("authority-ca.pem")).unwrap();
    let code = env.studio_upload(&cloud_url, &asset("photos/valid-1244x1600.jpg"), Algorithm::Aes256Gcm).await.unwrap();

    let desks = [
        ("valid", authority.issue_client("desk-gueltig", Validity::days(30)).unwrap(), "ok"),
        ("expired", authority.issue_client("desk-abgelaufen", Validity::expired()).unwrap(), "cloud_tls_rejected"),
        (
            "other-ca",
            CertificateAuthority::new("Fremde CA").unwrap().issue_client("desk-fremd", Validity::days(30)).unwrap(),
            "cloud_tls_rejected",
        ),
    ];
    for (name, identity, expected) in desks {
        identity.write(&dir.join(format!("{name}.pem")), &dir.join(format!("{name}.key"))).unwrap();
        let config = format!(
            "central_url = \"https://127.0.0.1:9\"\ncentral_ca = \"pki/ca.pem\"\ndesk_cert = \"{name}.pem\"\ndesk_key = \"{name}.key\"\n{}",
            Environment::photo_cloud_toml(OFFICE_KEY, &cloud_url)
        );
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, config).unwrap();
        let desk = PhotoRetrieval::new(&DeskConfig::load(&path).unwrap()).unwrap();
        assert_eq!(code_of(desk.fetch(&code).await), expected, "{name}");
    }
}
