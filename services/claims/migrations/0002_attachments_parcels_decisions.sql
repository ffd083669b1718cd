ALTER TABLE claims
    ADD COLUMN unit_price numeric(12, 2),
    ADD COLUMN received_at timestamptz,
    ADD COLUMN deadlines jsonb NOT NULL DEFAULT '[]';

-- The sales document a customer attached; small files kept with the claim, checked by content.
CREATE TABLE claim_attachments (
    attachment_id uuid PRIMARY KEY,
    claim_id uuid NOT NULL REFERENCES claims (claim_id),
    filename text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL,
    sha256 text NOT NULL,
    content bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_attachments_claim ON claim_attachments (claim_id);

-- Parcels posted by scanners; those matching no claim wait in the unidentified queue.
CREATE TABLE parcels (
    parcel_id uuid PRIMARY KEY,
    claim_id uuid REFERENCES claims (claim_id),
    rma_number text,
    tracking_number text,
    scanned_by text NOT NULL,
    received_at timestamptz NOT NULL,
    resolved_by text,
    resolved_at timestamptz
);
CREATE UNIQUE INDEX parcels_tracking ON parcels (tracking_number) WHERE tracking_number IS NOT NULL;
CREATE INDEX parcels_unidentified ON parcels (received_at) WHERE claim_id IS NULL;

CREATE TABLE decisions (
    claim_id uuid PRIMARY KEY REFERENCES claims (claim_id),
    decision text NOT NULL,
    amount numeric(12, 2),
    rejection_reason text,
    justification text NOT NULL,
    deductions jsonb NOT NULL DEFAULT '[]',
    customer_response text CHECK (customer_response IN ('accepted', 'refused')),
    decided_by text NOT NULL,
    decided_at timestamptz NOT NULL
);
