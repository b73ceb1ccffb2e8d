using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Security;

/// <summary>
/// CVE-2018-1058's pattern: an exact-type overload of a built-in (cardinality(bigint[]) against
/// cardinality(anyarray)) in a schema on the caller's search_path wins over the built-in. Generated
/// and runtime code runs in every writer's session, so it must not resolve a single name through the
/// caller's search_path.
/// </summary>
public sealed class SearchPathTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE pwned (what text);
        CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user ON DELETE CASCADE, title text NOT NULL);
        INSERT INTO tb_user VALUES (1, 'a'), (2, 'b');
        INSERT INTO tb_post VALUES (1, 1, 'x'), (2, 2, 'y');
        CREATE SCHEMA evil;
        CREATE FUNCTION evil.cardinality(bigint[]) RETURNS integer LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO public.pwned VALUES ('cardinality(bigint[]) as ' || current_user); RETURN pg_catalog.cardinality($1); END $$;
        CREATE FUNCTION evil.cardinality(integer[]) RETURNS integer LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO public.pwned VALUES ('cardinality(integer[])'); RETURN pg_catalog.cardinality($1); END $$;
        CREATE FUNCTION evil.format(text, text) RETURNS text LANGUAGE plpgsql AS
            $$ BEGIN INSERT INTO public.pwned VALUES ('format'); RETURN pg_catalog.format($1, $2); END $$;
        """;

    private const string Definitions = """
        CREATE TABLE tv_post AS
        SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

        CREATE TABLE tv_user AS
        SELECT u.pk_user, u.name, (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS posts
        FROM tb_user u;
        """;

    [Fact]
    public async Task AHostileSearchPathChangesNothingThatRuns()
    {
        await using var db = await WorkloadDatabase.CreateAsync("search_path", Schema, Definitions, output.WriteLine);
        await using var writer = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { SearchPath = "evil, public", Pooling = false }.ConnectionString);
        await writer.OpenAsync();
        foreach (var sql in new[]
                 {
                     "INSERT INTO tb_post VALUES (3, 1, 'z')", "UPDATE tb_post SET title = 'w' WHERE pk_post = 1",
                     "UPDATE tb_user SET name = 'c' WHERE pk_user = 2", "DELETE FROM tb_user WHERE pk_user = 1",
                     "SELECT pg_tviews_refresh('post', false)", "SELECT pg_tviews_refresh('user', true)",
                     "ALTER TABLE tb_post ADD COLUMN extra int", "CREATE TRIGGER t BEFORE UPDATE ON tb_post FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()",
                     "UPDATE tb_post SET title = 'v'", "SELECT count(*) FROM pg_tviews_health_check()",
                 })
        {
            await using (var cmd = new NpgsqlCommand(sql, writer)) await cmd.ExecuteNonQueryAsync();
        }
        await using (var cmd = new NpgsqlCommand("SELECT string_agg(what, '; ') FROM pwned", db.Connection))
            Assert.True(await cmd.ExecuteScalarAsync() is DBNull, $"hostile overloads ran: {await cmd.ExecuteScalarAsync()}");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after writes under a hostile search_path");
    }

    [Fact]
    public async Task GeneratedFunctionsResolveTheDefinitionsOwnFunctionsAndOperators()
    {
        const string schema = """
            CREATE SCHEMA app;
            CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
            CREATE FUNCTION app.shout(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper($1) || '!' $$;
            CREATE TABLE tb_note (pk_note int PRIMARY KEY, body text NOT NULL, mood app.mood NOT NULL);
            INSERT INTO tb_note VALUES (1, 'hi', 'ok'), (2, 'yo', 'happy');
            """;
        const string definition = "SELECT pk_note, app.shout(body) AS loud, mood > 'sad'::app.mood AS fine FROM tb_note WHERE mood <> 'sad'";
        await using var db = await WorkloadDatabase.CreateAsync("own_functions", schema, "", output.WriteLine);
        await new TViewsEngine(db.ConnectionString).CreateAsync(TViewDefinition.FromSelect("tv_note", definition));
        await using (var cmd = new NpgsqlCommand("""
            SELECT string_agg(DISTINCT c, ',') FROM pg_proc p, unnest(p.proconfig) c WHERE p.proname LIKE 'pg\_tviews\_%note%' AND c LIKE 'search\_path%'
            """, db.Connection))
            Assert.Equal("search_path=pg_catalog, app, pg_temp", await cmd.ExecuteScalarAsync());
        await using (var cmd = new NpgsqlCommand("UPDATE tb_note SET mood = 'sad' WHERE pk_note = 1; INSERT INTO tb_note VALUES (3, 'new', 'happy'); UPDATE tb_note SET body = 'changed'", db.Connection))
            await cmd.ExecuteNonQueryAsync();
        await Oracle.AssertConsistentAsync(db.Connection, [("tv_note", definition)], "after writes");
    }
}
