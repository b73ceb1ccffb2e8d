using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace TViews.Cli.Bench;

/// <summary>
/// Runs the benchmark: one template database with the workload's data, copies of it per mode,
/// the timed builds (hand-written, TViews, CREATE TABLE AS) and full refreshes, then every
/// operation on every mode in alternated rounds, then the verification of every read model.
/// </summary>
public sealed class BenchRunner(BenchOptions options, IBenchProgress progress)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private BenchServer _server = null!;
    private string _prefix = "";
    private readonly List<string> _databases = [];
    private bool _checkpointDenied;

    public async Task<BenchReport> RunAsync(CancellationToken ct)
    {
        options.Validate();
        var workload = BenchWorkload.Load(options.BenchDirectory);
        var ops = BenchWorkload.SelectOps(workload.Ops, options.OpsSpec);
        var definitions = ReadModelScript.Parse(await File.ReadAllTextAsync(workload.TViewsSql, ct));
        var (posts, users) = BenchOptions.Sizes(options.Scale);
        var modes = options.Modes;
        var sw = Stopwatch.StartNew();
        var report = new BenchReport
        {
            Config = new BenchConfig(options.Scale, posts, users, options.Rounds, options.BuildRounds, options.Seed, modes,
                ops.Select(o => o.Name).ToList(), workload.Directory,
                options.Connection is null ? "throwaway local server" : "existing server (--connection / TVIEWS_CONNECTION)")
            {
                Locking = options.Locking ?? "as built (whole)",
            },
        };

        var buildKinds = new List<string>();
        if (modes.Contains(Modes.Handwritten)) buildKinds.Add(Builds.Handwritten);
        if (modes.Any(Modes.IsTViews)) buildKinds.Add(Builds.TViews);
        buildKinds.Add(Builds.CreateTableAs);
        var concurrentWorkloads = options.ConcurrentClients.Count == 0 ? [] : options.ConcurrentWorkloads;
        var runnableWorkloads = concurrentWorkloads.Where(w => w.MissingFile(workload.Directory) is null).ToList();
        // Steps: server, data, builds, raw copy, deferred copy, views, refreshes, concurrent runs, vacuum,
        // per op (warm-ups, rounds, vacuum), verifications, sources, cleanup.
        int Total(IReadOnlyList<string> m) =>
            2 + options.BuildRounds * buildKinds.Count + (m.Contains(Modes.Raw) ? 1 : 0) + (m.Contains(Modes.TViewsDeferred) ? 1 : 0) + 1 + options.Rounds
            + options.ConcurrentRounds * runnableWorkloads.Count * options.ConcurrentClients.Count * m.Count + 1
            + ops.Count * (m.Count * (1 + options.Rounds) + 1) + m.Count(Modes.HasReadModels) * definitions.Count + 1 + 1;
        progress.SetTotal(Total(modes));

        progress.Begin(options.Connection is null ? "starting a throwaway PostgreSQL (fsync on)" : "connecting");
        _server = await BenchServer.StartAsync(options.Connection, progress.Log, ct);
        progress.End();
        _prefix = $"bench_{Guid.NewGuid():N}"[..14];
        try
        {
            report.Machine = await MachineAsync(ct);
            progress.Log($"PostgreSQL {report.Machine.ServerVersion}; {report.Machine.Processors} CPUs, {report.Machine.MemoryMb} MB");

            // 1. The data, once, in a template database that every mode is copied from.
            var template = Name("tmpl");
            progress.Begin($"loading schema and data at scale {options.Scale.ToString(Inv)} ({posts} posts, {users} users)");
            await _server.CreateDatabaseAsync(template, null, ct);
            _databases.Add(template);
            var load = Stopwatch.StartNew();
            await _server.PsqlFileAsync(template, workload.SchemaSql, [], ct);
            await _server.PsqlFileAsync(template, workload.DataSql, [$"scale={options.Scale.ToString(Inv)}"], ct);
            await _server.ExecuteAsync(template, "VACUUM (FREEZE, ANALYZE)", ct);
            report.DataLoadMs = load.Elapsed.TotalMilliseconds;
            await CheckpointAsync(ct);
            progress.End();
            progress.Log($"data loaded in {load.Elapsed.TotalSeconds:F1} s");

            // 2. Builds, alternated over build rounds; the last round's databases run the ops.
            var opDatabases = new Dictionary<string, string>();
            string? plainDatabase = null;
            string? tviewsDatabase = null;
            var tviewsFailed = false;
            var lookups = LookupIndexes(definitions);
            report.Build.LookupIndexes.AddRange(lookups.Select(l => $"{l.Table} ({l.Column})"));
            for (var round = 0; round < options.BuildRounds; round++)
            {
                var last = round == options.BuildRounds - 1;
                foreach (var kind in Stats.Rotation(buildKinds, round))
                {
                    progress.Begin($"build {round + 1}/{options.BuildRounds}: {kind}");
                    if (kind == Builds.TViews && tviewsFailed) { progress.End(); continue; }
                    var db = Name($"{Short(kind)}{round}");
                    await _server.CreateDatabaseAsync(db, template, ct);
                    _databases.Add(db);
                    await CheckpointAsync(ct);
                    try
                    {
                        var ms = await BuildAsync(kind, db, workload, definitions, lookups, report.Build, ct);
                        Add(report.Build.SamplesMs, kind, ms);
                        progress.Log($"build {kind}: {Format.Ms(ms)}");
                    }
                    catch (Exception e) when (e is PostgresException or NpgsqlException or InvalidOperationException or TViews.Runtime.TViewsException
                                                  or TViews.Analysis.AnalysisException or TViews.Sql.SqlSyntaxException or FormatException)
                    {
                        report.Build.Errors[kind] = e.Message;
                        progress.Log($"build {kind} FAILED: {e.Message}");
                        if (kind == Builds.TViews) tviewsFailed = true;
                        else if (kind == Builds.Handwritten) throw; // the yardstick must build
                    }
                    if (last && kind == Builds.CreateTableAs) plainDatabase = db;
                    else if (last && kind == Builds.TViews && !tviewsFailed) tviewsDatabase = db;
                    else if (last && kind == Builds.Handwritten) opDatabases[Modes.Handwritten] = db;
                    else await DropAsync(db, ct);
                    progress.End();
                }
            }
            foreach (var (kind, samples) in report.Build.SamplesMs) report.Build.MedianMs[kind] = Stats.Median(samples);
            report.Build.TViewsOverHandwritten = Stats.Ratio(report.Build.MedianMs.GetValueOrDefault(Builds.TViews), report.Build.MedianMs.GetValueOrDefault(Builds.Handwritten));
            if (!report.Build.Errors.ContainsKey(Builds.TViews))
                report.Build.PairedTViewsOverHandwritten = Stats.PairedRatio(report.Build.SamplesMs.GetValueOrDefault(Builds.TViews), report.Build.SamplesMs.GetValueOrDefault(Builds.Handwritten));
            report.Build.TViewsOverCreateTableAs = Stats.Ratio(report.Build.MedianMs.GetValueOrDefault(Builds.TViews), report.Build.MedianMs.GetValueOrDefault(Builds.CreateTableAs));

            if (modes.Contains(Modes.Raw))
            {
                progress.Begin("creating the raw database");
                var raw = Name("raw");
                await _server.CreateDatabaseAsync(raw, template, ct);
                _databases.Add(raw);
                opDatabases[Modes.Raw] = raw;
                progress.End();
            }

            // The TViews build serves both TViews modes: the deferred one runs on a copy, so every
            // database sees the same writes and each is verified on its own.
            if (tviewsDatabase is not null)
            {
                if (options.Locking is { } locking)
                    await _server.ExecuteAsync(tviewsDatabase,
                        $"SELECT pg_tviews_set_locking(entity_name, {TViews.Runtime.SqlNames.Literal(locking)}) FROM pg_tviews_metadata WHERE key_locks", ct);
                if (modes.Contains(Modes.TViews)) opDatabases[Modes.TViews] = tviewsDatabase;
                if (modes.Contains(Modes.TViewsDeferred))
                {
                    progress.Begin("creating the TViews deferred database");
                    var deferred = tviewsDatabase;
                    if (modes.Contains(Modes.TViews))
                    {
                        deferred = Name("tvd");
                        await _server.CreateDatabaseAsync(deferred, tviewsDatabase, ct);
                        _databases.Add(deferred);
                    }
                    // The session setting must reach the server through pgbench's environment, as the runs pass it.
                    var shown = await _server.RunToolAsync("psql", deferred, ["-X", "-A", "-t", "-c", "SHOW pg_tviews.mode"], ct, ModeEnvironment(Modes.TViewsDeferred));
                    if (shown.ExitCode == 0 && shown.Stdout.Trim() == Modes.SessionMode(Modes.TViewsDeferred))
                        opDatabases[Modes.TViewsDeferred] = deferred;
                    else
                    {
                        report.Errors.Add($"mode {Modes.TViewsDeferred} skipped: PGOPTIONS did not set pg_tviews.mode ({PgbenchOutput.Tail(shown.Output, 3)})");
                        if (deferred != tviewsDatabase) await DropAsync(deferred, ct);
                    }
                    progress.End();
                }
                if (!modes.Contains(Modes.TViews) && !opDatabases.ContainsKey(Modes.TViewsDeferred)) await DropAsync(tviewsDatabase, ct);
            }

            // 3. Full refresh of the same definitions as materialized views.
            await RefreshAsync(plainDatabase!, definitions, lookups, report.Build, ct);
            await DropAsync(plainDatabase!, ct);

            // 3b. The concurrent workloads, on copies of the freshly built databases.
            foreach (var w in concurrentWorkloads.Except(runnableWorkloads))
                report.Errors.Add($"concurrent workload {w.Name} skipped: {w.MissingFile(workload.Directory)} not found");
            if (runnableWorkloads.Count > 0)
                await RunConcurrentAsync(workload, runnableWorkloads, opDatabases, definitions, posts, users, report, ct);

            // 4. The operations, on databases in the same state.
            progress.Begin("VACUUM ANALYZE and CHECKPOINT before the operations");
            foreach (var db in opDatabases.Values) await _server.ExecuteAsync(db, "VACUUM (ANALYZE)", ct);
            await DropAsync(template, ct);
            await CheckpointAsync(ct);
            progress.End();
            var activeModes = modes.Where(opDatabases.ContainsKey).ToList();
            progress.SetTotal(Total(activeModes));
            foreach (var mode in modes.Except(activeModes).Where(m => !report.Errors.Any(e => e.StartsWith($"mode {m} skipped", StringComparison.Ordinal))))
                report.Errors.Add($"mode {mode} skipped: its read models failed to build");
            foreach (var op in BenchWorkload.ExecutionOrder(ops))
            {
                var result = await RunOpAsync(op, workload.Ops.ToList().IndexOf(op), activeModes, opDatabases, posts, users, ct);
                result.FullRefreshOverTViews = Stats.Ratio(report.Build.RefreshTotalMs, result.MedianMs.GetValueOrDefault(Modes.TViews));
                report.Ops.Add(result);
                progress.Begin($"{op.ShortName}: VACUUM ANALYZE");
                foreach (var db in opDatabases.Values) await _server.ExecuteAsync(db, "VACUUM (ANALYZE)", ct);
                await CheckpointAsync(ct);
                progress.End();
            }

            // Reported in workload order, whatever order they ran in.
            var reported = report.Ops.OrderBy(o => ops.ToList().FindIndex(x => x.Name == o.Name)).ToList();
            report.Ops.Clear();
            report.Ops.AddRange(reported);

            // 5. Every read model against its definition, and the sources against each other.
            foreach (var mode in activeModes.Where(Modes.HasReadModels))
            {
                var cs = _server.ConnectionString(opDatabases[mode]);
                await using var conn = await _server.OpenAsync(opDatabases[mode], ct);
                foreach (var def in definitions)
                {
                    progress.Begin($"verifying {mode} {def.Name}");
                    var v = await ReadModelVerifier.CompareAsync(conn, mode, def, ct);
                    report.Verification.Add(v);
                    progress.Log($"verify {mode} {def.Name}: {(v.Ok ? "ok" : v.Error ?? $"{v.Missing} missing, {v.Extra} extra")}");
                    progress.End();
                }
                if (Modes.IsTViews(mode))
                {
                    try { report.Verification.AddRange(await TViewsMode.VerifyAsync(cs, mode, definitions, ct)); }
                    catch (Exception e) when (e is PostgresException or TViews.Runtime.TViewsException)
                    {
                        report.Verification.Add(new VerifyResult(mode, "*", "engine", 0, 0, e.Message, []));
                    }
                    report.Verification.Add(await TViewsMode.QueueEmptyAsync(conn, mode, ct));
                }
            }
            progress.Begin("comparing source tables across modes");
            var models = definitions.Select(d => d.Name).ToHashSet();
            foreach (var mode in activeModes)
            {
                await using var conn = await _server.OpenAsync(opDatabases[mode], ct);
                report.SourceRowCounts[mode] = await ReadModelVerifier.SourceCountsAsync(conn, models, ct);
            }
            var distinct = report.SourceRowCounts.Values.Select(c => string.Join(",", c.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"))).Distinct().Count();
            report.SourcesIdentical = report.SourceRowCounts.Count > 0 ? distinct == 1 : null;
            progress.End();

            report.Machine = report.Machine with { LoadAverageAtEnd = LoadAverage() };
            Targets.Evaluate(report, ops);
        }
        finally
        {
            progress.Begin("cleaning up");
            await CleanupAsync();
            progress.End();
            report.DurationSeconds = sw.Elapsed.TotalSeconds;
        }
        return report;
    }

    private string Name(string suffix) => $"{_prefix}_{suffix}";

    private static string Short(string kind) => kind switch
    {
        Builds.Handwritten => "hw",
        Builds.TViews => "tv",
        _ => "plain",
    };

    private static void Add(Dictionary<string, List<double>> map, string key, double value)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(value);
    }

    /// <summary>Indexes on earlier read models that later definitions look rows up by (tv_comment.fk_post for tv_post).</summary>
    private static IReadOnlyList<LookupIndex> LookupIndexes(IReadOnlyList<ReadModelDefinition> definitions)
    {
        var result = new List<LookupIndex>();
        for (var i = 1; i < definitions.Count; i++)
            foreach (var l in ReadModelScript.CorrelatedLookups(definitions[i].Select, definitions.Take(i).Select(d => d.Name)))
                if (!result.Contains(l)) result.Add(l);
        return result;
    }

    /// <summary>One timed build of the read models in a fresh copy of the data; returns milliseconds.</summary>
    private async Task<double> BuildAsync(string kind, string db, BenchWorkload workload, IReadOnlyList<ReadModelDefinition> definitions,
        IReadOnlyList<LookupIndex> lookups, BuildResult build, CancellationToken ct)
    {
        switch (kind)
        {
            case Builds.Handwritten:
                return (await _server.PsqlFileAsync(db, workload.HandwrittenSql, [], ct)).Elapsed.TotalMilliseconds;
            case Builds.TViews:
            {
                var sw = Stopwatch.StartNew();
                await TViewsMode.BuildAsync(_server.ConnectionString(db), workload.TViewsSql, m => progress.Log($"tviews: {m}"), ct);
                return sw.Elapsed.TotalMilliseconds;
            }
            default:
            {
                // The plain build: each CREATE TABLE AS as written, plus the lookup index a later
                // definition needs (without it tv_post scans tv_comment once per post).
                await using var conn = await _server.OpenAsync(db, ct);
                var total = 0.0;
                foreach (var def in definitions)
                {
                    var sw = Stopwatch.StartNew();
                    await Exec(conn, $"CREATE TABLE {def.Name} AS {def.Select}", ct);
                    foreach (var l in lookups.Where(l => string.Equals(l.Table, def.Name, StringComparison.OrdinalIgnoreCase)))
                        await Exec(conn, $"CREATE INDEX ON {l.Table} ({l.Column})", ct);
                    var ms = sw.Elapsed.TotalMilliseconds;
                    build.CreateTableAsPerModelMs[def.Name] = ms;
                    total += ms;
                }
                return total;
            }
        }
    }

    /// <summary>Creates mv_x for every definition (reading each other's mv_ names) and times full refreshes.</summary>
    private async Task RefreshAsync(string db, IReadOnlyList<ReadModelDefinition> definitions, IReadOnlyList<LookupIndex> lookups,
        BuildResult build, CancellationToken ct)
    {
        var names = definitions.ToDictionary(d => d.Name, d => MaterializedViewName(d.Name), StringComparer.OrdinalIgnoreCase);
        string? Rename(string word) => names.TryGetValue(word, out var mv) ? mv : null;
        progress.Begin("creating materialized views");
        await using (var conn = await _server.OpenAsync(db, ct))
        {
            foreach (var def in definitions)
            {
                var mv = names[def.Name];
                await Exec(conn, $"CREATE MATERIALIZED VIEW {mv} AS {ReadModelScript.RenameIdentifiers(def.Select, Rename)}", ct);
                // A materialized view is read by key; the unique index is also what a user keeps for REFRESH ... CONCURRENTLY.
                await Exec(conn, $"CREATE UNIQUE INDEX ON {mv} ({def.KeyColumn})", ct);
                foreach (var l in lookups.Where(l => string.Equals(l.Table, def.Name, StringComparison.OrdinalIgnoreCase)))
                    await Exec(conn, $"CREATE INDEX ON {mv} ({l.Column})", ct);
                await Exec(conn, $"ANALYZE {mv}", ct);
            }
        }
        progress.End();
        for (var round = 0; round < options.Rounds; round++)
        {
            progress.Begin($"REFRESH MATERIALIZED VIEW, round {round + 1}/{options.Rounds}");
            await CheckpointAsync(ct);
            await using var conn = await _server.OpenAsync(db, ct);
            // In dependency order: mv_post reads mv_comment.
            foreach (var def in definitions)
            {
                var sw = Stopwatch.StartNew();
                await Exec(conn, $"REFRESH MATERIALIZED VIEW {names[def.Name]}", ct);
                Add(build.RefreshSamplesMs, names[def.Name], sw.Elapsed.TotalMilliseconds);
            }
            progress.Log("refresh: " + string.Join(", ", definitions.Select(d => $"{names[d.Name]} {Format.Ms(build.RefreshSamplesMs[names[d.Name]][^1])}")));
            progress.End();
        }
        foreach (var (mv, samples) in build.RefreshSamplesMs) build.RefreshMedianMs[mv] = Stats.Median(samples);
        build.RefreshTotalMs = build.RefreshMedianMs.Values.Sum();
    }

    public static string MaterializedViewName(string table) =>
        table.StartsWith("tv_", StringComparison.OrdinalIgnoreCase) ? "mv_" + table[3..] : table + "_mv";

    private async Task<OpResult> RunOpAsync(BenchOp op, int opIndex, IReadOnlyList<string> modes, Dictionary<string, string> databases,
        long posts, long users, CancellationToken ct)
    {
        var n = options.Transactions.For(op);
        var warmup = Math.Max(1, n / 10);
        var result = new OpResult { Op = op.ShortName, Name = op.Name, Kind = op.Kind.ToString(), Transactions = n, WarmupTransactions = warmup };
        // The same seed for every mode within a round, so each database sees the same writes;
        // a different seed per round, so a round does not repeat the previous one's rows (op5 deletes them).
        var seedBase = options.Seed + 1000 * (opIndex + 1);
        var failed = new HashSet<string>();
        foreach (var mode in modes)
        {
            progress.Begin($"{op.ShortName} warm-up: {mode}");
            var warm = await PgbenchAsync(op, mode, databases[mode], warmup, seedBase + 999, posts, users, ct);
            if (warm.Error is not null) { failed.Add(mode); result.Errors[mode] = warm.Error; progress.Log($"{op.ShortName} {mode} FAILED: {warm.Error}"); }
            progress.End();
        }
        for (var round = 0; round < options.Rounds; round++)
            foreach (var mode in Stats.Rotation(modes, round))
            {
                progress.Begin($"{op.ShortName} round {round + 1}/{options.Rounds}: {mode} ({n} tx)");
                if (!failed.Contains(mode))
                {
                    var run = await PgbenchAsync(op, mode, databases[mode], n, seedBase + round, posts, users, ct);
                    if (run.Error is not null) { failed.Add(mode); result.Errors[mode] = run.Error; progress.Log($"{op.ShortName} {mode} FAILED: {run.Error}"); }
                    else
                    {
                        Add(result.SamplesMs, mode, run.LatencyMs);
                        progress.Log($"{op.ShortName} round {round + 1} {mode}: {Format.Ms(run.LatencyMs)}");
                    }
                }
                progress.End();
            }
        // Paired ratios only when no run failed, so sample i of each mode is from the same round.
        result.ComputeRatios(modes);
        return result;
    }

    /// <summary>
    /// Each concurrent workload at each client count (once per round), every mode alternated (rotated per run), each run
    /// on a fresh copy of the mode's freshly built database (the mixes delete posts and insert
    /// comments); throughput, retries and the deadlocks PostgreSQL counted. The TViews copies (both
    /// modes) are verified after their run; the hand-written triggers are not exact under
    /// concurrency (the workload says so), so theirs are not.
    /// </summary>
    private async Task RunConcurrentAsync(BenchWorkload workload, IReadOnlyList<ConcurrentWorkload> workloads, Dictionary<string, string> databases,
        IReadOnlyList<ReadModelDefinition> definitions, long posts, long users, BenchReport report, CancellationToken ct)
    {
        var modes = options.Modes.Where(databases.ContainsKey).ToList();
        foreach (var mode in modes) await _server.ExecuteAsync(databases[mode], "VACUUM (ANALYZE)", ct);
        // Rounds over every cell, not runs of one cell back to back: a slow minute of a shared machine
        // then falls on one run of many cells, not on every run of one.
        var cells = from round in Enumerable.Range(1, options.ConcurrentRounds)
                    from w in workloads
                    from clients in options.ConcurrentClients
                    select (Round: round, Workload: w, Clients: clients);
        var run = 0;
        foreach (var (round, w, clients) in cells)
            foreach (var mode in Stats.Rotation(modes, run++))
            {
                var of = options.ConcurrentRounds > 1 ? $", round {round} of {options.ConcurrentRounds}" : "";
                progress.Begin($"concurrent {w.Name}, {clients} client(s): {mode} ({options.ConcurrentSeconds} s{of})");
                var db = Name($"c{ShortMode(mode)}");
                await _server.CreateDatabaseAsync(db, databases[mode], ct);
                _databases.Add(db);
                await CheckpointAsync(ct);
                // Each round its own pgbench seed, the same in every mode.
                var result = await RunConcurrentOnceAsync(w, workload.Directory, mode, db, clients, posts, users, options.Seed + round - 1, ct) with { Round = round };
                report.Concurrent.Add(result);
                progress.Log($"concurrent {w.Name} {clients} {mode}: {(result.Error ?? $"{result.Tps?.ToString("F1", Inv)} tps, {result.Deadlocks} deadlocks, {result.Retried} retried")}");
                if (Modes.IsTViews(mode))
                {
                    var label = ConcurrentVerificationLabel(mode, w, clients, options.ConcurrentRounds > 1 ? round : null);
                    await using var conn = await _server.OpenAsync(db, ct);
                    foreach (var def in definitions)
                        report.Verification.Add(await ReadModelVerifier.CompareAsync(conn, label, def, ct));
                    report.Verification.Add(await TViewsMode.QueueEmptyAsync(conn, label, ct));
                }
                await DropAsync(db, ct);
                progress.End();
            }
    }

    /// <summary>The mode column of a verification after a concurrent run, e.g. "tviews-deferred, think 8" (", round 2" with several rounds).</summary>
    public static string ConcurrentVerificationLabel(string mode, ConcurrentWorkload workload, int clients, int? round = null) =>
        $"{mode}, {workload.Name} {clients.ToString(Inv)}" + (round is { } r ? $", round {r.ToString(Inv)}" : "");

    private static string ShortMode(string mode) => mode switch
    {
        Modes.Raw => "raw",
        Modes.Handwritten => "hw",
        Modes.TViews => "tv",
        Modes.TViewsDeferred => "tvd",
        _ => "x",
    };

    private async Task<ConcurrentResult> RunConcurrentOnceAsync(ConcurrentWorkload w, string directory, string mode, string db, int clients, long posts, long users,
        int seed, CancellationToken ct)
    {
        const string deadlocks = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()";
        var seconds = options.ConcurrentSeconds;
        var before = await _server.ScalarAsync<long>(db, deadlocks, ct);
        var r = await _server.RunToolAsync("pgbench", db, w.PgbenchArguments(directory, clients, seconds, posts, users, seed), ct, ModeEnvironment(mode));
        // A backend reports its statistics (deadlocks included) when it exits: wait for pgbench's to be gone.
        var wait = Stopwatch.StartNew();
        while (await _server.ScalarAsync<long>(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", ct) > 0
               && wait.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(50, ct);
        var after = await _server.ScalarAsync<long>(db, deadlocks, ct);
        if (r.ExitCode != 0)
            return new ConcurrentResult(w.Name, mode, clients, seconds, null, null, null, null, after - before,
                $"pgbench exit {r.ExitCode}: {PgbenchOutput.Tail(r.Stderr.Length > 0 ? r.Stderr : r.Stdout, 3)}");
        try
        {
            var summary = PgbenchOutput.Parse(r.Output);
            var (retried, failed) = PgbenchRetries.Parse(r.Output);
            return new ConcurrentResult(w.Name, mode, clients, seconds, summary.Tps, summary.Transactions, retried, failed, after - before, null);
        }
        catch (FormatException e)
        {
            return new ConcurrentResult(w.Name, mode, clients, seconds, null, null, null, null, after - before, e.Message);
        }
    }

    /// <summary>The environment of a mode's pgbench and psql runs (PGOPTIONS for tviews-deferred).</summary>
    private static IReadOnlyDictionary<string, string> ModeEnvironment(string mode) =>
        Modes.Environment(mode, Environment.GetEnvironmentVariable("PGOPTIONS"));

    private async Task<(double LatencyMs, string? Error)> PgbenchAsync(BenchOp op, string mode, string db, int transactions, int seed, long posts, long users, CancellationToken ct)
    {
        var args = new[]
        {
            "-n", "-c", "1", "-t", transactions.ToString(Inv),
            "-D", $"posts={posts.ToString(Inv)}", "-D", $"users={users.ToString(Inv)}",
            $"--random-seed={seed.ToString(Inv)}", "-f", op.Path,
        };
        var r = await _server.RunToolAsync("pgbench", db, args, ct, ModeEnvironment(mode));
        if (r.ExitCode != 0) return (double.NaN, $"pgbench exit {r.ExitCode}: {PgbenchOutput.Tail(r.Stderr.Length > 0 ? r.Stderr : r.Stdout, 3)}");
        try
        {
            return (PgbenchOutput.Parse(r.Output).LatencyMs, null);
        }
        catch (FormatException e)
        {
            return (double.NaN, e.Message);
        }
    }

    private static async Task Exec(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>CHECKPOINT between phases, so no timed run pays for the previous phase's dirty pages (needs superuser or pg_checkpoint).</summary>
    private async Task CheckpointAsync(CancellationToken ct)
    {
        if (_checkpointDenied) return;
        try { await _server.ExecuteAsync(null, "CHECKPOINT", ct); }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            _checkpointDenied = true;
            progress.Log("CHECKPOINT not permitted on this server: timings may include checkpoint noise");
        }
    }

    private async Task DropAsync(string db, CancellationToken ct)
    {
        await _server.DropDatabaseAsync(db, ct);
        _databases.Remove(db);
    }

    private async Task CleanupAsync()
    {
        try
        {
            if (options.KeepDatabases && !_server.IsLocal)
            {
                if (_databases.Count > 0) progress.Log($"kept databases: {string.Join(", ", _databases)}");
                return;
            }
            if (!_server.IsLocal)
                foreach (var db in _databases.ToList())
                    try { await DropAsync(db, CancellationToken.None); }
                    catch (NpgsqlException e) { progress.Log($"could not drop {db}: {e.Message}"); }
        }
        finally
        {
            await _server.DisposeAsync();
        }
    }

    private async Task<MachineInfo> MachineAsync(CancellationToken ct)
    {
        await using var conn = await _server.OpenAsync(null, ct);
        var version = "";
        await using (var cmd = new NpgsqlCommand("SELECT version()", conn)) version = (string)(await cmd.ExecuteScalarAsync(ct))!;
        var settings = new Dictionary<string, string>();
        await using (var cmd = new NpgsqlCommand(
            """
            SELECT name, current_setting(name) FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'work_mem', 'maintenance_work_mem',
                           'max_wal_size', 'checkpoint_timeout', 'autovacuum', 'wal_level', 'jit', 'max_parallel_workers_per_gather')
            ORDER BY name
            """, conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) settings[r.GetString(0)] = r.GetString(1);
        return new MachineInfo(Environment.ProcessorCount, MemoryMb(), Cpu(), RuntimeInformation.OSDescription, version, settings, LoadAverage(), null);
    }

    private static long MemoryMb()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv) / 1024;
        }
        catch (IOException) { return 0; }
    }

    private static string? Cpu()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { return null; }
    }

    private static string? LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return null; }
    }
}
