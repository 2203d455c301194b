-- Every commit that writes a table is announced on the channel bellhop_commits, whoever made it
-- (this server, another instance, another program): each instance keeps ticket lists and
-- sessions in memory only until it hears of the next commit (src/db/commits.rs). PostgreSQL
-- delivers a notification only if its transaction commits, and once per transaction.
-- A table added by a later migration needs the same trigger: the API suite checks every table.
CREATE FUNCTION bellhop_committed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bellhop_commits', '');
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename <> '_sqlx_migrations'
    LOOP
        EXECUTE format(
            'CREATE TRIGGER bellhop_committed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION bellhop_committed()', t);
    END LOOP;
END
$$;
