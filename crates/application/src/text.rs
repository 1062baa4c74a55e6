//! Shared text rules of the free-text fields.
//!
//! domain.md gives the lengths of the producer order (TR-03123 XhD) but no character set. We accept
//! Latin letters with their accented forms (Basic Latin, Latin-1 Supplement, Latin Extended-A/B and
//! Latin Extended Additional, which hold the letters of European names) and, per field, a few
//! punctuation marks. Other scripts and combining marks are refused: the clerk transcribes a name
//! as it stands in the German civil register, and the producer prints Latin script.

use crate::{Field, FieldError, FieldErrorKind};

/// Which characters besides Latin letters a field takes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Charset {
    /// Space, hyphen, apostrophe, full stop: "Müller-Lüdenscheidt", "O'Neill", "St. Clair".
    Name,
    /// As names, plus brackets, slash and comma: "Frankfurt (Oder)", "Halle/Saale".
    Place,
    /// As places, plus digits: "Heidestraße 17", "Am Markt 3a/1".
    Street,
    /// Space, hyphen, slash: "grau-blau", "grün/braun".
    EyeColour,
}

pub(crate) fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && (c.is_ascii_alphabetic()
            || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c != '\u{00D7}' && c != '\u{00F7}'))
}

fn allowed(charset: Charset, c: char) -> bool {
    if is_latin_letter(c) || c == ' ' {
        return true;
    }
    match charset {
        Charset::Name => matches!(c, '-' | '\'' | '.'),
        Charset::Place => matches!(c, '-' | '\'' | '.' | '(' | ')' | '/' | ','),
        Charset::Street => c.is_ascii_digit() || matches!(c, '-' | '\'' | '.' | '(' | ')' | '/' | ','),
        Charset::EyeColour => matches!(c, '-' | '/'),
    }
}

/// Trimmed, inner whitespace runs folded to one space, typographic apostrophes made plain: what the
/// clerk meant, in the one spelling the producer gets.
pub(crate) fn normalise(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ").replace(['\u{2019}', '\u{02BC}'], "'")
}

/// A mandatory free-text value: normalised, at most `max` characters, only `charset`, at least one letter.
pub(crate) fn parse_text(field: Field, raw: &str, max: usize, charset: Charset) -> Result<String, FieldError> {
    let value = normalise(raw);
    if value.is_empty() {
        return Err(FieldError::new(field, FieldErrorKind::Required));
    }
    if !value.chars().all(|c| allowed(charset, c)) || !value.chars().any(is_latin_letter) {
        return Err(FieldError::new(field, FieldErrorKind::InvalidCharacters));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(field, FieldErrorKind::TooLong { max: max as u32 }));
    }
    Ok(value)
}

/// Implements the string plumbing of a text newtype: `as_str`, `Display`, a redacted `Debug`
/// (these values are personal data), and serde as a string through `parse`.
macro_rules! text_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(…)"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::FieldError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}
pub(crate) use text_newtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_letters_include_umlauts_and_accents_but_not_other_scripts() {
        for c in ['a', 'Z', 'ä', 'Ö', 'ß', 'ẞ', 'é', 'ł', 'Ş', 'ț', 'ñ', 'Å', 'ø'] {
            assert!(is_latin_letter(c), "{c}");
        }
        for c in ['×', '÷', 'Ж', 'α', 'ب', '中', '1', ' ', '\u{0301}'] {
            assert!(!is_latin_letter(c), "{c:?}");
        }
    }

    #[test]
    fn normalise_folds_whitespace_and_apostrophes() {
        assert_eq!(normalise("  Erika \t  Maria\n"), "Erika Maria");
        assert_eq!(normalise("O\u{2019}Neill"), "O'Neill");
    }

    #[test]
    fn parse_text_checks_presence_characters_and_length() {
        let f = Field::FamilyName;
        assert_eq!(parse_text(f, " Mustermann ", 10, Charset::Name).unwrap(), "Mustermann");
        assert_eq!(parse_text(f, "   ", 10, Charset::Name), Err(FieldError::new(f, FieldErrorKind::Required)));
        assert_eq!(
            parse_text(f, "Muster1", 10, Charset::Name),
            Err(FieldError::new(f, FieldErrorKind::InvalidCharacters))
        );
        assert_eq!(parse_text(f, "---", 10, Charset::Name), Err(FieldError::new(f, FieldErrorKind::InvalidCharacters)));
        assert_eq!(
            parse_text(f, "Mustermannx", 10, Charset::Name),
            Err(FieldError::new(f, FieldErrorKind::TooLong { max: 10 }))
        );
        // Length counts characters, not bytes: ten umlauts fit into ten.
        assert!(parse_text(f, "ääääääääää", 10, Charset::Name).is_ok());
        assert!(parse_text(f, "Heidestraße 17", 50, Charset::Street).is_ok());
        assert!(parse_text(f, "Heidestraße 17", 50, Charset::Place).is_err());
    }
}
