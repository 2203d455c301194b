-- Presence announces its commits like every table (0014_commit_notifications.sql).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON presence
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
