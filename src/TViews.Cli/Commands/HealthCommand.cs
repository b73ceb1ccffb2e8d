using System.CommandLine;
using Npgsql;
using Spectre.Console;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>
/// <c>tviews health</c>: prints <c>pg_tviews_health_check()</c> and exits 1 when any check is ERROR,
/// so monitoring and deploy scripts can gate on it. All the logic is in the database function (the
/// same check runs from psql); this is only a shell over it.
/// </summary>
public static class HealthCommand
{
    public sealed record HealthRow(string Check, string Status, string Details);

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
            var schema = pr.GetValue(CommonOptions.Schema) ?? "public";
            var rows = await RunAsync(CommonOptions.ConnectionString(pr), schema, pr.GetValue(orphanAfter)!, ct);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new
                {
                    status = Worst(rows),
                    checks = rows.Select(r => new { check_name = r.Check, status = r.Status, details = r.Details }),
                });
            }
            else
            {
                var table = new Table().AddColumns("check", "status", "details");
                foreach (var r in rows)
                {
                    var color = r.Status switch { "OK" => "green", "WARNING" => "yellow", _ => "red" };
                    table.AddRow(CommandRunner.Escape(r.Check), $"[{color}]{CommandRunner.Escape(r.Status)}[/]", CommandRunner.Escape(r.Details));
                }
                AnsiConsole.Write(table);
                Console.WriteLine($"overall: {Worst(rows)}");
            }
            return rows.Any(r => r.Status == "ERROR") ? ExitCodes.Unhealthy : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The checks, as the database reports them.</summary>
    public static async Task<IReadOnlyList<HealthRow>> RunAsync(string connectionString, string schema, string orphanAfter, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        if (await RuntimeInstaller.InstalledVersionAsync(conn, schema, ct) is null)
            throw new TViewsException($"the TViews runtime is not installed in schema {schema} (run `tviews install`)");
        await using var cmd = new NpgsqlCommand(
            $"SELECT check_name, status, details FROM {SqlNames.Quote(schema)}.pg_tviews_health_check(@a::interval)", conn);
        cmd.Parameters.AddWithValue("a", orphanAfter);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<HealthRow>();
        while (await r.ReadAsync(ct)) rows.Add(new HealthRow(r.GetString(0), r.GetString(1), r.GetString(2)));
        return rows;
    }

    private static string Worst(IReadOnlyList<HealthRow> rows) =>
        rows.Any(r => r.Status == "ERROR") ? "ERROR" : rows.Any(r => r.Status == "WARNING") ? "WARNING" : "OK";
}
