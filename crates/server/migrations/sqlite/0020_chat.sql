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
    created_at     INTEGER NOT NULL,
    taken_at       INTEGER,
    ended_at       INTEGER,
    -- user, desk, idle, incident
    ended_by       TEXT,
    ticket_id      TEXT REFERENCES tickets(id),
    -- The idle clock: the last message either side wrote, and the warnings given since.
    said_at        INTEGER NOT NULL,
    idle_warnings  INTEGER NOT NULL DEFAULT 0,
    -- The last message's number.
    last_seq       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX chats_open ON chats(status, created_at);
CREATE INDEX chats_user ON chats(user_id, created_at);
CREATE INDEX chats_technician ON chats(technician_id, status);

CREATE TABLE chat_messages (
    -- Chosen by whoever writes, so a resent message is the same message.
    id          TEXT PRIMARY KEY,
    chat_id     TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    -- text, or what happened: taken, handed_over, requeued, idle_warning, ended, incident
    kind        TEXT NOT NULL,
    author_id   TEXT REFERENCES users(id),
    body        TEXT NOT NULL,
    ticket_id   TEXT REFERENCES tickets(id),
    created_at  INTEGER NOT NULL,
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
    since          INTEGER NOT NULL
);
CREATE TABLE presence (
    user_id        TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    present_until  INTEGER NOT NULL
);
