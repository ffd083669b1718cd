-- An operator's finding, on a claim, that a unit's warranty is void (WarrantyVoidMarked): the
-- passport shows it and the unit's guarantee claims are no longer covered. One mark per unit:
-- the first one stands (a second finding changes nothing).
CREATE TABLE unit_void_marks (
    ean text NOT NULL,
    serial_number text NOT NULL,
    claim_id uuid NOT NULL,
    rma_number text NOT NULL,
    reason text NOT NULL,
    evidence uuid[] NOT NULL DEFAULT '{}',
    note text,
    marked_at timestamptz NOT NULL,
    marked_by text NOT NULL,
    PRIMARY KEY (ean, serial_number)
);
