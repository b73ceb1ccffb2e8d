using TViews.Runtime;

namespace TViews.Cli.Bench;

/// <summary>The TViews side of the benchmark: the engine applying tviews.sql, and its own verification.</summary>
public static class TViewsMode
{
    /// <summary>Parses the script and applies it (what <c>tviews apply</c> does); the caller times it.</summary>
    public static async Task BuildAsync(string connectionString, string scriptPath, Action<string> log, CancellationToken ct)
    {
        var engine = new TViewsEngine(connectionString) { Log = log };
        var definitions = TViewDefinition.FromScript(await File.ReadAllTextAsync(scriptPath, ct), Path.GetFileName(scriptPath));
        await engine.ApplyAsync(definitions, ct);
    }

    /// <summary>TViewsEngine.VerifyAsync over every TVIEW, grouped per read model.</summary>
    public static async Task<IReadOnlyList<VerifyResult>> VerifyAsync(string connectionString, IReadOnlyList<ReadModelDefinition> definitions, CancellationToken ct)
    {
        var engine = new TViewsEngine(connectionString);
        var divergences = await engine.VerifyAsync([], ct: ct);
        return definitions.Select(d =>
        {
            var entity = d.Name.StartsWith("tv_", StringComparison.Ordinal) ? d.Name[3..] : d.Name;
            var mine = divergences.Where(x => x.Entity == entity).ToList();
            bool Is(Divergence x, string kind) => x.Kind.Contains(kind, StringComparison.OrdinalIgnoreCase);
            var missing = mine.Count(x => Is(x, "missing"));
            return new VerifyResult(Modes.TViews, d.Name, "engine", missing, mine.Count - missing, null,
                mine.Take(3).Select(x => $"{x.Kind} {Trim(x.Row)}").ToList());
        }).ToList();
    }

    private static string Trim(string s) => s.Length <= 300 ? s : s[..297] + "...";
}
