//! The `application.submit` mutation: the central validates the application again with the same
//! rules as the desk (`schalter_application`), checks that its photo was accepted in the citizen's
//! presence (a `photo.accept` of the same visit), gives it its number and records it, and tells
//! the desks through the change feed. Runs inside the push's transaction.

use schalter_application::rules::{DerivedRules, Fingerprints, Signature};
use schalter_application::{Application, ApplicationError, ApplicationStatus};
use schalter_wire::application::{
    ApplicationChange, ApplicationReceipt, Biometrics, CorrectedApplication, FingerprintOutcome, Hand,
    SubmittedApplication, APPLICATION_ENTITY,
};
use sqlx::AnyConnection;
use time::Duration;
use uuid::Uuid;

use crate::db::applications::{self as sql, ApplicationRecord};
use crate::db::feed;
use crate::CentralError;

/// The application date may differ from the desk's clock by this much (time zones, a visit
/// around midnight); more and the payload is not what the desk meant.
const DATE_TOLERANCE: Duration = Duration::days(1);

/// What submitting came to: `Ok(Ok)` applied, `Ok(Err)` a business rejection (stored and shown),
/// `Err` fails the push.
pub(crate) async fn submit(
    connection: &mut AnyConnection,
    now: i64,
    device_id: &str,
    author: Uuid,
    occurred_at: time::OffsetDateTime,
    submitted: &SubmittedApplication,
) -> Result<Result<ApplicationReceipt, CentralError>, CentralError> {
    let day = occurred_at.date();
    if (submitted.application_date - day).abs() > DATE_TOLERANCE || submitted.provisional_number.len() > 40 {
        return Ok(Err(CentralError::InvalidPayload));
    }
    let application = match Application::validate(&submitted.draft, submitted.application_date) {
        Ok(application) => application,
        Err(errors) => return Ok(Err(CentralError::Application(ApplicationError::Invalid(errors)))),
    };
    if !sql::photo_accepted_for_visit(connection, submitted.photo_id, submitted.visit_id).await? {
        return Ok(Err(CentralError::ApplicationPhotoMissing));
    }
    if let Err(rejection) = check_biometrics(application.rules(), &submitted.biometrics) {
        return Ok(Err(rejection));
    }
    if let Some(signature) = &submitted.biometrics.signature_sha256 {
        // Uploaded before the mutation, like the accepted photo: missing is retryable, not the clerk's mistake.
        if !crate::db::blobs::is_complete(connection, signature).await? {
            tracing::info!(application_id = %submitted.application_id, "push refused: signature not uploaded yet");
            return Err(CentralError::BlobMissing);
        }
    }
    let biometrics =
        serde_json::to_string(&submitted.biometrics.fingerprints).map_err(|e| CentralError::Internal(e.to_string()))?;
    let office_id =
        sql::clerk_office(connection, author).await?.ok_or_else(|| CentralError::Internal("author unknown".into()))?;
    let year = submitted.application_date.year();
    let counted = sql::next_number(connection, &office_id, year).await?;
    let number = format!("{office_id}-{year}-{counted:06}");
    let data = serde_json::to_string(&application).map_err(|e| CentralError::Internal(e.to_string()))?;
    let total_fee_cents = application.fee().total_cents;
    let application_date = submitted.application_date.to_string();
    let status = status_key(ApplicationStatus::Captured);
    let record = ApplicationRecord {
        id: submitted.application_id,
        number: &number,
        provisional_number: &submitted.provisional_number,
        office_id: &office_id,
        document_kind: application.document_kind().key(),
        status: &status,
        data: &data,
        photo_id: submitted.photo_id,
        visit_id: submitted.visit_id,
        total_fee_cents: i64::from(total_fee_cents),
        application_date: &application_date,
        clerk_id: author,
        device_id,
        captured_at: occurred_at.unix_timestamp(),
        received_at: now,
        biometrics: &biometrics,
        signature_sha256: submitted.biometrics.signature_sha256.as_deref(),
    };
    if !sql::insert(connection, &record).await? {
        return Ok(Err(CentralError::ApplicationExists));
    }
    let change = ApplicationChange {
        application_id: submitted.application_id,
        application_number: number.clone(),
        provisional_number: submitted.provisional_number.clone(),
        office_id,
        status,
        status_reason: None,
    };
    let change = serde_json::to_value(&change).map_err(|e| CentralError::Internal(e.to_string()))?;
    feed::append(connection, APPLICATION_ENTITY, &submitted.application_id.to_string(), Some(&change), now).await?;
    tracing::info!(application_id = %submitted.application_id, %number, "application recorded");
    Ok(Ok(ApplicationReceipt { application_number: number, total_fee_cents }))
}

/// The biometrics against the rules derived for the application: prints from 6 (with a chip) — per
/// hand a finger of that hand with a quality of at most 100, or the clerk's confirmation that it is not
/// possible — and none otherwise; a signature (its blob's SHA-256) from 10 and none under 10.
pub(crate) fn check_biometrics(rules: &DerivedRules, biometrics: &Biometrics) -> Result<(), CentralError> {
    let prints = &biometrics.fingerprints;
    let hand_ok = |outcome: &FingerprintOutcome, hand: Hand| match outcome {
        FingerprintOutcome::Captured { finger, quality } => finger.hand() == hand && *quality <= 100,
        FingerprintOutcome::NotPossible => true,
        FingerprintOutcome::NotRequired => false,
    };
    let prints_ok = match rules.fingerprints {
        Fingerprints::Required => hand_ok(&prints.left, Hand::Left) && hand_ok(&prints.right, Hand::Right),
        Fingerprints::NotUnder6 | Fingerprints::NoChip => {
            prints.left == FingerprintOutcome::NotRequired && prints.right == FingerprintOutcome::NotRequired
        }
    };
    if !prints_ok {
        return Err(CentralError::ApplicationFingerprintsMissing);
    }
    let signature_ok = match (rules.signature, &biometrics.signature_sha256) {
        (Signature::Required, Some(sha256)) => crate::sync::is_sha256_hex(sha256),
        (Signature::Required, None) => false,
        (Signature::NotUnder10, signature) => signature.is_none(),
    };
    if !signature_ok {
        return Err(CentralError::ApplicationSignatureMissing);
    }
    Ok(())
}

fn status_key(status: ApplicationStatus) -> String {
    serde_json::to_value(status).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Moves an application to `next` (with the producer's reason, for a rejection) and tells the desks
/// through the feed, on `connection`'s transaction. A step the lifecycle does not allow from where
/// the application stands (a notice arriving twice, or after the application went further) is
/// left alone: `Ok(false)`.
pub(crate) async fn change_status(
    connection: &mut AnyConnection,
    row: &crate::db::producer::StatusRow,
    next: ApplicationStatus,
    reason: Option<&str>,
    now: i64,
) -> Result<bool, CentralError> {
    let current: ApplicationStatus = serde_json::from_value(serde_json::Value::String(row.status.clone()))
        .map_err(|_| CentralError::Internal("unknown application status in database".into()))?;
    let kind = schalter_application::DocumentKind::parse(&row.document_kind)
        .map_err(|_| CentralError::Internal("unknown document kind in database".into()))?;
    if !current.can_become(next, kind) {
        tracing::info!(application_id = %row.id, ?current, ?next, "status change skipped");
        return Ok(false);
    }
    write_and_announce(connection, row, &status_key(next), reason, now).await?;
    tracing::info!(application_id = %row.id, ?next, "application status changed");
    Ok(true)
}

/// Keeps the application's status and gives the desks a new reason beside it (e.g. a box pickup that went
/// back to the counter), through the feed.
pub(crate) async fn announce(
    connection: &mut AnyConnection,
    row: &crate::db::producer::StatusRow,
    reason: Option<&str>,
    now: i64,
) -> Result<(), CentralError> {
    write_and_announce(connection, row, &row.status, reason, now).await
}

async fn write_and_announce(
    connection: &mut AnyConnection,
    row: &crate::db::producer::StatusRow,
    status: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<(), CentralError> {
    crate::db::producer::write_status(connection, row.id, status, reason, now).await?;
    let change = ApplicationChange {
        application_id: row.id,
        application_number: row.number.clone(),
        provisional_number: row.provisional_number.clone(),
        office_id: row.office_id.clone(),
        status: status.to_owned(),
        status_reason: reason.map(str::to_owned),
    };
    let change = serde_json::to_value(&change).map_err(|e| CentralError::Internal(e.to_string()))?;
    feed::append(connection, APPLICATION_ENTITY, &row.id.to_string(), Some(&change), now).await.map(|_| ())
}

/// The `application.correct` mutation: a rejected application, corrected by the clerk, is
/// validated again on its own application date (its fees and rules stay those of that day), keeps
/// its number and document kind, and waits for the next order.
pub(crate) async fn correct(
    connection: &mut AnyConnection,
    now: i64,
    author: Uuid,
    corrected: &CorrectedApplication,
) -> Result<Result<ApplicationReceipt, CentralError>, CentralError> {
    let Some(stored) = sql::correctable(connection, corrected.application_id).await? else {
        return Ok(Err(CentralError::ApplicationNotCorrectable));
    };
    let Some(row) = crate::db::producer::status_row(connection, &corrected.application_id.to_string(), false).await?
    else {
        return Ok(Err(CentralError::ApplicationNotCorrectable));
    };
    let author_office = sql::clerk_office(connection, author).await?;
    if author_office.as_deref() != Some(stored.office_id.as_str()) {
        return Ok(Err(CentralError::Forbidden));
    }
    let application_date = schalter_application::dates::parse_iso(&stored.application_date)
        .ok_or_else(|| CentralError::Internal("malformed application date in database".into()))?;
    let application = match Application::validate(&corrected.draft, application_date) {
        Ok(application) => application,
        Err(errors) => return Ok(Err(CentralError::Application(ApplicationError::Invalid(errors)))),
    };
    if row.status != status_key(ApplicationStatus::Rejected) || application.document_kind().key() != row.document_kind {
        return Ok(Err(CentralError::ApplicationNotCorrectable));
    }
    // The biometrics of the submit stay; a corrected birth date must not make them wrong for the rules.
    if let Some(json) = &stored.biometrics {
        let fingerprints = serde_json::from_str(json)
            .map_err(|_| CentralError::Internal("malformed biometrics in database".into()))?;
        let recorded = Biometrics { fingerprints, signature_sha256: stored.signature_sha256.clone() };
        if let Err(rejection) = check_biometrics(application.rules(), &recorded) {
            return Ok(Err(rejection));
        }
    }
    let data = serde_json::to_string(&application).map_err(|e| CentralError::Internal(e.to_string()))?;
    let total_fee_cents = application.fee().total_cents;
    sql::replace_data(connection, row.id, &row.document_kind, &data, i64::from(total_fee_cents), now).await?;
    change_status(connection, &row, ApplicationStatus::Captured, None, now).await?;
    tracing::info!(application_id = %row.id, "rejected application corrected");
    Ok(Ok(ApplicationReceipt { application_number: row.number, total_fee_cents }))
}
