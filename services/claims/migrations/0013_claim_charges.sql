-- Charges to the customer (issue 25 §1): each with its kind, amount, reason and state; the
-- product ships back only when none is due. Money is numeric(12, 2), never a float.
CREATE TABLE IF NOT EXISTS claim_charges (
    charge_id uuid PRIMARY KEY,
    claim_id uuid NOT NULL REFERENCES claims (claim_id),
    kind text NOT NULL,
    amount numeric(12, 2) NOT NULL CHECK (amount > 0),
    reason text NOT NULL,
    state text NOT NULL CHECK (state IN ('due', 'paid', 'waived')),
    added_by text NOT NULL,
    added_at timestamptz NOT NULL,
    settled_by text,
    settled_at timestamptz,
    waiver_reason text
);
CREATE INDEX IF NOT EXISTS claim_charges_by_claim ON claim_charges (claim_id);
-- The finance export reads a month's paid charges.
CREATE INDEX IF NOT EXISTS claim_charges_settled ON claim_charges (settled_at) WHERE state = 'paid';
