using System.Text;
using System.Text.Json;
using Npgsql;
using TViews.Sql;

namespace TViews.Tests.Sql;

/// <summary>The rows and column signature of one query, rendered invariantly (PostgreSQL text output).</summary>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<string> Rows)
{
    public int RowCount => Rows.Count;
}

/// <summary>
/// The round-trip check of one SELECT: parse, format (default, single line, all identifiers quoted), re-parse,
/// re-format (must be identical), re-parsed tree equal to the original tree, and the same result on PostgreSQL.
/// </summary>
public static class CorpusRoundTrip
{
    internal static readonly IReadOnlyList<(string Name, SqlFormatOptions? Options)> Variants =
    [
        ("default", null),
        ("single line", new SqlFormatOptions { SingleLine = true }),
        ("quote all identifiers", new SqlFormatOptions { QuoteAllIdentifiers = true }),
    ];

    /// <summary>Outcome of <see cref="CheckAsync"/>.</summary>
    public sealed class Report
    {
        public List<string> Problems { get; } = [];

        /// <summary>The parser rejected the original statement with this error.</summary>
        public SqlSyntaxException? Rejection { get; set; }

        public Dictionary<string, string> Formatted { get; } = [];

        public bool Ok => Problems.Count == 0;
    }

    /// <summary>Runs every check; <paramref name="connection"/> null skips the PostgreSQL comparison.</summary>
    public static async Task<Report> CheckAsync(string sql, NpgsqlConnection? connection)
    {
        var report = new Report();
        SelectStmt original;
        try
        {
            original = SqlParser.ParseSelect(sql);
        }
        catch (SqlSyntaxException ex) when (MasksInternalError(ex))
        {
            report.Problems.Add($"the parser crashed (internal exception reported as a syntax error): {ex.Message}");
            return report;
        }
        catch (SqlSyntaxException ex)
        {
            report.Rejection = ex;
            report.Problems.Add($"the parser rejects the statement: {ex.Message}");
            return report;
        }
        catch (Exception ex)
        {
            report.Problems.Add($"the parser crashed (not a SqlSyntaxException): {ex}");
            return report;
        }

        foreach (var (name, options) in Variants)
        {
            string text;
            try
            {
                text = SqlFormatter.Format(original, options);
            }
            catch (Exception ex)
            {
                report.Problems.Add($"[{name}] Format threw: {ex}");
                continue;
            }
            report.Formatted[name] = text;

            SelectStmt again;
            try
            {
                again = SqlParser.ParseSelect(text);
            }
            catch (Exception ex)
            {
                report.Problems.Add($"[{name}] the formatted text does not parse: {ex.Message}\n--- formatted:\n{text}");
                continue;
            }

            string text2;
            try
            {
                text2 = SqlFormatter.Format(again, options);
            }
            catch (Exception ex)
            {
                report.Problems.Add($"[{name}] formatting the re-parsed tree threw: {ex}");
                continue;
            }
            if (text2 != text)
                report.Problems.Add($"[{name}] formatting is not stable (format(parse(formatted)) differs)\n--- first:\n{text}\n--- second:\n{text2}");
            if (!again.Equals(original))
                report.Problems.Add($"[{name}] the re-parsed tree differs from the original tree\n--- formatted:\n{text}");
        }

        if (connection is null) return report;

        QueryResult expected;
        try
        {
            expected = await RunAsync(connection, sql);
        }
        catch (PostgresException ex)
        {
            report.Problems.Add($"the ORIGINAL statement fails on PostgreSQL (corpus error): {ex.MessageText}");
            return report;
        }

        foreach (var (name, text) in report.Formatted)
        {
            QueryResult actual;
            try
            {
                actual = await RunAsync(connection, text);
            }
            catch (PostgresException ex)
            {
                report.Problems.Add($"[{name}] the formatted SQL fails on PostgreSQL: {ex.MessageText}" +
                                    (ex.Position > 0 ? $" (at character {ex.Position})" : "") + $"\n--- formatted:\n{text}");
                continue;
            }
            var diff = Compare(expected, actual);
            if (diff is not null) report.Problems.Add($"[{name}] the formatted SQL returns a different result: {diff}\n--- formatted:\n{text}");
        }
        return report;
    }

    /// <summary>
    /// SqlParser turns unexpected exceptions (parser bugs) into a SqlSyntaxException whose detail names the
    /// exception type, e.g. <c>could not parse the statement here (NullReferenceException)</c>; those are crashes.
    /// </summary>
    public static bool MasksInternalError(SqlSyntaxException ex) =>
        ex.Detail.Contains("could not parse the statement here (", StringComparison.Ordinal)
        || System.Text.RegularExpressions.Regex.IsMatch(ex.Detail, @"\(\w*Exception\)");

    /// <summary>Explains a report for an assertion message.</summary>
    public static string Describe(string title, string sql, Report report)
    {
        var sb = new StringBuilder();
        sb.Append(title).Append('\n');
        sb.Append("--- statement:\n").Append(sql).Append('\n');
        foreach (var p in report.Problems) sb.Append("* ").Append(p).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// Executes a query and returns its columns (name and type) and its rows as a sorted list (a multiset).
    /// Every value is fetched in PostgreSQL's text format, so composite, range and enum values need no mapping.
    /// </summary>
    public static async Task<QueryResult> RunAsync(NpgsqlConnection connection, string sql)
    {
        sql = sql.TrimEnd();
        while (sql.EndsWith(';')) sql = sql[..^1].TrimEnd();
        await using var cmd = new NpgsqlCommand(sql, connection) { AllResultTypesAreUnknown = true };
        await using var reader = await cmd.ExecuteReaderAsync();
        var columns = new List<string>();
        for (int i = 0; i < reader.FieldCount; i++)
            columns.Add($"{reader.GetName(i)}:{reader.GetPostgresType(i).DisplayName}");
        var rows = new List<string>();
        var values = new string?[reader.FieldCount];
        while (await reader.ReadAsync())
        {
            for (int i = 0; i < values.Length; i++)
                values[i] = reader.IsDBNull(i) ? null : reader.GetFieldValue<string>(i);
            rows.Add(JsonSerializer.Serialize(values));
        }
        rows.Sort(StringComparer.Ordinal);
        return new QueryResult(columns, rows);
    }

    /// <summary>Null when equal, else a short description of the first difference.</summary>
    public static string? Compare(QueryResult expected, QueryResult actual)
    {
        if (!expected.Columns.SequenceEqual(actual.Columns))
            return $"columns differ: expected ({string.Join(", ", expected.Columns)}), got ({string.Join(", ", actual.Columns)})";
        if (expected.RowCount != actual.RowCount)
            return $"row count differs: expected {expected.RowCount}, got {actual.RowCount}" + FirstMissing(expected, actual);
        for (int i = 0; i < expected.RowCount; i++)
        {
            if (expected.Rows[i] != actual.Rows[i])
                return $"rows differ (sorted row {i + 1}): expected {expected.Rows[i]}, got {actual.Rows[i]}";
        }
        return null;
    }

    private static string FirstMissing(QueryResult expected, QueryResult actual)
    {
        var missing = expected.Rows.Except(actual.Rows, StringComparer.Ordinal).Take(3).ToList();
        var extra = actual.Rows.Except(expected.Rows, StringComparer.Ordinal).Take(3).ToList();
        return (missing.Count > 0 ? $"; missing e.g. {string.Join(" ", missing)}" : "") +
               (extra.Count > 0 ? $"; unexpected e.g. {string.Join(" ", extra)}" : "");
    }
}
