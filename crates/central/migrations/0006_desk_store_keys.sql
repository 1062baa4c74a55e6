-- One store per desk (crates/store): its data key is wrapped for each clerk by their password and once
-- more by a random key the central keeps per desk certificate, handed out only with a successful login
-- over that certificate. So a clerk new at this desk, or one whose password changed centrally, can open
-- the desk's store (and send what colleagues left pending) without anyone else's password.
CREATE TABLE desk_store_keys (
    desk_fingerprint TEXT PRIMARY KEY,  -- SHA-256 of the desk certificate
    store_key        TEXT NOT NULL,     -- 256 random bits, Base64
    created_at       BIGINT NOT NULL
);

-- Who has logged in online at which desk: a desk may push a change only in the name of a clerk who
-- logged in there (an offline login needs an online one before it, on the same desk).
CREATE TABLE desk_clerks (
    desk_fingerprint TEXT NOT NULL,
    clerk_id         TEXT NOT NULL REFERENCES clerks (id),
    first_login_at   BIGINT NOT NULL,
    last_login_at    BIGINT NOT NULL,
    PRIMARY KEY (desk_fingerprint, clerk_id)
);

-- The clerk whose session sent a mutation, beside `clerk_id`, the clerk who made it.
ALTER TABLE sync_mutations ADD COLUMN pushed_by TEXT;
