-- Registrations made on the distributor's old form, before the panel, are imported with their own
-- date (python -m services.warranty.admin import-registrations): a unit's document may be linked
-- to no account yet.
ALTER TABLE product_registrations ALTER COLUMN account_id DROP NOT NULL;
