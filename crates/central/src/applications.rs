//! The `application.submit` mutation: the central validates the application again with the same
//! rules as the desk (`schalter_application`), checks that its photo was accepted in the citizen's
//! presence (a `photo.accept` of the same visit), gives it its number and records it, and tells
//! the desks through the change feed. Runs inside the push's transaction.

use schalter_application::{Application, ApplicationError, ApplicationStatus};
use schalter_wire::application::{ApplicationChange, ApplicationReceipt, SubmittedApplication, APPLICATION_ENTITY};
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

fn status_key(status: ApplicationStatus) -> String {
    serde_json::to_value(status).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}
