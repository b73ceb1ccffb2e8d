using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Security;

/// <summary>
/// A TVIEW over a table with row-level security shows its readers rows the policies would hide:
/// refused unless acknowledged. Directives in apply files are checked, a misspelt one is an error.
/// </summary>
public sealed class RowSecurityAndDirectiveTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_doc (pk_doc int PRIMARY KEY, owner text NOT NULL, body text NOT NULL);
        ALTER TABLE tb_doc ENABLE ROW LEVEL SECURITY;
        CREATE POLICY own ON tb_doc USING (owner = current_user);
        INSERT INTO tb_doc VALUES (1, 'alice', 'a'), (2, 'bob', 'b');
        """;

    [Fact]
    public async Task ASourceWithRowLevelSecurityIsRefusedUnlessAcknowledged()
    {
        await using var db = await WorkloadDatabase.CreateAsync("rls", Schema, "", output.WriteLine);
        var engine = new TViewsEngine(db.ConnectionString);
        var refused = await Assert.ThrowsAsync<AnalysisException>(() => engine.CreateAsync(TViewDefinition.FromSelect("tv_doc", "SELECT pk_doc, body FROM tb_doc")));
        Assert.Contains("row-level security", refused.Message, StringComparison.Ordinal);
        Assert.Contains("line 1, column 26", refused.Message, StringComparison.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT to_regclass('tv_doc') IS NULL", db.Connection)) Assert.True((bool)(await cmd.ExecuteScalarAsync())!);

        await engine.ApplyAsync(TViewDefinition.FromScript("-- tviews:rls=acknowledged\nCREATE TABLE tv_doc AS SELECT pk_doc, body FROM tb_doc;"));
        await using (var cmd = new NpgsqlCommand("SELECT count(*) FROM tv_doc", db.Connection)) Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!);
    }

    [Theory]
    [InlineData("-- tviews:mdoe=deferred\nCREATE TABLE tv_x AS SELECT 1 AS pk_x;", "line 1: unknown directive \"tviews:mdoe\"")]
    [InlineData("\n\n-- tviews:key\nCREATE TABLE tv_x AS SELECT 1 AS pk_x;", "line 3: bad directive")]
    [InlineData("-- tviews:rls=yes\nCREATE TABLE tv_x AS SELECT 1 AS pk_x;", "line 1: bad rls directive")]
    [InlineData("-- tviews:key=a\n-- tviews:key=b\nCREATE TABLE tv_x AS SELECT 1 AS pk_x;", "line 2: directive tviews:key given twice")]
    public void BadDirectivesAreErrorsWithTheirLine(string script, string expected)
    {
        var e = Assert.Throws<TViewsException>(() => TViewDefinition.FromScript(script, "models.sql"));
        Assert.Contains("models.sql: " + expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DirectivesApplyToTheStatementThatFollowsThem()
    {
        var defs = TViewDefinition.FromScript("-- tviews:key=a, b\nCREATE TABLE tv_x AS SELECT 1 AS a, 2 AS b;\n-- tviews:rls=acknowledged\nCREATE TABLE tv_y AS SELECT 1 AS pk_y;");
        Assert.Equal(["a", "b"], defs[0].Key!);
        Assert.False(defs[0].AcknowledgeRowSecurity);
        Assert.Null(defs[1].Key);
        Assert.True(defs[1].AcknowledgeRowSecurity);
    }
}
