-- Requests from the service catalog: the item a ticket was asked for with, and, where the item
-- needs it, the primary contact's approval (pending, approved, declined), who gave it and when.
-- A ticket whose approval is pending or declined is not the desk's to see.
ALTER TABLE tickets ADD COLUMN catalog_item TEXT;
ALTER TABLE tickets ADD COLUMN approval TEXT;
ALTER TABLE tickets ADD COLUMN approval_by_id TEXT REFERENCES users(id);
ALTER TABLE tickets ADD COLUMN approval_at BIGINT;
CREATE INDEX tickets_awaiting_approval ON tickets(org_id) WHERE approval = 'pending';
