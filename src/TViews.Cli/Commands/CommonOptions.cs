using System.CommandLine;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>Options shared by every command that talks to a database.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Connection = new("--connection", "-c")
    {
        Description = "Npgsql connection string (default: TVIEWS_CONNECTION, else the PG* environment variables)",
        Recursive = true,
    };

    public static readonly Option<string?> Schema = new("--schema")
    {
        Description = "Schema of the TViews runtime (default: public)",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Machine-readable JSON output" };

    public static string ConnectionString(ParseResult result) =>
        ConnectionSettings.Resolve(result.GetValue(Connection));
}
