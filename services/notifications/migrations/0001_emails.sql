-- Every email is written here first (with the inbox row of the event that caused it) and sent
-- afterwards by the mail sender, so a crash can neither lose an email nor send it twice on
-- redelivery of the event.
CREATE TABLE emails (
    email_id uuid PRIMARY KEY,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    message_id text NOT NULL UNIQUE,
    recipient text NOT NULL,
    subject text NOT NULL,
    text_body text NOT NULL,
    html_body text NOT NULL,
    attachments jsonb NOT NULL DEFAULT '[]',
    account_id uuid,
    claim_id uuid,
    rma_number text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX emails_due ON emails (next_attempt_at) WHERE status = 'pending';
CREATE INDEX emails_account ON emails (account_id);
CREATE INDEX emails_claim ON emails (claim_id);
