using Npgsql;

namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "Out of Memory": refresh of a large TVIEW runs in batches (memory does not grow with the
/// TVIEW), reports progress with NOTICEs, and works under a tiny work_mem, with and without force.
/// </summary>
public sealed class LargeRefreshTests
{
    private const int Rows = 50_000;

    [Fact]
    public async Task LargeTViewRefreshesInBatchesUnderASmallWorkMem()
    {
        await using var db = await OpsDatabase.CreateAsync(users: 100, posts: 10, comments: 0);
        await db.ExecAsync($"""
            CREATE TABLE tb_item (pk_item bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, label text NOT NULL);
            INSERT INTO tb_item SELECT g, 1 + g % 100, 'item ' || g FROM generate_series(1, {Rows}) g;
            """);
        await db.Engine().ApplyAsync(TViews.Runtime.TViewDefinition.FromScript("""
            CREATE TABLE tv_item AS
            SELECT i.pk_item, i.fk_user, jsonb_build_object('label', i.label, 'owner', u.data) AS data
            FROM tb_item i JOIN tv_user u ON u.pk_user = i.fk_user;
            """));

        // The runbook's recovery as written (a larger work_mem for one session).
        var output = await db.PsqlAsync("""
            SET work_mem = '256MB';
            SELECT pg_tviews_refresh('item');
            RESET work_mem;
            """);
        Assert.Contains("keys reconciled so far", output);

        // Rows changed behind the triggers, then both kinds of refresh under work_mem = 64kB.
        await db.PsqlAsync("SET session_replication_role = replica; UPDATE tb_item SET label = label || '!' WHERE pk_item % 1000 = 0; DELETE FROM tv_item WHERE pk_item % 999 = 0;");
        await using var c = await db.OpenAsync();
        var notices = new List<string>();
        c.Notice += (_, e) => notices.Add(e.Notice.MessageText);
        await using (var set = new NpgsqlCommand("SET work_mem = '64kB'", c)) await set.ExecuteNonQueryAsync();

        await using (var reconcile = new NpgsqlCommand("SELECT pg_tviews_refresh('item')", c) { CommandTimeout = 300 })
            Assert.Equal(50L + 50L, (long)(await reconcile.ExecuteScalarAsync())!); // 50 changed + 50 deleted, nothing else written
        Assert.True(notices.Count(n => n.Contains("keys reconciled so far")) >= 4, string.Join("\n", notices));
        Assert.Contains(notices, n => n.Contains("reconciled item (100 rows written)"));
        Assert.Equal("0", await db.PsqlValueAsync("SELECT count(*) FROM pg_tviews_check_consistency('item')"));

        notices.Clear();
        await using (var rebuild = new NpgsqlCommand("SELECT pg_tviews_refresh('item', force => true)", c) { CommandTimeout = 300 })
            Assert.Equal((long)Rows, (long)(await rebuild.ExecuteScalarAsync())!);
        Assert.True(notices.Count(n => n.Contains("rows rebuilt so far")) >= 4, string.Join("\n", notices));
        Assert.Equal("0", await db.PsqlValueAsync("SELECT count(*) FROM pg_tviews_check_consistency('item')"));

        // A refresh of a TVIEW others are built on cascades, in batches too.
        notices.Clear();
        await using (var cascade = new NpgsqlCommand("SELECT pg_tviews_refresh('user', true)", c) { CommandTimeout = 300 })
            await cascade.ExecuteScalarAsync();
        Assert.Contains(notices, n => n.Contains("rebuilt item"));
        Assert.Equal("0", await db.PsqlValueAsync("SELECT count(*) FROM pg_tviews_check_consistency('item')"));
        Assert.Equal("OK", (await db.HealthAsync())["consistency_sample"].Status);

        // Damage half the rows: the health check notices, by its key sample when the TVIEW is large.
        await db.ExecAsync("UPDATE tv_item SET data = data || '{\"damaged\": true}' WHERE pk_item % 2 = 0");
        var pages = await db.ScalarAsync<long>("SELECT pg_relation_size('tv_item') / current_setting('block_size')::bigint");
        var health = await db.HealthAsync();
        Assert.Equal("ERROR", health["consistency_sample"].Status);
        Assert.Contains(pages > 1000 ? "item: " : "item: 20+ row(s)", health["consistency_sample"].Details);
        if (pages > 1000) Assert.Contains("sampled row(s) differ", health["consistency_sample"].Details);
    }
}
