using System.CommandLine;
using Spectre.Console;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>The commands that manage TVIEWs: thin over <see cref="TViewsEngine"/>.</summary>
internal static class TViewCommands
{
    public static Command Install()
    {
        var c = new Command("install", "Install or upgrade the TViews runtime (catalog and pg_tviews_* functions); idempotent");
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var engine = CommandRunner.Engine(pr);
            var before = await engine.InstallAsync(ct);
            Console.WriteLine(before is null
                ? $"installed TViews runtime {TViewsEngine.Version} in schema {engine.RuntimeSchema}"
                : before == TViewsEngine.Version ? $"TViews runtime {before} is up to date in schema {engine.RuntimeSchema}"
                : $"upgraded TViews runtime {before} -> {TViewsEngine.Version} in schema {engine.RuntimeSchema}");
            return 0;
        }));
        return c;
    }

    public static Command Uninstall()
    {
        var dropTables = new Option<bool>("--drop-tables") { Description = "Also drop the TVIEW tables (default: keep them as plain tables)" };
        var c = new Command("uninstall", "Remove every object the runtime created; TVIEW tables are kept unless --drop-tables") { dropTables };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var engine = CommandRunner.Engine(pr);
            await engine.UninstallAsync(pr.GetValue(dropTables), ct);
            Console.WriteLine($"uninstalled TViews from schema {engine.RuntimeSchema}{(pr.GetValue(dropTables) ? " (TVIEW tables dropped)" : " (TVIEW tables kept)")}");
            return 0;
        }));
        return c;
    }

    public static Command Create()
    {
        var name = new Argument<string>("tv_name") { Description = "Name of the TVIEW: tv_<entity> or <schema>.tv_<entity>, read as SQL names (\"My Schema\".tv_x keeps case)" };
        var select = new Argument<string?>("select") { Arity = ArgumentArity.ZeroOrOne, Description = "The SELECT defining the TVIEW (or --sql, or --file)" };
        var sql = new Option<string?>("--sql") { Description = "The SELECT defining the TVIEW" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "A file holding the SELECT" };
        var key = new Option<string?>("--key") { Description = "Key columns, comma-separated (default: pk_<entity>, else the first column)" };
        var rls = new Option<bool>("--acknowledge-rls") { Description = "Accept sources with row-level security: the TVIEW holds rows as its owner sees them (docs/security.md)" };
        var mode = new Option<string>("--mode") { Description = "When it is maintained: immediate (after each statement, the default) or deferred (once, at COMMIT)", DefaultValueFactory = _ => "immediate" };
        mode.AcceptOnlyFromAmong("immediate", "deferred");
        var json = CommonOptions.Json();
        var c = new Command("create", "Create a TVIEW from a SELECT") { name, select, sql, file, key, rls, mode, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var text = (pr.GetValue(select), pr.GetValue(sql), pr.GetValue(file)) switch
            {
                ({ } s, null, null) => s,
                (null, { } s, null) => s,
                (null, null, { } f) => await File.ReadAllTextAsync(f.FullName, ct),
                _ => throw new UsageException("give the SELECT once: after the name, with --sql, or in a file with --file"),
            };
            var keys = pr.GetValue(key)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var def = TViewDefinition.FromSelect(pr.GetValue(name)!, text.Trim().TrimEnd(';'), keys, pr.GetValue(file)?.Name, pr.GetValue(rls))
                with { Mode = pr.GetValue(mode) == "deferred" ? TViewMode.Deferred : TViewMode.Immediate };
            var engine = CommandRunner.Engine(pr, quiet: pr.GetValue(json));
            var warnings = await engine.CreateAsync(def, ct);
            if (pr.GetValue(json)) CommandRunner.WriteJson(new { created = def.Table, warnings });
            else Console.WriteLine($"created {def.Table}");
            return 0;
        }));
        return c;
    }

    public static Command Apply()
    {
        var path = new Argument<string>("path") { Description = "A .sql file or a directory of them, holding CREATE TABLE tv_x AS <select>; statements" };
        var json = CommonOptions.Json();
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be created, rebuilt (and why) or left alone; change nothing" };
        var c = new Command("apply", "Create, rebuild or keep TVIEWs so they match the definitions in files (one transaction)") { path, json, dryRun };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var defs = TViewDefinitions.FromDirectory(pr.GetValue(path)!);
            // Not an error (the runtime is still installed or upgraded), but rarely what was meant.
            if (defs.Count == 0 && !pr.GetValue(json))
                Console.Error.WriteLine($"warning: no TVIEW definitions in {pr.GetValue(path)} (expected .sql files of CREATE TABLE tv_<entity> AS <select>; statements)");
            if (pr.GetValue(dryRun)) return await MigrationCommands.DryRunAsync(pr, defs, pr.GetValue(json), ct);
            var result = await TViewProgress.RunAsync(pr, pr.GetValue(json), engine => engine.ApplyAsync(defs, ct));
            if (pr.GetValue(json)) { CommandRunner.WriteJson(result); return 0; }
            foreach (var t in result.Created) Console.WriteLine($"created   {t}");
            foreach (var t in result.Rebuilt) Console.WriteLine($"rebuilt   {t}");
            foreach (var t in result.Unchanged) Console.WriteLine($"unchanged {t}");
            return 0;
        }));
        return c;
    }

    public static Command Drop()
    {
        var name = new Argument<string>("tv_name");
        var cascade = new Option<bool>("--cascade") { Description = "Also drop the TVIEWs built on it" };
        var ifExists = new Option<bool>("--if-exists") { Description = "Do nothing when it does not exist" };
        var json = CommonOptions.Json();
        var c = new Command("drop", "Drop a TVIEW and everything generated for it") { name, cascade, ifExists, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var dropped = await CommandRunner.Engine(pr, quiet: pr.GetValue(json)).DropAsync(pr.GetValue(name)!, pr.GetValue(cascade), pr.GetValue(ifExists), ct);
            if (pr.GetValue(json)) { CommandRunner.WriteJson(new { dropped }); return 0; }
            foreach (var d in dropped) Console.WriteLine($"dropped {d}");
            if (dropped.Count == 0) Console.WriteLine($"{pr.GetValue(name)} does not exist, skipped");
            return 0;
        }));
        return c;
    }

    public static Command List()
    {
        var json = CommonOptions.Json();
        var c = new Command("list", "List the TVIEWs") { json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var list = await CommandRunner.Engine(pr).ListAsync(withCounts: true, ct);
            if (pr.GetValue(json)) { CommandRunner.WriteJson(list.Select(Summary)); return 0; }
            var table = new Table().AddColumns("TVIEW", "key", "sources", "dependents", "rows");
            foreach (var t in list)
                table.AddRow(CommandRunner.Escape($"{t.Schema}.{t.Table}"), CommandRunner.Escape(KeyText(t)),
                    CommandRunner.Escape(string.Join(", ", t.Sources)), CommandRunner.Escape(string.Join(", ", t.Dependents.Select(d => "tv_" + d))),
                    t.RowCount?.ToString() ?? "(table missing)");
            if (list.Count == 0) Console.WriteLine("no TVIEWs");
            else AnsiConsole.Write(table);
            return 0;
        }));
        return c;
    }

    /// <summary>The key, or for a multiset the columns that find its rows (docs/sql.md).</summary>
    private static string KeyText(TViewInfo t) => !t.Multiset ? string.Join(", ", t.Key)
        : t.Key.Count == 0 ? "(none: a multiset, recomputed whole)" : $"(none: a multiset, rows found by {string.Join(", ", t.Key)})";

    private static object Summary(TViewInfo t) => new
    {
        name = t.Table, entity = t.Entity, schema = t.Schema, key = t.Multiset ? [] : t.Key, multiset = t.Multiset,
        find_columns = t.Multiset ? t.Key : null, sources = t.Sources,
        dependents = t.Dependents.Select(d => "tv_" + d), depth = t.Depth, mode = t.Mode, rows = t.RowCount,
        definition = t.Definition, created_at = t.CreatedAt, updated_at = t.UpdatedAt,
    };

    public static Command Show()
    {
        var name = new Argument<string>("tv_name");
        var json = CommonOptions.Json();
        var c = new Command("show", "Show a TVIEW: definition, key, sources, dependents, row count") { name, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var t = await CommandRunner.Engine(pr).ShowAsync(pr.GetValue(name)!, ct);
            if (pr.GetValue(json)) { CommandRunner.WriteJson(Summary(t)); return 0; }
            Console.WriteLine($"TVIEW       {t.Schema}.{t.Table}");
            Console.WriteLine($"key         {KeyText(t)}");
            Console.WriteLine($"sources     {string.Join(", ", t.Sources)}");
            Console.WriteLine($"dependents  {(t.Dependents.Count == 0 ? "(none)" : string.Join(", ", t.Dependents.Select(d => "tv_" + d)))}");
            Console.WriteLine($"rows        {t.RowCount?.ToString() ?? "(table missing)"}");
            Console.WriteLine($"mode        {t.Mode}");
            Console.WriteLine($"updated     {t.UpdatedAt:u}");
            Console.WriteLine("definition");
            Console.WriteLine(t.Definition);
            return 0;
        }));
        return c;
    }

    public static Command Explain()
    {
        var name = new Argument<string>("tv_name");
        var json = CommonOptions.Json();
        var c = new Command("explain", "Print the generated maintenance SQL, per source and event") { name, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var parts = await CommandRunner.Engine(pr, quiet: true).ExplainAsync(pr.GetValue(name)!, ct);
            if (pr.GetValue(json)) { CommandRunner.WriteJson(parts.Select(p => new { source = p.Source, @event = p.Event, sql = p.Sql })); return 0; }
            foreach (var (source, ev, sql) in parts)
            {
                Console.WriteLine($"-- {source}: {ev}");
                Console.WriteLine(sql.TrimEnd());
                Console.WriteLine();
            }
            return 0;
        }));
        return c;
    }

    public static Command Refresh()
    {
        var entity = new Argument<string>("entity") { Description = "Entity (tv_ prefix optional)" };
        var force = new Option<bool>("--force") { Description = "Rebuild completely instead of reconciling the rows that differ" };
        var json = CommonOptions.Json();
        var c = new Command("refresh", "Reconcile a TVIEW (and its dependents) with its definition") { entity, force, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var n = await TViewProgress.RunAsync(pr, pr.GetValue(json), engine => engine.RefreshAsync(pr.GetValue(entity)!, pr.GetValue(force), ct),
                engine => TViewProgress.RefreshClosureAsync(engine, pr.GetValue(entity)!, ct));
            if (pr.GetValue(json)) { CommandRunner.WriteJson(new { entity = pr.GetValue(entity), force = pr.GetValue(force), rows_written = n }); return 0; }
            Console.WriteLine($"{(pr.GetValue(force) ? "rebuilt" : "reconciled")} {pr.GetValue(entity)}: {n} rows written");
            return 0;
        }));
        return c;
    }

    public static Command Verify()
    {
        var names = new Argument<string[]>("tv_name") { Arity = ArgumentArity.ZeroOrMore, Description = "TVIEWs to verify (default: all)" };
        var json = CommonOptions.Json();
        var c = new Command("verify", "Compare TVIEWs with their definitions evaluated from scratch; exit 3 on divergence") { names, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var engine = CommandRunner.Engine(pr, quiet: true);
            var selected = pr.GetValue(names) ?? [];
            var diffs = await engine.VerifyAsync(selected, 100, ct);
            var checkedNames = selected.Length > 0 ? selected.ToList() : (await engine.ListAsync(false, ct)).Select(t => t.Table).ToList();
            if (pr.GetValue(json)) CommandRunner.WriteJson(new { verified = checkedNames, consistent = diffs.Count == 0, divergences = diffs });
            else
            {
                foreach (var g in diffs.GroupBy(d => d.Entity))
                {
                    Console.WriteLine($"tv_{g.Key}: {g.Count(d => d.Kind == "missing")} missing, {g.Count(d => d.Kind == "extra")} extra");
                    foreach (var d in g) Console.WriteLine($"  {d.Kind,-7} {d.Row}");
                }
                Console.WriteLine(diffs.Count > 0 ? "DIVERGED" : checkedNames.Count == 0 ? "no TVIEWs to verify" : $"consistent: {string.Join(", ", checkedNames)}");
            }
            return diffs.Count == 0 ? ExitCodes.Ok : ExitCodes.Diverged;
        }));
        return c;
    }
}
