using Npgsql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// A rename of a source column a TVIEW reads: PostgreSQL follows it in the definition view, but the
/// generated code names the column as text, so every later write failed inside it while the health
/// check said OK. The DDL event trigger now refuses the rename; without it, the health check reports it.
/// </summary>
public sealed class SourceDdlTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_customer (pk_customer int PRIMARY KEY, name text NOT NULL, note text);
        CREATE TABLE tb_order (pk_order int PRIMARY KEY, fk_customer int NOT NULL REFERENCES tb_customer, total int NOT NULL, memo text);
        INSERT INTO tb_customer VALUES (1, 'a', NULL), (2, 'b', NULL);
        INSERT INTO tb_order VALUES (1, 1, 10, NULL), (2, 2, 20, NULL);
        """;

    private const string Definitions = """
        CREATE TABLE tv_order AS
        SELECT o.pk_order, o.fk_customer, o.total, c.name AS customer FROM tb_order o JOIN tb_customer c ON c.pk_customer = o.fk_customer;
        """;

    [Fact]
    public async Task RenamingAColumnOrTableATViewReadsIsRefusedAndOthersPass()
    {
        await using var db = await WorkloadDatabase.CreateAsync("source_ddl", Schema, Definitions, output.WriteLine);
        foreach (var ddl in new[] { "ALTER TABLE tb_order RENAME COLUMN fk_customer TO customer_id", "ALTER TABLE tb_customer RENAME TO tb_client" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, ddl));
            Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, e.SqlState);
            Assert.Contains("TVIEW order reads", e.MessageText, StringComparison.Ordinal);
            Assert.Contains("tviews drop tv_order", e.Hint, StringComparison.Ordinal);
        }
        // Columns no TVIEW reads may be renamed; writes keep working.
        await Exec(db.Connection, "ALTER TABLE tb_order RENAME COLUMN memo TO remark; ALTER TABLE tb_customer RENAME COLUMN note TO remark");
        await Exec(db.Connection, "INSERT INTO tb_order VALUES (3, 1, 30, 'x'); DELETE FROM tb_order WHERE pk_order = 1; UPDATE tb_customer SET name = 'c'");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after DDL and writes");
        Assert.Equal("OK", await Scalar(db.Connection, "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'definitions'"));
    }

    /// <summary>
    /// The key of tv_order is proven unique by tb_order's primary key. Dropping it later let a
    /// duplicate key through: the upsert kept one of the two rows and the write succeeded, leaving
    /// the TVIEW silently stale. Now the write that makes a key repeat is refused, naming the key.
    /// </summary>
    [Fact]
    public async Task DroppingTheConstraintThatProvedTheKeyNeverLeavesTheTViewStale()
    {
        await using var db = await WorkloadDatabase.CreateAsync("source_ddl_key", Schema, Definitions, output.WriteLine);
        await Exec(db.Connection, "ALTER TABLE tb_order DROP CONSTRAINT tb_order_pkey");
        foreach (var write in new[]
        {
            "INSERT INTO tb_order VALUES (1, 2, 99, 'duplicate key')",
            "UPDATE tb_order SET pk_order = 1 WHERE pk_order = 2",
        })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, write));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, e.SqlState);
            Assert.Contains("tv_order: key (pk_order) = (1) is produced by more than one row", e.MessageText, StringComparison.Ordinal);
            Assert.Contains("one of them is gone", e.Detail, StringComparison.Ordinal);
        }
        // Writes that keep the key unique still work.
        await Exec(db.Connection, "INSERT INTO tb_order VALUES (3, 1, 30, NULL); UPDATE tb_order SET total = 11 WHERE pk_order = 1");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the refused and the accepted writes");
    }

    [Fact]
    public async Task WithoutTheEventTriggerTheHealthCheckReportsTheRename()
    {
        await using var db = await WorkloadDatabase.CreateAsync("source_ddl_off", Schema, Definitions, output.WriteLine);
        await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_ddl DISABLE");
        try
        {
            await Exec(db.Connection, "ALTER TABLE tb_order RENAME COLUMN fk_customer TO customer_id");
            Assert.Equal("ERROR", await Scalar(db.Connection, "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'definitions'"));
            Assert.Contains("column fk_customer of public.tb_order", await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'"), StringComparison.Ordinal);
        }
        finally
        {
            await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_ddl ENABLE ALWAYS");
        }
    }

    private static async Task Exec(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> Scalar(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }
}
