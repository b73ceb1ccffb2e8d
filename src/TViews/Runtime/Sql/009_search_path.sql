-- Every runtime function runs with search_path = pg_catalog, pg_temp, whoever calls it: writers (the
-- gates, the lock functions), the DDL event triggers (any role's ALTER TABLE) and operators
-- (pg_tviews_refresh). A schema on the caller's search_path holding a better-matching overload of a
-- built-in (cardinality(bigint[]) against cardinality(anyarray)) would otherwise run as that caller
-- (CVE-2018-1058's pattern). Runtime code names its own objects with the runtime schema and reads
-- everything else through pg_catalog or format('%I.%I', ...). Generated functions carry their own
-- setting (pg_catalog, the schemas their definition uses, pg_temp) and are left alone here: the
-- installer lists the runtime's own function names.
DO $do$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = @schema_literal@::regnamespace
          AND p.proname::text = ANY (@runtime_functions@)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END $do$;
