//! The only `unsafe` code of this crate: a small wrapper over OpenJPEG (`openjpeg-sys`, OpenJPEG 2.5
//! bundled and compiled with cc) that encodes an RGB image to JP2 in memory and decodes a JP2 from
//! memory.
//!
//! Every OpenJPEG object is owned by a guard that frees it on drop; every return value is checked.
//! OpenJPEG's messages go to `tracing::debug!` (target `schalter_portrait::openjpeg`), never to stderr;
//! they are OpenJPEG's own texts and never contain image bytes. The stream callbacks do checked
//! arithmetic only and cannot panic, so no unwinding reaches C.

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use image::RgbImage;
use openjpeg_sys as sys;

use crate::PortraitError;

/// The JP2 signature box (ISO/IEC 15444-1 Annex I.5.1): length 12, type `jP  `, content `<CR><LF>0x87<LF>`.
pub const JP2_SIGNATURE: [u8; 12] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

/// OpenJPEG's stream buffer (its own default, 1 MiB).
const STREAM_CHUNK: usize = sys::OPJ_J2K_STREAM_CHUNK_SIZE as usize;

/// The encoder never needs more than this for 622 × 800 × 3 bytes (1.5 MB raw); a runaway write fails.
const MAX_OUTPUT: usize = 64 * 1024 * 1024;

/// Worker threads per codec (OpenJPEG's code-block coding and decoding run in parallel).
const THREADS: c_int = 2;

/// Limits for a JP2 read by [`decode_rgb`], checked against its header before any pixel is decoded.
pub struct DecodeLimits {
    pub max_width: u32,
    pub max_height: u32,
    pub max_pixels: u64,
}

// --- messages ---------------------------------------------------------------------------------------

/// Longest message text passed on; OpenJPEG's are one short line.
const MAX_MESSAGE_CHARS: usize = 200;

fn log_message(level: &'static str, msg: *const c_char) {
    if msg.is_null() {
        return;
    }
    // SAFETY: OpenJPEG passes a NUL-terminated string that lives for the duration of the callback.
    let text = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    let text: String = text.trim_end().chars().take(MAX_MESSAGE_CHARS).collect();
    tracing::debug!(target: "schalter_portrait::openjpeg", severity = level, "{text}");
}

unsafe extern "C" fn on_error(msg: *const c_char, _client_data: *mut c_void) {
    log_message("error", msg);
}

unsafe extern "C" fn on_warning(msg: *const c_char, _client_data: *mut c_void) {
    log_message("warning", msg);
}

unsafe extern "C" fn on_info(msg: *const c_char, _client_data: *mut c_void) {
    log_message("info", msg);
}

// --- guards -----------------------------------------------------------------------------------------

/// An `opj_codec_t` (compressor or decompressor), destroyed on drop.
struct Codec(NonNull<sys::opj_codec_t>);

impl Codec {
    fn compressor() -> Option<Codec> {
        // SAFETY: plain constructor; a null result is handled.
        let codec = NonNull::new(unsafe { sys::opj_create_compress(sys::CODEC_FORMAT::OPJ_CODEC_JP2) })?;
        Some(Codec(codec))
    }

    fn decompressor() -> Option<Codec> {
        // SAFETY: plain constructor; a null result is handled.
        let codec = NonNull::new(unsafe { sys::opj_create_decompress(sys::CODEC_FORMAT::OPJ_CODEC_JP2) })?;
        Some(Codec(codec))
    }

    fn ptr(&self) -> *mut sys::opj_codec_t {
        self.0.as_ptr()
    }

    /// Routes OpenJPEG's messages to tracing (the defaults would drop them; OpenJPEG's command-line
    /// tools print them to stderr).
    fn route_messages(&self) -> bool {
        // SAFETY: `self.ptr()` is a live codec; the callbacks are `extern "C"` functions with the
        // signature OpenJPEG expects, use no client data and live for the whole program.
        unsafe {
            sys::opj_set_error_handler(self.ptr(), Some(on_error), ptr::null_mut()) == 1
                && sys::opj_set_warning_handler(self.ptr(), Some(on_warning), ptr::null_mut()) == 1
                && sys::opj_set_info_handler(self.ptr(), Some(on_info), ptr::null_mut()) == 1
        }
    }

    /// Sets the worker threads explicitly (so `OPJ_NUM_THREADS` in the environment does not decide).
    /// OpenJPEG wants this after `opj_setup_encoder`/`opj_setup_decoder` and before
    /// `opj_start_compress`/`opj_read_header`. Without thread support in the build there is nothing to set.
    fn set_threads(&self) -> bool {
        // SAFETY: a live codec, set up and not yet started.
        unsafe { sys::opj_has_thread_support() == 0 || sys::opj_codec_set_threads(self.ptr(), THREADS) == 1 }
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: created by opj_create_(de)compress, destroyed exactly once here.
        unsafe { sys::opj_destroy_codec(self.ptr()) }
    }
}

/// An `opj_image_t`, destroyed on drop.
struct Image(NonNull<sys::opj_image_t>);

impl Image {
    fn ptr(&self) -> *mut sys::opj_image_t {
        self.0.as_ptr()
    }

    /// The components, as OpenJPEG describes them.
    fn components(&self) -> &[sys::opj_image_comp_t] {
        // SAFETY: a live image; `comps` points to `numcomps` components (or is null when there are none).
        unsafe {
            let image = &*self.ptr();
            if image.comps.is_null() || image.numcomps == 0 {
                &[]
            } else {
                std::slice::from_raw_parts(image.comps, image.numcomps as usize)
            }
        }
    }

    /// The samples of one component: `w * h` values, or `None` when OpenJPEG allocated none.
    fn samples(component: &sys::opj_image_comp_t) -> Option<&[i32]> {
        if component.data.is_null() {
            return None;
        }
        let len = (component.w as usize).checked_mul(component.h as usize)?;
        // SAFETY: OpenJPEG allocates `w * h` samples for a component's `data`; it lives as long as
        // the image, which outlives the borrow of `component`.
        Some(unsafe { std::slice::from_raw_parts(component.data, len) })
    }

    /// The colour space as its raw C value (read as an integer: a value outside the Rust enum would
    /// otherwise be undefined behaviour).
    fn color_space(&self) -> i32 {
        // SAFETY: a live image; the enum field is a C `int`.
        unsafe { ptr::addr_of!((*self.ptr()).color_space).cast::<i32>().read() }
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        // SAFETY: created by opj_image_create or opj_read_header, destroyed exactly once here.
        unsafe { sys::opj_image_destroy(self.ptr()) }
    }
}

/// An `opj_stream_t` over Rust memory that it borrows for `'a`: the borrow checker keeps the memory
/// alive (and unused by Rust) until the stream is destroyed.
struct Stream<'a> {
    stream: NonNull<sys::opj_stream_t>,
    _borrow: PhantomData<&'a mut ()>,
}

impl<'a> Stream<'a> {
    fn writer(sink: &'a mut Sink) -> Option<Stream<'a>> {
        // SAFETY: plain constructor; a null result is handled.
        let stream = NonNull::new(unsafe { sys::opj_stream_create(STREAM_CHUNK, 0) })?;
        // SAFETY: a live output stream; the callbacks match OpenJPEG's signatures and are given
        // `sink` (which outlives the stream, see `'a`) as their only user data; no free function,
        // the sink belongs to the caller.
        unsafe {
            sys::opj_stream_set_write_function(stream.as_ptr(), Some(sink_write));
            sys::opj_stream_set_skip_function(stream.as_ptr(), Some(sink_skip));
            sys::opj_stream_set_seek_function(stream.as_ptr(), Some(sink_seek));
            sys::opj_stream_set_user_data(stream.as_ptr(), (sink as *mut Sink).cast(), None);
        }
        Some(Stream { stream, _borrow: PhantomData })
    }

    fn reader(source: &'a mut Source<'_>) -> Option<Stream<'a>> {
        // SAFETY: plain constructor; a null result is handled.
        let stream = NonNull::new(unsafe { sys::opj_stream_create(STREAM_CHUNK, 1) })?;
        let len = source.data.len() as u64;
        // SAFETY: as in `writer`, with the read callbacks and the source's length.
        unsafe {
            sys::opj_stream_set_read_function(stream.as_ptr(), Some(source_read));
            sys::opj_stream_set_skip_function(stream.as_ptr(), Some(source_skip));
            sys::opj_stream_set_seek_function(stream.as_ptr(), Some(source_seek));
            sys::opj_stream_set_user_data(stream.as_ptr(), (source as *mut Source).cast(), None);
            sys::opj_stream_set_user_data_length(stream.as_ptr(), len);
        }
        Some(Stream { stream, _borrow: PhantomData })
    }

    fn ptr(&self) -> *mut sys::opj_stream_t {
        self.stream.as_ptr()
    }
}

impl Drop for Stream<'_> {
    fn drop(&mut self) {
        // SAFETY: created by opj_stream_create, destroyed exactly once here (no free function was set,
        // so the borrowed memory is left alone).
        unsafe { sys::opj_stream_destroy(self.ptr()) }
    }
}

// --- in-memory streams ------------------------------------------------------------------------------

/// What the encoder writes: a growable buffer with a position (the JP2 writer seeks back to fill in
/// the codestream box's length).
#[derive(Default)]
struct Sink {
    buf: Vec<u8>,
    pos: usize,
}

impl Sink {
    /// Moves to `pos`, zero-filling when it lies past the end; false beyond MAX_OUTPUT.
    fn move_to(&mut self, pos: usize) -> bool {
        if pos > MAX_OUTPUT {
            return false;
        }
        if pos > self.buf.len() {
            self.buf.resize(pos, 0);
        }
        self.pos = pos;
        true
    }
}

/// Returns the number of bytes written, or `(OPJ_SIZE_T)-1` on failure.
unsafe extern "C" fn sink_write(buffer: *mut c_void, len: usize, user: *mut c_void) -> usize {
    if len == 0 {
        return 0;
    }
    if buffer.is_null() || user.is_null() {
        return usize::MAX;
    }
    // SAFETY: `user` is the `Sink` set in `Stream::writer`, exclusively borrowed by the stream; OpenJPEG
    // calls stream callbacks only from the thread inside opj_start/encode/end_compress.
    let sink = unsafe { &mut *user.cast::<Sink>() };
    // SAFETY: OpenJPEG hands `len` readable bytes at `buffer`.
    let data = unsafe { std::slice::from_raw_parts(buffer.cast::<u8>(), len) };
    let Some(end) = sink.pos.checked_add(len).filter(|&end| end <= MAX_OUTPUT) else {
        return usize::MAX;
    };
    if end > sink.buf.len() {
        sink.buf.resize(end, 0);
    }
    sink.buf[sink.pos..end].copy_from_slice(data);
    sink.pos = end;
    len
}

/// Skips forward; returns the number of bytes skipped or -1.
unsafe extern "C" fn sink_skip(len: i64, user: *mut c_void) -> i64 {
    if user.is_null() || len < 0 {
        return -1;
    }
    // SAFETY: as in `sink_write`.
    let sink = unsafe { &mut *user.cast::<Sink>() };
    match usize::try_from(len).ok().and_then(|len| sink.pos.checked_add(len)) {
        Some(pos) if sink.move_to(pos) => len,
        _ => -1,
    }
}

/// Seeks to an absolute offset; returns OPJ_TRUE or OPJ_FALSE.
unsafe extern "C" fn sink_seek(offset: i64, user: *mut c_void) -> i32 {
    if user.is_null() {
        return 0;
    }
    // SAFETY: as in `sink_write`.
    let sink = unsafe { &mut *user.cast::<Sink>() };
    match usize::try_from(offset) {
        Ok(pos) if sink.move_to(pos) => 1,
        _ => 0,
    }
}

/// What the decoder reads: borrowed bytes with a position.
struct Source<'d> {
    data: &'d [u8],
    pos: usize,
}

/// Returns the number of bytes read, or `(OPJ_SIZE_T)-1` at the end.
unsafe extern "C" fn source_read(buffer: *mut c_void, len: usize, user: *mut c_void) -> usize {
    if buffer.is_null() || user.is_null() {
        return usize::MAX;
    }
    // SAFETY: `user` is the `Source` set in `Stream::reader`, exclusively borrowed by the stream and
    // used only from the thread inside opj_read_header/decode/end_decompress.
    let source = unsafe { &mut *user.cast::<Source>() };
    let rest = &source.data[source.pos.min(source.data.len())..];
    if rest.is_empty() {
        return usize::MAX;
    }
    let n = rest.len().min(len);
    // SAFETY: OpenJPEG hands `len` writable bytes at `buffer`; `n <= len`.
    let out = unsafe { std::slice::from_raw_parts_mut(buffer.cast::<u8>(), n) };
    out.copy_from_slice(&rest[..n]);
    source.pos += n;
    n
}

/// Skips forward at most to the end; returns the number of bytes skipped or -1 at the end.
unsafe extern "C" fn source_skip(len: i64, user: *mut c_void) -> i64 {
    if user.is_null() || len < 0 {
        return -1;
    }
    // SAFETY: as in `source_read`.
    let source = unsafe { &mut *user.cast::<Source>() };
    let rest = source.data.len().saturating_sub(source.pos);
    if rest == 0 {
        return -1;
    }
    let n = usize::try_from(len).unwrap_or(usize::MAX).min(rest);
    source.pos += n;
    n as i64
}

/// Seeks to an absolute offset within the data; returns OPJ_TRUE or OPJ_FALSE.
unsafe extern "C" fn source_seek(offset: i64, user: *mut c_void) -> i32 {
    if user.is_null() {
        return 0;
    }
    // SAFETY: as in `source_read`.
    let source = unsafe { &mut *user.cast::<Source>() };
    match usize::try_from(offset) {
        Ok(pos) if pos <= source.data.len() => {
            source.pos = pos;
            1
        }
        _ => 0,
    }
}

// --- encode -----------------------------------------------------------------------------------------

/// Encodes `rgb` losslessly (reversible 5/3 wavelet, reversible colour transform, one quality layer)
/// as a JP2 file with an sRGB colour specification.
pub fn encode_lossless(rgb: &RgbImage) -> Result<Vec<u8>, PortraitError> {
    let fail = |stage: &'static str| PortraitError::EncodeFailed { stage };
    let (width, height) = rgb.dimensions();
    if width == 0 || height == 0 {
        return Err(fail("leeres Bild"));
    }

    // Three 8-bit unsigned components on a 1:1 grid.
    let parameter =
        sys::opj_image_cmptparm_t { dx: 1, dy: 1, w: width, h: height, x0: 0, y0: 0, prec: 8, bpp: 8, sgnd: 0 };
    let mut parameters = [parameter; 3];
    // SAFETY: `parameters` holds the 3 component descriptions announced; a null result is handled.
    let image =
        NonNull::new(unsafe { sys::opj_image_create(3, parameters.as_mut_ptr(), sys::COLOR_SPACE::OPJ_CLRSPC_SRGB) })
            .map(Image)
            .ok_or_else(|| fail("Bildspeicher"))?;
    // SAFETY: a live image, not shared; the reference grid is the image itself.
    unsafe {
        let raw = &mut *image.ptr();
        raw.x0 = 0;
        raw.y0 = 0;
        raw.x1 = width;
        raw.y1 = height;
    }
    {
        let components = image.components();
        if components.len() != 3 {
            return Err(fail("Bildspeicher"));
        }
        for (channel, component) in components.iter().enumerate() {
            if component.data.is_null() || component.w != width || component.h != height {
                return Err(fail("Bildspeicher"));
            }
            let len = width as usize * height as usize;
            // SAFETY: opj_image_create allocated `w * h` samples for each component (checked above);
            // nothing else references them while we fill them.
            let samples = unsafe { std::slice::from_raw_parts_mut(component.data, len) };
            for (sample, pixel) in samples.iter_mut().zip(rgb.pixels()) {
                *sample = i32::from(pixel.0[channel]);
            }
        }
    }

    // SAFETY: `opj_cparameters_t` is plain C data; zeroed and then filled by OpenJPEG's defaults.
    let mut params: sys::opj_cparameters_t = unsafe { std::mem::zeroed() };
    // SAFETY: a valid, exclusively borrowed parameter struct.
    unsafe { sys::opj_set_default_encoder_parameters(&mut params) };
    // Lossless: one layer at rate 0 ("no rate limit"), the reversible 5/3 wavelet, the reversible colour
    // transform across R, G, B. Defaults otherwise: 6 resolutions, 64 × 64 code blocks, LRCP, one tile.
    params.tcp_numlayers = 1;
    params.tcp_rates[0] = 0.0;
    params.cp_disto_alloc = 1;
    params.irreversible = 0;
    params.tcp_mct = 1;

    let codec = Codec::compressor().ok_or_else(|| fail("Kodierer"))?;
    if !codec.route_messages() {
        return Err(fail("Kodierer"));
    }
    // SAFETY: live codec, parameters and image.
    if unsafe { sys::opj_setup_encoder(codec.ptr(), &mut params, image.ptr()) } != 1 {
        return Err(fail("Parameter"));
    }
    if !codec.set_threads() {
        return Err(fail("Threads"));
    }

    let mut sink = Sink::default();
    {
        let stream = Stream::writer(&mut sink).ok_or_else(|| fail("Ausgabestrom"))?;
        // SAFETY: live codec, image and stream; the image is not touched by Rust meanwhile.
        unsafe {
            if sys::opj_start_compress(codec.ptr(), image.ptr(), stream.ptr()) != 1 {
                return Err(fail("Start"));
            }
            if sys::opj_encode(codec.ptr(), stream.ptr()) != 1 {
                return Err(fail("Kodierung"));
            }
            if sys::opj_end_compress(codec.ptr(), stream.ptr()) != 1 {
                return Err(fail("Abschluss"));
            }
        }
        // The stream is destroyed here, before the sink is read.
    }
    drop(codec);
    if !sink.buf.starts_with(&JP2_SIGNATURE) {
        return Err(fail("JP2-Signatur fehlt"));
    }
    Ok(sink.buf)
}

// --- decode -----------------------------------------------------------------------------------------

/// Decodes a JP2 file that must hold exactly three 8-bit unsigned sRGB components on a 1:1 grid.
/// Truncated codestreams are errors (OpenJPEG's strict mode), not partial images.
pub fn decode_rgb(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, PortraitError> {
    let invalid = |reason: String| PortraitError::Jp2Invalid { reason };
    if !bytes.starts_with(&JP2_SIGNATURE) {
        return Err(invalid("keine JP2-Signatur".into()));
    }

    let codec = Codec::decompressor().ok_or_else(|| invalid("Dekodierer".into()))?;
    if !codec.route_messages() {
        return Err(invalid("Dekodierer".into()));
    }
    // SAFETY: `opj_dparameters_t` is plain C data; zeroed and then filled by OpenJPEG's defaults.
    let mut params: sys::opj_dparameters_t = unsafe { std::mem::zeroed() };
    // SAFETY: live codec and an exclusively borrowed parameter struct.
    unsafe {
        sys::opj_set_default_decoder_parameters(&mut params);
        if sys::opj_setup_decoder(codec.ptr(), &mut params) != 1 {
            return Err(invalid("Dekodierer".into()));
        }
        if sys::opj_decoder_set_strict_mode(codec.ptr(), 1) != 1 {
            return Err(invalid("Dekodierer".into()));
        }
    }
    if !codec.set_threads() {
        return Err(invalid("Threads".into()));
    }

    let mut source = Source { data: bytes, pos: 0 };
    let stream = Stream::reader(&mut source).ok_or_else(|| invalid("Eingabestrom".into()))?;

    let mut raw_image: *mut sys::opj_image_t = ptr::null_mut();
    // SAFETY: live codec and stream; OpenJPEG stores a new image (or null) in `raw_image`.
    let header_ok = unsafe { sys::opj_read_header(stream.ptr(), codec.ptr(), &mut raw_image) } == 1;
    // Owned before anything else is checked, so an image allocated on a failed read is freed too.
    let image = NonNull::new(raw_image).map(Image);
    let image = match (header_ok, image) {
        (true, Some(image)) => image,
        _ => return Err(invalid("Kopf unlesbar".into())),
    };

    // The header alone decides whether we decode at all.
    // SAFETY: a live image.
    let (x0, y0, x1, y1) = unsafe {
        let raw = &*image.ptr();
        (raw.x0, raw.y0, raw.x1, raw.y1)
    };
    let width = x1.checked_sub(x0).filter(|&w| w > 0).ok_or_else(|| invalid("leeres Bild".into()))?;
    let height = y1.checked_sub(y0).filter(|&h| h > 0).ok_or_else(|| invalid("leeres Bild".into()))?;
    if width > limits.max_width
        || height > limits.max_height
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(invalid(format!("{width} × {height} Pixel überschreiten die Grenzen")));
    }
    let components = image.components();
    if components.len() != 3 {
        return Err(invalid(format!("{} Komponenten statt 3", components.len())));
    }
    for component in components {
        if component.dx != 1 || component.dy != 1 {
            return Err(invalid("unterabgetastete Komponente".into()));
        }
        if component.prec != 8 || component.sgnd != 0 {
            return Err(invalid(format!(
                "{} Bit{} statt 8 Bit ohne Vorzeichen",
                component.prec,
                if component.sgnd != 0 { " mit Vorzeichen" } else { "" }
            )));
        }
    }

    // SAFETY: live codec, stream and image (the one the header was read into).
    let decoded = unsafe {
        sys::opj_decode(codec.ptr(), stream.ptr(), image.ptr()) == 1
            && sys::opj_end_decompress(codec.ptr(), stream.ptr()) == 1
    };
    if !decoded {
        return Err(invalid("Dekodierung fehlgeschlagen".into()));
    }
    drop(stream);
    drop(codec);

    if image.color_space() != sys::COLOR_SPACE::OPJ_CLRSPC_SRGB as i32 {
        return Err(invalid("Farbraum nicht sRGB".into()));
    }
    let components = image.components();
    if components.len() != 3 {
        return Err(invalid(format!("{} Komponenten statt 3", components.len())));
    }
    let mut planes = Vec::with_capacity(3);
    for component in components {
        if component.w != width
            || component.h != height
            || component.prec != 8
            || component.sgnd != 0
            || component.factor != 0
        {
            return Err(invalid("Komponente passt nicht zum Bild".into()));
        }
        planes.push(Image::samples(component).ok_or_else(|| invalid("Komponente ohne Daten".into()))?);
    }
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for ((&r, &g), &b) in planes[0].iter().zip(planes[1]).zip(planes[2]) {
        for sample in [r, g, b] {
            out.push(u8::try_from(sample).map_err(|_| invalid("Wert außerhalb von 0–255".into()))?);
        }
    }
    RgbImage::from_raw(width, height, out).ok_or_else(|| invalid("Bildgröße".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_supports_seeking_back_and_skipping_forward() {
        let mut sink = Sink::default();
        let user = (&mut sink as *mut Sink).cast::<c_void>();
        let mut data = *b"abcd";
        // SAFETY: `user` is a live Sink and `data` holds 4 bytes.
        unsafe {
            assert_eq!(sink_write(data.as_mut_ptr().cast(), 4, user), 4);
            assert_eq!(sink_skip(2, user), 2);
            assert_eq!(sink_write(data.as_mut_ptr().cast(), 2, user), 2);
            assert_eq!(sink_seek(1, user), 1);
            assert_eq!(sink_write(data.as_mut_ptr().cast(), 1, user), 1);
            assert_eq!(sink_seek(-1, user), 0);
            assert_eq!(sink_skip(-1, user), -1);
            assert_eq!(sink_seek(MAX_OUTPUT as i64 + 1, user), 0);
        }
        assert_eq!(sink.buf, b"aacd\0\0ab");
    }

    #[test]
    fn source_reads_to_the_end_and_no_further() {
        let data = [1u8, 2, 3, 4, 5];
        let mut source = Source { data: &data, pos: 0 };
        let user = (&mut source as *mut Source).cast::<c_void>();
        let mut out = [0u8; 8];
        // SAFETY: `user` is a live Source and `out` holds 8 bytes.
        unsafe {
            assert_eq!(source_read(out.as_mut_ptr().cast(), 2, user), 2);
            assert_eq!(source_skip(1, user), 1);
            assert_eq!(source_read(out.as_mut_ptr().cast(), 8, user), 2);
            assert_eq!(source_read(out.as_mut_ptr().cast(), 8, user), usize::MAX);
            assert_eq!(source_skip(1, user), -1);
            assert_eq!(source_seek(6, user), 0);
            assert_eq!(source_seek(5, user), 1);
            assert_eq!(source_seek(0, user), 1);
            assert_eq!(source_skip(100, user), 5);
        }
        assert_eq!(&out[..2], &[4, 5]);
    }
}
