using Npgsql;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Security;

/// <summary>
/// Custom settings are settable by any session. The ones TViews sets (pg_tviews.locked,
/// pg_tviews.rebuilding, pg_tviews.regating) once switched maintenance, its lock or re-gating off;
/// now they are hints the owner-only state must confirm, as pg_tviews.slots is, and setting them by
/// hand changes nothing.
/// </summary>
public sealed class UnforgeableStateTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE, title text NOT NULL);
        INSERT INTO tb_user VALUES (1, 'a'), (2, 'b');
        INSERT INTO tb_post VALUES (1, 1, 'x'), (2, 2, 'y');
        """;

    private const string Definitions = """
        CREATE TABLE tv_post AS
        SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
        """;

    /// <summary>
    /// The count that lets one TRUNCATE rebuild once (pg_tviews_truncating) lives in an owner-only
    /// table: a writer allowed to TRUNCATE can neither raise it (to make its TRUNCATE skip the rebuild)
    /// nor call the functions that keep it; its TRUNCATE rebuilds.
    /// </summary>
    [Fact]
    public async Task AWriterCannotForgeTheTruncateCountToSkipTheRebuild()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_truncate", Schema, Definitions, output.WriteLine);
        var writer = "w_" + Guid.NewGuid().ToString("N")[..8];
        await Exec(db.Connection, $"CREATE ROLE {writer}; GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON tb_user, tb_post TO {writer}");
        try
        {
            await Exec(db.Connection, $"SET ROLE {writer}");
            foreach (var forged in new[]
                     {
                         "INSERT INTO pg_tviews_truncating VALUES (pg_backend_pid(), 'post', pg_current_xact_id(), 5)",
                         "SELECT pg_tviews_truncated('post')",
                         "SELECT pg_tviews_truncating()",
                     })
            {
                await Exec(db.Connection, "BEGIN");
                var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, forged));
                Assert.True(e.SqlState is "42501" or "0A000", $"{forged}: {e.SqlState} {e.MessageText}");
                await Exec(db.Connection, "ROLLBACK");
            }
            await Exec(db.Connection, "TRUNCATE tb_post");
            await Exec(db.Connection, "INSERT INTO tb_post VALUES (7, 1, 'after')");
            await Exec(db.Connection, "RESET ROLE");
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the writer's TRUNCATE");
            Assert.Equal(1L, (long)(await new NpgsqlCommand("SELECT count(*) FROM tv_post", db.Connection).ExecuteScalarAsync())!);
        }
        finally
        {
            await Exec(db.Connection, "RESET ROLE");
            await Exec(db.Connection, $"DROP OWNED BY {writer}; DROP ROLE {writer}");
        }
    }

    [Fact]
    public async Task SettingTheRebuildingMarkDoesNotSwitchMaintenanceOff()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_rebuilding", Schema, Definitions, output.WriteLine);
        await Exec(db.Connection, "SET pg_tviews.rebuilding = ',post,'; UPDATE tb_user SET name = 'renamed'; INSERT INTO tb_post VALUES (3, 1, 'z'); RESET pg_tviews.rebuilding");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after writes with a forged rebuilding mark");
        // The real mark still works: a force refresh inside a transaction, then writes, stay exact.
        await Exec(db.Connection, "BEGIN; SELECT pg_tviews_refresh('post', true); UPDATE tb_post SET title = 'after' WHERE pk_post = 1; COMMIT");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after a refresh and a write in one transaction");
    }

    [Fact]
    public async Task SettingTheLockedMarkDoesNotSkipTheLock()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_locked", Schema, Definitions, output.WriteLine);
        await using var a = new NpgsqlConnection(db.ConnectionString);
        await a.OpenAsync();
        await using var tx = await a.BeginTransactionAsync();
        await Exec(a, "SET LOCAL pg_tviews.locked = ',post,'", tx);
        await Exec(a, "UPDATE tb_user SET name = 'held' WHERE pk_user = 1", tx);
        // The writer holds a lock on the TVIEW despite the forged marker (the whole lock, or the key-level
        // writer's shared one where key locks apply): no other transaction can take the whole lock.
        Assert.False(await WholeLockFreeAsync(db.Connection));
        await using (var cmd = new NpgsqlCommand(
            "SELECT EXISTS (SELECT FROM pg_tviews_state WHERE entity_name = 'post' AND locked_by = pg_current_xact_id()) OR EXISTS (SELECT FROM pg_tviews_trace WHERE entity_name = 'post' AND xact = pg_current_xact_id())", a, tx))
            Assert.True((bool)(await cmd.ExecuteScalarAsync())!);
        await tx.CommitAsync();
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the write");
    }

    /// <summary>
    /// pg_tviews.slots names the key-level writer's slots a transaction holds. Forged to claim slots
    /// it does not hold, the writer still takes one (the slot rows decide); cleared after a write, or
    /// with a forged entry put ahead of the true one, the next write takes its slot again, and the
    /// read model stays exact.
    /// </summary>
    [Fact]
    public async Task SettingTheSlotsHintDoesNotSkipTheKeyLevelLock()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_slots", Schema, Definitions, output.WriteLine);
        await db.SetLockingAsync("key");
        const string tag = ",706f7374:"; // 'post' in hex, as pg_tviews_lock_shared writes it
        await using var a = new NpgsqlConnection(db.ConnectionString);
        await a.OpenAsync();
        await using var tx = await a.BeginTransactionAsync();
        await Exec(a, $"SET LOCAL pg_tviews.slots = '{tag}5,{tag}7,'", tx);
        await Exec(a, "UPDATE tb_user SET name = 'held' WHERE pk_user = 1", tx);
        async Task<long> SlotsHeld()
        {
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_tviews_trace WHERE entity_name = 'post' AND xact = pg_current_xact_id()", a, tx);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }
        Assert.Equal(1L, await SlotsHeld());
        // The key-level writer's shared lock is held: no other transaction takes the whole lock.
        Assert.False(await WholeLockFreeAsync(db.Connection));
        await Exec(a, "SET LOCAL pg_tviews.slots = ''", tx);
        await Exec(a, "INSERT INTO tb_post VALUES (3, 1, 'z')", tx);
        // Taken again: the same slot row (this transaction's own row lock does not skip it).
        Assert.Equal(1L, await SlotsHeld());
        // A forged entry ahead of the true one: only the first is checked, it is not confirmed, and
        // the slot is taken again, still the same row.
        await Exec(a, $"SELECT set_config('pg_tviews.slots', '{tag}9x,' || current_setting('pg_tviews.slots'), true)", tx);
        await Exec(a, "INSERT INTO tb_post VALUES (4, 1, 'w')", tx);
        Assert.Equal(1L, await SlotsHeld());
        await tx.CommitAsync();
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after writes with a forged slots hint");
    }

    /// <summary>
    /// A write whose hints (pg_tviews.locked, pg_tviews.slots) do not name its TVIEW goes to the lock
    /// step without checking the state row. Hidden after the transaction took the whole lock, the next
    /// write's lock step finds that lock in the state row and keeps it: no key-level slot is taken
    /// beside it, no other transaction gets the lock, and the read model stays exact.
    /// </summary>
    [Fact]
    public async Task HidingTheHintsKeepsTheLockTheTransactionHolds()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_hidden", Schema, Definitions, output.WriteLine);
        await db.SetLockingAsync("whole");
        await using var a = new NpgsqlConnection(db.ConnectionString);
        await a.OpenAsync();
        await using var tx = await a.BeginTransactionAsync();
        await Exec(a, "UPDATE tb_user SET name = 'first' WHERE pk_user = 1", tx);
        Assert.Equal((true, 0L), await HeldAsync(a, tx));
        // Key locks allowed from now on: a lock step that ignored the held whole lock would take a slot.
        await db.SetLockingAsync("key");
        await Exec(a, "SET LOCAL pg_tviews.locked = ''; SET LOCAL pg_tviews.slots = ''", tx);
        await Exec(a, "INSERT INTO tb_post VALUES (3, 1, 'z'); UPDATE tb_user SET name = 'second' WHERE pk_user = 1", tx);
        Assert.Equal((true, 0L), await HeldAsync(a, tx));
        Assert.False(await WholeLockFreeAsync(db.Connection));
        await tx.CommitAsync();
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after writes with hidden hints");
    }

    /// <summary>
    /// A transaction that holds a key-level slot and the whole lock (a refresh after a key-level
    /// write upgrades it) and hides pg_tviews.locked: a later TVIEW's trigger sees only the slots
    /// hint, confirms the slot and takes key locks, under the whole lock it still holds. No other
    /// transaction gets that lock, and the read model stays exact.
    /// </summary>
    [Fact]
    public async Task HidingTheWholeLockBehindASlotKeepsTheWholeLock()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_upgraded", Schema, Definitions, output.WriteLine);
        await db.SetLockingAsync("key");
        await using var a = new NpgsqlConnection(db.ConnectionString);
        await a.OpenAsync();
        await using var tx = await a.BeginTransactionAsync();
        await Exec(a, "UPDATE tb_user SET name = 'first' WHERE pk_user = 1", tx);
        Assert.Equal((false, 1L), await HeldAsync(a, tx));
        await Exec(a, "SELECT pg_tviews_refresh('post')", tx);
        Assert.Equal((true, 1L), await HeldAsync(a, tx));
        await Exec(a, "SET LOCAL pg_tviews.locked = ''", tx);
        await Exec(a, "INSERT INTO tb_post VALUES (3, 1, 'z'); UPDATE tb_user SET name = 'second' WHERE pk_user = 1", tx);
        Assert.Equal((true, 1L), await HeldAsync(a, tx));
        Assert.False(await WholeLockFreeAsync(db.Connection));
        await tx.CommitAsync();
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after writes under an upgraded lock with a hidden hint");
    }

    [Fact]
    public async Task SettingTheRegatingMarkDoesNotKeepAGateNarrow()
    {
        await using var db = await WorkloadDatabase.CreateAsync("forge_regating", Schema, Definitions, output.WriteLine);
        await Exec(db.Connection, """
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := NEW.title || '!'; RETURN NEW; END $$;
            SET pg_tviews.regating = 'on';
            CREATE TRIGGER touch BEFORE UPDATE ON tb_post FOR EACH ROW EXECUTE FUNCTION touch();
            RESET pg_tviews.regating;
            """);
        await using (var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_tviews_misgated()", db.Connection))
            Assert.Equal(0L, (long)(await cmd.ExecuteScalarAsync())!);
        // The BEFORE ROW trigger changes a column the UPDATE does not name: the wide gate sees it.
        await Exec(db.Connection, "UPDATE tb_post SET fk_user = 2 WHERE pk_post = 1");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after an update rewritten by a BEFORE ROW trigger");
    }

    /// <summary>What the transaction holds of tv_post: its whole lock (the state row), and how many key-level slots.</summary>
    private static async Task<(bool Whole, long Slots)> HeldAsync(NpgsqlConnection a, NpgsqlTransaction tx)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT EXISTS (SELECT FROM pg_tviews_state WHERE entity_name = 'post' AND locked_by = pg_current_xact_id()), " +
            "(SELECT count(*) FROM pg_tviews_trace WHERE entity_name = 'post' AND xact = pg_current_xact_id())", a, tx);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return (r.GetBoolean(0), r.GetInt64(1));
    }

    // Whether another session (`other`, outside the writer's transaction) could take tv_post's whole lock.
    private static async Task<bool> WholeLockFreeAsync(NpgsqlConnection other)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(pg_tviews_whole_key('post'))", other);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task Exec(NpgsqlConnection c, string sql, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        await cmd.ExecuteNonQueryAsync();
    }
}
