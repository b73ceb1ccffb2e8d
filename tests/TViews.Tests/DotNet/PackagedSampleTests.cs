using System.Diagnostics;
using Npgsql;
using TViews.Cli.Hosting;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.DotNet;

/// <summary>
/// The packages as a team gets them: <c>dotnet pack</c> into a local folder, the CLI installed from it
/// as a dotnet tool and run from an empty directory, and samples/console-di built against the packed
/// library and run as several concurrent instances on one fresh database whose login needs a password.
/// Slow (a Release build and restores): about a minute.
/// </summary>
public sealed class PackagedSampleTests
{
    [Fact]
    public async Task PackInstallTheToolAndRunTheSampleFromSeveralHostsOnAPasswordProtectedDatabase()
    {
        var work = Directory.CreateTempSubdirectory("tviews-pack-").FullName;
        // A version of its own: nothing stale from NuGet's caches, and one value to find everywhere.
        var version = $"{TViewsEngine.Version}-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var feed = Path.Combine(work, "feed");
        var env = new Dictionary<string, string?> { ["TVIEWS_ARTIFACTS"] = Path.Combine(work, "artifacts"), ["DOTNET_NOLOGO"] = "1" };
        try
        {
            foreach (var project in new[] { "src/TViews/TViews.csproj", "src/TViews.Cli/TViews.Cli.csproj" })
                await RunAsync("dotnet", ["pack", Path.Combine(RepoPaths.Root, project), "-c", "Release", "-o", feed, $"-p:Version={version}"], work, env);
            Assert.True(File.Exists(Path.Combine(feed, $"TViews.{version}.nupkg")));
            Assert.True(File.Exists(Path.Combine(feed, $"TViews.{version}.snupkg")));

            // The tool, installed from the folder, run from a directory with nothing in it.
            var tools = Path.Combine(work, "tools");
            await RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", feed, "TViews.Cli", "--version", version], work, env);
            var empty = Directory.CreateDirectory(Path.Combine(work, "empty")).FullName;
            var tviews = Path.Combine(tools, "tviews");
            Assert.Equal(version, (await RunAsync(tviews, ["--version"], empty, env)).Trim());
            var demo = await RunAsync(tviews, ["demo"], empty, env);
            Assert.Contains("Verified", demo, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(empty));

            // The samples, copied out of the repository so they build only from the packages.
            var sample = Path.Combine(work, "samples", "console-di");
            CopyDirectory(Path.Combine(RepoPaths.Root, "samples", "console-di"), sample);
            var output = Path.Combine(work, "sample-out");
            await RunAsync("dotnet", ["build", sample, "-c", "Release", "-o", output, $"-p:TViewsVersion={version}", $"-p:RestoreAdditionalProjectSources={feed}"], work, env);
            // The ASP.NET Core snippet of docs/dotnet.md (its Program.cs; it reads the console sample's models).
            var web = Path.Combine(work, "samples", "aspnet");
            CopyDirectory(Path.Combine(RepoPaths.Root, "samples", "aspnet"), web);
            var webOutput = Path.Combine(work, "aspnet-out");
            await RunAsync("dotnet", ["build", web, "-c", "Release", "-o", webOutput, $"-p:TViewsVersion={version}", $"-p:RestoreAdditionalProjectSources={feed}"], work, env);
            Assert.True(File.Exists(Path.Combine(webOutput, "models", "read_models.sql")));

            await using var server = await LocalPostgres.StartAsync(requirePasswords: true);
            const string password = "s3cret-for-the-sample";
            await ExecAsync(server.ConnectionString(), $"CREATE ROLE sample_app LOGIN PASSWORD '{password}'");
            await ExecAsync(server.ConnectionString(), "CREATE DATABASE sample OWNER sample_app");
            var app = new NpgsqlConnectionStringBuilder(server.ConnectionString("sample")) { Username = "sample_app", Password = password }.ConnectionString;
            await ExecAsync(app, await File.ReadAllTextAsync(Path.Combine(sample, "schema.sql")));
            // Without the password the login is refused: the sample's success below is the data source's password at work.
            var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecAsync(new NpgsqlConnectionStringBuilder(app) { Password = null }.ConnectionString, "SELECT 1"));
            Assert.Contains("password", refused.Message, StringComparison.OrdinalIgnoreCase);

            const int hosts = 3;
            var runs = await Task.WhenAll(Enumerable.Range(0, hosts).Select(_ =>
                RunAsync("dotnet", [Path.Combine(output, "ConsoleDi.dll"), app], output, env)));
            Assert.Equal(1, runs.Count(r => r.Contains("applied: created [tv_order], unchanged []", StringComparison.Ordinal)));
            Assert.Equal(hosts - 1, runs.Count(r => r.Contains("applied: created [], unchanged [tv_order]", StringComparison.Ordinal)));
            foreach (var r in runs)
            {
                Assert.Contains("verify: consistent", r, StringComparison.Ordinal);
                Assert.Contains($"runtime: {version}", r, StringComparison.Ordinal);
                // Not a superuser: the optional event triggers are missing, which the health check reports as a warning.
                Assert.Contains("health: Degraded", r, StringComparison.Ordinal);
                Assert.Contains("pg_tviews_sql_drop is not installed", r, StringComparison.Ordinal);
            }

            // The ASP.NET Core sample: it applies on startup (nothing left to create), then serves the readiness check.
            var ready = await GetFromWebSampleAsync(Path.Combine(webOutput, "AspNet.dll"), webOutput, app, "/health/ready", env);
            Assert.Equal((System.Net.HttpStatusCode.OK, "Degraded"), ready); // Degraded: no event triggers for a role that is not a superuser

            await using var check = new NpgsqlConnection(app);
            await check.OpenAsync();
            await using (var cmd = new NpgsqlCommand("SELECT pg_tviews_version()", check))
                Assert.Equal(version, await cmd.ExecuteScalarAsync());
            var definition = TViewDefinitions.FromDirectory(Path.Combine(sample, "models")).Single();
            await Oracle.AssertConsistentAsync(check, [(definition.Table, definition.QueryText)], "after the sample hosts");
            await using (var cmd = new NpgsqlCommand("SELECT data->>'total' FROM tv_order WHERE pk_order = 1", check))
                Assert.Equal((20.00m + hosts * 2.50m).ToString("F2", System.Globalization.CultureInfo.InvariantCulture), await cmd.ExecuteScalarAsync());
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            // The test's own version, unpacked into the NuGet cache, is of no use to anyone afterwards.
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in new[] { "tviews", "tviews.cli" })
                try { Directory.Delete(Path.Combine(cache, id, version.ToLowerInvariant()), recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task ExecAsync(string connectionString, string sql)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a program to completion; its stdout, or a failure with everything it printed.</summary>
    private static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string directory, IReadOnlyDictionary<string, string?> env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var (o, e) = (await stdout, await stderr);
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {p.ExitCode}:\n{o}\n{e}");
        return o;
    }

    /// <summary>
    /// Starts the web sample on a free port with <paramref name="connectionString"/> as its connection
    /// string "app", waits until it listens (its hosted services, the startup apply among them, have
    /// then run), requests <paramref name="path"/> and stops it.
    /// </summary>
    private static async Task<(System.Net.HttpStatusCode Status, string Body)> GetFromWebSampleAsync(
        string dll, string directory, string connectionString, string path, IReadOnlyDictionary<string, string?> env)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = directory };
        psi.ArgumentList.Add(dll);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["ConnectionStrings__app"] = connectionString;
        psi.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var p = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (log) log.AppendLine(line);
            if (System.Text.RegularExpressions.Regex.Match(line, @"Now listening on: (http://\S+)") is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        }
        p.OutputDataReceived += (_, e) => OnLine(e.Data);
        p.ErrorDataReceived += (_, e) => OnLine(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            var started = await Task.WhenAny(listening.Task, p.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(started == listening.Task, $"the web sample did not start listening:\n{log}");
            using var http = new HttpClient { BaseAddress = new Uri(await listening.Task), Timeout = TimeSpan.FromSeconds(30) };
            using var response = await http.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(dir);
            if (name is "bin" or "obj") continue;
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj")) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }
}
