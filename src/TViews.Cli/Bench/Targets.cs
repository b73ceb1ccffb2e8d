namespace TViews.Cli.Bench;

/// <summary>The targets of the issue, checked against the medians of one run.</summary>
public static class Targets
{
    public const double VersusHandwritten = 1.10;
    public const double UnreadVersusRaw = 1.05;
    public const double BuildVersusHandwritten = 1.20;
    public const double RefreshOverSingleRow = 1000;

    public static void Evaluate(BenchReport report, IReadOnlyList<BenchOp> ops)
    {
        var t = report.Targets;
        t.Clear();
        foreach (var op in report.Ops)
            t.Add(AtMost("each op <= 1.10x hand-written", $"{op.Op} TViews/handwritten", op.TViewsOverHandwritten, VersusHandwritten, null));
        foreach (var op in report.Ops.Where(o => ops.Any(x => x.Name == o.Name && x.ReadByNoModel)))
            t.Add(AtMost("unread-column update <= 1.05x raw", $"{op.Op} TViews/raw", op.TViewsOverRaw, UnreadVersusRaw, null));
        t.Add(AtMost("build <= 1.20x hand-written build", "build TViews/handwritten", report.Build.TViewsOverHandwritten, BuildVersusHandwritten, null));
        foreach (var op in report.Ops.Where(o => o.Kind == nameof(OpKind.SingleRow)))
            t.Add(AtLeast("single-row op >= 1,000x faster than full refresh", $"{op.Op} full refresh/TViews", op.FullRefreshOverTViews,
                RefreshOverSingleRow, report.Config.Scale < 1 ? "target set at scale 1: a full refresh shrinks with the data, a single-row write does not" : null));
    }

    private static TargetResult AtMost(string target, string subject, double? value, double limit, string? note) =>
        new(target, subject, value, "<=", limit, value is { } v ? v <= limit : null, note);

    private static TargetResult AtLeast(string target, string subject, double? value, double limit, string? note) =>
        new(target, subject, value, ">=", limit, value is { } v ? v >= limit : null, note);
}

/// <summary>Number formatting shared by the log and the tables.</summary>
public static class Format
{
    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    public static string Ms(double? ms) => ms switch
    {
        null => "-",
        < 10 => ms.Value.ToString("0.00", Inv) + " ms",
        < 100 => ms.Value.ToString("0.0", Inv) + " ms",
        < 10000 => ms.Value.ToString("#,##0", Inv) + " ms",
        _ => (ms.Value / 1000).ToString("#,##0.0", Inv) + " s",
    };

    /// <summary>A ratio with three decimals, for comparing with a limit such as 1.10.</summary>
    public static string PreciseRatio(double? r) => r is { } v && v < 10 ? v.ToString("0.000", Inv) + "x" : Ratio(r);

    public static string Ratio(double? r) => r switch
    {
        null => "-",
        < 10 => r.Value.ToString("0.00", Inv) + "x",
        < 100 => r.Value.ToString("0.0", Inv) + "x",
        _ => r.Value.ToString("#,##0", Inv) + "x",
    };
}
