using System.Globalization;
using Npgsql;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// A second schema of our own: text, uuid and composite keys, LEFT JOIN, GROUP BY with FILTER and
/// ordered aggregates, WHERE filters on the key's table and through EXISTS, a many-to-many link
/// table, and a three-level TVIEW-on-TVIEW chain (tv_account → tv_membership → tv_org), under a
/// randomized workload checked by the oracle every 100 transactions.
/// </summary>
public sealed class OrgSchemaTests(ITestOutputHelper output)
{
    public const string Schema = """
        CREATE TABLE tb_country (code text PRIMARY KEY, name text NOT NULL, region text);
        CREATE TABLE tb_account (id uuid PRIMARY KEY, country_code text REFERENCES tb_country ON DELETE SET NULL,
                                 name text NOT NULL, active boolean NOT NULL DEFAULT true, score numeric(10,2));
        CREATE INDEX ON tb_account (country_code);
        CREATE TABLE tb_org (pk_org integer PRIMARY KEY, name text NOT NULL, plan text NOT NULL DEFAULT 'free');
        CREATE TABLE tb_membership (org_id integer NOT NULL REFERENCES tb_org ON DELETE CASCADE,
                                    account_id uuid NOT NULL REFERENCES tb_account ON DELETE CASCADE,
                                    role text NOT NULL, PRIMARY KEY (org_id, account_id));
        CREATE INDEX ON tb_membership (account_id);
        INSERT INTO tb_country SELECT 'c' || g, 'Country ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'r' || (g % 4) END FROM generate_series(1, 12) g;
        INSERT INTO tb_account SELECT md5('a' || g)::uuid, CASE WHEN g % 7 = 0 THEN NULL ELSE 'c' || (1 + g % 12) END,
                                      'Account ' || g, g % 5 <> 0, (g * 3.5)::numeric FROM generate_series(1, 300) g;
        INSERT INTO tb_org SELECT g, 'Org ' || g, CASE WHEN g % 2 = 0 THEN 'pro' ELSE 'free' END FROM generate_series(1, 30) g;
        INSERT INTO tb_membership SELECT DISTINCT 1 + (g * 7) % 30, md5('a' || (1 + (g * 13) % 300))::uuid,
                                         CASE WHEN g % 4 = 0 THEN 'guest' ELSE 'member' END FROM generate_series(1, 900) g
        ON CONFLICT DO NOTHING;
        """;

    public const string Definitions = """
        -- uuid key; LEFT JOIN (country optional); WHERE filter on the key's own table
        CREATE TABLE tv_account AS
        SELECT a.id, a.country_code,
               jsonb_build_object('name', a.name, 'score', a.score, 'country', c.name, 'region', c.region) AS data
        FROM tb_account a
        LEFT JOIN tb_country c ON c.code = a.country_code
        WHERE a.active;

        -- composite key, level 2: reads tv_account
        -- tviews:key=org_id,account_id
        CREATE TABLE tv_membership AS
        SELECT m.org_id, m.account_id, m.role, o.plan, a.data AS account
        FROM tb_membership m
        JOIN tb_org o ON o.pk_org = m.org_id
        JOIN tv_account a ON a.id = m.account_id;

        -- level 3: aggregates of tv_membership in correlated subqueries
        CREATE TABLE tv_org AS
        SELECT o.pk_org,
               (SELECT count(*) FROM tv_membership m WHERE m.org_id = o.pk_org) AS members,
               jsonb_build_object('name', o.name,
                   'members', COALESCE((SELECT jsonb_agg(m.account->'name' ORDER BY m.account_id)
                                        FROM tv_membership m WHERE m.org_id = o.pk_org AND m.role <> 'guest'), '[]'::jsonb)) AS data
        FROM tb_org o;

        -- text key; GROUP BY with FILTER and ORDER BY inside aggregates over a LEFT JOIN
        CREATE TABLE tv_country_stats AS
        SELECT c.code, c.name, count(a.id) AS accounts, count(*) FILTER (WHERE a.active) AS active_accounts,
               COALESCE(jsonb_agg(a.name ORDER BY a.name) FILTER (WHERE a.score > 100), '[]'::jsonb) AS top_names,
               sum(a.score) AS total_score
        FROM tb_country c
        LEFT JOIN tb_account a ON a.country_code = c.code
        GROUP BY c.code, c.name;

        -- rows appear and disappear through EXISTS / NOT IN on another table; many-to-many through the link table
        CREATE TABLE tv_region_country AS
        SELECT c.code, c.region,
               (SELECT count(DISTINCT m.org_id) FROM tb_membership m JOIN tb_account a ON a.id = m.account_id
                WHERE a.country_code = c.code) AS orgs
        FROM tb_country c
        WHERE c.region IS NOT NULL
          AND EXISTS (SELECT 1 FROM tb_account a WHERE a.country_code = c.code AND a.active)
          AND c.code NOT IN (SELECT a.country_code FROM tb_account a WHERE a.score > 1000 AND a.country_code IS NOT NULL);
        """;

    [Fact]
    public async Task OrgSchemaStaysExactUnderRandomWorkload()
    {
        await using var db = await WorkloadDatabase.CreateAsync("org", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        Assert.Equal(5, db.Applied.Created.Count);
        var pk = await new NpgsqlCommand("SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = 'tv_membership'::regclass AND i.indisprimary", conn).ExecuteScalarAsync();
        Assert.Equal("org_id,account_id", pk);

        var committed = await WorkloadRunner.RunRandomAsync(conn, db.Definitions, 1000, Statement, output.WriteLine);
        Assert.True(committed > 500, $"only {committed} transactions committed");
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var acc = $"md5('a{S(1 + rng.Next(330))}')::uuid";
        var country = $"'c{S(1 + rng.Next(14))}'";
        var org = S(1 + rng.Next(33));
        return rng.Next(20) switch
        {
            0 => $"UPDATE tb_account SET active = NOT active WHERE id = {acc}",
            1 => $"UPDATE tb_account SET name = 'Renamed {S(t)}' WHERE id = {acc}",
            2 => $"UPDATE tb_account SET country_code = {country} WHERE id = {acc} AND EXISTS (SELECT 1 FROM tb_country WHERE code = {country})",
            3 => $"UPDATE tb_account SET score = score + {S(rng.Next(2000) - 500)} WHERE id = {acc}",
            4 => $"INSERT INTO tb_account VALUES (md5('a{S(t)}x{S(rng.Next(1000))}')::uuid, {country}, 'New {S(t)}', true, {S(rng.Next(300))}) ON CONFLICT DO NOTHING",
            5 => $"DELETE FROM tb_account WHERE id = {acc}",
            6 => $"UPDATE tb_country SET name = 'Country renamed {S(t)}' WHERE code = {country}",
            7 => $"UPDATE tb_country SET region = CASE WHEN region IS NULL THEN 'r9' ELSE NULL END WHERE code = {country}",
            8 => $"INSERT INTO tb_country VALUES ('n{S(t)}', 'New country', 'r1')",
            9 => $"DELETE FROM tb_country WHERE code = {country}",
            10 => $"UPDATE tb_country SET code = code || 'x' WHERE code = {country}",
            11 => $"INSERT INTO tb_membership VALUES ({org}, {acc}, 'member') ON CONFLICT DO NOTHING",
            12 => $"DELETE FROM tb_membership WHERE org_id = {org}",
            13 => $"UPDATE tb_membership SET role = CASE role WHEN 'guest' THEN 'member' ELSE 'guest' END WHERE account_id = {acc}",
            14 => $"UPDATE tb_membership SET org_id = {org} WHERE account_id = {acc} AND NOT EXISTS (SELECT 1 FROM tb_membership WHERE org_id = {org} AND account_id = {acc})",
            15 => $"UPDATE tb_org SET plan = CASE plan WHEN 'pro' THEN 'free' ELSE 'pro' END WHERE pk_org = {org}",
            16 => $"UPDATE tb_org SET name = 'Org {S(t)}' WHERE pk_org = {org}",
            17 => $"INSERT INTO tb_org VALUES ({S(100 + t)}, 'Org new', 'free') ON CONFLICT DO NOTHING",
            18 => $"DELETE FROM tb_org WHERE pk_org = {org}",
            _ => $"UPDATE tb_account SET active = (score::int % 2 = 0) WHERE country_code = {country}",
        };
    }
}
