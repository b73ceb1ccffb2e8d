using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

public sealed class ScratchProbe(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Probe()
    {
        await db.ExecuteAsync("""
            CREATE TABLE mv_base_a (i int PRIMARY KEY, j int);
            CREATE TABLE mv_base_b (i int PRIMARY KEY, k int);
            INSERT INTO mv_base_a SELECT g, g * 10 FROM generate_series(1, 5) g;
            INSERT INTO mv_base_b SELECT g, g * 100 FROM generate_series(1, 4) g;
            """);
        var engine = new TViewsEngine(db.ConnectionString);
        await engine.InstallAsync();
        var shapes = new (string, string)[]
        {
            ("tv_p1", "SELECT i, j, k FROM (SELECT i, a.j, b.k FROM mv_base_b b INNER JOIN mv_base_a a USING(i)) tmp"),
            ("tv_p2", "WITH x AS (SELECT i, a.j, b.k FROM mv_base_b b INNER JOIN mv_base_a a USING(i)) SELECT * FROM x"),
            ("tv_p3", "WITH v AS (WITH a AS (SELECT * FROM mv_base_a) SELECT i, a.j, b.k FROM mv_base_b b INNER JOIN a USING(i)) SELECT * FROM v"),
            ("tv_p4", "WITH t AS (SELECT * FROM mv_base_a) SELECT t1.i, t1.j AS v1, t2.j AS v2 FROM t AS t1 JOIN t AS t2 ON t1.i = t2.i"),
            ("tv_p5", "SELECT i, j, k FROM (SELECT i, a.j, b.k FROM mv_base_b b INNER JOIN (SELECT * FROM mv_base_a) a USING(i)) tmp"),
            ("tv_p6", "SELECT * FROM mv_base_a a NATURAL JOIN mv_base_b b"),
            ("tv_p7", "SELECT 1 AS pk_p7, sum(j), count(j), avg(j), min(j), max(j) FROM mv_base_a"),
            ("tv_p8", "SELECT a.i, a.j FROM mv_base_a a, (SELECT * FROM mv_base_b) b WHERE a.i = b.i"),
            ("tv_p9", "SELECT * FROM (WITH a AS (SELECT * FROM mv_base_a), b AS (SELECT * FROM mv_base_b) SELECT a.i, a.j FROM a, b WHERE a.i = b.i) v"),
            ("tv_p10", "SELECT * FROM (mv_base_a JOIN mv_base_b USING (i)) AS j"),
            ("tv_p11", "SELECT j.* FROM (mv_base_a a LEFT JOIN mv_base_b b USING (i)) AS j (id, jj, kk)"),
            ("tv_p12", "SELECT x.i, x.k FROM mv_base_a a JOIN LATERAL (SELECT * FROM mv_base_b b WHERE b.i = a.i) x USING (i)"),
        };
        foreach (var (name, sql) in shapes)
        {
            try
            {
                await engine.CreateAsync(TViewDefinition.FromSelect(name, sql));
                output.WriteLine($"{name}: created");
            }
            catch (Exception e)
            {
                output.WriteLine($"{name}: {e.GetType().Name}: {e.Message.Split('\n')[0]}\n   {e.StackTrace?.Split('\n').FirstOrDefault()}");
            }
        }
        await using var c = await db.OpenAsync();
        await using (var cmd = new NpgsqlCommand("""
            INSERT INTO mv_base_a VALUES (6, 60); INSERT INTO mv_base_b VALUES (6, 600), (5, 500);
            UPDATE mv_base_a SET j = j + 1; UPDATE mv_base_b SET i = i + 10 WHERE i = 2; DELETE FROM mv_base_a WHERE i = 3;
            WITH d AS (DELETE FROM mv_base_a WHERE i = 4), e AS (DELETE FROM mv_base_b WHERE i = 4) SELECT 1;
            """, c)) await cmd.ExecuteNonQueryAsync();
        foreach (var (name, sql) in shapes)
        {
            if (await new NpgsqlCommand($"SELECT to_regclass('{name}') IS NOT NULL", c).ExecuteScalarAsync() is not true) continue;
            foreach (var d in await Oracle.DifferencesAsync(c, name, sql)) output.WriteLine($"{name}: {d}");
        }
    }
}
