//! SQL of the pickup box (migration 0011): boxes, compartments and loaded documents.

use sqlx::{AnyConnection, Row};

use super::Db;
use crate::CentralError;

pub struct BoxRow {
    pub id: String,
    pub office_id: String,
    pub name: String,
    pub pickup_days: i64,
}

/// Locks the box's row until the transaction ends (a write first, so SQLite's transaction holds its write
/// lock from the start instead of failing to upgrade a read; PostgreSQL serialises the loads of one box).
pub async fn lock_box(connection: &mut AnyConnection, id: &str) -> Result<(), CentralError> {
    sqlx::query("UPDATE pickup_boxes SET pickup_days = pickup_days WHERE id = $1")
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub async fn find_box(connection: &mut AnyConnection, id: &str) -> Result<Option<BoxRow>, CentralError> {
    let row = sqlx::query("SELECT id, office_id, name, pickup_days FROM pickup_boxes WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?;
    row.map(|row| {
        Ok(BoxRow {
            id: row.try_get("id")?,
            office_id: row.try_get("office_id")?,
            name: row.try_get("name")?,
            pickup_days: row.try_get("pickup_days")?,
        })
    })
    .transpose()
}

/// A compartment as stored: `(number, size, accessible, state)`.
pub type CompartmentRow = (i64, String, bool, String);

pub async fn compartments(connection: &mut AnyConnection, box_id: &str) -> Result<Vec<CompartmentRow>, CentralError> {
    let rows = sqlx::query(
        "SELECT number, size, CASE WHEN accessible THEN 1 ELSE 0 END AS accessible, state \
         FROM compartments WHERE box_id = $1 ORDER BY number",
    )
    .bind(box_id)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let accessible: i64 = row.try_get("accessible")?;
            Ok((row.try_get("number")?, row.try_get("size")?, accessible != 0, row.try_get("state")?))
        })
        .collect()
}

/// Takes compartment `number` for the application while it is free; `false` if someone was faster.
pub async fn take_compartment(
    connection: &mut AnyConnection,
    box_id: &str,
    number: i64,
    application_id: &str,
    now: i64,
) -> Result<bool, CentralError> {
    let taken = sqlx::query(
        "UPDATE compartments SET state = 'loaded', application_id = $3, updated_at = $4 \
         WHERE box_id = $1 AND number = $2 AND state = 'free'",
    )
    .bind(box_id)
    .bind(number)
    .bind(application_id)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(taken.rows_affected() == 1)
}

pub struct NewPickup<'a> {
    pub application_id: &'a str,
    pub box_id: &'a str,
    pub compartment: i64,
    pub mobile: &'a str,
    pub pin_hash: &'a str,
    pub loaded_at: i64,
    pub expires_at: i64,
    pub loaded_by: &'a str,
    pub sms_id: &'a str,
}

/// `false` if the document is loaded already.
pub async fn insert_pickup(connection: &mut AnyConnection, pickup: &NewPickup<'_>) -> Result<bool, CentralError> {
    let inserted = sqlx::query(
        "INSERT INTO pickups (application_id, box_id, compartment, mobile, pin_hash, wrong_answers, state, loaded_at, \
           expires_at, loaded_by, sms_id) \
         VALUES ($1, $2, $3, $4, $5, 0, 'waiting', $6, $7, $8, $9) ON CONFLICT (application_id) DO NOTHING",
    )
    .bind(pickup.application_id)
    .bind(pickup.box_id)
    .bind(pickup.compartment)
    .bind(pickup.mobile)
    .bind(pickup.pin_hash)
    .bind(pickup.loaded_at)
    .bind(pickup.expires_at)
    .bind(pickup.loaded_by)
    .bind(pickup.sms_id)
    .execute(&mut *connection)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The application's office, status, data (JSON) and document kind.
pub async fn application_for_load(
    connection: &mut AnyConnection,
    application_id: &str,
) -> Result<Option<(String, String, String)>, CentralError> {
    let row = sqlx::query("SELECT office_id, status, data FROM applications WHERE id = $1")
        .bind(application_id)
        .fetch_optional(&mut *connection)
        .await?;
    row.map(|row| Ok((row.try_get("office_id")?, row.try_get("status")?, row.try_get("data")?))).transpose()
}

impl Db {
    /// Adds a box with `(size, accessible)` compartments numbered from 1 (an administration step).
    pub async fn add_pickup_box(
        &self,
        id: &str,
        office_id: &str,
        name: &str,
        pickup_days: i64,
        compartments: &[(&str, bool)],
        now: i64,
    ) -> Result<(), CentralError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO pickup_boxes (id, office_id, name, mode, pickup_days) VALUES ($1, $2, $3, 'service_hours', $4)",
        )
        .bind(id)
        .bind(office_id)
        .bind(name)
        .bind(pickup_days)
        .execute(&mut *tx)
        .await?;
        for (index, (size, accessible)) in compartments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO compartments (box_id, number, size, accessible, state, updated_at) \
                 VALUES ($1, $2, $3, $4, 'free', $5)",
            )
            .bind(id)
            .bind(index as i64 + 1)
            .bind(*size)
            .bind(*accessible)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Compartments of a box for operators and tests: `(number, state, application id)`.
    pub async fn compartment_states(&self, box_id: &str) -> Result<Vec<(i64, String, Option<String>)>, CentralError> {
        let rows =
            sqlx::query("SELECT number, state, application_id FROM compartments WHERE box_id = $1 ORDER BY number")
                .bind(box_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("number")?, row.try_get("state")?, row.try_get("application_id")?)))
            .collect()
    }

    /// A loaded document's PIN hash and SMS id, for tests.
    pub async fn pickup_secrets(&self, application_id: &str) -> Result<Option<(String, String)>, CentralError> {
        let row = sqlx::query("SELECT pin_hash, sms_id FROM pickups WHERE application_id = $1")
            .bind(application_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((row.try_get("pin_hash")?, row.try_get("sms_id")?))).transpose()
    }
}

/// Waiting pickups whose deadline passed: `(application id, box id, compartment, mobile)`.
pub async fn expired_waiting(
    connection: &mut AnyConnection,
    now: i64,
) -> Result<Vec<(String, String, i64, String)>, CentralError> {
    let rows = sqlx::query(
        "SELECT application_id, box_id, compartment, mobile FROM pickups \
         WHERE state = 'waiting' AND expires_at <= $1 ORDER BY expires_at, application_id",
    )
    .bind(now)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("application_id")?,
                row.try_get("box_id")?,
                row.try_get("compartment")?,
                row.try_get("mobile")?,
            ))
        })
        .collect()
}

/// The pickup expired: its PIN no longer opens anything; the compartment waits for a clerk to take the
/// document back to the counter. `false` if it was no longer waiting (handed out in the meantime).
pub async fn expire(
    connection: &mut AnyConnection,
    application_id: &str,
    box_id: &str,
    compartment: i64,
    now: i64,
) -> Result<bool, CentralError> {
    let expired = sqlx::query("UPDATE pickups SET state = 'expired' WHERE application_id = $1 AND state = 'waiting'")
        .bind(application_id)
        .execute(&mut *connection)
        .await?;
    if expired.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE compartments SET state = 'expired', updated_at = $3 WHERE box_id = $1 AND number = $2 AND state = 'loaded'",
    )
    .bind(box_id)
    .bind(compartment)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(true)
}

/// A pickup's state, for operators and tests.
impl Db {
    pub async fn pickup_state(&self, application_id: &str) -> Result<Option<String>, CentralError> {
        let row = sqlx::query("SELECT state FROM pickups WHERE application_id = $1")
            .bind(application_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("state")).transpose()?)
    }
}

/// A box terminal's box and how the box is run: `(box id, name, mode)`.
pub type TerminalBox = (String, String, String);

impl Db {
    /// Registers a terminal's client certificate for a box (an administration step).
    pub async fn register_box_terminal(&self, fingerprint: &str, box_id: &str, now: i64) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO box_terminals (certificate_fingerprint, box_id, registered_at) VALUES ($1, $2, $3) \
             ON CONFLICT (certificate_fingerprint) DO UPDATE SET box_id = excluded.box_id",
        )
        .bind(fingerprint)
        .bind(box_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The box whose terminal presents this certificate, if it is one.
    pub async fn terminal_box(&self, fingerprint: &str) -> Result<Option<TerminalBox>, CentralError> {
        let row = sqlx::query(
            "SELECT b.id, b.name, b.mode FROM box_terminals t JOIN pickup_boxes b ON b.id = t.box_id \
             WHERE t.certificate_fingerprint = $1",
        )
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get("id")?, row.try_get("name")?, row.try_get("mode")?))).transpose()
    }
}
