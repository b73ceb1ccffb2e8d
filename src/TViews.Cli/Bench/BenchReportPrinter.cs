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
                           $"{c.BuildRounds} build round(s), seed {c.Seed}, locking {Markup.Escape(c.Locking)}; {Markup.Escape(c.Server)}");
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
        if (r.Ops.Any(o => o.MedianMs.ContainsKey(Modes.TViewsDeferred))) PrintDeferred(console, r.Ops);

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
                    Markup.Escape(t.Value is null && t.Met is not null ? t.Subject : $"{t.Subject} {Format.PreciseRatio(t.Value)}"),
                    t.Met switch { true => "[green]met[/]", false => "[red]missed[/]", null => "[grey]n/a[/]" });
                first = false;
            }
            foreach (var note in group.Select(t => t.Note).OfType<string>().Distinct()) targets.AddRow("", $"[grey]{Markup.Escape(note)}[/]", "");
        }
        console.Write(targets);

        foreach (var e in r.Errors) console.MarkupLine($"[yellow]{Markup.Escape(e)}[/]");
        foreach (var o in r.Ops)
            foreach (var (mode, err) in o.Errors) console.MarkupLine($"[red]{Markup.Escape($"{o.Op} {mode}: {err}")}[/]");
    }

    /// <summary>TViews deferred next to immediate, raw and hand-written, per op.</summary>
    private static void PrintDeferred(IAnsiConsole console, IReadOnlyList<OpResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Deferred mode (pg_tviews.mode = deferred): median latency per transaction");
        table.AddColumn("op");
        foreach (var h in new[] { "raw", "hand-written", "immediate", "deferred", "def/raw", "def/hw", "def/imm", "paired def/imm" })
            table.AddColumn(new TableColumn(h).RightAligned());
        foreach (var o in results)
        {
            string Cell(string mode) => o.Errors.ContainsKey(mode) ? "[red]failed[/]" : Format.Ms(o.MedianMs.GetValueOrDefault(mode));
            var singleStatement = o.Kind is nameof(OpKind.SingleRow) or nameof(OpKind.Bulk);
            table.AddRow(Markup.Escape(o.Op), Cell(Modes.Raw), Cell(Modes.Handwritten), Cell(Modes.TViews), Cell(Modes.TViewsDeferred),
                o.Op == "op9" ? Colored(o.DeferredOverRaw, Targets.BatchDeferredVersusRaw, atMost: true) : Format.Ratio(o.DeferredOverRaw),
                o.Op == "op10" ? Colored(o.DeferredOverHandwritten, Targets.UnitOfWorkDeferredVersusHandwritten, atMost: true) : Format.Ratio(o.DeferredOverHandwritten),
                singleStatement ? Colored(o.DeferredOverTViews, Targets.DeferredVersusImmediate, atMost: true) : Format.Ratio(o.DeferredOverTViews),
                Format.Ratio(o.PairedDeferredOverTViews));
        }
        console.Write(table);
        console.MarkupLine("[grey]def = TViews with pg_tviews.mode = deferred (maintained once at COMMIT), imm = TViews immediate; targets colored: op9 def/raw <= 1.5, op10 def/hw <= 0.5, op1-op8 def/imm <= 1.10[/]");
        console.WriteLine();
    }

    /// <summary>The concurrent workloads: per workload and client count, each mode's throughput, the deadlocks PostgreSQL counted, and ratios.</summary>
    private static void PrintConcurrent(IAnsiConsole console, IReadOnlyList<ConcurrentResult> runs)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var modes = Modes.All.Where(m => runs.Any(x => x.Mode == m)).ToList();
        foreach (var workload in runs.GroupBy(x => x.Workload))
        {
            var title = ConcurrentWorkload.All.FirstOrDefault(w => w.Name == workload.Key)?.Title ?? workload.Key;
            var runsPerCell = workload.GroupBy(x => (x.Clients, x.Mode)).Max(g => g.Count());
            var median = runsPerCell > 1 ? $", median of {runsPerCell.ToString(inv)} runs" : "";
            var table = new Table().Border(TableBorder.Rounded)
                .Title($"Concurrent: {title} ({workload.First().Seconds} s per run{median}), transactions per second (deadlocks)");
            table.AddColumn(new TableColumn("clients").RightAligned());
            foreach (var m in modes) table.AddColumn(new TableColumn(Label(m)).RightAligned());
            var ratios = new List<(string Header, string A, string B)>();
            if (modes.Contains(Modes.TViews) && modes.Contains(Modes.Handwritten)) ratios.Add(("TV/hw", Modes.TViews, Modes.Handwritten));
            if (modes.Contains(Modes.TViewsDeferred) && modes.Contains(Modes.Handwritten)) ratios.Add(("def/hw", Modes.TViewsDeferred, Modes.Handwritten));
            if (modes.Contains(Modes.TViewsDeferred) && modes.Contains(Modes.TViews)) ratios.Add(("def/imm", Modes.TViewsDeferred, Modes.TViews));
            foreach (var (h, _, _) in ratios) table.AddColumn(new TableColumn(h).RightAligned());
            foreach (var group in workload.GroupBy(x => x.Clients))
            {
                double? Tps(string mode) => Stats.Median(group.Where(x => x.Mode == mode && x.Tps is not null).Select(x => x.Tps!.Value));
                string Cell(string mode)
                {
                    var mine = group.Where(x => x.Mode == mode).ToList();
                    if (mine.Count == 0) return "";
                    if (mine.All(x => x.Error is not null)) return "[red]failed[/]";
                    var deadlocks = mine.Sum(x => x.Deadlocks ?? 0);
                    return (Tps(mode)?.ToString("#,##0.0", inv) ?? "?") + (deadlocks == 0 ? " [green](0)[/]" : $" [red]({deadlocks})[/]");
                }
                var row = new List<string> { group.Key.ToString(inv) };
                row.AddRange(modes.Select(Cell));
                // With several rounds, the range of the rounds' own ratios (each round's modes ran back to back).
                string Spread(string a, string b)
                {
                    var rounds = Targets.RoundRatios(workload.ToList(), workload.Key, group.Key, a, b);
                    return rounds.Count > 1 ? $" [grey]({Format.Ratio(rounds.Min())}-{Format.Ratio(rounds.Max())})[/]" : "";
                }
                row.AddRange(ratios.Select(x => (workload.Key == ConcurrentWorkload.Think && group.Key == Targets.ThinkTimeClients && x.A == Modes.TViewsDeferred && x.B == Modes.Handwritten
                    ? Colored(Stats.Ratio(Tps(x.A), Tps(x.B)), Targets.ThinkTimeDeferredVersusHandwritten, atMost: false)
                    : Format.Ratio(Stats.Ratio(Tps(x.A), Tps(x.B)))) + Spread(x.A, x.B)));
                table.AddRow(row.ToArray());
            }
            console.Write(table);
        }
        console.MarkupLine("[grey]def = TViews with pg_tviews.mode = deferred, imm/TV = TViews immediate; (n) = deadlocks PostgreSQL counted during the cell's runs (pgbench retries them); with several rounds, a ratio of medians is followed by the lowest and highest of the rounds' own ratios[/]");
        foreach (var x in runs.Where(x => x.Error is not null))
            console.MarkupLine($"[red]{Markup.Escape($"concurrent {x.Workload} {x.Clients} {x.Mode}: {x.Error}")}[/]");
        console.WriteLine();
    }

    private static string Label(string mode) => mode switch
    {
        Modes.Raw => "raw",
        Modes.Handwritten => "hand-written",
        Modes.TViews => "TViews immediate",
        Modes.TViewsDeferred => "TViews deferred",
        _ => mode,
    };

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
