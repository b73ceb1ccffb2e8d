using System.Diagnostics;
using System.Diagnostics.Metrics;
using TViews.Runtime;

namespace TViews.Diagnostics;

/// <summary>
/// The names under which TViews reports traces and metrics: subscribe to the <see cref="ActivitySource"/>
/// and the <see cref="Meter"/> named <see cref="Name"/> (OpenTelemetry: <c>AddSource("TViews")</c>, <c>AddMeter("TViews")</c>).
/// </summary>
public static class TViewsDiagnostics
{
    /// <summary>"TViews": the name of the activity source and of the meter.</summary>
    public const string Name = "TViews";

    /// <summary>One activity per engine operation (<c>tviews.apply</c>, <c>tviews.refresh</c>, <c>tviews.verify</c>, ...).</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, RuntimeInstaller.Version);

    /// <summary>The operation metrics: <c>tviews.operations</c>, <c>tviews.operation.duration</c>, <c>tviews.rows_written</c>, <c>tviews.divergences</c>.</summary>
    public static Meter Meter { get; } = new(Name, RuntimeInstaller.Version);

    internal static readonly Counter<long> Operations = Meter.CreateCounter<long>(
        "tviews.operations", "{operation}", "Engine operations, tagged with the operation and its outcome (ok, error, cancelled)");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "tviews.operation.duration", "s", "Duration of engine operations");

    internal static readonly Counter<long> RowsWritten = Meter.CreateCounter<long>(
        "tviews.rows_written", "{row}", "Rows written by refresh");

    internal static readonly Counter<long> Divergences = Meter.CreateCounter<long>(
        "tviews.divergences", "{row}", "Rows where verify found a TVIEW differing from its definition");
}
