-- TViews runtime: catalog. Installed by `tviews install` into one schema (@schema@, default public).
-- Idempotent: every statement can run again on an installed database (upgrade in place).

CREATE TABLE IF NOT EXISTS @schema@.pg_tviews_metadata (
    entity_name      text PRIMARY KEY CHECK (entity_name ~ '^[a-z_][a-z0-9_]*$'),
    table_schema     text NOT NULL,
    table_name       text NOT NULL,
    view_name        text NOT NULL,
    definition       text NOT NULL,
    key_columns      text[] NOT NULL,
    sources          text[] NOT NULL,
    dependents       text[] NOT NULL DEFAULT '{}',
    depth            integer NOT NULL DEFAULT 1,
    mode             text NOT NULL DEFAULT 'immediate' CHECK (mode IN ('immediate', 'deferred')),
    definition_hash  text NOT NULL,
    sync_function    text NOT NULL,
    apply_function   text NOT NULL,
    objects          jsonb NOT NULL DEFAULT '{}',
    runtime_version  text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (table_schema, table_name)
);
COMMENT ON TABLE @schema@.pg_tviews_metadata IS
    'TViews: one row per TVIEW. Written only by the tviews tool and the pg_tviews_* functions.';

-- One row per TVIEW, updated by every statement that maintains it: the row lock serializes
-- maintenance of a TVIEW (READ COMMITTED statements then see everything committed before them),
-- and under REPEATABLE READ / SERIALIZABLE a concurrent maintainer makes the update fail with
-- SQLSTATE 40001 instead of leaving stale rows. Deleting the metadata row deletes this one, which
-- is how writes notice missing metadata.
CREATE TABLE IF NOT EXISTS @schema@.pg_tviews_state (
    entity_name  text PRIMARY KEY REFERENCES @schema@.pg_tviews_metadata (entity_name)
                      ON DELETE CASCADE ON UPDATE CASCADE,
    seq          bigint NOT NULL DEFAULT 0
);

-- Who holds the lock, and who is force-refreshing: the transaction (top-level xid) that last took
-- or marked the row. A transaction-local setting cannot be trusted for this (any session can SET
-- it): the generated code only uses those settings as hints and checks them here.
ALTER TABLE @schema@.pg_tviews_state ADD COLUMN IF NOT EXISTS locked_by xid8;
ALTER TABLE @schema@.pg_tviews_state ADD COLUMN IF NOT EXISTS rebuilding_by xid8;

-- Key-level locking (docs/design.md, Concurrency). A TVIEW whose definition reaches every row it
-- reads from its key through equality conditions (key_locks) lets READ COMMITTED writers lock what
-- they write and read (advisory locks on hashed values) instead of the whole TVIEW. Such a writer also updates a free slot here (64 rows per TVIEW): a
-- REPEATABLE READ / SERIALIZABLE maintainer, which cannot see what committed after its snapshot,
-- locks every slot FOR SHARE and so fails with 40001 when a key-level writer committed after it
-- began (its whole-TVIEW advisory lock makes it wait for those still running).
ALTER TABLE @schema@.pg_tviews_metadata ADD COLUMN IF NOT EXISTS key_locks boolean NOT NULL DEFAULT false;
-- When writers use key locks (if key_locks): 'whole' never (the default), 'auto' except while key
-- locks are contended (pg_tviews_contention; a deferred flush, whose COMMIT does not wait for the
-- disk, takes the whole lock), 'key' always.
ALTER TABLE @schema@.pg_tviews_metadata ADD COLUMN IF NOT EXISTS locking text NOT NULL DEFAULT 'whole'
    CHECK (locking IN ('auto', 'key', 'whole'));
CREATE TABLE IF NOT EXISTS @schema@.pg_tviews_trace (
    entity_name  text NOT NULL REFERENCES @schema@.pg_tviews_metadata (entity_name)
                      ON DELETE CASCADE ON UPDATE CASCADE,
    slot         integer NOT NULL CHECK (slot >= 0 AND slot < 64),
    xact         xid8,
    PRIMARY KEY (entity_name, slot)
);
-- Sparse pages (about 16 rows each). Every key-level writer finds and updates its slot by primary
-- key; with a TVIEW's 64 rows packed into one page, the planner preferred a sequential scan that
-- evaluated the filter on every row (10 to 20 us a probe, on every write), and concurrent writers
-- queued on that page's lock. Rows written before this setting are moved once.
ALTER TABLE @schema@.pg_tviews_trace SET (fillfactor = 10);
DO $do$
DECLARE
    t regclass := (@schema_literal@ || '.pg_tviews_trace')::regclass;
BEGIN
    IF (SELECT count(*) FROM @schema@.pg_tviews_trace) > 32 * greatest(pg_catalog.pg_relation_size(t) / 8192, 1) THEN
        WITH moved AS (DELETE FROM @schema@.pg_tviews_trace x RETURNING x.entity_name, x.slot, x.xact)
        INSERT INTO @schema@.pg_tviews_trace (entity_name, slot, xact) SELECT m.entity_name, m.slot, m.xact FROM moved m;
    END IF;
END $do$;
INSERT INTO @schema@.pg_tviews_trace (entity_name, slot)
SELECT m.entity_name, g FROM @schema@.pg_tviews_metadata m CROSS JOIN generate_series(0, 63) AS g
ON CONFLICT DO NOTHING;

-- Per backend, what its current transaction is doing that maintenance must know and no session
-- may forge: re-gating in progress (the DDL it runs fires pg_tviews_ddl again), and the TVIEWs
-- whose rows a recompute already rewrote in the current statement (counts kept from the delta must
-- not then add the same rows again). Written only by the owner's code; unlogged: it never outlives
-- the transactions it describes.
CREATE UNLOGGED TABLE IF NOT EXISTS @schema@.pg_tviews_session_state (
    pid         integer PRIMARY KEY,
    xact        xid8 NOT NULL,
    regating    boolean NOT NULL DEFAULT false,
    statement   timestamptz,
    recomputed  text NOT NULL DEFAULT ''
);
-- TVIEWs a DDL event trigger found stale (partitions attached, detached or dropped), refreshed by
-- pg_tviews_on_partition_ddl with the rights of the role that ran the DDL.
ALTER TABLE @schema@.pg_tviews_session_state ADD COLUMN IF NOT EXISTS stale text NOT NULL DEFAULT '';
REVOKE ALL ON @schema@.pg_tviews_session_state FROM PUBLIC;

-- Prepared transactions an operator has dismissed from pg_tview_pending_refreshes.
CREATE TABLE IF NOT EXISTS @schema@.pg_tviews_dismissed_prepared (
    gid           text NOT NULL,
    transaction   xid NOT NULL,
    dismissed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gid)
);

-- Contention on key locks, for TVIEWs whose locking is 'auto' (docs/design.md, "When key locks are
-- used"): after two late key locks timed out (40001) within a second, they take whole locks for a
-- while, longer each time it happens again soon after. Value: until * 64 + e, `until` in ms since
-- the epoch; e = 63: armed (one timeout, a second before `until`), not contended; e = 0 to 6:
-- contended until `until`, a while of 1000 << e ms. A sequence, because setval survives the rollback
-- of the transaction that calls it, and that transaction is about to fail; only the owner's code
-- reads or sets it.
CREATE SEQUENCE IF NOT EXISTS @schema@.pg_tviews_contention MINVALUE 0 START 0;
REVOKE ALL ON SEQUENCE @schema@.pg_tviews_contention FROM PUBLIC;

REVOKE ALL ON @schema@.pg_tviews_metadata, @schema@.pg_tviews_state, @schema@.pg_tviews_trace, @schema@.pg_tviews_dismissed_prepared FROM PUBLIC;
GRANT SELECT ON @schema@.pg_tviews_metadata TO PUBLIC;
-- Read-only to everyone: maintenance takes these row locks inside the TVIEW owner's trigger
-- functions (SECURITY DEFINER), so no writer needs to write, or can hold, them.
REVOKE UPDATE ON @schema@.pg_tviews_state FROM PUBLIC;
GRANT SELECT ON @schema@.pg_tviews_state TO PUBLIC;
GRANT SELECT ON @schema@.pg_tviews_dismissed_prepared TO PUBLIC;
