-- Forgotten passwords: an emailed single-use link, stored hashed.

CREATE TABLE password_resets (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX password_resets_email ON password_resets(email, created_at);
CREATE INDEX password_resets_addr ON password_resets(client_addr, created_at);
