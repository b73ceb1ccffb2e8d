-- TViews runtime: the operations API of the failure runbook (docs/runbook.md): restore a TVIEW
-- from what remains in the database, prepared transactions that carry TVIEW changes, queue
-- introspection, and the health check. Everything here runs from psql, with no client process.

-- The manifest of a registered TVIEW, rebuilt from its metadata row (NULL when there is none).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_manifest(entity text) RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
    SELECT jsonb_build_object(
        'entity_name', m.entity_name, 'table_schema', m.table_schema, 'table_name', m.table_name,
        'view_name', m.view_name, 'definition', m.definition, 'key_columns', to_jsonb(m.key_columns),
        'sources', to_jsonb(m.sources), 'depth', m.depth, 'mode', m.mode,
        'definition_hash', m.definition_hash, 'sync_function', m.sync_function,
        'apply_function', m.apply_function, 'objects', m.objects)
    FROM @schema@.pg_tviews_metadata m
    WHERE m.entity_name = entity
$fn$;

-- Manifests stored as 'tviews:' || manifest in the comment of definition views, one per view,
-- first schema of the search_path first. Survives the loss of the metadata row (and pg_dump).
-- A manifest carries code that runs as every writer (the parts of shared UPDATE functions, trigger
-- DDL), so only the runtime owner's definition views count: a view owned by anyone else, in a temp
-- schema, or whose name and schema do not match the manifest's is not a manifest, whatever its
-- comment says (any role can create a temporary view and comment on it).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_stored_manifests()
RETURNS TABLE (entity_name text, view_schema text, view_name text, manifest jsonb)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    r record;
    j jsonb;
BEGIN
    FOR r IN
        SELECT n.nspname::text AS s, c.relname::text AS v, d.description AS txt
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
        WHERE c.relkind = 'v' AND d.description LIKE 'tviews:%'
          AND c.relname LIKE 'pg\_tviews\_v\_%'
          AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
          AND c.relowner = (SELECT o.relowner FROM pg_class o WHERE o.oid = (@schema_literal@ || '.pg_tviews_metadata')::regclass)
        ORDER BY array_position(current_schemas(false), n.nspname) NULLS LAST, n.nspname, c.relname
    LOOP
        -- A comment someone edited into something else is not a manifest: skip it.
        BEGIN
            j := substr(r.txt, 8)::jsonb;
        EXCEPTION WHEN invalid_text_representation THEN
            CONTINUE;
        END;
        IF jsonb_typeof(j) = 'object' AND j ? 'entity_name' AND j ? 'objects'
           AND j->>'table_schema' = r.s AND j->>'view_name' = r.v AND r.v = 'pg_tviews_v_' || (j->>'entity_name') THEN
            entity_name := j->>'entity_name'; view_schema := r.s; view_name := r.v; manifest := j;
            RETURN NEXT;
        END IF;
    END LOOP;
END $fn$;

-- Restores a TVIEW whose metadata row was deleted, or whose pg_tviews_* triggers were dropped or
-- disabled, from what remains in the database: the manifest (metadata row, else the comment of
-- its definition view), the definition view (re-created from the stored definition if missing),
-- the table (re-created empty if missing) and its generated functions. Then registers it, installs
-- its triggers enabled, and reconciles its rows (and its dependents') with the definition.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_convert_existing_table(entity_name text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    e text := pg_tviews_convert_existing_table.entity_name;
    manifest jsonb;
    origin text;
    tbl regclass;
    f jsonb;
    notes text[] := '{}';
    n_triggers integer;
    n_rows bigint;
BEGIN
    manifest := @schema@.pg_tviews_manifest(e);
    origin := 'its metadata row';
    IF manifest IS NULL THEN
        SELECT s.manifest, format('the comment of view %I.%I', s.view_schema, s.view_name)
        INTO manifest, origin
        FROM @schema@.pg_tviews_stored_manifests() s WHERE s.entity_name = e LIMIT 1;
    END IF;
    IF manifest IS NULL THEN
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', e
            USING ERRCODE = 'undefined_object',
                  DETAIL = format('There is no pg_tviews_metadata row for %s and no definition view (pg_tviews_v_%s) whose comment holds its manifest.', e, e),
                  HINT = 'Create the TVIEW again from its definition with `tviews apply`.';
    END IF;
    PERFORM @schema@.pg_tviews_require_owner(to_regclass(format('%I.%I', manifest->>'table_schema', manifest->>'table_name')), e, 'convert');

    -- The definition view: PostgreSQL keeps it unless a source was dropped with CASCADE.
    IF to_regclass(format('%I.%I', manifest->>'table_schema', manifest->>'view_name')) IS NULL THEN
        BEGIN
            EXECUTE format('CREATE VIEW %I.%I AS %s', manifest->>'table_schema', manifest->>'view_name', manifest->>'definition');
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'The definition of TVIEW % no longer resolves: %', e, SQLERRM
                USING ERRCODE = 'invalid_object_definition',
                      HINT = 'Restore the objects it reads, or create the TVIEW again with `tviews apply`.';
        END;
        notes := notes || format('definition view %I.%I re-created', manifest->>'table_schema', manifest->>'view_name');
    END IF;

    -- The table: re-created empty from the definition if it is gone; the reconcile below fills it.
    tbl := to_regclass(format('%I.%I', manifest->>'table_schema', manifest->>'table_name'));
    IF tbl IS NULL THEN
        EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM %I.%I WITH NO DATA',
                       manifest->>'table_schema', manifest->>'table_name', manifest->>'table_schema', manifest->>'view_name');
        tbl := to_regclass(format('%I.%I', manifest->>'table_schema', manifest->>'table_name'));
        notes := notes || format('table %I.%I re-created', manifest->>'table_schema', manifest->>'table_name');
    END IF;
    -- The apply function upserts ON CONFLICT (key): the primary key must be there (a multiset has none).
    IF NOT coalesce((manifest->'objects'->>'multiset')::boolean, false)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = tbl AND contype = 'p') THEN
        EXECUTE format('ALTER TABLE %s ADD PRIMARY KEY (%s)', tbl,
                       (SELECT string_agg(quote_ident(k), ', ') FROM jsonb_array_elements_text(manifest->'key_columns') k));
        notes := notes || 'primary key re-created'::text;
    END IF;

    -- Generated functions carry the compiled maintenance logic; only `tviews apply` can write them.
    FOR f IN SELECT * FROM jsonb_array_elements(manifest->'objects'->'functions') LOOP
        IF to_regprocedure(format('%I.%I(%s)', f->>'schema', f->>'name', f->>'args')) IS NULL THEN
            RAISE EXCEPTION 'Generated function %.%(%) of TVIEW % is missing', f->>'schema', f->>'name', f->>'args', e
                USING ERRCODE = 'undefined_function',
                      HINT = 'Create the TVIEW again from its definition with `tviews apply`.';
        END IF;
    END LOOP;

    PERFORM @schema@.pg_tviews_register(manifest);
    n_triggers := @schema@.pg_tviews_install_triggers(manifest);
    n_rows := @schema@.pg_tviews_refresh(e, false);
    RETURN format('TVIEW %s restored from %s%s: %s trigger(s) installed and enabled, %s row(s) reconciled',
                  e, origin, CASE WHEN cardinality(notes) > 0 THEN ' (' || array_to_string(notes, ', ') || ')' ELSE '' END,
                  n_triggers, n_rows);
END $fn$;

-- Every prepared transaction of this database, with the TVIEWs it wrote. A prepared transaction
-- keeps its locks (pg_locks rows with pid NULL, found through its transactionid lock); a write
-- lock on a TVIEW table means it carries TVIEW changes (maintenance runs before PREPARE).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_prepared_xacts()
RETURNS TABLE (gid text, prepared timestamptz, owner name, database name, transaction xid,
               entities text[], dismissed boolean)
LANGUAGE sql STABLE AS $fn$
    WITH locks AS MATERIALIZED (
        SELECT l.locktype, l.database, l.relation, l.transactionid, l.virtualtransaction, l.mode
        FROM pg_locks l WHERE l.pid IS NULL
    )
    SELECT p.gid, p.prepared, p.owner, p.database, p.transaction,
           COALESCE(e.entities, '{}'),
           EXISTS (SELECT 1 FROM @schema@.pg_tviews_dismissed_prepared d WHERE d.gid = p.gid AND d.transaction = p.transaction)
    FROM pg_prepared_xacts p
    LEFT JOIN LATERAL (
        SELECT array_agg(DISTINCT m.entity_name ORDER BY m.entity_name) AS entities
        FROM locks x
        JOIN locks l ON l.virtualtransaction = x.virtualtransaction AND l.locktype = 'relation'
                    AND l.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        JOIN pg_class c ON c.oid = l.relation
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN @schema@.pg_tviews_metadata m ON m.table_schema = n.nspname AND m.table_name = c.relname
        WHERE x.locktype = 'transactionid' AND x.transactionid = p.transaction
    ) e ON true
    WHERE p.database = current_database()
$fn$;

-- The runbook's list of prepared transactions carrying TVIEW changes. The changes are inside the
-- prepared transaction itself: COMMIT PREPARED makes them visible, ROLLBACK PREPARED discards them.
CREATE OR REPLACE VIEW @schema@.pg_tview_pending_refreshes AS
    SELECT x.gid, x.prepared, x.prepared AS prepared_at, x.owner, x.database, x.transaction, x.entities,
           now() - x.prepared AS age
    FROM @schema@.pg_tviews_prepared_xacts() x
    WHERE cardinality(x.entities) > 0 AND NOT x.dismissed;
GRANT SELECT ON @schema@.pg_tview_pending_refreshes TO PUBLIC;

-- DELETE FROM pg_tview_pending_refreshes WHERE gid = '...': PostgreSQL does not let a function end
-- a prepared transaction, so the row is dismissed from the list (recorded, still reported by the
-- health check while the transaction exists) and the NOTICE gives the statement that ends it.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_dismiss_prepared() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO @schema@.pg_tviews_dismissed_prepared AS d (gid, transaction) VALUES (OLD.gid, OLD.transaction)
    ON CONFLICT (gid) DO UPDATE SET transaction = excluded.transaction, dismissed_at = now();
    RAISE NOTICE 'prepared transaction % dismissed from pg_tview_pending_refreshes; it is still prepared and keeps its TVIEW changes and locks until ended with: ROLLBACK PREPARED %; (discard) or COMMIT PREPARED %; (apply)',
        quote_literal(OLD.gid), quote_literal(OLD.gid), quote_literal(OLD.gid)
        USING HINT = format('ROLLBACK PREPARED %L;', OLD.gid);
    RETURN OLD;
END $fn$;

-- Not named pg_tviews_*: that prefix means "maintenance trigger of a TVIEW", and the runbook's DO
-- blocks ALTER TABLE every trigger carrying it (which a view does not support).
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = (@schema_literal@ || '.pg_tview_pending_refreshes')::regclass
                                                AND tgname = 'pg_tview_pending_refreshes_delete') THEN
        CREATE TRIGGER pg_tview_pending_refreshes_delete INSTEAD OF DELETE ON @schema@.pg_tview_pending_refreshes
            FOR EACH ROW EXECUTE FUNCTION @schema@.pg_tviews_dismiss_prepared();
    END IF;
END $do$;

-- Shared by pg_tviews_commit_prepared / pg_tviews_rollback_prepared.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_end_prepared(gid text, action text) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    p record;
BEGIN
    SELECT x.gid, x.database INTO p FROM pg_prepared_xacts x WHERE x.gid = pg_tviews_end_prepared.gid;
    IF FOUND THEN
        RAISE EXCEPTION 'prepared transaction % is still open; end it with % PREPARED', quote_literal(p.gid), action
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'PostgreSQL runs COMMIT PREPARED and ROLLBACK PREPARED only as top-level statements, never inside a function. '
                           'The TVIEW changes are part of the prepared transaction: that statement alone applies or discards them.',
                  HINT = CASE WHEN p.database = current_database()
                              THEN format('%s PREPARED %L;', action, p.gid)
                              ELSE format('Connect to database %s and run: %s PREPARED %L;', p.database, action, p.gid) END;
    END IF;
    BEGIN
        DELETE FROM @schema@.pg_tviews_dismissed_prepared d WHERE d.gid = pg_tviews_end_prepared.gid;
    EXCEPTION WHEN insufficient_privilege OR read_only_sql_transaction THEN
        NULL; -- only bookkeeping: the health check ignores dismissals of gids that are gone
    END;
    RETURN format('not prepared: nothing to do (%s is not a prepared transaction; it was committed or rolled back)', quote_literal(gid));
END $fn$;

CREATE OR REPLACE FUNCTION @schema@.pg_tviews_commit_prepared(gid text) RETURNS text
LANGUAGE sql AS $fn$ SELECT @schema@.pg_tviews_end_prepared(gid, 'COMMIT') $fn$;

CREATE OR REPLACE FUNCTION @schema@.pg_tviews_rollback_prepared(gid text) RETURNS text
LANGUAGE sql AS $fn$ SELECT @schema@.pg_tviews_end_prepared(gid, 'ROLLBACK') $fn$;

-- Forgets dismissals of transactions that have ended and lists the prepared transactions that
-- carry TVIEW changes, oldest first, with the statements that end them. Never fails.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_recover_prepared_transactions(orphan_after interval DEFAULT interval '1 hour')
RETURNS TABLE (gid text, prepared timestamptz, age interval, owner name, database name, entities text[],
               dismissed boolean, orphaned boolean, commit_statement text, rollback_statement text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
    BEGIN
        DELETE FROM @schema@.pg_tviews_dismissed_prepared d
        WHERE NOT EXISTS (SELECT 1 FROM pg_prepared_xacts p WHERE p.gid = d.gid AND p.transaction = d.transaction);
    EXCEPTION WHEN OTHERS THEN
        NULL; -- bookkeeping only (no privilege, or a read-only standby): the listing still works
    END;
    RETURN QUERY
        SELECT x.gid, x.prepared, now() - x.prepared, x.owner, x.database, x.entities, x.dismissed,
               now() - x.prepared > orphan_after,
               format('COMMIT PREPARED %L;', x.gid), format('ROLLBACK PREPARED %L;', x.gid)
        FROM @schema@.pg_tviews_prepared_xacts() x
        WHERE cardinality(x.entities) > 0
        ORDER BY x.prepared;
END $fn$;

-- pg_tviews_debug_queue() and pg_tviews_queue_stats(): 006_deferred.sql (they read the queue).

-- One row per check; status OK, WARNING or ERROR. Cheap enough to run from monitoring:
-- catalog lookups, plus a consistency comparison that is complete for small TVIEWs and a sample
-- of sample_rows keys for large ones. Never fails: a check that errors reports ERROR.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_health_check(orphan_after interval DEFAULT interval '1 hour',
                                                           sample_rows integer DEFAULT 100)
RETURNS TABLE (check_name text, status text, details text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    r record;
    m record;
    problems text[];
    warnings text[];
    n bigint;
    n2 bigint;
    pages bigint;
    keys text;
    saved_lock_timeout text := current_setting('lock_timeout');
BEGIN
    -- A prepared or long transaction holding a strong lock (TRUNCATE of a source) must not hang the
    -- check: give up on a lock after 2s and report that TVIEW as not checked (WARNING). A caller's
    -- own lock_timeout, if set, is kept.
    IF saved_lock_timeout = '0' THEN
        PERFORM set_config('lock_timeout', '2s', true);
    END IF;

    -- runtime_version
    check_name := 'runtime_version';
    BEGIN
        SELECT count(*), count(*) FILTER (WHERE x.runtime_version <> @schema@.pg_tviews_version()) INTO n, n2
        FROM @schema@.pg_tviews_metadata x;
        status := 'OK';
        details := format('TViews runtime %s on PostgreSQL %s; %s TVIEW(s)', @schema@.pg_tviews_version(),
                          current_setting('server_version'), n)
                   || CASE WHEN n2 > 0 THEN format(' (%s registered by another runtime version)', n2) ELSE '' END;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    -- metadata_tables: every metadata row names an existing table and has its state (lock) row.
    check_name := 'metadata_tables';
    BEGIN
        SELECT array_agg(format('%s: table %I.%I does not exist', x.entity_name, x.table_schema, x.table_name) ORDER BY x.entity_name)
        INTO problems FROM @schema@.pg_tviews_metadata x
        WHERE to_regclass(format('%I.%I', x.table_schema, x.table_name)) IS NULL;
        SELECT array_agg(format('%s: state row missing (writes to its sources fail); run SELECT pg_tviews_convert_existing_table(%L)', x.entity_name, x.entity_name) ORDER BY x.entity_name)
        INTO warnings FROM @schema@.pg_tviews_metadata x
        WHERE NOT EXISTS (SELECT 1 FROM @schema@.pg_tviews_state s WHERE s.entity_name = x.entity_name);
        problems := COALESCE(problems, '{}') || COALESCE(warnings, '{}');
        status := CASE WHEN cardinality(problems) > 0 THEN 'ERROR' ELSE 'OK' END;
        details := CASE WHEN cardinality(problems) > 0 THEN array_to_string(problems, '; ')
                        ELSE 'every TVIEW in pg_tviews_metadata has its table' END;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    -- definitions: the definition view exists and still plans, and every generated function exists.
    check_name := 'definitions';
    BEGIN
        problems := '{}';
        warnings := '{}';
        FOR m IN SELECT * FROM @schema@.pg_tviews_metadata x ORDER BY x.depth, x.entity_name LOOP
            IF to_regclass(format('%I.%I', m.table_schema, m.view_name)) IS NULL THEN
                problems := problems || format('%s: definition view %I.%I is missing (the definition no longer resolves)', m.entity_name, m.table_schema, m.view_name);
                CONTINUE;
            END IF;
            BEGIN
                EXECUTE format('SELECT 1 FROM %I.%I LIMIT 0', m.table_schema, m.view_name);
            EXCEPTION WHEN lock_not_available THEN
                warnings := warnings || format('%s: not checked, a source is locked by another transaction (%s)', m.entity_name, SQLERRM);
            WHEN OTHERS THEN
                problems := problems || format('%s: definition no longer resolves: %s', m.entity_name, SQLERRM);
            END;
            SELECT problems || COALESCE(array_agg(format('%s: reads %I.%I, which has the inheritance %s: writes addressed to it are not maintained',
                       m.entity_name, d.table_schema, d.table_name, d.child)), '{}')
            INTO problems
            FROM @schema@.pg_tviews_unseen_descendants() d WHERE d.entity_name = m.entity_name;
            -- Renamed under the generated code (no event trigger to refuse the rename): writes fail.
            SELECT problems || COALESCE(array_agg(DISTINCT format('%s: its generated code reads %s, which no longer exists (renamed?)', m.entity_name,
                       CASE WHEN u.column_name IS NULL OR to_regclass(format('%I.%I', u.table_schema, u.table_name)) IS NULL
                            THEN format('table %I.%I', u.table_schema, u.table_name)
                            ELSE format('column %I of %I.%I', u.column_name, u.table_schema, u.table_name) END)), '{}')
            INTO problems
            FROM @schema@.pg_tviews_unresolved_sources() u WHERE u.entity_name = m.entity_name;
            -- Functions it calls replaced, renamed or made volatile; its table or view renamed or reshaped.
            SELECT problems || COALESCE(array_agg(format('%s: it calls %s, which %s', m.entity_name, c.function_name,
                       CASE c.change WHEN 'moved' THEN 'no longer exists (renamed or moved?): writes that patch rows fail'
                                     WHEN 'volatile' THEN 'is now VOLATILE'
                                     ELSE format('was replaced after it was built: its rows may be out of date (SELECT pg_tviews_refresh(%L))', m.entity_name) END)), '{}')
            INTO problems
            FROM @schema@.pg_tviews_changed_calls() c WHERE c.entity_name = m.entity_name;
            SELECT problems || COALESCE(array_agg(format('%s: its key rests on column %I of %I.%I being NOT NULL, which it no longer is: a row with a NULL key would be missing',
                       m.entity_name, n.column_name, n.table_schema, n.table_name)), '{}')
            INTO problems
            FROM @schema@.pg_tviews_nullable_key_columns() n WHERE n.entity_name = m.entity_name;
            SELECT problems || COALESCE(array_agg(format('%s: %s', m.entity_name, x.problem)), '{}')
            INTO problems
            FROM @schema@.pg_tviews_misshapen() x
            WHERE x.entity_name = m.entity_name AND to_regclass(format('%I.%I', m.table_schema, m.table_name)) IS NOT NULL
              AND to_regclass(format('%I.%I', m.table_schema, m.view_name)) IS NOT NULL;
            SELECT problems || COALESCE(array_agg(format('%s: generated function %I.%I(%s) is missing', m.entity_name, f->>'schema', f->>'name', f->>'args')), '{}')
            INTO problems
            FROM jsonb_array_elements(COALESCE(m.objects->'functions', '[]')) f
            WHERE to_regprocedure(format('%I.%I(%s)', f->>'schema', f->>'name', f->>'args')) IS NULL;
        END LOOP;
        status := CASE WHEN cardinality(problems) > 0 THEN 'ERROR' WHEN cardinality(warnings) > 0 THEN 'WARNING' ELSE 'OK' END;
        details := CASE WHEN cardinality(problems) > 0 THEN array_to_string(problems, '; ') || ' (create it again with tviews apply)'
                        ELSE 'every definition view and generated function is present' END
                   || CASE WHEN cardinality(warnings) > 0 THEN '; ' || array_to_string(warnings, '; ') ELSE '' END;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    -- triggers: every trigger of every manifest exists and fires (tgenabled O = origin/local, A = always);
    -- pg_tviews_* triggers that no manifest lists are leftovers.
    check_name := 'triggers';
    BEGIN
        SELECT array_agg(format('%s: trigger %I on %I.%I is %s', x.entity_name, x.name, x.sch, x.tbl,
                                CASE WHEN x.tgenabled IS NULL THEN 'missing' ELSE 'disabled' END)
                         ORDER BY x.entity_name, x.name),
               count(DISTINCT x.entity_name)
        INTO problems, n
        FROM (SELECT md.entity_name, t->>'name' AS name, t->>'schema' AS sch, t->>'table' AS tbl, tg.tgenabled
              FROM @schema@.pg_tviews_metadata md
              CROSS JOIN LATERAL jsonb_array_elements(COALESCE(md.objects->'triggers', '[]')) t
              LEFT JOIN pg_trigger tg ON tg.tgrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table'))
                                     AND tg.tgname = t->>'name') x
        WHERE x.tgenabled IS NULL OR x.tgenabled NOT IN ('O', 'A');
        -- A gate with a column list on a table that has a BEFORE UPDATE row trigger misses changes
        -- that trigger makes (the pg_tviews_ddl event trigger normally widens it at once).
        SELECT problems || array_agg(format('%s: gate %I on %I.%I lists columns, so UPDATEs can be missed (%s); run SELECT pg_tviews_regate()',
                                            g.entity_name, g.trigger_name, g.table_schema, g.table_name, g.reason) ORDER BY g.entity_name, g.trigger_name),
               n + count(DISTINCT g.entity_name)
        INTO problems, n
        FROM @schema@.pg_tviews_misgated() g WHERE g.must_be_wide;
        -- The shared UPDATE function of each source must hold each reading TVIEW's part.
        SELECT problems || array_agg(format('%s: the UPDATE function %I.%I of %I.%I lacks its part; run SELECT pg_tviews_convert_existing_table(%L)',
                                            md.entity_name, t->>'function_schema', t->>'function', t->>'schema', t->>'table', md.entity_name)
                                     ORDER BY md.entity_name, t->>'table'),
               n + count(DISTINCT md.entity_name)
        INTO problems, n
        FROM @schema@.pg_tviews_metadata md
        CROSS JOIN LATERAL jsonb_array_elements(COALESCE(md.objects->'triggers', '[]')) t
        WHERE (t->>'shared')::boolean
          AND NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace ns ON ns.oid = p.pronamespace
                          WHERE ns.nspname = t->>'function_schema' AND p.proname = t->>'function'
                            AND strpos(p.prosrc, format('<<pg_tviews_%s>>', md.entity_name)) > 0);
        SELECT array_agg(format('trigger %I on %s belongs to no registered TVIEW', tg.tgname, tg.tgrelid::regclass) ORDER BY tg.tgrelid::regclass::text, tg.tgname)
        INTO warnings
        FROM pg_trigger tg
        WHERE tg.tgname LIKE 'pg\_tviews\_%' AND NOT tg.tgisinternal
          AND NOT EXISTS (SELECT 1 FROM @schema@.pg_tviews_metadata md,
                                jsonb_array_elements(COALESCE(md.objects->'triggers', '[]')) t
                          WHERE t->>'name' = tg.tgname
                            -- (on a partition: the copy of its partitioned source's trigger)
                            AND to_regclass(format('%I.%I', t->>'schema', t->>'table')) IN (tg.tgrelid, pg_catalog.pg_partition_root(tg.tgrelid)));
        IF problems IS NOT NULL THEN
            status := 'ERROR';
            details := array_to_string(problems, '; ')
                       || format(' -- writes are not maintained; repair each TVIEW with SELECT pg_tviews_convert_existing_table(''<entity>'') (%s TVIEW(s))', n);
        ELSIF warnings IS NOT NULL THEN
            status := 'WARNING';
            details := array_to_string(warnings, '; ');
        ELSE
            status := 'OK';
            details := 'every TVIEW trigger exists and is enabled';
        END IF;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    -- untracked: a definition view holds a manifest but the metadata row is gone. Its triggers then
    -- refuse writes to its sources while its table exists ("Metadata not found for TVIEW").
    check_name := 'untracked';
    BEGIN
        problems := '{}';
        warnings := '{}';
        FOR r IN SELECT DISTINCT ON (s.entity_name) s.* FROM @schema@.pg_tviews_stored_manifests() s
                 WHERE NOT EXISTS (SELECT 1 FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = s.entity_name)
                 ORDER BY s.entity_name LOOP
            IF to_regclass(format('%I.%I', r.manifest->>'table_schema', r.manifest->>'table_name')) IS NOT NULL THEN
                problems := problems || format('%s: no metadata row (writes to its sources fail with "Metadata not found for TVIEW: %s"); run SELECT pg_tviews_convert_existing_table(%L)',
                                               r.entity_name, r.entity_name, r.entity_name);
            ELSE
                warnings := warnings || format('%s: definition view %I.%I is left over from a TVIEW whose table and metadata are gone; drop it, or run SELECT pg_tviews_convert_existing_table(%L)',
                                               r.entity_name, r.view_schema, r.view_name, r.entity_name);
            END IF;
        END LOOP;
        status := CASE WHEN cardinality(problems) > 0 THEN 'ERROR' WHEN cardinality(warnings) > 0 THEN 'WARNING' ELSE 'OK' END;
        details := CASE WHEN status = 'OK' THEN 'no TVIEW without metadata' ELSE array_to_string(problems || warnings, '; ') END;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    -- event_trigger: optional clean-up after DROP TABLE tv_x, and narrow UPDATE gates.
    check_name := 'event_trigger';
    warnings := '{}';
    SELECT e.evtenabled INTO r FROM pg_event_trigger e WHERE e.evtname = 'pg_tviews_sql_drop';
    IF NOT FOUND OR r.evtenabled = 'D' THEN
        warnings := warnings || format('pg_tviews_sql_drop is %s: after DROP TABLE tv_x run SELECT pg_tviews_forget(''x'')',
                                       CASE WHEN FOUND THEN 'disabled' ELSE 'not installed' END);
    END IF;
    SELECT e.evtenabled INTO r FROM pg_event_trigger e WHERE e.evtname = 'pg_tviews_ddl';
    IF NOT FOUND OR r.evtenabled = 'D' THEN
        warnings := warnings || format('pg_tviews_ddl is %s: every UPDATE gate stays wide, so an UPDATE of a column no TVIEW reads still runs a check',
                                       CASE WHEN FOUND THEN 'disabled' ELSE 'not installed' END);
    END IF;
    SELECT e.evtenabled INTO r FROM pg_event_trigger e WHERE e.evtname = 'pg_tviews_functions';
    IF NOT FOUND OR r.evtenabled = 'D' THEN
        warnings := warnings || format('pg_tviews_functions is %s: a function a TVIEW calls can be replaced without the TVIEW being reconciled (the definitions check reports it; tviews apply rebuilds it)',
                                       CASE WHEN FOUND THEN 'disabled' ELSE 'not installed' END);
    END IF;
    IF cardinality(warnings) > 0 THEN
        status := 'WARNING'; details := array_to_string(warnings, '; ');
    ELSE
        status := 'OK'; details := 'pg_tviews_sql_drop cleans up after DROP TABLE tv_x; pg_tviews_ddl keeps UPDATE gates right and refuses renames under TVIEWs; pg_tviews_functions reconciles TVIEWs whose functions are replaced';
    END IF;
    RETURN NEXT;

    -- prepared_transactions: each holds the maintenance locks of the TVIEWs it wrote, so writes to
    -- their sources wait until it is committed or rolled back.
    check_name := 'prepared_transactions';
    BEGIN
        SELECT count(*),
               array_agg(format('%L (prepared %s ago, %s)', x.gid, date_trunc('second', now() - x.prepared),
                                CASE WHEN x.dismissed THEN 'dismissed but still prepared' ELSE 'TVIEWs ' || array_to_string(x.entities, ', ') END)
                         ORDER BY x.prepared)
                   FILTER (WHERE now() - x.prepared > orphan_after OR x.dismissed)
        INTO n, problems
        FROM @schema@.pg_tviews_prepared_xacts() x WHERE cardinality(x.entities) > 0;
        IF problems IS NOT NULL THEN
            status := 'WARNING';
            details := format('%s of %s prepared transaction(s) with TVIEW changes are older than %s or dismissed: %s; they block writes to the sources of those TVIEWs -- end each with COMMIT PREPARED or ROLLBACK PREPARED',
                              cardinality(problems), n, orphan_after, array_to_string(problems, '; '));
        ELSE
            status := 'OK';
            details := format('%s prepared transaction(s) with TVIEW changes, none older than %s', n, orphan_after);
        END IF;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    -- queue
    check_name := 'queue';
    n := jsonb_array_length(@schema@.pg_tviews_debug_queue());
    status := CASE WHEN n = 0 THEN 'OK' ELSE 'WARNING' END;
    details := format('%s TVIEW(s) with changes queued by this transaction (deferred mode; maintained at COMMIT or by pg_tviews_flush()); %s deferred TVIEW(s); queues never outlive their transaction',
                      n, (SELECT count(*) FROM @schema@.pg_tviews_metadata x WHERE x.mode = 'deferred'));
    RETURN NEXT;

    -- consistency_sample: small TVIEWs (up to 1000 pages) compared whole; larger ones on a sample of
    -- keys: TABLESAMPLE SYSTEM reads about 20 random pages, and the keys are drawn at random among
    -- their rows (the first rows of the sample would all come from one page: rows updated together
    -- sit together). Each sampled row is compared with the definition evaluated for its key (for a
    -- multiset, the rows with its values, as sorted arrays).
    check_name := 'consistency_sample';
    BEGIN
        problems := '{}';
        warnings := '{}';
        FOR m IN SELECT * FROM @schema@.pg_tviews_metadata x ORDER BY x.depth, x.entity_name LOOP
            IF to_regclass(format('%I.%I', m.table_schema, m.table_name)) IS NULL
               OR to_regclass(format('%I.%I', m.table_schema, m.view_name)) IS NULL THEN
                CONTINUE; -- reported above
            END IF;
            BEGIN
                pages := pg_relation_size(format('%I.%I', m.table_schema, m.table_name)::regclass)
                         / current_setting('block_size')::bigint;
                IF pages <= 1000 OR cardinality(m.key_columns) = 0 THEN -- (no key: a multiset no column finds)
                    SELECT count(*) INTO n FROM @schema@.pg_tviews_check_consistency(m.entity_name, 10);
                    IF n > 0 THEN
                        problems := problems || format('%s: %s%s row(s) missing or extra compared with the definition', m.entity_name, n, CASE WHEN n >= 20 THEN '+' ELSE '' END);
                    END IF;
                ELSE
                    -- Reserved-prefix aliases: a column named t or k must not stand in for the row.
                    SELECT string_agg(format('pg_tviews_t.%1$I = pg_tviews_k.%1$I', c), ' AND ') INTO keys FROM unnest(m.key_columns) c;
                    EXECUTE format(
                        $q$SELECT count(*) FROM (SELECT %1$s FROM %2$I.%3$I TABLESAMPLE SYSTEM (%4$s) ORDER BY random() LIMIT %5$s) pg_tviews_k
                           WHERE ARRAY(SELECT pg_tviews_t::text FROM %2$I.%3$I pg_tviews_t WHERE %6$s ORDER BY 1)
                                 IS DISTINCT FROM ARRAY(SELECT pg_tviews_t::text FROM %2$I.%7$I pg_tviews_t WHERE %6$s ORDER BY 1)$q$,
                        (SELECT string_agg(quote_ident(c), ', ') FROM unnest(m.key_columns) c),
                        m.table_schema, m.table_name, least(100.0, greatest(0.001, 2000.0 / pages)), sample_rows, keys, m.view_name)
                    INTO n;
                    IF n > 0 THEN
                        problems := problems || format('%s: %s of up to %s sampled row(s) differ from the definition', m.entity_name, n, sample_rows);
                    END IF;
                END IF;
            EXCEPTION WHEN lock_not_available THEN
                warnings := warnings || format('%s: not checked, locked by another transaction (%s)', m.entity_name, SQLERRM);
            WHEN OTHERS THEN
                warnings := warnings || format('%s: could not be checked: %s', m.entity_name, SQLERRM);
            END;
        END LOOP;
        status := CASE WHEN cardinality(problems) > 0 THEN 'ERROR' WHEN cardinality(warnings) > 0 THEN 'WARNING' ELSE 'OK' END;
        details := CASE WHEN status = 'OK' THEN 'sampled rows of every TVIEW match their definition'
                        ELSE array_to_string(problems || warnings, '; ')
                             || CASE WHEN cardinality(problems) > 0 THEN ' -- repair with SELECT pg_tviews_refresh(''<entity>'', force => true)' ELSE '' END END;
    EXCEPTION WHEN OTHERS THEN status := 'ERROR'; details := SQLERRM;
    END;
    RETURN NEXT;

    IF saved_lock_timeout = '0' THEN
        PERFORM set_config('lock_timeout', saved_lock_timeout, true);
    END IF;
END $fn$;

