-- The desk looking at a customer's portal, read-only, with their consent.
--
-- A customer's consent, until a time they chose (withdrawn: the row goes).
CREATE TABLE view_consents (
    user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    granted_at  INTEGER NOT NULL,
    until       INTEGER NOT NULL
);

-- Each look: who looked at whom, and when. The console gets a single-use ticket (its hash
-- here), which the portal's tab trades for a read-only session (its token's hash here), good
-- until the look expires, ends, or the consent does.
CREATE TABLE views (
    id           TEXT PRIMARY KEY,
    viewer_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    ticket_hash  TEXT UNIQUE,
    token_hash   TEXT UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX views_user ON views(user_id, created_at);
