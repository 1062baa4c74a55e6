-- What the clerk's rights were when the session opened (SHA-256 of password hash, role and office):
-- a session opened while the account was being changed cannot outlive the change, even where the
-- change's DELETE of sessions ran before the login's INSERT. NULL: older sessions, which end.
ALTER TABLE sessions ADD COLUMN clerk_stamp TEXT;
