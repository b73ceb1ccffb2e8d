using System.Data;
using System.Globalization;
using Npgsql;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// Partitioned tables as sources. A statement fires the statement triggers of the table it names
/// only, so each partition carries copies of the source's TViews triggers (pg_tviews_mirror), kept
/// by the DDL event triggers as partitions are created, attached, detached and dropped; rows that
/// arrive or leave with a partition refresh the TVIEWs reading it. Each case is checked by the
/// oracle; each fails without the copies (a write addressed to a partition is then unseen).
/// </summary>
public sealed class PartitionedSourceTests(ITestOutputHelper output)
{
    // Two levels, a default partition at the second, and an FK from the partitioned table.
    private const string Schema = """
        CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_event (pk_event int NOT NULL, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE ON UPDATE CASCADE,
                               kind text NOT NULL, at date NOT NULL, PRIMARY KEY (pk_event, at)) PARTITION BY RANGE (at);
        CREATE INDEX ON tb_event (fk_user);
        CREATE TABLE tb_event_2024 PARTITION OF tb_event FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE tb_event_2025 PARTITION OF tb_event FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY RANGE (at);
        CREATE TABLE tb_event_2025_h1 PARTITION OF tb_event_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');
        CREATE TABLE tb_event_2025_rest PARTITION OF tb_event_2025 DEFAULT;
        INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 8) g;
        INSERT INTO tb_event SELECT g, 1 + g % 8, CASE WHEN g % 3 = 0 THEN 'a' ELSE 'b' END, DATE '2024-06-01' + (g * 7) FROM generate_series(1, 80) g;
        """;

    private const string Definitions = """
        -- tviews:key=pk_event,at
        CREATE TABLE tv_event AS
        SELECT e.pk_event, e.at, e.kind, u.pk_user AS fk_user, u.name AS user_name
        FROM tb_event e JOIN tb_user u ON u.pk_user = e.fk_user;

        CREATE TABLE tv_user AS
        SELECT u.pk_user, u.name,
               (SELECT count(*) FROM tb_event e WHERE e.fk_user = u.pk_user) AS events,
               (SELECT jsonb_agg(jsonb_build_object('id', e.pk_event, 'kind', e.kind) ORDER BY e.at, e.pk_event)
                FROM tb_event e WHERE e.fk_user = u.pk_user) AS data
        FROM tb_user u;

        CREATE TABLE tv_kind AS
        SELECT e.kind AS pk_kind, count(*) AS events, max(e.at) AS latest FROM tb_event e GROUP BY e.kind;
        """;

    [Fact]
    public async Task WritesAddressedToTheSourceOrToAnyPartitionAreMaintained()
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_writes", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        // Every partition, at both levels, carries a copy of each of the source's statement triggers.
        Assert.Equal(0L, await ScalarAsync<long>(conn, """
            SELECT count(*) FROM pg_trigger s CROSS JOIN pg_partition_tree('tb_event') p
            WHERE s.tgrelid = 'tb_event'::regclass AND s.tgname LIKE 'pg\_tviews\_%' AND p.relid <> 'tb_event'::regclass
              AND NOT EXISTS (SELECT FROM pg_trigger c WHERE c.tgrelid = p.relid AND c.tgname = s.tgname AND c.tgfoid = s.tgfoid)
            """));
        Assert.Equal("OK", await ScalarAsync<string>(conn, "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'triggers'"));
        // explain says so, and shows the BEFORE TRUNCATE trigger that counts.
        var explained = await new TViews.Runtime.TViewsEngine(db.ConnectionString).ExplainAsync("tv_user");
        Assert.Equal("-- partitioned: each of its 4 partitions carries a copy of the triggers above (pg_tviews_mirror)",
            explained.Single(e => e.Event == "partitions" && e.Source == "public.tb_event").Sql);
        Assert.StartsWith("CREATE TRIGGER pg_tviews_01_user_trb BEFORE TRUNCATE ON public.tb_event", explained.Single(e => e.Event == "TRUNCATE count" && e.Source == "public.tb_event").Sql, StringComparison.Ordinal);
        foreach (var sql in new[]
                 {
                     "INSERT INTO tb_event_2024 VALUES (1000, 1, 'leaf', '2024-02-02')",
                     "INSERT INTO tb_event_2025 VALUES (1001, 2, 'middle', '2025-02-02'), (1002, 3, 'middle', '2025-11-02')",
                     "UPDATE tb_event_2025_h1 SET kind = 'z' WHERE pk_event % 2 = 0",
                     "UPDATE tb_event_2025_rest SET fk_user = 4 WHERE pk_event % 3 = 1",
                     "DELETE FROM tb_event_2024 WHERE pk_event % 5 = 1",
                     // Rows moving between partitions, addressed to the source and to a mid-level partition.
                     "UPDATE tb_event SET at = at + 200 WHERE pk_event % 4 = 0 AND at < DATE '2025-06-01'",
                     "UPDATE tb_event_2025 SET at = DATE '2025-12-30' WHERE pk_event % 7 = 0",
                     "INSERT INTO tb_event_2024 VALUES (1000, 5, 'again', '2024-02-02') ON CONFLICT (pk_event, at) DO UPDATE SET kind = 'upserted', fk_user = excluded.fk_user",
                     "WITH d AS (DELETE FROM tb_event_2025_h1 WHERE pk_event % 6 = 5 RETURNING pk_event, fk_user, at) INSERT INTO tb_event_2024 SELECT pk_event + 5000, fk_user, 'moved', DATE '2024-03-03' FROM d",
                     // FK actions reach the partitions from the referenced table.
                     "UPDATE tb_user SET pk_user = 80, name = 'eighty' WHERE pk_user = 8",
                     "DELETE FROM tb_user WHERE pk_user = 3",
                     "BEGIN; SAVEPOINT s; DELETE FROM tb_event_2024; ROLLBACK TO s; UPDATE tb_event_2025_rest SET kind = 'kept'; COMMIT",
                     "BEGIN; SET LOCAL pg_tviews.mode = 'deferred'; INSERT INTO tb_event_2025_h1 VALUES (2000, 1, 'deferred', '2025-03-03'); UPDATE tb_event_2024 SET kind = 'deferred' WHERE pk_event < 20; COMMIT",
                     "TRUNCATE tb_event_2025_h1",
                     "TRUNCATE tb_event",
                     "INSERT INTO tb_event SELECT g, (SELECT u.pk_user FROM tb_user u ORDER BY u.pk_user OFFSET g % 3 LIMIT 1), 'refilled', DATE '2024-01-01' + g * 5 FROM generate_series(1, 100) g",
                 })
        {
            await ExecuteAsync(conn, sql);
            await Oracle.AssertConsistentAsync(conn, db.Definitions, $"after: {sql}");
        }
    }

    /// <summary>
    /// One TRUNCATE empties the source and every partition before any AFTER trigger fires: each
    /// TVIEW is rebuilt once, by the last of its triggers to fire (pg_tviews_truncating counts them),
    /// not once per partition. TRUNCATEs one after another, run by a trigger, or rolled back to a
    /// savepoint each still end exact.
    /// </summary>
    [Fact]
    public async Task OneTruncateRebuildsEachReadModelOnce()
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_truncate", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        var rebuilt = new List<string>();
        conn.Notice += (_, e) => { if (e.Notice.MessageText.StartsWith("pg_tviews_refresh: rebuilt ", StringComparison.Ordinal)) rebuilt.Add(e.Notice.MessageText); };
        async Task<string> Step(string sql)
        {
            rebuilt.Clear();
            await ExecuteAsync(conn, sql);
            await Oracle.AssertConsistentAsync(conn, db.Definitions, $"after: {sql}");
            return string.Join(",", rebuilt.Select(r => r.Split(' ')[2]).Order(StringComparer.Ordinal));
        }
        const string refill = "INSERT INTO tb_event SELECT g, 1 + g % 8, 'k' || g % 3, DATE '2024-01-01' + g * 7 FROM generate_series(1, 90) g";

        // The source and its four partitions: five AFTER triggers per TVIEW, one rebuild each.
        Assert.Equal("event,kind,user", await Step("TRUNCATE tb_event"));
        await Step(refill);
        // One partition; then a list naming tables of two levels; then a CASCADE from the referenced table.
        Assert.Equal("event,kind,user", await Step("TRUNCATE tb_event_2024"));
        Assert.Equal("event,kind,user", await Step("TRUNCATE tb_event_2025_h1, tb_event_2025"));
        await Step(refill);
        Assert.Equal("event,kind,user", await Step("TRUNCATE tb_user CASCADE"));
        await Step("INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, 8) g");
        await Step(refill);
        // Two TRUNCATEs in one statement's function, a row written between them: both rebuild.
        Assert.Equal("event,event,kind,kind,user,user", await Step(
            "DO $$ BEGIN TRUNCATE tb_event_2024; INSERT INTO tb_event_2025_h1 VALUES (5000, 1, 'between', '2025-02-02'); TRUNCATE tb_event_2025; END $$"));
        await Step(refill);
        // A TRUNCATE run by a user's AFTER TRUNCATE trigger while the outer one's triggers fire.
        await ExecuteAsync(conn,
            "CREATE FUNCTION tb_cascade() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN TRUNCATE tb_event_2025; RETURN NULL; END $$; " +
            "CREATE TRIGGER a_cascade AFTER TRUNCATE ON tb_event_2024 FOR EACH STATEMENT EXECUTE FUNCTION tb_cascade()");
        await Step("TRUNCATE tb_event_2024");
        await ExecuteAsync(conn, "DROP TRIGGER a_cascade ON tb_event_2024");
        await Step(refill);
        // A TRUNCATE rolled back to its savepoint (its rebuild with it, its count too), then another.
        Assert.Equal("event,event,kind,kind,user,user", await Step(
            "BEGIN; SAVEPOINT s; TRUNCATE tb_event_2024; ROLLBACK TO s; INSERT INTO tb_event_2024 VALUES (5001, 2, 'after', '2024-05-05'); TRUNCATE tb_event_2025; COMMIT"));
    }

    /// <summary>
    /// pg_dump / pg_restore: the copies on the partitions and the record of the partitions come with
    /// the dump (the event triggers are restored last, so they do not fire while it loads); in the
    /// restored database a write to a partition is maintained, and a partition attached with rows
    /// refreshes the read models.
    /// </summary>
    [Fact]
    public async Task ADumpRestoresTheCopiesAndTheRecordOfThePartitions()
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_dump", Schema, Definitions, output.WriteLine);
        var restoredCs = await TestServer.CreateDatabaseAsync("part_restored");
        try
        {
            await TViews.Tests.Operations.OpsDatabase.DumpAndRestoreAsync(db.ConnectionString, restoredCs);
            await using var restored = new NpgsqlConnection(restoredCs);
            await restored.OpenAsync();
            foreach (var part in new[] { "tb_event_2024", "tb_event_2025", "tb_event_2025_h1", "tb_event_2025_rest" })
                Assert.Equal(await CopiesAsync(restored, "tb_event"), await CopiesAsync(restored, part));
            Assert.Equal(5L, await ScalarAsync<long>(restored, "SELECT count(*) FROM pg_tviews_partitions WHERE source = 'tb_event'::regclass"));
            await ExecuteAsync(restored, "INSERT INTO tb_event_2025_h1 VALUES (4000, 1, 'restored', '2025-03-03')");
            await Oracle.AssertConsistentAsync(restored, db.Definitions, "after a write to a partition of the restored database");
            await ExecuteAsync(restored, "CREATE TABLE tb_event_2027 (LIKE tb_event); INSERT INTO tb_event_2027 VALUES (4100, 2, 'attached', '2027-05-05')");
            await ExecuteAsync(restored, "ALTER TABLE tb_event ATTACH PARTITION tb_event_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
            Assert.Equal(1L, await ScalarAsync<long>(restored, "SELECT count(*) FROM tv_event WHERE kind = 'attached'"));
            await Oracle.AssertConsistentAsync(restored, db.Definitions, "after attaching a partition to the restored database");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await TestServer.DropDatabaseAsync(restoredCs);
        }
    }

    [Fact]
    public async Task PartitionsCreatedAttachedDetachedOrDroppedKeepTheReadModelsExact()
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_ddl", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        async Task Step(string sql)
        {
            await ExecuteAsync(conn, sql);
            await Oracle.AssertConsistentAsync(conn, db.Definitions, $"after: {sql}");
        }

        // Created empty, then written directly.
        await Step("CREATE TABLE tb_event_2026 PARTITION OF tb_event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        Assert.Equal(await CopiesAsync(conn, "tb_event"), await CopiesAsync(conn, "tb_event_2026"));
        await Step("INSERT INTO tb_event_2026 VALUES (3000, 1, 'new partition', '2026-05-05')");

        // Attached with rows: they are in the read models at once, and later writes to it are seen.
        await ExecuteAsync(conn, "CREATE TABLE tb_event_2027 (LIKE tb_event INCLUDING ALL)");
        await ExecuteAsync(conn, "INSERT INTO tb_event_2027 VALUES (3100, 2, 'attached', '2027-05-05'), (3101, 4, 'attached', '2027-06-05')");
        await Step("ALTER TABLE tb_event ATTACH PARTITION tb_event_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
        Assert.Equal(2L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_event WHERE kind = 'attached'"));
        await Step("UPDATE tb_event_2027 SET kind = 'attached, then edited'");

        // The same columns in another order: deferred mode would read its queued rows wrongly. Refused.
        await ExecuteAsync(conn, "CREATE TABLE tb_event_2028 (kind text NOT NULL, at date NOT NULL, fk_user int NOT NULL, pk_event int NOT NULL)");
        var reordered = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(conn, "ALTER TABLE tb_event ATTACH PARTITION tb_event_2028 FOR VALUES FROM ('2028-01-01') TO ('2029-01-01')"));
        Assert.Equal("0A000", reordered.SqlState);
        Assert.Contains("tb_event_2028 has its columns in another order", reordered.MessageText, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'tb_event_2028'::regclass"));
        // Written in deferred mode through a partition: its rows are queued and read back in the source's order.
        await Step("BEGIN; SET LOCAL pg_tviews.mode = 'deferred'; INSERT INTO tb_event_2027 VALUES (3102, 3, 'deferred', '2027-07-07'); UPDATE tb_event_2027 SET fk_user = 5 WHERE pk_event = 3100; COMMIT");

        // Attached one level down, into the partitioned partition.
        await ExecuteAsync(conn, "ALTER TABLE tb_event_2025 DETACH PARTITION tb_event_2025_rest");
        await Oracle.AssertConsistentAsync(conn, db.Definitions, "after detaching the default partition");
        await Step("ALTER TABLE tb_event_2025 ATTACH PARTITION tb_event_2025_rest DEFAULT");
        await Step("DELETE FROM tb_event_2025_rest WHERE pk_event % 2 = 0");

        // Detached: its rows leave the read models; its copies go, and writes to it concern no TVIEW.
        await Step("ALTER TABLE tb_event DETACH PARTITION tb_event_2026");
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tb_event_2026'::regclass AND tgname LIKE 'pg\\_tviews\\_%'"));
        await Step("INSERT INTO tb_event_2026 VALUES (3001, 1, 'detached', '2026-06-06')");
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_event WHERE pk_event IN (3000, 3001)"));

        // Dropped: its rows leave the read models.
        await Step("DROP TABLE tb_event_2025_h1");
        // Rolled back with the DDL: nothing changes.
        await Step("BEGIN; ALTER TABLE tb_event DETACH PARTITION tb_event_2024; ROLLBACK");
        Assert.Equal(await CopiesAsync(conn, "tb_event"), await CopiesAsync(conn, "tb_event_2024"));

        // A trigger of the source disabled or enabled: its copies follow.
        await ExecuteAsync(conn, "ALTER TABLE tb_event DISABLE TRIGGER pg_tviews_01_event_ins");
        Assert.Equal("D", await ScalarAsync<string>(conn, "SELECT tgenabled::text FROM pg_trigger WHERE tgrelid = 'tb_event_2027'::regclass AND tgname = 'pg_tviews_01_event_ins'"));
        await ExecuteAsync(conn, "ALTER TABLE tb_event ENABLE TRIGGER pg_tviews_01_event_ins");
        Assert.Equal("O", await ScalarAsync<string>(conn, "SELECT tgenabled::text FROM pg_trigger WHERE tgrelid = 'tb_event_2027'::regclass AND tgname = 'pg_tviews_01_event_ins'"));

        // A copy dropped by hand: reported, and repaired by pg_tviews_mirror_all().
        await ExecuteAsync(conn, "DROP TRIGGER pg_tviews_01_user_ins ON tb_event_2024");
        Assert.Equal("ERROR", await ScalarAsync<string>(conn, "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'definitions'"));
        Assert.Contains("tb_event_2024 without its copy of trigger pg_tviews_01_user_ins",
            await ScalarAsync<string>(conn, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'"), StringComparison.Ordinal);
        await ExecuteAsync(conn, "SELECT pg_tviews_mirror_all()");
        Assert.Equal("OK", await ScalarAsync<string>(conn, "SELECT status FROM pg_tviews_health_check() WHERE check_name = 'definitions'"));
        await Step("INSERT INTO tb_event_2024 VALUES (3200, 1, 'after repair', '2024-09-09')");

        // Dropping the TVIEWs removes every copy (the functions they call go too).
        foreach (var tv in new[] { "tv_kind", "tv_user", "tv_event" })
            await ExecuteAsync(conn, $"DROP TABLE {tv}");
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_tviews\\_%'"));
        Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_tviews_partitions"));
    }

    [Fact]
    public async Task TheRefreshARoleCallsForByAttachingRowsRunsWithItsRightsAndNeedsTheOwners()
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_rights", Schema, Definitions, output.WriteLine);
        var conn = db.Connection;
        // A role that owns the source (so it may attach partitions) but not the TVIEWs.
        var role = "part_owner_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(conn, $"CREATE ROLE {role}");
        try
        {
            await ExecuteAsync(conn, $"ALTER TABLE tb_event OWNER TO {role}; ALTER TABLE tb_event_2024 OWNER TO {role}; ALTER TABLE tb_event_2025 OWNER TO {role}; " +
                                     $"ALTER TABLE tb_event_2025_h1 OWNER TO {role}; ALTER TABLE tb_event_2025_rest OWNER TO {role}; GRANT CREATE ON SCHEMA public TO {role}; " +
                                     $"GRANT REFERENCES ON tb_user TO {role}");
            await ExecuteAsync(conn, $"SET ROLE {role}");
            await ExecuteAsync(conn, "CREATE TABLE tb_event_2027 (LIKE tb_event)");
            await ExecuteAsync(conn, "INSERT INTO tb_event_2027 VALUES (3100, 2, 'attached', '2027-05-05')");
            // The refresh the attached rows call for runs as this role, which lacks the TVIEWs' owner's
            // rights: the ATTACH is refused, and nothing changes.
            var e = await Assert.ThrowsAsync<PostgresException>(() =>
                ExecuteAsync(conn, "ALTER TABLE tb_event ATTACH PARTITION tb_event_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')"));
            Assert.Equal("42501", e.SqlState);
            Assert.Contains("permission denied to refresh TVIEW", e.MessageText, StringComparison.Ordinal);
            // An empty partition brings no rows: created and written, maintained with the source's triggers.
            await ExecuteAsync(conn, "CREATE TABLE tb_event_2026 PARTITION OF tb_event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
            await ExecuteAsync(conn, "RESET ROLE");
            Assert.Equal(await CopiesAsync(conn, "tb_event"), await CopiesAsync(conn, "tb_event_2026"));
            await ExecuteAsync(conn, "INSERT INTO tb_event_2026 VALUES (3000, 1, 'new partition', '2026-05-05')");
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_inherits WHERE inhrelid = 'tb_event_2027'::regclass"));
            await Oracle.AssertConsistentAsync(conn, db.Definitions, "after the refused ATTACH");
            // The TVIEWs' owner may: the rows arrive in the read models.
            await ExecuteAsync(conn, "ALTER TABLE tb_event ATTACH PARTITION tb_event_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
            Assert.Equal(1L, await ScalarAsync<long>(conn, "SELECT count(*) FROM tv_event WHERE kind = 'attached'"));
            await Oracle.AssertConsistentAsync(conn, db.Definitions, "after the owner's ATTACH");
        }
        finally
        {
            await ExecuteAsync(conn, "RESET ROLE");
            await ExecuteAsync(conn, $"REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task ARandomizedWorkloadOverSourceAndPartitionsStaysExact()
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_random", Schema, Definitions, output.WriteLine);
        await db.SetLockingAsync("auto");
        var committed = await WorkloadRunner.RunRandomAsync(db.Connection, db.Definitions, 400, Statement, output.WriteLine);
        Assert.True(committed > 200, $"only {committed} transactions committed");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the workload");
    }

    /// <summary>
    /// Sessions writing the source and its partitions at once, each transaction 1-4 statements (some
    /// in savepoints, 10% rolled back), at each isolation level and locking: the read models end exact.
    /// </summary>
    [Theory]
    [InlineData(8, IsolationLevel.ReadCommitted, "key", false)]
    [InlineData(8, IsolationLevel.ReadCommitted, "whole", false)]
    [InlineData(8, IsolationLevel.RepeatableRead, "auto", false)]
    [InlineData(8, IsolationLevel.ReadCommitted, "key", true)]
    public async Task ConcurrentWritersOfSourceAndPartitionsEndExact(int sessions, IsolationLevel level, string locking, bool deferred)
    {
        await using var db = await WorkloadDatabase.CreateAsync("part_concurrent", Schema, Definitions, output.WriteLine);
        await db.SetLockingAsync(locking);
        var seed = TestSeed.Pick(2323 + sessions, 1000);
        output.WriteLine($"seed {seed}, {sessions} sessions, {level}, locking {locking}{(deferred ? ", deferred" : "")}");
        var tally = await ConcurrentSessions.RunAsync(db.ConnectionString, sessions, 50, level, seed,
            (rng, _) => Statement(rng, rng.Next(100_000)), deferred: deferred);
        output.WriteLine(tally.ToString());
        Assert.True(tally["committed"] > sessions * 10, $"too few transactions committed: {tally}");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, $"seed {seed}, after the concurrent workload");
    }

    private static string Statement(Random rng, int t)
    {
        string S(int v) => v.ToString(CultureInfo.InvariantCulture);
        var user = S(1 + rng.Next(9));
        var ev = S(1 + rng.Next(120));
        // A date in 2024 or 2025, so in one partition or another at either level.
        var at = $"DATE '2024-01-01' + {S(rng.Next(720))}";
        // A table to address, and a date its rows may have (the source: any; a partition moves its rows
        // within its own range).
        var (target, within) = rng.Next(5) switch
        {
            0 => ("tb_event", at),
            1 => ("tb_event_2025", $"DATE '2025-01-01' + {S(rng.Next(360))}"),
            _ => ("tb_event_2024", $"DATE '2024-01-01' + {S(rng.Next(360))}"),
        };
        var leaf = rng.Next(3) switch { 0 => "tb_event_2024", 1 => "tb_event_2025_h1", _ => "tb_event_2025_rest" };
        return rng.Next(14) switch
        {
            0 or 1 => $"INSERT INTO tb_event SELECT {S(1000 + t * 4 + rng.Next(4))}, u.pk_user, 'k{S(rng.Next(4))}', {at} FROM tb_user u WHERE u.pk_user = {user} ON CONFLICT DO NOTHING",
            2 => $"INSERT INTO {target} SELECT {S(1000 + t * 4 + rng.Next(4))}, u.pk_user, 'direct', {within} FROM tb_user u WHERE u.pk_user = {user} ON CONFLICT DO NOTHING",
            3 => $"UPDATE {leaf} SET kind = 'k{S(rng.Next(4))}' WHERE pk_event BETWEEN {ev} AND {ev} + 5",
            4 => $"UPDATE {target} SET at = {within} WHERE pk_event = {ev}",
            5 => $"UPDATE tb_event SET fk_user = {user} WHERE pk_event BETWEEN {ev} AND {ev} + 3 AND EXISTS (SELECT FROM tb_user WHERE pk_user = {user})",
            6 => $"DELETE FROM {leaf} WHERE pk_event BETWEEN {ev} AND {ev} + 2",
            7 => $"DELETE FROM tb_event WHERE pk_event = {ev}",
            8 => $"UPDATE tb_user SET name = 'renamed {S(t)}' WHERE pk_user = {user}",
            9 => $"UPDATE tb_user SET pk_user = pk_user + 100 WHERE pk_user = {user}",
            10 => $"DELETE FROM tb_user WHERE pk_user = {user}",
            11 => $"INSERT INTO tb_user VALUES ({S(1 + rng.Next(9))}, 'back {S(t)}') ON CONFLICT DO NOTHING",
            12 => $"WITH d AS (DELETE FROM {leaf} WHERE pk_event = {ev} RETURNING pk_event, fk_user) INSERT INTO tb_event SELECT pk_event + 10000, fk_user, 'cte', {at} FROM d",
            _ => "SET LOCAL pg_tviews.mode = 'deferred'",
        };
    }

    private static async Task<string> CopiesAsync(NpgsqlConnection conn, string table) =>
        await ScalarAsync<string>(conn, $"""
            SELECT string_agg(tgname || ':' || tgfoid::regproc::text || ':' || tgtype::text || ':' || tgenabled::text, ',' ORDER BY tgname)
            FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND tgname LIKE 'pg\_tviews\_%'
            """);

    private static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
