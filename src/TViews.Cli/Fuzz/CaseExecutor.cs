using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Sql;

namespace TViews.Cli.Fuzz;

/// <summary>What went wrong: a TVIEW differing from its definition, or TViews itself failing (at apply, or inside a write).</summary>
public sealed record FuzzFinding(string Kind, string TView, string Summary, IReadOnlyList<string> Details, int Transaction)
{
    public const string Divergence = "divergence";
    public const string MaintenanceError = "maintenance error";
    public const string ApplyError = "apply error";

    /// <summary>The same bug as another finding, as far as shrinking can tell.</summary>
    public bool SameAs(FuzzFinding other) => Kind == other.Kind && (Kind != Divergence || TView == other.TView);
}

public sealed record StatementTrace(FuzzStatement Statement, string? Error);

/// <summary>A transaction as it ran: its statements with their errors, and how it ended (COMMIT, ROLLBACK, or aborted by an unguarded error).</summary>
public sealed record TransactionTrace(IReadOnlyList<StatementTrace> Statements, string End);

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
    public int StatementsRun { get; set; }
    public int StatementsFailed { get; set; }
    public FuzzFinding? Finding { get; set; }

    public TimeSpan ApplyTime { get; set; }
    public TimeSpan WorkloadTime { get; set; }
    public TimeSpan OracleTime { get; set; }

    /// <summary>True when the time budget ended the run before the last transaction.</summary>
    public bool Incomplete { get; set; }
}

/// <summary>
/// Runs one case in a fresh database: schema, seed rows, each definition applied through the engine
/// (refusals recorded by cause), an optional sabotage, then every transaction followed by the oracle.
/// Stops at the first finding.
/// </summary>
public sealed partial class CaseExecutor(FuzzDatabases databases, string mode = "immediate", string locking = "whole")
{
    private static readonly string[] MixedModes = ["", "deferred", "immediate"];

    private const string Guard = "fuzz_guard";

    public async Task<CaseResult> RunAsync(FuzzCase c, DateTime? deadline = null, CancellationToken ct = default)
    {
        var result = new CaseResult();
        var cs = await databases.CreateDatabaseAsync($"fuzz_{c.Seed}_{c.Set}", ct);
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync(ct);
            await ExecAsync(conn, "SET statement_timeout = '120s'", ct);
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
            for (var i = 0; i < c.Transactions.Count; i++)
            {
                if (deadline is { } d && DateTime.UtcNow > d) { result.Incomplete = true; break; }
                ct.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var trace = await RunTransactionAsync(conn, c.Transactions[i], result, i, ct);
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

    /// <summary>The pg_tviews.mode of statement <paramref name="statement"/> of transaction <paramref name="index"/> (null: leave it).</summary>
    private string? ModeFor(int index, int statement) => mode switch
    {
        "deferred" or "immediate" => statement == 0 ? mode : null,
        _ => statement % 3 == 0 ? MixedModes[(index + statement / 3) % 3] : null,
    };

    private async Task<TransactionTrace> RunTransactionAsync(NpgsqlConnection conn, FuzzTransaction tx, CaseResult result, int index, CancellationToken ct)
    {
        var statements = new List<StatementTrace>();
        await using var t = await conn.BeginTransactionAsync(ct);
        var number = 0;
        foreach (var s in tx.Statements)
        {
            if (ModeFor(index, number++) is { } m) await ExecAsync(conn, $"SET LOCAL pg_tviews.mode = '{m}'", ct);
            result.StatementsRun++;
            try
            {
                if (s.Guarded) await ExecAsync(conn, $"SAVEPOINT {Guard}", ct);
                await ExecAsync(conn, s.Sql, ct);
                if (s.Guarded) await ExecAsync(conn, $"RELEASE SAVEPOINT {Guard}", ct);
                statements.Add(new StatementTrace(s, null));
            }
            catch (PostgresException e)
            {
                result.StatementsFailed++;
                statements.Add(new StatementTrace(s, $"{e.SqlState}: {e.MessageText}"));
                if (IsTViewsError(e))
                {
                    result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"{e.SqlState}: {e.MessageText}",
                        [s.Sql, e.Where ?? ""], index);
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
        if (tx.Rollback)
        {
            await t.RollbackAsync(ct);
            result.RolledBack++;
            return new TransactionTrace(statements, "ROLLBACK");
        }
        try
        {
            await t.CommitAsync(ct);
        }
        catch (PostgresException e) when (IsTViewsError(e))
        {
            result.Finding = new FuzzFinding(FuzzFinding.MaintenanceError, "", $"at COMMIT: {e.SqlState}: {e.MessageText}", [e.Where ?? ""], index);
            return new TransactionTrace(statements, "COMMIT");
        }
        result.Committed++;
        return new TransactionTrace(statements, "COMMIT");
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
