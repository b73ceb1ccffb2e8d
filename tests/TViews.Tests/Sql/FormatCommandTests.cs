using TViews.Cli.Commands;
using TViews.Sql;

namespace TViews.Tests.Sql;

public class FormatCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tviews-format-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Run(string? path, string stdin = "", SqlFormatOptions? options = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = FormatCommand.Run(path, options ?? SqlFormatOptions.Default, new StringReader(stdin), stdout, stderr);
        return (code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Formats_every_statement_of_a_file()
    {
        string path = Path.Combine(_dir, "q.sql");
        File.WriteAllText(path, "select a from t where b = 1; -- comment\ncreate view v as select 2;");
        var (code, stdout, stderr) = Run(path);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal("SELECT a\nFROM t\nWHERE b = 1;\n\nCREATE VIEW v AS\nSELECT 2;\n", stdout);
    }

    [Fact]
    public void Reads_stdin_without_argument_or_with_dash()
    {
        Assert.Equal((0, "SELECT 1;\n", ""), Run(null, "select 1"));
        Assert.Equal((0, "SELECT 1;\nSELECT 2;\n", ""), Run("-", "select 1; select 2", SqlFormatOptions.Compact));
    }

    [Fact]
    public void Syntax_errors_go_to_stderr_with_the_source_name()
    {
        string path = Path.Combine(_dir, "bad.sql");
        File.WriteAllText(path, "select a\nfrom t\nwhere b = ,");
        var (code, stdout, stderr) = Run(path);
        Assert.Equal(6, code); // ExitCodes.Refused
        Assert.Equal("", stdout);
        Assert.Equal($"{path}: line 3, column 11: expected an expression, found \",\"\n", stderr);
        Assert.Equal((6, "", "stdin: line 1, column 8: unterminated string literal\n"), Run(null, "select 'x"));
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        string path = Path.Combine(_dir, "missing.sql");
        var (code, stdout, stderr) = Run(path);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"{path}: cannot read file:", stderr);
    }

    [Fact]
    public async Task Runs_through_the_command_line()
    {
        string path = Path.Combine(_dir, "cli.sql");
        File.WriteAllText(path, "select 1");
        var originalOut = Console.Out;
        var originalErr = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        try
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code = await TViews.Cli.Program.BuildRoot().Parse(["format", "--single-line", path]).InvokeAsync();
            Assert.Equal(0, code);
            File.WriteAllText(path, "select from from");
            int bad = await TViews.Cli.Program.BuildRoot().Parse(["format", path]).InvokeAsync();
            Assert.Equal(6, bad);
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalErr);
        }
        Assert.Equal("SELECT 1;", stdout.ToString().Trim());
        Assert.Contains("line 1, column 13: expected", stderr.ToString());
    }
}
