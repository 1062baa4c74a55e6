-- The reference photo cloud. Portable SQL (SQLite and PostgreSQL share it) except the
-- BLOB type, which PostgreSQL spells BYTEA. Times are Unix seconds (UTC).

-- Cloud-wide values that must stay fixed, e.g. the cloud-service UUID of every Nutzerkennung.
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A studio (provider account), recognised by the subject of its client certificates, so a
-- renewed certificate keeps the account.
CREATE TABLE studio_accounts (
    subject_sha256 TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- A registered user at a studio: one per client certificate.
CREATE TABLE studio_users (
    cert_sha256 TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES studio_accounts (account_id),
    user_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Only ciphertext: the key exists only in the printed code. `ciphertext` becomes NULL as soon
-- as the photo is deleted or purged; the row stays as a byte-free tombstone for the audit.
CREATE TABLE photos (
    id TEXT PRIMARY KEY,
    ciphertext BLOB NULL,
    user_identifier TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    -- When the photo disappears at the latest: six months after upload, or earlier after a
    -- retention request for a shorter time.
    expires_at BIGINT NOT NULL,
    keep_until TEXT NULL,
    deleted_at BIGINT NULL
);

CREATE INDEX photos_expires_at ON photos (expires_at);

-- Who did what to which photo. Never bytes, never keys.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    -- Organisation key (`psb:05111000_00`), `studio:<account uuid>` or `system`.
    actor TEXT NOT NULL,
    -- SHA-256 of the client certificate (identifies the desk or workstation), if any.
    client_cert_sha256 TEXT NULL,
    action TEXT NOT NULL,
    photo_id TEXT NULL
);

CREATE INDEX audit_events_photo ON audit_events (photo_id);
