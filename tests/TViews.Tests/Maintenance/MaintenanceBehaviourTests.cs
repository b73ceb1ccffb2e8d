using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>What maintenance does and, as important, what it does not do.</summary>
public sealed class MaintenanceBehaviourTests : IAsyncLifetime
{
    private string _db = "";

    public async Task InitializeAsync()
    {
        _db = await TestServer.CreateDatabaseAsync("behave");
        await WorkloadRunner.LoadBlogAsync(_db, 0.01);
        await new TViewsEngine(_db).ApplyAsync(TViewDefinition.FromScript(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath)));
    }

    public Task DisposeAsync() => TestServer.DropDatabaseAsync(_db);

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        return c;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task ExecAsync(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The maintenance lock counter: it moves only when a statement did maintenance work.</summary>
    private static Task<long> SeqAsync(NpgsqlConnection c, string entity) =>
        ScalarAsync<long>(c, $"SELECT seq FROM pg_tviews_state WHERE entity_name = '{entity}'");

    [Fact]
    public async Task UpdatingAColumnNoTViewReadsDoesNoMaintenanceWork()
    {
        await using var c = await OpenAsync();
        var before = (await SeqAsync(c, "post"), await SeqAsync(c, "user"));
        var xmin = await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_post) FROM tv_post");
        await ExecAsync(c, "UPDATE tb_post SET views = views + 1");
        Assert.Equal(before, (await SeqAsync(c, "post"), await SeqAsync(c, "user")));
        Assert.Equal(xmin, await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_post) FROM tv_post"));
    }

    [Fact]
    public async Task RecomputedRowsThatDoNotChangeAreNotWrittenAndDoNotCascade()
    {
        await using var c = await OpenAsync();
        var postXmin = await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_post) FROM tv_post");
        var commentXmin = await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_comment) FROM tv_comment");
        var seqPost = await SeqAsync(c, "post");
        // Changes a column tv_user reads but to a value that leaves every TVIEW row as it was.
        await ExecAsync(c, "UPDATE tb_user SET name = name || '' WHERE pk_user <= 20");
        await ExecAsync(c, "UPDATE tb_user SET email = upper(email) WHERE pk_user = 1");
        await ExecAsync(c, "UPDATE tb_user SET email = lower(email) WHERE pk_user = 1");
        Assert.Equal(commentXmin, await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_comment) FROM tv_comment"));
        Assert.Equal(postXmin, await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_post) FROM tv_post"));
        Assert.Equal(seqPost, await SeqAsync(c, "post"));
        // An UPDATE of a TVIEW table finds its dependents' keys from all its rows, changed or not
        // (generation 23): those recomputed the same are not written either.
        await ExecAsync(c, "UPDATE tv_comment SET data = data WHERE pk_comment <= 50"); // a column tv_post reads: its gate fires
        Assert.Equal(postXmin, await ScalarAsync<string>(c, "SELECT string_agg(xmin::text, ',' ORDER BY pk_post) FROM tv_post"));
    }

    [Fact]
    public async Task TheWritingTransactionReadsItsOwnChangesAfterEachStatement()
    {
        await using var c = await OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await ExecAsync(c, "UPDATE tb_user SET name = 'In transaction' WHERE pk_user = 3");
        Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_post WHERE fk_author = 3 AND data->'author'->>'name' <> 'In transaction'"));
        Assert.True(await ScalarAsync<long>(c, "SELECT count(*) FROM tv_comment WHERE fk_author = 3 AND data->'author'->>'name' = 'In transaction'") > 0);
        // and the second level of the cascade, in the same statement: comments embedded in posts
        Assert.True(await ScalarAsync<long>(c, "SELECT count(*) FROM tv_post p, jsonb_array_elements(p.data->'comments') e WHERE e->'author'->>'name' = 'In transaction'") > 0);
        await tx.RollbackAsync();
        Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_comment WHERE data->'author'->>'name' = 'In transaction'"));
    }

    [Fact]
    public async Task DependentsGetAnIndexOnTheColumnsTheyReadBy()
    {
        await using var c = await OpenAsync();
        var indexed = await ScalarAsync<bool>(c, """
            SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                           WHERE i.indrelid = 'tv_comment'::regclass AND a.attname = 'fk_post')
            """);
        Assert.True(indexed, "tv_post reads tv_comment by fk_post: it must be indexed");
    }

    [Fact]
    public async Task TriggersAreStatementLevelNamedPgTviewsAndCoverEveryEvent()
    {
        await using var c = await OpenAsync();
        var rows = new List<(string Table, string Name, int Type)>();
        // The runtime's own tables aside (the queue's deferred flush trigger: see DeferredModeTests).
        await using (var cmd = new NpgsqlCommand("SELECT tgrelid::regclass::text, tgname, tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT tgisinternal AND c.relkind = 'r' AND c.relname NOT LIKE 'pg\\_tviews\\_%' ORDER BY 1, 2", c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) rows.Add((r.GetString(0), r.GetString(1), r.GetInt16(2)));
        Assert.All(rows, t => Assert.StartsWith("pg_tviews_", t.Name));
        Assert.All(rows, t => Assert.Equal(0, t.Type & 1)); // TRIGGER_TYPE_ROW bit unset: statement level
        foreach (var table in new[] { "tb_post", "tb_user", "tb_comment", "tb_tag", "tb_post_tag", "tv_comment" })
        {
            foreach (var ev in new[] { "_ins", "_del", "_tru", "_gate" })
                Assert.Contains(rows, t => t.Table == table && t.Name.EndsWith(ev));
            Assert.Single(rows, t => t.Table == table && t.Name == "pg_tviews_update"); // shared by the TVIEWs reading it
        }
        // tv_post follows tv_comment: its triggers on a shared source sort (and so fire) later ...
        var onUser = rows.Where(t => t.Table == "tb_user" && t.Name.EndsWith("_ins")).Select(t => t.Name).ToList();
        Assert.True(onUser.IndexOf("pg_tviews_01_comment_ins") < onUser.IndexOf("pg_tviews_02_post_ins"));
        // ... and its part of the shared UPDATE function comes later.
        var update = await UpdateFunctionAsync(c, "tb_user");
        Assert.True(update.IndexOf("<<pg_tviews_comment>>", StringComparison.Ordinal) is var i && i > 0 && i < update.IndexOf("<<pg_tviews_post>>", StringComparison.Ordinal));
    }

    /// <summary>The shared UPDATE function of a source table.</summary>
    private static Task<string> UpdateFunctionAsync(NpgsqlConnection c, string table) =>
        ScalarAsync<string>(c, $"SELECT pg_get_functiondef(tgfoid) FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND tgname = 'pg_tviews_update'");

    /// <summary>A TVIEW's part of the shared UPDATE function of a source table.</summary>
    private static async Task<string> UpdatePartAsync(NpgsqlConnection c, string table, string entity)
    {
        var body = await UpdateFunctionAsync(c, table);
        var start = body.IndexOf($"<<pg_tviews_{entity}>>", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no part for {entity} in the UPDATE function of {table}");
        var end = $"END pg_tviews_{entity};";
        return body[start..(body.IndexOf(end, start, StringComparison.Ordinal) + end.Length)];
    }
    [Fact]
    public async Task ChangesThatCannotMoveRowsPatchOnlyTheLeavesThatReadThem()
    {
        await using var c = await OpenAsync();
        // tb_tag (its slug) is read only inside tv_post's 'tags' leaf: its trigger patches, never recomputes whole rows.
        var body = await UpdatePartAsync(c, "tb_tag", "post");
        Assert.Contains("pg_tviews_patch_post__tb_tag", body);
        Assert.DoesNotContain("pg_tviews_apply_post", body);
        // tb_user is joined in tv_post's FROM: a rename patches, a key change would recompute.
        var userBody = await UpdatePartAsync(c, "tb_user", "post");
        Assert.Contains("pg_tviews_patch_post__tb_user", userBody);
        Assert.Contains("pg_tviews_apply_post", userBody);

        var tagged = await ScalarAsync<long>(c, "SELECT count(*) FROM tb_post_tag WHERE fk_tag = 7");
        var before = await ScalarAsync<string>(c, "SELECT string_agg(data->>'comments', '|' ORDER BY pk_post) FROM tv_post");
        await ExecAsync(c, "UPDATE tb_tag SET slug = 'renamed-7' WHERE pk_tag = 7");
        Assert.Equal(tagged, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_post WHERE data->'tags' ? 'renamed-7'"));
        Assert.Equal(before, await ScalarAsync<string>(c, "SELECT string_agg(data->>'comments', '|' ORDER BY pk_post) FROM tv_post"));
        // a key change of a joined row takes the full path and still ends right
        await ExecAsync(c, "UPDATE tb_user SET name = 'Patched' WHERE pk_user = 4");
        Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_post WHERE fk_author = 4 AND data->'author'->>'name' <> 'Patched'"));
        var script = await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath);
        await Oracle.AssertConsistentAsync(c, WorkloadRunner.Definitions(script), "after patches");
    }
}
