-- TViews runtime: core functions used by generated triggers and by the SQL API.

CREATE OR REPLACE FUNCTION @schema@.pg_tviews_version() RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$ SELECT '@version@'::text $fn$;

-- A fingerprint of this runtime's SQL (RuntimeInstaller.Build): apply installs the runtime again
-- when it is not its own, so that a build whose runtime changed within one version does not go on
-- with the older functions.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_runtime_build() RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$ SELECT '@build@'::text $fn$;

-- The TVIEWs that must follow a change to `root`, itself included, in dependency order.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_closure(root text)
RETURNS TABLE (entity_name text, depth integer)
LANGUAGE sql STABLE AS $fn$
    WITH RECURSIVE c(entity_name) AS (
        SELECT root
        UNION
        SELECT m.entity_name
        FROM c
        JOIN @schema@.pg_tviews_metadata p ON p.entity_name = c.entity_name
        JOIN @schema@.pg_tviews_metadata m ON format('%s.%s', p.table_schema, p.table_name) = ANY (m.sources)
    )
    SELECT m.entity_name, m.depth
    FROM c JOIN @schema@.pg_tviews_metadata m USING (entity_name)
    ORDER BY m.depth, m.entity_name
$fn$;

-- Recomputes the dependents column of every metadata row from the sources columns.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_sync_dependents() RETURNS void
LANGUAGE sql AS $fn$
    UPDATE @schema@.pg_tviews_metadata p
    SET dependents = d.list
    FROM (
        SELECT p2.entity_name,
               COALESCE(array_agg(m.entity_name ORDER BY m.entity_name) FILTER (WHERE m.entity_name IS NOT NULL), '{}') AS list
        FROM @schema@.pg_tviews_metadata p2
        LEFT JOIN @schema@.pg_tviews_metadata m ON format('%s.%s', p2.table_schema, p2.table_name) = ANY (m.sources)
        GROUP BY p2.entity_name
    ) d
    WHERE d.entity_name = p.entity_name AND p.dependents IS DISTINCT FROM d.list
$fn$;

-- Called by a generated trigger that found no state row for its TVIEW. When the TVIEW table is
-- still there its metadata was lost: refuse the write rather than leave the TVIEW stale. When the
-- table is gone (dropped without the event trigger installed), there is nothing left to maintain.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_missing(entity text, tview regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    IF tview IS NOT NULL THEN
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', entity
            USING ERRCODE = 'undefined_object',
                  HINT = format('Restore it with: SELECT pg_tviews_convert_existing_table(%L);', entity);
    END IF;
END $fn$;

-- Takes the maintenance locks of TVIEWs for the rest of the transaction (see pg_tviews_state), in
-- the global order (pg_tviews_lock_all, 005_lock_order.sql); every one must have its metadata.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_each(entities text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    missing text;
BEGIN
    PERFORM @schema@.pg_tviews_lock_all(entities);
    SELECT e INTO missing FROM unnest(entities) AS e
    WHERE strpos(coalesce(current_setting('pg_tviews.locked', true), ''), ',' || e || ',') = 0 LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', missing
            USING ERRCODE = 'undefined_object',
                  HINT = format('Restore it with: SELECT pg_tviews_convert_existing_table(%L);', missing);
    END IF;
END $fn$;

CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock(entity text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM @schema@.pg_tviews_lock_each(ARRAY[entity]);
END $fn$;

-- Refresh a TVIEW and everything built on it. Without force: reconcile with the definition,
-- writing only rows that differ. With force: rebuild completely. Both run in batches (memory does
-- not grow with the TVIEW) and report progress with NOTICEs. Returns the rows written to `entity_name`.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_refresh(entity_name text, force boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    m record;
    d record;
    n bigint;
    result bigint := 0;
    previous text := current_setting('pg_tviews.rebuilding', true);
    members text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = pg_tviews_refresh.entity_name) THEN
        -- The conversion restores a TVIEW whose definition view still holds its manifest; of a name
        -- that was never a TVIEW (a typo) there is nothing to restore.
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', pg_tviews_refresh.entity_name
            USING ERRCODE = 'undefined_object',
                  HINT = CASE WHEN EXISTS (SELECT FROM @schema@.pg_tviews_stored_manifests() s WHERE s.entity_name = pg_tviews_refresh.entity_name)
                              THEN format('Restore it with: SELECT pg_tviews_convert_existing_table(%L);', pg_tviews_refresh.entity_name)
                              ELSE 'No TVIEW of that name exists: SELECT entity_name FROM pg_tviews_metadata lists them.' END;
    END IF;
    PERFORM @schema@.pg_tviews_require_owner(
        (SELECT to_regclass(format('%I.%I', x.table_schema, x.table_name)) FROM @schema@.pg_tviews_metadata x
         WHERE x.entity_name = pg_tviews_refresh.entity_name), pg_tviews_refresh.entity_name, 'refresh');
    -- Lock the whole closure up front, in the global order, so concurrent writers wait for us.
    PERFORM @schema@.pg_tviews_lock_each(ARRAY(SELECT c.entity_name FROM @schema@.pg_tviews_closure(pg_tviews_refresh.entity_name) c));
    IF force THEN
        -- Members of the closure are rebuilt in order; their triggers would only redo that work.
        SELECT ',' || string_agg(c.entity_name, ',') || ',' INTO members
        FROM @schema@.pg_tviews_closure(pg_tviews_refresh.entity_name) c;
        PERFORM set_config('pg_tviews.rebuilding', COALESCE(previous, '') || members, true);
        -- What confirms the setting to the triggers (they do not trust a setting alone).
        UPDATE @schema@.pg_tviews_state s SET rebuilding_by = pg_current_xact_id()
        WHERE s.entity_name IN (SELECT c.entity_name FROM @schema@.pg_tviews_closure(pg_tviews_refresh.entity_name) c);
    END IF;
    FOR d IN SELECT * FROM @schema@.pg_tviews_closure(pg_tviews_refresh.entity_name) LOOP
        SELECT * INTO m FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = d.entity_name;
        IF to_regclass(format('%I.%I', m.table_schema, m.table_name)) IS NULL THEN
            RAISE EXCEPTION 'TVIEW table %.% of % does not exist', m.table_schema, m.table_name, m.entity_name
                USING ERRCODE = 'undefined_table';
        END IF;
        EXECUTE format('SELECT %I.%I($1)', m.table_schema, m.sync_function)
            INTO n USING CASE WHEN force THEN 'rebuild' ELSE 'reconcile' END;
        -- Now equal to its definition: what this transaction queued for it (deferred mode) is done.
        PERFORM @schema@.pg_tviews_unqueue(pg_current_xact_id_if_assigned(), d.entity_name);
        -- Equal to its definition as the functions it calls are now defined.
        PERFORM @schema@.pg_tviews_record_calls(d.entity_name);
        IF d.entity_name = pg_tviews_refresh.entity_name THEN result := n; END IF;
        RAISE NOTICE 'pg_tviews_refresh: % % (% rows written)', CASE WHEN force THEN 'rebuilt' ELSE 'reconciled' END, m.entity_name, n;
    END LOOP;
    IF force THEN
        PERFORM set_config('pg_tviews.rebuilding', COALESCE(previous, ''), true);
        UPDATE @schema@.pg_tviews_state s SET rebuilding_by = NULL
        WHERE s.entity_name IN (SELECT c.entity_name FROM @schema@.pg_tviews_closure(pg_tviews_refresh.entity_name) c)
          AND strpos(COALESCE(previous, ''), ',' || s.entity_name || ',') = 0;
    END IF;
    RETURN result;
END $fn$;

-- Registers (or re-registers) a TVIEW from its manifest: the metadata row, the state row, and the
-- manifest itself as the comment of the definition view, where pg_tviews_convert_existing_table
-- finds it again if the metadata row is lost.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_register(manifest jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    e text := manifest->>'entity_name';
BEGIN
    INSERT INTO @schema@.pg_tviews_metadata AS m (entity_name, table_schema, table_name, view_name, definition,
        key_columns, sources, depth, mode, definition_hash, sync_function, apply_function, objects, runtime_version, key_locks, locking)
    VALUES (e, manifest->>'table_schema', manifest->>'table_name', manifest->>'view_name', manifest->>'definition',
        ARRAY(SELECT jsonb_array_elements_text(manifest->'key_columns')),
        ARRAY(SELECT jsonb_array_elements_text(manifest->'sources')),
        (manifest->>'depth')::integer, COALESCE(manifest->>'mode', 'immediate'), manifest->>'definition_hash',
        manifest->>'sync_function', manifest->>'apply_function', manifest->'objects', @schema@.pg_tviews_version(),
        COALESCE((manifest->>'key_locks')::boolean, false), COALESCE(manifest->>'locking', 'whole'))
    ON CONFLICT (entity_name) DO UPDATE SET
        table_schema = excluded.table_schema, table_name = excluded.table_name, view_name = excluded.view_name,
        definition = excluded.definition, key_columns = excluded.key_columns, sources = excluded.sources,
        depth = excluded.depth, mode = excluded.mode, definition_hash = excluded.definition_hash,
        sync_function = excluded.sync_function, apply_function = excluded.apply_function,
        objects = excluded.objects, runtime_version = excluded.runtime_version, key_locks = excluded.key_locks,
        locking = excluded.locking, updated_at = now();
    INSERT INTO @schema@.pg_tviews_state (entity_name) VALUES (e) ON CONFLICT DO NOTHING;
    INSERT INTO @schema@.pg_tviews_trace (entity_name, slot) SELECT e, g FROM generate_series(0, 63) AS g ON CONFLICT DO NOTHING;
    EXECUTE format('COMMENT ON VIEW %I.%I IS %L', manifest->>'table_schema', manifest->>'view_name',
                   'tviews:' || manifest::text);
    PERFORM @schema@.pg_tviews_sync_dependents();
    PERFORM @schema@.pg_tviews_sync_lock_order();
    PERFORM @schema@.pg_tviews_compose(x.entry)
    FROM jsonb_array_elements(COALESCE(manifest->'objects'->'triggers', '[]')) AS x (entry) WHERE (x.entry->>'shared')::boolean;
    PERFORM @schema@.pg_tviews_regate();
    PERFORM @schema@.pg_tviews_record_calls(e);
    -- Partitioned sources: copies of the triggers on every partition.
    PERFORM @schema@.pg_tviews_mirror_all(@schema@.pg_tviews_trigger_tables(manifest->'objects'));
END $fn$;

-- The UPDATE trigger of a source table is shared by the TVIEWs that read it, so an UPDATE costs one
-- trigger call however many read the table. Its function (named in the manifest entries marked
-- "shared") is composed here from each TVIEW's part, in dependency order; with no part left, the
-- trigger and the function go. A TVIEW whose metadata row was lost keeps its part while its table
-- exists (from the manifest stored with its definition view): writes then still refuse with
-- "Metadata not found" instead of leaving it stale.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_compose(entry jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    tbl regclass := to_regclass(format('%I.%I', entry->>'schema', entry->>'table'));
    body text := '';
    who text := '';
    schemas text[] := '{}';
    r record;
BEGIN
    IF tbl IS NOT NULL THEN
        FOR r IN
            WITH manifests AS (
                SELECT m.entity_name, m.depth, m.objects FROM @schema@.pg_tviews_metadata m
                UNION ALL
                SELECT s.entity_name, (s.manifest->>'depth')::integer, s.manifest->'objects'
                FROM @schema@.pg_tviews_stored_manifests() s
                WHERE NOT EXISTS (SELECT 1 FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = s.entity_name)
                  AND to_regclass(format('%I.%I', s.manifest->>'table_schema', s.manifest->>'table_name')) IS NOT NULL
            )
            SELECT DISTINCT ON (mf.depth, mf.entity_name) mf.entity_name, t->>'fragment' AS fragment, t->'search_path' AS search_path
            FROM manifests mf CROSS JOIN LATERAL jsonb_array_elements(COALESCE(mf.objects->'triggers', '[]')) t
            WHERE (t->>'shared')::boolean AND t->>'schema' = entry->>'schema' AND t->>'table' = entry->>'table'
            ORDER BY mf.depth, mf.entity_name
        LOOP
            body := body || r.fragment;
            who := who || ' ' || r.entity_name;
            SELECT array_agg(DISTINCT x) INTO schemas FROM (
                SELECT unnest(schemas) UNION ALL SELECT jsonb_array_elements_text(COALESCE(r.search_path, '[]'))) s (x);
        END LOOP;
    END IF;
    IF body = '' THEN
        IF tbl IS NOT NULL THEN
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', entry->>'name', tbl);
            -- A partitioned source: the copies on its partitions go first (they call the function).
            PERFORM @schema@.pg_tviews_mirror_all(ARRAY[tbl::oid], false);
        END IF;
        EXECUTE format('DROP FUNCTION IF EXISTS %I.%I()', entry->>'function_schema', entry->>'function');
        RETURN;
    END IF;
    -- Like every generated function, it runs with a pinned search_path: pg_catalog, the schemas its
    -- parts' definitions use, pg_temp (the writer's own search_path changes nothing).
    -- SECURITY DEFINER, as every generated trigger function: maintenance runs as the TVIEW owner.
    -- Plans cached per session, as in every generated function on the write path (TViewCodegen).
    EXECUTE format('CREATE OR REPLACE FUNCTION %I.%I() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET plan_cache_mode = force_generic_plan SET search_path = %s AS %L',
        entry->>'function_schema', entry->>'function',
        array_to_string(ARRAY['pg_catalog'] || ARRAY(SELECT quote_ident(y) FROM unnest(schemas) y ORDER BY y) || ARRAY['pg_temp'], ', '),
        format(E'#variable_conflict use_variable\n-- UPDATE on %s for the TVIEWs:%s (composed by pg_tviews_compose from their manifests)\nBEGIN\n%s%s    RETURN NULL;\nEND\n',
               -- A line break in the table's name would end the comment line.
               regexp_replace(tbl::text, '[[:cntrl:]]', '?', 'g'), who,
               -- No gate fired in this transaction: no UPDATE changed a column any of them reads.
               -- The trigger's WHEN makes the same test before the call; this one covers a trigger
               -- re-created by hand without it.
               format(E'    IF coalesce(current_setting(%L, true), \'\') = \'\' THEN RETURN NULL; END IF;\n', entry->>'flag'),
               body));
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = tbl AND tgname = entry->>'name') THEN
        EXECUTE entry->>'ddl';
    END IF;
END $fn$;

-- Creates (or re-creates, enabled) the triggers listed in a manifest.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_install_triggers(manifest jsonb) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    t jsonb;
    n integer := 0;
BEGIN
    FOR t IN SELECT * FROM jsonb_array_elements(manifest->'objects'->'triggers') LOOP
        IF to_regclass(format('%I.%I', t->>'schema', t->>'table')) IS NULL THEN
            RAISE EXCEPTION 'source table %.% of TVIEW % does not exist', t->>'schema', t->>'table', manifest->>'entity_name'
                USING ERRCODE = 'undefined_table';
        END IF;
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', t->>'name', t->>'schema', t->>'table');
        IF (t->>'shared')::boolean THEN
            PERFORM @schema@.pg_tviews_compose(t);
        ELSE
            EXECUTE t->>'ddl';
        END IF;
        n := n + 1;
    END LOOP;
    PERFORM @schema@.pg_tviews_regate();
    PERFORM @schema@.pg_tviews_mirror_all(@schema@.pg_tviews_trigger_tables(manifest->'objects'));
    RETURN n;
END $fn$;

-- The gate of a TVIEW on a source table: a statement-level BEFORE UPDATE trigger that marks the
-- transaction when an UPDATE may change a column the TVIEW reads, by adding TG_ARGV[1] (',entity,')
-- to the transaction-local setting TG_ARGV[0] (one per table). The shared UPDATE function returns
-- at once when the setting is empty, and skips the TVIEWs not in it. Marks are never cleared within
-- the transaction: a statement nested in another one (from a trigger) must not hide the outer
-- statement's changes; a later UPDATE then just takes the exact path (the column diff).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_gate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    marks text := coalesce(current_setting(TG_ARGV[0], true), '');
BEGIN
    IF strpos(marks, TG_ARGV[1]) = 0 THEN
        marks := pg_catalog.set_config(TG_ARGV[0], marks || TG_ARGV[1], true);
    END IF;
    RETURN NULL;
END $fn$;

-- One TRUNCATE empties every table it names, their partitions and what CASCADE reaches, and only
-- then fires their AFTER TRUNCATE triggers, each of which would rebuild the TVIEWs reading it: a
-- partitioned source with 50 partitions, 51 rebuilds. So the BEFORE TRUNCATE triggers count, per
-- TVIEW, the tables being emptied in this transaction (pg_tviews_truncating), and each AFTER trigger
-- counts one down (pg_tviews_truncated): the last rebuilds, after every table is empty. A TRUNCATE
-- run by a trigger meanwhile counts up before its own AFTER triggers fire, so the rebuild still comes
-- after it. A table, not a setting: a session could SET a setting to skip its rebuild; the counts
-- also roll back with a failed TRUNCATE or its savepoint.
CREATE UNLOGGED TABLE IF NOT EXISTS @schema@.pg_tviews_truncating (
    pid      integer NOT NULL,
    entity   text NOT NULL,
    xact     xid8 NOT NULL,
    pending  integer NOT NULL,
    PRIMARY KEY (pid, entity)
);
REVOKE ALL ON @schema@.pg_tviews_truncating FROM PUBLIC;

-- BEFORE TRUNCATE, FOR EACH STATEMENT, TG_ARGV[0] the TVIEW. A trigger function (no one can call it
-- directly), run as the runtime owner: the writer has no rights on the table above.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_truncating() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
    INSERT INTO @schema@.pg_tviews_truncating AS t (pid, entity, xact, pending)
    VALUES (pg_catalog.pg_backend_pid(), TG_ARGV[0], pg_catalog.pg_current_xact_id(), 1)
    ON CONFLICT (pid, entity) DO UPDATE
    SET xact = excluded.xact, pending = CASE WHEN t.xact = excluded.xact THEN greatest(t.pending, 0) + 1 ELSE 1 END;
    RETURN NULL;
END $fn$;

-- Called by a TVIEW's AFTER TRUNCATE trigger: whether it is the last of the tables being emptied
-- (or no BEFORE trigger counted them: a trigger disabled, code generated before the count).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_truncated(tview text) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    remaining integer;
BEGIN
    UPDATE @schema@.pg_tviews_truncating t SET pending = t.pending - 1
    WHERE t.pid = pg_catalog.pg_backend_pid() AND t.entity = tview AND t.xact = pg_catalog.pg_current_xact_id()
    RETURNING t.pending INTO remaining;
    RETURN remaining IS NULL OR remaining <= 0;
END $fn$;

-- Table and the tables that inherit from it (partitions included), whose rows an UPDATE of it reaches.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_family(tbl oid) RETURNS SETOF oid
LANGUAGE sql STABLE AS $fn$
    WITH RECURSIVE f(relid) AS (SELECT tbl UNION SELECT i.inhrelid FROM pg_inherits i JOIN f ON i.inhparent = f.relid)
    SELECT relid FROM f
$fn$;

-- The gates whose installed form is not the one they must have. A gate with a column list (narrow)
-- does not fire when the UPDATE's SET list names none of its columns -- but a BEFORE ROW trigger can
-- change those columns anyway, and PostgreSQL does not look at that. So a gate must be wide (no
-- column list) when its table, or a table inheriting from it, has an enabled BEFORE UPDATE row
-- trigger, and also when the pg_tviews_ddl event trigger that re-checks this on every CREATE/DROP
-- TRIGGER and ALTER TABLE is missing or disabled.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_misgated()
RETURNS TABLE (entity_name text, table_schema text, table_name text, trigger_name text,
               must_be_wide boolean, reason text, tgenabled "char", ddl text)
LANGUAGE sql STABLE AS $fn$
    WITH gates AS (
        SELECT m.entity_name, t->>'schema' AS sch, t->>'table' AS tbl, t->>'name' AS name,
               t->>'ddl' AS ddl, t->>'ddl_wide' AS ddl_wide, tg.tgrelid, tg.tgenabled,
               cardinality(tg.tgattr::int2[]) > 0 AS narrow,
               ARRAY(SELECT a.attnum FROM pg_attribute a
                     WHERE a.attrelid = tg.tgrelid AND a.attname::text IN (SELECT jsonb_array_elements_text(COALESCE(t->'columns', '[]')))
                     UNION SELECT unnest(tg.tgattr::int2[])) AS attrs
        FROM @schema@.pg_tviews_metadata m
        CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
        JOIN pg_trigger tg ON tg.tgrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table'))
                          AND tg.tgname = t->>'name'
        WHERE (t->>'gate')::boolean
    ), judged AS (
        SELECT g.*,
               CASE WHEN NOT EXISTS (SELECT 1 FROM pg_event_trigger e WHERE e.evtname = 'pg_tviews_ddl' AND e.evtenabled <> 'D')
                    THEN 'the pg_tviews_ddl event trigger is not active'
                    WHEN EXISTS (SELECT 1 FROM pg_trigger u
                                 WHERE u.tgrelid IN (SELECT @schema@.pg_tviews_family(g.tgrelid))
                                   AND NOT u.tgisinternal AND u.tgenabled <> 'D'
                                   AND u.tgtype & 1 = 1     -- FOR EACH ROW
                                   AND u.tgtype & 2 = 2     -- BEFORE
                                   AND u.tgtype & 16 = 16)  -- UPDATE
                    THEN 'a BEFORE UPDATE row trigger can change the columns it lists unseen'
                    -- PostgreSQL fires a table's BEFORE UPDATE statement triggers once per query:
                    -- an FK action updating these columns in a statement that also UPDATEs the table
                    -- other columns (a writable CTE) does not fire a narrow gate again.
                    WHEN EXISTS (SELECT 1 FROM pg_constraint k
                                 WHERE k.conrelid IN (SELECT @schema@.pg_tviews_family(g.tgrelid)) AND k.contype = 'f'
                                   AND (k.confupdtype IN ('c', 'n', 'd') OR k.confdeltype IN ('n', 'd'))
                                   AND k.conkey && g.attrs)
                    THEN 'an FK action updates the columns it lists, unseen when the statement also updates the table'
               END AS why_wide
        FROM gates g
    )
    SELECT j.entity_name, j.sch, j.tbl, j.name, j.why_wide IS NOT NULL, j.why_wide, j.tgenabled,
           CASE WHEN j.why_wide IS NOT NULL THEN j.ddl_wide ELSE j.ddl END
    FROM judged j
    WHERE (j.why_wide IS NOT NULL) = j.narrow
$fn$;

-- Re-creates every gate whose form is wrong (see pg_tviews_misgated), keeping it enabled or
-- disabled as it was. Called after triggers are installed and by the pg_tviews_ddl event trigger;
-- safe to run by hand at any time. Returns how many gates changed form.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_regate() RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    g record;
    n integer := 0;
    changed_tables oid[] := '{}';
BEGIN
    -- The DDL below fires pg_tviews_ddl again; that nested call has nothing to add. The mark is a
    -- row only the owner's code writes (a setting could be SET to switch re-gating off).
    IF EXISTS (SELECT FROM @schema@.pg_tviews_session_state s
               WHERE s.pid = pg_backend_pid() AND s.xact = pg_current_xact_id() AND s.regating) THEN
        RETURN 0;
    END IF;
    INSERT INTO @schema@.pg_tviews_session_state AS s (pid, xact, regating) VALUES (pg_backend_pid(), pg_current_xact_id(), true)
    ON CONFLICT (pid) DO UPDATE SET xact = excluded.xact, regating = true,
        statement = CASE WHEN s.xact = excluded.xact THEN s.statement END, recomputed = CASE WHEN s.xact = excluded.xact THEN s.recomputed ELSE '' END;
    FOR g IN SELECT * FROM @schema@.pg_tviews_misgated() LOOP
        EXECUTE format('DROP TRIGGER %I ON %I.%I', g.trigger_name, g.table_schema, g.table_name);
        EXECUTE g.ddl;
        IF g.tgenabled <> 'O' THEN
            EXECUTE format('ALTER TABLE %I.%I %s TRIGGER %I', g.table_schema, g.table_name,
                           CASE g.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE REPLICA' END,
                           g.trigger_name);
        END IF;
        n := n + 1;
        changed_tables := changed_tables || to_regclass(format('%I.%I', g.table_schema, g.table_name))::oid;
    END LOOP;
    -- A partitioned source's partitions carry copies of its gates, in the same form.
    IF n > 0 THEN
        PERFORM @schema@.pg_tviews_mirror_all(changed_tables, false);
    END IF;
    UPDATE @schema@.pg_tviews_session_state s SET regating = false WHERE s.pid = pg_backend_pid();
    RETURN n;
END $fn$;

-- Removes everything TViews generated for a TVIEW (triggers, functions, view, metadata).
-- The TVIEW table itself is dropped only when drop_table is true.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_forget(entity text, drop_table boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    m record;
    t jsonb;
    f jsonb;
BEGIN
    SELECT * INTO m FROM @schema@.pg_tviews_metadata WHERE entity_name = entity;
    IF NOT FOUND THEN RETURN; END IF;
    DELETE FROM @schema@.pg_tviews_metadata WHERE entity_name = entity;
    FOR t IN SELECT * FROM jsonb_array_elements(m.objects->'triggers') LOOP
        IF to_regclass(format('%I.%I', t->>'schema', t->>'table')) IS NOT NULL AND NOT COALESCE((t->>'shared')::boolean, false) THEN
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I.%I', t->>'name', t->>'schema', t->>'table');
        END IF;
    END LOOP;
    -- Partitioned sources: the copies of those triggers on their partitions go too (before the
    -- functions they call). (Called by pg_tviews_sql_drop too: refreshes are left to
    -- pg_tviews_on_partition_ddl.)
    PERFORM @schema@.pg_tviews_mirror_all(@schema@.pg_tviews_trigger_tables(m.objects), false);
    FOR f IN SELECT * FROM jsonb_array_elements(m.objects->'functions') LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %I.%I(%s)', f->>'schema', f->>'name', f->>'args');
    END LOOP;
    EXECUTE format('DROP VIEW IF EXISTS %I.%I', m.table_schema, m.view_name);
    IF drop_table THEN
        EXECUTE format('DROP TABLE IF EXISTS %I.%I CASCADE', m.table_schema, m.table_name);
    END IF;
    -- Shared UPDATE functions lose this TVIEW's part (its view, which stores the manifest, is gone).
    PERFORM @schema@.pg_tviews_compose(x.entry)
    FROM jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) AS x (entry) WHERE (x.entry->>'shared')::boolean;
    PERFORM @schema@.pg_tviews_sync_dependents();
    PERFORM @schema@.pg_tviews_sync_lock_order();
END $fn$;

-- sql_drop event trigger (installed when the installing role may create event triggers):
-- DROP TABLE tv_x cleans up everything generated for it; a definition view dropped by CASCADE
-- from one of its sources takes its TVIEW with it, as DROP TABLE tv_a CASCADE promises.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
    o record;
    m record;
BEGIN
    IF to_regclass(@schema_literal@ || '.pg_tviews_metadata') IS NULL THEN RETURN; END IF;
    -- A partition of a partitioned source: its rows left the source. The TVIEWs reading it are
    -- recorded here and refreshed by pg_tviews_sql_drop_refresh, as the role that ran the DROP.
    IF EXISTS (SELECT FROM pg_event_trigger_dropped_objects() d JOIN @schema@.pg_tviews_partitions x ON x.part::oid = d.objid
               WHERE d.object_type = 'table') THEN
        PERFORM @schema@.pg_tviews_mirror_all(ARRAY(SELECT d.objid FROM pg_event_trigger_dropped_objects() d WHERE d.object_type = 'table'), false);
    END IF;
    FOR o IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE object_type IN ('table', 'view') LOOP
        FOR m IN SELECT * FROM @schema@.pg_tviews_metadata x
                 WHERE x.table_schema = o.schema_name AND (x.table_name = o.object_name OR x.view_name = o.object_name) LOOP
            IF m.table_name = o.object_name THEN
                PERFORM @schema@.pg_tviews_forget(m.entity_name, false);
            ELSIF NOT o.original THEN
                PERFORM @schema@.pg_tviews_forget(m.entity_name, true);
            END IF;
        END LOOP;
    END LOOP;
END $fn$;

-- ddl_command_end event trigger pg_tviews_ddl (CREATE TRIGGER, DROP TRIGGER, ALTER TABLE, CREATE
-- TABLE, ALTER VIEW, ALTER SCHEMA): a BEFORE ROW trigger that appears on, or disappears from, a
-- source table changes which form its gates must have; renames and column changes of what generated
-- code names are refused (below).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET jit = off AS $fn$
BEGIN
    IF to_regclass(@schema_literal@ || '.pg_tviews_metadata') IS NULL THEN RETURN; END IF;
    -- Creating our own triggers changes nothing (the installer re-checks once at the end).
    IF TG_TAG = 'CREATE TRIGGER' AND NOT EXISTS (
        SELECT 1 FROM pg_event_trigger_ddl_commands() c JOIN pg_trigger t ON t.oid = c.objid
        WHERE t.tgname NOT LIKE 'pg\_tviews\_%') THEN
        RETURN;
    END IF;
    -- A partition created, attached or detached under a partitioned source (or a trigger of the
    -- source enabled or disabled): the copies of its triggers follow. When rows came or went with
    -- the partition, the TVIEWs reading it are recorded here and refreshed by pg_tviews_ddl_refresh,
    -- as the role that ran the DDL (this function runs as the runtime owner).
    IF TG_TAG IN ('ALTER TABLE', 'CREATE TABLE') THEN
        PERFORM @schema@.pg_tviews_mirror_all(ARRAY(SELECT c.objid FROM pg_event_trigger_ddl_commands() c
                                                    WHERE c.classid = 'pg_catalog.pg_class'::regclass), false);
    END IF;
    -- An inheritance child of a table a TVIEW reads (without ONLY): writes to it fire no trigger
    -- of the parent, so the TVIEW would go stale. Refused.
    IF TG_TAG IN ('ALTER TABLE', 'CREATE TABLE') THEN
        DECLARE
            d record;
        BEGIN
            SELECT * INTO d FROM @schema@.pg_tviews_unseen_descendants() LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'TVIEW % reads %.%, which this command puts in an inheritance hierarchy (%)', d.entity_name, d.table_schema, d.table_name, d.child
                    USING ERRCODE = 'feature_not_supported',
                          HINT = 'A statement fires the triggers of the table it names, not of that table''s parent or children. A parent read with ONLY may have children.';
            END IF;
        END;
        IF TG_TAG = 'CREATE TABLE' THEN RETURN; END IF;
    END IF;
    -- A rename of a table or column a TVIEW reads would break every later write to it inside the
    -- generated code (which names it as text): refuse it, with the way to do it safely.
    IF TG_TAG IN ('ALTER TABLE', 'ALTER SCHEMA') THEN
        DECLARE
            u record;
        BEGIN
            SELECT * INTO u FROM @schema@.pg_tviews_unresolved_sources() LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'TVIEW % reads %', u.entity_name,
                    CASE WHEN u.column_name IS NULL OR to_regclass(format('%I.%I', u.table_schema, u.table_name)) IS NULL
                         THEN format('table %I.%I, which this command renames or moves', u.table_schema, u.table_name)
                         ELSE format('column %I of %I.%I, which this command renames', u.column_name, u.table_schema, u.table_name) END
                    USING ERRCODE = 'dependent_objects_still_exist',
                          HINT = format('Its generated code names it. Drop the TVIEW (tviews drop tv_%s --cascade), run the command, change the definition and create it again (tviews apply).', u.entity_name);
            END IF;
        END;
    END IF;
    -- A NOT NULL constraint the proof of a TVIEW's key rests on: without it a row with a NULL key
    -- could appear, which no recompute would ever reach (keys are looked up with "="): refused.
    IF TG_TAG = 'ALTER TABLE' THEN
        DECLARE
            n record;
        BEGIN
            SELECT x.*, array_to_string(m.key_columns, ', ') AS key_text INTO n
            FROM @schema@.pg_tviews_nullable_key_columns() x JOIN @schema@.pg_tviews_metadata m USING (entity_name)
            ORDER BY x.entity_name LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'TVIEW % keys its rows by (%), proven never NULL because column % of %.% is NOT NULL, which this command drops',
                        n.entity_name, n.key_text, quote_ident(n.column_name), quote_ident(n.table_schema), quote_ident(n.table_name)
                    USING ERRCODE = 'dependent_objects_still_exist',
                          HINT = format('A row with a NULL key would be missing from the TVIEW. Keep the constraint, or drop the TVIEW (tviews drop tv_%s --cascade), run the command, change the definition (filter out the NULLs, or another key) and create it again (tviews apply).', n.entity_name);
            END IF;
        END;
    END IF;
    -- A TVIEW's own table and definition view: generated code names them and writes every column
    -- by name, and the table must hold exactly the definition's columns. Refused: renaming or moving
    -- either (recognized as the relation this command altered that has the other one's columns),
    -- renaming the schema they are in, and adding, dropping, renaming or retyping a table column.
    -- Indexes, constraints, storage and ownership of a TVIEW table are left alone.
    IF TG_TAG IN ('ALTER TABLE', 'ALTER VIEW', 'ALTER SCHEMA') THEN
        DECLARE
            touched oid[];
            s record;
        BEGIN
            SELECT array_agg(d.objid) INTO touched FROM pg_event_trigger_ddl_commands() d
            WHERE d.classid = 'pg_catalog.pg_class'::regclass;
            SELECT x.entity_name, x.problem, m.table_schema, m.table_name INTO s
            FROM @schema@.pg_tviews_misshapen() x
            JOIN @schema@.pg_tviews_metadata m ON m.entity_name = x.entity_name
            CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', m.table_schema, m.table_name)) AS tbl,
                                       to_regclass(format('%I.%I', m.table_schema, m.view_name)) AS view) r
            WHERE (TG_TAG = 'ALTER SCHEMA' AND to_regnamespace(quote_ident(m.table_schema)) IS NULL)
               OR (r.tbl IS NOT NULL AND r.view IS NOT NULL AND r.tbl = ANY (touched))
               OR EXISTS (SELECT 1 FROM unnest(touched) t (rel)
                          WHERE (r.tbl IS NULL AND r.view IS NOT NULL AND @schema@.pg_tviews_column_list(t.rel) = @schema@.pg_tviews_column_list(r.view))
                             OR (r.view IS NULL AND r.tbl IS NOT NULL AND @schema@.pg_tviews_column_list(t.rel) = @schema@.pg_tviews_column_list(r.tbl)))
            ORDER BY x.entity_name LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'TVIEW %: after this command, %', s.entity_name, s.problem
                    USING ERRCODE = 'dependent_objects_still_exist',
                          HINT = format('Generated code writes the TVIEW table %I.%I column by column, as its definition yields them. To change it, change the definition and run tviews apply; to rename it, drop it (tviews drop %I --cascade) and create it under the new name.',
                                        s.table_schema, s.table_name, s.table_name);
            END IF;
        END;
        IF TG_TAG <> 'ALTER TABLE' THEN RETURN; END IF;
    END IF;
    PERFORM @schema@.pg_tviews_regate();
    -- FKs added, dropped or altered change what a statement can reach (lock sets, 005_lock_order.sql).
    IF TG_TAG = 'ALTER TABLE' THEN
        PERFORM @schema@.pg_tviews_sync_lock_order();
    END IF;
END $fn$;

-- Rows that differ between a TVIEW and its definition evaluated from scratch (compared as multisets
-- of row texts, so every column type compares). kind is 'missing' (in the definition, not in the
-- TVIEW) or 'extra' (in the TVIEW, not in the definition).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_check_consistency(entity_name text, max_rows integer DEFAULT 100)
RETURNS TABLE (kind text, row_data text)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    m record;
BEGIN
    SELECT * INTO m FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = pg_tviews_check_consistency.entity_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', pg_tviews_check_consistency.entity_name USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY EXECUTE format(
        -- Rows are aliased with the reserved prefix: a column named like the alias (v, t) would
        -- otherwise be read in place of the whole row, and blind the comparison.
        $q$(SELECT 'missing'::text, pg_tviews_d.pg_tviews_r FROM (SELECT pg_tviews_v::text AS pg_tviews_r FROM %1$I.%2$I pg_tviews_v
                EXCEPT ALL SELECT pg_tviews_t::text FROM %1$I.%3$I pg_tviews_t) pg_tviews_d LIMIT $1)
           UNION ALL
           (SELECT 'extra'::text, pg_tviews_d.pg_tviews_r FROM (SELECT pg_tviews_t::text AS pg_tviews_r FROM %1$I.%3$I pg_tviews_t
                EXCEPT ALL SELECT pg_tviews_v::text FROM %1$I.%2$I pg_tviews_v) pg_tviews_d LIMIT $1)$q$,
        m.table_schema, m.view_name, m.table_name) USING max_rows;
END $fn$;
