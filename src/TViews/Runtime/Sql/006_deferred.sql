-- TViews runtime: deferred maintenance (docs/design.md, Deferred mode).
--
-- A statement on a source of a deferred TVIEW records the rows it removed and added in the
-- transaction's queue instead of maintaining the TVIEW; at COMMIT (and PREPARE TRANSACTION) a
-- deferred trigger runs pg_tviews_flush(), which takes every lock the queued changes need in one
-- sorted batch and maintains each queued TVIEW once, in dependency order, each affected key
-- recomputed once however many statements touched it.

-- The queue. Rows belong to one transaction (xact) and never outlive it: the flush deletes them
-- before COMMIT, a rollback (or ROLLBACK TO SAVEPOINT) discards them with the statement that
-- queued them. Unlogged: nothing in it is ever committed. Owner-only: a session can neither add to
-- nor empty another's queue (a forged or deleted row would make a TVIEW stale).
CREATE UNLOGGED TABLE IF NOT EXISTS @schema@.pg_tviews_queue (
    xact       xid8 NOT NULL,         -- the top-level transaction
    entity     text NOT NULL,         -- the TVIEW to maintain
    source     text NOT NULL,         -- schema.table, as in pg_tviews_metadata.sources and pg_tviews_lock_set
    event      text NOT NULL CHECK (event IN ('INSERT', 'UPDATE', 'DELETE')),
    removed    boolean NOT NULL,      -- a row the statement removed (DELETE, old side of an UPDATE) or added
    "full"     boolean NOT NULL DEFAULT true, -- its keys need a whole recompute (else a patch of the leaves reading the source)
    statement  timestamptz NOT NULL,  -- statement_timestamp(), for pg_tviews_debug_queue()
    r          text NOT NULL          -- the whole row, as text (record I/O: exact for every type)
);
-- Only when missing: an ALTER TABLE fires pg_tviews_ddl (its checks, the gates and the lock sets:
-- tens of ms of every install).
DO $do$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = (@schema_literal@ || '.pg_tviews_queue')::regclass AND a.attname = 'full' AND NOT a.attisdropped) THEN
        ALTER TABLE @schema@.pg_tviews_queue ADD COLUMN "full" boolean NOT NULL DEFAULT true;
    END IF;
END $do$;
CREATE INDEX IF NOT EXISTS pg_tviews_queue_xact_idx ON @schema@.pg_tviews_queue (xact, entity);
REVOKE ALL ON @schema@.pg_tviews_queue FROM PUBLIC;

-- What the queue holds, one row per transaction, TVIEW, source and event (a statement adds its row
-- if it is not there): the flush reads this small table, not the queue, to know what to lock and
-- maintain; inserting a row queues the flush at COMMIT (the deferred trigger below).
DROP TABLE IF EXISTS @schema@.pg_tviews_queue_pending; -- its predecessor (one row per transaction)
CREATE UNLOGGED TABLE IF NOT EXISTS @schema@.pg_tviews_queued (
    xact    xid8 NOT NULL,
    entity  text NOT NULL,
    source  text NOT NULL,
    event   text NOT NULL,
    PRIMARY KEY (xact, entity, source, event)
);
REVOKE ALL ON @schema@.pg_tviews_queued FROM PUBLIC;

-- The queue's lookups, planned without sequential scans. pg_tviews_queue and pg_tviews_queued are
-- empty at rest, but every deferred transaction inserts its rows and deletes them at its flush, so
-- between two vacuums they fill with dead rows. A plan cached while a table was small (the
-- session's first deferred write, or one after a vacuum truncated the table) scans all of them, on
-- every lookup of every later transaction of the session: a title edit in deferred mode took 1.05 ms
-- at the start of one session and 1.66 ms 30 s later (docs/benchmarks.md). With sequential scans
-- disabled (for these statements only: a function's SET ends with its call) the index finds a
-- transaction's rows, however many dead ones the table holds. Only the runtime and the TVIEW owners'
-- generated code call these; they read and delete with the caller's rights on the queue.

-- Whether this transaction queued rows for TVIEW e (for any TVIEW: e null).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_queued_here(e text) RETURNS boolean
LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    RETURN EXISTS (SELECT FROM @schema@.pg_tviews_queued k
                   WHERE k.xact = pg_catalog.pg_current_xact_id_if_assigned() AND (e IS NULL OR k.entity = e));
END $fn$;

-- The sources of the rows transaction x queued for TVIEW e.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_queued_sources(x xid8, e text) RETURNS text[]
LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    RETURN (SELECT pg_catalog.array_agg(DISTINCT k.source) FROM @schema@.pg_tviews_queued k WHERE k.xact = x AND k.entity = e);
END $fn$;

-- The rows transaction x queued for TVIEW e from source src (schema.table): taken out of the queue,
-- or only read (take false: a key-level flush computes its locks from them first).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_queued_rows(x xid8, e text, src text, take boolean)
RETURNS TABLE (removed boolean, "full" boolean, r text)
LANGUAGE plpgsql ROWS 10 SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    IF take THEN
        RETURN QUERY DELETE FROM @schema@.pg_tviews_queue q WHERE q.xact = x AND q.entity = e AND q.source = src
                     RETURNING q.removed, q."full", q.r;
    ELSE
        RETURN QUERY SELECT q.removed, q."full", q.r FROM @schema@.pg_tviews_queue q
                     WHERE q.xact = x AND q.entity = e AND q.source = src;
    END IF;
END $fn$;

-- Drops what transaction x queued for TVIEW e (maintained, refreshed, or gone).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_unqueue(x xid8, e text) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    DELETE FROM @schema@.pg_tviews_queue q WHERE q.xact = x AND q.entity = e;
    DELETE FROM @schema@.pg_tviews_queued k WHERE k.xact = x AND k.entity = e;
END $fn$;

-- What a flush of transaction x does, from one read of pg_tviews_queued: the TVIEWs queued (null:
-- nothing, as for every firing of the deferred trigger after the first); what it locks, for every
-- TVIEW of the lock sets of what was queued (sorted by name): its table, and the tables they read
-- (a lock set without its tables, computed by an older runtime, has them from the catalog); whether
-- every TVIEW of those sets has whole locks only (as pg_tviews_lock_set records, like a statement's
-- lock: pg_tviews_lock_statement); and when one TVIEW was queued, its table (null when its metadata
-- is gone: pg_tviews_flush_next then deals with it).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_flush_plan(x xid8, OUT queued text[], OUT wanted text[], OUT relations text[],
                                                         OUT sources regclass[], OUT whole_only boolean,
                                                         OUT table_schema text, OUT table_name text)
LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    sources_queued text[];
    events text[];
BEGIN
    SELECT pg_catalog.array_agg(k.entity), pg_catalog.array_agg(k.source), pg_catalog.array_agg(k.event)
    INTO queued, sources_queued, events
    FROM @schema@.pg_tviews_queued k WHERE k.xact = x;
    IF queued IS NULL THEN
        RETURN;
    END IF;
    IF pg_catalog.cardinality(queued) = 1 THEN
        -- One statement's kind queued (most transactions): its lock set as stored, sorted and distinct.
        SELECT s.entities, s.tables, coalesce(s.relations, @schema@.pg_tviews_base_sources(s.entities)),
               coalesce('whole' = ALL (s.lockings), false), m.table_schema, m.table_name
        INTO wanted, relations, sources, whole_only, table_schema, table_name
        FROM @schema@.pg_tviews_lock_set s
        LEFT JOIN @schema@.pg_tviews_metadata m ON m.entity_name = s.entity
        WHERE (s.source, s.event, s.entity) = (sources_queued[1], events[1], queued[1]);
        RETURN;
    END IF;
    WITH l AS (SELECT s.entities, s.tables, s.lockings, s.relations
               FROM unnest(queued, sources_queued, events) AS k (entity, source, event)
               JOIN @schema@.pg_tviews_lock_set s ON (s.source, s.event, s.entity) = (k.source, k.event, k.entity))
    SELECT pg_catalog.array_agg(u.e ORDER BY u.e), pg_catalog.array_agg(u.t ORDER BY u.e),
           ARRAY(SELECT DISTINCT r FROM l CROSS JOIN LATERAL unnest(coalesce(l.relations, @schema@.pg_tviews_base_sources(l.entities))) AS r),
           coalesce((SELECT bool_and(coalesce('whole' = ALL (l.lockings), false)) FROM l), false)
    INTO wanted, relations, sources, whole_only
    FROM (SELECT DISTINCT v.e COLLATE "C" AS e, v.t FROM l CROSS JOIN LATERAL unnest(l.entities, l.tables) AS v (e, t)) u;
    queued := ARRAY(SELECT DISTINCT q.e FROM unnest(queued) AS q (e));
END $fn$;

-- (Runtimes before this one read the queued sets in two steps: whether anything was queued, then
-- pg_tviews_flush_sets.)
DROP FUNCTION IF EXISTS @schema@.pg_tviews_flush_sets(xid8);

-- The next TVIEW a flush of transaction x maintains: the shallowest queued one (a TVIEW whose
-- metadata is gone first, with null schema and table).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_flush_next(x xid8, OUT entity text, OUT table_schema text, OUT table_name text)
LANGUAGE plpgsql SET enable_seqscan = off SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
    SELECT k.entity, m.table_schema, m.table_name INTO entity, table_schema, table_name
    FROM @schema@.pg_tviews_queued k
    LEFT JOIN @schema@.pg_tviews_metadata m ON m.entity_name = k.entity
    WHERE k.xact = x
    ORDER BY m.depth NULLS FIRST, k.entity
    LIMIT 1;
END $fn$;

-- The locks of a flush, in the global order (entity name), before it maintains anything: for each
-- TVIEW of the sets of what the transaction queued, the whole-TVIEW lock; or, for a queued TVIEW
-- that allows key locks (pg_tviews_metadata.key_locks) with locking 'key', under READ COMMITTED,
-- the key-level writer's lock (pg_tviews_lock_shared): its flush function then locks the values it
-- writes and reads. 'auto' does so too when the COMMIT that follows waits for the WAL to reach the
-- disk (synchronous_commit other than 'off') and key locks are not contended, or when the
-- transaction holds key locks already; otherwise it takes the whole lock here. A flush holds its
-- locks until that COMMIT: when it does not wait for the disk, the whole lock is held only briefly
-- and costs less than key locks; when it does, committers queue on the whole lock through each
-- other's WAL flush (docs/benchmarks.md, "The key-level flush"). Either way is exact. A TVIEW this
-- transaction already holds key locks on goes on with them (taking its whole lock now would wait
-- for writers that may wait for us). The flush maintains its TVIEWs one at a time in dependency
-- order, which is the order of their key locks (docs/design.md, Key-level locking).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_lock_flush(tviews text[], tables text[], queued text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    e text;
    locking text;
    auto_keys boolean; -- whether 'auto' takes key locks at this flush
BEGIN
    -- Most flushes lock only TVIEWs whose locking is whole, in a transaction that took no key locks
    -- (no slot named in pg_tviews.slots, so pg_tviews_slot_held is false for each): all at once, as
    -- before key locks existed.
    IF NOT EXISTS (SELECT FROM @schema@.pg_tviews_metadata m WHERE m.entity_name = ANY (tviews) AND m.key_locks AND m.locking <> 'whole')
       AND coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') = '' THEN
        PERFORM @schema@.pg_tviews_lock_sorted(tviews, tables);
        RETURN;
    END IF;
    -- Key locks held from an immediate statement: 'auto' goes on with key locks, as there. Else it
    -- takes them when the COMMIT waits for the disk (above), unless key locks are contended now
    -- (late ones timed out a moment ago: pg_tviews_mark_contention), as a statement would.
    -- (With no slot named in pg_tviews.slots, none is held: the probes are skipped.)
    auto_keys := coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') <> '';
    IF auto_keys THEN
        auto_keys := @schema@.pg_tviews_slots_held();
    END IF;
    IF NOT auto_keys AND pg_catalog.current_setting('synchronous_commit') <> 'off' THEN
        auto_keys := NOT @schema@.pg_tviews_contended();
    END IF;
    FOR i IN 1 .. coalesce(cardinality(tviews), 0) LOOP
        e := tviews[i];
        CONTINUE WHEN pg_catalog.to_regclass(tables[i]) IS NULL;
        IF coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') <> '' THEN
            CONTINUE WHEN @schema@.pg_tviews_slot_held(e);
        END IF;
        IF e = ANY (queued) AND pg_catalog.current_setting('transaction_isolation') = 'read committed' THEN
            SELECT m.locking INTO locking FROM @schema@.pg_tviews_metadata m
            WHERE m.entity_name = e AND m.key_locks AND (m.locking = 'key' OR (m.locking = 'auto' AND auto_keys))
              AND NOT EXISTS (SELECT FROM @schema@.pg_tviews_state s WHERE s.entity_name = e AND s.locked_by = pg_catalog.pg_current_xact_id());
            -- (Nested IFs: the lock call runs only when everything before it held.)
            IF locking IS NOT NULL THEN
                IF @schema@.pg_tviews_lock_shared(e) THEN
                    CONTINUE;
                END IF;
            END IF;
        END IF;
        PERFORM @schema@.pg_tviews_lock_sorted(ARRAY[e], ARRAY[tables[i]]);
    END LOOP;
END $fn$;

-- Maintains every TVIEW this transaction queued, now. Locks first, at once and in the global order,
-- everything the queued changes can reach (the lock sets of each queued source, event and TVIEW);
-- then maintains the queued TVIEWs by depth (those built on others last; the statements that write
-- a TVIEW maintain the TVIEWs built on it, below). Returns the number of queued TVIEWs maintained
-- (not counting those built on them). Callable by anyone: it only ever
-- maintains the caller's own queue, which COMMIT would maintain anyway (read-your-writes).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_flush() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
    x xid8 := pg_catalog.pg_current_xact_id_if_assigned();
    sets record;
    queued_next record; -- what pg_tviews_flush_next returned
    tview text;        -- the TVIEW maintained next, its schema and table
    tview_schema text;
    tview_table text;
    first boolean;
    n integer := 0;
    saved_mode text;
BEGIN
    IF x IS NULL THEN
        RETURN 0; -- wrote nothing, queued nothing
    END IF;
    -- The deferred trigger fires once per pg_tviews_queued row: the first firing maintains
    -- everything, the others (and a COMMIT after pg_tviews_flush()) find nothing queued.
    sets := @schema@.pg_tviews_flush_plan(x);
    IF sets.queued IS NULL THEN
        RETURN 0;
    END IF;
    -- With the tables they read, locked first (pg_tviews_lock_sources). Lock sets of whole locks
    -- only, in a transaction that took no key locks (no slot named in pg_tviews.slots, so none is
    -- held), are locked at once; pg_tviews_lock_flush decides the others.
    IF sets.wanted IS NOT NULL THEN
        PERFORM @schema@.pg_tviews_lock_sources(sets.sources);
        IF sets.whole_only AND coalesce(pg_catalog.current_setting('pg_tviews.slots', true), '') = '' THEN
            PERFORM @schema@.pg_tviews_lock_sorted(sets.wanted, sets.relations);
        ELSE
            PERFORM @schema@.pg_tviews_lock_flush(sets.wanted, sets.relations, sets.queued);
        END IF;
    END IF;
    -- What the flush writes is maintained at once, whatever the modes: a TVIEW built on a queued one
    -- is maintained by the statement that writes its source, as in immediate mode (after the rows
    -- queued for it, which that statement flushes first), instead of copying that statement's rows
    -- (for a TVIEW's, its jsonb documents) into the queue and back a moment later. The locks are
    -- those just taken: the lock sets cover the TVIEWs built on the queued ones. The transaction's
    -- own setting comes back afterwards (an error aborts the (sub)transaction, which restores it).
    saved_mode := pg_catalog.current_setting('pg_tviews.mode', true);
    PERFORM pg_catalog.set_config('pg_tviews.mode', 'immediate', true);
    -- One TVIEW queued: the plan named its table, so the first round needs no lookup.
    first := pg_catalog.cardinality(sets.queued) = 1 AND sets.table_schema IS NOT NULL;
    LOOP
        IF first THEN
            tview := sets.queued[1];
            tview_schema := sets.table_schema;
            tview_table := sets.table_name;
            first := false;
        ELSE
            -- Nothing queued any more (most flushes, after their one TVIEW): done without looking up
            -- which TVIEW comes next.
            EXIT WHEN NOT @schema@.pg_tviews_queued_here(NULL);
            queued_next := @schema@.pg_tviews_flush_next(x);
            tview := queued_next.entity;
            tview_schema := queued_next.table_schema;
            tview_table := queued_next.table_name;
        END IF;
        EXIT WHEN tview IS NULL;
        IF tview_schema IS NULL THEN
            -- The metadata went in this transaction: refuse like a write would (the table is still
            -- there), or drop what was queued for a TVIEW that is gone.
            PERFORM @schema@.pg_tviews_unqueue(x, tview);
            PERFORM @schema@.pg_tviews_missing(tview,
                (SELECT c.oid::regclass FROM pg_catalog.pg_class c
                 WHERE c.relname = 'tv_' || tview AND c.relkind = 'r' ORDER BY c.oid LIMIT 1));
            CONTINUE;
        END IF;
        IF pg_catalog.to_regclass(pg_catalog.format('%I.%I', tview_schema, tview_table)) IS NULL THEN
            -- Dropped without the event trigger: skipped, as its triggers skip it.
            PERFORM @schema@.pg_tviews_unqueue(x, tview);
            CONTINUE;
        END IF;
        -- Names from the owner-only catalog, quoted. The generated function deletes the TVIEW's
        -- queued rows and its pg_tviews_queued rows; a TVIEW comes back only if maintaining others
        -- queued rows for it again (a user trigger on a TVIEW writing a source), which must end.
        EXECUTE pg_catalog.format('SELECT %I.%I()', tview_schema, 'pg_tviews_flush_' || tview);
        n := n + 1;
        IF n > 10000 THEN
            RAISE EXCEPTION 'pg_tviews_flush: the queue does not drain (% TVIEWs maintained, % again)', n, tview
                USING ERRCODE = 'program_limit_exceeded',
                      HINT = 'A trigger on a TVIEW table writes the sources of a TVIEW it depends on.';
        END IF;
    END LOOP;
    PERFORM pg_catalog.set_config('pg_tviews.mode', coalesce(saved_mode, ''), true);
    RETURN n;
END $fn$;

-- The deferred trigger on pg_tviews_queued: fires at COMMIT or PREPARE TRANSACTION (or at SET
-- CONSTRAINTS ALL IMMEDIATE), once per row; the first firing maintains everything, the others
-- find nothing left.
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_commit_hook() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
    PERFORM @schema@.pg_tviews_flush();
    RETURN NULL;
END $fn$;

-- Not named pg_tviews_*: the runbook's DO blocks ALTER every trigger with that prefix (maintenance
-- triggers of TVIEWs), and disabling this one would leave deferred TVIEWs stale.
DO $do$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = (@schema_literal@ || '.pg_tviews_queued')::regclass
                                                       AND tgname = 'tviews_flush_at_commit') THEN
        CREATE CONSTRAINT TRIGGER tviews_flush_at_commit AFTER INSERT ON @schema@.pg_tviews_queued
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION @schema@.pg_tviews_commit_hook();
    END IF;
END $do$;

-- Sets the mode of a TVIEW ('immediate' or 'deferred'): the catalog row and the manifest stored with
-- its definition view (which pg_tviews_convert_existing_table restores from). Rebuilds nothing: the
-- generated code reads the mode at run time. Transactions already running see the new mode from
-- their next statement (rows they queued are still maintained at their COMMIT).
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_set_mode(entity text, mode text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    m record;
BEGIN
    IF mode IS NULL OR mode NOT IN ('immediate', 'deferred') THEN
        RAISE EXCEPTION 'invalid TVIEW mode %', pg_catalog.quote_literal(coalesce(mode, 'NULL'))
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The modes are immediate and deferred.';
    END IF;
    SELECT x.* INTO m FROM @schema@.pg_tviews_metadata x WHERE x.entity_name = entity;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'Metadata not found for TVIEW: %', entity USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @schema@.pg_tviews_require_owner(pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.table_schema, m.table_name)), entity, 'change the mode of');
    UPDATE @schema@.pg_tviews_metadata x SET mode = pg_tviews_set_mode.mode, updated_at = pg_catalog.now()
    WHERE x.entity_name = entity AND x.mode IS DISTINCT FROM pg_tviews_set_mode.mode;
    PERFORM @schema@.pg_tviews_set_manifest(m.table_schema, m.view_name, 'mode', pg_catalog.to_jsonb(mode));
END $fn$;

-- The current transaction's queue, one element per TVIEW: the rows queued (removed and added), the
-- statements that queued them, the sources. Empty outside a transaction that wrote a deferred
-- TVIEW's sources, and after pg_tviews_flush() or COMMIT.
-- (A standby has no queue, and cannot open an unlogged table: monitoring calls this there too.)
CREATE OR REPLACE FUNCTION @schema@.pg_tviews_debug_queue() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER AS $fn$
DECLARE
    result jsonb;
BEGIN
    IF pg_is_in_recovery() OR pg_current_xact_id_if_assigned() IS NULL THEN
        RETURN '[]'::jsonb;
    END IF;
    SELECT coalesce(jsonb_agg(x.item ORDER BY x.entity), '[]'::jsonb) INTO result
    FROM (SELECT q.entity,
                 jsonb_build_object('entity', q.entity, 'rows', count(*),
                     'removed', count(*) FILTER (WHERE q.removed), 'added', count(*) FILTER (WHERE NOT q.removed),
                     'statements', count(DISTINCT q.statement), 'sources', jsonb_agg(DISTINCT q.source),
                     'first_queued_at', min(q.statement)) AS item
          FROM @schema@.pg_tviews_queue q
          WHERE q.xact = pg_current_xact_id_if_assigned()
          GROUP BY q.entity) x;
    RETURN result;
END $fn$;

CREATE OR REPLACE FUNCTION @schema@.pg_tviews_queue_stats() RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
    WITH x AS (SELECT * FROM @schema@.pg_tviews_prepared_xacts()),
         t AS (SELECT * FROM x WHERE cardinality(x.entities) > 0),
         q AS (SELECT @schema@.pg_tviews_debug_queue() AS queue)
    SELECT jsonb_build_object(
        'mode', CASE WHEN NOT EXISTS (SELECT FROM @schema@.pg_tviews_metadata m WHERE m.mode = 'deferred') THEN 'immediate'
                     WHEN NOT EXISTS (SELECT FROM @schema@.pg_tviews_metadata m WHERE m.mode = 'immediate') THEN 'deferred'
                     ELSE 'mixed' END,
        'transaction_mode', nullif(current_setting('pg_tviews.mode', true), ''),
        'deferred_tviews', (SELECT count(*) FROM @schema@.pg_tviews_metadata m WHERE m.mode = 'deferred'),
        'pending', (SELECT jsonb_array_length(q.queue) FROM q),
        'pending_rows', (SELECT coalesce(sum((e->>'rows')::bigint), 0) FROM q CROSS JOIN LATERAL jsonb_array_elements(q.queue) AS e),
        'tviews', (SELECT count(*) FROM @schema@.pg_tviews_metadata),
        'prepared_transactions', (SELECT count(*) FROM x),
        'prepared_with_tview_changes', (SELECT count(*) FROM t),
        'prepared_dismissed', (SELECT count(*) FROM t WHERE t.dismissed),
        'prepared_older_than_1h', (SELECT count(*) FROM t WHERE now() - t.prepared > interval '1 hour'),
        'oldest_prepared_at', (SELECT min(t.prepared) FROM t),
        'oldest_prepared_age_seconds', (SELECT round(extract(epoch FROM now() - min(t.prepared))::numeric, 3) FROM t))
$fn$;
