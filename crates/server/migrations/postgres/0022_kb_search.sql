-- Full-text search over the knowledge base (the assistant's and the portal's): a GIN index of
-- each article's title (weighted A) and body, stemmed. Queries repeat this expression exactly
-- (db/kb.rs `PG_DOCUMENT`) so that the index serves them.

CREATE INDEX kb_articles_search ON kb_articles USING GIN (
    (setweight(to_tsvector('english', title), 'A') || to_tsvector('english', body_md))
);
