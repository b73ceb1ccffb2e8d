using System.Text;
using System.Text.RegularExpressions;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Sql;

/// <summary>One statement of the acceptance corpus (Corpus/statements/*.sql).</summary>
/// <param name="File">File name, e.g. <c>05_grouping.sql</c>.</param>
/// <param name="Index">1-based position of the statement in its file.</param>
/// <param name="Line">1-based line of the file where the statement starts.</param>
/// <param name="Sql">The statement text (trimmed).</param>
public sealed record CorpusStatement(string File, int Index, int Line, string Sql)
{
    /// <summary><c>file#index</c>, the name a failure reports.</summary>
    public string Id => $"{File}#{Index}";

    /// <summary>Extended forms (files 9x_*.sql): a clean rejection by the parser is acceptable for these.</summary>
    public bool IsExtended => File.StartsWith('9');

    public override string ToString() => $"{Id} (line {Line})";
}

/// <summary>A read model of the sample blog: <c>CREATE TABLE name AS query</c> from samples/blog/tviews.sql.</summary>
public sealed record SampleReadModel(string Name, string Query);

/// <summary>
/// Loads the corpus. Statement files are split on lines that contain only <c>-- @@</c>; chunks that are
/// empty or consist of comments only are file headers, not statements.
/// </summary>
public static partial class CorpusFiles
{
    public const string SeparatorLine = "-- @@";

    private static readonly Lazy<IReadOnlyList<CorpusStatement>> AllStatements = new(LoadAll);

    public static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "Corpus");

    public static string StatementsDirectory => Path.Combine(CorpusDirectory, "statements");

    public static string SchemaSql => File.ReadAllText(Path.Combine(CorpusDirectory, "schema.sql"));

    /// <summary>Every statement of every file, in file order.</summary>
    public static IReadOnlyList<CorpusStatement> All => AllStatements.Value;

    public static CorpusStatement Get(string id) =>
        All.FirstOrDefault(s => s.Id == id) ?? throw new ArgumentException($"no corpus statement {id}", nameof(id));

    public static IReadOnlyList<CorpusStatement> Split(string fileName, string text)
    {
        var result = new List<CorpusStatement>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var chunk = new StringBuilder();
        int chunkStart = 1;
        for (int i = 0; i <= lines.Length; i++)
        {
            bool end = i == lines.Length;
            if (end || SeparatorPattern().IsMatch(lines[i]))
            {
                Flush(chunk.ToString(), chunkStart);
                chunk.Clear();
                chunkStart = i + 2;
                continue;
            }
            chunk.Append(lines[i]).Append('\n');
        }
        return result;

        void Flush(string body, int firstLine)
        {
            var bodyLines = body.Split('\n');
            int lead = 0;
            while (lead < bodyLines.Length && string.IsNullOrWhiteSpace(bodyLines[lead])) lead++;
            var sql = body.Trim();
            if (sql.Length == 0) return;
            bool commentsOnly = sql.Split('\n').All(l => l.Trim().Length == 0 || l.TrimStart().StartsWith("--", StringComparison.Ordinal));
            if (commentsOnly) return;
            result.Add(new CorpusStatement(fileName, result.Count + 1, firstLine + lead, sql));
        }
    }

    private static IReadOnlyList<CorpusStatement> LoadAll()
    {
        var files = Directory.GetFiles(StatementsDirectory, "*.sql").OrderBy(f => f, StringComparer.Ordinal);
        return [.. files.SelectMany(f => Split(Path.GetFileName(f), File.ReadAllText(f)))];
    }

    /// <summary>samples/blog/schema.sql: the sample blog's source tables.</summary>
    public static string SampleSchemaSql => File.ReadAllText(RepoPaths.Sample("blog", "schema.sql"));

    /// <summary>samples/blog/tviews.sql: the sample blog's read models.</summary>
    public static string SampleReadModelsSql => File.ReadAllText(RepoPaths.Sample("blog", "tviews.sql"));

    /// <summary>The read models of tviews.sql in file (dependency) order, the query being the text after <c>AS</c>.</summary>
    public static IReadOnlyList<SampleReadModel> SampleReadModels()
    {
        var sql = StripLineComments(SampleReadModelsSql);
        return [.. CreateTableAsPattern().Matches(sql).Select(m => new SampleReadModel(m.Groups["name"].Value, m.Groups["query"].Value.Trim()))];
    }

    private static string StripLineComments(string sql) =>
        string.Join('\n', sql.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')
            .Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)));

    [GeneratedRegex(@"^-- @@[ \t]*\r?$")]
    private static partial Regex SeparatorPattern();

    [GeneratedRegex(@"CREATE\s+TABLE\s+(?<name>\w+)\s+AS\s+(?<query>.*?);", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex CreateTableAsPattern();
}
