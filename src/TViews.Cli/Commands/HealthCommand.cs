using System.CommandLine;
using Spectre.Console;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>
/// <c>tviews health</c>: prints <c>pg_tviews_health_check()</c> (through <see cref="TViewsEngine.CheckHealthAsync(TimeSpan?, CancellationToken)"/>)
/// and exits 4 when any check is ERROR, so monitoring and deploy scripts can gate on it. All the logic
/// is in the database function (the same check runs from psql); this is only a shell over it.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var orphanAfter = new Option<string>("--orphan-after")
        {
            Description = "Age after which a prepared transaction with TVIEW changes is reported as orphaned (PostgreSQL interval)",
            DefaultValueFactory = _ => "1 hour",
        };
        var command = new Command("health", "Run pg_tviews_health_check(); exit code 4 if any check reports ERROR") { json, orphanAfter };
        command.SetAction((ParseResult pr, CancellationToken ct) => CommandRunner.Run(async () =>
        {
            var report = await CommandRunner.Engine(pr, quiet: true).CheckHealthAsync(pr.GetValue(orphanAfter)!, ct);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new
                {
                    status = Text(report.Status),
                    checks = report.Checks.Select(r => new { check_name = r.Name, status = Text(r.Status), details = r.Details }),
                });
            }
            else
            {
                var table = new Table().AddColumns("check", "status", "details");
                foreach (var r in report.Checks)
                {
                    var color = r.Status switch { TViewsHealthStatus.Ok => "green", TViewsHealthStatus.Warning => "yellow", _ => "red" };
                    table.AddRow(CommandRunner.Escape(r.Name), $"[{color}]{Text(r.Status)}[/]", CommandRunner.Escape(r.Details));
                }
                AnsiConsole.Write(table);
                Console.WriteLine($"overall: {Text(report.Status)}");
            }
            return report.Status == TViewsHealthStatus.Error ? ExitCodes.Unhealthy : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The database's spelling of a status: OK, WARNING, ERROR.</summary>
    private static string Text(TViewsHealthStatus status) => status.ToString().ToUpperInvariant();
}
