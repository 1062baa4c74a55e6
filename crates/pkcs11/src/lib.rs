//! A desk key on a PKCS#11 token (smart card, HSM): the private key never leaves the token; rustls asks it
//! to sign the TLS handshake through [`TokenKey`] (a [`rustls::sign::SigningKey`]), and
//! [`client_cert_resolver`] pairs it with the desk certificate's chain from a PEM file.
//!
//! Supported: ECDSA P-256 keys (`CKM_ECDSA` over a SHA-256 digest computed here; the token's raw `r || s`
//! is converted to the DER form TLS wants). Keys are named by a subset of RFC 7512 URIs:
//! `pkcs11:token=Schalter;object=desk` (also `id=%01`, `type=private`). The PIN is read from a file and
//! kept in zeroized memory; it is never logged and never part of a URI.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, SubjectPublicKeyInfoDer};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// What can go wrong with a token, in German for the clerk's error screen and IT.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs11Error {
    #[error("PKCS#11-Angabe »{uri}« ist ungültig: {reason}")]
    Uri { uri: String, reason: String },
    #[error("Das PKCS#11-Modul {path} kann nicht geladen werden ({reason})")]
    Module { path: PathBuf, reason: String },
    #[error("Kein PKCS#11-Token mit der Bezeichnung »{0}« gefunden (Karte gesteckt, Token eingerichtet?)")]
    TokenNotFound(String),
    #[error("Die PIN-Datei {path} kann nicht gelesen werden ({reason})")]
    PinFile { path: PathBuf, reason: String },
    #[error("Die PIN für das Token »{0}« ist falsch")]
    WrongPin(String),
    #[error("Die PIN für das Token »{0}« ist gesperrt")]
    PinLocked(String),
    #[error("Auf dem Token »{token}« gibt es keinen privaten Schlüssel {object}")]
    KeyNotFound { token: String, object: String },
    #[error("Auf dem Token »{token}« passen mehrere private Schlüssel zu {object}; bitte object= und id= angeben")]
    KeyAmbiguous { token: String, object: String },
    #[error("Der Schlüssel auf dem Token ist kein ECDSA-P-256-Schlüssel (nur dieser wird unterstützt)")]
    UnsupportedKey,
    #[error("Das Zertifikat {path} gehört nicht zum Schlüssel auf dem Token")]
    KeyMismatch { path: PathBuf },
    #[error("Das Token wurde entfernt oder antwortet nicht mehr")]
    TokenRemoved,
    #[error("Zertifikatsdatei {path}: {reason}")]
    Certificate { path: PathBuf, reason: String },
    #[error("PKCS#11-Fehler bei {step}: {reason}")]
    Token { step: &'static str, reason: String },
}

impl Pkcs11Error {
    fn token(step: &'static str, error: CkError) -> Self {
        match error {
            CkError::Pkcs11(RvError::DeviceRemoved | RvError::TokenNotPresent | RvError::SessionHandleInvalid, _) => {
                Pkcs11Error::TokenRemoved
            }
            other => Pkcs11Error::Token { step, reason: other.to_string() },
        }
    }
}

/// A key named by an RFC 7512 PKCS#11 URI (the path attributes `token`, `object`, `id`, `type`; no query:
/// a PIN never stands in a configuration line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    pub token: String,
    pub object: Option<String>,
    pub id: Option<Vec<u8>>,
}

impl Pkcs11Uri {
    pub fn parse(uri: &str) -> Result<Self, Pkcs11Error> {
        let invalid = |reason: &str| Pkcs11Error::Uri { uri: uri.to_owned(), reason: reason.to_owned() };
        let path = uri.strip_prefix("pkcs11:").ok_or_else(|| invalid("muss mit pkcs11: beginnen"))?;
        if path.contains('?') {
            return Err(invalid(
                "Abfrageteile (?…, etwa pin-value) werden nicht unterstützt; die PIN steht in pin_file",
            ));
        }
        let (mut token, mut object, mut id) = (None, None, None);
        for attribute in path.split(';').filter(|a| !a.is_empty()) {
            let (name, value) = attribute.split_once('=').ok_or_else(|| invalid("Attribut ohne ="))?;
            let value = percent_decode(value).ok_or_else(|| invalid("fehlerhafte %-Kodierung"))?;
            let text = || String::from_utf8(value.clone()).map_err(|_| invalid("kein UTF-8"));
            match name {
                "token" => token = Some(text()?),
                "object" => object = Some(text()?),
                "id" => id = Some(value),
                "type" if value == b"private" => {}
                "type" => return Err(invalid("type muss private sein")),
                _ => return Err(invalid(&format!("unbekanntes Attribut {name} (erlaubt: token, object, id, type)"))),
            }
        }
        let token = token.filter(|t| !t.is_empty()).ok_or_else(|| invalid("token= fehlt"))?;
        if object.is_none() && id.is_none() {
            return Err(invalid("object= oder id= fehlt"));
        }
        Ok(Self { token, object, id })
    }

    fn describe(&self) -> String {
        match (&self.object, &self.id) {
            (Some(object), _) => format!("»{object}«"),
            (None, Some(id)) => format!("mit der id {}", id.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            (None, None) => String::new(),
        }
    }
}

fn percent_decode(value: &str) -> Option<Vec<u8>> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The user PIN: zeroized when dropped, never printed.
pub struct Pin(Zeroizing<String>);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(***)")
    }
}

impl Pin {
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    /// The first line of `path` (a trailing newline is not part of the PIN).
    pub fn from_file(path: &Path) -> Result<Self, Pkcs11Error> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Pkcs11Error::PinFile { path: path.to_owned(), reason: e.kind().to_string() })?,
        );
        let line = text.lines().next().unwrap_or_default();
        if line.is_empty() {
            return Err(Pkcs11Error::PinFile { path: path.to_owned(), reason: "die Datei ist leer".into() });
        }
        Ok(Self::new(line))
    }

    fn auth(&self) -> AuthPin {
        AuthPin::from(self.0.as_str())
    }
}

/// A loaded PKCS#11 module. Each library is loaded and `C_Initialize`d once per process and never
/// finalised: a second `C_Initialize` fails and a `C_Finalize` would end every other user's sessions.
#[derive(Clone, Debug)]
pub struct Module {
    context: Pkcs11,
}

impl Module {
    pub fn open(path: &Path) -> Result<Self, Pkcs11Error> {
        static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
        let failed = |reason: String| Pkcs11Error::Module { path: path.to_owned(), reason };
        let mut modules = MODULES.get_or_init(Default::default).lock().map_err(|_| failed("gesperrt".into()))?;
        if let Some(context) = modules.get(path) {
            return Ok(Self { context: context.clone() });
        }
        let context = Pkcs11::new(path).map_err(|e| failed(e.to_string()))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(failed(e.to_string())),
        }
        modules.insert(path.to_owned(), context.clone());
        Ok(Self { context })
    }

    fn slot(&self, label: &str) -> Result<Slot, Pkcs11Error> {
        let slots = self.context.get_slots_with_token().map_err(|e| Pkcs11Error::token("C_GetSlotList", e))?;
        for slot in slots {
            let info = self.context.get_token_info(slot).map_err(|e| Pkcs11Error::token("C_GetTokenInfo", e))?;
            if info.label().trim_end() == label {
                return Ok(slot);
            }
        }
        Err(Pkcs11Error::TokenNotFound(label.to_owned()))
    }

    /// A read-write session on the token `label`, logged in as the user.
    pub fn login(&self, label: &str, pin: &Pin) -> Result<Session, Pkcs11Error> {
        let slot = self.slot(label)?;
        let session = self.context.open_rw_session(slot).map_err(|e| Pkcs11Error::token("C_OpenSession", e))?;
        match session.login(UserType::User, Some(&pin.auth())) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(session),
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _)) => {
                Err(Pkcs11Error::WrongPin(label.to_owned()))
            }
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(Pkcs11Error::PinLocked(label.to_owned())),
            Err(e) => Err(Pkcs11Error::token("C_Login", e)),
        }
    }

    /// The private key `uri` names, logged in with `pin`, ready to sign handshakes.
    pub fn signing_key(&self, uri: &Pkcs11Uri, pin: &Pin) -> Result<TokenKey, Pkcs11Error> {
        let session = self.login(&uri.token, pin)?;
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        template.extend(uri.object.iter().map(|o| Attribute::Label(o.as_bytes().to_vec())));
        template.extend(uri.id.iter().map(|id| Attribute::Id(id.clone())));
        let keys = session.find_objects(&template).map_err(|e| Pkcs11Error::token("C_FindObjects", e))?;
        let key = match keys.as_slice() {
            [key] => *key,
            [] => return Err(Pkcs11Error::KeyNotFound { token: uri.token.clone(), object: uri.describe() }),
            _ => return Err(Pkcs11Error::KeyAmbiguous { token: uri.token.clone(), object: uri.describe() }),
        };
        let attributes = session
            .get_attributes(key, &[AttributeType::KeyType, AttributeType::EcParams])
            .map_err(|e| Pkcs11Error::token("C_GetAttributeValue", e))?;
        let is_p256 = attributes.iter().any(|a| matches!(a, Attribute::KeyType(KeyType::EC)))
            && attributes.iter().any(|a| matches!(a, Attribute::EcParams(p) if p == P256_OID));
        if !is_p256 {
            return Err(Pkcs11Error::UnsupportedKey);
        }
        // The public half, for checking that the certificate belongs to this key (a missing public object is
        // allowed: some cards keep only the private key; then the handshake is the check).
        template[0] = Attribute::Class(ObjectClass::PUBLIC_KEY);
        let public = match session.find_objects(&template).map_err(|e| Pkcs11Error::token("C_FindObjects", e))?[..] {
            [public] => Some(ec_point(&session, public)?),
            _ => None,
        };
        tracing::info!(token = %uri.token, object = ?uri.object, "desk key on the PKCS#11 token opened");
        Ok(TokenKey { inner: Arc::new(Shared { session: Mutex::new(session), key, token: uri.token.clone(), public }) })
    }
}

/// The DER of the P-256 curve OID, as `CKA_EC_PARAMS` holds it.
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// SubjectPublicKeyInfo of a P-256 key up to its 65-byte uncompressed point.
const P256_SPKI_PREFIX: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The uncompressed point (`04 || X || Y`) of a public key object; tokens hand it DER-wrapped as an OCTET
/// STRING (PKCS#11 2.40) or, older ones, raw.
fn ec_point(session: &Session, public: ObjectHandle) -> Result<Vec<u8>, Pkcs11Error> {
    let attributes = session
        .get_attributes(public, &[AttributeType::EcPoint])
        .map_err(|e| Pkcs11Error::token("C_GetAttributeValue", e))?;
    let point = attributes
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(point) => Some(point),
            _ => None,
        })
        .ok_or(Pkcs11Error::UnsupportedKey)?;
    match point.as_slice() {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 && rest[0] == 0x04 => Ok(rest.to_vec()),
        [0x04, ..] if point.len() == 65 => Ok(point),
        _ => Err(Pkcs11Error::UnsupportedKey),
    }
}

/// Makes an ECDSA P-256 key pair inside the token (sensitive, not extractable): the private key never exists
/// outside it. Returns the uncompressed public point, for a certificate request. For provisioning and tests.
pub fn generate_p256(session: &Session, label: &str, id: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
    let named = |mut attributes: Vec<Attribute>| {
        attributes.extend([
            Attribute::Token(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ]);
        attributes
    };
    let public =
        named(vec![Attribute::Private(false), Attribute::Verify(true), Attribute::EcParams(P256_OID.to_vec())]);
    let private = named(vec![
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
    ]);
    let (public, _) = session
        .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
        .map_err(|e| Pkcs11Error::token("C_GenerateKeyPair", e))?;
    ec_point(session, public)
}

struct Shared {
    /// One session per key: PKCS#11 sessions are not to be used by two threads at once.
    session: Mutex<Session>,
    key: ObjectHandle,
    token: String,
    public: Option<Vec<u8>>,
}

/// A P-256 private key on a token, as rustls's signing key.
#[derive(Clone)]
pub struct TokenKey {
    inner: Arc<Shared>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey").field("token", &self.inner.token).finish_non_exhaustive()
    }
}

impl TokenKey {
    /// The key's SubjectPublicKeyInfo (DER), when the token holds the public half.
    pub fn spki(&self) -> Option<Vec<u8>> {
        self.inner.public.as_ref().map(|point| [P256_SPKI_PREFIX, point].concat())
    }

    /// Signs `message` (ECDSA P-256 with SHA-256): the DER signature TLS and X.509 use.
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
        let digest = Sha256::digest(message);
        let session = self.inner.session.lock().map_err(|_| Pkcs11Error::TokenRemoved)?;
        let raw =
            session.sign(&Mechanism::Ecdsa, self.inner.key, &digest).map_err(|e| Pkcs11Error::token("C_Sign", e))?;
        raw_to_der(&raw).ok_or(Pkcs11Error::Token { step: "C_Sign", reason: "Signatur hat nicht 64 Bytes".into() })
    }
}

impl SigningKey for TokenKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP256_SHA256)
            .then(|| Box::new(TokenSigner(self.clone())) as Box<dyn Signer>)
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        self.spki().map(SubjectPublicKeyInfoDer::from)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

#[derive(Debug)]
struct TokenSigner(TokenKey);

impl Signer for TokenSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.0.sign_sha256(message).map_err(|error| {
            // The handshake fails with this; the desk then reports the central unreachable or TLS refused,
            // and the log says why. Never the PIN: it is not in reach here.
            tracing::error!(token = %self.0.inner.token, %error, "the PKCS#11 token did not sign");
            rustls::Error::General(error.to_string())
        })
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP256_SHA256
    }
}

/// `r || s` (32 bytes each) as the DER `SEQUENCE { INTEGER r, INTEGER s }`.
pub fn raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() != 64 {
        return None;
    }
    let integer = |bytes: &[u8]| {
        let trimmed = &bytes[bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1)..];
        let pad = trimmed[0] & 0x80 != 0;
        let mut out = vec![0x02, (trimmed.len() + usize::from(pad)) as u8];
        if pad {
            out.push(0);
        }
        out.extend_from_slice(trimmed);
        out
    };
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    Some([vec![0x30, body.len() as u8], body].concat())
}

/// The desk certificate's chain from `chain_pem` with the token's key: rustls's client certificate resolver.
/// A certificate of another key is refused here, before any handshake.
pub fn client_cert_resolver(chain_pem: &Path, key: TokenKey) -> Result<Arc<dyn ResolvesClientCert>, Pkcs11Error> {
    let failed = |reason: String| Pkcs11Error::Certificate { path: chain_pem.to_owned(), reason };
    let pem = std::fs::read(chain_pem).map_err(|e| failed(e.kind().to_string()))?;
    let chain: Vec<CertificateDer<'static>> =
        rustls_pemfile::certs(&mut pem.as_slice()).collect::<Result<_, _>>().map_err(|e| failed(e.to_string()))?;
    let leaf = chain.first().ok_or_else(|| failed("kein Zertifikat in der Datei".into()))?;
    if let Some(spki) = key.spki() {
        // The leaf's SubjectPublicKeyInfo appears verbatim in its DER; 91 bytes do not match by chance.
        if !leaf.as_ref().windows(spki.len()).any(|window| window == spki.as_slice()) {
            return Err(Pkcs11Error::KeyMismatch { path: chain_pem.to_owned() });
        }
    }
    Ok(Arc::new(TokenClientCert(Arc::new(CertifiedKey::new(chain, Arc::new(key))))))
}

#[derive(Debug)]
struct TokenClientCert(Arc<CertifiedKey>);

impl ResolvesClientCert for TokenClientCert {
    fn resolve(&self, _root_hint_subjects: &[&[u8]], sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        sigschemes.contains(&SignatureScheme::ECDSA_NISTP256_SHA256).then(|| self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_a_token_and_an_object_and_never_a_pin() {
        let uri = Pkcs11Uri::parse("pkcs11:token=Schalter;object=desk").unwrap();
        assert_eq!(uri, Pkcs11Uri { token: "Schalter".into(), object: Some("desk".into()), id: None });
        let uri = Pkcs11Uri::parse("pkcs11:token=B%C3%BCrgerb%C3%BCro;id=%01%a0;type=private").unwrap();
        assert_eq!((uri.token.as_str(), uri.id), ("Bürgerbüro", Some(vec![0x01, 0xa0])));
        for (bad, why) in [
            ("token=Schalter;object=desk", "pkcs11:"),
            ("pkcs11:object=desk", "token= fehlt"),
            ("pkcs11:token=Schalter", "object= oder id="),
            ("pkcs11:token=Schalter;object=desk?pin-value=1234", "pin_file"),
            ("pkcs11:token=Schalter;object=desk;slot-id=1", "unbekanntes Attribut slot-id"),
            ("pkcs11:token=Schalter;id=%zz", "%-Kodierung"),
            ("pkcs11:token=Schalter;object=desk;type=cert", "private"),
        ] {
            let message = Pkcs11Uri::parse(bad).unwrap_err().to_string();
            assert!(message.contains(why), "{bad}: {message}");
        }
    }

    #[test]
    fn raw_signatures_become_der_integers_positive_and_minimal() {
        let mut raw = [0u8; 64];
        raw[31] = 1;
        raw[32] = 0x80;
        let der = raw_to_der(&raw).unwrap();
        let mut expected = vec![0x30, 38, 0x02, 1, 1, 0x02, 33, 0];
        expected.extend_from_slice(&raw[32..]);
        assert_eq!(der, expected);
        assert_eq!(raw_to_der(&[0; 63]), None);
        assert_eq!(format!("{:?}", Pin::new("123456")), "Pin(***)");
    }
}
