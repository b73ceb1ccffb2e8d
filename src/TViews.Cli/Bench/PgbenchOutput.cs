using System.Globalization;
using System.Text.RegularExpressions;

namespace TViews.Cli.Bench;

/// <summary>What one pgbench run reported.</summary>
public sealed record PgbenchResult(double LatencyMs, long? Transactions, double? Tps);

/// <summary>Parses pgbench's summary ("latency average = 1.234 ms", "tps = ...").</summary>
public static partial class PgbenchOutput
{
    public static PgbenchResult Parse(string output)
    {
        var latency = Latency().Match(output);
        if (!latency.Success)
            throw new FormatException($"pgbench printed no \"latency average\": {Tail(output)}");
        var processed = Processed().Match(output);
        var tps = Tps().Match(output);
        return new PgbenchResult(
            double.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture),
            processed.Success ? long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture) : null,
            tps.Success ? double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The last few lines of a tool's output, for error messages.</summary>
    public static string Tail(string output, int lines = 6)
    {
        var all = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", all.TakeLast(lines));
    }

    [GeneratedRegex(@"^latency average = ([0-9]+(?:\.[0-9]+)?) ms", RegexOptions.Multiline)]
    private static partial Regex Latency();

    [GeneratedRegex(@"^number of transactions actually processed: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex Processed();

    [GeneratedRegex(@"^tps = ([0-9]+(?:\.[0-9]+)?)", RegexOptions.Multiline)]
    private static partial Regex Tps();
}
