using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Npgsql;
using TViews.Analysis;
using TViews.Diagnostics;
using TViews.Runtime;
using TViews.Sql;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.DotNet;

/// <summary>The engine as a .NET team uses it: data sources, the caller's transaction, options, logging, errors, diagnostics.</summary>
public sealed class EngineApiTests : IClassFixture<DatabaseFixture>
{
    internal const string Schema = """
        CREATE TABLE tb_owner (pk_owner int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_owner int NOT NULL REFERENCES tb_owner, label text);
        CREATE INDEX ON tb_item (fk_owner);
        INSERT INTO tb_owner VALUES (1, 'a'), (2, 'b');
        INSERT INTO tb_item VALUES (1, 1, 'x'), (2, 1, 'y'), (3, 2, 'z');
        """;

    internal const string ItemDefinition = "SELECT i.pk_item, i.label, o.name FROM tb_item i JOIN tb_owner o ON o.pk_owner = i.fk_owner";

    private readonly DatabaseFixture _fixture;

    public EngineApiTests(DatabaseFixture fixture) => _fixture = fixture;

    /// <summary>A fresh database with the schema, for tests that install or apply.</summary>
    private static async Task<string> NewDatabaseAsync(string prefix)
    {
        var cs = await TestServer.CreateDatabaseAsync(prefix);
        await ExecAsync(cs, Schema);
        return cs;
    }

    private static async Task ExecAsync(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T?> ScalarAsync<T>(NpgsqlConnection c, string sql, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        var v = await cmd.ExecuteScalarAsync();
        return v is null or DBNull ? default : (T)v;
    }

    [Fact]
    public async Task AnEngineFromADataSourceAppliesAndVerifies()
    {
        var cs = await NewDatabaseAsync("ds");
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(cs);
            var engine = new TViewsEngine(dataSource);
            var result = await engine.ApplyAsync([TViewDefinition.FromSelect("tv_item", ItemDefinition)]);
            Assert.Equal(["tv_item"], result.Created);
            await ExecAsync(cs, "UPDATE tb_owner SET name = 'A' WHERE pk_owner = 1; INSERT INTO tb_item VALUES (4, 2, 'w')");
            await using var c = await dataSource.OpenConnectionAsync();
            await Oracle.AssertConsistentAsync(c, [("tv_item", ItemDefinition)], "after writes");
            Assert.Empty(await engine.VerifyAsync([]));
            Assert.Equal(TViewsEngine.Version, await ScalarAsync<string>(c, "SELECT pg_tviews_version()"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task ApplyInTheCallersTransactionIsUndoneByItsRollbackAndKeptByItsCommit()
    {
        var cs = await NewDatabaseAsync("callertx");
        try
        {
            var engine = new TViewsEngine(cs);
            var definitions = new[] { TViewDefinition.FromSelect("tv_item", ItemDefinition) };
            await using var c = new NpgsqlConnection(cs);
            await c.OpenAsync();

            await using (var tx = await c.BeginTransactionAsync())
            {
                // The caller's own write, then the apply, in one transaction: the TVIEW sees the write.
                await using (var cmd = new NpgsqlCommand("INSERT INTO tb_item VALUES (10, 2, 'in tx')", c, tx)) await cmd.ExecuteNonQueryAsync();
                var applied = await engine.ApplyAsync(c, tx, definitions);
                Assert.Equal(["tv_item"], applied.Created);
                Assert.Equal(4L, await ScalarAsync<long>(c, "SELECT count(*) FROM tv_item", tx));
                await tx.RollbackAsync();
            }
            Assert.Null(await ScalarAsync<string>(c, "SELECT to_regclass('tv_item')::text"));
            Assert.Null(await ScalarAsync<string>(c, "SELECT to_regprocedure('pg_tviews_version()')::text")); // the install too

            await using (var tx = await c.BeginTransactionAsync())
            {
                await engine.ApplyAsync(c, tx, definitions);
                Assert.Equal(["tv_item"], (await engine.ListAsync(c, tx)).Select(t => t.Table));
                await tx.CommitAsync();
            }
            await Oracle.AssertConsistentAsync(c, [("tv_item", ItemDefinition)], "after commit");

            // Without a transaction, the operation runs in one of its own on the caller's connection.
            Assert.Equal(3L, await engine.RefreshAsync(c, null, "item", force: true));
            Assert.Empty(await engine.VerifyAsync(c, null, []));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task ATransactionOfAnotherConnectionIsRefused()
    {
        var engine = new TViewsEngine(_fixture.ConnectionString);
        await using var a = await _fixture.OpenAsync();
        await using var b = await _fixture.OpenAsync();
        await using var tx = await b.BeginTransactionAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => engine.ListAsync(a, tx));
    }

    [Fact]
    public async Task TheLockTimeoutGivesUpOnALockedSourceAndIsRestoredInTheCallersTransaction()
    {
        var cs = await NewDatabaseAsync("locktimeout");
        try
        {
            var engine = new TViewsEngine(cs, new TViewsOptions { LockTimeout = TimeSpan.FromMilliseconds(200) });
            await using var holder = new NpgsqlConnection(cs);
            await holder.OpenAsync();
            await using (var hold = await holder.BeginTransactionAsync())
            {
                await using (var cmd = new NpgsqlCommand("LOCK TABLE tb_item IN ACCESS EXCLUSIVE MODE", holder, hold)) await cmd.ExecuteNonQueryAsync();
                var e = await Assert.ThrowsAsync<TViewsDatabaseException>(() => engine.ApplyAsync([TViewDefinition.FromSelect("tv_item", ItemDefinition)]));
                Assert.Equal(TViewsErrorCode.Timeout, e.ErrorCode);
                Assert.Equal(PostgresErrorCodes.LockNotAvailable, e.SqlState);
                Assert.IsType<PostgresException>(e.InnerException);
                await hold.RollbackAsync();
            }

            await using var c = new NpgsqlConnection(cs);
            await c.OpenAsync();
            await using var tx = await c.BeginTransactionAsync();
            await using (var cmd = new NpgsqlCommand("SET LOCAL lock_timeout = '7s'", c, tx)) await cmd.ExecuteNonQueryAsync();
            await engine.ApplyAsync(c, tx, [TViewDefinition.FromSelect("tv_item", ItemDefinition)]);
            Assert.Equal("7s", await ScalarAsync<string>(c, "SHOW lock_timeout", tx));
            await tx.CommitAsync();
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task TheCommandTimeoutEndsAStatementThatWaitsTooLong()
    {
        var cs = await NewDatabaseAsync("cmdtimeout");
        try
        {
            await new TViewsEngine(cs).ApplyAsync([TViewDefinition.FromSelect("tv_item", ItemDefinition)]);
            var engine = new TViewsEngine(cs, new TViewsOptions { CommandTimeout = TimeSpan.FromSeconds(1) });
            await using var holder = new NpgsqlConnection(cs);
            await holder.OpenAsync();
            await using var hold = await holder.BeginTransactionAsync();
            await using (var cmd = new NpgsqlCommand("LOCK TABLE tv_item IN ACCESS EXCLUSIVE MODE", holder, hold)) await cmd.ExecuteNonQueryAsync();
            // The refresh waits for the lock (no lock_timeout) until the client gives up on the statement.
            var e = await Assert.ThrowsAsync<TViewsDatabaseException>(() => engine.RefreshAsync("item", force: true));
            Assert.Equal(TViewsErrorCode.Timeout, e.ErrorCode);
            await hold.RollbackAsync();
            Assert.Equal(3L, await engine.RefreshAsync("item", force: true));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task NoticesAreDebugAndWarningsAreWarnings()
    {
        var cs = await NewDatabaseAsync("logging");
        try
        {
            // An immutable function that warns: PostgreSQL's WARNING reaches the logger at Warning.
            await ExecAsync(cs, """
                CREATE FUNCTION shout(t text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$
                BEGIN RAISE WARNING 'shouting %', t; RETURN upper(t); END $$;
                """);
            var logger = new RecordingLogger();
            var engine = new TViewsEngine(cs, logger: logger);
            await engine.InstallAsync();
            await engine.InstallAsync(); // CREATE SCHEMA IF NOT EXISTS: NOTICE "already exists, skipping"
            Assert.Contains(logger.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains("already exists", StringComparison.Ordinal));
            Assert.DoesNotContain(logger.Entries, e => e.Level > LogLevel.Debug && e.Message.Contains("already exists", StringComparison.Ordinal));
            Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains($"installed the TViews runtime {TViewsEngine.Version}", StringComparison.Ordinal));

            await engine.ApplyAsync([TViewDefinition.FromSelect("tv_loud", "SELECT i.pk_item, shout(i.label) AS label FROM tb_item i")]);
            Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("shouting x", StringComparison.Ordinal));
            Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message == "creating tv_loud");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    /// <summary>A refused definition rolls back the install it started: the log does not say the runtime was installed.</summary>
    [Fact]
    public async Task ARefusedDefinitionOnAFreshDatabaseDoesNotReportAnInstall()
    {
        var cs = await NewDatabaseAsync("refusedfirst");
        try
        {
            var logger = new RecordingLogger();
            var engine = new TViewsEngine(cs, logger: logger);
            await Assert.ThrowsAnyAsync<TViewsException>(() => engine.CreateAsync(TViewDefinition.FromSelect("tv_item", "SELECT i.pk_item, random() AS r FROM tb_item i")));
            await Assert.ThrowsAnyAsync<TViewsException>(() => engine.ApplyAsync([TViewDefinition.FromSelect("tv_item", "SELECT i.pk_item FROM tb_item i LIMIT 1")]));
            Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("TViews runtime", StringComparison.Ordinal));
            await using (var c = new NpgsqlConnection(cs))
            {
                await c.OpenAsync();
                Assert.Equal(0L, await Db.ScalarAsync<long>(c, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg\\_tviews\\_%'"));
            }

            await engine.CreateAsync(TViewDefinition.FromSelect("tv_item", "SELECT i.pk_item, i.label FROM tb_item i"));
            Assert.Single(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains($"installed the TViews runtime {TViewsEngine.Version}", StringComparison.Ordinal));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task EveryErrorIsATViewsExceptionWithItsCodeAndPosition()
    {
        var engine = new TViewsEngine(_fixture.ConnectionString);

        var syntax = Assert.Throws<SqlSyntaxException>(() => TViewDefinition.FromSelect("tv_x", "SELECT 1 FROM\nWHERE"));
        Assert.IsAssignableFrom<TViewsException>(syntax);
        Assert.Equal(TViewsErrorCode.Syntax, syntax.ErrorCode);
        Assert.Equal(new SourceLocation(syntax.Line, syntax.Column), syntax.Location);
        Assert.Equal(2, syntax.Location!.Value.Line);

        var inFile = Assert.ThrowsAny<TViewsException>(() => TViewDefinitions.FromDirectory(WriteTemp("CREATE TABLE tv_x AS SELECT FROM FROM;")));
        Assert.Equal(TViewsErrorCode.Syntax, inFile.ErrorCode);
        Assert.NotNull(inFile.Location);

        await _fixture.ExecuteAsync("CREATE TABLE IF NOT EXISTS tb_e (pk_e int PRIMARY KEY, n int)");
        var refused = await Assert.ThrowsAsync<AnalysisException>(() => engine.CreateAsync(TViewDefinition.FromSelect("tv_e", "SELECT e.pk_e, e.n FROM tb_e e\nLIMIT 3")));
        Assert.Equal(TViewsErrorCode.UnsupportedDefinition, refused.ErrorCode);
        Assert.Equal(2, refused.Location?.Line);

        var missing = await Assert.ThrowsAsync<TViewsException>(() => engine.ShowAsync("tv_nope"));
        Assert.Equal(TViewsErrorCode.NotFound, missing.ErrorCode);

        // A PostgreSQL error while building (here: the definition divides by zero) keeps PostgreSQL's exception inside.
        await _fixture.ExecuteAsync("INSERT INTO tb_e VALUES (1, 5) ON CONFLICT DO NOTHING");
        var pg = await Assert.ThrowsAsync<TViewsDatabaseException>(() => engine.CreateAsync(TViewDefinition.FromSelect("tv_f", "SELECT e.pk_e, 1 / (e.n - e.n) AS boom FROM tb_e e")));
        Assert.Equal(PostgresErrorCodes.DivisionByZero, Assert.IsType<PostgresException>(pg.InnerException).SqlState);
        Assert.Equal(PostgresErrorCodes.DivisionByZero, pg.SqlState);
        Assert.Equal(TViewsErrorCode.Database, pg.ErrorCode);
        Assert.DoesNotContain(await engine.ListAsync(), t => t.Table == "tv_f"); // nothing half made
    }

    [Fact]
    public async Task AnUnreachableServerIsAConnectionError()
    {
        var builder = new NpgsqlConnectionStringBuilder(_fixture.ConnectionString) { Port = FreePort(), Timeout = 2 };
        var e = await Assert.ThrowsAsync<TViewsDatabaseException>(() => new TViewsEngine(builder.ConnectionString).ListAsync());
        Assert.Equal(TViewsErrorCode.Connection, e.ErrorCode);
        Assert.IsAssignableFrom<NpgsqlException>(e.InnerException);
    }

    [Fact]
    public async Task OperationsAreTracedAndMeasuredUnderTheNameTViews()
    {
        var cs = await NewDatabaseAsync("diag");
        var activities = new List<Activity>();
        var measurements = new List<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TViewsDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) activities.Add(a); },
        };
        ActivitySource.AddActivityListener(activityListener);
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == TViewsDiagnostics.Name) l.EnableMeasurementEvents(instrument); },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var t = new Dictionary<string, object?>();
            foreach (var tag in tags) t[tag.Key] = tag.Value;
            lock (measurements) measurements.Add((instrument.Name, value, t));
        });
        meterListener.Start();
        try
        {
            // Other tests run engines in parallel: only what this database's operations report counts.
            var engine = new TViewsEngine(cs, new TViewsOptions { RuntimeSchema = "diag_rt" });
            await engine.ApplyAsync([TViewDefinition.FromSelect("tv_item", ItemDefinition)]);
            Assert.Equal(3L, await engine.RefreshAsync("tv_item", force: true));
            Assert.Empty(await engine.VerifyAsync([]));
            await Assert.ThrowsAsync<TViewsException>(() => engine.VerifyAsync(["tv_none"]));

            List<Activity> mine;
            lock (activities) mine = activities.Where(a => (a.GetTagItem("tviews.runtime_schema") as string) == "diag_rt").ToList();
            var apply = Assert.Single(mine, a => a.OperationName == "tviews.apply");
            Assert.Equal(1, apply.GetTagItem("tviews.created"));
            Assert.Equal(3L, Assert.Single(mine, a => a.OperationName == "tviews.refresh").GetTagItem("tviews.rows_written"));
            Assert.Equal(2, mine.Count(a => a.OperationName == "tviews.verify"));
            Assert.Single(mine, a => a.OperationName == "tviews.verify" && a.Status == ActivityStatusCode.Error);

            meterListener.RecordObservableInstruments();
            lock (measurements)
            {
                Assert.Contains(measurements, m => m.Instrument == "tviews.operations" && (string?)m.Tags["tviews.operation"] == "apply" && (string?)m.Tags["tviews.outcome"] == "ok");
                Assert.Contains(measurements, m => m.Instrument == "tviews.operations" && (string?)m.Tags["tviews.operation"] == "verify" && (string?)m.Tags["tviews.outcome"] == "error");
                Assert.Contains(measurements, m => m.Instrument == "tviews.rows_written" && m.Value == 3 && (string?)m.Tags["tviews.entity"] == "item");
            }
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    private static string WriteTemp(string sql)
    {
        var dir = Directory.CreateTempSubdirectory("tviews-defs-").FullName;
        File.WriteAllText(Path.Combine(dir, "bad.sql"), sql);
        return dir;
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>Keeps what was logged, level and text, for assertions.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries { get { lock (_entries) return [.. _entries]; } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) _entries.Add((logLevel, formatter(state, exception)));
    }
}
