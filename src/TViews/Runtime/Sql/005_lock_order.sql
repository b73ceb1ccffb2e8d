-- TViews runtime: one global order for the maintenance locks (docs/design.md, Concurrency).
--
-- A statement that maintains TVIEWs takes the lock (the pg_tviews_state row) of every TVIEW it can
-- reach, sorted by entity name, when it first needs one; it never takes them one by one as the
-- cascade reaches them. Writers that reach the same TVIEWs in different orders (a comment insert:
-- tv_comment, then tv_post through it; a post delete: tv_post, then tv_comment through the FK
-- cascade) then wait for each other instead of deadlocking. What a statement can reach is
-- precomputed here, per source table and event, from the catalog and the FKs, whenever TVIEWs or
-- FKs change, so the write path only looks it up.

-- The lock set of (source, event, entity): every TVIEW whose lock a statement of that event on that
-- source must take before the trigger of `entity` maintains it. For INSERT, DELETE and TRUNCATE it
-- is the same for every entity of the source. For UPDATE it is per entity: the gates say which
-- TVIEWs an UPDATE concerns, and only their sets are locked (an UPDATE of a column only tv_user
-- reads does not lock tv_post).
CREATE TABLE IF NOT EXISTS @schema@.pg_tviews_lock_set (
    source    text NOT NULL,  -- schema.table, as in pg_tviews_metadata.sources
    event     text NOT NULL CHECK (event IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    entity    text NOT NULL,
    entities  text[] NOT NULL,  -- sorted by name ("C")
    tables    text[] NOT NULL,  -- their tables, quoted and qualified, in the same order
    PRIMARY KEY (source, event, entity)
);
COMMENT ON TABLE @schema@.pg_tviews_lock_set IS
    'TViews: the TVIEW locks a statement takes at once, per source, event and TVIEW. Derived; rebuilt by pg_tviews_sync_lock_order().';
REVOKE ALL ON @schema@.pg_tviews_lock_set FROM PUBLIC;
GRANT SELECT ON @schema@.pg_tviews_lock_set TO PUBLIC;

-- The lock sets as the catalog and the FKs define them now. The graph: a change (table, event)
-- leads to the TVIEWs reading the table, whose tables then change (INSERT, UPDATE, DELETE: what
-- maintenance writes); FK actions lead from (parent, DELETE) to (child, DELETE) for CASCADE and to
-- (child, UPDATE) for SET NULL / SET DEFAULT, from (parent, UPDATE) to (child, UPDATE) for any ON
-- UPDATE action, and TRUNCATE ... CASCADE from a parent to every child. The set of a source and
-- event holds every TVIEW reachable from it, plus what is reachable from its FK ancestors whose own
-- triggers do not take the locks first: PostgreSQL fires a statement's triggers on its own table
-- before those of the tables its FK actions changed, so a DELETE or TRUNCATE on a source locks its
-- whole set before any child's trigger runs; but a DELETE on a table no TVIEW reads, or an UPDATE
-- whose gates did not fire, first reaches TViews in a child, and that child's set must then cover
-- the siblings the same statement reaches next.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_sets_computed()
RETURNS TABLE (source text, event text, entity text, entities text[], tables text[])
-- No JIT: the recursive CTEs' estimates make PostgreSQL compile it (seconds) for a 10 ms query.
LANGUAGE sql STABLE SET jit = off AS $fn$
    WITH RECURSIVE
    tview AS (
        SELECT m.entity_name, format('%s.%s', m.table_schema, m.table_name) AS rel FROM @schema@.pg_tviews_metadata m
    ),
    reader AS (
        SELECT m.entity_name, s.rel FROM @schema@.pg_tviews_metadata m CROSS JOIN LATERAL unnest(m.sources) AS s (rel)
    ),
    fk AS (
        -- Top-level constraints only: those of partitions repeat their parent's.
        SELECT format('%s.%s', pn.nspname, pc.relname) AS parent, format('%s.%s', cn.nspname, cc.relname) AS child,
               k.confdeltype, k.confupdtype
        FROM pg_catalog.pg_constraint k
        JOIN pg_catalog.pg_class pc ON pc.oid = k.confrelid
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        JOIN pg_catalog.pg_class cc ON cc.oid = k.conrelid
        JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
        WHERE k.contype = 'f' AND k.conparentid = 0
    ),
    fk_edge (rel, event, next_rel, next_event) AS (
        SELECT parent, 'DELETE', child, 'DELETE' FROM fk WHERE confdeltype = 'c'
        UNION SELECT parent, 'DELETE', child, 'UPDATE' FROM fk WHERE confdeltype IN ('n', 'd')
        UNION SELECT parent, 'UPDATE', child, 'UPDATE' FROM fk WHERE confupdtype IN ('c', 'n', 'd')
        UNION SELECT parent, 'TRUNCATE', child, 'TRUNCATE' FROM fk
    ),
    written (event) AS (VALUES ('INSERT'), ('UPDATE'), ('DELETE')),
    edge (rel, event, next_rel, next_event) AS (
        SELECT * FROM fk_edge
        UNION
        SELECT r.rel, e.event, t.rel, w.event
        FROM reader r JOIN tview t USING (entity_name)
        CROSS JOIN (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS e (event)
        CROSS JOIN written w
    ),
    source_node AS (
        SELECT DISTINCT r.rel, e.event FROM reader r
        CROSS JOIN (VALUES ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS e (event)
    ),
    ancestor (rel, event, anc_rel, anc_event) AS (
        SELECT n.rel, n.event, e.rel, e.event FROM source_node n JOIN fk_edge e ON (e.next_rel, e.next_event) = (n.rel, n.event)
        UNION
        SELECT a.rel, a.event, e.rel, e.event FROM ancestor a JOIN fk_edge e ON (e.next_rel, e.next_event) = (a.anc_rel, a.anc_event)
    ),
    -- Ancestors that do not lock first: not a source, or an UPDATE (whose gates may not fire).
    early_ancestor AS (
        SELECT a.* FROM ancestor a
        WHERE a.anc_event = 'UPDATE' OR NOT EXISTS (SELECT 1 FROM reader q WHERE q.rel = a.anc_rel)
    ),
    start (rel, event) AS (
        SELECT rel, event FROM source_node
        UNION SELECT anc_rel, anc_event FROM early_ancestor
        UNION SELECT t.rel, w.event FROM tview t CROSS JOIN written w
        UNION SELECT e.next_rel, e.next_event FROM fk_edge e JOIN source_node n ON (n.rel, n.event) = (e.rel, e.event)
    ),
    reach (start_rel, start_event, rel, event) AS (
        SELECT rel, event, rel, event FROM start
        UNION
        SELECT r.start_rel, r.start_event, e.next_rel, e.next_event FROM reach r JOIN edge e ON (e.rel, e.event) = (r.rel, r.event)
    ),
    -- The TVIEWs a change can lead to maintaining.
    reached (rel, event, entity) AS (
        SELECT DISTINCT r.start_rel, r.start_event, d.entity_name FROM reach r JOIN reader d ON d.rel = r.rel
    ),
    member (source, event, entity, member) AS (
        -- INSERT, DELETE, TRUNCATE: every TVIEW the change reaches.
        SELECT n.rel, n.event, r.entity_name, x.entity
        FROM source_node n JOIN reader r ON r.rel = n.rel JOIN reached x ON (x.rel, x.event) = (n.rel, n.event)
        WHERE n.event <> 'UPDATE'
        -- UPDATE: the TVIEW, what is built on it, and what the table's ON UPDATE actions reach.
        UNION SELECT r.rel, 'UPDATE', r.entity_name, r.entity_name FROM reader r
        UNION SELECT r.rel, 'UPDATE', r.entity_name, x.entity
        FROM reader r JOIN tview t USING (entity_name) JOIN reached x ON x.rel = t.rel
        UNION SELECT r.rel, 'UPDATE', r.entity_name, x.entity
        FROM reader r JOIN fk_edge e ON (e.rel, e.event) = (r.rel, 'UPDATE')
        JOIN reached x ON (x.rel, x.event) = (e.next_rel, e.next_event)
        -- Every event: what the statements on its early ancestors reach.
        UNION SELECT n.rel, n.event, r.entity_name, x.entity
        FROM source_node n JOIN reader r ON r.rel = n.rel
        JOIN early_ancestor a ON (a.rel, a.event) = (n.rel, n.event)
        JOIN reached x ON (x.rel, x.event) = (a.anc_rel, a.anc_event)
    )
    SELECT m.source, m.event, m.entity,
           array_agg(m.member COLLATE "C" ORDER BY m.member COLLATE "C"),
           array_agg(format('%I.%I', t.table_schema, t.table_name) ORDER BY m.member COLLATE "C")
    FROM (SELECT DISTINCT * FROM member) m
    JOIN @schema@.pg_tviews_metadata t ON t.entity_name = m.member
    GROUP BY m.source, m.event, m.entity
$fn$;

-- Brings pg_tviews_lock_set up to date: called when a TVIEW is registered or forgotten, and by the
-- pg_tviews_ddl event trigger after ALTER TABLE (FKs come and go). Without that event trigger, run
-- it after changing FK actions between sources; until then a statement may take a lock outside its
-- set, in cascade order, as before the lock sets existed. SECURITY DEFINER: the event trigger runs
-- as whoever altered a table, who may not write the catalog; this only derives data from it.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_sync_lock_order() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    WITH computed AS (SELECT * FROM @schema@.pg_tviews_lock_sets_computed()),
    gone AS (
        DELETE FROM @schema@.pg_tviews_lock_set l
        WHERE NOT EXISTS (SELECT 1 FROM computed n WHERE (n.source, n.event, n.entity) = (l.source, l.event, l.entity))
    )
    INSERT INTO @schema@.pg_tviews_lock_set AS l SELECT * FROM computed
    ON CONFLICT (source, event, entity) DO UPDATE SET entities = excluded.entities, tables = excluded.tables
    WHERE (l.entities, l.tables) IS DISTINCT FROM (excluded.entities, excluded.tables)
$fn$;

-- Locks the given TVIEWs for the rest of the transaction, in the global order (entity name, "C"
-- collation: the same in every database), skipping those this transaction holds already, and adds
-- them to the transaction-local list pg_tviews.locked (generated triggers skip their lock when
-- their TVIEW is in it; a rolled-back subtransaction reverts the list exactly when it releases
-- the row locks). Each lock is an UPDATE of the TVIEW's pg_tviews_state row: under REPEATABLE READ
-- / SERIALIZABLE it fails with 40001 when a transaction that committed after our snapshot
-- maintained the TVIEW, and makes a later such writer fail the same way. A TVIEW without a state
-- row (its metadata is gone) is not added to the list.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_all(tviews text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM @schema@.pg_tviews_lock_sorted(ARRAY(SELECT DISTINCT t COLLATE "C" FROM unnest(tviews) AS t ORDER BY 1), NULL);
END $fn$;

-- pg_tviews_lock_all's work, for TVIEWs already sorted and distinct; with `tables` (theirs, in the
-- same order), those whose table is gone are skipped. Returns pg_tviews.locked.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_sorted(tviews text[], tables text[]) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    held text := coalesce(current_setting('pg_tviews.locked', true), '');
    added boolean := false;
    e text;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(tviews), 0) LOOP
        e := tviews[i];
        IF (tables IS NULL OR to_regclass(tables[i]) IS NOT NULL) THEN
            -- Not skipped on the strength of pg_tviews.locked (a session can SET it): the row says
            -- whether this transaction holds the lock already.
            UPDATE @schema@.pg_tviews_state s SET seq = s.seq + 1, locked_by = pg_current_xact_id()
            WHERE s.entity_name = e AND s.locked_by IS DISTINCT FROM pg_current_xact_id();
            IF FOUND OR EXISTS (SELECT FROM @schema@.pg_tviews_state s WHERE s.entity_name = e AND s.locked_by = pg_current_xact_id()) THEN
                IF strpos(held, ',' || e || ',') = 0 THEN held := held || ',' || e || ','; END IF;
                added := true;
            END IF;
        END IF;
    END LOOP;
    IF added THEN
        PERFORM set_config('pg_tviews.locked', held, true);
    END IF;
    RETURN held;
END $fn$;

-- Called by a generated trigger when `tview` is not locked yet in this transaction: takes the lock
-- set of the statement (pg_tviews_lock_set; for an UPDATE, the sets of the TVIEWs whose gates
-- marked the table, `gate_marks`). Returns whether `tview` itself is locked. TVIEWs whose metadata
-- or table is gone are left out: their own triggers must still run their checks (refuse the write,
-- or skip a dropped table), which a lock taken here would let them skip. A set not computed yet
-- falls back to the TVIEW and those built on it.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_statement(source_table text, source_event text, tview text, gate_marks text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    wanted text[];
    relations text[];
    held text := coalesce(current_setting('pg_tviews.locked', true), '');
    added boolean := false;
    mine boolean := false;
    e text;
BEGIN
    IF source_event <> 'UPDATE' OR gate_marks = ',' || tview || ',' THEN
        -- One set: every set of an INSERT, DELETE or TRUNCATE on the table is the same.
        SELECT l.entities, l.tables INTO wanted, relations
        FROM @schema@.pg_tviews_lock_set l
        WHERE l.source = source_table AND l.event = source_event AND l.entity = tview;
    ELSE
        SELECT array_agg(x.e ORDER BY x.e), array_agg(x.t ORDER BY x.e) INTO wanted, relations
        FROM (SELECT DISTINCT u.e COLLATE "C" AS e, u.t
              FROM @schema@.pg_tviews_lock_set l CROSS JOIN LATERAL unnest(l.entities, l.tables) AS u (e, t)
              WHERE l.source = source_table AND l.event = source_event
                AND (l.entity = tview OR strpos(gate_marks, ',' || l.entity || ',') > 0)) x;
    END IF;
    IF wanted IS NULL OR NOT tview = ANY (wanted) THEN
        SELECT array_agg(x.e ORDER BY x.e), array_agg(x.t ORDER BY x.e) INTO wanted, relations
        FROM (SELECT c.entity_name COLLATE "C" AS e, format('%I.%I', m.table_schema, m.table_name) AS t
              FROM @schema@.pg_tviews_closure(tview) c JOIN @schema@.pg_tviews_metadata m USING (entity_name)
              UNION
              SELECT * FROM unnest(wanted, relations)) x;
    END IF;
    -- pg_tviews_lock_sorted, inlined: this runs on the first write of most transactions.
    FOR i IN 1 .. coalesce(cardinality(wanted), 0) LOOP
        e := wanted[i];
        IF to_regclass(relations[i]) IS NOT NULL THEN
            -- The row, not pg_tviews.locked, says whether this transaction holds the lock already.
            UPDATE @schema@.pg_tviews_state s SET seq = s.seq + 1, locked_by = pg_current_xact_id()
            WHERE s.entity_name = e AND s.locked_by IS DISTINCT FROM pg_current_xact_id();
            IF FOUND OR EXISTS (SELECT FROM @schema@.pg_tviews_state s WHERE s.entity_name = e AND s.locked_by = pg_current_xact_id()) THEN
                IF strpos(held, ',' || e || ',') = 0 THEN held := held || ',' || e || ','; END IF;
                added := true;
                mine := mine OR e = tview;
            END IF;
        END IF;
    END LOOP;
    IF added THEN
        PERFORM set_config('pg_tviews.locked', held, true);
    END IF;
    RETURN mine;
END $fn$;

-- For multi-statement transactions: locks, at once and in the global order, everything a statement
-- of any kind on any of the given tables can need, so the transaction's later statements take no
-- TViews lock of their own (each statement otherwise locks its own set when it first needs it).
-- Returns the TVIEWs locked.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_tables(VARIADIC tables regclass[]) RETURNS text[]
LANGUAGE plpgsql AS $fn$
DECLARE
    wanted text[] := ARRAY(
        SELECT DISTINCT x.e
        FROM unnest(tables) AS t (rel)
        JOIN pg_catalog.pg_class c ON c.oid = t.rel
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN @schema@.pg_tviews_lock_set l ON l.source = format('%s.%s', n.nspname, c.relname)
        CROSS JOIN LATERAL unnest(l.entities) AS x (e));
BEGIN
    PERFORM @schema@.pg_tviews_lock_all(wanted);
    RETURN ARRAY(SELECT w FROM unnest(wanted) AS w
                 WHERE strpos(coalesce(current_setting('pg_tviews.locked', true), ''), ',' || w || ',') > 0 ORDER BY 1);
END $fn$;

-- TVIEWs created by a runtime that had no lock sets.
SELECT @schema@.pg_tviews_sync_lock_order();
