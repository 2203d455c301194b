-- Signing in with a company account (OpenID Connect).
--
-- An organisation's identity provider: its kind ('oidc', 'entra', 'google'), issuer, client id,
-- the client secret sealed with the server's key (keys.rs), the tenant a preset checks (Entra's
-- tid, Google's hd), and whether its people may still sign in with a password.
CREATE TABLE identity_providers (
    org_id            TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL,
    issuer            TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    client_secret     TEXT,
    tenant            TEXT,
    password_sign_in  BIGINT NOT NULL DEFAULT 1,
    updated_at        BIGINT NOT NULL
);

-- Which account at a provider is which person: the provider's subject stays the same when the
-- person's address changes, and another account given the same address later is not them.
CREATE TABLE company_identities (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, issuer, subject)
);
CREATE UNIQUE INDEX company_identities_user ON company_identities(user_id, org_id, issuer);

-- Sign-ins under way, for ten minutes at most: found by the hash of the state sent to the
-- provider, with the PKCE verifier and nonce that go with it (spent once the provider's answer
-- came back, whatever came of it); then, once the provider has vouched for the person, by the
-- hash of the single-use ticket that gives the session. A desktop app's sign-in (RFC 8252) also
-- names its device, the loopback address it listens on, its own PKCE challenge and its state:
-- the ticket goes to the app, which proves with its verifier that it is the one that asked.
CREATE TABLE company_sign_ins (
    state_hash     TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    pkce_verifier  TEXT NOT NULL,
    nonce          TEXT NOT NULL,
    spent          BIGINT NOT NULL DEFAULT 0,
    ticket_hash    TEXT UNIQUE,
    user_id        TEXT REFERENCES users(id) ON DELETE CASCADE,
    device_id      TEXT REFERENCES devices(id) ON DELETE CASCADE,
    app_redirect   TEXT,
    app_challenge  TEXT,
    app_state      TEXT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX company_sign_ins_created ON company_sign_ins(created_at);

-- These tables announce their commits like every other table (db/commits.rs).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON identity_providers
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON company_identities
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON company_sign_ins
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
