//! What the cloud does, independent of HTTP: the handlers in `routes` are thin shells over
//! these functions. Nothing here logs bytes, keys or user identifiers.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use schalter_domain::OrganisationKey;
use schalter_photo::UserIdentifier;
use uuid::Uuid;

use crate::db::NewPhoto;
use crate::peer::Peer;
use crate::{retention, AppState, Clock, CloudError, Db};
use schalter_wire::photo_cloud::{PhotoEnvelope, Seal, UploadReceipt};

/// An authority allowed to fetch photos: a desk with an authority certificate whose
/// organisation key has category pab, psb or azr.
#[derive(Debug, Clone)]
pub struct Authority {
    pub organisation_key: OrganisationKey,
    /// Hex SHA-256 of the desk's client certificate.
    pub cert_sha256: String,
}

/// Stores a studio's ciphertext under a fresh photo id and hands out the Nutzerkennung
/// `cloud-service:::provider-account:::user` (TR-03170 Teil 1 §2.5).
pub async fn upload(state: &AppState, studio: &Peer, ciphertext: &[u8]) -> Result<UploadReceipt, CloudError> {
    if ciphertext.is_empty() {
        return Err(CloudError::EmptyBody);
    }
    let now = state.clock.now();
    let (account, user) = state.db.studio_identity(&studio.subject_sha256, &studio.cert_sha256, now).await?;
    let user_identifier = UserIdentifier::from_parts([state.cloud_service_id, account, user]).as_str().to_owned();
    let photo_id = Uuid::new_v4();
    state
        .db
        .insert_photo(&NewPhoto {
            id: photo_id,
            ciphertext,
            user_identifier: &user_identifier,
            uploaded_at: now,
            expires_at: retention::latest_expiry(now),
        })
        .await?;
    state.db.audit(now, &format!("studio:{account}"), Some(&studio.cert_sha256), "uploaded", Some(photo_id)).await?;
    tracing::info!(%photo_id, size = ciphertext.len(), "photo uploaded");
    Ok(UploadReceipt { photo_id, user_identifier })
}

/// The ciphertext, the uploader's Nutzerkennung and the cloud's seal over both.
pub async fn fetch(state: &AppState, authority: &Authority, photo_id: Uuid) -> Result<PhotoEnvelope, CloudError> {
    let now = state.clock.now();
    let Some(photo) = state.db.fetch_photo(photo_id, now).await? else {
        audit(state, authority, now, "fetch_not_found", photo_id).await?;
        return Err(CloudError::NotFound);
    };
    let signature = state.seal.sign(&photo.ciphertext, &photo.user_identifier);
    audit(state, authority, now, "fetched", photo_id).await?;
    tracing::info!(%photo_id, authority = %authority.organisation_key, "photo fetched");
    Ok(PhotoEnvelope {
        ciphertext: BASE64.encode(&photo.ciphertext),
        user_identifier: photo.user_identifier,
        seal: Seal { algorithm: state.seal.algorithm().to_owned(), signature: BASE64.encode(signature) },
    })
}

/// Deletes the photo's bytes at once.
pub async fn delete(state: &AppState, authority: &Authority, photo_id: Uuid) -> Result<(), CloudError> {
    let now = state.clock.now();
    if !state.db.delete_photo(photo_id, now).await? {
        return Err(CloudError::NotFound);
    }
    audit(state, authority, now, "deleted", photo_id).await?;
    tracing::info!(%photo_id, authority = %authority.organisation_key, "photo deleted");
    Ok(())
}

/// Keeps the photo for reuse through `keep_until` (`YYYY-MM-DD`), at most six months after
/// the upload. Also shortens an earlier, longer retention.
pub async fn keep_until(
    state: &AppState,
    authority: &Authority,
    photo_id: Uuid,
    keep_until: &str,
) -> Result<(), CloudError> {
    let date = retention::parse_date(keep_until)?;
    let now = state.clock.now();
    let uploaded_at = state.db.live_photo_uploaded_at(photo_id, now).await?.ok_or(CloudError::NotFound)?;
    let expires_at = retention::expiry_for(uploaded_at, date, now)?;
    if !state.db.set_retention(photo_id, &retention::format_date(date), expires_at).await? {
        return Err(CloudError::NotFound);
    }
    audit(state, authority, now, "retention_set", photo_id).await?;
    Ok(())
}

/// Removes every expired photo's bytes. Returns how many photos expired.
pub async fn purge(db: &Db, clock: &Clock) -> Result<usize, CloudError> {
    let purged = db.purge(clock.now()).await?;
    if !purged.is_empty() {
        tracing::info!(purged = purged.len(), "expired photos purged");
    }
    Ok(purged.len())
}

/// Runs [`purge`] now and then every `every`, until the task is aborted.
pub fn spawn_purge(db: Db, clock: Clock, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = purge(&db, &clock).await {
                tracing::warn!(error = ?error, "photo purge failed");
            }
        }
    })
}

async fn audit(
    state: &AppState,
    authority: &Authority,
    now: i64,
    action: &str,
    photo_id: Uuid,
) -> Result<(), CloudError> {
    let actor = authority.organisation_key.to_string();
    state.db.audit(now, &actor, Some(&authority.cert_sha256), action, Some(photo_id)).await
}
