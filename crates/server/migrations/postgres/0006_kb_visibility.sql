-- Knowledge-base articles visible to chosen organisations only (none listed: everyone).

CREATE TABLE kb_article_orgs (
    article_id  TEXT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, org_id)
);
CREATE INDEX kb_article_orgs_org ON kb_article_orgs(org_id);
