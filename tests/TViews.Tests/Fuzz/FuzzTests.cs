using TViews.Cli.Commands;
using TViews.Cli.Fuzz;
using TViews.Runtime;
using TViews.Tests.Cli;
using TViews.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TViews.Tests.Fuzz;

/// <summary>
/// The differential fuzzer: a fixed set of seeds finds no divergence; and the fuzzer itself works:
/// a deliberately broken TVIEW is found, shrunk, and its reproduction reproduces through psql; the
/// same seed generates the same case; the generators reach the features they claim to.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static async Task<FuzzReport> RunAsync(FuzzOptions options, Action<string> log)
    {
        await using var databases = await FuzzDatabases.CreateAsync(await TestServer.AdminConnectionStringAsync());
        return await new FuzzRunner(databases, options, log).RunAsync();
    }

    /// <summary>The report of the first of seeds 1 to 5 whose run finds something (a sabotage needs a set with a definition).</summary>
    private async Task<FuzzReport> FirstFindingAsync(Func<int, FuzzOptions> options)
    {
        FuzzReport? report = null;
        for (var seed = 1; seed <= 5 && report is not { Findings.Count: > 0 }; seed++)
            report = await RunAsync(options(seed), output.WriteLine);
        return report!;
    }

    [Fact]
    public async Task FixedSeeds_FindNoDivergence()
    {
        // Sets bound the run, not time: the budget is only a safety net, so a slow machine runs the same sets.
        var report = await RunAsync(new FuzzOptions
        {
            Seed = 2026, Sets = 20, TransactionsPerSet = 200, Duration = TimeSpan.FromHours(1), ShrinkBudget = TimeSpan.FromMinutes(1),
        }, output.WriteLine);
        output.WriteLine(FuzzCommand.Format(report));
        Assert.Equal(20, report.Sets);
        Assert.Equal(0, report.SetsWithSetupError);
        Assert.True(report.DefinitionsAccepted >= 40, $"only {report.DefinitionsAccepted} definitions accepted");
        Assert.True(report.Findings.Count == 0,
            $"{report.Findings.Count} finding(s); first:\n{report.Findings.FirstOrDefault()?.Repro.Text}");
        Assert.Equal(20 * 200, report.Transactions);
        // Some COMMITs failed a deferred foreign key's check (rows that referenced nothing until then).
        Assert.True(report.AbortedAtCommit > 0, "no COMMIT failed a deferred foreign key");
    }

    /// <summary>The same with key locks (immediate and deferred statements mixed): the key-lock paths, flush included, under the oracle.</summary>
    [Fact]
    public async Task FixedSeedsWithKeyLocks_FindNoDivergence()
    {
        var report = await RunAsync(new FuzzOptions
        {
            Seed = 2027, Sets = 8, TransactionsPerSet = 200, Duration = TimeSpan.FromHours(1), ShrinkBudget = TimeSpan.FromMinutes(1),
            Mode = "mixed", Locking = "key",
        }, output.WriteLine);
        output.WriteLine(FuzzCommand.Format(report));
        Assert.Equal(8, report.Sets);
        Assert.True(report.Findings.Count == 0,
            $"{report.Findings.Count} finding(s); first:\n{report.Findings.FirstOrDefault()?.Repro.Text}");
        Assert.Equal(8 * 200, report.Transactions);
        // Some transactions ended in PREPARE TRANSACTION, where deferred statements are maintained.
        Assert.True(report.TwoPhaseAvailable, "the test server allows no prepared transactions");
        Assert.True(report.Prepared > 0, "no transaction ended in two phases");
    }

    /// <summary>
    /// Concurrent sessions over random schemas: four at a time, every isolation level, key locks,
    /// immediate and deferred statements mixed; serialization failures and deadlocks retried, the
    /// oracle after every round.
    /// </summary>
    [Fact]
    public async Task ConcurrentSessions_FindNoDivergence()
    {
        var report = await RunAsync(new FuzzOptions
        {
            Seed = 2028, Sets = 5, TransactionsPerSet = 160, Duration = TimeSpan.FromHours(1),
            Sessions = 4, Isolation = "mixed", Mode = "mixed", Locking = "key",
        }, output.WriteLine);
        output.WriteLine(FuzzCommand.Format(report));
        Assert.True(report.Findings.Count == 0,
            $"{report.Findings.Count} finding(s); first:\n{report.Findings.FirstOrDefault()?.Repro.Text}");
        Assert.Equal(5 * 160, report.Transactions);
        Assert.Equal(0, report.GaveUp);
        Assert.True(report.Prepared > 0, "no transaction ended in two phases");
        // The sessions overlapped: REPEATABLE READ and SERIALIZABLE transactions on small tables fail when they do.
        Assert.True(report.Retried > 0, "no transaction was retried: did the sessions run at once?");
    }

    /// <summary>
    /// Issue 17 on random schemas: single-statement transactions on one table each, six at a time,
    /// never close a cycle of whole-TVIEW locks (a deadlock of that shape is a finding); the oracle holds.
    /// </summary>
    [Fact]
    public async Task ConcurrentSingleStatements_NeverDeadlockOnWholeLocks()
    {
        var report = await RunAsync(new FuzzOptions
        {
            Seed = 2029, Sets = 6, TransactionsPerSet = 180, Duration = TimeSpan.FromHours(1),
            Sessions = 6, SingleStatements = true,
        }, output.WriteLine);
        output.WriteLine(FuzzCommand.Format(report));
        Assert.True(report.Findings.Count == 0,
            $"{report.Findings.Count} finding(s); first:\n{report.Findings.FirstOrDefault()?.Repro.Text}");
        Assert.Equal(6 * 180, report.Transactions);
        Assert.True(report.OrderedRounds >= 20, $"only {report.OrderedRounds} rounds of single-table statements");
    }

    /// <summary>
    /// A concurrent run's finding that one session running the transactions in order finds too is
    /// shrunk from that run: its reproduction is of one session.
    /// </summary>
    [Fact]
    public async Task ConcurrentSessions_FindABrokenTView_ShrunkThroughOneSession()
    {
        var report = await FirstFindingAsync(seed => new FuzzOptions
        {
            Seed = seed, Sets = 1, TransactionsPerSet = 60, Duration = TimeSpan.FromHours(1), Sessions = 3, ShrinkBudget = TimeSpan.FromMinutes(3),
            Sabotage = c => c.Definitions.Count == 0 ? null : $"ALTER TABLE {c.Definitions[0].Reads[0]} DISABLE TRIGGER USER",
        });
        var finding = Assert.Single(report.Findings);
        output.WriteLine(FuzzCommand.Format(report));
        Assert.Equal(FuzzFinding.Divergence, finding.Kind);
        Assert.StartsWith("reproduced by one session", finding.Replay, StringComparison.Ordinal);
        Assert.True(finding.ShrinkRuns > 1, $"{finding.ShrinkRuns} runs");
        Assert.Equal(1, finding.Size.Transactions);
        Assert.True(finding.Size.Statements <= 2, $"not shrunk: {finding.Size}");
        Assert.Contains("DISABLE TRIGGER USER", finding.Repro.Workload);
        Assert.DoesNotContain("at a time", finding.Repro.Workload, StringComparison.Ordinal);
        Assert.Contains(finding.Replay!, FuzzCommand.Format(report), StringComparison.Ordinal);
    }

    /// <summary>
    /// Deferred statements that are never maintained (the flush at COMMIT disabled): found, shrunk,
    /// and reproduced through psql as printed, which takes the reproduction's SET LOCAL of the mode
    /// (the TVIEWs' own mode is immediate) at the transactions' isolation level.
    /// </summary>
    [Fact]
    public async Task DeferredFinding_IsReproducedThroughPsqlInItsModeAndIsolation()
    {
        var report = await FirstFindingAsync(seed => new FuzzOptions
        {
            Seed = seed, Sets = 1, TransactionsPerSet = 60, Duration = TimeSpan.FromHours(1), ShrinkBudget = TimeSpan.FromMinutes(3),
            Mode = "deferred", Isolation = "repeatable-read",
            Sabotage = c => c.Definitions.Count == 0 ? null : "ALTER TABLE pg_tviews_queued DISABLE TRIGGER tviews_flush_at_commit",
        });
        var finding = Assert.Single(report.Findings);
        output.WriteLine(finding.Repro.Text);
        Assert.Equal(FuzzFinding.Divergence, finding.Kind);
        Assert.Null(finding.Replay);
        Assert.Equal(1, finding.Size.Transactions);
        Assert.Contains("BEGIN ISOLATION LEVEL REPEATABLE READ;\nSET LOCAL pg_tviews.mode = 'deferred';\n", finding.Repro.Workload, StringComparison.Ordinal);
        await AssertDivergesThroughPsqlAsync(finding.Repro);
    }

    /// <summary>A run cut short between PREPARE TRANSACTION and COMMIT PREPARED leaves nothing behind: its database is still dropped.</summary>
    [Fact]
    public async Task ADatabaseWithAPreparedTransactionLeftIsStillDropped()
    {
        await using var databases = await FuzzDatabases.CreateAsync(await TestServer.AdminConnectionStringAsync());
        var cs = await databases.CreateDatabaseAsync("fuzz_prepared");
        var name = new Npgsql.NpgsqlConnectionStringBuilder(cs).Database!;
        await using (var conn = new Npgsql.NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(
                $"CREATE TABLE t (a int); BEGIN; INSERT INTO t VALUES (1); PREPARE TRANSACTION 'tviews_fuzz_left_{Guid.NewGuid():N}';", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        await databases.DropDatabaseAsync(cs);
        await using var admin = new Npgsql.NpgsqlConnection(await TestServer.AdminConnectionStringAsync());
        await admin.OpenAsync();
        await using var check = new Npgsql.NpgsqlCommand(
            "SELECT (SELECT count(*) FROM pg_database WHERE datname = $1) + (SELECT count(*) FROM pg_prepared_xacts WHERE database = $1)", admin);
        check.Parameters.AddWithValue(name);
        Assert.Equal(0L, (long)(await check.ExecuteScalarAsync())!);
    }

    /// <summary>
    /// Three concurrent sessions with a timeout of 0.5 s, after a sleep of 2 s was added to every write
    /// of the first definition's root table: by a statement trigger, or (<paramref name="atCommit"/>) by
    /// a deferred constraint trigger, which sleeps in the COMMIT. The finding, and the report.
    /// </summary>
    private async Task<(FuzzFindingReport Finding, string Report)> SlowWritesAsync(bool atCommit)
    {
        var trigger = atCommit
            ? "CREATE CONSTRAINT TRIGGER fuzz_slow AFTER INSERT OR UPDATE OR DELETE ON {0} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
            : "CREATE TRIGGER fuzz_slow AFTER INSERT OR UPDATE OR DELETE ON {0} FOR EACH STATEMENT";
        var report = await FirstFindingAsync(seed => new FuzzOptions
        {
            Seed = seed, Sets = 1, TransactionsPerSet = 30, Duration = TimeSpan.FromHours(1), Sessions = 3,
            SessionTimeout = TimeSpan.FromMilliseconds(500),
            Sabotage = c => c.Definitions.Count == 0 ? null : $"""
                CREATE FUNCTION fuzz_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
                {string.Format(System.Globalization.CultureInfo.InvariantCulture, trigger, c.Definitions[0].Reads[0])} EXECUTE FUNCTION fuzz_slow()
                """,
        });
        var text = FuzzCommand.Format(report);
        output.WriteLine(text);
        return (Assert.Single(report.Findings), text);
    }

    /// <summary>
    /// A statement that waits past the sessions' statement_timeout is a finding, and says what each
    /// session of the database was doing then: a hang shows who waited for whom.
    /// </summary>
    [Fact]
    public async Task AConcurrentTimeoutIsAFindingThatListsTheSessions()
    {
        var (finding, report) = await SlowWritesAsync(atCommit: false);
        Assert.Equal(FuzzFinding.MaintenanceError, finding.Kind);
        Assert.StartsWith("57014", finding.Summary, StringComparison.Ordinal);
        // A wait needs the other sessions: not replayed by one, not shrunk, reproduced as it ran.
        Assert.Equal("not replayed by one session: it needs the others", finding.Replay);
        Assert.Equal(0, finding.ShrinkRuns);
        Assert.Contains("ran 3 at a time", finding.Repro.Workload, StringComparison.Ordinal);
        // One line per session of the case's database (the three of the run, the one that timed out included).
        var sessions = finding.Details.Where(d => d.StartsWith("session ", StringComparison.Ordinal)).ToList();
        Assert.True(sessions.Count >= 3, string.Join("\n", finding.Details));
        Assert.Contains(sessions, d => d.Contains(", blocked by {", StringComparison.Ordinal));
        Assert.Contains(sessions[0], report);
    }

    /// <summary>
    /// PostgreSQL runs deferred triggers (a deferred TVIEW's flush) after it has stopped the COMMIT's
    /// statement_timeout: a COMMIT that does not end within the sessions' timeout is a finding too,
    /// with the sessions as they were while it still waited.
    /// </summary>
    [Fact]
    public async Task ACommitThatDoesNotEndIsAFindingThatListsTheSessions()
    {
        var (finding, _) = await SlowWritesAsync(atCommit: true);
        Assert.Equal(FuzzFinding.MaintenanceError, finding.Kind);
        Assert.Matches(@"^(COMMIT|PREPARE TRANSACTION) did not end within 0\.5 s$", finding.Summary);
        Assert.Equal("not replayed by one session: it needs the others", finding.Replay);
        // The COMMIT itself, still waiting when the sessions were listed.
        Assert.Contains(finding.Details, d => d.StartsWith("session ", StringComparison.Ordinal) && d.Contains("active, wait Timeout/PgSleep", StringComparison.Ordinal));
    }

    [Fact]
    public void DeadlockDetails_TellCyclesOfWholeTViewLocks()
    {
        // 64-bit advisory keys show as [database, high 32 bits, low 32 bits, 1].
        var a = unchecked((long)((1796798713UL << 32) | 2864341288UL));
        var b = unchecked((long)((3190443489UL << 32) | 2090193647UL));
        var keys = new HashSet<long> { a, b };
        const string whole = """
            Process 7451 waits for ExclusiveLock on advisory lock [110164,1796798713,2864341288,1]; blocked by process 7453.
            Process 7453 waits for ExclusiveLock on advisory lock [110164,3190443489,2090193647,1]; blocked by process 7451.
            """;
        const string throughARow = """
            Process 7529 waits for ExclusiveLock on advisory lock [113183,1796798713,2864341288,1]; blocked by process 7527.
            Process 7527 waits for ShareLock on transaction 499773; blocked by process 7529.
            """;
        const string otherKey = """
            Process 1 waits for ShareLock on advisory lock [5,1796798713,2864341288,1]; blocked by process 2.
            Process 2 waits for ExclusiveLock on advisory lock [5,12,34,1]; blocked by process 1.
            """;
        Assert.True(CaseExecutor.IsWholeLockCycle(whole, keys));
        Assert.False(CaseExecutor.IsWholeLockCycle(throughARow, keys));
        Assert.False(CaseExecutor.IsWholeLockCycle(otherKey, keys));
        Assert.False(CaseExecutor.IsWholeLockCycle(null, keys));
    }

    [Fact]
    public async Task BrokenTView_IsFound_Shrunk_AndReproducedThroughPsql()
    {
        // The break: every TViews trigger on the first definition's root table disabled after creation.
        var report = await FirstFindingAsync(seed => new FuzzOptions
        {
            Seed = seed, Sets = 1, TransactionsPerSet = 100, Duration = TimeSpan.FromHours(1), ShrinkBudget = TimeSpan.FromMinutes(3),
            Sabotage = c => c.Definitions.Count == 0 ? null : $"ALTER TABLE {c.Definitions[0].Reads[0]} DISABLE TRIGGER USER",
        });
        var finding = Assert.Single(report.Findings);
        output.WriteLine(finding.Repro.Text);
        Assert.Equal(FuzzFinding.Divergence, finding.Kind);
        Assert.Equal(1, finding.Size.Definitions);
        Assert.Equal(1, finding.Size.Transactions);
        Assert.True(finding.Size.Statements <= 2, $"not shrunk: {finding.Size}");
        Assert.Contains("DISABLE TRIGGER USER", finding.Repro.Workload);
        await AssertDivergesThroughPsqlAsync(finding.Repro);
    }

    /// <summary>A reproduction run through psql as printed: no divergence before its workload, one after.</summary>
    private async Task AssertDivergesThroughPsqlAsync(Repro repro)
    {
        var cs = await TestServer.CreateDatabaseAsync("fuzzrepro");
        try
        {
            await Psql.RunAsync(cs, [], repro.Setup);
            await new TViewsEngine(cs).ApplyAsync(TViewDefinition.FromScript(repro.Definitions, "repro.sql"));
            var before = await Psql.RunAsync(cs, ["-A", "-t"], repro.Oracle);
            Assert.True(before.Trim().Length == 0, $"diverged before the workload:\n{before}");
            // The workload as printed, failing statements and all: psql goes on after an error.
            await Psql.RunAsync(cs, ["-v", "ON_ERROR_STOP=0"], repro.Workload);
            var after = await Psql.RunAsync(cs, ["-A", "-t"], repro.Oracle);
            output.WriteLine(after);
            Assert.True(after.Contains("|missing|", StringComparison.Ordinal) || after.Contains("|extra|", StringComparison.Ordinal), $"no divergence after the workload:\n{after}");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public void SameSeed_GeneratesTheSameCase()
    {
        var a = FuzzRunner.Generate(7, 3, 200).Describe();
        Assert.Equal(a, FuzzRunner.Generate(7, 3, 200).Describe());
        Assert.NotEqual(a, FuzzRunner.Generate(8, 3, 200).Describe());
        Assert.NotEqual(a, FuzzRunner.Generate(7, 4, 200).Describe());
        // Transactions come from their own stream: more of them leave the schema and the first ones as they were.
        var longer = FuzzRunner.Generate(7, 3, 300).Describe();
        Assert.StartsWith(a[..a.IndexOf("-- transaction 199", StringComparison.Ordinal)], longer, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusalCauses_BlankNamesPositionsAndNumbers()
    {
        var a = new TViews.Analysis.AnalysisException("key column \"a1\" is computed by an aggregate or window function; the key must come from the rows",
            new TViews.Sql.LinePosition(3, 12));
        Assert.Equal("key column \"…\" is computed by an aggregate or window function", CaseExecutor.Cause(a));
        var b = new TViewsException("tv_grp7: the key (ka, kb) is not unique: Key (ka, kb)=(1, 2) already exists.");
        var c = new TViewsException("tv_x2: the key (id) is not unique: Key (id)=(k9) already exists.");
        Assert.Equal("the key (…) is not unique", CaseExecutor.Cause(b));
        Assert.Equal(CaseExecutor.Cause(b), CaseExecutor.Cause(c));
    }

    [Fact]
    public void Generators_ReachEveryFeature()
    {
        var cases = Enumerable.Range(0, 60).Select(s => FuzzRunner.Generate(11, s, 100)).ToList();
        var schema = string.Join("\n", cases.Select(c => c.Schema.DdlScript()));
        var definitions = string.Join("\n", cases.SelectMany(c => c.Definitions.Select(d => d.Script)));
        var statements = string.Join("\n", cases.SelectMany(c => c.Transactions.SelectMany(t => t.Statements.Select(s => s.Sql))));
        foreach (var type in new[] { " bigint NOT NULL", " integer NOT NULL", " text NOT NULL", " uuid NOT NULL" }) Assert.Contains(type, schema);
        foreach (var action in new[] { "ON DELETE CASCADE", "ON DELETE SET NULL", "ON DELETE SET DEFAULT", "ON DELETE RESTRICT", "ON UPDATE CASCADE" })
            Assert.Contains(action, schema);
        Assert.Contains("REFERENCES tb_a (ka, kb)", schema);               // composite key referenced
        Assert.Contains("parent_id", schema);                              // self-reference
        Assert.Contains("AFTER INSERT OR DELETE OR UPDATE ON", schema);     // a user trigger writing another table
        Assert.Contains("BEFORE UPDATE ON", schema);                       // a BEFORE UPDATE row trigger setting a column
        Assert.Contains("PARTITION BY HASH (", schema);                    // a partitioned entity table
        Assert.Contains("FOR VALUES WITH (MODULUS 3, REMAINDER 2)", schema);
        // Statements addressed to its partitions, not only to it.
        var partitions = cases.SelectMany(c => c.Schema.Tables.SelectMany(t => t.PartitionNames)).Distinct().ToList();
        foreach (var verb in new[] { "INSERT INTO ", "UPDATE ", "DELETE FROM ", "TRUNCATE " })
            Assert.Contains(partitions, p => statements.Contains(verb + p + " ", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Schema.Tables.Any(t => t.Role == TableRole.Link));
        // a definition reading the table a user trigger writes
        Assert.Contains(cases, c => c.Definitions.Any(d => d.Reads.Any(r => c.Schema.Tables.Any(t => t.Name == r && t.Role == TableRole.Counter))));
        foreach (var shape in new[] { "row", "doc", "grp", "gval", "dist", "anti", "lat", "cte", "don", "union" })
            Assert.Contains(cases, c => c.Definitions.Any(d => d.Shape.StartsWith(shape, StringComparison.Ordinal)));
        Assert.Contains(cases, c => c.Definitions.Any(d => d.Shape.EndsWith("+tv", StringComparison.Ordinal)));
        foreach (var piece in new[] { "LEFT JOIN", "\nJOIN ", "GROUP BY", "HAVING", "FILTER (WHERE", "SELECT DISTINCT", "DISTINCT ON", "NOT EXISTS", " IN (SELECT",
                     "jsonb_agg(", "array_agg(", "string_agg(", "bool_or(", "sum(", "CASE WHEN", "COALESCE(", "jsonb_build_object(", "LATERAL", "WITH t AS", "IS NULL",
                     "RIGHT JOIN", "LIMIT 1)", " UNION SELECT " })
            Assert.Contains(piece, definitions);
        foreach (var piece in new[] { "ON CONFLICT DO NOTHING", "DO UPDATE SET", "WITH d AS (DELETE", "WITH p AS (INSERT", "WITH a AS (UPDATE", "l AS (DELETE",
                     "TRUNCATE", " CASCADE", "SAVEPOINT s1", "ROLLBACK TO SAVEPOINT", "RELEASE SAVEPOINT" })
            Assert.Contains(piece, statements);
        Assert.Contains(cases, c => c.Transactions.Any(t => t.Rollback));
        Assert.Contains(cases, c => c.Transactions.Any(t => t.Statements.Any(s => s.Guarded)));
        // Two-phase ends, both ways, about as often as drawn; never for single-statement workloads.
        var all = cases.SelectMany(c => c.Transactions).ToList();
        Assert.Contains(all, t => t.Prepared && !t.Rollback);
        Assert.Contains(all, t => t.Prepared && t.Rollback);
        var share = all.Count(t => t.Prepared) / (double)all.Count;
        Assert.InRange(share, FuzzRunner.TwoPhaseShare / 2, FuzzRunner.TwoPhaseShare * 2);
        Assert.DoesNotContain(Enumerable.Range(0, 10).SelectMany(s => FuzzRunner.Generate(11, s, 100, singleStatements: true).Transactions), t => t.Prepared);
        Assert.Contains("PREPARE TRANSACTION 'fuzz'; COMMIT PREPARED 'fuzz';", string.Join("\n", cases.Select(c => c.Describe())));
        // Foreign keys checked at COMMIT, about as often as drawn, and SET CONSTRAINTS inside transactions, both ways.
        var fks = cases.SelectMany(c => c.Schema.Tables.SelectMany(t => t.ForeignKeys)).ToList();
        Assert.Contains("DEFERRABLE INITIALLY DEFERRED", schema);
        Assert.InRange(fks.Count(f => f.Deferred) / (double)fks.Count, FuzzRunner.DeferredForeignKeyShare / 2, FuzzRunner.DeferredForeignKeyShare * 2);
        // Counters kept at COMMIT by a deferred constraint trigger, and at once.
        Assert.Contains("CREATE CONSTRAINT TRIGGER", schema);
        Assert.Contains("DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION", schema);
        Assert.Contains(cases, c => c.Schema.Triggers.Any(t => SchemaGenerator.IsCounterTrigger(t) && t.Ddl.Contains("CREATE TRIGGER", StringComparison.Ordinal)));
        var immediate = all.Count(t => t.Statements.Any(s => s.Sql == "SET CONSTRAINTS ALL IMMEDIATE"));
        Assert.InRange(immediate / (double)all.Count, FuzzRunner.SetConstraintsShare / 2, FuzzRunner.SetConstraintsShare * 2);
        Assert.Contains(all, t => t.Statements.Select(s => s.Sql).SkipWhile(s => s != "SET CONSTRAINTS ALL IMMEDIATE").Contains("SET CONSTRAINTS ALL DEFERRED"));
        Assert.DoesNotContain(Enumerable.Range(0, 10).SelectMany(s => FuzzRunner.Generate(11, s, 100, singleStatements: true).Transactions),
            t => t.Statements.Any(s => s.Sql.StartsWith("SET CONSTRAINTS", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Without TViews: every generated definition is valid SQL over its schema (earlier TVIEWs stood
    /// in for by plain tables), and its key, when one is written, is unique and never NULL on the seed rows.
    /// </summary>
    [Fact]
    public async Task GeneratedDefinitions_AreValidSql_WithUniqueKeys()
    {
        var cs = await TestServer.CreateDatabaseAsync("fuzzgen");
        try
        {
            await using var conn = new Npgsql.NpgsqlConnection(cs);
            await conn.OpenAsync();
            async Task<long> ScalarAsync(string sql)
            {
                await using var cmd = new Npgsql.NpgsqlCommand(sql, conn);
                return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }
            var checkedDefinitions = 0;
            var multisets = 0;
            for (var set = 0; set < 40; set++)
            {
                var c = FuzzRunner.Generate(31, set, 1);
                var schema = $"g{set}";
                await ScalarAsync($"CREATE SCHEMA {schema}; SET search_path = {schema}; SELECT 0");
                await ScalarAsync(c.Schema.DdlScript() + c.Schema.SeedScript() + "SELECT 0");
                foreach (var d in c.Definitions)
                {
                    await ScalarAsync($"CREATE TABLE {d.Table} AS {d.Select}; SELECT 0");
                    if (d.Key.Count == 0) { multisets++; continue; } // no key written: a multiset, duplicates legitimate
                    var key = string.Join(", ", d.Key);
                    Assert.True(await ScalarAsync($"SELECT count(*) FROM (SELECT {key} FROM {d.Table} GROUP BY {key} HAVING count(*) > 1) x") == 0,
                        $"set {set}: key ({key}) of {d.Table} is not unique:\n{d.Script}");
                    Assert.True(await ScalarAsync($"SELECT count(*) FROM {d.Table} WHERE {string.Join(" OR ", d.Key.Select(k => k + " IS NULL"))}") == 0,
                        $"set {set}: key ({key}) of {d.Table} has NULLs:\n{d.Script}");
                    checkedDefinitions++;
                }
            }
            Assert.True(checkedDefinitions >= 100, $"{checkedDefinitions} definitions checked");
            Assert.True(multisets > 0, "no multiset generated");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public async Task Cli_RunsSetsAndReportsJson()
    {
        var admin = await TestServer.AdminConnectionStringAsync();
        var r = await CliRunner.RunAsync(admin, "fuzz", "--sets", "1", "--transactions", "20", "--seed", "3", "--json");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        Assert.Equal(1, doc.RootElement.GetProperty("sets").GetInt32());
        Assert.Equal(20, doc.RootElement.GetProperty("transactions").GetInt64());
        Assert.Equal(0, doc.RootElement.GetProperty("findings").GetArrayLength());
    }
}
