using Npgsql;
using TViews.Sql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Sql;

/// <summary>
/// The corpus through <see cref="SqlParser.ParseScript"/>: the whole corpus as one script, and every statement
/// as the query of a CREATE VIEW and a CREATE TABLE ... AS, formatted and run on PostgreSQL.
/// </summary>
public sealed class CorpusScriptTests(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    /// <summary>All statements joined by <c>;</c> parse to one query statement each, equal to ParseSelect's tree.</summary>
    [Fact]
    public void WholeCorpusAsOneScript()
    {
        // Statements that ParseSelect rejects fail in CorpusTests.RoundTrip already; leaving them out keeps
        // one lexer bug from hiding every script-level problem.
        var statements = CorpusFiles.All.Where(s => !s.IsExtended && ParsesAlone(s.Sql)).ToList();
        output.WriteLine($"{statements.Count} statements in the script");
        // A line break before each ';' keeps a trailing line comment from swallowing it; statements that
        // already end with ';' leave an empty statement behind, which a script may contain.
        var script = string.Join("\n;\n", statements.Select(s => s.Sql)) + "\n;";
        var parsed = SqlParser.ParseScript(script);
        Assert.Equal(statements.Count, parsed.Count);
        var failures = new List<string>();
        for (int i = 0; i < statements.Count; i++)
        {
            var expected = SqlParser.ParseSelect(statements[i].Sql);
            if (parsed[i] is not QueryStatement q)
                failures.Add($"{statements[i]}: statement {i + 1} of the script is a {parsed[i].GetType().Name}");
            else if (!q.Query.Equals(expected))
                failures.Add($"{statements[i]}: the script's tree differs from ParseSelect's: {SqlFormatter.Format(q.Query, SqlFormatOptions.Compact)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static bool ParsesAlone(string sql)
    {
        try
        {
            SqlParser.ParseSelect(sql);
            return true;
        }
        catch (SqlSyntaxException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>CREATE [OR REPLACE] VIEW v [(c)] AS stmt</c> and <c>CREATE TABLE t [(c)] AS stmt [WITH NO DATA]</c>:
    /// the formatted statements create the same relations as the original text (columns and rows).
    /// Statements that PostgreSQL refuses as a view or table (duplicate or missing column names) are skipped.
    /// </summary>
    [Fact]
    public async Task CorpusAsViewsAndTables()
    {
        await db.ExecuteAsync(CorpusFiles.SchemaSql);
        await using var conn = await db.OpenAsync();
        await ExecuteAsync(conn, "SET statement_timeout = '10s'");
        var failures = new List<string>();
        int checkedCount = 0, skipped = 0, index = 0;
        foreach (var s in CorpusFiles.All.Where(s => !s.IsExtended))
        {
            index++;
            var query = s.Sql.TrimEnd().TrimEnd(';');
            var columnList = index % 3 == 0 ? " (first_col)" : "";
            var noData = index % 5 == 0 ? " WITH NO DATA" : "";
            var orReplace = index % 2 == 0 ? "OR REPLACE " : "";
            var original = $"CREATE {orReplace}VIEW corpus_v{columnList} AS\n{query}\n;\nCREATE TABLE corpus_t{columnList} AS\n{query}\n{noData};";

            await using var tx = await conn.BeginTransactionAsync();
            try
            {
                await ExecuteAsync(conn, "SAVEPOINT probe");
                await ExecuteAsync(conn, original.Replace("corpus_v", "corpus_v0").Replace("corpus_t", "corpus_t0"));
            }
            catch (PostgresException)
            {
                // Not every SELECT makes a relation (e.g. two columns named x, or no columns at all).
                skipped++;
                await ExecuteAsync(conn, "ROLLBACK TO SAVEPOINT probe");
                continue;
            }

            try
            {
                var script = SqlParser.ParseScript(original);
                if (script.Count != 2 || script[0] is not CreateViewStatement view || script[1] is not CreateTableAsStatement table)
                {
                    failures.Add($"{s}: ParseScript returned {string.Join(", ", script.Select(x => x.GetType().Name))}");
                    continue;
                }
                int viewColumns = view.ColumnNames.IsDefaultOrEmpty ? 0 : view.ColumnNames.Length;
                int tableColumns = table.ColumnNames.IsDefaultOrEmpty ? 0 : table.ColumnNames.Length;
                if (view.OrReplace != (orReplace.Length > 0) || table.WithData != (noData.Length == 0)
                    || viewColumns != (columnList.Length > 0 ? 1 : 0) || tableColumns != viewColumns)
                {
                    failures.Add($"{s}: the CREATE options were not parsed (OR REPLACE {view.OrReplace}, WITH DATA {table.WithData}, " +
                                 $"columns {viewColumns}/{tableColumns})");
                    continue;
                }
                var formatted = string.Join(";\n", script.Select(x => SqlFormatter.Format(x))) + ";";
                var reparsed = SqlParser.ParseScript(formatted);
                if (!reparsed.SequenceEqual(script))
                    failures.Add($"{s}: the formatted script parses to different trees\n{formatted}");
                await ExecuteAsync(conn, formatted);
                foreach (var (orig, copy) in new[] { ("corpus_v0", "corpus_v"), ("corpus_t0", "corpus_t") })
                {
                    var expected = await CorpusRoundTrip.RunAsync(conn, $"SELECT * FROM {orig}");
                    var actual = await CorpusRoundTrip.RunAsync(conn, $"SELECT * FROM {copy}");
                    var diff = CorpusRoundTrip.Compare(expected, actual);
                    if (diff is not null) failures.Add($"{s}: {copy} differs: {diff}\n--- formatted:\n{formatted}");
                }
                checkedCount++;
            }
            catch (PostgresException ex)
            {
                failures.Add($"{s}: the formatted CREATE statements fail on PostgreSQL: {ex.MessageText}\n--- statement:\n{query}");
            }
            catch (Exception ex)
            {
                failures.Add($"{s}: {ex.GetType().Name}: {ex.Message}\n--- statement:\n{query}");
            }
            finally
            {
                await tx.RollbackAsync();
            }
        }
        output.WriteLine($"{checkedCount} statements checked as views and tables, {skipped} not valid as a view or table");
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n\n", failures.Take(20)));
        Assert.True(checkedCount >= CorpusTests.MinimumStatements, $"only {checkedCount} statements could be checked");
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
