using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Which definitions writers can lock at key level (docs/design.md, Key-level locking), and that
/// `tviews explain` says how writers lock and, when they lock the whole TVIEW, why.
/// </summary>
public sealed class KeyLockAnalysisTests : IAsyncLifetime
{
    private const string Schema = """
        CREATE COLLATION pg_tviews_test_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
        CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL, login text COLLATE pg_tviews_test_ci, born date);
        CREATE TABLE tb_post (pk_post integer PRIMARY KEY, fk_user bigint, title text, author_login text COLLATE pg_tviews_test_ci, day date);
        CREATE TABLE tb_tag (id uuid PRIMARY KEY, label varchar(40));
        CREATE TABLE tb_post_tag (fk_post integer, fk_tag uuid, PRIMARY KEY (fk_post, fk_tag));
        """;

    private string _db = "";

    public async Task InitializeAsync()
    {
        _db = await TestServer.CreateDatabaseAsync("klan");
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(Schema, c);
        await cmd.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => TestServer.DropDatabaseAsync(_db);

    private async Task<(bool KeyLocks, string Explained)> ApplyAsync(string table, string select)
    {
        var engine = new TViewsEngine(_db);
        await engine.ApplyAsync(TViewDefinition.FromScript($"CREATE TABLE {table} AS {select};"));
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT key_locks FROM pg_tviews_metadata WHERE table_name = @t", c);
        cmd.Parameters.AddWithValue("t", table);
        var keyLocks = (bool)(await cmd.ExecuteScalarAsync())!;
        var explained = (await engine.ExplainAsync(table)).Single(e => e.Event == "locks").Sql;
        return (keyLocks, explained);
    }

    [Fact]
    public async Task JoinsAndCorrelatedSubqueriesOnIntegerTextAndUuidColumnsGetKeyLocks()
    {
        var (keyLocks, explained) = await ApplyAsync("tv_kl_post", """
            SELECT p.pk_post, p.title, u.name,
                   (SELECT jsonb_agg(t.label ORDER BY t.label) FROM tb_post_tag pt JOIN tb_tag t ON t.id = pt.fk_tag WHERE pt.fk_post = p.pk_post) AS tags
            FROM tb_post p LEFT JOIN tb_user u ON u.pk_user = p.fk_user
            """);
        Assert.True(keyLocks, explained);
        Assert.StartsWith("-- key level, when enabled (pg_tviews_set_locking: 'auto' except", explained, StringComparison.Ordinal);
        // Every lookup column: the key, the joined user, the link table by post, the tag by id.
        foreach (var column in new[] { "\"public\".\"tb_post\".\"pk_post\"", "\"public\".\"tb_user\".\"pk_user\"", "\"public\".\"tb_post_tag\".\"fk_post\"", "\"public\".\"tb_tag\".\"id\"" })
            Assert.Contains(column, explained, StringComparison.Ordinal);
    }

    /// <summary>
    /// A count kept from the delta (a grouped count over a LEFT JOIN): a step adding to the counts locks
    /// the counted rows' lookup value, which every recompute of their group reads.
    /// </summary>
    [Fact]
    public async Task ACountKeptFromTheDeltaGetsKeyLocks()
    {
        var (keyLocks, explained) = await ApplyAsync("tv_kl_counted",
            "SELECT u.pk_user, count(p.pk_post) AS posts FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user GROUP BY u.pk_user");
        Assert.True(keyLocks, explained);
        Assert.Contains("\"public\".\"tb_post\".\"fk_user\"", explained, StringComparison.Ordinal);
    }

    [Theory]
    // A relation no equality leads to from the key (an uncorrelated subquery).
    [InlineData("SELECT p.pk_post, (SELECT max(u.pk_user) FROM tb_user u) AS m FROM tb_post p",
        "tv_kl_r1", "is not reached from the key")]
    // A lookup by a date (its text depends on DateStyle) is only a filter when the other conjunct reaches.
    [InlineData("SELECT p.pk_post, u.name FROM tb_post p JOIN tb_user u ON u.born = p.day AND u.pk_user = p.pk_post",
        "tv_kl_r2", null)]
    [InlineData("SELECT p.pk_post, (SELECT count(*) FROM tb_user u WHERE u.born = p.day) AS n FROM tb_post p",
        "tv_kl_r3", "is not reached from the key")]
    // Equal under a nondeterministic collation, different as text.
    [InlineData("SELECT p.pk_post, (SELECT count(*) FROM tb_user u WHERE u.login = p.author_login) AS n FROM tb_post p",
        "tv_kl_r4", "nondeterministic collation")]
    [InlineData("SELECT p.pk_post, x.n FROM tb_post p JOIN (SELECT fk_post, count(*) AS n FROM tb_post_tag GROUP BY fk_post) x ON x.fk_post = p.pk_post",
        "tv_kl_r5", "subquery in FROM")]
    [InlineData("SELECT p.pk_post, row_number() OVER (PARTITION BY p.pk_post ORDER BY p.title) AS n FROM tb_post p",
        "tv_kl_r7", "window function")]
    public async Task ShapesKeyLocksDoNotCoverLockTheWholeTViewAndSayWhy(string select, string table, string? reason)
    {
        var (keyLocks, explained) = await ApplyAsync(table, select);
        if (reason is null)
        {
            // Reached through the other conjunct: the date equality is only a filter.
            Assert.True(keyLocks, explained);
            return;
        }
        Assert.False(keyLocks, explained);
        Assert.StartsWith("-- whole TVIEW:", explained, StringComparison.Ordinal);
        Assert.Contains(reason, explained, StringComparison.Ordinal);
    }

    [Theory]
    // The user occurs once, joined from the post by an inner join: every post a rename finds has the
    // renamed user's key as its fk_user, which the rename locks with its writes.
    [InlineData("tv_dr_inner", "SELECT p.pk_post, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user", false)]
    [InlineData("tv_dr_where", "SELECT p.pk_post, u.name FROM tb_post p, tb_user u WHERE u.pk_user = p.fk_user", false)]
    // Not shown by the key query alone: an outer join (left alone), a second occurrence of the user.
    [InlineData("tv_dr_left", "SELECT p.pk_post, u.name FROM tb_post p LEFT JOIN tb_user u ON u.pk_user = p.fk_user", true)]
    [InlineData("tv_dr_twice", "SELECT p.pk_post, u.name, (SELECT v.name FROM tb_user v WHERE v.pk_user = p.pk_post) AS own FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user", true)]
    public async Task AWritesFirstKeyLockBatchReadsNoLookupItsChangedRowsAlreadyLock(string table, string select, bool readsPosts)
    {
        await ApplyAsync(table, select);
        var update = (await new TViewsEngine(_db).ExplainAsync(table)).Single(e => e.Source == "public.tb_user" && e.Event == "UPDATE").Sql;
        // The first batch runs before the snapshot test; what follows it runs only after a commit.
        var split = update.IndexOf("IF pg_tviews_snap::text IS DISTINCT FROM pg_current_snapshot()::text THEN", StringComparison.Ordinal);
        Assert.True(split > 0, update);
        const string ReadsPosts = "FROM \"public\".\"tb_post\" AS pg_tviews_a0 WHERE pg_tviews_a0.\"pk_post\" = ANY (pg_tviews_keys1)";
        Assert.Equal(readsPosts, update[..split].Contains(ReadsPosts, StringComparison.Ordinal));
        // Keys found again after a commit have their lookups read in full.
        Assert.Contains(ReadsPosts, update[split..], StringComparison.Ordinal);

        // The deferred flush, whose keys come from every source's queued rows: its first batch leaves
        // out of that read only the keys found from the queued user rows, which it locks as writes.
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        await using var def = new NpgsqlCommand("SELECT pg_get_functiondef(format('%I.%I', 'public', 'pg_tviews_flush_' || @e)::regproc)", c);
        def.Parameters.AddWithValue("e", table["tv_".Length..]);
        var flush = (string)(await def.ExecuteScalarAsync())!;
        var flushSplit = flush.IndexOf("IF pg_tviews_snap::text IS DISTINCT FROM pg_current_snapshot()::text THEN", StringComparison.Ordinal);
        Assert.True(flushSplit > 0, flush);
        var firstBatch = flush[..flushSplit];
        // (Its keys: those recomputed whole and those patched, concatenated.)
        const string FlushReadsPosts = "FROM \"public\".\"tb_post\" AS pg_tviews_a0 WHERE pg_tviews_a0.\"pk_post\" = ANY ((pg_tviews_keys1";
        const string PostsOfOtherSources = "FROM \"public\".\"tb_post\" AS pg_tviews_a0 WHERE pg_tviews_a0.\"pk_post\" = ANY (ARRAY(SELECT x.v FROM unnest((pg_tviews_keys1";
        Assert.True(readsPosts == firstBatch.Contains(FlushReadsPosts, StringComparison.Ordinal), firstBatch);
        Assert.True(readsPosts != firstBatch.Contains(PostsOfOtherSources, StringComparison.Ordinal), firstBatch);
        Assert.True(readsPosts != firstBatch.Contains("WHERE NOT x.v = ANY (coalesce(pg_tviews_cover", StringComparison.Ordinal), firstBatch);
        // After a commit (the loop that reads what the keys look up now), in full.
        Assert.Contains(FlushReadsPosts, flush[flushSplit..], StringComparison.Ordinal);
        Assert.DoesNotContain("pg_tviews_cover", flush[flushSplit..], StringComparison.Ordinal);
    }

    /// <summary>
    /// Grouped by a value of the joined user (its name, which no unique key covers), one key is many
    /// users: a post insert finds its author's name, but the recompute of that name reads the posts of
    /// every user so named. So the first batch reads the posts' lookup values for the keys (the users
    /// of each name), in the trigger and in the flush, instead of taking the inserted rows' own values
    /// for them (the concurrent fuzzer's run 9703 found a group left stale by that).
    /// </summary>
    [Fact]
    public async Task AGroupOfAJoinedTablesValueReadsTheLookupsOfEveryRowOfTheGroup()
    {
        await ApplyAsync("tv_dr_grouped", "SELECT u.name, count(*) AS posts FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user GROUP BY u.name");
        var insert = (await new TViewsEngine(_db).ExplainAsync("tv_dr_grouped")).Single(e => e.Source == "public.tb_post" && e.Event == "INSERT").Sql;
        var split = insert.IndexOf("IF pg_tviews_snap::text IS DISTINCT FROM pg_current_snapshot()::text THEN", StringComparison.Ordinal);
        Assert.True(split > 0, insert);
        Assert.Contains("FROM \"public\".\"tb_user\" AS pg_tviews_a0 WHERE pg_tviews_a0.\"name\" = ANY (pg_tviews_keys1)", insert[..split], StringComparison.Ordinal);

        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        await using var def = new NpgsqlCommand("SELECT pg_get_functiondef('public.pg_tviews_flush_dr_grouped'::regproc)", c);
        var flush = (string)(await def.ExecuteScalarAsync())!;
        var flushSplit = flush.IndexOf("IF pg_tviews_snap::text IS DISTINCT FROM pg_current_snapshot()::text THEN", StringComparison.Ordinal);
        Assert.True(flushSplit > 0, flush);
        Assert.Contains("FROM \"public\".\"tb_user\" AS pg_tviews_a0 WHERE pg_tviews_a0.\"name\" = ANY (", flush[..flushSplit], StringComparison.Ordinal);
        Assert.DoesNotContain("pg_tviews_cover", flush, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFlushLocksTheLookupsOfKeysFoundFromOtherSourcesThanTheChangedLookedUpRows()
    {
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        async Task<T> Scalar<T>(string sql, NpgsqlTransaction? tx = null)
        {
            await using var q = new NpgsqlCommand(sql, c, tx);
            return (T)(await q.ExecuteScalarAsync())!;
        }
        // Two users with two posts each.
        await Scalar<object>("INSERT INTO tb_user VALUES (1, 'one'), (2, 'two'); INSERT INTO tb_post (pk_post, fk_user, title) VALUES (10, 1, 'a'), (11, 1, 'b'), (20, 2, 'c'), (21, 2, 'd')");
        await ApplyAsync("tv_dr_flush", "SELECT p.pk_post, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user");
        await Scalar<object>("SELECT pg_tviews_set_locking('dr_flush', 'key')");
        const long renamed = 1, other = 2;
        // The token of a user's key as the flush's batch computes it (the seed is the TVIEW's and the column's).
        var flush = await Scalar<string>("SELECT pg_get_functiondef('public.pg_tviews_flush_dr_flush'::regproc)");
        var token = System.Text.RegularExpressions.Regex.Match(flush, @"pg_catalog\.hashint8extended\(\(pg_tviews_a0\.""fk_user""\)::bigint, (-?\d+)\)").Groups[1].Value;
        Assert.NotEqual("", token);
        await using var tx = await c.BeginTransactionAsync();
        await Scalar<object>("SET LOCAL pg_tviews.mode = 'deferred'", tx);
        await Scalar<object>($"UPDATE tb_user SET name = name || '!' WHERE pk_user = {renamed}", tx);
        await Scalar<object>("UPDATE tb_post SET title = title || '!' WHERE pk_post = 20", tx);
        await Scalar<object>("SELECT pg_tviews_flush()", tx);
        // Held by this transaction: the renamed user's token exclusively (a write), the other user's
        // shared (the retitled post's lookup, which the rename's changed rows do not cover).
        async Task<string> Mode(long user) => await Scalar<string>($"""
            SELECT coalesce(string_agg(l.mode, ',' ORDER BY l.mode), 'none') FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid() AND l.granted AND l.objsubid = 1
              AND ((l.classid::bigint << 32) | l.objid::bigint) = pg_catalog.hashint8extended({user}::bigint, {token})
            """, tx);
        Assert.Equal("ExclusiveLock", await Mode(renamed));
        Assert.Equal("ShareLock", await Mode(other));
        Assert.Equal(0L, await Scalar<long>("""
            WITH v AS (SELECT pk_post, title, name FROM tv_dr_flush), d AS (SELECT p.pk_post, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user)
            SELECT count(*) FROM ((TABLE v EXCEPT ALL TABLE d) UNION ALL (TABLE d EXCEPT ALL TABLE v)) x
            """, tx));
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task LockingCanBeSetPerTViewButKeyLocksOnlyWhereTheDefinitionAllowsThem()
    {
        // Tables of its own: no other TVIEW's writers take part.
        await using (var setup = new NpgsqlConnection(_db))
        {
            await setup.OpenAsync();
            await using var ddl = new NpgsqlCommand("""
                CREATE TABLE tb_sw_a (pk bigint PRIMARY KEY, name text);
                CREATE TABLE tb_sw_b (pk bigint PRIMARY KEY, fk bigint);
                INSERT INTO tb_sw_a VALUES (1, 'one'); INSERT INTO tb_sw_b VALUES (1, 1);
                """, setup);
            await ddl.ExecuteNonQueryAsync();
        }
        await ApplyAsync("tv_kl_switch", "SELECT b.pk, a.name FROM tb_sw_b b JOIN tb_sw_a a ON a.pk = b.fk");
        await ApplyAsync("tv_kl_window", "SELECT p.pk_post, row_number() OVER (PARTITION BY p.pk_post ORDER BY p.title) AS n FROM tb_post p");
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        async Task<string> Locking(string entity)
        {
            await using var q = new NpgsqlCommand("SELECT locking FROM pg_tviews_metadata WHERE entity_name = @e", c);
            q.Parameters.AddWithValue("e", entity);
            return (string)(await q.ExecuteScalarAsync())!;
        }
        async Task Set(string entity, string locking)
        {
            await using var q = new NpgsqlCommand("SELECT pg_tviews_set_locking(@e, @l)", c);
            q.Parameters.AddWithValue("e", entity);
            q.Parameters.AddWithValue("l", locking);
            await q.ExecuteNonQueryAsync();
        }
        // What a write takes, seen from its own transaction: (whole lock, key-level slot).
        async Task<(long Whole, long Keyed)> LocksOfAWrite(string write = "UPDATE tb_sw_a SET name = name || '!' WHERE pk = 1")
        {
            await using var tx = await c.BeginTransactionAsync();
            await using (var w = new NpgsqlCommand(write, c, tx))
                await w.ExecuteNonQueryAsync();
            await using var q = new NpgsqlCommand("SELECT (SELECT count(*) FROM pg_tviews_state WHERE entity_name = 'kl_switch' AND locked_by = pg_current_xact_id()), (SELECT count(*) FROM pg_tviews_trace WHERE entity_name = 'kl_switch' AND xact = pg_current_xact_id())", c, tx);
            await using var r = await q.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            var result = (r.GetInt64(0), r.GetInt64(1));
            await r.CloseAsync();
            await tx.RollbackAsync();
            return result;
        }
        // Built with 'whole'.
        Assert.Equal("whole", await Locking("kl_switch"));
        Assert.Equal("whole", await Locking("kl_window"));
        Assert.Equal((1L, 0L), await LocksOfAWrite());
        // 'auto': key locks, alone or not.
        await Set("kl_switch", "auto");
        async Task Run(string sql)
        {
            await using var q = new NpgsqlCommand(sql, c);
            await q.ExecuteNonQueryAsync();
        }
        await Run("SELECT setval('pg_tviews_contention', 0)");
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        // ... but whole locks while key locks are contended: two late key locks timed out within a
        // second (KeyLockingTests). The first only arms it; each timeout soon after the last doubles
        // the while (up to 64 s).
        async Task<long> State()
        {
            await using var q = new NpgsqlCommand("SELECT last_value % 64 FROM pg_tviews_contention", c);
            return (long)(await q.ExecuteScalarAsync())!;
        }
        await Run("SELECT pg_tviews_mark_contention()");
        Assert.Equal(63L, await State());
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        await Run("SELECT pg_tviews_mark_contention()");
        Assert.Equal((1L, 0L), await LocksOfAWrite());
        Assert.Equal(0L, await State());
        await Run("SELECT pg_tviews_mark_contention()");
        await using (var q = new NpgsqlCommand("SELECT last_value % 64, last_value / 64 - (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM pg_tviews_contention", c))
        {
            await using var r = await q.ExecuteReaderAsync();
            Assert.True(await r.ReadAsync());
            Assert.Equal(1L, r.GetInt64(0));
            Assert.InRange(r.GetInt64(1), 1000L, 2000L);
        }
        // A timeout long after the last one only arms it again; so does one long after an arming.
        await Run("SELECT setval('pg_tviews_contention', ((extract(epoch FROM clock_timestamp()) * 1000)::bigint - 60000) * 64 + 5)");
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        await Run("SELECT pg_tviews_mark_contention()");
        Assert.Equal(63L, await State());
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        await Run("SELECT setval('pg_tviews_contention', ((extract(epoch FROM clock_timestamp()) * 1000)::bigint - 5000) * 64 + 63)");
        await Run("SELECT pg_tviews_mark_contention()");
        Assert.Equal(63L, await State());
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        await Run("SELECT setval('pg_tviews_contention', 0)");
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        await Set("kl_switch", "key");
        Assert.Equal((0L, 1L), await LocksOfAWrite());
        // Not a TRUNCATE: its refresh takes the whole lock next, which a key-level lock would have to
        // be upgraded to (two TRUNCATEs doing that deadlock).
        Assert.Equal((1L, 0L), await LocksOfAWrite("TRUNCATE tb_sw_a"));
        // The manifest stored with the definition view carries it (pg_tviews_convert_existing_table restores from it).
        await using (var q = new NpgsqlCommand("SELECT substr(obj_description('pg_tviews_v_kl_switch'::regclass, 'pg_class'), 8)::jsonb->>'locking'", c))
            Assert.Equal("key", (string?)await q.ExecuteScalarAsync());
        await Set("kl_switch", "whole");
        Assert.Equal((1L, 0L), await LocksOfAWrite());
        await using (var other = new NpgsqlConnection(_db))
        {
            // 'whole' while another writer runs: still the whole lock (it waits for that writer).
            await other.OpenAsync();
            await using var otx = await other.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand("SELECT pg_advisory_xact_lock_shared(pg_tviews_whole_key('kl_switch'))", other, otx))
                await hold.ExecuteNonQueryAsync();
            var write = LocksOfAWrite();
            await Task.Delay(200);
            Assert.False(write.IsCompleted, "a writer with locking 'whole' took no whole lock while a key-level writer ran");
            await otx.RollbackAsync();
            Assert.Equal((1L, 0L), await write);
        }
        var e = await Assert.ThrowsAsync<PostgresException>(() => Set("kl_window", "key"));
        Assert.Equal("0A000", e.SqlState);
        Assert.Contains("window function", e.Detail, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<PostgresException>(() => Set("kl_switch", "sometimes"));
        Assert.Equal("22023", bad.SqlState);
        Assert.Equal("whole", await Locking("kl_switch"));
        Assert.Equal((1L, 0L), await LocksOfAWrite());
    }
}
