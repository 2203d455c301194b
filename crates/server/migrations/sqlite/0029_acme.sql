-- Certificates the server obtains itself over ACME, and its account at the CA, when it runs on
-- PostgreSQL: instances sharing the database share them (acme.rs). Keyed by kind, names and CA;
-- the value is base64.
CREATE TABLE acme_cache (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
