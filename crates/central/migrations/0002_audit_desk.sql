-- The desk (client certificate subject and fingerprint) an audited action came from.
ALTER TABLE audit_events ADD COLUMN desk TEXT;
