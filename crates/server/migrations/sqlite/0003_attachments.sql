-- Content-addressed attachments and their links to tickets.

CREATE TABLE attachments (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    media_type   TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL
);

CREATE TABLE ticket_attachments (
    ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL REFERENCES attachments(sha256),
    file_name  TEXT NOT NULL,
    PRIMARY KEY (ticket_id, sha256)
);
