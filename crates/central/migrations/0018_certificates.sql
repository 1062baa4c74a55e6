-- The city CA's desk and box terminal certificates (issue 12): what `schalter-admin` issued, and which
-- are revoked. A revoked fingerprint is refused by the central at once (its sessions end, logins and
-- authenticated calls fail, a box terminal is unregistered); the CRL written from this table refuses it
-- in every TLS handshake of the central and the photo cloud. Portable SQL like 0001.
CREATE TABLE issued_certificates (
    fingerprint TEXT PRIMARY KEY,        -- SHA-256 of the certificate (DER), lower-case hex
    serial      TEXT NOT NULL,           -- lower-case hex without leading zeros, as in the CRL
    kind        TEXT NOT NULL CHECK (kind IN ('desk', 'box')),
    name        TEXT NOT NULL,           -- the certificate's CN: a desk's name ("Platz 3") or the box id
    office_id   TEXT NOT NULL REFERENCES offices (id),
    box_id      TEXT REFERENCES pickup_boxes (id),
    issued_at   BIGINT NOT NULL,
    not_after   BIGINT NOT NULL,
    revoked_at  BIGINT,                  -- NULL: valid
    CONSTRAINT issued_certificates_serial_unique UNIQUE (serial)
);
CREATE INDEX issued_certificates_name ON issued_certificates (name);

-- The CRL number: every CRL written is numbered one higher than the one before (RFC 5280 §5.2.3).
INSERT INTO sync_counters (name, value) VALUES ('crl_number', 0);
