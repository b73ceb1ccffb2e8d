using System.Diagnostics;

namespace TViews.Tests.Cli;

/// <summary>Runs the CLI (TViews.Cli.dll next to the tests) as a separate process: exit code, stdout, stderr.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static async Task<Result> RunAsync(string? connection, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TViews.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (connection is not null) psi.Environment["TVIEWS_CONNECTION"] = connection;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new Result(p.ExitCode, await o, await e);
    }
}
