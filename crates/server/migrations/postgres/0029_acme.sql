-- Certificates the server obtains itself over ACME, and its account at the CA, when it runs on
-- PostgreSQL: instances sharing the database share them (acme.rs). Keyed by kind, names and CA;
-- the value is base64.
CREATE TABLE acme_cache (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- It announces its commits like every other table (db/commits.rs).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON acme_cache
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
