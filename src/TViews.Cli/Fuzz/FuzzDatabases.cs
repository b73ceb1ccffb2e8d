using Npgsql;
using TViews.Runtime;

namespace TViews.Cli.Fuzz;

/// <summary>
/// Throwaway databases for fuzz cases on one server: each case gets a fresh database, copied from a
/// template that already holds the TViews runtime (CREATE DATABASE ... TEMPLATE is far cheaper than
/// installing the runtime every time). The template is dropped on dispose.
/// </summary>
public sealed class FuzzDatabases : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _template;

    private FuzzDatabases(string admin, string template)
    {
        _admin = admin;
        _template = template;
    }

    public string RuntimeSchema => "public";

    public static async Task<FuzzDatabases> CreateAsync(string adminConnectionString, CancellationToken ct = default)
    {
        var template = $"tviews_fuzz_tpl_{Guid.NewGuid():N}"[..28];
        var dbs = new FuzzDatabases(adminConnectionString, template);
        await dbs.AdminAsync($"CREATE DATABASE \"{template}\"", ct);
        var cs = dbs.ConnectionString(template);
        await new TViewsEngine(cs, new TViewsOptions { RuntimeSchema = dbs.RuntimeSchema }).InstallAsync(ct);
        // CREATE DATABASE ... TEMPLATE needs the template free of connections.
        using (var c = new NpgsqlConnection(cs)) NpgsqlConnection.ClearPool(c);
        return dbs;
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(_admin) { Database = database }.ConnectionString;

    /// <summary>A new database holding only the runtime; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken ct = default)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)].ToLowerInvariant();
        await AdminAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{_template}\"", ct);
        return ConnectionString(name);
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        await RollBackPreparedAsync(connectionString);
        using (var c = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(c);
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await AdminAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", CancellationToken.None);
    }

    /// <summary>
    /// Rolls back what a run cut short between PREPARE TRANSACTION and COMMIT PREPARED left prepared
    /// in the database: DROP DATABASE refuses a database with prepared transactions, and they would
    /// hold their locks until someone ended them.
    /// </summary>
    private static async Task RollBackPreparedAsync(string connectionString)
    {
        try
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            var gids = new List<string>();
            await using (var cmd = new NpgsqlCommand("SELECT gid FROM pg_catalog.pg_prepared_xacts WHERE database = current_database()", conn))
            await using (var reader = await cmd.ExecuteReaderAsync())
                while (await reader.ReadAsync()) gids.Add(reader.GetString(0));
            foreach (var gid in gids)
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK PREPARED " + QuoteLiteral(gid), conn);
                await rollback.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException) { /* the database or the server may already be gone */ }
    }

    private static string QuoteLiteral(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private async Task AdminAsync(string sql, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(_admin);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 300 }; // a loaded test server is slow, not stuck
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        try { await DropDatabaseAsync(ConnectionString(_template)); }
        catch (NpgsqlException) { /* the server may already be gone */ }
    }
}
