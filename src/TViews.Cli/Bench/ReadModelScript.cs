using System.Text;
using System.Text.RegularExpressions;

namespace TViews.Cli.Bench;

/// <summary>One read model of tviews.sql: <c>CREATE TABLE name AS select</c>.</summary>
public sealed record ReadModelDefinition(string Name, string Select)
{
    /// <summary>The key column: the first output column (how the workload keys every read model).</summary>
    public string KeyColumn => ReadModelScript.FirstOutputColumn(Select);
}

/// <summary>An index a later definition needs on an earlier read model to avoid a scan per outer row.</summary>
public sealed record LookupIndex(string Table, string Column);

/// <summary>
/// Text-level handling of the read-model script for the baselines (CREATE TABLE AS, materialized
/// views, verification). Deliberately independent of the TViews parser, so a parser bug cannot
/// distort the yardsticks it is measured against.
/// </summary>
public static partial class ReadModelScript
{
    /// <summary>Splits a script into statements at top-level semicolons; comments are dropped.</summary>
    public static IReadOnlyList<string> SplitStatements(string script)
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            if (c == '-' && At(script, i, "--"))
            {
                var end = script.IndexOf('\n', i);
                i = end < 0 ? script.Length : end;
                current.Append(' ');
            }
            else if (c == '/' && At(script, i, "/*"))
            {
                var depth = 0;
                do
                {
                    if (At(script, i, "/*")) { depth++; i += 2; }
                    else if (At(script, i, "*/")) { depth--; i += 2; }
                    else i++;
                } while (depth > 0 && i < script.Length);
                current.Append(' ');
            }
            else if (c is '\'' or '"' || (c == '$' && DollarTag(script, i) is not null))
            {
                var end = QuotedEnd(script, i);
                current.Append(script, i, end - i);
                i = end;
            }
            else if (c == ';')
            {
                Flush();
                i++;
            }
            else
            {
                current.Append(c);
                i++;
            }
        }
        Flush();
        return statements;

        void Flush()
        {
            var s = current.ToString().Trim();
            if (s.Length > 0) statements.Add(s);
            current.Clear();
        }
    }

    /// <summary>The <c>CREATE TABLE x AS select</c> statements of a script, in order.</summary>
    public static IReadOnlyList<ReadModelDefinition> Parse(string script)
    {
        var list = new List<ReadModelDefinition>();
        foreach (var statement in SplitStatements(script))
        {
            var m = CreateTableAs().Match(statement);
            if (!m.Success) throw new FormatException($"expected CREATE TABLE <name> AS <select>, found: {Abbreviate(statement)}");
            list.Add(new ReadModelDefinition(m.Groups["name"].Value, m.Groups["select"].Value.Trim()));
        }
        return list;
    }

    /// <summary>
    /// Renames table references (unquoted identifiers, outside literals and comments) through
    /// <paramref name="rename"/>, which returns null to keep a name. Used for tv_x -> mv_x.
    /// </summary>
    public static string RenameIdentifiers(string sql, Func<string, string?> rename)
    {
        var sb = new StringBuilder(sql.Length);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c is '\'' or '"' || (c == '$' && DollarTag(sql, i) is not null))
            {
                var end = QuotedEnd(sql, i);
                sb.Append(sql, i, end - i);
                i = end;
            }
            else if (c == '-' && At(sql, i, "--"))
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                sb.Append(sql, i, end - i);
                i = end;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$')) i++;
                var word = sql[start..i];
                // A name after a dot is a column or a schema-qualified name's second part: leave columns alone.
                var afterDot = start > 0 && sql[start - 1] == '.';
                sb.Append(!afterDot && rename(word) is { } renamed ? renamed : word);
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Correlated lookups of the form <c>FROM t a WHERE a.col = ...</c> (or <c>... = a.col</c>)
    /// on one of <paramref name="tables"/>: the index each needs so that building the definition
    /// is not one scan of t per outer row.
    /// </summary>
    public static IReadOnlyList<LookupIndex> CorrelatedLookups(string select, IEnumerable<string> tables)
    {
        var names = new HashSet<string>(tables, StringComparer.OrdinalIgnoreCase);
        var result = new List<LookupIndex>();
        foreach (Match m in Lookup().Matches(select))
        {
            var table = m.Groups["table"].Value;
            var alias = m.Groups["alias"].Success ? m.Groups["alias"].Value : table;
            if (!names.Contains(table)) continue;
            // Either side of the first equality may be the looked-up table's column.
            var column = new[] { m.Groups["left"].Value, m.Groups["right"].Value }
                .Select(side => side.Split('.'))
                .Where(parts => parts.Length == 2 && string.Equals(parts[0], alias, StringComparison.OrdinalIgnoreCase))
                .Select(parts => parts[1]).FirstOrDefault();
            var index = column is null ? null : new LookupIndex(table.ToLowerInvariant(), column.ToLowerInvariant());
            if (index is not null && !result.Contains(index)) result.Add(index);
        }
        return result;
    }

    /// <summary>The name of the first column of a select list: its alias, or the column name of a.b.</summary>
    public static string FirstOutputColumn(string select)
    {
        var start = SelectKeyword().Match(select);
        if (!start.Success) throw new FormatException($"not a SELECT: {Abbreviate(select)}");
        // The first item runs to the first comma outside parentheses and quotes.
        var i = start.Index + start.Length;
        var depth = 0;
        var end = select.Length;
        while (i < select.Length)
        {
            var c = select[i];
            if (c is '\'' or '"' || (c == '$' && DollarTag(select, i) is not null)) { i = QuotedEnd(select, i); continue; }
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (depth == 0 && (c == ',' || FromKeyword().IsMatch(select[i..Math.Min(select.Length, i + 6)]))) { end = i; break; }
            i++;
        }
        var item = select[(start.Index + start.Length)..end].Trim();
        var m = ItemName().Match(item);
        if (!m.Success) throw new FormatException($"cannot name the first output column of: {Abbreviate(select)} (give it an alias)");
        return m.Groups["name"].Value.Trim('"').ToLowerInvariant();
    }

    private static bool At(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    /// <summary>The $tag$ starting at i, or null when i does not start a dollar quote.</summary>
    private static string? DollarTag(string s, int i)
    {
        if (i > 0 && (char.IsLetterOrDigit(s[i - 1]) || s[i - 1] == '_')) return null; // $ inside an identifier or $1
        var j = i + 1;
        while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_')) j++;
        if (j >= s.Length || s[j] != '$') return null;
        var tag = s[i..(j + 1)];
        return tag.Length > 2 && char.IsDigit(tag[1]) ? null : tag;
    }

    /// <summary>The index just past the literal or quoted identifier that starts at i.</summary>
    private static int QuotedEnd(string s, int i)
    {
        if (s[i] == '$')
        {
            var tag = DollarTag(s, i)!;
            var end = s.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
            return end < 0 ? s.Length : end + tag.Length;
        }
        var q = s[i];
        var j = i + 1;
        while (j < s.Length)
        {
            if (s[j] == q)
            {
                if (j + 1 < s.Length && s[j + 1] == q) { j += 2; continue; } // doubled quote
                return j + 1;
            }
            j++;
        }
        return s.Length;
    }

    private static string Abbreviate(string s)
    {
        var one = Regex.Replace(s, @"\s+", " ");
        return one.Length <= 80 ? one : one[..77] + "...";
    }

    [GeneratedRegex(@"^\s*CREATE\s+TABLE\s+(?<name>[A-Za-z_][A-Za-z0-9_$.]*)\s+AS\s+(?<select>.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex CreateTableAs();

    [GeneratedRegex(@"\bFROM\s+(?<table>[A-Za-z_][A-Za-z0-9_]*)(?:\s+(?:AS\s+)?(?!WHERE\b)(?<alias>[A-Za-z_][A-Za-z0-9_]*))?\s+WHERE\s+(?<left>[A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(?<right>[A-Za-z_][A-Za-z0-9_.]*)", RegexOptions.IgnoreCase)]
    private static partial Regex Lookup();

    [GeneratedRegex(@"^\s*SELECT(?:\s+DISTINCT)?\s+", RegexOptions.IgnoreCase)]
    private static partial Regex SelectKeyword();

    [GeneratedRegex(@"^\sFROM\s", RegexOptions.IgnoreCase)]
    private static partial Regex FromKeyword();

    // "expr AS name", "expr name" (a bare alias), "a.b" or "b": the name is the last word, when it is a plain one.
    [GeneratedRegex(@"(?:^|[\s.])(?<name>[A-Za-z_][A-Za-z0-9_]*|""[^""]+"")\s*$")]
    private static partial Regex ItemName();
}
