using System.Globalization;
using System.Text;

namespace TViews.Sql;

/// <summary>
/// Deparser: prints any syntax tree (parsed or built by code) as PostgreSQL 13+ SQL with the same meaning.
/// Parenthesises by precedence conservatively, quotes identifiers when needed, and re-escapes literals.
/// Output is canonical: <c>Format(Parse(Format(x))) == Format(x)</c>.
/// </summary>
internal static class SqlFormatter
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
        if (!HasControlCharacters(name)) return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        // Line breaks and other control characters as U&"\XXXX" escapes, so layout can never alter the name.
        var sb = new StringBuilder("U&\"");
        foreach (char c in name)
        {
            if (c == '"') sb.Append("\"\"");
            else if (c == '\\') sb.Append("\\\\");
            else if (char.IsControl(c)) sb.Append('\\').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>
    /// A string literal in the standard form <c>'it''s'</c> (assumes standard_conforming_strings, the default since
    /// 9.1); a value with line breaks or other control characters uses the escape form <c>E'a\nb'</c> instead, so
    /// that indentation can never change it.
    /// </summary>
    public static string QuoteLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!HasControlCharacters(value)) return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
        var sb = new StringBuilder("E'");
        foreach (char c in value)
        {
            switch (c)
            {
                case '\'': sb.Append("''"); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('\'').ToString();
    }

    private static bool HasControlCharacters(string value)
    {
        foreach (char c in value)
        {
            if (char.IsControl(c)) return true;
        }
        return false;
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
