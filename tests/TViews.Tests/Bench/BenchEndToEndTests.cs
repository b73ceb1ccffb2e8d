using TViews.Cli.Bench;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Bench;

/// <summary>
/// The whole benchmark at a tiny scale on the test server, on the sample blog (samples/blog follows
/// the benchmark's layout): it must run, build every mode and verify every read model. Timings are
/// whatever they are: nothing here asserts on them.
/// </summary>
public sealed class BenchEndToEndTests
{
    [Fact]
    public async Task RunsAtTinyScaleAndVerifies()
    {
        var log = new StringWriter();
        var options = new BenchOptions
        {
            Scale = 0.01,
            OpsSpec = "op1,op3",
            Rounds = 1,
            Transactions = TransactionSpec.Parse("20"),
            BenchDirectory = RepoPaths.SampleDirectory("blog"),
            Connection = await TestServer.AdminConnectionStringAsync(),
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var report = await new BenchRunner(options, new TextBenchProgress(log)).RunAsync(cts.Token);

        Assert.True(report.Build.Errors.Count == 0, string.Join("\n", report.Build.Errors.Values) + "\n" + log);
        Assert.Equal(["op1", "op3"], report.Ops.Select(o => o.Op));
        foreach (var op in report.Ops)
        {
            Assert.Empty(op.Errors);
            foreach (var mode in Modes.All) Assert.Single(op.SamplesMs[mode]);
            Assert.NotNull(op.TViewsOverHandwritten);
        }
        Assert.Equal(4, report.Build.RefreshMedianMs.Count);
        // Every read model of both modes, by this harness's comparison and by the engine's.
        Assert.Equal(4, report.Verification.Count(v => v.Mode == Modes.Handwritten));
        // Both TViews modes: the harness's comparison, the engine's, and the empty deferred queue.
        Assert.Equal(9, report.Verification.Count(v => v.Mode == Modes.TViews));
        Assert.Equal(9, report.Verification.Count(v => v.Mode == Modes.TViewsDeferred));
        foreach (var op in report.Ops) Assert.NotNull(op.DeferredOverTViews);
        Assert.All(report.Verification, v => Assert.True(v.Ok, $"{v.Mode} {v.Model} ({v.Check}): {v.Error} {v.Missing} missing, {v.Extra} extra"));
        Assert.True(report.SourcesIdentical);
        Assert.NotEmpty(report.Targets);
        // The JSON carries the samples.
        Assert.Contains("\"samples_ms\"", TViews.Cli.Commands.BenchCommand.Serialize(report));
    }
}
