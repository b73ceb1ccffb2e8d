using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Security;

/// <summary>
/// Names and literals reach generated PL/pgSQL: in comments, in labels, inside dollar-quoted bodies.
/// A table name with a line break once ended a comment line and a definition literal containing the
/// dollar-quote tag ended the function body, so the rest ran as the applying role's own statement.
/// </summary>
public sealed class GeneratedCodeInjectionTests(ITestOutputHelper output)
{
    private const string Source = "\"tb_evil$pg_tviews$\nDROP TABLE canary; --\"";

    private static readonly string Schema = $"""
        CREATE TABLE canary (x int);
        CREATE TABLE {Source} (pk_evil int PRIMARY KEY, "na$pg_tviews$me" text NOT NULL);
        CREATE TABLE "tb_other
        -- */ $pg_tviews_1$" (pk_other int PRIMARY KEY, fk_evil int REFERENCES {Source} ON DELETE CASCADE, "v$$" text);
        INSERT INTO {Source} VALUES (1, 'a'), (2, 'b');
        INSERT INTO "tb_other
        -- */ $pg_tviews_1$" VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 2, 'z');
        """;

    private static readonly string Definition = $"""
        SELECT e.pk_evil, e."na$pg_tviews$me" || '$pg_tviews$; DROP TABLE canary; --' AS label,
               jsonb_build_object('$pg_tviews$
        DROP TABLE canary; --', (SELECT string_agg(o."v$$", ',' ORDER BY o.pk_other) FROM "tb_other
        -- */ $pg_tviews_1$" o WHERE o.fk_evil = e.pk_evil)) AS "data$pg_tviews$"
        FROM {Source} e
        """;

    [Fact]
    public async Task NamesAndLiteralsThatLookLikeCodeStayData()
    {
        await using var db = await WorkloadDatabase.CreateAsync("injection", Schema, "", output.WriteLine);
        await new TViewsEngine(db.ConnectionString).CreateAsync(TViewDefinition.FromSelect("tv_odd", Definition));
        var defs = new List<(string, string)> { ("tv_odd", Definition) };
        await Oracle.AssertConsistentAsync(db.Connection, defs, "after creation");
        foreach (var sql in new[]
                 {
                     $"UPDATE {Source} SET \"na$pg_tviews$me\" = 'renamed' WHERE pk_evil = 1",
                     "UPDATE \"tb_other\n-- */ $pg_tviews_1$\" SET \"v$$\" = 'w' WHERE pk_other = 3",
                     $"INSERT INTO {Source} VALUES (3, 'c')",
                     "INSERT INTO \"tb_other\n-- */ $pg_tviews_1$\" VALUES (4, 3, 'q')",
                     $"DELETE FROM {Source} WHERE pk_evil = 1",
                 })
        {
            await using (var cmd = new NpgsqlCommand(sql, db.Connection)) await cmd.ExecuteNonQueryAsync();
            await Oracle.AssertConsistentAsync(db.Connection, defs, $"after: {sql}");
        }
        await using (var cmd = new NpgsqlCommand("SELECT pg_tviews_refresh('odd', true)", db.Connection)) await cmd.ExecuteNonQueryAsync();
        await Oracle.AssertConsistentAsync(db.Connection, defs, "after a rebuild");
        await using (var cmd = new NpgsqlCommand("SELECT to_regclass('canary') IS NOT NULL", db.Connection))
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!, "a name or literal ran as a statement and dropped the canary table");
    }

    [Fact]
    public async Task ARuntimeSchemaNamedWithQuotesInstallsAndMaintainsAndADollarIsRefused()
    {
        const string schema = "CREATE TABLE tb_a (pk_a int PRIMARY KEY, name text NOT NULL); INSERT INTO tb_a VALUES (1, 'x');";
        await using var db = await WorkloadDatabase.CreateAsync("odd_runtime", schema, "", output.WriteLine);
        var engine = new TViewsEngine(db.ConnectionString, new TViewsOptions { RuntimeSchema = "rt'x\"y\n-- z" });
        await engine.CreateAsync(TViewDefinition.FromSelect("tv_a", "SELECT pk_a, name FROM tb_a"));
        await using (var cmd = new NpgsqlCommand("UPDATE tb_a SET name = 'y'; INSERT INTO tb_a VALUES (2, 'z'); DELETE FROM tb_a WHERE pk_a = 1", db.Connection))
            await cmd.ExecuteNonQueryAsync();
        await Oracle.AssertConsistentAsync(db.Connection, [("tv_a", "SELECT pk_a, name FROM tb_a")], "with a runtime schema named with quotes");
        Assert.Empty(await engine.VerifyAsync([]));
        var refused = await Assert.ThrowsAsync<TViewsException>(() => new TViewsEngine(db.ConnectionString, new TViewsOptions { RuntimeSchema = "rt$fn$" }).InstallAsync());
        Assert.Contains("bad runtime schema name", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tv_a__b")]
    [InlineData("tv__a")]
    [InlineData("tv_a_")]
    [InlineData("\"tv_A\"")] // (unquoted, tv_A is tv_a)
    [InlineData("tv_dependents")]
    public async Task EntityNamesThatCouldMakeGeneratedNamesCollideAreRefused(string name)
    {
        const string schema = "CREATE TABLE tb_a (pk_a int PRIMARY KEY);";
        await using var db = await WorkloadDatabase.CreateAsync("entity_names", schema, "", output.WriteLine);
        var refused = await Assert.ThrowsAsync<TViewsException>(() => new TViewsEngine(db.ConnectionString).CreateAsync(TViewDefinition.FromSelect(name, "SELECT pk_a FROM tb_a")));
        Assert.Contains("bad TVIEW name", refused.Message, StringComparison.Ordinal);
    }
}
