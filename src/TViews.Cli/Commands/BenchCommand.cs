using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using TViews.Cli.Bench;

namespace TViews.Cli.Commands;

/// <summary>
/// <c>tviews bench</c>: the workload of ../shared/bench run four ways (raw, the hand-written
/// yardstick, TViews immediate and deferred) on identical throwaway databases, in alternated rounds; medians, ratios,
/// build and full-refresh times, and a verification of every read model afterwards.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var scale = new Option<double>("--scale") { Description = "Data size: 1 = 10k users, 100k posts, 1M comments (10000 x scale must be whole)", DefaultValueFactory = _ => 0.1 };
        var ops = new Option<string?>("--ops") { Description = "Operations to run, e.g. op1,op3,op9 (default: every file in ops/ and transactions/)" };
        var json = new Option<string?>("--json") { Description = "Also write every sample, median and ratio to this JSON file" };
        var rounds = new Option<int>("--rounds") { Description = "Alternated timed runs per operation and mode (median reported)", DefaultValueFactory = _ => 3 };
        var buildRounds = new Option<int>("--build-rounds") { Description = "Alternated builds of the read models per way of building", DefaultValueFactory = _ => 1 };
        var transactions = new Option<string?>("--transactions") { Description = "pgbench transactions per run: N for all ops, op=N for one (e.g. 100,op8=5); default per op" };
        var modes = new Option<string?>("--modes") { Description = "Modes to run: raw,handwritten,tviews,tviews-deferred (default: all)" };
        var benchDir = new Option<string?>("--bench-dir") { Description = "The workload directory (default: ../shared/bench beside the repository root)" };
        var seed = new Option<int>("--seed") { Description = "Base pgbench random seed (each round uses its own, the same in every mode)", DefaultValueFactory = _ => 42 };
        var keep = new Option<bool>("--keep") { Description = "Keep the benchmark databases on an existing server (for EXPLAIN afterwards)" };
        var concurrent = new Option<string?>("--concurrent", "--clients") { Description = "Also run the concurrent workloads (every mode) at these client counts, e.g. 1,4,8,16" };
        var concurrentWorkloads = new Option<string?>("--concurrent-workloads") { Description = "Concurrent workloads to run: app-mix,deletes,think,unit-of-work (default: all)" };
        var concurrentSeconds = new Option<int>("--concurrent-seconds") { Description = "Seconds per run of the concurrent mix", DefaultValueFactory = _ => 20 };
        var concurrentRounds = new Option<int>("--concurrent-rounds") { Description = "Runs of each concurrent workload, client count and mode, in alternated rounds (median reported)", DefaultValueFactory = _ => 1 };
        var locking = new Option<string?>("--locking") { Description = "Locking of the TViews read models that allow key locks: whole (as built), auto or key (docs/design.md, Key-level locking)" };

        var command = new Command("bench", "Benchmark TViews against the hand-written yardstick and no read models (../shared/bench)")
        {
            scale, ops, json, rounds, buildRounds, transactions, modes, benchDir, seed, keep, concurrent, concurrentWorkloads, concurrentSeconds, concurrentRounds, locking,
        };
        command.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var connection = pr.GetValue(CommonOptions.Connection);
            if (string.IsNullOrWhiteSpace(connection)) connection = Environment.GetEnvironmentVariable("TVIEWS_CONNECTION");
            var options = new BenchOptions
            {
                Scale = pr.GetValue(scale),
                OpsSpec = pr.GetValue(ops),
                Rounds = pr.GetValue(rounds),
                BuildRounds = pr.GetValue(buildRounds),
                Transactions = TransactionSpec.Parse(pr.GetValue(transactions)),
                Modes = Modes.Parse(pr.GetValue(modes)),
                BenchDirectory = pr.GetValue(benchDir) is { Length: > 0 } dir ? dir : BenchWorkload.DefaultDirectory(),
                Seed = pr.GetValue(seed),
                Connection = string.IsNullOrWhiteSpace(connection) ? null : connection,
                KeepDatabases = pr.GetValue(keep),
                ConcurrentClients = BenchOptions.ParseClients(pr.GetValue(concurrent)),
                ConcurrentWorkloads = ConcurrentWorkload.Parse(pr.GetValue(concurrentWorkloads)),
                ConcurrentSeconds = pr.GetValue(concurrentSeconds),
                ConcurrentRounds = pr.GetValue(concurrentRounds),
                Locking = pr.GetValue(locking),
            };
            options.Validate();
            var jsonPath = pr.GetValue(json);
            var report = await RunWithProgressAsync(options, ct);
            var stdout = AnsiConsole.Console;
            // Redirected output (a file, a pipe) would otherwise wrap the tables at 80 columns.
            if (Console.IsOutputRedirected) stdout.Profile.Width = 140;
            BenchReportPrinter.Print(stdout, report);
            if (jsonPath is { Length: > 0 })
            {
                await File.WriteAllTextAsync(jsonPath, Serialize(report), ct);
                Console.Error.WriteLine($"wrote {jsonPath}");
            }
            // Timing targets are reported, never an exit status; a read model that diverges is.
            return report.Verification.All(v => v.Ok) ? 0 : 2;
        }));
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(CommandRunner.Json)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people and scripts, not HTML
    };

    public static string Serialize(BenchReport report) => JsonSerializer.Serialize(report, JsonOptions);

    /// <summary>A live progress display on stderr when it is a terminal; plain lines otherwise.</summary>
    private static async Task<BenchReport> RunWithProgressAsync(BenchOptions options, CancellationToken ct)
    {
        if (Console.IsErrorRedirected)
            return await new BenchRunner(options, new TextBenchProgress(Console.Error)).RunAsync(ct);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("benchmark");
                return await new BenchRunner(options, new SpectreBenchProgress(console, task)).RunAsync(ct);
            });
    }

}
