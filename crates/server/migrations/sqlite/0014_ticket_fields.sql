-- Ticket types and custom fields (seed 001): the type's key, and the custom values as a JSON
-- object by field key. The definitions live in settings ('ticket_fields').

ALTER TABLE tickets ADD COLUMN ticket_type TEXT;
ALTER TABLE tickets ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
CREATE INDEX tickets_type ON tickets (ticket_type);
