//! The applications' way to the document producer and back (XhD, domain.md §3.7 and §6.1).
//!
//! [`ProducerWorker::run_once`] is one round, run by one API instance at a time (a lease row):
//! 1. captured applications not in an order yet are cut into orders (one document type, 1–150;
//!    `schalter_application::order::orders`) and numbered, in one transaction (`prepared`);
//! 2. each prepared order is built (the producer copy of each photo made once, 622 × 800 JPEG 2000,
//!    `schalter_portrait`) and sent; the producer's receipt makes it `sent` and its applications
//!    `sent`; an unreachable producer leaves it prepared, sent again next round under the same
//!    number (the producer answers a repeated order as the first time);
//! 3. the producer's mailbox is read from the stored cursor; each message is applied with the
//!    cursor's move in one transaction (decisions → accepted / rejected with the reason,
//!    production → in production, delivery → delivered with the serial number and, for ID cards,
//!    the sealed Sperrkennwort);
//! 4. each delivery is acknowledged (Quittierung), again until the producer took it.
//!
//! Every status change goes into the change feed, so desks see it with their next pull.
//! [`Producer`] is the boundary: [`http::XhdHttpProducer`] speaks the interface of
//! `schalter_wire::producer` (the simulator `schalter-producer-sim` implements its other side).

pub mod http;

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use schalter_application::{order::orders, Application, ApplicationStatus, DocumentKind, OrderNumber, Residence};
use schalter_wire::application::{Biometrics, FingerprintOutcomes};
use schalter_wire::producer::{
    Anschrift, Antrag, Bestellbestaetigung, BestellungDokument, Dokumentdaten, Erfassungssoftware, Nachricht,
    Personendaten, Postfach, Quittierung,
};
use time::OffsetDateTime;

use crate::applications::change_status;
use crate::db::producer as sql;
use crate::secrets::SecretsKey;
use crate::{CentralError, Clock, Db};

/// The other side: the producer's interface.
pub trait Producer: Send + Sync {
    /// Sends an order; the producer's receipt, or `ProducerRefused` for an order refused whole.
    fn order(
        &self,
        order: &BestellungDokument,
    ) -> impl Future<Output = Result<Bestellbestaetigung, CentralError>> + Send;
    /// The messages after `cursor`.
    fn mailbox(&self, cursor: i64) -> impl Future<Output = Result<Postfach, CentralError>> + Send;
    fn acknowledge(&self, acknowledgement: &Quittierung) -> impl Future<Output = Result<(), CentralError>> + Send;
}

/// Who orders, as the order names it.
#[derive(Debug, Clone)]
pub struct OrderingAuthority {
    /// The 4-character authority code at the head of every order number.
    pub authority_code: String,
    /// The issuing authority as printed on the document.
    pub authority_name: String,
    pub software: Erfassungssoftware,
}

impl OrderingAuthority {
    pub fn new(authority_code: &str, authority_name: &str) -> Result<Self, CentralError> {
        if !schalter_application::order::valid_authority_code(authority_code) {
            return Err(CentralError::Internal("the authority code is 4 capital letters or digits".into()));
        }
        Ok(Self {
            authority_code: authority_code.to_owned(),
            authority_name: authority_name.to_owned(),
            software: Erfassungssoftware {
                komponente: "Schalter".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                bsi_kennung: None,
            },
        })
    }
}

/// What one round did, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub leased: bool,
    pub orders_prepared: usize,
    pub orders_sent: usize,
    pub messages_applied: usize,
    pub deliveries_acknowledged: usize,
}

/// The lease's name and how long one round may hold it.
const LEASE: &str = "producer";
/// Applications taken into orders per round (ten full orders).
const ORDER_BATCH: i64 = 1500;

pub struct ProducerWorker<P> {
    db: Db,
    producer: P,
    secrets: SecretsKey,
    authority: OrderingAuthority,
    clock: Clock,
    /// This instance's name on the lease.
    holder: String,
    lease_seconds: i64,
}

impl<P: Producer> ProducerWorker<P> {
    pub fn new(db: Db, producer: P, secrets: SecretsKey, authority: OrderingAuthority, clock: Clock) -> Self {
        Self {
            db,
            producer,
            secrets,
            authority,
            clock,
            holder: format!("central-{}", uuid::Uuid::now_v7()),
            lease_seconds: 60,
        }
    }

    /// Rounds every `every` until the process ends; a failed round is logged and the next one
    /// starts from what the database says.
    pub async fn run(self, every: Duration) {
        self.run_with_lease(every, every.as_secs().max(1) as i64 * 3).await
    }

    async fn run_with_lease(mut self, every: Duration, lease_seconds: i64) {
        self.lease_seconds = lease_seconds.max(self.lease_seconds);
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.run_once().await {
                Ok(round) if round != Round { leased: true, ..Round::default() } && round.leased => {
                    tracing::info!(?round, "producer round")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(code = error.code(), error = %error, "producer round failed"),
            }
        }
    }

    /// One round (see the module documentation).
    pub async fn run_once(&self) -> Result<Round, CentralError> {
        let now = self.clock.now();
        if !sql::take_lease(&self.db, LEASE, &self.holder, now, now + self.lease_seconds).await? {
            return Ok(Round::default());
        }
        let mut round = Round { leased: true, ..Round::default() };
        round.orders_prepared = self.prepare_orders(now).await?;
        for order in sql::prepared_orders(&self.db).await? {
            match self.send(&order).await {
                Ok(()) => round.orders_sent += 1,
                Err(error) => {
                    tracing::warn!(order_number = %order.order_number, code = error.code(), error = %error, "order not sent")
                }
            }
        }
        round.messages_applied = self.read_mailbox().await?;
        round.deliveries_acknowledged = self.acknowledge_deliveries().await?;
        Ok(round)
    }

    async fn prepare_orders(&self, now: i64) -> Result<usize, CentralError> {
        let mut tx = self.db.begin().await?;
        let waiting = sql::waiting_for_order(&mut tx, ORDER_BATCH).await?;
        let waiting = waiting.into_iter().filter_map(|w| DocumentKind::parse(&w.document_kind).ok().map(|k| (k, w.id)));
        let cut = orders(waiting);
        if cut.is_empty() {
            return Ok(0);
        }
        let at = OffsetDateTime::from_unix_timestamp(now).map_err(|e| CentralError::Internal(e.to_string()))?;
        let day = at.date().to_string();
        for (kind, ids) in &cut {
            let index = sql::next_order_index(&mut tx, &day).await?;
            let number = OrderNumber::new(
                &self.authority.authority_code,
                u32::try_from(index).unwrap_or(u32::MAX),
                time::PrimitiveDateTime::new(at.date(), at.time()),
            )
            .map_err(|e| CentralError::Internal(e.to_string()))?;
            let message_id = uuid::Uuid::now_v7().to_string();
            sql::prepare_order(&mut tx, number.as_str(), &message_id, kind.key(), ids, now).await?;
            tracing::info!(order_number = %number, document_kind = kind.key(), applications = ids.len(), "order prepared");
        }
        tx.commit().await?;
        Ok(cut.len())
    }

    async fn send(&self, order: &sql::PreparedOrder) -> Result<(), CentralError> {
        let applications = sql::order_applications(&self.db, &order.order_number).await?;
        let now = self.clock.now();
        if applications.is_empty() {
            let mut tx = self.db.begin().await?;
            sql::set_order_state(&mut tx, &order.order_number, "empty", now).await?;
            tx.commit().await?;
            return Ok(());
        }
        let kind = DocumentKind::parse(&order.document_kind)
            .map_err(|_| CentralError::Internal("unknown document kind in an order".into()))?;
        let mut antraege = Vec::with_capacity(applications.len());
        for application in &applications {
            antraege.push(self.order_entry(application, now).await?);
        }
        let bestellung = BestellungDokument {
            nachricht_id: order.message_id.clone(),
            bestellnummer: order.order_number.clone(),
            behoerde: applications[0].office_id.clone(),
            dokumentart: kind.key().to_owned(),
            express: kind.is_express(),
            software: self.authority.software.clone(),
            antraege,
        };
        match self.producer.order(&bestellung).await {
            Ok(_receipt) => {
                let mut tx = self.db.begin().await?;
                sql::set_order_state(&mut tx, &order.order_number, "sent", now).await?;
                for id in sql::order_application_ids(&mut tx, &order.order_number).await? {
                    if let Some(row) = sql::status_row(&mut tx, &id, false).await? {
                        change_status(&mut tx, &row, ApplicationStatus::Sent, None, now).await?;
                    }
                }
                tx.commit().await?;
                tracing::info!(order_number = %order.order_number, "order sent");
                Ok(())
            }
            Err(CentralError::ProducerRefused { number, text }) => {
                // Refused whole: every application in it is rejected with the producer's reason and
                // can be corrected and ordered again.
                let reason = format!("{number}: {text}");
                let mut tx = self.db.begin().await?;
                sql::set_order_state(&mut tx, &order.order_number, "refused", now).await?;
                for id in sql::order_application_ids(&mut tx, &order.order_number).await? {
                    if let Some(row) = sql::status_row(&mut tx, &id, false).await? {
                        // Captured → rejected is not a lifecycle step; the refused order counts as sent.
                        change_status(&mut tx, &row, ApplicationStatus::Sent, None, now).await?;
                        if let Some(row) = sql::status_row(&mut tx, &id, false).await? {
                            change_status(&mut tx, &row, ApplicationStatus::Rejected, Some(&reason), now).await?;
                        }
                    }
                }
                tx.commit().await?;
                tracing::warn!(order_number = %order.order_number, fehlernummer = number, "order refused by the producer");
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// One application as the order carries it; its producer copy is made the first time.
    async fn order_entry(&self, ordered: &sql::OrderedApplication, now: i64) -> Result<Antrag, CentralError> {
        let application: Application = serde_json::from_str(&ordered.data)
            .map_err(|_| CentralError::Internal("malformed application in database".into()))?;
        let jp2 = match sql::producer_copy(&self.db, &ordered.id).await? {
            Some(jp2) => jp2,
            None => {
                let register = self
                    .db
                    .blob_bytes(&ordered.photo_sha256)
                    .await?
                    .ok_or_else(|| CentralError::Internal("accepted photo missing".into()))?;
                let copy = tokio::task::spawn_blocking(move || schalter_portrait::producer_copy(&register))
                    .await
                    .map_err(|e| CentralError::Internal(e.to_string()))?
                    .map_err(|e| CentralError::Internal(format!("producer copy: {}", e.code())))?;
                sql::store_producer_copy(&self.db, &ordered.id, &ordered.photo_sha256, &copy.jp2, now).await?;
                copy.jp2
            }
        };
        let fingerprints: FingerprintOutcomes = match &ordered.biometrics {
            Some(json) => serde_json::from_str(json)
                .map_err(|_| CentralError::Internal("malformed biometrics in database".into()))?,
            None => Biometrics::default().fingerprints,
        };
        let signature = match &ordered.signature_sha256 {
            Some(sha256) => Some(
                self.db.blob_bytes(sha256).await?.ok_or_else(|| CentralError::Internal("signature missing".into()))?,
            ),
            None => None,
        };
        Ok(Antrag {
            antrags_id: ordered.number.clone(),
            person: person_data(&application),
            dokument: document_data(&application, &self.authority.authority_name),
            lichtbild_jp2: base64::engine::general_purpose::STANDARD.encode(jp2),
            unterschrift_jpeg: signature.map(|jpeg| base64::engine::general_purpose::STANDARD.encode(jpeg)),
            fingerabdruecke: fingerprints.into(),
        })
    }

    async fn read_mailbox(&self) -> Result<usize, CentralError> {
        let mut applied = 0;
        loop {
            let cursor = sql::mailbox_cursor(&self.db).await?;
            let page = self.producer.mailbox(cursor).await?;
            let moved_on = page.nachrichten.iter().any(|entry| entry.cursor > cursor);
            for entry in &page.nachrichten {
                if entry.cursor <= cursor {
                    continue;
                }
                let mut tx = self.db.begin().await?;
                self.apply(&mut tx, &entry.nachricht).await?;
                sql::set_mailbox_cursor(&mut tx, entry.cursor).await?;
                tx.commit().await?;
                applied += 1;
            }
            // A page that brings nothing new would be asked for again and again: the next round tries later.
            if !page.weitere || !moved_on {
                return Ok(applied);
            }
        }
    }

    async fn apply(&self, connection: &mut sqlx::AnyConnection, message: &Nachricht) -> Result<(), CentralError> {
        let now = self.clock.now();
        match message {
            Nachricht::Auftragsinformation { bestellnummer, ergebnisse, .. } => {
                for result in ergebnisse {
                    let Some(row) = sql::status_row(connection, &result.antrags_id, true).await? else {
                        tracing::warn!(%bestellnummer, "decision on an unknown application");
                        continue;
                    };
                    if result.angenommen {
                        change_status(connection, &row, ApplicationStatus::Accepted, None, now).await?;
                    } else {
                        let reason = rejection_reason(result.fehlernummer, result.fehlertext.as_deref());
                        change_status(connection, &row, ApplicationStatus::Rejected, Some(&reason), now).await?;
                    }
                }
            }
            Nachricht::Produktionsinformation { antrags_ids, .. } => {
                for number in antrags_ids {
                    if let Some(row) = sql::status_row(connection, number, true).await? {
                        change_status(connection, &row, ApplicationStatus::InProduction, None, now).await?;
                    }
                }
            }
            Nachricht::Lieferinformation { lieferung_id, bestellnummer, dokumente, .. } => {
                sql::insert_delivery(connection, lieferung_id, bestellnummer, now).await?;
                for document in dokumente {
                    let Some(row) = sql::status_row(connection, &document.antrags_id, true).await? else {
                        tracing::warn!(%lieferung_id, "delivery of an unknown application");
                        continue;
                    };
                    let sealed = match (&document.sperrkennwort, &document.sperrsumme) {
                        (Some(word), sum) => {
                            let secret = serde_json::json!({ "sperrkennwort": word, "sperrsumme": sum }).to_string();
                            Some(self.secrets.seal(&secret, &row.id.to_string())?)
                        }
                        (None, _) => None,
                    };
                    if change_status(connection, &row, ApplicationStatus::Delivered, None, now).await? {
                        sql::record_delivered_document(connection, row.id, &document.seriennummer, sealed.as_deref())
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn acknowledge_deliveries(&self) -> Result<usize, CentralError> {
        let mut acknowledged = 0;
        for delivery_id in sql::unacknowledged_deliveries(&self.db).await? {
            let acknowledgement =
                Quittierung { nachricht_id: uuid::Uuid::now_v7().to_string(), lieferung_id: delivery_id.clone() };
            match self.producer.acknowledge(&acknowledgement).await {
                Ok(()) => {
                    sql::mark_acknowledged(&self.db, &delivery_id).await?;
                    acknowledged += 1;
                }
                Err(error) => {
                    tracing::warn!(%delivery_id, code = error.code(), "delivery not acknowledged yet");
                }
            }
        }
        Ok(acknowledged)
    }

    /// Opens the sealed Sperrkennwort of an application (for the handout's accompanying letter).
    pub fn open_sperrkennwort(&self, application_id: uuid::Uuid, sealed: &str) -> Result<String, CentralError> {
        self.secrets.open(sealed, &application_id.to_string())
    }
}

/// What the clerk reads: `<number>: <text>`, the text cut to XhD's 80 characters.
fn rejection_reason(number: Option<u32>, text: Option<&str>) -> String {
    let text: String = text.unwrap_or("ohne Begründung").chars().take(80).collect();
    match number {
        Some(number) => format!("{number}: {text}"),
        None => text,
    }
}

fn person_data(application: &Application) -> Personendaten {
    let a = application.applicant();
    let birth = &a.date_of_birth;
    let two = |part: Option<u8>| part.map(|v| format!("{v:02}")).unwrap_or_else(|| "XX".into());
    Personendaten {
        familienname: a.family_name.to_string(),
        geburtsname: a.birth_name.as_ref().map(ToString::to_string),
        vornamen: a.given_names.to_string(),
        doktorgrad: a.doctoral_degree.as_ref().map(ToString::to_string),
        ordens_oder_kuenstlername: a.religious_name.as_ref().map(ToString::to_string),
        geburtsdatum: format!("{:04}-{}-{}", birth.year(), two(birth.month()), two(birth.day())),
        geburtsort: a.place_of_birth.to_string(),
        geschlecht: a.sex.map(|sex| sex.code().to_owned()),
        groesse_cm: match a.height {
            schalter_application::Height::Centimetres(cm) => Some(cm),
            schalter_application::Height::NotDeterminable => None,
        },
        augenfarbe: a.eye_colour.is_determinable().then(|| a.eye_colour.to_string()),
        anschrift: match &a.residence {
            Residence::Germany(address) => Some(Anschrift {
                strasse: address.street.to_string(),
                postleitzahl: address.postal_code.to_string(),
                ort: address.place.to_string(),
            }),
            _ => None,
        },
        staatsangehoerigkeit: a.nationality.icao_code().to_owned(),
    }
}

fn document_data(application: &Application, authority_name: &str) -> Dokumentdaten {
    let rules = application.rules();
    Dokumentdaten {
        gueltig_bis: rules.validity.last_valid_day(application.application_date()).to_string(),
        behoerde: authority_name.to_owned(),
        eid_eingeschaltet: application
            .document_kind()
            .is_id_card()
            .then_some(matches!(rules.eid, schalter_application::rules::Eid::On)),
        pin_brief_ausgehaendigt: application.pin_letter_handed_over(),
    }
}
