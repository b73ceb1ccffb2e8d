using System.Text.Json.Serialization;

namespace TViews.Cli.Bench;

/// <summary>The four ways each operation runs, on identical data.</summary>
public static class Modes
{
    public const string Raw = "raw";
    public const string Handwritten = "handwritten";
    /// <summary>TViews as applied: every TVIEW in its own mode (immediate unless tviews.sql says otherwise).</summary>
    public const string TViews = "tviews";
    /// <summary>A copy of the TViews database whose pgbench sessions run with <c>pg_tviews.mode = deferred</c>.</summary>
    public const string TViewsDeferred = "tviews-deferred";
    public static readonly IReadOnlyList<string> All = [Raw, Handwritten, TViews, TViewsDeferred];

    /// <summary>The modes whose database has read models (all but raw).</summary>
    public static bool HasReadModels(string mode) => mode != Raw;

    /// <summary>The modes whose database is the TViews build (immediate or deferred).</summary>
    public static bool IsTViews(string mode) => mode is TViews or TViewsDeferred;

    /// <summary>The session's <c>pg_tviews.mode</c> for a mode's pgbench runs, or null to leave each TVIEW's own mode.</summary>
    public static string? SessionMode(string mode) => mode == TViewsDeferred ? "deferred" : null;

    /// <summary>The environment of a mode's pgbench and psql processes: PGOPTIONS carrying <see cref="SessionMode"/>, appended to any inherited PGOPTIONS.</summary>
    public static IReadOnlyDictionary<string, string> Environment(string mode, string? inheritedPgOptions)
    {
        if (SessionMode(mode) is not { } session) return new Dictionary<string, string>();
        var option = $"-c pg_tviews.mode={session}";
        return new Dictionary<string, string>
        {
            ["PGOPTIONS"] = string.IsNullOrWhiteSpace(inheritedPgOptions) ? option : $"{inheritedPgOptions.Trim()} {option}",
        };
    }

    public static IReadOnlyList<string> Parse(string? spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) return All;
        var wanted = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(m => m.ToLowerInvariant() switch
            {
                "raw" => Raw,
                "handwritten" or "hw" or "yardstick" => Handwritten,
                "tviews" or "tv" or "immediate" or "tviews-immediate" => TViews,
                "tviews-deferred" or "deferred" or "tvd" => TViewsDeferred,
                _ => throw new ArgumentException($"unknown mode '{m}'; modes: raw, handwritten, tviews, tviews-deferred"),
            }).ToHashSet();
        return All.Where(wanted.Contains).ToList();
    }
}

/// <summary>The ways the read models are built from scratch.</summary>
public static class Builds
{
    public const string Handwritten = "handwritten";
    public const string TViews = "tviews";
    public const string CreateTableAs = "create_table_as";
}

/// <summary>Everything one benchmark run measured: written as JSON, printed as tables.</summary>
public sealed class BenchReport
{
    public required BenchConfig Config { get; init; }
    public MachineInfo? Machine { get; set; }
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public double DurationSeconds { get; set; }
    public double DataLoadMs { get; set; }
    public BuildResult Build { get; } = new();
    public List<OpResult> Ops { get; } = [];
    /// <summary>Runs of the concurrent workloads (--concurrent), in run order.</summary>
    public List<ConcurrentResult> Concurrent { get; } = [];
    public List<VerifyResult> Verification { get; } = [];
    /// <summary>Row counts of the source tables per mode after the ops: equal when every database saw the same writes.</summary>
    public Dictionary<string, Dictionary<string, long>> SourceRowCounts { get; } = [];
    public bool? SourcesIdentical { get; set; }
    public List<TargetResult> Targets { get; } = [];
    public List<string> Errors { get; } = [];
}

public sealed record BenchConfig(
    double Scale, long Posts, long Users, int Rounds, int BuildRounds, int Seed,
    IReadOnlyList<string> Modes, IReadOnlyList<string> Ops, string BenchDirectory, string Server)
{
    /// <summary>The TViews read models' locking (--locking): whole (as built), auto or key.</summary>
    public string Locking { get; init; } = "as built";
}

public sealed record MachineInfo(
    int Processors, long MemoryMb, string? Cpu, string Os, string ServerVersion,
    IReadOnlyDictionary<string, string> Settings, string? LoadAverageAtStart, string? LoadAverageAtEnd);

public sealed class OpResult
{
    public required string Op { get; init; }
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required int Transactions { get; init; }
    public required int WarmupTransactions { get; init; }
    /// <summary>pgbench "latency average" of each timed run, per mode, in run order.</summary>
    public Dictionary<string, List<double>> SamplesMs { get; } = [];
    public Dictionary<string, double?> MedianMs { get; } = [];
    public Dictionary<string, string> Errors { get; } = [];
    /// <summary>Ratio of the medians.</summary>
    [JsonPropertyName("tviews_over_handwritten")] public double? TViewsOverHandwritten { get; set; }
    [JsonPropertyName("tviews_over_raw")] public double? TViewsOverRaw { get; set; }
    public double? HandwrittenOverRaw { get; set; }
    /// <summary>Total full REFRESH MATERIALIZED VIEW time of all read models over the TViews latency.</summary>
    /// <summary>Median over rounds of the ratio within each round (runs adjacent in time): robust to slow drift of the machine.</summary>
    [JsonPropertyName("paired_tviews_over_handwritten")] public double? PairedTViewsOverHandwritten { get; set; }
    [JsonPropertyName("paired_tviews_over_raw")] public double? PairedTViewsOverRaw { get; set; }
    [JsonPropertyName("full_refresh_over_tviews")] public double? FullRefreshOverTViews { get; set; }
    /// <summary>TViews deferred over raw, hand-written and TViews immediate (ratios of medians, and paired).</summary>
    [JsonPropertyName("deferred_over_raw")] public double? DeferredOverRaw { get; set; }
    [JsonPropertyName("deferred_over_handwritten")] public double? DeferredOverHandwritten { get; set; }
    [JsonPropertyName("deferred_over_tviews")] public double? DeferredOverTViews { get; set; }
    [JsonPropertyName("paired_deferred_over_raw")] public double? PairedDeferredOverRaw { get; set; }
    [JsonPropertyName("paired_deferred_over_handwritten")] public double? PairedDeferredOverHandwritten { get; set; }
    [JsonPropertyName("paired_deferred_over_tviews")] public double? PairedDeferredOverTViews { get; set; }

    /// <summary>Medians of the samples, and every ratio between the modes (paired ones only when no run failed).</summary>
    public void ComputeRatios(IEnumerable<string> modes)
    {
        foreach (var mode in modes) MedianMs[mode] = Stats.Median(SamplesMs.GetValueOrDefault(mode) ?? []);
        double? Med(string mode) => MedianMs.GetValueOrDefault(mode);
        double? Paired(string a, string b) => Errors.Count == 0 ? Stats.PairedRatio(SamplesMs.GetValueOrDefault(a), SamplesMs.GetValueOrDefault(b)) : null;
        TViewsOverHandwritten = Stats.Ratio(Med(Modes.TViews), Med(Modes.Handwritten));
        TViewsOverRaw = Stats.Ratio(Med(Modes.TViews), Med(Modes.Raw));
        HandwrittenOverRaw = Stats.Ratio(Med(Modes.Handwritten), Med(Modes.Raw));
        PairedTViewsOverHandwritten = Paired(Modes.TViews, Modes.Handwritten);
        PairedTViewsOverRaw = Paired(Modes.TViews, Modes.Raw);
        DeferredOverRaw = Stats.Ratio(Med(Modes.TViewsDeferred), Med(Modes.Raw));
        DeferredOverHandwritten = Stats.Ratio(Med(Modes.TViewsDeferred), Med(Modes.Handwritten));
        DeferredOverTViews = Stats.Ratio(Med(Modes.TViewsDeferred), Med(Modes.TViews));
        PairedDeferredOverRaw = Paired(Modes.TViewsDeferred, Modes.Raw);
        PairedDeferredOverHandwritten = Paired(Modes.TViewsDeferred, Modes.Handwritten);
        PairedDeferredOverTViews = Paired(Modes.TViewsDeferred, Modes.TViews);
    }
}

public sealed class BuildResult
{
    /// <summary>Whole-build times per way of building (handwritten, tviews, create_table_as), one per build round.</summary>
    public Dictionary<string, List<double>> SamplesMs { get; } = [];
    public Dictionary<string, double?> MedianMs { get; } = [];
    /// <summary>CREATE TABLE AS per read model (with the lookup index a later definition needs), last round.</summary>
    public Dictionary<string, double> CreateTableAsPerModelMs { get; } = [];
    /// <summary>Indexes added to the plain builds so later definitions do not scan per outer row.</summary>
    public List<string> LookupIndexes { get; } = [];
    /// <summary>REFRESH MATERIALIZED VIEW per view, one sample per refresh round.</summary>
    public Dictionary<string, List<double>> RefreshSamplesMs { get; } = [];
    public Dictionary<string, double?> RefreshMedianMs { get; } = [];
    public double? RefreshTotalMs { get; set; }
    [JsonPropertyName("tviews_over_handwritten")] public double? TViewsOverHandwritten { get; set; }
    /// <summary>Median of the per-build-round ratios (builds of one round run back to back).</summary>
    [JsonPropertyName("paired_tviews_over_handwritten")] public double? PairedTViewsOverHandwritten { get; set; }
    [JsonPropertyName("tviews_over_create_table_as")] public double? TViewsOverCreateTableAs { get; set; }
    public Dictionary<string, string> Errors { get; } = [];
}

/// <summary>A read model compared with its definition evaluated from scratch.</summary>
/// <param name="Check">"definition" (this harness's full-row comparison) or "engine" (TViewsEngine.VerifyAsync).</param>
public sealed record VerifyResult(string Mode, string Model, string Check, long Missing, long Extra, string? Error, IReadOnlyList<string> Samples)
{
    public bool Ok => Error is null && Missing == 0 && Extra == 0;
}

/// <summary>One target of the issue, with the measured value.</summary>
public sealed record TargetResult(string Target, string Subject, double? Value, string Comparison, double Limit, bool? Met, string? Note);
