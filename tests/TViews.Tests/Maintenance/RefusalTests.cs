using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>Every refusal names the problem (and its position when it has one) and changes nothing.</summary>
public sealed class RefusalTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await db.ExecuteAsync("""
            DROP TABLE IF EXISTS tb_item, tb_owner CASCADE;
            DROP VIEW IF EXISTS v_owner;
            CREATE TABLE tb_owner (pk_owner int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_owner int REFERENCES tb_owner, label text, qty int);
            INSERT INTO tb_owner VALUES (1, 'a'), (2, 'b');
            INSERT INTO tb_item VALUES (1, 1, 'x', 1), (2, 1, 'y', 2), (3, 2, 'z', 3);
            CREATE VIEW v_owner AS SELECT * FROM tb_owner;
            """);
        await new TViewsEngine(db.ConnectionString).InstallAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private TViewsEngine Engine => new(db.ConnectionString);

    private async Task AssertNothingCreatedAsync(string entity)
    {
        await using var c = await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM pg_tviews_metadata WHERE entity_name = @e) + (SELECT count(*) FROM pg_class WHERE relname IN ('tv_' || @e, 'pg_tviews_v_' || @e)) + (SELECT count(*) FROM pg_proc WHERE proname IN ('pg_tviews_apply_' || @e, 'pg_tviews_sync_' || @e) OR proname LIKE 'pg\\_tviews\\_' || @e || '\\_\\_%')", c);
        cmd.Parameters.AddWithValue("e", entity);
        Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    private async Task<Exception> RefusedAsync(string name, string sql, string? key = null)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => Engine.CreateAsync(TViewDefinition.FromSelect(name, sql, key?.Split(','))));
        Assert.True(e is TViewsException or AnalysisException, $"unexpected exception type {e.GetType().Name}: {e}");
        await AssertNothingCreatedAsync(name.StartsWith("tv_") ? name[3..] : name);
        return e;
    }

    [Fact]
    public async Task UnknownTableIsRefusedWithItsPosition()
    {
        var e = await RefusedAsync("tv_bad", "SELECT i.pk_item\nFROM tb_nope i");
        Assert.Equal("line 2, column 6: relation \"tb_nope\" does not exist", e.Message);
    }

    [Fact]
    public async Task NamesWithTheReservedPrefixAreRefusedWithTheirPosition()
    {
        var e = await RefusedAsync("tv_bad", "SELECT i.pk_item,\n       i.qty AS pg_tviews_keys1 FROM tb_item i");
        Assert.Equal("line 2, column 17: \"pg_tviews_keys1\": names beginning with pg_tviews_ are reserved for TViews", e.Message);
        e = await RefusedAsync("tv_bad", "SELECT pg_tviews_n.pk_item FROM tb_item pg_tviews_n");
        Assert.StartsWith("line 1, column 8: \"pg_tviews_n\": names beginning with pg_tviews_ are reserved", e.Message);
    }

    [Fact]
    public async Task UnknownColumnIsRefusedWithItsPosition()
    {
        var e = await RefusedAsync("tv_bad", "SELECT i.pk_item, i.nope FROM tb_item i");
        Assert.StartsWith("line 1, column 19: column i.nope does not exist", e.Message);
    }

    [Fact]
    public async Task NonUniqueKeyIsRefused()
    {
        // Refused by the key analysis (KeyUniquenessTests has the other shapes), before any data is read:
        // a key written must hold (one chosen by default makes a multiset instead).
        var e = await RefusedAsync("tv_bad", "SELECT o.name AS pk_bad, o.pk_owner FROM tb_owner o");
        Assert.Contains("the key (pk_bad) is not provably unique: tb_owner.name is not unique", e.Message);
    }

    [Fact]
    public async Task ExplicitKeyMustBeAColumn()
    {
        var e = await RefusedAsync("tv_bad", "SELECT i.pk_item, i.label FROM tb_item i", "nope");
        Assert.Contains("key column \"nope\" is not a column of the definition", e.Message);
    }

    [Theory]
    [InlineData("SELECT *\nFROM tb_item i JOIN tb_item j ON j.pk_item = i.pk_item", "line 1, column 8: column \"pk_item\" specified more than once")]
    [InlineData("SELECT i.pk_item, i.qty,\n       i.label AS qty FROM tb_item i", "line 2, column 8: column \"qty\" specified more than once")]
    public async Task TwoColumnsOfOneNameAreRefusedAtTheItemThatRepeatsIt(string sql, string message)
    {
        var e = await RefusedAsync("tv_bad", sql);
        Assert.StartsWith(message, e.Message);
        Assert.Contains("alias the columns", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT i.pk_item FROM tb_item i ORDER BY i.pk_item LIMIT 2", "line 1, column 58: LIMIT / OFFSET / FETCH is not maintainable incrementally")]
    [InlineData("SELECT i.pk_item, random() AS r FROM tb_item i", "line 1, column 19: volatile function random() is not maintainable")]
    [InlineData("SELECT i.pk_item, now() AS t FROM tb_item i", "line 1, column 19: now() depends on the time it runs")]
    [InlineData("SELECT i.pk_item, rank() OVER (PARTITION BY i.fk_owner ORDER BY i.qty) AS r FROM tb_item i", "line 1, column 45: window function rank() is partitioned by an expression that is not a column of the select list")]
    [InlineData("SELECT pk_item FROM tb_item INTERSECT SELECT pk_owner FROM tb_owner", "line 1, column 29: INTERSECT at the top of a TVIEW definition is not maintainable yet")]
    [InlineData("SELECT o.pk_owner FROM v_owner o", "line 1, column 24: \"public.v_owner\" is a view")]
    [InlineData("SELECT i.fk_owner, count(*) AS n FROM tb_item i GROUP BY ROLLUP (i.fk_owner)", "line 1, column 58: GROUPING SETS / ROLLUP / CUBE are not maintainable yet")]
    public async Task UnsupportedConstructsAreRefusedWithTheirPosition(string sql, string message)
    {
        var e = await RefusedAsync("tv_bad", sql);
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("\"tv_Bad\"")] // quoted: the upper case stays (unquoted, tv_Bad is tv_bad)
    [InlineData("tv_a.")]
    [InlineData("post")]
    [InlineData("tv_a-b")]
    [InlineData("a.b.tv_c")]
    public async Task BadNamesAreRefused(string name)
    {
        var e = await Assert.ThrowsAsync<TViewsException>(() => Engine.CreateAsync(TViewDefinition.FromSelect(name, "SELECT pk_item FROM tb_item")));
        Assert.Contains("bad TVIEW name", e.Message);
    }

    [Theory]
    [InlineData("nosuch.tv_x", "tv_x: schema \"nosuch\" does not exist")]
    [InlineData("\"No Such\".tv_x", "tv_x: schema \"No Such\" does not exist")]
    public async Task AMissingSchemaIsRefusedByName(string name, string message)
    {
        var e = await Assert.ThrowsAsync<TViewsException>(() => Engine.CreateAsync(TViewDefinition.FromSelect(name, "SELECT pk_item FROM tb_item")));
        Assert.Equal(TViewsErrorCode.InvalidDefinition, e.ErrorCode);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyntaxErrorsAreRefusedWithPosition()
    {
        var e = await Assert.ThrowsAsync<TViews.Sql.SqlSyntaxException>(() => Task.FromResult(TViewDefinition.FromSelect("tv_bad", "SELECT pk_item,, label FROM tb_item")));
        Assert.StartsWith("line 1, column 16: expected an expression", e.Message);
    }

    [Fact]
    public async Task CyclesAreRefusedWithThePath()
    {
        await Engine.ApplyAsync(TViewDefinition.FromScript("""
            CREATE TABLE tv_a AS SELECT o.pk_owner, o.name FROM tb_owner o;
            CREATE TABLE tv_b AS SELECT a.pk_owner, a.name FROM tv_a a;
            """));
        var e = await Assert.ThrowsAsync<TViewsException>(() => Engine.ApplyAsync(TViewDefinition.FromScript("""
            CREATE TABLE tv_a AS SELECT o.pk_owner, o.name FROM tb_owner o JOIN tv_b b ON b.pk_owner = o.pk_owner;
            """)));
        Assert.Equal("Circular dependency detected: tv_a -> tv_b -> tv_a", e.Message);
        var e2 = await Assert.ThrowsAsync<TViewsException>(() => Engine.ApplyAsync(TViewDefinition.FromScript("""
            CREATE TABLE tv_c AS SELECT d.pk_owner FROM tv_d d;
            CREATE TABLE tv_d AS SELECT c.pk_owner FROM tv_c c;
            """)));
        Assert.Equal("Circular dependency detected: tv_c -> tv_d -> tv_c", e2.Message);
        await AssertNothingCreatedAsync("c");
        // the refused apply changed nothing: tv_a still reads tb_owner only
        var list = await Engine.ListAsync();
        Assert.Equal(["public.tb_owner"], list.Single(t => t.Entity == "a").Sources);
        await Engine.DropAsync("tv_a", cascade: true, ifExists: false);
    }
}
