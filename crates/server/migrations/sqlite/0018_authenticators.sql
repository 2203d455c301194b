-- Authenticator apps (TOTP, RFC 6238) confirming self-service actions. A row is either being set
-- up (its first code not confirmed yet, until expires_at) or confirmed; a person has at most one
-- of each, and the confirmed one stays until a new one is confirmed.

CREATE TABLE authenticators (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The secret, sealed with the server's key (keys.rs): never stored in the clear.
    secret        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    confirmed_at  INTEGER,
    -- Wrong first codes while being set up.
    attempts      INTEGER NOT NULL DEFAULT 0,
    -- The newest time step a code was taken for: no code is taken twice.
    last_step     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX authenticators_confirmed ON authenticators(user_id) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX authenticators_setting_up ON authenticators(user_id) WHERE confirmed_at IS NULL;
