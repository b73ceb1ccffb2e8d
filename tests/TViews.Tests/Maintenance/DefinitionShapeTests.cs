using System.Globalization;
using Npgsql;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Harder definition shapes for the lineage analysis (CTEs, grouped derived tables, LATERAL with
/// LIMIT, IN / NOT EXISTS filters, a self-join with a subquery in its ON clause, set operations
/// inside a correlated subquery, nested subqueries, HAVING with a text key, DISTINCT ON the key,
/// USING joins with unqualified names), each under a randomized workload checked by the oracle.
/// </summary>
public sealed class DefinitionShapeTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_owner (pk_owner int PRIMARY KEY, name text NOT NULL, vip boolean NOT NULL DEFAULT false);
        CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_owner int REFERENCES tb_owner ON DELETE SET NULL, label text, qty int NOT NULL);
        CREATE INDEX ON tb_item (fk_owner);
        CREATE TABLE tb_block (pk_block serial PRIMARY KEY, fk_owner int, label text);
        INSERT INTO tb_owner SELECT g, 'owner ' || g, g % 3 = 0 FROM generate_series(1, 20) g;
        INSERT INTO tb_item SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE 1 + g % 20 END, 'l' || (g % 17), g % 7 FROM generate_series(1, 200) g;
        INSERT INTO tb_block (fk_owner, label) SELECT 1 + g % 20, 'l' || (g * 3 % 17) FROM generate_series(1, 15) g;
        """;

    private const string Definitions = """
        CREATE TABLE tv_owner_stats AS
        WITH totals AS (SELECT i.fk_owner, sum(i.qty) AS qty, count(*) AS n FROM tb_item i GROUP BY i.fk_owner)
        SELECT o.pk_owner, o.name, COALESCE(t.qty, 0) AS qty, COALESCE(t.n, 0) AS n
        FROM tb_owner o LEFT JOIN totals t ON t.fk_owner = o.pk_owner;

        CREATE TABLE tv_owner_top AS
        SELECT o.pk_owner, top.label, top.qty
        FROM tb_owner o
        LEFT JOIN LATERAL (SELECT i.label, i.qty FROM tb_item i WHERE i.fk_owner = o.pk_owner
                           ORDER BY i.qty DESC, i.pk_item LIMIT 1) top ON true;

        CREATE TABLE tv_item_flagged AS
        SELECT i.pk_item, i.label FROM tb_item i
        WHERE i.fk_owner IN (SELECT o.pk_owner FROM tb_owner o WHERE o.vip)
          AND NOT EXISTS (SELECT 1 FROM tb_block b WHERE b.label = i.label);

        CREATE TABLE tv_item_next AS
        SELECT a.pk_item, b.pk_item AS next_item, b.label AS next_label
        FROM tb_item a
        LEFT JOIN tb_item b ON b.pk_item = (SELECT min(x.pk_item) FROM tb_item x WHERE x.pk_item > a.pk_item AND x.fk_owner = a.fk_owner);

        CREATE TABLE tv_owner_labels AS
        SELECT o.pk_owner,
               ARRAY(SELECT u.l FROM (SELECT i.label AS l FROM tb_item i WHERE i.fk_owner = o.pk_owner
                                      UNION SELECT b.label FROM tb_block b WHERE b.fk_owner = o.pk_owner) u ORDER BY u.l) AS labels
        FROM tb_owner o;

        CREATE TABLE tv_owner_nested AS
        SELECT o.pk_owner,
               (SELECT count(*) FILTER (WHERE i.qty > 2) FROM tb_item i
                WHERE i.fk_owner = o.pk_owner AND EXISTS (SELECT 1 FROM tb_block b WHERE b.label = i.label)) AS blocked_big
        FROM tb_owner o;

        CREATE TABLE tv_label_count AS
        SELECT i.label, count(*) AS n, max(i.qty) AS maxq FROM tb_item i WHERE i.label IS NOT NULL GROUP BY i.label HAVING count(*) > 1;

        CREATE TABLE tv_owner_latest AS
        SELECT DISTINCT ON (i.fk_owner) i.fk_owner, i.pk_item, i.label
        FROM tb_item i WHERE i.fk_owner IS NOT NULL ORDER BY i.fk_owner, i.qty DESC, i.pk_item;

        CREATE TABLE tv_owner_counts AS
        SELECT o.pk_owner, count(i.pk_item) AS items,
               jsonb_build_object('name', o.name, 'labelled', count(i.label), 'vip', o.vip) AS data
        FROM tb_owner o LEFT JOIN tb_item i ON i.fk_owner = o.pk_owner
        GROUP BY o.pk_owner, o.name, o.vip;

        CREATE TABLE tv_item_owner AS
        SELECT pk_item, fk_owner, name FROM tb_item JOIN (SELECT pk_owner AS fk_owner, name FROM tb_owner) o USING (fk_owner);
        """;

    [Fact]
    public async Task HarderShapesStayExactUnderRandomWorkload()
    {
        await using var db = await WorkloadDatabase.CreateAsync("shapes", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        Assert.Equal(10, db.Applied.Created.Count);
        // tv_owner_counts keeps its counts from tb_item's deltas instead of recomputing groups
        await using (var cmd = new NpgsqlCommand("SELECT pg_get_functiondef('pg_tviews_owner_counts__tb_item_ins'::regproc)", conn))
            Assert.Contains("pg_tviews_delta", (string)(await cmd.ExecuteScalarAsync())!);
        await using (var cmd = new NpgsqlCommand("SELECT pg_get_functiondef(tgfoid) FROM pg_trigger WHERE tgrelid = 'tb_item'::regclass AND tgname = 'pg_tviews_update'", conn))
            Assert.Matches(@"<<pg_tviews_owner_counts>>(?:(?!END pg_tviews_owner_counts;)[\s\S])*pg_tviews_delta", (string)(await cmd.ExecuteScalarAsync())!);
        var committed = await WorkloadRunner.RunRandomAsync(conn, db.Definitions, 600, Statement, output.WriteLine);
        Assert.True(committed > 300, $"only {committed} transactions committed");
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var item = S(1 + rng.Next(230));
        var owner = S(1 + rng.Next(22));
        var label = $"'l{S(rng.Next(19))}'";
        return rng.Next(14) switch
        {
            0 => $"UPDATE tb_item SET qty = {S(rng.Next(9))} WHERE pk_item = {item}",
            1 => $"UPDATE tb_item SET label = {label} WHERE pk_item BETWEEN {item} AND {item} + 3",
            2 => $"UPDATE tb_item SET fk_owner = {owner} WHERE pk_item = {item} AND EXISTS (SELECT 1 FROM tb_owner WHERE pk_owner = {owner})",
            3 => $"INSERT INTO tb_item VALUES ({S(300 + t * 10 + rng.Next(10))}, (SELECT pk_owner FROM tb_owner WHERE pk_owner = {owner}), {label}, {S(rng.Next(9))}) ON CONFLICT DO NOTHING",
            4 => $"DELETE FROM tb_item WHERE pk_item = {item}",
            5 => $"UPDATE tb_item SET pk_item = pk_item + 100000 WHERE pk_item = {item}",
            6 => $"UPDATE tb_owner SET vip = NOT vip WHERE pk_owner = {owner}",
            7 => $"UPDATE tb_owner SET name = 'owner renamed {S(t)}' WHERE pk_owner = {owner}",
            8 => $"INSERT INTO tb_owner VALUES ({S(100 + t)}, 'new owner', {(rng.Next(2) == 0 ? "true" : "false")}) ON CONFLICT DO NOTHING",
            9 => $"DELETE FROM tb_owner WHERE pk_owner = {owner}",
            10 => $"INSERT INTO tb_block (fk_owner, label) VALUES ({owner}, {label})",
            11 => $"DELETE FROM tb_block WHERE label = {label}",
            12 => $"UPDATE tb_block SET label = {label} WHERE fk_owner = {owner}",
            _ => $"UPDATE tb_item SET qty = qty + 1 WHERE fk_owner = {owner}",
        };
    }
}
