-- A ticket the desk opened for a person (a phone call, a chat): the person is its requester, and
-- the technician who opened it is kept here, so the person sees it marked as opened for them.
ALTER TABLE tickets ADD COLUMN opened_by_id TEXT REFERENCES users(id);
