-- Portable SQL (SQLite and PostgreSQL): TEXT ids, BIGINT Unix seconds, no AUTOINCREMENT.

CREATE TABLE offices (
    id          TEXT PRIMARY KEY,          -- AGS + branch, e.g. 05111000_01
    name        TEXT NOT NULL,
    address     TEXT NOT NULL
);

CREATE TABLE clerks (
    id                  TEXT PRIMARY KEY,  -- UUID
    username            TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    office_id           TEXT NOT NULL REFERENCES offices (id),
    password_hash       TEXT NOT NULL,     -- Argon2id PHC string
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        BIGINT,
    created_at          BIGINT NOT NULL,
    CONSTRAINT clerks_username_unique UNIQUE (username)
);

CREATE TABLE sessions (
    token_hash          TEXT PRIMARY KEY,  -- SHA-256 hex of the bearer token; the token itself is never stored
    clerk_id            TEXT NOT NULL REFERENCES clerks (id) ON DELETE CASCADE,
    created_at          BIGINT NOT NULL,
    last_used_at        BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_clerk ON sessions (clerk_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Who did what, when. Never names, birth dates, phone numbers or secrets: ids only.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,              -- UUIDv7, so ids sort by time
    at          BIGINT NOT NULL,
    clerk_id    TEXT,
    action      TEXT NOT NULL,
    subject     TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
