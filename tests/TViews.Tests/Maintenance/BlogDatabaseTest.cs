using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>
/// A test class over its own database: the sample blog at scale 0.01 with its read models applied
/// (samples/blog), dropped afterwards; with the helpers its tests share.
/// </summary>
public abstract class BlogDatabaseTest(string name) : IAsyncLifetime
{
    protected string Database { get; private set; } = "";

    /// <summary>The read models' (table, definition) pairs, for the oracle.</summary>
    protected List<(string Table, string Definition)> Definitions { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Database = await TestServer.CreateDatabaseAsync(name);
        await WorkloadRunner.LoadBlogAsync(Database, 0.01);
        var script = await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath);
        await new TViewsEngine(Database).ApplyAsync(TViewDefinition.FromScript(script));
        Definitions = WorkloadRunner.Definitions(script);
    }

    public Task DisposeAsync() => TestServer.DropDatabaseAsync(Database);

    protected async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(Database);
        await c.OpenAsync();
        return c;
    }

    protected static async Task ExecAsync(NpgsqlConnection c, string sql, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync();
    }
}
