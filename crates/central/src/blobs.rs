//! Content-addressed blobs (DESIGN §4), uploaded tus-style: `PATCH` appends the next bytes at
//! the offset the central holds; when the last byte is there the SHA-256 is checked, and a blob
//! whose bytes do not match its name is discarded, never kept half-trusted.
//!
//! Each `PATCH` is one transaction that first locks the blob's row, so parallel uploads of the
//! same blob take turns: the second sees the first one's offset and gets `offset_mismatch`.

use sha2::{Digest, Sha256};

use crate::db::blobs::{self as sql, BlobState};
use crate::{CentralError, Db};

/// One `PATCH`: `bytes` at `offset`; `length` is required when the upload starts.
pub struct BlobPart<'a> {
    pub offset: u64,
    pub length: Option<u64>,
    pub bytes: &'a [u8],
}

/// The blob's state after a part was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uploaded {
    pub offset: u64,
    pub length: u64,
    pub complete: bool,
}

/// Takes the next part of the blob named `sha256` (already checked to be 64 hex digits).
pub async fn append(db: &Db, now: i64, sha256: &str, part: &BlobPart<'_>) -> Result<Uploaded, CentralError> {
    let max = schalter_wire::sync::MAX_BLOB_BYTES;
    if part.length.is_some_and(|length| length > max) {
        return Err(CentralError::BodyTooLarge { max_bytes: max });
    }
    let mut tx = db.begin().await?;
    if let Some(length) = part.length {
        sql::start(&mut tx, sha256, length as i64, now).await?;
    }
    let Some(state) = sql::lock(&mut tx, sha256).await? else {
        return Err(CentralError::InvalidSyncRequest(
            "Der erste Teil eines Uploads muss seine Gesamtlänge (Upload-Length) nennen.",
        ));
    };
    let BlobState { upload_length, upload_offset, complete } = state;
    let (length, held) = (upload_length as u64, upload_offset as u64);
    if part.length.is_some_and(|announced| announced != length) {
        return Err(CentralError::InvalidSyncRequest(
            "Die Gesamtlänge (Upload-Length) passt nicht zum begonnenen Upload.",
        ));
    }
    if part.offset != held {
        return Err(CentralError::OffsetMismatch { offset: held });
    }
    let end = held + part.bytes.len() as u64;
    if end > length {
        return Err(CentralError::InvalidSyncRequest("Die Daten reichen über die angekündigte Gesamtlänge hinaus."));
    }
    if complete {
        // A repeated last PATCH (its answer got lost): nothing to do, same answer.
        return Ok(Uploaded { offset: held, length, complete });
    }
    if !part.bytes.is_empty() {
        sql::append_chunk(&mut tx, sha256, held as i64, part.bytes).await?;
    }
    if end < length {
        tx.commit().await?;
        return Ok(Uploaded { offset: end, length, complete: false });
    }
    // Complete: read the parts back in order, one at a time, and compare the hash.
    let mut hasher = Sha256::new();
    let mut read = 0u64;
    while read < length {
        let chunk = sql::chunk_at(&mut tx, sha256, read as i64)
            .await?
            .filter(|chunk| !chunk.is_empty())
            .ok_or_else(|| CentralError::Internal("blob part missing".into()))?;
        hasher.update(&chunk);
        read += chunk.len() as u64;
    }
    let actual: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if actual != sha256 {
        sql::discard(&mut tx, sha256).await?;
        tx.commit().await?;
        tracing::warn!(blob = sha256, length, "uploaded blob discarded: SHA-256 mismatch");
        return Err(CentralError::BlobHashMismatch);
    }
    sql::mark_complete(&mut tx, sha256, now).await?;
    tx.commit().await?;
    tracing::info!(blob = sha256, length, "blob complete");
    Ok(Uploaded { offset: length, length, complete: true })
}
