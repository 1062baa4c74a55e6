//! The TR-03170 photo code: the Base64 text inside the Data Matrix the citizen brings.
//!
//! `0xE2 | 0x01 | len+cloud URL | photo id (16) | len+OID (C40) | len+IV | len+padding (C40) | len+key`

use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::Serialize;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{excerpt, CodeField};
use crate::{c40, PhotoError};

const MAGIC: u8 = 0xE2;
const VERSION: u8 = 0x01;
/// TR-03170 part 2 §2.3.
pub const MAX_URL_LEN: usize = 100;
pub const KEY_LEN: usize = 32;

/// Scanners and people retyping codes drop the `=` padding; both forms mean the same bytes.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The symmetric algorithms seen in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Aes256Gcm,
    Aes256Cbc,
}

impl Algorithm {
    pub const ALL: [Algorithm; 2] = [Algorithm::Aes256Gcm, Algorithm::Aes256Cbc];

    pub fn oid(self) -> &'static str {
        match self {
            Algorithm::Aes256Gcm => "2.16.840.1.101.3.4.1.46",
            Algorithm::Aes256Cbc => "2.16.840.1.101.3.4.1.42",
        }
    }

    pub fn from_oid(oid: &str) -> Result<Self, PhotoError> {
        Self::ALL
            .into_iter()
            .find(|a| a.oid() == oid)
            .ok_or_else(|| PhotoError::UnknownAlgorithm { oid: excerpt(oid, 40) })
    }

    pub fn iv_len(self) -> usize {
        match self {
            Algorithm::Aes256Gcm => 12,
            Algorithm::Aes256Cbc => 16,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Aes256Gcm => "AES-256-GCM",
            Algorithm::Aes256Cbc => "AES-256-CBC",
        }
    }

    /// The padding id we write when building a code. Readers must accept any id: a provider in the
    /// field writes "pkcs-5" for CBC.
    pub fn default_padding(self) -> &'static str {
        match self {
            Algorithm::Aes256Gcm => "",
            Algorithm::Aes256Cbc => "PKCS7",
        }
    }
}

/// A parsed, validated photo code. The fields other than the key are public for display and for the
/// retrieval client; changing them breaks the invariants that `new` and `parse` established.
#[derive(Clone, PartialEq, Eq)]
pub struct PhotoCode {
    pub cloud_url: String,
    pub photo_id: Uuid,
    pub algorithm: Algorithm,
    pub iv: Vec<u8>,
    pub padding: String,
    key: Zeroizing<[u8; KEY_LEN]>,
}

/// What the clerk and the audit log may see of a code: everything but the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeSummary {
    pub cloud_url: String,
    pub photo_id: Uuid,
    pub algorithm_oid: &'static str,
    pub algorithm: &'static str,
    pub iv_hex: String,
    pub padding: String,
    pub key_len: usize,
}

impl PhotoCode {
    pub fn new(
        cloud_url: impl Into<String>,
        photo_id: Uuid,
        algorithm: Algorithm,
        iv: Vec<u8>,
        padding: impl Into<String>,
        key: [u8; KEY_LEN],
    ) -> Result<Self, PhotoError> {
        let key = Zeroizing::new(key);
        let cloud_url = cloud_url.into();
        let padding = padding.into();
        validate_url(&cloud_url)?;
        check_iv(algorithm, &iv)?;
        let encoded = c40::encode(&padding).map_err(|_| PhotoError::InvalidC40 { field: Some(CodeField::Padding) })?;
        if encoded.len() > usize::from(u8::MAX) {
            return Err(PhotoError::InvalidC40 { field: Some(CodeField::Padding) });
        }
        Ok(Self { cloud_url, photo_id, algorithm, iv, padding, key })
    }

    /// Parses the text a scanner delivers: Base64 (standard alphabet, `=` optional), surrounded by
    /// any whitespace or line ends the scanner adds.
    pub fn parse(text: &str) -> Result<Self, PhotoError> {
        let bytes = Zeroizing::new(LENIENT_STANDARD.decode(text.trim()).map_err(|_| PhotoError::NotBase64)?);
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PhotoError> {
        let mut r = Reader { bytes, pos: 0 };
        let magic = r.take(1, CodeField::Header)?[0];
        if magic != MAGIC {
            return Err(PhotoError::WrongMagic { found: magic });
        }
        let version = r.take(1, CodeField::Header)?[0];
        if version != VERSION {
            return Err(PhotoError::UnknownVersion { version });
        }

        let url = r.field(CodeField::CloudUrl)?;
        let cloud_url = std::str::from_utf8(url).map_err(|_| PhotoError::UrlNotHttps)?.to_owned();
        validate_url(&cloud_url)?;

        let id = r.take(16, CodeField::PhotoId)?;
        let photo_id = Uuid::from_slice(id).map_err(|_| PhotoError::LengthOverrun { field: CodeField::PhotoId })?;

        let oid = r.field(CodeField::Algorithm)?;
        let oid = c40::decode(oid).map_err(|_| PhotoError::InvalidC40 { field: Some(CodeField::Algorithm) })?;
        let algorithm = Algorithm::from_oid(&oid)?;

        let iv = r.field(CodeField::Iv)?.to_vec();
        check_iv(algorithm, &iv)?;

        let padding = r.field(CodeField::Padding)?;
        let padding = c40::decode(padding).map_err(|_| PhotoError::InvalidC40 { field: Some(CodeField::Padding) })?;

        let key = r.field(CodeField::Key)?;
        let key: [u8; KEY_LEN] = key.try_into().map_err(|_| PhotoError::WrongKeyLength { found: key.len() })?;
        let key = Zeroizing::new(key);

        let rest = bytes.len() - r.pos;
        if rest > 0 {
            return Err(PhotoError::TrailingBytes { count: rest });
        }
        Ok(Self { cloud_url, photo_id, algorithm, iv, padding, key })
    }

    /// The binary payload. It contains the key: the buffer is wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        // `new`/`parse` guarantee these fit; a caller who rewrote the public fields gets a clipped
        // length byte rather than a panic, and `from_bytes` will refuse the result.
        fn len_u8(n: usize) -> u8 {
            u8::try_from(n).unwrap_or(u8::MAX)
        }
        let oid = c40::encode(self.algorithm.oid()).unwrap_or_default();
        let padding = c40::encode(&self.padding).unwrap_or_default();
        let mut out = Zeroizing::new(Vec::with_capacity(
            2 + 1 + self.cloud_url.len() + 16 + 1 + oid.len() + 1 + self.iv.len() + 1 + padding.len() + 1 + KEY_LEN,
        ));
        out.extend([MAGIC, VERSION, len_u8(self.cloud_url.len())]);
        out.extend_from_slice(self.cloud_url.as_bytes());
        out.extend_from_slice(self.photo_id.as_bytes());
        for field in [&oid[..], &self.iv, &padding, &self.key[..]] {
            out.push(len_u8(field.len()));
            out.extend_from_slice(field);
        }
        out
    }

    /// The text to put into the Data Matrix (standard Base64 with padding). Contains the key.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(&*self.to_bytes()))
    }

    pub fn key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// Refuses a code whose cloud is not in the office's list of trusted clouds (our stand-in for
    /// the DVDV directory). Compares scheme, host (case-insensitive) and path without trailing `/`,
    /// with the default port 443 made implicit. Malformed list entries match nothing.
    pub fn check_trusted<'a>(&self, trusted: impl IntoIterator<Item = &'a str>) -> Result<(), PhotoError> {
        let ours = normalise_url(&self.cloud_url);
        if ours.is_some() && trusted.into_iter().any(|t| normalise_url(t) == ours) {
            Ok(())
        } else {
            Err(PhotoError::UntrustedCloud { cloud_url: excerpt(&self.cloud_url, MAX_URL_LEN) })
        }
    }

    pub fn summary(&self) -> CodeSummary {
        CodeSummary {
            cloud_url: self.cloud_url.clone(),
            photo_id: self.photo_id,
            algorithm_oid: self.algorithm.oid(),
            algorithm: self.algorithm.name(),
            iv_hex: hex(&self.iv),
            padding: self.padding.clone(),
            key_len: KEY_LEN,
        }
    }
}

impl fmt::Debug for PhotoCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PhotoCode")
            .field("cloud_url", &self.cloud_url)
            .field("photo_id", &self.photo_id)
            .field("algorithm", &self.algorithm)
            .field("iv", &hex(&self.iv))
            .field("padding", &self.padding)
            .field("key", &"<redacted>")
            .finish()
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: CodeField) -> Result<&'a [u8], PhotoError> {
        let end = self.pos.checked_add(n).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(PhotoError::LengthOverrun { field })?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    /// A length byte followed by that many bytes.
    fn field(&mut self, field: CodeField) -> Result<&'a [u8], PhotoError> {
        let len = self.take(1, field)?[0];
        self.take(usize::from(len), field)
    }
}

fn check_iv(algorithm: Algorithm, iv: &[u8]) -> Result<(), PhotoError> {
    if iv.len() == algorithm.iv_len() {
        Ok(())
    } else {
        Err(PhotoError::WrongIvLength { algorithm: algorithm.name(), expected: algorithm.iv_len(), found: iv.len() })
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// An https base URL with a plain host (name, IPv4 or bracketed IPv6) and optional port and path.
/// No user info, query or fragment: they could disguise the real host from a clerk or a naive
/// prefix comparison.
fn validate_url(url: &str) -> Result<(), PhotoError> {
    if !url.is_ascii() {
        return Err(PhotoError::UrlNotHttps);
    }
    if url.len() > MAX_URL_LEN {
        return Err(PhotoError::UrlTooLong { len: url.len() });
    }
    split_url(url).map(|_| ()).ok_or(PhotoError::UrlNotHttps)
}

/// Returns (host, port, path) of a valid https base URL.
fn split_url(url: &str) -> Option<(&str, Option<u16>, &str)> {
    if !url.bytes().all(|b| b.is_ascii_graphic()) || url.contains(['?', '#', '@', '\\']) {
        return None;
    }
    let rest = url.get(..8).filter(|s| s.eq_ignore_ascii_case("https://")).map(|_| &url[8..])?;
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inner, after) = v6.split_once(']')?;
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return None;
        }
        (&authority[..inner.len() + 2], after)
    } else {
        let end = authority.find(':').unwrap_or(authority.len());
        let host = &authority[..end];
        let labels_ok = host.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
        if host.is_empty() || !labels_ok {
            return None;
        }
        (host, &authority[end..])
    };
    let port = match port {
        "" => None,
        p => {
            let digits = p.strip_prefix(':')?;
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse::<u16>().ok().filter(|&p| p != 0)?)
        }
    };
    Some((host, port, path))
}

fn normalise_url(url: &str) -> Option<String> {
    let (host, port, path) = split_url(url.trim())?;
    let port = match port {
        None | Some(443) => String::new(),
        Some(p) => format!(":{p}"),
    };
    Some(format!("https://{}{port}{}", host.to_ascii_lowercase(), path.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const URL: &str = "https://photos.example-cloud.de";
    const ID: Uuid = Uuid::from_u128(0x55e7_70ca_e5b2_4517_8daf_e1ef_844b_3b9e);
    const KEY: [u8; 32] = [0x42; 32];

    fn gcm() -> PhotoCode {
        PhotoCode::new(URL, ID, Algorithm::Aes256Gcm, vec![7; 12], "", KEY).unwrap()
    }

    fn cbc() -> PhotoCode {
        PhotoCode::new(URL, ID, Algorithm::Aes256Cbc, vec![9; 16], Algorithm::Aes256Cbc.default_padding(), KEY).unwrap()
    }

    /// Builds a payload field by field so each test can break exactly one thing.
    struct Raw {
        magic: u8,
        version: u8,
        url: Vec<u8>,
        id: Vec<u8>,
        oid: Vec<u8>,
        iv: Vec<u8>,
        padding: Vec<u8>,
        key: Vec<u8>,
    }

    impl Raw {
        fn good() -> Self {
            Raw {
                magic: MAGIC,
                version: VERSION,
                url: URL.as_bytes().to_vec(),
                id: ID.as_bytes().to_vec(),
                oid: c40::encode(Algorithm::Aes256Gcm.oid()).unwrap(),
                iv: vec![7; 12],
                padding: vec![],
                key: KEY.to_vec(),
            }
        }

        fn bytes(&self) -> Vec<u8> {
            let mut out = vec![self.magic, self.version, self.url.len() as u8];
            out.extend(&self.url);
            out.extend(&self.id);
            for f in [&self.oid, &self.iv, &self.padding, &self.key] {
                out.push(f.len() as u8);
                out.extend(f);
            }
            out
        }

        fn parse(&self) -> Result<PhotoCode, PhotoError> {
            PhotoCode::from_bytes(&self.bytes())
        }
    }

    fn code_of(r: Result<PhotoCode, PhotoError>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn good_payload_parses() {
        assert_eq!(Raw::good().parse().unwrap(), gcm());
    }

    #[test]
    fn gcm_round_trips_through_base64() {
        let code = gcm();
        let text = code.to_base64();
        assert_eq!(PhotoCode::parse(&text).unwrap(), code);
    }

    #[test]
    fn cbc_round_trips_with_pkcs7_padding_id() {
        let code = cbc();
        let parsed = PhotoCode::from_bytes(&code.to_bytes()).unwrap();
        assert_eq!(parsed.padding, "PKCS7");
        assert_eq!(parsed, code);
    }

    #[test]
    fn layout_matches_the_specification() {
        let bytes = gcm().to_bytes();
        let v = URL.len();
        assert_eq!(&bytes[..3], &[0xE2, 0x01, v as u8]);
        assert_eq!(&bytes[3..3 + v], URL.as_bytes());
        assert_eq!(&bytes[3 + v..0x13 + v], ID.as_bytes());
        assert_eq!(bytes[0x13 + v], 22); // C40 OID length, see c40 tests
        let x = 22;
        assert_eq!(bytes[0x14 + v + x], 12);
        assert_eq!(bytes[0x15 + v + x + 12], 0); // empty padding
        assert_eq!(bytes[0x16 + v + x + 12], 32);
        assert_eq!(&bytes[0x17 + v + x + 12..], &KEY);
    }

    #[test]
    fn scanner_text_with_whitespace_and_without_padding_parses() {
        let code = PhotoCode::new(format!("{URL}/a"), ID, Algorithm::Aes256Gcm, vec![7; 12], "", KEY).unwrap();
        let text = code.to_base64();
        let unpadded = text.trim_end_matches('=');
        assert_ne!(unpadded.len(), text.len(), "the test payload must need padding");
        assert_eq!(PhotoCode::parse(&format!("  {unpadded}\r\n")).unwrap(), code);
    }

    #[test]
    fn not_base64() {
        assert_eq!(code_of(PhotoCode::parse("4gE*not base64")), "not_base64");
        assert_eq!(code_of(PhotoCode::parse("https://example.org/photo")), "not_base64");
        // URL-safe alphabet is not what the TR prescribes
        assert_eq!(code_of(PhotoCode::parse("4gE-_w")), "not_base64");
    }

    #[test]
    fn wrong_magic() {
        let r = Raw { magic: 0xDC, ..Raw::good() };
        assert_eq!(r.parse().unwrap_err(), PhotoError::WrongMagic { found: 0xDC });
        assert_eq!(PhotoCode::from_bytes(b"h").unwrap_err(), PhotoError::WrongMagic { found: b'h' });
    }

    #[test]
    fn unknown_version() {
        let r = Raw { version: 2, ..Raw::good() };
        assert_eq!(r.parse().unwrap_err(), PhotoError::UnknownVersion { version: 2 });
    }

    #[test]
    fn length_overrun_names_the_field() {
        let full = Raw::good().bytes();
        assert_eq!(PhotoCode::from_bytes(&[]).unwrap_err(), PhotoError::LengthOverrun { field: CodeField::Header });
        assert_eq!(
            PhotoCode::from_bytes(&[MAGIC]).unwrap_err(),
            PhotoError::LengthOverrun { field: CodeField::Header }
        );
        let v = URL.len();
        let cases = [
            (3 + 10, CodeField::CloudUrl),
            (3 + v + 5, CodeField::PhotoId),
            (0x13 + v, CodeField::Algorithm),
            (0x14 + v + 3, CodeField::Algorithm),
            (0x14 + v + 22 + 4, CodeField::Iv),
            (0x15 + v + 22 + 12, CodeField::Padding),
            (0x16 + v + 22 + 12, CodeField::Key),
            (full.len() - 1, CodeField::Key),
        ];
        for (cut, field) in cases {
            assert_eq!(
                PhotoCode::from_bytes(&full[..cut]).unwrap_err(),
                PhotoError::LengthOverrun { field },
                "cut {cut}"
            );
        }
        let msg = PhotoCode::from_bytes(&full[..full.len() - 1]).unwrap_err().to_string();
        assert!(msg.contains("Schlüssel"), "{msg}");
    }

    #[test]
    fn trailing_bytes() {
        let mut bytes = Raw::good().bytes();
        bytes.extend([0, 0]);
        assert_eq!(PhotoCode::from_bytes(&bytes).unwrap_err(), PhotoError::TrailingBytes { count: 2 });
    }

    #[test]
    fn unknown_algorithm() {
        // AES-128-GCM
        let r = Raw { oid: c40::encode("2.16.840.1.101.3.4.1.6").unwrap(), ..Raw::good() };
        let err = r.parse().unwrap_err();
        assert_eq!(err.code(), "unknown_algorithm");
        assert!(err.to_string().contains("2.16.840.1.101.3.4.1.6"));
    }

    #[test]
    fn wrong_iv_length() {
        let r = Raw { iv: vec![0; 16], ..Raw::good() };
        assert_eq!(
            r.parse().unwrap_err(),
            PhotoError::WrongIvLength { algorithm: "AES-256-GCM", expected: 12, found: 16 }
        );
        let built = PhotoCode::new(URL, ID, Algorithm::Aes256Cbc, vec![0; 12], "PKCS7", KEY);
        assert_eq!(code_of(built), "wrong_iv_length");
    }

    #[test]
    fn wrong_key_length() {
        let r = Raw { key: vec![1; 16], ..Raw::good() };
        assert_eq!(r.parse().unwrap_err(), PhotoError::WrongKeyLength { found: 16 });
    }

    #[test]
    fn url_not_https() {
        for url in [
            "http://photos.example.de",
            "https://",
            "https:///path",
            "ftp://photos.example.de",
            "https://user@evil.example",
            "https://photos.example.de?x=1",
            "https://photos.example.de#frag",
            "https://photos .example.de",
            "https://photos.example.de:0",
            "https://photos.example.de:99999",
            "https://photos.example.de:",
            "https://-bad.example.de",
            "",
        ] {
            let r = Raw { url: url.as_bytes().to_vec(), ..Raw::good() };
            assert_eq!(code_of(r.parse()), "url_not_https", "{url}");
        }
        let r = Raw { url: "https://bücher.de".as_bytes().to_vec(), ..Raw::good() };
        assert_eq!(code_of(r.parse()), "url_not_https");
        let r = Raw { url: vec![b'h', 0xFF], ..Raw::good() };
        assert_eq!(code_of(r.parse()), "url_not_https");
    }

    #[test]
    fn accepted_url_shapes() {
        for url in
            ["https://a.example", "HTTPS://A.Example:8443/api/", "https://127.0.0.1:8443", "https://[::1]:8443/x"]
        {
            PhotoCode::new(url, ID, Algorithm::Aes256Gcm, vec![0; 12], "", KEY).unwrap();
        }
    }

    #[test]
    fn url_too_long() {
        let url = format!("https://{}.de", "a".repeat(95));
        let r = Raw { url: url.as_bytes().to_vec(), ..Raw::good() };
        assert_eq!(r.parse().unwrap_err(), PhotoError::UrlTooLong { len: 106 });
        let ok = format!("https://{}.de", "a".repeat(89));
        assert_eq!(ok.len(), 100);
        Raw { url: ok.into_bytes(), ..Raw::good() }.parse().unwrap();
    }

    #[test]
    fn invalid_c40() {
        let r = Raw { oid: vec![0x25], ..Raw::good() };
        assert_eq!(r.parse().unwrap_err(), PhotoError::InvalidC40 { field: Some(CodeField::Algorithm) });
        let r = Raw { padding: vec![0xFF, 0xFF], ..Raw::good() };
        assert_eq!(r.parse().unwrap_err(), PhotoError::InvalidC40 { field: Some(CodeField::Padding) });
        let built = PhotoCode::new(URL, ID, Algorithm::Aes256Gcm, vec![0; 12], "€", KEY);
        assert_eq!(code_of(built), "invalid_c40");
    }

    #[test]
    fn untrusted_cloud() {
        let code = gcm();
        let err = code.check_trusted(["https://other.example.de"]).unwrap_err();
        assert_eq!(err.code(), "untrusted_cloud");
        assert!(err.to_string().contains(URL));
        assert_eq!(code_of_trust(&code, &[]), Some("untrusted_cloud"));
        // a prefix is not the same cloud
        assert_eq!(code_of_trust(&code, &["https://photos.example-cloud.de.evil.example"]), Some("untrusted_cloud"));
        assert_eq!(code_of_trust(&code, &["http://photos.example-cloud.de"]), Some("untrusted_cloud"));
    }

    fn code_of_trust(code: &PhotoCode, trusted: &[&str]) -> Option<&'static str> {
        code.check_trusted(trusted.iter().copied()).err().map(|e| e.code())
    }

    #[test]
    fn trusted_cloud_matches_after_normalising() {
        let code = gcm();
        for t in [
            URL,
            "https://photos.example-cloud.de/",
            "HTTPS://Photos.Example-Cloud.DE:443",
            " https://photos.example-cloud.de ",
        ] {
            assert_eq!(code_of_trust(&code, &["https://x.example", t]), None, "{t}");
        }
        let with_path =
            PhotoCode::new("https://c.example/api/", ID, Algorithm::Aes256Gcm, vec![0; 12], "", KEY).unwrap();
        assert_eq!(code_of_trust(&with_path, &["https://c.example/api"]), None);
        assert_eq!(code_of_trust(&with_path, &["https://c.example/API"]), Some("untrusted_cloud"));
        assert_eq!(code_of_trust(&with_path, &["https://c.example"]), Some("untrusted_cloud"));
    }

    #[test]
    fn summary_and_debug_never_show_the_key() {
        let key = [0xAB; 32];
        let code = PhotoCode::new(URL, ID, Algorithm::Aes256Gcm, vec![7; 12], "", key).unwrap();
        let json = serde_json::to_string(&code.summary()).unwrap();
        let debug = format!("{code:?} {:?}", code.summary());
        for text in [&json, &debug] {
            assert!(!text.to_lowercase().contains("abab"), "{text}");
            assert!(!text.contains("171, 171"), "{text}");
        }
        assert!(json.contains("\"algorithm\":\"AES-256-GCM\""), "{json}");
        assert!(json.contains("\"algorithm_oid\":\"2.16.840.1.101.3.4.1.46\""), "{json}");
        assert!(json.contains("\"iv_hex\":\"070707070707070707070707\""), "{json}");
        assert!(json.contains("\"key_len\":32"), "{json}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn field_shaped_cbc_code_with_lowercase_padding_parses() {
        // The shape of a provider's CBC code: its padding id is "pkcs-5" in lower case (Shift 3).
        let r = Raw {
            url: b"https://d.photos-prod.example.cloud".to_vec(),
            oid: c40::encode(Algorithm::Aes256Cbc.oid()).unwrap(),
            iv: vec![0xF3; 16],
            padding: vec![0x0f, 0x03, 0x45, 0x14, 0x0f, 0x7a, 0x4c, 0x69],
            ..Raw::good()
        };
        let code = r.parse().unwrap();
        assert_eq!(code.algorithm, Algorithm::Aes256Cbc);
        assert_eq!(code.padding, "pkcs-5");
        assert_eq!(&*code.to_bytes(), &r.bytes()[..]);
    }

    #[test]
    fn algorithm_metadata() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_oid(a.oid()).unwrap(), a);
        }
        assert_eq!(Algorithm::Aes256Gcm.iv_len(), 12);
        assert_eq!(Algorithm::Aes256Cbc.iv_len(), 16);
        assert_eq!(Algorithm::Aes256Cbc.name(), "AES-256-CBC");
        assert_eq!(code_of_alg(Algorithm::from_oid("1.2.3")), "unknown_algorithm");
    }

    fn code_of_alg(r: Result<Algorithm, PhotoError>) -> &'static str {
        r.unwrap_err().code()
    }

    fn arb_url() -> impl Strategy<Value = String> {
        (
            "[a-z0-9]{1,20}(\\.[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?){0,3}",
            proptest::option::of(1u16..),
            "(/[a-zA-Z0-9._-]{0,10}){0,3}",
        )
            .prop_map(|(host, port, path)| match port {
                Some(p) => format!("https://{host}:{p}{path}"),
                None => format!("https://{host}{path}"),
            })
            .prop_filter("URL limit", |u| u.len() <= MAX_URL_LEN)
    }

    fn arb_code() -> impl Strategy<Value = PhotoCode> {
        (
            arb_url(),
            any::<u128>(),
            prop_oneof![Just(Algorithm::Aes256Gcm), Just(Algorithm::Aes256Cbc)],
            any::<[u8; 16]>(),
            "[ -~]{0,20}",
            any::<[u8; 32]>(),
        )
            .prop_map(|(url, id, alg, iv, padding, key)| {
                PhotoCode::new(url, Uuid::from_u128(id), alg, iv[..alg.iv_len()].to_vec(), padding, key).unwrap()
            })
    }

    proptest! {
        #[test]
        fn build_then_parse_is_identity(code in arb_code()) {
            prop_assert_eq!(&PhotoCode::from_bytes(&code.to_bytes()).unwrap(), &code);
            prop_assert_eq!(&PhotoCode::parse(&code.to_base64()).unwrap(), &code);
            prop_assert!(code.check_trusted([code.cloud_url.as_str()]).is_ok());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = PhotoCode::from_bytes(&bytes);
        }

        #[test]
        fn mostly_valid_bytes_never_panic(code in arb_code(), at in any::<prop::sample::Index>(), b in any::<u8>()) {
            let mut bytes = code.to_bytes().to_vec();
            let i = at.index(bytes.len());
            bytes[i] = b;
            let _ = PhotoCode::from_bytes(&bytes);
            bytes.truncate(i);
            prop_assert!(PhotoCode::from_bytes(&bytes).is_err());
        }

        #[test]
        fn arbitrary_strings_never_panic(text in ".{0,200}") {
            let _ = PhotoCode::parse(&text);
        }

        #[test]
        fn arbitrary_trust_lists_never_panic(list in proptest::collection::vec(".{0,40}", 0..4)) {
            let _ = gcm().check_trusted(list.iter().map(String::as_str));
        }
    }
}
