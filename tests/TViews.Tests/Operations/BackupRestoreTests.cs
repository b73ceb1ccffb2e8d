using Npgsql;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "Backup and Restore": pg_dump -Fc / pg_restore into a new database carries the TVIEWs
/// whole (catalog by names, not OIDs), and in the restored database they keep being maintained.
/// </summary>
public sealed class BackupRestoreTests
{
    [Fact]
    public async Task CustomFormatDumpRestoresIntoANewDatabaseWhereTViewsKeepWorking()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await db.ExecAsync("UPDATE tb_user SET name = 'before backup' WHERE pk_user = 1");
        var restoredCs = await TestServer.CreateDatabaseAsync("opsrestored");
        try
        {
            // pg_dump -Fc mydb; pg_restore -d mydb_restored mydb.dump (exits non-zero on any error)
            await OpsDatabase.DumpAndRestoreAsync(db.ConnectionString, restoredCs);

            var restored = OpsDatabase.Attach(restoredCs);
            Assert.Equal("post\nuser", await restored.PsqlValueAsync("SELECT entity_name FROM pg_tviews_metadata ORDER BY 1;"));
            Assert.Equal("before backup", await restored.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE fk_user = 1 LIMIT 1"));
            await restored.AssertHealthyAsync();

            // Verify refresh works: writes to every kind of source are maintained in the restored copy.
            await restored.PsqlAsync("""
                INSERT INTO tb_post VALUES (1000, 1, 'after restore');
                UPDATE tb_user SET name = 'after restore' WHERE pk_user = 1;
                INSERT INTO tb_comment VALUES (1000, 1000, 'first');
                """);
            Assert.Equal("after restore", await restored.ScalarAsync<string>("SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 1000"));
            Assert.Equal("first", await restored.ScalarAsync<string>("SELECT data->'comments'->0->>'body' FROM tv_post WHERE pk_post = 1000"));
            await restored.AssertConsistentAsync("restored database after writes");
            Assert.Equal("0", await restored.PsqlValueAsync("SELECT pg_tviews_refresh('user');"));
            // DROP TABLE cleans up in the restored database too (the event trigger came with the dump).
            await restored.PsqlAsync("DROP TABLE tv_post;");
            await restored.ExecAsync("INSERT INTO tb_comment VALUES (1001, 1000, 'second')");
            await restored.AssertHealthyAsync();
            // The source database is untouched.
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM tv_post WHERE pk_post = 1000"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(restoredCs);
        }
    }
}
