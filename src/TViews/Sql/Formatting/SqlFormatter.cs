using System.Text;

namespace TViews.Sql;

/// <summary>
/// Deparser: prints any syntax tree (parsed or built by code) as PostgreSQL 13+ SQL with the same meaning.
/// Parenthesises by precedence conservatively, quotes identifiers when needed, and re-escapes literals.
/// Output is canonical: <c>Format(Parse(Format(x))) == Format(x)</c>.
/// </summary>
public static class SqlFormatter
{
    /// <summary>Formats a statement, query, expression or any other node.</summary>
    /// <exception cref="InvalidOperationException">For a tree that no SQL can express (e.g. LIMIT and FETCH on one query).</exception>
    public static string Format(SqlNode node, SqlFormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new SqlPrinter(options ?? SqlFormatOptions.Default).Print(node);
    }

    /// <summary>
    /// Quotes an identifier if PostgreSQL needs it: anything but <c>[a-z_][a-z0-9_]*</c>, and keywords that are
    /// not unreserved. With <paramref name="always"/> every identifier is quoted.
    /// </summary>
    public static string QuoteIdentifier(string name, bool always = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!always && !NeedsQuotes(name)) return name;
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A standard string literal: <c>'it''s'</c> (assumes standard_conforming_strings, the default since 9.1).</summary>
    public static string QuoteLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    internal static bool NeedsQuotes(string name) => !IsSimpleName(name) || SqlKeywords.Category(name) is
        KeywordCategory.ColName or KeywordCategory.TypeFuncName or KeywordCategory.Reserved;

    /// <summary>Lower-case ASCII letters, digits and underscores, not starting with a digit.</summary>
    internal static bool IsSimpleName(string name)
    {
        if (name.Length == 0) return false;
        if (!(name[0] is (>= 'a' and <= 'z') or '_')) return false;
        foreach (char c in name)
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_')) return false;
        }
        return true;
    }

    internal static string Indent(string text, int size)
    {
        if (text.Length == 0) return text;
        var pad = new string(' ', size);
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(pad);
        foreach (char c in text)
        {
            sb.Append(c);
            if (c == '\n') sb.Append(pad);
        }
        return sb.ToString();
    }
}
