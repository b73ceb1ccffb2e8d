using System.Text.Json;
using System.Text.RegularExpressions;
using Spectre.Console;
using TViews.Cli.Commands;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Cli;

/// <summary>
/// Progress of <c>apply</c> and <c>refresh</c> on stderr: the live Spectre display (one task per
/// TVIEW) driven by a real engine into a recording terminal, and the plain lines of the CLI when
/// stderr is not a terminal, with stdout and exit codes unchanged.
/// </summary>
public sealed partial class ProgressTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Schema = """
        CREATE TABLE tb_shelf (pk_shelf int PRIMARY KEY, label text NOT NULL);
        CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_shelf int NOT NULL REFERENCES tb_shelf, name text NOT NULL);
        INSERT INTO tb_shelf VALUES (1, 'top'), (2, 'bottom');
        INSERT INTO tb_item VALUES (1, 1, 'cup'), (2, 1, 'plate'), (3, 2, 'pan');
        """;

    private const string Models = """
        CREATE TABLE tv_shelf AS SELECT s.pk_shelf, s.label, (SELECT count(*) FROM tb_item i WHERE i.fk_shelf = s.pk_shelf) AS items FROM tb_shelf s;
        CREATE TABLE tv_item AS SELECT i.pk_item, i.name, sh.label FROM tb_item i JOIN tv_shelf sh ON sh.pk_shelf = i.fk_shelf;
        """;

    /// <summary>A terminal that records what it is sent: ANSI and interactive, so Spectre draws its live display.</summary>
    private static (IAnsiConsole Console, StringWriter Output) Terminal()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = 120;
        return (console, output);
    }

    private static string WithoutAnsi(string s) => AnsiEscape().Replace(s, "");

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    [Fact]
    public async Task TheLiveDisplayHasOneTaskPerTViewForApplyAndRefresh()
    {
        await db.ExecuteAsync(Schema);
        var defs = TViewDefinition.FromScript(Models);

        var (console, output) = Terminal();
        var applied = await TViewProgress.RunLiveAsync(console, [], logger => new TViewsEngine(db.ConnectionString, null, logger).ApplyAsync(defs));
        Assert.Equal(["tv_shelf", "tv_item"], applied.Created);
        var shown = WithoutAnsi(output.ToString());
        Assert.Contains("creating tv_shelf", shown);
        Assert.Contains("creating tv_item", shown);
        // Each task ends done: the next build starting ends the previous one, the operation returning ends the last.
        Assert.Contains("created tv_shelf", shown);
        Assert.Contains("created tv_item", shown);
        // The analysis's warnings are plain lines above the display.
        Assert.Contains("warning: public.tb_item.fk_shelf has no index", shown);

        // refresh goes through the TVIEW and what is built on it: both are known beforehand, waiting.
        var engine = new TViewsEngine(db.ConnectionString);
        var closure = await TViewProgress.RefreshClosureAsync(engine, "tv_shelf");
        Assert.Equal(["tv_shelf", "tv_item"], closure.Select(t => t.Table));
        Assert.Equal(["tv_item"], (await TViewProgress.RefreshClosureAsync(engine, "item")).Select(t => t.Table));

        (console, output) = Terminal();
        var written = await TViewProgress.RunLiveAsync(console, closure, logger => new TViewsEngine(db.ConnectionString, null, logger).RefreshAsync("shelf", force: true));
        Assert.Equal(2, written);
        shown = WithoutAnsi(output.ToString());
        // The last frame: both tasks done, in the order they were listed (frames in between depend on timing).
        var last = shown.LastIndexOf("rebuilt tv_shelf: 2 rows written", StringComparison.Ordinal);
        Assert.True(last >= 0, shown);
        Assert.True(shown.IndexOf("rebuilt tv_item: 3 rows written", last, StringComparison.Ordinal) > last, shown);
        Assert.DoesNotContain("waiting", shown[last..]);
        // The live renderer, not Spectre's fallback for dumb terminals: it hides the cursor while it redraws.
        Assert.StartsWith("\x1b[?25l", output.ToString());
        Assert.EndsWith("\x1b[?25h", output.ToString());
    }

    [Fact]
    public async Task WithoutATerminalProgressIsPlainLinesOnStderrAndStdoutIsUnchanged()
    {
        await db.ExecuteAsync(Schema.Replace("tb_", "tb_plain_", StringComparison.Ordinal));
        var dir = Directory.CreateTempSubdirectory("tviews-progress-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "models.sql"),
                Models.Replace("tb_", "tb_plain_", StringComparison.Ordinal).Replace("tv_", "tv_plain_", StringComparison.Ordinal));
            var apply = await CliRunner.RunAsync(db.ConnectionString, "apply", dir);
            Assert.True(apply.ExitCode == 0, apply.Err);
            Assert.Equal("created   tv_plain_shelf\ncreated   tv_plain_item\n", apply.Out.ReplaceLineEndings("\n"));
            Assert.Contains("creating tv_plain_shelf\n", apply.Err.ReplaceLineEndings("\n"));
            Assert.DoesNotContain("\x1b[", apply.Err);

            var refresh = await CliRunner.RunAsync(db.ConnectionString, "refresh", "plain_shelf");
            Assert.True(refresh.ExitCode == 0, refresh.Err);
            Assert.Equal("reconciled plain_shelf: 0 rows written\n", refresh.Out.ReplaceLineEndings("\n"));
            Assert.Equal("reconciled tv_plain_shelf: 0 rows written\nreconciled tv_plain_item: 0 rows written\n", refresh.Err.ReplaceLineEndings("\n"));

            // Under --json: the JSON on stdout, nothing on stderr.
            var json = await CliRunner.RunAsync(db.ConnectionString, "refresh", "plain_shelf", "--force", "--json");
            Assert.Equal(0, json.ExitCode);
            Assert.Equal(2, JsonDocument.Parse(json.Out).RootElement.GetProperty("rows_written").GetInt64());
            Assert.Equal("", json.Err);

            // A failure keeps its message and exit code.
            var missing = await CliRunner.RunAsync(db.ConnectionString, "refresh", "nothing_here");
            Assert.Equal(1, missing.ExitCode);
            Assert.StartsWith("error: ", missing.Err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
