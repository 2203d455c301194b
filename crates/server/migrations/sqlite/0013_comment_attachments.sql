-- A file sent with a reply or an internal note belongs to that comment: it shows under it, and
-- a note's files are as hidden from end users as the note. NULL: sent with the ticket itself.
ALTER TABLE ticket_attachments ADD COLUMN comment_id TEXT REFERENCES comments(id);
