using System.Globalization;
using Npgsql;
using TViews.Plan;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Deferred mode (docs/design.md, Deferred mode): statements queue their rows, COMMIT (or PREPARE, or
/// pg_tviews_flush()) maintains each queued TVIEW once. Exact at every commit under the blog's random
/// workload with savepoints, mixed modes switched mid-transaction, two-phase commit (concurrent
/// sessions at every isolation level: ConcurrencyTests); no TViews lock before COMMIT; the queue is visible.
/// </summary>
public sealed class DeferredModeTests(ITestOutputHelper output) : BlogDatabaseTest("deferred")
{
    private static async Task<T> ScalarAsync<T>(NpgsqlConnection c, string sql, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>The transaction's queue entries for tv_post, as a JSON array ('[]' when none).</summary>
    private const string QueuedPosts = "SELECT (SELECT coalesce(jsonb_agg(e), '[]') FROM jsonb_array_elements(pg_tviews_debug_queue()) e WHERE e->>'entity' = 'post')::text";

    private async Task SetAllModesAsync(NpgsqlConnection c, string mode)
    {
        foreach (var (table, _) in Definitions)
            await ExecAsync(c, $"SELECT pg_tviews_set_mode('{table[3..]}', '{mode}')");
    }

    /// <summary>
    /// The blog's random workload in transactions of 1-6 statements, some inside savepoints that are
    /// rolled back or released, with the transaction's mode chosen per statement among the TVIEWs'
    /// own, deferred and immediate (so modes mix within a transaction); the oracle at every 40th commit.
    /// </summary>
    [Theory]
    [InlineData("deferred", false)]
    [InlineData("deferred", true)]
    [InlineData("mixed", true)]
    public async Task RandomWorkloadWithSavepointsIsExactAtEveryCommit(string modes, bool switchWithinTransactions)
    {
        await using var c = await OpenAsync();
        if (modes == "deferred") await SetAllModesAsync(c, "deferred");
        else
        {
            // tv_comment and tv_tag deferred, tv_post and tv_user immediate: each reads the other kind.
            await ExecAsync(c, "SELECT pg_tviews_set_mode('comment', 'deferred'), pg_tviews_set_mode('tag', 'deferred')");
        }
        var seed = TestSeed.Pick(8017, 1000);
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var workload = new BlogWorkload(seed, users: 100, posts: 1000, comments: 5000);
        string[] settings = ["", "deferred", "immediate"];
        int committed = 0, savepoints = 0, rolledBackTo = 0;
        for (var i = 0; i < 240; i++)
        {
            await using var tx = await c.BeginTransactionAsync();
            var failed = false;
            var statements = 1 + rng.Next(6);
            for (var j = 0; j < statements && !failed; j++)
            {
                if (switchWithinTransactions && rng.Next(3) == 0)
                    await ExecAsync(c, $"SET LOCAL pg_tviews.mode = '{settings[rng.Next(3)]}'", tx);
                var sql = workload.Statement();
                var inSavepoint = rng.Next(3) == 0;
                if (inSavepoint) { await ExecAsync(c, "SAVEPOINT s", tx); savepoints++; }
                try
                {
                    await ExecAsync(c, sql, tx);
                    if (inSavepoint)
                    {
                        var undo = rng.Next(2) == 0;
                        await ExecAsync(c, undo ? "ROLLBACK TO SAVEPOINT s" : "RELEASE SAVEPOINT s", tx);
                        if (undo) rolledBackTo++;
                    }
                }
                catch (PostgresException) when (inSavepoint)
                {
                    await ExecAsync(c, "ROLLBACK TO SAVEPOINT s", tx); // the rest of the transaction goes on
                    rolledBackTo++;
                }
                catch (PostgresException)
                {
                    failed = true; // FK races of the workload: the transaction is lost
                }
            }
            if (failed || rng.Next(10) == 0) { await tx.RollbackAsync(); continue; }
            await tx.CommitAsync();
            committed++;
            if (committed % 40 == 0) await Oracle.AssertConsistentAsync(c, Definitions, $"seed {seed}, after transaction {i}");
        }
        output.WriteLine($"committed {committed}, savepoints {savepoints}, rolled back to {rolledBackTo}");
        Assert.True(committed > 120, $"only {committed} transactions committed");
        Assert.True(rolledBackTo > 20, $"only {rolledBackTo} savepoints rolled back");
        await Oracle.AssertConsistentAsync(c, Definitions, $"seed {seed}, at the end");
        Assert.Equal("[]", await ScalarAsync<string>(c, "SELECT pg_tviews_debug_queue()::text"));
        Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_tviews_queue"));
    }

    private const string CountSchema = """
        CREATE TABLE tb_g (k text PRIMARY KEY, label text NOT NULL);
        CREATE TABLE tb_d (pk_d int PRIMARY KEY, fk_g text REFERENCES tb_g ON UPDATE CASCADE ON DELETE CASCADE, v int);
        INSERT INTO tb_g SELECT 'g' || i, 'label ' || i FROM generate_series(1, 8) i;
        INSERT INTO tb_d SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE 'g' || (1 + i % 8) END, CASE WHEN i % 5 = 0 THEN NULL ELSE i END
        FROM generate_series(1, 60) i;
        -- One statement that recomputes a group (immediate) and then queues rows of it and flushes.
        CREATE FUNCTION recompute_then_queue(g text, d int) RETURNS bigint LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM set_config('pg_tviews.mode', 'immediate', true);
            UPDATE tb_g SET label = label || '+' WHERE k = g;
            PERFORM set_config('pg_tviews.mode', 'deferred', true);
            INSERT INTO tb_d VALUES (d, g, d);
            RETURN pg_tviews_flush();
        END $$;
        """;

    private const string CountDefinitions = """
        CREATE TABLE tv_g AS
        SELECT g.k, count(d.pk_d) AS n, jsonb_build_object('label', g.label, 'values', count(d.v)) AS data
        FROM tb_g g LEFT JOIN tb_d d ON d.fk_g = g.k
        GROUP BY g.k, g.label;
        """;

    /// <summary>
    /// Counts that immediate mode keeps from each statement's delta are kept from the queued rows at
    /// the flush (the sum of the statements' deltas), not recomputed per group; groups recomputed in
    /// the same flush, or earlier in the flush's statement, are not moved again. Random deferred
    /// transactions over both sides (FK cascades from the group's deletes and key updates, writable
    /// CTEs, savepoints, the mode switched mid-transaction, flushes) against the oracle after every
    /// commit.
    /// </summary>
    [Fact]
    public async Task CountsAreKeptFromTheQueuedRowsAndStayExact()
    {
        await using var db = await WorkloadDatabase.CreateAsync("deferred_counts", CountSchema, CountDefinitions, output.WriteLine);
        var c = db.Connection;
        await ExecAsync(c, "SELECT pg_tviews_set_mode('g', 'deferred')");
        Assert.Contains("pg_tviews_counted0", await ScalarAsync<string>(c, "SELECT prosrc FROM pg_proc WHERE proname = 'pg_tviews_flush_g'"));

        // Only counted rows queued: the flush moves the counts and recomputes no group.
        await ExecAsync(c, "SET track_functions = 'all'");
        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "INSERT INTO tb_d VALUES (1001, 'g1', NULL), (1002, 'g1', 5), (1003, 'g2', 6)", tx);
            await ExecAsync(c, "DELETE FROM tb_d WHERE pk_d IN (2, 3)", tx);
            await ExecAsync(c, "UPDATE tb_d SET fk_g = 'g3' WHERE pk_d = 1003", tx);
            Assert.True(await ScalarAsync<int>(c, "SELECT pg_tviews_flush()", tx) > 0);
            var calls = await ScalarAsync<string>(c, """
                SELECT string_agg(f.funcname || ' ' || f.calls, ', ' ORDER BY f.funcname) FROM pg_stat_xact_user_functions f
                WHERE f.funcname IN ('pg_tviews_flush_g', 'pg_tviews_apply_g')
                """, tx);
            Assert.Equal("pg_tviews_flush_g 1", calls);
            await Oracle.AssertConsistentAsync(c, db.Definitions, "after a flush of counted rows only");
            await tx.CommitAsync();
        }

        var seed = TestSeed.Pick(8161, 1000);
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var nextD = 2000;
        string G() => $"'g{1 + rng.Next(10)}'"; // g9 and g10 exist only once inserted
        string V() => rng.Next(4) == 0 ? "NULL" : rng.Next(100).ToString(CultureInfo.InvariantCulture);
        string D() => (1 + rng.Next(nextD)).ToString(CultureInfo.InvariantCulture);
        string Statement() => rng.Next(13) switch
        {
            0 or 1 => $"INSERT INTO tb_d VALUES ({nextD++}, {G()}, {V()})",
            2 => $"INSERT INTO tb_d SELECT {nextD}, k, {V()} FROM tb_g ORDER BY random() LIMIT 1 ON CONFLICT DO NOTHING",
            3 => $"DELETE FROM tb_d WHERE pk_d = {D()} OR pk_d % 17 = {rng.Next(17)}",
            4 => $"UPDATE tb_d SET fk_g = {(rng.Next(5) == 0 ? "NULL" : G())} WHERE pk_d % 13 = {rng.Next(13)}",
            5 => $"UPDATE tb_d SET v = {V()} WHERE pk_d % 7 = {rng.Next(7)}",
            6 => $"INSERT INTO tb_g VALUES ({G()}, 'new') ON CONFLICT (k) DO UPDATE SET label = tb_g.label || '!'",
            7 => $"DELETE FROM tb_g WHERE k = {G()}",
            8 => $"UPDATE tb_g SET k = {G()} WHERE k = {G()}",
            9 => $"UPDATE tb_g SET label = 'label ' || {rng.Next(50)} WHERE k = {G()}",
            10 => $"WITH g AS (INSERT INTO tb_g VALUES ({G()}, 'cte') ON CONFLICT DO NOTHING RETURNING k) INSERT INTO tb_d SELECT {nextD++}, k, 1 FROM g",
            11 => $"SELECT recompute_then_queue({G()}, {nextD++})",
            _ => "SELECT pg_tviews_flush()",
        };
        string[] modes = ["deferred", "immediate"];
        int committed = 0, rolledBackTo = 0;
        for (var i = 0; i < 200; i++)
        {
            await using var tx = await c.BeginTransactionAsync();
            var failed = false;
            var statements = 1 + rng.Next(5);
            for (var j = 0; j < statements && !failed; j++)
            {
                if (rng.Next(4) == 0) await ExecAsync(c, $"SET LOCAL pg_tviews.mode = '{modes[rng.Next(2)]}'", tx);
                var inSavepoint = rng.Next(3) == 0;
                if (inSavepoint) await ExecAsync(c, "SAVEPOINT s", tx);
                try
                {
                    await ExecAsync(c, Statement(), tx);
                    if (inSavepoint && rng.Next(2) == 0) { await ExecAsync(c, "ROLLBACK TO SAVEPOINT s", tx); rolledBackTo++; }
                }
                catch (PostgresException) when (inSavepoint)
                {
                    await ExecAsync(c, "ROLLBACK TO SAVEPOINT s", tx);
                    rolledBackTo++;
                }
                catch (PostgresException)
                {
                    failed = true; // a missing group, a duplicate key: the transaction is lost
                }
            }
            if (failed) { await tx.RollbackAsync(); continue; }
            await tx.CommitAsync();
            committed++;
            await Oracle.AssertConsistentAsync(c, db.Definitions, $"seed {seed}, after transaction {i}");
        }
        output.WriteLine($"committed {committed}, rolled back to a savepoint {rolledBackTo}");
        Assert.True(committed > 80, $"only {committed} transactions committed");
        Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_tviews_queue"));
    }

    /// <summary>
    /// The queue tables are empty at rest and, under deferred writes, full of dead rows between two
    /// vacuums (every transaction inserts its rows and deletes them at its flush). Plans cached while
    /// they were empty must still find a transaction's rows through the index, not scan the table
    /// (docs/design.md, Deferred mode): none of the queue's lookups may be a sequential scan.
    /// </summary>
    [Fact]
    public async Task TheQueueIsReadThroughItsIndexEvenWhenPlannedEmpty()
    {
        await using var c = await OpenAsync();
        await SetAllModesAsync(c, "deferred");
        // Empty and truncated to no pages: what a session planning after a vacuum sees.
        await ExecAsync(c, "VACUUM pg_tviews_queue, pg_tviews_queued");
        var post = await ScalarAsync<long>(c, "SELECT min(pk_post) FROM tb_post");
        // PostgreSQL 15's pg_stat_xact_* also shows counts of the session's earlier transactions that
        // were not yet reported (a pooled connection's last test ran COUNT(*) over the queue): what
        // this transaction did is the difference from its start.
        const string Scans = """
            SELECT t.relname, t.seq_scan, coalesce(t.idx_scan, 0)
            FROM pg_stat_xact_user_tables t WHERE t.relname IN ('pg_tviews_queue', 'pg_tviews_queued')
            """;
        async Task<Dictionary<string, (long Seq, long Idx)>> ScansAsync(NpgsqlTransaction tx)
        {
            var scans = new Dictionary<string, (long, long)>();
            await using var cmd = new NpgsqlCommand(Scans, c, tx);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) scans[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2));
            return scans;
        }
        await using (var tx = await c.BeginTransactionAsync())
        {
            var before = await ScansAsync(tx);
            for (var i = 0; i < 30; i++)
            {
                await ExecAsync(c, $"INSERT INTO tb_comment (fk_post, fk_author, body) VALUES ({post}, 1, 'batch {i}')", tx);
                await ExecAsync(c, $"UPDATE tb_post SET title = 'title {i}' WHERE pk_post = {post}", tx);
                await ExecAsync(c, $"UPDATE tb_user SET name = 'name {i}' WHERE pk_user = 1", tx);
                Assert.True(await ScalarAsync<int>(c, "SELECT pg_tviews_flush()", tx) > 0);
            }
            Assert.Equal($"title 29", await ScalarAsync<string>(c, $"SELECT data->>'title' FROM tv_post WHERE pk_post = {post}", tx));
            var after = await ScansAsync(tx);
            Assert.Equal(2, after.Count);
            foreach (var (table, (seq, idx)) in after)
            {
                var (seq0, idx0) = before.GetValueOrDefault(table);
                output.WriteLine($"{table}: {seq - seq0} sequential scans, {idx - idx0} index scans");
                Assert.True(seq - seq0 == 0, $"sequential scans of {table}: {seq - seq0}");
                Assert.True(idx - idx0 >= 30, $"index scans of {table}: {idx - idx0}");
            }
            await tx.CommitAsync();
        }
        await Oracle.AssertConsistentAsync(c, Definitions, "after the flushes");
    }

    [Fact]
    public async Task QueuedRowsAreMaintainedOnceAtCommitOrFlushAndTheQueueIsVisible()
    {
        await using var c = await OpenAsync();
        await SetAllModesAsync(c, "deferred");
        var post = await ScalarAsync<long>(c, "SELECT min(pk_post) FROM tb_post");
        var before = await ScalarAsync<string>(c, $"SELECT data::text FROM tv_post WHERE pk_post = {post}");
        await ExecAsync(c, "SET track_functions = 'pl'");
        await using (var tx = await c.BeginTransactionAsync())
        {
            for (var i = 0; i < 20; i++)
                await ExecAsync(c, $"INSERT INTO tb_comment (fk_post, fk_author, body) VALUES ({post}, 1, 'batch {i}')", tx);
            // Not maintained yet: the transaction does not see its own writes in the deferred TVIEW.
            Assert.Equal(before, await ScalarAsync<string>(c, $"SELECT data::text FROM tv_post WHERE pk_post = {post}", tx));
            var queue = await ScalarAsync<string>(c, "SELECT pg_tviews_debug_queue()::text", tx);
            Assert.Contains("\"entity\": \"comment\"", queue, StringComparison.Ordinal);
            Assert.Contains("\"rows\": 20", queue, StringComparison.Ordinal);
            Assert.Contains("\"statements\": 20", queue, StringComparison.Ordinal);
            // tv_comment and tv_user (which counts a user's comments) read tb_comment.
            Assert.Equal(2L, await ScalarAsync<long>(c, "SELECT (pg_tviews_queue_stats()->>'pending')::bigint", tx));
            Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_tviews_state WHERE locked_by = pg_current_xact_id()", tx));

            // pg_tviews_flush(): read-your-writes now; each TVIEW maintained once: tv_comment and
            // tv_user from the queue (the two it counts), tv_post by the statement that writes
            // tv_comment's 20 new rows, as in immediate mode (nothing goes through the queue twice).
            Assert.Equal(2, await ScalarAsync<int>(c, "SELECT pg_tviews_flush()", tx));
            Assert.Equal("[]", await ScalarAsync<string>(c, "SELECT pg_tviews_debug_queue()::text", tx));
            Assert.Equal(20L, await ScalarAsync<long>(c, $"SELECT (data->>'commentCount')::bigint - ('{before.Replace("'", "''", StringComparison.Ordinal)}'::jsonb->>'commentCount')::bigint FROM tv_post WHERE pk_post = {post}", tx));
            // tv_post reads tv_comment only inside its leaves (comments, commentCount): one patch, as in immediate mode.
            Assert.Equal("pg_tviews_patch_post__tv_comment:1", await ScalarAsync<string>(c,
                "SELECT string_agg(funcname || ':' || calls, ',') FROM pg_stat_xact_user_functions WHERE funcname ~ '^pg_tviews_(apply|patch)_post'", tx));
            Assert.Equal(1L, await ScalarAsync<long>(c, "SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = 'pg_tviews_apply_comment'", tx));
            Assert.Equal(1L, await ScalarAsync<long>(c, "SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = 'pg_tviews_apply_user'", tx));
            await Oracle.AssertConsistentAsync(c, Definitions, "after pg_tviews_flush()"); // inside the transaction

            // More writes after the flush are queued again, and COMMIT maintains them.
            await ExecAsync(c, $"UPDATE tb_post SET title = 'after flush' WHERE pk_post = {post}", tx);
            Assert.NotEqual("after flush", await ScalarAsync<string>(c, $"SELECT data->>'title' FROM tv_post WHERE pk_post = {post}", tx));
            await tx.CommitAsync();
        }
        Assert.Equal("after flush", await ScalarAsync<string>(c, $"SELECT data->>'title' FROM tv_post WHERE pk_post = {post}"));
        await Oracle.AssertConsistentAsync(c, Definitions, "after COMMIT");
    }

    [Fact]
    public async Task AnImmediateStatementAfterDeferredOnesLeavesTheTViewCurrent()
    {
        await using var c = await OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await ExecAsync(c, "SET LOCAL pg_tviews.mode = 'deferred'", tx);
        await ExecAsync(c, "UPDATE tb_post SET title = 'queued title' WHERE pk_post = 7", tx);
        Assert.NotEqual("queued title", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 7", tx));
        await ExecAsync(c, "SET LOCAL pg_tviews.mode = 'immediate'", tx);
        await ExecAsync(c, "UPDATE tb_post SET title = 'immediate title' WHERE pk_post = 8", tx);
        // The immediate statement flushed tv_post's queue first: the earlier title is there too.
        Assert.Equal("queued title", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 7", tx));
        Assert.Equal("[]", await ScalarAsync<string>(c, QueuedPosts, tx));
        await tx.CommitAsync();
        await Oracle.AssertConsistentAsync(c, Definitions, "after COMMIT");
    }

    /// <summary>
    /// An immediate statement asks the queue whether earlier statements queued rows only when its
    /// transaction inserted into it (PostgreSQL's count of the transaction's inserts, which needs
    /// track_counts): most transactions run no query of the queue. So rows are queued only while
    /// track_counts is on; with it off, a deferred statement is maintained at once.
    /// </summary>
    [Fact]
    public async Task OnlyATransactionThatQueuedAsksTheQueueAndNothingIsQueuedUncounted()
    {
        await using var c = await OpenAsync();
        async Task<long> QueueAsksAsync(NpgsqlTransaction tx) =>
            await ScalarAsync<long>(c, "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_xact_user_functions WHERE funcname = 'pg_tviews_queued_here'", tx);
        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "SET LOCAL track_functions = 'pl'", tx);
            await ExecAsync(c, "UPDATE tb_post SET title = 'asked nothing' WHERE pk_post = 6", tx);
            await ExecAsync(c, "INSERT INTO tb_comment (fk_post, fk_author, body) VALUES (6, 1, 'asked nothing')", tx);
            Assert.Equal("asked nothing", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 6", tx));
            Assert.Equal(0L, await QueueAsksAsync(tx));
            await tx.CommitAsync();
        }
        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "SET LOCAL track_functions = 'pl'; SET LOCAL pg_tviews.mode = 'deferred'", tx);
            await ExecAsync(c, "UPDATE tb_post SET title = 'queued' WHERE pk_post = 7", tx);
            await ExecAsync(c, "SET LOCAL pg_tviews.mode = 'immediate'", tx);
            await ExecAsync(c, "UPDATE tb_post SET title = 'after queued' WHERE pk_post = 8", tx);
            Assert.True(await QueueAsksAsync(tx) > 0);
            Assert.Equal("queued", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 7", tx));
            await tx.CommitAsync();
        }
        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "SET LOCAL track_counts = off; SET LOCAL pg_tviews.mode = 'deferred'", tx);
            await ExecAsync(c, "UPDATE tb_post SET title = 'uncounted' WHERE pk_post = 9", tx);
            Assert.Equal("uncounted", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 9", tx));
            Assert.Equal("[]", await ScalarAsync<string>(c, QueuedPosts, tx));
            await ExecAsync(c, "SET LOCAL track_counts = on", tx);
            await ExecAsync(c, "UPDATE tb_post SET title = 'counted' WHERE pk_post = 10", tx);
            Assert.NotEqual("counted", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 10", tx));
            await tx.CommitAsync();
        }
        await Oracle.AssertConsistentAsync(c, Definitions, "after COMMIT");
    }

    /// <summary>
    /// The flush is a deferred constraint trigger, so SET CONSTRAINTS ALL IMMEDIATE runs it at once,
    /// and after that at the end of every statement that queues. Inside a savepoint that is rolled
    /// back, the flush's writes go, the queued rows come back and so does the deferred mode of the
    /// constraints; PostgreSQL fires the flush again at COMMIT.
    /// </summary>
    [Fact]
    public async Task SetConstraintsAllImmediateFlushesAndAFlushRolledBackRunsAgainAtCommit()
    {
        await using var c = await OpenAsync();
        await SetAllModesAsync(c, "deferred");
        var old10 = await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 10");
        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "UPDATE tb_post SET title = 'kept' WHERE pk_post = 9", tx);
            await ExecAsync(c, "SAVEPOINT s", tx);
            await ExecAsync(c, "UPDATE tb_post SET title = 'undone' WHERE pk_post = 10", tx);
            await ExecAsync(c, "SET CONSTRAINTS ALL IMMEDIATE", tx);
            Assert.Equal("[]", await ScalarAsync<string>(c, QueuedPosts, tx));
            Assert.Equal("kept", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 9", tx));
            Assert.Equal("undone", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 10", tx));
            // Still immediate: this statement's rows are flushed when it ends.
            await ExecAsync(c, "UPDATE tb_post SET title = 'flushed at once' WHERE pk_post = 11", tx);
            Assert.Equal("[]", await ScalarAsync<string>(c, QueuedPosts, tx));
            Assert.Equal("flushed at once", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 11", tx));
            await ExecAsync(c, "ROLLBACK TO SAVEPOINT s", tx);
            // Back to before the savepoint: post 9's row queued again, not maintained.
            Assert.Contains("\"entity\": \"post\"", await ScalarAsync<string>(c, QueuedPosts, tx), StringComparison.Ordinal);
            Assert.NotEqual("kept", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 9", tx));
            Assert.Equal(old10, await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 10", tx));
            await ExecAsync(c, "UPDATE tb_post SET title = 'at commit' WHERE pk_post = 12", tx);
            Assert.NotEqual("at commit", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 12", tx));
            await tx.CommitAsync();
        }
        Assert.Equal("kept", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 9"));
        Assert.Equal("at commit", await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 12"));
        Assert.Equal("[]", await ScalarAsync<string>(c, "SELECT pg_tviews_debug_queue()::text"));
        await Oracle.AssertConsistentAsync(c, Definitions, "after COMMIT");
    }

    /// <summary>
    /// What a flush finds when the one TVIEW it queued lost its metadata (refused, as a write would
    /// be: COMMIT fails and nothing changes) or its table without the event trigger (skipped, as its
    /// triggers skip it, and the queue emptied).
    /// </summary>
    [Fact]
    public async Task AFlushRefusesATViewWhoseMetadataWentAndSkipsOneWhoseTableWent()
    {
        await using var c = await OpenAsync();
        var title = await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 3");
        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "SET LOCAL pg_tviews.mode = 'deferred'; UPDATE tb_post SET title = 'queued' WHERE pk_post = 3", tx);
            await ExecAsync(c, "DELETE FROM pg_tviews_metadata WHERE entity_name = 'post'", tx);
            var e = await Assert.ThrowsAsync<PostgresException>(() => tx.CommitAsync());
            Assert.Equal("Metadata not found for TVIEW: post", e.MessageText);
        }
        Assert.Equal(title, await ScalarAsync<string>(c, "SELECT data->>'title' FROM tv_post WHERE pk_post = 3"));
        Assert.Equal(1L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_tviews_metadata WHERE entity_name = 'post'"));

        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "SET LOCAL pg_tviews.mode = 'deferred'; UPDATE tb_post SET title = 'queued' WHERE pk_post = 3", tx);
            Assert.Contains("\"entity\": \"post\"", await ScalarAsync<string>(c, "SELECT pg_tviews_debug_queue()::text", tx), StringComparison.Ordinal);
            await ExecAsync(c, "ALTER EVENT TRIGGER pg_tviews_sql_drop DISABLE; DROP TABLE tv_post", tx);
            Assert.Equal(0, await ScalarAsync<int>(c, "SELECT pg_tviews_flush()", tx));
            Assert.Equal("[]", await ScalarAsync<string>(c, "SELECT pg_tviews_debug_queue()::text", tx));
            await tx.RollbackAsync();
        }
        await Oracle.AssertConsistentAsync(c, Definitions, "after both");
    }

    [Fact]
    public async Task ADeferredWriterHoldsNoTViewsLockUntilCommit()
    {
        await SetAllModesAsync(await OpenAsync(), "deferred");
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        await using var txA = await a.BeginTransactionAsync();
        await ExecAsync(a, "UPDATE tb_post SET title = 'A was here' WHERE pk_post = 1", txA);
        // B writes the same TVIEW's sources (another post) and commits, in both modes, without waiting
        // for A, which is still open (lock_timeout turns a wait into an error).
        foreach (var mode in new[] { "deferred", "immediate" })
        {
            await using var txB = await b.BeginTransactionAsync();
            await ExecAsync(b, $"SET LOCAL lock_timeout = '2s'; SET LOCAL pg_tviews.mode = '{mode}'", txB);
            await ExecAsync(b, $"UPDATE tb_post SET title = 'B {mode}' WHERE pk_post = 2", txB);
            await txB.CommitAsync();
        }
        await txA.CommitAsync();
        await using var check = await OpenAsync();
        Assert.Equal("A was here", await ScalarAsync<string>(check, "SELECT data->>'title' FROM tv_post WHERE pk_post = 1"));
        await Oracle.AssertConsistentAsync(check, Definitions, "after both");
    }

    /// <summary>DESIGN §6's race with either writer deferred: keys are found at COMMIT, after the lock.</summary>
    [Theory]
    [InlineData("deferred", "deferred")]
    [InlineData("deferred", "immediate")]
    [InlineData("immediate", "deferred")]
    public async Task RenameWhileInsertingAPostNeverLeavesTheOldName(string renameMode, string insertMode)
    {
        await using var t1 = await OpenAsync();
        await using var t2 = await OpenAsync();
        await using var check = await OpenAsync();
        for (var order = 0; order < 2; order++)
        {
            var title = $"race-{renameMode}-{insertMode}-{order}";
            var name = $"Renamed {order} {renameMode}";
            await using var tx1 = await t1.BeginTransactionAsync();
            await using var tx2 = await t2.BeginTransactionAsync();
            await ExecAsync(t1, $"SET LOCAL pg_tviews.mode = '{renameMode}'", tx1);
            await ExecAsync(t2, $"SET LOCAL pg_tviews.mode = '{insertMode}'", tx2);
            var rename = $"UPDATE tb_user SET name = '{name}' WHERE pk_user = 3";
            var insert = $"INSERT INTO tb_post (fk_author, title, body) VALUES (3, '{title}', 'x')";
            // The first writer starts committing while the second writes: whichever holds TViews locks
            // (an immediate statement, or a flush at COMMIT) makes the other wait, in either direction.
            var (first, firstTx, firstSql, second, secondTx, secondSql) = order == 0
                ? (t1, tx1, rename, t2, tx2, insert)
                : (t2, tx2, insert, t1, tx1, rename);
            await ExecAsync(first, firstSql, firstTx);
            var pending = ExecAsync(second, secondSql, secondTx);
            var commitFirst = firstTx.CommitAsync();
            await pending;
            await secondTx.CommitAsync();
            await commitFirst;
            Assert.Equal(name, await ScalarAsync<string>(check, $"SELECT data->'author'->>'name' FROM tv_post WHERE data->>'title' = '{title}'"));
        }
        await Oracle.AssertConsistentAsync(check, Definitions, "after the races");
    }

    [Fact]
    public async Task PrepareTransactionAppliesTheQueueAndCommitPreparedPublishesIt()
    {
        await using var c = await OpenAsync();
        await SetAllModesAsync(c, "deferred");
        var gid = "tviews-deferred-" + Guid.NewGuid().ToString("N");
        await ExecAsync(c, "BEGIN");
        await ExecAsync(c, "UPDATE tb_user SET name = 'Prepared name' WHERE pk_user = 4");
        await ExecAsync(c, $"PREPARE TRANSACTION '{gid}'");
        await using var other = await OpenAsync();
        // The queue was applied at PREPARE: the prepared transaction holds the TVIEW changes.
        var pending = await ScalarAsync<string[]>(other, $"SELECT entities FROM pg_tview_pending_refreshes WHERE gid = '{gid}'");
        Assert.Contains("user", pending);
        Assert.Equal(0L, await ScalarAsync<long>(other, "SELECT count(*) FROM pg_tviews_queue"));
        await ExecAsync(other, $"COMMIT PREPARED '{gid}'");
        Assert.Equal("Prepared name", await ScalarAsync<string>(other, "SELECT data->>'name' FROM tv_user WHERE pk_user = 4"));
        await Oracle.AssertConsistentAsync(other, Definitions, "after COMMIT PREPARED");
    }

    [Fact]
    public async Task TruncateAndRefreshInADeferredTransactionLeaveNothingStale()
    {
        await using var c = await OpenAsync();
        await SetAllModesAsync(c, "deferred");
        await using var tx = await c.BeginTransactionAsync();
        await ExecAsync(c, "INSERT INTO tb_comment (fk_post, fk_author, body) VALUES (5, 1, 'before truncate')", tx);
        await ExecAsync(c, "TRUNCATE tb_post_tag", tx);
        await ExecAsync(c, "DELETE FROM tb_comment WHERE body = 'before truncate'", tx);
        await ExecAsync(c, "SELECT pg_tviews_refresh('comment')", tx);
        await ExecAsync(c, "UPDATE tb_post SET title = 'after refresh' WHERE pk_post = 5", tx);
        await tx.CommitAsync();
        await Oracle.AssertConsistentAsync(c, Definitions, "after TRUNCATE and refresh");
    }

    [Fact]
    public async Task AnInvalidTransactionModeIsAnError()
    {
        await using var c = await OpenAsync();
        await using var tx = await c.BeginTransactionAsync();
        await ExecAsync(c, "SET LOCAL pg_tviews.mode = 'defered'", tx);
        var e = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(c, "UPDATE tb_post SET title = 'x' WHERE pk_post = 1", tx));
        Assert.Equal("22023", e.SqlState);
        Assert.Contains("defered", e.MessageText, StringComparison.Ordinal);
    }
}

/// <summary>How the mode is chosen: the apply-file directive, <c>pg_tviews_set_mode</c>; changing it rebuilds nothing.</summary>
public sealed class DeferredModeSelectionTests
{
    private const string Schema = """
        CREATE TABLE tb_item (pk_item bigint PRIMARY KEY, name text NOT NULL);
        INSERT INTO tb_item SELECT g, 'item ' || g FROM generate_series(1, 20) g;
        """;

    private static string Script(string? directive) => $"""
        {directive}
        CREATE TABLE tv_item AS SELECT i.pk_item, jsonb_build_object('name', i.name) AS data FROM tb_item i;
        """;

    [Fact]
    public void UnknownAndBadDirectivesAreErrorsWithTheirLine()
    {
        var e = Assert.Throws<TViewsException>(() => TViewDefinition.FromScript("\n-- tviews:mdoe=deferred\nCREATE TABLE tv_x AS SELECT 1 AS k;", "defs.sql"));
        Assert.Contains("defs.sql: line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("tviews:mdoe", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<TViewsException>(() => TViewDefinition.FromScript("-- tviews:mode=later\nCREATE TABLE tv_x AS SELECT 1 AS k;", "defs.sql"));
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("immediate or deferred", e.Message, StringComparison.Ordinal);
        Assert.Equal(TViewMode.Deferred, TViewDefinition.FromScript("-- tviews:mode=deferred\nCREATE TABLE tv_x AS SELECT 1 AS k;")[0].Mode);
        Assert.Equal(TViewMode.Immediate, TViewDefinition.FromScript("CREATE TABLE tv_x AS SELECT 1 AS k;")[0].Mode);
    }

    [Fact]
    public async Task TViewsWithoutSourcesAreCreatedInBothModes()
    {
        var db = await TestServer.CreateDatabaseAsync("mode_nosource");
        try
        {
            await new TViewsEngine(db).ApplyAsync(TViewDefinition.FromScript("""
                CREATE TABLE tv_one AS SELECT 1 AS k, 'x' AS v;
                -- tviews:mode=deferred
                -- tviews:key=k
                CREATE TABLE tv_series AS SELECT g AS k FROM generate_series(1, 5) AS g WHERE g IS NOT NULL;
                """));
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT (SELECT count(*) FROM tv_one) + (SELECT count(*) FROM tv_series), pg_tviews_flush(), (SELECT mode FROM pg_tviews_metadata WHERE entity_name = 'series')", c);
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal(6L, r.GetInt64(0));
            Assert.Equal(0, r.GetInt32(1));
            Assert.Equal("deferred", r.GetString(2));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task ChangingTheModeWithApplyRebuildsNothingAndTakesEffect()
    {
        var db = await TestServer.CreateDatabaseAsync("mode_apply");
        try
        {
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            await using (var cmd = new NpgsqlCommand(Schema, c)) await cmd.ExecuteNonQueryAsync();
            var engine = new TViewsEngine(db);
            await engine.ApplyAsync(TViewDefinition.FromScript(Script(null)));
            async Task<object?> Scalar(string sql)
            {
                await using var cmd = new NpgsqlCommand(sql, c);
                return await cmd.ExecuteScalarAsync();
            }
            var oid = await Scalar("SELECT 'tv_item'::regclass::oid");
            Assert.Equal("immediate", await Scalar("SELECT mode FROM pg_tviews_metadata WHERE entity_name = 'item'"));

            var result = await engine.ApplyAsync(TViewDefinition.FromScript(Script("-- tviews:mode=deferred")));
            Assert.Equal(["tv_item"], result.Unchanged);
            Assert.Empty(result.Rebuilt);
            Assert.Equal(oid, await Scalar("SELECT 'tv_item'::regclass::oid"));
            Assert.Equal("deferred", await Scalar("SELECT mode FROM pg_tviews_metadata WHERE entity_name = 'item'"));
            // The manifest kept with the definition view (what convert restores from) says so too.
            Assert.Equal("deferred", await Scalar("SELECT (substr(obj_description('pg_tviews_v_item'::regclass, 'pg_class'), 8)::jsonb)->>'mode'"));

            // Deferred now: inside the transaction the TVIEW does not change until COMMIT.
            await using (var tx = await c.BeginTransactionAsync())
            {
                await using (var cmd = new NpgsqlCommand("UPDATE tb_item SET name = 'renamed' WHERE pk_item = 1", c, tx)) await cmd.ExecuteNonQueryAsync();
                await using (var cmd = new NpgsqlCommand("SELECT data->>'name' FROM tv_item WHERE pk_item = 1", c, tx))
                    Assert.Equal("item 1", await cmd.ExecuteScalarAsync());
                await tx.CommitAsync();
            }
            Assert.Equal("renamed", await Scalar("SELECT data->>'name' FROM tv_item WHERE pk_item = 1"));

            // And back, from psql's side.
            await Scalar("SELECT pg_tviews_set_mode('item', 'immediate')");
            await using (var tx = await c.BeginTransactionAsync())
            {
                await using (var cmd = new NpgsqlCommand("UPDATE tb_item SET name = 'again' WHERE pk_item = 1", c, tx)) await cmd.ExecuteNonQueryAsync();
                await using (var cmd = new NpgsqlCommand("SELECT data->>'name' FROM tv_item WHERE pk_item = 1", c, tx))
                    Assert.Equal("again", await cmd.ExecuteScalarAsync());
                await tx.CommitAsync();
            }
            var bad = await Assert.ThrowsAsync<PostgresException>(() => Scalar("SELECT pg_tviews_set_mode('item', 'lazy')"));
            Assert.Equal("22023", bad.SqlState);
            Assert.Equal(1L, Convert.ToInt64(await Scalar("SELECT count(*) FROM tv_item WHERE data->>'name' = 'again'"), CultureInfo.InvariantCulture));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }
}
