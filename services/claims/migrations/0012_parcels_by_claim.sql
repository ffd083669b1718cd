-- A claim loads its parcels with it (the repository tells the new ones from those it loaded).
CREATE INDEX IF NOT EXISTS parcels_by_claim ON parcels (claim_id) WHERE claim_id IS NOT NULL;
