-- The desk's back office for the pickup box (issue 10).
--
-- An office's pickup settings: `four_eyes_loading` on means a load is only armed (PIN made, SMS
-- queued, "ready for pickup") once a second clerk of the office confirms it; until then the pickup
-- waits as 'awaiting_confirmation' in its compartment and no terminal can open it. No row: off.
CREATE TABLE pickup_office_settings (
    office_id          TEXT PRIMARY KEY REFERENCES offices (id),
    four_eyes_loading  BOOLEAN NOT NULL
);

-- The handout of a document at the counter (a box document too): who, when, what became of the old
-- document, and for ID cards the citizen's confirmation of the PIN letter. Once per application.
CREATE TABLE handovers (
    application_id       TEXT PRIMARY KEY REFERENCES applications (id),
    handed_out_at        BIGINT NOT NULL,
    handed_out_by        TEXT NOT NULL,
    desk                 TEXT,
    place                TEXT NOT NULL,     -- counter, compartment (taken out of the box for the handout)
    old_document         TEXT NOT NULL,     -- invalidated, souvenir, none
    pin_letter_confirmed BOOLEAN NOT NULL
);

-- pickups.state gains 'awaiting_confirmation' (four-eyes rule) and 'returned' (an expired document taken
-- back to the counter); pickups.confirmed_by is the second clerk.
ALTER TABLE pickups ADD COLUMN confirmed_by TEXT;
