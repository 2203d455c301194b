-- The second factor for self-service actions (seed 001): a phone number confirmed by an SMS
-- code. Removing or changing the user's phone number deletes the row (the factor is reset).

CREATE TABLE second_factors (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    phone        TEXT NOT NULL,
    verified_at  BIGINT NOT NULL
);

-- Codes sent by SMS; the newest unused, unexpired one per user is live.
CREATE TABLE phone_codes (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    used_at     BIGINT
);
CREATE INDEX phone_codes_user ON phone_codes(user_id, created_at);
