//! Decode-rate and speed benchmark of `schalter-scan` against the C baselines libdmtx (Data Matrix)
//! and zbar (QR), on synthetic webcam frames of a TR-03170-sized payload.
//!
//! Run: `cargo run --release -p schalter-scan --example scan-bench [-- --seeds N --reps N --keep DIR]`
//! Needs for the C baselines (optional; rows are skipped when missing):
//! `apt-get install -y zbar-tools dmtx-utils` (CLI tools and the shared libraries they use).
//!
//! The C libraries are measured twice:
//! * in-process: `libdmtx.so.0` / `libzbar.so.0` are loaded with `dlopen` and called on the same
//!   luma buffer as our decoder, timed like ours (best of `--reps` runs per frame);
//! * as the command-line tools `dmtxread -N1` / `zbarimg --raw -Sdisable -Sqrcode.enable` on the
//!   frames written as PNG: wall time of the process minus the median wall time of the same tool on a
//!   blank 16×16 PNG (process start, library loading). That still contains PNG decoding, so it is an
//!   upper bound; the in-process figures are the fair ones.
//!
//! A C frame counts as decoded when either way produced the expected text. The last line is
//! `decode rate=<ours> rate_c_libs=<C> median_ms=<our median at 1280x720>`.

#[path = "../tests/common/synth.rs"]
mod synth;

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use schalter_scan::{decode_frame, GrayFrame, Symbology};
use synth::{Sym, Variant, VARIANTS};

const RESOLUTIONS: [(u32, u32); 2] = [(640, 480), (1280, 720)];

struct Frame {
    sym: Sym,
    variant: Variant,
    width: u32,
    height: u32,
    expected: String,
    luma: Vec<u8>,
    png: PathBuf,
}

#[derive(Clone, Copy, Default)]
struct Outcome {
    ok: bool,
    ms: f64,
}

type Row = Vec<Option<Outcome>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut seeds = 4u64;
    let mut reps = 3usize;
    let mut keep: Option<PathBuf> = None;
    let mut only_ours = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seeds" => seeds = args.next().ok_or("--seeds N")?.parse()?,
            "--reps" => reps = args.next().ok_or("--reps N")?.parse::<usize>()?.max(1),
            "--keep" => keep = Some(args.next().ok_or("--keep DIR")?.into()),
            // Skips the C baselines and rqrr, for quick iterations on our pipeline.
            "--only-ours" => only_ours = true,
            other => return Err(format!("unbekanntes Argument {other}").into()),
        }
    }
    if cfg!(debug_assertions) {
        eprintln!("Warnung: Debug-Build, Zeiten sind nicht aussagekräftig (--release benutzen)");
    }

    let tmp = tempfile::tempdir()?;
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;

    let started = Instant::now();
    let frames = generate(seeds, &dir)?;
    eprintln!("{} Frames erzeugt in {:.1} s ({})", frames.len(), started.elapsed().as_secs_f64(), dir.display());

    // Ours.
    let ours: Row = frames
        .iter()
        .map(|f| {
            Some(best_of(reps, || {
                let frame = GrayFrame { width: f.width, height: f.height, luma: &f.luma };
                let want = match f.sym {
                    Sym::DataMatrix => Symbology::DataMatrix,
                    Sym::Qr => Symbology::Qr,
                };
                matches!(decode_frame(&frame), Ok(Some(d)) if d.text == f.expected && d.symbology == want)
            }))
        })
        .collect();

    // rqrr, the other pure-Rust candidate (QR only).
    let rqrr_row: Row = frames
        .iter()
        .map(|f| {
            (f.sym == Sym::Qr && !only_ours).then(|| {
                best_of(reps, || {
                    let w = f.width as usize;
                    let mut img =
                        rqrr::PreparedImage::prepare_from_greyscale(w, f.height as usize, |x, y| f.luma[y * w + x]);
                    img.detect_grids().iter().any(|g| g.decode().is_ok_and(|(_, text)| text == f.expected))
                })
            })
        })
        .collect();

    // C libraries in-process.
    let clibs = if only_ours { None } else { CLibs::load() };
    let clib_row: Row = match &clibs {
        Some(c) => frames
            .iter()
            .map(|f| {
                Some(best_of(reps, || {
                    let text = match f.sym {
                        Sym::DataMatrix => c.dmtx_decode(&f.luma, f.width, f.height),
                        Sym::Qr => c.zbar_decode(&f.luma, f.width, f.height),
                    };
                    text.as_deref() == Some(f.expected.as_str())
                }))
            })
            .collect(),
        None => {
            if !only_ours {
                eprintln!("libdmtx.so.0 / libzbar.so.0 nicht gefunden: In-Process-Messung entfällt");
            }
            vec![None; frames.len()]
        }
    };

    // C command-line tools.
    let cli_row: Row = match (!only_ours).then(|| CliBaseline::measure(&dir)).flatten() {
        Some(base) => {
            eprintln!(
                "Leerlauf-Basis: dmtxread {:.1} ms, zbarimg {:.1} ms",
                base.dmtx.as_secs_f64() * 1e3,
                base.zbar.as_secs_f64() * 1e3
            );
            frames.iter().map(|f| Some(base.run(f))).collect()
        }
        None => {
            if !only_ours {
                eprintln!("dmtxread / zbarimg nicht gefunden: CLI-Messung entfällt");
            }
            vec![None; frames.len()]
        }
    };

    let c_any: Row = clib_row
        .iter()
        .zip(&cli_row)
        .map(|(a, b)| match (a, b) {
            (None, None) => None,
            _ => Some(Outcome {
                ok: a.is_some_and(|o| o.ok) || b.is_some_and(|o| o.ok),
                ms: a.or(*b).map_or(0.0, |o| o.ms),
            }),
        })
        .collect();

    // (long name, short column name, outcomes)
    let rows: [(&str, &str, &Row); 5] = [
        ("schalter-scan (rxing)", "ours", &ours),
        ("rqrr (nur QR)", "rqrr", &rqrr_row),
        ("libdmtx+zbar in-process", "C lib", &clib_row),
        ("dmtxread+zbarimg CLI (netto)", "C CLI", &cli_row),
        ("C gesamt (lib oder CLI)", "C any", &c_any),
    ];

    println!("\n{} Frames, je Frame bestes von {reps} Läufen (in-process)", frames.len());
    for (w, h) in RESOLUTIONS {
        println!("\n{w}x{h}:");
        println!("  {:<30} {:>9} {:>9} {:>9} {:>10} {:>10}", "Decoder", "Rate", "DM", "QR", "Median ms", "Max ms");
        for (name, _, row) in rows {
            let pick = |sym: Option<Sym>| -> Vec<Outcome> {
                frames
                    .iter()
                    .zip(row.iter())
                    .filter(|(f, _)| f.width == w && sym.is_none_or(|s| f.sym == s))
                    .filter_map(|(_, o)| *o)
                    .collect()
            };
            let all = pick(None);
            if all.is_empty() {
                continue;
            }
            let mut times: Vec<f64> = all.iter().map(|o| o.ms).collect();
            println!(
                "  {:<30} {:>9} {:>9} {:>9} {:>10.2} {:>10.2}",
                name,
                rate_str(&all),
                rate_str(&pick(Some(Sym::DataMatrix))),
                rate_str(&pick(Some(Sym::Qr))),
                median(&mut times),
                times.iter().cloned().fold(0.0, f64::max),
            );
        }
    }

    // Frames without any code: what every camera frame costs while nobody holds a code up.
    println!("\nFrames ohne Code (Blatt ohne Code, Rauschen), schalter-scan:");
    for (w, h) in RESOLUTIONS {
        let mut times = Vec::new();
        let mut false_positives = 0;
        for seed in 0..seeds.max(4) {
            let blank = synth::CodeMatrix { width: 40, height: 40, dark: vec![false; 1600], quiet: 2 };
            let luma = synth::render(&blank, &Variant::Clean.scene(w, h, 44, seed + 4242), seed);
            let o = best_of(reps, || decode_frame(&GrayFrame { width: w, height: h, luma: &luma }) == Ok(None));
            false_positives += usize::from(!o.ok);
            times.push(o.ms);
        }
        println!(
            "  {w}x{h}: Median {:.2} ms, Max {:.2} ms, Fehlerkennungen {false_positives}",
            median(&mut times),
            times.iter().cloned().fold(0.0, f64::max)
        );
    }

    for (f, o) in frames.iter().zip(&ours) {
        if o.is_some_and(|o| !o.ok) {
            println!("  nicht gelesen (schalter-scan): {}", f.png.display());
        }
    }

    println!("\nFehlschläge je Variante (Frames ohne korrektes Ergebnis):");
    let mut table: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, f) in frames.iter().enumerate() {
        for (j, (_, _, row)) in rows.iter().enumerate() {
            let e = table.entry((f.sym.name(), f.variant.name())).or_insert_with(|| vec![0; rows.len() * 2]);
            if let Some(o) = row[i] {
                e[j * 2 + 1] += 1;
                if !o.ok {
                    e[j * 2] += 1;
                }
            }
        }
    }
    println!("  {:<18} {}", "", rows.iter().map(|(_, n, _)| format!("{n:>8}")).collect::<String>());
    for ((sym, variant), counts) in &table {
        let cells: String = counts
            .chunks(2)
            .map(|c| if c[1] == 0 { format!("{:>8}", "-") } else { format!("{:>8}", format!("{}/{}", c[0], c[1])) })
            .collect();
        println!("  {:<18} {cells}", format!("{sym} {variant}"));
    }

    let r = rate(&ours.iter().flatten().copied().collect::<Vec<_>>());
    let r0 = rate(&c_any.iter().flatten().copied().collect::<Vec<_>>());
    let mut hd: Vec<f64> =
        frames.iter().zip(&ours).filter(|(f, _)| f.width == 1280).filter_map(|(_, o)| o.map(|o| o.ms)).collect();
    println!("decode rate={r:.3} rate_c_libs={r0:.3} median_ms={:.2}", median(&mut hd));
    Ok(())
}

fn generate(seeds: u64, dir: &Path) -> Result<Vec<Frame>, Box<dyn std::error::Error>> {
    let mut frames = Vec::new();
    for sym in [Sym::DataMatrix, Sym::Qr] {
        for (w, h) in RESOLUTIONS {
            for variant in VARIANTS {
                for seed in 0..seeds {
                    let frame_seed = seed * 1000 + u64::from(w) + variant as u64 * 17 + sym as u64 * 7919;
                    let expected = synth::payload(frame_seed);
                    let code = synth::code_matrix(sym, &expected);
                    let scene = variant.scene(w, h, code.width + 2 * code.quiet, frame_seed);
                    let luma = synth::render(&code, &scene, frame_seed);
                    let png = dir.join(format!("{}-{w}x{h}-{}-{seed}.png", sym.name(), variant.name()));
                    image::GrayImage::from_raw(w, h, luma.clone()).ok_or("Puffergröße")?.save(&png)?;
                    frames.push(Frame { sym, variant, width: w, height: h, expected, luma, png });
                }
            }
        }
    }
    Ok(frames)
}

fn best_of(reps: usize, mut f: impl FnMut() -> bool) -> Outcome {
    let mut best = f64::MAX;
    let mut ok = false;
    for _ in 0..reps {
        let t = Instant::now();
        ok = f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        // Repeats only filter out scheduler noise; a run of seconds (libdmtx giving up) has none
        // worth filtering and would make the benchmark take many minutes.
        if best > 500.0 {
            break;
        }
    }
    Outcome { ok, ms: best }
}

fn rate(v: &[Outcome]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.iter().filter(|o| o.ok).count() as f64 / v.len() as f64
}

fn rate_str(v: &[Outcome]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    format!("{}/{}", v.iter().filter(|o| o.ok).count(), v.len())
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// C libraries via dlopen. Only the few entry points needed; signatures from dmtx.h 0.7.5 and
// zbar.h 0.23.

#[repr(C)]
struct DmtxMessage {
    array_size: usize,
    code_size: usize,
    output_size: usize,
    output_idx: c_int,
    pad_count: c_int,
    fnc1: c_int,
    array: *mut u8,
    code: *mut u8,
    output: *mut u8,
}

const DMTX_PACK_8BPP_K: c_int = 300;
const DMTX_UNDEFINED: c_int = -1;
const ZBAR_NONE: c_int = 0;
const ZBAR_QRCODE: c_int = 64;
const ZBAR_CFG_ENABLE: c_int = 0;

struct CLibs {
    dmtx: libloading::Library,
    zbar: libloading::Library,
}

impl CLibs {
    fn load() -> Option<CLibs> {
        // SAFETY: loading well-known system libraries whose initialisers have no preconditions.
        unsafe {
            Some(CLibs {
                dmtx: libloading::Library::new("libdmtx.so.0").ok()?,
                zbar: libloading::Library::new("libzbar.so.0").ok()?,
            })
        }
    }

    /// Like `dmtxread -N1` with default options: scan regions until the first one decodes.
    fn dmtx_decode(&self, luma: &[u8], width: u32, height: u32) -> Option<String> {
        type ImageCreate = unsafe extern "C" fn(*mut u8, c_int, c_int, c_int) -> *mut c_void;
        type DecodeCreate = unsafe extern "C" fn(*mut c_void, c_int) -> *mut c_void;
        type FindNext = unsafe extern "C" fn(*mut c_void, *const c_void) -> *mut c_void;
        type DecodeRegion = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> *mut DmtxMessage;
        type Destroy<T> = unsafe extern "C" fn(*mut *mut T) -> c_int;
        // SAFETY: signatures as in dmtx.h; the image borrows `luma`, which outlives every handle, and
        // libdmtx only reads pixel data. Every created object is destroyed before returning.
        unsafe {
            let image_create = self.dmtx.get::<ImageCreate>(b"dmtxImageCreate").ok()?;
            let decode_create = self.dmtx.get::<DecodeCreate>(b"dmtxDecodeCreate").ok()?;
            let find_next = self.dmtx.get::<FindNext>(b"dmtxRegionFindNext").ok()?;
            let decode_region = self.dmtx.get::<DecodeRegion>(b"dmtxDecodeMatrixRegion").ok()?;
            let msg_destroy = self.dmtx.get::<Destroy<DmtxMessage>>(b"dmtxMessageDestroy").ok()?;
            let reg_destroy = self.dmtx.get::<Destroy<c_void>>(b"dmtxRegionDestroy").ok()?;
            let dec_destroy = self.dmtx.get::<Destroy<c_void>>(b"dmtxDecodeDestroy").ok()?;
            let img_destroy = self.dmtx.get::<Destroy<c_void>>(b"dmtxImageDestroy").ok()?;

            let mut img = image_create(luma.as_ptr().cast_mut(), width as c_int, height as c_int, DMTX_PACK_8BPP_K);
            if img.is_null() {
                return None;
            }
            let mut dec = decode_create(img, 1);
            let mut found = None;
            loop {
                let mut reg = find_next(dec, std::ptr::null());
                if reg.is_null() {
                    break;
                }
                let mut msg = decode_region(dec, reg, DMTX_UNDEFINED);
                if !msg.is_null() {
                    let m = &*msg;
                    let bytes = std::slice::from_raw_parts(m.output, m.output_idx.max(0) as usize);
                    found = Some(String::from_utf8_lossy(bytes).into_owned());
                    msg_destroy(&mut msg);
                }
                reg_destroy(&mut reg);
                if found.is_some() {
                    break;
                }
            }
            dec_destroy(&mut dec);
            img_destroy(&mut img);
            found
        }
    }

    /// Like `zbarimg -Sdisable -Sqrcode.enable`: a Y800 image through a fresh image scanner.
    fn zbar_decode(&self, luma: &[u8], width: u32, height: u32) -> Option<String> {
        type New = unsafe extern "C" fn() -> *mut c_void;
        type Free = unsafe extern "C" fn(*mut c_void);
        type SetConfig = unsafe extern "C" fn(*mut c_void, c_int, c_int, c_int) -> c_int;
        type SetFormat = unsafe extern "C" fn(*mut c_void, c_ulong);
        type SetSize = unsafe extern "C" fn(*mut c_void, c_uint, c_uint);
        type SetData = unsafe extern "C" fn(*mut c_void, *const c_void, c_ulong, *const c_void);
        type Scan = unsafe extern "C" fn(*mut c_void, *mut c_void) -> c_int;
        type FirstSymbol = unsafe extern "C" fn(*const c_void) -> *const c_void;
        type SymbolData = unsafe extern "C" fn(*const c_void) -> *const c_char;
        type SymbolLen = unsafe extern "C" fn(*const c_void) -> c_uint;
        // SAFETY: signatures as in zbar.h; the image borrows `luma` without a cleanup handler, and the
        // image and scanner are destroyed before `luma` goes out of scope.
        unsafe {
            let scanner_create = self.zbar.get::<New>(b"zbar_image_scanner_create").ok()?;
            let scanner_destroy = self.zbar.get::<Free>(b"zbar_image_scanner_destroy").ok()?;
            let set_config = self.zbar.get::<SetConfig>(b"zbar_image_scanner_set_config").ok()?;
            let image_create = self.zbar.get::<New>(b"zbar_image_create").ok()?;
            let image_destroy = self.zbar.get::<Free>(b"zbar_image_destroy").ok()?;
            let set_format = self.zbar.get::<SetFormat>(b"zbar_image_set_format").ok()?;
            let set_size = self.zbar.get::<SetSize>(b"zbar_image_set_size").ok()?;
            let set_data = self.zbar.get::<SetData>(b"zbar_image_set_data").ok()?;
            let scan = self.zbar.get::<Scan>(b"zbar_scan_image").ok()?;
            let first_symbol = self.zbar.get::<FirstSymbol>(b"zbar_image_first_symbol").ok()?;
            let symbol_data = self.zbar.get::<SymbolData>(b"zbar_symbol_get_data").ok()?;
            let symbol_len = self.zbar.get::<SymbolLen>(b"zbar_symbol_get_data_length").ok()?;

            let scanner = scanner_create();
            set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
            set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
            let image = image_create();
            let y800 = c_ulong::from(u32::from_le_bytes(*b"Y800"));
            set_format(image, y800);
            set_size(image, width, height);
            set_data(image, luma.as_ptr().cast(), luma.len() as c_ulong, std::ptr::null());
            let mut found = None;
            if scan(scanner, image) > 0 {
                let sym = first_symbol(image);
                if !sym.is_null() {
                    let bytes = std::slice::from_raw_parts(symbol_data(sym).cast::<u8>(), symbol_len(sym) as usize);
                    found = Some(String::from_utf8_lossy(bytes).into_owned());
                }
            }
            image_destroy(image);
            scanner_destroy(scanner);
            found
        }
    }
}

// ---------------------------------------------------------------------------------------------
// C command-line tools.

struct CliBaseline {
    dmtx: Duration,
    zbar: Duration,
}

impl CliBaseline {
    fn measure(dir: &Path) -> Option<CliBaseline> {
        let blank = dir.join("blank-16x16.png");
        image::GrayImage::from_pixel(16, 16, image::Luma([255])).save(&blank).ok()?;
        let base = |cmd: fn(&Path) -> Command| -> Option<Duration> {
            let mut runs = Vec::new();
            for _ in 0..7 {
                let t = Instant::now();
                cmd(&blank).output().ok()?;
                runs.push(t.elapsed());
            }
            runs.sort();
            Some(runs[runs.len() / 2])
        };
        Some(CliBaseline { dmtx: base(dmtxread)?, zbar: base(zbarimg)? })
    }

    fn run(&self, f: &Frame) -> Outcome {
        let (mut cmd, base) = match f.sym {
            Sym::DataMatrix => (dmtxread(&f.png), self.dmtx),
            Sym::Qr => (zbarimg(&f.png), self.zbar),
        };
        let t = Instant::now();
        let out = cmd.output();
        let elapsed = t.elapsed().saturating_sub(base);
        let ok = out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim_end() == f.expected);
        Outcome { ok, ms: elapsed.as_secs_f64() * 1e3 }
    }
}

fn dmtxread(png: &Path) -> Command {
    let mut c = Command::new("dmtxread");
    c.arg("-N1").arg(png);
    c
}

fn zbarimg(png: &Path) -> Command {
    let mut c = Command::new("zbarimg");
    c.args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(png);
    c
}
