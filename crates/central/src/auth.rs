//! Clerk authentication: Argon2id password hashes (a bounded number at a time), opaque bearer
//! tokens stored only as SHA-256, sessions bound to the desk certificate that opened them, idle
//! and absolute session expiry, and login throttles per user name and per desk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use schalter_domain::{AttemptVerdict, Password};
use schalter_server_kit::peer::hex_sha256;
use schalter_server_kit::ClientCertificate;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::db::{ClerkRecord, SessionRecord};
use crate::{AppState, CentralError};

/// How long a login waits for an Argon2 slot before it is answered `server_busy`.
pub const DEFAULT_SLOT_WAIT: Duration = Duration::from_secs(2);

/// Argon2id with fixed parameters. Hashing runs on the blocking pool: it takes tens of
/// milliseconds of CPU by design and must not stall the async workers. Each run also takes
/// 19 MiB, so only as many run at once as there are cores ("slots"); a login that cannot get a
/// slot within a short wait is refused instead of queueing without bound.
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when the username is unknown, so
    /// that response times do not tell which usernames exist.
    decoy_hash: String,
    slots: Arc<Semaphore>,
    slot_wait: Duration,
    /// Verifications run so far (decoys included): a metric, and how tests count evaluations.
    verifications: Arc<AtomicU64>,
}

/// One of the [`PasswordHasher`]'s slots. A verification keeps it until Argon2 has finished,
/// even if the request that started it has gone.
pub struct HasherSlot {
    // Never read: holding it is the point; dropping it frees the slot.
    _permit: OwnedSemaphorePermit,
}

impl PasswordHasher {
    /// OWASP's recommended Argon2id minimum: 19 MiB, 2 passes, 1 lane; one slot per core.
    pub fn production() -> Self {
        Self::with_params(Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters"))
    }

    /// These parameters, one slot per core, [`DEFAULT_SLOT_WAIT`].
    pub fn with_params(params: Params) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_limits(params, cores, DEFAULT_SLOT_WAIT)
    }

    /// At most `slots` Argon2 runs at once (at least one); a caller waits at most `slot_wait`.
    pub fn with_limits(params: Params, slots: usize, slot_wait: Duration) -> Self {
        let decoy = Self::hash_with(&params, "decoy password, never used");
        Self {
            params,
            decoy_hash: decoy,
            slots: Arc::new(Semaphore::new(slots.max(1))),
            slot_wait,
            verifications: Arc::new(AtomicU64::new(0)),
        }
    }

    fn argon2(params: &Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
    }

    fn hash_with(params: &Params, password: &str) -> String {
        let salt = SaltString::generate(&mut OsRng);
        Self::argon2(params)
            .hash_password(password.as_bytes(), &salt)
            .expect("Argon2 hashing of a bounded password cannot fail")
            .to_string()
    }

    /// Waits (at most the configured time) for a free slot; `server_busy` if none frees up.
    pub async fn slot(&self) -> Result<HasherSlot, CentralError> {
        match tokio::time::timeout(self.slot_wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(HasherSlot { _permit: permit }),
            Ok(Err(_closed)) => Err(CentralError::Internal("hasher semaphore closed".into())),
            Err(_elapsed) => {
                tracing::warn!("login refused: all Argon2 slots busy");
                Err(CentralError::ServerBusy)
            }
        }
    }

    /// How many password verifications have run (decoys included).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, CentralError> {
        let slot = self.slot().await?;
        let params = self.params.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            Self::hash_with(&params, password.expose())
        })
        .await
        .map_err(|e| CentralError::Internal(format!("hashing task failed: {e}")))
    }

    /// Verifies `password` against `hash`, or against the decoy when there is no hash.
    pub async fn verify(
        &self,
        slot: HasherSlot,
        password: &Password,
        hash: Option<&str>,
    ) -> Result<bool, CentralError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.decoy_hash).to_owned();
        let password = password.clone();
        let verifications = self.verifications.clone();
        let matches = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            verifications.fetch_add(1, Ordering::Relaxed);
            let Ok(parsed) = PasswordHash::new(&hash) else { return false };
            // Verify with the parameters stored in the hash, so old hashes keep working.
            Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok()
        })
        .await
        .map_err(|e| CentralError::Internal(format!("verification task failed: {e}")))?;
        Ok(known && matches)
    }
}

/// A fresh bearer token: 256 random bits, URL-safe Base64.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh desk store key: 256 random bits, standard Base64 (what the desk's keyring decodes).
fn new_store_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex_sha256(token.as_bytes())
}

/// The throttle key of a user name as typed, whether or not such a clerk exists: trimmed and
/// lower-cased like `Username::parse`, then hashed, because people type passwords into the
/// name field and the table must not keep them.
pub fn user_throttle_key(raw_username: &str) -> String {
    format!("user:{}", hex_sha256(raw_username.trim().to_lowercase().as_bytes()))
}

/// The throttle key of a desk: its client certificate.
pub fn desk_throttle_key(desk: &ClientCertificate) -> String {
    format!("desk:{}", desk.fingerprint)
}

pub struct LoggedIn {
    pub token: String,
    pub session: SessionRecord,
    pub clerk: ClerkRecord,
    /// The key of the desk's local store (only with a desk certificate).
    pub desk_store_key: Option<String>,
}

/// Checks a clerk's password and opens a session bound to `desk`.
///
/// Every attempt is counted (per desk, then per user name) *before* the password is checked,
/// each count one atomic statement; only attempts within the limits are checked at all. So
/// parallel wrong passwords cannot all be evaluated against a stale count, and an unknown name
/// is counted, locked and answered exactly like a known one.
pub async fn login(
    state: &AppState,
    desk: Option<&ClientCertificate>,
    username: &str,
    password: &str,
) -> Result<LoggedIn, CentralError> {
    // A malformed password is answered like a wrong one, uncounted: it never reaches Argon2.
    let password = Password::parse_attempt(password).map_err(|_| CentralError::InvalidCredentials)?;
    // The slot first: a busy central refuses before anything is counted against the clerk.
    let slot = state.password_hasher.slot().await?;
    let now = state.clock.now();
    let desk_label = desk.map(ClientCertificate::label);
    let desk_label = desk_label.as_deref();

    // A revoked desk is refused before anything is counted or checked (issue 12): the CRL refuses it in
    // the handshake, this also on a connection opened before the CRL was read.
    refuse_revoked(state, desk).await?;
    let desk_key = desk.map(desk_throttle_key);
    if let Some(key) = &desk_key {
        let throttle = state.desk_throttle;
        let reserved = state.db.reserve_login_attempt(key, now, 1, now + throttle.window_seconds).await?;
        if throttle.verdict(reserved) == AttemptVerdict::Refuse {
            state.db.audit_at_desk(now, None, desk_label, "login_refused_desk_throttled", None).await?;
            tracing::info!("login refused: too many failures at this desk");
            return Err(CentralError::TooManyAttempts);
        }
    }
    let user_key = user_throttle_key(username);
    let throttle = state.login_throttle;
    let reserved =
        state.db.reserve_login_attempt(&user_key, now, throttle.max_failures, now + throttle.lock_seconds).await?;
    // A malformed name is looked up as no one, and verified against the decoy like an unknown one.
    let clerk = match schalter_domain::Username::parse(username) {
        Ok(username) => state.db.find_clerk_by_username(&username).await?,
        Err(_) => None,
    };
    let clerk_id = clerk.as_ref().map(|clerk| clerk.id);
    let AttemptVerdict::Evaluate { locks_on_failure } = throttle.verdict(reserved) else {
        drop(slot);
        state.db.audit_at_desk(now, clerk_id, desk_label, "login_refused_locked", None).await?;
        return Err(CentralError::AccountLocked);
    };

    let verified =
        state.password_hasher.verify(slot, &password, clerk.as_ref().map(|c| c.password_hash.as_str())).await?;
    let clerk = match clerk {
        Some(clerk) if verified && clerk.active => clerk,
        known => {
            let action = if known.is_some() { "login_failed" } else { "login_failed_unknown_user" };
            state.db.audit_at_desk(now, clerk_id, desk_label, action, None).await?;
            match clerk_id {
                Some(clerk_id) => tracing::info!(%clerk_id, locked = locks_on_failure, "login failed"),
                None => tracing::info!(locked = locks_on_failure, "login failed for an unknown username"),
            }
            return Err(if locks_on_failure { CentralError::AccountLocked } else { CentralError::InvalidCredentials });
        }
    };

    // Success proves the password: the name's count starts again; the desk's attempt was no failure.
    state.db.clear_login_attempts(&user_key).await?;
    if let Some(key) = &desk_key {
        state.db.release_login_attempt(key).await?;
    }
    let token = new_token();
    let session = SessionRecord {
        clerk_id: clerk.id,
        created_at: now,
        expires_at: state.policy.expires_at(now, now),
        absolute_expires_at: state.policy.absolute_expires_at(now),
        desk_fingerprint: desk.map(|desk| desk.fingerprint.clone()),
        clerk_stamp: Some(clerk.rights_stamp()),
    };
    state.db.insert_session(&token_hash(&token), &session).await?;
    let desk_store_key = match desk {
        Some(desk) => {
            // First, so that a renewed certificate gets its predecessor's store key, not a new one.
            let renewed = state.db.adopt_renewed_desk(&desk.fingerprint, now).await?;
            if !renewed.is_empty() {
                tracing::info!(replaced = renewed.len(), "renewed desk certificate took over its desk");
            }
            state.db.record_desk_login(&desk.fingerprint, clerk.id, now).await?;
            Some(state.db.desk_store_key(&desk.fingerprint, &new_store_key(), now).await?)
        }
        None => None,
    };
    state.db.audit_at_desk(now, Some(clerk.id), desk_label, "login", None).await?;
    tracing::info!(clerk_id = %clerk.id, "clerk logged in");
    Ok(LoggedIn { token, session, clerk, desk_store_key })
}

/// Resolves a bearer token, presented over `desk`'s certificate, to its live session and
/// clerk, extending the idle expiry. A token is good only at the desk that logged in: one
/// copied to another desk is `unauthenticated` there (and the session stays usable where it
/// belongs).
pub async fn authenticate(
    state: &AppState,
    token: &str,
    desk: Option<&ClientCertificate>,
) -> Result<(SessionRecord, ClerkRecord), CentralError> {
    let hash = token_hash(token);
    let mut session = state.db.find_session(&hash).await?.ok_or(CentralError::Unauthenticated)?;
    let now = state.clock.now();
    let presented_from = desk.map(|desk| desk.fingerprint.as_str());
    if session.desk_fingerprint.as_deref() != presented_from {
        let label = desk.map(ClientCertificate::label);
        state
            .db
            .audit_at_desk(now, Some(session.clerk_id), label.as_deref(), "session_refused_other_desk", None)
            .await?;
        tracing::warn!(clerk_id = %session.clerk_id, "session token presented by another desk");
        return Err(CentralError::Unauthenticated);
    }
    if !state.policy.is_live(session.expires_at, now) {
        state.db.delete_session(&hash).await?;
        return Err(CentralError::SessionExpired);
    }
    if let Err(error) = refuse_revoked(state, desk).await {
        // Revoking deleted the desk's sessions; one opened by a login racing the revocation ends here.
        state.db.delete_session(&hash).await?;
        return Err(error);
    }
    let clerk = state.db.find_clerk_by_id(session.clerk_id).await?.ok_or(CentralError::Unauthenticated)?;
    // Changing a clerk deletes its sessions, but a login racing the change may insert one after
    // that delete, verified against the old password: the stamp catches it on every backend.
    if !clerk.active || session.clerk_stamp.as_deref() != Some(clerk.rights_stamp().as_str()) {
        state.db.delete_session(&hash).await?;
        return Err(CentralError::Unauthenticated);
    }
    session.expires_at = state.policy.expires_at(session.created_at, now);
    state.db.touch_session(&hash, now, session.expires_at).await?;
    Ok((session, clerk))
}

/// Refuses a certificate the registry lists as revoked, with `certificate_revoked`.
pub async fn refuse_revoked(state: &AppState, certificate: Option<&ClientCertificate>) -> Result<(), CentralError> {
    let Some(certificate) = certificate else { return Ok(()) };
    if state.db.certificate_revoked(&certificate.fingerprint).await? {
        tracing::warn!("request with a revoked certificate refused");
        return Err(CentralError::CertificateRevoked);
    }
    Ok(())
}

/// Ends the session of `token` (already authenticated by the caller).
pub async fn logout(
    state: &AppState,
    desk: Option<&ClientCertificate>,
    token: &str,
    session: &SessionRecord,
) -> Result<(), CentralError> {
    state.db.delete_session(&token_hash(token)).await?;
    let label = desk.map(ClientCertificate::label);
    state.db.audit_at_desk(state.clock.now(), Some(session.clerk_id), label.as_deref(), "logout", None).await?;
    Ok(())
}
