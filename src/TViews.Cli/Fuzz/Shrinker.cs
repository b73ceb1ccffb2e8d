namespace TViews.Cli.Fuzz;

/// <summary>
/// Shrinks a failing case while the same finding persists: transactions after the failing one,
/// definitions not involved (with what reads them), transactions and statements (halves, then one
/// at a time), rollbacks and two-phase ends made plain commits, seed rows, user triggers, foreign
/// keys (or their deferral), and whole tables. Each candidate runs in a fresh database; the run is
/// deterministic, so a candidate fails or not for good.
/// </summary>
public sealed class Shrinker(CaseExecutor executor, FuzzFinding target, TimeSpan budget, Action<string>? log = null)
{
    private readonly DateTime _deadline = DateTime.UtcNow + budget;

    public int Attempts { get; private set; }

    private bool OutOfTime => DateTime.UtcNow > _deadline;

    public async Task<(FuzzCase Case, CaseResult Result)> ShrinkAsync(FuzzCase c, CaseResult result, CancellationToken ct = default)
    {
        var best = (Case: Cut(c, result), Result: result);
        async Task<bool> TryAsync(FuzzCase candidate)
        {
            if (OutOfTime) return false;
            Attempts++;
            var r = await executor.RunAsync(candidate, null, ct);
            if (r.Finding is not { } f || !f.SameAs(target)) return false;
            best = (Cut(candidate, r), r);
            return true;
        }

        // Definitions that were never created change nothing: drop them at once.
        var unused = best.Case.Definitions.Where(d => !best.Result.Accepted.Contains(d)).ToList();
        if (unused.Count > 0) await TryAsync(best.Case with { Definitions = best.Case.Definitions.Except(unused).ToList() });

        for (var round = 0; round < 4 && !OutOfTime; round++)
        {
            var before = Size(best.Case);
            foreach (var d in best.Case.Definitions.Reverse().ToList())
                if (best.Case.Definitions.Contains(d)) await TryAsync(WithoutDefinitions(best.Case, [d.Table]));
            await ShrinkListAsync(() => best.Case.Transactions, list => best.Case with { Transactions = list }, TryAsync);
            for (var i = 0; i < best.Case.Transactions.Count && !OutOfTime; i++)
            {
                var index = i;
                await ShrinkListAsync(() => index < best.Case.Transactions.Count ? best.Case.Transactions[index].Statements : [],
                    list => best.Case with { Transactions = best.Case.Transactions.Select((t, j) => j == index ? t with { Statements = list } : t).ToList() }, TryAsync);
                if (index < best.Case.Transactions.Count && best.Case.Transactions[index].Rollback)
                    await TryAsync(best.Case with { Transactions = best.Case.Transactions.Select((t, j) => j == index ? t with { Rollback = false } : t).ToList() });
                if (index < best.Case.Transactions.Count && best.Case.Transactions[index].Prepared)
                    await TryAsync(best.Case with { Transactions = best.Case.Transactions.Select((t, j) => j == index ? t with { Prepared = false } : t).ToList() });
            }
            foreach (var table in best.Case.Schema.Tables.Select(t => t.Name).Reverse().ToList())
                if (best.Case.Schema.Tables.Any(t => t.Name == table)) await TryAsync(WithoutTable(best.Case, table));
            foreach (var trigger in best.Case.Schema.Triggers.ToList())
                await TryAsync(best.Case with { Schema = best.Case.Schema with { Triggers = best.Case.Schema.Triggers.Where(t => t != trigger).ToList() } });
            foreach (var table in best.Case.Schema.Tables.Select(t => t.Name).ToList())
                await ShrinkListAsync(() => best.Case.Schema.Rows.Where(r => r.Table == table).ToList(),
                    list => best.Case with { Schema = best.Case.Schema with { Rows = best.Case.Schema.Rows.Where(r => r.Table != table).Concat(list).ToList() } }, TryAsync);
            foreach (var (table, fk) in best.Case.Schema.Tables.SelectMany(t => t.ForeignKeys.Select(f => (t.Name, f))).ToList())
                await TryAsync(WithForeignKey(best.Case, table, fk, null));
            // One the finding needs, checked at once instead of at COMMIT when that keeps it.
            foreach (var (table, fk) in best.Case.Schema.Tables.SelectMany(t => t.ForeignKeys.Where(f => f.Deferred).Select(f => (t.Name, f))).ToList())
                await TryAsync(WithForeignKey(best.Case, table, fk, fk with { Deferred = false }));
            log?.Invoke($"shrink round {round + 1}: {Describe(best.Case)} ({Attempts} runs)");
            if (Size(best.Case) == before) break;
        }
        return best;
    }

    /// <summary>Removes chunks of a list (halves, quarters, ... single items) while the case keeps failing.</summary>
    private async Task ShrinkListAsync<T>(Func<IReadOnlyList<T>> current, Func<List<T>, FuzzCase> with, Func<FuzzCase, Task<bool>> tryAsync)
    {
        for (var chunk = Math.Max(1, current().Count / 2); chunk >= 1 && !OutOfTime; chunk /= 2)
        {
            for (var start = 0; start < current().Count && !OutOfTime;)
            {
                var list = current().ToList();
                var candidate = list.Take(start).Concat(list.Skip(start + chunk)).ToList();
                if (!await tryAsync(with(candidate))) start += chunk;
            }
            if (chunk == 1) break;
        }
    }

    /// <summary>Drops the transactions after the one that failed.</summary>
    private static FuzzCase Cut(FuzzCase c, CaseResult r) =>
        r.Finding is { Transaction: var t } && t + 1 < c.Transactions.Count ? c with { Transactions = c.Transactions.Take(Math.Max(0, t + 1)).ToList() } : c;

    private static FuzzCase WithoutDefinitions(FuzzCase c, IEnumerable<string> tables)
    {
        var gone = new HashSet<string>(tables);
        // whatever reads a removed TVIEW goes too
        foreach (var d in c.Definitions)
            if (d.Reads.Any(gone.Contains)) gone.Add(d.Table);
        return c with { Definitions = c.Definitions.Where(d => !gone.Contains(d.Table)).ToList() };
    }

    private static FuzzCase WithoutTable(FuzzCase c, string table)
    {
        var s = c.Schema;
        var tables = s.Tables.Where(t => t.Name != table)
            .Select(t => t with { ForeignKeys = t.ForeignKeys.Where(f => f.Target != table).ToList() }).ToList();
        var schema = new FuzzSchema(tables, s.Triggers.Where(t => !t.Tables.Contains(table)).ToList(), s.Rows.Where(r => r.Table != table).ToList());
        var transactions = c.Transactions.Select(t => t with { Statements = t.Statements.Where(st => !st.Tables.Contains(table)).ToList() }).ToList();
        return WithoutDefinitions(c, c.Definitions.Where(d => d.Reads.Contains(table)).Select(d => d.Table)) with { Schema = schema, Transactions = transactions };
    }

    /// <summary>The case with foreign key <paramref name="fk"/> of <paramref name="table"/> replaced (null: dropped).</summary>
    private static FuzzCase WithForeignKey(FuzzCase c, string table, FuzzForeignKey fk, FuzzForeignKey? replacement) =>
        c with
        {
            Schema = c.Schema with
            {
                Tables = c.Schema.Tables.Select(t => t.Name == table
                    ? t with { ForeignKeys = t.ForeignKeys.SelectMany(f => f != fk ? [f] : replacement is null ? [] : new[] { replacement }).ToList() }
                    : t).ToList(),
            },
        };

    private static int Size(FuzzCase c) =>
        c.Schema.Tables.Count + c.Schema.Rows.Count + c.Schema.Triggers.Count + c.Schema.Tables.Sum(t => t.ForeignKeys.Count)
        + c.Definitions.Count + c.Transactions.Count + c.Transactions.Sum(t => t.Statements.Count);

    public static string Describe(FuzzCase c) => CaseSize.Of(c).ToString();
}

/// <summary>How big a case is, for reports and for tests of the shrinker.</summary>
public sealed record CaseSize(int Tables, int Rows, int Definitions, int Transactions, int Statements)
{
    public static CaseSize Of(FuzzCase c) =>
        new(c.Schema.Tables.Count, c.Schema.Rows.Count, c.Definitions.Count, c.Transactions.Count, c.Transactions.Sum(t => t.Statements.Count));

    public override string ToString() =>
        $"{Tables} tables, {Rows} rows, {Definitions} definitions, {Transactions} transactions, {Statements} statements";
}
