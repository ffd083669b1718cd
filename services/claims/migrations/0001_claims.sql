-- Projections: sales documents (SaleRecorded) and which account owns them (DocumentLinked).
CREATE TABLE sales_documents (
    document_type text NOT NULL,
    document_number text NOT NULL,
    issued_on date NOT NULL,
    delivered_on date,
    buyer_type text NOT NULL,
    lines jsonb NOT NULL,
    PRIMARY KEY (document_type, document_number)
);

CREATE TABLE document_owners (
    document_type text NOT NULL,
    document_number text NOT NULL,
    account_id uuid NOT NULL,
    account_type text NOT NULL,
    email text NOT NULL,
    language text NOT NULL DEFAULT 'pl',
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_type, document_number)
);
CREATE INDEX document_owners_account ON document_owners (account_id);

-- RMA/<sequence>/SR/<year>: one counter row per year, incremented under a row lock.
CREATE TABLE rma_sequences (
    year integer PRIMARY KEY,
    last_value integer NOT NULL
);

CREATE TABLE claims (
    claim_id uuid PRIMARY KEY,
    rma_number text NOT NULL UNIQUE,
    account_id uuid NOT NULL,
    email text NOT NULL,
    language text NOT NULL,
    buyer_type text NOT NULL,
    claim_type text NOT NULL,
    status text NOT NULL,
    document_type text NOT NULL,
    document_number text NOT NULL,
    line_no integer NOT NULL,
    product jsonb NOT NULL,
    serial_number text,
    problem_description text NOT NULL,
    problem_code text,
    tracking_number text,
    package_contents text NOT NULL,
    customer_reference text,
    assessment jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_account ON claims (account_id);
CREATE INDEX claims_serial ON claims (serial_number);
CREATE INDEX claims_tracking ON claims (tracking_number);

CREATE TABLE claim_timeline (
    id bigserial PRIMARY KEY,
    claim_id uuid NOT NULL REFERENCES claims (claim_id),
    status text NOT NULL,
    actor text NOT NULL,
    note text,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_timeline_claim ON claim_timeline (claim_id, id);
