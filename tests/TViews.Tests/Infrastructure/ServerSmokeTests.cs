using Npgsql;

namespace TViews.Tests.Infrastructure;

public sealed class ServerSmokeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task EachClassGetsItsOwnEmptyDatabase()
    {
        await using var c = await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'), current_setting('server_version_num')::int", c);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.StartsWith("t_", r.GetString(0));
        Assert.Equal(0L, r.GetInt64(1));
        Assert.True(r.GetInt32(2) >= 130000);
    }
}
