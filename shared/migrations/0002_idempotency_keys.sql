-- Idempotency-Key of creating POSTs (shared/idempotency.py): the first answer to a key, replayed
-- to every retry with the same key; status_code is NULL while the first request still runs.
CREATE TABLE idempotency_keys (
    owner text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash text NOT NULL,
    status_code integer,
    response_headers jsonb,
    response_body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
