/// Everything that can go wrong while making or reading the producer copy. Messages are German like
/// those of `schalter-photo` (they may reach the clerk); `code()` is stable for programs, translations
/// and the `{code, message}` JSON shape.
///
/// No variant carries image bytes or personal data, so Debug and Display are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortraitError {
    #[error("Das Lichtbild ist kein JPEG.")]
    NotJpeg,
    #[error("Die JPEG-Datei des Lichtbilds ist beschädigt oder unvollständig.")]
    CorruptJpeg,
    #[error("Die Lichtbilddatei ist mit {size} Bytes zu groß; erlaubt sind höchstens {max} Bytes.")]
    FileTooLarge { size: usize, max: usize },
    #[error("Das Lichtbild gibt {width} × {height} Pixel an und überschreitet die Grenzen; es wird nicht geöffnet.")]
    TooLarge { width: u32, height: u32 },
    #[error(
        "Das Lichtbild hat {width} × {height} Pixel; für die Herstellerkopie (622 × 800 im Format 35:45) \
         reicht das nicht, und hochskaliert wird nie."
    )]
    TooSmall { width: u32, height: u32 },
    #[error("Die JPEG-2000-Kodierung des Lichtbilds ist fehlgeschlagen ({stage}).")]
    EncodeFailed { stage: &'static str },
    #[error(
        "Die Herstellerkopie hat die Prüfung durch Dekodieren nicht bestanden ({reason}); sie wird nicht verwendet."
    )]
    CheckFailed { reason: String },
    #[error("Die JPEG-2000-Datei ist nicht lesbar ({reason}).")]
    Jp2Invalid { reason: String },
}

impl PortraitError {
    pub fn code(&self) -> &'static str {
        match self {
            PortraitError::NotJpeg => "portrait_not_jpeg",
            PortraitError::CorruptJpeg => "portrait_corrupt_jpeg",
            PortraitError::FileTooLarge { .. } => "portrait_file_too_large",
            PortraitError::TooLarge { .. } => "portrait_too_large",
            PortraitError::TooSmall { .. } => "portrait_too_small",
            PortraitError::EncodeFailed { .. } => "portrait_encode_failed",
            PortraitError::CheckFailed { .. } => "portrait_check_failed",
            PortraitError::Jp2Invalid { .. } => "portrait_jp2_invalid",
        }
    }
}

/// Every code `code()` can return, for lists kept elsewhere (the desk's `ERROR_CODES`, the UI's catalogue).
pub const ERROR_CODES: &[&str] = &[
    "portrait_not_jpeg",
    "portrait_corrupt_jpeg",
    "portrait_file_too_large",
    "portrait_too_large",
    "portrait_too_small",
    "portrait_encode_failed",
    "portrait_check_failed",
    "portrait_jp2_invalid",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_listed_and_distinct() {
        let all = [
            PortraitError::NotJpeg,
            PortraitError::CorruptJpeg,
            PortraitError::FileTooLarge { size: 2, max: 1 },
            PortraitError::TooLarge { width: 1, height: 1 },
            PortraitError::TooSmall { width: 1, height: 1 },
            PortraitError::EncodeFailed { stage: "x" },
            PortraitError::CheckFailed { reason: "x".into() },
            PortraitError::Jp2Invalid { reason: "x".into() },
        ];
        let codes: Vec<&str> = all.iter().map(PortraitError::code).collect();
        assert_eq!(codes, ERROR_CODES);
        for (i, code) in ERROR_CODES.iter().enumerate() {
            assert!(code.starts_with("portrait_"), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{code}");
            assert!(!ERROR_CODES[..i].contains(code), "{code} twice");
        }
    }
}
