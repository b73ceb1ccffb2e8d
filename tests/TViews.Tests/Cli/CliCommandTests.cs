using System.Text.Json;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Cli;

public sealed class CliCommandTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task HelpListsTheCommands()
    {
        var r = await CliRunner.RunAsync(null, "--help");
        Assert.Equal(0, r.ExitCode);
        foreach (var c in new[] { "demo", "install", "create", "apply", "drop", "list", "show", "explain", "refresh", "verify" })
            Assert.Contains(c, r.Out);
        Assert.Contains("tviews [command] [options]", r.Out); // the name users type, not the assembly's
        Assert.Contains("tviews refresh <entity> [options]", (await CliRunner.RunAsync(null, "refresh", "--help")).Out);
    }

    [Fact]
    public async Task CreateListShowExplainVerifyRefreshDrop()
    {
        await db.ExecuteAsync("""
            CREATE TABLE tb_author (pk_author int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE tb_book (pk_book int PRIMARY KEY, fk_author int REFERENCES tb_author, title text NOT NULL);
            INSERT INTO tb_author VALUES (1, 'Le Guin'), (2, 'Lem');
            INSERT INTO tb_book VALUES (1, 1, 'The Dispossessed'), (2, 2, 'Solaris'), (3, 1, 'Lathe of Heaven');
            """);
        var cs = db.ConnectionString;
        var create = await CliRunner.RunAsync(cs, "create", "tv_book",
            "SELECT b.pk_book, b.fk_author, jsonb_build_object('title', b.title, 'author', a.name) AS data FROM tb_book b JOIN tb_author a ON a.pk_author = b.fk_author");
        Assert.True(create.ExitCode == 0, create.Err);
        Assert.Contains("created tv_book", create.Out);

        var list = await CliRunner.RunAsync(cs, "list", "--json");
        Assert.Equal(0, list.ExitCode);
        var items = JsonDocument.Parse(list.Out).RootElement;
        Assert.Equal("tv_book", items[0].GetProperty("name").GetString());
        Assert.Equal(3, items[0].GetProperty("rows").GetInt64());

        var show = await CliRunner.RunAsync(cs, "show", "tv_book", "--json");
        var info = JsonDocument.Parse(show.Out).RootElement;
        Assert.Equal("pk_book", info.GetProperty("key")[0].GetString());
        Assert.Equal(["public.tb_author", "public.tb_book"], info.GetProperty("sources").EnumerateArray().Select(x => x.GetString()!).Order());

        var explain = await CliRunner.RunAsync(cs, "explain", "tv_book");
        Assert.Equal(0, explain.ExitCode);
        Assert.Contains("public.tb_author: UPDATE", explain.Out);
        Assert.Contains("CREATE OR REPLACE FUNCTION", explain.Out);

        Assert.Equal(0, (await CliRunner.RunAsync(cs, "verify")).ExitCode);

        // A write the triggers do not see (replica role) makes the TVIEW diverge; verify says so.
        await db.ExecuteAsync("SET session_replication_role = replica; UPDATE tb_author SET name = 'Ursula K. Le Guin' WHERE pk_author = 1; RESET session_replication_role;");
        var diverged = await CliRunner.RunAsync(cs, "verify", "tv_book");
        Assert.Equal(3, diverged.ExitCode); // ExitCodes.Diverged
        Assert.Contains("2 missing, 2 extra", diverged.Out);

        var refresh = await CliRunner.RunAsync(cs, "refresh", "book");
        Assert.True(refresh.ExitCode == 0, refresh.Err);
        Assert.Contains("2 rows written", refresh.Out);
        Assert.Equal(0, (await CliRunner.RunAsync(cs, "verify", "tv_book")).ExitCode);

        var drop = await CliRunner.RunAsync(cs, "drop", "tv_book");
        Assert.Equal(0, drop.ExitCode);
        Assert.Equal("[]", (await CliRunner.RunAsync(cs, "list", "--json")).Out.Trim());
        Assert.Equal(0, (await CliRunner.RunAsync(cs, "drop", "tv_book", "--if-exists")).ExitCode);
        var missing = await CliRunner.RunAsync(cs, "drop", "tv_book");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("error: TVIEW tv_book does not exist", missing.Err);
    }

    /// <summary>Before anything is installed: nothing to list or verify, said so; what needs the runtime says it is missing.</summary>
    [Fact]
    public async Task ADatabaseWithoutTheRuntimeIsReportedAsSuch()
    {
        var cs = await TestServer.CreateDatabaseAsync("cli_bare");
        try
        {
            var list = await CliRunner.RunAsync(cs, "list");
            Assert.Equal((0, "no TVIEWs"), (list.ExitCode, list.Out.Trim()));
            var verify = await CliRunner.RunAsync(cs, "verify");
            Assert.Equal((0, "no TVIEWs to verify"), (verify.ExitCode, verify.Out.Trim()));
            foreach (var args in new[] { new[] { "refresh", "post" }, ["health"], ["explain", "tv_post"], ["drop", "tv_post"] })
            {
                var r = await CliRunner.RunAsync(cs, args);
                Assert.True(r.ExitCode == 1 && r.Err.StartsWith("error: ", StringComparison.Ordinal), $"{string.Join(" ", args)}: exit {r.ExitCode}, {r.Err}");
                Assert.DoesNotContain("SQLSTATE", r.Err, StringComparison.Ordinal);
            }
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task BadDefinitionsFailWithPositionAndNoStackTrace()
    {
        var r = await CliRunner.RunAsync(db.ConnectionString, "create", "tv_x", "--sql", "SELECT a,\n  FROM t");
        Assert.Equal(6, r.ExitCode); // ExitCodes.Refused
        Assert.StartsWith("error: line 2, column 3:", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        // The SELECT may also follow the name; given twice, or not at all, it is refused before anything runs.
        var positional = await CliRunner.RunAsync(db.ConnectionString, "create", "tv_x", "SELECT a,\n  FROM t");
        Assert.Equal(6, positional.ExitCode);
        Assert.StartsWith("error: line 2, column 3:", positional.Err);
        foreach (var args in new[] { new[] { "create", "tv_x", "SELECT 1 AS pk_x", "--sql", "SELECT 1 AS pk_x" }, ["create", "tv_x"] })
        {
            var twice = await CliRunner.RunAsync(db.ConnectionString, args);
            Assert.Equal(2, twice.ExitCode); // ExitCodes.Usage
            Assert.Contains("give the SELECT once: after the name, with --sql, or in a file with --file", twice.Err);
        }
        await using var conn = await db.OpenAsync();
        Assert.Equal(0L, await Db.ScalarAsync<long>(conn, "SELECT count(*) FROM pg_class WHERE relname = 'tv_x'"));
    }
    [Fact]
    public async Task ApplyADirectoryIsIdempotentAndReportsSyntaxErrorsWithFileAndPosition()
    {
        await db.ExecuteAsync("""
            CREATE TABLE tb_shelf (pk_shelf int PRIMARY KEY, label text NOT NULL);
            CREATE TABLE tb_jar (pk_jar int PRIMARY KEY, fk_shelf int REFERENCES tb_shelf, jam text);
            INSERT INTO tb_shelf VALUES (1, 'top'), (2, 'bottom');
            INSERT INTO tb_jar VALUES (1, 1, 'plum'), (2, 2, 'fig');
            """);
        var dir = Directory.CreateTempSubdirectory("tviews-apply-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "a_jar.sql"),
                "CREATE TABLE tv_jar AS SELECT j.pk_jar, s.label, j.jam FROM tb_jar j JOIN tb_shelf s ON s.pk_shelf = j.fk_shelf;");
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "b_shelf.sql"),
                "-- shelves with their jars\nCREATE TABLE tv_shelf AS\nSELECT s.pk_shelf, (SELECT count(*) FROM tv_jar j WHERE j.label = s.label) AS jars FROM tb_shelf s;");
            var empty = Directory.CreateTempSubdirectory("tviews-apply-empty-");
            var none = await CliRunner.RunAsync(db.ConnectionString, "apply", empty.FullName);
            empty.Delete();
            Assert.Equal(0, none.ExitCode);
            Assert.Contains($"warning: no TVIEW definitions in {empty.FullName}", none.Err);
            var first = await CliRunner.RunAsync(db.ConnectionString, "apply", dir.FullName);
            Assert.True(first.ExitCode == 0, first.Err);
            Assert.DoesNotContain("warning: no TVIEW definitions", first.Err);
            Assert.Contains("created   tv_jar", first.Out);
            Assert.Contains("created   tv_shelf", first.Out);
            var again = await CliRunner.RunAsync(db.ConnectionString, "apply", dir.FullName, "--json");
            Assert.Equal(0, again.ExitCode);
            using var json = JsonDocument.Parse(again.Out);
            Assert.Equal(2, json.RootElement.GetProperty("unchanged").GetArrayLength());
            Assert.Equal(0, json.RootElement.GetProperty("created").GetArrayLength());

            var bad = Path.Combine(dir.FullName, "c_bad.sql");
            await File.WriteAllTextAsync(bad, "CREATE TABLE tv_bad AS\nSELECT j.pk_jar,, j.jam FROM tb_jar j;");
            var failed = await CliRunner.RunAsync(db.ConnectionString, "apply", dir.FullName);
            Assert.Equal(6, failed.ExitCode); // ExitCodes.Refused
            Assert.Contains($"{bad}: line 2, column 17: expected an expression", failed.Err);
            Assert.Equal(0, (await CliRunner.RunAsync(db.ConnectionString, "verify")).ExitCode);

            // A definition the analysis refuses names its file, the position its line there.
            await File.WriteAllTextAsync(bad, "-- jars again\nCREATE TABLE tv_bad AS\nSELECT j.pk_jar, j.jamm FROM tb_jar j;");
            var refused = await CliRunner.RunAsync(db.ConnectionString, "apply", dir.FullName);
            Assert.Equal(6, refused.ExitCode);
            Assert.Contains($"error: {bad}: line 3, column 18: column j.jamm does not exist", refused.Err);

            // A misspelt directive, and a cycle across two files: refused (exit 6), each naming where.
            await File.WriteAllTextAsync(bad, "-- tviews:mdoe=deferred\nCREATE TABLE tv_bad AS SELECT j.pk_jar FROM tb_jar j;");
            var directive = await CliRunner.RunAsync(db.ConnectionString, "apply", dir.FullName);
            Assert.Equal(6, directive.ExitCode);
            Assert.Contains($"{bad}: line 1: unknown directive \"tviews:mdoe\"", directive.Err);
            File.Delete(bad);
            var c = Path.Combine(dir.FullName, "c_loop.sql");
            var d = Path.Combine(dir.FullName, "d_loop.sql");
            await File.WriteAllTextAsync(c, "CREATE TABLE tv_loop_c AS SELECT d.pk_jar FROM tv_loop_d d;");
            await File.WriteAllTextAsync(d, "-- the other half\nCREATE TABLE tv_loop_d AS\nSELECT c.pk_jar FROM tv_loop_c c;");
            var cycle = await CliRunner.RunAsync(db.ConnectionString, "apply", dir.FullName);
            Assert.Equal(6, cycle.ExitCode);
            Assert.Contains($"Circular dependency detected: tv_loop_c -> tv_loop_d -> tv_loop_c (tv_loop_c: {c}, line 1; tv_loop_d: {d}, line 3)", cycle.Err);
            Assert.Equal(0, (await CliRunner.RunAsync(db.ConnectionString, "verify")).ExitCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheRuntimeSchemaIsReadAsAnSqlName()
    {
        // As psql reads it: unquoted folds to lower case, double quotes keep case and spaces.
        var folded = await CliRunner.RunAsync(db.ConnectionString, "install", "--schema", "Cli_Rt");
        Assert.True(folded.ExitCode == 0, folded.Err);
        var quoted = await CliRunner.RunAsync(db.ConnectionString, "install", "--schema", "\"Cli Rt\"");
        Assert.True(quoted.ExitCode == 0, quoted.Err);
        await using var c = await db.OpenAsync();
        Assert.Equal(2L, await Db.ScalarAsync<long>(c, """
            SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = 'pg_tviews_version' AND n.nspname IN ('cli_rt', 'Cli Rt')
            """));
        Assert.Equal(0L, await Db.ScalarAsync<long>(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'Cli_Rt'"));
        // What does not parse, or names more than a schema, is a usage error that changes nothing.
        foreach (var bad in new[] { "a\"b", "ops.rt", "" })
        {
            var refused = await CliRunner.RunAsync(db.ConnectionString, "install", "--schema", bad);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"error: bad --schema \"{bad}\":", refused.Err, StringComparison.Ordinal);
            if (bad == "a\"b") Assert.Contains("unterminated quoted identifier at character 2", refused.Err, StringComparison.Ordinal);
        }
        Assert.Equal(0L, await Db.ScalarAsync<long>(c, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('a\"b', 'ops.rt', 'ops', 'a')"));
        await Db.ExecuteAsync(c, "DROP SCHEMA cli_rt CASCADE; DROP SCHEMA \"Cli Rt\" CASCADE");
    }

    [Fact]
    public async Task ExitCodesTellUsageConnectionAndRefusalApartAndJsonErrorsAreJson()
    {
        Assert.Equal(2, (await CliRunner.RunAsync(db.ConnectionString, "verfy")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync(db.ConnectionString, "create")).ExitCode);
        var unreachable = await CliRunner.RunAsync("Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2", "list");
        Assert.Equal(5, unreachable.ExitCode);
        var noDatabase = await CliRunner.RunAsync(new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString) { Database = "no_such_database_here" }.ConnectionString, "list");
        Assert.Equal(5, noDatabase.ExitCode);
        // A connection string that does not parse is a bad argument, said as such, without its values.
        var misspelt = await CliRunner.RunAsync("Host=127.0.0.1;Usrname=nobody;Password=s3cret", "list");
        Assert.Equal(2, misspelt.ExitCode);
        Assert.Contains("error: bad connection string in TVIEWS_CONNECTION:", misspelt.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", misspelt.Err, StringComparison.Ordinal);
        var garbled = await CliRunner.RunAsync(null, "list", "--connection", "not a connection string", "--json");
        Assert.Equal(2, garbled.ExitCode);
        using (var garbledJson = JsonDocument.Parse(garbled.Out))
            Assert.StartsWith("bad connection string in --connection:", garbledJson.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var refused = await CliRunner.RunAsync(db.ConnectionString, "create", "tv_x", "--sql", "SELECT 1 AS pk_x LIMIT 1", "--json");
        Assert.Equal(6, refused.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(refused.Out);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(6, error.GetProperty("exit_code").GetInt32());
        Assert.Contains("LIMIT", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
