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
/// A UNION [ALL] of keyed branches at the top of a definition (issue 16: different entity kinds in one
/// feed), maintained by keyed recompute: each branch's occurrences get key queries of their own, the
/// discriminator constant included. Randomized workloads checked by the oracle, the recompute's plan,
/// and the refusals (with positions) of what cannot be keyed.
/// </summary>
public sealed class UnionAllTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL DEFAULT true);
        CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE ON UPDATE CASCADE,
                              title text NOT NULL);
        CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL REFERENCES tb_post ON DELETE CASCADE ON UPDATE CASCADE,
                                 fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE ON UPDATE CASCADE, body text);
        CREATE INDEX ON tb_post (fk_user);
        CREATE INDEX ON tb_comment (fk_post);
        CREATE INDEX ON tb_comment (fk_user);
        INSERT INTO tb_user SELECT g, 'user ' || g, g % 4 <> 0 FROM generate_series(1, 40) g;
        INSERT INTO tb_post SELECT g, 1 + g % 40, 'post ' || g FROM generate_series(1, 300) g;
        INSERT INTO tb_comment SELECT g, 1 + g * 7 % 300, 1 + g * 3 % 40, CASE WHEN g % 6 <> 0 THEN 'comment ' || g END FROM generate_series(1, 1200) g;
        """;

    /// <summary>
    /// The feed of the issue, both branches joining the author (tb_user is read by both); a TVIEW on top
    /// of it; UNION without ALL under the same proof; three branches nested, one grouped, one with a
    /// correlated subquery; a UNION keyed by its whole row (no discriminator: UNION removes duplicates);
    /// and a key given explicitly without a discriminator (checked, then enforced).
    /// </summary>
    private const string Definitions = """
        -- tviews:key=kind,id
        CREATE TABLE tv_feed AS
        SELECT 'post' AS kind, p.pk_post AS id, p.fk_user, u.name AS author, jsonb_build_object('title', p.title) AS data
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
        UNION ALL
        SELECT 'comment', c.pk_comment, c.fk_user, u.name, jsonb_build_object('body', c.body, 'post', c.fk_post)
        FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user
        WHERE c.body IS NOT NULL;

        CREATE TABLE tv_user_activity AS
        SELECT u.pk_user, u.name, count(f.id) AS items, count(f.id) FILTER (WHERE f.kind = 'post') AS posts,
               max(f.author) AS seen_as
        FROM tb_user u LEFT JOIN tv_feed f ON f.fk_user = u.pk_user
        GROUP BY u.pk_user, u.name;

        -- No key written: the first column is a constant in every branch, so the key is (kind, id).
        CREATE TABLE tv_texts AS
        SELECT 'post' AS kind, p.pk_post AS id, p.title AS text FROM tb_post p
        UNION
        SELECT 'comment', c.pk_comment, c.body FROM tb_comment c WHERE c.body IS NOT NULL;

        -- tviews:key=kind,id
        CREATE TABLE tv_everything AS
        (SELECT 1 AS kind, p.pk_post AS id, (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS n
         FROM tb_post p
         UNION ALL
         SELECT 2, u.pk_user, count(p.pk_post) FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user WHERE u.active GROUP BY u.pk_user)
        UNION ALL
        SELECT 3, c.fk_post, count(*) FROM tb_comment c GROUP BY c.fk_post HAVING count(*) > 4;

        CREATE TABLE tv_labels AS
        SELECT p.title AS label FROM tb_post p
        UNION
        SELECT c.body FROM tb_comment c WHERE c.body IS NOT NULL;

        -- tviews:key=id
        CREATE TABLE tv_ids AS
        SELECT p.pk_post AS id, p.title AS label FROM tb_post p
        UNION ALL
        SELECT c.pk_comment + 1000000, coalesce(c.body, '-') FROM tb_comment c;
        """;

    [Fact]
    public async Task UnionsOfKeyedBranchesStayExactUnderRandomWorkload()
    {
        await using var db = await WorkloadDatabase.CreateAsync("unionall", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        Assert.Equal(6, db.Applied.Created.Count);

        // Proven keys (the discriminator), explicit ones enforced; no patch or counts from the delta;
        // writers lock the whole TVIEW, and explain says why.
        Assert.Equal("everything:proven,feed:proven,ids:given,labels:proven,texts:proven", await ScalarAsync<string>(conn, """
            SELECT string_agg(substr(proname, 17) || CASE WHEN prosrc LIKE '%The key was given explicitly%' THEN ':given' ELSE ':proven' END, ',' ORDER BY proname)
            FROM pg_proc WHERE proname IN ('pg_tviews_apply_feed', 'pg_tviews_apply_texts', 'pg_tviews_apply_everything', 'pg_tviews_apply_ids', 'pg_tviews_apply_labels')
            """));
        Assert.Equal("{kind,id}", await ScalarAsync<string>(conn, "SELECT key_columns::text FROM pg_tviews_metadata WHERE entity_name = 'texts'"));
        var locks = (await new TViewsEngine(db.ConnectionString).ExplainAsync("tv_feed")).Single(e => e.Event == "locks").Sql;
        Assert.Equal("-- whole TVIEW: the definition is a UNION of branches, whose keys come from different tables", locks.Trim());
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg\\_tviews\\_patch\\_feed\\_\\_%'"));

        // A rename moves rows of both branches; a key move cascades into the rows of the other kind.
        await ExecuteAsync(conn, "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 7");
        Assert.Equal(0L, await ScalarAsync<long>(conn,
            "SELECT count(*) FROM tv_feed f JOIN tb_user u ON u.pk_user = f.fk_user WHERE u.pk_user = 7 AND f.author <> 'renamed'"));
        Assert.True(await ScalarAsync<long>(conn, "SELECT count(DISTINCT kind) FROM tv_feed WHERE author = 'renamed'") == 2);
        await ExecuteAsync(conn, "UPDATE tb_post SET pk_post = 5000 WHERE pk_post = 8");
        // A label both branches yield is one row, and stays while either yields it.
        await ExecuteAsync(conn, "UPDATE tb_comment SET body = 'post 3' WHERE pk_comment = 1");
        Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_labels WHERE label = 'post 3'"));
        await ExecuteAsync(conn, "DELETE FROM tb_post WHERE pk_post = 3");
        Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_labels WHERE label = 'post 3'"));
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after a rename, a key move and a shared label");

        var committed = await WorkloadRunner.RunRandomAsync(conn, db.Definitions, 600, Statement, output.WriteLine);
        Assert.True(committed > 300, $"only {committed} transactions committed");

        // Every kind is still there, and TRUNCATE (a rebuild) keeps it exact.
        Assert.Equal(2L, await ScalarAsync<long>(conn, "SELECT count(DISTINCT kind) FROM tv_feed"));
        await ExecuteAsync(conn, "TRUNCATE tb_comment");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after TRUNCATE tb_comment");
        Assert.Empty(await new TViewsEngine(db.ConnectionString).VerifyAsync([]));
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var user = S(1 + rng.Next(45));
        var post = S(1 + rng.Next(320));
        var comment = S(1 + rng.Next(1300));
        var body = rng.Next(5) == 0 ? "NULL" : $"'body {S(t)}'";
        return rng.Next(21) switch
        {
            0 => $"INSERT INTO tb_user VALUES ({S(100 + t)}, 'new user {S(t)}', {(rng.Next(2) == 0 ? "true" : "false")}) ON CONFLICT DO NOTHING",
            1 => $"UPDATE tb_user SET name = 'renamed {S(t)}' WHERE pk_user = {user}",
            2 => $"UPDATE tb_user SET active = NOT active WHERE pk_user = {user}",
            3 => $"DELETE FROM tb_user WHERE pk_user = {user}",
            4 => $"UPDATE tb_user SET pk_user = pk_user + 1000 WHERE pk_user = {user}",
            5 or 6 => $"INSERT INTO tb_post SELECT {S(2000 + t * 3 + rng.Next(3))}, u.pk_user, 'new post {S(t)}' FROM tb_user u WHERE u.pk_user = {user} ON CONFLICT DO NOTHING",
            7 => $"UPDATE tb_post SET title = 'edited {S(t)}' WHERE pk_post = {post}",
            8 => $"UPDATE tb_post SET fk_user = {user} WHERE pk_post BETWEEN {post} AND {post} + 2 AND EXISTS (SELECT 1 FROM tb_user WHERE pk_user = {user})",
            9 => $"UPDATE tb_post SET pk_post = pk_post + 100000 WHERE pk_post = {post}",
            10 => $"DELETE FROM tb_post WHERE pk_post = {post}",
            11 or 12 => $"INSERT INTO tb_comment SELECT {S(5000 + t * 3 + rng.Next(3))}, p.pk_post, p.fk_user, {body} FROM tb_post p WHERE p.pk_post = {post} ON CONFLICT DO NOTHING",
            13 => $"UPDATE tb_comment SET body = {body} WHERE pk_comment BETWEEN {comment} AND {comment} + 5",
            14 => $"UPDATE tb_comment SET fk_post = {post} WHERE pk_comment = {comment} AND EXISTS (SELECT 1 FROM tb_post WHERE pk_post = {post})",
            15 => $"UPDATE tb_comment SET pk_comment = pk_comment + 100000 WHERE pk_comment = {comment}",
            16 => $"DELETE FROM tb_comment WHERE pk_comment BETWEEN {comment} AND {comment} + 3",
            17 => $"DELETE FROM tb_comment WHERE fk_user = {user}",
            // One statement changing both branches' tables: the writable CTE inserts a post and its comment.
            18 => $"WITH p AS (INSERT INTO tb_post SELECT {S(900000 + t)}, u.pk_user, 'cte post' FROM tb_user u WHERE u.pk_user = {user} RETURNING pk_post, fk_user) " +
                  $"INSERT INTO tb_comment SELECT {S(900000 + t)}, p.pk_post, p.fk_user, 'cte comment' FROM p",
            // A comment saying what a post's title says: one row of tv_labels for both.
            19 => $"UPDATE tb_comment SET body = (SELECT title FROM tb_post WHERE pk_post = {post}) WHERE pk_comment = {comment}",
            // Maintained at COMMIT, from the queued rows.
            _ => "SET LOCAL pg_tviews.mode = 'deferred'",
        };
    }

    [Fact]
    public async Task TheRecomputeReadsEachBranchThroughItsKeyIndex()
    {
        await using var db = await WorkloadDatabase.CreateAsync("unionplan", Schema + """
            INSERT INTO tb_post SELECT g, 1 + g % 40, 'post ' || g FROM generate_series(301, 20000) g;
            INSERT INTO tb_comment SELECT g, 1 + g * 7 % 20000, 1 + g * 3 % 40, 'comment ' || g FROM generate_series(1201, 60000) g;
            ANALYZE;
            """, """
            -- tviews:key=kind,id
            CREATE TABLE tv_feed AS
            SELECT 'post' AS kind, p.pk_post AS id, p.title AS text FROM tb_post p
            UNION ALL
            SELECT 'comment', c.pk_comment, u.name || ': ' || c.body FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user;
            """, output.WriteLine);
        var conn = db.Connection;
        // The statement the apply function evaluates the definition with, its key arrays as parameters,
        // planned as a cached generic plan is (the function's plans are).
        var source = await ScalarAsync<string>(conn, "SELECT prosrc FROM pg_proc WHERE proname = 'pg_tviews_apply_feed'");
        // (The last one: the function's statement for several keys; the one before is for one key.)
        var fresh = Regex.Matches(source, @"WITH pg_tviews_fresh AS MATERIALIZED \((.*?)\), pg_tviews_fresh_keys", RegexOptions.Singleline).LastOrDefault();
        Assert.True(fresh is { Success: true } && fresh.Value.Contains("= ANY (pg_tviews_keys1)", StringComparison.Ordinal), source);
        var select = fresh.Groups[1].Value.Replace("pg_tviews_keys1", "$1::text[]").Replace("pg_tviews_keys2", "$2::int[]");
        await ExecuteAsync(conn, $"PREPARE pg_tviews_fresh_test AS {select}; SET plan_cache_mode = force_generic_plan");
        var plan = string.Join("\n", await FirstColumnAsync(conn, "EXPLAIN EXECUTE pg_tviews_fresh_test(ARRAY['post', 'comment'], ARRAY[17, 42])"));
        output.WriteLine(plan);
        Assert.Contains("Index Scan using tb_post_pkey on tb_post", plan);
        Assert.Contains("Index Scan using tb_comment_pkey on tb_comment", plan);
        Assert.DoesNotContain("Seq Scan on tb_post", plan);
        Assert.DoesNotContain("Seq Scan on tb_comment", plan);
        // A branch whose constant is not asked for is not read at all.
        Assert.Contains("One-Time Filter: ('post'::text = ANY ($1))", plan);

        // And the triggers get there: a comment edit rewrites its one row.
        await ExecuteAsync(conn, "UPDATE tb_comment SET body = 'edited' WHERE pk_comment = 777");
        Assert.Equal("user 12: edited", await ScalarAsync<string>(conn, "SELECT text FROM tv_feed WHERE kind = 'comment' AND id = 777"));
    }


    [Fact]
    public async Task AnExplicitKeyThatRepeatsIsRefusedAtBuildTimeAndItsWriteFailsAtRunTime()
    {
        var cs = await TestServer.CreateDatabaseAsync("unionkey");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var engine = new TViewsEngine(cs);
            const string overlapping = """
                SELECT p.pk_post AS id, p.title AS label FROM tb_post p
                UNION ALL
                SELECT c.pk_comment, c.body FROM tb_comment c
                """;
            var e = await Assert.ThrowsAsync<AnalysisException>(() => engine.CreateAsync(TViewDefinition.FromSelect("tv_ids", overlapping, ["id"])));
            Assert.Equal("the key (id) is not unique: (id) = (1) is produced by 2 rows of the definition. " +
                         "The analysis could not prove this key unique either: choose a unique key, or make it unique in the sources (a unique constraint)", e.Message);
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_class WHERE relname IN ('tv_ids', 'pg_tviews_v_ids')"));

            // Disjoint today: taken as given, and enforced.
            const string disjoint = """
                SELECT p.pk_post AS id, p.title AS label FROM tb_post p
                UNION ALL
                SELECT c.pk_comment + 10000, c.body FROM tb_comment c
                """;
            await engine.CreateAsync(TViewDefinition.FromSelect("tv_ids", disjoint, ["id"]));
            var definitions = new List<(string, string)> { ("tv_ids", disjoint) };
            var write = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(conn, "INSERT INTO tb_post VALUES (10005, 1, 'clash')"));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, write.SqlState);
            Assert.Equal("TVIEW public.tv_ids: key (id) = (10005) is produced by more than one row of its definition", write.MessageText);
            Assert.Equal("The key was given explicitly and is not provably unique; the statement that made it repeat is refused.", write.Detail);
            // Nothing of the refused statement, nothing stale: the other writes go on.
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tb_post WHERE pk_post = 10005"));
            await Oracle.AssertConsistentAsync(conn, definitions, "after the refused write");
            await ExecuteAsync(conn, "INSERT INTO tb_post VALUES (20004, 1, 'no clash'); DELETE FROM tb_comment WHERE pk_comment = 3");
            await Oracle.AssertConsistentAsync(conn, definitions, "after later writes");
            Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_ids WHERE id = 20004"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    public static TheoryData<string, string?, string> Refusals => new()
    {
        {
            "SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p\nINTERSECT\nSELECT 'comment', c.pk_comment FROM tb_comment c", "kind,id",
            "line 2, column 1: INTERSECT at the top of a TVIEW definition is not maintainable yet: whether a row is kept depends on rows of the other side equal to it as a whole"
        },
        {
            "SELECT p.pk_post FROM tb_post p EXCEPT SELECT c.fk_post FROM tb_comment c", null,
            "line 1, column 33: EXCEPT at the top of a TVIEW definition is not maintainable yet"
        },
        {
            // A key written (pk_<entity>) must hold; without one, such a union is a multiset (MultisetTests).
            "SELECT p.pk_post AS pk_bad, p.title FROM tb_post p\nUNION ALL\n  SELECT c.pk_comment, c.body FROM tb_comment c", null,
            "line 3, column 3: the key (pk_bad) is not provably unique across the branches of the UNION: no key column is a constant of every branch that tells the branches apart"
        },
        {
            "SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p\nUNION ALL\nSELECT 'user', p.pk_post FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user", "kind,id",
            "line 3, column 16: UNION branch 2: the key (kind, id) must never be NULL, but \"id\" may be: tb_post.pk_post comes from the nullable side of a LEFT JOIN"
        },
        {
            // The discriminator alone (the default key of a union of one column) does not tell rows of one branch apart.
            "SELECT 'post' AS pk_bad FROM tb_post p UNION ALL SELECT 'comment' FROM tb_comment c", null,
            "line 1, column 1: the key (pk_bad) is a constant in each branch of the UNION, so it cannot tell the rows of a branch apart"
        },
        {
            "(SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p ORDER BY 2 LIMIT 5)\nUNION ALL\nSELECT 'comment', c.pk_comment FROM tb_comment c", "kind,id",
            "line 1, column 73: LIMIT / OFFSET / FETCH in a branch of a UNION is not maintainable incrementally"
        },
        {
            "SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p UNION ALL VALUES ('x', 1)", "kind,id",
            "line 1, column 65: VALUES as a branch of a UNION at the top is not maintainable yet"
        },
        {
            "SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p UNION ALL SELECT 'user', u.pk_user FROM tb_user u ORDER BY 2 LIMIT 3", "kind,id",
            "line 1, column 122: LIMIT / OFFSET / FETCH is not maintainable incrementally"
        },
        {
            "SELECT 'x' AS kind, count(*) AS id FROM tb_post p UNION ALL SELECT 'y', u.pk_user FROM tb_user u", "kind,id",
            "line 1, column 21: an aggregate without GROUP BY gives exactly one row, so its key column \"id\" must be a constant"
        },
    };

    public static TheoryData<string, string> UnprovenKeys => new()
    {
        {
            "SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p\nUNION ALL\nSELECT 'post', c.pk_comment + 10000 FROM tb_comment c",
            "line 3, column 8: the key (kind, id) is not provably unique across the branches of the UNION: UNION branches 1 and 2 have the same constant kind"
        },
        {
            // 1 and 1.0 are the same numeric value.
            "SELECT 1 AS kind, p.pk_post AS id FROM tb_post p UNION ALL SELECT 2, u.pk_user FROM tb_user u UNION ALL SELECT 1.0, c.pk_comment + 10000 FROM tb_comment c",
            "line 1, column 112: the key (kind, id) is not provably unique across the branches of the UNION: UNION branches 1 and 3 have the same constant kind"
        },
        {
            "SELECT 'post' AS kind, p.pk_post AS id FROM tb_post p\nUNION ALL\nSELECT 'comment', c.pk_comment * 1 FROM tb_comment c",
            "line 3, column 41: UNION branch 2: the key (kind, id) is not provably unique"
        },
    };

    /// <summary>An explicit key that cannot be proven is taken as given (docs/design.md, The key); the warning says why it was not proven.</summary>
    [Theory]
    [MemberData(nameof(UnprovenKeys))]
    public async Task AnUnprovenExplicitKeyIsTakenAsGivenWithTheReason(string sql, string warning)
    {
        var cs = await TestServer.CreateDatabaseAsync("unionunproven");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var warnings = await new TViewsEngine(cs).CreateAsync(TViewDefinition.FromSelect("tv_x", sql, ["kind", "id"]));
            Assert.Contains(warnings, w => w.StartsWith("the key (kind, id) is taken as given (it holds now, and a write that makes it repeat fails): " + warning, StringComparison.Ordinal));
            Assert.Contains("The key was given explicitly", await ScalarAsync<string>(conn, "SELECT prosrc FROM pg_proc WHERE proname = 'pg_tviews_apply_x'"));
            await Oracle.AssertConsistentAsync(conn, [("tv_x", sql)], "after creation");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task WhatCannotBeKeyedIsRefusedWithItsPosition(string sql, string? key, string message)
    {
        var cs = await TestServer.CreateDatabaseAsync("unionrefused");
        try
        {
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await ExecuteAsync(conn, Schema);
            var e = await Assert.ThrowsAsync<AnalysisException>(() => new TViewsEngine(cs).CreateAsync(TViewDefinition.FromSelect("tv_bad", sql, key?.Split(','))));
            Assert.StartsWith(message, e.Message);
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_class WHERE relname IN ('tv_bad', 'pg_tviews_v_bad')"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }
}
