-- A company's claims filed in bulk, in one parcel with one label (issue 25 §6): the shipment,
-- its claims in the file's order, and the file's refused rows with their reasons.
CREATE TABLE IF NOT EXISTS shipments (
    shipment_id uuid PRIMARY KEY,
    shipment_number text NOT NULL UNIQUE,
    account_id uuid NOT NULL,
    email text NOT NULL,
    language text NOT NULL,
    created_at timestamptz NOT NULL,
    refused jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS shipments_by_account ON shipments (account_id, created_at);
CREATE TABLE IF NOT EXISTS shipment_claims (
    claim_id uuid PRIMARY KEY REFERENCES claims (claim_id),
    shipment_id uuid NOT NULL REFERENCES shipments (shipment_id),
    rma_number text NOT NULL,
    row_no integer NOT NULL
);
CREATE INDEX IF NOT EXISTS shipment_claims_by_shipment ON shipment_claims (shipment_id, row_no);
CREATE TABLE IF NOT EXISTS shipment_sequences (
    year integer PRIMARY KEY,
    last_value integer NOT NULL
);
