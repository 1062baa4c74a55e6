//! `cargo +nightly fuzz run photo_check` (from crates/photo): hostile photo files must end in an
//! error or a report, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schalter_photo::check::{check_photo, Limits};

fuzz_target!(|data: &[u8]| {
    // Small pixel limits keep each run fast; the limit logic itself is the same at any size.
    let limits = Limits { max_bytes: 1 << 20, max_width: 1024, max_height: 1024, max_pixels: 1 << 20 };
    if let Ok(report) = check_photo(data, &limits) {
        assert!(report.width <= 1024 && report.height <= 1024);
    }
});
