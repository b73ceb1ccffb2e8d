using System.Globalization;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Statements run as one unit: alone (autocommit), or in a transaction that commits or rolls back.
/// The oracle checks every TVIEW after each statement (inside the transaction too) and after the end.
/// </summary>
public sealed record SuiteBlock(IReadOnlyList<string> Statements, bool Transaction, bool RollBack, string? RequiresEntry = null)
{
    public static SuiteBlock One(string sql) => new([sql], false, false);

    public static SuiteBlock Commit(params string[] sql) => new(sql, true, false);

    public static SuiteBlock Rollback(params string[] sql) => new(sql, true, true);
}

/// <summary>
/// A database of the suite: pg_ivm's table shapes (no primary keys where pg_ivm has none, so
/// duplicate rows are legitimate), data of our own, the suite's kind of DML written as blocks, and a
/// generator of random statements over the same tables for the seeded workload.
/// </summary>
public sealed record SuiteGroup(string Name, string Schema, IReadOnlyList<SuiteBlock> Blocks, Func<Random, string> RandomStatement, int Seed);

public static class PgIvmSuiteGroups
{
    public static readonly IReadOnlyList<SuiteGroup> All = [BaseGroup(), PairsGroup(), MiscGroup(), OuterGroup()];

    private static string S(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A small value, NULL one time in <paramref name="nullOneIn"/>.</summary>
    private static string V(Random rng, int max, int nullOneIn = 8, int scale = 1) =>
        rng.Next(nullOneIn) == 0 ? "NULL" : S(rng.Next(max + 1) * scale);

    // ------------------------------------------------------------------ pg_ivm.sql: mv_base_a, mv_base_b

    private static SuiteGroup BaseGroup()
    {
        const string schema = """
            CREATE TABLE mv_base_a (x int, i int, y int, j int);
            CREATE TABLE mv_base_b (x int, i int, y int, k int);
            -- Dropped columns, as in pg_ivm's suite: column numbers are not positions.
            ALTER TABLE mv_base_a DROP COLUMN x, DROP COLUMN y;
            ALTER TABLE mv_base_b DROP COLUMN x, DROP COLUMN y;
            INSERT INTO mv_base_a SELECT g % 6 + 1, (g % 4) * 15 FROM generate_series(1, 9) g;
            INSERT INTO mv_base_a VALUES (NULL, 5);
            INSERT INTO mv_base_b SELECT g, 100 + g FROM generate_series(1, 4) g;
            INSERT INTO mv_base_b VALUES (2, 102);
            CREATE FUNCTION ivm_func() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 7';
            CREATE VIEW b_view AS SELECT i, k FROM mv_base_b;
            CREATE MATERIALIZED VIEW b_mview AS SELECT i, k FROM mv_base_b;
            CREATE TABLE parent (i int, v int);
            CREATE TABLE child_a (options text) INHERITS (parent);
            INSERT INTO parent VALUES (1, 1);
            INSERT INTO child_a VALUES (2, 2, 'c');
            CREATE TABLE table_json (j json);
            INSERT INTO table_json VALUES ('{"a": 1}'), ('[1, 2]');
            -- A table of the same name earlier on a search_path the writer sets (pg_ivm's MIN/MAX test).
            CREATE SCHEMA myschema;
            CREATE TABLE myschema.mv_base_a (j int);
            INSERT INTO myschema.mv_base_a VALUES (1);
            """;
        SuiteBlock[] blocks =
        [
            SuiteBlock.One("INSERT INTO mv_base_b VALUES (5, 105), (5, 105)"),
            SuiteBlock.One("UPDATE mv_base_a SET j = 0 WHERE i = 1"),
            SuiteBlock.One("DELETE FROM mv_base_b WHERE (i, k) = (5, 105)"),
            SuiteBlock.Rollback("INSERT INTO mv_base_b VALUES (6, 160)", "UPDATE mv_base_a SET j = j + 1 WHERE i = 2", "DELETE FROM mv_base_b WHERE i = 1"),
            SuiteBlock.One("INSERT INTO mv_base_a VALUES (2, 20), (2, 20), (NULL, 5), (7, NULL)"),
            SuiteBlock.One("DELETE FROM mv_base_a WHERE (i, j) = (2, 20)"),
            // AVG over values it cannot divide evenly, and one copy of a duplicate row deleted.
            SuiteBlock.One("INSERT INTO mv_base_a VALUES (1, 1), (1, 1), (3, 4), (3, 4)"),
            SuiteBlock.One("DELETE FROM mv_base_a WHERE ctid = (SELECT min(ctid) FROM mv_base_a WHERE (i, j) = (3, 4))"),
            SuiteBlock.One("DELETE FROM mv_base_a WHERE (i, j) = (1, 1)"),
            // MIN and MAX: the extreme of a group deleted.
            SuiteBlock.One("INSERT INTO mv_base_a SELECT g, g * 10 + d FROM generate_series(1, 5) g, generate_series(1, 2) d"),
            SuiteBlock.One("DELETE FROM mv_base_a WHERE (i, j) IN ((1, 11), (2, 22), (3, 31))"),
            SuiteBlock.One("SET search_path TO myschema, public, pg_catalog; DELETE FROM public.mv_base_a WHERE i = 4; INSERT INTO public.mv_base_a VALUES (4, 3); RESET search_path"),
            // EXISTS: rows gaining and losing their partner, partners duplicated.
            SuiteBlock.One("INSERT INTO mv_base_b VALUES (1, 111), (2, 112), (6, 116)"),
            SuiteBlock.One("UPDATE mv_base_a SET i = 1 WHERE j = 45"),
            SuiteBlock.One("UPDATE mv_base_b SET i = 10 WHERE k = 101"),
            SuiteBlock.One("UPDATE mv_base_b SET k = k * 10 WHERE i = 2"),
            SuiteBlock.One("DELETE FROM mv_base_b WHERE i = 1 OR i = 3"),
            SuiteBlock.One("INSERT INTO mv_base_b VALUES (1, 100), (3, 300)"),
            // One statement changing both tables, then the same table three ways.
            SuiteBlock.One("WITH ai AS (INSERT INTO mv_base_a VALUES (1, 12), (2, 24) RETURNING 0), bi AS (INSERT INTO mv_base_b VALUES (1, 121), (3, 133) RETURNING 0), bd AS (DELETE FROM mv_base_b WHERE i = 4 RETURNING 0) SELECT"),
            SuiteBlock.One("WITH a1 AS (INSERT INTO mv_base_a VALUES (8, 80) RETURNING 0), a2 AS (UPDATE mv_base_a SET j = j + 100 WHERE i = 5 RETURNING 0), a3 AS (DELETE FROM mv_base_a WHERE i = 3 RETURNING 0) SELECT"),
            SuiteBlock.Rollback("TRUNCATE mv_base_a"),
            SuiteBlock.Rollback("TRUNCATE mv_base_b"),
            SuiteBlock.Commit("INSERT INTO mv_base_a VALUES (9, 90)", "SAVEPOINT p1", "DELETE FROM mv_base_a WHERE i = 9", "ROLLBACK TO SAVEPOINT p1",
                "UPDATE mv_base_a SET j = 91 WHERE i = 9", "SAVEPOINT p2", "INSERT INTO mv_base_b VALUES (9, 109), (9, 109)", "RELEASE SAVEPOINT p2"),
            SuiteBlock.One("UPDATE mv_base_a SET j = j"),
            SuiteBlock.One("INSERT INTO child_a VALUES (3, 3, 'x'); INSERT INTO parent VALUES (1, 1); INSERT INTO table_json VALUES ('{}')"),
            SuiteBlock.One("DELETE FROM mv_base_a"),
            SuiteBlock.One("INSERT INTO mv_base_a SELECT g % 5 + 1, g * 7 % 50 FROM generate_series(1, 12) g"),
            SuiteBlock.One("TRUNCATE mv_base_b"),
            SuiteBlock.One("INSERT INTO mv_base_b SELECT g % 6, 100 + g FROM generate_series(1, 7) g"),
        ];
        return new SuiteGroup(PgIvmSuiteCatalogue.Base, schema, blocks, BaseStatement, 1601);
    }

    private static string BaseStatement(Random rng)
    {
        var i = V(rng, 7);
        var j = V(rng, 6, scale: 10);
        var k = S(100 + rng.Next(6));
        var at = S(rng.Next(8));
        return rng.Next(13) switch
        {
            0 => $"INSERT INTO mv_base_a VALUES ({i}, {j})",
            1 => $"INSERT INTO mv_base_a VALUES ({i}, {j}), ({i}, {j})",
            2 => $"INSERT INTO mv_base_b VALUES ({i}, {k})",
            3 => $"UPDATE mv_base_a SET j = {j} WHERE i = {at}",
            4 => $"UPDATE mv_base_a SET i = {i} WHERE j = {S(rng.Next(7) * 10)}",
            5 => $"DELETE FROM mv_base_a WHERE ctid = (SELECT ctid FROM mv_base_a WHERE i IS NOT DISTINCT FROM {i} LIMIT 1)",
            6 => $"DELETE FROM mv_base_a WHERE i = {at}",
            7 => $"DELETE FROM mv_base_b WHERE ctid = (SELECT ctid FROM mv_base_b WHERE i = {at} LIMIT 1)",
            8 => $"UPDATE mv_base_b SET k = k + 1 WHERE i = {at}",
            9 => $"UPDATE mv_base_b SET i = {i} WHERE k = {k}",
            10 => $"WITH a AS (INSERT INTO mv_base_a VALUES ({i}, {j}) RETURNING 0), b AS (DELETE FROM mv_base_b WHERE i = {at} RETURNING 0) SELECT",
            11 => $"WITH b AS (INSERT INTO mv_base_b VALUES ({at}, {k}) RETURNING 0), a AS (UPDATE mv_base_a SET j = {j} WHERE i = {at} RETURNING 0) SELECT",
            _ => $"DELETE FROM mv_base_b WHERE i = {at}",
        };
    }

    // ------------------------------------------------------------------ pg_ivm.sql: base_t, base_r, base_s, ri1, ri2

    private static SuiteGroup PairsGroup()
    {
        const string schema = """
            CREATE TABLE base_t (i int, v int);
            CREATE TABLE base_t_i (i int);
            CREATE TABLE base_r (i int, v int);
            CREATE TABLE base_s (i int, v int);
            CREATE TABLE ri1 (i int PRIMARY KEY);
            CREATE TABLE ri2 (i int PRIMARY KEY REFERENCES ri1 (i) ON UPDATE CASCADE ON DELETE CASCADE, v int);
            INSERT INTO base_t VALUES (1, 11), (2, 22), (3, 33), (NULL, 1), (NULL, 2), (4, NULL);
            INSERT INTO base_t_i VALUES (1), (1), (NULL);
            INSERT INTO base_r SELECT g, g * 10 FROM generate_series(1, 4) g;
            INSERT INTO base_s SELECT g, g * 100 FROM generate_series(2, 5) g;
            INSERT INTO ri1 SELECT generate_series(1, 5);
            INSERT INTO ri2 SELECT g, g FROM generate_series(1, 4) g;
            """;
        SuiteBlock[] blocks =
        [
            SuiteBlock.One("INSERT INTO base_t VALUES (5, 55)"),
            SuiteBlock.One("DELETE FROM base_t WHERE i = 1"),
            SuiteBlock.One("UPDATE base_t SET v = v * 10 WHERE i = 2"),
            SuiteBlock.One("WITH t1 AS (INSERT INTO base_t VALUES (6, 66) RETURNING 1), t2 AS (INSERT INTO base_t VALUES (7, 77) RETURNING 1), u AS (UPDATE base_t SET v = v + 1000 RETURNING 1), d AS (DELETE FROM base_t WHERE i IN (5, 6) RETURNING 1) SELECT NULL"),
            SuiteBlock.Commit("SAVEPOINT p1", "INSERT INTO base_t VALUES (8, 88)", "RELEASE SAVEPOINT p1", "INSERT INTO base_t VALUES (8, 89)"),
            SuiteBlock.One("INSERT INTO base_t VALUES (2, 22), (2, 22)"),
            SuiteBlock.One("DELETE FROM base_t WHERE ctid = (SELECT min(ctid) FROM base_t WHERE i = 2)"),
            SuiteBlock.One("UPDATE base_t SET v = 20 WHERE i IS NULL AND v = 1"),
            SuiteBlock.One("UPDATE base_t SET v = v * 10"),
            SuiteBlock.One("INSERT INTO base_t VALUES (NULL, 3), (NULL, 4), (NULL, 5)"),
            SuiteBlock.One("DELETE FROM base_t WHERE i IS NULL AND v = 3"),
            SuiteBlock.One("DELETE FROM base_t WHERE i IS NULL AND v = 200"),
            SuiteBlock.One("INSERT INTO base_t_i VALUES (2), (NULL), (NULL)"),
            SuiteBlock.One("DELETE FROM base_t_i WHERE i IS NULL"),
            SuiteBlock.One("UPDATE base_t_i SET i = i + 1"),
            SuiteBlock.One("WITH r1 AS (INSERT INTO base_r VALUES (1, 12) RETURNING 1), r2 AS (INSERT INTO base_r VALUES (3, 34) RETURNING 1), s1 AS (INSERT INTO base_s VALUES (2, 222) RETURNING 1), u AS (UPDATE base_r SET v = v + 1000 WHERE i = 2 RETURNING 1), d AS (DELETE FROM base_s WHERE i = 3 RETURNING 1) SELECT NULL"),
            SuiteBlock.One("UPDATE ri1 SET i = 10 WHERE i = 1"),
            SuiteBlock.One("DELETE FROM ri1 WHERE i = 2"),
            SuiteBlock.Commit("INSERT INTO ri1 VALUES (20)", "INSERT INTO ri2 VALUES (20, 1)", "UPDATE ri2 SET v = 2 WHERE i = 20"),
            SuiteBlock.Rollback("TRUNCATE base_t", "TRUNCATE base_r"),
            SuiteBlock.Rollback("TRUNCATE ri1 CASCADE"),
            SuiteBlock.One("DELETE FROM base_t"),
            SuiteBlock.One("INSERT INTO base_t SELECT CASE WHEN g % 5 <> 0 THEN g % 4 END, g FROM generate_series(1, 12) g"),
        ];
        return new SuiteGroup(PgIvmSuiteCatalogue.Pairs, schema, blocks, PairsStatement, 1602);
    }

    private static string PairsStatement(Random rng)
    {
        var i = V(rng, 6);
        var v = V(rng, 9, scale: 11);
        var at = S(rng.Next(7));
        return rng.Next(14) switch
        {
            0 => $"INSERT INTO base_t VALUES ({i}, {v})",
            1 => $"INSERT INTO base_t VALUES ({i}, {v}), ({i}, {v})",
            2 => $"UPDATE base_t SET v = {v} WHERE i = {at}",
            3 => $"UPDATE base_t SET i = {i} WHERE v = {S(rng.Next(10) * 11)}",
            4 => $"DELETE FROM base_t WHERE ctid = (SELECT ctid FROM base_t WHERE i IS NOT DISTINCT FROM {i} LIMIT 1)",
            5 => $"WITH a AS (INSERT INTO base_t VALUES ({i}, {v}) RETURNING 1), b AS (UPDATE base_t SET v = v + 1 WHERE i = {at} RETURNING 1) SELECT",
            6 => $"INSERT INTO base_t_i VALUES ({i})",
            7 => $"DELETE FROM base_t_i WHERE ctid = (SELECT ctid FROM base_t_i WHERE i IS NOT DISTINCT FROM {i} LIMIT 1)",
            8 => $"INSERT INTO base_r VALUES ({i}, {v})",
            9 => $"UPDATE base_s SET i = {i} WHERE i = {at}",
            10 => $"WITH r AS (DELETE FROM base_r WHERE i = {at} RETURNING 1), s AS (INSERT INTO base_s VALUES ({at}, {v}) RETURNING 1) SELECT",
            11 => $"INSERT INTO ri1 VALUES ({S(rng.Next(30))}) ON CONFLICT DO NOTHING",
            12 => $"INSERT INTO ri2 SELECT i, {S(rng.Next(9))} FROM ri1 WHERE i = {S(rng.Next(30))} ON CONFLICT DO NOTHING",
            _ => $"UPDATE ri1 SET i = i + 30 WHERE i = {S(rng.Next(30))}",
        };
    }

    // ------------------------------------------------------------------ pg_ivm.sql's other tables; create_immv.sql, refresh_immv.sql

    private static SuiteGroup MiscGroup()
    {
        const string schema = """
            -- A type of our own with a btree operator class, as in pg_ivm's user-defined type test.
            CREATE TYPE mytype;
            CREATE FUNCTION mytype_in(cstring) RETURNS mytype LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
            CREATE FUNCTION mytype_out(mytype) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
            CREATE TYPE mytype (INPUT = mytype_in, OUTPUT = mytype_out, LIKE = int4);
            CREATE FUNCTION mytype_eq(mytype, mytype) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int4eq';
            CREATE FUNCTION mytype_lt(mytype, mytype) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int4lt';
            CREATE FUNCTION mytype_cmp(mytype, mytype) RETURNS int LANGUAGE internal IMMUTABLE STRICT AS 'btint4cmp';
            CREATE OPERATOR = (LEFTARG = mytype, RIGHTARG = mytype, FUNCTION = mytype_eq);
            CREATE OPERATOR < (LEFTARG = mytype, RIGHTARG = mytype, FUNCTION = mytype_lt);
            CREATE OPERATOR CLASS mytype_ops DEFAULT FOR TYPE mytype USING btree AS
                OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 mytype_cmp(mytype, mytype);
            CREATE TABLE t_mytype (x mytype);
            INSERT INTO t_mytype VALUES ('5');

            CREATE TABLE rls_tbl (id int, data text, owner name);
            CREATE TABLE num_tbl (id int, num text);
            CREATE POLICY rls_tbl_policy ON rls_tbl FOR SELECT TO PUBLIC USING (owner = current_user);
            ALTER TABLE rls_tbl ENABLE ROW LEVEL SECURITY;
            INSERT INTO rls_tbl VALUES (1, 'one', 'alice'), (2, 'two', 'postgres');
            INSERT INTO num_tbl SELECT g, 'n' || g FROM generate_series(1, 6) g;

            -- A trigger that updates the table its row was inserted into.
            CREATE TABLE tbl_update_same (i int);
            CREATE FUNCTION func_update_same() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN UPDATE tbl_update_same SET i = i + 1; RETURN NEW; END $$;
            CREATE TRIGGER trig_update_same AFTER INSERT ON tbl_update_same FOR EACH ROW EXECUTE FUNCTION func_update_same();

            CREATE TABLE tbl_self_ref (a int PRIMARY KEY, b int REFERENCES tbl_self_ref (a) ON UPDATE CASCADE);
            INSERT INTO tbl_self_ref VALUES (1, NULL), (2, 1), (3, 2), (4, 2);

            CREATE TABLE base_a (i int PRIMARY KEY, j int);
            CREATE TABLE base_b (i int PRIMARY KEY, j int);
            INSERT INTO base_a SELECT g, g % 3 FROM generate_series(1, 4) g;
            INSERT INTO base_b SELECT g, g % 2 FROM generate_series(1, 3) g;

            CREATE TABLE t (i int PRIMARY KEY);
            INSERT INTO t SELECT generate_series(1, 20);
            """;
        SuiteBlock[] blocks =
        [
            SuiteBlock.One("INSERT INTO t_mytype VALUES ('1'), ('1'), ('2')"),
            SuiteBlock.One("UPDATE t_mytype SET x = '3' WHERE x = '2'"),
            SuiteBlock.One("DELETE FROM t_mytype WHERE ctid = (SELECT min(ctid) FROM t_mytype WHERE x = '1')"),
            SuiteBlock.One("INSERT INTO rls_tbl VALUES (3, 'three', 'alice'), (4, 'four', 'postgres')"),
            SuiteBlock.One("WITH i AS (INSERT INTO rls_tbl VALUES (5, 'five', 'postgres'), (6, 'six', 'alice')), u AS (UPDATE rls_tbl SET owner = 'postgres' WHERE id = 1), u2 AS (UPDATE rls_tbl SET owner = 'alice' WHERE id = 2) SELECT"),
            SuiteBlock.One("WITH x AS (UPDATE rls_tbl SET data = data || '_2' WHERE id IN (3, 4)), y AS (UPDATE num_tbl SET num = num || '_2' WHERE id IN (3, 4)) SELECT"),
            SuiteBlock.One("INSERT INTO rls_tbl VALUES (3, 'three again', 'bob')"),
            SuiteBlock.One("INSERT INTO tbl_update_same VALUES (1)"),
            SuiteBlock.One("INSERT INTO tbl_update_same VALUES (10), (10)"),
            SuiteBlock.One("UPDATE tbl_self_ref SET a = a + 10"),
            SuiteBlock.One("UPDATE tbl_self_ref SET b = NULL WHERE a = 14"),
            SuiteBlock.One("INSERT INTO base_a VALUES (5, NULL), (6, 2)"),
            SuiteBlock.One("INSERT INTO base_b VALUES (4, NULL)"),
            SuiteBlock.One("UPDATE base_a SET j = 0 WHERE i = 2"),
            SuiteBlock.One("UPDATE base_a SET i = i + 10 WHERE i = 1"),
            SuiteBlock.One("DELETE FROM base_b WHERE i = 2"),
            SuiteBlock.One("INSERT INTO t VALUES (21), (22)"),
            new(["SELECT pg_tviews_refresh('t_refresh')"], false, false, "t_refresh"),
            SuiteBlock.One("DELETE FROM t WHERE i % 3 = 0"),
            SuiteBlock.One("UPDATE t SET i = i + 1000 WHERE i < 5"),
            SuiteBlock.Rollback("TRUNCATE t"),
            SuiteBlock.Rollback("TRUNCATE base_a", "TRUNCATE tbl_update_same", "TRUNCATE t_mytype"),
        ];
        return new SuiteGroup(PgIvmSuiteCatalogue.Misc, schema, blocks, MiscStatement, 1603);
    }

    private static string MiscStatement(Random rng)
    {
        var small = S(rng.Next(9));
        var big = S(rng.Next(60));
        var j = V(rng, 3);
        return rng.Next(14) switch
        {
            0 => $"INSERT INTO t VALUES ({big}) ON CONFLICT DO NOTHING",
            1 => $"DELETE FROM t WHERE i = {big}",
            2 => $"UPDATE t SET i = i + 100 WHERE i = {big}",
            3 => $"INSERT INTO base_a VALUES ({small}, {j}) ON CONFLICT (i) DO UPDATE SET j = excluded.j",
            4 => $"INSERT INTO base_b VALUES ({small}, {j}) ON CONFLICT DO NOTHING",
            5 => $"DELETE FROM base_a WHERE i = {small}",
            6 => $"UPDATE base_b SET i = i + 20 WHERE i = {small}",
            7 => $"INSERT INTO t_mytype VALUES ('{small}')",
            8 => $"DELETE FROM t_mytype WHERE ctid = (SELECT ctid FROM t_mytype WHERE x = '{small}' LIMIT 1)",
            9 => $"INSERT INTO tbl_update_same VALUES ({small})",
            10 => $"UPDATE rls_tbl SET owner = '{(rng.Next(2) == 0 ? "alice" : "postgres")}', id = {small} WHERE id = {S(rng.Next(9))}",
            11 => $"INSERT INTO rls_tbl VALUES ({small}, 'd{small}', 'bob')",
            12 => $"UPDATE num_tbl SET id = {small} WHERE id = {S(rng.Next(9))}",
            _ => $"UPDATE tbl_self_ref SET a = a + 100 WHERE a = (SELECT min(a) FROM tbl_self_ref)",
        };
    }

    // ------------------------------------------------------------------ outer_join.sql

    private static SuiteGroup OuterGroup()
    {
        const string schema = """
            CREATE TABLE base_r (i int);
            CREATE TABLE base_s (i int, j int);
            CREATE TABLE base_t (j int);
            CREATE TABLE base_u (j int, i int);
            INSERT INTO base_r VALUES (1), (2), (2), (4);
            INSERT INTO base_s VALUES (1, 1), (2, 1), (2, 3), (3, 2), (4, 2);
            INSERT INTO base_t VALUES (1), (2), (2);
            INSERT INTO base_u VALUES (1, 1), (2, 2), (2, 4), (3, 1);
            -- outer_join.sql's refused definitions read these (without dropped columns there).
            CREATE TABLE mv_base_a (x int, i int, y int, j int);
            CREATE TABLE mv_base_b (x int, i int, y int, k int);
            INSERT INTO mv_base_a SELECT g, g % 4, g, g * 2 FROM generate_series(1, 6) g;
            INSERT INTO mv_base_b SELECT g, g % 3, g, g * 5 FROM generate_series(1, 5) g;
            """;
        var blocks = new List<SuiteBlock>
        {
            // Per table, as the suite does: inserts, then deletes, then updates, each rolled back.
            SuiteBlock.Rollback("INSERT INTO base_r VALUES (1), (2), (3)", "INSERT INTO base_r VALUES (5), (5)"),
            SuiteBlock.Rollback("INSERT INTO base_s VALUES (1, 3)", "INSERT INTO base_s VALUES (2, 3), (NULL, 3)"),
            SuiteBlock.Rollback("INSERT INTO base_t VALUES (1), (3)", "INSERT INTO base_t VALUES (3), (4)"),
            SuiteBlock.Rollback("INSERT INTO base_u VALUES (1, 2), (4, 4)", "INSERT INTO base_u VALUES (2, 2)"),
            SuiteBlock.Rollback("DELETE FROM base_r WHERE i = 1", "DELETE FROM base_r WHERE i = 2", "DELETE FROM base_r WHERE i = 4"),
            SuiteBlock.Rollback("DELETE FROM base_s WHERE i = 2", "DELETE FROM base_s WHERE i = 3", "DELETE FROM base_s WHERE i = 4"),
            SuiteBlock.Rollback("DELETE FROM base_t WHERE j = 2", "DELETE FROM base_t WHERE j = 1"),
            SuiteBlock.Rollback("DELETE FROM base_u WHERE j = 2", "DELETE FROM base_u WHERE i = 1"),
            SuiteBlock.Rollback("UPDATE base_r SET i = 3 WHERE i = 1", "UPDATE base_s SET j = j + 1 WHERE i = 2",
                "UPDATE base_t SET j = NULL WHERE j = 1", "UPDATE base_u SET i = 3 WHERE j = 2"),
            SuiteBlock.Rollback("TRUNCATE base_r"),
            SuiteBlock.Rollback("TRUNCATE base_s"),
            SuiteBlock.Rollback("TRUNCATE base_t"),
            SuiteBlock.Rollback("TRUNCATE base_u"),
            // The cross join test: everything emptied, then a few rows back.
            SuiteBlock.Rollback("TRUNCATE base_r", "TRUNCATE base_s", "TRUNCATE base_t", "TRUNCATE base_u",
                "INSERT INTO base_r VALUES (50)", "INSERT INTO base_s VALUES (50, NULL)", "INSERT INTO base_t VALUES (1)"),
            // NULL on join columns.
            SuiteBlock.Commit("INSERT INTO base_s VALUES (1, NULL), (NULL, 2)", "DELETE FROM base_s WHERE j IS NULL",
                "DELETE FROM base_t WHERE j = 2", "INSERT INTO base_t VALUES (2)"),
            // One statement changing two tables, then one table three times.
            SuiteBlock.One("WITH ri AS (INSERT INTO base_r VALUES (1), (3) RETURNING 0), si AS (INSERT INTO base_s VALUES (1, 3) RETURNING 0) SELECT"),
            SuiteBlock.One("WITH rd AS (DELETE FROM base_r WHERE i = 1 RETURNING 0), sd AS (DELETE FROM base_s WHERE i = 2 RETURNING 0) SELECT"),
            SuiteBlock.One("WITH r1 AS (INSERT INTO base_r VALUES (1), (2), (3) RETURNING 0), r2 AS (INSERT INTO base_r VALUES (4), (5) RETURNING 0), rd AS (DELETE FROM base_r WHERE i IN (3, 4) RETURNING 0) SELECT"),
            SuiteBlock.One("INSERT INTO mv_base_a VALUES (7, 1, 7, NULL); UPDATE mv_base_b SET k = -1 WHERE i = 1; DELETE FROM mv_base_b WHERE i = 2"),
        };
        return new SuiteGroup(PgIvmSuiteCatalogue.Outer, schema, blocks, OuterStatement, 1604);
    }

    private static string OuterStatement(Random rng)
    {
        var a = V(rng, 5);
        var b = V(rng, 5);
        var at = S(rng.Next(6));
        return rng.Next(13) switch
        {
            0 => $"INSERT INTO base_r VALUES ({a})",
            1 => $"DELETE FROM base_r WHERE ctid = (SELECT ctid FROM base_r WHERE i IS NOT DISTINCT FROM {a} LIMIT 1)",
            2 => $"INSERT INTO base_s VALUES ({a}, {b})",
            3 => $"UPDATE base_s SET j = {b} WHERE i = {at}",
            4 => $"DELETE FROM base_s WHERE i = {at}",
            5 => $"INSERT INTO base_t VALUES ({a}), ({b})",
            6 => $"DELETE FROM base_t WHERE j = {at}",
            7 => $"INSERT INTO base_u VALUES ({a}, {b})",
            8 => $"UPDATE base_u SET i = {b} WHERE j = {at}",
            9 => $"UPDATE base_r SET i = {a} WHERE i = {at}",
            10 => $"WITH r AS (INSERT INTO base_r VALUES ({a}) RETURNING 0), s AS (UPDATE base_s SET i = {a} WHERE j = {at} RETURNING 0) SELECT",
            11 => $"INSERT INTO mv_base_a VALUES (0, {a}, 0, {b}); INSERT INTO mv_base_b VALUES (0, {b}, 0, {a})",
            _ => $"DELETE FROM mv_base_b WHERE i = {at}",
        };
    }
}
