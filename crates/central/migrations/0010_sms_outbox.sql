-- SMS to citizens (issue 10: the pickup PIN, the expiry notice). Written in the transaction of what
-- causes them and sent by a worker (crates/central/src/sms), so none is lost; a row is claimed
-- before it is sent and an interrupted send is reconciled with the provider before any resend, so
-- none goes twice. The text holds the PIN: it is sealed (secrets.rs) and erased once sent.
CREATE TABLE sms_outbox (
    id              TEXT PRIMARY KEY,   -- UUIDv7, also the provider's reference (foreign_id)
    purpose         TEXT NOT NULL,      -- pickup_pin, pickup_expired, ...
    recipient       TEXT NOT NULL,      -- E.164
    body_sealed     TEXT,               -- NULL once sent or given up
    state           TEXT NOT NULL,      -- queued, sending, sent, failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    provider_id     TEXT,
    last_error      TEXT,               -- the provider's code, never the text of the SMS
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX sms_outbox_due ON sms_outbox (state, next_attempt_at);
