//! SQL of the appointments (migration 0015): the configuration's offices and services, the generated
//! slots, bookings, and their way into the change feed.

use schalter_appointments::{AppointmentConfig, SlotPlan};
use sqlx::{AnyConnection, Row};

use super::{feed, Db};
use crate::CentralError;

/// Rows per INSERT when slots are generated (SQLite allows 32766 parameters; 9 per row).
const SLOT_INSERT_CHUNK: usize = 200;

/// A free slot as the booking page's query reads it.
#[derive(Debug, Clone)]
pub struct FreeSlotRow {
    pub id: String,
    pub desk: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// A booking as stored.
#[derive(Debug, Clone)]
pub struct BookingRow {
    pub id: String,
    pub code_hash: String,
    pub office_id: String,
    pub service_id: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub family_name: String,
    pub state: String,
    pub version: i64,
}

const BOOKING_COLUMNS: &str = "id, code_hash, office_id, service_id, starts_at, ends_at, family_name, state, version";

fn booking(row: &sqlx::any::AnyRow) -> Result<BookingRow, CentralError> {
    Ok(BookingRow {
        id: row.try_get("id")?,
        code_hash: row.try_get("code_hash")?,
        office_id: row.try_get("office_id")?,
        service_id: row.try_get("service_id")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        family_name: row.try_get("family_name")?,
        state: row.try_get("state")?,
        version: row.try_get("version")?,
    })
}

impl Db {
    /// Writes the configuration's offices (name and address too) and services; one transaction.
    pub async fn import_appointment_config(&self, config: &AppointmentConfig) -> Result<(), CentralError> {
        let mut tx = self.pool.begin().await?;
        for service in &config.services {
            sqlx::query(
                "INSERT INTO appointment_services (id, name_de, name_en, minutes) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET name_de = excluded.name_de, name_en = excluded.name_en, \
                 minutes = excluded.minutes",
            )
            .bind(service.id.as_str())
            .bind(&service.name_de)
            .bind(&service.name_en)
            .bind(i64::from(service.minutes))
            .execute(&mut *tx)
            .await?;
        }
        for (position, office) in config.offices.iter().enumerate() {
            sqlx::query(
                "INSERT INTO offices (id, name, address) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address",
            )
            .bind(office.id.as_str())
            .bind(&office.name)
            .bind(&office.address)
            .execute(&mut *tx)
            .await?;
            let services: Vec<&str> = office.services.iter().map(|s| s.as_str()).collect();
            let open_on: Vec<String> = office.dates.iter().map(|(date, _)| date.to_string()).collect();
            sqlx::query(
                "INSERT INTO appointment_offices (office_id, kind, slot_minutes, services, open_on, position) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (office_id) DO UPDATE SET kind = excluded.kind, slot_minutes = excluded.slot_minutes, \
                 services = excluded.services, open_on = excluded.open_on, position = excluded.position",
            )
            .bind(office.id.as_str())
            .bind(office.kind.key())
            .bind(office.slot.whole_minutes())
            .bind(services.join(","))
            .bind(open_on.join(","))
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether `office` has any slot starting in `[from, to)`: a generated day is not generated again.
    pub async fn has_slots_between(&self, office: &str, from: i64, to: i64) -> Result<bool, CentralError> {
        let row = sqlx::query(
            "SELECT 1 AS found FROM appointment_slots WHERE office_id = $1 AND starts_at >= $2 AND starts_at < $3 LIMIT 1",
        )
        .bind(office)
        .bind(from)
        .bind(to)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Inserts slots; those already there (same id) stay as they are.
    pub async fn insert_slots(&self, slots: &[SlotPlan]) -> Result<u64, CentralError> {
        let mut inserted = 0;
        let mut tx = self.pool.begin().await?;
        for chunk in slots.chunks(SLOT_INSERT_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO appointment_slots (id, office_id, desk, starts_at, ends_at, contingent, release_at, free_from, booking_id) VALUES ",
            );
            for (index, _) in chunk.iter().enumerate() {
                let base = index * 8;
                if index > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, NULL)",
                    base + 1,
                    base + 2,
                    base + 3,
                    base + 4,
                    base + 5,
                    base + 6,
                    base + 7,
                    base + 8
                ));
            }
            sql.push_str(" ON CONFLICT (id) DO NOTHING");
            let mut query = sqlx::query(&sql);
            for slot in chunk {
                let release = slot.release_at.unix_timestamp();
                query = query
                    .bind(slot.id())
                    .bind(slot.office_id.as_str().to_owned())
                    .bind(i64::from(slot.desk))
                    .bind(slot.starts_at.unix_timestamp())
                    .bind(slot.ends_at.unix_timestamp())
                    .bind(slot.contingent.key())
                    .bind(release)
                    .bind(release);
            }
            inserted += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// The slots of `office` starting in `[from, to)` that are free and released at `now`, by desk and start.
    pub async fn free_slots(
        &self,
        office: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<Vec<FreeSlotRow>, CentralError> {
        let rows = sqlx::query(
            "SELECT id, desk, starts_at, ends_at FROM appointment_slots \
             WHERE office_id = $1 AND starts_at >= $2 AND starts_at < $3 AND booking_id IS NULL AND free_from <= $4 \
             ORDER BY desk, starts_at",
        )
        .bind(office)
        .bind(from)
        .bind(to)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(FreeSlotRow {
                    id: row.try_get("id")?,
                    desk: row.try_get("desk")?,
                    starts_at: row.try_get("starts_at")?,
                    ends_at: row.try_get("ends_at")?,
                })
            })
            .collect()
    }

    /// A connection of the pool for one request's statements, each committing on its own.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, CentralError> {
        Ok(self.pool.acquire().await?)
    }

    /// Frees future slots taken more than `grace_seconds` before `now` whose booking row was never written
    /// (the booking's process died between its two statements). Returns how many.
    pub async fn release_unconfirmed_slots(&self, now: i64, grace_seconds: i64) -> Result<u64, CentralError> {
        let released = sqlx::query(
            "UPDATE appointment_slots SET booking_id = NULL, taken_at = NULL \
             WHERE starts_at > $1 AND booking_id IS NOT NULL AND taken_at < $2 \
             AND NOT EXISTS (SELECT 1 FROM appointment_bookings b WHERE b.id = appointment_slots.booking_id)",
        )
        .bind(now)
        .bind(now - grace_seconds)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(released)
    }

    pub async fn booking_by_code_hash(&self, code_hash: &str) -> Result<Option<BookingRow>, CentralError> {
        let row = sqlx::query(&format!("SELECT {BOOKING_COLUMNS} FROM appointment_bookings WHERE code_hash = $1"))
            .bind(code_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(booking).transpose()
    }

    /// Appends every booking whose latest change is not in the feed yet, behind the feed's lock (several
    /// instances publish one after the other, and a change published once is not published again).
    pub async fn publish_appointment_changes(&self, now: i64, limit: i64) -> Result<usize, CentralError> {
        // Most rounds find nothing: they ask without taking the feed's lock (a write) first.
        let pending =
            sqlx::query("SELECT 1 AS pending FROM appointment_bookings WHERE version > published_version LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        if pending.is_none() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        feed::lock(&mut tx).await?;
        let rows = sqlx::query(&format!(
            "SELECT {BOOKING_COLUMNS} FROM appointment_bookings WHERE version > published_version \
             ORDER BY created_at, id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let bookings = rows.iter().map(booking).collect::<Result<Vec<_>, _>>()?;
        for row in &bookings {
            let change = schalter_wire::appointments::AppointmentChange {
                id: row.id.clone(),
                office_id: row.office_id.clone(),
                service_id: row.service_id.clone(),
                starts_at: instant(row.starts_at)?,
                ends_at: instant(row.ends_at)?,
                family_name: row.family_name.clone(),
                state: row.state.clone(),
                code_hash: row.code_hash.clone(),
            };
            let data = serde_json::to_value(&change).map_err(|error| CentralError::Internal(error.to_string()))?;
            feed::append_for_office(
                &mut tx,
                &row.office_id,
                schalter_wire::appointments::APPOINTMENT_ENTITY,
                &row.id,
                Some(&data),
                now,
            )
            .await?;
            sqlx::query("UPDATE appointment_bookings SET published_version = $1 WHERE id = $2")
                .bind(row.version)
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(bookings.len())
    }
}

/// Takes the `units` consecutive slots of `desk` from `starts_at` for `booking_id` by one UPDATE that only
/// takes free, released slots (the caller has checked that booking is still open at `now`). `false`: not
/// all were free, and nothing stays taken (a part taken of a longer service is given back). Each statement
/// commits on its own: a rush costs one statement per taken slot, and a slot whose booking row never
/// follows (the process killed in between) is freed by [`Db::release_unconfirmed_slots`].
#[allow(clippy::too_many_arguments)]
pub async fn take_slots(
    connection: &mut AnyConnection,
    booking_id: &str,
    office_id: &str,
    desk: i64,
    starts_at: i64,
    units: i64,
    slot_seconds: i64,
    now: i64,
) -> Result<bool, CentralError> {
    let taken = sqlx::query(
        "UPDATE appointment_slots SET booking_id = $1, taken_at = $6 \
         WHERE office_id = $2 AND desk = $3 AND starts_at >= $4 AND starts_at < $5 \
         AND booking_id IS NULL AND free_from <= $6",
    )
    .bind(booking_id)
    .bind(office_id)
    .bind(desk)
    .bind(starts_at)
    .bind(starts_at + units * slot_seconds)
    .bind(now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    if taken == units as u64 {
        return Ok(true);
    }
    if taken > 0 {
        give_back_slots(connection, booking_id).await?;
    }
    Ok(false)
}

/// PostgreSQL, a one-slot service: takes a free slot at `booking.starts_at` (the desk `preferred` if it is
/// free, else any other, skipping rows another booking holds locked right now) and writes the booking, in
/// one statement: one round trip for a booking and one for a time that is gone. The statement is atomic:
/// when the booking cannot be written, nothing is taken. `Ok(None)`: the time is gone; `Err` with a unique
/// violation (the code exists already) is told apart by [`is_code_taken`].
pub async fn take_one_and_book(
    connection: &mut AnyConnection,
    booking: &BookingRow,
    preferred: i64,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(
        "WITH taken AS ( \
           UPDATE appointment_slots SET booking_id = $1, taken_at = $2 \
           WHERE id = (SELECT id FROM appointment_slots \
                       WHERE office_id = $3 AND starts_at = $4 AND booking_id IS NULL AND free_from <= $2 \
                       ORDER BY (desk = $5) DESC, random() LIMIT 1 FOR UPDATE SKIP LOCKED) \
           AND booking_id IS NULL \
           RETURNING desk) \
         INSERT INTO appointment_bookings (id, code_hash, office_id, service_id, desk, starts_at, ends_at, \
           family_name, state, created_at, cancelled_at, version, published_version) \
         SELECT $1, $6, $3, $7, taken.desk, $4, $8, $9, 'booked', $2, NULL, 1, 0 FROM taken \
         RETURNING desk",
    )
    .bind(&booking.id)
    .bind(now)
    .bind(&booking.office_id)
    .bind(booking.starts_at)
    .bind(preferred)
    .bind(&booking.code_hash)
    .bind(&booking.service_id)
    .bind(booking.ends_at)
    .bind(&booking.family_name)
    .fetch_optional(&mut *connection)
    .await?;
    row.map(|row| row.try_get("desk")).transpose()
}

/// Whether `error` says the booking code exists already.
pub fn is_code_taken(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.is_unique_violation())
}

/// Frees what [`take_slots`] took for `booking_id` (its booking row could not be written).
pub async fn give_back_slots(connection: &mut AnyConnection, booking_id: &str) -> Result<(), CentralError> {
    sqlx::query("UPDATE appointment_slots SET booking_id = NULL, taken_at = NULL WHERE booking_id = $1")
        .bind(booking_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Writes the booking whose slots [`take_slots`] took. `false`: its code exists
/// already (40 bits: rare, but a lifetime of bookings makes it possible); the caller tries another code.
pub async fn insert_booking(
    connection: &mut AnyConnection,
    booking: &BookingRow,
    desk: i64,
    now: i64,
) -> Result<bool, CentralError> {
    let inserted = sqlx::query(
        "INSERT INTO appointment_bookings (id, code_hash, office_id, service_id, desk, starts_at, ends_at, \
         family_name, state, created_at, cancelled_at, version, published_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9, NULL, 1, 0) ON CONFLICT (code_hash) DO NOTHING",
    )
    .bind(&booking.id)
    .bind(&booking.code_hash)
    .bind(&booking.office_id)
    .bind(&booking.service_id)
    .bind(desk)
    .bind(booking.starts_at)
    .bind(booking.ends_at)
    .bind(&booking.family_name)
    .bind(now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Desks of `office` whose slot at `starts_at` is free and released at `now`, on the request's connection,
/// in an order that changes from call to call, so the retries of a rush spread over the desks.
pub async fn free_desks_at(
    connection: &mut AnyConnection,
    office: &str,
    starts_at: i64,
    now: i64,
) -> Result<Vec<i64>, CentralError> {
    let rows = sqlx::query(
        "SELECT desk FROM appointment_slots \
         WHERE office_id = $1 AND starts_at = $2 AND booking_id IS NULL AND free_from <= $3 ORDER BY desk",
    )
    .bind(office)
    .bind(starts_at)
    .bind(now)
    .fetch_all(&mut *connection)
    .await?;
    let mut desks = rows.iter().map(|row| row.try_get("desk")).collect::<Result<Vec<i64>, _>>()?;
    // Not every retry in a rush on the lowest desk.
    if !desks.is_empty() {
        let turn = rand::random::<usize>() % desks.len();
        desks.rotate_left(turn);
    }
    Ok(desks)
}

/// Cancels the open booking with `code_hash` in the caller's transaction: its slots circulate again
/// from `free_from`. `None` when there is no open booking with that code.
pub async fn cancel(
    connection: &mut AnyConnection,
    code_hash: &str,
    now: i64,
    free_from: i64,
) -> Result<Option<BookingRow>, CentralError> {
    let row = sqlx::query(&format!(
        "UPDATE appointment_bookings SET state = 'cancelled', cancelled_at = $1, version = version + 1 \
         WHERE code_hash = $2 AND state = 'booked' RETURNING {BOOKING_COLUMNS}"
    ))
    .bind(now)
    .bind(code_hash)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row.as_ref().map(booking).transpose()? else { return Ok(None) };
    sqlx::query(
        "UPDATE appointment_slots SET booking_id = NULL, taken_at = NULL, free_from = $1 WHERE booking_id = $2",
    )
    .bind(free_from)
    .bind(&row.id)
    .execute(&mut *connection)
    .await?;
    Ok(Some(row))
}

fn instant(unix: i64) -> Result<time::OffsetDateTime, CentralError> {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map_err(|_| CentralError::Internal("booking time out of range in database".into()))
}
