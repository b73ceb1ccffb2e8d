using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>Executes workload transactions and reports how each ended, so two databases can be compared.</summary>
public static class WorkloadRunner
{
    public static async Task<string> RunAsync(NpgsqlConnection conn, WorkloadTransaction tx)
    {
        await using var t = await conn.BeginTransactionAsync();
        foreach (var sql in tx.Statements)
        {
            try
            {
                await using var cmd = new NpgsqlCommand(sql, conn, t) { CommandTimeout = 600 };
                await cmd.ExecuteNonQueryAsync();
            }
            catch (PostgresException e)
            {
                await t.RollbackAsync();
                return $"error {e.SqlState} in: {sql}";
            }
        }
        if (tx.Rollback) { await t.RollbackAsync(); return "rolled back"; }
        await t.CommitAsync();
        return "committed";
    }

    /// <summary>
    /// Runs <paramref name="transactions"/> random transactions of 1-3 statements (10% rolled back)
    /// from a seed (TestSeed), checking every TVIEW against the oracle every 100; returns the number committed.
    /// </summary>
    public static async Task<int> RunRandomAsync(NpgsqlConnection conn, IReadOnlyList<(string Table, string Definition)> definitions,
        int transactions, Func<Random, int, string> statement, Action<string> log)
    {
        var seed = TestSeed.Pick(303, 1000);
        log($"seed {seed}");
        var rng = new Random(seed);
        var committed = 0;
        for (var i = 0; i < transactions; i++)
        {
            var tx = new WorkloadTransaction(i, Enumerable.Range(0, 1 + rng.Next(3)).Select(_ => statement(rng, i)).ToList(), rng.NextDouble() < 0.1);
            if (await RunAsync(conn, tx) == "committed") committed++;
            if ((i + 1) % 100 == 0) await Oracle.AssertConsistentAsync(conn, definitions, $"seed {seed}, after transaction {i}");
        }
        return committed;
    }

    /// <summary>The (table, definition) pairs of a script of CREATE TABLE tv_x AS ... statements, for the oracle.</summary>
    public static List<(string Table, string Definition)> Definitions(string script) =>
        TViewDefinition.FromScript(script).Select(d => (d.Table, d.QueryText)).ToList();

    /// <summary>The sample blog's read models (samples/blog/tviews.sql).</summary>
    public static string BlogReadModelsPath => RepoPaths.Sample("blog", "tviews.sql");

    /// <summary>The sample blog's schema and its deterministic data (scale 1 = 10,000 users, 100,000 posts).</summary>
    public static async Task LoadBlogAsync(string connectionString, double scale)
    {
        await Psql.FileAsync(connectionString, RepoPaths.Sample("blog", "schema.sql"));
        await Psql.FileAsync(connectionString, RepoPaths.Sample("blog", "data.sql"), $"scale={scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    public static async Task<string> CloneDatabaseAsync(string template, string prefix)
    {
        var admin = await TestServer.AdminConnectionStringAsync();
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        var source = new NpgsqlConnectionStringBuilder(template).Database;
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{source}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(template) { Database = name }.ConnectionString;
    }
}
