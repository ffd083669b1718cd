-- Which of a product's problems concern a wear part (battery, cable, housing, propeller, a
-- scooter's battery): a claim naming one is judged at that part's own warranty period.
ALTER TABLE products ADD COLUMN problem_parts jsonb NOT NULL DEFAULT '{}';
