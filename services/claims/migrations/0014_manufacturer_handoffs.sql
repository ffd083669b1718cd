-- The unit's trips to DJI's official service (issue 25 section 3; DJI terms §2, §8, §9): each
-- the manufacturer's case number, the days sent and back, the status the claim goes on in and
-- the manufacturer's remark, oldest first. The days there pause the DJI repair deadline: they
-- are in `pauses`, whose entries now say whose side they are on (`cause`; none: the customer's).
ALTER TABLE claims ADD COLUMN manufacturer_handoffs jsonb NOT NULL DEFAULT '[]';
