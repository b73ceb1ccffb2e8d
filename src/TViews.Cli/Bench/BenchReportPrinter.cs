using Spectre.Console;

namespace TViews.Cli.Bench;

/// <summary>Prints a benchmark report as tables.</summary>
public static class BenchReportPrinter
{
    public static void Print(IAnsiConsole console, BenchReport r)
    {
        var c = r.Config;
        var m = r.Machine;
        console.MarkupLine($"[bold]tviews bench[/]: scale {c.Scale} ({c.Posts:N0} posts, {c.Users:N0} users), {c.Rounds} alternated rounds, " +
                           $"{c.BuildRounds} build round(s), seed {c.Seed}; {Markup.Escape(c.Server)}");
        if (m is not null)
        {
            console.MarkupLine(Markup.Escape($"{m.Processors} CPUs ({m.Cpu}), {m.MemoryMb:N0} MB; {Short(m.ServerVersion)}; load {m.LoadAverageAtStart} -> {m.LoadAverageAtEnd}"));
            console.MarkupLine("[grey]" + Markup.Escape(string.Join(", ", m.Settings.Select(kv => $"{kv.Key}={kv.Value}"))) + "[/]");
        }
        console.MarkupLine(Markup.Escape($"data load {r.DataLoadMs / 1000:F1} s, whole run {r.DurationSeconds:F0} s"));
        console.WriteLine();

        var ops = new Table().Border(TableBorder.Rounded).Title("Operations: median latency per transaction");
        ops.AddColumn("op");
        ops.AddColumn(new TableColumn("tx").RightAligned());
        foreach (var h in new[] { "raw", "hand-written", "TViews", "TV/hw", "paired", "TV/raw", "refresh/TV" })
            ops.AddColumn(new TableColumn(h).RightAligned());
        foreach (var o in r.Ops)
        {
            string Cell(string mode) => o.Errors.ContainsKey(mode) ? "[red]failed[/]" : Format.Ms(o.MedianMs.GetValueOrDefault(mode));
            ops.AddRow(
                Markup.Escape(o.Op), o.Transactions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Cell(Modes.Raw), Cell(Modes.Handwritten), Cell(Modes.TViews),
                Colored(o.TViewsOverHandwritten, Targets.VersusHandwritten, atMost: true),
                Format.Ratio(o.PairedTViewsOverHandwritten),
                Format.Ratio(o.TViewsOverRaw),
                Format.Ratio(o.FullRefreshOverTViews));
        }
        console.Write(ops);
        console.MarkupLine("[grey]TV/hw = TViews / hand-written (ratio of medians; paired = median of the per-round ratios); TV/raw = TViews / raw; refresh/TV = REFRESH MATERIALIZED VIEW of all read models (total) / TViews[/]");
        console.WriteLine();

        var b = r.Build;
        var builds = new Table().Border(TableBorder.Rounded).Title("Building the read models from scratch (median)");
        builds.AddColumn("build");
        builds.AddColumn(new TableColumn("time").RightAligned());
        builds.AddColumn("samples");
        foreach (var (kind, label) in new[] { (Builds.Handwritten, "hand-written (handwritten.sql)"), (Builds.TViews, "TViews (apply tviews.sql)"), (Builds.CreateTableAs, "CREATE TABLE AS (+ lookup index)") })
        {
            if (b.Errors.TryGetValue(kind, out var err)) builds.AddRow(Markup.Escape(label), "[red]failed[/]", Markup.Escape(Abbreviate(err)));
            else if (b.MedianMs.TryGetValue(kind, out var med)) builds.AddRow(Markup.Escape(label), Format.Ms(med), Samples(b.SamplesMs.GetValueOrDefault(kind)));
        }
        foreach (var (mv, med) in b.RefreshMedianMs)
            builds.AddRow(Markup.Escape($"REFRESH MATERIALIZED VIEW {mv}"), Format.Ms(med), Samples(b.RefreshSamplesMs.GetValueOrDefault(mv)));
        builds.AddRow("[bold]REFRESH MATERIALIZED VIEW, all[/]", $"[bold]{Format.Ms(b.RefreshTotalMs)}[/]", "");
        console.Write(builds);
        console.MarkupLine(Markup.Escape($"build TViews/handwritten {Format.Ratio(b.TViewsOverHandwritten)} (paired {Format.Ratio(b.PairedTViewsOverHandwritten)}), TViews/CREATE TABLE AS {Format.Ratio(b.TViewsOverCreateTableAs)}") +
                           (b.LookupIndexes.Count > 0 ? Markup.Escape($"; lookup indexes in the plain builds: {string.Join(", ", b.LookupIndexes)}") : ""));
        console.WriteLine();

        if (r.Concurrent.Count > 0) PrintConcurrent(console, r.Concurrent);

        var verify = new Table().Border(TableBorder.Rounded).Title("Read models after the operations vs their definitions");
        foreach (var h in new[] { "mode", "read model", "check", "result" }) verify.AddColumn(h);
        foreach (var v in r.Verification)
            verify.AddRow(v.Mode, Markup.Escape(v.Model), v.Check,
                v.Ok ? "[green]equal[/]" : $"[red]{Markup.Escape(v.Error ?? $"{v.Missing} missing, {v.Extra} extra: {string.Join(" | ", v.Samples.Select(s => Abbreviate(s)))}")}[/]");
        console.Write(verify);
        if (r.SourcesIdentical is { } same)
            console.MarkupLine(same ? "[green]source tables: same row counts in every mode[/]"
                                    : "[red]source tables differ between modes:[/] " + Markup.Escape(string.Join("; ", r.SourceRowCounts.Select(kv => $"{kv.Key}: {string.Join(",", kv.Value.Select(x => $"{x.Key}={x.Value}"))}"))));
        console.WriteLine();

        var targets = new Table().Border(TableBorder.Rounded).Title("Targets");
        foreach (var h in new[] { "target", "measured", "" }) targets.AddColumn(h);
        targets.Columns[1].RightAligned();
        foreach (var group in r.Targets.GroupBy(t => t.Target))
        {
            var first = true;
            foreach (var t in group)
            {
                targets.AddRow(first ? Markup.Escape(t.Target) : "",
                    Markup.Escape($"{t.Subject} {Format.PreciseRatio(t.Value)}"),
                    t.Met switch { true => "[green]met[/]", false => "[red]missed[/]", null => "[grey]n/a[/]" });
                first = false;
            }
            if (group.First().Note is { } note) targets.AddRow("", $"[grey]{Markup.Escape(note)}[/]", "");
        }
        console.Write(targets);

        foreach (var e in r.Errors) console.MarkupLine($"[yellow]{Markup.Escape(e)}[/]");
        foreach (var o in r.Ops)
            foreach (var (mode, err) in o.Errors) console.MarkupLine($"[red]{Markup.Escape($"{o.Op} {mode}: {err}")}[/]");
    }

    /// <summary>The concurrent mix: per client count, each mode's throughput and the deadlocks PostgreSQL counted.</summary>
    private static void PrintConcurrent(IAnsiConsole console, IReadOnlyList<ConcurrentResult> runs)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Concurrent \"with deletes\" mix ({runs[0].Seconds} s per run, each statement its own transaction)");
        table.AddColumn(new TableColumn("clients").RightAligned());
        foreach (var h in new[] { "hand-written tps", "deadlocks", "TViews tps", "deadlocks", "TV/hw" })
            table.AddColumn(new TableColumn(h).RightAligned());
        foreach (var group in runs.GroupBy(x => x.Clients))
        {
            var hw = group.FirstOrDefault(x => x.Mode == Modes.Handwritten);
            var tv = group.FirstOrDefault(x => x.Mode == Modes.TViews);
            string Tps(ConcurrentResult? x) => x is null ? "" : x.Error is not null ? "[red]failed[/]" : x.Tps?.ToString("F1", inv) ?? "?";
            string Deadlocks(ConcurrentResult? x) => x?.Deadlocks is not { } d ? "" : d == 0 ? "[green]0[/]" : $"[red]{d}[/]";
            table.AddRow(group.Key.ToString(inv), Tps(hw), Deadlocks(hw), Tps(tv), Deadlocks(tv), Format.Ratio(Stats.Ratio(tv?.Tps, hw?.Tps)));
        }
        console.Write(table);
        foreach (var x in runs.Where(x => x.Error is not null))
            console.MarkupLine($"[red]{Markup.Escape($"concurrent {x.Clients} {x.Mode}: {x.Error}")}[/]");
        console.WriteLine();
    }

    private static string Colored(double? ratio, double limit, bool atMost)
    {
        var text = Format.Ratio(ratio);
        if (ratio is not { } v) return text;
        var ok = atMost ? v <= limit : v >= limit;
        return ok ? $"[green]{text}[/]" : $"[red]{text}[/]";
    }

    private static string Samples(List<double>? samples) =>
        samples is null ? "" : Markup.Escape(string.Join(" ", samples.Select(s => Format.Ms(s))));

    private static string Short(string version)
    {
        var comma = version.IndexOf(',');
        return comma > 0 ? version[..comma] : version;
    }

    private static string Abbreviate(string s) => s.Length <= 160 ? s : s[..157] + "...";
}
