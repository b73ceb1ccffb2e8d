using System.Diagnostics;
using Npgsql;
using TViews.Cli.Hosting;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "PostgreSQL Crash During Refresh": kill -9 of a backend in the middle of a refresh makes
/// the postmaster restart every backend; after recovery the TVIEWs hold their pre-crash state and
/// refresh works. Runs on a server of its own: the crash would hit every test on a shared one.
/// </summary>
public sealed class CrashRecoveryTests
{
    [Fact]
    public async Task KillNineOfABackendMidRefreshLeavesTViewsConsistent()
    {
        // LocalPostgres defaults to synchronous_commit = off, which loses the last commits in a crash
        // (sources and TVIEWs together, but the test's setup too).
        await using var pg = await LocalPostgres.StartAsync(new Dictionary<string, string> { ["synchronous_commit"] = "on" });
        await using var db = await OpsDatabase.OnAsync(pg.ConnectionString());
        var unpooled = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString;

        await using var victim = new NpgsqlConnection(unpooled);
        await victim.OpenAsync();
        var pid = victim.ProcessID;
        var work = Task.Run(async () =>
        {
            await using var tx = await victim.BeginTransactionAsync();
            await using (var w = new NpgsqlCommand("UPDATE tb_user SET name = 'crash' WHERE pk_user = 1; INSERT INTO tb_post VALUES (600, 1, 'crash');", victim, tx))
                await w.ExecuteNonQueryAsync();
            // The refresh has rewritten both TVIEWs when the statement goes to sleep.
            await using var r = new NpgsqlCommand(
                "WITH r AS MATERIALIZED (SELECT pg_tviews_refresh('user', true) AS n) SELECT n, pg_sleep(120) FROM r", victim, tx) { CommandTimeout = 300 };
            await r.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        });
        await db.WaitForBackendAsync(pid, "Timeout");

        Process.GetProcessById(pid).Kill(); // SIGKILL
        await Assert.ThrowsAnyAsync<Exception>(() => work);

        // The postmaster notices (asynchronously: wait for its log line, or a connection could slip in
        // before the crash is handled), terminates every backend and recovers from WAL.
        await OpsDatabase.WaitForAsync(async () =>
            (await File.ReadAllTextAsync(Path.Combine(pg.RootDirectory, "server.log"))).Contains("was terminated by signal 9"),
            "the postmaster to notice the crash", seconds: 60);
        NpgsqlConnection.ClearAllPools();
        await OpsDatabase.WaitForAsync(async () =>
        {
            try
            {
                await using var c = new NpgsqlConnection(unpooled);
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT NOT pg_is_in_recovery()", c);
                return (bool)(await cmd.ExecuteScalarAsync())!;
            }
            catch (NpgsqlException) { return false; }
        }, "the server to recover", seconds: 60);
        var log = await File.ReadAllTextAsync(Path.Combine(pg.RootDirectory, "server.log"));
        Assert.Contains("was terminated by signal 9", log);
        Assert.Contains("all server processes terminated; reinitializing", log);

        // Runbook steps 1-2: rolled back, consistent with the pre-crash state.
        Assert.Equal("user 1", await db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM tv_post WHERE pk_post = 600"));
        await db.AssertConsistentAsync("after crash recovery");
        // Step 3 as written: refresh works (and finds nothing to do).
        Assert.Equal("0", await db.PsqlValueAsync("SELECT pg_tviews_refresh('user');"));
        await db.ExecAsync("UPDATE tb_user SET name = 'after crash' WHERE pk_user = 1; INSERT INTO tb_post VALUES (600, 1, 'after crash');");
        Assert.Equal("after crash", await db.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 600"));
        await db.AssertConsistentAsync("writes after recovery");
        await db.AssertHealthyAsync();
    }
}

/// <summary>
/// Runbook "PostgreSQL Version Upgrade": the runtime is plain SQL objects, so a dump restored into a
/// fresh cluster (the portable upgrade path) needs no reinstall; version and metadata are intact.
/// </summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task DumpRestoredIntoAFreshClusterNeedsNoReinstall()
    {
        await using var db = await OpsDatabase.CreateAsync();
        // Before the upgrade: note the version, take the backup.
        Assert.Equal(RuntimeInstaller.Version, await db.PsqlValueAsync("SELECT pg_tviews_version();"));
        var dir = Directory.CreateTempSubdirectory("tviews-ops-");
        try
        {
            var backup = Path.Combine(dir.FullName, "backup.sql");
            await OpsDatabase.RunClientToolAsync("pg_dump", [.. OpsDatabase.LibpqArgs(db.ConnectionString), "-f", backup]);

            await using var fresh = await LocalPostgres.StartAsync();
            await using (var c = new NpgsqlConnection(fresh.ConnectionString()))
            {
                await c.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE mydb", c);
                await create.ExecuteNonQueryAsync();
            }
            var cs = fresh.ConnectionString("mydb");
            await Psql.RunAsync(cs, ["-f", backup]); // ON_ERROR_STOP: any failing statement fails the test
            var restored = OpsDatabase.Attach(cs);

            // Step 4, corrected: the runbook's metadata query needs GROUP BY.
            Assert.Equal(RuntimeInstaller.Version, await restored.PsqlValueAsync("SELECT pg_tviews_version();"));
            Assert.Contains("must appear in the GROUP BY clause",
                await restored.PsqlFailsAsync("SELECT entity_name, COUNT(*) FROM pg_tviews_metadata;"));
            Assert.Equal("post|1\nuser|1", await restored.PsqlValueAsync("SELECT entity_name, COUNT(*) FROM pg_tviews_metadata GROUP BY entity_name ORDER BY entity_name;"));
            await restored.AssertHealthyAsync();

            // `tviews install` on the new cluster is an idempotent no-op upgrade, not a requirement.
            Assert.Equal(RuntimeInstaller.Version, await restored.Engine().InstallAsync());
            await restored.ExecAsync("UPDATE tb_user SET name = 'upgraded' WHERE pk_user = 2; DELETE FROM tb_comment WHERE pk_comment < 10;");
            Assert.Equal("upgraded", await restored.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE fk_user = 2 LIMIT 1"));
            await restored.AssertConsistentAsync("after restore into a fresh cluster");
            NpgsqlConnection.ClearAllPools();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

/// <summary>
/// Runbook "PostgreSQL version upgrade", in place: pg_upgrade carries the runtime, the catalog
/// and every TVIEW to the new cluster, which maintains them at once. The machines have one PostgreSQL
/// version, so both clusters run it; what pg_upgrade checks and carries is the same across versions
/// (no reg* type but regclass in user tables, table OIDs kept, functions, triggers and event triggers
/// recreated from a schema-only dump, the data files copied).
/// </summary>
public sealed class PgUpgradeTests
{
    [Fact]
    public async Task PgUpgradeCarriesTheTViewsTheirSettingsAndTheirMaintenance()
    {
        await using var old = await LocalPostgres.StartAsync();
        await using (var c = new NpgsqlConnection(old.ConnectionString()))
        {
            await c.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE mydb", c);
            await create.ExecuteNonQueryAsync();
        }
        var before = await OpsDatabase.OnAsync(old.ConnectionString("mydb"));
        await before.ExecAsync("""
            SELECT pg_tviews_set_mode('post', 'deferred');
            SELECT pg_tviews_set_locking('post', 'key');
            UPDATE tb_user SET name = 'before upgrade' WHERE pk_user = 1;
            """);
        await before.AssertConsistentAsync("before the upgrade");
        NpgsqlConnection.ClearAllPools();
        await old.RunToolAsync("pg_ctl", ["-D", old.DataDirectory, "-m", "fast", "-w", "stop"]);

        await using var fresh = await LocalPostgres.StartAsync();
        NpgsqlConnection.ClearAllPools();
        await fresh.RunToolAsync("pg_ctl", ["-D", fresh.DataDirectory, "-m", "fast", "-w", "stop"]);
        // Runs in the new cluster's directory (its own user's): pg_upgrade writes its logs and sockets there.
        await fresh.RunToolAsync("pg_upgrade", [
            "-b", old.BinDirectory, "-B", fresh.BinDirectory, "-d", old.DataDirectory, "-D", fresh.DataDirectory,
            "-p", Text(old.Port), "-P", Text(fresh.Port), "-U", "postgres", "-s", fresh.RootDirectory, "--no-sync"]);
        await fresh.RunToolAsync("pg_ctl", ["-D", fresh.DataDirectory, "-l", Path.Combine(fresh.RootDirectory, "server.log"), "-w", "-t", "60", "start"]);

        var after = OpsDatabase.Attach(fresh.ConnectionString("mydb"));
        try
        {
            Assert.Equal(RuntimeInstaller.Version, await after.PsqlValueAsync("SELECT pg_tviews_version();"));
            Assert.Equal("post|deferred|key\nuser|immediate|whole",
                await after.PsqlValueAsync("SELECT entity_name, mode, locking FROM pg_tviews_metadata ORDER BY entity_name;"));
            Assert.Equal("before upgrade", await after.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE fk_user = 1 LIMIT 1"));
            await after.AssertConsistentAsync("after pg_upgrade");
            await after.AssertHealthyAsync();

            // Maintained at once, immediate and deferred (tv_post is deferred: maintained at COMMIT),
            // the event trigger included (a dropped TVIEW leaves the catalog).
            await after.ExecAsync("""
                UPDATE tb_user SET name = 'after upgrade' WHERE pk_user = 1;
                INSERT INTO tb_post VALUES (700, 1, 'after upgrade');
                INSERT INTO tb_comment VALUES (700, 700, 'first');
                DELETE FROM tb_comment WHERE pk_comment < 10;
                """);
            Assert.Equal("after upgrade", await after.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 700"));
            Assert.Equal("first", await after.ScalarAsync<string>("SELECT data->'comments'->0->>'body' FROM tv_post WHERE pk_post = 700"));
            await after.AssertConsistentAsync("after writes on the upgraded cluster");
            Assert.Equal("0", await after.PsqlValueAsync("SELECT pg_tviews_refresh('user');"));
            await after.PsqlAsync("DROP TABLE tv_post;");
            Assert.Equal("user", await after.PsqlValueAsync("SELECT string_agg(entity_name, ',') FROM pg_tviews_metadata;"));
            await after.AssertHealthyAsync();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
        }

        static string Text(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Runbook "Replication Lag": a streaming replica receives TVIEW rows like any table rows; refresh
/// runs on the primary (the replica is read-only), and the health check runs on both.
/// </summary>
public sealed class ReplicationTests
{
    [Fact]
    public async Task StreamingReplicaReceivesTViewRows()
    {
        await using var primary = await LocalPostgres.StartAsync();
        await using var db = await OpsDatabase.OnAsync(primary.ConnectionString());
        await using var replicaServer = await primary.StartReplicaAsync();
        var replica = OpsDatabase.Attach(replicaServer.ConnectionString());
        try
        {
            Assert.True(await replica.ScalarAsync<bool>("SELECT pg_is_in_recovery()"));
            await db.ExecAsync("UPDATE tb_user SET name = 'replicated' WHERE pk_user = 1; INSERT INTO tb_post VALUES (600, 1, 'replicated');");
            await OpsDatabase.WaitForAsync(async () =>
                await replica.ScalarAsync<long>("SELECT count(*) FROM tv_post WHERE pk_post = 600 AND data->'author'->>'name' = 'replicated'") == 1,
                "the replica to replay the TVIEW rows");
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"));
            await replica.AssertConsistentAsync("on the replica");

            // Refresh writes, so it runs on the primary; the replica refuses it.
            var e = await replica.FailsAsync("SELECT pg_tviews_refresh('user')");
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, e.SqlState);
            Assert.Equal("0", await db.PsqlValueAsync("SELECT pg_tviews_refresh('user');"));
            // Monitoring works on the replica too (the recover function's bookkeeping is skipped there).
            await replica.AssertHealthyAsync();
            Assert.Empty(await replica.RowsAsync("SELECT * FROM pg_tviews_recover_prepared_transactions()"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
        }
    }
}
