-- The warehouse's check of a parcel (the scanner intake page): the declared contents ticked, the
-- serial number read from the device. The claim keeps its latest check; `serial_mismatch` is
-- the flag the operators' lists show, written with it.
ALTER TABLE claims
    ADD COLUMN intake jsonb,
    ADD COLUMN serial_mismatch boolean NOT NULL DEFAULT false;
CREATE INDEX claims_serial_mismatch ON claims (created_at) WHERE serial_mismatch;

ALTER TABLE parcels
    ADD COLUMN contents_checked boolean NOT NULL DEFAULT false,
    ADD COLUMN missing_items jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN serial_number_read text,
    ADD COLUMN serial_mismatch boolean NOT NULL DEFAULT false;
