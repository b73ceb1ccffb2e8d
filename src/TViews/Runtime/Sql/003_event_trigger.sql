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
