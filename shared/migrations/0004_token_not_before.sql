-- Per account, the moment its credentials last changed (AccountCredentialsChanged): access
-- tokens issued before it are refused, although their signature and expiry are fine.
CREATE TABLE token_not_before (
    subject uuid PRIMARY KEY,
    not_before timestamptz NOT NULL
);
