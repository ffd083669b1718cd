-- What the warranty service needs about a repair (Civil Code art. 581 § 1).
ALTER TABLE decisions
    ADD COLUMN substantial_repair boolean,
    ADD COLUMN replaced_part text;
