-- The technician console: who works a ticket, phone numbers the help-desk search finds by their
-- digits, and the audit log of staff actions.

ALTER TABLE tickets ADD COLUMN assignee_id TEXT REFERENCES users(id);
CREATE INDEX tickets_assignee ON tickets(assignee_id, number);

ALTER TABLE users ADD COLUMN phone_digits TEXT;

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL REFERENCES users(id),
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
