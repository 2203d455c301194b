-- When the desk decided a person has no portal access: taking it away, or making them without
-- it. A person the desktop app made (by confirming their identity) never had that decision, and
-- may sign up to the portal when their organisation takes sign-ups; a person the desk decided
-- about may not. People without access from before this column are counted as decided.
ALTER TABLE users ADD COLUMN portal_access_taken_at INTEGER;
UPDATE users SET portal_access_taken_at = created_at WHERE portal_access = 0;
