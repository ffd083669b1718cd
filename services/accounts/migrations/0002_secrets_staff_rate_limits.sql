-- One table for every single-use emailed secret (activation, password reset, email change).
ALTER TABLE activation_tokens RENAME TO account_secrets;
ALTER INDEX activation_tokens_account RENAME TO account_secrets_account;
ALTER TABLE account_secrets
    ADD COLUMN purpose text NOT NULL DEFAULT 'activation'
        CHECK (purpose IN ('activation', 'password_reset', 'email_change')),
    ADD COLUMN new_email text;
ALTER TABLE account_secrets ALTER COLUMN purpose DROP DEFAULT;

-- Operators (people) and scanners (devices), created by the admin command.
CREATE TABLE operators (
    operator_id uuid PRIMARY KEY,
    email text NOT NULL,
    full_name text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
CREATE UNIQUE INDEX operators_email ON operators (lower(email));

CREATE TABLE scanners (
    scanner_id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    api_key_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Failed logins, counted per account and per client address over a sliding window.
CREATE TABLE login_failures (
    subject text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);
