using System.Text.RegularExpressions;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;
using static TViews.Tests.Infrastructure.Db;

namespace TViews.Tests.Maintenance;

/// <summary>
/// The write path runs on cached (generic) plans. A generic plan assumes ten elements in an array
/// parameter, and for ten rows PostgreSQL would rather hash a joined table of a thousand rows than
/// probe its index ten times: every one-row write paid a sequential scan per join. So a recompute of
/// one key has a statement of its own, comparing the key with <c>=</c>.
/// </summary>
public sealed class CachedPlanTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, body text NOT NULL);
        CREATE INDEX ON tb_comment (fk_user);
        INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 1000) g;
        INSERT INTO tb_comment SELECT g, 1 + g % 1000, 'comment ' || g FROM generate_series(1, 20000) g;
        ANALYZE;
        """;

    private const string Definitions = """
        CREATE TABLE tv_comment AS
        SELECT c.pk_comment, c.fk_user, jsonb_build_object('body', c.body, 'author', u.name) AS data
        FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user;
        """;

    [Fact]
    public async Task ARecomputeOfOneKeyProbesIndexesInItsCachedPlan()
    {
        await using var db = await WorkloadDatabase.CreateAsync("cachedplan", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        var source = await ScalarAsync<string>(conn, "SELECT prosrc FROM pg_proc WHERE proname = 'pg_tviews_apply_comment'");
        var statements = Regex.Matches(source, @"WITH pg_tviews_fresh AS MATERIALIZED \((.*?)\), pg_tviews_fresh_keys", RegexOptions.Singleline);
        Assert.Equal(2, statements.Count);
        var one = statements[0].Groups[1].Value;
        Assert.Contains("= pg_tviews_keys1[1]", one);
        Assert.Contains("= ANY (pg_tviews_keys1)", statements[1].Groups[1].Value);

        // Planned as the function's cached plan is: generic, the key array a parameter.
        await ExecuteAsync(conn, $"PREPARE pg_tviews_one AS {one.Replace("pg_tviews_keys1", "($1::bigint[])", StringComparison.Ordinal)}; SET plan_cache_mode = force_generic_plan");
        var plan = string.Join("\n", await FirstColumnAsync(conn, "EXPLAIN EXECUTE pg_tviews_one(ARRAY[4242]::bigint[])"));
        output.WriteLine(plan);
        Assert.Contains("Index Scan using tb_comment_pkey on tb_comment", plan);
        Assert.Contains("Index Scan using tb_user_pkey on tb_user", plan);
        Assert.DoesNotContain("Seq Scan", plan);

        // Both statements maintain the TVIEW: one comment, then several.
        await ExecuteAsync(conn, "SET plan_cache_mode = auto");
        await ExecuteAsync(conn, "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 7");
        await ExecuteAsync(conn, "UPDATE tb_comment SET body = 'edited' WHERE pk_comment = 4242");
        await ExecuteAsync(conn, "INSERT INTO tb_comment VALUES (30001, 7, 'new')");
        await ExecuteAsync(conn, "UPDATE tb_comment SET fk_user = 8 WHERE pk_comment IN (7, 1007, 2007)");
        await ExecuteAsync(conn, "DELETE FROM tb_comment WHERE pk_comment IN (4242, 30001)");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after one-key and several-key writes");
    }
}
