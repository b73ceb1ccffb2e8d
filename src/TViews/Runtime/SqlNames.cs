using System.Text;

namespace TViews.Runtime;

/// <summary>Quoting of identifiers and literals for SQL the tool writes. Every name is quoted.</summary>
internal static class SqlNames
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Quote(string schema, string name) => Quote(schema) + "." + Quote(name);

    public static string Literal(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var ch in value)
        {
            if (ch == '\0') throw new ArgumentException("SQL text cannot contain NUL characters", nameof(value));
            sb.Append(ch == '\'' ? "''" : ch.ToString());
        }
        return sb.Append('\'').ToString();
    }

    /// <summary>
    /// A generated object name within PostgreSQL's 63-byte limit: readable prefix, with a short hash of
    /// the full name appended when it had to be cut, so distinct names stay distinct.
    /// </summary>
    public static string Generated(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= 63) return name;
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8].ToLowerInvariant();
        var prefix = name;
        while (Encoding.UTF8.GetByteCount(prefix) > 54) prefix = prefix[..^1];
        return prefix + "_" + hash;
    }
}
