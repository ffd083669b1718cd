-- DJI's written statement that a unit cannot be repaired (an attachment of the claim): a DJI
-- unit is replaced only with it (issue 24, item 6; DJI terms §13).
ALTER TABLE claims ADD COLUMN manufacturer_statement uuid;
