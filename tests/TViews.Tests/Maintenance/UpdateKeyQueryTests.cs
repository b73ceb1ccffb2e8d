using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Maintenance;

/// <summary>
/// An UPDATE's key query over its removed and added rows at once: where the query reads only some
/// columns of the changed rows, and reads them the same way for both sides, it runs once over their
/// distinct values (a rename finds the user's posts once, not once per side); elsewhere once per side.
/// Either way the TVIEW stays equal to its definition.
/// </summary>
public sealed class UpdateKeyQueryTests : IAsyncLifetime
{
    private const string Schema = """
        CREATE TABLE tb_kq_user (pk_user int PRIMARY KEY, name text NOT NULL, fk_manager int REFERENCES tb_kq_user ON UPDATE CASCADE ON DELETE SET NULL, settings json);
        CREATE TABLE tb_kq_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_kq_user ON UPDATE CASCADE ON DELETE CASCADE, title text NOT NULL);
        INSERT INTO tb_kq_user SELECT i, 'user ' || i, CASE WHEN i > 3 THEN i % 3 + 1 END, '{"a": 1}' FROM generate_series(1, 12) AS i;
        INSERT INTO tb_kq_post SELECT i, i % 12 + 1, 'post ' || i FROM generate_series(1, 60) AS i;
        """;

    private const string Definitions = """
        CREATE TABLE tv_kq_post AS
        SELECT p.pk_post, p.title, u.name AS author FROM tb_kq_post p JOIN tb_kq_user u ON u.pk_user = p.fk_user;

        CREATE TABLE tv_kq_staff AS
        SELECT u.pk_user, u.name, m.name AS manager FROM tb_kq_user u LEFT JOIN tb_kq_user m ON m.pk_user = u.fk_manager;

        CREATE TABLE tv_kq_setting AS
        SELECT p.pk_post, u.settings::text AS settings FROM tb_kq_post p JOIN tb_kq_user u ON u.pk_user = p.fk_user AND u.settings IS NOT NULL;
        """;

    private string _db = "";

    public async Task InitializeAsync()
    {
        _db = await TestServer.CreateDatabaseAsync("kq");
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        await Db.ExecuteAsync(c, Schema);
        await new TViewsEngine(_db).ApplyAsync(TViewDefinition.FromScript(Definitions));
    }

    public Task DisposeAsync() => TestServer.DropDatabaseAsync(_db);

    private async Task<string> UpdateCodeAsync(string table) =>
        (await new TViewsEngine(_db).ExplainAsync(table)).Single(e => e.Source == "public.tb_kq_user" && e.Event == "UPDATE").Sql;

    [Fact]
    public async Task AKeyQueryReadingOnlySomeColumnsRunsOnceOverBothSides()
    {
        var post = await UpdateCodeAsync("tv_kq_post");
        Assert.Contains("pg_tviews_changed1 AS (SELECT x.\"pk_user\" FROM pg_tviews_removed AS x UNION SELECT x.\"pk_user\" FROM pg_tviews_added AS x)", post, StringComparison.Ordinal);
        Assert.Contains("JOIN \"pg_tviews_changed1\" AS \"u\"", post, StringComparison.Ordinal);
        Assert.DoesNotContain("JOIN \"pg_tviews_removed\" AS \"u\"", post, StringComparison.Ordinal);
        Assert.DoesNotContain("JOIN \"pg_tviews_added\" AS \"u\"", post, StringComparison.Ordinal);
        // The user read twice. As the manager, the removed side's query reads the table with the
        // removed rows put back (for the employee), so the two sides differ and keep a query each;
        // as the employee, the key is read off the changed rows: once over both sides.
        var staff = await UpdateCodeAsync("tv_kq_staff");
        Assert.Contains("JOIN \"pg_tviews_removed\" AS \"m\"", staff, StringComparison.Ordinal);
        Assert.Contains("JOIN \"pg_tviews_added\" AS \"m\"", staff, StringComparison.Ordinal);
        Assert.DoesNotContain("pg_tviews_changed2", staff, StringComparison.Ordinal);
        Assert.Contains("FROM \"pg_tviews_changed1\" AS \"u\"", staff, StringComparison.Ordinal);
        // A column without equality (json) cannot be made distinct: a query per side.
        var setting = await UpdateCodeAsync("tv_kq_setting");
        Assert.DoesNotContain("pg_tviews_changed", setting, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysFoundOnceOverBothSidesKeepEveryTViewExact()
    {
        await using var c = new NpgsqlConnection(_db);
        await c.OpenAsync();
        var random = new Random(TestSeed.Pick(4101));
        var statements = new[]
        {
            "UPDATE tb_kq_user SET name = name || '!' WHERE pk_user = {0}",
            // A key that moves: the removed and the added side differ in the column the query reads.
            "UPDATE tb_kq_user SET pk_user = pk_user + 100 WHERE pk_user = {0}",
            "UPDATE tb_kq_user SET pk_user = pk_user - 100 WHERE pk_user = {0} + 100",
            "UPDATE tb_kq_user SET fk_manager = {1} WHERE pk_user = {0}",
            "UPDATE tb_kq_user SET settings = CASE WHEN settings IS NULL THEN '{{\"b\": 2}}'::json END WHERE pk_user = {0}",
            "UPDATE tb_kq_user SET name = 'all ' || pk_user WHERE pk_user % 3 = {1} % 3",
            "UPDATE tb_kq_post SET fk_user = {0} WHERE pk_post % 7 = {1} % 7",
            "UPDATE tb_kq_user SET name = name WHERE pk_user = {0}",
        };
        var definitions = WorkloadRunner.Definitions(Definitions);
        for (var i = 0; i < 120; i++)
        {
            var sql = string.Format(System.Globalization.CultureInfo.InvariantCulture, statements[random.Next(statements.Length)], random.Next(1, 13), random.Next(1, 13));
            try
            {
                await Db.ExecuteAsync(c, sql);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                // A user moved away meanwhile: the statement changes nothing, as in PostgreSQL.
            }
            if (i % 20 == 19) await Oracle.AssertConsistentAsync(c, definitions, $"after statement {i + 1}: {sql}");
        }
        await Oracle.AssertConsistentAsync(c, definitions, "at the end");
    }
}
