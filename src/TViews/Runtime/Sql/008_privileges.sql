-- Least privilege (docs/security.md). Maintenance runs in the TVIEW owner's trigger functions
-- (SECURITY DEFINER), so writers need rights on the tables they write and nothing else. What no
-- writer, reader or stranger may run: the functions that take maintenance locks, compose or
-- install generated code, or change the catalog. Operations that change a TVIEW check that the
-- caller owns it (or has its owner's rights through a role grant).

-- The caller must have the rights of the owner of the TVIEW table tbl.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_require_owner(tbl regclass, entity text, action text) RETURNS void
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    owner oid;
BEGIN
    SELECT c.relowner INTO owner FROM pg_catalog.pg_class c WHERE c.oid = tbl;
    IF owner IS NOT NULL AND NOT pg_catalog.pg_has_role(current_user, owner, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to % TVIEW %', action, entity
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('Only its owner %s, or a role granted %s, may.', owner::regrole, owner::regrole);
    END IF;
END $fn$;

-- One pass over the runtime's own functions (the installer lists their names; generated functions
-- carry their own settings and grants and are left alone):
-- - every one runs with search_path = pg_catalog, pg_temp, whoever calls it: writers (the gates, the
--   lock functions), the DDL event triggers (any role's ALTER TABLE) and operators. A schema on the
--   caller's search_path holding a better-matching overload of a built-in (cardinality(bigint[])
--   against cardinality(anyarray)) would otherwise run as that caller (CVE-2018-1058's pattern).
--   Runtime code names its own objects with the runtime schema and everything else through
--   pg_catalog or format('%I.%I', ...);
-- - those that take locks, compose or install code, or change the catalog are not PUBLIC's.
DO $do$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure AS sig, p.proname::text AS name FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = @schema_literal@::regnamespace AND p.proname::text = ANY (@runtime_functions@)
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f.sig);
        -- The lock functions and the slot checks run on every write: plans cached per session, as
        -- in generated code (PL/pgSQL only: a SQL function is planned again at every call).
        IF f.name LIKE 'pg\_tviews\_lock%' OR f.name IN ('pg_tviews_slot_held', 'pg_tviews_slots_held') THEN
            EXECUTE pg_catalog.format('ALTER FUNCTION %s SET plan_cache_mode = force_generic_plan', f.sig);
        END IF;
        -- Catalog checks: small tables and jsonb manifests, whose row estimates (a hundred rows per
        -- set-returning function) pass jit_above_cost; compiling cost 190 ms a call of
        -- pg_tviews_unresolved_sources, which the DDL event trigger runs for every ALTER TABLE (four
        -- per TVIEW created), against 1 ms without. Not the write path (a SET on every call) nor the
        -- functions that evaluate definitions over the data (refresh, consistency, convert). The
        -- event trigger functions have it from their CREATE: the install's own DDL fires them.
        IF f.name IN ('pg_tviews_register',
                      'pg_tviews_forget', 'pg_tviews_health_check', 'pg_tviews_unresolved_sources', 'pg_tviews_unseen_descendants',
                      'pg_tviews_misgated', 'pg_tviews_misshapen', 'pg_tviews_nullable_key_columns', 'pg_tviews_out_of_date',
                      'pg_tviews_changed_calls', 'pg_tviews_called_functions', 'pg_tviews_record_calls', 'pg_tviews_regate',
                      'pg_tviews_stored_manifests', 'pg_tviews_sync_dependents', 'pg_tviews_sync_lock_order', 'pg_tviews_compose',
                      'pg_tviews_install_triggers', 'pg_tviews_queue_stats', 'pg_tviews_debug_queue', 'pg_tviews_prepared_xacts',
                      'pg_tviews_mirror', 'pg_tviews_mirror_all', 'pg_tviews_take_stale') THEN
            EXECUTE pg_catalog.format('ALTER FUNCTION %s SET jit = off', f.sig);
        END IF;
        IF f.name LIKE 'pg\_tviews\_lock%'
           OR f.name IN ('pg_tviews_compose', 'pg_tviews_register', 'pg_tviews_install_triggers', 'pg_tviews_regate',
                         'pg_tviews_missing', 'pg_tviews_gate', 'pg_tviews_sync_lock_order', 'pg_tviews_sync_dependents',
                         'pg_tviews_end_prepared', 'pg_tviews_on_ddl', 'pg_tviews_on_sql_drop', 'pg_tviews_commit_hook',
                         'pg_tviews_on_function_ddl', 'pg_tviews_mirror', 'pg_tviews_mirror_all',
                         'pg_tviews_truncating', 'pg_tviews_truncated') THEN
            EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.sig);
        END IF;
    END LOOP;
END $do$;

-- DDL event triggers fire as whoever runs the DDL (any table owner): they re-gate and recompute
-- lock sets with the runtime owner's rights.
ALTER FUNCTION @schema@.pg_tviews_on_ddl() SECURITY DEFINER;
ALTER FUNCTION @schema@.pg_tviews_on_sql_drop() SECURITY DEFINER;
