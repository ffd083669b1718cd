-- One copy of a file's bytes however many claims attach it: a reseller's bulk filing attaches
-- its one sales document (up to 10 MB) to each of up to 500 claims. A claim's attachment names
-- its bytes by their SHA-256; rows stored before keep their own copy in `content`.
CREATE TABLE attachment_contents (
    sha256 text PRIMARY KEY,
    content bytea NOT NULL
);
ALTER TABLE claim_attachments ALTER COLUMN content DROP NOT NULL;
