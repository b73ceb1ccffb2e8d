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
    lockings  text[],           -- their locking ('whole' where key locks do not apply), in the same order
    relations regclass[],       -- the tables (not TVIEWs) every one of them reads (pg_tviews_lock_sources)
    PRIMARY KEY (source, event, entity)
);
-- Added by this release: with an ALTER TABLE only when missing, since it fires pg_tviews_ddl, whose
-- pg_tviews_sync_lock_order a fresh install has not created yet (an upgrade's runs as it was).
DO $do$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = (@schema_literal@ || '.pg_tviews_lock_set')::regclass AND a.attname = 'lockings') THEN
        ALTER TABLE @schema@.pg_tviews_lock_set ADD COLUMN lockings text[];
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = (@schema_literal@ || '.pg_tviews_lock_set')::regclass AND a.attname = 'relations') THEN
        ALTER TABLE @schema@.pg_tviews_lock_set ADD COLUMN relations regclass[];
    END IF;
END $do$;
COMMENT ON TABLE @schema@.pg_tviews_lock_set IS
    'TViews: the TVIEW locks a statement takes at once, per source, event and TVIEW. Derived; rebuilt by pg_tviews_sync_lock_order().';
REVOKE ALL ON @schema@.pg_tviews_lock_set FROM PUBLIC;
GRANT SELECT ON @schema@.pg_tviews_lock_set TO PUBLIC;

-- The tables, not TVIEWs, that the given TVIEWs read (their triggers' tables), for
-- pg_tviews_lock_sources. TVIEW tables are left out: only TViews' refresh locks them exclusively,
-- under the TViews locks that already order it with writers; a writer holding ACCESS SHARE on one
-- would make that refresh wait for it out of that order.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_base_sources(entities text[]) RETURNS regclass[]
LANGUAGE sql STABLE AS $fn$
    SELECT ARRAY(
        SELECT DISTINCT r::pg_catalog.regclass
        FROM @schema@.pg_tviews_metadata s
        CROSS JOIN LATERAL unnest(@schema@.pg_tviews_trigger_tables(s.objects)) AS r
        JOIN pg_catalog.pg_class c ON c.oid = r
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE s.entity_name = ANY (entities)
          AND NOT EXISTS (SELECT FROM @schema@.pg_tviews_metadata t WHERE t.table_schema = n.nspname AND t.table_name = c.relname)
        ORDER BY 1)
$fn$;

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
DROP FUNCTION IF EXISTS @schema@.pg_tviews_lock_sets_computed(); -- its result changed
CREATE FUNCTION @schema@.pg_tviews_lock_sets_computed()
RETURNS TABLE (source text, event text, entity text, entities text[], tables text[], lockings text[], relations regclass[])
-- No JIT: the recursive CTEs' estimates make PostgreSQL compile it (seconds) for a 10 ms query.
-- PL/pgSQL, not SQL: a SQL function's query is planned at every call (PostgreSQL before 18), which
-- was most of each call's time; an apply calls it after every registration and ALTER TABLE.
LANGUAGE plpgsql STABLE SET jit = off AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
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
    -- The tables, not TVIEWs, each TVIEW's triggers are on (as pg_tviews_base_sources finds them);
    -- materialized, or each set below would resolve them again.
    base (entity_name, rel) AS MATERIALIZED (
        SELECT s.entity_name, c.oid::pg_catalog.regclass
        FROM @schema@.pg_tviews_metadata s
        CROSS JOIN LATERAL unnest(@schema@.pg_tviews_trigger_tables(s.objects)) AS r
        JOIN pg_catalog.pg_class c ON c.oid = r
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT EXISTS (SELECT FROM @schema@.pg_tviews_metadata t WHERE t.table_schema = n.nspname AND t.table_name = c.relname)
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
    SELECT g.*,
           -- pg_tviews_base_sources(g.entities), from each TVIEW's tables found once (per set, that
           -- function resolved every member's tables again: most of a sync's time).
           ARRAY(SELECT DISTINCT b.rel FROM base b WHERE b.entity_name = ANY (g.entities) ORDER BY 1)
    FROM (SELECT m.source, m.event, m.entity,
                 array_agg(m.member COLLATE "C" ORDER BY m.member COLLATE "C") AS entities,
                 array_agg(format('%I.%I', t.table_schema, t.table_name) ORDER BY m.member COLLATE "C") AS tables,
                 array_agg(CASE WHEN t.key_locks THEN t.locking ELSE 'whole' END ORDER BY m.member COLLATE "C") AS lockings
          FROM (SELECT DISTINCT * FROM member) m
          JOIN @schema@.pg_tviews_metadata t ON t.entity_name = m.member
          GROUP BY m.source, m.event, m.entity) g;
END $fn$;

-- Brings pg_tviews_lock_set up to date: called when a TVIEW is registered or forgotten, and by the
-- pg_tviews_ddl event trigger after ALTER TABLE (FKs come and go). Without that event trigger, run
-- it after changing FK actions between sources; until then a statement may take a lock outside its
-- set, in cascade order, as before the lock sets existed. SECURITY DEFINER: the event trigger runs
-- as whoever altered a table, who may not write the catalog; this only derives data from it.
-- (PL/pgSQL, so that its statement's plan is kept between calls.)
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_sync_lock_order() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    WITH computed AS (SELECT * FROM @schema@.pg_tviews_lock_sets_computed()),
    gone AS (
        DELETE FROM @schema@.pg_tviews_lock_set l
        WHERE NOT EXISTS (SELECT 1 FROM computed n WHERE (n.source, n.event, n.entity) = (l.source, l.event, l.entity))
    )
    INSERT INTO @schema@.pg_tviews_lock_set AS l (source, event, entity, entities, tables, lockings, relations)
    SELECT c.source, c.event, c.entity, c.entities, c.tables, c.lockings, c.relations FROM computed c
    ON CONFLICT (source, event, entity) DO UPDATE
        SET entities = excluded.entities, tables = excluded.tables, lockings = excluded.lockings, relations = excluded.relations
    WHERE (l.entities, l.tables, l.lockings, l.relations::oid[]) IS DISTINCT FROM (excluded.entities, excluded.tables, excluded.lockings, excluded.relations::oid[]);
END $fn$;

-- Runtimes before this one recorded whether a statement maintains a TVIEW in one step (key locks
-- were then limited to those). Dropped after the functions above stop using it: the ALTER fires
-- pg_tviews_ddl, which runs pg_tviews_sync_lock_order (which also fills the lockings). Only when
-- there (every install ran it, and with it the event trigger's work, tens of ms).
DO $do$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = (@schema_literal@ || '.pg_tviews_lock_set')::regclass AND a.attname = 'single_step' AND NOT a.attisdropped) THEN
        ALTER TABLE @schema@.pg_tviews_lock_set DROP COLUMN single_step;
    END IF;
END $do$;

-- ACCESS SHARE, to the end of the transaction, on `relations` (the tables the TVIEWs about to be
-- locked read), taken before their TViews locks. TRUNCATE, DDL and LOCK TABLE take their table's
-- lock when the statement starts, before any trigger, and a TRUNCATE's trigger then waits for TViews
-- locks; a writer that held TViews locks and only then read that table to recompute would wait for
-- the TRUNCATE, which waits for it: a deadlock a lock order over TViews' own locks cannot prevent.
-- Taking the tables' locks first makes the writer wait for the TRUNCATE before it holds anything the
-- TRUNCATE needs (docs/design.md, "One lock order"). Only tables the role may lock in that mode (it
-- reads them anyway: a writer's maintenance runs as the TVIEW's owner), and not those gone; names
-- from regclass, never from stored text.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_sources(relations regclass[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    names text;
BEGIN
    -- Not a scan of pg_class: that locked pg_class and its index in every writer's transaction (two
    -- more entries in the shared lock table, on objects every writer shares). has_table_privilege
    -- by OID is NULL for a relation that is gone, which leaves it out.
    SELECT pg_catalog.string_agg(r::text, ', ' ORDER BY r::oid) INTO names
    FROM unnest(relations) AS r
    WHERE pg_catalog.has_table_privilege(r::oid, 'SELECT'); -- what ACCESS SHARE asks for up to PostgreSQL 15
    IF names IS NOT NULL THEN
        EXECUTE 'LOCK TABLE ' || names || ' IN ACCESS SHARE MODE';
    END IF;
END $fn$;

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
    -- The sources first (pg_tviews_lock_sources). A flush, which passes `tables`, took them already.
    IF tables IS NULL THEN
        PERFORM @schema@.pg_tviews_lock_sources(@schema@.pg_tviews_base_sources(tviews));
    END IF;
    FOR i IN 1 .. coalesce(cardinality(tviews), 0) LOOP
        e := tviews[i];
        IF (tables IS NULL OR to_regclass(tables[i]) IS NOT NULL) THEN
            -- Not skipped on the strength of pg_tviews.locked (a session can SET it): the row says
            -- whether this transaction holds the lock already.
            IF @schema@.pg_tviews_lock_whole(e) THEN
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

-- The advisory lock standing for a whole TVIEW: exclusive for a whole-TVIEW lock, shared for a
-- key-level writer (so the two exclude each other, and key-level writers do not). The lock
-- functions below spell the expression out (a SQL function call costs a query on the write path).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_whole_key(entity text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $fn$ SELECT pg_catalog.hashtextextended('pg_tviews whole ' || entity, 0) $fn$;

-- Takes the whole-TVIEW lock of `entity` until the end of the transaction; false when it has no
-- state row (its metadata is gone). Three parts: the exclusive advisory lock (waits for key-level
-- writers, keeps new ones out), the update of the state row (serializes whole-TVIEW writers; under
-- REPEATABLE READ / SERIALIZABLE fails with 40001 when one committed after our snapshot), and
-- under those isolation levels, for a TVIEW with key locks, FOR SHARE on its key-level writers'
-- slots: 40001 when one of them committed after our snapshot, whose rows we could not see.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_whole(e text) RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT FROM @schema@.pg_tviews_state s WHERE s.entity_name = e AND s.locked_by = pg_current_xact_id()) THEN
        RETURN true;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('pg_tviews whole ' || e, 0));
    UPDATE @schema@.pg_tviews_state s SET seq = s.seq + 1, locked_by = pg_current_xact_id()
    WHERE s.entity_name = e AND s.locked_by IS DISTINCT FROM pg_current_xact_id();
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed'
       AND EXISTS (SELECT FROM @schema@.pg_tviews_metadata m WHERE m.entity_name = e AND m.key_locks) THEN
        PERFORM FROM @schema@.pg_tviews_trace t WHERE t.entity_name = e FOR SHARE;
    END IF;
    RETURN true;
END $fn$;

-- (Runtimes before this one decided key locking per TVIEW in a function of its own;
-- pg_tviews_lock_statement decides it inline now.)
DROP FUNCTION IF EXISTS @schema@.pg_tviews_key_locking(text);

-- Takes the key-level writer's lock of `entity`: the shared advisory lock and a slot (see
-- pg_tviews_trace): the first one no other transaction holds, starting at pid % 64, so key-level
-- writers never wait for each other here. False when every slot is taken (64 key-level writers at
-- once, or slots missing): the caller then locks the whole TVIEW.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_shared(e text) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    taken integer;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtextextended('pg_tviews whole ' || e, 0));
    -- This backend's own slot first (one index probe); another only when that one is taken.
    UPDATE @schema@.pg_tviews_trace t SET xact = pg_current_xact_id()
    WHERE t.entity_name = e AND t.slot = (SELECT f.slot FROM @schema@.pg_tviews_trace f
                                          WHERE f.entity_name = e AND f.slot = pg_backend_pid() % 64 FOR UPDATE SKIP LOCKED)
    RETURNING t.slot INTO taken;
    IF taken IS NULL THEN
        UPDATE @schema@.pg_tviews_trace t SET xact = pg_current_xact_id()
        FROM (SELECT f.slot FROM @schema@.pg_tviews_trace f WHERE f.entity_name = e
              ORDER BY (f.slot - pg_backend_pid() % 64 + 64) % 64 LIMIT 1 FOR UPDATE SKIP LOCKED) AS free
        WHERE t.entity_name = e AND t.slot = free.slot
        RETURNING t.slot INTO taken;
    END IF;
    IF taken IS NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_catalog.set_config('pg_tviews.slots',
        coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '')
            || ',' || pg_catalog.encode(pg_catalog.convert_to(e, 'UTF8'), 'hex') || ':' || taken || ',', true);
    RETURN true;
END $fn$;

-- Which slots this transaction holds, asked on every write: `pg_tviews.slots` lists them
-- (',<entity name in hex>:<slot>,...', transaction-local, reverted with a savepoint as the slot's
-- update is). A session can SET it, so it is a hint: the first slot it names for a TVIEW is
-- verified with one primary-key probe, and a TVIEW whose slot is not confirmed so takes its slot
-- again (the same row, which the transaction has locked, or a second one: nothing changes but the
-- session's own work). Without it, each question scanned the TVIEW's 64 slot rows, or the slot rows
-- of every TVIEW. The name is in hex (its UTF-8 bytes) so that no name can be mistaken for
-- another's. pg_tviews_lock_shared writes the entries; only the two functions below read them.

-- Whether this transaction holds a slot of `e` (a key-level writer's lock of that TVIEW).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_slot_held(e text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    hint text := coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '');
    tag text := ',' || pg_catalog.encode(pg_catalog.convert_to(e, 'UTF8'), 'hex') || ':';
    at integer := pg_catalog.strpos(hint, tag);
    named text;
BEGIN
    IF at = 0 THEN
        RETURN false;
    END IF;
    -- The first entry for it, '<slot>,' as pg_tviews_lock_shared writes it; then one probe of the
    -- whole primary key (this runs on every write).
    named := pg_catalog.substring(pg_catalog.substr(hint, at + pg_catalog.length(tag), 3), '^([0-9]{1,2}),');
    RETURN EXISTS (SELECT FROM @schema@.pg_tviews_trace t
                   WHERE t.entity_name = e AND t.slot = named::integer AND t.xact = pg_current_xact_id());
END $fn$;

-- Whether this transaction holds a slot of any TVIEW (it took key locks). PL/pgSQL, not SQL: a SQL
-- function's query is parsed and planned at every call (PostgreSQL before 18), which cost 0.17 ms of
-- every key-level transaction's first write.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_slots_held() RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    hint text := coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '');
    named record;
BEGIN
    IF hint = '' THEN
        RETURN false;
    END IF;
    -- Each entry named (one per TVIEW the transaction writes with key locks), each one probe of the
    -- whole primary key: as a join, the planner scanned the slot rows instead.
    FOR named IN SELECT m.entity_name, h.v[2]::integer AS slot
                 FROM pg_catalog.regexp_matches(hint, ',([0-9a-f]+):([0-9]{1,2})(?=,)', 'g') AS h (v)
                 JOIN @schema@.pg_tviews_metadata m ON pg_catalog.encode(pg_catalog.convert_to(m.entity_name, 'UTF8'), 'hex') = h.v[1] LOOP
        IF EXISTS (SELECT FROM @schema@.pg_tviews_trace t
                   WHERE t.entity_name = named.entity_name AND t.slot = named.slot AND t.xact = pg_current_xact_id()) THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END $fn$;

-- Whether key locks are contended now: late key locks timed out a moment ago, so 'auto' takes whole
-- locks for a while (pg_tviews_mark_contention writes the state; this reads it, for a statement's
-- locks and for a flush's).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_contended() RETURNS boolean
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
    RETURN (SELECT c.last_value % 64 < 63 AND c.last_value / 64 > (extract(epoch FROM pg_catalog.clock_timestamp()) * 1000)::bigint
            FROM @schema@.pg_tviews_contention AS c);
END $fn$;

-- Called by a generated trigger when `tview` is not locked yet in this transaction: takes the lock
-- set of the statement (pg_tviews_lock_set; for an UPDATE, the sets of the TVIEWs whose gates
-- marked the table, `gate_marks`), in the global order. Returns whether `tview` itself is locked.
-- TVIEWs whose metadata or table is gone are left out: their own triggers must still run their
-- checks (refuse the write, or skip a dropped table), which a lock taken here would let them skip. A
-- set not computed yet falls back to the TVIEW and those built on it.
-- Each member gets the whole-TVIEW lock, or, when it may take key locks now (its definition allows
-- them, its locking is not 'whole', immediate mode, nothing queued, READ COMMITTED), only the
-- key-level writer's lock (pg_tviews_lock_shared); its trigger then locks the keys it writes and
-- reads, step by step, in the order of pg_tviews_lock_late.
-- Returns how `tview` itself is locked: 'key' (the key-level writer's lock, which the trigger then
-- follows with key locks), 'whole' (its whole lock, as its state row says), or NULL (not locked
-- here). 'key' is right even when the transaction holds the whole lock too: key locks under the
-- whole lock are only more locking. The trigger needs no query of its own to learn it.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_step(source_table text, source_event text, tview text, gate_marks text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    wanted text[];
    relations text[];
    lockings text[];
    sources regclass[];
    held text := coalesce(current_setting('pg_tviews.locked', true), '');
    added boolean := false;
    how text; -- how tview is locked: 'key', 'whole', or NULL (not yet)
    e text;
    keyed boolean; -- whether an earlier statement took key locks; computed when first needed
    contended boolean; -- whether 'auto' takes whole locks now; computed when first needed
    committed_read boolean := pg_catalog.current_setting('transaction_isolation') = 'read committed';
    eligible text[]; -- the members that may take key locks as the catalog says, and their locking
    eligible_locking text[];
    member_at integer;
    queued_any boolean; -- whether this transaction queued rows for any TVIEW (deferred mode)
    slots_hint text; -- pg_tviews.slots as the batch below sets it (unused: the INTO needs a target)
    slotted text[]; -- the members whose key-level writer's lock the batch below took
BEGIN
    IF source_event <> 'UPDATE' OR gate_marks = ',' || tview || ',' THEN
        -- One set: every set of an INSERT, DELETE or TRUNCATE on the table is the same.
        SELECT l.entities, l.tables, l.lockings, l.relations INTO wanted, relations, lockings, sources
        FROM @schema@.pg_tviews_lock_set l
        WHERE l.source = source_table AND l.event = source_event AND l.entity = tview;
    ELSE
        WITH l AS (SELECT s.entities, s.tables, s.lockings, s.relations FROM @schema@.pg_tviews_lock_set s
                   WHERE s.source = source_table AND s.event = source_event
                     AND (s.entity = tview OR strpos(gate_marks, ',' || s.entity || ',') > 0))
        SELECT array_agg(x.e ORDER BY x.e), array_agg(x.t ORDER BY x.e), array_agg(x.k ORDER BY x.e),
               ARRAY(SELECT DISTINCT r FROM l CROSS JOIN LATERAL unnest(coalesce(l.relations, @schema@.pg_tviews_base_sources(l.entities))) AS r)
        INTO wanted, relations, lockings, sources
        FROM (SELECT DISTINCT u.e COLLATE "C" AS e, u.t, u.k
              FROM l CROSS JOIN LATERAL unnest(l.entities, l.tables, l.lockings) AS u (e, t, k)) x;
    END IF;
    IF wanted IS NULL OR NOT tview = ANY (wanted) THEN
        -- (Lockings unknown here: NULL, looked up below.)
        SELECT array_agg(x.e ORDER BY x.e), array_agg(x.t ORDER BY x.e), NULL INTO wanted, relations, lockings
        FROM (SELECT c.entity_name COLLATE "C" AS e, format('%I.%I', m.table_schema, m.table_name) AS t
              FROM @schema@.pg_tviews_closure(tview) c JOIN @schema@.pg_tviews_metadata m USING (entity_name)
              UNION
              SELECT * FROM unnest(wanted, relations)) x;
        sources := NULL;
    END IF;
    IF sources IS NULL THEN
        -- Not in the lock set (a set being recomputed, or computed by an older runtime): from the catalog.
        sources := @schema@.pg_tviews_base_sources(wanted);
    END IF;
    -- The tables first (pg_tviews_lock_sources). A trigger calls this step when its hints do not
    -- show its TVIEW locked, so it nearly always takes a lock; when a hidden hint sent it here
    -- anyway, locking the tables again changes nothing.
    PERFORM @schema@.pg_tviews_lock_sources(sources);
    -- Which members may take key locks as the catalog says (not the lock set), for all of them in one
    -- query, before any is locked: their definition allows them, their locking is not 'whole', they
    -- are maintained now (immediate mode, nothing queued for them), the transaction does not hold
    -- their whole lock, and their table is there (the loop skips a member whose table is gone).
    -- Nothing the loop below does changes that for a member it has not reached yet. Asked where a
    -- member may take key locks: READ COMMITTED, no TRUNCATE, a locking other than 'whole' (or not
    -- known) in the set. The queue is asked only when this transaction inserted into it, as its own
    -- count of inserts says (with track_counts off now, it may have); most transactions queued
    -- nothing.
    IF committed_read AND source_event <> 'TRUNCATE' AND coalesce(NOT 'whole' = ALL (lockings), true) THEN
        queued_any := false;
        IF coalesce(pg_catalog.pg_stat_get_xact_tuples_inserted(pg_catalog.to_regclass(@schema_literal@ || '.pg_tviews_queued')), 1) > 0
           OR pg_catalog.current_setting('track_counts') <> 'on' THEN
            queued_any := @schema@.pg_tviews_queued_here(NULL);
        END IF;
        SELECT coalesce(pg_catalog.array_agg(m.entity_name), '{}'), coalesce(pg_catalog.array_agg(m.locking), '{}')
        INTO eligible, eligible_locking
        FROM @schema@.pg_tviews_metadata m
        WHERE m.entity_name = ANY (wanted) AND m.key_locks AND m.locking <> 'whole'
          AND coalesce(nullif(current_setting('pg_tviews.mode', true), ''), m.mode) = 'immediate'
          AND (NOT queued_any OR NOT @schema@.pg_tviews_queued_here(m.entity_name))
          AND NOT EXISTS (SELECT FROM @schema@.pg_tviews_state s WHERE s.entity_name = m.entity_name AND s.locked_by = pg_current_xact_id())
          AND to_regclass(relations[pg_catalog.array_position(wanted, m.entity_name::text)]) IS NOT NULL;
    END IF;
    -- The common case: a transaction's first write, every member taking key locks (each one eligible
    -- and 'auto' not contended). Their shared advisory locks in one sorted statement, then each
    -- one's own slot (pid % 64) in one more, where the loop takes them member by member, three
    -- statements each; the order is the loop's: the advisory locks in name order, each before its
    -- slot. A member whose own slot is taken goes through the loop (another slot, else the whole
    -- lock, as there; a whole lock then waited for holds the later members' shared locks already,
    -- which only a transaction that also lacks a slot, or a refresh upgrading, can meet:
    -- PostgreSQL's 40P01).
    IF eligible IS NOT NULL AND held = '' AND lockings IS NOT NULL AND NOT 'whole' = ANY (lockings)
       AND coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') = '' THEN
        keyed := false; -- (no slot named: no key locks from an earlier statement)
        IF 'auto' = ANY (eligible_locking) THEN
            contended := @schema@.pg_tviews_contended();
        END IF;
        IF cardinality(eligible) = cardinality(wanted) AND (NOT contended OR NOT 'auto' = ANY (eligible_locking)) THEN
            PERFORM count(pg_catalog.pg_advisory_xact_lock_shared(w.k)::text)
            FROM (SELECT pg_catalog.hashtextextended('pg_tviews whole ' || u.e, 0) AS k
                  FROM unnest(wanted) AS u (e) ORDER BY u.e COLLATE "C" OFFSET 0) AS w;
            -- (Each member's row by its whole primary key, as pg_tviews_lock_shared finds it: over
            -- `entity_name = ANY (wanted)` the planner scanned the slot rows.)
            WITH taken AS (
                UPDATE @schema@.pg_tviews_trace t SET xact = pg_current_xact_id()
                FROM unnest(wanted) AS u (e)
                     CROSS JOIN LATERAL (SELECT f.slot FROM @schema@.pg_tviews_trace f
                                         WHERE f.entity_name = u.e AND f.slot = pg_backend_pid() % 64 FOR UPDATE SKIP LOCKED) AS free
                WHERE t.entity_name = u.e AND t.slot = free.slot
                RETURNING t.entity_name, t.slot)
            SELECT pg_catalog.array_agg(x.entity_name),
                   pg_catalog.set_config('pg_tviews.slots', coalesce(pg_catalog.string_agg(
                       ',' || pg_catalog.encode(pg_catalog.convert_to(x.entity_name, 'UTF8'), 'hex') || ':' || x.slot || ',', ''), ''), true)
            INTO slotted, slots_hint
            FROM taken AS x;
            how := CASE WHEN tview = ANY (slotted) THEN 'key' END;
        END IF;
    END IF;
    FOR i IN 1 .. coalesce(cardinality(wanted), 0) LOOP
        e := wanted[i];
        CONTINUE WHEN e = ANY (slotted);
        CONTINUE WHEN to_regclass(relations[i]) IS NULL;
        -- Key locks exist under READ COMMITTED only (another isolation level never holds a slot); and
        -- for TVIEWs whose locking is not 'whole' (as the lock set says; NULL: not known). Not for a
        -- TRUNCATE, whose refresh takes the whole locks next: upgrading a key-level lock to them
        -- would deadlock with the next TRUNCATE doing the same.
        IF committed_read AND source_event <> 'TRUNCATE' AND lockings[i] IS DISTINCT FROM 'whole' THEN
            -- Key locks taken by an earlier statement: its triggers go on with them (they see the slot).
            -- A slot taken is named in pg_tviews.slots: with none named (a transaction's first write,
            -- the common case) the probe is skipped. A session that clears the setting only makes its
            -- writer take a slot again (pg_tviews_slot_held).
            IF coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') <> '' THEN
                IF @schema@.pg_tviews_slot_held(e) THEN
                    how := CASE WHEN e = tview THEN 'key' ELSE how END;
                    CONTINUE;
                END IF;
            END IF;
            -- (Whether it may take key locks: computed above, for every member.)
            member_at := pg_catalog.array_position(eligible, e);
            IF member_at IS NOT NULL THEN
                -- A transaction that took key locks in an earlier statement (a slot of some TVIEW) goes
                -- on with key locks wherever it may: whole locks taken while holding key locks make a
                -- cycle with the next such transaction (it holds key locks we need and waits for our
                -- whole lock) every time. Otherwise 'auto' takes key locks unless they are contended
                -- now: late key locks timed out, two within a second, a moment ago
                -- (pg_tviews_mark_contention), so statements keep meeting on the same rows in opposite
                -- orders, each such meeting costing a bounded wait and a retry; whole locks serialize
                -- them at the cost of one statement each.
                IF eligible_locking[member_at] = 'auto' AND keyed IS NULL THEN
                    -- (Read where needed: pg_tviews_lock_shared names each slot it takes in this loop.)
                    keyed := coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') <> '';
                    IF keyed THEN
                        keyed := @schema@.pg_tviews_slots_held();
                    END IF;
                END IF;
                IF eligible_locking[member_at] = 'auto' AND NOT keyed AND contended IS NULL THEN
                    contended := @schema@.pg_tviews_contended();
                END IF;
                -- (The lock call in an IF of its own: SQL does not promise to skip it when another
                -- operand decides.)
                IF eligible_locking[member_at] = 'key' OR keyed OR NOT contended THEN
                    IF @schema@.pg_tviews_lock_shared(e) THEN
                        how := CASE WHEN e = tview THEN 'key' ELSE how END;
                        CONTINUE;
                    END IF;
                END IF;
            END IF;
        END IF;
        -- pg_tviews_lock_whole, inlined: this runs on the first write of most transactions.
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('pg_tviews whole ' || e, 0));
        -- The row, not pg_tviews.locked, says whether this transaction holds the lock already.
        UPDATE @schema@.pg_tviews_state s SET seq = s.seq + 1, locked_by = pg_current_xact_id()
        WHERE s.entity_name = e AND s.locked_by IS DISTINCT FROM pg_current_xact_id();
        IF FOUND OR EXISTS (SELECT FROM @schema@.pg_tviews_state s WHERE s.entity_name = e AND s.locked_by = pg_current_xact_id()) THEN
            IF strpos(held, ',' || e || ',') = 0 THEN held := held || ',' || e || ','; END IF;
            added := true;
            how := CASE WHEN e = tview THEN 'whole' ELSE how END;
        END IF;
    END LOOP;
    IF added THEN
        PERFORM set_config('pg_tviews.locked', held, true);
        IF NOT committed_read THEN
            PERFORM FROM @schema@.pg_tviews_trace t JOIN @schema@.pg_tviews_metadata m USING (entity_name)
            WHERE m.key_locks AND t.entity_name = ANY (wanted) FOR SHARE OF t;
        END IF;
    END IF;
    RETURN how;
END $fn$;

-- Whether `tview` is locked (pg_tviews_lock_step): the form triggers of generation 26 and before call.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_statement(source_table text, source_event text, tview text, gate_marks text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN @schema@.pg_tviews_lock_step(source_table, source_event, tview, gate_marks) IS NOT NULL;
END $fn$;

-- The form triggers generated before key locks spanned several TVIEWs call (by_key: the calling
-- TVIEW has key locks); each member's own catalog row decides now.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_statement(source_table text, source_event text, tview text, gate_marks text, by_key boolean)
RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN @schema@.pg_tviews_lock_statement(source_table, source_event, tview, gate_marks);
END $fn$;

-- A late key lock timed out. The first after a quiet spell only arms: an isolated timeout (a few a
-- minute where writers rarely meet) must not put every writer on whole locks. A second within a
-- second of it: TVIEWs whose locking is 'auto' take whole locks for a second; one during that while,
-- or within as long after it, doubles the while (up to 64 s). Sessions meeting on hot rows then
-- serialize instead of timing out one another's late waits. Read in pg_tviews_lock_statement; the
-- encoding is pg_tviews_contention's. Two sessions noting at once may lose one of the updates: a
-- heuristic, which only chooses between two exact ways of locking.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_mark_contention() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    previous bigint := (SELECT c.last_value FROM @schema@.pg_tviews_contention AS c);
    now_ms bigint := (extract(epoch FROM pg_catalog.clock_timestamp()) * 1000)::bigint;
    e integer := (previous % 64)::integer;
BEGIN
    IF e = 63 THEN
        e := CASE WHEN now_ms < previous / 64 THEN 0 ELSE 63 END;
    ELSIF now_ms < previous / 64 + (1000::bigint << e) THEN
        e := least(e + 1, 6);
    ELSE
        e := 63;
    END IF;
    PERFORM pg_catalog.setval((@schema_literal@ || '.pg_tviews_contention')::regclass,
        (now_ms + CASE WHEN e = 63 THEN 1000 ELSE 1000::bigint << e END) * 64 + e);
END $fn$;

-- Key locks taken out of the global order (docs/design.md, Key-level locking, "One order for key
-- locks"): by a step of a TVIEW when this transaction already holds key locks of a TVIEW that
-- ranks the same or later (pg_tviews.key_max), or when a step locks what its keys look up after its
-- batch. A wait there could close a cycle with a transaction that waits, in order, for a lock this
-- one holds; so every lock is first tried without waiting (usually enough: the holders of a
-- conflicting lock are rare; generated steps try theirs in their own statement and pass only those
-- held elsewhere, tried once more here), and the rest waited for in rounds of at most a fifth of
-- deadlock_timeout. After a round, the wait goes on only if no holder of a lock it waits for is
-- waiting itself (a cycle through this wait needs one that is), nor has waited out of order in its
-- transaction (between two rounds of its own such a holder waits for nothing, and two of them would
-- keep waiting for each other): a holder that is merely busy, or idle in its transaction, is waited
-- for as long as it takes, as a row lock would be. Otherwise, or once the caller's own lock_timeout
-- has passed, serialization_failure: the transaction is retried instead of waiting for PostgreSQL's
-- deadlock detector (deadlock_timeout, and 40P01).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_late(tokens bigint[], exclusive boolean[], tview text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    missed bigint[];
    missed_ex boolean[];
    previous text := pg_catalog.current_setting('lock_timeout');
    bound interval := pg_catalog.current_setting('deadlock_timeout')::interval / 5;
    deadline timestamptz;
    got boolean;
BEGIN
    SELECT pg_catalog.array_agg(l.k ORDER BY l.k), pg_catalog.array_agg(l.ex ORDER BY l.k) INTO missed, missed_ex
    FROM (SELECT u.k, u.ex FROM unnest(tokens, exclusive) AS u (k, ex) OFFSET 0) AS l
    WHERE NOT CASE WHEN l.ex THEN pg_catalog.pg_try_advisory_xact_lock(l.k) ELSE pg_catalog.pg_try_advisory_xact_lock_shared(l.k) END;
    IF missed IS NULL THEN
        RETURN;
    END IF;
    -- The mark of a transaction that waited out of order (an advisory lock on two integers, which
    -- no key lock uses), for the check below in other sessions.
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtext('pg_tviews late waiter'), pg_catalog.pg_backend_pid());
    IF previous::interval > '0'::interval THEN
        deadline := pg_catalog.clock_timestamp() + previous::interval;
        IF previous::interval < bound THEN
            bound := previous::interval;
        END IF;
    END IF;
    LOOP
        got := true;
        BEGIN
            PERFORM pg_catalog.set_config('lock_timeout', (pg_catalog.ceil(extract(epoch FROM bound) * 1000))::bigint::text, true);
            PERFORM pg_catalog.count(CASE WHEN l.ex THEN pg_catalog.pg_advisory_xact_lock(l.k)::text ELSE pg_catalog.pg_advisory_xact_lock_shared(l.k)::text END)
            FROM unnest(missed, missed_ex) AS l (k, ex);
            PERFORM pg_catalog.set_config('lock_timeout', previous, true);
        EXCEPTION WHEN lock_not_available THEN
            got := false; -- (the locks this round took are released with it: the next round takes them again)
        END;
        EXIT WHEN got;
        -- The caller's own lock_timeout (not a sign of contention: it is not noted).
        IF deadline IS NOT NULL AND pg_catalog.clock_timestamp() >= deadline THEN
            RAISE EXCEPTION 'TViews could not lock rows of TVIEW % in order', tview
                USING ERRCODE = 'serialization_failure',
                      DETAIL = pg_catalog.format('Another transaction held them for longer than lock_timeout (%s) while this one holds key locks that rank after them.', previous),
                      HINT = 'Retry the transaction.';
        END IF;
        -- The holders of what this wait is for (an advisory lock on a bigint key shows its high and
        -- low halves), and whether one of them waits for a lock, or waited out of order.
        IF EXISTS (SELECT FROM pg_catalog.pg_locks AS h
                      WHERE h.locktype = 'advisory' AND h.granted AND h.objsubid = 1 AND h.pid <> pg_catalog.pg_backend_pid()
                        AND h.database = (SELECT d.oid FROM pg_catalog.pg_database AS d WHERE d.datname = pg_catalog.current_database())
                        AND ((h.classid::bigint << 32) | h.objid::bigint) = ANY (missed)
                        AND EXISTS (SELECT FROM pg_catalog.pg_locks AS w
                                    WHERE w.pid = h.pid
                                      AND (NOT w.granted
                                           OR (w.locktype = 'advisory' AND w.objsubid = 2
                                               AND w.classid = pg_catalog.hashtext('pg_tviews late waiter')::oid AND w.objid = h.pid::oid)))) THEN
            PERFORM @schema@.pg_tviews_mark_contention();
            RAISE EXCEPTION 'TViews could not lock rows of TVIEW % in order', tview
                USING ERRCODE = 'serialization_failure',
                      DETAIL = 'Another transaction holds them and waits itself (or waited out of order) while this one holds key locks that rank after them.',
                      HINT = 'Retry the transaction.';
        END IF;
    END LOOP;
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

-- TVIEWs created by a runtime that had no lock sets (none on a fresh install, where planning the
-- computation alone cost tens of ms).
SELECT @schema@.pg_tviews_sync_lock_order() WHERE EXISTS (SELECT FROM @schema@.pg_tviews_metadata);

-- Sets one field of the manifest stored as the comment of a TVIEW's definition view (which
-- pg_tviews_convert_existing_table restores from), for settings changed without a rebuild.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_set_manifest(view_schema text, view_name text, field text, value jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    manifest text := pg_catalog.obj_description(pg_catalog.to_regclass(pg_catalog.format('%I.%I', view_schema, view_name)), 'pg_class');
BEGIN
    IF manifest LIKE 'tviews:%' THEN
        EXECUTE pg_catalog.format('COMMENT ON VIEW %I.%I IS %L', view_schema, view_name,
            'tviews:' || pg_catalog.jsonb_set(substr(manifest, 8)::jsonb, ARRAY[field], value)::text);
    END IF;
END $fn$;

-- Sets when writers of a TVIEW use key locks: 'whole' (never: every writer takes the whole-TVIEW
-- lock; the default), 'auto' (except for a while after two late key locks timed out within a
-- second, pg_tviews_mark_contention; a deferred flush whose COMMIT does not wait for the disk takes
-- the whole lock) or 'key' (always), for the catalog and the manifest stored with its definition
-- view. 'auto' and 'key' need a definition key locks cover (pg_tviews_metadata.key_locks; else
-- feature_not_supported, with the reason `tviews explain` prints). Rebuilds nothing:
-- pg_tviews_lock_statement reads the catalog at each transaction's first write. A rebuild (apply
-- of a changed definition) sets it back to the default.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_set_locking(entity text, locking text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    m record;
BEGIN
    IF locking IS NULL OR locking NOT IN ('auto', 'key', 'whole') THEN
        RAISE EXCEPTION 'invalid TVIEW locking %', pg_catalog.quote_literal(coalesce(locking, 'NULL'))
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use auto, key or whole.';
    END IF;
    SELECT x.* INTO m FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = entity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', entity USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @schema@.pg_tviews_require_owner(pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.table_schema, m.table_name)), entity, 'change the locking of');
    IF locking <> 'whole' AND NOT m.key_locks THEN
        RAISE EXCEPTION 'TVIEW % cannot use key locks', entity
            USING ERRCODE = 'feature_not_supported', DETAIL = coalesce(m.objects->>'locking', 'it was built by an older TViews');
    END IF;
    UPDATE @schema@.pg_tviews_metadata x SET locking = pg_tviews_set_locking.locking, updated_at = pg_catalog.now()
    WHERE x.entity_name = entity;
    PERFORM @schema@.pg_tviews_sync_lock_order(); -- the lock sets carry the lockings
    PERFORM @schema@.pg_tviews_set_manifest(m.table_schema, m.view_name, 'locking', pg_catalog.to_jsonb(locking));
END $fn$;
