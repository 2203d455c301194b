-- The language the desktop app asked in: the token mail is written in it, and a user created by
-- the confirmation keeps it.
ALTER TABLE identity_tokens ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
