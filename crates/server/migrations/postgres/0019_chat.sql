-- Chat with the service desk. A chat waits in the queue until a technician takes it, is held by
-- one technician at a time (handed over, or back to the queue when they leave), and ends: by
-- either side, idle after two warnings, or turned into an incident. Every message is a row
-- numbered within its chat, so a reconnecting client asks for what came after its last number.

CREATE TABLE chats (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id         TEXT REFERENCES orgs(id),
    -- The desktop app it was started from, if it was.
    device_id      TEXT REFERENCES devices(id) ON DELETE SET NULL,
    -- waiting, active, ended
    status         TEXT NOT NULL,
    technician_id  TEXT REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    taken_at       BIGINT,
    ended_at       BIGINT,
    -- user, desk, idle, incident
    ended_by       TEXT,
    ticket_id      TEXT REFERENCES tickets(id),
    -- The idle clock: the last message either side wrote, and the warnings given since.
    said_at        BIGINT NOT NULL,
    idle_warnings  BIGINT NOT NULL DEFAULT 0,
    -- The last message's number.
    last_seq       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX chats_open ON chats(status, created_at);
CREATE INDEX chats_user ON chats(user_id, created_at);
CREATE INDEX chats_technician ON chats(technician_id, status);

CREATE TABLE chat_messages (
    -- Chosen by whoever writes, so a resent message is the same message.
    id          TEXT PRIMARY KEY,
    chat_id     TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    -- text, or what happened: taken, handed_over, requeued, idle_warning, ended, incident
    kind        TEXT NOT NULL,
    author_id   TEXT REFERENCES users(id),
    body        TEXT NOT NULL,
    ticket_id   TEXT REFERENCES tickets(id),
    created_at  BIGINT NOT NULL,
    UNIQUE (chat_id, seq)
);
CREATE INDEX chat_messages_author ON chat_messages(author_id, created_at);

-- Files sent in a chat, by the uploader's hash (uploads are scoped to who uploaded them).
CREATE TABLE chat_files (
    message_id  TEXT NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
    chat_id     TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL REFERENCES attachments(sha256),
    file_name   TEXT NOT NULL,
    PRIMARY KEY (message_id, sha256)
);
CREATE INDEX chat_files_chat ON chat_files(chat_id, sha256);

-- Technicians on duty, and their presence: a console that is open keeps present_until ahead
-- of now, so a reload keeps a technician on duty and leaving takes them off.
CREATE TABLE duty (
    user_id        TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    since          BIGINT NOT NULL
);
CREATE TABLE presence (
    user_id        TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    present_until  BIGINT NOT NULL
);

-- Their commits are announced like every table's (0014_commit_notifications.sql).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chats
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chat_messages
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chat_files
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON duty
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
