-- Articles in a language of their own, searched by their stems in that language (Snowball,
-- computed by the server: src/stems.rs) instead of the English text search configuration. An
-- article without a language is stemmed as English. The server stems every article whose
-- stems_version is older than its own at start-up, these included. Queries repeat the index's
-- expression exactly (db/kb.rs `PG_DOCUMENT`).

ALTER TABLE kb_articles ADD COLUMN language TEXT;
ALTER TABLE kb_articles ADD COLUMN title_stems TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_articles ADD COLUMN body_stems TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_articles ADD COLUMN stems_version INTEGER NOT NULL DEFAULT 0;

DROP INDEX kb_articles_search;
CREATE INDEX kb_articles_search ON kb_articles USING GIN (
    (setweight(to_tsvector('simple', title_stems), 'A') || to_tsvector('simple', body_stems))
);
