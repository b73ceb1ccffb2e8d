using System.CommandLine;
using System.Text.Json;
using Npgsql;
using Spectre.Console;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Sql;

namespace TViews.Cli.Commands;

/// <summary>Runs a command body with the engine it needs, turning every expected failure into a one-line error.</summary>
internal static class CommandRunner
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static TViewsEngine Engine(ParseResult pr, bool quiet = false) =>
        new(CommonOptions.ConnectionString(pr), pr.GetValue(CommonOptions.Schema) ?? "public")
        {
            Log = quiet ? null : msg => Console.Error.WriteLine(msg),
        };

    public static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            var code = ExitCode(e);
            // Every command takes --json; its errors are then JSON too, on stdout like its results.
            if (Environment.GetCommandLineArgs().Contains("--json"))
                WriteJson(new { error = new { message, exit_code = code, sqlstate = (e as PostgresException)?.SqlState } });
            else
                Console.Error.WriteLine($"error: {message}");
            if (Environment.GetEnvironmentVariable("TVIEWS_DEBUG") is { Length: > 0 }) Console.Error.WriteLine(e);
            return code;
        }
    }

    private static int ExitCode(Exception e) => e switch
    {
        AnalysisException or SqlSyntaxException or TViewsException { InnerException: SqlSyntaxException } => ExitCodes.Refused,
        PostgresException { SqlState: "28000" or "28P01" or "3D000" } => ExitCodes.Connection, // authorization, password, no database
        PostgresException => ExitCodes.Error,
        NpgsqlException => ExitCodes.Connection,
        OperationCanceledException => ExitCodes.Cancelled,
        _ => ExitCodes.Error,
    };

    private static string? Describe(Exception e) => e switch
    {
        TViewsException or AnalysisException or SqlSyntaxException => e.Message,
        PostgresException pg => $"{pg.MessageText}{(pg.Detail is { } d ? $" ({d})" : "")}{(pg.Hint is { } h ? $" HINT: {h}" : "")} [SQLSTATE {pg.SqlState}]",
        NpgsqlException n => $"cannot reach PostgreSQL: {n.Message}{(n.InnerException is { } i ? $" ({i.Message})" : "")}",
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException d => d.Message,
        ArgumentException a => a.Message,
        OperationCanceledException => "cancelled",
        _ => null,
    };

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    public static string Escape(string s) => Markup.Escape(s);
}
