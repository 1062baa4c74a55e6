//! `cargo test -p schalter-portrait --release --test timing -- --ignored --nocapture`: the median of ten
//! producer copies of a 1244 × 1600 register JPEG, and of its parts.

mod common;

use std::time::{Duration, Instant};

use schalter_portrait::{decode_jp2, producer_copy, producer_image};

fn median_of_ten<T>(mut run: impl FnMut() -> T) -> Duration {
    std::hint::black_box(run()); // warm-up
    let mut times: Vec<Duration> = (0..10)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(run());
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[4] + times[5]) / 2
}

#[test]
#[ignore = "timing, run in release by hand"]
fn producer_copy_median_of_ten() {
    let register = common::register_jpeg();
    let copy = producer_copy(register).unwrap();
    let total = median_of_ten(|| producer_copy(register).unwrap());
    let pixels = median_of_ten(|| producer_image(register).unwrap());
    let check = median_of_ten(|| decode_jp2(&copy.jp2).unwrap());
    println!(
        "producer_copy of a 1244 × 1600 JPEG ({} bytes) → JP2 {} bytes: median {total:?} \
         (JPEG decode + crop + Lanczos3 {pixels:?}, JP2 decode for the check {check:?}, \
         JP2 encode ≈ {:?})",
        register.len(),
        copy.jp2.len(),
        total.saturating_sub(pixels + check),
    );
}
