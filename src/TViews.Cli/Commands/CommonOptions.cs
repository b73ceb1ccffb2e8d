using System.CommandLine;
using Npgsql;
using TViews.Runtime;
using TViews.Sql;

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
        Description = "Schema of the TViews runtime, an SQL name (unquoted folds to lower case; default: public)",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json") { Description = "Machine-readable JSON output" };

    /// <summary>
    /// The runtime schema: --schema read as an SQL name, as psql reads one (unquoted folds to lower
    /// case, double quotes keep case), like TVIEW names; else public. One that does not parse is a usage error.
    /// </summary>
    public static string RuntimeSchema(ParseResult result)
    {
        const string expected = "expected one schema name (SQL name: double quotes keep case)";
        if (result.GetValue(Schema) is not { } given) return "public";
        QualifiedName parsed;
        try
        {
            parsed = SqlParser.ParseQualifiedName(given);
        }
        catch (SqlSyntaxException e)
        {
            throw new UsageException($"bad --schema \"{given}\": {e.Detail} at character {e.Offset + 1}; {expected}");
        }
        if (parsed.Parts.Length != 1) throw new UsageException($"bad --schema \"{given}\": {parsed.Parts.Length} parts; {expected}");
        return parsed.Name;
    }

    /// <summary>The connection string: --connection, else TVIEWS_CONNECTION, else the PG* variables; one that does not parse is a usage error.</summary>
    public static string ConnectionString(ParseResult result)
    {
        var given = result.GetValue(Connection);
        var cs = ConnectionSettings.Resolve(given);
        try
        {
            _ = new NpgsqlConnectionStringBuilder(cs);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the keyword or the offset, never a value: no password is echoed.
            var from = !string.IsNullOrWhiteSpace(given) ? "--connection" : "TVIEWS_CONNECTION";
            throw new UsageException($"bad connection string in {from}: {e.Message} (expected an Npgsql connection string, e.g. \"Host=localhost;Username=app;Database=blog\")");
        }
        return cs;
    }
}
