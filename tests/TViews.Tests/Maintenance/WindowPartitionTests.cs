using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using TViews.Analysis;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;
using static TViews.Tests.Infrastructure.Db;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Window functions partitioned by something other than the key (issue 16), maintained by recomputing
/// the partitions a change touches: randomized workloads checked by the oracle (rows moving between
/// partitions, partitions reached through joins, NULL partitions, several windows, the whole result
/// as one partition, a TVIEW on top, FK cascades, deferred mode), the recompute's plan, and the refusals.
/// </summary>
public sealed class WindowPartitionTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_cat (pk_cat int PRIMARY KEY, label text);
        CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE ON UPDATE CASCADE,
                              fk_cat int REFERENCES tb_cat ON DELETE SET NULL ON UPDATE CASCADE, title text NOT NULL, score int NOT NULL);
        CREATE TABLE tb_badge (pk_user int PRIMARY KEY, level text);
        CREATE INDEX ON tb_post (fk_user);
        CREATE INDEX ON tb_post (fk_cat);
        INSERT INTO tb_user SELECT g, 'user ' || (g % 9) FROM generate_series(1, 30) g;
        INSERT INTO tb_cat SELECT g, CASE WHEN g % 3 <> 0 THEN 'cat ' || (g % 4) END FROM generate_series(1, 8) g;
        INSERT INTO tb_badge SELECT g, CASE WHEN g % 4 <> 0 THEN 'level ' || (g % 3) END FROM generate_series(1, 40, 3) g;
        INSERT INTO tb_post SELECT g, 1 + g * 7 % 30, CASE WHEN g % 5 <> 0 THEN 1 + g % 8 END, 'post ' || g, g * 13 % 17 FROM generate_series(1, 250) g;
        """;

    /// <summary>
    /// The issue's example with more windows: per author (several functions, a running sum, lag/lead),
    /// per category (NULL is a partition of its own; a named window), per author and category, one
    /// partitioned by the key; partitions reached through joins (the author's key and name, a LEFT
    /// JOINed category's label, NULL when none; a badge without a foreign key, whose row appearing or
    /// going moves a user out of or into the NULL partition while no delta holds NULL); the whole
    /// result as one partition; and a TVIEW on top.
    /// Every window is deterministic (ORDER BY ends with a unique column, or the function ignores ties).
    /// </summary>
    private const string Definitions = """
        CREATE TABLE tv_post_rank AS
        SELECT p.pk_post, p.fk_user, p.fk_cat AS cat, p.title,
               row_number() OVER (PARTITION BY p.fk_user ORDER BY p.pk_post) AS nth,
               count(*) OVER (PARTITION BY p.fk_user) AS posts_of_user,
               sum(p.score) OVER (PARTITION BY fk_user ORDER BY p.pk_post) AS running,
               lag(p.title) OVER (PARTITION BY p.fk_user ORDER BY p.pk_post) AS prev_title,
               lead(p.pk_post, 2) OVER (PARTITION BY p.fk_user ORDER BY p.pk_post) AS next_but_one,
               rank() OVER (PARTITION BY p.fk_cat ORDER BY p.score DESC) AS cat_rank,
               dense_rank() OVER by_cat AS cat_dense,
               sum(p.score) OVER (PARTITION BY p.fk_user, p.fk_cat) AS user_cat_score,
               count(*) OVER (PARTITION BY p.pk_post) AS one
        FROM tb_post p
        WINDOW by_cat AS (PARTITION BY p.fk_cat ORDER BY p.score);

        CREATE TABLE tv_post_author AS
        SELECT p.pk_post, u.pk_user AS author, u.name, c.label,
               row_number() OVER (PARTITION BY u.pk_user ORDER BY p.score, p.pk_post) AS nth_by_score,
               count(*) OVER (PARTITION BY u.name) AS posts_same_name,
               max(p.title) OVER (PARTITION BY c.label) AS label_max_title
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user LEFT JOIN tb_cat c ON c.pk_cat = p.fk_cat
        WHERE p.score > 2;

        CREATE TABLE tv_user_badge AS
        SELECT u.pk_user, b.level, count(*) OVER (PARTITION BY b.level) AS same_level,
               row_number() OVER (PARTITION BY b.level ORDER BY u.pk_user) AS nth
        FROM tb_user u LEFT JOIN tb_badge b ON b.pk_user = u.pk_user;

        CREATE TABLE tv_user_pos AS
        SELECT u.pk_user, u.name, rank() OVER (ORDER BY u.name) AS pos, count(*) OVER () AS users
        FROM tb_user u;

        CREATE TABLE tv_first_posts AS
        SELECT r.pk_post, r.fk_user, r.title, r.posts_of_user, r.cat_rank
        FROM tv_post_rank r WHERE r.nth <= 2;
        """;

    [Fact]
    public async Task WindowsOverOtherPartitionsStayExactUnderRandomWorkload()
    {
        await using var db = await WorkloadDatabase.CreateAsync("windows", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        Assert.Equal(5, db.Applied.Created.Count);

        // No patch path, no key locks (explain says why); an index on the TVIEW's partition columns.
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg\\_tviews\\_patch\\_post\\_%'"));
        var locks = (await new TViewsEngine(db.ConnectionString).ExplainAsync("tv_post_rank")).Single(e => e.Event == "locks").Sql;
        Assert.Equal("-- whole TVIEW: a window function reads other rows of its partition", locks.Trim());
        Assert.Equal("cat|fk_user|fk_user,cat", await ScalarAsync<string>(conn, """
            SELECT string_agg(x.cols, '|' ORDER BY x.cols) FROM (
                SELECT (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(i.indkey) WITH ORDINALITY k (att, n)
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att) AS cols
                FROM pg_index i WHERE i.indrelid = 'tv_post_rank'::regclass AND NOT i.indisprimary) x
            """));

        // A post moving to another author renumbers both authors' posts; a post leaving its category
        // for none (NULL) re-ranks both categories.
        await ExecuteAsync(conn, "UPDATE tb_post SET fk_user = 2 WHERE pk_post = 10");
        await ExecuteAsync(conn, "UPDATE tb_post SET fk_cat = NULL WHERE pk_post = 11");
        Assert.Equal(await ScalarAsync<long>(conn, "SELECT count(*) FROM tb_post WHERE fk_user = 2"),
            await ScalarAsync<long>(conn, "SELECT max(nth) FROM tv_post_rank WHERE fk_user = 2"));
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after moves between partitions");
        // A user gets a badge, another loses theirs: they leave or join the NULL partition (no badge),
        // which no delta names (the user's row is NULL-extended before or after).
        await ExecuteAsync(conn, "INSERT INTO tb_badge VALUES (2, 'level 1')");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after a user left the NULL partition");
        await ExecuteAsync(conn, "DELETE FROM tb_badge WHERE pk_user = 7");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after a user joined the NULL partition");
        // Through the joins: a rename moves posts between name partitions, a key move between authors;
        // a category deleted sets its posts' category to NULL (ON DELETE SET NULL).
        await ExecuteAsync(conn, "UPDATE tb_user SET name = 'user 1' WHERE pk_user = 5");
        await ExecuteAsync(conn, "UPDATE tb_user SET pk_user = 500 WHERE pk_user = 6");
        await ExecuteAsync(conn, "DELETE FROM tb_cat WHERE pk_cat = 4");
        await ExecuteAsync(conn, "UPDATE tb_cat SET label = NULL WHERE pk_cat = 1");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after changes through the joins");
        await ExecuteAsync(conn, "DELETE FROM tb_user WHERE pk_user = 7");
        await ExecuteAsync(conn, "INSERT INTO tb_user VALUES (0, 'aaa first')");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after a cascaded delete and a new first user");

        var committed = await WorkloadRunner.RunRandomAsync(conn, db.Definitions, 500, Statement, output.WriteLine);
        Assert.True(committed > 250, $"only {committed} transactions committed");

        await ExecuteAsync(conn, "TRUNCATE tb_cat CASCADE");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after TRUNCATE tb_cat CASCADE");
        Assert.Empty(await new TViewsEngine(db.ConnectionString).VerifyAsync([]));
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var user = S(1 + rng.Next(35));
        var post = S(1 + rng.Next(270));
        var cat = rng.Next(4) == 0 ? "NULL" : S(1 + rng.Next(9));
        var badge = S(1 + rng.Next(40));
        var level = rng.Next(3) == 0 ? "NULL" : $"'level {S(rng.Next(3))}'";
        return rng.Next(23) switch
        {
            20 => $"INSERT INTO tb_badge VALUES ({badge}, {level}) ON CONFLICT (pk_user) DO UPDATE SET level = excluded.level",
            21 => $"DELETE FROM tb_badge WHERE pk_user BETWEEN {badge} AND {badge} + 2",
            22 => $"UPDATE tb_badge SET pk_user = pk_user + 1 WHERE pk_user = {badge} AND NOT EXISTS (SELECT 1 FROM tb_badge WHERE pk_user = {badge} + 1)",
            0 => $"INSERT INTO tb_user VALUES ({S(100 + t)}, 'user {S(rng.Next(12))}') ON CONFLICT DO NOTHING",
            1 => $"UPDATE tb_user SET name = 'user {S(rng.Next(12))}' WHERE pk_user = {user}",
            2 => $"DELETE FROM tb_user WHERE pk_user = {user}",
            3 => $"UPDATE tb_user SET pk_user = pk_user + 1000 WHERE pk_user = {user}",
            4 => $"INSERT INTO tb_cat VALUES ({S(50 + t)}, {(rng.Next(3) == 0 ? "NULL" : $"'cat {S(rng.Next(5))}'")}) ON CONFLICT DO NOTHING",
            5 => $"UPDATE tb_cat SET label = {(rng.Next(3) == 0 ? "NULL" : $"'cat {S(rng.Next(5))}'")} WHERE pk_cat = {cat}",
            6 => $"DELETE FROM tb_cat WHERE pk_cat = {cat}",
            7 or 8 => $"INSERT INTO tb_post SELECT {S(1000 + t * 3 + rng.Next(3))}, u.pk_user, (SELECT pk_cat FROM tb_cat WHERE pk_cat = {cat}), 'new {S(t)}', {S(rng.Next(17))} " +
                      $"FROM tb_user u WHERE u.pk_user = {user} ON CONFLICT DO NOTHING",
            9 => $"UPDATE tb_post SET fk_user = {user} WHERE pk_post BETWEEN {post} AND {post} + 2 AND EXISTS (SELECT 1 FROM tb_user WHERE pk_user = {user})",
            10 => $"UPDATE tb_post SET fk_cat = (SELECT pk_cat FROM tb_cat WHERE pk_cat = {cat}) WHERE pk_post BETWEEN {post} AND {post} + 4",
            11 => $"UPDATE tb_post SET score = {S(rng.Next(17))} WHERE pk_post = {post}",
            12 => $"UPDATE tb_post SET title = 'edited {S(t)}' WHERE pk_post = {post}",
            13 => $"UPDATE tb_post SET pk_post = pk_post + 10000 WHERE pk_post = {post}",
            14 => $"DELETE FROM tb_post WHERE pk_post BETWEEN {post} AND {post} + 3",
            15 => $"DELETE FROM tb_post WHERE fk_user = {user}",
            // One statement moving posts between authors both ways.
            16 => $"UPDATE tb_post SET fk_user = CASE WHEN fk_user = 1 THEN {user} ELSE 1 END WHERE fk_user IN (1, {user}) AND EXISTS (SELECT 1 FROM tb_user WHERE pk_user = {user}) AND EXISTS (SELECT 1 FROM tb_user WHERE pk_user = 1)",
            // A new author and their post in one statement (a writable CTE).
            17 => $"WITH u AS (INSERT INTO tb_user VALUES ({S(700000 + t)}, 'cte user') RETURNING pk_user) " +
                  $"INSERT INTO tb_post SELECT {S(700000 + t)}, u.pk_user, NULL, 'cte post', 3 FROM u",
            // Maintained at COMMIT, from the queued rows.
            _ => "SET LOCAL pg_tviews.mode = 'deferred'",
        };
    }

    [Fact]
    public async Task TheRecomputeReadsOnlyTheAffectedPartitionsThroughIndexes()
    {
        await using var db = await WorkloadDatabase.CreateAsync("windowplan", Schema + """
            INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(31, 2000) g;
            INSERT INTO tb_post SELECT g, 1 + g % 2000, NULL, 'post ' || g, g % 17 FROM generate_series(251, 40000) g;
            ANALYZE;
            """, """
            CREATE TABLE tv_post_rank AS
            SELECT p.pk_post, p.fk_user, row_number() OVER (PARTITION BY p.fk_user ORDER BY p.pk_post) AS nth,
                   count(*) OVER (PARTITION BY p.fk_user) AS posts_of_user
            FROM tb_post p;
            """, output.WriteLine);
        var conn = db.Connection;
        // The statement the apply function evaluates the definition with, its keys as a parameter,
        // planned as a cached generic plan is: the authors of the keys restrict the view below the windows.
        var source = await ScalarAsync<string>(conn, "SELECT prosrc FROM pg_proc WHERE proname = 'pg_tviews_apply_post_rank'");
        // (The last one: the function's statement for several keys; the one before is for one key.)
        var fresh = Regex.Matches(source, @"WITH pg_tviews_fresh AS MATERIALIZED \((.*?)\), pg_tviews_fresh_keys", RegexOptions.Singleline).LastOrDefault();
        Assert.True(fresh is { Success: true } && fresh.Value.Contains("= ANY (pg_tviews_keys1)", StringComparison.Ordinal), source);
        var select = fresh.Groups[1].Value.Replace("pg_tviews_keys1", "$1::int[]");
        await ExecuteAsync(conn, $"PREPARE pg_tviews_fresh_test AS {select}; SET plan_cache_mode = force_generic_plan");
        var plan = string.Join("\n", await FirstColumnAsync(conn, "EXPLAIN EXECUTE pg_tviews_fresh_test(ARRAY[17, 42])"));
        output.WriteLine(plan);
        Assert.Contains("tb_post_fk_user_idx", plan);
        Assert.DoesNotContain("Seq Scan on tb_post", plan);

        // A write reads the TVIEW through its partition index and rewrites only the partitions it touches.
        await ExecuteAsync(conn, "SET plan_cache_mode = auto");
        var posts = await ScalarAsync<long>(conn, "SELECT count(*) FROM tb_post WHERE fk_user = 2");
        Assert.True(posts > 10);
        const string stats = "SELECT (SELECT n_tup_upd + n_tup_ins + n_tup_del FROM pg_stat_xact_user_tables WHERE relname = 'tv_post_rank') || ',' || " +
                             "(SELECT sum(seq_scan) FROM pg_stat_xact_user_tables WHERE relname IN ('tv_post_rank', 'tb_post'))";
        await ExecuteAsync(conn, "BEGIN");
        var before = (await ScalarAsync<string>(conn, stats)).Split(',').Select(long.Parse).ToList();
        await ExecuteAsync(conn, "DELETE FROM tb_post WHERE pk_post = 2001");
        var after = (await ScalarAsync<string>(conn, stats)).Split(',').Select(long.Parse).ToList();
        await ExecuteAsync(conn, "COMMIT");
        // The deleted post's row goes and every other post of its author gets a new count: nothing else
        // is written, and neither the TVIEW nor the posts are read whole.
        Assert.Equal(posts, after[0] - before[0]);
        Assert.Equal(0L, after[1] - before[1]);
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after a delete");
        var tviewPlan = string.Join("\n", await FirstColumnAsync(conn, "EXPLAIN SELECT t.pk_post FROM tv_post_rank t WHERE t.fk_user IN (SELECT 2)"));
        Assert.Contains("pg_tviews_tv_post_rank_fk_user_idx", tviewPlan);
    }

    public static TheoryData<string, string> Refusals => new()
    {
        {
            "SELECT p.pk_post, p.title,\n       row_number() OVER (PARTITION BY p.fk_user ORDER BY p.pk_post) AS nth FROM tb_post p",
            "line 2, column 40: window function row_number() is partitioned by an expression that is not a column of the select list"
        },
        {
            "SELECT p.pk_post, p.fk_user, count(*) OVER (PARTITION BY p.fk_user, p.fk_user + 1) AS n FROM tb_post p",
            "line 1, column 69: window function count() is partitioned by an expression that is not a column of the select list"
        },
        {
            "SELECT p.fk_user, p.fk_cat, count(*) AS n, rank() OVER (PARTITION BY p.fk_cat ORDER BY count(*)) AS r FROM tb_post p GROUP BY p.fk_user, p.fk_cat",
            "line 1, column 44: window function rank() over a partition that does not include the key, in a grouped definition"
        },
        {
            "SELECT DISTINCT p.pk_post, p.fk_user, count(*) OVER (PARTITION BY p.fk_user) AS n FROM tb_post p",
            "line 1, column 39: window function count() over a partition that does not include the key, with DISTINCT"
        },
        {
            "SELECT 'post' AS kind, p.pk_post AS id, p.fk_user AS grp, count(*) OVER (PARTITION BY p.fk_user) AS n FROM tb_post p\n" +
            "UNION ALL SELECT 'user', u.pk_user, u.pk_user, 1 FROM tb_user u",
            "line 1, column 59: window function count() over a partition that does not include the key, in a UNION at the top"
        },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task WhatIsNotCoveredIsRefusedWithItsPosition(string sql, string message)
    {
        var cs = await TestServer.CreateDatabaseAsync("windowrefused");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var key = sql.Contains("UNION", StringComparison.Ordinal) ? new[] { "kind", "id" } : null;
            var e = await Assert.ThrowsAsync<AnalysisException>(() => new TViewsEngine(cs).CreateAsync(TViewDefinition.FromSelect("tv_bad", sql, key)));
            Assert.StartsWith(message, e.Message);
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_class WHERE relname IN ('tv_bad', 'pg_tviews_v_bad')"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

}
