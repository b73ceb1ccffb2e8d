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
/// SQL shapes that once crashed the analysis or were refused (docs/sql.md): <c>*</c> over USING /
/// NATURAL joins, set-returning functions and VALUES, a CTE referenced twice, aggregates without
/// GROUP BY (one row, a constant key). Each maintained shape runs under a randomized workload checked
/// by the oracle; the refused ones are refused with their position and create nothing.
/// </summary>
public sealed class SqlCoverageTests(ITestOutputHelper output)
{
    internal const string Schema = """
        CREATE TABLE tb_owner (pk_owner int PRIMARY KEY, name text NOT NULL, region text);
        CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_owner int REFERENCES tb_owner ON DELETE CASCADE,
                              label text, qty int NOT NULL, tags text[]);
        CREATE INDEX ON tb_item (fk_owner);
        CREATE TABLE tb_detail (pk_item int PRIMARY KEY REFERENCES tb_item ON DELETE CASCADE ON UPDATE CASCADE,
                                note text, weight int);
        INSERT INTO tb_owner SELECT g, 'owner ' || g, CASE WHEN g % 4 <> 0 THEN 'r' || (g % 3) END FROM generate_series(1, 22) g;
        INSERT INTO tb_item SELECT g, 1 + g % 22, 'l' || (g % 13), g % 7,
                                   CASE WHEN g % 5 <> 0 THEN ARRAY['t' || (g % 4), 't' || (g % 6)] END
                            FROM generate_series(1, 200) g;
        INSERT INTO tb_detail SELECT g, 'note ' || g, g % 9 FROM generate_series(1, 200) g WHERE g % 7 = 0;
        """;

    private const string Definitions = """
        CREATE TABLE tv_item_detail AS
        SELECT * FROM tb_item JOIN tb_detail USING (pk_item);

        CREATE TABLE tv_item_extra AS
        SELECT * FROM tb_item i LEFT JOIN tb_detail d USING (pk_item);

        CREATE TABLE tv_detail_item AS
        SELECT * FROM tb_detail d RIGHT JOIN tb_item i USING (pk_item);

        CREATE TABLE tv_item_natural AS
        SELECT * FROM tb_detail NATURAL JOIN tb_item;

        -- tviews:key=pk_item
        CREATE TABLE tv_owner_items AS
        SELECT * FROM (SELECT pk_owner AS fk_owner, name, region FROM tb_owner) o JOIN tb_item USING (fk_owner);

        CREATE TABLE tv_item_weight AS
        SELECT s.pk_item, s.label, s.weight FROM (SELECT * FROM tb_item JOIN tb_detail USING (pk_item)) s;

        CREATE TABLE tv_item_note AS
        SELECT pk_item, label, note FROM (SELECT pk_item, i.label, d.note FROM tb_detail d JOIN tb_item i USING (pk_item)) tmp;

        CREATE TABLE tv_item_load AS
        WITH x AS (SELECT pk_item, i.qty, d.weight FROM tb_detail d JOIN tb_item i USING (pk_item)) SELECT * FROM x;

        CREATE TABLE tv_item_owner_name AS
        SELECT * FROM (WITH o AS (SELECT * FROM tb_owner), i AS (SELECT * FROM tb_item)
                       SELECT i.pk_item, o.name FROM i, o WHERE o.pk_owner = i.fk_owner) v;

        -- tviews:key=pk_item,n
        CREATE TABLE tv_item_tag AS
        SELECT * FROM tb_item i CROSS JOIN LATERAL unnest(i.tags) WITH ORDINALITY t (tag, n) WHERE t.n IS NOT NULL;

        -- tviews:key=pk_item,step
        CREATE TABLE tv_item_step AS
        SELECT * FROM tb_item i, generate_series(1, i.qty) step WHERE step IS NOT NULL;

        -- tviews:key=pk_item
        CREATE TABLE tv_item_size AS
        SELECT * FROM tb_item i JOIN (VALUES (0, 'none'), (1, 'one'), (2, 'two'), (3, 'few')) v (qty_value, size) ON v.qty_value = i.qty;

        CREATE TABLE tv_item_siblings AS
        WITH c AS (SELECT i.pk_item, i.fk_owner, i.qty FROM tb_item i WHERE i.qty > 0)
        SELECT c1.pk_item, c1.qty, (SELECT count(*) FROM c c2 WHERE c2.fk_owner = c1.fk_owner) AS siblings FROM c c1;

        CREATE TABLE tv_item_owners AS
        WITH o AS (SELECT pk_owner, name FROM tb_owner)
        SELECT i.pk_item, a.name AS owner_name, b.name AS next_owner_name
        FROM tb_item i JOIN o a ON a.pk_owner = i.fk_owner LEFT JOIN o b ON b.pk_owner = i.fk_owner + 1;

        CREATE TABLE tv_item_totals AS
        SELECT 1 AS pk_item_totals, count(*) AS items, sum(qty) AS qty, max(label) AS top_label, count(DISTINCT fk_owner) AS owners
        FROM tb_item;

        CREATE TABLE tv_region_totals AS
        SELECT 'with region' AS scope, count(*) AS items, sum(i.qty) AS qty
        FROM tb_item i JOIN tb_owner o ON o.pk_owner = i.fk_owner WHERE o.region IS NOT NULL;

        CREATE TABLE tv_busy AS
        SELECT true AS busy, count(*) AS details, sum(weight) AS weight FROM tb_detail HAVING count(*) > 25;

        CREATE TABLE tv_heavy_owners AS
        SELECT 0 AS k, count(*) AS owners, array_agg(o.pk_owner ORDER BY o.pk_owner) AS ids
        FROM tb_owner o WHERE EXISTS (SELECT 1 FROM tb_item i WHERE i.fk_owner = o.pk_owner AND i.qty > 5);
        """;

    [Fact]
    public async Task CoveredShapesStayExactUnderRandomWorkload()
    {
        await using var db = await WorkloadDatabase.CreateAsync("coverage", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        Assert.Equal(18, db.Applied.Created.Count);
        // `*` over a USING join has the merged column once, first (as PostgreSQL expands it).
        Assert.Equal(["pk_item", "fk_owner", "label", "qty", "tags", "note", "weight"], await ColumnsAsync(conn, "tv_item_detail"));
        Assert.Equal(["pk_item", "fk_owner", "label", "qty", "tags", "tag", "n"], await ColumnsAsync(conn, "tv_item_tag"));
        Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_item_totals"));

        var committed = await WorkloadRunner.RunRandomAsync(conn, db.Definitions, 600, Statement, output.WriteLine);
        Assert.True(committed > 300, $"only {committed} transactions committed");
        Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_item_totals"));

        // The one row of an aggregate without GROUP BY stays when its sources empty (count 0, sum NULL),
        // and a HAVING on it removes the row.
        await ExecuteAsync(conn, "DELETE FROM tb_owner");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after deleting every owner (cascading to items and details)");
        await ExecuteAsync(conn, "DELETE FROM tb_item");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after deleting the items without owner");
        Assert.Equal("(1,0,,,0)", await ScalarAsync<string>(conn, "SELECT t::text FROM tv_item_totals t"));
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_busy"));
        await ExecuteAsync(conn, """
            INSERT INTO tb_owner VALUES (1, 'again', 'r1');
            INSERT INTO tb_item SELECT g, 1, 'l', 6, NULL FROM generate_series(1, 40) g;
            INSERT INTO tb_detail SELECT g, 'n', 1 FROM generate_series(1, 30) g;
            """);
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after refilling");
        Assert.Equal("(t,30,30)", await ScalarAsync<string>(conn, "SELECT t::text FROM tv_busy t"));
        await ExecuteAsync(conn, "TRUNCATE tb_item CASCADE");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after TRUNCATE tb_item CASCADE");
        Assert.Equal("(1,0,,,0)", await ScalarAsync<string>(conn, "SELECT t::text FROM tv_item_totals t"));
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var item = S(1 + rng.Next(230));
        var owner = rng.Next(3) == 0 ? S(100 + rng.Next(t + 1)) : S(1 + rng.Next(22));
        var label = $"'l{S(rng.Next(15))}'";
        var tags = rng.Next(4) switch
        {
            0 => "NULL",
            1 => "'{}'",
            2 => $"ARRAY['t{S(rng.Next(6))}']",
            _ => $"ARRAY['t{S(rng.Next(6))}', NULL, 't{S(rng.Next(6))}']",
        };
        var region = rng.Next(3) == 0 ? "NULL" : $"'r{S(rng.Next(3))}'";
        return rng.Next(15) switch
        {
            0 => $"UPDATE tb_item SET qty = {S(rng.Next(9))} WHERE pk_item = {item}",
            1 => $"UPDATE tb_item SET label = {label}, tags = {tags} WHERE pk_item BETWEEN {item} AND {item} + 3",
            2 => $"UPDATE tb_item SET fk_owner = {owner} WHERE pk_item = {item} AND EXISTS (SELECT 1 FROM tb_owner WHERE pk_owner = {owner})",
            3 => $"INSERT INTO tb_item VALUES ({S(300 + t * 10 + rng.Next(10))}, (SELECT pk_owner FROM tb_owner WHERE pk_owner = {owner}), {label}, {S(rng.Next(9))}, {tags}) ON CONFLICT DO NOTHING",
            4 => $"DELETE FROM tb_item WHERE pk_item = {item}",
            5 => $"UPDATE tb_item SET pk_item = pk_item + 100000 WHERE pk_item = {item}",
            6 => $"INSERT INTO tb_detail SELECT pk_item, 'note {S(t)}', {S(rng.Next(9))} FROM tb_item WHERE pk_item BETWEEN {item} AND {item} + 2 ON CONFLICT DO NOTHING",
            7 => $"UPDATE tb_detail SET weight = {S(rng.Next(9))}, note = 'edited {S(t)}' WHERE pk_item = {item}",
            8 => $"DELETE FROM tb_detail WHERE pk_item BETWEEN {item} AND {item} + 10",
            9 => $"UPDATE tb_owner SET name = 'owner renamed {S(t)}', region = {region} WHERE pk_owner = {owner}",
            10 => $"INSERT INTO tb_owner VALUES ({S(100 + t)}, 'new owner', {region}) ON CONFLICT DO NOTHING",
            11 => $"DELETE FROM tb_owner WHERE pk_owner = {(rng.Next(2) == 0 ? S(15 + rng.Next(8)) : S(100 + rng.Next(t + 1)))}",
            12 => $"UPDATE tb_item SET qty = qty + 1 WHERE fk_owner = {owner}",
            13 => $"UPDATE tb_detail SET pk_item = {item} WHERE pk_item = {S(1 + rng.Next(230))}",
            _ => $"UPDATE tb_owner SET pk_owner = pk_owner + 1000 WHERE pk_owner = {owner} AND NOT EXISTS (SELECT 1 FROM tb_item WHERE fk_owner = {owner})",
        };
    }
}

/// <summary>The shapes of docs/sql.md that stay refused: each with its position, and nothing created.</summary>
public sealed class SqlCoverageRefusalTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ExecuteAsync("""
            DROP TABLE IF EXISTS tb_detail, tb_item, tb_owner CASCADE;
            """ + SqlCoverageTests.Schema);
        await new TViewsEngine(db.ConnectionString).InstallAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    // PostgreSQL accepts an empty select list; a TVIEW needs a key column.
    [InlineData("SELECT FROM tb_item i WHERE i.qty > 2",
        "line 1, column 1: the select list is empty: a TVIEW needs at least one column, its key")]
    // (An aggregate without GROUP BY and without a constant key is maintained now: ShapeTests.)
    // (The merged column of a FULL JOIN is COALESCE(d.pk_item, i.pk_item), possibly NULL: `*` over it
    // makes a multiset no column finds, MultisetTests.)
    // (A function in FROM has no known unique key: `*` over it makes a multiset, KeyUniquenessTests.)
    // Rows that depend on the order of reading, and a subquery no key query can follow (pg_ivm's suite).
    [InlineData("SELECT i.pk_item, (SELECT d.pk_item FROM tb_detail d LIMIT 1) AS any_detail FROM tb_item i",
        "line 1, column 60: LIMIT / OFFSET without ORDER BY keeps whichever rows PostgreSQL reads first")]
    [InlineData("SELECT i.pk_item, x.n FROM tb_item i, LATERAL (SELECT DISTINCT ON (d.pk_item % 2) d.pk_item AS n FROM tb_detail d) x",
        "line 1, column 68: DISTINCT ON without ORDER BY keeps whichever row of each group")]
    [InlineData("SELECT g.n FROM generate_series(1, (SELECT count(*) FROM tb_item)::int) g (n)",
        "line 1, column 37: a subquery in the arguments of a function in FROM is not maintainable")]
    [InlineData("SELECT t.pk_item FROM (SELECT i.pk_item FROM tb_item i FOR UPDATE) t",
        "line 1, column 56: locking clauses (FOR UPDATE ...) have no meaning in a TVIEW definition")]
    [InlineData("SELECT i.pk_item, i.xmin AS version FROM tb_item i",
        "line 1, column 19: system column xmin is not maintainable")]
    public async Task RefusedWithTheirPosition(string sql, string message)
    {
        var e = await Assert.ThrowsAsync<AnalysisException>(() => new TViewsEngine(db.ConnectionString).CreateAsync(TViewDefinition.FromSelect("tv_bad", sql)));
        Assert.StartsWith(message, e.Message);
        await AssertNothingCreatedAsync("bad");
    }

    [Fact]
    public void TableSampleIsRefusedByNameWithItsPosition()
    {
        var e = Assert.Throws<SqlSyntaxException>(() => TViewDefinition.FromSelect("tv_bad", "SELECT i.pk_item\nFROM tb_item i TABLESAMPLE BERNOULLI (10)"));
        Assert.Equal("line 2, column 16: TABLESAMPLE is not supported: a sample's rows depend on chance or on where rows are stored, not on the table's contents", e.Message);
        e = Assert.Throws<SqlSyntaxException>(() => TViewDefinition.FromScript("-- samples\nCREATE TABLE tv_bad AS\n  SELECT pk_item FROM ONLY tb_item TABLESAMPLE SYSTEM (50) REPEATABLE (1);"));
        Assert.StartsWith("line 3, column 36: TABLESAMPLE is not supported", e.Message);
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
