using System.Globalization;
using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;
using static TViews.Tests.Infrastructure.Db;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Definitions without a unique key (issue 16, docs/sql.md "Multisets"): tables without a primary key,
/// projections that drop it, nullable GROUP BY and DISTINCT columns. The rows are a multiset, found by the
/// columns that can find them; duplicates are rows of their own. Each runs under a randomized workload
/// (FK cascades, writable CTEs, NULLs, duplicates, TRUNCATE, rolled-back transactions) in both modes,
/// checked by the oracle.
/// </summary>
public sealed class MultisetTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_m (a int, b text, c int);
        CREATE TABLE tb_n (a int, d int);
        CREATE TABLE tb_parent (id int PRIMARY KEY, grp int);
        CREATE TABLE tb_child (pid int REFERENCES tb_parent ON DELETE CASCADE ON UPDATE CASCADE, v int);
        INSERT INTO tb_m SELECT g % 7, CASE WHEN g % 5 = 0 THEN NULL ELSE 'b' || (g % 3) END, CASE WHEN g % 4 = 0 THEN NULL ELSE g % 6 END
        FROM generate_series(1, 60) g;
        INSERT INTO tb_m SELECT 1, 'b1', 1 FROM generate_series(1, 3);
        INSERT INTO tb_n SELECT g % 9, CASE WHEN g % 6 = 0 THEN NULL ELSE g % 4 END FROM generate_series(1, 30) g;
        INSERT INTO tb_parent SELECT g, g % 3 FROM generate_series(1, 12) g;
        INSERT INTO tb_child SELECT 1 + g % 12, g % 5 FROM generate_series(1, 40) g;
        """;

    private const string Definitions = """
        CREATE TABLE tv_m_proj AS SELECT m.a, m.b FROM tb_m m;

        CREATE TABLE tv_m_join AS SELECT m.a, m.b, n.d FROM tb_m m JOIN tb_n n ON n.a = m.a;

        CREATE TABLE tv_m_left AS SELECT m.a, n.d FROM tb_m m LEFT JOIN tb_n n ON n.a = m.a;

        CREATE TABLE tv_m_exists AS SELECT m.a, m.c FROM tb_m m WHERE EXISTS (SELECT 1 FROM tb_n n WHERE n.a = m.a);

        CREATE TABLE tv_m_not_exists AS SELECT m.b FROM tb_m m WHERE NOT EXISTS (SELECT 1 FROM tb_n n WHERE n.a = m.c);

        CREATE TABLE tv_m_distinct AS SELECT DISTINCT m.c FROM tb_m m;

        CREATE TABLE tv_m_group AS SELECT m.c, count(*) AS n, sum(m.a) AS s FROM tb_m m GROUP BY m.c;

        CREATE TABLE tv_m_group_part AS SELECT m.c, count(*) AS n FROM tb_m m GROUP BY m.c, m.b;

        CREATE TABLE tv_m_union AS SELECT m.a, m.b FROM tb_m m UNION ALL SELECT n.a, n.d::text FROM tb_n n;

        CREATE TABLE tv_child AS SELECT ch.pid, ch.v, p.grp FROM tb_child ch JOIN tb_parent p ON p.id = ch.pid;

        CREATE TABLE tv_m_json AS SELECT json_build_object('b', m.b) AS j, m.a FROM tb_m m;

        CREATE TABLE tv_m_array AS SELECT ARRAY[m.a, m.c] AS pair, m.b FROM tb_m m;

        CREATE TABLE tv_m_srf AS SELECT m.a, unnest(ARRAY[m.c, m.c + 1]) AS u FROM tb_m m;

        CREATE TABLE tv_m_constant AS SELECT 1 AS one, m.c FROM tb_m m;

        CREATE TABLE tv_on_multiset AS SELECT t.a, count(*) AS n FROM tv_m_proj t GROUP BY t.a;

        CREATE TABLE tv_m_full AS SELECT m.b, n.d FROM tb_m m FULL JOIN tb_n n ON n.a = m.c;

        CREATE TABLE tv_m_json_only AS SELECT json_build_object('a', m.a) AS j FROM tb_m m WHERE m.c > 2;
        """;

    [Theory]
    [InlineData("immediate")]
    [InlineData("deferred")]
    public async Task MultisetDefinitionsStayExactUnderRandomWorkload(string mode)
    {
        var cs = await TestServer.CreateDatabaseAsync("multiset");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var applied = await new TViewsEngine(cs).ApplyAsync(TViewDefinition.FromScript(Definitions));
            Assert.Equal(17, applied.Created.Count);
            // Each says why it has no key and how its rows are found; a base table read by a first find
            // column without an index is named (a TVIEW source gets the index).
            var warnings = string.Join("\n", applied.Warnings);
            Assert.True(applied.Warnings.Any(w => w.StartsWith("no unique key (line 1, column 34: the key (a) must never be NULL, but \"a\" may be: tb_m.a allows NULL.", StringComparison.Ordinal)
                && w.Contains("maintained as a multiset, its rows found by (a, b)", StringComparison.Ordinal)), warnings);
            Assert.True(applied.Warnings.Any(w => w.StartsWith("public.tb_m.a has no index: maintenance will scan public.tb_m", StringComparison.Ordinal)), warnings);
            Assert.True(applied.Warnings.Any(w => w.Contains("no column can find its rows", StringComparison.Ordinal)
                && w.Contains("every change evaluates the whole definition", StringComparison.Ordinal)), warnings);
            Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_indexes WHERE tablename = 'tv_m_proj' AND indexdef LIKE '%(a)'"));
            var definitions = WorkloadRunner.Definitions(Definitions);
            await Oracle.AssertConsistentAsync(conn, definitions, "after creation");

            // The rows are found by the columns that can find them: not json, arrays, set-returning
            // functions, constants or nullable sides of outer joins; none such: the whole result. None
            // has a primary key.
            var keys = await ScalarAsync<string>(conn, """
                SELECT string_agg(entity_name || ':' || array_to_string(key_columns, ','), ' ' ORDER BY entity_name) FROM pg_tviews_metadata
                """);
            Assert.Equal("child:pid,v,grp m_array:b m_constant:c m_distinct:c m_exists:a,c m_full: m_group:c m_group_part:c m_join:a,b,d m_json:a " +
                "m_json_only: m_left:a m_not_exists:b m_proj:a,b m_srf:a m_union:a,b on_multiset:a", keys);
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid::regclass::text LIKE 'tv_%'"));
            var shown = await new TViewsEngine(cs).ShowAsync("tv_m_proj");
            Assert.True(shown.Multiset);
            Assert.Equal(["a", "b"], shown.Key);
            Assert.Equal(6L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_m_proj WHERE a = 1 AND b = 'b1'"));

            if (mode == "deferred") await ExecuteAsync(conn, "SET pg_tviews.mode = 'deferred'");
            var committed = await WorkloadRunner.RunRandomAsync(conn, definitions, 400, Statement, output.WriteLine);
            Assert.True(committed > 200, $"only {committed} transactions committed");
            await Oracle.AssertConsistentAsync(conn, definitions, "after the workload");

            // Duplicates come and go one by one; NULL values are found like any other.
            const string nullRows = "SELECT count(*) FROM tv_m_proj WHERE a IS NULL AND b IS NULL";
            var before = await ScalarAsync<long>(conn, nullRows);
            await ExecuteAsync(conn, "INSERT INTO tb_m VALUES (NULL, NULL, NULL), (NULL, NULL, NULL), (42, 'x', 1)");
            Assert.Equal(before + 2, await ScalarAsync<long>(conn, nullRows));
            await ExecuteAsync(conn, "DELETE FROM tb_m WHERE ctid = (SELECT min(ctid) FROM tb_m WHERE a IS NULL AND b IS NULL)");
            Assert.Equal(before + 1, await ScalarAsync<long>(conn, nullRows));
            await Oracle.AssertConsistentAsync(conn, definitions, "after NULL rows");

            // Rows found again with the same values are not rewritten: a new group (c = 1, b = 'zz')
            // recomputes every row with c = 1, and writes only the new one.
            const string groupRows = "SELECT string_agg(ctid::text, ',' ORDER BY ctid) FROM tv_m_group_part WHERE c = 1";
            var kept = (await ScalarAsync<string>(conn, groupRows)).Split(',');
            await ExecuteAsync(conn, "INSERT INTO tb_m VALUES (5, 'zz', 1)");
            var after = (await ScalarAsync<string>(conn, groupRows)).Split(',');
            // (The new row may take free space before the others: compare sets, not prefixes.)
            Assert.Empty(kept.Except(after));
            Assert.True(after.Length > kept.Length, "the new group's rows were not written");
            await ExecuteAsync(conn, "DELETE FROM tb_parent WHERE id % 4 = 0; UPDATE tb_parent SET id = id + 100 WHERE id % 4 = 1");
            await Oracle.AssertConsistentAsync(conn, definitions, "after FK cascades");
            await ExecuteAsync(conn, "TRUNCATE tb_n");
            await Oracle.AssertConsistentAsync(conn, definitions, "after TRUNCATE");

            // The runtime's own check, a reconciling refresh and a rebuild agree.
            Assert.Empty(await new TViewsEngine(cs).VerifyAsync([]));
            await ExecuteAsync(conn, "DELETE FROM tv_m_join WHERE ctid = (SELECT min(ctid) FROM tv_m_join); INSERT INTO tv_m_proj VALUES (7, 'stray')");
            Assert.NotEmpty(await new TViewsEngine(cs).VerifyAsync([]));
            await ExecuteAsync(conn, "SELECT pg_tviews_refresh('m_join'); SELECT pg_tviews_refresh('m_proj', force => true)");
            await Oracle.AssertConsistentAsync(conn, definitions, "after refreshes");
            Assert.Empty(await new TViewsEngine(cs).VerifyAsync([]));
            // The health check samples multisets like keyed TVIEWs, and finds a stray row.
            var health = await new TViewsEngine(cs).CheckHealthAsync();
            Assert.Equal(TViewsHealthStatus.Ok, health.Checks.Single(c => c.Name == "consistency_sample").Status);
            await ExecuteAsync(conn, "INSERT INTO tv_m_proj VALUES (8, 'stray')");
            health = await new TViewsEngine(cs).CheckHealthAsync();
            Assert.Contains("m_proj", health.Checks.Single(c => c.Name == "consistency_sample").Details);
            await ExecuteAsync(conn, "SELECT pg_tviews_refresh('m_proj')");

            // The runbook's recovery of a lost metadata row and triggers: no primary key to re-create.
            await ExecuteAsync(conn, "DELETE FROM pg_tviews_metadata WHERE entity_name = 'm_join'; DROP TRIGGER pg_tviews_01_m_join_ins ON tb_n");
            Assert.StartsWith("TVIEW m_join restored from", await ScalarAsync<string>(conn, "SELECT pg_tviews_convert_existing_table('m_join')"));
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND conrelid = 'tv_m_join'::regclass"));
            await ExecuteAsync(conn, "INSERT INTO tb_n VALUES (1, 1), (1, 1); UPDATE tb_m SET b = 'after' WHERE a = 1");
            await Oracle.AssertConsistentAsync(conn, definitions, "after recovery");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        string N(int max) => rng.Next(6) == 0 ? "NULL" : S(rng.Next(max));
        var a = N(9);
        var b = rng.Next(5) == 0 ? "NULL" : $"'b{rng.Next(4)}'";
        return rng.Next(16) switch
        {
            0 or 1 => $"INSERT INTO tb_m VALUES ({a}, {b}, {N(6)})",
            2 => $"INSERT INTO tb_m SELECT a, b, c FROM tb_m WHERE a = {a} LIMIT 2", // duplicates of existing rows
            3 => $"UPDATE tb_m SET b = {b} WHERE a = {a}",
            4 => $"UPDATE tb_m SET a = {N(9)}, c = {N(6)} WHERE ctid = (SELECT min(ctid) FROM tb_m WHERE c IS NOT DISTINCT FROM {N(6)})",
            5 => $"DELETE FROM tb_m WHERE ctid = (SELECT max(ctid) FROM tb_m WHERE a IS NOT DISTINCT FROM {a})",
            6 => $"INSERT INTO tb_n VALUES ({a}, {N(4)}), ({N(9)}, {N(4)})",
            7 => $"UPDATE tb_n SET d = {N(4)} WHERE a = {a}",
            8 => $"DELETE FROM tb_n WHERE a IS NOT DISTINCT FROM {a}",
            9 => $"WITH x AS (DELETE FROM tb_m WHERE a = {a} RETURNING a, c) INSERT INTO tb_n SELECT a, c FROM x",
            10 => $"INSERT INTO tb_parent VALUES ({S(20 + t)}, {S(rng.Next(3))}) ON CONFLICT DO NOTHING",
            11 => $"INSERT INTO tb_child SELECT id, {S(rng.Next(5))} FROM tb_parent WHERE id % 7 = {S(rng.Next(7))}",
            12 => $"DELETE FROM tb_parent WHERE id = {S(1 + rng.Next(30))}",
            13 => $"UPDATE tb_parent SET grp = {S(rng.Next(3))}, id = id + {S(rng.Next(2) * 200)} WHERE id = {S(1 + rng.Next(30))}",
            14 => $"UPDATE tb_child SET v = v + 1 WHERE pid = {S(1 + rng.Next(30))}",
            _ => rng.Next(10) == 0 ? "TRUNCATE tb_child" : $"DELETE FROM tb_child WHERE v = {S(rng.Next(5))} AND pid < {S(rng.Next(30))}",
        };
    }

    [Fact]
    public async Task WindowsWithoutKeyAndKeysWrittenThatDoNotHoldAreRefused()
    {
        var cs = await TestServer.CreateDatabaseAsync("multiset_refused");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var engine = new TViewsEngine(cs);

            // Windows and DISTINCT ON read other rows: refused as before, with their own reason.
            var e = await Assert.ThrowsAsync<AnalysisException>(() => engine.CreateAsync(
                TViewDefinition.FromScript("CREATE TABLE tv_x AS SELECT m.a, row_number() OVER (PARTITION BY m.b) AS r FROM tb_m m;")[0]));
            Assert.DoesNotContain("multiset", e.Message);

            // A key written (explicitly, or as pk_<entity>) must hold: no multiset in its place.
            e = await Assert.ThrowsAsync<AnalysisException>(() => engine.CreateAsync(
                TViewDefinition.FromScript("-- tviews:key=a\nCREATE TABLE tv_x AS SELECT m.a, m.b FROM tb_m m;")[0]));
            Assert.Contains("the key (a) must never be NULL", e.Message);
            e = await Assert.ThrowsAsync<AnalysisException>(() => engine.CreateAsync(
                TViewDefinition.FromScript("CREATE TABLE tv_x AS SELECT m.b, m.c AS pk_x FROM tb_m m WHERE m.c IS NOT NULL;")[0]));
            Assert.Contains("the key (pk_x) is not provably unique", e.Message);
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_class WHERE relname LIKE '%tv_x%'"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    private const string TreeSchema = """
        CREATE TABLE tb_cat (id int PRIMARY KEY, parent int REFERENCES tb_cat ON DELETE CASCADE, name text NOT NULL, CHECK (parent < id));
        CREATE TABLE tb_thing (id int PRIMARY KEY, fk_cat int NOT NULL REFERENCES tb_cat ON DELETE CASCADE, label text);
        INSERT INTO tb_cat SELECT g, CASE WHEN g > 3 THEN 1 + (g * 7) % (g - 1) END, 'c' || g FROM generate_series(1, 40) g;
        INSERT INTO tb_thing SELECT g, 1 + g % 40, 't' || g FROM generate_series(1, 80) g;
        """;

    private const string TreeDefinitions = """
        CREATE TABLE tv_cat_path AS
        WITH RECURSIVE tree (id, path, depth) AS (
            SELECT c.id, c.name, 1 FROM tb_cat c WHERE c.parent IS NULL
            UNION ALL
            SELECT c.id, t.path || '/' || c.name, t.depth + 1 FROM tb_cat c JOIN tree t ON c.parent = t.id
        )
        SELECT t.id, t.path, t.depth, (SELECT count(*) FROM tb_thing x WHERE x.fk_cat = t.id) AS things FROM tree t;

        CREATE TABLE tv_cat_under AS
        WITH RECURSIVE under AS (
            SELECT c.id AS top, c.id FROM tb_cat c
            UNION
            SELECT u.top, c.id FROM under u JOIN tb_cat c ON c.parent = u.id
        )
        SELECT u.top, count(*) AS nodes FROM under u GROUP BY u.top;

        CREATE TABLE tv_deep_things AS
        SELECT x.id, x.label, p.path FROM tb_thing x JOIN tv_cat_path p ON p.id = x.fk_cat WHERE p.depth >= 3;
        """;

    /// <summary>
    /// Hierarchies (issue 16): recursive definitions are maintained whole (any row may depend on any
    /// other), their rows written only where they differ; a TVIEW over one is maintained as usual.
    /// </summary>
    [Theory]
    [InlineData("immediate")]
    [InlineData("deferred")]
    public async Task RecursiveDefinitionsOverATreeStayExact(string mode)
    {
        var cs = await TestServer.CreateDatabaseAsync("multiset_tree");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, TreeSchema);
            var applied = await new TViewsEngine(cs).ApplyAsync(TViewDefinition.FromScript(TreeDefinitions));
            Assert.Equal(3, applied.Created.Count);
            Assert.Contains(applied.Warnings, w => w.StartsWith("WITH RECURSIVE: maintained whole, as a multiset", StringComparison.Ordinal));
            var definitions = WorkloadRunner.Definitions(TreeDefinitions);
            await Oracle.AssertConsistentAsync(conn, definitions, "after creation");

            // Renaming a node rewrites only the paths under it.
            const string untouched = "SELECT string_agg(ctid::text, ',' ORDER BY id) FROM tv_cat_path WHERE path NOT LIKE 'c1/%' AND path <> 'c1'";
            var kept = await ScalarAsync<string>(conn, untouched);
            await ExecuteAsync(conn, "UPDATE tb_cat SET name = 'root' WHERE id = 1");
            Assert.Equal(kept, await ScalarAsync<string>(conn, untouched.Replace("c1", "root", StringComparison.Ordinal)));
            await Oracle.AssertConsistentAsync(conn, definitions, "after a rename");

            if (mode == "deferred") await ExecuteAsync(conn, "SET pg_tviews.mode = 'deferred'");
            var committed = await WorkloadRunner.RunRandomAsync(conn, definitions, 300, TreeStatement, output.WriteLine);
            Assert.True(committed > 150, $"only {committed} transactions committed");
            await Oracle.AssertConsistentAsync(conn, definitions, "after the workload");

            // A key cannot be given: nothing could find the rows a change reaches.
            var e = await Assert.ThrowsAsync<AnalysisException>(() => new TViewsEngine(cs).CreateAsync(TViewDefinition.FromScript(
                "-- tviews:key=id\nCREATE TABLE tv_x AS\nWITH RECURSIVE r AS (SELECT c.id FROM tb_cat c WHERE c.parent IS NULL UNION ALL SELECT c.id FROM tb_cat c JOIN r ON c.parent = r.id) SELECT r.id FROM r;")[0]));
            Assert.StartsWith("line 3, column 1: a definition with WITH RECURSIVE is maintained whole", e.Message);
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    private static string TreeStatement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var id = 1 + rng.Next(60);
        return rng.Next(8) switch
        {
            0 or 1 => $"INSERT INTO tb_cat SELECT {S(100 + t)}, c.id, 'n{S(t)}' FROM tb_cat c WHERE c.id <= {S(id)} ORDER BY c.id DESC LIMIT 1",
            2 => $"UPDATE tb_cat SET name = 'r{S(t)}' WHERE id = {S(id)}",
            3 => $"UPDATE tb_cat SET parent = (SELECT max(c.id) FROM tb_cat c WHERE c.id < tb_cat.id AND c.id % 3 = {S(rng.Next(3))}) WHERE id = {S(id)}",
            4 => $"DELETE FROM tb_cat WHERE id = {S(id + 20)}",
            5 => $"INSERT INTO tb_thing SELECT {S(1000 + t)}, c.id, 'x' FROM tb_cat c WHERE c.id >= {S(id)} ORDER BY c.id LIMIT 1",
            6 => $"UPDATE tb_thing SET fk_cat = (SELECT min(c.id) FROM tb_cat c WHERE c.id >= {S(id)}) WHERE id % 9 = {S(rng.Next(9))} AND EXISTS (SELECT FROM tb_cat c WHERE c.id >= {S(id)})",
            _ => $"DELETE FROM tb_thing WHERE id % 13 = {S(rng.Next(13))}",
        };
    }
}
