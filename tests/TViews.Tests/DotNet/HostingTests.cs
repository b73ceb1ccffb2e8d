using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TViews.Hosting;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.DotNet;

/// <summary>TViews in a generic host: AddTViews, apply on startup, the health check.</summary>
public sealed class HostingTests
{
    /// <summary>A host as an application would build it: a data source, TViews, apply on startup, health checks.</summary>
    internal static IHost BuildHost(NpgsqlDataSource dataSource, Func<IReadOnlyList<TViewDefinition>> definitions, Action<TViewsOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddTViews(configure);
        builder.Services.AddTViewsApplyOnStartup(_ => definitions());
        builder.Services.AddHealthChecks().AddTViews(tags: ["ready"]);
        return builder.Build();
    }

    private static async Task ExecAsync(NpgsqlDataSource ds, string sql)
    {
        await using var cmd = ds.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task TheHostAppliesOnStartupAndTheHealthCheckFollowsTheDatabase()
    {
        var cs = await TestServer.CreateDatabaseAsync("host");
        try
        {
            await using var ds = NpgsqlDataSource.Create(cs);
            await ExecAsync(ds, EngineApiTests.Schema);
            var definitions = new[] { TViewDefinition.FromSelect("tv_item", EngineApiTests.ItemDefinition) };
            using var host = BuildHost(ds, () => definitions);
            var health = host.Services.GetRequiredService<HealthCheckService>();

            // Before start: the runtime is not installed yet, which is unhealthy, with the reason.
            var before = await health.CheckHealthAsync();
            Assert.Equal(HealthStatus.Unhealthy, before.Status);
            Assert.Contains("not installed", before.Entries["tviews"].Description, StringComparison.Ordinal);

            await host.StartAsync();
            var applied = host.Services.GetRequiredService<TViewsStartupApply>().Result!;
            Assert.Equal(["tv_item"], applied.Created);
            await using (var c = await ds.OpenConnectionAsync())
                await Oracle.AssertConsistentAsync(c, [("tv_item", EngineApiTests.ItemDefinition)], "after startup");
            var healthy = await health.CheckHealthAsync(r => r.Tags.Contains("ready"));
            Assert.Equal(HealthStatus.Healthy, healthy.Status);
            Assert.StartsWith("OK", (string)healthy.Entries["tviews"].Data["metadata_tables"], StringComparison.Ordinal);

            // A disabled clean-up event trigger is a WARNING: Degraded.
            await ExecAsync(ds, "ALTER EVENT TRIGGER pg_tviews_sql_drop DISABLE");
            var degraded = await health.CheckHealthAsync();
            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Assert.Contains("pg_tviews_sql_drop is disabled", degraded.Entries["tviews"].Description, StringComparison.Ordinal);

            // A disabled maintenance trigger is an ERROR: writes are no longer maintained. Unhealthy.
            await ExecAsync(ds, "ALTER TABLE tb_item DISABLE TRIGGER USER");
            var unhealthy = await health.CheckHealthAsync();
            Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);

            await ExecAsync(ds, "ALTER TABLE tb_item ENABLE TRIGGER USER; ALTER EVENT TRIGGER pg_tviews_sql_drop ENABLE");
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
            await host.StopAsync();
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task AFailedStartupApplyStopsTheHostFromStarting()
    {
        var cs = await TestServer.CreateDatabaseAsync("hostfail");
        try
        {
            await using var ds = NpgsqlDataSource.Create(cs);
            await ExecAsync(ds, EngineApiTests.Schema);
            using var host = BuildHost(ds, () => [TViewDefinition.FromSelect("tv_item", "SELECT i.pk_item FROM tb_item i LIMIT 1")]);
            await Assert.ThrowsAsync<TViews.Analysis.AnalysisException>(() => host.StartAsync());
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public void OptionsComeFromTheConfigureCallback()
    {
        using var ds = NpgsqlDataSource.Create("Host=127.0.0.1;Username=nobody");
        using var host = BuildHost(ds, () => [], o => { o.RuntimeSchema = "tv_rt"; o.CommandTimeout = TimeSpan.FromSeconds(90); });
        var engine = host.Services.GetRequiredService<TViewsEngine>();
        Assert.Equal("tv_rt", engine.RuntimeSchema);
        Assert.Equal(TimeSpan.FromSeconds(90), engine.Options.CommandTimeout);
        Assert.Same(engine, host.Services.GetRequiredService<TViewsEngine>());
    }
}
