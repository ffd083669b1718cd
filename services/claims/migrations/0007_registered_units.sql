-- Units registered with the distributor (the warranty service's ProductRegistered): a registered
-- scooter cannot be returned (issue 24). The first registration of a serial counts.
CREATE TABLE registered_units (
    serial_number text PRIMARY KEY,
    registered_on date NOT NULL
);
