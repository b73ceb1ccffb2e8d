-- Source DDL that PostgreSQL allows but that would leave a TVIEW wrong (docs/design.md, Source DDL):
-- a function a definition calls replaced (its rows were computed by the old body), renamed or moved
-- (the patch code names it), made VOLATILE; a TVIEW table or definition view renamed, moved, or its
-- columns changed. The event triggers refuse or repair these at once; without them the health check
-- reports them and `tviews apply` rebuilds what they left out of date.

-- The functions each TVIEW calls, as they were when it was built: name, argument types and a
-- fingerprint of the definition (changed by CREATE OR REPLACE and ALTER FUNCTION). Names, not OIDs,
-- so a dump and restore keeps it. (Added only when missing: an ALTER TABLE fires pg_tviews_ddl.)
DO $do$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = (@schema_literal@ || '.pg_tviews_metadata')::regclass AND a.attname = 'calls') THEN
        ALTER TABLE @schema@.pg_tviews_metadata ADD COLUMN calls jsonb;
    END IF;
END $do$;

-- The user functions (and aggregates) a definition view calls directly, operators' functions
-- included. Functions of the system catalogs (OIDs below 16384) change only with PostgreSQL itself.
-- A function called by one of these is not seen (PostgreSQL records no dependency on it).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_called_functions(view regclass) RETURNS SETOF oid
LANGUAGE sql STABLE AS $fn$
    SELECT DISTINCT f.fn FROM (
        SELECT d.refobjid AS fn
        FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
        WHERE r.ev_class = view AND d.refclassid = 'pg_catalog.pg_proc'::regclass
        UNION ALL
        SELECT o.oprcode::oid
        FROM pg_catalog.pg_rewrite r
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
        JOIN pg_catalog.pg_operator o ON o.oid = d.refobjid
        WHERE r.ev_class = view AND d.refclassid = 'pg_catalog.pg_operator'::regclass
    ) f
    WHERE f.fn >= 16384
$fn$;

-- What decides a function's results: its definition as pg_get_functiondef prints it (body,
-- volatility, settings), or for an aggregate its catalog row and the definitions of its support
-- functions. Run with search_path = pg_catalog (set by 008), so type names print the same for every caller.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_function_fingerprint(fn oid) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT pg_catalog.md5(CASE WHEN p.prokind = 'a' THEN
               -- Names and type names, not OIDs, which a dump and restore changes.
               (SELECT pg_catalog.concat_ws(',', a.aggkind, a.aggnumdirectargs, a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
                           a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn, a.aggfinalextra,
                           a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify, a.aggsortop::regoperator,
                           pg_catalog.format_type(a.aggtranstype, NULL), a.aggtransspace,
                           pg_catalog.format_type(a.aggmtranstype, NULL), a.aggmtransspace, a.agginitval, a.aggminitval)
                       || COALESCE((
                    SELECT pg_catalog.string_agg(pg_catalog.pg_get_functiondef(s.fn), ';' ORDER BY s.n)
                    FROM unnest(ARRAY[a.aggtransfn::oid, a.aggfinalfn::oid, a.aggcombinefn::oid, a.aggmtransfn::oid,
                                      a.aggminvtransfn::oid, a.aggmfinalfn::oid]) WITH ORDINALITY AS s (fn, n)
                    WHERE s.fn >= 16384), '')
                FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid)
           ELSE pg_catalog.pg_get_functiondef(p.oid) END)
    FROM pg_catalog.pg_proc p WHERE p.oid = fn
$fn$;

-- Records what a TVIEW's definition view calls now (at registration, and by pg_tviews_refresh, which
-- makes the rows agree with the functions as they are). Only the TVIEW's owner may (with the right
-- to write the catalog, as for every registration): recording is what tells later checks that the
-- rows were computed by these definitions.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_record_calls(entity text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    m record;
    v regclass;
BEGIN
    SELECT * INTO m FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = entity;
    IF NOT FOUND THEN RETURN; END IF;
    v := pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.table_schema, m.view_name));
    IF v IS NULL THEN RETURN; END IF;
    PERFORM @schema@.pg_tviews_require_owner(pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.table_schema, m.table_name)),
                                             entity, 'record the functions of');
    UPDATE @schema@.pg_tviews_metadata x SET calls = COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'schema', n.nspname, 'name', p.proname, 'args', pg_catalog.oidvectortypes(p.proargtypes),
                   'fingerprint', @schema@.pg_tviews_function_fingerprint(p.oid))
               ORDER BY n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes))
        FROM @schema@.pg_tviews_called_functions(v) f
        JOIN pg_catalog.pg_proc p ON p.oid = f
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace), '[]')
    WHERE x.entity_name = entity;
END $fn$;

-- Calls recorded for a TVIEW that no longer hold: 'moved' (no function of that name and argument
-- types: renamed, moved to another schema, or dropped), 'volatile' (now VOLATILE: its rows would no
-- longer follow from its sources), 'replaced' (another definition: its rows are out of date).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_changed_calls()
RETURNS TABLE (entity_name text, function_name text, change text, fn oid)
LANGUAGE sql STABLE AS $fn$
    SELECT m.entity_name, pg_catalog.format('%I.%I(%s)', c->>'schema', c->>'name', c->>'args'),
           CASE WHEN p.oid IS NULL THEN 'moved' WHEN p.provolatile = 'v' THEN 'volatile' ELSE 'replaced' END, p.oid
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(COALESCE(m.calls, '[]')) c
    LEFT JOIN pg_catalog.pg_proc p
           ON p.oid = pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', c->>'schema', c->>'name', c->>'args'))
    WHERE p.oid IS NULL OR p.provolatile = 'v'
       OR @schema@.pg_tviews_function_fingerprint(p.oid) IS DISTINCT FROM c->>'fingerprint'
$fn$;

-- A relation's columns as "name type" in order (the comparison of a TVIEW table with its definition).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_column_list(rel regclass) RETURNS text
LANGUAGE sql STABLE AS $fn$
    SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
    FROM pg_catalog.pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$fn$;

-- TVIEWs whose table or definition view is not where the metadata says (renamed, moved, dropped),
-- or whose table's columns (names, types, order) differ from its definition's: generated code
-- writes every column by name, and the TVIEW must hold exactly the definition's rows.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_misshapen()
RETURNS TABLE (entity_name text, problem text)
LANGUAGE sql STABLE AS $fn$
    SELECT m.entity_name,
           CASE WHEN r.tbl IS NULL THEN pg_catalog.format('its table %I.%I does not exist (renamed, moved or dropped)', m.table_schema, m.table_name)
                WHEN r.view IS NULL THEN pg_catalog.format('its definition view %I.%I does not exist (renamed, moved or dropped)', m.table_schema, m.view_name)
                ELSE pg_catalog.format('the columns of its table %I.%I (%s) differ from those of its definition (%s)', m.table_schema, m.table_name,
                                       @schema@.pg_tviews_column_list(r.tbl), @schema@.pg_tviews_column_list(r.view)) END
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL (SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.table_schema, m.table_name)) AS tbl,
                               pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.table_schema, m.view_name)) AS view) r
    WHERE r.tbl IS NULL OR r.view IS NULL
       OR @schema@.pg_tviews_column_list(r.tbl) IS DISTINCT FROM @schema@.pg_tviews_column_list(r.view)
$fn$;

-- NOT NULL constraints a TVIEW's key rests on that are gone. The key must never be NULL (a row with a
-- NULL key is never recomputed, so it would be missing from the TVIEW); the analysis proved that from
-- these columns' NOT NULL constraints and recorded them in the manifest (objects.key_not_null).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_nullable_key_columns()
RETURNS TABLE (entity_name text, table_schema text, table_name text, column_name text)
LANGUAGE sql STABLE AS $fn$
    SELECT m.entity_name, c->>'schema', c->>'table', c->>'column'
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(COALESCE(m.objects->'key_not_null', '[]')) c
    JOIN pg_catalog.pg_attribute a
      ON a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', c->>'schema', c->>'table'))
     AND a.attname = c->>'column' AND a.attnum > 0 AND NOT a.attisdropped
    WHERE NOT a.attnotnull
$fn$;

-- What `tviews apply` rebuilds although its definition is unchanged: TVIEWs that a replaced function
-- or a changed table left out of date (normally repaired or refused at once by the event triggers).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_out_of_date()
RETURNS TABLE (entity_name text, reason text)
LANGUAGE sql STABLE AS $fn$
    SELECT c.entity_name, pg_catalog.string_agg(pg_catalog.format('%s %s', c.function_name,
               CASE c.change WHEN 'moved' THEN 'no longer exists' WHEN 'volatile' THEN 'is now volatile' ELSE 'was replaced' END), '; ')
    FROM @schema@.pg_tviews_changed_calls() c GROUP BY c.entity_name
    UNION ALL
    SELECT s.entity_name, s.problem FROM @schema@.pg_tviews_misshapen() s
    UNION ALL
    SELECT n.entity_name, pg_catalog.format('its key rests on column %I of %I.%I being NOT NULL, which it no longer is', n.column_name, n.table_schema, n.table_name)
    FROM @schema@.pg_tviews_nullable_key_columns() n
$fn$;

-- Event trigger pg_tviews_functions (ddl_command_end on CREATE/ALTER FUNCTION and AGGREGATE, ALTER
-- SCHEMA). Not SECURITY DEFINER, unlike pg_tviews_ddl: repairing a TVIEW evaluates the new function,
-- which must run with the rights of whoever replaced it, never the runtime owner's.
-- - A call that no longer resolves (RENAME, SET SCHEMA of the function or of its schema): refused.
--   A rename leaves no trace of the old name, so any such call counts, not only this command's.
-- - A function of this command that a TVIEW calls and that is now VOLATILE: refused.
-- - A function of this command that a TVIEW calls, replaced: each such TVIEW is reconciled with its
--   definition now (with its dependents), in this transaction, and the new definition recorded.
--   That takes the rights of the TVIEW's owner; anyone else's command is refused, saying so.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_on_function_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
    touched oid[];
    c record;
    e record;
BEGIN
    IF pg_catalog.to_regclass(@schema_literal@ || '.pg_tviews_metadata') IS NULL THEN RETURN; END IF;
    SELECT pg_catalog.array_agg(d.objid) INTO touched FROM pg_catalog.pg_event_trigger_ddl_commands() d
    WHERE d.classid = 'pg_catalog.pg_proc'::regclass;
    -- An aggregate whose support function this command replaced is replaced too.
    touched := touched || ARRAY(SELECT a.aggfnoid::oid FROM pg_catalog.pg_aggregate a
                                WHERE ARRAY[a.aggtransfn::oid, a.aggfinalfn::oid, a.aggcombinefn::oid, a.aggmtransfn::oid,
                                            a.aggminvtransfn::oid, a.aggmfinalfn::oid] && touched);
    -- Most CREATE and ALTER FUNCTIONs (an apply's generated code and the runtime's own settings among
    -- them) touch nothing a TVIEW calls: done without fingerprinting every recorded call. What the
    -- loops below act on is a recorded call whose function is touched, or, after an ALTER, one
    -- that no longer resolves ('moved').
    IF NOT EXISTS (
        SELECT FROM @schema@.pg_tviews_metadata m
        CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(COALESCE(m.calls, '[]')) AS recorded (f)
        CROSS JOIN LATERAL (SELECT pg_catalog.to_regprocedure(pg_catalog.format('%I.%I(%s)', recorded.f->>'schema', recorded.f->>'name', recorded.f->>'args'))::oid AS p) AS r
        WHERE r.p = ANY (touched) OR (r.p IS NULL AND TG_TAG LIKE 'ALTER %')) THEN
        RETURN;
    END IF;
    FOR c IN SELECT * FROM @schema@.pg_tviews_changed_calls() x
             WHERE (x.change = 'moved' AND TG_TAG LIKE 'ALTER %') OR (x.change = 'volatile' AND x.fn = ANY (touched))
             ORDER BY x.entity_name LIMIT 1 LOOP
        IF c.change = 'moved' THEN
            RAISE EXCEPTION 'TVIEW % calls %, which this command renames or moves', c.entity_name, c.function_name
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = pg_catalog.format('Its generated code names it. Drop the TVIEW (tviews drop tv_%s --cascade), run the command, change the definition and create it again (tviews apply).', c.entity_name);
        END IF;
        RAISE EXCEPTION 'TVIEW % calls %, which this command makes VOLATILE', c.entity_name, c.function_name
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'A TVIEW''s rows must follow from its sources: the functions it calls must be IMMUTABLE or STABLE.';
    END LOOP;
    FOR e IN SELECT m.entity_name FROM @schema@.pg_tviews_metadata m
             WHERE m.entity_name IN (SELECT x.entity_name FROM @schema@.pg_tviews_changed_calls() x WHERE x.fn = ANY (touched))
             ORDER BY m.depth, m.entity_name LOOP
        BEGIN
            RAISE NOTICE 'TViews: a function TVIEW % calls was replaced; reconciling the TVIEW with its definition', e.entity_name;
            PERFORM @schema@.pg_tviews_refresh(e.entity_name); -- records the new definitions too
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'TVIEW % calls a function this command replaces, so its rows must be recomputed now, which role % may not do: %',
                    e.entity_name, current_user, SQLERRM
                USING ERRCODE = 'insufficient_privilege',
                      HINT = pg_catalog.format('Replace the function as the owner of TVIEW %s (or a role granted its rights).', e.entity_name);
        END;
    END LOOP;
END $fn$;

-- TVIEWs built before calls were recorded: record them as they are now.
DO $do$
DECLARE
    e text;
BEGIN
    FOR e IN SELECT m.entity_name FROM @schema@.pg_tviews_metadata m WHERE m.calls IS NULL LOOP
        BEGIN
            PERFORM @schema@.pg_tviews_record_calls(e);
        EXCEPTION WHEN insufficient_privilege THEN
            NULL; -- another owner's TVIEW: recorded when its owner next applies
        END;
    END LOOP;
END $do$;
