using TViews.Cli.Logging;
using TViews.Runtime;

namespace TViews.Cli.Bench;

/// <summary>The TViews side of the benchmark: the engine applying tviews.sql, and its own verification.</summary>
public static class TViewsMode
{
    /// <summary>Parses the script and applies it (what <c>tviews apply</c> does); the caller times it.</summary>
    public static async Task BuildAsync(string connectionString, string scriptPath, Action<string> log, CancellationToken ct)
    {
        var engine = new TViewsEngine(connectionString, logger: new ActionLogger(log));
        var definitions = TViewDefinition.FromScript(await File.ReadAllTextAsync(scriptPath, ct), Path.GetFileName(scriptPath));
        await engine.ApplyAsync(definitions, ct);
    }

    /// <summary>TViewsEngine.VerifyAsync over every TVIEW, grouped per read model, reported under <paramref name="mode"/>.</summary>
    public static async Task<IReadOnlyList<VerifyResult>> VerifyAsync(string connectionString, string mode, IReadOnlyList<ReadModelDefinition> definitions, CancellationToken ct)
    {
        var engine = new TViewsEngine(connectionString);
        var divergences = await engine.VerifyAsync([], ct: ct);
        return definitions.Select(d =>
        {
            var entity = d.Name.StartsWith("tv_", StringComparison.Ordinal) ? d.Name[3..] : d.Name;
            var mine = divergences.Where(x => x.Entity == entity).ToList();
            bool Is(Divergence x, string kind) => x.Kind.Contains(kind, StringComparison.OrdinalIgnoreCase);
            var missing = mine.Count(x => Is(x, "missing"));
            return new VerifyResult(mode, d.Name, "engine", missing, mine.Count - missing, null,
                mine.Take(3).Select(x => $"{x.Kind} {Trim(x.Row)}").ToList());
        }).ToList();
    }

    /// <summary>
    /// No transaction left rows in the deferred queue (<c>pg_tviews_queue</c>): every COMMIT flushed what
    /// its statements queued. Rows left over are reported as "extra", with the TVIEWs they are for.
    /// </summary>
    public static async Task<VerifyResult> QueueEmptyAsync(Npgsql.NpgsqlConnection conn, string mode, CancellationToken ct)
    {
        const string find = """
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = 'pg_tviews_queue' AND c.relkind = 'r' ORDER BY n.nspname LIMIT 1
            """;
        string? table;
        await using (var cmd = new Npgsql.NpgsqlCommand(find, conn)) table = await cmd.ExecuteScalarAsync(ct) as string;
        if (table is null) return new VerifyResult(mode, "pg_tviews_queue", "queue empty", 0, 0, null, ["no queue table"]);
        await using var count = new Npgsql.NpgsqlCommand($"SELECT entity, count(*) FROM {table} GROUP BY entity ORDER BY entity", conn);
        var left = new List<string>();
        long rows = 0;
        await using (var r = await count.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                rows += r.GetInt64(1);
                left.Add($"{r.GetString(0)}: {r.GetInt64(1)} rows");
            }
        return new VerifyResult(mode, "pg_tviews_queue", "queue empty", 0, rows, null, left);
    }

    private static string Trim(string s) => s.Length <= 300 ? s : s[..297] + "...";
}
