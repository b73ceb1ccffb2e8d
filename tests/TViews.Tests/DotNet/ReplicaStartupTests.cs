using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TViews.Cli.Hosting;
using TViews.Hosting;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.DotNet;

/// <summary>
/// Replicas starting at once against one fresh database whose logins need a password: each host has
/// its own data source (one with a password provider), and each applies on startup.
/// </summary>
public sealed class ReplicaStartupTests
{
    [Fact]
    public async Task FourHostsApplyingOnStartupAgainstAFreshDatabaseAllSucceed()
    {
        await using var server = await LocalPostgres.StartAsync(requirePasswords: true);
        const string password = "replica-pass";
        await ExecAsync(server.ConnectionString(), $"CREATE ROLE replica_app LOGIN PASSWORD '{password}'");
        await ExecAsync(server.ConnectionString(), "CREATE DATABASE replicas OWNER replica_app");
        var noPassword = new NpgsqlConnectionStringBuilder(server.ConnectionString("replicas")) { Username = "replica_app" }.ConnectionString;
        var withPassword = new NpgsqlConnectionStringBuilder(noPassword) { Password = password }.ConnectionString;
        await ExecAsync(withPassword, EngineApiTests.Schema);

        // What the issue saw: an engine made from a data source's connection string has lost the password.
        await using (var lost = NpgsqlDataSource.Create(withPassword))
        {
            var e = await Assert.ThrowsAsync<TViewsDatabaseException>(() => new TViewsEngine(lost.ConnectionString).ListAsync());
            Assert.Equal(TViewsErrorCode.Connection, e.ErrorCode);
        }

        var definitions = TViewDefinition.FromScript($"CREATE TABLE tv_item AS {EngineApiTests.ItemDefinition};\n");
        var dataSources = Enumerable.Range(0, 4).Select(i => i == 0
            ? new NpgsqlDataSourceBuilder(noPassword).UsePasswordProvider(_ => password, (_, _) => ValueTask.FromResult(password)).Build()
            : NpgsqlDataSource.Create(withPassword)).ToList();
        var hosts = dataSources.Select(ds => HostingTests.BuildHost(ds, () => definitions)).ToList();
        try
        {
            await Task.WhenAll(hosts.Select(h => Task.Run(() => h.StartAsync())));
            var results = hosts.Select(h => h.Services.GetRequiredService<TViewsStartupApply>().Result!).ToList();
            Assert.Equal(1, results.Count(r => r.Created.SequenceEqual(["tv_item"])));
            Assert.Equal(3, results.Count(r => r.Unchanged.SequenceEqual(["tv_item"]) && r.Created.Count == 0 && r.Rebuilt.Count == 0));

            await using var c = await dataSources[0].OpenConnectionAsync();
            await Oracle.AssertConsistentAsync(c, [("tv_item", EngineApiTests.ItemDefinition)], "after concurrent startup");
            await using (var cmd = new NpgsqlCommand("UPDATE tb_owner SET name = 'renamed' WHERE pk_owner = 2", c)) await cmd.ExecuteNonQueryAsync();
            await Oracle.AssertConsistentAsync(c, [("tv_item", EngineApiTests.ItemDefinition)], "after a write");
            foreach (var h in hosts)
            {
                // Not a superuser: no event triggers, a WARNING; everything that matters is OK.
                var report = await h.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
                Assert.Equal(HealthStatus.Degraded, report.Status);
                Assert.All(report.Entries["tviews"].Data.Where(d => d.Key != "event_trigger"), d => Assert.StartsWith("OK", (string)d.Value, StringComparison.Ordinal));
            }
            foreach (var h in hosts) await h.StopAsync();
        }
        finally
        {
            foreach (var h in hosts) h.Dispose();
            foreach (var ds in dataSources) await ds.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
        }
    }

    private static async Task ExecAsync(string connectionString, string sql)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}
