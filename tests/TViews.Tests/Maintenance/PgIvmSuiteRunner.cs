using System.Text.RegularExpressions;
using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>How an entry of the suite ended.</summary>
public enum SuiteResultKind
{
    /// <summary>Its group stopped before it was checked to the end (the detail says why).</summary>
    NotRun,
    /// <summary>Created, and equal to its definition after every step.</summary>
    Maintained,
    /// <summary>Refused at creation with a TViewsException (a reason, and a position when it has one).</summary>
    Refused,
    /// <summary>Creation failed with anything else, or with a message saying "internal error".</summary>
    InternalError,
    /// <summary>Created, then differed from its definition.</summary>
    Diverged,
    /// <summary>Created, then made a write fail that succeeds without it.</summary>
    WriteFailed,
    /// <summary>Created, then a write failed because the definition itself fails on the new data (division by zero, a subquery yielding two rows): pg_ivm fails there too.</summary>
    DefinitionFails,
}

/// <summary>The outcome of one entry; <see cref="Detail"/> says what happened and when.</summary>
public sealed class SuiteResult(PgIvmEntry entry)
{
    public PgIvmEntry Entry { get; } = entry;
    public SuiteResultKind Kind { get; set; } = SuiteResultKind.NotRun;
    public string Detail { get; set; } = "not run";

    /// <summary>What creation threw, when it did.</summary>
    public Exception? Error { get; set; }

    public TViewsOutcome? Outcome => Kind switch
    {
        SuiteResultKind.Maintained => TViewsOutcome.Maintained,
        SuiteResultKind.Refused => TViewsOutcome.Refused,
        _ => null,
    };

    /// <summary>The reason, grouped: what the report counts by.</summary>
    public string Reason => Kind switch
    {
        SuiteResultKind.Refused when Detail.Contains("not provably unique", StringComparison.Ordinal) => "refused: key not provably unique",
        SuiteResultKind.Refused when Detail.Contains("must never be NULL", StringComparison.Ordinal) => "refused: key may be NULL",
        SuiteResultKind.Refused => "refused: other reason",
        var k => k.ToString(),
    };

    public override string ToString() => $"{Entry.Name} [{Reason}] {Detail}";
}

/// <summary>
/// Runs one group of the suite in a database of its own: its schema, every entry created (or
/// refused), the group's blocks with the oracle after each statement, then a seeded random workload.
/// A created TVIEW that diverges or makes a write fail is recorded and dropped, and the block runs
/// again without it, so one failure does not hide the others.
/// </summary>
public sealed partial class SuiteGroupRunner(SuiteGroup group, IReadOnlyList<SuiteResult> results, Action<string> log)
{
    private const int RandomTransactions = 150;
    private const int CheckEvery = 10;

    private sealed record Live(SuiteResult Result, string Visible, string Query);

    private readonly List<Live> _live = [];
    private readonly List<Live> _pendingDrop = [];
    private string _cs = "";
    private NpgsqlConnection _conn = null!;

    public async Task RunAsync()
    {
        var created = await TestServer.CreateDatabaseAsync("ivm_" + group.Name);
        // Tables never analysed are estimated at thousands of rows, so the oracle's cross joins cost
        // enough for JIT, whose compilation takes far longer than these few rows (the generated
        // functions turn it off themselves).
        _cs = new NpgsqlConnectionStringBuilder(created) { Options = "-c jit=off" }.ConnectionString;
        try
        {
            _conn = new NpgsqlConnection(_cs);
            await _conn.OpenAsync();
            await ExecAsync(group.Schema);
            await new TViewsEngine(_cs).InstallAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var r in results) await CreateAsync(r);
            log($"{group.Name}: {_live.Count} of {results.Count} created in {clock.Elapsed.TotalSeconds:F1} s");
            await CheckAsync("after creation");
            await DropPendingAsync();
            clock.Restart();
            for (var b = 0; b < group.Blocks.Count; b++) await RunBlockAsync(group.Blocks[b], b + 1);
            log($"{group.Name}: {group.Blocks.Count} blocks in {clock.Elapsed.TotalSeconds:F1} s");
            clock.Restart();
            await RunRandomAsync();
            log($"{group.Name}: random workload in {clock.Elapsed.TotalSeconds:F1} s");
        }
        catch (GroupStopped stop)
        {
            foreach (var l in _live.Concat(_pendingDrop).Where(l => l.Result.Kind == SuiteResultKind.Maintained))
            {
                l.Result.Kind = SuiteResultKind.NotRun;
                l.Result.Detail = $"group {group.Name} stopped: {stop.Message}";
            }
            log($"{group.Name}: stopped: {stop.Message}");
        }
        finally
        {
            if (_conn is not null) await _conn.DisposeAsync();
            await TestServer.DropDatabaseAsync(_cs);
        }
    }

    /// <summary>An error TViews raised during a write that no entry can be blamed for: the group cannot go on meaningfully.</summary>
    private sealed class GroupStopped(string message) : Exception(message);

    private async Task CreateAsync(SuiteResult r)
    {
        try
        {
            var definition = TViewDefinition.FromScript(r.Entry.Script, r.Entry.Origin).Single();
            await new TViewsEngine(_cs).CreateAsync(definition);
            _live.Add(new Live(r, await VisibleRowsAsync(r.Entry.Table), definition.QueryText));
            r.Kind = SuiteResultKind.Maintained;
            r.Detail = "exact after every step";
        }
        catch (Exception e)
        {
            r.Error = e;
            if (e is TViewsException refusal && !refusal.Message.Contains("internal error", StringComparison.OrdinalIgnoreCase))
            {
                r.Kind = SuiteResultKind.Refused;
                r.Detail = $"{FirstLine(e.Message)} [{refusal.ErrorCode}{(refusal.Location is null ? ", no position" : "")}]";
            }
            else
            {
                r.Kind = SuiteResultKind.InternalError;
                r.Detail = $"{e.GetType().Name}: {FirstLine(e.Message)}";
            }
        }
    }

    /// <summary>The table's rows as the definition yields them: columns TViews adds (<c>pg_tviews_*</c>, e.g. the one-row key) left out.</summary>
    private async Task<string> VisibleRowsAsync(string table)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = @t::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE 'pg\_tviews\_%'
            """, _conn);
        cmd.Parameters.AddWithValue("t", table);
        return $"(SELECT {(string)(await cmd.ExecuteScalarAsync())!} FROM {table})";
    }

    // ------------------------------------------------------------------ the oracle

    /// <summary>Every live TVIEW against its definition; one that differs is recorded and dropped after the current transaction.</summary>
    private async Task CheckAsync(string when, bool inTransaction = false)
    {
        foreach (var l in _live.ToList())
        {
            if (inTransaction) await ExecAsync("SAVEPOINT pg_ivm_check");
            try
            {
                var differences = await Oracle.DifferencesAsync(_conn, l.Visible, l.Query);
                if (inTransaction) await ExecAsync("RELEASE SAVEPOINT pg_ivm_check");
                if (differences.Count > 0)
                    Fail(l, SuiteResultKind.Diverged, $"{when}: {string.Join("; ", differences.Take(6))}");
            }
            catch (PostgresException e)
            {
                if (inTransaction) await ExecAsync("ROLLBACK TO SAVEPOINT pg_ivm_check; RELEASE SAVEPOINT pg_ivm_check");
                Fail(l, SuiteResultKind.DefinitionFails, $"{when}: the definition itself fails: {e.SqlState}: {e.MessageText}");
            }
        }
    }

    private void Fail(Live l, SuiteResultKind kind, string detail)
    {
        l.Result.Kind = kind;
        l.Result.Detail = detail;
        _live.Remove(l);
        _pendingDrop.Add(l);
        log($"{group.Name}: {l.Result.Entry.Name}: {kind}: {detail}");
    }

    /// <summary>Drops the TVIEWs that failed (outside any transaction, so a rollback cannot bring them back), with what reads them.</summary>
    private async Task DropPendingAsync()
    {
        foreach (var l in _pendingDrop)
        {
            var dropped = await new TViewsEngine(_cs).DropAsync(l.Result.Entry.Table, cascade: true, ifExists: true);
            foreach (var dependent in _live.Where(d => dropped.Contains(d.Result.Entry.Table)).ToList())
            {
                dependent.Result.Kind = SuiteResultKind.NotRun;
                dependent.Result.Detail = $"dropped with {l.Result.Entry.Table}, which it reads";
                _live.Remove(dependent);
            }
        }
        _pendingDrop.Clear();
    }

    // ------------------------------------------------------------------ blocks and the random workload

    private async Task RunBlockAsync(SuiteBlock block, int number)
    {
        if (block.RequiresEntry is { } required && _live.All(l => l.Result.Entry.Name != required)) return;
        // A failure blames (and drops) one TVIEW: run the block again until it passes.
        while (!await TryBlockAsync(block, $"block {number}")) await DropPendingAsync();
        await DropPendingAsync();
    }

    private async Task<bool> TryBlockAsync(SuiteBlock block, string label)
    {
        if (block.Transaction) await ExecAsync("BEGIN");
        for (var s = 0; s < block.Statements.Count; s++)
        {
            var sql = block.Statements[s];
            try
            {
                await ExecAsync(sql);
            }
            catch (PostgresException e)
            {
                await ExecAsync("ROLLBACK");
                if (!IsTViewsError(e))
                    throw new InvalidOperationException($"group {group.Name}, {label}: the suite's own statement failed without TViews being involved: {sql}: {e.MessageText}", e);
                await BlameAsync(e, $"{label}, `{sql}`", block.Statements.Take(s + 1).ToList());
                return false;
            }
            await CheckAsync($"{label}, after `{sql}`", block.Transaction);
        }
        if (block.Transaction)
        {
            await ExecAsync(block.RollBack ? "ROLLBACK" : "COMMIT");
            await CheckAsync($"{label}, after {(block.RollBack ? "ROLLBACK" : "COMMIT")}");
        }
        return true;
    }

    private async Task RunRandomAsync()
    {
        var seed = TestSeed.Pick(group.Seed, 100_000);
        var rng = new Random(seed);
        var committed = 0;
        for (var t = 0; t < RandomTransactions && _live.Count > 0; t++)
        {
            var statements = Enumerable.Range(0, 1 + rng.Next(3)).Select(_ => group.RandomStatement(rng)).ToList();
            var rollBack = rng.Next(10) == 0;
            await ExecAsync("BEGIN");
            var failed = false;
            for (var s = 0; s < statements.Count && !failed; s++)
            {
                try
                {
                    await ExecAsync(statements[s]);
                }
                catch (PostgresException e)
                {
                    failed = true;
                    await ExecAsync("ROLLBACK");
                    // A key or foreign key the random statement broke is the application's error, not ours.
                    if (IsTViewsError(e)) await BlameAsync(e, $"seed {seed}, random transaction {t}, `{statements[s]}`", statements.Take(s + 1).ToList());
                }
            }
            if (!failed)
            {
                await ExecAsync(rollBack ? "ROLLBACK" : "COMMIT");
                if (!rollBack) committed++;
            }
            if ((t + 1) % CheckEvery == 0 || t == RandomTransactions - 1) await CheckAsync($"seed {seed}, after random transaction {t}");
            await DropPendingAsync();
        }
        log($"{group.Name}: seed {seed}: {committed} of {RandomTransactions} random transactions committed");
    }

    // ------------------------------------------------------------------ blame

    /// <summary>
    /// A write failed in TViews' code: find the TVIEW whose code raised it, and tell a failing definition
    /// (the same statements with every trigger off leave data the definition cannot be evaluated on)
    /// from a TViews failure.
    /// </summary>
    private async Task BlameAsync(PostgresException e, string when, IReadOnlyList<string> statementsSoFar)
    {
        var text = $"{e.Where}\n{e.MessageText}";
        var culprit = EntityPatterns()
            .SelectMany(p => p.Matches(text).Select(m => m.Groups[1].Value))
            .Select(entity => _live.FirstOrDefault(l => l.Result.Entry.Name == entity))
            .FirstOrDefault(l => l is not null);
        var what = $"{e.SqlState}: {e.MessageText}{(e.Where is { } w ? $" ({FirstLine(w)})" : "")}";
        if (culprit is null) throw new GroupStopped($"{when}: a TViews error no TVIEW can be blamed for: {what}");
        var definitionError = await DefinitionErrorAsync(culprit, statementsSoFar);
        if (definitionError is not null) Fail(culprit, SuiteResultKind.DefinitionFails, $"{when}: {what}; the definition itself fails there: {definitionError}");
        else Fail(culprit, SuiteResultKind.WriteFailed, $"{when}: {what}");
    }

    private async Task<string?> DefinitionErrorAsync(Live l, IReadOnlyList<string> statements)
    {
        await ExecAsync("BEGIN; SET LOCAL session_replication_role = replica");
        try
        {
            foreach (var sql in statements) await ExecAsync(sql);
        }
        catch (PostgresException)
        {
            await ExecAsync("ROLLBACK");
            return null; // not replayable without triggers: no verdict, blame TViews
        }
        try
        {
            await ExecAsync($"SELECT count(*) FROM ({l.Query}) pg_ivm_probe");
            return null;
        }
        catch (PostgresException d)
        {
            return $"{d.SqlState}: {d.MessageText}";
        }
        finally
        {
            await ExecAsync("ROLLBACK");
        }
    }

    /// <summary>Names of generated code and messages that carry a TVIEW's entity: apply, trigger and sync functions, the table.</summary>
    private static IEnumerable<Regex> EntityPatterns() => [ApplyFunction(), TriggerFunction(), TableName()];

    [GeneratedRegex(@"pg_tviews_(?:apply|sync)_([a-z0-9_]+)\(")]
    private static partial Regex ApplyFunction();

    [GeneratedRegex(@"pg_tviews_([a-z0-9_]+?)__")]
    private static partial Regex TriggerFunction();

    [GeneratedRegex(@"\btv_([a-z0-9_]+)")]
    private static partial Regex TableName();

    /// <summary>An error raised by TViews' generated code or runtime: the same statement succeeds without TViews.</summary>
    private static bool IsTViewsError(PostgresException e) =>
        (e.Where?.Contains("pg_tviews", StringComparison.Ordinal) ?? false)
        || e.MessageText.Contains("pg_tviews", StringComparison.Ordinal)
        || e.MessageText.Contains("TVIEW", StringComparison.Ordinal)
        || e.SqlState is "XX000" or PostgresErrorCodes.QueryCanceled;

    private async Task ExecAsync(string sql)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var cmd = new NpgsqlCommand(sql, _conn) { CommandTimeout = 120 };
        await cmd.ExecuteNonQueryAsync();
        if (clock.ElapsedMilliseconds > 1000) log($"{group.Name}: slow statement, {clock.ElapsedMilliseconds} ms: {sql}");
    }

    private static string FirstLine(string s) => s.Split('\n')[0];
}
