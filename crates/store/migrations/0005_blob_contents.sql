-- A blob's bytes in a table of their own, apart from its bookkeeping. SQLite rewrites a whole row on every
-- UPDATE, and a column stored after a 300 KB value is reached only through its overflow pages: with the bytes in
-- `blobs`, marking 50 photos acknowledged rewrote (and, with secure_delete, overwrote) 15 MB, and listing the
-- unacknowledged blobs read and decrypted every photo in the store.
CREATE TABLE blob_contents (
    sha256          TEXT PRIMARY KEY REFERENCES blobs (sha256) ON DELETE CASCADE,
    bytes           BLOB NOT NULL
);
INSERT INTO blob_contents (sha256, bytes) SELECT sha256, bytes FROM blobs;
ALTER TABLE blobs DROP COLUMN bytes;
CREATE INDEX blobs_unacknowledged ON blobs (created_at, sha256) WHERE acknowledged_at IS NULL;
