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
    UNION
    -- A source that became a partition or child itself: writes through its parent are unseen.
    SELECT m.entity_name, t->>'schema', t->>'table', 'parent ' || i.inhparent::regclass::text
    FROM @schema@.pg_tviews_metadata m
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(m.objects->'triggers', '[]')) t
    JOIN pg_catalog.pg_inherits i ON i.inhrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table'))
    WHERE (t->>'gate')::boolean
$fn$;
