-- Sales ledger projection, built from SaleRecorded.
CREATE TABLE sales_documents (
    document_type text NOT NULL CHECK (document_type IN ('PA', 'FS')),
    document_number text NOT NULL,
    issued_on date NOT NULL,
    total numeric(12, 2) NOT NULL,
    buyer_type text NOT NULL,
    buyer_vat_country text,
    buyer_tax_id text,
    lines jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_type, document_number)
);
CREATE INDEX sales_documents_number ON sales_documents (document_number);

CREATE TABLE accounts (
    account_id uuid PRIMARY KEY,
    account_type text NOT NULL CHECK (account_type IN ('private', 'company')),
    full_name text NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    language text NOT NULL DEFAULT 'pl',
    vat_country text,
    tax_id text,
    activated_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));

-- One document links to one account only.
CREATE TABLE linked_documents (
    document_type text NOT NULL,
    document_number text NOT NULL,
    account_id uuid NOT NULL REFERENCES accounts (account_id),
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_type, document_number),
    FOREIGN KEY (document_type, document_number)
        REFERENCES sales_documents (document_type, document_number)
);

-- Only a hash of each single-use secret is kept.
CREATE TABLE activation_tokens (
    token_hash bytea PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (account_id),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    superseded_at timestamptz
);
CREATE INDEX activation_tokens_account ON activation_tokens (account_id);
