using Npgsql;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Maintenance;

/// <summary>
/// DDL on sources and TVIEWs (issue 15): every kind either keeps the TVIEWs exact or is refused,
/// naming the TVIEW and the safe way; without the event triggers, the health check reports what is
/// wrong and apply rebuilds it. Generated code names tables, columns and functions as text, so a
/// rename PostgreSQL follows in the definition view would otherwise break writes while health said OK.
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

    private const string WatchedSchema = """
        CREATE SCHEMA app;
        CREATE TABLE app.tb_customer (pk_customer int PRIMARY KEY, name text NOT NULL, note text);
        CREATE TABLE app.tb_order (pk_order int PRIMARY KEY, fk_customer int NOT NULL REFERENCES app.tb_customer, total int NOT NULL, memo text);
        CREATE INDEX tb_order_fk_customer ON app.tb_order (fk_customer);
        CREATE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'total ' || t $$;
        CREATE FUNCTION app.pick(state int, v int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT greatest(state, v) $$;
        CREATE AGGREGATE app.top(int) (SFUNC = app.pick, STYPE = int);
        INSERT INTO app.tb_customer SELECT g, 'c' || g, NULL FROM generate_series(1, 6) g;
        INSERT INTO app.tb_order SELECT g, 1 + g % 6, g * 10, NULL FROM generate_series(1, 20) g;
        """;

    // tv_customer reads tv_order: a replaced function must reach it through tv_order.
    private const string WatchedDefinitions = """
        CREATE TABLE tv_order AS
        SELECT o.pk_order, o.fk_customer, o.total, app.label(o.total) AS label, c.name AS customer
        FROM app.tb_order o JOIN app.tb_customer c ON c.pk_customer = o.fk_customer;
        CREATE TABLE tv_customer AS
        SELECT c.pk_customer, c.name, app.top(o.total) AS top_total, string_agg(o.label, ',' ORDER BY o.pk_order) AS labels
        FROM app.tb_customer c LEFT JOIN tv_order o ON o.fk_customer = c.pk_customer GROUP BY c.pk_customer, c.name;
        """;

    [Fact]
    public async Task RenamingOrMovingASchemaSourcesAreInIsRefused()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_schema", WatchedSchema, WatchedDefinitions, output.WriteLine);
        foreach (var ddl in new[] { "ALTER SCHEMA app RENAME TO app2", "ALTER TABLE app.tb_order SET SCHEMA public" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, ddl));
            Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, e.SqlState);
            Assert.Matches("TVIEW (order|customer) reads table app\\.tb_(order|customer), which this command renames or moves", e.MessageText);
        }
        await RandomWritesAsync(db, 1501);
    }

    [Fact]
    public async Task ChangingATViewTableOrItsDefinitionViewIsRefusedAndIndexesAreNot()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_tview", WatchedSchema, WatchedDefinitions, output.WriteLine);
        // tv_customer reads tv_order (its table and the columns total and label): those renames are
        // refused as renames of a source; the others as changes of the TVIEW's own table.
        const string Own = "TVIEW order: after this command, ";
        foreach (var (ddl, message) in new[]
        {
            ("ALTER TABLE tv_order RENAME TO tv_orders", "TVIEW customer reads table public.tv_order, which this command renames or moves"),
            ("ALTER TABLE tv_order SET SCHEMA app", "TVIEW customer reads table public.tv_order, which this command renames or moves"),
            ("ALTER TABLE tv_order RENAME COLUMN total TO amount", "TVIEW customer reads column total of public.tv_order, which this command renames"),
            ("ALTER TABLE tv_order RENAME COLUMN customer TO client", Own + "the columns of its table public.tv_order (pk_order integer, fk_customer integer, total integer, label text, client text) differ"),
            ("ALTER TABLE tv_order ADD COLUMN extra int", Own + "the columns of its table public.tv_order (pk_order integer, fk_customer integer, total integer, label text, customer text, extra integer) differ from those of its definition (pk_order integer, fk_customer integer, total integer, label text, customer text)"),
            ("ALTER TABLE tv_order DROP COLUMN customer", Own + "the columns of its table public.tv_order (pk_order integer, fk_customer integer, total integer, label text) differ"),
            ("ALTER TABLE tv_order ALTER COLUMN customer TYPE varchar(40)", Own + "the columns of its table public.tv_order (pk_order integer, fk_customer integer, total integer, label text, customer character varying(40)) differ"),
            ("ALTER VIEW pg_tviews_v_order RENAME TO v_order", Own + "its definition view public.pg_tviews_v_order does not exist (renamed, moved or dropped)"),
            ("ALTER TABLE tv_customer RENAME TO tv_client", "TVIEW customer: after this command, its table public.tv_customer does not exist (renamed, moved or dropped)"),
        })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, ddl));
            Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, e.SqlState);
            Assert.StartsWith(message, e.MessageText, StringComparison.Ordinal);
            Assert.Matches("tviews drop tv_(order|customer) --cascade", e.Hint);
        }
        // What readers add to a read model is theirs to add.
        await Exec(db.Connection, "CREATE INDEX tv_order_customer ON tv_order (customer); ALTER TABLE tv_order ADD CONSTRAINT positive CHECK (total > 0); ALTER TABLE tv_order SET (fillfactor = 90)");
        await RandomWritesAsync(db, 1502);
        Assert.Equal("OK", await HealthAsync(db.Connection, "definitions"));
    }

    [Fact]
    public async Task ReplacingAFunctionADefinitionCallsReconcilesItsTViewsAndTheirDependents()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_function", WatchedSchema, WatchedDefinitions, output.WriteLine);
        var notices = new List<string>();
        db.Connection.Notice += (_, a) => notices.Add(a.Notice.MessageText);
        await Exec(db.Connection, "CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'sum ' || t $$");
        Assert.Equal("sum 10", await Scalar(db.Connection, "SELECT label FROM tv_order WHERE pk_order = 1"));
        Assert.Contains("sum 10", await Scalar(db.Connection, "SELECT labels FROM tv_customer WHERE pk_customer = 2"), StringComparison.Ordinal);
        Assert.Contains(notices, n => n.Contains("TVIEW order calls was replaced", StringComparison.Ordinal));
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the function was replaced");

        // An aggregate's support function replaced: the TVIEW calling the aggregate is reconciled.
        await Exec(db.Connection, "CREATE OR REPLACE FUNCTION app.pick(state int, v int) RETURNS int IMMUTABLE LANGUAGE sql AS $$ SELECT least(coalesce(state, v), v) $$");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the aggregate's function was replaced");
        Assert.Equal("10", await Scalar(db.Connection, "SELECT top_total::text FROM tv_customer WHERE pk_customer = 2"));

        // The same definition again changes nothing; an unrelated function is not watched.
        notices.Clear();
        await Exec(db.Connection, "CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'sum ' || t $$; CREATE FUNCTION app.other() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$");
        // ALTERs of it pass too (the watch returns before fingerprinting the recorded calls)...
        await Exec(db.Connection, "ALTER FUNCTION app.other() STABLE; ALTER FUNCTION app.other() RENAME TO other2");
        Assert.DoesNotContain(notices, n => n.Contains("was replaced", StringComparison.Ordinal));
        // ...unless a called function went missing while the watch was off: the next ALTER still says so.
        await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_functions DISABLE; ALTER FUNCTION app.label(int) RENAME TO label_gone; ALTER EVENT TRIGGER pg_tviews_functions ENABLE ALWAYS");
        var missed = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "ALTER FUNCTION app.other2() VOLATILE"));
        Assert.Contains("TVIEW order calls app.label(integer), which this command renames or moves", missed.MessageText, StringComparison.Ordinal);
        await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_functions DISABLE; ALTER FUNCTION app.label_gone(int) RENAME TO label; ALTER EVENT TRIGGER pg_tviews_functions ENABLE ALWAYS");

        foreach (var (ddl, message, state) in new[]
        {
            ("ALTER FUNCTION app.label(int) RENAME TO label2", "TVIEW order calls app.label(integer), which this command renames or moves", PostgresErrorCodes.DependentObjectsStillExist),
            ("ALTER FUNCTION app.label(int) SET SCHEMA public", "TVIEW order calls app.label(integer), which this command renames or moves", PostgresErrorCodes.DependentObjectsStillExist),
            ("ALTER FUNCTION app.label(int) VOLATILE", "TVIEW order calls app.label(integer), which this command makes VOLATILE", PostgresErrorCodes.FeatureNotSupported),
            ("CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text VOLATILE LANGUAGE sql AS $$ SELECT 'x' || t $$", "which this command makes VOLATILE", PostgresErrorCodes.FeatureNotSupported),
            ("DROP FUNCTION app.label(int)", "cannot drop function app.label(integer) because other objects depend on it", PostgresErrorCodes.DependentObjectsStillExist),
        })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, ddl));
            Assert.Equal(state, e.SqlState);
            Assert.Contains(message, e.MessageText, StringComparison.Ordinal);
        }
        await RandomWritesAsync(db, 1503);
        Assert.Equal("OK", await HealthAsync(db.Connection, "definitions"));
    }

    /// <summary>The recorded calls name functions by name and types, not OIDs: a dump restored elsewhere finds them unchanged, and still watched.</summary>
    [Fact]
    public async Task RecordedCallsSurviveADumpAndRestore()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_dump", WatchedSchema, WatchedDefinitions, output.WriteLine);
        var restored = await TestServer.CreateDatabaseAsync("ddl_restored");
        try
        {
            await Operations.OpsDatabase.DumpAndRestoreAsync(db.ConnectionString, restored);
            await using var c = new NpgsqlConnection(restored);
            await c.OpenAsync();
            Assert.Equal(0L, await Db.ScalarAsync<long>(c, "SELECT count(*) FROM pg_tviews_changed_calls()"));
            Assert.Equal("OK", await HealthAsync(c, "definitions"));
            await Exec(c, "CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'restored ' || t $$");
            Assert.Equal("restored 10", await Scalar(c, "SELECT label FROM tv_order WHERE pk_order = 1"));
            await Oracle.AssertConsistentAsync(c, db.Definitions, "restored, after the function was replaced");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(restored);
        }
    }

    [Fact]
    public async Task OnlyARoleWithTheTViewOwnersRightsMayReplaceAFunctionItCalls()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_function_owner", WatchedSchema, WatchedDefinitions, output.WriteLine);
        var role = "ddl_stranger_" + Guid.NewGuid().ToString("N")[..8];
        await Exec(db.Connection, $"CREATE ROLE {role}; GRANT USAGE, CREATE ON SCHEMA app TO {role}; ALTER FUNCTION app.label(int) OWNER TO {role}");
        try
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection,
                $"SET ROLE {role}; CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'mine ' || t $$"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
            Assert.Contains($"TVIEW order calls a function this command replaces, so its rows must be recomputed now, which role {role} may not do", e.MessageText, StringComparison.Ordinal);
            await Exec(db.Connection, "RESET ROLE");
            Assert.Equal("total 10", await Scalar(db.Connection, "SELECT app.label(10)"));
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the refused replacement");
        }
        finally
        {
            await Exec(db.Connection, $"RESET ROLE; ALTER FUNCTION app.label(int) OWNER TO CURRENT_USER; REVOKE ALL ON SCHEMA app FROM {role}; DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task WithoutTheEventTriggersHealthReportsWhatDdlLeftOutOfDateAndApplyRebuildsIt()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_no_triggers", WatchedSchema, WatchedDefinitions, output.WriteLine);
        await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_functions DISABLE; ALTER EVENT TRIGGER pg_tviews_ddl DISABLE");
        try
        {
            await Exec(db.Connection, "CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'sum ' || t $$");
            await Exec(db.Connection, "ALTER TABLE tv_customer ADD COLUMN extra int");
            var details = await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'");
            Assert.Equal("ERROR", await HealthAsync(db.Connection, "definitions"));
            Assert.Contains("order: it calls app.label(integer), which was replaced after it was built", details, StringComparison.Ordinal);
            Assert.Contains("customer: the columns of its table public.tv_customer (", details, StringComparison.Ordinal);
            Assert.Contains("pg_tviews_functions is disabled", await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'event_trigger'"), StringComparison.Ordinal);

            var engine = new TViewsEngine(db.ConnectionString);
            var definitions = TViewDefinition.FromScript(WatchedDefinitions, "ddl.sql");
            var plan = await engine.PlanApplyAsync(definitions);
            Assert.Contains(plan.Changes, c => c.Table == "tv_order" && c.Kind == TViewChangeKind.Rebuild && c.Reason == "out of date: app.label(integer) was replaced");
            Assert.Contains(plan.Changes, c => c.Table == "tv_customer" && c.Kind == TViewChangeKind.Rebuild);
            var applied = await engine.ApplyAsync(definitions);
            Assert.Equal(["tv_order", "tv_customer"], applied.Rebuilt);
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after apply rebuilt them");
            Assert.Equal("OK", await HealthAsync(db.Connection, "definitions"));
            Assert.All((await engine.PlanApplyAsync(definitions)).Changes, c => Assert.Equal(TViewChangeKind.Unchanged, c.Kind));

            // A refresh also brings the TVIEW in line with the functions as they are, and says so.
            await Exec(db.Connection, "CREATE OR REPLACE FUNCTION app.label(t int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'total ' || t $$");
            Assert.Equal("ERROR", await HealthAsync(db.Connection, "definitions"));
            await Exec(db.Connection, "SELECT pg_tviews_refresh('order')");
            Assert.Equal("OK", await HealthAsync(db.Connection, "definitions"));
            await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the refresh");

            // A rename without the event trigger: writes that patch a label fail, and health says why.
            await Exec(db.Connection, "ALTER FUNCTION app.label(int) RENAME TO label2");
            Assert.Contains("order: it calls app.label(integer), which no longer exists (renamed or moved?)",
                await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'"), StringComparison.Ordinal);
            await Exec(db.Connection, "ALTER FUNCTION app.label2(int) RENAME TO label");

            // Renames of a source table and of the schema of the sources: reported, then undone.
            foreach (var (rename, back, reported) in new[]
            {
                ("ALTER TABLE app.tb_customer RENAME TO tb_client", "ALTER TABLE app.tb_client RENAME TO tb_customer", "order: its generated code reads table app.tb_customer, which no longer exists"),
                ("ALTER SCHEMA app RENAME TO shop", "ALTER SCHEMA shop RENAME TO app", "order: its generated code reads table app.tb_order, which no longer exists"),
            })
            {
                await Exec(db.Connection, rename);
                Assert.Equal("ERROR", await HealthAsync(db.Connection, "definitions"));
                Assert.Contains(reported, await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'"), StringComparison.Ordinal);
                await Exec(db.Connection, back);
            }
            Assert.Equal("OK", await HealthAsync(db.Connection, "definitions"));
        }
        finally
        {
            await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_functions ENABLE ALWAYS; ALTER EVENT TRIGGER pg_tviews_ddl ENABLE ALWAYS");
        }
        await RandomWritesAsync(db, 1504);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SourceColumnsAndIndexesNoKeyNeedsCanChangeAndTheTViewsStayExact(bool eventTriggers)
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_columns_" + (eventTriggers ? "on" : "off"), WatchedSchema, WatchedDefinitions, output.WriteLine);
        if (!eventTriggers) await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_functions DISABLE; ALTER EVENT TRIGGER pg_tviews_ddl DISABLE; ALTER EVENT TRIGGER pg_tviews_sql_drop DISABLE");
        await Exec(db.Connection, """
            ALTER TABLE app.tb_order ADD COLUMN created date NOT NULL DEFAULT '2026-01-01';
            ALTER TABLE app.tb_order ALTER COLUMN memo TYPE varchar(200);
            ALTER TABLE app.tb_customer DROP COLUMN note;
            ALTER TABLE app.tb_customer ADD COLUMN email text UNIQUE;
            ALTER TABLE app.tb_order RENAME COLUMN memo TO remark;
            DROP INDEX app.tb_order_fk_customer;
            ALTER TABLE app.tb_order DROP CONSTRAINT tb_order_fk_customer_fkey;
            ALTER TABLE app.tb_order ADD CONSTRAINT tb_order_customer FOREIGN KEY (fk_customer) REFERENCES app.tb_customer ON DELETE CASCADE ON UPDATE CASCADE;
            """);
        await RandomWritesAsync(db, eventTriggers ? 1505 : 1506);
        // Columns a TVIEW reads: PostgreSQL refuses to drop or retype them (the definition view depends on them).
        var drop = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "ALTER TABLE app.tb_order DROP COLUMN total"));
        Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, drop.SqlState);
        var retype = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "ALTER TABLE app.tb_order ALTER COLUMN total TYPE bigint"));
        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, retype.SqlState);
        var table = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "DROP TABLE app.tb_customer"));
        Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, table.SqlState);
        Assert.Equal("OK", await HealthAsync(db.Connection, "definitions"));
    }

    [Fact]
    public async Task DroppingASourceWithCascadeTakesItsTViewsAlongAndLeavesTheOtherSourcesWritable()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_drop_source", WatchedSchema, WatchedDefinitions, output.WriteLine);
        await Exec(db.Connection, "DROP TABLE app.tb_customer CASCADE");
        Assert.Equal(0L, await Db.ScalarAsync<long>(db.Connection, "SELECT count(*) FROM pg_tviews_metadata"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(db.Connection, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_tviews\\_%'"));
        await Exec(db.Connection, "INSERT INTO app.tb_order VALUES (100, 1, 5, NULL); UPDATE app.tb_order SET total = total + 1; DELETE FROM app.tb_order WHERE pk_order = 1");
    }

    /// <summary>Without pg_tviews_sql_drop, the TVIEWs stay behind: writes to the other sources fail, and health says so.</summary>
    [Fact]
    public async Task DroppingASourceWithCascadeWithoutTheEventTriggerIsReportedNotSilent()
    {
        await using var db = await WorkloadDatabase.CreateAsync("ddl_drop_source_off", WatchedSchema, WatchedDefinitions, output.WriteLine);
        await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_sql_drop DISABLE; DROP TABLE app.tb_customer CASCADE");
        Assert.Equal("ERROR", await HealthAsync(db.Connection, "definitions"));
        Assert.Contains("order: definition view public.pg_tviews_v_order is missing",
            await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'"), StringComparison.Ordinal);
        await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "INSERT INTO app.tb_order VALUES (100, 1, 5, NULL)"));
        // The runbook's way out: forget them (their tables stay as plain tables).
        await Exec(db.Connection, "SELECT pg_tviews_forget('customer'); SELECT pg_tviews_forget('order'); ALTER EVENT TRIGGER pg_tviews_sql_drop ENABLE ALWAYS");
        await Exec(db.Connection, "INSERT INTO app.tb_order VALUES (100, 1, 5, NULL)");
    }

    /// <summary>
    /// A key is proven never NULL from NOT NULL constraints (or from the definition itself: an inner
    /// join's "=", a WHERE ... IS NOT NULL). A row with a NULL key would never be recomputed, so
    /// dropping a constraint the proof rests on is refused; other NOT NULLs may go.
    /// </summary>
    [Fact]
    public async Task DroppingANotNullTheKeyProofRestsOnIsRefusedAndOtherNotNullsMayGo()
    {
        const string definitions = """
            CREATE TABLE tv_order AS
            SELECT o.pk_order, o.fk_customer, o.total, c.name AS customer FROM app.tb_order o JOIN app.tb_customer c ON c.pk_customer = o.fk_customer;
            -- keyed by a column the inner join's "=" already proves non-NULL too
            -- tviews:key=fk_customer,pk_order
            CREATE TABLE tv_pair AS
            SELECT o.fk_customer, o.pk_order, o.memo FROM app.tb_order o JOIN app.tb_customer c ON c.pk_customer = o.fk_customer WHERE o.memo IS NOT NULL;
            """;
        await using var db = await WorkloadDatabase.CreateAsync("ddl_not_null", WatchedSchema, definitions, output.WriteLine);
        Assert.Equal("[{\"table\": \"tb_order\", \"column\": \"pk_order\", \"schema\": \"app\"}]",
            await Scalar(db.Connection, "SELECT (objects->'key_not_null')::text FROM pg_tviews_metadata WHERE entity_name = 'order'"));
        Assert.Equal("[{\"table\": \"tb_order\", \"column\": \"pk_order\", \"schema\": \"app\"}]",
            await Scalar(db.Connection, "SELECT (objects->'key_not_null')::text FROM pg_tviews_metadata WHERE entity_name = 'pair'"));

        await Exec(db.Connection, "ALTER TABLE app.tb_order DROP CONSTRAINT tb_order_pkey");
        var e = await Assert.ThrowsAsync<PostgresException>(() => Exec(db.Connection, "ALTER TABLE app.tb_order ALTER COLUMN pk_order DROP NOT NULL"));
        Assert.Equal(PostgresErrorCodes.DependentObjectsStillExist, e.SqlState);
        Assert.Matches("^TVIEW (order|pair) keys its rows by \\((pk_order|fk_customer, pk_order)\\), proven never NULL because column pk_order of app.tb_order is NOT NULL, which this command drops$", e.MessageText);
        Assert.Contains("A row with a NULL key would be missing from the TVIEW", e.Hint, StringComparison.Ordinal);
        // fk_customer (proven by the join's "="), total, name and memo (the WHERE) are the proof's business no more.
        await Exec(db.Connection, "ALTER TABLE app.tb_order ALTER COLUMN fk_customer DROP NOT NULL, ALTER COLUMN total DROP NOT NULL; ALTER TABLE app.tb_customer ALTER COLUMN name DROP NOT NULL");
        await Exec(db.Connection, "INSERT INTO app.tb_order VALUES (200, NULL, NULL, 'x'), (201, 2, NULL, 'y'); UPDATE app.tb_customer SET name = NULL WHERE pk_customer = 2; UPDATE app.tb_order SET memo = 'm' WHERE pk_order % 3 = 0");
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, "after the NOT NULLs the keys do not need were dropped");

        // Without the event trigger: health reports it, and apply, rebuilding, refuses the key with its position.
        await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_ddl DISABLE");
        try
        {
            await Exec(db.Connection, "ALTER TABLE app.tb_order ALTER COLUMN pk_order DROP NOT NULL");
            Assert.Contains("order: its key rests on column pk_order of app.tb_order being NOT NULL, which it no longer is",
                await Scalar(db.Connection, "SELECT details FROM pg_tviews_health_check() WHERE check_name = 'definitions'"), StringComparison.Ordinal);
            var refused = await Assert.ThrowsAnyAsync<TViewsException>(() => new TViewsEngine(db.ConnectionString).ApplyAsync(TViewDefinition.FromScript(definitions, "ddl.sql")));
            Assert.Contains("must never be NULL", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            await Exec(db.Connection, "ALTER EVENT TRIGGER pg_tviews_ddl ENABLE ALWAYS");
        }
    }

    /// <summary>Random inserts, updates (key moves, renames, totals) and deletes, then the oracle.</summary>
    private async Task RandomWritesAsync(WorkloadDatabase db, int fixedSeed)
    {
        var seed = TestSeed.Pick(fixedSeed);
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        var next = 1000;
        for (var i = 0; i < 60; i++)
        {
            var sql = rng.Next(7) switch
            {
                0 => $"INSERT INTO app.tb_order (pk_order, fk_customer, total) VALUES ({next++}, {1 + rng.Next(6)}, {1 + rng.Next(500)})",
                1 => $"UPDATE app.tb_order SET total = total + {1 + rng.Next(9)} WHERE pk_order % 5 = {rng.Next(5)}",
                2 => $"UPDATE app.tb_order SET fk_customer = {1 + rng.Next(6)} WHERE pk_order % 7 = {rng.Next(7)}",
                3 => $"DELETE FROM app.tb_order WHERE pk_order % 11 = {rng.Next(11)}",
                4 => $"UPDATE app.tb_customer SET name = name || '{(char)('a' + rng.Next(26))}' WHERE pk_customer = {1 + rng.Next(6)}",
                5 => $"INSERT INTO app.tb_customer (pk_customer, name) VALUES ({next++}, 'n') ON CONFLICT DO NOTHING",
                _ => $"WITH moved AS (UPDATE app.tb_order SET total = 1 WHERE pk_order % 13 = {rng.Next(13)} RETURNING 1) " +
                     $"UPDATE app.tb_customer SET name = 'w' || (SELECT count(*) FROM moved) WHERE pk_customer = {1 + rng.Next(6)}",
            };
            await Exec(db.Connection, sql);
        }
        await Oracle.AssertConsistentAsync(db.Connection, db.Definitions, $"after random writes (seed {seed})");
    }

    private static Task<string> HealthAsync(NpgsqlConnection c, string check) =>
        Scalar(c, $"SELECT status FROM pg_tviews_health_check() WHERE check_name = '{check}'");

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
