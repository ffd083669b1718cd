-- Deadlines that act by themselves (issue 24): a consumer complaint accepted by law, an offer
-- expired, the scooter delay told once; and the service desk's list of claims at risk, one a day.
ALTER TABLE claims
    ADD COLUMN deemed_accepted_on date,
    ADD COLUMN repair_delay_announced_on date;
ALTER TABLE decisions DROP CONSTRAINT IF EXISTS decisions_customer_response_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_customer_response_check
    CHECK (customer_response IN ('accepted', 'refused', 'expired'));
CREATE TABLE deadline_digests (
    day date PRIMARY KEY,
    sent_at timestamptz NOT NULL DEFAULT now()
);
