using System.CommandLine;
using TViews.Sql;

namespace TViews.Cli.Commands;

/// <summary>
/// <c>tviews format [FILE|-]</c>: parses a SQL script with TViews' own front end and prints every statement in
/// canonical form, each followed by <c>;</c>. Needs no database. Syntax errors go to stderr as
/// <c>&lt;source&gt;: line L, column C: ...</c> with exit code 1.
/// </summary>
public static class FormatCommand
{
    public static Command Create()
    {
        var file = new Argument<string?>("file")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = "SQL file to format; stdin when omitted or \"-\"",
        };
        var singleLine = new Option<bool>("--single-line") { Description = "Print each statement on one line" };
        var quoteAll = new Option<bool>("--quote-all") { Description = "Quote every relation, column and alias identifier" };
        var command = new Command("format", "Parse SQL and print it in canonical form (no database needed)");
        command.Arguments.Add(file);
        command.Options.Add(singleLine);
        command.Options.Add(quoteAll);
        command.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            var options = new SqlFormatOptions { SingleLine = pr.GetValue(singleLine), QuoteAllIdentifiers = pr.GetValue(quoteAll) };
            return Task.FromResult(Run(pr.GetValue(file), options, Console.In, Console.Out, Console.Error));
        });
        return command;
    }

    /// <summary>The command's logic with explicit streams (used by tests).</summary>
    internal static int Run(string? path, SqlFormatOptions options, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        bool fromStdin = path is null or "-";
        string source = fromStdin ? "stdin" : path!;
        string sql;
        try
        {
            sql = fromStdin ? stdin.ReadToEnd() : File.ReadAllText(path!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            stderr.WriteLine($"{source}: cannot read file: {e.Message}");
            return 1;
        }

        IReadOnlyList<Statement> statements;
        try
        {
            statements = SqlParser.ParseScript(sql);
        }
        catch (SqlSyntaxException e)
        {
            stderr.WriteLine($"{source}: {e.Message}");
            return ExitCodes.Refused;
        }

        for (int i = 0; i < statements.Count; i++)
        {
            if (i > 0 && !options.SingleLine) stdout.WriteLine();
            stdout.WriteLine(SqlFormatter.Format(statements[i], options) + ";");
        }
        return 0;
    }
}
