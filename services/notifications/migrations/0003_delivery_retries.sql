-- Temporary SMTP refusals are retried for a configurable time counted from retry_from: the
-- email's creation, or the moment an operator asked to send a failed email again.
ALTER TABLE emails ADD COLUMN retry_from timestamptz;
UPDATE emails SET retry_from = created_at;
ALTER TABLE emails ALTER COLUMN retry_from SET NOT NULL, ALTER COLUMN retry_from SET DEFAULT now();
