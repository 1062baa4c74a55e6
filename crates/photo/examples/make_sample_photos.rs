//! Writes the synthetic sample photos to `assets/photos/` and shows what `check_photo` says about
//! each. The portraits are drawn, not photographed: no real person is shown.
//!
//! `cargo run -p schalter-photo --example make_sample_photos --release`

#[path = "../src/check/synthetic.rs"]
mod synthetic;

use std::error::Error;
use std::fs;
use std::path::Path;

use image::ImageEncoder;
use schalter_photo::check::{self, Limits};

/// Same seed, same files: regenerating does not churn the repository.
const SEED: u64 = 0x5C4A_17E2;
const QUALITY: u8 = 90;

fn main() -> Result<(), Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/photos");
    fs::create_dir_all(&dir)?;

    let files = [
        ("valid-1244x1600.jpg", synthetic::encode_jpeg(&synthetic::portrait(1244, 1600, SEED, 1.0), QUALITY)),
        ("too-small-622x800.jpg", synthetic::encode_jpeg(&synthetic::portrait(622, 800, SEED, 1.0), QUALITY)),
        ("upscaled-1244x1600.jpg", synthetic::encode_jpeg(&synthetic::upscaled_portrait(1244, 1600, SEED), QUALITY)),
        ("not-a-jpeg.png", png(&synthetic::portrait(311, 400, SEED, 1.0))?),
    ];
    for (name, bytes) in &files {
        fs::write(dir.join(name), bytes)?;
        print!("{name}: {} KB, ", bytes.len() / 1024);
        match check::check_photo(bytes, &Limits::default()) {
            Err(e) => println!("refused: {} ({})", e.code(), e),
            Ok(report) => {
                println!("all_passed = {}", report.all_passed);
                for c in &report.checks {
                    println!("    {:13} {:5} {}", c.id, c.passed, c.message);
                }
            }
        }
    }
    Ok(())
}

fn png(image: &image::RgbImage) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(
        image.as_raw(),
        image.width(),
        image.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}
