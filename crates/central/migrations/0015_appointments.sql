-- Appointments (issue 11). Offices are the `offices` rows; the configuration (schalter_appointments,
-- Düsseldorf's in duesseldorf.toml) adds their kind, services and slot grid. Slots are generated
-- ahead with the instant the release rules publish them (`release_at`); `free_from` is that instant
-- or, after a cancellation, the end of its quarantine. A slot is taken by an UPDATE that only
-- succeeds while it is free, so a rush never books one twice (across instances too); the booking row
-- follows in the next statement.
CREATE TABLE appointment_services (
    id      TEXT PRIMARY KEY,
    name_de TEXT NOT NULL,
    name_en TEXT NOT NULL,
    minutes BIGINT NOT NULL
);

CREATE TABLE appointment_offices (
    office_id    TEXT PRIMARY KEY REFERENCES offices (id),
    kind         TEXT NOT NULL,      -- service_centre, buergerbuero, pop_up
    slot_minutes BIGINT NOT NULL,
    services     TEXT NOT NULL,      -- service ids, comma-separated, in the configuration's order
    open_on      TEXT NOT NULL,      -- a pop-up office's dates, comma-separated; empty otherwise
    position     BIGINT NOT NULL     -- order on the booking page
);

CREATE TABLE appointment_slots (
    id         TEXT PRIMARY KEY,     -- <office>-<yyyymmdd>-<hhmm>-<desk> (SlotPlan::id)
    office_id  TEXT NOT NULL REFERENCES offices (id),
    desk       BIGINT NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    contingent TEXT NOT NULL,        -- advance, same_day, extra
    release_at BIGINT NOT NULL,
    free_from  BIGINT NOT NULL,
    booking_id TEXT,
    taken_at   BIGINT               -- when booking_id was set: a slot whose booking row never came is freed after a while
);
CREATE INDEX appointment_slots_office_start ON appointment_slots (office_id, starts_at);
CREATE INDEX appointment_slots_booking ON appointment_slots (booking_id);

-- The booking code only as its SHA-256 (schalter_appointments::BookingCode::hash). `version` grows with
-- every change; the feed publisher appends the row to the change feed while `published_version` is behind.
CREATE TABLE appointment_bookings (
    id                TEXT PRIMARY KEY,
    code_hash         TEXT NOT NULL UNIQUE,
    office_id         TEXT NOT NULL REFERENCES offices (id),
    service_id        TEXT NOT NULL,
    desk              BIGINT NOT NULL,
    starts_at         BIGINT NOT NULL,
    ends_at           BIGINT NOT NULL,
    family_name       TEXT NOT NULL,
    state             TEXT NOT NULL, -- booked, cancelled, checked_in
    created_at        BIGINT NOT NULL,
    cancelled_at      BIGINT,
    version           BIGINT NOT NULL,
    published_version BIGINT NOT NULL
);
CREATE INDEX appointment_bookings_office_start ON appointment_bookings (office_id, starts_at);
-- Partial (both engines have them): the publisher's question stays small however many bookings there were.
CREATE INDEX appointment_bookings_unpublished ON appointment_bookings (created_at, id) WHERE version > published_version;

-- An office's own changes (its appointments, its queue) go only to its desks: the pull reads the rows
-- of the clerk's office and those of no office (clerk accounts, application statuses).
ALTER TABLE sync_changes ADD COLUMN office_id TEXT;
