using Spectre.Console;
using TViews.Cli.Bench;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Bench;

/// <summary>
/// The benchmark's deferred mode, its multi-statement transactions (transactions/) and its concurrent
/// workloads beyond the "with deletes" mix. Nothing here asserts on time: the targets are computed
/// from made-up samples, and the end-to-end run checks only that everything ran and verified.
/// </summary>
public sealed class DeferredBenchTests
{
    [Fact]
    public void TheDeferredModeRunsWithPgOptions()
    {
        Assert.Equal("deferred", Modes.SessionMode(Modes.TViewsDeferred));
        Assert.Null(Modes.SessionMode(Modes.TViews));
        Assert.Empty(Modes.Environment(Modes.TViews, "-c work_mem=64MB"));
        Assert.Empty(Modes.Environment(Modes.Raw, null));
        Assert.Equal("-c pg_tviews.mode=deferred", Modes.Environment(Modes.TViewsDeferred, null)["PGOPTIONS"]);
        Assert.Equal("-c work_mem=64MB -c pg_tviews.mode=deferred", Modes.Environment(Modes.TViewsDeferred, " -c work_mem=64MB ")["PGOPTIONS"]);
        Assert.True(Modes.IsTViews(Modes.TViewsDeferred));
        Assert.False(Modes.HasReadModels(Modes.Raw));
    }

    [Fact]
    public void TransactionsAreOpsAfterTheSingleStatementOnes()
    {
        using var dir = new TempWorkload();
        var w = BenchWorkload.Load(dir.Path);
        Assert.Equal(["op1", "op2", "op3", "op4", "op5", "op6", "op7", "op8", "op9", "op10"], w.Ops.Select(o => o.ShortName));
        var op9 = w.Ops.Single(o => o.ShortName == "op9");
        Assert.Equal(OpKind.Transaction, op9.Kind);
        Assert.Equal(50, op9.DefaultTransactions);
        Assert.EndsWith(Path.Combine("transactions", "op9_batch_comments.sql"), op9.Path);
        Assert.Equal(200, w.Ops.Single(o => o.ShortName == "op10").DefaultTransactions);
        Assert.Equal(["op3", "op9"], BenchWorkload.SelectOps(w.Ops, "op9_batch_comments,op3").Select(o => o.ShortName));
        // op5 deletes posts that op9 and op10 may pick by number: it runs last.
        Assert.Equal(["op1", "op2", "op3", "op4", "op6", "op7", "op8", "op9", "op10", "op5"], BenchWorkload.ExecutionOrder(w.Ops).Select(o => o.ShortName));
        // Without transactions/ the workload is still one.
        Assert.DoesNotContain(BenchWorkload.Load(RepoPaths.SampleDirectory("blog")).Ops, o => o.Kind == OpKind.Transaction);
    }

    [Fact]
    public void DeferredRatiosAgainstEveryOtherMode()
    {
        var op = NewOp("op9", OpKind.Transaction);
        op.SamplesMs[Modes.Raw] = [8, 9, 10];
        op.SamplesMs[Modes.Handwritten] = [60, 70, 66];
        op.SamplesMs[Modes.TViews] = [62, 61, 63];
        op.SamplesMs[Modes.TViewsDeferred] = [12, 13, 11];
        op.ComputeRatios(Modes.All);
        Assert.Equal(12.0, op.MedianMs[Modes.TViewsDeferred]);
        Assert.Equal(12.0 / 9, op.DeferredOverRaw!.Value, 9);
        Assert.Equal(12.0 / 66, op.DeferredOverHandwritten!.Value, 9);
        Assert.Equal(12.0 / 62, op.DeferredOverTViews!.Value, 9);
        Assert.Equal(Stats.Median([12.0 / 62, 13.0 / 61, 11.0 / 63]), op.PairedDeferredOverTViews);
        Assert.Equal(62.0 / 66, op.TViewsOverHandwritten!.Value, 9);

        // A failed run: medians of what ran, no paired ratios.
        var failed = NewOp("op1", OpKind.SingleRow);
        failed.SamplesMs[Modes.TViews] = [1, 1];
        failed.SamplesMs[Modes.TViewsDeferred] = [1.1];
        failed.Errors[Modes.TViewsDeferred] = "pgbench exit 2";
        failed.ComputeRatios([Modes.TViews, Modes.TViewsDeferred]);
        Assert.Equal(1.1, failed.DeferredOverTViews!.Value, 9);
        Assert.Null(failed.PairedDeferredOverTViews);
        Assert.Null(failed.DeferredOverRaw);
    }

    [Fact]
    public void TheIssueTargetsForDeferredMode()
    {
        var report = NewReport();
        var op1 = NewOp("op1", OpKind.SingleRow);
        op1.SamplesMs[Modes.TViews] = [1.0];
        op1.SamplesMs[Modes.TViewsDeferred] = [1.2];
        var op9 = NewOp("op9", OpKind.Transaction);
        op9.SamplesMs[Modes.Raw] = [8];
        op9.SamplesMs[Modes.TViewsDeferred] = [11];
        var op10 = NewOp("op10", OpKind.Transaction);
        op10.SamplesMs[Modes.Handwritten] = [14];
        op10.SamplesMs[Modes.TViewsDeferred] = [8];
        foreach (var op in new[] { op1, op9, op10 })
        {
            op.ComputeRatios(Modes.All);
            report.Ops.Add(op);
        }
        report.Concurrent.Add(new ConcurrentResult(ConcurrentWorkload.Think, Modes.Handwritten, 8, 20, 1000, 20000, 0, 0, 0, null));
        report.Concurrent.Add(new ConcurrentResult(ConcurrentWorkload.Think, Modes.TViewsDeferred, 8, 20, 950, 19000, 0, 0, 0, null));
        report.Concurrent.Add(new ConcurrentResult(ConcurrentWorkload.Think, Modes.TViewsDeferred, 4, 20, 10, 200, 0, 0, 0, null));
        Targets.Evaluate(report, []);

        TargetResult Subject(string s) => report.Targets.Single(t => t.Subject == s);
        Assert.Equal(false, Subject("op1 deferred/immediate").Met);
        Assert.True(Subject("op9 deferred/raw").Met);
        Assert.Equal(11.0 / 8, Subject("op9 deferred/raw").Value!.Value, 9);
        Assert.Equal(false, Subject("op10 deferred/handwritten").Met);
        Assert.True(Subject("deferred/handwritten tps").Met);
        Assert.Equal(0.95, Subject("deferred/handwritten tps").Value!.Value, 9);
        // Transactions are not single-statement ops.
        Assert.DoesNotContain(report.Targets, t => t.Subject is "op9 deferred/immediate" or "op10 deferred/immediate");

        // Without the deferred mode, none of its targets.
        var without = NewReport();
        var plain = NewOp("op1", OpKind.SingleRow);
        plain.SamplesMs[Modes.TViews] = [1.0];
        plain.ComputeRatios([Modes.TViews]);
        without.Ops.Add(plain);
        Targets.Evaluate(without, []);
        Assert.DoesNotContain(without.Targets, t => t.Target.Contains("deferred", StringComparison.Ordinal));
    }

    [Fact]
    public void PrintsTheDeferredAndConcurrentTables()
    {
        var report = NewReport();
        var op = NewOp("op9", OpKind.Transaction);
        foreach (var mode in Modes.All) op.SamplesMs[mode] = [10];
        op.ComputeRatios(Modes.All);
        report.Ops.Add(op);
        foreach (var mode in Modes.All)
            report.Concurrent.Add(new ConcurrentResult(ConcurrentWorkload.Think, mode, 8, 20, 100, 2000, 0, 0, mode == Modes.Handwritten ? 2 : 0, null));
        report.Concurrent.Add(new ConcurrentResult(ConcurrentWorkload.Deletes, Modes.TViewsDeferred, 1, 20, null, null, null, null, 0, "pgbench exit 2: boom"));
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        BenchReportPrinter.Print(console, report);
        var output = text.ToString();
        Assert.Contains("Deferred mode", output);
        Assert.Contains("Concurrent: think time", output);
        Assert.Contains("Concurrent: with deletes", output);
        Assert.Contains("TViews deferred", output);
        Assert.Contains("(2)", output);
        Assert.Contains("concurrent deletes 1 tviews-deferred: pgbench exit 2: boom", output);
    }

    [Fact]
    public async Task RunsTransactionsAndThinkTimeInEveryModeAndVerifies()
    {
        using var dir = new TempWorkload();
        var log = new StringWriter();
        var options = new BenchOptions
        {
            Scale = 0.01,
            OpsSpec = "op3,op9",
            Rounds = 1,
            Transactions = TransactionSpec.Parse("10"),
            BenchDirectory = dir.Path,
            Connection = await TestServer.AdminConnectionStringAsync(),
            ConcurrentClients = [2],
            ConcurrentWorkloads = ConcurrentWorkload.Parse("think"),
            ConcurrentSeconds = 2,
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var report = await new BenchRunner(options, new TextBenchProgress(log)).RunAsync(cts.Token);

        Assert.True(report.Build.Errors.Count == 0, string.Join("\n", report.Build.Errors.Values) + "\n" + log);
        Assert.DoesNotContain(report.Errors, e => e.StartsWith("mode", StringComparison.Ordinal));
        Assert.Equal(["op3", "op9"], report.Ops.Select(o => o.Op));
        foreach (var op in report.Ops)
        {
            Assert.True(op.Errors.Count == 0, string.Join("\n", op.Errors.Values) + "\n" + log);
            foreach (var mode in Modes.All) Assert.Single(op.SamplesMs[mode]);
            Assert.NotNull(op.DeferredOverRaw);
            Assert.NotNull(op.DeferredOverHandwritten);
            Assert.NotNull(op.DeferredOverTViews);
        }
        Assert.Equal(Modes.All.Order(StringComparer.Ordinal), report.Concurrent.Select(c => c.Mode).Order(StringComparer.Ordinal));
        Assert.All(report.Concurrent, c =>
        {
            Assert.True(c.Error is null, $"{c.Mode}: {c.Error}\n{log}");
            Assert.Equal(ConcurrentWorkload.Think, c.Workload);
            Assert.True(c.Transactions > 0, $"{c.Mode} ran no transaction\n{log}");
        });
        // Each TViews mode after its concurrent run, and after the ops: its read models, and an empty queue.
        Assert.Equal(5, report.Verification.Count(v => v.Mode == "tviews-deferred, think 2"));
        Assert.Equal(9, report.Verification.Count(v => v.Mode == Modes.TViewsDeferred));
        Assert.Contains(report.Verification, v => v.Mode == Modes.TViewsDeferred && v.Check == "queue empty");
        Assert.All(report.Verification, v => Assert.True(v.Ok, $"{v.Mode} {v.Model} ({v.Check}): {v.Error} {v.Missing} missing, {v.Extra} extra {string.Join(" | ", v.Samples)}"));
        Assert.True(report.SourcesIdentical, string.Join("; ", report.SourceRowCounts.Select(kv => $"{kv.Key}: {string.Join(",", kv.Value)}")));
        Assert.Contains(report.Targets, t => t.Subject == "op9 deferred/raw");
    }

    private static BenchReport NewReport() => new()
    {
        Config = new BenchConfig(0.1, 10000, 1000, 1, 1, 42, Modes.All, [], "/bench", "test"),
    };

    private static OpResult NewOp(string name, OpKind kind) =>
        new() { Op = name, Name = name, Kind = kind.ToString(), Transactions = 1, WarmupTransactions = 1 };

    /// <summary>samples/blog copied to a temporary directory, with a transactions/ and a think-time script of its schema.</summary>
    private sealed class TempWorkload : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tviews-bench-{Guid.NewGuid():N}");

        public TempWorkload()
        {
            var sample = RepoPaths.SampleDirectory("blog");
            foreach (var file in Directory.GetFiles(sample, "*", SearchOption.AllDirectories))
            {
                var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(sample, file));
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "transactions"));
            // Three comments on one post, one INSERT each, one transaction (INSERT ... SELECT: a deleted post inserts nothing).
            var inserts = string.Concat(Enumerable.Range(0, 3).Select(i => $"""
                INSERT INTO tb_comment (id, fk_post, fk_author, body, posted_at)
                SELECT md5('op9:' || :n || ':{i}')::uuid, p.pk_post, :user, 'Batch comment {i}', p.created_at + interval '1 day'
                FROM tb_post p WHERE p.pk_post = :post;

                """));
            File.WriteAllText(System.IO.Path.Combine(Path, "transactions", "op9_batch_comments.sql"),
                "\\set post random(1, :posts)\n\\set user random(1, :users)\n\\set n random(1, 1000000000000000)\nBEGIN;\n" + inserts + "COMMIT;\n");
            File.WriteAllText(System.IO.Path.Combine(Path, "transactions", "op10_unit_of_work.sql"),
                "\\set post random(1, :posts)\n\\set n random(1, 1000000000)\nBEGIN;\n" +
                "UPDATE tb_post SET title = 'Unit ' || :n WHERE pk_post = :post;\n" +
                "UPDATE tb_post SET title = title || '.' WHERE pk_post = :post;\nCOMMIT;\n");
            File.WriteAllText(System.IO.Path.Combine(Path, "concurrent", "think_post_title.sql"),
                "\\set post random(1, :posts)\n\\set n random(1, 1000000000)\nBEGIN;\n" +
                "UPDATE tb_post SET title = 'Think ' || :n WHERE pk_post = :post;\nSELECT pg_sleep(0.001);\nCOMMIT;\n");
        }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { /* a leftover temp directory is harmless */ }
        }
    }
}
