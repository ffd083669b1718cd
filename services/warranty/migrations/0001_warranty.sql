-- Product catalogue: from SaleRecorded (and the admin import for problem lists).
CREATE TABLE products (
    ean text PRIMARY KEY,
    sku text NOT NULL,
    name text NOT NULL,
    brand text NOT NULL,
    category text NOT NULL,
    outlet boolean NOT NULL DEFAULT false,
    problems jsonb NOT NULL DEFAULT '[]',
    serial_required boolean,
    first_sold_on date,
    last_sold_on date
);

-- Scooter registrations (30 days from purchase decide between 24 and 12 months).
CREATE TABLE product_registrations (
    registration_id uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    ean text NOT NULL,
    serial_number text NOT NULL,
    purchased_on date NOT NULL,
    registered_on date NOT NULL,
    UNIQUE (ean, serial_number)
);

-- One verdict per claim; the claim's facts are kept to reassess after repairs.
CREATE TABLE assessments (
    claim_id uuid PRIMARY KEY,
    rma_number text NOT NULL,
    claim jsonb NOT NULL,
    verdict jsonb NOT NULL,
    assessed_at timestamptz NOT NULL DEFAULT now()
);
