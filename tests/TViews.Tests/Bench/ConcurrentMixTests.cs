using TViews.Cli.Bench;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Bench;

/// <summary>
/// <c>tviews bench --concurrent</c>: the workloads of concurrent/ run by pgbench with several clients
/// (here the "with deletes" mix, hand-written and TViews). Throughput is whatever it is; what is asserted is that it runs, counts
/// deadlocks, and that TViews neither deadlocks nor diverges.
/// </summary>
public sealed class ConcurrentMixTests
{
    [Fact]
    public void ParsesRetriesAndFailuresOfAMultiScriptRun()
    {
        const string output = """
            transaction type: multiple scripts
            number of clients: 4
            maximum number of tries: 50
            duration: 20 s
            number of transactions actually processed: 4663
            number of failed transactions: 0 (0.000%)
            number of transactions retried: 9 (0.193%)
            total number of retries: 9
            latency average = 17.143 ms
            initial connection time = 9.480 ms
            tps = 233.255726 (without initial connection time)
            SQL script 1: ops/op1_post_title.sql
             - number of failed transactions: 0 (0.000%)
             - number of transactions retried: 2 (0.172%)
            """;
        var (retried, failed) = PgbenchRetries.Parse(output);
        Assert.Equal(9L, retried);
        Assert.Equal(0L, failed);
        Assert.Equal(233.255726, PgbenchOutput.Parse(output).Tps);
        var (noRetries, noFailures) = PgbenchRetries.Parse("pgbench: error: connection failed");
        Assert.Null(noRetries);
        Assert.Null(noFailures);
    }

    [Fact]
    public void ClientCountsAreParsed()
    {
        Assert.Equal([1, 2, 4, 8], BenchOptions.ParseClients("1, 2,4,8,4"));
        Assert.Empty(BenchOptions.ParseClients(null));
        Assert.Throws<ArgumentException>(() => BenchOptions.ParseClients("1,0"));
    }

    [Fact]
    public void TheDeletesMixIsFoundInTheSampleAndMissingElsewhere()
    {
        var deletes = ConcurrentWorkload.All.Single(w => w.Name == ConcurrentWorkload.Deletes);
        var sample = RepoPaths.SampleDirectory("blog");
        Assert.Null(deletes.MissingFile(sample));
        var args = deletes.PgbenchArguments(sample, 4, 20, 1000, 100, 7);
        Assert.Equal(4, args.Count(a => a == "-f"));
        Assert.Contains("--max-tries=50", args);
        Assert.Contains(Path.Combine(sample, "concurrent/post_delete_high.sql") + "@1", args);
        Assert.EndsWith("op1_post_title.sql", deletes.MissingFile(Path.GetTempPath()));
        // The sample has no think-time script (and names op2 differently): those workloads are skipped there.
        Assert.NotNull(ConcurrentWorkload.All.Single(w => w.Name == ConcurrentWorkload.Think).MissingFile(sample));
        Assert.NotNull(ConcurrentWorkload.All.Single(w => w.Name == ConcurrentWorkload.AppMix).MissingFile(sample));
    }

    [Fact]
    public void WorkloadsAreSelectedByNameAndWeighted()
    {
        Assert.Equal(ConcurrentWorkload.All, ConcurrentWorkload.Parse(null));
        Assert.Equal([ConcurrentWorkload.Deletes, ConcurrentWorkload.Think], ConcurrentWorkload.Parse("think, DELETES").Select(w => w.Name));
        Assert.Throws<ArgumentException>(() => ConcurrentWorkload.Parse("thnik"));
        var app = ConcurrentWorkload.All.Single(w => w.Name == ConcurrentWorkload.AppMix).PgbenchArguments("/w", 8, 20, 1000, 100, 7);
        Assert.Equal(["/w/ops/op1_post_title.sql@4", "/w/ops/op2_post_viewcount.sql@3", "/w/ops/op3_comment_insert.sql@4", "/w/ops/op4_user_rename.sql@1"],
            app.Where(a => a.StartsWith("/w/", StringComparison.Ordinal)));
        // One script: no weight.
        var think = ConcurrentWorkload.All.Single(w => w.Name == ConcurrentWorkload.Think).PgbenchArguments("/w", 8, 20, 1000, 100, 7);
        Assert.Contains("/w/concurrent/think_post_title.sql", think);
        Assert.Equal(["-c", "8", "-j", "8", "-T", "20"], think.Skip(1).Take(6));
    }

    [Fact]
    public async Task RunsTheMixAndTViewsNeitherDeadlocksNorDiverges()
    {
        var log = new StringWriter();
        var options = new BenchOptions
        {
            Scale = 0.01,
            OpsSpec = "op2",
            Rounds = 1,
            Transactions = TransactionSpec.Parse("5"),
            Modes = [Modes.Handwritten, Modes.TViews],
            BenchDirectory = RepoPaths.SampleDirectory("blog"),
            Connection = await TestServer.AdminConnectionStringAsync(),
            ConcurrentClients = [4],
            ConcurrentSeconds = 3,
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var report = await new BenchRunner(options, new TextBenchProgress(log)).RunAsync(cts.Token);

        Assert.Equal([Modes.Handwritten, Modes.TViews], report.Concurrent.Select(c => c.Mode).Order(StringComparer.Ordinal));
        Assert.All(report.Concurrent, c => Assert.Equal(ConcurrentWorkload.Deletes, c.Workload));
        foreach (var run in report.Concurrent)
        {
            Assert.True(run.Error is null, $"{run.Mode}: {run.Error}\n{log}");
            Assert.Equal(4, run.Clients);
            Assert.True(run.Transactions > 0, $"{run.Mode} ran no transaction\n{log}");
            Assert.NotNull(run.Deadlocks);
        }
        Assert.Equal(0L, report.Concurrent.Single(c => c.Mode == Modes.TViews).Deadlocks);
        var verified = report.Verification.Where(v => v.Mode == "tviews, deletes 4").ToList();
        Assert.Equal(5, verified.Count); // four read models and the deferred queue
        Assert.All(verified, v => Assert.True(v.Ok, $"{v.Model}: {v.Error} {v.Missing} missing, {v.Extra} extra"));
    }
}
