using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// The gate of an UPDATE trigger: a statement-level BEFORE UPDATE OF (read columns) trigger marks the
/// transaction, and the maintenance trigger does nothing unmarked. PostgreSQL's column list looks at the
/// SET list only, so the gate must lose it whenever a BEFORE ROW trigger could change a read column.
/// </summary>
public sealed class UpdateGateTests(ITestOutputHelper output) : IAsyncLifetime
{
    private string _db = "";
    private List<(string Table, string Definition)> _definitions = [];

    public async Task InitializeAsync()
    {
        _db = await TestServer.CreateDatabaseAsync("gate");
        await WorkloadRunner.LoadBlogAsync(_db, 0.01);
        _definitions = WorkloadRunner.Definitions(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath));
    }

    public Task DisposeAsync() => TestServer.DropDatabaseAsync(_db);

    private Task ApplyAsync() =>
        new TViewsEngine(_db).ApplyAsync(_definitions.Select(d => TViewDefinition.FromSelect(d.Table, d.Definition)).ToList());

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        return c;
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        var v = await cmd.ExecuteScalarAsync();
        return v is DBNull or null ? default : (T)v;
    }

    private static async Task ExecAsync(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Each gate on tb_post with its form: "narrow" (column list) or "wide", and its enabled flag.</summary>
    private static async Task<Dictionary<string, string>> GatesAsync(NpgsqlConnection c, string table = "tb_post")
    {
        var gates = new Dictionary<string, string>();
        await using var cmd = new NpgsqlCommand(
            $"""
            SELECT tgname, CASE WHEN cardinality(tgattr::int2[]) > 0 THEN 'narrow' ELSE 'wide' END || ' ' || tgenabled::text
            FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND tgname LIKE 'pg\_tviews\_%\_gate' ORDER BY 1
            """, c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) gates[r.GetString(0)] = r.GetString(1);
        return gates;
    }

    private static async Task<Dictionary<string, (string Status, string Details)>> HealthAsync(NpgsqlConnection c)
    {
        var checks = new Dictionary<string, (string, string)>();
        await using var cmd = new NpgsqlCommand("SELECT check_name, status, details FROM pg_tviews_health_check()", c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) checks[r.GetString(0)] = (r.GetString(1), r.GetString(2));
        return checks;
    }

    private const string BumpTitle = """
        CREATE FUNCTION bump_title() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.views IS DISTINCT FROM OLD.views THEN NEW.title := NEW.title || '!'; END IF;
            RETURN NEW;
        END $$;
        """;

    /// <summary>A SET item that publishes a draft and turns a published post back into a draft.</summary>
    private const string TogglePublished = "published_at = CASE WHEN published_at IS NULL THEN created_at END";

    private const string SharedCalls =
        "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_xact_user_functions WHERE funcname LIKE 'pg\\_tviews\\_update\\_\\_tb\\_post\\_%'";

    [Fact]
    public async Task OnlyAnUpdateWhoseSetListNamesAReadColumnMarksTheTransaction()
    {
        await ApplyAsync();
        await using var c = await OpenAsync();
        Assert.Equal(new Dictionary<string, string> { ["pg_tviews_01_user_gate"] = "narrow O", ["pg_tviews_02_post_gate"] = "narrow O" }, await GatesAsync(c));
        var flag = await ScalarAsync<string>(c, "SELECT DISTINCT t->>'flag' FROM pg_tviews_metadata, jsonb_array_elements(objects->'triggers') t WHERE t->>'table' = 'tb_post' AND t ? 'flag'");
        var marks = $"SELECT coalesce(current_setting('{flag}', true), '')";

        await using (var tx = await c.BeginTransactionAsync())
        {
            await ExecAsync(c, "SET LOCAL track_functions = 'all'");
            await ExecAsync(c, "UPDATE tb_post SET views = views + 1 WHERE pk_post <= 10");
            Assert.Equal("", await ScalarAsync<string>(c, marks));
            Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_stat_xact_user_functions WHERE funcname = 'pg_tviews_gate'"));
            // The shared UPDATE trigger's WHEN kept its function from being called at all.
            Assert.Equal(0L, await ScalarAsync<long>(c, SharedCalls));
            // title is read by tv_post only; published_at by tv_post and tv_user
            await ExecAsync(c, "UPDATE tb_post SET title = title || '?' WHERE pk_post = 1");
            Assert.Equal(",post,", await ScalarAsync<string>(c, marks));
            await ExecAsync(c, $"UPDATE tb_post SET {TogglePublished} WHERE pk_post = 2");
            Assert.Equal(",post,,user,", await ScalarAsync<string>(c, marks));
            Assert.Equal(3L, await ScalarAsync<long>(c, "SELECT calls FROM pg_stat_xact_user_functions WHERE funcname = 'pg_tviews_gate'"));
            Assert.Equal(2L, await ScalarAsync<long>(c, SharedCalls));
            // Once marked, the transaction calls it for every later UPDATE of the table (each block then finds nothing to do).
            await ExecAsync(c, "UPDATE tb_post SET views = views + 1 WHERE pk_post = 3");
            Assert.Equal(3L, await ScalarAsync<long>(c, SharedCalls));
            await Oracle.AssertConsistentAsync(c, _definitions, "inside the transaction");
            await tx.CommitAsync();
        }
        Assert.Equal("", await ScalarAsync<string>(c, marks)); // the marks end with the transaction
        await Oracle.AssertConsistentAsync(c, _definitions, "after commit");
    }

    [Fact]
    public async Task ABeforeRowTriggerAddedLaterWidensTheGatesOfItsTableAndTheGatesFollowItsState()
    {
        await ApplyAsync();
        await using var c = await OpenAsync();
        await ExecAsync(c, BumpTitle + "CREATE TRIGGER bump BEFORE UPDATE ON tb_post FOR EACH ROW EXECUTE FUNCTION bump_title();");
        Assert.Equal(["wide O", "wide O"], (await GatesAsync(c)).Values);
        Assert.All((await GatesAsync(c, "tb_user")).Values, g => Assert.Equal("narrow O", g)); // other tables keep theirs

        // The SET list names no column tv_post reads, yet the title it shows changes.
        await ExecAsync(c, "UPDATE tb_post SET views = views + 1 WHERE pk_post <= 5");
        Assert.Equal(5L, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_post WHERE data->>'title' LIKE '%!'"));
        await Oracle.AssertConsistentAsync(c, _definitions, "after an update changed by a BEFORE ROW trigger");

        await ExecAsync(c, "ALTER TABLE tb_post DISABLE TRIGGER bump");
        Assert.Equal(["narrow O", "narrow O"], (await GatesAsync(c)).Values);
        // The runbook's emergency switch disables our triggers; a gate that changes form stays disabled.
        await ExecAsync(c, "ALTER TABLE tb_post DISABLE TRIGGER pg_tviews_02_post_gate");
        await ExecAsync(c, "ALTER TABLE tb_post ENABLE TRIGGER bump");
        Assert.Equal(new Dictionary<string, string> { ["pg_tviews_01_user_gate"] = "wide O", ["pg_tviews_02_post_gate"] = "wide D" }, await GatesAsync(c));
        Assert.Equal("ERROR", (await HealthAsync(c))["triggers"].Status);
        await ExecAsync(c, "ALTER TABLE tb_post ENABLE TRIGGER pg_tviews_02_post_gate");
        await ExecAsync(c, "DROP TRIGGER bump ON tb_post");
        Assert.Equal(["narrow O", "narrow O"], (await GatesAsync(c)).Values);
        Assert.All((await HealthAsync(c)).Values, h => Assert.Equal("OK", h.Status));
    }

    [Fact]
    public async Task ABeforeRowTriggerPresentAtCreationMakesTheGatesWideAndAnInheritingTableIsRefused()
    {
        await using var c = await OpenAsync();
        await ExecAsync(c, BumpTitle + "CREATE TRIGGER bump BEFORE UPDATE ON tb_post FOR EACH ROW EXECUTE FUNCTION bump_title();");
        await ApplyAsync();
        Assert.Equal(["wide O", "wide O"], (await GatesAsync(c)).Values);
        await ExecAsync(c, "DROP TRIGGER bump ON tb_post");
        Assert.Equal(["narrow O", "narrow O"], (await GatesAsync(c)).Values);

        // A table inheriting from tb_post (read without ONLY) would be written unseen: refused
        // (MultiTableStatementTests covers sources read with ONLY, whose children are allowed).
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(c, "CREATE TABLE tb_post_archive () INHERITS (tb_post)"));
        Assert.Contains("inheritance hierarchy (child public.tb_post_archive)", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(["narrow O", "narrow O"], (await GatesAsync(c)).Values);
    }

    [Fact]
    public async Task WithoutTheDdlEventTriggerEveryGateIsWideAndHealthSaysWhy()
    {
        await ApplyAsync();
        await using var c = await OpenAsync();
        await ExecAsync(c, "DROP EVENT TRIGGER pg_tviews_ddl");
        // Nothing would notice a BEFORE ROW trigger created now, so no gate may keep a column list.
        var health = await HealthAsync(c);
        Assert.Equal("ERROR", health["triggers"].Status);
        Assert.Contains("the pg_tviews_ddl event trigger is not active", health["triggers"].Details);
        var gates = await ScalarAsync<long>(c, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_tviews\\_%\\_gate'");
        Assert.Equal(12L, gates); // one per (TVIEW, table read): tv_comment 2, tv_post 5 (tv_comment included), tv_user 3, tv_tag 2
        Assert.Equal((int)gates, await ScalarAsync<int>(c, "SELECT pg_tviews_regate()"));
        Assert.Equal(["wide O", "wide O"], (await GatesAsync(c)).Values);
        health = await HealthAsync(c);
        Assert.Equal("OK", health["triggers"].Status);
        Assert.Equal("WARNING", health["event_trigger"].Status);
        Assert.Contains("pg_tviews_ddl is not installed", health["event_trigger"].Details);

        // Installing again brings the event trigger back and narrows the gates.
        await new TViewsEngine(_db).InstallAsync();
        Assert.Equal(["narrow O", "narrow O"], (await GatesAsync(c)).Values);
        Assert.All((await HealthAsync(c)).Values, h => Assert.Equal("OK", h.Status));
    }

    [Fact]
    public async Task TheSharedUpdateFunctionHoldsAPartPerTViewReadingTheTableAndFollowsThem()
    {
        await ApplyAsync();
        await using var c = await OpenAsync();
        const string function = "SELECT p.oid::regprocedure::text || ':' || p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid = 'tb_post'::regclass AND t.tgname = 'pg_tviews_update'";
        var body = await ScalarAsync<string>(c, function);
        Assert.Contains("<<pg_tviews_user>>", body);
        Assert.Contains("<<pg_tviews_post>>", body);
        var name = body![..body!.IndexOf(':', StringComparison.Ordinal)];

        // A part lost by hand is reported, and converting the TVIEW puts it back.
        await ExecAsync(c, $"CREATE OR REPLACE FUNCTION {name} RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$");
        var health = await HealthAsync(c);
        Assert.Equal("ERROR", health["triggers"].Status);
        Assert.Contains("user: the UPDATE function", health["triggers"].Details);
        await ExecAsync(c, "SELECT pg_tviews_convert_existing_table('user'); SELECT pg_tviews_convert_existing_table('post');");
        Assert.All((await HealthAsync(c)).Values, h => Assert.Equal("OK", h.Status));

        // Dropping a TVIEW takes its part out; the others are still maintained.
        await ExecAsync(c, "DROP TABLE tv_user");
        body = await ScalarAsync<string>(c, function);
        Assert.DoesNotContain("<<pg_tviews_user>>", body!);
        Assert.Contains("<<pg_tviews_post>>", body);
        await ExecAsync(c, $"UPDATE tb_post SET title = 'after the drop', {TogglePublished} WHERE pk_post <= 3");
        await Oracle.AssertConsistentAsync(c, _definitions.Where(d => d.Table != "tv_user").ToList(), "after dropping tv_user");

        // With no TVIEW left on the table, trigger and function are gone and UPDATEs are plain again.
        await ExecAsync(c, "DROP TABLE tv_post");
        Assert.Null(await ScalarAsync<string>(c, function));
        Assert.Null(await ScalarAsync<string>(c, $"SELECT to_regprocedure('{name}')::text"));
        Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tb_post'::regclass AND tgname LIKE 'pg\\_tviews\\_%'"));
        await ExecAsync(c, "UPDATE tb_post SET title = 'plain' WHERE pk_post = 1");
    }

    [Fact]
    public async Task AGeneratedColumnReadByATViewOpensItsGateWhenAColumnItDependsOnIsSet()
    {
        await using var c = await OpenAsync();
        await ExecAsync(c, """
            CREATE TABLE tb_person (pk_person bigint PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL,
                                    full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED, visits int NOT NULL DEFAULT 0);
            INSERT INTO tb_person (pk_person, first_name, last_name) SELECT g, 'first' || g, 'last' || g FROM generate_series(1, 20) g;
            """);
        var person = ("tv_person", "SELECT p.pk_person, p.full_name FROM tb_person p");
        await new TViewsEngine(_db).ApplyAsync([TViewDefinition.FromSelect(person.Item1, person.Item2)]);
        Assert.Equal(["narrow O"], (await GatesAsync(c, "tb_person")).Values); // its columns: pk_person, full_name

        // The SET list names only first_name; PostgreSQL counts full_name as set because it depends on it.
        await ExecAsync(c, "UPDATE tb_person SET first_name = 'renamed' WHERE pk_person <= 3");
        Assert.Equal(3L, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_person WHERE full_name LIKE 'renamed %'"));
        await ExecAsync(c, "UPDATE tb_person SET visits = visits + 1");
        await Oracle.AssertConsistentAsync(c, [person], "after updates through a generated column");
    }

    [Fact]
    public async Task RandomWorkloadWithABeforeRowTriggerThatRewritesReadColumnsMatchesTheOracle()
    {
        await ApplyAsync();
        await using var c = await OpenAsync();
        // The usual "touch" trigger: any update of a post restamps its title; of a user, its name.
        await ExecAsync(c, """
            CREATE FUNCTION touch_post() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN NEW.title := split_part(OLD.title, ' #', 1) || ' #' || NEW.views; RETURN NEW; END $$;
            CREATE TRIGGER touch BEFORE UPDATE ON tb_post FOR EACH ROW EXECUTE FUNCTION touch_post();
            CREATE FUNCTION touch_user() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.email IS DISTINCT FROM OLD.email THEN NEW.name := 'mailed ' || NEW.pk_user; END IF; RETURN NEW; END $$;
            CREATE TRIGGER touch BEFORE UPDATE OF email ON tb_user FOR EACH ROW EXECUTE FUNCTION touch_user();
            """);
        var posts = await ScalarAsync<long>(c, "SELECT max(pk_post) FROM tb_post");
        var users = await ScalarAsync<long>(c, "SELECT max(pk_user) FROM tb_user");
        string Statement(Random r, int i) => r.Next(6) switch
        {
            0 => $"UPDATE tb_post SET views = views + 1 WHERE pk_post = {1 + r.NextInt64(posts)}",
            1 => $"UPDATE tb_post SET views = views + {r.Next(3)} WHERE fk_author = {1 + r.NextInt64(users)}",
            2 => $"UPDATE tb_post SET {TogglePublished} WHERE pk_post % 17 = {r.Next(17)}",
            3 => $"UPDATE tb_user SET email = 'u{i}@example.org' WHERE pk_user = {1 + r.NextInt64(users)}",
            4 => $"UPDATE tb_user SET email = email WHERE pk_user % 7 = {r.Next(7)}",
            _ => $"UPDATE tb_post SET title = 'renamed {i}' WHERE pk_post = {1 + r.NextInt64(posts)}",
        };
        var committed = await WorkloadRunner.RunRandomAsync(c, _definitions, 300, Statement, output.WriteLine);
        Assert.True(committed > 200, $"only {committed} transactions committed");
        await Oracle.AssertConsistentAsync(c, _definitions, "after the workload");
    }
}
