using System.CommandLine;
using System.Text.Json;
using Npgsql;
using Spectre.Console;
using TViews.Cli.Logging;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>Runs a command body with the engine it needs, turning every expected failure into a one-line error.</summary>
internal static class CommandRunner
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// The engine for a command: its connection and runtime schema, progress and warnings on stderr
    /// (none when quiet; to <paramref name="logger"/> when given).
    /// </summary>
    public static TViewsEngine Engine(ParseResult pr, bool quiet = false, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(CommonOptions.ConnectionString(pr), new TViewsOptions { RuntimeSchema = CommonOptions.RuntimeSchema(pr) },
            quiet ? null : logger ?? new ActionLogger(Console.Error.WriteLine));

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
                WriteJson(new { error = new { message, exit_code = code, sqlstate = SqlState(e), code = (e as TViewsException)?.ErrorCode.ToString() } });
            else
                Console.Error.WriteLine($"error: {message}");
            if (Environment.GetEnvironmentVariable("TVIEWS_DEBUG") is { Length: > 0 }) Console.Error.WriteLine(e);
            return code;
        }
    }

    private static string? SqlState(Exception e) => e switch
    {
        TViewsDatabaseException d => d.SqlState,
        PostgresException p => p.SqlState,
        _ => null,
    };

    private static int ExitCode(Exception e) => e switch
    {
        UsageException => ExitCodes.Usage,
        TViewsException { ErrorCode: TViewsErrorCode.Syntax or TViewsErrorCode.UnsupportedDefinition or TViewsErrorCode.InvalidDefinition } => ExitCodes.Refused,
        TViewsException { ErrorCode: TViewsErrorCode.Connection } => ExitCodes.Connection,
        TViewsException => ExitCodes.Error,
        PostgresException { SqlState: "28000" or "28P01" or "3D000" } => ExitCodes.Connection, // authorization, password, no database
        PostgresException => ExitCodes.Error,
        NpgsqlException => ExitCodes.Connection,
        OperationCanceledException => ExitCodes.Cancelled,
        _ => ExitCodes.Error,
    };

    private static string? Describe(Exception e) => e switch
    {
        UsageException => e.Message,
        TViewsException => e.Message,
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
