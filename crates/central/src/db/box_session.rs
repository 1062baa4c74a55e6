//! SQL of the box terminal (migration 0013): its sessions, its rate-limit bucket, and the pickup rows a
//! session reads and changes. Every function runs inside the input's transaction, after the box's row
//! is locked (`db::pickup::lock_box`), so the inputs of all terminals of one box are serialised.

use sqlx::{AnyConnection, Row};

use super::Db;
use crate::CentralError;

impl Db {
    /// How the box is run: in the service centre's opening hours, or around the clock (its own room).
    pub async fn set_box_mode(&self, box_id: &str, mode: schalter_pickup::BoxMode) -> Result<(), CentralError> {
        let mode = match mode {
            schalter_pickup::BoxMode::ServiceHours => "service_hours",
            schalter_pickup::BoxMode::AroundTheClock => "around_the_clock",
        };
        let changed = sqlx::query("UPDATE pickup_boxes SET mode = $2 WHERE id = $1")
            .bind(box_id)
            .bind(mode)
            .execute(&self.pool)
            .await?;
        if changed.rows_affected() != 1 {
            return Err(CentralError::PickupUnknownBox);
        }
        Ok(())
    }
}

/// A pickup as a session needs it, with the application it belongs to.
pub struct PickupRow {
    pub application_id: String,
    pub compartment: i64,
    /// `waiting`, `locked`, `handed_out`, `expired`.
    pub state: String,
    pub wrong_answers: i64,
    /// Empty once revoked.
    pub pin_hash: String,
    pub loaded_at: i64,
    pub expires_at: i64,
    /// The validated application as JSON (document kind, the third factor).
    pub application: String,
}

const PICKUP_COLUMNS: &str = "p.application_id, p.compartment, p.state, p.wrong_answers, p.pin_hash, p.loaded_at, \
                              p.expires_at, a.data";

fn pickup_row(row: &sqlx::any::AnyRow) -> Result<PickupRow, CentralError> {
    Ok(PickupRow {
        application_id: row.try_get("application_id")?,
        compartment: row.try_get("compartment")?,
        state: row.try_get("state")?,
        wrong_answers: row.try_get("wrong_answers")?,
        pin_hash: row.try_get("pin_hash")?,
        loaded_at: row.try_get("loaded_at")?,
        expires_at: row.try_get("expires_at")?,
        application: row.try_get("data")?,
    })
}

/// The pickups in this box behind a mobile number (E.164) that a PIN could still concern, oldest first.
/// A number without any runs the same query.
pub async fn pickups_for_mobile(
    connection: &mut AnyConnection,
    box_id: &str,
    mobile: &str,
) -> Result<Vec<PickupRow>, CentralError> {
    let rows = sqlx::query(&format!(
        "SELECT {PICKUP_COLUMNS} FROM pickups p JOIN applications a ON a.id = p.application_id \
         WHERE p.box_id = $1 AND p.mobile = $2 AND p.state IN ('waiting', 'locked', 'expired') \
         ORDER BY p.loaded_at, p.application_id"
    ))
    .bind(box_id)
    .bind(mobile)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter().map(pickup_row).collect()
}

pub async fn pickup(connection: &mut AnyConnection, application_id: &str) -> Result<Option<PickupRow>, CentralError> {
    let row = sqlx::query(&format!(
        "SELECT {PICKUP_COLUMNS} FROM pickups p JOIN applications a ON a.id = p.application_id \
         WHERE p.application_id = $1"
    ))
    .bind(application_id)
    .fetch_optional(&mut *connection)
    .await?;
    row.as_ref().map(pickup_row).transpose()
}

pub async fn set_wrong_answers(
    connection: &mut AnyConnection,
    application_id: &str,
    wrong: u8,
) -> Result<(), CentralError> {
    sqlx::query("UPDATE pickups SET wrong_answers = $2 WHERE application_id = $1")
        .bind(application_id)
        .bind(i64::from(wrong))
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub async fn set_pickup_state(
    connection: &mut AnyConnection,
    application_id: &str,
    state: &str,
) -> Result<(), CentralError> {
    sqlx::query("UPDATE pickups SET state = $2 WHERE application_id = $1")
        .bind(application_id)
        .bind(state)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The PIN is never usable again: its hash is gone.
pub async fn revoke_pin(connection: &mut AnyConnection, application_id: &str) -> Result<(), CentralError> {
    sqlx::query("UPDATE pickups SET pin_hash = '' WHERE application_id = $1")
        .bind(application_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Sets a compartment's state; `free` also clears the application it held.
pub async fn set_compartment_state(
    connection: &mut AnyConnection,
    box_id: &str,
    number: i64,
    state: &str,
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE compartments SET state = $3, updated_at = $4, \
         application_id = CASE WHEN $3 = 'free' THEN NULL ELSE application_id END \
         WHERE box_id = $1 AND number = $2",
    )
    .bind(box_id)
    .bind(number)
    .bind(state)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Marks a loaded compartment as opened, before the command to open goes out; `false` when it is not
/// loaded any more (another terminal of the box, or a clerk, was faster).
pub async fn open_loaded_compartment(
    connection: &mut AnyConnection,
    box_id: &str,
    number: i64,
    now: i64,
) -> Result<bool, CentralError> {
    let opened = sqlx::query(
        "UPDATE compartments SET state = 'opened', updated_at = $3 WHERE box_id = $1 AND number = $2 AND state = 'loaded'",
    )
    .bind(box_id)
    .bind(number)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(opened.rows_affected() == 1)
}

/// A terminal's bucket as stored: `(available, refilled_at in Unix nanoseconds)`; `available` is -1 before
/// its first use.
pub async fn rate_bucket(connection: &mut AnyConnection, terminal: &str) -> Result<Option<(i64, i64)>, CentralError> {
    // A write first: the bucket's row stays locked until the input's transaction ends.
    sqlx::query("UPDATE box_terminals SET rate_available = rate_available WHERE certificate_fingerprint = $1")
        .bind(terminal)
        .execute(&mut *connection)
        .await?;
    let row =
        sqlx::query("SELECT rate_available, rate_refilled_at FROM box_terminals WHERE certificate_fingerprint = $1")
            .bind(terminal)
            .fetch_optional(&mut *connection)
            .await?;
    row.map(|row| Ok((row.try_get("rate_available")?, row.try_get("rate_refilled_at")?))).transpose()
}

pub async fn store_rate_bucket(
    connection: &mut AnyConnection,
    terminal: &str,
    available: i64,
    refilled_at: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE box_terminals SET rate_available = $2, rate_refilled_at = $3 WHERE certificate_fingerprint = $1",
    )
    .bind(terminal)
    .bind(available)
    .bind(refilled_at)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// A session as stored.
pub struct SessionRow {
    pub id: String,
    pub terminal: String,
    /// `schalter_pickup::PickupFlow` as JSON.
    pub flow: String,
    /// Application ids as a JSON array.
    pub candidates: String,
    pub finished: bool,
}

fn session_row(row: &sqlx::any::AnyRow) -> Result<SessionRow, CentralError> {
    let finished: i64 = row.try_get("finished")?;
    Ok(SessionRow {
        id: row.try_get("id")?,
        terminal: row.try_get("terminal")?,
        flow: row.try_get("flow")?,
        candidates: row.try_get("candidates")?,
        finished: finished != 0,
    })
}

const SESSION_COLUMNS: &str = "id, terminal, flow, candidates, CASE WHEN finished THEN 1 ELSE 0 END AS finished";

pub async fn insert_session(
    connection: &mut AnyConnection,
    session: &SessionRow,
    box_id: &str,
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO box_sessions (id, box_id, terminal, flow, candidates, finished, started_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&session.id)
    .bind(box_id)
    .bind(&session.terminal)
    .bind(&session.flow)
    .bind(&session.candidates)
    .bind(session.finished)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

pub async fn session(connection: &mut AnyConnection, id: &str) -> Result<Option<SessionRow>, CentralError> {
    let row = sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM box_sessions WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?;
    row.as_ref().map(session_row).transpose()
}

/// The terminal's unfinished sessions, newest first (normally at most one).
pub async fn unfinished_sessions(
    connection: &mut AnyConnection,
    terminal: &str,
) -> Result<Vec<SessionRow>, CentralError> {
    let rows = sqlx::query(&format!(
        "SELECT {SESSION_COLUMNS} FROM box_sessions WHERE terminal = $1 AND NOT finished ORDER BY started_at DESC, id DESC"
    ))
    .bind(terminal)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter().map(session_row).collect()
}

pub async fn update_session(
    connection: &mut AnyConnection,
    session: &SessionRow,
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query("UPDATE box_sessions SET flow = $2, candidates = $3, finished = $4, updated_at = $5 WHERE id = $1")
        .bind(&session.id)
        .bind(&session.flow)
        .bind(&session.candidates)
        .bind(session.finished)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    Ok(())
}
