//! Codes typed by a handheld scanner set to a US keyboard layout into a desk with a German (QWERTZ)
//! layout.
//!
//! A keyboard-wedge scanner does not send characters but key presses: for each character of the
//! code it presses the key (with Shift if needed) that types that character on a **US** keyboard.
//! The desk reads those keys with its **German** layout. For the Base64 alphabet
//! (`A–Z a–z 0–9 + / =`) the two layouts differ in exactly these characters:
//!
//! | code (US) | US key              | the German desk reads                                  |
//! |-----------|---------------------|--------------------------------------------------------|
//! | `y` / `Y` | Y (German Z key)    | `z` / `Z`                                              |
//! | `z` / `Z` | Z (German Y key)    | `y` / `Y`                                              |
//! | `/`       | `/` (right of `.`)  | `-`                                                    |
//! | `=`       | `=` (right of `-`)  | dead key `´`: `´` alone, or composed with the next key |
//! | `+`       | Shift + `=`         | dead key `` ` ``: `` ` `` alone, or composed            |
//!
//! All other letters, the digits and Shift for capitals are the same on both layouts (the digits
//! are unshifted on both).
//!
//! A dead key combines with the next key when the layout has that letter: `=` then `e` gives `é`,
//! `+` then `a` gives `à`. The next key is a *German* key, so the letter inside a composed character
//! is itself swapped: `ý` is `´` + German `y`, i.e. code `=z`. The full inverse table:
//!
//! | the desk reads                                  | the code had                 |
//! |-------------------------------------------------|------------------------------|
//! | `z` `Z` `y` `Y`                                 | `y` `Y` `z` `Z`              |
//! | `-`                                             | `/`                          |
//! | `´` (U+00B4)                                    | `=`                          |
//! | `` ` `` (U+0060)                                | `+`                          |
//! | `á é í ó ú Á É Í Ó Ú` (Windows and X11)         | `=` + `a e i o u A E I O U`  |
//! | `ý Ý` (Windows and X11)                         | `=z` `=Z`                    |
//! | `ć ǵ ḱ ĺ ḿ ń ṕ ŕ ś ẃ` + capitals (X11 compose)   | `=` + that letter            |
//! | `ź Ź` (X11 compose)                             | `=y` `=Y`                    |
//! | `à è ì ò ù À È Ì Ò Ù` (Windows and X11)         | `+` + `a e i o u A E I O U`  |
//! | `ǹ ẁ Ǹ Ẁ` (X11 compose)                         | `+` + `n w N W`              |
//! | `ỳ Ỳ` (X11 compose)                             | `+z` `+Z`                    |
//! | every other letter, the digits, white space     | itself                       |
//!
//! A dead key followed by a key it does not combine with gives both (Windows: `+b` → `` `b ``,
//! `==` → `´´`); X11 turns a dead key typed twice into one accent (`==` → `´`), which is harmless
//! for `=` (padding is optional) but loses a `+` of `++`: such a code cannot be recovered.
//!
//! Characters the US scanner cannot produce on a German desk (`+`, `/`, `=`, `ß`, other accents)
//! mean the text was not typed that way, and nothing is changed. Because `y` and `z` are Base64
//! letters, the swap is applied only as a whole (never letter by letter), only when the text as
//! typed is not a valid code, and the result is only taken if it is a valid code in every respect
//! (magic, version, lengths, nothing trailing).

use serde::Serialize;
use zeroize::Zeroizing;

use crate::{PhotoCode, PhotoError};

/// How the scanned text had to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScannedLayout {
    /// The text was a valid code as it arrived.
    AsTyped,
    /// The text was typed by a scanner with a US layout into a German desk and has been translated
    /// back. Worth a hint to the clerk to set the scanner to German.
    UsScannerOnGermanDesk,
}

impl ScannedLayout {
    pub fn as_str(self) -> &'static str {
        match self {
            ScannedLayout::AsTyped => "as_typed",
            ScannedLayout::UsScannerOnGermanDesk => "us_scanner_on_german_desk",
        }
    }
}

/// A code read by [`PhotoCode::parse_scanned`] and how it had to be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedCode {
    pub code: PhotoCode,
    pub layout: ScannedLayout,
}

/// Longest text worth translating: a code is at most about 1 250 Base64 characters; composed
/// characters take two bytes each in UTF-8.
const MAX_TRANSLATED_LEN: usize = 4096;

impl PhotoCode {
    /// Parses scanner text like [`PhotoCode::parse`]; if that fails, tries the text as a US-layout
    /// scanner would have typed it into a German desk (see the table in this module). Returns the
    /// error of the text as typed if neither is a valid code.
    pub fn parse_scanned(text: &str) -> Result<ScannedCode, PhotoError> {
        let original = match PhotoCode::parse(text) {
            Ok(code) => return Ok(ScannedCode { code, layout: ScannedLayout::AsTyped }),
            Err(e) => e,
        };
        if text.len() > MAX_TRANSLATED_LEN {
            return Err(original);
        }
        match us_scanner_on_german_desk(text).map(|translated| PhotoCode::parse(&translated)) {
            Some(Ok(code)) => Ok(ScannedCode { code, layout: ScannedLayout::UsScannerOnGermanDesk }),
            _ => Err(original),
        }
    }
}

/// The text the US-layout scanner meant, or `None` if the text holds a character it cannot have
/// typed on a German desk. The result holds the key: wiped when dropped.
pub(crate) fn us_scanner_on_german_desk(text: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() + 4));
    for c in text.chars() {
        match c {
            'a'..='x' | 'A'..='X' | '0'..='9' => out.push(c),
            c if c.is_whitespace() => out.push(c),
            'y' => out.push('z'),
            'z' => out.push('y'),
            'Y' => out.push('Z'),
            'Z' => out.push('Y'),
            '-' => out.push('/'),
            '´' => out.push('='),
            '`' => out.push('+'),
            c => {
                let (dead, german_letter) = decompose(c)?;
                out.push(dead);
                out.push(match german_letter {
                    'y' => 'z',
                    'z' => 'y',
                    'Y' => 'Z',
                    'Z' => 'Y',
                    other => other,
                });
            }
        }
    }
    Some(out)
}

/// A character composed by the German dead keys ´ (US `=`) and ` (US `+`) with a German letter key:
/// the US character of the dead key and the German letter.
fn decompose(c: char) -> Option<(char, char)> {
    COMPOSED.iter().find(|&&(composed, _, _)| composed == c).map(|&(_, dead, letter)| (dead, letter))
}

/// (composed character, US character of the dead key, German letter key).
pub(crate) const COMPOSED: [(char, char, char); 50] = [
    // ´ + letter: Windows and X11
    ('á', '=', 'a'),
    ('é', '=', 'e'),
    ('í', '=', 'i'),
    ('ó', '=', 'o'),
    ('ú', '=', 'u'),
    ('ý', '=', 'y'),
    ('Á', '=', 'A'),
    ('É', '=', 'E'),
    ('Í', '=', 'I'),
    ('Ó', '=', 'O'),
    ('Ú', '=', 'U'),
    ('Ý', '=', 'Y'),
    // ´ + letter: X11 compose only
    ('ć', '=', 'c'),
    ('ǵ', '=', 'g'),
    ('ḱ', '=', 'k'),
    ('ĺ', '=', 'l'),
    ('ḿ', '=', 'm'),
    ('ń', '=', 'n'),
    ('ṕ', '=', 'p'),
    ('ŕ', '=', 'r'),
    ('ś', '=', 's'),
    ('ẃ', '=', 'w'),
    ('ź', '=', 'z'),
    ('Ć', '=', 'C'),
    ('Ǵ', '=', 'G'),
    ('Ḱ', '=', 'K'),
    ('Ĺ', '=', 'L'),
    ('Ḿ', '=', 'M'),
    ('Ń', '=', 'N'),
    ('Ṕ', '=', 'P'),
    ('Ŕ', '=', 'R'),
    ('Ś', '=', 'S'),
    ('Ẃ', '=', 'W'),
    ('Ź', '=', 'Z'),
    // ` + letter: Windows and X11
    ('à', '+', 'a'),
    ('è', '+', 'e'),
    ('ì', '+', 'i'),
    ('ò', '+', 'o'),
    ('ù', '+', 'u'),
    ('À', '+', 'A'),
    ('È', '+', 'E'),
    ('Ì', '+', 'I'),
    ('Ò', '+', 'O'),
    ('Ù', '+', 'U'),
    // ` + letter: X11 compose only
    ('ǹ', '+', 'n'),
    ('ẁ', '+', 'w'),
    ('ỳ', '+', 'y'),
    ('Ǹ', '+', 'N'),
    ('Ẁ', '+', 'W'),
    ('Ỳ', '+', 'Y'),
];

#[cfg(test)]
mod tests;
