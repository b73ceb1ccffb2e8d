using System.Globalization;
using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Sql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;
using static TViews.Tests.Infrastructure.Db;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Shapes of issue 16 that were internal errors or refused (docs/sql.md): one-row definitions keyed by
/// a column TViews adds (pg_ivm's <c>SELECT sum(j), count(j), avg(j) FROM a</c>), and variants of USING /
/// NATURAL joins, <c>*</c> over them, over functions and VALUES, and CTEs referenced more than once,
/// beyond those of <see cref="SqlCoverageTests"/>. Each runs under a randomized workload checked by the oracle.
/// </summary>
public sealed class ShapeTests(ITestOutputHelper output)
{
    internal const string Schema = """
        CREATE TABLE tb_a (i int PRIMARY KEY, j int);
        CREATE TABLE tb_b (i int PRIMARY KEY REFERENCES tb_a ON DELETE CASCADE ON UPDATE CASCADE, k int NOT NULL);
        CREATE TABLE tb_c (i int PRIMARY KEY, m int, j int);
        CREATE AGGREGATE my_sum (int) (sfunc = int4pl, stype = int);
        INSERT INTO tb_a SELECT g, CASE WHEN g % 9 <> 0 THEN g * 10 % 70 END FROM generate_series(1, 60) g;
        INSERT INTO tb_b SELECT g, 100 + g % 11 FROM generate_series(1, 60) g WHERE g % 3 <> 0;
        INSERT INTO tb_c SELECT g, g % 5, g * 10 % 70 FROM generate_series(20, 80) g;
        """;

    /// <summary>pg_ivm's aggregates without GROUP BY and more: no key written, one row each.</summary>
    private const string OneRowDefinitions = """
        CREATE TABLE tv_a_sums AS
        SELECT sum(j), count(j), avg(j) FROM tb_a;

        CREATE TABLE tv_a_range AS
        SELECT min(j) AS min_j, max(j) AS max_j FROM tb_a;

        CREATE TABLE tv_a_mixed AS
        SELECT count(*) FILTER (WHERE i < 30) AS low, count(DISTINCT j) AS distinct_j, array_agg(j ORDER BY i DESC) AS js,
               sum(i) * 0.5 AS half, my_sum(j) AS mine
        FROM tb_a;

        CREATE TABLE tv_pairs AS
        SELECT count(*) AS pairs, sum(a.j * b.k) AS product FROM tb_a a JOIN tb_b b USING (i) HAVING count(*) > 30;

        CREATE TABLE tv_c_total AS
        SELECT sum(c.m) AS m FROM tb_c c WHERE EXISTS (SELECT 1 FROM tb_a a WHERE a.j = c.j) GROUP BY ();

        CREATE TABLE tv_dashboard AS
        SELECT (SELECT count(*) FROM tb_a) AS a_rows, (SELECT max(k) FROM tb_b) AS b_max;

        CREATE TABLE tv_pair_rows AS
        SELECT count(*) AS n FROM tv_pairs;
        """;

    [Fact]
    public async Task OneRowDefinitionsStayExactUnderRandomWorkload()
    {
        var cs = await TestServer.CreateDatabaseAsync("onerow");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var applied = await new TViewsEngine(cs).ApplyAsync(TViewDefinition.FromScript(OneRowDefinitions));
            Assert.Equal(7, applied.Created.Count);
            var definitions = new List<(string Table, string Definition)>();
            foreach (var (table, definition) in WorkloadRunner.Definitions(OneRowDefinitions))
                definitions.Add((await VisibleColumnsAsync(conn, table), definition));
            await Oracle.AssertConsistentAsync(conn, definitions, "after creation");
            await OneRowWorkloadAsync(cs, conn, definitions);
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    private async Task OneRowWorkloadAsync(string cs, NpgsqlConnection conn, List<(string Table, string Definition)> definitions)
    {
        // The table is the definition's columns, then the key TViews added; constant keys get none.
        Assert.Equal(["sum", "count", "avg", DefinitionAnalyzer.OneRowKeyColumn], await ColumnsAsync(conn, "tv_a_sums"));
        Assert.Equal(["a_rows", "b_max", DefinitionAnalyzer.OneRowKeyColumn], await ColumnsAsync(conn, "tv_dashboard"));

        var committed = await WorkloadRunner.RunRandomAsync(conn, definitions, 500, Statement, output.WriteLine);
        Assert.True(committed > 250, $"only {committed} transactions committed");
        await AssertOneRowEachAsync(conn, "after the workload");

        // Empty sources: count 0, sum NULL, still one row; a failing HAVING removes it.
        await ExecuteAsync(conn, "DELETE FROM tb_a");
        await Oracle.AssertConsistentAsync(conn, definitions, "after deleting every row of tb_a");
        Assert.Equal("(,0,,t)", await ScalarAsync<string>(conn, "SELECT t::text FROM tv_a_sums t"));
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_pairs"));
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT n FROM tv_pair_rows"));
        await ExecuteAsync(conn, """
            INSERT INTO tb_a SELECT g, g FROM generate_series(1, 40) g;
            INSERT INTO tb_b SELECT g, 2 FROM generate_series(1, 35) g;
            """);
        await Oracle.AssertConsistentAsync(conn, definitions, "after refilling");
        Assert.Equal("(35,1260)", await ScalarAsync<string>(conn, $"SELECT (pairs, product)::text FROM tv_pairs"));
        await ExecuteAsync(conn, "TRUNCATE tb_a CASCADE");
        await Oracle.AssertConsistentAsync(conn, definitions, "after TRUNCATE tb_a CASCADE");
        await AssertOneRowEachAsync(conn, "after TRUNCATE");

        // The stored definition carries the added key: the runtime's own check agrees, and applying the
        // script again changes nothing (the definition's hash is the one written).
        Assert.Empty(await new TViewsEngine(cs).VerifyAsync([]));
        var again = await new TViewsEngine(cs).ApplyAsync(TViewDefinition.FromScript(OneRowDefinitions));
        Assert.Equal(7, again.Unchanged.Count);
    }

    /// <summary>The oracle compares what the definition yields: the added key column is left out of the table's side.</summary>
    private static async Task<string> VisibleColumnsAsync(NpgsqlConnection conn, string table)
    {
        var columns = (await ColumnsAsync(conn, table)).Where(c => c != DefinitionAnalyzer.OneRowKeyColumn).Select(c => $"\"{c}\"");
        return $"(SELECT {string.Join(", ", columns)} FROM {table})";
    }

    private static async Task AssertOneRowEachAsync(NpgsqlConnection conn, string context)
    {
        foreach (var table in new[] { "tv_a_sums", "tv_a_range", "tv_a_mixed", "tv_c_total", "tv_dashboard", "tv_pair_rows" })
            Assert.True(await ScalarAsync<long>(conn, $"SELECT count(*) FROM {table} WHERE {DefinitionAnalyzer.OneRowKeyColumn}") == 1, $"{context}: {table} has not exactly one row");
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var i = S(1 + rng.Next(90));
        var j = rng.Next(6) == 0 ? "NULL" : S(rng.Next(70));
        return rng.Next(12) switch
        {
            0 => $"INSERT INTO tb_a VALUES ({i}, {j}) ON CONFLICT (i) DO UPDATE SET j = excluded.j",
            1 => $"UPDATE tb_a SET j = {j} WHERE i BETWEEN {i} AND {i} + 4",
            2 => $"DELETE FROM tb_a WHERE i = {i}",
            3 => $"UPDATE tb_a SET i = i + 1000 WHERE i = {i}",
            4 => $"INSERT INTO tb_b SELECT i, {S(100 + rng.Next(20))} FROM tb_a WHERE i BETWEEN {i} AND {i} + 3 ON CONFLICT DO NOTHING",
            5 => $"UPDATE tb_b SET k = k + {S(rng.Next(5))} WHERE i BETWEEN {i} AND {i} + 6",
            6 => $"DELETE FROM tb_b WHERE i BETWEEN {i} AND {i} + 5",
            7 => $"UPDATE tb_c SET j = {j}, m = {S(rng.Next(5))} WHERE i = {S(20 + rng.Next(70))}",
            8 => $"INSERT INTO tb_c VALUES ({S(100 + t)}, {S(rng.Next(5))}, {j}) ON CONFLICT DO NOTHING",
            9 => $"DELETE FROM tb_c WHERE i = {S(20 + rng.Next(70))}",
            10 => $"INSERT INTO tb_a SELECT g, g % 70 FROM generate_series({i}, {i} + 5) g ON CONFLICT DO NOTHING",
            _ => $"UPDATE tb_a SET j = j + 1 WHERE j IS NOT NULL AND i % {S(2 + rng.Next(5))} = 0",
        };
    }

    /// <summary>Joins merging columns, <c>*</c> over them, functions, VALUES and CTEs in more combinations.</summary>
    private const string JoinDefinitions = """
        CREATE TABLE tv_abc AS
        SELECT * FROM tb_a JOIN tb_b USING (i) LEFT JOIN (SELECT i, m FROM tb_c) c USING (i);

        CREATE TABLE tv_nested AS
        SELECT * FROM tb_b JOIN (tb_a LEFT JOIN (SELECT i, m FROM tb_c) c USING (i)) USING (i);

        CREATE TABLE tv_natural_left AS
        SELECT * FROM tb_a NATURAL LEFT JOIN (SELECT i, k FROM tb_b) b;

        CREATE TABLE tv_right AS
        SELECT i, k, j FROM tb_a RIGHT JOIN tb_b USING (i);

        CREATE TABLE tv_two_columns AS
        SELECT a.*, c.m FROM tb_a a JOIN tb_c c USING (i, j);

        CREATE TABLE tv_grouped_using AS
        SELECT i, count(c.m) AS n, sum(k) AS k FROM tb_a LEFT JOIN tb_b USING (i) LEFT JOIN tb_c c USING (i) GROUP BY i;

        -- tviews:key=i,step
        CREATE TABLE tv_steps AS
        SELECT * FROM tb_b b, generate_series(1, b.k % 4) step WHERE step IS NOT NULL;

        -- tviews:key=i,n
        CREATE TABLE tv_digits AS
        SELECT b.i, d.digit, d.n FROM tb_b b CROSS JOIN LATERAL unnest(string_to_array(b.k::text, NULL)) WITH ORDINALITY d (digit, n);

        -- tviews:key=i,n
        CREATE TABLE tv_counted AS
        SELECT a.i, g.* FROM tb_a a CROSS JOIN LATERAL generate_series(1, a.j % 4) WITH ORDINALITY g (x, n);

        -- tviews:key=i
        CREATE TABLE tv_labelled AS
        SELECT * FROM tb_a a, LATERAL (VALUES (a.j % 2 = 0, 'even'), (a.j % 2 <> 0, 'odd')) v (hit, label) WHERE v.hit;

        CREATE TABLE tv_neighbours AS
        WITH x AS (SELECT i, j FROM tb_a)
        SELECT x.i, (SELECT y.j FROM x y WHERE y.i = x.i + 1) AS next_j,
               EXISTS (SELECT 1 FROM x z WHERE z.j = x.j AND z.i <> x.i) AS shared
        FROM x;

        CREATE TABLE tv_cte_counts AS
        WITH n AS (SELECT i, count(*) AS n FROM tb_b GROUP BY i)
        SELECT n1.i, n1.n, n2.n AS next_n FROM n n1 LEFT JOIN n n2 ON n2.i = n1.i + 1;

        CREATE TABLE tv_cte_chain AS
        WITH x AS (SELECT * FROM tb_a), y AS (SELECT x.i, x.j FROM x JOIN x x2 USING (i) WHERE x2.j > 10)
        SELECT y.i, y.j, b.k FROM y JOIN tb_b b USING (i) WHERE y.i IN (SELECT i FROM x);
        """;

    [Fact]
    public async Task JoinAndCteVariantsStayExactUnderRandomWorkload()
    {
        await using var db = await WorkloadDatabase.CreateAsync("joinshapes", Schema, JoinDefinitions, output.WriteLine);
        var conn = db.Connection;
        Assert.Equal(13, db.Applied.Created.Count);
        // WITH ORDINALITY numbers a call's rows: never NULL, and unique with the call's arguments. tv_digits'
        // key is proven (its argument is NOT NULL); tv_counted's argument may be NULL, and tv_steps has no
        // ordinality: both keys are taken as given and checked as such at run time.
        Assert.False(await ChecksDuplicateKeysAsync(conn, "digits"));
        Assert.True(await ChecksDuplicateKeysAsync(conn, "counted"));
        Assert.True(await ChecksDuplicateKeysAsync(conn, "steps"));
        // USING merges its columns into one, first, then the other columns of each side (PostgreSQL's `*`).
        Assert.Equal(["i", "j", "k", "m"], await ColumnsAsync(conn, "tv_abc"));
        Assert.Equal(["i", "k", "j", "m"], await ColumnsAsync(conn, "tv_nested"));
        Assert.Equal(["i", "j", "m"], await ColumnsAsync(conn, "tv_two_columns"));

        var committed = await WorkloadRunner.RunRandomAsync(conn, db.Definitions, 500, Statement, output.WriteLine);
        Assert.True(committed > 250, $"only {committed} transactions committed");
        await ExecuteAsync(conn, "TRUNCATE tb_a CASCADE");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after TRUNCATE tb_a CASCADE");
    }

    /// <summary>Whether the key is taken as given, unproven (every apply function checks for a repeated key; the message says which kind).</summary>
    private static async Task<bool> ChecksDuplicateKeysAsync(NpgsqlConnection conn, string entity) =>
        (await ScalarAsync<string>(conn, $"SELECT pg_get_functiondef('pg_tviews_apply_{entity}'::regproc)")).Contains("given explicitly and is not provably unique", StringComparison.Ordinal);

}

/// <summary>The shapes of issue 16 that stay refused: each with its position, and nothing created.</summary>
public sealed class ShapeRefusalTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ExecuteAsync("DROP TABLE IF EXISTS tb_c, tb_b, tb_a CASCADE; DROP AGGREGATE IF EXISTS my_sum (int);" + ShapeTests.Schema);
        await new TViewsEngine(db.ConnectionString).InstallAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    // A key given explicitly must address the one row: a constant, not an aggregate's value.
    [InlineData("SELECT count(*) AS n, sum(i) FROM tb_a", "n",
        "line 1, column 8: an aggregate without GROUP BY gives exactly one row, so its key column \"n\" must be a constant: give no key (TViews then keys the row by a column of its own, pg_tviews_one_row)")]
    // The added key's name is TViews' own: a definition may not write it.
    [InlineData("SELECT count(*) AS pg_tviews_one_row FROM tb_a", null,
        "line 1, column 20: \"pg_tviews_one_row\": names beginning with pg_tviews_ are reserved for TViews")]
    [InlineData("SELECT true AS pg_tviews_one_row, count(*) FROM tb_a", null,
        "line 1, column 16: \"pg_tviews_one_row\": names beginning with pg_tviews_ are reserved for TViews")]
    // One group, but no column: nothing to show, the added key aside.
    [InlineData("SELECT FROM tb_a HAVING count(*) > 1", null,
        "line 1, column 1: the select list is empty: a TVIEW needs at least one column, its key")]
    // Refused after the key was added to the definition view: that is rolled back too.
    [InlineData("SELECT count(*) FROM tb_a a\nWHERE a.j > random() * 10", null,
        "line 2, column 13: volatile function random() is not maintainable")]
    [InlineData("SELECT (SELECT max(a.xmin::text) FROM tb_a a) AS newest", null,
        "line 1, column 20: system column xmin is not maintainable")]
    public async Task RefusedWithTheirPosition(string sql, string? key, string message)
    {
        var e = await Assert.ThrowsAsync<AnalysisException>(() =>
            new TViewsEngine(db.ConnectionString).CreateAsync(TViewDefinition.FromSelect("tv_bad", sql, key is null ? null : [key])));
        Assert.StartsWith(message, e.Message);
        await AssertNothingCreatedAsync("bad");
    }

    [Theory]
    [InlineData("SELECT s.i FROM (SELECT * FROM tb_a TABLESAMPLE BERNOULLI (5)) s", "line 1, column 37: TABLESAMPLE is not supported")]
    [InlineData("WITH x AS (SELECT i FROM tb_a a TABLESAMPLE SYSTEM (10) REPEATABLE (7)) SELECT i FROM x", "line 1, column 33: TABLESAMPLE is not supported")]
    public void TableSampleIsRefusedByNameWherever(string sql, string message)
    {
        var e = Assert.Throws<SqlSyntaxException>(() => TViewDefinition.FromSelect("tv_bad", sql));
        Assert.StartsWith(message, e.Message);
    }

    private async Task AssertNothingCreatedAsync(string entity)
    {
        await using var c = await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM pg_tviews_metadata WHERE entity_name = @e) + (SELECT count(*) FROM pg_class WHERE relname IN ('tv_' || @e, 'pg_tviews_v_' || @e))", c);
        cmd.Parameters.AddWithValue("e", entity);
        Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
    }
}
