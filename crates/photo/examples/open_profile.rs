//! Times each stage of the desk's `open` (seal, decrypt, checks) against a plain `image` decode of
//! the same JPEG: `cargo run --release -p schalter-photo --example open_profile [photo.jpg] [runs]`.
//! The ratios come from alternating runs (open, decode, open, decode, …) and their medians.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use schalter_photo::seal::{self, SealSigner};
use schalter_photo::{check, crypto, Algorithm, PhotoCode, UserIdentifier};
use uuid::Uuid;

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(f());
        samples.push(started.elapsed());
    }
    median(samples)
}

/// Medians of `a` and `b`, run alternately.
fn interleaved<A, B>(runs: usize, mut a: impl FnMut() -> A, mut b: impl FnMut() -> B) -> (f64, f64) {
    let (mut sa, mut sb) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(a());
        sa.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(b());
        sb.push(started.elapsed());
    }
    (median(sa), median(sb))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/photos/valid-1244x1600.jpg"));
    let runs: usize = args.next().map(|r| r.parse().expect("runs")).unwrap_or(50);
    let jpeg = std::fs::read(&path).expect("photo");

    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["seal.cloud.example".into()]).unwrap().self_signed(&key).unwrap();
    let cert_pem = cert.pem();
    let signer = SealSigner::from_pkcs8_pem(&key.serialize_pem()).unwrap();
    let uid = UserIdentifier::new_random();
    let (k, iv) = crypto::new_key_material(Algorithm::Aes256Gcm);
    let code = PhotoCode::new("https://c.example", Uuid::nil(), Algorithm::Aes256Gcm, iv, "", k).unwrap();
    let ciphertext = crypto::encrypt(&code, &jpeg);
    let signature = signer.sign(&ciphertext, uid.as_str());
    let ciphertext_b64 = BASE64.encode(&ciphertext);
    let limits = check::Limits::default();

    let b64 = time(runs, || BASE64.decode(ciphertext_b64.as_bytes()).unwrap());
    let seal = time(runs, || seal::verify(&cert_pem, seal::ALGORITHM, &ciphertext, uid.as_str(), &signature).unwrap());
    let uid_parse = time(runs, || UserIdentifier::parse(uid.as_str()).unwrap());
    let decrypt = time(runs, || crypto::decrypt(&code, &ciphertext).unwrap());
    let checks = time(runs, || check::check_photo(&jpeg, &limits).unwrap());
    let open_once = || {
        let ct = BASE64.decode(ciphertext_b64.as_bytes()).unwrap();
        seal::verify(&cert_pem, seal::ALGORITHM, &ct, uid.as_str(), &signature).unwrap();
        UserIdentifier::parse(uid.as_str()).unwrap();
        let plain = crypto::decrypt(&code, &ct).unwrap();
        check::check_photo(&plain, &limits).unwrap()
    };
    let decode_once = || image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap();
    // Each stage against the plain decode, run by run in turn, so that other load on the machine
    // falls on both alike.
    let (open, plain) = interleaved(runs, open_once, decode_once);
    let (checks_alone, plain_alone) = interleaved(runs, || check::check_photo(&jpeg, &limits).unwrap(), decode_once);
    println!("{} ({} bytes), {runs} runs, medians:", path.display(), jpeg.len());
    for (name, ms) in [
        ("base64 decode (desk)", b64),
        ("seal::verify", seal),
        ("UserIdentifier::parse", uid_parse),
        ("crypto::decrypt (GCM)", decrypt),
        ("check::check_photo", checks),
        ("open (all of the above)", open),
        ("plain image decode", plain),
    ] {
        println!("  {name:<28} {ms:>8.3} ms");
    }
    println!("open_ratio={:.3} check_ratio={:.3}", open / plain, checks_alone / plain_alone);
    let report = check::check_photo(&jpeg, &limits).unwrap();
    for c in &report.checks {
        println!("  {} {} {}", c.id, c.passed, c.message);
    }
}
