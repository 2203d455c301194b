-- Knowledge-base articles (Markdown source; rendered and sanitised when served).

CREATE TABLE kb_articles (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    category    TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
