-- The assistant's daily counts announce their commits like every other table (db/commits.rs).
CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assistant_calls
    FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed();
