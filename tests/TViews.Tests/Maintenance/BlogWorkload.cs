using System.Globalization;

namespace TViews.Tests.Maintenance;

/// <summary>One generated transaction: its statements and whether it ends in ROLLBACK.</summary>
public sealed record WorkloadTransaction(int Number, IReadOnlyList<string> Statements, bool Rollback);

/// <summary>
/// A seeded random DML workload over the sample blog (samples/blog/schema.sql): single- and
/// multi-row INSERT/UPDATE/DELETE on every source, FK cascades (a user takes their posts and
/// comments along, a post its comments and links), key changes, TRUNCATE, rolled-back transactions.
/// Every value is chosen client-side from the seed (explicit uuids and timestamps), so the same
/// seed writes the same rows in any database holding the same data.
/// </summary>
public sealed class BlogWorkload(int seed, int users, int posts, int comments, bool allowTruncate = true)
{
    private readonly Random _rng = new(seed);
    private int _t;

    // Keys a little past the generated ones, so some statements find nothing.
    private int U() => 1 + _rng.Next(users + users / 10);
    private int P() => 1 + _rng.Next(posts + posts / 10);
    private int C() => 1 + _rng.Next(comments + comments / 10);
    private int Tag() => 1 + _rng.Next(130);
    private static string S(int v) => v.ToString(CultureInfo.InvariantCulture);

    public IEnumerable<WorkloadTransaction> Transactions(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var n = 1 + _rng.Next(3);
            var statements = new List<string>();
            for (var j = 0; j < n; j++) statements.Add(Statement());
            yield return new WorkloadTransaction(i, statements, _rng.NextDouble() < 0.1);
        }
    }

    public string Statement()
    {
        var t = S(++_t + seed * 100000);
        var u = S(U()); var u2 = S(U()); var p = S(P()); var c = S(C()); var tag = S(Tag());
        var k = _rng.Next(100);
        var n = S(1 + _rng.Next(4));
        var pick = _rng.Next(allowTruncate ? 322 : 320);
        const string unreferenced = "NOT EXISTS (SELECT 1 FROM tb_post x WHERE x.fk_author = u.pk_user) AND NOT EXISTS (SELECT 1 FROM tb_comment x WHERE x.fk_author = u.pk_user)";
        return (pick / 10) switch
        {
            0 => $"UPDATE tb_user SET name = 'n{t}' WHERE pk_user = {u}",
            1 => $"UPDATE tb_user SET name = name || '!' WHERE pk_user % 50 = {k % 50}",
            2 => $"UPDATE tb_user SET email = 'e{t}@x' WHERE pk_user = {u}",
            3 => $"UPDATE tb_user SET joined_at = joined_at + interval '1 second', handle = handle || '~' WHERE pk_user BETWEEN {u} AND {u} + 10",
            4 => $"INSERT INTO tb_user (id, handle, name, email, joined_at) VALUES (md5('u{t}')::uuid, 'w{t}', 'W{t}', 'w{t}@x', timestamptz '2020-01-01 00:00:00+00' + {t} * interval '1 minute')",
            5 => $"DELETE FROM tb_user u WHERE pk_user = {u} AND {unreferenced}",
            6 => $"UPDATE tb_user u SET pk_user = pk_user + 1000000 WHERE pk_user = {u} AND {unreferenced}",
            7 => $"UPDATE tb_post SET title = 't{t}' WHERE pk_post = {p}",
            8 => $"UPDATE tb_post SET published_at = CASE WHEN published_at IS NULL THEN created_at + interval '3 hours' END WHERE pk_post BETWEEN {p} AND {p} + 50",
            9 => $"UPDATE tb_post SET fk_author = {u2} WHERE pk_post = {p} AND EXISTS (SELECT 1 FROM tb_user WHERE pk_user = {u2})",
            10 => $"UPDATE tb_post SET views = views + 1 WHERE pk_post % 100 = {k}",
            11 => $"INSERT INTO tb_post (id, fk_author, title, body, published_at, created_at) SELECT md5('p{t}-' || g)::uuid, u.pk_user, 'np{t}', 'body', CASE WHEN g % 2 = 0 THEN timestamptz '2021-01-01 00:00:00+00' END, timestamptz '2021-01-01 00:00:00+00' FROM tb_user u, generate_series(1, {n}) g WHERE u.pk_user = {u}",
            12 => $"DELETE FROM tb_post WHERE pk_post = {p}",
            13 => $"DELETE FROM tb_post WHERE pk_post BETWEEN {p} AND {p} + 5",
            14 => $"INSERT INTO tb_comment (id, fk_post, fk_author, body, posted_at) SELECT md5('c{t}-' || g)::uuid, p.pk_post, u.pk_user, 'c{t}', timestamptz '2022-01-01 00:00:00+00' FROM tb_post p, tb_user u, generate_series(1, {n}) g WHERE p.pk_post = {p} AND u.pk_user = {u}",
            15 => $"UPDATE tb_comment SET body = 'e{t}' WHERE pk_comment = {c}",
            16 => $"UPDATE tb_comment SET fk_post = {p} WHERE pk_comment BETWEEN {c} AND {c} + 3 AND EXISTS (SELECT 1 FROM tb_post WHERE pk_post = {p})",
            17 => $"DELETE FROM tb_comment WHERE fk_post = {p}",
            18 => $"UPDATE tb_comment SET pk_comment = pk_comment + 10000000 WHERE pk_comment = {c}",
            19 => $"UPDATE tb_comment SET fk_author = {u} WHERE fk_post = {p} AND EXISTS (SELECT 1 FROM tb_user WHERE pk_user = {u})",
            20 => $"UPDATE tb_tag SET slug = 'topic-{t}' WHERE pk_tag = {tag}",
            21 => $"INSERT INTO tb_tag (id, slug, name) VALUES (md5('t{t}')::uuid, 'new-{t}', 'New {t}')",
            22 => $"DELETE FROM tb_tag WHERE pk_tag = {tag}",
            23 => $"INSERT INTO tb_post_tag (fk_post, fk_tag) SELECT {p}, {tag} WHERE EXISTS (SELECT 1 FROM tb_post WHERE pk_post = {p}) AND EXISTS (SELECT 1 FROM tb_tag WHERE pk_tag = {tag}) ON CONFLICT DO NOTHING",
            24 => $"DELETE FROM tb_post_tag WHERE fk_post = {p}",
            25 => $"UPDATE tb_post_tag SET fk_tag = {tag} WHERE fk_post = {p} AND fk_tag = (SELECT min(fk_tag) FROM tb_post_tag WHERE fk_post = {p}) AND NOT EXISTS (SELECT 1 FROM tb_post_tag WHERE fk_post = {p} AND fk_tag = {tag}) AND EXISTS (SELECT 1 FROM tb_tag WHERE pk_tag = {tag})",
            26 => $"INSERT INTO tb_post_tag (fk_post, fk_tag) SELECT p.pk_post, {tag} FROM tb_post p WHERE p.pk_post BETWEEN {p} AND {p} + 20 AND EXISTS (SELECT 1 FROM tb_tag WHERE pk_tag = {tag}) ON CONFLICT DO NOTHING",
            27 => $"UPDATE tb_comment SET posted_at = posted_at + interval '1 hour' WHERE fk_author = {u}",
            28 => $"UPDATE tb_post SET body = body || '.' WHERE fk_author = {u}",
            29 => $"DELETE FROM tb_comment WHERE pk_comment BETWEEN {c} AND {c} + 20",
            30 => $"DELETE FROM tb_user WHERE pk_user = {u}", // cascades: their posts (with those posts' comments and links) and comments
            31 => $"UPDATE tb_tag SET name = 'Renamed {t}', slug = slug || '-' WHERE pk_tag BETWEEN {tag} AND {tag} + 2",
            _ => pick % 2 == 0 ? "TRUNCATE tb_post_tag" : "TRUNCATE tb_comment",
        };
    }
}
