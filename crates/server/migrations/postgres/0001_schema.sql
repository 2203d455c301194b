-- The PostgreSQL schema: the same tables and encodings as the SQLite migrations 0001–0005
-- (ids as UUID text, times as Unix milliseconds, flags as 0/1), so the shared queries run
-- unchanged. Later changes come as paired migrations, one per backend.

CREATE TABLE orgs (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    enrol_key_hash  TEXT UNIQUE,
    auto_activate   BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
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
    created_at     BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('ticket_number', 1000), ('change_seq', 0);

CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,
    number        BIGINT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'awaiting_reply', 'resolved', 'closed')),
    priority      TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    source        TEXT NOT NULL,
    requester_id  TEXT NOT NULL REFERENCES users(id),
    org_id        TEXT REFERENCES orgs(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    change_seq    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tickets_requester ON tickets(requester_id, number);
CREATE INDEX tickets_org ON tickets(org_id, number);
CREATE INDEX tickets_change_seq ON tickets(change_seq);

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
    created_at  BIGINT NOT NULL
);
CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

CREATE TABLE sync_ops (
    op_id       TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    outcome     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE devices (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id),
    hostname          TEXT NOT NULL,
    os                TEXT NOT NULL,
    os_version        TEXT NOT NULL,
    serial            TEXT,
    macs              TEXT NOT NULL,
    os_user           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'active', 'deactivated')),
    secret_hash       TEXT NOT NULL UNIQUE,
    assigned_user_id  TEXT REFERENCES users(id),
    enrolled_at       BIGINT NOT NULL,
    last_seen_at      BIGINT
);
CREATE INDEX devices_org ON devices(org_id, status);

CREATE TABLE identity_tokens (
    id           TEXT PRIMARY KEY,
    device_id    TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX identity_tokens_email ON identity_tokens(email, created_at);
CREATE INDEX identity_tokens_addr ON identity_tokens(client_addr, created_at);

CREATE TABLE device_credentials (
    token_hash  TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE emails (
    id          TEXT PRIMARY KEY,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX emails_pending ON emails(sent_at, created_at);

CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    size         BIGINT NOT NULL,
    media_type   TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL
);

CREATE TABLE ticket_attachments (
    ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL REFERENCES attachments(sha256),
    file_name  TEXT NOT NULL,
    PRIMARY KEY (ticket_id, sha256)
);

CREATE TABLE kb_articles (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    category    TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
