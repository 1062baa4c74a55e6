//! SQL of the way to the producer (migration 0008): choosing and numbering orders, the producer
//! copy, status changes with their feed entries, deliveries, the mailbox cursor and the lease that
//! lets one API instance at a time talk to the producer.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::Db;
use crate::CentralError;

/// The counter row of the producer mailbox's cursor (`sync_counters`).
const MAILBOX_CURSOR: &str = "producer_mailbox";

/// Takes or renews the lease `name` for `holder` until `expires_at`; `false` while another
/// holder's lease runs.
pub async fn take_lease(db: &Db, name: &str, holder: &str, now: i64, expires_at: i64) -> Result<bool, CentralError> {
    sqlx::query(
        "INSERT INTO worker_leases (name, holder, expires_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(holder)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    let taken = sqlx::query(
        "UPDATE worker_leases SET holder = $2, expires_at = $3 WHERE name = $1 AND (holder = $2 OR expires_at < $4)",
    )
    .bind(name)
    .bind(holder)
    .bind(expires_at)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// An application waiting for an order.
pub struct Waiting {
    pub id: String,
    pub document_kind: String,
}

/// Applications captured and not in an order yet, oldest first (documents issued on the spot
/// included: the caller leaves them out).
pub async fn waiting_for_order(connection: &mut AnyConnection, limit: i64) -> Result<Vec<Waiting>, CentralError> {
    let rows = sqlx::query(
        "SELECT id, document_kind FROM applications WHERE status = 'captured' AND order_number IS NULL \
         ORDER BY received_at, number LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *connection)
    .await?;
    rows.iter()
        .map(|row| Ok(Waiting { id: row.try_get("id")?, document_kind: row.try_get("document_kind")? }))
        .collect()
}

/// The next running index of the orders of `day` (`YYYY-MM-DD`), locked until commit.
pub async fn next_order_index(connection: &mut AnyConnection, day: &str) -> Result<i64, CentralError> {
    let name = format!("producer_order:{day}");
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

/// Records a prepared order and puts the applications into it (those still waiting).
pub async fn prepare_order(
    connection: &mut AnyConnection,
    order_number: &str,
    message_id: &str,
    document_kind: &str,
    application_ids: &[String],
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO producer_orders (order_number, message_id, document_kind, state, created_at) \
         VALUES ($1, $2, $3, 'prepared', $4)",
    )
    .bind(order_number)
    .bind(message_id)
    .bind(document_kind)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    for id in application_ids {
        sqlx::query(
            "UPDATE applications SET order_number = $1, updated_at = $3 \
             WHERE id = $2 AND status = 'captured' AND order_number IS NULL",
        )
        .bind(order_number)
        .bind(id)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// An order to send (again).
pub struct PreparedOrder {
    pub order_number: String,
    pub message_id: String,
    pub document_kind: String,
}

pub async fn prepared_orders(db: &Db) -> Result<Vec<PreparedOrder>, CentralError> {
    let rows = sqlx::query(
        "SELECT order_number, message_id, document_kind FROM producer_orders WHERE state = 'prepared' \
         ORDER BY created_at, order_number",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(PreparedOrder {
                order_number: row.try_get("order_number")?,
                message_id: row.try_get("message_id")?,
                document_kind: row.try_get("document_kind")?,
            })
        })
        .collect()
}

/// What an order carries of one application: its validated data and the accepted photo.
pub struct OrderedApplication {
    pub id: String,
    pub number: String,
    pub office_id: String,
    /// JSON of `schalter_application::Application`.
    pub data: String,
    pub photo_sha256: String,
    /// JSON of the fingerprint outcomes; none for an application recorded before they were.
    pub biometrics: Option<String>,
    pub signature_sha256: Option<String>,
}

pub async fn order_applications(db: &Db, order_number: &str) -> Result<Vec<OrderedApplication>, CentralError> {
    // The photo accepted for the application's visit; if it was accepted twice, the later one.
    let rows = sqlx::query(
        "SELECT a.id, a.number, a.office_id, a.data, a.biometrics, a.signature_sha256, \
           (SELECT p.photo_sha256 FROM accepted_photos p WHERE p.photo_id = a.photo_id AND p.visit_id = a.visit_id \
            ORDER BY p.received_at DESC LIMIT 1) AS photo_sha256 \
         FROM applications a WHERE a.order_number = $1 AND a.status = 'captured' ORDER BY a.number",
    )
    .bind(order_number)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let photo: Option<String> = row.try_get("photo_sha256")?;
            Ok(OrderedApplication {
                id: row.try_get("id")?,
                number: row.try_get("number")?,
                office_id: row.try_get("office_id")?,
                data: row.try_get("data")?,
                photo_sha256: photo.ok_or_else(|| CentralError::Internal("application without photo".into()))?,
                biometrics: row.try_get("biometrics")?,
                signature_sha256: row.try_get("signature_sha256")?,
            })
        })
        .collect()
}

/// The producer copy made before, if any.
pub async fn producer_copy(db: &Db, application_id: &str) -> Result<Option<Vec<u8>>, CentralError> {
    let row = sqlx::query("SELECT producer_jp2 FROM application_photos WHERE application_id = $1")
        .bind(application_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|row| row.try_get("producer_jp2")).transpose()?)
}

pub async fn store_producer_copy(
    db: &Db,
    application_id: &str,
    register_sha256: &str,
    jp2: &[u8],
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO application_photos (application_id, register_sha256, producer_jp2, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (application_id) DO UPDATE SET \
           register_sha256 = excluded.register_sha256, producer_jp2 = excluded.producer_jp2, created_at = excluded.created_at",
    )
    .bind(application_id)
    .bind(register_sha256)
    .bind(jp2)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Marks an order `sent` or `refused`.
pub async fn set_order_state(
    connection: &mut AnyConnection,
    order_number: &str,
    state: &str,
    now: i64,
) -> Result<(), CentralError> {
    sqlx::query("UPDATE producer_orders SET state = $2, sent_at = $3 WHERE order_number = $1")
        .bind(order_number)
        .bind(state)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The ids of an order's applications that are still waiting for its answer.
pub async fn order_application_ids(
    connection: &mut AnyConnection,
    order_number: &str,
) -> Result<Vec<String>, CentralError> {
    let rows = sqlx::query("SELECT id FROM applications WHERE order_number = $1 AND status = 'captured'")
        .bind(order_number)
        .fetch_all(&mut *connection)
        .await?;
    rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
}

/// An application's status and what its feed entry names.
pub struct StatusRow {
    pub id: Uuid,
    pub number: String,
    pub provisional_number: String,
    pub office_id: String,
    pub document_kind: String,
    pub status: String,
}

/// Looks an application up by id or, with `by_number`, by its number (the producer's AntragsID).
pub async fn status_row(
    connection: &mut AnyConnection,
    key: &str,
    by_number: bool,
) -> Result<Option<StatusRow>, CentralError> {
    let sql = if by_number {
        "SELECT id, number, provisional_number, office_id, document_kind, status FROM applications WHERE number = $1"
    } else {
        "SELECT id, number, provisional_number, office_id, document_kind, status FROM applications WHERE id = $1"
    };
    let Some(row) = sqlx::query(sql).bind(key).fetch_optional(&mut *connection).await? else {
        return Ok(None);
    };
    let id: String = row.try_get("id")?;
    Ok(Some(StatusRow {
        id: Uuid::parse_str(&id).map_err(|_| CentralError::Internal("malformed application id".into()))?,
        number: row.try_get("number")?,
        provisional_number: row.try_get("provisional_number")?,
        office_id: row.try_get("office_id")?,
        document_kind: row.try_get("document_kind")?,
        status: row.try_get("status")?,
    }))
}

/// Writes a new status (and its reason); a rejection also takes the application out of its order
/// so that, corrected, it goes into a new one.
pub async fn write_status(
    connection: &mut AnyConnection,
    id: Uuid,
    status: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<(), CentralError> {
    let sql = if status == "rejected" {
        "UPDATE applications SET status = $2, status_reason = $3, order_number = NULL, updated_at = $4 WHERE id = $1"
    } else {
        "UPDATE applications SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1"
    };
    sqlx::query(sql).bind(id.to_string()).bind(status).bind(reason).bind(now).execute(&mut *connection).await?;
    Ok(())
}

/// Records a delivered document: its serial number and, for ID cards, the sealed Sperrkennwort.
pub async fn record_delivered_document(
    connection: &mut AnyConnection,
    id: Uuid,
    serial_number: &str,
    sperrkennwort_sealed: Option<&str>,
) -> Result<(), CentralError> {
    sqlx::query("UPDATE applications SET serial_number = $2, sperrkennwort_sealed = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(serial_number)
        .bind(sperrkennwort_sealed)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Records a delivery notice; `false` if it was recorded before.
pub async fn insert_delivery(
    connection: &mut AnyConnection,
    delivery_id: &str,
    order_number: &str,
    now: i64,
) -> Result<bool, CentralError> {
    let inserted = sqlx::query(
        "INSERT INTO producer_deliveries (delivery_id, order_number, acknowledged, received_at) \
         VALUES ($1, $2, FALSE, $3) ON CONFLICT (delivery_id) DO NOTHING",
    )
    .bind(delivery_id)
    .bind(order_number)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn unacknowledged_deliveries(db: &Db) -> Result<Vec<String>, CentralError> {
    let rows = sqlx::query(
        "SELECT delivery_id FROM producer_deliveries WHERE acknowledged = FALSE ORDER BY received_at, delivery_id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|row| Ok(row.try_get("delivery_id")?)).collect()
}

pub async fn mark_acknowledged(db: &Db, delivery_id: &str) -> Result<(), CentralError> {
    sqlx::query("UPDATE producer_deliveries SET acknowledged = TRUE WHERE delivery_id = $1")
        .bind(delivery_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The cursor after which the mailbox is read next.
pub async fn mailbox_cursor(db: &Db) -> Result<i64, CentralError> {
    let row = sqlx::query("SELECT value FROM sync_counters WHERE name = $1")
        .bind(MAILBOX_CURSOR)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|row| row.try_get("value")).transpose()?.unwrap_or(0))
}

/// Moves the mailbox cursor, in the transaction that applied the message.
pub async fn set_mailbox_cursor(connection: &mut AnyConnection, cursor: i64) -> Result<(), CentralError> {
    sqlx::query(
        "INSERT INTO sync_counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(MAILBOX_CURSOR)
    .bind(cursor)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// What the producer side of an application holds, for tests and operators (the Sperrkennwort
/// only sealed).
#[derive(Debug, Clone)]
pub struct ProducerRecord {
    pub number: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub order_number: Option<String>,
    pub serial_number: Option<String>,
    pub sperrkennwort_sealed: Option<String>,
}

impl Db {
    pub async fn producer_record(&self, application_id: Uuid) -> Result<Option<ProducerRecord>, CentralError> {
        let row = sqlx::query(
            "SELECT number, status, status_reason, order_number, serial_number, sperrkennwort_sealed \
             FROM applications WHERE id = $1",
        )
        .bind(application_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ProducerRecord {
                number: row.try_get("number")?,
                status: row.try_get("status")?,
                status_reason: row.try_get("status_reason")?,
                order_number: row.try_get("order_number")?,
                serial_number: row.try_get("serial_number")?,
                sperrkennwort_sealed: row.try_get("sperrkennwort_sealed")?,
            })
        })
        .transpose()
    }

    /// The producer copy stored for an application.
    pub async fn stored_producer_copy(&self, application_id: Uuid) -> Result<Option<Vec<u8>>, CentralError> {
        producer_copy(self, &application_id.to_string()).await
    }

    /// Orders by state, for tests and operators: `(order_number, document_kind, state)`.
    pub async fn producer_orders(&self) -> Result<Vec<(String, String, String)>, CentralError> {
        let rows = sqlx::query("SELECT order_number, document_kind, state FROM producer_orders ORDER BY order_number")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("order_number")?, row.try_get("document_kind")?, row.try_get("state")?)))
            .collect()
    }
}
