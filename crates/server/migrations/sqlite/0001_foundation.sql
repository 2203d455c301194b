-- Organisations, people, sessions, tickets, conversation, and the idempotency record of sync ops.
-- Ids are UUID strings; times are Unix milliseconds (UTC).

CREATE TABLE orgs (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    enrol_key_hash  TEXT UNIQUE,
    auto_activate   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE org_domains (
    domain  TEXT PRIMARY KEY,
    org_id  TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT REFERENCES orgs(id),
    name           TEXT NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    phone          TEXT,
    role           TEXT NOT NULL CHECK (role IN ('end_user', 'primary_contact', 'technician', 'admin')),
    language       TEXT NOT NULL DEFAULT 'en',
    password_hash  TEXT,
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,
    number        INTEGER NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'awaiting_reply', 'resolved', 'closed')),
    priority      TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    source        TEXT NOT NULL,
    requester_id  TEXT NOT NULL REFERENCES users(id),
    org_id        TEXT REFERENCES orgs(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX tickets_requester ON tickets(requester_id, number);
CREATE INDEX tickets_org ON tickets(org_id, number);

CREATE TABLE ticket_cc (
    ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_cc_user ON ticket_cc(user_id);

CREATE TABLE comments (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL REFERENCES users(id),
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

-- One row per applied sync operation: the first outcome, replayed on every repeat.
CREATE TABLE sync_ops (
    op_id       TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    outcome     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
