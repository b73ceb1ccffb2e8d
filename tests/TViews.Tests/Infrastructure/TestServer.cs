using Npgsql;
using TViews.Cli.Hosting;

namespace TViews.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server of this test run: the one named by TVIEWS_TEST_CONNECTION, or a throwaway
/// server started once for the whole run (initdb + pg_ctl on a free loopback port) and removed at exit.
/// </summary>
public static class TestServer
{
    private static readonly Lazy<Task<string>> AdminConnection = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static LocalPostgres? _local;

    /// <summary>The local server, when this run started one (null when TVIEWS_TEST_CONNECTION is used).</summary>
    public static LocalPostgres? Local => _local;

    public static Task<string> AdminConnectionStringAsync() => AdminConnection.Value;

    // DROP DATABASE waits for a forced checkpoint and for every backend of the server to close its
    // files; while dozens of test classes write at once on a small CI machine that took over
    // Npgsql's default 30 s once. Cleanup must not fail a test on timing.
    private const int AdminCommandTimeoutSeconds = 600;

    private static async Task<string> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable("TVIEWS_TEST_CONNECTION");
        // Tests assert on the DETAIL of errors, which Npgsql redacts unless asked not to (the local
        // server's connection string asks).
        if (!string.IsNullOrWhiteSpace(external))
            return new NpgsqlConnectionStringBuilder(external) { IncludeErrorDetail = true }.ConnectionString;
        LocalPostgres.RemoveStale(TimeSpan.FromHours(2));
        _local = await LocalPostgres.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _local.StopForExit();
        return _local.ConnectionString();
    }

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var admin = await AdminConnectionStringAsync();
        var name = $"{prefix.ToLowerInvariant()}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn) { CommandTimeout = AdminCommandTimeoutSeconds };
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var admin = await AdminConnectionStringAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn) { CommandTimeout = AdminCommandTimeoutSeconds };
        await cmd.ExecuteNonQueryAsync();
    }
}

/// <summary>One database per test class: use as <c>IClassFixture&lt;DatabaseFixture&gt;</c>.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync() => ConnectionString = await TestServer.CreateDatabaseAsync("t");

    public Task DisposeAsync() => TestServer.DropDatabaseAsync(ConnectionString);

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
