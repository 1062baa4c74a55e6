use std::fmt;

/// A field of the photo code, named so the clerk (and the support desk) can tell which part of a
/// printed code is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeField {
    /// Magic byte and version.
    Header,
    CloudUrl,
    PhotoId,
    Algorithm,
    Iv,
    Padding,
    Key,
}

impl CodeField {
    /// Stable name for programs (e.g. in a JSON error detail).
    pub fn as_str(self) -> &'static str {
        match self {
            CodeField::Header => "header",
            CodeField::CloudUrl => "cloud_url",
            CodeField::PhotoId => "photo_id",
            CodeField::Algorithm => "algorithm",
            CodeField::Iv => "iv",
            CodeField::Padding => "padding",
            CodeField::Key => "key",
        }
    }

    fn german(self) -> &'static str {
        match self {
            CodeField::Header => "Kopf (Kennung und Version)",
            CodeField::CloudUrl => "Cloud-Adresse",
            CodeField::PhotoId => "Lichtbild-Kennung",
            CodeField::Algorithm => "Verschlüsselungsverfahren",
            CodeField::Iv => "Initialisierungsvektor",
            CodeField::Padding => "Padding-Angabe",
            CodeField::Key => "Schlüssel",
        }
    }
}

impl fmt::Display for CodeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.german())
    }
}

/// Renders the optional field of a C40 error as " im Feld „…“" or nothing.
struct InField(Option<CodeField>);

impl fmt::Display for InField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(field) => write!(f, " im Feld „{field}“"),
            None => Ok(()),
        }
    }
}

/// Everything that can go wrong in this crate. Messages are German because they reach the clerk at
/// the counter; `code()` is stable for programs, translations and the `{code, message}` JSON shape.
///
/// No variant carries key bytes, image bytes or personal data, so Debug and Display are safe to log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    // --- photo code (TR-03170 barcode) ---
    #[error("Der gescannte Code ist kein gültiger Base64-Text. Bitte erneut scannen.")]
    NotBase64,
    #[error("Der gescannte Code ist kein E-Passfoto-Code (Kennbyte 0x{found:02X} statt 0xE2).")]
    WrongMagic { found: u8 },
    #[error("Der E-Passfoto-Code hat die unbekannte Version {version}; unterstützt wird Version 1.")]
    UnknownVersion { version: u8 },
    #[error("Der E-Passfoto-Code ist unvollständig: Das Feld „{field}“ ist länger als der restliche Code.")]
    LengthOverrun { field: CodeField },
    #[error("Der E-Passfoto-Code enthält {count} überzählige Bytes nach dem Schlüssel.")]
    TrailingBytes { count: usize },
    #[error("Der E-Passfoto-Code nennt ein nicht unterstütztes Verschlüsselungsverfahren ({oid}); erlaubt sind AES-256-GCM und AES-256-CBC.")]
    UnknownAlgorithm { oid: String },
    #[error("Der Initialisierungsvektor für {algorithm} muss {expected} Bytes lang sein, der Code enthält {found}.")]
    WrongIvLength { algorithm: &'static str, expected: usize, found: usize },
    #[error("Der Schlüssel im E-Passfoto-Code muss 32 Bytes lang sein, der Code enthält {found}.")]
    WrongKeyLength { found: usize },
    #[error("Die Cloud-Adresse im Code ist keine gültige https-Adresse mit Rechnername.")]
    UrlNotHttps,
    #[error("Die Cloud-Adresse im Code ist {len} Zeichen lang; erlaubt sind höchstens 100.")]
    UrlTooLong { len: usize },
    #[error("Der C40-kodierte Inhalt{} ist fehlerhaft.", InField(*field))]
    InvalidC40 { field: Option<CodeField> },
    #[error("Die Foto-Cloud {cloud_url} ist nicht als vertrauenswürdig eingetragen. Das Foto wird nicht abgerufen.")]
    UntrustedCloud { cloud_url: String },
    #[error("Die Nutzerkennung muss aus drei UUIDs bestehen, getrennt durch „:::“.")]
    InvalidUserIdentifier,

    // --- decryption ---
    #[error("Das Foto konnte nicht entschlüsselt werden (falscher Schlüssel oder veränderte Daten).")]
    DecryptionFailed,

    // --- seal of the cloud ---
    #[error("Das Siegel der Foto-Cloud ist ungültig: Das Foto wurde verändert oder stammt nicht von dieser Cloud.")]
    SealInvalid,
    #[error("Die Foto-Cloud verwendet ein unbekanntes Siegelverfahren ({algorithm}).")]
    SealAlgorithmUnknown { algorithm: String },
    #[error("Das Siegelzertifikat der Foto-Cloud ist unlesbar oder passt nicht zum Siegelverfahren. Bitte die IT verständigen.")]
    SealCertificateInvalid,
    #[error("Unbekannte Siegelform „{form}“; erlaubt sind „digest_as_message“ und „plain“.")]
    SealFormUnknown { form: String },
    #[error("Der Siegelschlüssel ist kein lesbarer PKCS#8-Schlüssel für ECDSA P-256.")]
    SealKeyInvalid,

    // --- image checks (TR-03121) ---
    #[error("Die Fotodatei ist mit {size} Bytes zu groß; erlaubt sind höchstens {max} Bytes.")]
    PhotoTooLarge { size: usize, max: usize },
    #[error("Die Fotodatei ist kein JPEG. Die Cloud muss das Lichtbild als JPEG liefern.")]
    NotJpeg,
    #[error("Die JPEG-Datei ist beschädigt oder unvollständig.")]
    CorruptJpeg,
    #[error("Das Foto gibt {width} × {height} Pixel an und überschreitet die Grenzen; es wird nicht geöffnet.")]
    DecompressionBomb { width: u32, height: u32 },
}

impl PhotoError {
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::NotBase64 => "not_base64",
            PhotoError::WrongMagic { .. } => "wrong_magic",
            PhotoError::UnknownVersion { .. } => "unknown_version",
            PhotoError::LengthOverrun { .. } => "length_overrun",
            PhotoError::TrailingBytes { .. } => "trailing_bytes",
            PhotoError::UnknownAlgorithm { .. } => "unknown_algorithm",
            PhotoError::WrongIvLength { .. } => "wrong_iv_length",
            PhotoError::WrongKeyLength { .. } => "wrong_key_length",
            PhotoError::UrlNotHttps => "url_not_https",
            PhotoError::UrlTooLong { .. } => "url_too_long",
            PhotoError::InvalidC40 { .. } => "invalid_c40",
            PhotoError::UntrustedCloud { .. } => "untrusted_cloud",
            PhotoError::InvalidUserIdentifier => "invalid_user_identifier",
            PhotoError::DecryptionFailed => "decryption_failed",
            PhotoError::SealInvalid => "seal_invalid",
            PhotoError::SealAlgorithmUnknown { .. } => "seal_algorithm_unknown",
            PhotoError::SealCertificateInvalid => "seal_certificate_invalid",
            PhotoError::SealFormUnknown { .. } => "seal_form_unknown",
            PhotoError::SealKeyInvalid => "seal_key_invalid",
            PhotoError::PhotoTooLarge { .. } => "photo_too_large",
            PhotoError::NotJpeg => "not_jpeg",
            PhotoError::CorruptJpeg => "corrupt_jpeg",
            PhotoError::DecompressionBomb { .. } => "decompression_bomb",
        }
    }
}

/// Text from a hostile code or response may end up in a message: keep only a short printable-ASCII
/// excerpt so a message cannot carry control characters or megabytes.
pub(crate) fn excerpt(raw: &str, max_chars: usize) -> String {
    let mut out: String =
        raw.chars().take(max_chars).map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
    if raw.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_strips_control_characters_and_truncates() {
        assert_eq!(excerpt("a\nb", 40), "a?b");
        let long = "x".repeat(100);
        assert_eq!(excerpt(&long, 40).chars().count(), 41);
    }

    #[test]
    fn c40_message_names_the_field() {
        let e = PhotoError::InvalidC40 { field: Some(CodeField::Algorithm) };
        assert_eq!(e.to_string(), "Der C40-kodierte Inhalt im Feld „Verschlüsselungsverfahren“ ist fehlerhaft.");
        assert_eq!(PhotoError::InvalidC40 { field: None }.to_string(), "Der C40-kodierte Inhalt ist fehlerhaft.");
    }
}
