-- Optional convenience: clean-up after DROP TABLE tv_x. Event triggers need a superuser (or the
-- managed service's admin role); without one everything still works, and pg_tviews_forget(entity)
-- does the clean-up by hand.
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_sql_drop') THEN
        CREATE EVENT TRIGGER pg_tviews_sql_drop ON sql_drop EXECUTE FUNCTION @schema@.pg_tviews_on_sql_drop();
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'TViews: event trigger not installed (needs superuser); after DROP TABLE tv_x run SELECT pg_tviews_forget(''x'');';
END $do$;

-- Keeps the gates of UPDATE triggers right when BEFORE ROW triggers come and go (pg_tviews_regate).
-- ENABLE ALWAYS: DDL run with session_replication_role = replica must be seen too. Without this
-- event trigger every gate is wide, which is correct, only slower for UPDATEs of unread columns.
-- CREATE TABLE: an inheritance child of a source (pg_tviews_unseen_descendants). ALTER VIEW, ALTER
-- SCHEMA: renames of what generated code names. An older runtime's event trigger without them is
-- re-created.
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl' AND NOT 'ALTER SCHEMA' = ANY (evttags)) THEN
        DROP EVENT TRIGGER pg_tviews_ddl;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl') THEN
        CREATE EVENT TRIGGER pg_tviews_ddl ON ddl_command_end
            WHEN TAG IN ('CREATE TRIGGER', 'DROP TRIGGER', 'ALTER TABLE', 'CREATE TABLE', 'ALTER VIEW', 'ALTER SCHEMA')
            EXECUTE FUNCTION @schema@.pg_tviews_on_ddl();
        ALTER EVENT TRIGGER pg_tviews_ddl ENABLE ALWAYS;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'TViews: event trigger pg_tviews_ddl not installed (needs superuser); UPDATE gates stay wide';
END $do$;

-- Functions a definition calls: replaced (the TVIEWs calling them are reconciled), renamed, moved or
-- made VOLATILE (refused); pg_tviews_on_function_ddl. Without it the health check reports these and
-- tviews apply rebuilds the TVIEWs they left out of date.
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_functions') THEN
        CREATE EVENT TRIGGER pg_tviews_functions ON ddl_command_end
            WHEN TAG IN ('CREATE FUNCTION', 'ALTER FUNCTION', 'CREATE AGGREGATE', 'ALTER AGGREGATE', 'ALTER SCHEMA')
            EXECUTE FUNCTION @schema@.pg_tviews_on_function_ddl();
        ALTER EVENT TRIGGER pg_tviews_functions ENABLE ALWAYS;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'TViews: event trigger pg_tviews_functions not installed (needs superuser); the health check reports functions replaced under a TVIEW';
END $do$;

-- Refreshes of TVIEWs whose partitioned sources gained or lost rows with a partition, recorded by
-- pg_tviews_ddl and pg_tviews_sql_drop (named so as to fire after them), run as the role that ran
-- the DDL (pg_tviews_on_partition_ddl).
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl_refresh') THEN
        CREATE EVENT TRIGGER pg_tviews_ddl_refresh ON ddl_command_end
            WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE')
            EXECUTE FUNCTION @schema@.pg_tviews_on_partition_ddl();
        ALTER EVENT TRIGGER pg_tviews_ddl_refresh ENABLE ALWAYS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_sql_drop_refresh') THEN
        CREATE EVENT TRIGGER pg_tviews_sql_drop_refresh ON sql_drop
            EXECUTE FUNCTION @schema@.pg_tviews_on_partition_ddl();
        ALTER EVENT TRIGGER pg_tviews_sql_drop_refresh ENABLE ALWAYS;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'TViews: event triggers pg_tviews_ddl_refresh and pg_tviews_sql_drop_refresh not installed (needs superuser); after attaching, detaching or dropping a partition of a source run SELECT pg_tviews_mirror_all()';
END $do$;

-- Gates installed before this event trigger existed (or while it was disabled) may now be narrowed
-- (on a fresh install there are none).
SELECT @schema@.pg_tviews_regate() WHERE EXISTS (SELECT FROM @schema@.pg_tviews_metadata);
