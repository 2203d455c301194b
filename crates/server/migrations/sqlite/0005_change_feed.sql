-- Counters that must be handed out in commit order (ticket numbers, the change sequence), and
-- each ticket's latest change, which the pull endpoint reads after a client's cursor.

CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO counters (name, value) SELECT 'ticket_number', COALESCE(MAX(number), 1000) FROM tickets;

ALTER TABLE tickets ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET change_seq = number - 1000;
INSERT INTO counters (name, value) SELECT 'change_seq', COALESCE(MAX(change_seq), 0) FROM tickets;
CREATE INDEX tickets_change_seq ON tickets(change_seq);
