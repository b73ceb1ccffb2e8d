-- TViews runtime: partitioned sources (docs/design.md, "Partitioned sources"). Before the core
-- functions: on an upgrade, the event trigger functions the core replaces call these, and fire on
-- the core's own DDL.

-- A table's columns in order, as its rows' text lists them (dropped columns left out).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_column_order(tbl regclass) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname::text), ', ' ORDER BY a.attnum)
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped
$fn$;

-- The tables a manifest's triggers are on (its sources), for pg_tviews_mirror_all.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_trigger_tables(objects jsonb) RETURNS oid[]
LANGUAGE sql STABLE AS $fn$
    SELECT ARRAY(SELECT DISTINCT pg_catalog.to_regclass(pg_catalog.format('%I.%I', t->>'schema', t->>'table'))::oid
                 FROM jsonb_array_elements(COALESCE(objects->'triggers', '[]')) AS t)
$fn$;

-- Partitioned sources (docs/design.md, "Partitioned sources"). A statement fires the statement
-- triggers of the table it names and no other: a write addressed to a partition fires none of its
-- partitioned table's. So every partition, at every level, carries a copy of each TViews statement
-- trigger of its partitioned source, calling the same function (PL/pgSQL compiles a trigger function
-- per table and finds the transition tables' columns by name). A statement addressed to the source
-- fires only the source's triggers, whatever partitions its rows are in or move to.
-- The partitions last seen per partitioned source: a partition attached with rows, detached or
-- dropped changes the source's rows and fires no trigger, so the TVIEWs reading it are refreshed.
CREATE TABLE IF NOT EXISTS @schema@.pg_tviews_partitions (
    source  regclass NOT NULL,
    part    regclass NOT NULL,
    PRIMARY KEY (source, part)
);
REVOKE ALL ON @schema@.pg_tviews_partitions FROM PUBLIC;

-- Makes the TViews statement triggers of every partition of `tbl` (a partitioned source) copies of
-- tbl's own, enabled or disabled as tbl's are, and records its partitions. The copies are made from
-- the DDL in the manifests (owner-only rows; nothing read from the catalog is run), aimed at the
-- partition. Returns whether the source's rows changed with no trigger firing since the last call:
-- a partition appeared that holds rows (ATTACH PARTITION), or one went (DETACH, DROP). The first
-- call for a source only records (its TVIEW was just built from the rows as they are). Each step
-- looks at the catalog as it is when it acts: the ALTER TABLE that enables or disables a copy fires
-- pg_tviews_ddl, which runs this again.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_mirror(tbl regclass) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    aimed text; -- how the manifests' DDL names tbl: ' ON "schema"."table" '
    own_order text := @schema@.pg_tviews_column_order(tbl);
    parts regclass[] := '{}';
    active boolean;
    seen boolean := EXISTS (SELECT FROM @schema@.pg_tviews_partitions x WHERE x.source = tbl AND x.part = tbl);
    p regclass;
    r record;
    now_enabled "char";
    same boolean;
    ddl text;
    found_rows boolean;
    changed boolean := false;
BEGIN
    SELECT ' ON "' || pg_catalog.replace(n.nspname, '"', '""') || '"."' || pg_catalog.replace(c.relname, '"', '""') || '" ',
           ARRAY(SELECT x.relid FROM pg_catalog.pg_partition_tree(c.oid) x WHERE x.relid::oid <> c.oid)
    INTO aimed, parts
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = tbl AND c.relkind = 'p';
    parts := COALESCE(parts, '{}');
    -- Read by a TVIEW (it has TViews triggers): its partitions are recorded, the source itself
    -- standing for "recorded before".
    active := aimed IS NOT NULL AND EXISTS (SELECT FROM pg_catalog.pg_trigger g
                                            WHERE g.tgrelid = tbl AND NOT g.tgisinternal AND g.tgname LIKE 'pg\_tviews\_%');
    -- Partitions gone (detached or dropped): their rows left the source. A detached one is a table
    -- of its own now, whose writes concern no TVIEW: its copies go.
    FOR p IN SELECT x.part FROM @schema@.pg_tviews_partitions x
             WHERE x.source = tbl AND x.part <> tbl AND NOT x.part = ANY (parts) LOOP
        changed := true;
        DELETE FROM @schema@.pg_tviews_partitions x WHERE x.source = tbl AND x.part = p;
        FOR r IN SELECT g.tgname FROM pg_catalog.pg_trigger g
                 WHERE g.tgrelid = p AND NOT g.tgisinternal AND g.tgname LIKE 'pg\_tviews\_%' AND g.tgtype & 1 = 0 LOOP
            EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', r.tgname, p);
        END LOOP;
    END LOOP;
    IF active THEN
        -- Partitions new since: created empty (CREATE TABLE ... PARTITION OF), or attached with rows.
        FOR p IN SELECT u.x FROM unnest(parts) AS u (x)
                 WHERE NOT EXISTS (SELECT FROM @schema@.pg_tviews_partitions y WHERE y.source = tbl AND y.part = u.x) LOOP
            IF seen AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = p) = 'r' THEN
                EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM ONLY %s)', p) INTO found_rows;
                changed := changed OR found_rows;
            END IF;
            INSERT INTO @schema@.pg_tviews_partitions (source, part) VALUES (tbl, p) ON CONFLICT DO NOTHING;
        END LOOP;
        INSERT INTO @schema@.pg_tviews_partitions (source, part) VALUES (tbl, tbl) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM @schema@.pg_tviews_partitions x WHERE x.source = tbl;
    END IF;
    FOREACH p IN ARRAY parts LOOP
        -- Deferred mode queues a written row as the text of the table the trigger fired on, and reads
        -- it back as the source's row type: the columns must come in the same order (ATTACH
        -- PARTITION accepts a table with the same columns in any order). Refused otherwise.
        IF active AND @schema@.pg_tviews_column_order(p) IS DISTINCT FROM own_order THEN
            RAISE EXCEPTION 'TVIEWs read %, whose partition % has its columns in another order', tbl, p
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = pg_catalog.format('%s: %s; %s: %s', tbl, own_order, p, @schema@.pg_tviews_column_order(p)),
                      HINT = pg_catalog.format('Create partitions with CREATE TABLE ... PARTITION OF %s, or CREATE TABLE ... (LIKE %s), so that a row reads the same in both.', tbl, tbl);
        END IF;
        -- Copies of triggers the source no longer has.
        FOR r IN SELECT g.tgname FROM pg_catalog.pg_trigger g
                 WHERE g.tgrelid = p AND NOT g.tgisinternal AND g.tgname LIKE 'pg\_tviews\_%' AND g.tgtype & 1 = 0
                   AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger s WHERE s.tgrelid = tbl AND s.tgname = g.tgname) LOOP
            EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', r.tgname, p);
        END LOOP;
        FOR r IN SELECT g.tgname, g.tgfoid, g.tgtype, g.tgargs, g.tgenabled, g.tgqual IS NULL AS unqualified,
                        ARRAY(SELECT a.attname::text FROM unnest(g.tgattr::int2[]) AS k (n)
                              JOIN pg_catalog.pg_attribute a ON a.attrelid = tbl AND a.attnum = k.n ORDER BY 1) AS cols
                 FROM pg_catalog.pg_trigger g
                 WHERE g.tgrelid = tbl AND NOT g.tgisinternal AND g.tgname LIKE 'pg\_tviews\_%' AND g.tgtype & 1 = 0 LOOP
            now_enabled := NULL;
            same := NULL;
            SELECT g.tgenabled,
                   g.tgfoid = r.tgfoid AND g.tgtype = r.tgtype AND g.tgargs = r.tgargs AND (g.tgqual IS NULL) = r.unqualified
                   AND ARRAY(SELECT a.attname::text FROM unnest(g.tgattr::int2[]) AS k (n)
                             JOIN pg_catalog.pg_attribute a ON a.attrelid = p AND a.attnum = k.n ORDER BY 1) = r.cols
            INTO now_enabled, same
            FROM pg_catalog.pg_trigger g WHERE g.tgrelid = p AND g.tgname = r.tgname;
            IF same IS NOT TRUE THEN
                -- The manifest's DDL of this trigger (a gate: in the form the source's has).
                ddl := NULL;
                SELECT CASE WHEN (e->>'gate')::boolean AND cardinality(r.cols) = 0 THEN e->>'ddl_wide' ELSE e->>'ddl' END INTO ddl
                FROM @schema@.pg_tviews_metadata m
                CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) e
                WHERE e->>'name' = r.tgname AND to_regclass(format('%I.%I', e->>'schema', e->>'table')) = tbl
                  AND pg_catalog.strpos(e->>'ddl', aimed) > 0
                LIMIT 1;
                CONTINUE WHEN ddl IS NULL; -- not one of ours (the health check reports the partition)
                IF now_enabled IS NOT NULL THEN
                    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', r.tgname, p);
                END IF;
                EXECUTE pg_catalog.substr(ddl, 1, pg_catalog.strpos(ddl, aimed) - 1) || ' ON ' || p::text || ' '
                     || pg_catalog.substr(ddl, pg_catalog.strpos(ddl, aimed) + pg_catalog.length(aimed));
                now_enabled := 'O';
            END IF;
            IF now_enabled <> r.tgenabled THEN
                EXECUTE pg_catalog.format('ALTER TABLE %s %s TRIGGER %I', p,
                    CASE r.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'A' THEN 'ENABLE ALWAYS' WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE' END, r.tgname);
            END IF;
        END LOOP;
    END LOOP;
    RETURN changed AND seen AND active;
END $fn$;

-- The partitioned sources among `touched` (tables a DDL command altered, created or dropped, or
-- the partitions of their trees; NULL: every one, and every one recorded before): pg_tviews_mirror.
-- The TVIEWs reading a source whose rows changed with no trigger firing must be refreshed: with
-- `refresh`, here (with the caller's rights, which pg_tviews_refresh checks); without it (the DDL
-- event triggers, which run as the runtime owner and must not evaluate definitions or fire the
-- TVIEWs' triggers with those rights), they are recorded for this transaction, and
-- pg_tviews_on_partition_ddl refreshes them as the role that ran the DDL. Returns them.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_mirror_all(touched oid[] DEFAULT NULL, refresh boolean DEFAULT true) RETURNS text[]
LANGUAGE plpgsql AS $fn$
DECLARE
    s regclass;
    s_entity text;
    stale text[] := '{}';
BEGIN
    FOR s IN SELECT DISTINCT x.tbl FROM (
                 SELECT to_regclass(format('%I.%I', t->>'schema', t->>'table')) AS tbl
                 FROM @schema@.pg_tviews_metadata m CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
                 UNION ALL
                 SELECT y.source FROM @schema@.pg_tviews_partitions y) x
             WHERE x.tbl IS NOT NULL
               AND (touched IS NULL
                    OR x.tbl::oid = ANY (touched)
                    OR x.tbl::oid IN (SELECT pg_catalog.pg_partition_root(u.o) FROM unnest(touched) AS u (o))
                    OR EXISTS (SELECT FROM @schema@.pg_tviews_partitions y WHERE y.source = x.tbl AND y.part::oid = ANY (touched))) LOOP
        IF @schema@.pg_tviews_mirror(s) THEN
            stale := stale || ARRAY(
                SELECT DISTINCT m.entity_name FROM @schema@.pg_tviews_metadata m
                CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
                WHERE to_regclass(format('%I.%I', t->>'schema', t->>'table')) = s);
        END IF;
    END LOOP;
    stale := ARRAY(SELECT DISTINCT u FROM unnest(stale) AS u ORDER BY 1);
    IF cardinality(stale) > 0 THEN
        INSERT INTO @schema@.pg_tviews_session_state AS x (pid, xact, stale) VALUES (pg_backend_pid(), pg_current_xact_id(), array_to_string(stale, ','))
        ON CONFLICT (pid) DO UPDATE SET xact = excluded.xact,
            stale = CASE WHEN x.xact = excluded.xact AND x.stale <> '' THEN x.stale || ',' ELSE '' END || excluded.stale,
            regating = CASE WHEN x.xact = excluded.xact THEN x.regating ELSE false END,
            statement = CASE WHEN x.xact = excluded.xact THEN x.statement END,
            recomputed = CASE WHEN x.xact = excluded.xact THEN x.recomputed ELSE '' END;
    END IF;
    IF refresh THEN
        FOREACH s_entity IN ARRAY @schema@.pg_tviews_take_stale() LOOP
            PERFORM @schema@.pg_tviews_refresh(s_entity);
        END LOOP;
    END IF;
    RETURN stale;
END $fn$;

-- The TVIEWs this transaction recorded as needing a refresh (pg_tviews_mirror_all), forgotten as
-- they are returned. Callable by anyone: it names TVIEWs of the caller's own transaction only.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_take_stale() RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
    names text;
BEGIN
    SELECT x.stale INTO names FROM @schema@.pg_tviews_session_state x
    WHERE x.pid = pg_backend_pid() AND x.xact = pg_current_xact_id_if_assigned();
    IF names IS NULL OR names = '' THEN
        RETURN '{}';
    END IF;
    UPDATE @schema@.pg_tviews_session_state x SET stale = '' WHERE x.pid = pg_backend_pid();
    RETURN ARRAY(SELECT DISTINCT u FROM unnest(pg_catalog.string_to_array(names, ',')) AS u ORDER BY 1);
END $fn$;

-- ddl_command_end and sql_drop event triggers pg_tviews_ddl_refresh and pg_tviews_sql_drop_refresh,
-- which fire after pg_tviews_ddl and pg_tviews_sql_drop (event triggers fire in name order): the
-- refreshes those recorded, run as the role that ran the DDL (not SECURITY DEFINER), which
-- pg_tviews_refresh requires to have the TVIEW owner's rights: a role without them cannot attach,
-- detach or drop a partition holding rows of a source of that TVIEW.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_on_partition_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
    e text;
BEGIN
    IF pg_catalog.to_regclass(@schema_literal@ || '.pg_tviews_session_state') IS NULL THEN RETURN; END IF;
    FOREACH e IN ARRAY @schema@.pg_tviews_take_stale() LOOP
        PERFORM @schema@.pg_tviews_refresh(e);
    END LOOP;
END $fn$;
