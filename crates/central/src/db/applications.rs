//! SQL of the applications (migration 0007): the number counter per office and year, the record,
//! and what operators and tests read back. Runs on the push's transaction where it writes.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::Db;
use crate::CentralError;

/// The office of a clerk (the application belongs to the office of the clerk who captured it).
pub async fn clerk_office(connection: &mut AnyConnection, clerk_id: Uuid) -> Result<Option<String>, CentralError> {
    let row = sqlx::query("SELECT office_id FROM clerks WHERE id = $1")
        .bind(clerk_id.to_string())
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.map(|row| row.try_get("office_id")).transpose()?)
}

/// Whether the photo was accepted for this visit (a `photo.accept` applied before).
pub async fn photo_accepted_for_visit(
    connection: &mut AnyConnection,
    photo_id: Uuid,
    visit_id: Uuid,
) -> Result<bool, CentralError> {
    let row = sqlx::query("SELECT 1 AS known FROM accepted_photos WHERE photo_id = $1 AND visit_id = $2")
        .bind(photo_id.to_string())
        .bind(visit_id.to_string())
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.is_some())
}

/// The next number of this office and year, counted in a row of `sync_counters` that the
/// transaction keeps locked until it commits (no two applications get the same number, across
/// instances too).
pub async fn next_number(connection: &mut AnyConnection, office_id: &str, year: i32) -> Result<i64, CentralError> {
    let name = format!("application:{office_id}:{year}");
    sqlx::query("INSERT INTO sync_counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING")
        .bind(&name)
        .execute(&mut *connection)
        .await?;
    let row = sqlx::query("UPDATE sync_counters SET value = value + 1 WHERE name = $1 RETURNING value")
        .bind(&name)
        .fetch_one(&mut *connection)
        .await?;
    Ok(row.try_get("value")?)
}

/// An application as it is stored.
pub struct ApplicationRecord<'a> {
    pub id: Uuid,
    pub number: &'a str,
    pub provisional_number: &'a str,
    pub office_id: &'a str,
    pub document_kind: &'a str,
    pub status: &'a str,
    pub data: &'a str,
    pub photo_id: Uuid,
    pub visit_id: Uuid,
    pub total_fee_cents: i64,
    pub application_date: &'a str,
    pub clerk_id: Uuid,
    pub device_id: &'a str,
    pub captured_at: i64,
    pub received_at: i64,
    /// JSON of the fingerprint outcomes (no images).
    pub biometrics: &'a str,
    pub signature_sha256: Option<&'a str>,
}

/// Inserts the application; `false` if one with this id is there already (a second submit of the
/// same application under another mutation: the first stays).
pub async fn insert(connection: &mut AnyConnection, record: &ApplicationRecord<'_>) -> Result<bool, CentralError> {
    let inserted = sqlx::query(
        "INSERT INTO applications (id, number, provisional_number, office_id, document_kind, status, data, photo_id, \
           visit_id, total_fee_cents, application_date, clerk_id, device_id, captured_at, received_at, updated_at, \
           biometrics, signature_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(record.id.to_string())
    .bind(record.number)
    .bind(record.provisional_number)
    .bind(record.office_id)
    .bind(record.document_kind)
    .bind(record.status)
    .bind(record.data)
    .bind(record.photo_id.to_string())
    .bind(record.visit_id.to_string())
    .bind(record.total_fee_cents)
    .bind(record.application_date)
    .bind(record.clerk_id.to_string())
    .bind(record.device_id)
    .bind(record.captured_at)
    .bind(record.received_at)
    .bind(record.biometrics)
    .bind(record.signature_sha256)
    .execute(&mut *connection)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// An application's number and status, as operators and tests see it (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationSummary {
    pub id: String,
    pub number: String,
    pub provisional_number: String,
    pub office_id: String,
    pub document_kind: String,
    pub status: String,
    pub total_fee_cents: i64,
}

impl Db {
    /// Every application, by number.
    pub async fn application_summaries(&self) -> Result<Vec<ApplicationSummary>, CentralError> {
        let rows = sqlx::query(
            "SELECT id, number, provisional_number, office_id, document_kind, status, total_fee_cents \
             FROM applications ORDER BY number",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApplicationSummary {
                    id: row.try_get("id")?,
                    number: row.try_get("number")?,
                    provisional_number: row.try_get("provisional_number")?,
                    office_id: row.try_get("office_id")?,
                    document_kind: row.try_get("document_kind")?,
                    status: row.try_get("status")?,
                    total_fee_cents: row.try_get("total_fee_cents")?,
                })
            })
            .collect()
    }
}

/// What a correction needs of the stored application.
pub struct Correctable {
    pub office_id: String,
    pub application_date: String,
    /// What the submit recorded (JSON of the fingerprint outcomes; none before migration 0009).
    pub biometrics: Option<String>,
    pub signature_sha256: Option<String>,
}

pub async fn correctable(connection: &mut AnyConnection, id: Uuid) -> Result<Option<Correctable>, CentralError> {
    let row =
        sqlx::query("SELECT office_id, application_date, biometrics, signature_sha256 FROM applications WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *connection)
            .await?;
    row.map(|row| {
        Ok(Correctable {
            office_id: row.try_get("office_id")?,
            application_date: row.try_get("application_date")?,
            biometrics: row.try_get("biometrics")?,
            signature_sha256: row.try_get("signature_sha256")?,
        })
    })
    .transpose()
}

/// Replaces the data of a corrected application (its status moves separately).
pub async fn replace_data(
    connection: &mut AnyConnection,
    id: Uuid,
    document_kind: &str,
    data: &str,
    total_fee_cents: i64,
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE applications SET document_kind = $2, data = $3, total_fee_cents = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(document_kind)
    .bind(data)
    .bind(total_fee_cents)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    // The producer copy stays: the photo is the same.
    Ok(())
}
