using Npgsql;

namespace TViews.Tests.Operations;

/// <summary>
/// Runbook "Connection Loss": a session that dies mid-transaction (terminated by the server, or the
/// client vanishing) leaves neither its source writes nor its TVIEW changes behind; reconnecting and
/// retrying works.
/// </summary>
public sealed class ConnectionLossTests
{
    private const string Work = """
        UPDATE tb_user SET name = 'lost' WHERE pk_user = 1;
        INSERT INTO tb_post VALUES (700, 1, 'lost post');
        INSERT INTO tb_comment VALUES (700, 700, 'lost comment');
        """;

    private static async Task<NpgsqlConnection> OpenUnpooledAsync(OpsDatabase db)
    {
        var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        return c;
    }

    /// <summary>Starts a transaction, does the work and checks it is visible to itself (TVIEWs included).</summary>
    private static async Task<NpgsqlTransaction> BeginWorkAsync(NpgsqlConnection c)
    {
        var tx = await c.BeginTransactionAsync();
        await using (var w = new NpgsqlCommand(Work, c, tx)) await w.ExecuteNonQueryAsync();
        await using var r = new NpgsqlCommand("SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 700", c, tx);
        Assert.Equal("lost", (string)(await r.ExecuteScalarAsync())!);
        return tx;
    }

    private static async Task AssertNothingAppliedAsync(OpsDatabase db)
    {
        Assert.Equal("user 1", await db.ScalarAsync<string>("SELECT data->>'name' FROM tv_user WHERE pk_user = 1"));
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT (SELECT count(*) FROM tv_post WHERE pk_post = 700) + (SELECT count(*) FROM tb_post WHERE pk_post = 700)"));
        await db.AssertConsistentAsync("after the connection loss");
    }

    private static async Task RetryAsync(OpsDatabase db)
    {
        await db.ExecAsync(Work);
        Assert.Equal("lost comment", await db.ScalarAsync<string>("SELECT data->'comments'->0->>'body' FROM tv_post WHERE pk_post = 700"));
        await db.AssertConsistentAsync("after the retry");
    }

    [Fact]
    public async Task TerminatedBackendLeavesNothingHalfApplied()
    {
        await using var db = await OpsDatabase.CreateAsync();
        await using var victim = await OpenUnpooledAsync(db);
        var tx = await BeginWorkAsync(victim);
        Assert.True(await db.ScalarAsync<bool>($"SELECT pg_terminate_backend({victim.ProcessID})"));
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => tx.CommitAsync());
        await AssertNothingAppliedAsync(db);
        await RetryAsync(db);
    }

    [Fact]
    public async Task ClientThatDisappearsMidTransactionLeavesNothingHalfApplied()
    {
        await using var db = await OpsDatabase.CreateAsync();
        var victim = await OpenUnpooledAsync(db);
        var pid = victim.ProcessID;
        await BeginWorkAsync(victim);
        await victim.DisposeAsync(); // the socket closes with the transaction open
        await OpsDatabase.WaitForAsync(async () => await db.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}") == 0,
            "the server to notice the lost client");
        await AssertNothingAppliedAsync(db);
        await RetryAsync(db);
    }
}
