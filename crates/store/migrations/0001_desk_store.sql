-- The desk's local store. Portable SQL (SQLite and PostgreSQL): TEXT ids, BIGINT Unix milliseconds,
-- no AUTOINCREMENT. The whole file is encrypted by SQLCipher; nothing here is readable without the data key.

-- One row per setting of this store: device_id, created_at.
CREATE TABLE store_meta (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

-- The per-device mutation sequence. Kept apart from `mutations` so that purging acknowledged
-- mutations can never hand out a sequence number twice.
CREATE TABLE outbox_sequence (
    device_id   TEXT PRIMARY KEY,
    last_seq    BIGINT NOT NULL CHECK (last_seq >= 0)
);

-- The outbox: every local change is described by one mutation, written in the same transaction.
CREATE TABLE mutations (
    device_id       TEXT NOT NULL,
    seq             BIGINT NOT NULL CHECK (seq > 0),   -- per device: 1, 2, 3, … without gaps
    id              TEXT NOT NULL,                     -- UUIDv7 made at the desk
    kind            TEXT NOT NULL CHECK (length(kind) > 0),
    payload         TEXT NOT NULL,                     -- JSON; may carry personal data
    occurred_at     BIGINT NOT NULL,                   -- when it happened at the desk
    created_at      BIGINT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'replayed', 'rejected')),
    response        TEXT,                              -- JSON answer of the server (applied / replayed)
    error_code      TEXT,                              -- rejected: the server's code
    error_message   TEXT,                              -- rejected: the server's message
    settled_at      BIGINT,                            -- when the server's answer arrived
    PRIMARY KEY (device_id, seq),
    CONSTRAINT mutations_id_unique UNIQUE (id)
);
CREATE INDEX mutations_state_seq ON mutations (state, seq);

-- Photo and other blobs, content addressed. Acknowledged = the server holds the complete blob.
CREATE TABLE blobs (
    sha256          TEXT PRIMARY KEY,                  -- lower-case hex of SHA-256(bytes)
    bytes           BLOB NOT NULL,
    size            BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    acknowledged_at BIGINT
);

-- Local records (visits, applications, …) as JSON documents. A record written together with a mutation
-- remembers that mutation's seq; it counts as acknowledged once that mutation is applied or replayed.
CREATE TABLE records (
    entity          TEXT NOT NULL CHECK (length(entity) > 0),
    id              TEXT NOT NULL,
    data            TEXT NOT NULL,                     -- JSON; may carry personal data
    updated_at      BIGINT NOT NULL,
    pending_seq     BIGINT,                            -- seq of the last mutation that wrote this record
    acknowledged_at BIGINT,                            -- set when that mutation is acknowledged; NULL again on the next write
    PRIMARY KEY (entity, id)
);
CREATE INDEX records_pending_seq ON records (pending_seq);
CREATE INDEX records_acknowledged ON records (acknowledged_at);

-- Which blobs a record refers to (e.g. the accepted photo of an application).
CREATE TABLE record_blobs (
    entity      TEXT NOT NULL,
    id          TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (entity, id, sha256),
    FOREIGN KEY (entity, id) REFERENCES records (entity, id) ON DELETE CASCADE
);
CREATE INDEX record_blobs_sha256 ON record_blobs (sha256);

-- Side jobs retried with exponential backoff, e.g. "delete photo X in the cloud".
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,                  -- UUIDv7
    kind            TEXT NOT NULL CHECK (length(kind) > 0),
    payload         TEXT NOT NULL,                     -- JSON; ids, never personal data
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX jobs_due ON jobs (state, next_attempt_at);
