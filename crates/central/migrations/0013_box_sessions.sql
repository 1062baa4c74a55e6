-- The box terminal's sessions (issue 10): one row per citizen at a terminal, holding the
-- schalter_pickup::PickupFlow state as JSON. Each input is applied in one transaction that locks the
-- box's row first, stores the next state with all its records, and only then answers with the device
-- commands, so a power cut at any point resumes from a recorded state.
CREATE TABLE box_sessions (
    id          TEXT PRIMARY KEY,
    box_id      TEXT NOT NULL REFERENCES pickup_boxes (id),
    terminal    TEXT NOT NULL,        -- the terminal certificate's fingerprint
    flow        TEXT NOT NULL,        -- PickupFlow as JSON
    -- Further pickups behind the same mobile number (a family), as a JSON array of application ids:
    -- the PIN decides which one is meant.
    candidates  TEXT NOT NULL,
    finished    BOOLEAN NOT NULL,
    started_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX box_sessions_terminal ON box_sessions (terminal, finished);

-- The per-terminal rate limit's bucket (schalter_pickup::TerminalRateLimit), in the database so that
-- several central instances share it. -1: never used, a full bucket.
ALTER TABLE box_terminals ADD COLUMN rate_available BIGINT NOT NULL DEFAULT -1;
ALTER TABLE box_terminals ADD COLUMN rate_refilled_at BIGINT NOT NULL DEFAULT 0;  -- Unix time in nanoseconds
