-- Mail that bounced, and the addresses the server no longer mails.
--
-- A message bounces when the mail server refuses its recipient for good (an SMTP 550, 551 or
-- 553), or when a delivery status notification says it failed (`bellhop-server mail bounce`).
-- Its address is then suppressed: later messages to it are held (`held_at`), not sent, until the
-- desk removes the suppression.
ALTER TABLE emails ADD COLUMN bounced_at BIGINT;
ALTER TABLE emails ADD COLUMN bounce_reason TEXT;
ALTER TABLE emails ADD COLUMN held_at BIGINT;

CREATE TABLE suppressed_addresses (
    email       TEXT PRIMARY KEY,
    reason      TEXT NOT NULL,
    email_id    TEXT,
    created_at  BIGINT NOT NULL
);

-- It announces its commits like every other table (db/commits.rs).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON suppressed_addresses
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
