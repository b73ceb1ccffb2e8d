using Npgsql;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Security;

/// <summary>
/// Who may do what (docs/security.md), under a hostile search_path: the owner creates TVIEWs;
/// a writer holds INSERT/UPDATE/DELETE on the sources only and its writes keep the TVIEWs exact;
/// a reader holds SELECT on a TVIEW; an operator is granted the owner role; a stranger holds nothing.
/// </summary>
public sealed class RoleMatrixTests(ITestOutputHelper output)
{
    private const string Schema = """
        CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE, title text NOT NULL);
        INSERT INTO tb_user VALUES (1, 'a'), (2, 'b');
        INSERT INTO tb_post VALUES (1, 1, 'x'), (2, 2, 'y');
        CREATE SCHEMA hostile;
        CREATE FUNCTION hostile.cardinality(integer[]) RETURNS integer LANGUAGE sql AS 'SELECT 1 / 0';
        GRANT USAGE ON SCHEMA hostile TO PUBLIC;
        """;

    private const string Definitions = """
        CREATE TABLE tv_post AS
        SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'author', u.name) AS data
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;

        CREATE TABLE tv_user AS
        SELECT u.pk_user, u.name, (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS posts FROM tb_user u;
        """;

    [Fact]
    public async Task EveryRoleCanDoWhatItMayAndNothingElse()
    {
        await using var db = await WorkloadDatabase.CreateAsync("roles", Schema, Definitions, output.WriteLine);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string writer = $"w_{suffix}", reader = $"r_{suffix}", operatorRole = $"o_{suffix}", stranger = $"s_{suffix}";
        var owner = (string)(await Scalar(db.Connection, "SELECT current_user::text"))!;
        await Exec(db.Connection, $"""
            CREATE ROLE {writer} LOGIN; CREATE ROLE {reader} LOGIN; CREATE ROLE {operatorRole} LOGIN; CREATE ROLE {stranger} LOGIN;
            GRANT SELECT, INSERT, UPDATE, DELETE ON tb_user, tb_post TO {writer};
            GRANT SELECT ON tv_post TO {reader};
            """);
        try
        {
            await using var w = await ConnectAsync(db.ConnectionString, writer);
            await using var r = await ConnectAsync(db.ConnectionString, reader);
            await using var s = await ConnectAsync(db.ConnectionString, stranger);

            // The writer: its writes maintain the TVIEWs, with nothing granted on them.
            foreach (var sql in new[]
                     {
                         "INSERT INTO tb_post VALUES (3, 1, 'z')", "UPDATE tb_post SET title = 'w' WHERE pk_post = 1",
                         "UPDATE tb_user SET name = 'c' WHERE pk_user = 2", "DELETE FROM tb_user WHERE pk_user = 1",
                     })
                await Exec(w, sql);
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the writer's writes");
            // ... and cannot touch them, their definition, the lock state or the runtime's internals.
            foreach (var sql in new[]
                     {
                         "SELECT * FROM tv_post", "UPDATE tv_post SET data = '{}'", "DELETE FROM tv_user", "INSERT INTO tv_post VALUES (9, 9, '{}')",
                         "DO $$ BEGIN LOCK TABLE tv_post IN ACCESS EXCLUSIVE MODE; END $$", "SELECT * FROM pg_tviews_v_post",
                         "UPDATE pg_tviews_state SET seq = seq", "SELECT * FROM pg_tviews_state FOR UPDATE",
                         "DELETE FROM pg_tviews_metadata", "SELECT pg_tviews_refresh('post', true)", "SELECT pg_tviews_refresh('post')",
                         "SELECT pg_tviews_convert_existing_table('post')", "SELECT pg_tviews_regate()",
                         "SELECT pg_tviews_lock_all(ARRAY['post'])", "SELECT pg_tviews_compose('{}'::jsonb)",
                         "SELECT pg_tviews_register('{}'::jsonb)", "SELECT pg_tviews_install_triggers('{}'::jsonb)",
                         "SELECT pg_tviews_apply_post(ARRAY[1])", "SELECT pg_tviews_sync_post('rebuild')",
                         // The deferred queue: its own transaction's rows neither read, taken nor dropped.
                         "SELECT * FROM pg_tviews_queued_rows(pg_current_xact_id(), 'post', 'public.tb_post', true)",
                         "SELECT pg_tviews_unqueue(pg_current_xact_id(), 'post')", "SELECT pg_tviews_queued_sources(pg_current_xact_id(), 'post')",
                         "DELETE FROM pg_tviews_queue", "DELETE FROM pg_tviews_queued",
                     })
                await Refused(w, sql);

            // The reader reads its TVIEW, and nothing else.
            Assert.Equal(1L, await Scalar(r, "SELECT count(*) FROM tv_post")); // user 1 went with its posts
            foreach (var sql in new[] { "SELECT * FROM tv_user", "UPDATE tv_post SET data = '{}'", "INSERT INTO tb_post VALUES (8, 2, 'q')", "SELECT pg_tviews_refresh('post')" })
                await Refused(r, sql);

            // A stranger: no data, no writes, no operations; the catalog and health are public.
            foreach (var sql in new[] { "SELECT * FROM tv_post", "INSERT INTO tb_post VALUES (8, 2, 'q')", "SELECT pg_tviews_refresh('user', true)", "UPDATE pg_tviews_state SET seq = 0" })
                await Refused(s, sql);
            Assert.Equal(2L, await Scalar(s, "SELECT count(*) FROM pg_tviews_metadata"));

            // The operator may refresh once granted the owner's role.
            await using (var o = await ConnectAsync(db.ConnectionString, operatorRole)) await Refused(o, "SELECT pg_tviews_refresh('post', true)");
            await Exec(db.Connection, $"GRANT {owner} TO {operatorRole}");
            await using (var o = await ConnectAsync(db.ConnectionString, operatorRole))
            {
                await Exec(o, "SELECT pg_tviews_refresh('post', true)");
                await Exec(o, "SELECT pg_tviews_refresh('user')");
            }
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the operator's refreshes");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            foreach (var role in new[] { writer, reader, operatorRole, stranger })
                await Exec(db.Connection, $"DROP OWNED BY {role}; DROP ROLE {role};");
        }
    }

    private static async Task<NpgsqlConnection> ConnectAsync(string cs, string role)
    {
        var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Username = role, Pooling = false, SearchPath = "hostile, public" }.ConnectionString);
        await c.OpenAsync();
        return c;
    }

    private static async Task Refused(NpgsqlConnection c, string sql)
    {
        var e = await Assert.ThrowsAsync<PostgresException>(async () => await Exec(c, sql));
        Assert.True(e.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: expected permission denied, got {e.SqlState} {e.MessageText}");
    }

    private static async Task Exec(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }
}
