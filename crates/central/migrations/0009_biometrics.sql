-- The biometrics of an application (issue 9): per hand what the fingerprint reader recorded (JSON
-- of schalter_wire::application::Biometrics' outcomes: finger and quality, not possible or not
-- required; never an image), and the signature's 900 x 132 JPEG as a blob (none under 10).
ALTER TABLE applications ADD COLUMN biometrics TEXT;
ALTER TABLE applications ADD COLUMN signature_sha256 TEXT REFERENCES blobs (sha256);
