//! The keyring: the store's data key wrapped once per clerk, in a small plaintext JSON file beside the database.
//!
//! Per clerk: Argon2id(password, per-clerk random salt) → key-encryption key → AES-256-GCM over
//! `data key ‖ profile JSON` with a fresh random nonce, the associated data binding clerk id, username hash
//! and the time of the last online login. Nothing personal is in plaintext: the username appears only as a
//! salted hash for lookup, role, office and display name only inside the ciphertext.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use schalter_domain::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::time_ms::{from_ms, to_ms};
use crate::{DataKey, DeskKey, StoreError};

pub(crate) const KEYRING_FILE: &str = "keyring.json";
const FORMAT: &str = "schalter-keyring/1";
const AEAD: &str = "aes-256-gcm";
const KDF: &str = "argon2id";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
/// A clock may lag a little behind the central API's; more than this and we suspect it was set back
/// (which would stretch the offline login validity).
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// What the central API last confirmed about a clerk. Kept only encrypted.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkProfile {
    pub clerk_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub office_id: String,
    pub office_name: String,
}

impl std::fmt::Debug for ClerkProfile {
    // Names stay out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClerkProfile")
            .field("clerk_id", &self.clerk_id)
            .field("role", &self.role)
            .field("office_id", &self.office_id)
            .finish_non_exhaustive()
    }
}

/// Argon2id cost parameters. The default is the OWASP minimum (19 MiB, 2 passes, 1 lane), as the central API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        Self { m_cost_kib: 19 * 1024, t_cost: 2, p_cost: 1 }
    }
}

impl KdfParams {
    /// A tampered keyring must not make `unlock` allocate gigabytes or spin for minutes.
    fn within_limits(&self) -> bool {
        (8..=1024 * 1024).contains(&self.m_cost_kib)
            && (1..=16).contains(&self.t_cost)
            && (1..=8).contains(&self.p_cost)
    }

    fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|_| StoreError::KeyringInvalid("Argon2-Parameter"))?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password, salt, out.as_mut())
            .map_err(|_| StoreError::Internal("Argon2"))?;
        Ok(out)
    }
}

#[derive(Serialize, Deserialize)]
struct KeyringFile {
    format: String,
    /// SHA-256 over a label and the data key: lets `add_clerk` refuse a key of another store.
    key_check: String,
    /// Salt of the username hashes (one per keyring).
    lookup_salt: String,
    clerks: Vec<WrappedKey>,
    /// The data key wrapped with the desk key the central keeps for this desk (see [`DeskKey`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    desk: Option<DeskWrap>,
}

#[derive(Clone, Serialize, Deserialize)]
struct DeskWrap {
    aead: String,
    nonce: String,
    ciphertext: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct WrappedKey {
    clerk_id: Uuid,
    username_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    last_online_login_at: OffsetDateTime,
    kdf: KdfSpec,
    aead: String,
    nonce: String,
    ciphertext: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct KdfSpec {
    algorithm: String,
    version: u32,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
}

/// The clerks who may unlock this store offline. Load it with [`Keyring::load`].
///
/// `add_clerk` and `unlock` run Argon2id (tens of milliseconds, 19 MiB): call them from
/// `tokio::task::spawn_blocking`, not on an async worker.
pub struct Keyring {
    path: PathBuf,
    file: KeyringFile,
    kdf: KdfParams,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("clerks", &self.file.clerks.len()).finish_non_exhaustive()
    }
}

impl Keyring {
    pub(crate) fn create(dir: &Path, data_key: &DataKey) -> Result<Self, StoreError> {
        let mut lookup_salt = [0u8; 16];
        OsRng.fill_bytes(&mut lookup_salt);
        let file = KeyringFile {
            format: FORMAT.to_owned(),
            key_check: B64.encode(data_key.check_value()),
            lookup_salt: B64.encode(lookup_salt),
            clerks: Vec::new(),
            desk: None,
        };
        let keyring = Self { path: dir.join(KEYRING_FILE), file, kdf: KdfParams::default() };
        keyring.save()?;
        Ok(keyring)
    }

    /// Reads the keyring of the store in `dir`.
    pub fn load(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(KEYRING_FILE);
        let raw = match fs::read(&path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::StoreMissing),
            Err(e) => return Err(e.into()),
        };
        let file: KeyringFile = serde_json::from_slice(&raw).map_err(|_| StoreError::KeyringInvalid("kein JSON"))?;
        if file.format != FORMAT {
            return Err(StoreError::KeyringInvalid("unbekanntes Format"));
        }
        Ok(Self { path, file, kdf: KdfParams::default() })
    }

    /// The Argon2id cost for wrappings made from now on (existing ones keep theirs).
    pub fn with_kdf_params(mut self, kdf: KdfParams) -> Self {
        self.kdf = kdf;
        self
    }

    /// Number of clerks who can unlock this store.
    pub fn clerk_count(&self) -> usize {
        self.file.clerks.len()
    }

    /// After an online login: wraps the data key for this clerk with their password, recording `now` as the
    /// last online login. Replaces an earlier wrapping of the same clerk (or username), so after a password
    /// change only the new password works.
    pub fn add_clerk(
        &mut self,
        clerk: &ClerkProfile,
        password: &str,
        data_key: &DataKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if password.is_empty() || clerk.username.trim().is_empty() {
            return Err(StoreError::InvalidInput("leerer Benutzername oder leeres Passwort"));
        }
        if B64.encode(data_key.check_value()) != self.file.key_check {
            return Err(StoreError::WrongDataKey);
        }
        let username_hash = self.username_hash(&clerk.username)?;
        let now = from_ms(to_ms(now));

        let mut salt = [0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let kek = self.kdf.derive(password.as_bytes(), &salt)?;

        let profile = Zeroizing::new(serde_json::to_vec(clerk).map_err(|_| StoreError::Internal("Profil"))?);
        let mut plaintext = Zeroizing::new(Vec::with_capacity(DataKey::LEN + profile.len()));
        plaintext.extend_from_slice(data_key.as_bytes());
        plaintext.extend_from_slice(&profile);
        let aad = associated_data(clerk.clerk_id, &username_hash, now);
        let ciphertext = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(kek.as_ref()))
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plaintext, aad: &aad })
            .map_err(|_| StoreError::Internal("AES-GCM"))?;

        let entry = WrappedKey {
            clerk_id: clerk.clerk_id,
            username_hash: username_hash.clone(),
            last_online_login_at: now,
            kdf: KdfSpec {
                algorithm: KDF.to_owned(),
                version: 0x13,
                m_cost_kib: self.kdf.m_cost_kib,
                t_cost: self.kdf.t_cost,
                p_cost: self.kdf.p_cost,
                salt: B64.encode(salt),
            },
            aead: AEAD.to_owned(),
            nonce: B64.encode(nonce),
            ciphertext: B64.encode(ciphertext),
        };
        let mut clerks = self.file.clerks.clone();
        clerks.retain(|c| c.clerk_id != clerk.clerk_id && c.username_hash != username_hash);
        clerks.push(entry);
        let previous = std::mem::replace(&mut self.file.clerks, clerks);
        if let Err(e) = self.save() {
            self.file.clerks = previous;
            return Err(e);
        }
        Ok(())
    }

    /// Wraps the data key with the desk key too (replacing an earlier desk wrapping, e.g. after the desk got a
    /// new certificate and with it a new desk key). No Argon2: the desk key is 256 random bits.
    pub fn set_desk_key(&mut self, desk_key: &DeskKey, data_key: &DataKey) -> Result<(), StoreError> {
        if B64.encode(data_key.check_value()) != self.file.key_check {
            return Err(StoreError::WrongDataKey);
        }
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let ciphertext = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(desk_key.as_bytes()))
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: data_key.as_bytes(), aad: &self.desk_associated_data() })
            .map_err(|_| StoreError::Internal("AES-GCM"))?;
        let wrap = DeskWrap { aead: AEAD.to_owned(), nonce: B64.encode(nonce), ciphertext: B64.encode(ciphertext) };
        let previous = self.file.desk.replace(wrap);
        if let Err(e) = self.save() {
            self.file.desk = previous;
            return Err(e);
        }
        Ok(())
    }

    /// The data key, if this desk key opens the desk wrapping (`None`: no desk wrapping, or another key's).
    /// Unlike [`Keyring::unlock`] this knows no offline validity: the desk key comes only from the central
    /// with a successful login, which is the online login.
    pub fn unlock_with_desk_key(&self, desk_key: &DeskKey) -> Result<Option<DataKey>, StoreError> {
        let Some(wrap) = &self.file.desk else { return Ok(None) };
        if wrap.aead != AEAD {
            return Err(StoreError::KeyringInvalid("unbekanntes Verfahren"));
        }
        let nonce = decode(&wrap.nonce)?;
        let ciphertext = decode(&wrap.ciphertext)?;
        if nonce.len() != NONCE_LEN {
            return Err(StoreError::KeyringInvalid("Nonce"));
        }
        let Ok(plaintext) = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(desk_key.as_bytes()))
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: &self.desk_associated_data() })
            .map(Zeroizing::new)
        else {
            return Ok(None);
        };
        let data_key = DataKey::from_slice(&plaintext).ok_or(StoreError::KeyringInvalid("Schlüssellänge"))?;
        if B64.encode(data_key.check_value()) != self.file.key_check {
            return Err(StoreError::KeyringInvalid("Eintrag passt nicht"));
        }
        Ok(Some(data_key))
    }

    fn desk_associated_data(&self) -> Vec<u8> {
        let mut aad = Vec::with_capacity(80);
        aad.extend_from_slice(b"schalter-keyring desk v1\0");
        aad.extend_from_slice(self.file.key_check.as_bytes());
        aad
    }

    /// Removes a clerk (e.g. deactivated centrally). Returns whether there was one.
    pub fn remove_clerk(&mut self, clerk_id: Uuid) -> Result<bool, StoreError> {
        let before = self.file.clerks.len();
        let previous = self.file.clerks.clone();
        self.file.clerks.retain(|c| c.clerk_id != clerk_id);
        if self.file.clerks.len() == before {
            return Ok(false);
        }
        if let Err(e) = self.save() {
            self.file.clerks = previous;
            return Err(e);
        }
        Ok(true)
    }

    /// Offline login: unwraps the data key with the clerk's password. Refused when the clerk never logged in
    /// online here, the password is wrong, or the last online login is longer than `offline_login_valid_for`
    /// before `now`. The expiry is checked only after the password proved right (and the recorded time
    /// proved authentic), so a stranger learns nothing from it.
    pub fn unlock(
        &self,
        username: &str,
        password: &str,
        now: OffsetDateTime,
        offline_login_valid_for: Duration,
    ) -> Result<(ClerkProfile, DataKey), StoreError> {
        let username_hash = self.username_hash(username)?;
        let entry = self
            .file
            .clerks
            .iter()
            .find(|c| c.username_hash == username_hash)
            .ok_or(StoreError::UnknownOfflineClerk)?;
        if entry.kdf.algorithm != KDF || entry.kdf.version != 0x13 || entry.aead != AEAD {
            return Err(StoreError::KeyringInvalid("unbekanntes Verfahren"));
        }
        let kdf = KdfParams { m_cost_kib: entry.kdf.m_cost_kib, t_cost: entry.kdf.t_cost, p_cost: entry.kdf.p_cost };
        if !kdf.within_limits() {
            return Err(StoreError::KeyringInvalid("Argon2-Parameter"));
        }
        let salt = decode(&entry.kdf.salt)?;
        let nonce = decode(&entry.nonce)?;
        let ciphertext = decode(&entry.ciphertext)?;
        if nonce.len() != NONCE_LEN || salt.len() < 8 {
            return Err(StoreError::KeyringInvalid("Nonce oder Salt"));
        }

        let kek = kdf.derive(password.as_bytes(), &salt)?;
        let aad = associated_data(entry.clerk_id, &entry.username_hash, entry.last_online_login_at);
        let plaintext = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(kek.as_ref()))
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| StoreError::InvalidCredentials)?;
        if plaintext.len() < DataKey::LEN {
            return Err(StoreError::KeyringInvalid("Schlüssellänge"));
        }
        let data_key =
            DataKey::from_slice(&plaintext[..DataKey::LEN]).ok_or(StoreError::KeyringInvalid("Schlüssel"))?;
        let profile: ClerkProfile =
            serde_json::from_slice(&plaintext[DataKey::LEN..]).map_err(|_| StoreError::KeyringInvalid("Profil"))?;
        if profile.clerk_id != entry.clerk_id || B64.encode(data_key.check_value()) != self.file.key_check {
            return Err(StoreError::KeyringInvalid("Eintrag passt nicht"));
        }

        let last = entry.last_online_login_at;
        if now < last - CLOCK_SKEW {
            return Err(StoreError::ClockBeforeLastLogin);
        }
        if now - last > offline_login_valid_for {
            return Err(StoreError::OfflineLoginExpired);
        }
        Ok((profile, data_key))
    }

    /// The time of this clerk's last online login on this desk, if the clerk is in the keyring.
    pub fn last_online_login(&self, clerk_id: Uuid) -> Option<OffsetDateTime> {
        self.file.clerks.iter().find(|c| c.clerk_id == clerk_id).map(|c| c.last_online_login_at)
    }

    fn username_hash(&self, username: &str) -> Result<String, StoreError> {
        // Normalised as the central API does (schalter_domain::Username): trimmed, ASCII lower case.
        let normalised = Zeroizing::new(username.trim().to_ascii_lowercase());
        if normalised.is_empty() {
            return Err(StoreError::InvalidCredentials);
        }
        let salt = decode(&self.file.lookup_salt)?;
        let mut hasher = Sha256::new();
        hasher.update(b"schalter-keyring username v1\0");
        hasher.update(&salt);
        hasher.update(normalised.as_bytes());
        Ok(B64.encode(hasher.finalize()))
    }

    /// Writes the file atomically (temporary file, fsync, rename), readable by the owner only.
    fn save(&self) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(&self.file).map_err(|_| StoreError::Internal("Keyring-JSON"))?;
        let tmp = self.path.with_extension("json.tmp");
        {
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut out = options.open(&tmp)?;
            out.write_all(&json)?;
            out.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        #[cfg(unix)]
        if let Some(dir) = self.path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

fn associated_data(clerk_id: Uuid, username_hash: &str, last_online_login_at: OffsetDateTime) -> Vec<u8> {
    let mut aad = Vec::with_capacity(96);
    aad.extend_from_slice(b"schalter-keyring v1\0");
    aad.extend_from_slice(clerk_id.as_bytes());
    aad.extend_from_slice(username_hash.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&to_ms(last_online_login_at).to_be_bytes());
    aad
}

fn decode(field: &str) -> Result<Vec<u8>, StoreError> {
    B64.decode(field).map_err(|_| StoreError::KeyringInvalid("Base64"))
}
