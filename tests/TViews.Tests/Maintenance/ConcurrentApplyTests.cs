using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>Several replicas applying on startup against one fresh database: one installs and creates, the others find it done.</summary>
public sealed class ConcurrentApplyTests
{
    [Fact]
    public async Task ConcurrentAppliesOnAFreshDatabaseAllSucceed()
    {
        var cs = await TestServer.CreateDatabaseAsync("concurrent_apply");
        try
        {
            await using (var c = new NpgsqlConnection(cs))
            {
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand("CREATE TABLE tb_a (pk_a int PRIMARY KEY, name text NOT NULL); INSERT INTO tb_a VALUES (1, 'x');", c);
                await cmd.ExecuteNonQueryAsync();
            }
            const string script = "CREATE TABLE tv_a AS SELECT pk_a, name FROM tb_a;";
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new TViewsEngine(cs).ApplyAsync(TViewDefinition.FromScript(script)))));
            Assert.Equal(1, results.Count(r => r.Created.Count == 1));
            Assert.Equal(3, results.Count(r => r.Unchanged.Count == 1));
            await using var check = new NpgsqlConnection(cs);
            await check.OpenAsync();
            await using var q = new NpgsqlCommand("SELECT count(*) FROM tv_a", check);
            Assert.Equal(1L, (long)(await q.ExecuteScalarAsync())!);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestServer.DropDatabaseAsync(cs);
        }
    }
}
