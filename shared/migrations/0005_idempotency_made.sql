-- Idempotency-Key recorded with what the request made (shared/idempotency.py), in the transaction
-- that stores it: a retry after a crash between that commit and the recorded answer rebuilds the
-- answer from `made` instead of creating again. A running request is no longer a row (an advisory
-- lock that dies with its connection): the rows of requests left running by the old code go.
ALTER TABLE idempotency_keys ADD COLUMN made text;
DELETE FROM idempotency_keys WHERE status_code IS NULL;
