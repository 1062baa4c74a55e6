//! SQL of the counter queue (migration 0016): the tickets, their day's number counters, the
//! booking an appointment ticket checks in, and the call display's read. Writes run on the
//! push's transaction.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::Db;
use crate::CentralError;

/// A ticket as it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    pub id: String,
    pub office_id: String,
    pub day: String,
    pub kind: String,
    pub number: i64,
    pub display_number: String,
    pub service_id: String,
    pub booking_id: Option<String>,
    pub state: String,
    pub call_count: i64,
    pub place: Option<String>,
    pub due_at: Option<i64>,
    pub arrived_at: i64,
    pub called_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub visit_id: Option<String>,
    pub application_id: Option<String>,
}

const COLUMNS: &str = "id, office_id, day, kind, number, display_number, service_id, booking_id, state, \
     call_count, place, due_at, arrived_at, called_at, finished_at, visit_id, application_id";

fn ticket(row: &AnyRow) -> Result<TicketRow, CentralError> {
    Ok(TicketRow {
        id: row.try_get("id")?,
        office_id: row.try_get("office_id")?,
        day: row.try_get("day")?,
        kind: row.try_get("kind")?,
        number: row.try_get("number")?,
        display_number: row.try_get("display_number")?,
        service_id: row.try_get("service_id")?,
        booking_id: row.try_get("booking_id")?,
        state: row.try_get("state")?,
        call_count: row.try_get("call_count")?,
        place: row.try_get("place")?,
        due_at: row.try_get("due_at")?,
        arrived_at: row.try_get("arrived_at")?,
        called_at: row.try_get("called_at")?,
        finished_at: row.try_get("finished_at")?,
        visit_id: row.try_get("visit_id")?,
        application_id: row.try_get("application_id")?,
    })
}

/// Locks the ticket's row until the transaction ends (a write of the row itself: PostgreSQL's row
/// lock, SQLite's write lock) and reads it; `None` when there is no such ticket.
pub async fn lock(connection: &mut AnyConnection, id: &str) -> Result<Option<TicketRow>, CentralError> {
    let locked = sqlx::query("UPDATE queue_tickets SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(&mut *connection)
        .await?;
    if locked.rows_affected() == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM queue_tickets WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
    ticket(&row).map(Some)
}

/// The ticket of a booking, if it was checked in before.
pub async fn ticket_of_booking(
    connection: &mut AnyConnection,
    booking_id: &str,
) -> Result<Option<String>, CentralError> {
    let row = sqlx::query("SELECT id FROM queue_tickets WHERE booking_id = $1")
        .bind(booking_id)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(row.map(|row| row.try_get("id")).transpose()?)
}

/// The next number of the office's day for tickets of `kind`, from a locked counter row.
pub async fn next_number(
    connection: &mut AnyConnection,
    office_id: &str,
    day: &str,
    kind: &str,
) -> Result<i64, CentralError> {
    let name = format!("queue:{office_id}:{day}:{kind}");
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

pub async fn insert(
    connection: &mut AnyConnection,
    row: &TicketRow,
    now: i64,
    clerk: &str,
) -> Result<(), CentralError> {
    sqlx::query(&format!(
        "INSERT INTO queue_tickets ({COLUMNS}, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    ))
    .bind(&row.id)
    .bind(&row.office_id)
    .bind(&row.day)
    .bind(&row.kind)
    .bind(row.number)
    .bind(&row.display_number)
    .bind(&row.service_id)
    .bind(row.booking_id.as_deref())
    .bind(&row.state)
    .bind(row.call_count)
    .bind(row.place.as_deref())
    .bind(row.due_at)
    .bind(row.arrived_at)
    .bind(row.called_at)
    .bind(row.finished_at)
    .bind(row.visit_id.as_deref())
    .bind(row.application_id.as_deref())
    .bind(now)
    .bind(clerk)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Writes what an action changed (the row must be locked by [`lock`]).
pub async fn update(
    connection: &mut AnyConnection,
    row: &TicketRow,
    now: i64,
    clerk: &str,
) -> Result<(), CentralError> {
    sqlx::query(
        "UPDATE queue_tickets SET service_id = $2, state = $3, call_count = $4, place = $5, arrived_at = $6, \
         called_at = $7, finished_at = $8, visit_id = $9, application_id = $10, updated_at = $11, updated_by = $12 \
         WHERE id = $1",
    )
    .bind(&row.id)
    .bind(&row.service_id)
    .bind(&row.state)
    .bind(row.call_count)
    .bind(row.place.as_deref())
    .bind(row.arrived_at)
    .bind(row.called_at)
    .bind(row.finished_at)
    .bind(row.visit_id.as_deref())
    .bind(row.application_id.as_deref())
    .bind(now)
    .bind(clerk)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// A booking as the check-in needs it (migration 0015's `appointment_bookings`).
#[derive(Debug, Clone)]
pub struct BookingForCheckIn {
    pub office_id: String,
    pub service_id: String,
    pub starts_at: i64,
    pub state: String,
}

/// A booking of migration 0015's `appointment_bookings`, if there is one of that id.
pub async fn booking(
    connection: &mut AnyConnection,
    booking_id: &str,
) -> Result<Option<BookingForCheckIn>, CentralError> {
    let row = sqlx::query("SELECT office_id, service_id, starts_at, state FROM appointment_bookings WHERE id = $1")
        .bind(booking_id)
        .fetch_optional(&mut *connection)
        .await?;
    row.map(|row| {
        Ok(BookingForCheckIn {
            office_id: row.try_get("office_id")?,
            service_id: row.try_get("service_id")?,
            starts_at: row.try_get("starts_at")?,
            state: row.try_get("state")?,
        })
    })
    .transpose()
}

/// Marks a booking `checked_in` while it is `booked` (an UPDATE that only one of two racing
/// check-ins can make): whether it did.
pub async fn mark_checked_in(connection: &mut AnyConnection, booking_id: &str) -> Result<bool, CentralError> {
    let marked = sqlx::query("UPDATE appointment_bookings SET state = 'checked_in', version = version + 1 WHERE id = $1 AND state = 'booked'")
        .bind(booking_id)
        .execute(&mut *connection)
        .await?;
    Ok(marked.rows_affected() == 1)
}

/// One line of the call display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub display_number: String,
    pub place: String,
    pub called_at: i64,
    pub call_count: i64,
}

impl Db {
    /// The office's tickets called or being served on `day`, the latest call first.
    pub async fn recent_calls(&self, office_id: &str, day: &str, limit: usize) -> Result<Vec<CallRow>, CentralError> {
        let rows = sqlx::query(
            "SELECT display_number, place, called_at, call_count FROM queue_tickets \
             WHERE office_id = $1 AND day = $2 AND state IN ('called', 'serving') \
             AND called_at IS NOT NULL AND place IS NOT NULL \
             ORDER BY called_at DESC, display_number LIMIT $3",
        )
        .bind(office_id)
        .bind(day)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CallRow {
                    display_number: row.try_get("display_number")?,
                    place: row.try_get("place")?,
                    called_at: row.try_get("called_at")?,
                    call_count: row.try_get("call_count")?,
                })
            })
            .collect()
    }

    /// A ticket as stored (tests, operators).
    pub async fn queue_ticket(&self, id: &str) -> Result<Option<TicketRow>, CentralError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM queue_tickets WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(ticket).transpose()
    }
}
