-- Numbers the desk hands out itself, e.g. the provisional application number shown before the
-- central's number arrives. Kept apart from the records so that purging never reuses a number.
CREATE TABLE counters (
    name        TEXT PRIMARY KEY,
    value       BIGINT NOT NULL
);
