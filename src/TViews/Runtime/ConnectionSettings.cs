using Npgsql;

namespace TViews.Runtime;

/// <summary>Where a command's connection comes from: an explicit string, TVIEWS_CONNECTION, then PG* variables.</summary>
internal static class ConnectionSettings
{
    public static string Resolve(string? explicitConnection)
    {
        if (!string.IsNullOrWhiteSpace(explicitConnection)) return explicitConnection;
        var env = Environment.GetEnvironmentVariable("TVIEWS_CONNECTION");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        var b = new NpgsqlConnectionStringBuilder();
        string? Var(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
        b.Host = Var("PGHOST") ?? "localhost";
        if (int.TryParse(Var("PGPORT"), out var port)) b.Port = port;
        b.Username = Var("PGUSER") ?? Environment.UserName;
        b.Database = Var("PGDATABASE") ?? b.Username;
        if (Var("PGPASSWORD") is { } pw) b.Password = pw;
        if (Var("PGAPPNAME") is { } app) b.ApplicationName = app;
        if (Var("PGSSLMODE") is { } ssl && Enum.TryParse<SslMode>(ssl.Replace("-", ""), ignoreCase: true, out var mode)) b.SslMode = mode;
        return b.ConnectionString;
    }
}
