-- The counter queue (issue 11): one row per ticket of an office's day, an appointment checked in
-- (booking_id, at most one ticket per booking) or a walk-in. Every queue mutation first locks its
-- ticket's row (an UPDATE of the row itself) inside the push's transaction, so two desks calling the
-- same ticket take turns and the second sees the first's call (rejected: queue_ticket_taken). The
-- day's numbers per office and kind come from locked rows of sync_counters
-- (`queue:<office>:<day>:<kind>`). No names here: an appointment's name stays with its booking.
CREATE TABLE queue_tickets (
    id             TEXT PRIMARY KEY,
    office_id      TEXT NOT NULL REFERENCES offices (id),
    day            TEXT NOT NULL,        -- YYYY-MM-DD, German civil date of the check-in
    kind           TEXT NOT NULL,        -- appointment, walk_in
    number         BIGINT NOT NULL,
    display_number TEXT NOT NULL,        -- T 017, W 012
    service_id     TEXT NOT NULL,
    booking_id     TEXT UNIQUE,          -- appointment_bookings.id for an appointment
    state          TEXT NOT NULL,        -- waiting, called, serving, parked, missed, finished
    call_count     BIGINT NOT NULL,
    place          TEXT,                 -- called/served at, or forwarded to (≤ 8 characters)
    due_at         BIGINT,               -- the appointment's start, unix seconds
    arrived_at     BIGINT NOT NULL,
    called_at      BIGINT,
    finished_at    BIGINT,
    visit_id       TEXT,                 -- the desk's visit of the customer
    application_id TEXT,                 -- the application captured for the customer
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,        -- clerk id
    UNIQUE (office_id, day, kind, number)
);
CREATE INDEX queue_tickets_calls ON queue_tickets (office_id, day, called_at);
