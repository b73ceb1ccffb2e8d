using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TViews.Codegen;
using TViews.Plan;
using TViews.Sql;

namespace TViews.Runtime;

/// <summary>
/// A TVIEW to create: its name, the SELECT it maintains, an optional explicit key and how it is
/// maintained. Build one with <see cref="FromSelect"/>, or load scripts with <see cref="FromScript"/>
/// and <see cref="TViewDefinitions"/>; change the name, key or mode with <c>with { ... }</c>.
/// </summary>
public sealed partial record TViewDefinition
{
    internal TViewDefinition(string? schema, string table, SelectStmt query, string queryText, SourceText source, int queryOffset,
        IReadOnlyList<string>? key = null, string? origin = null, bool acknowledgeRowSecurity = false)
    {
        Schema = schema;
        Table = table;
        Query = query;
        QueryText = queryText;
        Source = source;
        QueryOffset = queryOffset;
        Key = key;
        Origin = origin;
        AcknowledgeRowSecurity = acknowledgeRowSecurity;
    }

    /// <summary>The schema of the TVIEW's table, or null for the first schema of the search path.</summary>
    public string? Schema { get; init; }

    /// <summary>The TVIEW's table name, <c>tv_&lt;entity&gt;</c>.</summary>
    public string Table { get; init; }

    /// <summary>
    /// The SELECT, as written (for a script, the text of the statement's query). Parsed when the
    /// definition is built; it cannot be replaced with <c>with</c>, build a new definition instead.
    /// </summary>
    public string QueryText { get; internal init; }

    /// <summary>
    /// The columns of the TVIEW's key, when given explicitly (<c>--key</c>, <c>-- tviews:key=a,b</c>);
    /// null for the default (<c>pk_&lt;entity&gt;</c> when the SELECT has it, else its first column).
    /// </summary>
    public IReadOnlyList<string>? Key { get; init; }

    /// <summary>Where the definition comes from (a file or resource name), used in error messages; null when built in code.</summary>
    public string? Origin { get; init; }

    /// <summary>
    /// Whether the owner accepts that a source table has row-level security (<c>-- tviews:rls=acknowledged</c>):
    /// the TVIEW is built with the rights of the role that creates it, so rows a policy would hide from
    /// readers of the source appear in it. A source with row-level security is refused without this.
    /// </summary>
    public bool AcknowledgeRowSecurity { get; init; }

    /// <summary>
    /// When the TVIEW is maintained by default (<c>-- tviews:mode=deferred</c>, <c>create --mode</c>).
    /// Not part of the definition's identity: changing it with <c>apply</c> updates the catalog, rebuilds nothing.
    /// </summary>
    public TViewMode Mode { get; init; } = TViewMode.Immediate;

    /// <summary>Where the SELECT starts in the text it was read from.</summary>
    internal SourceLocation Position
    {
        get
        {
            var p = Source.GetLinePosition(QueryOffset);
            return new(p.Line, p.Column);
        }
    }

    /// <summary>Where the definition is, for messages about it: "models.sql, line 3"; null without an <see cref="Origin"/>.</summary>
    internal string? Place => Origin is null ? null : $"{Origin}, line {Position.Line}";

    /// <summary>The entity: the table name without its <c>tv_</c> prefix (how the runtime's functions name a TVIEW).</summary>
    public string Entity => Table.StartsWith("tv_", StringComparison.Ordinal) ? Table[3..] : Table;

    /// <summary>The parsed SELECT (<see cref="QueryText"/> as a tree).</summary>
    internal SelectStmt Query { get; init; }

    /// <summary>The whole text the SELECT was parsed from, for line and column positions in errors.</summary>
    internal SourceText Source { get; }

    /// <summary>Where <see cref="QueryText"/> starts in <see cref="Source"/>.</summary>
    internal int QueryOffset { get; }

    /// <summary>
    /// Identity of the definition for "re-apply does nothing": canonical SQL, key and the generation of
    /// the maintenance code (so an upgrade that changes that code rebuilds on the next apply), hashed.
    /// </summary>
    internal string Hash
    {
        get
        {
            var canonical = SqlFormatter.Format(Query, SqlFormatOptions.Compact) + "\nkey=" + string.Join(",", Key ?? [])
                + "\ngeneration=" + TViewCodegen.Generation.ToString(CultureInfo.InvariantCulture);
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..16].ToLowerInvariant();
        }
    }

    /// <summary>A definition from one SELECT, parsed now.</summary>
    /// <param name="name">The TVIEW's name: <c>tv_&lt;entity&gt;</c> or <c>&lt;schema&gt;.tv_&lt;entity&gt;</c>, read as SQL reads
    /// a name (unquoted parts fold to lower case; <c>"Sales Dept".tv_order</c> keeps case and spaces).</param>
    /// <param name="selectSql">The SELECT (without a trailing semicolon).</param>
    /// <param name="key">The key columns, or null for the default (<c>pk_&lt;entity&gt;</c>, else the first column).</param>
    /// <param name="origin">Where the text comes from, for error messages.</param>
    /// <param name="acknowledgeRowSecurity">See <see cref="AcknowledgeRowSecurity"/>.</param>
    /// <exception cref="SqlSyntaxException">The SELECT does not parse (<see cref="TViewsErrorCode.Syntax"/>, with its position).</exception>
    /// <exception cref="TViewsException">The name is not <c>tv_x</c> or <c>schema.tv_x</c> (<see cref="TViewsErrorCode.InvalidDefinition"/>).</exception>
    public static TViewDefinition FromSelect(string name, string selectSql, IReadOnlyList<string>? key = null, string? origin = null, bool acknowledgeRowSecurity = false)
    {
        var (schema, table) = SplitName(name);
        var stmt = SqlParser.ParseSelect(selectSql);
        return new TViewDefinition(schema, table, stmt, selectSql, new SourceText(selectSql), 0, key, origin, acknowledgeRowSecurity);
    }

    /// <summary>
    /// The definitions in a script of <c>CREATE TABLE tv_x AS &lt;select&gt;;</c> statements, each
    /// optionally preceded by directive comments (<c>-- tviews:key=a,b</c>, <c>-- tviews:mode=deferred</c>,
    /// <c>-- tviews:rls=acknowledged</c>).
    /// </summary>
    /// <param name="script">The script's text.</param>
    /// <param name="origin">Where the script comes from (a file name), for error messages and <see cref="Origin"/>.</param>
    /// <exception cref="SqlSyntaxException">The script does not parse.</exception>
    /// <exception cref="TViewsException">A statement is not <c>CREATE TABLE ... AS SELECT</c>, or a directive is malformed.</exception>
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
                throw new TViewsException($"{origin ?? "input"}: line {pos.Line}, column {pos.Column}: expected CREATE TABLE tv_<entity> AS <select>, found another statement",
                    TViewsErrorCode.InvalidDefinition, new(pos.Line, pos.Column));
            }
            if (!cta.ColumnNames.OrEmpty().IsEmpty)
            {
                var pos = source.GetLinePosition(cta.Span.Start);
                throw new TViewsException($"{origin ?? "input"}: line {pos.Line}, column {pos.Column}: column names after the TVIEW name are not supported; alias the select list instead",
                    TViewsErrorCode.UnsupportedDefinition, new(pos.Line, pos.Column));
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
            string Fail(string why) => throw new TViewsException($"{origin ?? "input"}: line {pos.Line}: {why}", TViewsErrorCode.InvalidDefinition, new(pos.Line, pos.Column));
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

    /// <summary>
    /// Splits <c>tv_x</c> or <c>schema.tv_x</c> into its schema (null when absent) and table, read as
    /// SQL names, as in a script's <c>CREATE TABLE</c>: unquoted parts fold to lower case, quoted parts
    /// keep case, dots and spaces.
    /// </summary>
    internal static (string? Schema, string Table) SplitName(string name)
    {
        const string expected = "expected tv_<entity> or <schema>.tv_<entity> (SQL names: double quotes keep case and dots)";
        QualifiedName parsed;
        try
        {
            parsed = SqlParser.ParseQualifiedName(name);
        }
        catch (SqlSyntaxException e)
        {
            throw new TViewsException($"bad TVIEW name \"{name}\": {e.Detail} at character {e.Offset + 1}; {expected}", TViewsErrorCode.InvalidDefinition, null, e);
        }
        return parsed.Parts.Length switch
        {
            1 => (null, parsed.Name),
            2 => (parsed.Schema, parsed.Name),
            _ => throw new TViewsException($"bad TVIEW name \"{name}\": {parsed.Parts.Length} parts; {expected}", TViewsErrorCode.InvalidDefinition),
        };
    }
}
