-- The postal address and phone kept on an account: the default return address of its claims.
ALTER TABLE accounts
    ADD COLUMN phone text,
    ADD COLUMN postal_address jsonb;
