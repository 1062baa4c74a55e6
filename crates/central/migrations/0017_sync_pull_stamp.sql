-- Where each desk device stands in the change feed, for the sync lag `/metrics` reports (issue 12): the
-- cursor up to which its last pull left it current, and when that was. NULL: not pulled since this migration.
-- Portable SQL like 0001 (BIGINT seconds, nullable columns added without defaults).
ALTER TABLE sync_devices ADD COLUMN last_pulled_at BIGINT;
ALTER TABLE sync_devices ADD COLUMN last_pulled_cursor BIGINT;
