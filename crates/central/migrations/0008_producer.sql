-- The way of an application through the document producer (issue 9): orders (Bestellung) of one
-- document type each, the producer copy of the photo, deliveries and their acknowledgement, and
-- which worker instance may talk to the producer (several API instances share one database).

-- One row per order. 'prepared': numbered and its applications chosen, not yet answered by the
-- producer (sent again, with the same number, until it is); 'sent': the producer took it;
-- 'refused': the producer refused the order as a whole (its applications are rejected).
CREATE TABLE producer_orders (
    order_number  TEXT PRIMARY KEY,   -- Bestellnummer, 28 characters
    message_id    TEXT NOT NULL,
    document_kind TEXT NOT NULL,
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT
);
CREATE INDEX producer_orders_state ON producer_orders (state);

ALTER TABLE applications ADD COLUMN order_number TEXT;
-- The document's serial number from the delivery notice.
ALTER TABLE applications ADD COLUMN serial_number TEXT;
-- ID cards: Sperrkennwort and Sperrsumme from the delivery notice, AES-256-GCM sealed with the
-- central's secrets key (crates/central/src/secrets.rs); never stored or logged in the clear.
ALTER TABLE applications ADD COLUMN sperrkennwort_sealed TEXT;

-- The producer copy of the accepted photo: exactly 622 x 800 JPEG 2000 (TR-03121 COD-FI-PRD), made
-- once and checked by decoding. The register copy is the accepted JPEG itself (accepted_photos.photo_sha256).
CREATE TABLE application_photos (
    application_id  TEXT PRIMARY KEY REFERENCES applications (id),
    register_sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    producer_jp2    BYTEA NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Delivery notices (Lieferinformation) and whether their Quittierung reached the producer.
CREATE TABLE producer_deliveries (
    delivery_id   TEXT PRIMARY KEY,
    order_number  TEXT NOT NULL,
    acknowledged  BOOLEAN NOT NULL DEFAULT FALSE,
    received_at   BIGINT NOT NULL
);

-- Work only one instance may do at a time: held until expires_at, renewed by its holder.
CREATE TABLE worker_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
