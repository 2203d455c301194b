-- Self sign-up from the portal.
--
-- Who may sign up into an organisation: 'invite' (nobody: the desk invites), 'domain' (anyone
-- with an address at one of its domains), 'anyone' (the holding organisation: addresses of no
-- organisation's domain join it until the desk sorts them). At most one organisation holds.
ALTER TABLE orgs ADD COLUMN sign_up TEXT NOT NULL DEFAULT 'invite';
CREATE UNIQUE INDEX orgs_one_holding ON orgs (sign_up) WHERE sign_up = 'anyone';

-- Every sign-up asked for, whatever came of it: the limits per address and per client count
-- them.
CREATE TABLE sign_ups (
    id           TEXT PRIMARY KEY,
    email        TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX sign_ups_email ON sign_ups(email, created_at);
CREATE INDEX sign_ups_addr ON sign_ups(client_addr, created_at);

-- Sign-ups announce their commits like every other table (db/commits.rs).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sign_ups
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
