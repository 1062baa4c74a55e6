-- A desk certificate issued to renew another (issue 12): `schalter-admin desk provision` under the name of a desk
-- that still has a valid certificate at the same office. At the new certificate's first login the desk takes over
-- what the central keeps per certificate: its store key (so the desk's local store still opens), the clerks who
-- logged in there (their pending changes still count as theirs) and the sync devices bound to it (no
-- device_mismatch). Portable SQL like 0001.
CREATE TABLE certificate_renewals (
    fingerprint TEXT PRIMARY KEY REFERENCES issued_certificates (fingerprint),
    replaces    TEXT NOT NULL REFERENCES issued_certificates (fingerprint),
    adopted_at  BIGINT                   -- NULL until the new certificate's first login
);
