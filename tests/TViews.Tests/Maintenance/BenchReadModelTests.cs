using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Acceptance: the four read models of the sample blog (samples/blog/tviews.sql) at scale 0.1 under a randomized
/// workload of 1,000 transactions stay equal to their definitions (checked every 100), and the same
/// workload without TVIEWs leaves identical source rows: maintenance never rejects a valid write.
/// </summary>
public sealed class BenchReadModelTests(ITestOutputHelper output)
{
    private static readonly string[] Sources = ["tb_user", "tb_post", "tb_comment", "tb_tag", "tb_post_tag"];

    [Fact]
    public async Task BenchReadModelsStayExactUnderRandomWorkload()
    {
        var withTViews = await TestServer.CreateDatabaseAsync("bench_tv");
        string? raw = null;
        try
        {
            await WorkloadRunner.LoadBlogAsync(withTViews, 0.1);
            raw = await WorkloadRunner.CloneDatabaseAsync(withTViews, "bench_raw");
            var script = await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath);
            var engine = new TViewsEngine(withTViews, logger: new TViews.Cli.Logging.ActionLogger(output.WriteLine));
            var applied = await engine.ApplyAsync(TViewDefinition.FromScript(script, "tviews.sql"));
            Assert.Equal(["tv_comment", "tv_post", "tv_tag", "tv_user"], applied.Created.Order());
            Assert.True(applied.Created.ToList().IndexOf("tv_comment") < applied.Created.ToList().IndexOf("tv_post"), "created in dependency order");
            var definitions = WorkloadRunner.Definitions(script);

            await using var a = new NpgsqlConnection(withTViews);
            await using var b = new NpgsqlConnection(raw);
            await a.OpenAsync();
            await b.OpenAsync();
            await Oracle.AssertConsistentAsync(a, definitions, "after creation");

            var seed = TestSeed.Pick(77, 1000);
            output.WriteLine($"workload seed {seed}");
            var workload = new BlogWorkload(seed, users: 1000, posts: 10000, comments: 50000);
            var outcomes = new Dictionary<string, int>();
            foreach (var tx in workload.Transactions(1000))
            {
                var ra = await WorkloadRunner.RunAsync(a, tx);
                var rb = await WorkloadRunner.RunAsync(b, tx);
                Assert.True(ra == rb, $"seed {seed}, transaction {tx.Number}: with TVIEWs '{ra}', without '{rb}'\n{string.Join(";\n", tx.Statements)}");
                var kind = ra.StartsWith("error", StringComparison.Ordinal) ? "error" : ra;
                outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
                if ((tx.Number + 1) % 100 == 0)
                    await Oracle.AssertConsistentAsync(a, definitions, $"seed {seed}, after transaction {tx.Number}");
            }
            output.WriteLine(string.Join(", ", outcomes.Select(kv => $"{kv.Key}: {kv.Value}")));
            Assert.True(outcomes.GetValueOrDefault("committed") > 500, "most transactions must commit for the test to mean something");
            foreach (var table in Sources)
                Assert.Equal(await Oracle.RowsAsync(b, table), await Oracle.RowsAsync(a, table));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(withTViews);
            if (raw is not null) await TestServer.DropDatabaseAsync(raw);
        }
    }
}
