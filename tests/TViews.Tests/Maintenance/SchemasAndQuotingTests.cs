using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>
/// The runtime in its own schema, TVIEWs in another, sources with names that only work quoted
/// (upper case, spaces, quotes, keywords): every generated name must be quoted.
/// </summary>
public sealed class SchemasAndQuotingTests
{
    private const string Schema = """
        CREATE SCHEMA "Sales Dept";
        CREATE SCHEMA app;
        CREATE TABLE "Sales Dept"."Order" ("Id" int PRIMARY KEY, "select" text NOT NULL, "Customer""s name" text);
        CREATE TABLE "Sales Dept"."Order Line" ("Line" int PRIMARY KEY, "Order" int REFERENCES "Sales Dept"."Order" ON DELETE CASCADE, "Qty" int NOT NULL);
        CREATE INDEX ON "Sales Dept"."Order Line" ("Order");
        INSERT INTO "Sales Dept"."Order" VALUES (1, 'a', 'O''Brien'), (2, 'b', 'Zoë');
        INSERT INTO "Sales Dept"."Order Line" VALUES (1, 1, 2), (2, 1, 3), (3, 2, 5);
        """;

    private const string Definition = """
        CREATE TABLE app.tv_order AS
        SELECT o."Id" AS pk_order, o."select", o."Customer""s name" AS "Who?",
               (SELECT sum(l."Qty") FROM "Sales Dept"."Order Line" l WHERE l."Order" = o."Id") AS "Total Qty"
        FROM "Sales Dept"."Order" o;
        """;

    [Fact]
    public async Task RuntimeSchemaTViewSchemaAndQuotedNames()
    {
        var db = await TestServer.CreateDatabaseAsync("quoting");
        try
        {
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            await using (var cmd = new NpgsqlCommand(Schema, c)) await cmd.ExecuteNonQueryAsync();
            var engine = new TViewsEngine(db, new TViewsOptions { RuntimeSchema = "tviews rt" });
            var r = await engine.ApplyAsync(TViewDefinition.FromScript(Definition));
            Assert.Equal(["tv_order"], r.Created);
            await using (var cmd = new NpgsqlCommand("""
                SELECT (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'tviews rt' AND p.proname = 'pg_tviews_refresh')
                     + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' AND c.relname = 'tv_order')
                """, c))
                Assert.Equal(2L, (long)(await cmd.ExecuteScalarAsync())!);
            var defs = new[] { ("app.tv_order", TViewDefinition.FromScript(Definition)[0].QueryText) };
            await using (var cmd = new NpgsqlCommand("""
                UPDATE "Sales Dept"."Order" SET "Customer""s name" = 'Ó''Brien' WHERE "Id" = 1;
                INSERT INTO "Sales Dept"."Order Line" VALUES (4, 2, 7);
                DELETE FROM "Sales Dept"."Order Line" WHERE "Line" = 1;
                UPDATE "Sales Dept"."Order" SET "Id" = 3 WHERE "Id" = 2 AND false;
                INSERT INTO "Sales Dept"."Order" VALUES (5, 'e', NULL);
                """, c))
                await cmd.ExecuteNonQueryAsync();
            await Oracle.AssertConsistentAsync(c, defs, "after writes");
            Assert.Empty(await engine.VerifyAsync([]));
            Assert.Equal(3L, await engine.RefreshAsync("order", force: true));
            Assert.Equal(["tv_order"], await engine.DropAsync("app.tv_order", false, false));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }

    /// <summary>
    /// A TVIEW's name given apart from a script (<c>tviews create</c>, <see cref="TViewDefinition.FromSelect"/>,
    /// drop) is read as SQL reads it: unquoted parts fold to lower case, quoted parts keep case and
    /// dots; what is not a name is refused with where it stops being one.
    /// </summary>
    [Fact]
    public async Task TViewNamesAreReadAsSqlNames()
    {
        var bad = Assert.Throws<TViewsException>(() => TViewDefinition.FromSelect("a\"b.tv_x", "SELECT 1 AS pk_x"));
        Assert.Contains("bad TVIEW name \"a\"b.tv_x\"", bad.Message, StringComparison.Ordinal);
        Assert.Contains("at character 2", bad.Message, StringComparison.Ordinal);
        Assert.Equal(TViewsErrorCode.InvalidDefinition, bad.ErrorCode);
        var deep = Assert.Throws<TViewsException>(() => TViewDefinition.FromSelect("a.b.tv_x", "SELECT 1 AS pk_x"));
        Assert.Contains("3 parts", deep.Message, StringComparison.Ordinal);

        var db = await TestServer.CreateDatabaseAsync("sql_names");
        try
        {
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            await using (var cmd = new NpgsqlCommand("""
                CREATE SCHEMA "Sales.Dept"; CREATE SCHEMA sales;
                CREATE TABLE tb_a (pk_a int PRIMARY KEY); INSERT INTO tb_a VALUES (1), (2);
                """, c)) await cmd.ExecuteNonQueryAsync();
            var engine = new TViewsEngine(db);
            await engine.CreateAsync(TViewDefinition.FromSelect("\"Sales.Dept\".tv_a", "SELECT pk_a FROM tb_a"));
            await engine.CreateAsync(TViewDefinition.FromSelect("Sales.TV_B", "SELECT pk_a AS pk_b FROM tb_a"));
            await using (var cmd = new NpgsqlCommand("""
                SELECT string_agg(n.nspname || '/' || c.relname || '/' || c.reltuples::int, ' ' ORDER BY c.relname)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'tv\_%' AND c.relkind = 'r'
                """, c))
                Assert.Equal("Sales.Dept/tv_a/2 sales/tv_b/2", (string?)await cmd.ExecuteScalarAsync());
            Assert.Equal(["tv_a"], await engine.DropAsync("\"Sales.Dept\".tv_a", false, false));
            Assert.Equal(["tv_b"], await engine.DropAsync("SALES.tv_b", false, false));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }

    /// <summary>
    /// Keys and columns of types of the user's own (an enum, a domain, a base type with its own
    /// operators) in a schema on the creator's search_path: generated code, which runs with its own
    /// search_path, names the types qualified and finds their equality (pg_ivm's suite found this).
    /// </summary>
    [Fact]
    public async Task KeysOfTypesOfTheUsersOwn()
    {
        var db = await TestServer.CreateDatabaseAsync("usertypes");
        try
        {
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            const string schema = """
                CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
                CREATE DOMAIN code AS text CHECK (VALUE <> '');
                CREATE TABLE tb_mood (m mood PRIMARY KEY, c code NOT NULL UNIQUE, n int);
                INSERT INTO tb_mood VALUES ('sad', 's', 1), ('ok', 'o', 2);
                """;
            const string definitions = """
                CREATE TABLE tv_mood AS SELECT t.m, t.c, t.n FROM tb_mood t;

                -- tviews:key=c
                CREATE TABLE tv_mood_code AS SELECT t.c, t.m, t.n * 2 AS twice FROM tb_mood t;
                """;
            await using (var cmd = new NpgsqlCommand(schema, c)) await cmd.ExecuteNonQueryAsync();
            var r = await new TViewsEngine(db).ApplyAsync(TViewDefinition.FromScript(definitions));
            Assert.Equal(["tv_mood", "tv_mood_code"], r.Created.Order());
            await using (var cmd = new NpgsqlCommand("""
                INSERT INTO tb_mood VALUES ('happy', 'h', 3);
                UPDATE tb_mood SET n = 20 WHERE m = 'ok';
                DELETE FROM tb_mood WHERE m = 'sad';
                """, c))
                await cmd.ExecuteNonQueryAsync();
            await Oracle.AssertConsistentAsync(c, Maintenance.WorkloadRunner.Definitions(definitions), "after writes");
            Assert.Equal(2L, await new TViewsEngine(db).RefreshAsync("mood", force: true));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public Task TViewTablesCompressTheirDocumentsWithLz4WhereTheServerHasIt() => InOwnDatabaseAsync("lz4", async (db, c) =>
    {
        const string schema = """
            CREATE SCHEMA "It's";
            CREATE TABLE "It's"."Doc" (pk int PRIMARY KEY, body text NOT NULL, n int NOT NULL);
            INSERT INTO "It's"."Doc" SELECT i, repeat(md5(i::text), 200), i FROM generate_series(1, 20) AS i;
            """;
        const string definitions = """
            CREATE TABLE "It's"."tv_doc" AS SELECT d.pk, d.n, jsonb_build_object('body', d.body, 'n', d.n) AS data, d.body FROM "It's"."Doc" d;
            """;
        await using (var cmd = new NpgsqlCommand(schema, c)) await cmd.ExecuteNonQueryAsync();
        await new TViewsEngine(db).ApplyAsync(TViewDefinition.FromScript(definitions));
        var lz4 = await Db.ScalarAsync<bool>(c, "SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'");
        Assert.True(lz4, "the test server is built with lz4 (Debian's PostgreSQL is)");
        // The compressible columns take lz4 (the integers cannot be compressed), set on the table so
        // that every writer's session uses it, and the rows built with it.
        Assert.Equal(["body:l", "data:l", "n:", "pk:"], await Db.FirstColumnAsync(c, """
            SELECT attname || ':' || attcompression::text FROM pg_attribute
            WHERE attrelid = '"It''s".tv_doc'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname
            """));
        Assert.Equal(["lz4"], await Db.FirstColumnAsync(c, """SELECT DISTINCT pg_column_compression(data) FROM "It's"."tv_doc" """));
        await using (var cmd = new NpgsqlCommand("""UPDATE "It's"."Doc" SET body = repeat(md5('new'), 200) WHERE pk = 3""", c))
            await cmd.ExecuteNonQueryAsync();
        Assert.Equal("lz4", await Db.ScalarAsync<string>(c, """SELECT pg_column_compression(data) FROM "It's"."tv_doc" WHERE pk = 3"""));
        await Oracle.AssertConsistentAsync(c, [("\"It's\".tv_doc", TViewDefinition.FromScript(definitions)[0].QueryText)], "after an update");
    });

    /// <summary>Runs <paramref name="body"/> with a database of its own (its connection string and an open connection), dropped afterwards.</summary>
    private static async Task InOwnDatabaseAsync(string name, Func<string, NpgsqlConnection, Task> body)
    {
        var db = await TestServer.CreateDatabaseAsync(name);
        try
        {
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            await body(db, c);
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }
}
