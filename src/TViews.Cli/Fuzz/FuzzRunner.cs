using System.Diagnostics;

namespace TViews.Cli.Fuzz;

public sealed record FuzzOptions
{
    public int Seed { get; init; } = 1;

    /// <summary>Time budget for running sets (shrinking a finding may run past it, up to <see cref="ShrinkBudget"/> each).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Stop after this many sets (null: until the time budget).</summary>
    public int? Sets { get; init; }

    /// <summary>The number of the first set: with <see cref="Sets"/> = 1, replays one set of a report.</summary>
    public int FirstSet { get; init; }

    public int TransactionsPerSet { get; init; } = 500;

    public bool Shrink { get; init; } = true;

    public TimeSpan ShrinkBudget { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// The maintenance mode the transactions run in (<c>pg_tviews.mode</c>): immediate, deferred, or
    /// mixed (each transaction starts in one of '', deferred, immediate and switches before every
    /// third statement; chosen from the transaction's number, so a set replays the same way).
    /// </summary>
    public string Mode { get; init; } = "immediate";

    /// <summary>
    /// The locking of the TVIEWs that allow key locks (<c>pg_tviews_set_locking</c>): whole (as built),
    /// auto (key locks unless contended; a flush takes whole locks), or key, so runs also go through
    /// the flush's key-lock paths.
    /// </summary>
    public string Locking { get; init; } = "whole";

    /// <summary>
    /// Concurrent sessions: above one, the transactions run that many at a time, each on its own
    /// connection, serialization failures and deadlocks retried, the oracle after each round (no
    /// shrinking: such a run does not replay exactly).
    /// </summary>
    public int Sessions { get; init; } = 1;

    /// <summary>Every transaction one statement (see <see cref="WorkloadGenerator"/>).</summary>
    public bool SingleStatements { get; init; }

    /// <summary>
    /// Concurrent runs: the sessions' statement_timeout. A statement that times out is a finding (a
    /// hang: PostgreSQL breaks a deadlock in deadlock_timeout), reported with what every session of
    /// the database was doing at that moment.
    /// </summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Isolation level of the transactions: read-committed, repeatable-read, serializable, or mixed (by transaction number).</summary>
    public string Isolation { get; init; } = "read-committed";

    /// <summary>SQL run after the definitions are applied: a deliberate break, to test that the fuzzer notices.</summary>
    public Func<FuzzCase, string?>? Sabotage { get; init; }
}

/// <summary>
/// A finding as reported: the case shrunk (when it could be) and its reproduction. <paramref name="Replay"/>:
/// for a concurrent run's finding, whether one session reproduced it (and so whether it was shrunk).
/// </summary>
public sealed record FuzzFindingReport(int Set, int CaseSeed, string Kind, string Summary, IReadOnlyList<string> Details,
    string Shape, CaseSize Size, int ShrinkRuns, Repro Repro, string? Replay = null);

public sealed record ShapeCount(int Accepted, int Refused);

/// <summary>What a fuzz run did and found.</summary>
public sealed class FuzzReport
{
    public int Seed { get; set; }
    public int Sets { get; set; }
    public int SetsWithSetupError { get; set; }
    public long Transactions { get; set; }
    public long Committed { get; set; }
    public long RolledBack { get; set; }
    public long Aborted { get; set; }

    /// <summary>Of <see cref="Aborted"/>: those whose COMMIT (or PREPARE TRANSACTION) failed a deferred foreign key's check.</summary>
    public long AbortedAtCommit { get; set; }

    /// <summary>Transactions that ended in PREPARE TRANSACTION and COMMIT or ROLLBACK PREPARED (counted in committed and rolled back too).</summary>
    public long Prepared { get; set; }

    /// <summary>False when the server has <c>max_prepared_transactions = 0</c>: transactions drawn to end in two phases then end in one.</summary>
    public bool TwoPhaseAvailable { get; set; } = true;

    public long Statements { get; set; }
    public long StatementsFailed { get; set; }
    public int DefinitionsTried { get; set; }
    public int DefinitionsAccepted { get; set; }
    public int DefinitionsRefused { get; set; }
    public int DefinitionsSkipped { get; set; }
    public SortedDictionary<string, int> RefusalsByCause { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, ShapeCount> ByShape { get; } = new(StringComparer.Ordinal);
    public List<FuzzFindingReport> Findings { get; } = [];
    public double ElapsedSeconds { get; set; }

    /// <summary>Where the time went: applying definitions, running the transactions (maintenance included), the oracle.</summary>
    public double ApplySeconds { get; set; }
    public double WorkloadSeconds { get; set; }
    public double OracleSeconds { get; set; }

    /// <summary>Concurrent runs: sessions and isolation level, and how transactions had to be retried.</summary>
    public int Sessions { get; set; } = 1;
    public string Isolation { get; set; } = "read-committed";
    public long Retried { get; set; }
    public long Deadlocks { get; set; }
    public long DeadlocksOnTViewsLocks { get; set; }
    public long WholeLockCycles { get; set; }
    public long OrderedRounds { get; set; }
    public long GaveUp { get; set; }
    public List<string> DeadlockSamples { get; } = [];
}

/// <summary>
/// Runs fuzz sets until the time budget or the set count: each set is a case generated from the
/// run's seed and the set number (so one set can be replayed alone), run in a fresh database; a
/// finding is shrunk and reported with its reproduction.
/// </summary>
public sealed class FuzzRunner(FuzzDatabases databases, FuzzOptions options, Action<string>? progress = null)
{
    /// <summary>The seed of one set: a fixed mix of the run's seed and the set number (never HashCode, which varies per process).</summary>
    public static int CaseSeed(int seed, int set)
    {
        var z = ((ulong)(uint)seed << 32) | (uint)set;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>The share of multi-statement transactions that end in PREPARE TRANSACTION (when the server allows it).</summary>
    public const double TwoPhaseShare = 0.1;

    /// <summary>The share of foreign keys checked at COMMIT (DEFERRABLE INITIALLY DEFERRED).</summary>
    public const double DeferredForeignKeyShare = 0.2;

    /// <summary>The share of counter tables whose trigger is a deferred constraint trigger (it writes the counter at COMMIT).</summary>
    public const double DeferredCounterShare = 0.5;

    /// <summary>The share of multi-statement transactions that run SET CONSTRAINTS ALL IMMEDIATE somewhere (some of them SET CONSTRAINTS ALL DEFERRED later).</summary>
    public const double SetConstraintsShare = 0.1;

    /// <summary>Generates set <paramref name="set"/> of a run: schema and definitions from one stream, transactions from another.</summary>
    public static FuzzCase Generate(int seed, int set, int transactions, bool singleStatements = false)
    {
        var caseSeed = CaseSeed(seed, set);
        var rng = new Random(caseSeed);
        var schema = new SchemaGenerator(rng).Generate();
        var definitions = new DefinitionGenerator(rng, schema).Generate(2 + rng.Next(4));
        var workload = new WorkloadGenerator(new Random(caseSeed ^ 0x5BD1E995), schema, singleStatements).Generate(transactions);
        // Which transactions end in two phases: a stream of its own, one draw per transaction, so the
        // schema, definitions and statements of a seed stay what they were before it existed. (Not with
        // single statements: those stand for the writers whose lock order is checked.)
        if (!singleStatements)
        {
            var twoPhase = new Random(caseSeed ^ 0x2C1B3C6D);
            workload = workload.Select(t => twoPhase.NextDouble() < TwoPhaseShare ? t with { Prepared = true } : t).ToList();
        }
        // Deferred constraints, from a stream of their own too: foreign keys checked at COMMIT, so a
        // transaction may hold rows that reference nothing until a COMMIT that fails; a counter
        // table written at COMMIT by a deferred constraint trigger, among a deferred TVIEW's flush;
        // and SET CONSTRAINTS ALL IMMEDIATE inside transactions, which runs them (the flush is a
        // deferred constraint trigger too) there, then after each statement.
        var constraints = new Random(caseSeed ^ 0x6D2B79F5);
        schema = DeferForeignKeys(schema, constraints);
        schema = schema with
        {
            Triggers = schema.Triggers.Select(t => SchemaGenerator.IsCounterTrigger(t) && constraints.NextDouble() < DeferredCounterShare
                ? SchemaGenerator.DeferredCounterTrigger(t) : t).ToList(),
        };
        if (!singleStatements) workload = workload.Select(t => SetConstraints(t, constraints)).ToList();
        return new FuzzCase(seed, set, schema, definitions, workload);
    }

    private static FuzzSchema DeferForeignKeys(FuzzSchema schema, Random rng) =>
        schema with
        {
            Tables = schema.Tables.Select(t => t with
            {
                ForeignKeys = t.ForeignKeys.Select(f => rng.NextDouble() < DeferredForeignKeyShare ? f with { Deferred = true } : f).ToList(),
            }).ToList(),
        };

    private static FuzzTransaction SetConstraints(FuzzTransaction t, Random rng)
    {
        if (rng.NextDouble() >= SetConstraintsShare) return t;
        var statements = t.Statements.ToList();
        // Anywhere, a savepoint's block included (its ROLLBACK TO undoes what the flush wrote there).
        var at = rng.Next(statements.Count + 1);
        statements.Insert(at, new FuzzStatement("SET CONSTRAINTS ALL IMMEDIATE", false, []));
        if (rng.NextDouble() < 0.5) statements.Insert(at + 1 + rng.Next(statements.Count - at), new FuzzStatement("SET CONSTRAINTS ALL DEFERRED", false, []));
        return t with { Statements = statements };
    }

    public async Task<FuzzReport> RunAsync(CancellationToken ct = default)
    {
        var report = new FuzzReport { Seed = options.Seed, Sessions = options.Sessions, Isolation = options.Isolation };
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + options.Duration;
        var executor = new CaseExecutor(databases, options.Mode, options.Locking, options.Sessions, options.Isolation, options.SessionTimeout);
        for (var set = options.FirstSet; (options.Sets is not { } max || set < options.FirstSet + max) && DateTime.UtcNow < deadline; set++)
        {
            ct.ThrowIfCancellationRequested();
            var c = Generate(options.Seed, set, options.TransactionsPerSet, options.SingleStatements);
            if (options.Sabotage?.Invoke(c) is { } sabotage) c = c with { Sabotage = sabotage };
            var result = await executor.RunAsync(c, deadline, ct);
            Record(report, c, result);
            progress?.Invoke($"set {set}: {result.Accepted.Count}/{c.Definitions.Count} definitions accepted, {result.Trace.Count} transactions" +
                             (result.Finding is { } f0 ? $", {f0.Kind}: {f0.Summary}" : "") + $" [{report.Transactions} transactions, {clock.Elapsed.TotalMinutes:F1} min]");
            if (result.Finding is { } f)
                report.Findings.Add(await ReportFindingAsync(executor, c, result, f, ct));
        }
        report.ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        return report;
    }

    private async Task<FuzzFindingReport> ReportFindingAsync(CaseExecutor executor, FuzzCase c, CaseResult result, FuzzFinding f, CancellationToken ct)
    {
        var (small, smallResult, runs) = (c, result, 0);
        string? replay = null;
        CaseExecutor? shrinkWith = options.Shrink ? executor : null;
        if (shrinkWith is not null && options.Sessions > 1)
        {
            // A concurrent run does not replay exactly, so its candidates could not be told apart from
            // luck. One session running the transactions in order does: when it finds the same, that
            // run is what gets shrunk. A deadlock or a wait needs the other sessions.
            if (f.Kind == FuzzFinding.Deadlock || f.Waited)
            {
                replay = "not replayed by one session: it needs the others";
                shrinkWith = null;
            }
            else
            {
                progress?.Invoke($"set {c.Set}: replaying with one session");
                var serial = new CaseExecutor(databases, options.Mode, options.Locking, 1, options.Isolation, options.SessionTimeout);
                var again = await serial.RunAsync(c, null, ct);
                runs++;
                if (again.Finding is { } g && g.SameAs(f))
                {
                    replay = "reproduced by one session running the transactions in order, and shrunk from there";
                    (shrinkWith, result, f) = (serial, again, g);
                }
                else
                {
                    replay = "not reproduced by one session running the transactions in order: not shrunk";
                    shrinkWith = null;
                }
            }
        }
        if (shrinkWith is not null)
        {
            progress?.Invoke($"set {c.Set}: shrinking ({Shrinker.Describe(c)})");
            var shrinker = new Shrinker(shrinkWith, f, options.ShrinkBudget, progress);
            (small, smallResult) = await shrinker.ShrinkAsync(c, result, ct);
            runs += shrinker.Attempts;
        }
        var finding = smallResult.Finding ?? f;
        var shape = string.Join(", ", smallResult.Accepted.Select(d => d.Shape));
        return new FuzzFindingReport(c.Set, CaseSeed(c.Seed, c.Set), finding.Kind, finding.Summary, finding.Details, shape,
            CaseSize.Of(small), runs, Repro.From(small, smallResult), replay);
    }

    private static void Record(FuzzReport report, FuzzCase c, CaseResult r)
    {
        report.Sets++;
        report.ApplySeconds = Math.Round(report.ApplySeconds + r.ApplyTime.TotalSeconds, 1);
        report.WorkloadSeconds = Math.Round(report.WorkloadSeconds + r.WorkloadTime.TotalSeconds, 1);
        report.OracleSeconds = Math.Round(report.OracleSeconds + r.OracleTime.TotalSeconds, 1);
        if (r.SetupError is not null) report.SetsWithSetupError++;
        report.Transactions += r.Trace.Count;
        report.Committed += r.Committed;
        report.RolledBack += r.RolledBack;
        report.Aborted += r.Aborted;
        report.AbortedAtCommit += r.AbortedAtCommit;
        report.Prepared += r.Prepared;
        report.TwoPhaseAvailable &= r.TwoPhaseAvailable;
        report.Statements += r.StatementsRun;
        report.StatementsFailed += r.StatementsFailed;
        report.Retried += r.Retried;
        report.Deadlocks += r.Deadlocks;
        report.DeadlocksOnTViewsLocks += r.DeadlocksOnTViewsLocks;
        report.WholeLockCycles += r.WholeLockCycles;
        report.OrderedRounds += r.OrderedRounds;
        report.GaveUp += r.GaveUp;
        foreach (var d in r.DeadlockSamples)
            if (report.DeadlockSamples.Count < CaseResult.SampleLimit) report.DeadlockSamples.Add($"set {c.Set}, {d}");
        report.DefinitionsTried += c.Definitions.Count;
        report.DefinitionsAccepted += r.Accepted.Count;
        report.DefinitionsRefused += r.Refused.Count;
        report.DefinitionsSkipped += r.Skipped.Count;
        foreach (var x in r.Refused)
            report.RefusalsByCause[x.Cause] = report.RefusalsByCause.GetValueOrDefault(x.Cause) + 1;
        foreach (var d in r.Accepted) Count(report, d.Shape, accepted: true);
        foreach (var x in r.Refused) Count(report, x.Definition.Shape, accepted: false);
    }

    private static void Count(FuzzReport report, string shape, bool accepted)
    {
        var s = report.ByShape.GetValueOrDefault(shape) ?? new ShapeCount(0, 0);
        report.ByShape[shape] = accepted ? s with { Accepted = s.Accepted + 1 } : s with { Refused = s.Refused + 1 };
    }
}
