-- Articles in a language of their own, searched by their stems in that language (Snowball,
-- computed by the server: src/stems.rs) instead of FTS5's English-only Porter stemmer. An article
-- without a language is stemmed as English. The server stems every article whose stems_version is
-- older than its own at start-up, these included.

ALTER TABLE kb_articles ADD COLUMN language TEXT;
ALTER TABLE kb_articles ADD COLUMN title_stems TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_articles ADD COLUMN body_stems TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_articles ADD COLUMN stems_version INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER kb_search_insert;
DROP TRIGGER kb_search_update;
DROP TRIGGER kb_search_delete;
DROP TABLE kb_search;

CREATE VIRTUAL TABLE kb_search USING fts5(
    article_id UNINDEXED,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER kb_search_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_search (article_id, title, body) VALUES (new.id, new.title_stems, new.body_stems);
END;

CREATE TRIGGER kb_search_update AFTER UPDATE OF title_stems, body_stems ON kb_articles BEGIN
    DELETE FROM kb_search WHERE article_id = old.id;
    INSERT INTO kb_search (article_id, title, body) VALUES (new.id, new.title_stems, new.body_stems);
END;

CREATE TRIGGER kb_search_delete AFTER DELETE ON kb_articles BEGIN
    DELETE FROM kb_search WHERE article_id = old.id;
END;
