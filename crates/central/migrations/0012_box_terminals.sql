-- The box terminals' client certificates (issue 10): a certificate listed here acts only as its box
-- (the /v1/box routes) and can never log in as a desk; a desk certificate is never a box.
CREATE TABLE box_terminals (
    certificate_fingerprint TEXT PRIMARY KEY,   -- SHA-256 of the leaf certificate (DER), lower-case hex
    box_id                  TEXT NOT NULL REFERENCES pickup_boxes (id),
    registered_at           BIGINT NOT NULL
);
