-- A price reduction's kind (seed 002: cosmetic defect 5-20 %, a defect kept 10-40 %, a missing
-- accessory at its value): the range its amount was checked against (issue 24).
ALTER TABLE decisions ADD COLUMN reduction_kind text;
