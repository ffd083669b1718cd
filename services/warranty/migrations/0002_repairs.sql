-- Time a product spent in warranty repair, per claim: it extends scooter warranties.
CREATE TABLE repair_periods (
    claim_id uuid PRIMARY KEY,
    ean text NOT NULL,
    serial_number text,
    started_on date NOT NULL,
    ended_on date
);
CREATE INDEX repair_periods_product ON repair_periods (ean, serial_number);
