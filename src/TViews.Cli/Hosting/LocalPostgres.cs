using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TViews.Cli.Hosting;

/// <summary>
/// A throwaway PostgreSQL server: initdb into a temporary directory, started with pg_ctl on a free
/// loopback port, stopped and deleted on dispose. Used by <c>tviews demo</c>, <c>bench</c>, <c>fuzz</c> and the tests;
/// in the CLI, not the library: it runs initdb and, as root, chown and runuser.
/// When the process runs as root the server runs as the <c>postgres</c> system user, because
/// PostgreSQL refuses to run as root.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable, IDisposable
{
    private readonly string _binDir;
    private readonly bool _asPostgresUser;
    private bool _stopped;

    /// <summary>The cluster's data directory (under <see cref="RootDirectory"/>).</summary>
    public string DataDirectory { get; }

    /// <summary>The temporary directory holding everything of this server; deleted on dispose.</summary>
    public string RootDirectory { get; }

    /// <summary>The loopback TCP port it listens on.</summary>
    public int Port { get; }

    /// <summary>The PostgreSQL installation's bin directory.</summary>
    public string BinDirectory => _binDir;

    /// <summary>Connection string for the superuser <c>postgres</c> to the given database.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Include Error Detail=true";

    private LocalPostgres(string binDir, string root, int port, bool asPostgresUser)
    {
        _binDir = binDir;
        RootDirectory = root;
        DataDirectory = Path.Combine(root, "data");
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>
    /// Creates and starts a server. <paramref name="settings"/> are extra postgresql.conf lines. With
    /// <paramref name="requirePasswords"/>, TCP logins of roles other than <c>postgres</c> need their
    /// password (scram-sha-256), as on a real server; by default every login is trusted.
    /// </summary>
    public static async Task<LocalPostgres> StartAsync(IReadOnlyDictionary<string, string>? settings = null,
        Action<string>? log = null, CancellationToken cancellationToken = default, bool requirePasswords = false)
    {
        var binDir = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install the PostgreSQL server " +
            "(Debian: apt-get install postgresql) or set TVIEWS_PG_BIN to the directory that holds them.");
        var asPostgres = Environment.UserName == "root" || IsRoot();
        var root = Path.Combine(Path.GetTempPath(), $"tviews-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(root);
        var server = new LocalPostgres(binDir, root, FreePort(), asPostgres);
        try
        {
            if (asPostgres) await server.RunAsync("chown", ["-R", "postgres:postgres", root], asUser: false, cancellationToken);
            log?.Invoke($"initdb {server.DataDirectory}");
            await server.RunAsync(Path.Combine(binDir, "initdb"),
                ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                asUser: true, cancellationToken);
            var conf = new StringBuilder()
                .AppendLine($"port = {server.Port}")
                .AppendLine("listen_addresses = '127.0.0.1'")
                .AppendLine($"unix_socket_directories = '{root}'")
                .AppendLine("fsync = off")
                .AppendLine("synchronous_commit = off")
                .AppendLine("full_page_writes = off")
                .AppendLine("max_connections = 200")
                .AppendLine("max_prepared_transactions = 20")
                .AppendLine("shared_buffers = '256MB'");
            foreach (var (k, v) in settings ?? new Dictionary<string, string>())
                conf.AppendLine($"{k} = {v}");
            await File.AppendAllTextAsync(Path.Combine(server.DataDirectory, "postgresql.conf"), conf.ToString(), cancellationToken);
            if (requirePasswords)
                await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "pg_hba.conf"), """
                    local all all trust
                    host all postgres 127.0.0.1/32 trust
                    host replication all 127.0.0.1/32 trust
                    host all all 127.0.0.1/32 scram-sha-256
                    """ + "\n", cancellationToken);
            log?.Invoke($"pg_ctl start (port {server.Port})");
            await server.RunAsync(Path.Combine(binDir, "pg_ctl"),
                ["-D", server.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"],
                asUser: true, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a hot-standby streaming replica of this server: pg_basebackup -R over loopback into a new
    /// temporary directory, then pg_ctl start on its own free port. Relies on initdb's default
    /// pg_hba.conf (replication connections from 127.0.0.1 trusted) and PostgreSQL's default
    /// wal_level = replica.
    /// </summary>
    public async Task<LocalPostgres> StartReplicaAsync(Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var root = Path.Combine(Path.GetTempPath(), $"tviews-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(root);
        var replica = new LocalPostgres(_binDir, root, FreePort(), _asPostgresUser);
        try
        {
            if (_asPostgresUser) await replica.RunAsync("chown", ["-R", "postgres:postgres", root], asUser: false, cancellationToken);
            log?.Invoke($"pg_basebackup from port {Port} into {replica.DataDirectory}");
            await replica.RunAsync(Path.Combine(_binDir, "pg_basebackup"),
                ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres",
                 "-D", replica.DataDirectory, "-R", "-X", "stream", "--no-sync", "-c", "fast"],
                asUser: true, cancellationToken);
            // Later lines of postgresql.conf win: the copy of the primary's settings gets its own port and socket.
            await File.AppendAllTextAsync(Path.Combine(replica.DataDirectory, "postgresql.conf"),
                $"port = {replica.Port}\nunix_socket_directories = '{root}'\nhot_standby = on\n", cancellationToken);
            log?.Invoke($"pg_ctl start replica (port {replica.Port})");
            await replica.RunAsync(Path.Combine(_binDir, "pg_ctl"),
                ["-D", replica.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"],
                asUser: true, cancellationToken);
            return replica;
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
    }

    /// <summary>Finds the directory holding initdb and pg_ctl: TVIEWS_PG_BIN, PATH, then Debian's layout.</summary>
    public static string? FindBinDirectory()
    {
        var env = Environment.GetEnvironmentVariable("TVIEWS_PG_BIN");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "initdb"))) return env;
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var best = Directory.GetDirectories(debian)
                .Select(d => (dir: Path.Combine(d, "bin"), ver: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.dir, "initdb")))
                .OrderByDescending(x => x.ver).FirstOrDefault();
            if (best.dir is not null) return best.dir;
        }
        foreach (var p in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(p, "initdb");
            if (File.Exists(candidate))
            {
                var resolved = new FileInfo(candidate).ResolveLinkTarget(true)?.FullName ?? candidate;
                return Path.GetDirectoryName(resolved);
            }
        }
        return null;
    }

    /// <summary>Runs a PostgreSQL client or server program from the same installation, as the server's user.</summary>
    public Task<string> RunToolAsync(string tool, IReadOnlyList<string> args, CancellationToken ct = default) =>
        RunAsync(Path.Combine(_binDir, tool), args, asUser: true, ct);

    private async Task<string> RunAsync(string file, IReadOnlyList<string> args, bool asUser, CancellationToken ct)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RootDirectory,
        };
        if (asUser && _asPostgresUser)
        {
            psi.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        }
        else psi.FileName = file;
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var output = await stdout + await stderr;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed (exit {p.ExitCode}): {output.Trim()}");
        return output;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool IsRoot()
    {
        try { return File.ReadAllText("/proc/self/status").Split('\n').Any(l => l.StartsWith("Uid:") && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0"); }
        catch (IOException) { return false; }
    }

    /// <summary>Stops the server (fast shutdown) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
                await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], asUser: true, CancellationToken.None);
        }
        catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(RootDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Stops the server and leaves the directory's removal to a detached process: for process exit,
    /// where the runtime gives handlers little time and a large data directory takes a while to delete.
    /// </summary>
    public void StopForExit()
    {
        if (_stopped) return;
        _stopped = true;
        try
        {
            RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], asUser: true, CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (InvalidOperationException) { }
        try { Process.Start(new ProcessStartInfo("rm", ["-rf", RootDirectory]) { UseShellExecute = false }); }
        catch (System.ComponentModel.Win32Exception) { }
    }

    /// <summary>Removes directories of earlier throwaway servers that are no longer running (left by killed runs).</summary>
    public static void RemoveStale(TimeSpan olderThan)
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "tviews-pg-*"))
        {
            try
            {
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < olderThan) continue;
                var pidFile = Path.Combine(dir, "data", "postmaster.pid");
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && Directory.Exists($"/proc/{pid}"))
                    continue; // still running
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Stops the server and deletes its directory (blocking).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
