-- Self-service actions on a person's own computer: asked for, proved with a second factor,
-- signed, delivered to the agent, run at most once. One row per action; its state moves
-- requested → verified → delivered → running → succeeded / failed, or to expired / cancelled.

CREATE TABLE actions (
    id               TEXT PRIMARY KEY,
    device_id        TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL,
    factor           TEXT NOT NULL,
    -- The code sent for this action alone (SHA-256), and the wrong guesses at it.
    code_hash        TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    -- Written when the code is right: the statement the agent checks, and its signature.
    grant_claims     TEXT,
    grant_signature  TEXT,
    detail           TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    -- While waiting: the code must come, or the computer must start it, before this.
    deadline_at      BIGINT NOT NULL
);
CREATE INDEX actions_device ON actions(device_id, created_at);
CREATE INDEX actions_user ON actions(user_id, created_at);
CREATE INDEX actions_waiting ON actions(state, deadline_at);

-- Its commits are announced like every table's (0014_commit_notifications.sql).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON actions
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
