using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>
/// A throwaway database for a workload test: the schema loaded, the TVIEWs of a script applied and
/// checked against the oracle once created; dropped on dispose.
/// </summary>
public sealed class WorkloadDatabase : IAsyncDisposable
{
    private WorkloadDatabase(string connectionString, NpgsqlConnection connection, ApplyResult applied, List<(string Table, string Definition)> definitions)
    {
        ConnectionString = connectionString;
        Connection = connection;
        Applied = applied;
        Definitions = definitions;
    }

    public string ConnectionString { get; }
    public NpgsqlConnection Connection { get; }
    public ApplyResult Applied { get; }

    /// <summary>The (table, definition) pairs of the script, for the oracle.</summary>
    public List<(string Table, string Definition)> Definitions { get; }

    public static async Task<WorkloadDatabase> CreateAsync(string name, string schema, string definitions, Action<string> log)
    {
        var cs = await TestServer.CreateDatabaseAsync(name);
        var conn = new NpgsqlConnection(cs);
        try
        {
            await conn.OpenAsync();
            await using (var cmd = new NpgsqlCommand(schema, conn)) await cmd.ExecuteNonQueryAsync();
            var applied = await new TViewsEngine(cs, logger: new TViews.Cli.Logging.ActionLogger(log)).ApplyAsync(TViewDefinition.FromScript(definitions, name + ".sql"));
            var defs = WorkloadRunner.Definitions(definitions);
            await Oracle.AssertConsistentAsync(conn, defs, "after creation");
            return new WorkloadDatabase(cs, conn, applied, defs);
        }
        catch
        {
            await conn.DisposeAsync();
            await TestServer.DropDatabaseAsync(cs);
            throw;
        }
    }

    /// <summary>Sets the locking of every TVIEW that allows key locks (pg_tviews_set_locking: whole, auto or key).</summary>
    public async Task SetLockingAsync(string locking)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_tviews_set_locking(entity_name, @l) FROM pg_tviews_metadata WHERE key_locks", Connection);
        cmd.Parameters.AddWithValue("l", locking);
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await TestServer.DropDatabaseAsync(ConnectionString);
    }
}
