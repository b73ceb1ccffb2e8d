using System.Diagnostics;
using Npgsql;
using TViews.Cli.Hosting;

namespace TViews.Cli.Bench;

/// <summary>The result of running psql or pgbench.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public string Output => Stdout + Stderr;
}

/// <summary>
/// The PostgreSQL server the benchmark runs on: an existing one (--connection or TVIEWS_CONNECTION),
/// where it only creates and drops its own databases, or a throwaway local server it starts with
/// durable settings (fsync on) and removes at the end. Also runs psql and pgbench against it.
/// </summary>
public sealed class BenchServer : IAsyncDisposable
{
    /// <summary>
    /// postgresql.conf lines for the throwaway server. Later lines win over LocalPostgres's test
    /// defaults, which turn durability off: the numbers should resemble a real server's.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> LocalSettings = new Dictionary<string, string>
    {
        ["fsync"] = "on",
        ["synchronous_commit"] = "on",
        ["full_page_writes"] = "on",
        ["shared_buffers"] = "'1GB'",
        ["maintenance_work_mem"] = "'256MB'",
        // No checkpoint in the middle of a timed run: the harness checkpoints between phases itself.
        ["max_wal_size"] = "'4GB'",
        ["checkpoint_timeout"] = "'30min'",
        // Autovacuum would wake up at random moments in some runs and not others; the harness
        // runs VACUUM ANALYZE between operations instead, on every database alike.
        ["autovacuum"] = "off",
    };

    private readonly LocalPostgres? _local;
    private readonly NpgsqlConnectionStringBuilder _admin;
    private readonly string _binDirectory;

    public bool IsLocal => _local is not null;
    public string Host => _admin.Host ?? "localhost";
    public int Port => _admin.Port;
    public string User => _admin.Username ?? Environment.UserName;

    private BenchServer(LocalPostgres? local, string adminConnection, string binDirectory)
    {
        _local = local;
        _admin = new NpgsqlConnectionStringBuilder(adminConnection)
        {
            // Benchmark statements (builds, refreshes, verification) run for minutes at scale 1.
            CommandTimeout = 0,
            // No idle pooled sessions: CREATE DATABASE ... TEMPLATE needs the template to have none.
            Pooling = false,
        };
        _binDirectory = binDirectory;
    }

    /// <summary>Connects to <paramref name="connection"/> when given, else starts a throwaway local server.</summary>
    public static async Task<BenchServer> StartAsync(string? connection, Action<string> log, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(connection))
        {
            var bin = LocalPostgres.FindBinDirectory() is { } b && File.Exists(Path.Combine(b, "pgbench")) ? b : "";
            var server = new BenchServer(null, connection, bin);
            await using var c = await server.OpenAsync(null, ct); // fail early on a bad connection
            return server;
        }
        var local = await LocalPostgres.StartAsync(LocalSettings, log, ct);
        return new BenchServer(local, local.ConnectionString(), local.BinDirectory);
    }

    /// <summary>Connection string for one database (the admin database when null).</summary>
    public string ConnectionString(string? database) =>
        new NpgsqlConnectionStringBuilder(_admin.ConnectionString) { Database = database ?? _admin.Database }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync(string? database, CancellationToken ct)
    {
        var c = new NpgsqlConnection(ConnectionString(database));
        await c.OpenAsync(ct);
        return c;
    }

    public async Task ExecuteAsync(string? database, string sql, CancellationToken ct)
    {
        await using var c = await OpenAsync(database, ct);
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<T?> ScalarAsync<T>(string? database, string sql, CancellationToken ct)
    {
        await using var c = await OpenAsync(database, ct);
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 0 };
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? default : (T)v;
    }

    public async Task CreateDatabaseAsync(string name, string? template, CancellationToken ct)
    {
        var sql = $"CREATE DATABASE {Quote(name)}";
        if (template is not null)
        {
            // FILE_COPY (PostgreSQL 15+) copies the files instead of writing the whole database to WAL.
            var version = await ScalarAsync<int>(null, "SELECT current_setting('server_version_num')::int", ct);
            sql += $" TEMPLATE {Quote(template)}" + (version >= 150000 ? " STRATEGY = FILE_COPY" : "");
        }
        await ExecuteAsync(null, sql, ct);
    }

    public async Task DropDatabaseAsync(string name, CancellationToken ct)
    {
        var version = await ScalarAsync<int>(null, "SELECT current_setting('server_version_num')::int", ct);
        if (version >= 130000) await ExecuteAsync(null, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", ct);
        else
        {
            await ExecuteAsync(null, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name.Replace("'", "''")}' AND pid <> pg_backend_pid()", ct);
            await ExecuteAsync(null, $"DROP DATABASE IF EXISTS {Quote(name)}", ct);
        }
    }

    /// <summary>
    /// Runs psql or pgbench (from the server's installation when local) against <paramref name="database"/>;
    /// the connection goes in -h/-p/-U and the environment, the database name last.
    /// </summary>
    public async Task<ToolResult> RunToolAsync(string tool, string database, IEnumerable<string> args, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var file = _binDirectory.Length > 0 && File.Exists(Path.Combine(_binDirectory, tool)) ? Path.Combine(_binDirectory, tool) : tool;
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-h", Host, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", User })
            psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(database);
        if (_admin.Password is { Length: > 0 } pw) psi.Environment["PGPASSWORD"] = pw;
        if (SslModeName(_admin.SslMode) is { } ssl) psi.Environment["PGSSLMODE"] = ssl;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already gone */ }
            throw;
        }
        sw.Stop();
        return new ToolResult(p.ExitCode, await stdout, await stderr, sw.Elapsed);
    }

    /// <summary>Runs a SQL file with psql, stopping at the first error; throws with psql's message on failure.</summary>
    public async Task<ToolResult> PsqlFileAsync(string database, string file, IEnumerable<string> variables, CancellationToken ct)
    {
        var args = new List<string> { "-X", "-q", "-v", "ON_ERROR_STOP=1" };
        foreach (var v in variables) { args.Add("-v"); args.Add(v); }
        args.Add("-f");
        args.Add(file);
        var r = await RunToolAsync("psql", database, args, ct);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"psql -f {Path.GetFileName(file)} failed (exit {r.ExitCode}): {PgbenchOutput.Tail(r.Stderr)}");
        return r;
    }

    private static string? SslModeName(SslMode mode) => mode switch
    {
        SslMode.Disable => "disable",
        SslMode.Allow => "allow",
        SslMode.Require => "require",
        SslMode.VerifyCA => "verify-ca",
        SslMode.VerifyFull => "verify-full",
        _ => null, // prefer: libpq's default too
    };

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    public async ValueTask DisposeAsync()
    {
        if (_local is not null) await _local.DisposeAsync();
    }
}
