//! The sync protocol's push (DESIGN §4): what applying each kind of mutation means, and the
//! exactly-once bookkeeping around it.
//!
//! A push is one transaction. Its first statement locks the device's row, so pushes of one
//! device (also through several API instances) run one after another. Mutations at or below the
//! device's `last_seq` are replays and get their stored result; the next ones are applied in
//! order, each stored with its result; `last_seq` moves with them. A business rejection is a
//! result like any other (stored, replayed, and the batch goes on). Only errors that the desk can
//! cure by retrying, a missing blob above all, fail the whole push, and then nothing of it stays.

use schalter_server_kit::ClientCertificate;
use schalter_wire::sync::{
    kinds, AcceptedPhoto, MutationResult, MutationStatus, PushMutation, PushRequest, PushResponse,
};
use schalter_wire::{ApiError, PhotoAuditEvent};
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::db::sync::{self as sql, AcceptedPhotoRecord, NewMutationRecord, StoredResult};
use crate::db::{blobs, desks, insert_audit, AuditEntry};
use crate::{CentralError, Db};

/// Longest device id accepted (the desk store makes `desk-<UUID>`, 41 characters).
pub const MAX_DEVICE_ID_CHARS: usize = 100;

/// Who pushes: the session's clerk at the desk of the TLS client certificate.
pub struct Pusher<'a> {
    pub clerk_id: Uuid,
    pub desk: Option<&'a ClientCertificate>,
}

/// Applies the push's new mutations exactly once and answers every mutation in it.
pub async fn push(db: &Db, now: i64, pusher: &Pusher<'_>, request: &PushRequest) -> Result<PushResponse, CentralError> {
    check_batch(request)?;
    let device_id = request.device_id.as_str();
    let fingerprint = pusher.desk.map(|desk| desk.fingerprint.as_str());
    let mut tx = db.begin().await?;
    let device = sql::lock_device(&mut tx, device_id, fingerprint, now).await?;
    if device.desk_fingerprint.as_deref() != fingerprint {
        tracing::warn!(device_id, "push refused: device bound to another desk certificate");
        return Err(CentralError::DeviceMismatch);
    }
    if let Some(first) = request.mutations.first() {
        if first.seq > device.last_seq + 1 {
            tracing::info!(device_id, first_seq = first.seq, last_seq = device.last_seq, "push refused: sequence gap");
            return Err(CentralError::SequenceGap { expected_seq: device.last_seq + 1 });
        }
    }

    let mut last_seq = device.last_seq;
    let mut results = Vec::with_capacity(request.mutations.len());
    let (mut applied, mut rejected, mut replayed) = (0u32, 0u32, 0u32);
    for mutation in &request.mutations {
        if mutation.seq <= last_seq {
            let stored = sql::stored_result(&mut tx, device_id, mutation.seq)
                .await?
                .ok_or_else(|| CentralError::Internal("answered mutation not stored".into()))?;
            if stored.mutation_id != mutation.id.to_string() {
                return Err(CentralError::InvalidSyncRequest(SEQ_REUSED));
            }
            results.push(replay(mutation.seq, &stored)?);
            replayed += 1;
            continue;
        }
        // check_batch and the gap check above leave only the next seq here.
        if sql::mutation_id_taken(&mut tx, mutation.id).await? {
            return Err(CentralError::InvalidSyncRequest(ID_REUSED));
        }
        let author = mutation.clerk_id.unwrap_or(pusher.clerk_id);
        let outcome = if is_author_of_desk(&mut tx, pusher, author).await? {
            apply(&mut tx, now, pusher, device_id, author, mutation).await?
        } else {
            tracing::warn!(device_id, seq = mutation.seq, "mutation refused: its clerk never logged in at this desk");
            Outcome::rejected(CentralError::UnknownAuthor)
        };
        let stored = outcome.stored(mutation.id)?;
        let record = NewMutationRecord {
            device_id,
            seq: mutation.seq,
            mutation_id: mutation.id,
            kind: &mutation.kind,
            clerk_id: author,
            pushed_by: pusher.clerk_id,
            result: &stored,
            occurred_at: mutation.occurred_at.unix_timestamp(),
            received_at: now,
        };
        sql::store_result(&mut tx, &record).await?;
        match &outcome {
            Outcome::Applied(_) => applied += 1,
            Outcome::Rejected(error) => {
                rejected += 1;
                tracing::info!(device_id, seq = mutation.seq, kind = %mutation.kind, code = %error.code, "mutation rejected");
            }
        }
        results.push(outcome.result(mutation.seq));
        last_seq = mutation.seq;
    }
    if last_seq != device.last_seq {
        sql::set_last_seq(&mut tx, device_id, last_seq).await?;
    }
    tx.commit().await?;
    tracing::info!(device_id, clerk_id = %pusher.clerk_id, applied, rejected, replayed, last_seq, "push answered");
    Ok(PushResponse { results, last_seq })
}

const SEQ_REUSED: &str =
    "Eine Folgenummer dieses Arbeitsplatzes ist schon für eine andere Änderung vergeben (andere Kennung).";
pub(crate) const ID_REUSED: &str = "Die Kennung einer Änderung ist schon für eine andere Änderung vergeben.";

/// The rules a push must keep before anything is looked up: a device id, at most
/// `MAX_PUSH_MUTATIONS`, sequences from 1 upwards without gaps inside the batch.
fn check_batch(request: &PushRequest) -> Result<(), CentralError> {
    let device_id = request.device_id.as_str();
    // The desk store makes `desk-<UUID>`; letters, digits and a few separators leave no room for
    // free text, which would end up in logs.
    let well_formed = device_id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if device_id.is_empty() || device_id.len() > MAX_DEVICE_ID_CHARS || !well_formed {
        return Err(CentralError::InvalidSyncRequest(
            "Die Geräte-Kennung fehlt, ist zu lang oder enthält andere Zeichen als Buchstaben, Ziffern, - _ . :",
        ));
    }
    if request.mutations.len() > schalter_wire::sync::MAX_PUSH_MUTATIONS {
        return Err(CentralError::InvalidSyncRequest(
            "Zu viele Änderungen in einer Sendung (höchstens 100); bitte in mehreren senden.",
        ));
    }
    let ascending = request.mutations.windows(2).all(|pair| pair[1].seq == pair[0].seq + 1);
    let from_one = request.mutations.first().is_none_or(|first| first.seq >= 1);
    if !ascending || !from_one {
        return Err(CentralError::InvalidSyncRequest(
            "Die Änderungen einer Sendung müssen ab 1 lückenlos aufsteigend nummeriert sein.",
        ));
    }
    Ok(())
}

/// A desk sends the changes of every clerk who worked at it, but only of those: the clerk of the
/// pushing session, or one who has logged in online over this desk's certificate (an offline login
/// needs an online one on the same desk before it).
async fn is_author_of_desk(
    connection: &mut AnyConnection,
    pusher: &Pusher<'_>,
    author: Uuid,
) -> Result<bool, CentralError> {
    if author == pusher.clerk_id {
        return Ok(true);
    }
    match pusher.desk {
        Some(desk) => desks::clerk_logged_in_at(connection, &desk.fingerprint, author).await,
        None => Ok(false),
    }
}

/// What applying one mutation came to.
enum Outcome {
    Applied(Option<serde_json::Value>),
    Rejected(ApiError),
}

impl Outcome {
    fn rejected(error: CentralError) -> Self {
        Outcome::Rejected(ApiError { code: error.code().to_owned(), message: error.to_string() })
    }

    fn stored(&self, mutation_id: Uuid) -> Result<StoredResult, CentralError> {
        let mutation_id = mutation_id.to_string();
        Ok(match self {
            Outcome::Applied(response) => StoredResult {
                mutation_id,
                status: "applied".into(),
                response: response.as_ref().map(|value| value.to_string()),
                error_code: None,
                error_message: None,
            },
            Outcome::Rejected(error) => StoredResult {
                mutation_id,
                status: "rejected".into(),
                response: None,
                error_code: Some(error.code.clone()),
                error_message: Some(error.message.clone()),
            },
        })
    }

    fn result(self, seq: i64) -> MutationResult {
        match self {
            Outcome::Applied(response) => {
                MutationResult { seq, status: MutationStatus::Applied, response, error: None }
            }
            Outcome::Rejected(error) => {
                MutationResult { seq, status: MutationStatus::Rejected, response: None, error: Some(error) }
            }
        }
    }
}

/// The stored answer to a mutation, given again.
fn replay(seq: i64, stored: &StoredResult) -> Result<MutationResult, CentralError> {
    let response = stored
        .response
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|_| CentralError::Internal("malformed stored response".into()))?;
    let error = match (&stored.error_code, &stored.error_message) {
        (Some(code), Some(message)) => Some(ApiError { code: code.clone(), message: message.clone() }),
        _ => None,
    };
    Ok(MutationResult { seq, status: MutationStatus::Replayed, response, error })
}

/// Applies one mutation on the push's transaction. Business rejections are an `Outcome`;
/// an `Err` fails the whole push.
async fn apply(
    connection: &mut AnyConnection,
    now: i64,
    pusher: &Pusher<'_>,
    device_id: &str,
    author: Uuid,
    mutation: &PushMutation,
) -> Result<Outcome, CentralError> {
    match mutation.kind.as_str() {
        kinds::PHOTO_AUDIT => {
            let Ok(event) = serde_json::from_value::<PhotoAuditEvent>(mutation.payload.clone()) else {
                return Ok(Outcome::rejected(CentralError::InvalidPayload));
            };
            record_photo_event(connection, now, pusher, author, mutation, &event).await?;
            Ok(Outcome::Applied(None))
        }
        kinds::PHOTO_ACCEPT => {
            let Ok(photo) = serde_json::from_value::<AcceptedPhoto>(mutation.payload.clone()) else {
                return Ok(Outcome::rejected(CentralError::InvalidPayload));
            };
            if !is_sha256_hex(&photo.photo_sha256) || !ACCEPTED_MEDIA_TYPES.contains(&photo.media_type.as_str()) {
                return Ok(Outcome::rejected(CentralError::InvalidPayload));
            }
            accept_photo(connection, now, pusher, author, mutation, &photo).await
        }
        schalter_wire::application::APPLICATION_SUBMIT => {
            let Ok(submitted) = serde_json::from_value(mutation.payload.clone()) else {
                return Ok(Outcome::rejected(CentralError::InvalidPayload));
            };
            match crate::applications::submit(connection, now, device_id, author, mutation.occurred_at, &submitted)
                .await?
            {
                Ok(receipt) => Ok(Outcome::Applied(serde_json::to_value(receipt).ok())),
                Err(rejection) => Ok(Outcome::rejected(rejection)),
            }
        }
        schalter_wire::application::APPLICATION_CORRECT => {
            let Ok(corrected) = serde_json::from_value(mutation.payload.clone()) else {
                return Ok(Outcome::rejected(CentralError::InvalidPayload));
            };
            match crate::applications::correct(connection, now, author, &corrected).await? {
                Ok(receipt) => Ok(Outcome::Applied(serde_json::to_value(receipt).ok())),
                Err(rejection) => Ok(Outcome::rejected(rejection)),
            }
        }
        kind if schalter_wire::queue::QUEUE_KINDS.contains(&kind) => {
            match crate::queue::apply(connection, now, author, kind, &mutation.payload).await? {
                Ok(ticket) => Ok(Outcome::Applied(serde_json::to_value(ticket).ok())),
                Err(rejection) => Ok(Outcome::Rejected(rejection)),
            }
        }
        _ => Ok(Outcome::rejected(CentralError::UnknownMutationKind)),
    }
}

/// Media types of an accepted photo (TR-03121: JPEG or JPEG 2000).
const ACCEPTED_MEDIA_TYPES: &[&str] = &["image/jpeg", "image/jp2"];

async fn record_photo_event(
    connection: &mut AnyConnection,
    now: i64,
    pusher: &Pusher<'_>,
    author: Uuid,
    mutation: &PushMutation,
    event: &PhotoAuditEvent,
) -> Result<(), CentralError> {
    let subject = crate::audit::photo_event_subject(event);
    let desk = pusher.desk.map(ClientCertificate::label);
    let entry = AuditEntry {
        at: now,
        occurred_at: Some(mutation.occurred_at.unix_timestamp()),
        clerk_id: Some(author),
        desk: desk.as_deref(),
        action: event.action.as_str(),
        subject: subject.as_deref(),
    };
    insert_audit(connection, &entry).await
}

async fn accept_photo(
    connection: &mut AnyConnection,
    now: i64,
    pusher: &Pusher<'_>,
    author: Uuid,
    mutation: &PushMutation,
    photo: &AcceptedPhoto,
) -> Result<Outcome, CentralError> {
    // The desk uploads the photo before it pushes the accept. A missing photo is not the
    // clerk's mistake and not final: the whole push is refused (409) so the desk uploads and
    // pushes again, instead of the acceptance being rejected for good.
    if !blobs::is_complete(connection, &photo.photo_sha256).await? {
        tracing::info!(seq = mutation.seq, "push refused: accepted photo not uploaded yet");
        return Err(CentralError::BlobMissing);
    }
    let occurred_at = mutation.occurred_at.unix_timestamp();
    let record = AcceptedPhotoRecord {
        mutation_id: mutation.id,
        photo_id: photo.photo_id,
        visit_id: photo.visit_id,
        photo_sha256: &photo.photo_sha256,
        media_type: &photo.media_type,
        override_failed_checks: photo.override_failed_checks,
        clerk_id: author,
        desk_fingerprint: pusher.desk.map(|desk| desk.fingerprint.as_str()),
        occurred_at,
        received_at: now,
    };
    sql::insert_accepted_photo(connection, &record).await?;
    let desk = pusher.desk.map(ClientCertificate::label);
    let subject = photo.photo_id.to_string();
    let action = if photo.override_failed_checks { "photo_stored_override" } else { "photo_stored" };
    let entry = AuditEntry {
        at: now,
        occurred_at: Some(occurred_at),
        clerk_id: Some(author),
        desk: desk.as_deref(),
        action,
        subject: Some(&subject),
    };
    insert_audit(connection, &entry).await?;
    Ok(Outcome::Applied(Some(serde_json::json!({ "received_at": now }))))
}

/// 64 lower-case hex digits: the only form of a blob's name.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn batch(seqs: &[i64]) -> PushRequest {
        PushRequest {
            device_id: "desk-1".into(),
            mutations: seqs
                .iter()
                .map(|&seq| PushMutation {
                    seq,
                    id: Uuid::now_v7(),
                    kind: kinds::PHOTO_AUDIT.into(),
                    occurred_at: OffsetDateTime::UNIX_EPOCH,
                    clerk_id: None,
                    payload: serde_json::Value::Null,
                })
                .collect(),
        }
    }

    #[test]
    fn a_batch_counts_up_from_one_without_gaps_and_holds_at_most_the_maximum() {
        assert!(check_batch(&batch(&[])).is_ok());
        assert!(check_batch(&batch(&[1, 2, 3])).is_ok());
        assert!(check_batch(&batch(&[7, 8])).is_ok());
        for bad in [&[1, 3][..], &[2, 1], &[0, 1], &[-1], &[1, 1]] {
            assert_eq!(check_batch(&batch(bad)).unwrap_err().code(), "invalid_request", "{bad:?}");
        }
        let seqs: Vec<i64> = (1..=101).collect();
        assert!(check_batch(&batch(&seqs)).is_err());
        for device_id in ["", " ", "Erika Mustermann", &"d".repeat(101)] {
            let mut misnamed = batch(&[1]);
            misnamed.device_id = device_id.into();
            assert!(check_batch(&misnamed).is_err(), "{device_id:?}");
        }
        let mut named = batch(&[1]);
        named.device_id = "desk-0190c5a2-7e4b-7c3d-9f00-2a1b3c4d5e6f".into();
        assert!(check_batch(&named).is_ok());
    }

    #[test]
    fn blob_names_are_lower_case_hex_sha256() {
        assert!(is_sha256_hex(&"ab".repeat(32)));
        assert!(!is_sha256_hex(&"AB".repeat(32)));
        assert!(!is_sha256_hex("abc"));
        assert!(!is_sha256_hex(&"g".repeat(64)));
    }
}
