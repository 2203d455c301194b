-- Change numbers come from a sequence: taking one no longer locks a row until commit, so writes
-- do not queue behind each other's commits for it. Numbers can then commit out of order; a pull
-- answers only up to a number below which every writer has finished, which writers make known
-- by registering (a shared advisory lock) before they take a number (docs/SYNC.md).
-- CACHE 1 (the default) is required: every number is handed out by the sequence itself, so its
-- last value is the highest handed out by any connection.
CREATE SEQUENCE change_seqs CACHE 1;
SELECT setval('change_seqs', GREATEST(value, 1), value > 0) FROM counters WHERE name = 'change_seq';
DELETE FROM counters WHERE name = 'change_seq';
