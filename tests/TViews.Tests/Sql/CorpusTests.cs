using System.Runtime.CompilerServices;
using Npgsql;
using TViews.Sql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Sql;

/// <summary>
/// Acceptance corpus of the SQL front end against a real PostgreSQL: every statement of
/// Corpus/statements/*.sql must parse, format (three ways) to text that parses back to the same tree and
/// formats identically, and return exactly the rows of the original statement.
/// </summary>
public sealed class CorpusTests(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    public const int MinimumStatements = 200;

    private static readonly ConditionalWeakTable<DatabaseFixture, Task> SchemaLoaded = new();

    public static TheoryData<string> CoreStatements() => [.. CorpusFiles.All.Where(s => !s.IsExtended).Select(s => s.Id)];

    public static TheoryData<string> ExtendedStatements() => [.. CorpusFiles.All.Where(s => s.IsExtended).Select(s => s.Id)];

    [Fact]
    public void CorpusHasEnoughStatements()
    {
        var all = CorpusFiles.All;
        foreach (var g in all.GroupBy(s => s.File)) output.WriteLine($"{g.Key}: {g.Count()}");
        output.WriteLine($"total: {all.Count}");
        Assert.True(all.Count(s => !s.IsExtended) >= MinimumStatements,
            $"the corpus has {all.Count(s => !s.IsExtended)} core statements, at least {MinimumStatements} expected");
        var duplicates = all.GroupBy(s => s.Sql).Where(g => g.Count() > 1).Select(g => string.Join(", ", g)).ToList();
        Assert.True(duplicates.Count == 0, "duplicate statements: " + string.Join("; ", duplicates));
    }

    [Theory]
    [MemberData(nameof(CoreStatements))]
    public async Task RoundTrip(string statement)
    {
        var s = CorpusFiles.Get(statement);
        await using var conn = await OpenCorpusAsync();
        var report = await CorpusRoundTrip.CheckAsync(s.Sql, conn);
        if (report.Formatted.TryGetValue("default", out var formatted)) output.WriteLine(formatted);
        Assert.True(report.Ok, CorpusRoundTrip.Describe(s.ToString(), s.Sql, report));
    }

    /// <summary>Forms outside the documented surface: a clean rejection is accepted, a wrong round trip is not.</summary>
    [Theory]
    [MemberData(nameof(ExtendedStatements))]
    public async Task RoundTripOrCleanRejection(string statement)
    {
        var s = CorpusFiles.Get(statement);
        await using var conn = await OpenCorpusAsync();
        var report = await CorpusRoundTrip.CheckAsync(s.Sql, conn);
        if (report.Rejection is not null)
        {
            output.WriteLine($"rejected (accepted for an extended form): {report.Rejection.Message}");
            return;
        }
        Assert.True(report.Ok, CorpusRoundTrip.Describe(s.ToString(), s.Sql, report));
    }

    /// <summary>
    /// The four read models of samples/blog/tviews.sql, read at test time, on the sample schema (in a database
    /// of its own) with a small hand-written dataset. Each is created after its check, because tv_post reads tv_comment.
    /// </summary>
    [Fact]
    public async Task SampleReadModels()
    {
        var models = CorpusFiles.SampleReadModels();
        Assert.Equal(["tv_comment", "tv_post", "tv_user", "tv_tag"], models.Select(m => m.Name).ToArray());

        // The whole file must parse as a script of four CREATE TABLE ... AS statements with the same queries.
        var script = SqlParser.ParseScript(CorpusFiles.SampleReadModelsSql);
        Assert.Equal(models.Count, script.Count);
        for (int i = 0; i < models.Count; i++)
        {
            var create = Assert.IsType<CreateTableAsStatement>(script[i]);
            Assert.Equal(models[i].Name, create.Name.Name);
            Assert.Equal(SqlParser.ParseSelect(models[i].Query), create.Query);
        }

        var connectionString = await TestServer.CreateDatabaseAsync("corpus_sample");
        try
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            await ExecuteAsync(conn, "SET statement_timeout = '20s'");
            await ExecuteAsync(conn, CorpusFiles.SampleSchemaSql);
            await ExecuteAsync(conn, SampleData);
            var failures = new List<string>();
            foreach (var model in models)
            {
                var report = await CorpusRoundTrip.CheckAsync(model.Query, conn);
                if (!report.Ok) failures.Add(CorpusRoundTrip.Describe($"sample read model {model.Name}", model.Query, report));
                var rows = await CorpusRoundTrip.RunAsync(conn, model.Query);
                Assert.True(rows.RowCount > 0, $"{model.Name} returns no rows on the sample data");
                await ExecuteAsync(conn, $"CREATE TABLE {model.Name} AS {model.Query}");
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(connectionString);
        }
    }

    /// <summary>
    /// A few rows for samples/blog/schema.sql with the awkward values a round trip must keep: quotes,
    /// non-ASCII text, a draft (NULL published_at), a user with nothing, a tag on no post.
    /// </summary>
    private const string SampleData = """
        INSERT INTO tb_user (pk_user, id, handle, name, email, joined_at) VALUES
            (1, '00000000-0000-4000-8000-000000000001', 'ada', 'Ada Lovelace', 'ada@example.com', '2024-01-01 10:00:00+00'),
            (2, '00000000-0000-4000-8000-000000000002', 'grace', 'Grace Hopper', 'grace@example.com', '2024-01-02 10:00:00+00'),
            (3, '00000000-0000-4000-8000-000000000003', 'linus', 'Linus "T" O''Brien', 'linus@example.com', '2024-01-03 10:00:00+00'),
            (4, '00000000-0000-4000-8000-000000000004', 'lurker', 'Lurker', 'lurker@example.com', '2024-01-04 10:00:00+00');
        INSERT INTO tb_post (pk_post, id, fk_author, title, body, published_at, views, created_at) VALUES
            (1, '00000000-0000-4000-9000-000000000001', 1, 'Notes on the Engine', 'body 1', '2024-02-01 09:00:00+00', 10, '2024-02-01 08:00:00+00'),
            (2, '00000000-0000-4000-9000-000000000002', 1, 'Draft', 'body 2', NULL, 0, '2024-02-02 08:00:00+00'),
            (3, '00000000-0000-4000-9000-000000000003', 2, 'COBOL', 'body 3', '2024-02-03 09:00:00+00', 99, '2024-02-03 08:00:00+00'),
            (4, '00000000-0000-4000-9000-000000000004', 3, 'Kernels', 'Ünïcødé body', '2024-02-04 09:00:00+00', 5, '2024-02-04 08:00:00+00');
        INSERT INTO tb_comment (pk_comment, id, fk_post, fk_author, body, posted_at) VALUES
            (1, '00000000-0000-4000-a000-000000000001', 1, 2, 'Great!', '2024-03-01 09:00:00+00'),
            (2, '00000000-0000-4000-a000-000000000002', 1, 3, 'Agreed', '2024-03-01 09:05:00+00'),
            (3, '00000000-0000-4000-a000-000000000003', 3, 1, 'Nice', '2024-03-02 09:00:00+00'),
            (4, '00000000-0000-4000-a000-000000000004', 4, 1, 'It''s "fine"', '2024-03-03 09:00:00+00'),
            (5, '00000000-0000-4000-a000-000000000005', 1, 1, 'Thanks', '2024-03-04 09:00:00+00');
        INSERT INTO tb_tag (pk_tag, id, slug, name) VALUES
            (1, '00000000-0000-4000-b000-000000000001', 'history', 'History'),
            (2, '00000000-0000-4000-b000-000000000002', 'languages', 'Programming languages'),
            (3, '00000000-0000-4000-b000-000000000003', 'unused', 'Unused');
        INSERT INTO tb_post_tag (fk_post, fk_tag) VALUES (1, 1), (1, 2), (3, 2), (4, 2);
        """;

    private async Task<NpgsqlConnection> OpenCorpusAsync()
    {
        await SchemaLoaded.GetValue(db, static d => d.ExecuteAsync(CorpusFiles.SchemaSql));
        var conn = await db.OpenAsync();
        // A formatter that broke a recursive CTE's stop condition must not hang the run.
        await ExecuteAsync(conn, "SET statement_timeout = '10s'");
        return conn;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
