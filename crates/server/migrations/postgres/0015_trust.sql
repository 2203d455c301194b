-- Trust: who may act at all (portal access, switched off), sessions that end when idle, device
-- credentials that rotate, and files that belong to whoever uploaded them.

-- Portal access is its own fact: a person invited by the desk may sign in once they choose a
-- password, and a person without it never gets a reset link.
ALTER TABLE users ADD COLUMN portal_access BIGINT NOT NULL DEFAULT 0;
-- Switched off by the desk: no credential of theirs works, anywhere.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
UPDATE users SET portal_access = 1
 WHERE password_hash IS NOT NULL
    OR EXISTS (SELECT 1 FROM password_resets r
                WHERE r.user_id = users.id AND r.client_addr = 'console' AND r.used_at IS NULL);

ALTER TABLE sessions ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_used_at = created_at;
CREATE INDEX sessions_user ON sessions(user_id, revoked_at);

-- A rotated credential names the one it replaces; that one stops at the new one's first use.
ALTER TABLE device_credentials ADD COLUMN replaces TEXT;
ALTER TABLE device_credentials ADD COLUMN used_at BIGINT;
CREATE INDEX device_credentials_user ON device_credentials(user_id, revoked_at);
CREATE INDEX device_credentials_device ON device_credentials(device_id, revoked_at);

-- Who uploaded which bytes: only they (or someone who sees the file on a ticket) may attach it.
CREATE TABLE uploads (
    sha256      TEXT NOT NULL REFERENCES attachments(sha256),
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (sha256, user_id)
);
INSERT INTO uploads (sha256, user_id, created_at)
SELECT sha256, uploaded_by, created_at FROM attachments;

-- The portal's address in email links is the server's configuration (`--public-url`) alone: a
-- setting technicians could edit no longer decides where people's tokens are sent.
UPDATE settings SET value = (value::jsonb - 'portal_url')::text WHERE name = 'portal';

-- Failed sign-ins, by account and by client: each one past the free few doubles the wait.
CREATE TABLE sign_in_failures (
    id           TEXT PRIMARY KEY,
    account      TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_account ON sign_in_failures(account, at);
CREATE INDEX sign_in_failures_client ON sign_in_failures(client_addr, at);

-- Enrolments by client, for their rate limit.
ALTER TABLE devices ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
CREATE INDEX devices_client ON devices(client_addr, enrolled_at);

-- New tables announce their commits like every other (migration 0014).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON uploads
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sign_in_failures
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
