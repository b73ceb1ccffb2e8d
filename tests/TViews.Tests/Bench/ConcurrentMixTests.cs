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
            ConcurrentRounds = 2,
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var report = await new BenchRunner(options, new TextBenchProgress(log)).RunAsync(cts.Token);

        // Two rounds over the cell, each mode once per round.
        Assert.Equal([(Modes.Handwritten, 1), (Modes.Handwritten, 2), (Modes.TViews, 1), (Modes.TViews, 2)],
            report.Concurrent.Select(c => (c.Mode, c.Round)).OrderBy(x => x.Mode, StringComparer.Ordinal).ThenBy(x => x.Round));
        Assert.All(report.Concurrent, c => Assert.Equal(ConcurrentWorkload.Deletes, c.Workload));
        foreach (var run in report.Concurrent)
        {
            Assert.True(run.Error is null, $"{run.Mode}: {run.Error}\n{log}");
            Assert.Equal(4, run.Clients);
            Assert.True(run.Transactions > 0, $"{run.Mode} ran no transaction\n{log}");
            Assert.NotNull(run.Deadlocks);
        }
        Assert.All(report.Concurrent.Where(c => c.Mode == Modes.TViews), c => Assert.Equal(0L, c.Deadlocks));
        // The targets for this mix, from the medians of the two rounds: no TViews deadlock (met),
        // and the throughput ratio at 4 clients (reported, whichever way it goes).
        var noDeadlock = report.Targets.Single(t => t.Target == "with deletes: no deadlock in any TViews run");
        Assert.Equal(true, noDeadlock.Met);
        Assert.Equal("deadlocks in 2 TViews run(s): 0", noDeadlock.Subject);
        var ratio = report.Targets.Single(t => t.Subject == "4 clients, median of 2: TViews/handwritten");
        Assert.Equal(Targets.ConcurrentRatio(report.Concurrent, ConcurrentWorkload.Deletes, 4, Modes.TViews, Modes.Handwritten), ratio.Value);
        foreach (var round in new[] { 1, 2 })
        {
            var verified = report.Verification.Where(v => v.Mode == $"tviews, deletes 4, round {round}").ToList();
            Assert.Equal(5, verified.Count); // four read models and the deferred queue
            Assert.All(verified, v => Assert.True(v.Ok, $"{v.Model}: {v.Error} {v.Missing} missing, {v.Extra} extra"));
        }
    }

    [Fact]
    public void ConcurrentTargetsUseTheMediansOfTheRoundsAndCountEveryTViewsDeadlock()
    {
        var report = new BenchReport { Config = new BenchConfig(0.1, 10000, 1000, 1, 1, 42, Modes.All, [], "/w", "test") };
        void Run(string workload, string mode, int clients, double tps, long deadlocks = 0, int round = 1) =>
            report.Concurrent.Add(new ConcurrentResult(workload, mode, clients, 15, tps, (long)tps * 15, 0, 0, deadlocks, null) { Round = round });
        // with deletes at 2 clients: medians 500 (hw) and 600 (TViews), whatever the single runs say;
        // round by round 1.5x, 0.6x and 0.78x.
        Run(ConcurrentWorkload.Deletes, Modes.Handwritten, 2, 400, 3, round: 1);
        Run(ConcurrentWorkload.Deletes, Modes.Handwritten, 2, 500, 1, round: 2);
        Run(ConcurrentWorkload.Deletes, Modes.Handwritten, 2, 900, 0, round: 3);
        Run(ConcurrentWorkload.Deletes, Modes.TViews, 2, 600, round: 1);
        Run(ConcurrentWorkload.Deletes, Modes.TViews, 2, 300, round: 2);
        Run(ConcurrentWorkload.Deletes, Modes.TViews, 2, 700, round: 3);
        // at 8 clients TViews behind, with one deadlock; at 1 client no target.
        Run(ConcurrentWorkload.Deletes, Modes.Handwritten, 8, 400, 9);
        Run(ConcurrentWorkload.Deletes, Modes.TViews, 8, 300, 1);
        Run(ConcurrentWorkload.Deletes, Modes.Handwritten, 1, 300);
        Run(ConcurrentWorkload.Deletes, Modes.TViews, 1, 200);
        // the app mix at 16 clients, and at 8 with no hand-written run (no target there).
        Run(ConcurrentWorkload.AppMix, Modes.Handwritten, 16, 800);
        Run(ConcurrentWorkload.AppMix, Modes.TViews, 16, 880);
        Run(ConcurrentWorkload.AppMix, Modes.TViews, 8, 880);
        // think time in immediate mode.
        Run(ConcurrentWorkload.Think, Modes.Handwritten, 8, 1000);
        Run(ConcurrentWorkload.Think, Modes.TViews, 8, 850);
        Targets.Evaluate(report, []);

        TargetResult Subject(string s) => report.Targets.Single(t => t.Subject == s);
        var two = Subject("2 clients, median of 3: TViews/handwritten");
        Assert.Equal(600.0 / 500, two.Value!.Value, 9);
        Assert.Equal(true, two.Met);
        Assert.Equal("with deletes, 2, 4, 8 clients: TViews >= 1.0x hand-written tps", two.Target);
        // Met by the median, but only one round of three was: the note says how the rounds spread.
        Assert.Equal([1.5, 0.6, 700.0 / 900], Targets.RoundRatios(report.Concurrent, ConcurrentWorkload.Deletes, 2, Modes.TViews, Modes.Handwritten));
        Assert.Equal("2 clients: rounds 0.60x to 1.50x, 1 of 3 at least 1.00x", two.Note);
        Assert.Equal(false, Subject("8 clients: TViews/handwritten").Met);
        Assert.Null(Subject("8 clients: TViews/handwritten").Note); // one round: nothing to spread
        Assert.DoesNotContain(report.Targets, t => t.Subject.StartsWith("1 clients", StringComparison.Ordinal) || t.Subject.StartsWith("4 clients", StringComparison.Ordinal));
        var deadlocks = report.Targets.Single(t => t.Target == "with deletes: no deadlock in any TViews run");
        Assert.Equal(false, deadlocks.Met);
        Assert.Equal("deadlocks in 5 TViews run(s): 1", deadlocks.Subject);
        var app = report.Targets.Single(t => t.Target == "app mix, 8, 16 clients: TViews >= 1.0x hand-written tps");
        Assert.Equal("16 clients: TViews/handwritten", app.Subject);
        Assert.Equal(1.1, app.Value!.Value, 9);
        Assert.Equal(true, app.Met);
        var think = Subject("TViews/handwritten tps");
        Assert.Equal(0.85, think.Value!.Value, 9);
        Assert.Equal(false, think.Met);
    }
}
