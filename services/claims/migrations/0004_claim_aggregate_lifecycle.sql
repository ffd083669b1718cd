-- The Claim aggregate after the decision: return address, pauses while waiting for the customer,
-- the outbound shipment, a replacement unit and the refund.
ALTER TABLE claims
    ADD COLUMN return_address jsonb,
    ADD COLUMN pauses jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN outbound jsonb,
    ADD COLUMN replacement jsonb,
    ADD COLUMN refund jsonb;

-- One open claim per serial number (the domain refuses a second one, naming the first; filings
-- of one serial take an advisory lock, so two at once cannot both pass).
CREATE INDEX claims_open_serial ON claims (upper(serial_number))
    WHERE serial_number IS NOT NULL AND status NOT IN ('closed', 'cancelled');

ALTER TABLE decisions
    ADD COLUMN valid_until date,
    ADD COLUMN exchange_product text;

-- The sales document and the files of the customer's answers.
ALTER TABLE claim_attachments
    ADD COLUMN purpose text NOT NULL DEFAULT 'sales_document';

-- A parcel for a cancelled or closed claim waits for an operator with the reason.
ALTER TABLE parcels ADD COLUMN attention text;
CREATE INDEX parcels_attention ON parcels (received_at)
    WHERE attention IS NOT NULL AND resolved_at IS NULL;

-- What the operator's claim view shows of the document and the customer.
ALTER TABLE sales_documents
    ADD COLUMN total numeric(12, 2),
    ADD COLUMN buyer_name text;

CREATE TABLE customer_contacts (
    account_id uuid PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL,
    phone text,
    address jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
