-- The product passport: every fact warranty learns about one unit (EAN and serial number),
-- from events only. Serial numbers are kept trimmed and in capitals.

-- Units on the sales documents (SaleRecorded lines with serial numbers).
CREATE TABLE sold_units (
    ean text NOT NULL,
    serial_number text NOT NULL,
    document_type text NOT NULL,
    document_number text NOT NULL,
    issued_on date NOT NULL,
    delivered_on date,
    buyer_type text NOT NULL,
    activated_on date,
    PRIMARY KEY (ean, serial_number)
);
CREATE INDEX sold_units_document ON sold_units (document_type, document_number);

-- Which account each purchase document is linked to (DocumentLinked).
CREATE TABLE document_owners (
    document_type text NOT NULL,
    document_number text NOT NULL,
    account_id uuid NOT NULL,
    PRIMARY KEY (document_type, document_number)
);

-- Every claim for a unit, as its status changes and its decision arrive.
CREATE TABLE unit_claims (
    claim_id uuid PRIMARY KEY,
    ean text NOT NULL,
    serial_number text,
    rma_number text NOT NULL,
    claim_type text NOT NULL,
    problem text NOT NULL,
    claimed_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'submitted',
    status_changed_on date,
    decision text,
    decided_on date,
    substantial_repair boolean,
    replaced_part text,
    repeated_defect jsonb
);
CREATE INDEX unit_claims_unit ON unit_claims (ean, serial_number, claimed_at);

-- Replacement units handed to the buyer (UnitReplaced); one new unit replaces one old unit.
CREATE TABLE replacements (
    claim_id uuid PRIMARY KEY,
    rma_number text NOT NULL,
    old_ean text NOT NULL,
    old_serial_number text,
    new_ean text NOT NULL,
    new_serial_number text NOT NULL,
    replaced_on date NOT NULL,
    UNIQUE (new_ean, new_serial_number)
);
CREATE INDEX replacements_old_unit ON replacements (old_ean, old_serial_number);
