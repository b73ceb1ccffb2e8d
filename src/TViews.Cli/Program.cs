using System.CommandLine;
using TViews.Cli.Commands;

namespace TViews.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("(tviews --help lists the commands and their options)");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync();
    }

    /// <summary>The command tree; public so tests can run commands in-process.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("TViews: transactional, incrementally maintained read models (TVIEWs) for PostgreSQL.")
        {
            HelpName = "tviews", // the name users type (./tviews), not the assembly's
        };
        root.Options.Add(CommonOptions.Connection);
        root.Options.Add(CommonOptions.Schema);
        foreach (var command in Commands()) root.Subcommands.Add(command);
        return root;
    }

    private static IEnumerable<Command> Commands()
    {
        yield return DemoCommand.Create();
        yield return TViewCommands.Install();
        yield return TViewCommands.Uninstall();
        yield return TViewCommands.Create();
        yield return TViewCommands.Apply();
        yield return MigrationCommands.Script();
        yield return TViewCommands.Drop();
        yield return TViewCommands.List();
        yield return TViewCommands.Show();
        yield return TViewCommands.Explain();
        yield return TViewCommands.Refresh();
        yield return TViewCommands.Verify();
        yield return BenchCommand.Create();
        yield return HealthCommand.Create();
        yield return FormatCommand.Create();
        yield return FuzzCommand.Create();
    }
}
