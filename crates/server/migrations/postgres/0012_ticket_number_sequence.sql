-- Ticket numbers come from a sequence: taking one no longer locks a row until commit, so
-- creations do not queue behind each other's commits for it. A number taken by a creation that
-- then fails is not given back (a gap); the change sequence stays a locked counter (SYNC.md).
CREATE SEQUENCE ticket_numbers;
SELECT setval('ticket_numbers', value) FROM counters WHERE name = 'ticket_number';
DELETE FROM counters WHERE name = 'ticket_number';
