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
    /// `None` while the load awaits the second clerk (four-eyes rule): no PIN, no SMS yet.
    pub sms_id: Option<&'a str>,
    /// `waiting`, or `awaiting_confirmation` under the four-eyes rule.
    pub state: &'a str,
}

/// `false` if the document is loaded already.
pub async fn insert_pickup(connection: &mut AnyConnection, pickup: &NewPickup<'_>) -> Result<bool, CentralError> {
    let inserted = sqlx::query(
        "INSERT INTO pickups (application_id, box_id, compartment, mobile, pin_hash, wrong_answers, state, loaded_at, \
           expires_at, loaded_by, sms_id) \
         VALUES ($1, $2, $3, $4, $5, 0, $10, $6, $7, $8, $9) ON CONFLICT (application_id) DO NOTHING",
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
    .bind(pickup.state)
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

// The desk's back office (migration 0014): overview, uncollected list, lockouts, taking back, handout,
// the four-eyes rule.

/// Whether the office loads by the four-eyes rule (no settings row: no).
pub async fn four_eyes_loading(connection: &mut AnyConnection, office_id: &str) -> Result<bool, CentralError> {
    let row = sqlx::query(
        "SELECT CASE WHEN four_eyes_loading THEN 1 ELSE 0 END AS on_ FROM pickup_office_settings WHERE office_id = $1",
    )
    .bind(office_id)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(row.map(|row| row.try_get::<i64, _>("on_")).transpose()?.unwrap_or(0) != 0)
}

/// The boxes of an office, by name.
pub async fn office_boxes(connection: &mut AnyConnection, office_id: &str) -> Result<Vec<BoxRow>, CentralError> {
    let rows =
        sqlx::query("SELECT id, office_id, name, pickup_days FROM pickup_boxes WHERE office_id = $1 ORDER BY name, id")
            .bind(office_id)
            .fetch_all(&mut *connection)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(BoxRow {
                id: row.try_get("id")?,
                office_id: row.try_get("office_id")?,
                name: row.try_get("name")?,
                pickup_days: row.try_get("pickup_days")?,
            })
        })
        .collect()
}

/// A compartment with what is inside: no name, no phone number.
pub struct OverviewRow {
    pub number: i64,
    pub size: String,
    pub accessible: bool,
    pub state: String,
    pub application_id: Option<String>,
    pub application_number: Option<String>,
    pub pickup_state: Option<String>,
    pub expires_at: Option<i64>,
}

pub async fn compartment_overview(
    connection: &mut AnyConnection,
    box_id: &str,
) -> Result<Vec<OverviewRow>, CentralError> {
    let rows = sqlx::query(
        "SELECT c.number, c.size, CASE WHEN c.accessible THEN 1 ELSE 0 END AS accessible, c.state, c.application_id, \
           a.number AS application_number, p.state AS pickup_state, p.expires_at \
         FROM compartments c \
         LEFT JOIN applications a ON a.id = c.application_id \
         LEFT JOIN pickups p ON p.application_id = c.application_id \
         WHERE c.box_id = $1 ORDER BY c.number",
    )
    .bind(box_id)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            let accessible: i64 = row.try_get("accessible")?;
            Ok(OverviewRow {
                number: row.try_get("number")?,
                size: row.try_get("size")?,
                accessible: accessible != 0,
                state: row.try_get("state")?,
                application_id: row.try_get("application_id")?,
                application_number: row.try_get("application_number")?,
                pickup_state: row.try_get("pickup_state")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .collect()
}

/// A pickup of the office: `(application id, application number, box id, compartment, state, expires at)`.
pub type UncollectedRow = (String, String, String, i64, String, i64);

/// Pickups of the office that are locked, expired, back at the counter, or waiting with a deadline
/// before `near_before`; the oldest deadline first.
pub async fn uncollected(
    connection: &mut AnyConnection,
    office_id: &str,
    near_before: i64,
) -> Result<Vec<UncollectedRow>, CentralError> {
    let rows = sqlx::query(
        "SELECT p.application_id, a.number, p.box_id, p.compartment, p.state, p.expires_at \
         FROM pickups p JOIN applications a ON a.id = p.application_id \
         WHERE a.office_id = $1 AND (p.state IN ('locked', 'expired', 'returned') \
           OR (p.state = 'waiting' AND p.expires_at <= $2)) \
         ORDER BY p.expires_at, a.number",
    )
    .bind(office_id)
    .bind(near_before)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("application_id")?,
                row.try_get("number")?,
                row.try_get("box_id")?,
                row.try_get("compartment")?,
                row.try_get("state")?,
                row.try_get("expires_at")?,
            ))
        })
        .collect()
}

/// A pickup as the back office needs it.
pub struct PickupRow {
    pub box_id: String,
    pub office_id: String,
    pub compartment: i64,
    pub state: String,
    pub wrong_answers: i64,
    pub loaded_by: String,
    pub expires_at: i64,
}

pub async fn pickup_row(
    connection: &mut AnyConnection,
    application_id: &str,
) -> Result<Option<PickupRow>, CentralError> {
    let row = sqlx::query(
        "SELECT p.box_id, b.office_id, p.compartment, p.state, p.wrong_answers, p.loaded_by, p.expires_at \
         FROM pickups p JOIN pickup_boxes b ON b.id = p.box_id WHERE p.application_id = $1",
    )
    .bind(application_id)
    .fetch_optional(&mut *connection)
    .await?;
    row.map(|row| {
        Ok(PickupRow {
            box_id: row.try_get("box_id")?,
            office_id: row.try_get("office_id")?,
            compartment: row.try_get("compartment")?,
            state: row.try_get("state")?,
            wrong_answers: row.try_get("wrong_answers")?,
            loaded_by: row.try_get("loaded_by")?,
            expires_at: row.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Moves the pickup from `from` to `to` (and sets its wrong answers); `false` if it was not in `from`.
pub async fn move_pickup(
    connection: &mut AnyConnection,
    application_id: &str,
    from: &str,
    to: &str,
    wrong_answers: i64,
) -> Result<bool, CentralError> {
    let moved =
        sqlx::query("UPDATE pickups SET state = $3, wrong_answers = $4 WHERE application_id = $1 AND state = $2")
            .bind(application_id)
            .bind(from)
            .bind(to)
            .bind(wrong_answers)
            .execute(&mut *connection)
            .await?;
    Ok(moved.rows_affected() == 1)
}

/// Moves the application's compartment from `from` to `to`; `free` also empties it. `false` if it
/// was not in `from` with this application.
pub async fn move_compartment(
    connection: &mut AnyConnection,
    box_id: &str,
    number: i64,
    application_id: &str,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, CentralError> {
    let moved = sqlx::query(
        "UPDATE compartments SET state = $5, updated_at = $6, \
           application_id = CASE WHEN $5 = 'free' THEN NULL ELSE application_id END \
         WHERE box_id = $1 AND number = $2 AND application_id = $3 AND state = $4",
    )
    .bind(box_id)
    .bind(number)
    .bind(application_id)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// The pickup's end at the counter: handed out, and its PIN hash erased, so no PIN opens anything again.
pub async fn revoke_pickup(connection: &mut AnyConnection, application_id: &str) -> Result<(), CentralError> {
    sqlx::query("UPDATE pickups SET state = 'handed_out', pin_hash = '' WHERE application_id = $1")
        .bind(application_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The second clerk's confirmation arms the pickup: its PIN hash, deadline and SMS. `false` if it was
/// not awaiting confirmation.
pub async fn arm_pickup(
    connection: &mut AnyConnection,
    application_id: &str,
    pin_hash: &str,
    loaded_at: i64,
    expires_at: i64,
    sms_id: &str,
    confirmed_by: &str,
) -> Result<bool, CentralError> {
    let armed = sqlx::query(
        "UPDATE pickups SET state = 'waiting', pin_hash = $2, loaded_at = $3, expires_at = $4, sms_id = $5, \
           confirmed_by = $6 WHERE application_id = $1 AND state = 'awaiting_confirmation'",
    )
    .bind(application_id)
    .bind(pin_hash)
    .bind(loaded_at)
    .bind(expires_at)
    .bind(sms_id)
    .bind(confirmed_by)
    .execute(&mut *connection)
    .await?;
    Ok(armed.rows_affected() == 1)
}

/// The office's application whose delivered document has this serial number.
pub async fn application_by_serial(
    connection: &mut AnyConnection,
    office_id: &str,
    serial: &str,
) -> Result<Option<String>, CentralError> {
    let row = sqlx::query("SELECT id FROM applications WHERE serial_number = $1 AND office_id = $2")
        .bind(serial)
        .bind(office_id)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.map(|row| row.try_get("id")).transpose()?)
}

pub struct NewHandover<'a> {
    pub application_id: &'a str,
    pub at: i64,
    pub by: &'a str,
    pub desk: Option<&'a str>,
    pub place: &'a str,
    pub old_document: &'a str,
    pub pin_letter_confirmed: bool,
}

/// `false` if the document was handed out already.
pub async fn insert_handover(connection: &mut AnyConnection, handover: &NewHandover<'_>) -> Result<bool, CentralError> {
    let inserted = sqlx::query(
        "INSERT INTO handovers (application_id, handed_out_at, handed_out_by, desk, place, old_document, \
           pin_letter_confirmed) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (application_id) DO NOTHING",
    )
    .bind(handover.application_id)
    .bind(handover.at)
    .bind(handover.by)
    .bind(handover.desk)
    .bind(handover.place)
    .bind(handover.old_document)
    .bind(handover.pin_letter_confirmed)
    .execute(&mut *connection)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

impl Db {
    /// Switches the office's four-eyes rule for loading on or off (an administration step).
    pub async fn set_four_eyes_loading(&self, office_id: &str, on: bool) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO pickup_office_settings (office_id, four_eyes_loading) VALUES ($1, $2) \
             ON CONFLICT (office_id) DO UPDATE SET four_eyes_loading = excluded.four_eyes_loading",
        )
        .bind(office_id)
        .bind(on)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A handover as recorded, for tests and operators: `(place, old document, PIN letter confirmed)`.
    pub async fn handover(&self, application_id: &str) -> Result<Option<(String, String, bool)>, CentralError> {
        let row = sqlx::query(
            "SELECT place, old_document, CASE WHEN pin_letter_confirmed THEN 1 ELSE 0 END AS pin_letter \
             FROM handovers WHERE application_id = $1",
        )
        .bind(application_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let letter: i64 = row.try_get("pin_letter")?;
            Ok((row.try_get("place")?, row.try_get("old_document")?, letter != 0))
        })
        .transpose()
    }
}
