using System.Globalization;
using System.Text;

namespace TViews.Runtime;

/// <summary>One statement an operation executed, with the values of its parameters written in as literals.</summary>
/// <param name="Comment">What it does, for a reader of the script (null when nobody said).</param>
/// <param name="Sql">The statement, runnable as it stands (no parameters left).</param>
internal sealed record RecordedStatement(string? Comment, string Sql);

/// <summary>
/// Records the statements with an effect that the engine executes (everything that goes through
/// <see cref="NpgsqlExtensions.ExecuteAsync"/>; queries that only read go through the other helpers
/// and are not recorded). Active for the async flow that called <see cref="Start"/>: the script
/// generator runs apply's own code with a recorder, then rolls the transaction back, so the script
/// holds exactly the statements apply executes.
/// </summary>
internal sealed class StatementRecorder
{
    private static readonly AsyncLocal<StatementRecorder?> Ambient = new();
    private readonly List<RecordedStatement> _statements = [];
    private string? _note;

    public IReadOnlyList<RecordedStatement> Statements => _statements;

    /// <summary>
    /// Starts recording for the calling async flow (and what it awaits). Synchronous on purpose: an
    /// AsyncLocal set here stays set in the caller.
    /// </summary>
    public static StatementRecorder Start()
    {
        var r = new StatementRecorder();
        Ambient.Value = r;
        return r;
    }

    /// <summary>Stops recording for the calling flow.</summary>
    public static void Stop() => Ambient.Value = null;

    /// <summary>The comment of the next statement executed (nothing when not recording).</summary>
    public static void Note(string comment)
    {
        if (Ambient.Value is { } r) r._note = comment;
    }

    /// <summary>Called by the execution helper after a statement succeeded.</summary>
    public static void Executed(string sql, (string Name, object? Value)[] args)
    {
        if (Ambient.Value is not { } r) return;
        r._statements.Add(new RecordedStatement(r._note, Inline(sql, args)));
        r._note = null;
    }

    /// <summary>
    /// <paramref name="sql"/> with each <c>@name</c> parameter replaced by a literal of its value.
    /// Quoted identifiers, string literals, dollar-quoted bodies and comments are copied untouched.
    /// </summary>
    internal static string Inline(string sql, (string Name, object? Value)[] args)
    {
        if (args.Length == 0) return sql;
        var values = args.ToDictionary(a => a.Name, a => Literal(a.Value), StringComparer.Ordinal);
        var sb = new StringBuilder(sql.Length + 64);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            int end;
            if (c is '\'' or '"')
            {
                end = i + 1;
                while (end < sql.Length && !(sql[end] == c && (end + 1 >= sql.Length || sql[end + 1] != c)))
                    end += sql[end] == c ? 2 : 1;
                end = Math.Min(end + 1, sql.Length);
            }
            else if (c == '-' && next == '-')
            {
                end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
            }
            else if (c == '/' && next == '*')
            {
                end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + 2;
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + tag.Length;
            }
            else if (c == '@' && IsNameStart(next) && (i == 0 || !IsNamePart(sql[i - 1])))
            {
                end = i + 1;
                while (end < sql.Length && IsNamePart(sql[end])) end++;
                var name = sql[(i + 1)..end];
                if (values.TryGetValue(name, out var literal)) { sb.Append(literal); i = end; continue; }
            }
            else
            {
                end = i + 1;
            }
            sb.Append(sql, i, end - i);
            i = end;
        }
        return sb.ToString();
    }

    private static string? DollarTag(string sql, int start)
    {
        var j = start + 1;
        if (j < sql.Length && sql[j] == '$') return "$$";
        if (j >= sql.Length || !IsNameStart(sql[j])) return null;
        while (j < sql.Length && IsNamePart(sql[j])) j++;
        return j < sql.Length && sql[j] == '$' ? sql[start..(j + 1)] : null;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';
    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>A typed SQL literal of a parameter value, as Npgsql would have sent it.</summary>
    internal static string Literal(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => SqlNames.Literal(s) + "::text",
        bool b => b ? "true" : "false",
        int n => n.ToString(CultureInfo.InvariantCulture) + "::integer",
        long n => "(" + n.ToString(CultureInfo.InvariantCulture) + ")::bigint",
        string[] a => a.Length == 0 ? "'{}'::text[]" : "ARRAY[" + string.Join(", ", a.Select(SqlNames.Literal)) + "]::text[]",
        _ => throw new TViewsException($"internal error: a parameter of type {value.GetType().Name} cannot be written into a script", TViewsErrorCode.Internal),
    };
}
