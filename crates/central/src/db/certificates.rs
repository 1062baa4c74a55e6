//! SQL of the certificate registry (migrations 0018, 0019): the desk and box terminal certificates the
//! city's CA issued through `schalter-admin`, their revocation, the CRL's number, and renewals.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::Db;
use crate::CentralError;

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKind {
    Desk,
    Box,
}

impl CertificateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Desk => "desk",
            CertificateKind::Box => "box",
        }
    }

    fn parse(raw: &str) -> Result<Self, CentralError> {
        match raw {
            "desk" => Ok(CertificateKind::Desk),
            "box" => Ok(CertificateKind::Box),
            _ => Err(CentralError::Internal("unknown certificate kind in database".into())),
        }
    }
}

/// One issued certificate as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// SHA-256 of the DER, lower-case hex (what the TLS acceptor reports).
    pub fingerprint: String,
    /// Lower-case hex, as in the CRL.
    pub serial: String,
    pub kind: CertificateKind,
    pub name: String,
    pub office_id: String,
    pub box_id: Option<String>,
    pub issued_at: i64,
    pub not_after: i64,
    pub revoked_at: Option<i64>,
}

/// A registry entry with the last time its desk synchronised.
#[derive(Debug, Clone)]
pub struct ProvisionedDevice {
    pub certificate: CertificateRecord,
    /// The latest push or pull of a sync device bound to this certificate; `None`: never.
    pub last_sync_at: Option<i64>,
}

/// Which certificate to revoke.
#[derive(Debug, Clone)]
pub enum CertificateSelector {
    Fingerprint(String),
    Serial(String),
    Name(String),
}

const COLUMNS: &str = "fingerprint, serial, kind, name, office_id, box_id, issued_at, not_after, revoked_at";

impl Db {
    /// Records a certificate the CA has just issued.
    pub async fn record_issued_certificate(&self, record: &CertificateRecord) -> Result<(), CentralError> {
        sqlx::query(
            "INSERT INTO issued_certificates \
               (fingerprint, serial, kind, name, office_id, box_id, issued_at, not_after, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&record.fingerprint)
        .bind(&record.serial)
        .bind(record.kind.as_str())
        .bind(&record.name)
        .bind(&record.office_id)
        .bind(record.box_id.as_deref())
        .bind(record.issued_at)
        .bind(record.not_after)
        .bind(record.revoked_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The registry entries `selector` names (a name may have been provisioned more than once).
    pub async fn find_certificates(
        &self,
        selector: &CertificateSelector,
    ) -> Result<Vec<CertificateRecord>, CentralError> {
        let (column, value) = match selector {
            CertificateSelector::Fingerprint(value) => ("fingerprint", value),
            CertificateSelector::Serial(value) => ("serial", value),
            CertificateSelector::Name(value) => ("name", value),
        };
        let sql =
            format!("SELECT {COLUMNS} FROM issued_certificates WHERE {column} = $1 ORDER BY issued_at, fingerprint");
        let rows = sqlx::query(&sql).bind(value).fetch_all(&self.pool).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Marks the certificate revoked at `now` (kept if it already was) and, in the same transaction,
    /// ends what it holds open: the sessions opened at that desk, and a box terminal's registration.
    /// Returns the entry, `None` if the registry does not know the fingerprint.
    pub async fn revoke_certificate(
        &self,
        fingerprint: &str,
        now: i64,
    ) -> Result<Option<CertificateRecord>, CentralError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE issued_certificates SET revoked_at = COALESCE(revoked_at, $2) WHERE fingerprint = $1 \
             RETURNING {COLUMNS}"
        ))
        .bind(fingerprint)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let record = record_from_row(&row)?;
        sqlx::query("DELETE FROM sessions WHERE desk_fingerprint = $1").bind(fingerprint).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM box_terminals WHERE certificate_fingerprint = $1")
            .bind(fingerprint)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, now, "certificate_revoked", &format!("sha256:{fingerprint}")).await?;
        tx.commit().await?;
        Ok(Some(record))
    }

    /// Whether the registry lists this fingerprint as revoked: one primary-key lookup, made on every
    /// login and authenticated call, since a keep-alive connection opened before the CRL changed is
    /// never handshaken again.
    pub async fn certificate_revoked(&self, fingerprint: &str) -> Result<bool, CentralError> {
        let row = sqlx::query(
            "SELECT 1 AS revoked FROM issued_certificates WHERE fingerprint = $1 AND revoked_at IS NOT NULL",
        )
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Every revoked certificate, `(serial, revoked_at)`, for the CRL.
    pub async fn revoked_certificates(&self) -> Result<Vec<(String, i64)>, CentralError> {
        let rows = sqlx::query(
            "SELECT serial, revoked_at FROM issued_certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok((row.try_get("serial")?, row.try_get("revoked_at")?))).collect()
    }

    /// The next CRL number (1, 2, …), counted in one statement so two admins never write the same.
    pub async fn next_crl_number(&self) -> Result<i64, CentralError> {
        let row = sqlx::query("UPDATE sync_counters SET value = value + 1 WHERE name = 'crl_number' RETURNING value")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// The office of pickup box `box_id`, `None` if there is no such box.
    pub async fn box_office(&self, box_id: &str) -> Result<Option<String>, CentralError> {
        let row = sqlx::query("SELECT office_id FROM pickup_boxes WHERE id = $1")
            .bind(box_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("office_id")).transpose()?)
    }

    /// Notes that the desk certificate `fingerprint` renews `replaces` (see [`Db::adopt_renewed_desk`]).
    pub async fn record_renewal(&self, fingerprint: &str, replaces: &str) -> Result<(), CentralError> {
        sqlx::query("INSERT INTO certificate_renewals (fingerprint, replaces) VALUES ($1, $2)")
            .bind(fingerprint)
            .bind(replaces)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// At a login with a renewed desk certificate: the desk takes over what the central keeps for the
    /// certificate it renews (the store key, the clerks who logged in there, the sync devices bound to
    /// it), once, oldest renewal first if several were issued before the desk used one. Returns the
    /// fingerprints taken over from; empty for every other login (one primary-key lookup).
    pub async fn adopt_renewed_desk(&self, fingerprint: &str, now: i64) -> Result<Vec<String>, CentralError> {
        // The chain of renewals not yet taken over, newest first; bounded against a cycle in the table.
        let mut chain: Vec<(String, String)> = Vec::new();
        let mut current = fingerprint.to_owned();
        while chain.len() < 16 {
            let row =
                sqlx::query("SELECT replaces FROM certificate_renewals WHERE fingerprint = $1 AND adopted_at IS NULL")
                    .bind(&current)
                    .fetch_optional(&self.pool)
                    .await?;
            let Some(row) = row else { break };
            let replaces: String = row.try_get("replaces")?;
            chain.push((current, replaces.clone()));
            current = replaces;
        }
        if chain.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let mut taken_over = Vec::new();
        for (new, old) in chain.iter().rev() {
            // First, and only if still open: two logins at once take over once.
            let claimed = sqlx::query(
                "UPDATE certificate_renewals SET adopted_at = $2 WHERE fingerprint = $1 AND adopted_at IS NULL",
            )
            .bind(new)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() == 0 {
                continue;
            }
            // SQLite needs the WHERE to read ON CONFLICT as the upsert clause.
            sqlx::query(
                "INSERT INTO desk_store_keys (desk_fingerprint, store_key, created_at)                  SELECT $1, store_key, $3 FROM desk_store_keys WHERE desk_fingerprint = $2                  ON CONFLICT (desk_fingerprint) DO NOTHING",
            )
            .bind(new)
            .bind(old)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO desk_clerks (desk_fingerprint, clerk_id, first_login_at, last_login_at)                  SELECT $1, clerk_id, first_login_at, last_login_at FROM desk_clerks WHERE desk_fingerprint = $2                  ON CONFLICT (desk_fingerprint, clerk_id) DO NOTHING",
            )
            .bind(new)
            .bind(old)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE sync_devices SET desk_fingerprint = $1 WHERE desk_fingerprint = $2")
                .bind(new)
                .bind(old)
                .execute(&mut *tx)
                .await?;
            audit(&mut tx, now, "desk_certificate_renewed", &format!("sha256:{old} -> sha256:{new}")).await?;
            taken_over.push(old.clone());
        }
        tx.commit().await?;
        Ok(taken_over)
    }

    /// Every provisioned desk and box terminal, by office and name, with its last synchronisation.
    pub async fn provisioned_devices(&self) -> Result<Vec<ProvisionedDevice>, CentralError> {
        let sql = format!(
            // The later of its last push and its last pull (a desk that only reads is in sync too).
            "SELECT {COLUMNS}, (SELECT MAX(CASE WHEN d.last_pulled_at > d.updated_at THEN d.last_pulled_at \
               ELSE d.updated_at END) FROM sync_devices d WHERE d.desk_fingerprint = c.fingerprint) AS last_sync_at \
             FROM issued_certificates c ORDER BY office_id, name, issued_at"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(ProvisionedDevice { certificate: record_from_row(row)?, last_sync_at: row.try_get("last_sync_at")? })
            })
            .collect()
    }
}

/// An audit row of the registry: done by City IT's tool, so no clerk and no desk.
async fn audit(
    connection: &mut sqlx::AnyConnection,
    now: i64,
    action: &str,
    subject: &str,
) -> Result<(), CentralError> {
    let entry =
        super::AuditEntry { at: now, occurred_at: None, clerk_id: None, desk: None, action, subject: Some(subject) };
    super::insert_audit(connection, &entry).await
}

fn record_from_row(row: &AnyRow) -> Result<CertificateRecord, CentralError> {
    Ok(CertificateRecord {
        fingerprint: row.try_get("fingerprint")?,
        serial: row.try_get("serial")?,
        kind: CertificateKind::parse(&row.try_get::<String, _>("kind")?)?,
        name: row.try_get("name")?,
        office_id: row.try_get("office_id")?,
        box_id: row.try_get("box_id")?,
        issued_at: row.try_get("issued_at")?,
        not_after: row.try_get("not_after")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}
