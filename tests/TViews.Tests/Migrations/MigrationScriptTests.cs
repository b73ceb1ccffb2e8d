using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using TViews.Runtime;
using TViews.Tests.Cli;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Migrations;

/// <summary>
/// `tviews script` and `apply --dry-run` on the sample blog: a script generated on one database and
/// run by psql on a second gives the catalog `apply` gives on a third, and TVIEWs the oracle finds
/// exact under the same random writes; generating it, and a dry run, change nothing.
/// </summary>
public sealed class MigrationScriptTests(ITestOutputHelper output)
{
    private static readonly string[] ReadModels = ["tv_comment", "tv_post", "tv_user", "tv_tag"];

    /// <summary>Three copies (A, B, C) of the sample blog at scale 0.01, optionally with its read models applied first.</summary>
    private static async Task<string[]> BlogCopiesAsync(string prefix, bool applied)
    {
        var template = await TestServer.CreateDatabaseAsync(prefix + "_t");
        try
        {
            await WorkloadRunner.LoadBlogAsync(template, 0.01);
            if (applied) await new TViewsEngine(template).ApplyAsync(TViewDefinition.FromScript(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath)));
            var copies = new List<string>();
            foreach (var name in new[] { "a", "b", "c" }) copies.Add(await WorkloadRunner.CloneDatabaseAsync(template, $"{prefix}_{name}"));
            return [.. copies];
        }
        finally
        {
            await TestServer.DropDatabaseAsync(template);
        }
    }

    private static async Task DropAllAsync(IEnumerable<string> databases)
    {
        foreach (var db in databases) await TestServer.DropDatabaseAsync(db);
    }

    /// <summary>The same seeded random transactions on both databases: the same outcomes, TVIEWs exact (oracle) in both and equal.</summary>
    private async Task SameWorkloadOnBothAsync(string first, string second, string definitionsScript, int seed)
    {
        var definitions = WorkloadRunner.Definitions(definitionsScript);
        await using var a = new NpgsqlConnection(first);
        await using var b = new NpgsqlConnection(second);
        await a.OpenAsync();
        await b.OpenAsync();
        var workloadA = new BlogWorkload(seed, users: 100, posts: 1000, comments: 5000);
        var workloadB = new BlogWorkload(seed, users: 100, posts: 1000, comments: 5000);
        var committed = 0;
        foreach (var (txA, txB) in workloadA.Transactions(300).Zip(workloadB.Transactions(300)))
        {
            var outcome = await WorkloadRunner.RunAsync(a, txA);
            Assert.Equal(outcome, await WorkloadRunner.RunAsync(b, txB));
            if (outcome == "committed") committed++;
            if ((txA.Number + 1) % 100 == 0)
            {
                await Oracle.AssertConsistentAsync(a, definitions, $"script database, seed {seed}, after transaction {txA.Number}");
                await Oracle.AssertConsistentAsync(b, definitions, $"apply database, seed {seed}, after transaction {txA.Number}");
            }
        }
        Assert.True(committed > 150, $"only {committed} transactions committed");
        foreach (var table in ReadModels)
            Assert.Equal(await Oracle.RowsAsync(a, table), await Oracle.RowsAsync(b, table));
    }

    [Fact]
    public async Task AScriptRunByPsqlGivesWhatApplyGivesAndASecondRunStopsBeforeChangingAnything()
    {
        var dbs = await BlogCopiesAsync("mig_fresh", applied: false);
        var (a, b, c) = (dbs[0], dbs[1], dbs[2]);
        var dir = Directory.CreateTempSubdirectory("tviews-script-");
        try
        {
            var file = Path.Combine(dir.FullName, "migration.sql");
            var before = await CatalogSnapshot.TakeAsync(a);
            var cli = await CliRunner.RunAsync(a, "script", WorkloadRunner.BlogReadModelsPath, "--output", file);
            Assert.True(cli.ExitCode == 0, cli.Err);
            // Generating the script changed nothing (it ran the apply and rolled it back).
            CatalogSnapshot.AssertEqual(before, await CatalogSnapshot.TakeAsync(a), "database A before and after `tviews script`");
            var script = await File.ReadAllTextAsync(file);
            output.WriteLine(script[..Math.Min(script.Length, 3000)]);

            // One transaction, the runtime installed in it, both advisory locks apply takes, a search_path of its own.
            Assert.StartsWith("-- TViews migration script", script, StringComparison.Ordinal);
            Assert.Contains("\nBEGIN;\n", script, StringComparison.Ordinal);
            Assert.EndsWith("\nCOMMIT;\n", script, StringComparison.Ordinal);
            Assert.Single(Regex.Matches(script, @"(?m)^BEGIN;$"));
            Assert.Single(Regex.Matches(script, @"(?m)^COMMIT;$"));
            Assert.Contains("SET LOCAL search_path TO \"public\";", script, StringComparison.Ordinal);
            Assert.Contains($"SELECT pg_advisory_xact_lock(({0x7476_6965_7773L})::bigint);", script, StringComparison.Ordinal);
            Assert.Contains("SELECT pg_advisory_xact_lock(7628265430001);", script, StringComparison.Ordinal);
            Assert.Contains("001_catalog.sql", script, StringComparison.Ordinal);
            Assert.Contains("--   runtime    install TViews runtime", script, StringComparison.Ordinal);
            foreach (var t in ReadModels) Assert.Matches($@"--   create\s+{t} \(new\)", script);
            Assert.DoesNotContain("@e", script, StringComparison.Ordinal); // every parameter written in as a literal
            // Every statement of the TVIEWs' part comes after a comment saying what it is.
            var lines = script.Split('\n');
            var firstTView = Array.FindIndex(lines, l => l.StartsWith("CREATE VIEW ", StringComparison.Ordinal));
            Assert.True(firstTView > 0);
            var statements = 0;
            for (var i = firstTView; i < lines.Length; i++)
            {
                if (!Regex.IsMatch(lines[i], @"^(CREATE |ALTER TABLE|SELECT |ANALYZE|SAVEPOINT|RELEASE|DO )")) continue;
                // A statement starts after a blank line or a finished statement; the continuation of one (the SELECT of a view) does not.
                var continuation = lines[i - 1].Length > 0 && !lines[i - 1].StartsWith("--", StringComparison.Ordinal) && !lines[i - 1].TrimEnd().EndsWith(';');
                if (continuation) continue;
                statements++;
                Assert.True(lines[i - 1].StartsWith("-- ", StringComparison.Ordinal), $"line {i + 1} has no comment before it: {lines[i]}");
            }
            Assert.True(statements > 30, $"only {statements} statements found");

            await Psql.FileAsync(b, file);
            var applied = await new TViewsEngine(c).ApplyAsync(TViewDefinition.FromScript(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath)));
            Assert.Equal(ReadModels.Order(), applied.Created.Order());
            var afterScript = await CatalogSnapshot.TakeAsync(b);
            CatalogSnapshot.AssertEqual(await CatalogSnapshot.TakeAsync(c), afterScript, "apply (C) and the script run by psql (B)");
            Assert.Contains(afterScript, l => l.StartsWith("metadata ", StringComparison.Ordinal) && l.Contains("\"entity_name\": \"post\"", StringComparison.Ordinal));

            // A second run stops at its first check, before changing anything.
            var again = await Assert.ThrowsAsync<InvalidOperationException>(() => Psql.FileAsync(b, file));
            Assert.Contains("not in the state this script was generated for; nothing was changed", again.Message, StringComparison.Ordinal);
            CatalogSnapshot.AssertEqual(afterScript, await CatalogSnapshot.TakeAsync(b), "B before and after running the script again");

            // A script with nothing to do (generated where the work is done) runs any number of times.
            var noop = Path.Combine(dir.FullName, "noop.sql");
            await File.WriteAllTextAsync(noop, await new TViewsEngine(c).ScriptAsync(TViewDefinition.FromScript(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath))));
            var noopText = await File.ReadAllTextAsync(noop);
            Assert.DoesNotContain("CREATE ", noopText, StringComparison.Ordinal);
            foreach (var t in ReadModels) Assert.Matches($@"--   unchanged\s+{t} \(definition unchanged\)", noopText);
            var cBefore = await CatalogSnapshot.TakeAsync(c);
            await Psql.FileAsync(c, noop);
            await Psql.FileAsync(c, noop);
            CatalogSnapshot.AssertEqual(cBefore, await CatalogSnapshot.TakeAsync(c), "C before and after running a no-op script twice");

            await SameWorkloadOnBothAsync(b, c, await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath), TestSeed.Pick(1501, 1000));
        }
        finally
        {
            dir.Delete(recursive: true);
            await DropAllAsync(dbs);
        }
    }

    [Fact]
    public async Task ChangedDefinitionsDryRunThenScriptRebuildTheSameAsApply()
    {
        var dbs = await BlogCopiesAsync("mig_change", applied: true);
        var (a, b, c) = (dbs[0], dbs[1], dbs[2]);
        var dir = Directory.CreateTempSubdirectory("tviews-script-");
        try
        {
            // tv_comment changes (so tv_post, built on it, is rebuilt too), tv_tag only changes its mode.
            var original = await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath);
            var changed = original
                .Replace("'body', c.body,", "'body', upper(c.body),", StringComparison.Ordinal)
                .Replace("CREATE TABLE tv_tag AS", "-- tviews:mode=deferred\nCREATE TABLE tv_tag AS", StringComparison.Ordinal);
            Assert.NotEqual(original, changed);
            var modelFile = Path.Combine(dir.FullName, "tviews.sql");
            await File.WriteAllTextAsync(modelFile, changed);
            var definitions = TViewDefinition.FromScript(changed);
            var before = await CatalogSnapshot.TakeAsync(a);

            var plan = await new TViewsEngine(a).PlanApplyAsync(definitions);
            Assert.Equal("none", plan.RuntimeAction);
            Assert.Equal(
                [
                    new TViewChange("tv_comment", TViewChangeKind.Rebuild, "definition changed"),
                    new TViewChange("tv_post", TViewChangeKind.Rebuild, "depends on tv_comment, which is rebuilt"),
                    new TViewChange("tv_user", TViewChangeKind.Unchanged, "definition unchanged"),
                    new TViewChange("tv_tag", TViewChangeKind.ModeChange, "mode immediate -> deferred"),
                ], plan.Changes);

            var dry = await CliRunner.RunAsync(a, "apply", modelFile, "--dry-run");
            Assert.True(dry.ExitCode == 0, dry.Err);
            Assert.Matches(@"(?m)^rebuild\s+tv_post\s+\(depends on tv_comment, which is rebuilt\)$", dry.Out);
            Assert.Matches(@"(?m)^mode\s+tv_tag\s+\(mode immediate -> deferred\)$", dry.Out);
            Assert.Contains("dry run, nothing changed", dry.Out, StringComparison.Ordinal);
            var dryJson = await CliRunner.RunAsync(a, "apply", modelFile, "--dry-run", "--json");
            Assert.True(dryJson.ExitCode == 0, dryJson.Err);
            using var json = JsonDocument.Parse(dryJson.Out);
            Assert.True(json.RootElement.GetProperty("dry_run").GetBoolean());
            Assert.Equal(["tv_comment", "tv_post"], json.RootElement.GetProperty("rebuilt").EnumerateArray().Select(e => e.GetString()!));
            Assert.Equal(["tv_tag"], json.RootElement.GetProperty("mode_changed").EnumerateArray().Select(e => e.GetString()!));
            Assert.Equal("none", json.RootElement.GetProperty("runtime").GetProperty("action").GetString());
            CatalogSnapshot.AssertEqual(before, await CatalogSnapshot.TakeAsync(a), "database A before and after the dry runs");

            var script = await new TViewsEngine(a).ScriptAsync(definitions);
            CatalogSnapshot.AssertEqual(before, await CatalogSnapshot.TakeAsync(a), "database A before and after generating the script");
            Assert.Contains("--   runtime    TViews runtime", script, StringComparison.Ordinal);
            Assert.DoesNotContain("001_catalog.sql", script, StringComparison.Ordinal); // up to date: not reinstalled
            var unwrapped = script.Replace("\n--   ", " ", StringComparison.Ordinal);
            Assert.Contains("-- tv_post: dropped with everything generated for it, to be rebuilt below (depends on tv_comment, which is rebuilt).", unwrapped, StringComparison.Ordinal);
            Assert.Contains("\"pg_tviews_set_mode\"('tag'::text, 'deferred'::text);", script, StringComparison.Ordinal);
            Assert.DoesNotContain("CREATE VIEW \"public\".\"pg_tviews_v_user\"", script, StringComparison.Ordinal);
            var file = Path.Combine(dir.FullName, "migration.sql");
            await File.WriteAllTextAsync(file, script);

            await Psql.FileAsync(b, file);
            var applied = await new TViewsEngine(c).ApplyAsync(definitions);
            // The dry run said what apply did.
            Assert.Equal(plan.Created, applied.Created);
            Assert.Equal(plan.Rebuilt, applied.Rebuilt);
            Assert.Equal(plan.Unchanged, applied.Unchanged);
            CatalogSnapshot.AssertEqual(await CatalogSnapshot.TakeAsync(c), await CatalogSnapshot.TakeAsync(b), "apply (C) and the script run by psql (B)");
            Assert.True((await new TViewsEngine(b).PlanApplyAsync(definitions)).IsEmpty);

            await SameWorkloadOnBothAsync(b, c, changed, TestSeed.Pick(1502, 1000));
        }
        finally
        {
            dir.Delete(recursive: true);
            await DropAllAsync(dbs);
        }
    }

    /// <summary>
    /// Without access to the target: a catalog snapshot of it (pg_dump of the schema, plus the rows of
    /// TViews' catalog, as docs/migrations.md says) is loaded into a throwaway server and the script
    /// generated there. Run by psql on the database the snapshot was taken from, it gives what apply
    /// gives; on a database whose TVIEWs have changed since, it stops before changing anything.
    /// </summary>
    [Fact]
    public async Task AScriptFromACatalogSnapshotGivesWhatApplyGivesOnTheDatabaseItWasTakenFrom()
    {
        var dbs = await BlogCopiesAsync("mig_snap", applied: true);
        var (a, b, c) = (dbs[0], dbs[1], dbs[2]);
        var dir = Directory.CreateTempSubdirectory("tviews-snapshot-");
        try
        {
            var original = await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath);
            var changed = original.Replace("'body', c.body,", "'body', upper(c.body),", StringComparison.Ordinal)
                + "\nCREATE TABLE tv_author AS SELECT u.pk_user, u.name, (SELECT count(*) FROM tb_post p WHERE p.fk_author = u.pk_user) AS posts FROM tb_user u;\n";
            var modelFile = Path.Combine(dir.FullName, "tviews.sql");
            await File.WriteAllTextAsync(modelFile, changed);
            var snapshot = Path.Combine(dir.FullName, "snapshot.sql");
            await File.WriteAllTextAsync(snapshot,
                await PgDumpAsync(a, "--schema-only", "--no-owner", "--no-privileges")
                + await PgDumpAsync(a, "--data-only", "--table=public.pg_tviews_*", "--exclude-table=public.pg_tviews_queue*"));
            var before = await CatalogSnapshot.TakeAsync(a);

            var file = Path.Combine(dir.FullName, "migration.sql");
            var cli = await CliRunner.RunAsync(null, "script", modelFile, "--snapshot", snapshot, "--output", file);
            Assert.True(cli.ExitCode == 0, cli.Err);
            Assert.Contains("1 to create, 2 to rebuild", cli.Err, StringComparison.Ordinal);
            var script = await File.ReadAllTextAsync(file);
            Assert.Contains("against the catalog snapshot snapshot.sql (0 error(s) while loading it)", script.Replace("\n--   ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
            CatalogSnapshot.AssertEqual(before, await CatalogSnapshot.TakeAsync(a), "the database the snapshot was taken from, untouched");

            await Psql.FileAsync(b, file);
            var definitions = TViewDefinition.FromScript(changed);
            await new TViewsEngine(c).ApplyAsync(definitions);
            CatalogSnapshot.AssertEqual(await CatalogSnapshot.TakeAsync(c), await CatalogSnapshot.TakeAsync(b), "apply (C) and the snapshot's script run by psql (B)");
            Assert.True((await new TViewsEngine(b).PlanApplyAsync(definitions)).IsEmpty);

            // C has the new definitions already: not the state the snapshot recorded.
            var stale = await Assert.ThrowsAsync<InvalidOperationException>(() => Psql.FileAsync(c, file));
            Assert.Contains("not in the state this script was generated for", stale.Message, StringComparison.Ordinal);

            await SameWorkloadOnBothAsync(b, c, changed, TestSeed.Pick(1503, 1000));
        }
        finally
        {
            dir.Delete(recursive: true);
            await DropAllAsync(dbs);
        }
    }

    [Fact]
    public async Task AMissingSnapshotIsNamed()
    {
        var missing = Path.Combine(Path.GetTempPath(), "tviews-no-such-snapshot-" + Guid.NewGuid().ToString("N") + ".sql");
        var cli = await CliRunner.RunAsync(null, "script", WorkloadRunner.BlogReadModelsPath, "--snapshot", missing);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains($"catalog snapshot {missing} does not exist", cli.Err, StringComparison.Ordinal);
    }

    private static async Task<string> PgDumpAsync(string connectionString, params string[] args)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var exe = Psql.Executable.EndsWith("psql", StringComparison.Ordinal) ? Psql.Executable[..^4] + "pg_dump" : "pg_dump";
        var psi = new System.Diagnostics.ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-h", b.Host!, "-p", b.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", b.Username! }.Concat(args)) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(b.Database!);
        if (b.Password is { } pw) psi.Environment["PGPASSWORD"] = pw;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, await stderr);
        return await stdout;
    }

    [Fact]
    public async Task ARefusedDefinitionFailsTheScriptLikeTheApplyAndChangesNothing()
    {
        var db = await TestServer.CreateDatabaseAsync("mig_refused");
        try
        {
            await using (var conn = new NpgsqlConnection(db))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand("CREATE TABLE tb_a (pk_a int PRIMARY KEY, v int)", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            var before = await CatalogSnapshot.TakeAsync(db);
            var defs = TViewDefinition.FromScript("CREATE TABLE tv_a AS SELECT a.pk_a, a.v FROM tb_a a ORDER BY a.v LIMIT 3;");
            var scripted = await Assert.ThrowsAnyAsync<TViewsException>(() => new TViewsEngine(db).ScriptAsync(defs));
            var applied = await Assert.ThrowsAnyAsync<TViewsException>(() => new TViewsEngine(db).ApplyAsync(defs));
            Assert.Equal(applied.Message, scripted.Message);
            CatalogSnapshot.AssertEqual(before, await CatalogSnapshot.TakeAsync(db), "before and after a refused script");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task TheScriptCarriesTheSearchPathAndLockTimeoutOfTheEngineAndQuotesItsRuntimeSchema()
    {
        const string schema = """
            CREATE SCHEMA app;
            CREATE TABLE app.tb_a (pk_a int PRIMARY KEY, v int NOT NULL);
            INSERT INTO app.tb_a SELECT g, g * 10 FROM generate_series(1, 3) g;
            """;
        var generated = await TestServer.CreateDatabaseAsync("mig_path_a");
        var target = await TestServer.CreateDatabaseAsync("mig_path_b");
        try
        {
            foreach (var db in new[] { generated, target })
            {
                await using var conn = new NpgsqlConnection(db);
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand(schema, conn);
                await cmd.ExecuteNonQueryAsync();
            }
            // The definition names tb_a unqualified: it resolves through the engine's search_path (app first),
            // which psql, connecting with the default one, does not have.
            var options = new TViewsOptions { RuntimeSchema = "rt \"x\"", LockTimeout = TimeSpan.FromMilliseconds(1500) };
            var withPath = new NpgsqlConnectionStringBuilder(generated) { SearchPath = "app,public" }.ConnectionString;
            var defs = TViewDefinition.FromScript("CREATE TABLE tv_a AS SELECT a.pk_a, a.v * 2 AS v2 FROM tb_a a;");
            var script = await new TViewsEngine(withPath, options).ScriptAsync(defs);
            Assert.Contains("SET LOCAL search_path TO \"app\", \"public\";", script, StringComparison.Ordinal);
            Assert.Contains("SET LOCAL lock_timeout = '1500ms';", script, StringComparison.Ordinal);
            Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"rt \"\"x\"\"\"", script, StringComparison.Ordinal);

            var dir = Directory.CreateTempSubdirectory("tviews-script-");
            try
            {
                var file = Path.Combine(dir.FullName, "migration.sql");
                await File.WriteAllTextAsync(file, script);
                await Psql.FileAsync(target, file);
                await using var conn = new NpgsqlConnection(target);
                await conn.OpenAsync();
                await using (var cmd = new NpgsqlCommand("INSERT INTO app.tb_a VALUES (4, 40); UPDATE app.tb_a SET v = 0 WHERE pk_a = 1", conn))
                    await cmd.ExecuteNonQueryAsync();
                await Oracle.AssertConsistentAsync(conn, [("app.tv_a", "SELECT a.pk_a, a.v * 2 AS v2 FROM app.tb_a a")], "after writes on the script's database");
                Assert.Equal(4, (await Oracle.RowsAsync(conn, "app.tv_a")).Count);
                Assert.Empty(await new TViewsEngine(target, options).VerifyAsync([]));
                var again = await Assert.ThrowsAsync<InvalidOperationException>(() => Psql.FileAsync(target, file));
                Assert.Contains("nothing was changed", again.Message, StringComparison.Ordinal);
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }
        finally
        {
            await TestServer.DropDatabaseAsync(generated);
            await TestServer.DropDatabaseAsync(target);
        }
    }

    [Fact]
    public void ParametersAreWrittenInAsTypedLiteralsAndOnlyOutsideQuotesAndComments()
    {
        var sql = "SELECT f(@e, @m::jsonb, @k, @b, @a, @z) -- @e\n/* @e */ '@e' \"@e\" $x$ @e $x$ a@e";
        var inlined = StatementRecorder.Inline(sql, [("e", "it's"), ("m", "{}"), ("k", 5L), ("b", true), ("a", new[] { "x", "y" }), ("z", null)]);
        Assert.Equal("SELECT f('it''s'::text, '{}'::text::jsonb, (5)::bigint, true, ARRAY['x', 'y']::text[], NULL) -- @e\n/* @e */ '@e' \"@e\" $x$ @e $x$ a@e", inlined);
        Assert.Equal(sql, StatementRecorder.Inline(sql, []));
        Assert.Throws<TViewsException>(() => StatementRecorder.Inline("SELECT @d", [("d", DateTime.UtcNow)]));
    }
}
