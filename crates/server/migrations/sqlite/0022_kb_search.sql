-- Full-text search over the knowledge base (the assistant's and the portal's): an FTS5 index of
-- each article's title and body, kept by triggers. Words are folded (case, accents) and reduced
-- to their stems, so "printing" finds "prints".

CREATE VIRTUAL TABLE kb_search USING fts5(
    article_id UNINDEXED,
    title,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO kb_search (article_id, title, body) SELECT id, title, body_md FROM kb_articles;

CREATE TRIGGER kb_search_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_search (article_id, title, body) VALUES (new.id, new.title, new.body_md);
END;

CREATE TRIGGER kb_search_update AFTER UPDATE OF title, body_md ON kb_articles BEGIN
    DELETE FROM kb_search WHERE article_id = old.id;
    INSERT INTO kb_search (article_id, title, body) VALUES (new.id, new.title, new.body_md);
END;

CREATE TRIGGER kb_search_delete AFTER DELETE ON kb_articles BEGIN
    DELETE FROM kb_search WHERE article_id = old.id;
END;
