namespace TViews.Cli.Bench;

/// <summary>What the user asked for, validated.</summary>
public sealed record BenchOptions
{
    public double Scale { get; init; } = 0.1;
    public string? OpsSpec { get; init; }
    public TransactionSpec Transactions { get; init; } = TransactionSpec.Default;
    public int Rounds { get; init; } = 3;
    public int BuildRounds { get; init; } = 1;
    public int Seed { get; init; } = 42;
    public IReadOnlyList<string> Modes { get; init; } = Bench.Modes.All;
    public required string BenchDirectory { get; init; }
    /// <summary>An existing server to create the throwaway databases on; null starts a local one.</summary>
    public string? Connection { get; init; }
    public bool KeepDatabases { get; init; }
    /// <summary>Client counts for the concurrent workloads (every mode); empty: not run.</summary>
    public IReadOnlyList<int> ConcurrentClients { get; init; } = [];
    /// <summary>The concurrent workloads to run (those whose scripts the workload directory has).</summary>
    public IReadOnlyList<ConcurrentWorkload> ConcurrentWorkloads { get; init; } = ConcurrentWorkload.All;
    public int ConcurrentSeconds { get; init; } = 20;
    /// <summary>Runs of every concurrent cell (workload, clients, mode), in rounds over all cells; tables show medians.</summary>
    public int ConcurrentRounds { get; init; } = 1;

    /// <summary>When the TViews read models that allow key locks use them (pg_tviews_set_locking); null: as built (whole).</summary>
    public string? Locking { get; init; }

    /// <summary>The --concurrent option: client counts, e.g. "1,2,4,8".</summary>
    public static IReadOnlyList<int> ParseClients(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] :
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"--concurrent: '{t}' is not a positive client count (e.g. 1,2,4,8)"))
            .Distinct().ToList();

    /// <summary>Posts and users at this scale, as data.sql computes them; the scale must give whole numbers.</summary>
    public static (long Posts, long Users) Sizes(double scale)
    {
        var users = 10000 * (decimal)scale;
        if (scale <= 0 || users != decimal.Truncate(users) || users < 1)
            throw new ArgumentException($"--scale {scale}: 10000 x scale must be a whole number of users (e.g. 0.01, 0.1, 1)");
        return ((long)(100000 * (decimal)scale), (long)users);
    }

    public void Validate()
    {
        Sizes(Scale);
        if (Rounds < 1) throw new ArgumentException("--rounds must be at least 1");
        if (BuildRounds < 1) throw new ArgumentException("--build-rounds must be at least 1");
        if (Modes.Count == 0) throw new ArgumentException("--modes selects no mode");
        if (ConcurrentSeconds < 1) throw new ArgumentException("--concurrent-seconds must be at least 1");
        if (ConcurrentRounds < 1) throw new ArgumentException("--concurrent-rounds must be at least 1");
        if (ConcurrentClients.Count > 0 && ConcurrentWorkloads.Count == 0) throw new ArgumentException("--concurrent-workloads selects no workload");
        if (Locking is not (null or "whole" or "auto" or "key")) throw new ArgumentException($"--locking {Locking}: use whole, auto or key");
    }
}
