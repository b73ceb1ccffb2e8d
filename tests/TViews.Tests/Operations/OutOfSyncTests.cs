namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "Disk Full" (and any other way rows get written without the triggers firing): the
/// divergence is detected (counts, pg_tviews_check_consistency, the health check) and repaired by
/// pg_tviews_refresh, run from psql as the runbook writes it.
/// </summary>
public sealed class OutOfSyncTests
{
    /// <summary>Writes with the triggers not firing, as a replication apply or a botched restore would.</summary>
    private static Task WriteBehindTheTriggersAsync(OpsDatabase db) => db.PsqlAsync("""
        SET session_replication_role = replica;
        UPDATE tb_user SET name = 'silent' WHERE pk_user = 1;
        INSERT INTO tb_post VALUES (500, 2, 'silent post');
        DELETE FROM tb_comment WHERE pk_comment = 7;
        """);

    [Fact]
    public async Task ForceRefreshRepairsWritesTheTriggersNeverSaw()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await WriteBehindTheTriggersAsync(db);

        // Step 2, corrected (docs/runbook.md): the "backing table" of a TVIEW is its definition view.
        Assert.Equal("41", await db.PsqlValueAsync("SELECT COUNT(*) FROM pg_tviews_v_post;"));
        Assert.Equal("40", await db.PsqlValueAsync("SELECT COUNT(*) FROM tv_post;"));
        // The renamed user: its stale row is "extra", the row the definition yields is "missing".
        Assert.Equal("extra|missing", await db.PsqlValueAsync("SELECT string_agg(kind, '|' ORDER BY kind) FROM pg_tviews_check_consistency('user');"));
        Assert.NotEmpty(await db.DifferencesAsync());
        var health = await db.HealthAsync();
        Assert.Equal("ERROR", health["consistency_sample"].Status);
        Assert.Contains("user:", health["consistency_sample"].Details);
        Assert.Contains("post:", health["consistency_sample"].Details);

        // Step 3 as written; refreshing tv_user cascades to tv_post, built on it.
        var output = await db.PsqlAsync("SELECT pg_tviews_refresh('user', force => true);");
        Assert.Contains("rebuilt user", output);
        Assert.Contains("rebuilt post", output);
        await db.AssertConsistentAsync("after force refresh");
        await db.AssertHealthyAsync();
    }

    [Fact]
    public async Task ReconcileWithoutForceWritesOnlyTheRowsThatDiffer()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await WriteBehindTheTriggersAsync(db);
        // tv_user: one row differs. tv_post: the silent post is missing, user 1's posts carry the old
        // name, the post of comment 7 still lists it.
        Assert.Equal("1", await db.PsqlValueAsync("SELECT pg_tviews_refresh('user');"));
        await db.AssertConsistentAsync("after reconcile");
        Assert.Equal("0", await db.PsqlValueAsync("SELECT pg_tviews_refresh('user');"));
        Assert.Equal("0", await db.PsqlValueAsync("SELECT pg_tviews_refresh('post');"));
    }
}
