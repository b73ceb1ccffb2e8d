using System.Diagnostics;
using Npgsql;
using TViews.Cli.Hosting;

namespace TViews.Tests.Infrastructure;

/// <summary>Runs psql against a test database (for scripts that use psql variables, and runbook statements as written).</summary>
public static class Psql
{
    public static string Executable =>
        LocalPostgres.FindBinDirectory() is { } bin && File.Exists(Path.Combine(bin, "psql")) ? Path.Combine(bin, "psql") : "psql";

    public static async Task<string> RunAsync(string connectionString, IEnumerable<string> args, string? stdin = null)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", b.Host!, "-p", b.Port.ToString(), "-U", b.Username!, "-d", b.Database! }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (b.Password is { } pw) psi.Environment["PGPASSWORD"] = pw;
        using var p = Process.Start(psi)!;
        if (stdin is not null) { await p.StandardInput.WriteAsync(stdin); p.StandardInput.Close(); }
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"psql failed ({p.ExitCode}): {await error}");
        return await output + await error;
    }

    public static Task<string> FileAsync(string connectionString, string file, params string[] vars) =>
        RunAsync(connectionString, vars.SelectMany(v => new[] { "-v", v }).Concat(["-f", file]));
}
