// A console application using TViews through dependency injection:
//   - an NpgsqlDataSource with a password (the application's own, shared with TViews),
//   - AddTViews: the engine, with its options and logging,
//   - AddTViewsApplyOnStartup: the read models in models/*.sql, applied before the application runs
//     (safe when several instances start at once),
//   - AddHealthChecks().AddTViews(): pg_tviews_health_check() as a health check.
// Usage: ConsoleDi "<connection string with Password=...>" (or SAMPLE_CONNECTION). docs/dotnet.md walks through it.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TViews.Hosting;
using TViews.Runtime;

var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("SAMPLE_CONNECTION")
    ?? throw new InvalidOperationException("give a connection string as the first argument or in SAMPLE_CONNECTION");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
builder.Services.AddTViews(options => options.LockTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddTViewsApplyOnStartup("models");
builder.Services.AddHealthChecks().AddTViews();

using var host = builder.Build();
await host.StartAsync(); // applies the read models; throws (and the application stops) if they cannot be applied

var applied = host.Services.GetRequiredService<TViewsStartupApply>().Result!;
Console.WriteLine($"applied: created [{string.Join(", ", applied.Created)}], unchanged [{string.Join(", ", applied.Unchanged)}]");

// The application writes its tables; the read model follows in the same transaction.
var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
await using (var write = dataSource.CreateCommand("INSERT INTO tb_order_line (fk_order, quantity, price) VALUES (1, 1, 2.50)"))
{
    await write.ExecuteNonQueryAsync();
}
await using (var read = dataSource.CreateCommand("SELECT data::text FROM tv_order WHERE pk_order = 1"))
{
    Console.WriteLine($"tv_order 1: {await read.ExecuteScalarAsync()}");
}

var engine = host.Services.GetRequiredService<TViewsEngine>();
var divergences = await engine.VerifyAsync([]);
Console.WriteLine($"verify: {(divergences.Count == 0 ? "consistent" : $"{divergences.Count} rows differ")}");

var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
var tviews = report.Entries["tviews"];
Console.WriteLine($"health: {tviews.Status} ({tviews.Description})");
Console.WriteLine($"runtime: {TViewsEngine.Version}");

await host.StopAsync();
return divergences.Count == 0 && report.Status != HealthStatus.Unhealthy ? 0 : 1;
