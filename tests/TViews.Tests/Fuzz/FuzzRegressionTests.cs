using Npgsql;
using TViews.Cli.Fuzz;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Fuzz;

/// <summary>
/// Divergences the differential fuzzer found, each as its shrunk reproduction (trimmed of columns
/// that play no part): the definitions applied through the engine, the statements run, and the
/// fuzzer's oracle (rows aliased so no output column can shadow them) asserted after each
/// transaction. The comment of each names the run that found it.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static async Task AssertExactAsync(string schema, string definitions, params string[] transactions)
    {
        var cs = await TestServer.CreateDatabaseAsync("fuzzreg");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecAsync(conn, schema);
            var defs = TViewDefinition.FromScript(definitions, "regression.sql");
            await new TViewsEngine(cs).ApplyAsync(defs);
            var oracle = defs.Select(d => new FuzzDefinition(d.Table, d.QueryText, d.Key ?? [], [], "")).ToList();
            await AssertOracleAsync(conn, oracle, "after creation");
            for (var i = 0; i < transactions.Length; i++)
            {
                await ExecAsync(conn, transactions[i]);
                await AssertOracleAsync(conn, oracle, $"after transaction {i}: {transactions[i]}");
            }
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task AssertOracleAsync(NpgsqlConnection conn, IReadOnlyList<FuzzDefinition> definitions, string context)
    {
        var problems = new List<string>();
        foreach (var d in definitions)
            foreach (var row in await FuzzOracle.RowsAsync(conn, d, 10, CancellationToken.None))
                problems.Add($"{d.Table}: {row}");
        Assert.True(problems.Count == 0, $"{context}: TVIEWs diverge from their definitions:\n{string.Join("\n", problems)}");
    }

    // ------------------------------------------------------------------ counts maintained from the delta

    private const string ParentChild = """
        CREATE TABLE tb_a (ka integer NOT NULL, kb integer NOT NULL, name text NOT NULL, PRIMARY KEY (ka, kb));
        CREATE TABLE tb_c (c_id bigint PRIMARY KEY, a_ka integer NOT NULL, a_kb integer NOT NULL, flag boolean NOT NULL DEFAULT false);
        """;

    /// <summary>fuzz seed 2, set 64 (also sets 57, 79 and seed 1 set 1): R and D inserted by one statement count D twice.</summary>
    [Fact]
    public Task CountFromDelta_ParentAndChildInsertedByOneStatement() => AssertExactAsync(ParentChild,
        """
        -- tviews:key=ka,kb
        CREATE TABLE tv_grp5 AS
        SELECT r.ka, r.kb, jsonb_build_object('n', count(c.flag), 'm', count(c.c_id)) AS data
        FROM tb_a r
        LEFT JOIN tb_c c ON c.a_ka = r.ka AND c.a_kb = r.kb
        GROUP BY r.ka, r.kb;
        """,
        """
        BEGIN;
        WITH p AS (INSERT INTO tb_a (ka, kb, name) VALUES (5, 1, 'n2') ON CONFLICT DO NOTHING RETURNING ka, kb)
        INSERT INTO tb_c (c_id, a_ka, a_kb, flag) SELECT 12, p.ka, p.kb, false FROM p ON CONFLICT DO NOTHING;
        COMMIT;
        """);

    /// <summary>
    /// fuzz seed 2, set 35: the counted TVIEW's R is itself a TVIEW whose row appears (EXISTS on the
    /// child) in the same statement that inserts the child: the new R row is built with the child
    /// counted, then the child's delta counts it again.
    /// </summary>
    [Fact]
    public Task CountFromDelta_OverATView_RowAppearsWithItsChild() => AssertExactAsync("""
        CREATE TABLE tb_a (ka text NOT NULL, kb uuid NOT NULL, val integer, PRIMARY KEY (ka, kb));
        CREATE TABLE tb_b (id bigint PRIMARY KEY, a_ka text, a_kb uuid, val integer, flag boolean NOT NULL DEFAULT false);
        INSERT INTO tb_a VALUES ('k3', '00000000-0000-4000-8000-000000000005', 4);
        """,
        """
        -- tviews:key=ka,kb
        CREATE TABLE tv_doc1 AS
        SELECT r.ka, r.kb, jsonb_build_object('val', r.val) AS data
        FROM tb_a r
        WHERE EXISTS (SELECT 1 FROM tb_b e2 WHERE e2.a_ka = r.ka AND e2.a_kb = r.kb AND e2.val > 4);

        -- tviews:key=ka,kb
        CREATE TABLE tv_grp4 AS
        SELECT r.ka, r.kb, jsonb_build_object('n', count(c.flag), 'm', count(c.id)) AS data
        FROM tv_doc1 r
        LEFT JOIN tb_b c ON c.a_ka = r.ka AND c.a_kb = r.kb
        GROUP BY r.ka, r.kb;
        """,
        "INSERT INTO tb_b (id, a_ka, a_kb, val, flag) VALUES (20, 'k3', '00000000-0000-4000-8000-000000000005', 7, false)");

    /// <summary>
    /// fuzz seed 2, set 23: the R row (a TVIEW row) appears while its D rows move away, in one
    /// statement: the new group is built without them, then their removal is subtracted (counts -1).
    /// </summary>
    [Fact]
    public Task CountFromDelta_OverATView_RowLeavesAsItsChildrenMove() => AssertExactAsync("""
        CREATE TABLE tb_a (id text PRIMARY KEY, flag boolean NOT NULL DEFAULT false);
        CREATE TABLE tb_b (ka bigint NOT NULL, kb text NOT NULL, fk_a text, name text, PRIMARY KEY (ka, kb));
        INSERT INTO tb_a VALUES ('k7', false);
        INSERT INTO tb_b VALUES (1, 'k1', 'k7', 'n3');
        """,
        """
        -- tviews:key=id
        CREATE TABLE tv_row1 AS
        SELECT r.id FROM tb_a r WHERE r.flag;

        -- tviews:key=id
        CREATE TABLE tv_grp2 AS
        SELECT r.id, jsonb_build_object('n', count(c.name), 'm', count(c.ka)) AS data
        FROM tv_row1 r
        LEFT JOIN tb_b c ON c.fk_a = r.id
        GROUP BY r.id;
        """,
        """
        BEGIN;
        WITH a AS (UPDATE tb_a SET flag = NOT flag WHERE id = 'k7' RETURNING id)
        UPDATE tb_b SET fk_a = NULL WHERE fk_a IN (SELECT id FROM a);
        COMMIT;
        """);

    // ------------------------------------------------------------------ FK actions inside a statement that updates the child

    /// <summary>
    /// fuzz seed 7, set 68 (and seed 9, set 57): a writable CTE deletes a parent whose FK action
    /// (SET DEFAULT here; SET NULL and ON UPDATE CASCADE alike) updates the child, while the
    /// statement itself UPDATEs the child table without naming a column the TVIEW reads. PostgreSQL
    /// fires BEFORE STATEMENT triggers once per table and event per query level, so the UPDATE gate,
    /// not fired for the main UPDATE, is not fired for the FK action's UPDATE either: the change is missed.
    /// </summary>
    [Theory]
    [InlineData("ON DELETE SET DEFAULT", "WITH d AS (DELETE FROM tb_a WHERE pk_a = 4 RETURNING pk_a) UPDATE tb_b SET val = val + 1 WHERE false")]
    [InlineData("ON DELETE SET NULL", "WITH d AS (DELETE FROM tb_a WHERE pk_a = 4 RETURNING pk_a) UPDATE tb_b SET val = val + 1 WHERE false")]
    [InlineData("ON UPDATE CASCADE", "WITH d AS (UPDATE tb_a SET pk_a = 5 WHERE pk_a = 4 RETURNING pk_a) UPDATE tb_b SET val = val + 1 WHERE false")]
    public Task FkActionUpdate_InAStatementUpdatingTheChild(string action, string statement) => AssertExactAsync($"""
        CREATE TABLE tb_a (pk_a bigint PRIMARY KEY);
        CREATE TABLE tb_b (id text PRIMARY KEY, fk_a bigint DEFAULT 1 REFERENCES tb_a {action}, val integer);
        INSERT INTO tb_a VALUES (1), (4);
        INSERT INTO tb_b VALUES ('k8', 4, 8);
        """,
        """
        -- tviews:key=id
        CREATE TABLE tv_b AS SELECT b.id, b.fk_a FROM tb_b b;

        -- tviews:key=pk_a
        CREATE TABLE tv_cte2 AS
        WITH t AS (SELECT c.fk_a, count(*) AS n FROM tb_b c GROUP BY c.fk_a)
        SELECT r.pk_a, COALESCE(t.n, 0) AS n
        FROM tb_a r
        LEFT JOIN t ON t.fk_a = r.pk_a;
        """,
        statement);

    /// <summary>
    /// fuzz seed 11, set 216: the same through two FK actions of one statement on one table: the
    /// SET DEFAULT of <c>fk_a</c> (a column the TVIEW does not read) runs first, so the SET NULL of
    /// <c>parent_id</c> (self-reference, read) fires no gate and is missed.
    /// </summary>
    [Fact]
    public Task FkActionUpdates_TwoOnOneTable_TheSecondReadsAColumn() => AssertExactAsync("""
        CREATE TABLE tb_a (id bigint PRIMARY KEY);
        CREATE TABLE tb_b (pk_b text PRIMARY KEY, fk_a bigint DEFAULT 1 REFERENCES tb_a ON DELETE SET DEFAULT,
                           parent_id text REFERENCES tb_b ON DELETE SET NULL);
        INSERT INTO tb_a VALUES (1), (2);
        INSERT INTO tb_b VALUES ('k4', 2, NULL), ('k8', NULL, 'k4');
        """,
        """
        -- tviews:key=pk_b
        CREATE TABLE tv_b AS SELECT b.pk_b, b.parent_id FROM tb_b b;
        """,
        "WITH d AS (DELETE FROM tb_a WHERE id = 2 RETURNING id) DELETE FROM tb_b WHERE fk_a IN (SELECT id FROM d)");

    // ------------------------------------------------------------------ NOT IN and NULL

    /// <summary>
    /// fuzz seed 7, sets 136 and 214: <c>x NOT IN (SELECT y ...)</c> is NULL for a row whose x is
    /// NULL as soon as the subquery returns a row, and true while it returns none: a change to the
    /// subquery's rows changes every row with a NULL x, not only those whose x matches the change.
    /// </summary>
    [Fact]
    public Task NotIn_RowsWithANullColumn_FollowTheSubquerysEmptiness() => AssertExactAsync("""
        CREATE TABLE tb_b (pk_b bigint PRIMARY KEY, flag boolean NOT NULL DEFAULT false);
        CREATE TABLE tb_e (id integer PRIMARY KEY, fk_b bigint, name text);
        INSERT INTO tb_e VALUES (1, NULL, 'n1'), (2, 3, 'n2'), (3, 4, 'n3');
        """,
        """
        -- tviews:key=id
        CREATE TABLE tv_e AS
        SELECT r.id, r.fk_b, r.name FROM tb_e r
        WHERE r.fk_b NOT IN (SELECT i.pk_b FROM tb_b i WHERE i.flag);
        """,
        "INSERT INTO tb_b VALUES (3, true)",
        "UPDATE tb_b SET flag = false WHERE pk_b = 3",
        "INSERT INTO tb_b VALUES (9, true)",
        "DELETE FROM tb_b WHERE pk_b = 9");

    // ------------------------------------------------------------------ DISTINCT over a join

    private const string DistinctSchema = """
        CREATE TABLE tb_a (id bigint PRIMARY KEY, cat text NOT NULL DEFAULT 'a', flag boolean NOT NULL DEFAULT false);
        CREATE TABLE tb_c (fk_a bigint NOT NULL, fk_b integer NOT NULL, val integer, flag boolean NOT NULL DEFAULT false, PRIMARY KEY (fk_a, fk_b));
        INSERT INTO tb_a VALUES (7, 'c', true), (14, 'a', false);
        INSERT INTO tb_c VALUES (7, 1, 3, false), (14, 2, NULL, true);
        """;

    /// <summary>fuzz seed 2, set 15: an UPDATE of the joined relation failed inside TViews: missing FROM-clause entry for table "p".</summary>
    [Fact]
    public Task DistinctOverJoin_UpdateOfTheRows() => AssertExactAsync(DistinctSchema,
        """
        -- tviews:key=fk_b,p_cat,fk_a
        CREATE TABLE tv_dist3 AS
        SELECT DISTINCT r.fk_b, p.cat AS p_cat, r.fk_a
        FROM tb_c r
        JOIN tb_a p ON p.id = r.fk_a
        WHERE r.val IS NOT NULL;
        """,
        "UPDATE tb_c SET val = val + 1 WHERE val = 3",
        "UPDATE tb_a SET cat = 'b' WHERE id = 7");

    /// <summary>fuzz seed 2, set 17: children deleted and their parent updated by one statement failed inside TViews: missing FROM-clause entry for table "r".</summary>
    [Fact]
    public Task DistinctOverJoin_ChildrenDeletedAndParentUpdatedByOneStatement() => AssertExactAsync(DistinctSchema,
        """
        -- tviews:key=p_cat,p_flag,flag
        CREATE TABLE tv_dist2 AS
        SELECT DISTINCT p.cat AS p_cat, p.flag AS p_flag, r.flag
        FROM tb_c r
        JOIN tb_a p ON p.id = r.fk_a;
        """,
        """
        WITH d AS (DELETE FROM tb_c WHERE val < 8 RETURNING fk_a)
        UPDATE tb_a SET cat = 'a' WHERE (id) IN (SELECT fk_a FROM d)
        """);

    /// <summary>fuzz seed 2, set 71: a parent and its children deleted by one statement failed inside TViews: missing FROM-clause entry for table "p".</summary>
    [Fact]
    public Task DistinctOverJoin_ParentAndChildrenDeletedByOneStatement() => AssertExactAsync(DistinctSchema,
        """
        -- tviews:key=flag,p_flag
        CREATE TABLE tv_dist2 AS
        SELECT DISTINCT r.flag, p.flag AS p_flag
        FROM tb_c r
        JOIN tb_a p ON p.id = r.fk_a;
        """,
        """
        WITH d AS (DELETE FROM tb_a WHERE id = 14 RETURNING id)
        DELETE FROM tb_c WHERE fk_a IN (SELECT id FROM d)
        """);

    // ------------------------------------------------------------------ windows over a TVIEW that one statement deletes from and inserts into

    /// <summary>
    /// fuzz seed 7601, set 7 (8 sessions, reproduced with one): deleting a parent moved its child to
    /// another parent (ON DELETE SET DEFAULT), so one recompute of the grouped TVIEW deleted one row and
    /// inserted another in one statement. The window TVIEW's step for the delete ran with the insert
    /// already visible: it moved row 1 from the NULL partition into partition 1 without recomputing the
    /// NULL partition, and the insert's step then found row 1 stored in partition 1 already. Row 9 kept
    /// row 1's value in its running sum (4 instead of 3).
    /// </summary>
    [Fact]
    public Task WindowPartitionOfARowMovedByAnEarlierStepOfTheSameStatement() => AssertExactAsync("""
        CREATE TABLE tb_a (pk_a integer PRIMARY KEY, val integer, flag boolean NOT NULL DEFAULT false);
        CREATE TABLE tb_b (b_id bigint PRIMARY KEY, a_id integer NOT NULL DEFAULT 1 REFERENCES tb_a (pk_a) ON DELETE SET DEFAULT);
        CREATE TABLE tb_e (pk_a integer PRIMARY KEY);
        INSERT INTO tb_a VALUES (1, 1, false), (2, 9, false), (9, 3, false);
        INSERT INTO tb_e VALUES (1), (2);
        INSERT INTO tb_b VALUES (17, 2);
        """,
        """
        -- tviews:key=pk_a
        CREATE TABLE tv_grp AS
        SELECT r.pk_a, count(c.b_id) AS a1
        FROM tb_e r
        LEFT JOIN tb_b c ON c.a_id = r.pk_a
        GROUP BY r.pk_a
        HAVING count(c.b_id) > 0;
        -- tviews:key=pk_a
        CREATE TABLE tv_win AS
        SELECT r.pk_a, j1.a1 AS j1_a1, sum(r.val) OVER (PARTITION BY j1.a1 ORDER BY r.pk_a) AS running
        FROM tb_a r
        LEFT JOIN tv_grp j1 ON j1.pk_a = r.pk_a
        WHERE NOT r.flag;
        """,
        "DELETE FROM tb_a WHERE pk_a = 2",
        "UPDATE tb_b SET a_id = 9 WHERE b_id = 17",
        "UPDATE tb_a SET val = val + 1");
}
