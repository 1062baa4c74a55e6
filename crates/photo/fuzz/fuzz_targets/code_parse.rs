//! `cargo +nightly fuzz run code_parse` (from crates/photo): the code parser must refuse any input
//! with an error, never panic, and everything it accepts must survive a round trip; reading scanner
//! text with the US-layout translation never changes the answer for text that is valid as typed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use schalter_photo::{c40, PhotoCode, ScannedLayout};

fuzz_target!(|data: &[u8]| {
    if let Ok(code) = PhotoCode::from_bytes(data) {
        let again = PhotoCode::from_bytes(&code.to_bytes()).expect("an accepted code must re-parse");
        assert_eq!(again, code);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let strict = PhotoCode::parse(text);
        match PhotoCode::parse_scanned(text) {
            // A code valid as typed is taken as typed; otherwise the strict error is the answer.
            Ok(scanned) if scanned.layout == ScannedLayout::AsTyped => assert_eq!(Ok(scanned.code), strict),
            Ok(_) => assert!(strict.is_err(), "a valid code must not be translated"),
            Err(e) => assert_eq!(Err(e), strict),
        }
    }
    if let Ok(text) = c40::decode(data) {
        assert_eq!(c40::decode(&c40::encode(&text).expect("decoded text is Latin-1")).ok(), Some(text));
    }
});
