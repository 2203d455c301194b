-- Enrolled devices, the one-time identity confirmation, device credentials, and the mail queue.

CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    hostname          TEXT NOT NULL,
    os                TEXT NOT NULL,
    os_version        TEXT NOT NULL,
    serial            TEXT,
    macs              TEXT NOT NULL,          -- JSON array of lower-case MAC strings
    os_user           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'active', 'deactivated')),
    secret_hash       TEXT NOT NULL UNIQUE,
    assigned_user_id  TEXT REFERENCES users(id),
    enrolled_at       INTEGER NOT NULL,
    last_seen_at      INTEGER
);
CREATE INDEX devices_org ON devices(org_id, status);

CREATE TABLE identity_tokens (
    id           TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX identity_tokens_email ON identity_tokens(email, created_at);
CREATE INDEX identity_tokens_addr ON identity_tokens(client_addr, created_at);

CREATE TABLE device_credentials (
    token_hash  TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE emails (
    id          TEXT PRIMARY KEY,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX emails_pending ON emails(sent_at, created_at);
