using System.Globalization;
using Npgsql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Two ways generated maintenance could go quietly wrong. (1) Columns named like the variables of
/// generated PL/pgSQL (n, mode, done, written, r, b1, k1), referenced without qualification: a
/// variable of the same name would take the column's place. (2) A definition that reads one table
/// twice, keyed by a third: a statement removing two joined rows at once (a parent and its child)
/// must still find the key their TVIEW row had.
/// </summary>
public sealed class NameCaptureAndSelfJoinTests(ITestOutputHelper output)
{
    private const string CaptureSchema = """
        CREATE TABLE tb_grp (k1 int PRIMARY KEY, mode text NOT NULL);
        CREATE TABLE tb_thing (r int PRIMARY KEY, k1 int REFERENCES tb_grp ON DELETE CASCADE, n int NOT NULL, done boolean NOT NULL, written text);
        CREATE INDEX ON tb_thing (k1);
        INSERT INTO tb_grp SELECT g, 'mode ' || g FROM generate_series(1, 12) g;
        INSERT INTO tb_thing SELECT g, 1 + g % 12, g % 5, g % 3 = 0, 'w' || g FROM generate_series(1, 80) g;
        """;

    private const string CaptureDefinitions = """
        CREATE TABLE tv_thing AS
        SELECT r, k1, n, done, written, mode AS b1
        FROM tb_thing JOIN tb_grp USING (k1)
        WHERE k1 > 0 AND n >= 0;

        CREATE TABLE tv_grp AS
        SELECT k1, mode,
               (SELECT count(*) FROM tb_thing t WHERE t.k1 = g.k1 AND n > 0) AS n,
               (SELECT string_agg(written, ',' ORDER BY r) FROM tb_thing t WHERE t.k1 = g.k1 AND done) AS written,
               (SELECT max(r) FROM tb_thing t WHERE t.k1 = g.k1) AS done
        FROM tb_grp g;
        """;

    private const string SelfJoinSchema = """
        CREATE TABLE tb_area (pk_area int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_node (pk_node int PRIMARY KEY, fk_area int, parent int, label text NOT NULL);
        CREATE INDEX ON tb_node (fk_area);
        CREATE INDEX ON tb_node (parent);
        INSERT INTO tb_area SELECT g, 'area ' || g FROM generate_series(1, 8) g;
        -- 30 parents in areas, each with a few children
        INSERT INTO tb_node SELECT g, 1 + g % 8, NULL, 'p' || g FROM generate_series(1, 30) g;
        INSERT INTO tb_node SELECT 100 + g, NULL, 1 + g % 30, 'c' || g FROM generate_series(1, 90) g;
        """;

    private const string SelfJoinDefinitions = """
        CREATE TABLE tv_area_children AS
        SELECT a.pk_area, count(*) AS children, max(c.label) AS last_label
        FROM tb_area a JOIN tb_node p ON p.fk_area = a.pk_area JOIN tb_node c ON c.parent = p.pk_node
        GROUP BY a.pk_area;

        CREATE TABLE tv_area_tree AS
        SELECT a.pk_area, a.name,
               (SELECT jsonb_agg(c.label ORDER BY c.pk_node) FROM tb_node p JOIN tb_node c ON c.parent = p.pk_node
                WHERE p.fk_area = a.pk_area) AS labels
        FROM tb_area a;
        """;

    private static async Task RefreshAsync(NpgsqlConnection conn, string entity, bool force)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_tviews_refresh(@e, @f)", conn);
        cmd.Parameters.AddWithValue("e", entity);
        cmd.Parameters.AddWithValue("f", force);
        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task ColumnsNamedLikeGeneratedVariablesStayExactThroughWritesRebuildsAndReconciles()
    {
        await using var db = await WorkloadDatabase.CreateAsync("capture", CaptureSchema, CaptureDefinitions, output.WriteLine);
        var (conn, defs) = (db.Connection, db.Definitions);
        var committed = await WorkloadRunner.RunRandomAsync(conn, defs, 300, CaptureStatement, output.WriteLine);
        Assert.True(committed > 150, $"only {committed} transactions committed");
        foreach (var entity in new[] { "thing", "grp" })
        {
            await RefreshAsync(conn, entity, force: true);
            await Oracle.AssertConsistentAsync(conn, defs, $"after rebuilding {entity}");
            await using (var cmd = new NpgsqlCommand($"UPDATE tv_{entity} SET written = 'tampered'", conn)) await cmd.ExecuteNonQueryAsync();
            await RefreshAsync(conn, entity, force: false);
            await Oracle.AssertConsistentAsync(conn, defs, $"after reconciling {entity}");
        }
    }

    private static string CaptureStatement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var thing = S(1 + rng.Next(90));
        var grp = S(1 + rng.Next(14));
        return rng.Next(8) switch
        {
            0 => $"UPDATE tb_thing SET n = {S(rng.Next(6))} WHERE r = {thing}",
            1 => $"UPDATE tb_thing SET done = NOT done, written = 'w{S(t)}' WHERE r BETWEEN {thing} AND {thing} + 4",
            2 => $"UPDATE tb_thing SET k1 = {grp} WHERE r = {thing} AND EXISTS (SELECT 1 FROM tb_grp WHERE k1 = {grp})",
            3 => $"INSERT INTO tb_thing SELECT {S(100 + t * 5 + rng.Next(5))}, k1, {S(rng.Next(5))}, true, 'new' FROM tb_grp WHERE k1 = {grp} ON CONFLICT DO NOTHING",
            4 => $"DELETE FROM tb_thing WHERE r = {thing}",
            5 => $"UPDATE tb_grp SET mode = 'mode {S(t)}' WHERE k1 = {grp}",
            6 => $"INSERT INTO tb_grp VALUES ({S(20 + t)}, 'fresh') ON CONFLICT DO NOTHING",
            _ => $"DELETE FROM tb_grp WHERE k1 = {grp}",
        };
    }

    [Fact]
    public async Task ASelfJoinKeyedByAThirdTableStaysExactWhenOneStatementRemovesJoinedRows()
    {
        await using var db = await WorkloadDatabase.CreateAsync("selfjoin", SelfJoinSchema, SelfJoinDefinitions, output.WriteLine);
        var (conn, defs) = (db.Connection, db.Definitions);
        // The case by hand first: parent 1 and its children go in one statement.
        await using (var cmd = new NpgsqlCommand("DELETE FROM tb_node WHERE pk_node = 1 OR parent = 1", conn)) await cmd.ExecuteNonQueryAsync();
        await Oracle.AssertConsistentAsync(conn, defs, "after deleting a parent with its children");
        await using (var cmd = new NpgsqlCommand("UPDATE tb_node SET fk_area = NULL, parent = NULL WHERE pk_node = 2 OR parent = 2", conn)) await cmd.ExecuteNonQueryAsync();
        await Oracle.AssertConsistentAsync(conn, defs, "after detaching a parent and its children in one statement");
        var committed = await WorkloadRunner.RunRandomAsync(conn, defs, 300, SelfJoinStatement, output.WriteLine);
        Assert.True(committed > 150, $"only {committed} transactions committed");
    }

    private static string SelfJoinStatement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var parent = S(1 + rng.Next(34));
        var child = S(101 + rng.Next(95));
        var area = S(1 + rng.Next(9));
        return rng.Next(9) switch
        {
            0 => $"DELETE FROM tb_node WHERE pk_node = {parent} OR parent = {parent}",
            1 => $"UPDATE tb_node SET fk_area = CASE WHEN parent IS NULL THEN NULL ELSE fk_area END, parent = NULL WHERE pk_node = {parent} OR parent = {parent}",
            2 => $"UPDATE tb_node SET parent = {parent} WHERE pk_node = {child}",
            3 => $"UPDATE tb_node SET fk_area = {area} WHERE pk_node = {parent}",
            4 => $"UPDATE tb_node SET label = 'x{S(t)}' WHERE pk_node IN ({child}, {parent})",
            5 => $"INSERT INTO tb_node VALUES ({S(1000 + t * 3)}, {area}, NULL, 'np{S(t)}'), ({S(1001 + t * 3)}, NULL, {S(1000 + t * 3)}, 'nc{S(t)}') ON CONFLICT DO NOTHING",
            6 => $"INSERT INTO tb_node VALUES ({S(2000 + t)}, NULL, {parent}, 'c{S(t)}') ON CONFLICT DO NOTHING",
            7 => $"DELETE FROM tb_area WHERE pk_area = {area}",
            _ => $"INSERT INTO tb_area VALUES ({area}, 'back') ON CONFLICT (pk_area) DO UPDATE SET name = 'renamed {S(t)}'",
        };
    }
}
