-- Problem lists of catalogue products (ProductCatalogued): a claim must name one of them.
CREATE TABLE product_problems (
    ean text PRIMARY KEY,
    problems jsonb NOT NULL DEFAULT '[]'
);
