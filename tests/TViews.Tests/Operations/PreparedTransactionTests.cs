using Npgsql;

namespace TViews.Tests.Operations;

/// <summary>
/// Two-phase commit and the runbook's "Queue Persistence Corruption": TVIEW changes travel inside the
/// prepared transaction (visible exactly at COMMIT PREPARED, gone at ROLLBACK PREPARED), and
/// pg_tview_pending_refreshes with its clean-up statements works as the runbook writes it.
/// </summary>
public sealed class PreparedTransactionTests : IAsyncLifetime
{
    private OpsDatabase _db = null!;

    public async Task InitializeAsync() => _db = await OpsDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        // A prepared transaction outlives its session and would block DROP DATABASE: end any left over.
        foreach (var row in await _db.RowsAsync("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"))
            await _db.ExecAsync($"ROLLBACK PREPARED '{row[0]}'");
        await _db.DisposeAsync();
    }

    private static string NewGid() => $"ops-{Guid.NewGuid():N}";

    /// <summary>Writes to the sources of both TVIEWs in a transaction, then prepares it.</summary>
    private async Task PrepareAsync(string gid, string name = "prepared name")
    {
        await using var c = await _db.OpenAsync();
        await using var cmd = new NpgsqlCommand($"""
            BEGIN;
            UPDATE tb_user SET name = '{name}' WHERE pk_user = 1;
            INSERT INTO tb_post VALUES (900, 1, 'prepared post');
            PREPARE TRANSACTION '{gid}';
            """, c);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task TViewChangesBecomeVisibleExactlyAtCommitPrepared()
    {
        var gid = NewGid();
        await PrepareAsync(gid);
        Assert.Equal("user 1", await _db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM tv_post WHERE pk_post = 900"));

        var pending = await _db.RowsAsync("SELECT gid, owner, database::text, entities::text, prepared = prepared_at FROM pg_tview_pending_refreshes");
        var row = Assert.Single(pending);
        Assert.Equal(gid, row[0]);
        Assert.Equal("postgres", row[1]);
        Assert.Equal("{post,user}", row[3]);
        Assert.Equal("True", row[4]);

        // The prepared transaction holds its maintenance locks: with the whole lock (the default), every
        // writer of the TVIEWs' sources waits.
        var blocked = await _db.FailsAsync("SET lock_timeout = '200ms'; UPDATE tb_user SET name = 'other' WHERE pk_user = 2");
        Assert.Equal(PostgresErrorCodes.LockNotAvailable, blocked.SqlState);
        // Those are TVIEW locks, not key locks: a writer under 'key' waits for them too.
        await _db.ExecAsync("SELECT pg_tviews_set_locking(entity_name, 'key') FROM pg_tviews_metadata WHERE key_locks");
        blocked = await _db.FailsAsync("SET lock_timeout = '200ms'; UPDATE tb_user SET name = 'other' WHERE pk_user = 2");
        Assert.Equal(PostgresErrorCodes.LockNotAvailable, blocked.SqlState);
        await _db.ExecAsync("SELECT pg_tviews_set_locking(entity_name, 'whole') FROM pg_tviews_metadata WHERE key_locks");

        await _db.PsqlAsync($"COMMIT PREPARED '{gid}';");
        Assert.Equal("prepared name", await _db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        Assert.Equal("prepared name", await _db.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 900"));
        Assert.Empty(await _db.RowsAsync("SELECT * FROM pg_tview_pending_refreshes"));
        Assert.Contains("not prepared: nothing to do", await _db.ScalarAsync<string>($"SELECT pg_tviews_commit_prepared('{gid}')"));
        await _db.AssertConsistentAsync("after COMMIT PREPARED");
    }

    [Fact]
    public async Task TViewChangesVanishAtRollbackPrepared()
    {
        var gid = NewGid();
        await PrepareAsync(gid);
        await _db.PsqlAsync($"ROLLBACK PREPARED '{gid}';");
        Assert.Equal("user 1", await _db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM tv_post WHERE pk_post = 900"));
        Assert.Empty(await _db.RowsAsync("SELECT * FROM pg_tview_pending_refreshes"));
        // Writers are free again.
        await _db.ExecAsync("SET lock_timeout = '2s'; UPDATE tb_user SET name = 'free' WHERE pk_user = 1");
        await _db.AssertConsistentAsync("after ROLLBACK PREPARED");
    }

    [Fact]
    public async Task OnlyPreparedTransactionsThatWroteTViewsAreListed()
    {
        var gid = NewGid();
        await using (var c = await _db.OpenAsync())
        {
            await using var cmd = new NpgsqlCommand($"BEGIN; INSERT INTO tb_audit (note) VALUES ('x'); PREPARE TRANSACTION '{gid}';", c);
            await cmd.ExecuteNonQueryAsync();
        }
        Assert.Empty(await _db.RowsAsync("SELECT * FROM pg_tview_pending_refreshes"));
        var stats = await _db.ScalarAsync<string>("SELECT pg_tviews_queue_stats()::text");
        Assert.Contains("\"prepared_transactions\": 1", stats);
        Assert.Contains("\"prepared_with_tview_changes\": 0", stats);
        await _db.ExecAsync($"COMMIT PREPARED '{gid}'");
    }

    [Fact]
    public async Task RunbookCleanUpOfAnOrphanedPreparedTransaction()
    {
        var gid = NewGid();
        await PrepareAsync(gid, "orphan");

        // Step 1 as written: nothing is an hour old yet ...
        var listed = await _db.PsqlAsync("SELECT gid, prepared FROM pg_tview_pending_refreshes WHERE age(now(), prepared) > interval '1 hour';");
        Assert.Contains("(0 rows)", listed);
        // ... the same query with a shorter age finds it, and so does the health check with that threshold.
        listed = await _db.PsqlAsync("SELECT gid, prepared FROM pg_tview_pending_refreshes WHERE age(now(), prepared) > interval '0 seconds';");
        Assert.Contains(gid, listed);
        Assert.Equal("OK", (await _db.HealthAsync())["prepared_transactions"].Status);
        var health = await _db.HealthAsync("0 seconds");
        Assert.Equal("WARNING", health["prepared_transactions"].Status);
        Assert.Contains(gid, health["prepared_transactions"].Details);
        var stats = await _db.ScalarAsync<string>("SELECT pg_tviews_queue_stats()::text");
        Assert.Contains("\"prepared_with_tview_changes\": 1", stats);

        // Step 2 as written: the row leaves the list, and the NOTICE says how to end the transaction.
        var deleted = await _db.PsqlAsync($"DELETE FROM pg_tview_pending_refreshes WHERE gid = '{gid}';");
        Assert.Contains($"ROLLBACK PREPARED '{gid}'", deleted);
        Assert.Contains($"COMMIT PREPARED '{gid}'", deleted);
        Assert.Empty(await _db.RowsAsync("SELECT * FROM pg_tview_pending_refreshes"));
        // Dismissed is not ended: the health check keeps reporting it, with the default threshold.
        health = await _db.HealthAsync();
        Assert.Equal("WARNING", health["prepared_transactions"].Status);
        Assert.Contains("dismissed but still prepared", health["prepared_transactions"].Details);

        // The helper functions refuse to pretend, and say exactly what to run.
        var e = await _db.FailsAsync($"SELECT pg_tviews_rollback_prepared('{gid}')");
        Assert.Equal($"ROLLBACK PREPARED '{gid}';", e.Hint);
        e = await _db.FailsAsync($"SELECT pg_tviews_commit_prepared('{gid}')");
        Assert.Equal($"COMMIT PREPARED '{gid}';", e.Hint);
        var recover = await _db.RowsAsync("SELECT gid, dismissed, rollback_statement FROM pg_tviews_recover_prepared_transactions()");
        Assert.Equal([gid, "True", $"ROLLBACK PREPARED '{gid}';"], Assert.Single(recover));

        await _db.PsqlAsync($"ROLLBACK PREPARED '{gid}';");
        Assert.StartsWith("not prepared: nothing to do", await _db.ScalarAsync<string>($"SELECT pg_tviews_rollback_prepared('{gid}')"));
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_dismissed_prepared"));
        Assert.Empty(await _db.RowsAsync("SELECT * FROM pg_tviews_recover_prepared_transactions()"));
        Assert.Equal("OK", (await _db.HealthAsync("0 seconds"))["prepared_transactions"].Status);
        Assert.Equal("user 1", await _db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        await _db.AssertConsistentAsync("after clean-up");
    }

    [Fact]
    public async Task RecoverForgetsDismissalsOfTransactionsEndedByHand()
    {
        var gid = NewGid();
        await PrepareAsync(gid);
        await _db.ExecAsync($"DELETE FROM pg_tview_pending_refreshes WHERE gid = '{gid}'");
        await _db.ExecAsync($"COMMIT PREPARED '{gid}'");
        Assert.Equal(1L, await _db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_dismissed_prepared"));
        Assert.Empty(await _db.RowsAsync("SELECT * FROM pg_tviews_recover_prepared_transactions()"));
        Assert.Equal(0L, await _db.ScalarAsync<long>("SELECT count(*) FROM pg_tviews_dismissed_prepared"));
        // Safe to call any time, as often as wanted.
        Assert.StartsWith("not prepared", await _db.ScalarAsync<string>("SELECT pg_tviews_commit_prepared('never-existed')"));
        Assert.StartsWith("not prepared", await _db.ScalarAsync<string>("SELECT pg_tviews_rollback_prepared('never-existed')"));
        await _db.AssertHealthyAsync();
    }

    [Fact]
    public async Task APreparedTruncateBlocksReadersButNotTheHealthCheck()
    {
        var gid = NewGid();
        await using (var c = await _db.OpenAsync())
        {
            await using var cmd = new NpgsqlCommand($"BEGIN; TRUNCATE tb_comment; PREPARE TRANSACTION '{gid}';", c);
            await cmd.ExecuteNonQueryAsync();
        }
        // TRUNCATE rebuilt tv_post inside the prepared transaction, which keeps its exclusive lock.
        var blocked = await _db.FailsAsync("SET lock_timeout = '200ms'; SELECT count(*) FROM tv_post");
        Assert.Equal(PostgresErrorCodes.LockNotAvailable, blocked.SqlState);
        Assert.Equal("{post}", Assert.Single(await _db.RowsAsync("SELECT entities::text FROM pg_tview_pending_refreshes"))[0]);

        var health = await _db.HealthAsync();
        Assert.Equal("WARNING", health["consistency_sample"].Status);
        Assert.Contains("post: not checked, locked by another transaction", health["consistency_sample"].Details);
        Assert.Equal("WARNING", health["definitions"].Status);
        Assert.DoesNotContain(health, h => h.Value.Status == "ERROR");

        await _db.PsqlAsync($"COMMIT PREPARED '{gid}';");
        Assert.Equal("[]", await _db.ScalarAsync<string>("SELECT DISTINCT data->>'comments' FROM tv_post"));
        await _db.AssertConsistentAsync("after the prepared TRUNCATE committed");
        await _db.AssertHealthyAsync();
    }

    [Fact]
    public async Task NothingIsQueuedInImmediateMode()
    {
        await using var c = await _db.OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await using (var w = new NpgsqlCommand("UPDATE tb_user SET name = 'in tx' WHERE pk_user = 1", c, tx)) await w.ExecuteNonQueryAsync();
        await using (var q = new NpgsqlCommand("SELECT pg_tviews_debug_queue()::text, (SELECT data->>'name' FROM tv_user WHERE pk_user = 1)", c, tx))
        await using (var r = await q.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            Assert.Equal("[]", r.GetString(0));
            Assert.Equal("in tx", r.GetString(1)); // the transaction reads its own TVIEW writes
        }
        await tx.CommitAsync();
        Assert.Equal("0", await _db.PsqlValueAsync("SELECT jsonb_array_length(pg_tviews_debug_queue());"));
        var stats = await _db.ScalarAsync<string>("SELECT pg_tviews_queue_stats()::text");
        Assert.Contains("\"mode\": \"immediate\"", stats);
        Assert.Contains("\"pending\": 0", stats);
        Assert.Contains("\"tviews\": 2", stats);
    }
}
