using System.Data;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Sql;

namespace TViews.Cli.Fuzz;

/// <summary>
/// What went wrong: a TVIEW differing from its definition, or TViews itself failing (at apply, or
/// inside a write). <paramref name="Waited"/>: a statement, COMMIT or PREPARE of a concurrent run
/// that did not end within the sessions' timeout (a wait that only other sessions can cause).
/// </summary>
public sealed record FuzzFinding(string Kind, string TView, string Summary, IReadOnlyList<string> Details, int Transaction, bool Waited = false)
{
    public const string Divergence = "divergence";
    public const string MaintenanceError = "maintenance error";
    public const string ApplyError = "apply error";
    public const string Deadlock = "deadlock";

    /// <summary>The same bug as another finding, as far as shrinking can tell.</summary>
    public bool SameAs(FuzzFinding other) => Kind == other.Kind && (Kind != Divergence || TView == other.TView);
}

/// <summary>A statement as it ran: its error, and the <c>pg_tviews.mode</c> SET LOCAL just before it (null: none).</summary>
public sealed record StatementTrace(FuzzStatement Statement, string? Error, string? Mode = null);

/// <summary>
/// A transaction as it ran: its isolation level, its statements with their errors, and how it ended
/// (COMMIT, ROLLBACK, or aborted by an unguarded error).
/// </summary>
public sealed record TransactionTrace(IReadOnlyList<StatementTrace> Statements, string End, IsolationLevel Level = IsolationLevel.ReadCommitted);

public sealed record Refusal(FuzzDefinition Definition, string Cause, string Message);

public sealed class CaseResult
{
    public string? SetupError { get; set; }

    /// <summary>The locking set on the TVIEWs that allow key locks, when not as built (whole).</summary>
    public string? Locking { get; set; }
    public List<FuzzDefinition> Accepted { get; } = [];
    public List<Refusal> Refused { get; } = [];
    public List<FuzzDefinition> Skipped { get; } = [];
    public List<TransactionTrace> Trace { get; } = [];
    public int Committed { get; set; }
    public int RolledBack { get; set; }
    public int Aborted { get; set; }

    /// <summary>Of <see cref="Aborted"/>: those whose COMMIT (or PREPARE TRANSACTION) failed a deferred foreign key's check.</summary>
    public int AbortedAtCommit { get; set; }

    /// <summary>Transactions that ended in PREPARE TRANSACTION, then COMMIT or ROLLBACK PREPARED.</summary>
    public int Prepared { get; set; }

    /// <summary>False when the server allows no prepared transactions: those drawn to end in two phases ended in one.</summary>
    public bool TwoPhaseAvailable { get; set; } = true;

    public int StatementsRun { get; set; }
    public int StatementsFailed { get; set; }
    public FuzzFinding? Finding { get; set; }

    public TimeSpan ApplyTime { get; set; }
    public TimeSpan WorkloadTime { get; set; }
    public TimeSpan OracleTime { get; set; }

    /// <summary>True when the time budget ended the run before the last transaction.</summary>
    public bool Incomplete { get; set; }

    /// <summary>Concurrent runs: transactions run again after a serialization failure or a deadlock (the application's to retry).</summary>
    public int Retried { get; set; }

    /// <summary>Concurrent runs: deadlocks PostgreSQL reported, and how many of their cycles went through an advisory (TViews) lock.</summary>
    public int Deadlocks { get; set; }
    public int DeadlocksOnTViewsLocks { get; set; }

    /// <summary>Concurrent runs: deadlocks whose every wait was for a whole-TVIEW lock (a finding when the transactions were of the shape whose order TViews guarantees).</summary>
    public int WholeLockCycles { get; set; }

    /// <summary>Concurrent runs: rounds of transactions of that shape (one statement on one table each).</summary>
    public int OrderedRounds { get; set; }

    /// <summary>Concurrent runs: the first cycles through an advisory lock, as PostgreSQL described them (DETAIL), with the statement that was chosen to fail.</summary>
    public List<string> DeadlockSamples { get; } = [];

    /// <summary>Concurrent runs: transactions given up after <see cref="CaseExecutor.MaxAttempts"/> attempts.</summary>
    public int GaveUp { get; set; }

    /// <summary>The transactions ran this many at a time (the trace is then in their numbers' order, not their commits').</summary>
    public int Sessions { get; set; } = 1;

    internal const int SampleLimit = 5;

    /// <summary>Adds what a session counted in one round (its transactions, in order, and its outcomes).</summary>
    internal void Add(CaseResult session)
    {
        Committed += session.Committed;
        RolledBack += session.RolledBack;
        Aborted += session.Aborted;
        AbortedAtCommit += session.AbortedAtCommit;
        Prepared += session.Prepared;
        StatementsRun += session.StatementsRun;
        StatementsFailed += session.StatementsFailed;
        Retried += session.Retried;
        Deadlocks += session.Deadlocks;
        DeadlocksOnTViewsLocks += session.DeadlocksOnTViewsLocks;
        WholeLockCycles += session.WholeLockCycles;
        GaveUp += session.GaveUp;
        foreach (var d in session.DeadlockSamples)
            if (DeadlockSamples.Count < SampleLimit) DeadlockSamples.Add(d);
        Finding ??= session.Finding;
    }
}

/// <summary>A serialization failure or deadlock: the transaction is rolled back and run again.</summary>
internal sealed class RetryTransactionException(PostgresException cause) : Exception(cause.MessageText, cause)
{
    public PostgresException Cause { get; } = cause;
}

/// <summary>
/// Runs one case in a fresh database: schema, seed rows, each definition applied through the engine
/// (refusals recorded by cause), an optional sabotage, then every transaction followed by the oracle.
/// Stops at the first finding.
/// </summary>
/// <remarks>
/// Each transaction runs at <paramref name="isolation"/> ("mixed" cycles through the three levels by
/// transaction number). With <paramref name="sessions"/> above one, the transactions run in rounds:
/// each of that many connections runs the next transaction at once, a serialization failure or
/// deadlock is retried, and the oracle runs after each round. Which transaction waits for which is
/// up to the scheduler, so such a run does not replay exactly.
/// </remarks>
public sealed partial class CaseExecutor(FuzzDatabases databases, string mode = "immediate", string locking = "whole",
    int sessions = 1, string isolation = "read-committed", TimeSpan? sessionTimeout = null)
{
    /// <summary>A concurrent session's statement_timeout: a statement that waits longer is a finding (a hang).</summary>
    private readonly int _sessionTimeoutMs = (int)(sessionTimeout ?? TimeSpan.FromSeconds(60)).TotalMilliseconds;

    private static readonly string[] MixedModes = ["", "deferred", "immediate"];

    private static readonly IsolationLevel[] Levels = [IsolationLevel.ReadCommitted, IsolationLevel.RepeatableRead, IsolationLevel.Serializable];

    /// <summary>Attempts of one transaction in a concurrent run before it is given up (counted, not a finding).</summary>
    public const int MaxAttempts = 30;

    private const string Guard = "fuzz_guard";

    /// <summary>During a concurrent run: where to look at the other sessions when a statement times out.</summary>
    private string? _activityConnection;

    public async Task<CaseResult> RunAsync(FuzzCase c, DateTime? deadline = null, CancellationToken ct = default)
    {
        var result = new CaseResult();
        var cs = await databases.CreateDatabaseAsync($"fuzz_{c.Seed}_{c.Set}", ct);
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync(ct);
            await ExecAsync(conn, "SET statement_timeout = '120s'", ct);
            result.TwoPhaseAvailable = await TwoPhaseAvailableAsync(conn, ct);
            try
            {
                await ExecAsync(conn, c.Schema.DdlScript(), ct);
                await ExecAsync(conn, c.Schema.SeedScript(), ct);
            }
            catch (PostgresException e)
            {
                result.SetupError = e.MessageText;
                return result;
            }
            var applying = Stopwatch.StartNew();
            await ApplyAsync(c, cs, result, ct);
            result.ApplyTime = applying.Elapsed;
            if (result.Finding is not null) return result;
            if (locking != "whole")
            {
                result.Locking = locking;
                await ExecAsync(conn, $"SELECT {Rt("pg_tviews_set_locking")}(m.entity_name, '{(locking == "key" ? "key" : "auto")}') " +
                                      $"FROM {Rt("pg_tviews_metadata")} AS m WHERE m.key_locks", ct);
            }
            if (await CheckAsync(conn, result, -1, ct)) return result;
            if (c.Sabotage is { } sabotage)
            {
                try { await ExecAsync(conn, sabotage, ct); }
                catch (PostgresException e) { result.SetupError = $"sabotage: {e.MessageText}"; return result; }
            }
            if (sessions > 1)
            {
                await RunConcurrentlyAsync(conn, cs, c, result, deadline, ct);
                return result;
            }
            for (var i = 0; i < c.Transactions.Count; i++)
            {
                if (deadline is { } d && DateTime.UtcNow > d) { result.Incomplete = true; break; }
                ct.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var trace = await RunTransactionAsync(conn, c.Transactions[i], result, i, ct, LevelFor(i), twoPhase: result.TwoPhaseAvailable);
                result.WorkloadTime += clock.Elapsed;
                result.Trace.Add(trace);
                if (result.Finding is not null) break;
                clock.Restart();
                var diverged = await CheckAsync(conn, result, i, ct);
                result.OracleTime += clock.Elapsed;
                if (diverged) break;
            }
            return result;
        }
        finally
        {
            await databases.DropDatabaseAsync(cs);
        }
    }

    private async Task RunConcurrentlyAsync(NpgsqlConnection conn, string cs, FuzzCase c, CaseResult result, DateTime? deadline, CancellationToken ct)
    {
        // A deadlock's DETAIL (the cycle) tells whether TViews' advisory locks were part of it; Npgsql redacts it unless asked.
        var withDetail = new NpgsqlConnectionStringBuilder(cs) { IncludeErrorDetail = true }.ConnectionString;
        _activityConnection = withDetail;
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var s = 0; s < sessions; s++)
            {
                var session = new NpgsqlConnection(withDetail);
                connections.Add(session);
                await session.OpenAsync(ct);
                await ExecAsync(session, $"SET statement_timeout = {_sessionTimeoutMs}", ct);
                // Cycles are broken sooner (superusers only; elsewhere the server's setting stays).
                try { await ExecAsync(session, "SET deadlock_timeout = '100ms'", ct); }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege) { }
            }
            result.Sessions = sessions;
            var wholeKeys = await WholeKeysAsync(conn, ct);
            // Writers whose TViews locks each come from one statement on one table never deadlock on
            // whole-TVIEW locks (docs/design.md, "One lock order"); a writable CTE, or a user trigger
            // writing another table, locks in several batches, which that order does not cover.
            var triggersWriteOneTable = c.Schema.Triggers.All(t => t.Tables.Count <= 1);
            for (var first = 0; first < c.Transactions.Count; first += sessions)
            {
                if (deadline is { } d && DateTime.UtcNow > d) { result.Incomplete = true; break; }
                ct.ThrowIfCancellationRequested();
                var count = Math.Min(sessions, c.Transactions.Count - first);
                var clock = Stopwatch.StartNew();
                var ordered = triggersWriteOneTable && Enumerable.Range(first, count).All(i => OneTableStatement(c.Transactions[i]));
                if (ordered) result.OrderedRounds++;
                var rounds = await Task.WhenAll(Enumerable.Range(0, count).Select(s =>
                    RunWithRetriesAsync(connections[s], c.Transactions[first + s], first + s, wholeKeys, ordered, result.TwoPhaseAvailable, ct)));
                result.WorkloadTime += clock.Elapsed;
                foreach (var (trace, counts) in rounds)
                {
                    result.Trace.Add(trace);
                    result.Add(counts);
                }
                if (result.Finding is not null) break;
                clock.Restart();
                var diverged = await CheckAsync(conn, result, first + count - 1, ct);
                result.OracleTime += clock.Elapsed;
                if (diverged) break;
            }
        }
        finally
        {
            _activityConnection = null;
            foreach (var session in connections) await session.DisposeAsync();
        }
    }

    private static bool OneTableStatement(FuzzTransaction tx) =>
        tx.Statements.Count == 1 && !tx.Statements[0].Sql.StartsWith("WITH", StringComparison.Ordinal);

    /// <summary>The advisory lock keys of the whole-TVIEW locks (pg_tviews_whole_key), to tell their cycles in a deadlock's DETAIL.</summary>
    private async Task<HashSet<long>> WholeKeysAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var keys = new HashSet<long>();
        await using var cmd = new NpgsqlCommand($"SELECT {Rt("pg_tviews_whole_key")}(m.entity_name) FROM {Rt("pg_tviews_metadata")} AS m", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) keys.Add(reader.GetInt64(0));
        return keys;
    }

    /// <summary>
    /// Whether every wait of a deadlock's cycle (PostgreSQL's DETAIL: "Process 1 waits for
    /// ExclusiveLock on advisory lock [db,hi,lo,1]; blocked by process 2.") is for one of
    /// <paramref name="wholeKeys"/>: 64-bit advisory keys show as their high and low 32 bits.
    /// </summary>
    public static bool IsWholeLockCycle(string? detail, IReadOnlySet<long> wholeKeys)
    {
        var waits = Wait().Matches(detail ?? "");
        return waits.Count > 0 && waits.All(w =>
            w.Groups["hi"].Success
            && wholeKeys.Contains((long)((ulong.Parse(w.Groups["hi"].Value, System.Globalization.CultureInfo.InvariantCulture) << 32)
                                         | ulong.Parse(w.Groups["lo"].Value, System.Globalization.CultureInfo.InvariantCulture))));
    }

    [GeneratedRegex(@"waits for \w+ on (?:advisory lock \[\d+,(?<hi>\d+),(?<lo>\d+),1\]|[^;]+);")]
    private static partial Regex Wait();

    private async Task<(TransactionTrace Trace, CaseResult Counts)> RunWithRetriesAsync(NpgsqlConnection conn, FuzzTransaction tx, int index,
        IReadOnlySet<long> wholeKeys, bool ordered, bool twoPhase, CancellationToken ct)
    {
        var counts = new CaseResult();
        var level = LevelFor(index);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await RunTransactionAsync(conn, tx, counts, index, ct, level, retry: true, twoPhase), counts);
            }
            catch (RetryTransactionException e)
            {
                if (e.Cause.SqlState == PostgresErrorCodes.DeadlockDetected)
                {
                    counts.Deadlocks++;
                    if (IsWholeLockCycle(e.Cause.Detail, wholeKeys))
                    {
                        counts.WholeLockCycles++;
                        if (ordered)
                            counts.Finding ??= new FuzzFinding(FuzzFinding.Deadlock, "",
                                "single-statement transactions deadlocked on whole-TVIEW locks", [e.Cause.Detail ?? "", e.Cause.Where ?? ""], index);
                    }
                    if (e.Cause.Detail?.Contains("advisory lock", StringComparison.Ordinal) ?? false)
                    {
                        counts.DeadlocksOnTViewsLocks++;
                        if (counts.DeadlockSamples.Count < CaseResult.SampleLimit)
                            counts.DeadlockSamples.Add($"transaction {index}: {e.Cause.Detail}\n  in: {e.Cause.Where}");
                    }
                }
                if (attempt == MaxAttempts)
                {
                    counts.GaveUp++;
                    return (new TransactionTrace([], "ROLLBACK"), counts);
                }
                counts.Retried++;
            }
        }
    }

    /// <summary>A failure the application retries: serialization failure (TViews' "could not lock rows ... in order" too) or deadlock.</summary>
    private static bool IsRetryable(PostgresException e) =>
        e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

    private async Task ApplyAsync(FuzzCase c, string cs, CaseResult result, CancellationToken ct)
    {
        var engine = new TViewsEngine(cs, new TViewsOptions { RuntimeSchema = databases.RuntimeSchema });
        foreach (var d in c.Definitions)
        {
            if (d.Reads.Any(r => r.StartsWith("tv_", StringComparison.Ordinal) && !result.Accepted.Any(a => a.Table == r)))
            {
                result.Skipped.Add(d);
                continue;
            }
            try
            {
                await engine.ApplyAsync(TViewDefinition.FromScript(d.Script, d.Table), ct);
                result.Accepted.Add(d);
            }
            catch (TViewsException thrown)
            {
                // A PostgreSQL error is judged by PostgreSQL's own exception (its SQLSTATE and text).
                Exception e = thrown is TViewsDatabaseException { PostgresError: { } pg } ? pg : thrown;
                if (e.Message.Contains("internal error", StringComparison.Ordinal) || e is PostgresException { SqlState: "XX000" })
                {
                    result.Finding = new FuzzFinding(FuzzFinding.ApplyError, d.Table, $"{d.Table}: {FirstLine(e.Message)}", [e.Message], -1);
                    return;
                }
                result.Refused.Add(new Refusal(d, Cause(e), e.Message));
            }
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0];

    private string Rt(string name) => $"\"{databases.RuntimeSchema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".{name}";

    /// <summary>Runs the oracle; records a divergence and returns true when a TVIEW differs from its definition.</summary>
    private static async Task<bool> CheckAsync(NpgsqlConnection conn, CaseResult result, int transaction, CancellationToken ct)
    {
        var counts = await FuzzOracle.CountsAsync(conn, result.Accepted, ct);
        var diverged = result.Accepted.Where((_, i) => counts[i] > 0).ToList();
        if (diverged.Count == 0) return false;
        var details = new List<string>();
        foreach (var d in diverged)
            foreach (var row in await FuzzOracle.RowsAsync(conn, d, 5, ct))
                details.Add($"{d.Table}: {row}");
        var first = diverged[0];
        var when = transaction < 0 ? "after creation" : $"after transaction {transaction}";
        result.Finding = new FuzzFinding(FuzzFinding.Divergence, first.Table,
            $"{string.Join(", ", diverged.Select(d => $"{d.Table} ({counts[result.Accepted.IndexOf(d)]} rows)"))} differ from the definition {when}",
            details, transaction);
        return true;
    }

    /// <summary>The isolation level of transaction <paramref name="index"/>: <c>isolation</c>'s, "mixed" cycling through the three.</summary>
    private IsolationLevel LevelFor(int index) => isolation switch
    {
        "repeatable-read" => IsolationLevel.RepeatableRead,
        "serializable" => IsolationLevel.Serializable,
        "mixed" => Levels[index % Levels.Length],
        _ => IsolationLevel.ReadCommitted,
    };

    /// <summary>The pg_tviews.mode of statement <paramref name="statement"/> of transaction <paramref name="index"/> (null: leave it).</summary>
    private string? ModeFor(int index, int statement) => mode switch
    {
        "deferred" or "immediate" => statement == 0 ? mode : null,
        _ => statement % 3 == 0 ? MixedModes[(index + statement / 3) % 3] : null,
    };

    private async Task<TransactionTrace> RunTransactionAsync(NpgsqlConnection conn, FuzzTransaction tx, CaseResult result, int index, CancellationToken ct,
        IsolationLevel level = IsolationLevel.ReadCommitted, bool retry = false, bool twoPhase = false) =>
        await RunTransactionAtAsync(conn, tx, result, index, ct, level, retry, twoPhase) with { Level = level };

    private async Task<TransactionTrace> RunTransactionAtAsync(NpgsqlConnection conn, FuzzTransaction tx, CaseResult result, int index, CancellationToken ct,
        IsolationLevel level, bool retry, bool twoPhase)
    {
        var statements = new List<StatementTrace>();
        await using var t = await conn.BeginTransactionAsync(level, ct);
        var number = 0;
        foreach (var s in tx.Statements)
        {
            var m = ModeFor(index, number++);
            if (m is not null) await ExecAsync(conn, $"SET LOCAL pg_tviews.mode = '{m}'", ct);
            result.StatementsRun++;
            try
            {
                if (s.Guarded) await ExecAsync(conn, $"SAVEPOINT {Guard}", ct);
                await ExecAsync(conn, s.Sql, ct);
                if (s.Guarded) await ExecAsync(conn, $"RELEASE SAVEPOINT {Guard}", ct);
                statements.Add(new StatementTrace(s, null, m));
            }
            catch (PostgresException e) when (retry && IsRetryable(e))
            {
                await t.RollbackAsync(ct);
                throw new RetryTransactionException(e);
            }
            catch (PostgresException e)
            {
                result.StatementsFailed++;
                statements.Add(new StatementTrace(s, $"{e.SqlState}: {e.MessageText}", m));
                if (IsTViewsError(e))
                {
                    result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"{e.SqlState}: {e.MessageText}",
                        [s.Sql, e.Where ?? "", .. await SessionsAfterAsync(e)], index, Waited(e));
                    await t.RollbackAsync(ct);
                    return new TransactionTrace(statements, "ROLLBACK");
                }
                if (!s.Guarded)
                {
                    await t.RollbackAsync(ct);
                    result.Aborted++;
                    return new TransactionTrace(statements, "ROLLBACK");
                }
                await ExecAsync(conn, $"ROLLBACK TO SAVEPOINT {Guard}", ct);
            }
        }
        if (tx.Prepared && twoPhase) return await EndInTwoPhasesAsync(conn, tx, statements, result, index, retry, ct);
        if (tx.Rollback)
        {
            await t.RollbackAsync(ct);
            result.RolledBack++;
            return new TransactionTrace(statements, "ROLLBACK");
        }
        try
        {
            if (await WatchedAsync(token => t.CommitAsync(token), ct) is { } stuck)
            {
                result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"COMMIT did not end within {_sessionTimeoutMs / 1000.0} s", stuck, index, Waited: true);
                return new TransactionTrace(statements, "COMMIT");
            }
        }
        catch (PostgresException e) when (retry && IsRetryable(e))
        {
            throw new RetryTransactionException(e);
        }
        catch (PostgresException e) when (IsTViewsError(e))
        {
            result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"at COMMIT: {e.SqlState}: {e.MessageText}", [e.Where ?? "", .. await SessionsAfterAsync(e)], index, Waited(e));
            return new TransactionTrace(statements, "COMMIT");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // A deferred foreign key's check: the COMMIT rolled the transaction back.
            result.Aborted++;
            result.AbortedAtCommit++;
            return new TransactionTrace(statements, "COMMIT");
        }
        result.Committed++;
        return new TransactionTrace(statements, "COMMIT");
    }

    /// <summary>
    /// Ends the open transaction with PREPARE TRANSACTION (where a deferred TVIEW is maintained), then
    /// COMMIT PREPARED, or ROLLBACK PREPARED for a transaction drawn to roll back. PREPARE ends the
    /// session's transaction: the NpgsqlTransaction left open has nothing more to do on the server.
    /// </summary>
    private async Task<TransactionTrace> EndInTwoPhasesAsync(NpgsqlConnection conn, FuzzTransaction tx, List<StatementTrace> statements,
        CaseResult result, int index, bool retry, CancellationToken ct)
    {
        var gid = $"tviews_fuzz_{Guid.NewGuid():N}";
        try
        {
            if (await WatchedAsync(token => ExecAsync(conn, $"PREPARE TRANSACTION '{gid}'", token), ct) is { } stuck)
            {
                result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"PREPARE TRANSACTION did not end within {_sessionTimeoutMs / 1000.0} s", stuck, index, Waited: true);
                return new TransactionTrace(statements, tx.EndSql);
            }
        }
        catch (PostgresException e) when (retry && IsRetryable(e))
        {
            throw new RetryTransactionException(e); // the failed PREPARE rolled the transaction back
        }
        catch (PostgresException e) when (IsTViewsError(e))
        {
            result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"at PREPARE TRANSACTION: {e.SqlState}: {e.MessageText}", [e.Where ?? "", .. await SessionsAfterAsync(e)], index, Waited(e));
            return new TransactionTrace(statements, tx.EndSql);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // A deferred foreign key's check: the failed PREPARE rolled the transaction back.
            result.Aborted++;
            result.AbortedAtCommit++;
            return new TransactionTrace(statements, tx.EndSql);
        }
        var end = tx.Rollback ? "ROLLBACK PREPARED" : "COMMIT PREPARED";
        try
        {
            await ExecAsync(conn, $"{end} '{gid}'", ct);
        }
        catch (PostgresException e)
        {
            // Nothing TViews does may fail here: a deferred TVIEW was maintained at PREPARE.
            try { await ExecAsync(conn, $"ROLLBACK PREPARED '{gid}'", CancellationToken.None); }
            catch (PostgresException) { /* it ended after all; the database is dropped anyway */ }
            result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"at {end}: {e.SqlState}: {e.MessageText}", [e.Where ?? ""], index);
            return new TransactionTrace(statements, tx.EndSql);
        }
        if (tx.Rollback) result.RolledBack++;
        else result.Committed++;
        result.Prepared++;
        return new TransactionTrace(statements, tx.EndSql);
    }

    /// <summary>The application_name of the connection that lists the sessions, which leaves itself out.</summary>
    private const string SessionsApplication = "tviews fuzz: sessions after a timeout";

    /// <summary>Whether <paramref name="e"/> is a statement timeout of a concurrent run (a serial run's timeout is no wait for another session).</summary>
    private bool Waited(PostgresException e) => e.SqlState == PostgresErrorCodes.QueryCanceled && _activityConnection is not null;

    /// <summary>After a statement timeout in a concurrent run, <see cref="SessionsAsync"/>; empty after any other error.</summary>
    private Task<IReadOnlyList<string>> SessionsAfterAsync(PostgresException e) =>
        e.SqlState == PostgresErrorCodes.QueryCanceled ? SessionsAsync() : Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>
    /// Runs a COMMIT or PREPARE TRANSACTION of a concurrent run, which PostgreSQL runs without
    /// statement_timeout once the deferred triggers fire (the flush of a deferred TVIEW): if it has not
    /// ended within the sessions' timeout, lists the sessions (it still waits), cancels it and returns
    /// the list; null when it ended (its errors are thrown as they are).
    /// </summary>
    private async Task<IReadOnlyList<string>?> WatchedAsync(Func<CancellationToken, Task> run, CancellationToken ct)
    {
        if (_activityConnection is null)
        {
            await run(ct);
            return null;
        }
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var task = run(cancel.Token);
        if (await Task.WhenAny(task, Task.Delay(_sessionTimeoutMs, ct)) == task)
        {
            await task;
            return null;
        }
        var sessions = await SessionsAsync();
        await cancel.CancelAsync();
        try { await task; }
        catch (Exception x) when (x is OperationCanceledException or NpgsqlException) { /* canceled: the transaction is rolled back */ }
        return sessions;
    }

    /// <summary>
    /// During a concurrent run: what every session of the case's database is doing (state, wait, how
    /// long, the sessions blocking it, its statement), so that a hang shows who waited for whom, which
    /// the oracle cannot tell.
    /// </summary>
    private async Task<IReadOnlyList<string>> SessionsAsync()
    {
        if (_activityConnection is not { } cs) return [];
        try
        {
            await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { ApplicationName = SessionsApplication }.ConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("""
                SELECT format('session %s: %s, wait %s/%s, transaction %s s, state %s s, blocked by %s: %s',
                              a.pid, a.state, coalesce(a.wait_event_type, '-'), coalesce(a.wait_event, '-'),
                              coalesce(round(extract(epoch FROM now() - a.xact_start)::numeric, 1)::text, '-'), round(extract(epoch FROM now() - a.state_change)::numeric, 1),
                              pg_blocking_pids(a.pid)::text, left(regexp_replace(a.query, '\s+', ' ', 'g'), 300))
                FROM pg_stat_activity AS a
                WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.application_name IS DISTINCT FROM $1
                ORDER BY a.pid
                """, conn);
            cmd.Parameters.AddWithValue(SessionsApplication);
            var lines = new List<string>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
            return lines;
        }
        catch (NpgsqlException x)
        {
            return [$"(the sessions could not be listed: {x.Message})"];
        }
    }

    private static async Task<bool> TwoPhaseAvailableAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT current_setting('max_prepared_transactions')::int > 0", conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>An error raised by TViews' generated code or runtime (the same statement would succeed without TViews), or a timeout.</summary>
    public static bool IsTViewsError(PostgresException e) =>
        (e.Where?.Contains("pg_tviews", StringComparison.Ordinal) ?? false)
        || e.MessageText.Contains("pg_tviews", StringComparison.Ordinal)
        || e.MessageText.Contains("TVIEW", StringComparison.Ordinal)
        || e.SqlState is "XX000" or PostgresErrorCodes.QueryCanceled;

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(sql)) return; // a schema shrunk to no rows
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The class of a refusal: the message with its position, names, quoted text, numbers and
    /// parenthesized lists blanked, up to its first colon or semicolon.
    /// </summary>
    public static string Cause(Exception e)
    {
        var m = e is AnalysisException a ? a.Detail : e is PostgresException p ? p.MessageText : e.Message;
        m = FirstLine(m);
        m = PositionPrefix().Replace(m, "");
        m = TablePrefix().Replace(m, "");
        m = Quoted().Replace(m, "\"…\"");
        m = Names().Replace(m, "…");
        m = Parens().Replace(m, "(…)");
        m = Numbers().Replace(m, "N");
        var cut = m.IndexOfAny([':', ';']);
        if (cut > 15) m = m[..cut];
        var prefix = e switch { AnalysisException => "", PostgresException => "PostgreSQL: ", _ => "" };
        return prefix + (m.Length > 110 ? m[..110] + "…" : m).Trim();
    }

    [GeneratedRegex(@"^(.*?: )?line \d+, column \d+: ")]
    private static partial Regex PositionPrefix();

    [GeneratedRegex(@"^tv_\w+: ")]
    private static partial Regex TablePrefix();

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b(public\.)?(tb|tv)_\w+")]
    private static partial Regex Names();

    [GeneratedRegex(@"\([^()]*\)")]
    private static partial Regex Parens();

    [GeneratedRegex(@"\b\d+\b")]
    private static partial Regex Numbers();
}
