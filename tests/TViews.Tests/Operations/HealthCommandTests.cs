using System.Diagnostics;
using System.Text.Json;

namespace TViews.Tests.Operations;

/// <summary><c>tviews health</c>: prints pg_tviews_health_check() and exits non-zero on ERROR.</summary>
public sealed class HealthCommandTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> TviewsAsync(params string[] args)
    {
        // The real CLI, in its own process (it writes to the console).
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TViews.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task HealthExitsZeroWhenHealthyAndOneOnError()
    {
        await using var db = await OpsDatabase.CreateAsync();
        var (code, stdout, stderr) = await TviewsAsync("health", "--connection", db.ConnectionString);
        Assert.True(code == 0, stdout + stderr);
        foreach (var check in new[] { "runtime_version", "metadata_tables", "definitions", "triggers", "untracked", "prepared_transactions", "queue", "consistency_sample" })
            Assert.Contains(check, stdout);
        Assert.Contains("overall: OK", stdout);

        await db.ExecAsync("ALTER TABLE tb_comment DISABLE TRIGGER USER");
        (code, stdout, stderr) = await TviewsAsync("health", "--connection", db.ConnectionString, "--json");
        Assert.True(code == 4, stdout + stderr); // ExitCodes.Unhealthy
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("ERROR", json.RootElement.GetProperty("status").GetString());
        var triggers = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check_name").GetString() == "triggers");
        Assert.Equal("ERROR", triggers.GetProperty("status").GetString());
        Assert.Contains("tb_comment is disabled", triggers.GetProperty("details").GetString());

        // Repaired from psql, healthy again.
        await db.PsqlAsync("SELECT pg_tviews_convert_existing_table('post');");
        (code, stdout, stderr) = await TviewsAsync("health", "--connection", db.ConnectionString);
        Assert.True(code == 0, stdout + stderr);
    }

    [Fact]
    public async Task HealthFailsClearlyWithoutTheRuntime()
    {
        var cs = await Infrastructure.TestServer.CreateDatabaseAsync("opsempty");
        try
        {
            var (code, _, stderr) = await TviewsAsync("health", "--connection", cs);
            Assert.Equal(1, code);
            Assert.Contains("the TViews runtime is not installed", stderr);
        }
        finally
        {
            await Infrastructure.TestServer.DropDatabaseAsync(cs);
        }
    }
}
