using System.CommandLine;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>`tviews script` and `tviews apply --dry-run`: what apply would do, as SQL to review or as a list.</summary>
internal static class MigrationCommands
{
    public static Command Script()
    {
        var path = new Argument<string>("path") { Description = "A .sql file or a directory of them, holding CREATE TABLE tv_x AS <select>; statements" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the script to this file (default: standard output)" };
        var snapshot = new Option<FileInfo?>("--snapshot")
        {
            Description = "Generate against this catalog snapshot instead of a database: a SQL file that recreates the target's schema "
                + "(pg_dump --schema-only --no-owner --no-privileges, plus the data of TViews' catalog tables: docs/migrations.md), "
                + "loaded into a throwaway local PostgreSQL",
        };
        var json = CommonOptions.Json();
        var c = new Command("script",
            "Print the SQL that apply would run against this database (runtime install or upgrade included, one transaction, "
            + "every statement commented), to review and run with psql or a migration tool; changes nothing") { path, output, snapshot, json };
        c.SetAction((pr, ct) => CommandRunner.Run(async () =>
        {
            var defs = TViewDefinitions.FromDirectory(pr.GetValue(path)!);
            await using var loaded = pr.GetValue(snapshot) is { } snapshotFile ? await SnapshotServer.LoadAsync(snapshotFile, pr.GetValue(json), ct) : null;
            var engine = loaded is null ? CommandRunner.Engine(pr, quiet: true) : loaded.Engine(CommonOptions.RuntimeSchema(pr));
            var (sql, plan, result) = await engine.GenerateScriptAsync(defs, ct, loaded?.Description);
            if (pr.GetValue(output) is { } file) await File.WriteAllTextAsync(file.FullName, sql, ct);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new
                {
                    script = pr.GetValue(output) is null ? sql : null,
                    output = pr.GetValue(output)?.FullName,
                    runtime = Runtime(plan),
                    created = result.Created,
                    rebuilt = result.Rebuilt,
                    unchanged = result.Unchanged,
                    mode_changed = plan.ModeChanged,
                    warnings = result.Warnings,
                    changes = Changes(plan),
                });
                return 0;
            }
            if (pr.GetValue(output) is null) Console.Out.Write(sql);
            else Console.Error.WriteLine($"wrote {pr.GetValue(output)!.FullName}: {Summary(plan)}");
            foreach (var w in result.Warnings) Console.Error.WriteLine($"warning: {w}");
            return 0;
        }));
        return c;
    }

    /// <summary>The body of `apply --dry-run`.</summary>
    public static async Task<int> DryRunAsync(ParseResult pr, IReadOnlyList<TViewDefinition> definitions, bool json, CancellationToken ct)
    {
        var engine = CommandRunner.Engine(pr, quiet: json);
        var plan = await engine.PlanApplyAsync(definitions, ct);
        if (json)
        {
            CommandRunner.WriteJson(new
            {
                dry_run = true,
                runtime = Runtime(plan),
                created = plan.Created,
                rebuilt = plan.Rebuilt,
                unchanged = plan.Unchanged,
                mode_changed = plan.ModeChanged,
                changes = Changes(plan),
            });
            return 0;
        }
        Console.WriteLine(plan.RuntimeAction switch
        {
            "install" => $"runtime   install {plan.RuntimeVersion} in schema {engine.RuntimeSchema}",
            "upgrade" => $"runtime   upgrade {plan.InstalledRuntimeVersion} -> {plan.RuntimeVersion} in schema {engine.RuntimeSchema}",
            _ => $"runtime   {plan.RuntimeVersion} in schema {engine.RuntimeSchema}, up to date",
        });
        var width = plan.Changes.Select(ch => ch.Table.Length).DefaultIfEmpty(0).Max();
        foreach (var ch in plan.Changes)
            Console.WriteLine($"{Verb(ch.Kind),-9} {ch.Table.PadRight(width)}  ({ch.Reason})");
        Console.WriteLine($"dry run, nothing changed: {Summary(plan)}");
        return 0;
    }

    private static string Verb(TViewChangeKind kind) => kind switch
    {
        TViewChangeKind.Create => "create",
        TViewChangeKind.Rebuild => "rebuild",
        TViewChangeKind.ModeChange => "mode",
        _ => "unchanged",
    };

    private static string Summary(ApplyPlan plan) => plan.IsEmpty
        ? "nothing to do"
        : $"{plan.Created.Count} to create, {plan.Rebuilt.Count} to rebuild, {plan.ModeChanged.Count} mode change(s), "
          + $"{plan.Changes.Count(c => c.Kind == TViewChangeKind.Unchanged)} unchanged; runtime: {plan.RuntimeAction}";

    private static object Runtime(ApplyPlan plan) =>
        new { installed = plan.InstalledRuntimeVersion, version = plan.RuntimeVersion, action = plan.RuntimeAction };

    private static IEnumerable<object> Changes(ApplyPlan plan) =>
        plan.Changes.Select(c => new { table = c.Table, action = Verb(c.Kind), reason = c.Reason });
}
