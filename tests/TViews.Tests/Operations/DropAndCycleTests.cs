using Npgsql;
using TViews.Runtime;

namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "Circular Dependency" and "Concurrent DDL", and DROP TABLE of TVIEWs: nothing left behind
/// breaks writes to the sources or confuses the health check; dependents need CASCADE.
/// </summary>
public sealed class DropAndCycleTests
{
    /// <summary>Metadata rows, triggers, generated functions, table and view of a TVIEW.</summary>
    private static Task<long> ObjectsOfAsync(OpsDatabase db, string entity) => db.ScalarAsync<long>($"""
        SELECT (SELECT count(*) FROM pg_tviews_metadata WHERE entity_name = '{entity}')
             + (SELECT count(*) FROM pg_trigger WHERE tgname ~ '^pg_tviews_[0-9]+_{entity}_(ins|upd|del|tru)$')
             + (SELECT count(*) FROM pg_proc WHERE proname IN ('pg_tviews_apply_{entity}', 'pg_tviews_sync_{entity}')
                                                OR proname LIKE 'pg\_tviews\_{entity}\_\_%')
             + (SELECT count(*) FROM pg_class WHERE relname IN ('tv_{entity}', 'pg_tviews_v_{entity}'))
        """);

    private static async Task AssertNothingLeftOfAsync(OpsDatabase db, string entity) =>
        Assert.Equal(0L, await ObjectsOfAsync(db, entity));

    private static async Task AssertSourcesWritableAsync(OpsDatabase db) => await db.ExecAsync("""
        INSERT INTO tb_user VALUES (100, 'new');
        UPDATE tb_user SET name = 'renamed' WHERE pk_user = 1;
        INSERT INTO tb_post VALUES (100, 100, 'new');
        INSERT INTO tb_comment VALUES (100, 100, 'new');
        DELETE FROM tb_comment WHERE pk_comment = 1;
        TRUNCATE tb_comment;
        """);

    [Fact]
    public async Task DropTableOfATViewLeavesNothingThatBreaksItsSources()
    {
        await using var db = await OpsDatabase.CreateAsync();
        // Its metadata row, triggers on three sources, generated functions, table and view.
        Assert.True(await ObjectsOfAsync(db, "post") > 10);
        await db.PsqlAsync("DROP TABLE tv_post;");
        await AssertNothingLeftOfAsync(db, "post");
        await AssertSourcesWritableAsync(db);
        Assert.Equal("renamed", await db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        Assert.Equal("{}", await db.ScalarAsync<string>("SELECT dependents::text FROM pg_tviews_metadata WHERE entity_name = 'user'"));
        await db.AssertConsistentAsync("after drop");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task DroppingATViewOthersAreBuiltOnNeedsCascadeWhichDropsThemToo()
    {
        await using var db = await OpsDatabase.CreateAsync();
        var refused = await db.FailsAsync("DROP TABLE tv_user");
        Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, refused.SqlState);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_metadata"));
        await db.AssertHealthyAsync();

        await db.PsqlAsync("DROP TABLE tv_user CASCADE;");
        await AssertNothingLeftOfAsync(db, "user");
        await AssertNothingLeftOfAsync(db, "post");
        await AssertSourcesWritableAsync(db);
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task CircularDependencyIsRefusedAndTheRunbookRecoveryWorks()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await db.ExecAsync("CREATE TABLE tb_a (pk_a int PRIMARY KEY, label text); INSERT INTO tb_a VALUES (1, 'one'), (2, 'two');");
        var engine = db.Engine();
        await engine.ApplyAsync(TViewDefinition.FromScript("""
            CREATE TABLE tv_a AS SELECT a.pk_a, a.label FROM tb_a a;
            CREATE TABLE tv_b AS SELECT a.pk_a AS pk_b, upper(a.label) AS label FROM tv_a a;
            """));

        // tv_a redefined to read tv_b, which reads tv_a.
        var e = await Assert.ThrowsAsync<TViewsException>(() => engine.ApplyAsync(TViewDefinition.FromScript(
            "CREATE TABLE tv_a AS SELECT a.pk_a, a.label, b.label AS upper_label FROM tb_a a LEFT JOIN tv_b b ON b.pk_b = a.pk_a;")));
        Assert.Equal("Circular dependency detected: tv_a -> tv_b -> tv_a", e.Message);
        Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_metadata WHERE entity_name IN ('a', 'b')"));

        // Break the cycle as the runbook says, then recreate without the circular reference.
        await db.PsqlAsync("DROP TABLE tv_b CASCADE;");
        await AssertNothingLeftOfAsync(db, "b");
        await db.ExecAsync("UPDATE tb_a SET label = 'uno' WHERE pk_a = 1");
        await engine.ApplyAsync(TViewDefinition.FromScript("""
            CREATE TABLE tv_a AS SELECT a.pk_a, a.label, upper(a.label) AS upper_label FROM tb_a a;
            CREATE TABLE tv_b AS SELECT a.pk_a AS pk_b, a.upper_label AS label FROM tv_a a;
            """));
        await db.ExecAsync("UPDATE tb_a SET label = 'dos' WHERE pk_a = 2");
        Assert.Equal("UNO,DOS", await db.ScalarAsync<string>("SELECT string_agg(label, ',' ORDER BY pk_b) FROM tv_b"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_check_consistency('a')"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_check_consistency('b')"));
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task DropTableWaitsForARunningRefreshThenSucceeds()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await using var refresher = await db.OpenAsync();
        await using var tx = await refresher.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("SELECT pg_tviews_refresh('post', true)", refresher, tx)) await cmd.ExecuteScalarAsync();

        await using var dropper = await db.OpenAsync();
        var dropperPid = dropper.ProcessID;
        var drop = Task.Run(async () =>
        {
            await using var cmd = new NpgsqlCommand("DROP TABLE tv_post", dropper) { CommandTimeout = 60 };
            await cmd.ExecuteNonQueryAsync();
        });
        await db.WaitForBackendAsync(dropperPid, "Lock");
        Assert.False(drop.IsCompleted);

        await tx.CommitAsync();
        await drop;
        await AssertNothingLeftOfAsync(db, "post");
        await AssertSourcesWritableAsync(db);
        await db.AssertConsistentAsync("after the drop");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task RefreshWaitingForADropFailsCleanlyWhenTheDropCommits()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await using var dropper = await db.OpenAsync();
        await using var tx = await dropper.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("DROP TABLE tv_post", dropper, tx)) await cmd.ExecuteNonQueryAsync();

        await using var refresher = await db.OpenAsync();
        var refresherPid = refresher.ProcessID;
        var refresh = Task.Run(async () =>
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_tviews_refresh('post', true)", refresher) { CommandTimeout = 60 };
            await cmd.ExecuteScalarAsync();
        });
        await db.WaitForBackendAsync(refresherPid, "Lock");

        await tx.CommitAsync();
        var e = await Assert.ThrowsAsync<PostgresException>(() => refresh);
        Assert.Equal("Metadata not found for TVIEW: post", e.MessageText);
        // The refresher's session is usable and nothing is half applied.
        await using (var ok = new NpgsqlCommand("SELECT pg_tviews_refresh('user')", refresher)) await ok.ExecuteScalarAsync();
        await AssertNothingLeftOfAsync(db, "post");
        await AssertSourcesWritableAsync(db);
        await db.AssertConsistentAsync("after the failed refresh");
        await db.AssertHealthyAsync();
    }
}
