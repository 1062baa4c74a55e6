//! Clerk authentication: Argon2id password hashes, opaque bearer tokens stored only as
//! SHA-256, idle and absolute session expiry, a lock after repeated failures.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use schalter_domain::{LoginThrottle, Password, Username};
use sha2::{Digest, Sha256};

use crate::db::{ClerkRecord, SessionRecord};
use crate::{AppState, CentralError};

/// Argon2id with fixed parameters. Hashing runs on the blocking pool: it takes tens of
/// milliseconds of CPU by design and must not stall the async workers.
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when the username is unknown, so
    /// that response times do not tell which usernames exist.
    decoy_hash: String,
}

impl PasswordHasher {
    /// OWASP's recommended Argon2id minimum: 19 MiB, 2 passes, 1 lane.
    pub fn production() -> Self {
        Self::with_params(Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters"))
    }

    pub fn with_params(params: Params) -> Self {
        let decoy = Self::hash_with(&params, "decoy password, never used");
        Self { params, decoy_hash: decoy }
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

    pub async fn hash(&self, password: &Password) -> Result<String, CentralError> {
        let params = self.params.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || Self::hash_with(&params, password.expose()))
            .await
            .map_err(|e| CentralError::Internal(format!("hashing task failed: {e}")))
    }

    /// Verifies `password` against `hash`, or against the decoy when there is no hash.
    pub async fn verify(&self, password: &Password, hash: Option<&str>) -> Result<bool, CentralError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.decoy_hash).to_owned();
        let password = password.clone();
        let matches = tokio::task::spawn_blocking(move || {
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

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct LoggedIn {
    pub token: String,
    pub session: SessionRecord,
    pub clerk: ClerkRecord,
}

pub async fn login(
    state: &AppState,
    desk: Option<&str>,
    username: &str,
    password: &str,
) -> Result<LoggedIn, CentralError> {
    // A malformed username or password is answered like a wrong one: the answer must not
    // help anyone map the account names.
    let username = Username::parse(username).ok();
    let password = Password::parse_attempt(password).map_err(|_| CentralError::InvalidCredentials)?;
    let clerk = match &username {
        Some(username) => state.db.find_clerk_by_username(username).await?,
        None => None,
    };
    let now = state.clock.now();
    let throttle = LoginThrottle::default();

    if let Some(clerk) = &clerk {
        if throttle.is_locked(clerk.locked_until, now) {
            state.db.audit_at_desk(now, Some(clerk.id), desk, "login_refused_locked", None).await?;
            return Err(CentralError::AccountLocked);
        }
    }
    let verified = state.password_hasher.verify(&password, clerk.as_ref().map(|c| c.password_hash.as_str())).await?;
    let clerk = match clerk {
        Some(clerk) if verified && clerk.active => clerk,
        Some(clerk) => {
            let (failures, locked_until) = throttle.after_failure(clerk.failed_logins, now);
            state.db.set_login_failures(clerk.id, failures, locked_until).await?;
            state.db.audit_at_desk(now, Some(clerk.id), desk, "login_failed", None).await?;
            tracing::info!(clerk_id = %clerk.id, locked = locked_until.is_some(), "login failed");
            return Err(if locked_until.is_some() {
                CentralError::AccountLocked
            } else {
                CentralError::InvalidCredentials
            });
        }
        None => {
            state.db.audit_at_desk(now, None, desk, "login_failed_unknown_user", None).await?;
            tracing::info!("login failed for an unknown username");
            return Err(CentralError::InvalidCredentials);
        }
    };

    if clerk.failed_logins != 0 || clerk.locked_until.is_some() {
        state.db.set_login_failures(clerk.id, 0, None).await?;
    }
    let token = new_token();
    let session = SessionRecord {
        clerk_id: clerk.id,
        created_at: now,
        expires_at: state.policy.expires_at(now, now),
        absolute_expires_at: state.policy.absolute_expires_at(now),
    };
    state.db.insert_session(&token_hash(&token), &session).await?;
    state.db.audit_at_desk(now, Some(clerk.id), desk, "login", None).await?;
    tracing::info!(clerk_id = %clerk.id, "clerk logged in");
    Ok(LoggedIn { token, session, clerk })
}

/// Resolves a bearer token to its live session and clerk, extending the idle expiry.
pub async fn authenticate(state: &AppState, token: &str) -> Result<(SessionRecord, ClerkRecord), CentralError> {
    let hash = token_hash(token);
    let mut session = state.db.find_session(&hash).await?.ok_or(CentralError::Unauthenticated)?;
    let now = state.clock.now();
    if !state.policy.is_live(session.expires_at, now) {
        state.db.delete_session(&hash).await?;
        return Err(CentralError::SessionExpired);
    }
    let clerk = state.db.find_clerk_by_id(session.clerk_id).await?.ok_or(CentralError::Unauthenticated)?;
    if !clerk.active {
        state.db.delete_session(&hash).await?;
        return Err(CentralError::Unauthenticated);
    }
    session.expires_at = state.policy.expires_at(session.created_at, now);
    state.db.touch_session(&hash, now, session.expires_at).await?;
    Ok((session, clerk))
}

pub async fn logout(state: &AppState, desk: Option<&str>, token: &str) -> Result<(), CentralError> {
    let (session, _) = authenticate(state, token).await?;
    state.db.delete_session(&token_hash(token)).await?;
    state.db.audit_at_desk(state.clock.now(), Some(session.clerk_id), desk, "logout", None).await?;
    Ok(())
}
