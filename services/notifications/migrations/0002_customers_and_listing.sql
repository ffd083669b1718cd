-- Customers' names as account events tell them, so claim emails and parcel labels can greet and
-- name the sender (claim events carry no name).
CREATE TABLE customers (
    account_id uuid PRIMARY KEY,
    full_name text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The operators' listing (newest first) and the dashboard's count of failed emails.
CREATE INDEX emails_created ON emails (created_at DESC);
CREATE INDEX emails_failed ON emails (status) WHERE status = 'failed';
