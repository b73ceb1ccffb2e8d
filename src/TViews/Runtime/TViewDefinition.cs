using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TViews.Codegen;
using TViews.Sql;

namespace TViews.Runtime;

/// <summary>
/// A TVIEW to create: its name, the SELECT (parsed, and as written), where that text sits in its
/// source (for error positions), and an optional explicit key.
/// </summary>
public sealed partial record TViewDefinition(
    string? Schema,
    string Table,
    SelectStmt Query,
    string QueryText,
    SourceText Source,
    int QueryOffset,
    IReadOnlyList<string>? Key = null,
    string? Origin = null)
{
    public string Entity => Table.StartsWith("tv_", StringComparison.Ordinal) ? Table[3..] : Table;

    /// <summary>
    /// Identity of the definition for "re-apply does nothing": canonical SQL, key and the generation of
    /// the maintenance code (so an upgrade that changes that code rebuilds on the next apply), hashed.
    /// </summary>
    public string Hash
    {
        get
        {
            var canonical = SqlFormatter.Format(Query, SqlFormatOptions.Compact) + "\nkey=" + string.Join(",", Key ?? [])
                + "\ngeneration=" + TViewCodegen.Generation.ToString(CultureInfo.InvariantCulture);
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16].ToLowerInvariant();
        }
    }

    /// <summary>Parses a single SELECT given on the command line or through the API.</summary>
    public static TViewDefinition FromSelect(string name, string selectSql, IReadOnlyList<string>? key = null, string? origin = null)
    {
        var (schema, table) = SplitName(name);
        var stmt = SqlParser.ParseSelect(selectSql);
        return new TViewDefinition(schema, table, stmt, selectSql, new SourceText(selectSql), 0, key, origin);
    }

    /// <summary>Parses a script of <c>CREATE TABLE tv_x AS &lt;select&gt;;</c> statements.</summary>
    public static IReadOnlyList<TViewDefinition> FromScript(string script, string? origin = null)
    {
        var source = new SourceText(script);
        var list = new List<TViewDefinition>();
        var previousEnd = 0;
        foreach (var statement in SqlParser.ParseScript(script))
        {
            // A comment `-- tviews:key=a,b` between the previous statement and this one declares the key.
            var gap = script[previousEnd..statement.Span.Start];
            previousEnd = statement.Span.End;
            var keyMatch = KeyDirective().Match(gap);
            IReadOnlyList<string>? key = keyMatch.Success
                ? keyMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null;
            if (statement is not CreateTableAsStatement cta)
            {
                var pos = source.GetLinePosition(statement.Span.Start);
                throw new TViewsException($"{origin ?? "input"}: line {pos.Line}, column {pos.Column}: expected CREATE TABLE tv_<entity> AS <select>, found another statement");
            }
            if (!cta.ColumnNames.OrEmpty().IsEmpty)
            {
                var pos = source.GetLinePosition(cta.Span.Start);
                throw new TViewsException($"{origin ?? "input"}: line {pos.Line}, column {pos.Column}: column names after the TVIEW name are not supported; alias the select list instead");
            }
            var schema = cta.Name.Parts.Length > 1 ? cta.Name.Parts[^2].Value : null;
            list.Add(new TViewDefinition(schema, cta.Name.Name, cta.Query, source.GetText(cta.Query.Span), source, cta.Query.Span.Start, key, origin));
        }
        return list;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"tviews:\s*key\s*=\s*([A-Za-z0-9_, ]+)")]
    private static partial System.Text.RegularExpressions.Regex KeyDirective();

    public static (string? Schema, string Table) SplitName(string name)
    {
        var parts = name.Split('.');
        return parts.Length switch
        {
            1 => (null, parts[0]),
            2 => (parts[0], parts[1]),
            _ => throw new TViewsException($"bad TVIEW name \"{name}\": expected tv_<entity> or <schema>.tv_<entity>"),
        };
    }
}
