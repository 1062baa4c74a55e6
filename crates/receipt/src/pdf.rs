//! The receipt as a PDF/A-2u document on A4: DejaVu Sans (vendored, regular and bold) embedded as subsets with
//! ToUnicode maps, so the text extracts and the umlauts stay umlauts. Text is shaped with rustybuzz (the shaper
//! krilla uses itself), which gives exact widths for right-aligned amounts and for wrapping.
//!
//! Layout first (positions of every line, pages as needed), then painting: a long office name or many notes wrap
//! and, past the page's end, go on on a second page instead of running off the paper.

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};

use crate::{Receipt, ReceiptContent};

static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
/// 22 mm.
const MARGIN: f32 = 62.4;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Where the values of the detail rows start.
const VALUE_X: f32 = MARGIN + 165.0;

const TEXT: (u8, u8, u8) = (0x1a, 0x1a, 0x1a);
const MUTED: (u8, u8, u8) = (0x4a, 0x4a, 0x4a);

#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("Die Schrift der Quittung ist nicht lesbar.")]
    Font,
    #[error("Die Quittung konnte nicht als PDF geschrieben werden: {0}")]
    Pdf(String),
}

/// The receipt as PDF bytes.
pub fn render_pdf(receipt: &Receipt) -> Result<Vec<u8>, ReceiptError> {
    let content = receipt.content();
    let regular = Typeface::new(DEJAVU_SANS)?;
    let bold = Typeface::new(DEJAVU_SANS_BOLD)?;
    let pages = layout(&content, &regular, &bold);

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .finish()
        .map_err(|e| ReceiptError::Pdf(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, ..SerializeSettings::default() };
    let mut document = Document::new_with(settings);
    let date = receipt.application_date;
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", content.title, receipt.number.as_str()))
            .creator(content.office.clone())
            .producer("Schalter".to_owned())
            .language("de-DE".to_owned())
            .creation_date(DateTime::new(date.year().clamp(0, 9999) as u16).month(date.month() as u8).day(date.day())),
    );
    for ops in &pages {
        let mut page = document.start_page_with(PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a size"));
        let mut surface = page.surface();
        for op in ops {
            paint(&mut surface, op, &regular, &bold);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| ReceiptError::Pdf(format!("{e:?}")))
}

/// A font for krilla and the same bytes for the shaper.
struct Typeface {
    font: Font,
    face: rustybuzz::Face<'static>,
}

impl Typeface {
    fn new(data: &'static [u8]) -> Result<Self, ReceiptError> {
        let font = Font::new(data.into(), 0).ok_or(ReceiptError::Font)?;
        let face = rustybuzz::Face::from_slice(data, 0).ok_or(ReceiptError::Font)?;
        Ok(Self { font, face })
    }

    fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let output = rustybuzz::shape(&self.face, &[], buffer);
        let per_em = self.face.units_per_em() as f32;
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        (0..output.len())
            .map(|i| {
                let start = infos[i].cluster as usize;
                let end = infos[i + 1..]
                    .iter()
                    .map(|info| info.cluster as usize)
                    .find(|&cluster| cluster != start)
                    .unwrap_or(text.len());
                let position = positions[i];
                KrillaGlyph::new(
                    GlyphId::new(infos[i].glyph_id),
                    position.x_advance as f32 / per_em,
                    position.x_offset as f32 / per_em,
                    position.y_offset as f32 / per_em,
                    position.y_advance as f32 / per_em,
                    start..end,
                    None,
                )
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).iter().map(|glyph| glyph.x_advance * size).sum()
    }

    /// Greedy line breaking at spaces; a word longer than the line stands on its own.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if !line.is_empty() && self.width(&candidate, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

enum Op {
    /// Text with its baseline at `y`, starting at `x` (or ending there when `right`).
    Text { x: f32, y: f32, size: f32, weight: Weight, colour: (u8, u8, u8), text: String, right: bool },
    /// A horizontal rule.
    Rule { x: f32, y: f32, width: f32, thickness: f32 },
}

/// Positions every line; a new page starts where the next block would pass the bottom margin.
struct Layout<'a> {
    regular: &'a Typeface,
    bold: &'a Typeface,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl<'a> Layout<'a> {
    fn face(&self, weight: Weight) -> &'a Typeface {
        match weight {
            Weight::Regular => self.regular,
            Weight::Bold => self.bold,
        }
    }

    /// Room for `height` more points on this page, else a new page.
    fn reserve(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    /// Wrapped text at `x` within `width`; returns the lines' height.
    fn lines(&mut self, x: f32, width: f32, size: f32, weight: Weight, colour: (u8, u8, u8), text: &str) -> f32 {
        let leading = size * 1.4;
        let lines = self.face(weight).wrap(text, size, width);
        for (i, line) in lines.iter().enumerate() {
            let y = self.y + size + i as f32 * leading;
            self.push(Op::Text { x, y, size, weight, colour, text: line.clone(), right: false });
        }
        lines.len() as f32 * leading
    }

    fn paragraph(&mut self, x: f32, width: f32, size: f32, weight: Weight, colour: (u8, u8, u8), text: &str) {
        let lines = self.face(weight).wrap(text, size, width).len() as f32;
        self.reserve(lines * size * 1.4);
        self.y += self.lines(x, width, size, weight, colour, text);
    }

    fn rule(&mut self, thickness: f32) {
        self.push(Op::Rule { x: MARGIN, y: self.y, width: CONTENT_WIDTH, thickness });
    }

    /// Label left, amount right-aligned at the right margin.
    fn amount_row(&mut self, label: &str, value: &str, size: f32, weight: Weight) {
        self.reserve(size * 1.6);
        let value_width = self.face(weight).width(value, size);
        let label_height = self.lines(MARGIN, CONTENT_WIDTH - value_width - 12.0, size, weight, TEXT, label);
        let y = self.y + size;
        self.push(Op::Text {
            x: PAGE_WIDTH - MARGIN,
            y,
            size,
            weight,
            colour: TEXT,
            text: value.to_owned(),
            right: true,
        });
        self.y += label_height.max(size * 1.4) + size * 0.2;
    }
}

fn layout(content: &ReceiptContent, regular: &Typeface, bold: &Typeface) -> Vec<Vec<Op>> {
    let mut l = Layout { regular, bold, pages: vec![Vec::new()], y: MARGIN };

    l.paragraph(MARGIN, CONTENT_WIDTH, 12.0, Weight::Bold, MUTED, &content.office);
    l.y += 14.0;
    l.paragraph(MARGIN, CONTENT_WIDTH, 20.0, Weight::Bold, TEXT, &content.title);
    l.y += 8.0;
    l.rule(1.2);
    l.y += 16.0;

    for row in &content.details {
        let size = 11.0;
        let value_width = PAGE_WIDTH - MARGIN - VALUE_X;
        let value_lines = bold.wrap(&row.value, size + 1.0, value_width).len().max(1) as f32;
        l.reserve(value_lines * (size + 1.0) * 1.4);
        let label_height = l.lines(MARGIN, VALUE_X - MARGIN - 10.0, size, Weight::Regular, MUTED, &row.label);
        let value_height = l.lines(VALUE_X, value_width, size + 1.0, Weight::Bold, TEXT, &row.value);
        l.y += label_height.max(value_height) + 4.0;
    }
    if let Some(note) = &content.number_note {
        l.y += 2.0;
        l.paragraph(MARGIN, CONTENT_WIDTH, 10.0, Weight::Regular, TEXT, note);
    }

    l.y += 20.0;
    l.reserve(60.0);
    l.paragraph(MARGIN, CONTENT_WIDTH, 13.0, Weight::Bold, TEXT, &content.fee_heading);
    l.y += 6.0;
    for fee in &content.fees {
        l.amount_row(&fee.label, &fee.value, 11.0, Weight::Regular);
    }
    l.y += 2.0;
    l.rule(0.6);
    l.y += 6.0;
    l.amount_row(&content.total.label, &content.total.value, 12.0, Weight::Bold);

    if !content.notes.is_empty() {
        l.y += 20.0;
        l.reserve(60.0);
        l.paragraph(MARGIN, CONTENT_WIDTH, 13.0, Weight::Bold, TEXT, &content.notes_heading);
        l.y += 6.0;
        for note in &content.notes {
            let size = 11.0;
            let lines = regular.wrap(note, size, CONTENT_WIDTH - 14.0).len() as f32;
            l.reserve(lines * size * 1.4);
            l.push(Op::Text {
                x: MARGIN,
                y: l.y + size,
                size,
                weight: Weight::Regular,
                colour: TEXT,
                text: "•".into(),
                right: false,
            });
            let height = l.lines(MARGIN + 14.0, CONTENT_WIDTH - 14.0, size, Weight::Regular, TEXT, note);
            l.y += height + 5.0;
        }
    }

    l.y += 24.0;
    l.reserve(30.0);
    l.rule(0.6);
    l.y += 8.0;
    l.paragraph(MARGIN, CONTENT_WIDTH, 9.0, Weight::Regular, MUTED, &content.footer);
    l.pages
}

fn paint(surface: &mut Surface<'_>, op: &Op, regular: &Typeface, bold: &Typeface) {
    match op {
        Op::Text { x, y, size, weight, colour, text, right } => {
            let face = if *weight == Weight::Bold { bold } else { regular };
            let glyphs = face.shape(text);
            let width: f32 = glyphs.iter().map(|glyph| glyph.x_advance * size).sum();
            let x = if *right { x - width } else { *x };
            surface.set_fill(Some(Fill {
                paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
                ..Fill::default()
            }));
            surface.draw_glyphs(Point::from_xy(x, *y), &glyphs, face.font.clone(), text, *size, false);
        }
        Op::Rule { x, y, width, thickness } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *thickness) else { return };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_fill(Some(Fill { paint: rgb::Color::new(0x8a, 0x8a, 0x8a).into(), ..Fill::default() }));
                surface.draw_path(&path);
            }
        }
    }
}
