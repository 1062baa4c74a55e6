use std::process::Command;

use schalter_photo::{Algorithm, PhotoCode};

fn photo_code(arg: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_photo-code")).args(["inspect", arg]).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap())
}

fn sample_code() -> PhotoCode {
    PhotoCode::new(
        "https://image-download.example",
        uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        Algorithm::Aes256Gcm,
        vec![9; 12],
        "",
        [0x5a; 32],
    )
    .unwrap()
}

#[test]
fn inspect_prints_the_fields_but_never_the_key() {
    let code = sample_code();
    let (ok, out) = photo_code(&code.to_base64());
    assert!(ok, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["cloud_url"], "https://image-download.example");
    assert_eq!(json["algorithm_oid"], "2.16.840.1.101.3.4.1.46");
    assert_eq!(json["iv_hex"], "090909090909090909090909");
    assert_eq!(json["key_len"], 32);
    assert!(!out.to_lowercase().contains("5a5a5a5a"), "the key must not be printed");
}

#[test]
fn inspect_fails_with_the_error_code() {
    let (ok, out) = photo_code("kein-code");
    assert!(!ok);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["error"]["code"], "not_base64");
}

#[test]
fn inspect_reads_a_png_without_a_code_as_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leer.png");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/photos/not-a-jpeg.png"), &path).unwrap();
    let (ok, out) = photo_code(path.to_str().unwrap());
    assert!(!ok);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["error"]["code"], "no_code_found");
}

#[test]
fn inspect_reads_data_matrix_and_qr_images_as_the_studio_prints_them() {
    let code = sample_code();
    let dir = tempfile::tempdir().unwrap();
    let images = [
        ("code-datamatrix.png", schalter_photo_cloud::codes::datamatrix_png(&code.to_base64()).unwrap()),
        ("code-qr.png", schalter_photo_cloud::codes::qr_png(&code.to_base64()).unwrap()),
    ];
    for (name, png) in images {
        let path = dir.path().join(name);
        std::fs::write(&path, png).unwrap();
        let (ok, out) = photo_code(path.to_str().unwrap());
        assert!(ok, "{name}: {out}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["photo_id"], "01234567-89ab-cdef-0123-456789abcdef", "{name}");
    }
}
