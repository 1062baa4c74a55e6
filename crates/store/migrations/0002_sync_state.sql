-- What the sync engine remembers between runs: the pull cursor of the central's change feed and the time
-- of the last complete sync. One row per setting; values are text (numbers as decimal).
CREATE TABLE sync_state (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
