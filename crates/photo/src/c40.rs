//! Data Matrix C40 encodation (ISO/IEC 16022 §5.2.5), as the TR-03170 code uses it for the
//! algorithm OID and the padding id *inside* the Base64 payload: the scanner cannot undo it for us.
//!
//! Three C40 values (0..=39) share one 16-bit codeword pair: `1600*c1 + 40*c2 + c3 + 1`, big-endian.
//! Values 0, 1, 2 shift the next value into set 1 (control characters), set 2 (punctuation, upper
//! shift) or set 3 (lower case); a shift may straddle two pairs. Codeword 254 unlatches to ASCII
//! encodation (codeword = ASCII value + 1) for a tail that does not fill a pair.
//!
//! End of data, as ICAO 9303-13 and the codes in the field do it: two values left over are padded
//! with a Shift 1; a lone value (or a tail that cannot be cut at a pair boundary) goes out as
//! unlatch + ASCII. Characters U+0080..=U+00FF (ISO 8859-1, the Data Matrix default) use Upper Shift.

use crate::PhotoError;

const UNLATCH: u8 = 254;
const ASCII_UPPER_SHIFT: u8 = 235;
const ASCII_LATCH_C40: u8 = 230;
const SHIFT2_UPPER_SHIFT: u8 = 30;
const MAX_PAIR_VALUE: u32 = 64000;

fn invalid() -> PhotoError {
    PhotoError::InvalidC40 { field: None }
}

/// Appends the C40 values of one 7-bit character.
fn push_values(c: u8, out: &mut Vec<u8>) {
    match c {
        b' ' => out.push(3),
        b'0'..=b'9' => out.push(c - b'0' + 4),
        b'A'..=b'Z' => out.push(c - b'A' + 14),
        0..=31 => out.extend([0, c]),
        33..=47 => out.extend([1, c - 33]),
        58..=64 => out.extend([1, c - 58 + 15]),
        91..=95 => out.extend([1, c - 91 + 22]),
        _ => out.extend([2, c - 96]), // 96..=127
    }
}

fn push_pair(values: &[u8], out: &mut Vec<u8>) {
    let v = 1600 * u16::from(values[0]) + 40 * u16::from(values[1]) + u16::from(values[2]) + 1;
    out.extend(v.to_be_bytes());
}

/// Encodes `text` (characters up to U+00FF) in C40.
pub fn encode(text: &str) -> Result<Vec<u8>, PhotoError> {
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        bytes.push(u8::try_from(u32::from(c)).map_err(|_| invalid())?);
    }

    let mut values = Vec::with_capacity(bytes.len() * 2);
    // boundary[k] = number of values used by the first k characters
    let mut boundary = Vec::with_capacity(bytes.len() + 1);
    boundary.push(0);
    for &b in &bytes {
        if b >= 128 {
            values.extend([1, SHIFT2_UPPER_SHIFT]);
        }
        push_values(b & 0x7F, &mut values);
        boundary.push(values.len());
    }

    // How many characters go into codeword pairs; the rest (if any) into ASCII after an unlatch.
    let in_c40 = match values.len() % 3 {
        0 => bytes.len(),
        2 => {
            values.push(0); // Shift 1 as pad
            bytes.len()
        }
        // A lone value left over: cut at the last character boundary that ends a pair. For a final
        // basic-set character that is simply the one before it.
        _ => boundary.iter().rposition(|&n| n % 3 == 0).unwrap_or(0),
    };

    let cut = if in_c40 == bytes.len() { values.len() } else { boundary[in_c40] };
    let mut out = Vec::with_capacity(cut / 3 * 2 + 2 * (bytes.len() - in_c40) + 1);
    for triple in values[..cut].chunks_exact(3) {
        push_pair(triple, &mut out);
    }
    if in_c40 < bytes.len() {
        out.push(UNLATCH);
        for &b in &bytes[in_c40..] {
            if b >= 128 {
                out.extend([ASCII_UPPER_SHIFT, b - 128 + 1]);
            } else {
                out.push(b + 1);
            }
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Decoder {
    out: String,
    /// 0 = basic set, 1..=3 = the set the next value belongs to.
    shift: u8,
    /// The pending shift came from the last value of a pair, so it may be the end-of-data pad.
    shift_may_be_pad: bool,
    upper: bool,
}

impl Decoder {
    fn emit(&mut self, c: u8) -> Result<(), PhotoError> {
        let c = if self.upper {
            self.upper = false;
            c.checked_add(128).ok_or_else(invalid)?
        } else {
            c
        };
        self.out.push(char::from(c));
        Ok(())
    }

    fn value(&mut self, v: u8, last_in_pair: bool) -> Result<(), PhotoError> {
        let shift = std::mem::take(&mut self.shift);
        match (shift, v) {
            (0, 0..=2) => {
                self.shift = v + 1;
                self.shift_may_be_pad = last_in_pair;
                Ok(())
            }
            (0, 3) => self.emit(b' '),
            (0, 4..=13) => self.emit(v - 4 + b'0'),
            (0, 14..=39) => self.emit(v - 14 + b'A'),
            (1, 0..=31) => self.emit(v),
            (2, 0..=14) => self.emit(v + 33),
            (2, 15..=21) => self.emit(v - 15 + 58),
            (2, 22..=26) => self.emit(v - 22 + 91),
            (2, SHIFT2_UPPER_SHIFT) if !self.upper => {
                self.upper = true;
                Ok(())
            }
            (3, 0..=31) => self.emit(v + 96),
            // FNC1 (2/27), unused values and doubled upper shifts have no meaning in a text field.
            _ => Err(invalid()),
        }
    }

    /// At an unlatch or the end of data only a Shift 1 pad may be pending.
    fn close_c40(&mut self) -> Result<(), PhotoError> {
        match self.shift {
            0 if !self.upper => Ok(()),
            1 if self.shift_may_be_pad && !self.upper => {
                self.shift = 0;
                Ok(())
            }
            _ => Err(invalid()),
        }
    }
}

/// Decodes C40 codewords (with an optional unlatch and ASCII tail) to text. Malformed input is an
/// `invalid_c40` error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<String, PhotoError> {
    let mut d = Decoder::default();
    let mut in_c40 = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if in_c40 {
            if b == UNLATCH {
                d.close_c40()?;
                in_c40 = false;
                continue;
            }
            let &b2 = bytes.get(i).ok_or_else(invalid)?;
            i += 1;
            let v = u32::from(b) * 256 + u32::from(b2);
            if v == 0 || v > MAX_PAIR_VALUE {
                return Err(invalid());
            }
            let v = v - 1;
            // Each value is < 40, so the casts cannot truncate.
            let values = [(v / 1600) as u8, (v / 40 % 40) as u8, (v % 40) as u8];
            for (pos, value) in values.into_iter().enumerate() {
                d.value(value, pos == 2)?;
            }
        } else {
            match b {
                1..=128 => d.emit(b - 1)?,
                130..=229 if !d.upper => {
                    let n = b - 130;
                    d.emit(b'0' + n / 10)?;
                    d.emit(b'0' + n % 10)?;
                }
                ASCII_LATCH_C40 if !d.upper => in_c40 = true,
                ASCII_UPPER_SHIFT if !d.upper => d.upper = true,
                _ => return Err(invalid()),
            }
        }
    }
    if in_c40 {
        d.close_c40()?;
    } else if d.upper {
        return Err(invalid());
    }
    Ok(d.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    // "2.16.840.1.101.3.4.1.46" = 15 digits (1 value each) + 8 dots (Shift 2, 13) = 31 values:
    // ten full pairs and one value left, so the final "6" goes out as unlatch + ASCII ('6' + 1 = 0x37).
    //   "2."  = 6, 1, 13  -> 1600*6 + 40*1 + 13 + 1  = 9654  = 0x25B6
    //   "16." = 5, 10, 1 / 13 ... the dot's Shift 2 ends this pair and its 13 starts the next:
    //          5, 10, 1  -> 8000 + 400 + 1 + 1       = 8402  = 0x20D2
    //   13, "8", "4" = 13, 12, 8 -> 20800 + 480 + 8 + 1 = 21289 = 0x5329
    // The same bytes are printed by the codes of a photo provider in the field (AES-256-GCM).
    const GCM_OID_C40: &str = "25b6 20d2 5329 1936 1f76 1fe6 0850 0851 084e 0851 fe37";
    // Same OID up to the last character: '2' + 1 = 0x33.
    const CBC_OID_C40: &str = "25b6 20d2 5329 1936 1f76 1fe6 0850 0851 084e 0851 fe33";

    #[test]
    fn gcm_oid_matches_the_known_vector() {
        assert_eq!(hex(&encode("2.16.840.1.101.3.4.1.46").unwrap()), GCM_OID_C40.replace(' ', ""));
        assert_eq!(decode(&unhex(GCM_OID_C40)).unwrap(), "2.16.840.1.101.3.4.1.46");
    }

    #[test]
    fn cbc_oid_matches_the_known_vector() {
        assert_eq!(hex(&encode("2.16.840.1.101.3.4.1.42").unwrap()), CBC_OID_C40.replace(' ', ""));
        assert_eq!(decode(&unhex(CBC_OID_C40)).unwrap(), "2.16.840.1.101.3.4.1.42");
    }

    // "PKCS7" = P 29, K 24, C 16, S 32, 7 11: five values, padded with Shift 1 (0) to six.
    //   29, 24, 16 -> 46400 + 960 + 16 + 1 = 47377 = 0xB911
    //   32, 11, 0  -> 51200 + 440 + 0 + 1  = 51641 = 0xC9B9
    #[test]
    fn two_leftover_values_are_padded_with_shift_1() {
        assert_eq!(hex(&encode("PKCS7").unwrap()), "b911c9b9");
        assert_eq!(decode(&unhex("b911c9b9")).unwrap(), "PKCS7");
    }

    // The padding id of an AES-256-CBC code seen in the field, in lower case (Shift 3):
    //   0x0F03 = 3843 -> 3842 = 2, 16, 2  : S3 'p', S3 ...
    //   0x4514 = 17684 -> 17683 = 11, 2, 3 : 'k', S3, 'c'
    //   0x0F7A = 3962 -> 3961 = 2, 19, 1   : S3 's', S2 ...
    //   0x4C69 = 19561 -> 19560 = 12, 9, 0 : '-', '5', Shift 1 pad
    #[test]
    fn lower_case_padding_id_from_the_field() {
        assert_eq!(decode(&unhex("0f0345140f7a4c69")).unwrap(), "pkcs-5");
        assert_eq!(hex(&encode("pkcs-5").unwrap()), "0f0345140f7a4c69");
    }

    #[test]
    fn single_character_uses_unlatch_and_ascii() {
        assert_eq!(encode("A").unwrap(), vec![254, b'A' + 1]);
        assert_eq!(decode(&[254, b'A' + 1]).unwrap(), "A");
    }

    #[test]
    fn empty_text_is_empty() {
        assert_eq!(encode("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode(&[]).unwrap(), "");
    }

    #[test]
    fn three_basic_characters_fill_one_pair() {
        // "ABC" = 14, 15, 16 -> 22400 + 600 + 16 + 1 = 23017 = 0x59E9
        assert_eq!(hex(&encode("ABC").unwrap()), "59e9");
    }

    #[test]
    fn lone_leftover_value_of_a_shifted_character_goes_to_ascii() {
        // "AB." = 14, 15, 1 | 13: the dot's two values straddle the pair boundary and one value is
        // left over. Character boundaries fall after 0, 1, 2 and 4 values; only 0 ends a pair, so
        // the whole text goes out as ASCII.
        let bytes = encode("AB.").unwrap();
        assert_eq!(bytes, vec![254, b'A' + 1, b'B' + 1, b'.' + 1]);
        assert_eq!(decode(&bytes).unwrap(), "AB.");
    }

    #[test]
    fn latin1_uses_upper_shift() {
        for text in ["Ä", "ÄB", "Größe", "é."] {
            let bytes = encode(text).unwrap();
            assert_eq!(decode(&bytes).unwrap(), text);
        }
    }

    #[test]
    fn characters_outside_latin1_are_refused() {
        assert_eq!(encode("€").unwrap_err().code(), "invalid_c40");
    }

    #[test]
    fn ascii_tail_accepts_digit_pairs_and_relatch() {
        // unlatch, "12" as digit pair (130 + 12), latch C40, "ABC"
        assert_eq!(decode(&[254, 142, 230, 0x59, 0xE9]).unwrap(), "12ABC");
    }

    #[test]
    fn malformed_input_is_refused() {
        for bad in [
            &[0x25][..],        // half a pair
            &[0x00, 0x00],      // pair value 0
            &[0xFA, 0x01],      // pair value > 64000
            &[0x00, 0x02],      // 0, 0, 1: Shift 1 + NUL, then a Shift 2 that shifts nothing
            &[254, 0],          // ASCII codeword 0
            &[254, 129],        // pad codeword inside a field
            &[254, 235],        // upper shift without a character
            &[254, 255],        // undefined codeword
            &[0x0C, 0x0C],      // 1, 37, 3: value 37 is undefined in set 2
            &[0x59, 0xDA, 254], // 14, 15, 1: a Shift 2 (not a Shift 1 pad) pending at the unlatch
            &[0x0A, 0x7B],      // 1, 27, 2: FNC1 has no meaning in a text field
        ] {
            let result = decode(bad);
            assert!(result.is_err(), "{bad:02x?} decoded to {result:?}");
            assert_eq!(result.unwrap_err().code(), "invalid_c40");
        }
    }

    #[test]
    fn shift_1_pad_is_only_accepted_as_the_last_value() {
        // 14, 0, 3: 'A', then Shift 1 + 3 = U+0003 (not a pad: a value follows)
        assert_eq!(decode(&(22400u16 + 3 + 1).to_be_bytes()).unwrap(), "A\u{3}");
        // 14, 15, 0: "AB" + pad
        assert_eq!(decode(&(22400u16 + 600 + 1).to_be_bytes()).unwrap(), "AB");
        // 14, 0, 0: 'A', then Shift 1 + 0 = U+0000
        assert_eq!(decode(&(22400u16 + 1).to_be_bytes()).unwrap(), "A\u{0}");
    }

    proptest! {
        #[test]
        fn printable_ascii_round_trips(text in "[ -~]{0,80}") {
            let bytes = encode(&text).unwrap();
            prop_assert_eq!(decode(&bytes).unwrap(), text);
        }

        #[test]
        fn latin1_round_trips(text in "[\\x00-\\xff]{0,40}") {
            let bytes = encode(&text).unwrap();
            prop_assert_eq!(decode(&bytes).unwrap(), text);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn c40_is_never_longer_than_ascii_plus_one(text in "[0-9A-Z .]{0,60}") {
            prop_assert!(encode(&text).unwrap().len() <= text.len() * 2 + 1);
        }
    }
}
