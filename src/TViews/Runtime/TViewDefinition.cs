using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TViews.Codegen;
using TViews.Plan;
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
    string? Origin = null,
    bool AcknowledgeRowSecurity = false)
{
    /// <summary>
    /// When the TVIEW is maintained by default (<c>-- tviews:mode=deferred</c>, <c>create --mode</c>).
    /// Not part of <see cref="Hash"/>: changing it with <c>apply</c> updates the catalog, rebuilds nothing.
    /// </summary>
    public TViewMode Mode { get; init; } = TViewMode.Immediate;

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
    public static TViewDefinition FromSelect(string name, string selectSql, IReadOnlyList<string>? key = null, string? origin = null, bool acknowledgeRowSecurity = false)
    {
        var (schema, table) = SplitName(name);
        var stmt = SqlParser.ParseSelect(selectSql);
        return new TViewDefinition(schema, table, stmt, selectSql, new SourceText(selectSql), 0, key, origin, acknowledgeRowSecurity);
    }

    /// <summary>Parses a script of <c>CREATE TABLE tv_x AS &lt;select&gt;;</c> statements.</summary>
    public static IReadOnlyList<TViewDefinition> FromScript(string script, string? origin = null)
    {
        var source = new SourceText(script);
        var list = new List<TViewDefinition>();
        var previousEnd = 0;
        foreach (var statement in SqlParser.ParseScript(script))
        {
            // Comments `-- tviews:key=a,b` (and other directives) between the previous statement and
            // this one apply to it.
            var gapStart = previousEnd;
            var gap = script[previousEnd..statement.Span.Start];
            previousEnd = statement.Span.End;
            var directives = Directives(gap, gapStart, source, origin);
            IReadOnlyList<string>? key = directives.TryGetValue("key", out var k)
                ? k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null;
            var rls = directives.TryGetValue("rls", out var r) && r == "acknowledged";
            var mode = directives.TryGetValue("mode", out var md) && TViewModes.TryParse(md, out var parsed) ? parsed : TViewMode.Immediate;
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
            list.Add(new TViewDefinition(schema, cta.Name.Name, cta.Query, source.GetText(cta.Query.Span), source, cta.Query.Span.Start, key, origin, rls) { Mode = mode });
        }
        return list;
    }

    /// <summary>
    /// The directives in the comments before a statement: lines <c>-- tviews:name=value</c>. A
    /// misspelt directive would silently change nothing, so anything else after <c>tviews:</c> is an
    /// error with its line.
    /// </summary>
    private static Dictionary<string, string> Directives(string gap, int gapStart, SourceText source, string? origin)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in DirectiveLine().Matches(gap))
        {
            var pos = source.GetLinePosition(gapStart + m.Index);
            string Fail(string why) => throw new TViewsException($"{origin ?? "input"}: line {pos.Line}: {why}");
            var body = m.Groups[1].Value.Trim();
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) Fail($"bad directive \"tviews:{body}\": expected tviews:key=<columns>, tviews:mode=immediate|deferred or tviews:rls=acknowledged");
            var name = body[..eq].Trim();
            var value = body[(eq + 1)..].Trim();
            switch (name)
            {
                case "key" when KeyValue().IsMatch(value):
                    break;
                case "key":
                    Fail($"bad key directive \"{value}\": expected column names separated by commas");
                    break;
                case "rls" when value == "acknowledged":
                    break;
                case "rls":
                    Fail($"bad rls directive \"{value}\": the only value is acknowledged");
                    break;
                case "mode" when TViewModes.TryParse(value, out _):
                    break;
                case "mode":
                    Fail($"bad mode directive \"{value}\": expected immediate or deferred");
                    break;
                default:
                    Fail($"unknown directive \"tviews:{name}\" (known: key, mode, rls)");
                    break;
            }
            if (!found.TryAdd(name, value)) Fail($"directive tviews:{name} given twice for one statement");
        }
        return found;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"--[ \t]*tviews:([^\r\n]*)")]
    private static partial System.Text.RegularExpressions.Regex DirectiveLine();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9_]+(\s*,\s*[A-Za-z0-9_]+)*$")]
    private static partial System.Text.RegularExpressions.Regex KeyValue();

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
