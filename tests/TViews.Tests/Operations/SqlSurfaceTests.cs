using Npgsql;

namespace TViews.Tests.Operations;

/// <summary>
/// The SQL API is callable unqualified from a default psql session, the catalog is readable by
/// whoever reads the TVIEWs, and writable only by their owner (through the API).
/// </summary>
public sealed class SqlSurfaceTests
{
    [Fact]
    public async Task EveryRunbookFunctionIsCallableUnqualifiedFromPsql()
    {
        await using var db = await OpsDatabase.CreateAsync();
        var output = await db.PsqlValueAsync("""
            SELECT pg_tviews_version();
            SELECT count(*) FROM pg_tviews_metadata;
            SELECT pg_tviews_refresh('post');
            SELECT pg_tviews_refresh('post', force => true);
            SELECT count(*) FROM pg_tviews_check_consistency('post');
            SELECT pg_tviews_debug_queue();
            SELECT pg_tviews_queue_stats() ? 'prepared_with_tview_changes';
            SELECT count(*) FROM pg_tview_pending_refreshes;
            SELECT count(*) FROM pg_tviews_recover_prepared_transactions();
            SELECT pg_tviews_commit_prepared('none') LIKE 'not prepared%';
            SELECT pg_tviews_rollback_prepared('none') LIKE 'not prepared%';
            SELECT string_agg(status, ',') FROM pg_tviews_health_check();
            SELECT pg_tviews_convert_existing_table('post') LIKE 'TVIEW post restored%';
            """);
        Assert.Equal(string.Join("\n", "0.1.0", "2", "0", "40", "0", "[]", "t", "0", "0", "t", "t",
            "OK,OK,OK,OK,OK,OK,OK,OK,OK", "t"), output);
    }

    [Fact]
    public async Task ReadersSeeTheCatalogAndHealthButCannotWriteTheCatalog()
    {
        await using var db = await OpsDatabase.CreateAsync();
        var role = $"ops_reader_{Guid.NewGuid():N}"[..24];
        await db.ExecAsync($"CREATE ROLE {role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};");
        try
        {
            var reader = OpsDatabase.Attach(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role }.ConnectionString);
            Assert.Equal(2L, await reader.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_metadata"));
            Assert.Equal(0L, await reader.ScalarAsync<long>("SELECT count(*) FROM pg_tview_pending_refreshes"));
            await reader.AssertHealthyAsync();
            foreach (var write in new[]
            {
                "UPDATE pg_tviews_metadata SET mode = 'immediate'",
                "DELETE FROM pg_tviews_metadata",
                "SELECT pg_tviews_refresh('post', true)",
                "SELECT pg_tviews_convert_existing_table('post')",
            })
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await reader.FailsAsync(write)).SqlState);
            Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_metadata"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await db.ExecAsync($"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }
}
