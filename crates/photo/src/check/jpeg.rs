//! A walk over the JPEG marker structure that allocates nothing. It finds the frame header (so the
//! dimensions are known before any decoder reserves memory), notices truncation (decoders in
//! lenient mode happily fill a cut-off file with grey) and spots a named wide-gamut ICC profile.

use crate::PhotoError;

use super::Limits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    pub precision: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Structure {
    pub frame: Frame,
    /// Name of a non-sRGB colour space found in an embedded ICC profile.
    pub foreign_profile: Option<&'static str>,
}

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP2: u8 = 0xE2;

fn corrupt() -> PhotoError {
    PhotoError::CorruptJpeg
}

/// SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
fn is_sof(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

pub(crate) fn walk(bytes: &[u8], limits: &Limits) -> Result<Structure, PhotoError> {
    if !bytes.starts_with(&[0xFF, SOI]) {
        return Err(PhotoError::NotJpeg);
    }
    let mut pos = 2;
    let mut frame: Option<Frame> = None;
    let mut seen_scan = false;
    let mut foreign_profile = None;
    loop {
        if bytes.get(pos) != Some(&0xFF) {
            return Err(corrupt());
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let &marker = bytes.get(pos).ok_or_else(corrupt)?;
        pos += 1;
        match marker {
            EOI if frame.is_some() && seen_scan => {
                return Ok(Structure { frame: frame.ok_or_else(corrupt)?, foreign_profile });
            }
            EOI | SOI | 0x00 => return Err(corrupt()),
            // Stand-alone markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = bytes.get(pos..pos + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))).ok_or_else(corrupt)?;
        if len < 2 {
            return Err(corrupt());
        }
        let segment = bytes.get(pos + 2..pos + len).ok_or_else(corrupt)?;
        pos += len;

        if is_sof(marker) {
            if frame.is_some() {
                return Err(corrupt());
            }
            let f = parse_frame(segment)?;
            if f.width > limits.max_width
                || f.height > limits.max_height
                || u64::from(f.width) * u64::from(f.height) > limits.max_pixels
            {
                return Err(PhotoError::DecompressionBomb { width: f.width, height: f.height });
            }
            frame = Some(f);
        } else if marker == APP2 && foreign_profile.is_none() {
            foreign_profile = icc_foreign_name(segment);
        } else if marker == SOS {
            if frame.is_none() {
                return Err(corrupt());
            }
            seen_scan = true;
            pos = skip_entropy_data(bytes, pos)?;
        }
    }
}

fn parse_frame(segment: &[u8]) -> Result<Frame, PhotoError> {
    let [precision, h1, h0, w1, w0, components, ..] = *segment else {
        return Err(corrupt());
    };
    let height = u32::from(u16::from_be_bytes([h1, h0]));
    let width = u32::from(u16::from_be_bytes([w1, w0]));
    // Height 0 would defer the real height to a DNL marker: no decoder we use supports that.
    if width == 0 || height == 0 || components == 0 || segment.len() != 6 + 3 * usize::from(components) {
        return Err(corrupt());
    }
    Ok(Frame { width, height, components, precision })
}

/// Skips entropy-coded data after an SOS header; returns the position of the next marker.
fn skip_entropy_data(bytes: &[u8], mut pos: usize) -> Result<usize, PhotoError> {
    loop {
        let ff = find_ff(&bytes[pos.min(bytes.len())..]).ok_or_else(corrupt)?;
        pos += ff;
        match bytes.get(pos + 1) {
            None => return Err(corrupt()),
            // Stuffed zero byte, restart marker, fill byte: still inside the scan.
            Some(0x00 | 0xD0..=0xD7) => pos += 2,
            Some(0xFF) => pos += 1,
            Some(_) => return Ok(pos),
        }
    }
}

/// Index of the first 0xFF byte, eight bytes at a time: the scan data is most of the file and this
/// walk runs before every decode.
fn find_ff(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        // 0xFF bytes become zero bytes; the classic "has a zero byte" test marks the first of them
        // exactly (borrows only reach the bytes above it).
        let inverted = !u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let zeros = inverted.wrapping_sub(ONES) & !inverted & HIGH;
        if zeros != 0 {
            return Some(offset + zeros.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    chunks.remainder().iter().position(|&b| b == 0xFF).map(|i| offset + i)
}

/// Names of common wide-gamut profiles. An sRGB profile or none at all passes: JFIF means sRGB.
const FOREIGN_PROFILES: [&str; 6] = ["Adobe RGB", "Display P3", "ProPhoto", "eciRGB", "Wide Gamut", "ROMM"];

fn icc_foreign_name(segment: &[u8]) -> Option<&'static str> {
    let payload = segment.strip_prefix(b"ICC_PROFILE\0")?;
    FOREIGN_PROFILES.into_iter().find(|name| {
        let ascii = name.as_bytes();
        // ICC v4 stores descriptions as UTF-16BE ('mluc'), v2 as ASCII ('desc').
        let utf16: Vec<u8> = ascii.iter().flat_map(|&b| [0, b]).collect();
        contains(payload, ascii) || contains(payload, &utf16)
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A structurally complete baseline JPEG skeleton with the given frame; the scan data is junk
    /// (the walk does not decode it).
    pub(crate) fn skeleton(width: u16, height: u16, components: u8) -> Vec<u8> {
        let mut out = vec![0xFF, SOI];
        let mut sof = vec![8];
        sof.extend(height.to_be_bytes());
        sof.extend(width.to_be_bytes());
        sof.push(components);
        for c in 0..components {
            sof.extend([c + 1, 0x11, 0]);
        }
        segment(&mut out, 0xC0, &sof);
        segment(&mut out, SOS, &[1, 1, 0, 0, 63, 0]);
        out.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        out.extend([0xFF, EOI]);
        out
    }

    pub(crate) fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
        out.extend([0xFF, marker]);
        out.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend(payload);
    }

    #[test]
    fn skeleton_walks() {
        let s = walk(&skeleton(1244, 1600, 3), &Limits::default()).unwrap();
        assert_eq!(s.frame, Frame { width: 1244, height: 1600, components: 3, precision: 8 });
        assert_eq!(s.foreign_profile, None);
    }

    #[test]
    fn every_truncation_is_corrupt() {
        let full = skeleton(100, 100, 3);
        for cut in 2..full.len() {
            assert_eq!(walk(&full[..cut], &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg, "cut {cut}");
        }
    }

    #[test]
    fn missing_frame_or_scan_is_corrupt() {
        let mut no_frame = vec![0xFF, SOI];
        segment(&mut no_frame, SOS, &[1, 1, 0, 0, 63, 0]);
        no_frame.extend([0xFF, EOI]);
        assert_eq!(walk(&no_frame, &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg);
        assert_eq!(walk(&[0xFF, SOI, 0xFF, EOI], &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg);
    }

    #[test]
    fn zero_height_and_short_frames_are_corrupt() {
        assert_eq!(walk(&skeleton(100, 0, 3), &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg);
        let mut bad = vec![0xFF, SOI];
        segment(&mut bad, 0xC0, &[8, 0, 1]);
        assert_eq!(walk(&bad, &Limits::default()).unwrap_err(), PhotoError::CorruptJpeg);
    }

    #[test]
    fn find_ff_finds_the_first_0xff_anywhere() {
        for len in 0..40 {
            assert_eq!(find_ff(&vec![0xFEu8; len]), None, "len {len}");
            for at in 0..len {
                let mut bytes = vec![0xFEu8; len];
                bytes[at] = 0xFF;
                // a second one later (and bytes that look alike) must not win
                if at + 3 < len {
                    bytes[at + 3] = 0xFF;
                }
                if at > 0 {
                    bytes[at - 1] = 0x7F;
                }
                assert_eq!(find_ff(&bytes), Some(at), "len {len}, at {at}");
                assert_eq!(find_ff(&bytes), bytes.iter().position(|&b| b == 0xFF));
            }
        }
    }

    #[test]
    fn adobe_rgb_profile_is_named() {
        let mut bytes = vec![0xFF, SOI];
        let mut icc = b"ICC_PROFILE\0\x01\x01....desc....".to_vec();
        icc.extend(b"Adobe RGB (1998)");
        segment(&mut bytes, APP2, &icc);
        bytes.extend(&skeleton(10, 10, 3)[2..]);
        assert_eq!(walk(&bytes, &Limits::default()).unwrap().foreign_profile, Some("Adobe RGB"));
    }
}
