-- Failed-login counters, counted in one statement *before* a password is checked (auth::login),
-- so parallel attempts cannot all read the same old count.
--   throttle_key 'user:<SHA-256 of the normalised name>': known or unknown names alike, so the
--                lock reveals nothing; hashed because people type passwords into the name field.
--   throttle_key 'desk:<SHA-256 of the desk's client certificate>': failures across all names.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    resets_at    BIGINT             -- user: end of the lock; desk: end of the window; NULL: no lock yet
);

-- The counters above replace the per-clerk ones.
ALTER TABLE clerks DROP COLUMN failed_logins;
ALTER TABLE clerks DROP COLUMN locked_until;

-- The desk (SHA-256 of its client certificate) that opened a session: only that desk may use it.
-- NULL only for sessions opened without TLS (router tests); older sessions therefore end.
ALTER TABLE sessions ADD COLUMN desk_fingerprint TEXT;
