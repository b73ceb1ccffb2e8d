-- Generated code names the source tables and columns a TVIEW reads as text (PostgreSQL keeps the
-- definition view up to date through a rename; it cannot do so for PL/pgSQL). A rename of a table
-- or column a TVIEW reads would leave every later write to that table failing inside generated code.
-- This lists, per TVIEW, the sources and read columns that no longer resolve by the name its code
-- uses. The pg_tviews_ddl event trigger refuses the DDL that makes one (the statement is rolled
-- back); without that event trigger, the health check reports it.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_unresolved_sources()
RETURNS TABLE (entity_name text, table_schema text, table_name text, column_name text)
LANGUAGE sql STABLE AS $fn$
    SELECT DISTINCT m.entity_name, t->>'schema', t->>'table', c.name
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
    LEFT JOIN LATERAL jsonb_array_elements_text(COALESCE(t->'columns', '[]')) c (name) ON true
    WHERE (t->>'gate')::boolean
      AND (to_regclass(format('%I.%I', t->>'schema', t->>'table')) IS NULL
           OR (c.name IS NOT NULL AND NOT EXISTS (
                  SELECT FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table'))
                    AND a.attname = c.name AND a.attnum > 0 AND NOT a.attisdropped)))
$fn$;

-- Statement triggers fire on the table a statement names, not on its ancestors: a TVIEW reading a
-- table without ONLY would miss writes addressed to an inheritance child of it. Creation refuses
-- such sources; this lists the children that appeared since (refused by pg_tviews_ddl, reported by
-- the health check without it).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_unseen_descendants()
RETURNS TABLE (entity_name text, table_schema text, table_name text, child text)
LANGUAGE sql STABLE AS $fn$
    SELECT DISTINCT m.entity_name, t->>'schema', t->>'table', 'child ' || i.inhrelid::regclass::text
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
    JOIN pg_catalog.pg_inherits i ON i.inhparent = to_regclass(format('%I.%I', t->>'schema', t->>'table'))
    WHERE (t->>'gate')::boolean AND COALESCE((t->>'descendants_unseen')::boolean, false)
      -- (Partitions carry copies of their partitioned source's triggers: the third part below.)
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = i.inhparent AND c.relkind = 'p')
    UNION
    -- A source that became a partition or child itself: writes through its parent are unseen.
    SELECT m.entity_name, t->>'schema', t->>'table', 'parent ' || i.inhparent::regclass::text
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
    JOIN pg_catalog.pg_inherits i ON i.inhrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table'))
    WHERE (t->>'gate')::boolean
    UNION
    -- A partition (at any level) of a partitioned source without a copy of one of the source's
    -- statement triggers (pg_tviews_mirror; the pg_tviews_ddl event trigger makes them).
    SELECT m.entity_name, t->>'schema', t->>'table', 'partition ' || x.relid::text || ' without its copy of trigger ' || pg_catalog.quote_ident(g.tgname::text)
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
    CROSS JOIN LATERAL pg_catalog.pg_partition_tree(to_regclass(format('%I.%I', t->>'schema', t->>'table'))) x
    JOIN pg_catalog.pg_trigger g ON g.tgrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table')) AND g.tgname = t->>'name'
    WHERE x.relid::oid <> g.tgrelid
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger y WHERE y.tgrelid = x.relid AND y.tgname = g.tgname AND y.tgfoid = g.tgfoid)
    UNION
    -- A partition whose columns come in another order than the source's (pg_tviews_mirror refuses
    -- them; attached without the event triggers, deferred mode would misread its rows).
    SELECT m.entity_name, t->>'schema', t->>'table', 'partition ' || x.relid::text || ' with its columns in another order'
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
    CROSS JOIN LATERAL pg_catalog.pg_partition_tree(to_regclass(format('%I.%I', t->>'schema', t->>'table'))) x
    WHERE (t->>'gate')::boolean AND x.relid <> to_regclass(format('%I.%I', t->>'schema', t->>'table'))
      AND @schema@.pg_tviews_column_order(x.relid) IS DISTINCT FROM @schema@.pg_tviews_column_order(to_regclass(format('%I.%I', t->>'schema', t->>'table')))
$fn$;
