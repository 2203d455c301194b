-- The help desk verifies a caller (seed 004): a short code emailed to the user, read back over
-- the phone. Stored hashed; expires; few attempts.

CREATE TABLE verification_codes (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    sent_by     TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    used_at     BIGINT
);
CREATE INDEX verification_codes_user ON verification_codes(user_id, created_at);
CREATE INDEX emails_to ON emails(to_addr, created_at);
