-- ID card and passport applications (issue 9), the system of record. One row per application,
-- written by the `application.submit` mutation; its number is handed out by a counter row per
-- office and year (sync_counters, name 'application:<office>:<year>') inside that transaction.
CREATE TABLE applications (
    id                 TEXT PRIMARY KEY,   -- the desk's UUID
    number             TEXT NOT NULL,      -- <office>-<year>-<six digits>
    provisional_number TEXT NOT NULL,      -- the desk's V-… number
    office_id          TEXT NOT NULL REFERENCES offices (id),
    document_kind      TEXT NOT NULL,
    status             TEXT NOT NULL,
    status_reason      TEXT,
    data               TEXT NOT NULL,      -- JSON of the validated application (personal data)
    photo_id           TEXT NOT NULL,
    visit_id           TEXT NOT NULL,
    total_fee_cents    BIGINT NOT NULL,
    application_date   TEXT NOT NULL,      -- YYYY-MM-DD
    clerk_id           TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    captured_at        BIGINT NOT NULL,    -- the desk's clock
    received_at        BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CONSTRAINT applications_number_unique UNIQUE (number)
);
CREATE INDEX applications_office_status ON applications (office_id, status);
