using System.CommandLine;
using System.Globalization;
using System.Text;
using TViews.Cli.Fuzz;
using TViews.Cli.Hosting;

namespace TViews.Cli.Commands;

/// <summary>
/// <c>tviews fuzz</c>: the differential fuzzer. Random schemas, definitions and transactions, the
/// oracle after every transaction, findings shrunk to SQL you can paste. Runs on a throwaway local
/// PostgreSQL unless a connection is given (it then needs the right to create databases).
/// </summary>
public static class FuzzCommand
{
    public static Command Create()
    {
        var minutes = new Option<double>("--minutes") { Description = "Time budget for running sets (shrinking a finding may run past it)", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the run: the same seed generates the same sets", DefaultValueFactory = _ => 1 };
        var sets = new Option<int?>("--sets") { Description = "Stop after this many schema/definition sets (default: until the time budget)" };
        var firstSet = new Option<int>("--first-set") { Description = "Number of the first set (with --sets 1: replay one set of a report)", DefaultValueFactory = _ => 0 };
        var transactions = new Option<int>("--transactions") { Description = "Transactions per set", DefaultValueFactory = _ => 500 };
        var noShrink = new Option<bool>("--no-shrink") { Description = "Report findings as found, without shrinking them" };
        var shrinkMinutes = new Option<double>("--shrink-minutes") { Description = "Time budget for shrinking each finding", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string?>("--out") { Description = "Also write each finding's reproduction to this directory (repro-<set>.sql)" };
        var mode = new Option<string>("--mode") { Description = "pg_tviews.mode of the transactions: immediate, deferred, or mixed (switched within transactions)", DefaultValueFactory = _ => "immediate" };
        mode.AcceptOnlyFromAmong("immediate", "deferred", "mixed");
        var locking = new Option<string>("--locking") { Description = "Locking of the TVIEWs that allow key locks: whole (as built), auto or key (docs/design.md, Key-level locking)", DefaultValueFactory = _ => "whole" };
        locking.AcceptOnlyFromAmong("auto", "whole", "key");
        var sessions = new Option<int>("--sessions") { Description = "Concurrent sessions: transactions run this many at a time, retried on serialization failures and deadlocks, the oracle after each round (a finding is shrunk when one session running the transactions in order finds it too)", DefaultValueFactory = _ => 1 };
        var isolation = new Option<string>("--isolation") { Description = "Isolation level of the transactions: read-committed, repeatable-read, serializable, or mixed", DefaultValueFactory = _ => "read-committed" };
        isolation.AcceptOnlyFromAmong("read-committed", "repeatable-read", "serializable", "mixed");
        var single = new Option<bool>("--single-statements") { Description = "Every transaction one statement: with --sessions, a deadlock through TViews' locks is then a defect (docs/design.md, One lock order)" };
        var print = new Option<int?>("--print-set") { Description = "Print the case generated for this set of the seed (schema, rows, definitions, transactions) and exit" };
        var json = CommonOptions.Json();
        var command = new Command("fuzz", "Differential fuzzing: random schemas, TVIEW definitions and transactions checked against the definitions after every transaction")
        {
            minutes, seed, sets, firstSet, transactions, noShrink, shrinkMinutes, outDir, mode, locking, sessions, isolation, single, print, json,
        };
        command.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var options = new FuzzOptions
            {
                Seed = pr.GetValue(seed),
                Duration = TimeSpan.FromMinutes(pr.GetValue(minutes)),
                Sets = pr.GetValue(sets),
                FirstSet = pr.GetValue(firstSet),
                TransactionsPerSet = pr.GetValue(transactions),
                Shrink = !pr.GetValue(noShrink),
                ShrinkBudget = TimeSpan.FromMinutes(pr.GetValue(shrinkMinutes)),
                Mode = pr.GetValue(mode)!,
                Locking = pr.GetValue(locking)!,
                Sessions = pr.GetValue(sessions),
                Isolation = pr.GetValue(isolation)!,
                SingleStatements = pr.GetValue(single),
            };
            if (pr.GetValue(print) is { } set)
            {
                Console.Out.Write(FuzzRunner.Generate(options.Seed, set, options.TransactionsPerSet, options.SingleStatements).Describe());
                return 0;
            }
            if (options.Duration <= TimeSpan.Zero || options.TransactionsPerSet < 1 || options.Sets is < 1 || options.FirstSet < 0 || options.Sessions is < 1 or > 64)
                throw new ArgumentException("--minutes, --transactions and --sets must be positive, --first-set not negative, --sessions from 1 to 64");
            var connection = pr.GetValue(CommonOptions.Connection);
            if (string.IsNullOrWhiteSpace(connection)) connection = Environment.GetEnvironmentVariable("TVIEWS_CONNECTION");
            LocalPostgres? server = null;
            try
            {
                if (string.IsNullOrWhiteSpace(connection))
                {
                    Console.Error.WriteLine("starting a throwaway PostgreSQL (initdb + pg_ctl)...");
                    server = await LocalPostgres.StartAsync(cancellationToken: ct);
                    connection = server.ConnectionString();
                }
                await using var databases = await FuzzDatabases.CreateAsync(connection, ct);
                var report = await new FuzzRunner(databases, options, m => Console.Error.WriteLine(m)).RunAsync(ct);
                if (pr.GetValue(outDir) is { Length: > 0 } dir)
                {
                    Directory.CreateDirectory(dir);
                    foreach (var f in report.Findings)
                        await File.WriteAllTextAsync(Path.Combine(dir, $"repro-{f.Set}.sql"), f.Repro.Text, ct);
                }
                if (pr.GetValue(json)) CommandRunner.WriteJson(report);
                else Console.Out.Write(Format(report));
                return report.Findings.Count == 0 ? 0 : 1;
            }
            finally
            {
                if (server is not null) await server.DisposeAsync();
            }
        }));
        return command;
    }

    public static string Format(FuzzReport r)
    {
        var sb = new StringBuilder();
        string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        sb.AppendLine($"fuzz seed {r.Seed}: {r.Sets} sets, {N(r.Transactions)} transactions in {r.ElapsedSeconds:F0} s");
        sb.AppendLine($"  time:         {r.ApplySeconds:F0} s applying definitions, {r.WorkloadSeconds:F0} s in transactions, {r.OracleSeconds:F0} s in the oracle");
        sb.AppendLine($"  transactions: {N(r.Committed)} committed, {N(r.RolledBack)} rolled back, {N(r.Aborted)} aborted by an error ({N(r.AbortedAtCommit)} at COMMIT, by a deferred foreign key); " +
                      (r.TwoPhaseAvailable ? $"{N(r.Prepared)} of those ended in two phases (PREPARE TRANSACTION)" : "none in two phases (the server has max_prepared_transactions = 0)"));
        if (r.Sessions > 1)
            sb.AppendLine($"  concurrency:  {r.Sessions} sessions, {r.Isolation}; {N(r.Retried)} retried (serialization failures and deadlocks), " +
                          $"{N(r.Deadlocks)} deadlocks ({N(r.DeadlocksOnTViewsLocks)} through an advisory lock, {N(r.WholeLockCycles)} of whole-TVIEW locks only), " +
                          $"{N(r.GaveUp)} given up after {CaseExecutor.MaxAttempts} attempts; " +
                          $"{N(r.OrderedRounds)} rounds of single-table statements only, where a cycle of whole-TVIEW locks is a finding");
        foreach (var d in r.DeadlockSamples) sb.AppendLine($"    deadlock: {d.Replace("\n", "\n      ", StringComparison.Ordinal)}");
        sb.AppendLine($"  statements:   {N(r.Statements)} run, {N(r.StatementsFailed)} failed as intended (savepoints, constraint errors)");
        sb.AppendLine($"  definitions:  {r.DefinitionsTried} tried, {r.DefinitionsAccepted} accepted, {r.DefinitionsRefused} refused, {r.DefinitionsSkipped} skipped (read a refused TVIEW)");
        if (r.SetsWithSetupError > 0) sb.AppendLine($"  sets whose schema failed to load: {r.SetsWithSetupError}");
        sb.AppendLine("  shapes (accepted / refused):");
        foreach (var (shape, c) in r.ByShape) sb.AppendLine($"    {shape,-10} {c.Accepted,6} / {c.Refused}");
        if (r.RefusalsByCause.Count > 0)
        {
            sb.AppendLine("  refusals by cause:");
            foreach (var (cause, n) in r.RefusalsByCause.OrderByDescending(x => x.Value)) sb.AppendLine($"    {n,6}  {cause}");
        }
        sb.AppendLine(r.Findings.Count == 0 ? "no divergence" : $"{r.Findings.Count} finding(s):");
        foreach (var f in r.Findings)
        {
            sb.AppendLine();
            sb.AppendLine($"== set {f.Set} (case seed {f.CaseSeed}): {f.Kind}: {f.Summary}");
            if (f.Replay is { } replay) sb.AppendLine($"   {replay}");
            sb.AppendLine($"   shrunk to {f.Size} in {f.ShrinkRuns} runs; shapes: {f.Shape}");
            // A divergence's rows are in its reproduction's oracle part; other findings' details (the
            // statement, where it failed, the other sessions after a timeout) only here.
            if (f.Kind != FuzzFinding.Divergence)
                foreach (var d in f.Details.Where(d => d.Length > 0)) sb.AppendLine($"   {d.Replace("\n", "\n   ", StringComparison.Ordinal)}");
            sb.AppendLine(f.Repro.Text);
        }
        return sb.ToString();
    }
}
