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
-- CREATE TABLE: an inheritance child of a source (pg_tviews_unseen_descendants). An older runtime's
-- event trigger without it is re-created.
DO $do$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl' AND NOT 'CREATE TABLE' = ANY (evttags)) THEN
        DROP EVENT TRIGGER pg_tviews_ddl;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'pg_tviews_ddl') THEN
        CREATE EVENT TRIGGER pg_tviews_ddl ON ddl_command_end
            WHEN TAG IN ('CREATE TRIGGER', 'DROP TRIGGER', 'ALTER TABLE', 'CREATE TABLE')
            EXECUTE FUNCTION @schema@.pg_tviews_on_ddl();
        ALTER EVENT TRIGGER pg_tviews_ddl ENABLE ALWAYS;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'TViews: event trigger pg_tviews_ddl not installed (needs superuser); UPDATE gates stay wide';
END $do$;

-- Gates installed before this event trigger existed (or while it was disabled) may now be narrowed.
SELECT @schema@.pg_tviews_regate();
