using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

public sealed class ScratchProbe(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Probe()
    {
        await db.ExecuteAsync(SqlCoverageTests.Schema);
        var engine = new TViewsEngine(db.ConnectionString);
        await engine.InstallAsync();
        await engine.CreateAsync(TViewDefinition.FromSelect("tv_item_detail", "SELECT * FROM tb_item JOIN tb_detail USING (pk_item)"));
        await using var c = await db.OpenAsync();
        await using (var cmd = new NpgsqlCommand("SELECT p.proname::text, pg_get_functiondef(p.oid) FROM pg_proc p WHERE proname LIKE 'pg_tviews_item_detail%' OR proname LIKE 'pg_tviews_update__tb_%'", c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) output.WriteLine($"=== {r.GetString(0)}\n{r.GetString(1)}");
    }
}
