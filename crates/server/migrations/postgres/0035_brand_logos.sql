-- Logos the desk uploaded for its brand (and organisations' brands), by their SHA-256: checked
-- (PNG, or SVG without scripts or outside references) and at most 256 KiB each.
CREATE TABLE brand_logos (
    sha256      TEXT PRIMARY KEY,
    mime        TEXT NOT NULL,
    bytes       BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON brand_logos
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
