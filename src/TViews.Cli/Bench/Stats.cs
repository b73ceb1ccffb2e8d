namespace TViews.Cli.Bench;

/// <summary>The little statistics the benchmark needs: medians of alternated samples and their ratios.</summary>
public static class Stats
{
    /// <summary>The median (mean of the middle two for an even count); null for no samples.</summary>
    public static double? Median(IEnumerable<double> samples)
    {
        var sorted = samples.Where(double.IsFinite).OrderBy(x => x).ToArray();
        if (sorted.Length == 0) return null;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>a / b, or null when either is missing or b is not positive.</summary>
    public static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;

    /// <summary>The median of a[i] / b[i] over the rounds both have (sample i of each mode is from round i).</summary>
    public static double? PairedRatio(IReadOnlyList<double>? a, IReadOnlyList<double>? b) =>
        a is null || b is null ? null : Median(a.Zip(b).Where(p => p.Second > 0).Select(p => p.First / p.Second));

    /// <summary>
    /// The order of the modes in round <paramref name="round"/>: rotated by one each round
    /// (A B C, B C A, C A B, ...), so no mode always runs first or last on a drifting machine.
    /// </summary>
    public static IReadOnlyList<T> Rotation<T>(IReadOnlyList<T> items, int round)
    {
        if (items.Count == 0) return items;
        var shift = ((round % items.Count) + items.Count) % items.Count;
        return items.Skip(shift).Concat(items.Take(shift)).ToList();
    }
}
