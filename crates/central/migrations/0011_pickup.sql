-- The pickup box (issue 10): boxes of an office, their compartments, and the documents loaded into
-- them. A compartment is taken by an UPDATE that only succeeds while it is free, inside the load's
-- transaction, so two clerks never load into one compartment (across instances too).
CREATE TABLE pickup_boxes (
    id          TEXT PRIMARY KEY,
    office_id   TEXT NOT NULL REFERENCES offices (id),
    name        TEXT NOT NULL,
    mode        TEXT NOT NULL,        -- service_hours, around_the_clock
    pickup_days BIGINT NOT NULL       -- 1..60, default 10
);

CREATE TABLE compartments (
    box_id         TEXT NOT NULL REFERENCES pickup_boxes (id),
    number         BIGINT NOT NULL,
    size           TEXT NOT NULL,     -- S, M, L
    accessible     BOOLEAN NOT NULL,  -- low, reachable from a wheelchair
    state          TEXT NOT NULL,     -- free, loaded, opened, expired, locked, out_of_service
    application_id TEXT,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (box_id, number)
);

-- One row per document loaded for the box. The PIN only as its keyed hash (schalter_pickup::PinHasher).
CREATE TABLE pickups (
    application_id TEXT PRIMARY KEY REFERENCES applications (id),
    box_id         TEXT NOT NULL,
    compartment    BIGINT NOT NULL,
    mobile         TEXT NOT NULL,     -- E.164, from the application
    pin_hash       TEXT NOT NULL,
    wrong_answers  BIGINT NOT NULL,
    state          TEXT NOT NULL,     -- waiting, locked, handed_out, expired
    loaded_at      BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    loaded_by      TEXT NOT NULL,
    sms_id         TEXT
);
CREATE INDEX pickups_mobile ON pickups (mobile, state);
