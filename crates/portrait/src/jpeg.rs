//! Reading the register copy (JPEG) with hard limits.
//!
//! The `image` crate's JPEG decoder (zune-jpeg, lenient mode) fills a truncated scan with grey instead
//! of failing, so before decoding we walk the marker structure ourselves and require the end-of-image
//! marker after the last scan: a cut-off file is an error, never half a face.

use std::io::Cursor;

use image::codecs::jpeg::JpegDecoder;
use image::{DynamicImage, ImageDecoder, ImageError, RgbImage};

use crate::PortraitError;

/// Hard limits for the register copy. The pixel limits are checked against the JPEG header before the
/// decoder allocates anything, and handed to the decoder as well.
pub(crate) const MAX_BYTES: usize = 32 * 1024 * 1024;
pub(crate) const MAX_WIDTH: u32 = 6000;
pub(crate) const MAX_HEIGHT: u32 = 8000;
/// 40 megapixels: 120 MB as RGB, the largest buffer the decoder may make.
pub(crate) const MAX_PIXELS: u64 = 40_000_000;

/// A JPEG starts with SOI and the first byte of the next marker.
pub(crate) fn looks_like_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// A register JPEG whose header has been read and found within the limits; no pixel decoded yet.
pub(crate) struct Jpeg<'a> {
    bytes: &'a [u8],
    decoder: JpegDecoder<Cursor<&'a [u8]>>,
    pub width: u32,
    pub height: u32,
}

impl<'a> Jpeg<'a> {
    /// Reads the header only (the decoder keeps a copy of the at most MAX_BYTES of the file).
    pub(crate) fn open(bytes: &'a [u8]) -> Result<Jpeg<'a>, PortraitError> {
        if !looks_like_jpeg(bytes) {
            return Err(PortraitError::NotJpeg);
        }
        if bytes.len() > MAX_BYTES {
            return Err(PortraitError::FileTooLarge { size: bytes.len(), max: MAX_BYTES });
        }
        let decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(|_| PortraitError::CorruptJpeg)?;
        let (width, height) = decoder.dimensions();
        if width > MAX_WIDTH || height > MAX_HEIGHT || u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Err(PortraitError::TooLarge { width, height });
        }
        Ok(Jpeg { bytes, decoder, width, height })
    }

    /// Decodes the whole image as 24-bit RGB (a greyscale JPEG becomes three equal channels).
    pub(crate) fn decode(self) -> Result<RgbImage, PortraitError> {
        let Jpeg { bytes, mut decoder, width, height } = self;
        if !ends_after_last_scan(bytes) {
            return Err(PortraitError::CorruptJpeg);
        }
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_WIDTH);
        limits.max_image_height = Some(MAX_HEIGHT);
        // The decoded image (at most 4 bytes per pixel) and the decoder's copy of the file.
        limits.max_alloc = Some(MAX_PIXELS * 4 + 2 * MAX_BYTES as u64);
        decoder.set_limits(limits).map_err(|_| PortraitError::TooLarge { width, height })?;
        let image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
            ImageError::Limits(_) => PortraitError::TooLarge { width, height },
            _ => PortraitError::CorruptJpeg,
        })?;
        let rgb = image.into_rgb8();
        if rgb.dimensions() != (width, height) {
            return Err(PortraitError::CorruptJpeg);
        }
        Ok(rgb)
    }
}

/// Walks the marker segments from SOI and reports whether an EOI marker follows the entropy-coded data
/// of the last scan. Bytes after EOI (some tools append data) are tolerated.
pub(crate) fn ends_after_last_scan(bytes: &[u8]) -> bool {
    const SOS: u8 = 0xDA;
    const EOI: u8 = 0xD9;
    if !looks_like_jpeg(bytes) {
        return false;
    }
    let mut i = 2;
    let mut seen_scan = false;
    loop {
        // A marker: 0xFF (any number of fill bytes) and its code.
        if bytes.get(i) != Some(&0xFF) {
            return false;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else { return false };
        i += 1;
        match marker {
            EOI => return seen_scan,
            // RSTn and TEM stand alone (a stray one between segments is harmless).
            0xD0..=0xD7 | 0x01 => continue,
            0x00 | 0xD8 => return false,
            _ => {}
        }
        let Some(len) = bytes.get(i..i + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]))) else {
            return false;
        };
        if len < 2 {
            return false;
        }
        i += len;
        if i > bytes.len() {
            return false;
        }
        if marker == SOS {
            seen_scan = true;
            // Entropy-coded data: 0xFF is followed by a stuffed 0x00 or a restart marker; anything
            // else is the next marker.
            loop {
                match bytes.get(i) {
                    None => return false,
                    Some(0xFF) => match bytes.get(i + 1) {
                        None => return false,
                        Some(0x00 | 0xD0..=0xD7) => i += 2,
                        Some(_) => break,
                    },
                    Some(_) => i += 1,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(scan: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x01, 0x02];
        out.extend([0xFF, 0xDA, 0x00, 0x03, 0x00]);
        out.extend(scan);
        out.extend([0xFF, 0xD9]);
        out
    }

    #[test]
    fn structure_walk_finds_the_end() {
        let ok = minimal(&[1, 2, 0xFF, 0x00, 3, 0xFF, 0xD3, 4]);
        assert!(ends_after_last_scan(&ok));
        for cut in 0..ok.len() {
            assert!(!ends_after_last_scan(&ok[..cut]), "cut {cut}");
        }
        let mut trailer = ok.clone();
        trailer.extend(b"trailer");
        assert!(ends_after_last_scan(&trailer));
        // no scan at all
        assert!(!ends_after_last_scan(&[0xFF, 0xD8, 0xFF, 0xD9]));
        // a length that runs past the end
        assert!(!ends_after_last_scan(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0x00]));
    }
}
