-- Sync protocol (DESIGN §4): devices and their applied mutations, the change feed, accepted
-- photos, and content-addressed blobs uploaded in parts. Portable SQL like 0001.

-- When a desk says something happened (its clock, sent with a synced mutation); `at` stays the server's.
ALTER TABLE audit_events ADD COLUMN occurred_at BIGINT;

-- One row per desk device. Every push locks its device's row first, so pushes of one device
-- run one after another; the first push binds the device id to the desk certificate.
CREATE TABLE sync_devices (
    device_id        TEXT PRIMARY KEY,
    desk_fingerprint TEXT,              -- SHA-256 of the desk certificate; NULL only without TLS (router tests)
    last_seq         BIGINT NOT NULL,   -- highest sequence answered (applied or rejected)
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- Each answered mutation with its result, so a replay gets the same answer.
CREATE TABLE sync_mutations (
    device_id     TEXT NOT NULL REFERENCES sync_devices (device_id),
    seq           BIGINT NOT NULL,
    mutation_id   TEXT NOT NULL,        -- the desk's UUIDv7
    kind          TEXT NOT NULL,
    clerk_id      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    response      TEXT,                 -- JSON, when applying produced something
    error_code    TEXT,                 -- rejected: the code and German message answered
    error_message TEXT,
    occurred_at   BIGINT NOT NULL,      -- the desk's clock
    received_at   BIGINT NOT NULL,      -- the server's clock
    PRIMARY KEY (device_id, seq),
    CONSTRAINT sync_mutations_id_unique UNIQUE (mutation_id)
);

-- Counters handed out inside transactions; updating a row locks it until commit, which keeps
-- the feed's cursor order equal to commit order (crates/central/src/db/feed.rs).
CREATE TABLE sync_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO sync_counters (name, value) VALUES ('change_feed', 0);

CREATE TABLE sync_changes (
    feed_cursor BIGINT PRIMARY KEY,
    entity      TEXT NOT NULL,          -- e.g. clerk
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    data        TEXT,                   -- JSON of the new state; NULL on delete
    changed_at  BIGINT NOT NULL
);

-- Content-addressed blobs, uploaded tus-style in parts; `complete` once the SHA-256 matched.
CREATE TABLE blobs (
    sha256        TEXT PRIMARY KEY,     -- 64 lower-case hex digits
    upload_length BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL,
    complete      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    completed_at  BIGINT
);

-- The parts as uploaded, one row each (no concatenation in SQL, which SQLite does badly for BLOBs).
CREATE TABLE blob_chunks (
    sha256       TEXT NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    bytes        BYTEA NOT NULL,
    PRIMARY KEY (sha256, start_offset)
);

-- Photos clerks accepted (mutation photo.accept); the image is the blob photo_sha256.
CREATE TABLE accepted_photos (
    mutation_id            TEXT PRIMARY KEY,
    photo_id               TEXT NOT NULL,
    visit_id               TEXT NOT NULL,
    photo_sha256           TEXT NOT NULL REFERENCES blobs (sha256),
    media_type             TEXT NOT NULL,
    override_failed_checks BOOLEAN NOT NULL,
    clerk_id               TEXT NOT NULL,
    desk_fingerprint       TEXT,
    occurred_at            BIGINT NOT NULL,
    received_at            BIGINT NOT NULL
);
CREATE INDEX accepted_photos_photo ON accepted_photos (photo_id);
