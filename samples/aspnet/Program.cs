// The ASP.NET Core application of docs/dotnet.md: the data source from Npgsql.DependencyInjection
// (connection string "app": ConnectionStrings__app or appsettings.json), TViews, the read models
// applied before the server accepts requests, and a readiness endpoint for the health check.

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddNpgsqlDataSource(builder.Configuration.GetConnectionString("app")!);
builder.Services.AddTViews(options => options.LockTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddTViewsApplyOnStartup("models");
builder.Services.AddHealthChecks().AddTViews(tags: ["ready"]);

var app = builder.Build();
app.MapHealthChecks("/health/ready", new() { Predicate = r => r.Tags.Contains("ready") });
app.Run();
