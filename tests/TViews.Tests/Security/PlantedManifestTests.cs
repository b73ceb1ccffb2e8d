using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Security;

/// <summary>
/// The runtime composes shared UPDATE functions and restores triggers from manifests stored in the
/// comments of definition views. Any role can create a temporary view (or a view in a schema it
/// owns) and comment on it: such a planted manifest must never be composed, restored or reported.
/// </summary>
public sealed class PlantedManifestTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_a (pk_a int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE pwned (x int);
        INSERT INTO tb_a VALUES (1, 'x'), (2, 'y');
        """;

    private static string Manifest(string entity, string schema) => $$$"""
        tviews:{"entity_name": "{{{entity}}}", "table_schema": "{{{schema}}}", "table_name": "tv_{{{entity}}}", "view_name": "pg_tviews_v_{{{entity}}}",
                "depth": 0, "definition": "SELECT 1", "key_columns": ["pk_a"], "sources": ["public.tb_a"],
                "objects": {"functions": [], "triggers": [{"schema": "public", "table": "tb_a", "name": "pg_tviews_update", "event": "UPDATE",
                  "shared": true, "flag": "x", "function_schema": "public", "function": "pg_tviews_update__tb_a_x",
                  "ddl": "INSERT INTO public.pwned VALUES (2)", "fragment": "INSERT INTO public.pwned VALUES (1);"}]}}
        """;

    [Fact]
    public async Task ManifestsOfViewsTheRuntimeOwnerDoesNotOwnAreIgnored()
    {
        await using var db = await WorkloadDatabase.CreateAsync("planted", Schema, "CREATE TABLE tv_a AS SELECT pk_a, name FROM tb_a;", output.WriteLine);
        var role = $"mallory_{Guid.NewGuid():N}"[..20];
        await Exec(db.Connection, $"CREATE ROLE {role} LOGIN; GRANT SELECT, UPDATE ON tb_a TO {role}; CREATE SCHEMA mal AUTHORIZATION {role};" +
                                  $"CREATE TABLE mal.tv_b (pk_a int); ALTER TABLE mal.tv_b OWNER TO {role};");
        try
        {
            await using var mallory = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role, Pooling = false }.ConnectionString);
            await mallory.OpenAsync();
            // A temporary view and a view in a schema of her own, both commented like manifests.
            var temp = await Scalar<string>(mallory, "CREATE TEMP VIEW pg_tviews_v_a2 AS SELECT 1 AS pk_a; SELECT pg_my_temp_schema()::regnamespace::text");
            await Exec(mallory, $"COMMENT ON VIEW pg_tviews_v_a2 IS {SqlNames.Literal(Manifest("a2", temp))}");
            await Exec(mallory, "CREATE VIEW mal.pg_tviews_v_b AS SELECT 1 AS pk_a");
            await Exec(mallory, $"COMMENT ON VIEW mal.pg_tviews_v_b IS {SqlNames.Literal(Manifest("b", "mal"))}");

            // Everything that reads stored manifests: a new TVIEW on the same source (composes the
            // shared UPDATE function), the runbook's repair step, the health check.
            await new TViewsEngine(db.ConnectionString).CreateAsync(TViewDefinition.FromSelect("tv_a_names", "SELECT pk_a, upper(name) AS name FROM tb_a"));
            await Exec(db.Connection, "SELECT pg_tviews_convert_existing_table('a')");
            var composed = await Scalar<string>(db.Connection, """
                SELECT string_agg(p.prosrc, E'\n') FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE t.tgrelid = 'tb_a'::regclass AND t.tgname = 'pg_tviews_update'
                """);
            Assert.DoesNotContain("pwned", composed, StringComparison.Ordinal);
            var health = await Scalar<string>(db.Connection, "SELECT string_agg(details, ' | ') FROM pg_tviews_health_check()");
            Assert.DoesNotContain("a2", health, StringComparison.Ordinal);
            await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "SELECT pg_tviews_convert_existing_table('b')"));

            await Exec(db.Connection, "UPDATE tb_a SET name = 'w' WHERE pk_a = 2");
            Assert.Equal(0L, await Scalar<long>(db.Connection, "SELECT count(*) FROM pwned"));
            await Oracle.AssertConsistentAsync(db.Connection, [("tv_a", "SELECT pk_a, name FROM tb_a"), ("tv_a_names", "SELECT pk_a, upper(name) AS name FROM tb_a")], "after updates");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Exec(db.Connection, $"DROP SCHEMA mal CASCADE; DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    private static async Task Exec(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
