-- Civil Code art. 581 §1 counts a replacement unit's period from its hand-back: the claim's
-- shipping back (ClaimStatusChanged to shipped_back), not the day the unit was issued.
ALTER TABLE replacements RENAME COLUMN replaced_on TO issued_on;
ALTER TABLE replacements ADD COLUMN handed_back_on date;
