using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TViews.Analysis;
using TViews.Codegen;
using TViews.Plan;
using TViews.Sql;

namespace TViews.Runtime;

/// <summary>
/// The .NET API of TViews: install the runtime, create, apply, drop, refresh, verify TVIEWs and check
/// their health. Built from an <see cref="NpgsqlDataSource"/> (or a connection string). Each operation
/// runs in one transaction, so a refused definition changes nothing; the overloads taking an
/// <see cref="NpgsqlConnection"/> and <see cref="NpgsqlTransaction"/> run inside the caller's
/// transaction instead (an EF Core migration, a deployment script), which then decides to commit.
/// Thread-safe: one instance can serve an application.
/// </summary>
public sealed partial class TViewsEngine
{
    private readonly Func<CancellationToken, ValueTask<NpgsqlConnection>> _open;
    private readonly ILogger _logger;

    /// <summary>An engine whose operations take their connections from <paramref name="dataSource"/>.</summary>
    /// <param name="dataSource">Where connections come from (its password, token provider, pooling).</param>
    /// <param name="options">Runtime schema and timeouts (defaults when null).</param>
    /// <param name="logger">Progress, warnings and PostgreSQL NOTICEs (at Debug; WARNINGs at Warning).</param>
    public TViewsEngine(NpgsqlDataSource dataSource, TViewsOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _open = dataSource.OpenConnectionAsync;
        Options = options ?? new TViewsOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// An engine over a connection string, for scripts and tools; connections come from Npgsql's shared
    /// pool for that string. Applications should prefer the <see cref="NpgsqlDataSource"/> constructor.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="options">Runtime schema and timeouts (defaults when null).</param>
    /// <param name="logger">Progress, warnings and PostgreSQL NOTICEs (at Debug; WARNINGs at Warning).</param>
    public TViewsEngine(string connectionString, TViewsOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _open = async ct =>
        {
            var conn = new NpgsqlConnection(connectionString);
            try { await conn.OpenAsync(ct); }
            catch { await conn.DisposeAsync(); throw; }
            return conn;
        };
        Options = options ?? new TViewsOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The version of this library, of the runtime it installs, and of the packages.</summary>
    public static string Version => RuntimeInstaller.Version;

    /// <summary>The options this engine was built with.</summary>
    public TViewsOptions Options { get; }

    /// <summary>The schema holding the TViews runtime.</summary>
    public string RuntimeSchema => Options.RuntimeSchema;

    private string Rt(string name) => SqlNames.Quote(RuntimeSchema, name);

    // No "__" (nor a leading or trailing _): generated names join the entity and a source table with
    // "__", so entity "a" on table "b__c" and entity "a__b" on table "c" would name the same function.
    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex EntityPattern();

    // ---------------------------------------------------------------- install

    /// <summary>
    /// Installs or upgrades the runtime; returns the version installed before (null if none), with '+'
    /// and its build when its SQL was not this library's (<c>pg_tviews_runtime_build()</c>).
    /// </summary>
    public Task<string?> InstallAsync(CancellationToken ct = default) => InstallAsync(null, null, ct);

    /// <summary>Installs or upgrades the runtime on the caller's connection (inside <paramref name="transaction"/> when given).</summary>
    /// <returns>The version installed before, null if none (with '+' and its build when its SQL was not this library's).</returns>
    public Task<string?> InstallAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, CancellationToken ct = default) =>
        RunAsync("install", connection, transaction, (conn, c) => EnsureRuntimeAsync(conn, force: true, c), ct);

    /// <summary>
    /// Removes every object the runtime created. TVIEW tables are kept (as plain tables, no longer
    /// maintained) unless <paramref name="dropTables"/>.
    /// </summary>
    public Task UninstallAsync(bool dropTables, CancellationToken ct = default) =>
        RunAsync("uninstall", null, null, async (conn, c) => { await RuntimeInstaller.UninstallAsync(conn, RuntimeSchema, dropTables, c); return 0; }, ct);

    /// <summary>
    /// Installs the runtime unless this version is there, under the installer's advisory lock (held to the
    /// end of the transaction): replicas applying on startup against a fresh database would otherwise all
    /// install at once and collide in the catalog, and an apply must not see a half-installed runtime.
    /// </summary>
    private async Task<string?> EnsureRuntimeAsync(NpgsqlConnection conn, bool force, CancellationToken ct)
    {
        await RuntimeInstaller.LockAsync(conn, ct);
        var installed = await RuntimeInstaller.InstalledIdentityAsync(conn, RuntimeSchema, ct);
        if (installed == RuntimeInstaller.Version && !force) return installed;
        await RuntimeInstaller.InstallInTransactionAsync(conn, RuntimeSchema, ct);
        ReportInstall(installed);
        return installed;
    }

    /// <summary>Logs the install or upgrade (from <paramref name="installed"/>, null: none) once the operation has succeeded.</summary>
    private void ReportInstall(string? installed)
    {
        if (installed is null) WhenDone(() => TViewsLog.RuntimeInstalled(_logger, RuntimeInstaller.Version, RuntimeSchema));
        else if (installed != RuntimeInstaller.Version) WhenDone(() => TViewsLog.RuntimeUpgraded(_logger, installed, RuntimeInstaller.Version, RuntimeSchema));
    }

    private async Task RequireRuntimeAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, ct) is null)
            throw new TViewsException($"the TViews runtime is not installed in schema {RuntimeSchema} (run `tviews install`, or apply definitions)",
                TViewsErrorCode.RuntimeNotInstalled);
    }

    // ---------------------------------------------------------------- create / apply

    /// <summary>Creates one TVIEW from a SELECT; returns the analysis's warnings.</summary>
    public Task<IReadOnlyList<string>> CreateAsync(TViewDefinition definition, CancellationToken ct = default) =>
        CreateAsync(null, null, definition, ct);

    /// <summary>Creates one TVIEW on the caller's connection (inside <paramref name="transaction"/> when given); returns the analysis's warnings.</summary>
    public Task<IReadOnlyList<string>> CreateAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, TViewDefinition definition, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return RunAsync("create", connection, transaction, async (conn, c) =>
        {
            await EnsureRuntimeAsync(conn, force: false, c);
            await LockDdlAsync(conn, c);
            var existing = await ListInternalAsync(conn, withCounts: false, c);
            if (existing.Any(e => e.Entity == definition.Entity))
                throw new TViewsException($"TVIEW {definition.Table} already exists (change it with `tviews apply`, or drop it first)", TViewsErrorCode.AlreadyExists);
            CheckCycles([definition], existing);
            return await CreateInTransactionAsync(conn, definition, c);
        }, ct);
    }

    /// <summary>
    /// Brings the database in line with a set of definitions: creates new TVIEWs, rebuilds changed
    /// ones and their dependents, leaves unchanged ones alone; all in one transaction. Installs the
    /// runtime first if needed. Safe to run from several processes at once (e.g. replicas on startup):
    /// they serialize on an advisory lock and the later ones find the work done.
    /// </summary>
    public Task<ApplyResult> ApplyAsync(IReadOnlyList<TViewDefinition> definitions, CancellationToken ct = default) =>
        ApplyAsync(null, null, definitions, ct);

    /// <summary>
    /// <see cref="ApplyAsync(IReadOnlyList{TViewDefinition}, CancellationToken)"/> on the caller's
    /// connection, inside <paramref name="transaction"/> when given (nothing is committed then: the caller commits).
    /// </summary>
    public Task<ApplyResult> ApplyAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, IReadOnlyList<TViewDefinition> definitions, CancellationToken ct = default)
    {
        CheckDefinitionSet(definitions);
        return RunAsync("apply", connection, transaction, (conn, c) => ApplyInTransactionAsync(conn, definitions, c), ct,
            (activity, r) => activity?.SetTag("tviews.created", r.Created.Count).SetTag("tviews.rebuilt", r.Rebuilt.Count).SetTag("tviews.unchanged", r.Unchanged.Count));
    }

    private async Task<ApplyResult> ApplyInTransactionAsync(NpgsqlConnection conn, IReadOnlyList<TViewDefinition> definitions, CancellationToken ct) =>
        (await ApplyCoreAsync(conn, definitions, ct)).Result;

    /// <summary>
    /// The apply, in the current transaction: every statement with an effect goes through
    /// <see cref="NpgsqlExtensions.ExecuteAsync"/>, preceded by a note saying what it does, so
    /// <see cref="ScriptAsync"/> records exactly these statements. Both advisory locks are taken
    /// first (installer's, then DDL's: the order every operation takes them in), then the catalog
    /// state the decisions rest on is checked (trivially here; in a script, against the database it runs on).
    /// </summary>
    private async Task<(ApplyResult Result, ApplyPlan Plan)> ApplyCoreAsync(NpgsqlConnection conn, IReadOnlyList<TViewDefinition> definitions, CancellationToken ct)
    {
        StatementRecorder.Note("Serializes runtime installs, upgrades and applies in this database (advisory lock, held to the end of the transaction).");
        await RuntimeInstaller.LockAsync(conn, ct);
        StatementRecorder.Note("Serializes TViews DDL (create, apply, drop) in this database (advisory lock, held to the end of the transaction).");
        await LockDdlAsync(conn, ct);
        var installed = await RuntimeInstaller.InstalledIdentityAsync(conn, RuntimeSchema, ct);
        var state = await CatalogStateAsync(conn, installed, ct);
        StatementRecorder.Note("Checks that the runtime version and the TVIEWs in pg_tviews_metadata are what every decision below was based on; stops, changing nothing, when not.");
        await conn.ExecuteAsync(CatalogGuard(state), ct);
        if (installed != RuntimeInstaller.Version)
        {
            await RuntimeInstaller.InstallInTransactionAsync(conn, RuntimeSchema, ct);
            ReportInstall(installed);
        }
        var existing = await ListInternalAsync(conn, withCounts: false, ct);
        var steps = PlanApply(definitions, existing, installed, await OutOfDateAsync(conn, ct));

        // The mode is not part of the definition's identity: changing it only updates the catalog.
        foreach (var (d, from) in steps.ModeChanges)
        {
            StatementRecorder.Note($"{d.Table}: mode {from} -> {d.Mode.ToSql()} (definition unchanged: nothing is rebuilt).");
            await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_set_mode")}(@e, @m)", ct, ("e", d.Entity), ("m", d.Mode.ToSql()));
        }
        foreach (var e in steps.Forget)
        {
            StatementRecorder.Note($"{e.Table}: dropped with everything generated for it, to be rebuilt below ({steps.Reasons[e.Entity]}).");
            await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_forget")}(@e, true)", ct, ("e", e.Entity));
        }

        var warnings = new List<string>();
        var created = new List<string>();
        var rebuilt = new List<string>();
        foreach (var (def, rebuild) in steps.Build)
        {
            TViewsLog.Building(_logger, rebuild ? "rebuilding" : "creating", def.Table);
            warnings.AddRange(await CreateInTransactionAsync(conn, def, ct));
            (rebuild ? rebuilt : created).Add(def.Table);
        }
        return (new ApplyResult(created, rebuilt, steps.Plan.Unchanged, warnings), steps.Plan);
    }

    /// <summary>What apply does, step by step, and the plan it shows (<c>--dry-run</c>).</summary>
    private sealed record ApplySteps(
        ApplyPlan Plan,
        IReadOnlyList<(TViewDefinition Definition, string From)> ModeChanges,
        IReadOnlyList<TViewInfo> Forget,
        IReadOnlyList<(TViewDefinition Definition, bool Rebuild)> Build,
        IReadOnlyDictionary<string, string> Reasons);

    /// <summary>
    /// The decisions of apply, from the definitions and the TVIEWs in the catalog: new and changed
    /// definitions are built; everything built on a rebuilt TVIEW is rebuilt too (its columns may have
    /// changed); an unchanged definition whose mode differs only has its mode set. So are TVIEWs whose
    /// definition is unchanged but which DDL left out of date without the event triggers
    /// (<paramref name="outOfDate"/>: a function they call replaced, their table reshaped; with the reason).
    /// </summary>
    private static ApplySteps PlanApply(IReadOnlyList<TViewDefinition> definitions, IReadOnlyList<TViewInfo> existing, string? installedVersion,
        IReadOnlyDictionary<string, string> outOfDate)
    {
        var byEntity = existing.ToDictionary(e => e.Entity);
        CheckCycles(definitions, existing);

        var reasons = new Dictionary<string, string>();
        var changed = definitions.Where(d => !byEntity.TryGetValue(d.Entity, out var e) || e.Hash != d.Hash || outOfDate.ContainsKey(d.Entity)).ToList();
        foreach (var d in changed)
            reasons[d.Entity] = !byEntity.TryGetValue(d.Entity, out var e) ? "new"
                : e.Hash != d.Hash ? "definition changed"
                : $"out of date: {outOfDate[d.Entity]}";
        var rebuild = new HashSet<string>(changed.Select(d => d.Entity).Where(byEntity.ContainsKey));
        foreach (var e in existing.OrderBy(e => e.Depth))
        {
            var via = existing.FirstOrDefault(x => rebuild.Contains(x.Entity) && e.Sources.Contains($"{x.Schema}.{x.Table}"));
            if (via is not null && rebuild.Add(e.Entity)) reasons[e.Entity] = $"depends on {via.Table}, which is rebuilt";
        }
        var forget = existing.Where(e => rebuild.Contains(e.Entity)).OrderByDescending(e => e.Depth).ToList();

        var fromFiles = definitions.ToDictionary(d => d.Entity);
        var toCreate = changed.Select(d => d.Entity).Union(rebuild).ToHashSet();
        var build = TopologicalOrder(toCreate, fromFiles, byEntity)
            .Select(entity => (Definition: fromFiles.TryGetValue(entity, out var d) ? d : StoredDefinition(byEntity[entity]), Rebuild: byEntity.ContainsKey(entity)))
            .ToList();

        var changes = build.Select(b => new TViewChange(b.Definition.Table, b.Rebuild ? TViewChangeKind.Rebuild : TViewChangeKind.Create, reasons[b.Definition.Entity])).ToList();
        var modeChanges = new List<(TViewDefinition, string)>();
        foreach (var d in definitions.Where(d => !toCreate.Contains(d.Entity)))
        {
            var from = byEntity[d.Entity].Mode;
            if (from != d.Mode.ToSql())
            {
                modeChanges.Add((d, from));
                changes.Add(new TViewChange(d.Table, TViewChangeKind.ModeChange, $"mode {from} -> {d.Mode.ToSql()}"));
            }
            else changes.Add(new TViewChange(d.Table, TViewChangeKind.Unchanged, "definition unchanged"));
        }
        return new ApplySteps(new ApplyPlan(installedVersion, RuntimeInstaller.Version, changes), modeChanges, forget, build, reasons);
    }

    /// <summary>
    /// <c>pg_tviews_out_of_date()</c>: TVIEWs that source DDL left out of date although their
    /// definitions are unchanged (empty before the runtime that has it is installed).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> OutOfDateAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (!await conn.ScalarAsync<bool>("SELECT to_regprocedure(@f) IS NOT NULL", ct, ("f", $"{SqlNames.Quote(RuntimeSchema)}.pg_tviews_out_of_date()")))
            return new Dictionary<string, string>();
        var rows = await conn.RowsAsync($"SELECT entity_name, reason FROM {Rt("pg_tviews_out_of_date")}() ORDER BY entity_name",
            r => (Entity: r.GetString(0), Reason: r.GetString(1)), ct);
        return rows.GroupBy(r => r.Entity).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(r => r.Reason)));
    }

    private static TViewDefinition StoredDefinition(TViewInfo info)
    {
        // Accepted once: a source's row-level security was acknowledged then (or enabled later, which
        // the health check reports); rebuilding a dependent does not ask again.
        var d = TViewDefinition.FromSelect($"{info.Schema}.{info.Table}", info.Definition, info.Key, acknowledgeRowSecurity: true);
        return TViewModes.TryParse(info.Mode, out var mode) ? d with { Mode = mode } : d;
    }

    /// <summary>Entities (tv_ names) a definition reads, by table name.</summary>
    private static IEnumerable<string> ReferencedEntities(TViewDefinition d) =>
        d.Query.DescendantsAndSelf().OfType<TableRef>().Select(t => t.Name.Name)
            .Where(n => n.StartsWith("tv_", StringComparison.Ordinal)).Select(n => n[3..]).Distinct();

    private static List<string> TopologicalOrder(HashSet<string> entities, Dictionary<string, TViewDefinition> fromFiles, Dictionary<string, TViewInfo> existing)
    {
        IEnumerable<string> Deps(string e) => fromFiles.TryGetValue(e, out var d)
            ? ReferencedEntities(d)
            : existing[e].Sources.Select(s => s.Split('.')[^1]).Where(t => t.StartsWith("tv_", StringComparison.Ordinal)).Select(t => t[3..]);
        var order = new List<string>();
        var done = new HashSet<string>();
        void Visit(string e)
        {
            if (!done.Add(e)) return;
            foreach (var dep in Deps(e).Where(entities.Contains)) Visit(dep);
            order.Add(e);
        }
        foreach (var e in entities.OrderBy(x => x, StringComparer.Ordinal)) Visit(e);
        return order;
    }

    /// <summary>Refuses a set of definitions whose dependency graph (with the existing TVIEWs) has a cycle.</summary>
    private static void CheckCycles(IReadOnlyList<TViewDefinition> definitions, IReadOnlyList<TViewInfo> existing)
    {
        var graph = existing.ToDictionary(e => e.Entity,
            e => e.Sources.Select(s => s.Split('.')[^1]).Where(t => t.StartsWith("tv_", StringComparison.Ordinal)).Select(t => t[3..]).ToList());
        foreach (var d in definitions) graph[d.Entity] = ReferencedEntities(d).ToList();
        var given = definitions.GroupBy(d => d.Entity).ToDictionary(g => g.Key, g => g.First());
        var state = new Dictionary<string, int>();
        var stack = new List<string>();
        void Visit(string e)
        {
            if (!graph.ContainsKey(e)) return;
            state.TryGetValue(e, out var s);
            if (s == 2) return;
            if (s == 1)
            {
                var members = stack.Skip(stack.IndexOf(e)).ToList();
                var cycle = members.Append(e).Select(x => "tv_" + x);
                // Where each member is defined, when the definitions came from files.
                var defined = members.Select(x => (Entity: x, Definition: given.GetValueOrDefault(x))).ToList();
                var fromFile = defined.Select(m => m.Definition).FirstOrDefault(d => d?.Place is not null);
                var where = fromFile is null ? "" : " (" + string.Join("; ", defined.Select(m =>
                    $"tv_{m.Entity}: {(m.Definition is null ? "an existing TVIEW" : m.Definition.Place ?? "given without a file")}")) + ")";
                throw new TViewsException($"Circular dependency detected: {string.Join(" -> ", cycle)}{where}", TViewsErrorCode.InvalidDefinition, fromFile?.Position);
            }
            state[e] = 1;
            stack.Add(e);
            foreach (var dep in graph[e]) Visit(dep);
            stack.RemoveAt(stack.Count - 1);
            state[e] = 2;
        }
        foreach (var e in graph.Keys.OrderBy(x => x, StringComparer.Ordinal)) Visit(e);
    }

    /// <summary>
    /// The item of the (first branch's) select list that yields the second column named as in
    /// PostgreSQL's "column "x" specified more than once": the second item named so, else a <c>*</c>
    /// (whose expansion repeats it).
    /// </summary>
    private static ResultTarget? DuplicateColumnTarget(SelectStmt query, string message)
    {
        if (DuplicateColumnMessage().Match(message) is not { Success: true } m) return null;
        var name = m.Groups[1].Value;
        QueryExpr body = query.Body;
        while (body is SetOperationQuery set) body = set.Left;
        if (body is not SelectCore core) return null;
        static string? NameOf(ResultTarget t) => t.Alias?.Value ?? (t.Value as ColumnRef)?.Parts[^1].Value;
        return core.Targets.Where(t => NameOf(t) == name).Skip(1).FirstOrDefault()
            ?? core.Targets.FirstOrDefault(t => t.Value is StarExpr);
    }

    /// <summary>A UNION at the top whose every branch selects a constant first (a feed's kind).</summary>
    private static bool FirstColumnDiscriminates(SelectStmt query)
    {
        static IEnumerable<QueryExpr> Branches(QueryExpr q) => q is SetOperationQuery { Operator: SetOperator.Union } u
            ? Branches(u.Left).Concat(Branches(u.Right)) : [q];
        return query.Body is SetOperationQuery { Operator: SetOperator.Union }
            && Branches(query.Body).All(b => b is SelectCore { Targets.Length: > 0 } c && c.Targets[0].Value is Literal or TypedLiteral);
    }

    [GeneratedRegex("^column \"(.+)\" specified more than once$")]
    private static partial Regex DuplicateColumnMessage();

    // Serializes TViews DDL (create, apply, drop) per database, to the end of the transaction.
    private static async Task LockDdlAsync(NpgsqlConnection conn, CancellationToken ct) =>
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(7628265430001)", ct);

    /// <summary>
    /// Creates one TVIEW in the current transaction; returns the analysis's warnings. A refusal and the
    /// warnings of a definition read from a file name the file: the positions are its lines.
    /// </summary>
    private async Task<IReadOnlyList<string>> CreateInTransactionAsync(NpgsqlConnection conn, TViewDefinition def, CancellationToken ct)
    {
        try
        {
            var warnings = await CreateDefinitionAsync(conn, def, ct);
            if (def.Origin is { } origin) warnings = warnings.Select(w => $"{origin}: {w}").ToList();
            foreach (var w in warnings) TViewsLog.AnalysisWarning(_logger, w);
            return warnings;
        }
        catch (AnalysisException e) when (def.Origin is { } origin)
        {
            throw e.From(origin);
        }
    }

    private async Task<IReadOnlyList<string>> CreateDefinitionAsync(NpgsqlConnection conn, TViewDefinition def, CancellationToken ct)
    {
        if (!def.Table.StartsWith("tv_", StringComparison.Ordinal) || !EntityPattern().IsMatch(def.Entity))
            throw new TViewsException($"bad TVIEW name \"{def.Table}\": expected tv_<entity>, with <entity> made of lower-case letters and digits, words separated by single underscores", TViewsErrorCode.InvalidDefinition);
        if (new[] { $"pg_tviews_apply_{def.Entity}", $"pg_tviews_sync_{def.Entity}", $"pg_tviews_flush_{def.Entity}" }.FirstOrDefault(RuntimeInstaller.FunctionNames.Contains) is { } taken)
            throw new TViewsException($"bad TVIEW name \"{def.Table}\": its function {taken} would take the name of a TViews runtime function; choose another name", TViewsErrorCode.InvalidDefinition);
        var schema = def.Schema ?? await conn.ScalarAsync<string>("SELECT current_schema()::text", ct)
            ?? throw new TViewsException("no current schema: set search_path or qualify the TVIEW name", TViewsErrorCode.InvalidDefinition);
        if (await conn.ScalarAsync<bool>("SELECT to_regclass(format('%I.%I', @s::text, @t::text)) IS NOT NULL", ct, ("s", schema), ("t", def.Table)))
            throw new TViewsException($"relation {schema}.{def.Table} already exists (drop it, or convert an existing TVIEW with pg_tviews_convert_existing_table)", TViewsErrorCode.AlreadyExists);
        var view = $"pg_tviews_v_{def.Entity}";
        var createView = $"CREATE VIEW {SqlNames.Quote(schema, view)} AS\n";
        try
        {
            StatementRecorder.Note($"{def.Table}: its definition as a view: PostgreSQL resolves the names and records the dependencies; the TVIEW table is filled from it and the analysis reads it back.");
            await conn.ExecuteAsync(createView + def.QueryText, ct);
        }
        catch (PostgresException e) when (e.Position > 0 && IsDefinitionError(e))
        {
            var offset = e.Position - 1 - createView.Length;
            var pos = def.Source.GetLinePosition(def.QueryOffset + Math.Max(0, offset));
            throw new AnalysisException($"{e.MessageText}{(e.Hint is { } h ? $" ({h})" : "")}", pos);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateColumn && DuplicateColumnTarget(def.Query, e.MessageText) is { } target)
        {
            // PostgreSQL gives this one no position: point at the select-list item that repeats the name.
            throw AnalysisException.At(def.Source, target, $"{e.MessageText}: every column of a TVIEW needs a name of its own; alias the columns");
        }
        catch (PostgresException e) when (IsDefinitionError(e))
        {
            throw new TViewsException($"{def.Table}: {e.MessageText}", TViewsErrorCode.InvalidDefinition, null, e);
        }
        var catalog = new CatalogReader(conn, RuntimeSchema);
        var viewRel = (await catalog.FindAsync(schema, view, ct))!;
        var outputs = viewRel.Columns.Select(c => c.Name).ToList();
        if (outputs.Distinct().Count() != outputs.Count)
            throw new TViewsException($"{def.Table}: column \"{outputs.GroupBy(x => x).First(g => g.Count() > 1).Key}\" appears more than once; alias the select list", TViewsErrorCode.InvalidDefinition);
        var key = def.Key is { Count: > 0 } k ? k.ToList()
            : outputs.Contains($"pk_{def.Entity}") ? [$"pk_{def.Entity}"]
            // A union whose first column is a constant in every branch (the discriminator): with the second.
            : outputs.Count >= 2 && FirstColumnDiscriminates(def.Query) ? [.. outputs.Take(2)]
            : [.. outputs.Take(1)]; // none for `SELECT FROM t`: the analysis refuses it with its position
        foreach (var kc in key)
            if (!outputs.Contains(kc))
                throw new TViewsException($"{def.Table}: key column \"{kc}\" is not a column of the definition (columns: {string.Join(", ", outputs)})", TViewsErrorCode.InvalidDefinition);
        // A one-row definition with no constant to be keyed by gets a key column of its own (docs/sql.md);
        // the hash stays the definition's as written, so apply finds it unchanged.
        var hash = def.Hash;
        if (await DefinitionAnalyzer.WithOneRowKeyAsync(conn, def, outputs, ct) is { } keyed)
        {
            def = keyed;
            StatementRecorder.Note($"{def.Table}: the definition with a key column of its own (a one-row definition, docs/sql.md).");
            await conn.ExecuteAsync($"CREATE OR REPLACE VIEW {SqlNames.Quote(schema, view)} AS\n{def.QueryText}", ct);
            viewRel = (await catalog.FindAsync(schema, view, ct))!;
            outputs = viewRel.Columns.Select(c => c.Name).ToList();
            key = [DefinitionAnalyzer.OneRowKeyColumn];
        }

        // A key chosen by default (the first column) that cannot be proven makes the rows a multiset;
        // a key written (--key, pk_<entity>) must hold.
        var keyWritten = def.Key is { Count: > 0 } || key.SequenceEqual([$"pk_{def.Entity}"]) || key.SequenceEqual([DefinitionAnalyzer.OneRowKeyColumn]);
        var analysis = await DefinitionAnalyzer.AnalyzeAsync(conn, RuntimeSchema, def.Query, def.Source, outputs, key, def.Key is { Count: > 0 }, ct, def.AcknowledgeRowSecurity,
            SqlNames.Quote(schema, view), keyWritten ? null : viewRel.Columns.Select(c => c.Comparable && !c.Array).ToList());
        if (analysis.MultisetKey is { } found) key = [.. found];
        await CrossCheckDependenciesAsync(conn, schema, view, def, analysis, ct);

        var tviewSources = analysis.Sources.Where(s => s.TViewEntity is not null).Select(s => s.TViewEntity!).ToList();
        var depth = 1;
        if (tviewSources.Count > 0)
            depth = 1 + await conn.ScalarAsync<int>($"SELECT COALESCE(max(depth), 0) FROM {Rt("pg_tviews_metadata")} WHERE entity_name = ANY (@e)", ct, ("e", tviewSources.ToArray()));
        var columns = viewRel.Columns.Select(c => new ColumnPlan(c.Name, c.Type, c.Comparable, c.Array, c.IndexMethod)).ToList();
        // A multiset no column finds is addressed by one pseudo-value (not a column of the table).
        var keyPlans = key.SequenceEqual([DefinitionAnalyzer.WholeResultColumn]) && analysis.MultisetKey is not null
            ? [new ColumnPlan(DefinitionAnalyzer.WholeResultColumn, "boolean")]
            : key.Select(kc => columns.First(c => c.Name == kc)).ToList();
        var plan = new TViewPlan(def.Entity, schema, def.Table, def.QueryText, columns, keyPlans, analysis.Sources, analysis.Indexes, depth, hash)
        {
            EnforceUniqueKey = analysis.KeyEnforced,
            SearchPath = await DefinitionSchemasAsync(conn, schema, view, ct),
            Mode = def.Mode,
            KeyLocks = analysis.KeyLocks,
            KeyLockRefusal = analysis.KeyLockRefusal,
            KeyNotNull = analysis.KeyNotNull,
            Multiset = analysis.MultisetKey is not null,
        };
        var gen = new TViewCodegen(RuntimeSchema).Generate(plan);
        foreach (var ix in gen.CreateIndexes)
        {
            StatementRecorder.Note($"{def.Table}: an index on a source table, for the queries that find the rows a change affects.");
            await conn.ExecuteAsync(ix, ct);
        }
        StatementRecorder.Note($"{def.Table}: the TVIEW table, with the columns of its definition.");
        await conn.ExecuteAsync(gen.CreateTable, ct);
        StatementRecorder.Note($"{def.Table}: its documents compressed with lz4 where the server has it (rewritten on every change; faster than pglz).");
        await conn.ExecuteAsync(gen.CompressTable, ct);
        StatementRecorder.Note($"{def.Table}: filled from its definition.");
        await conn.ExecuteAsync(gen.FillTable, ct);
        if (plan.Multiset)
        {
            if (gen.AddPrimaryKey.Length > 0)
            {
                StatementRecorder.Note($"{def.Table}: no unique key (a multiset): an index on a column that finds the rows a change recomputes.");
                await conn.ExecuteAsync(gen.AddPrimaryKey, ct);
            }
        }
        else try
        {
            StatementRecorder.Note($"{def.Table}: a savepoint, so a key that is not unique is reported as such.");
            await conn.ExecuteAsync("SAVEPOINT pg_tviews_pk", ct);
            StatementRecorder.Note($"{def.Table}: its key ({string.Join(", ", key)}) as the primary key.");
            await conn.ExecuteAsync(gen.AddPrimaryKey, ct);
            StatementRecorder.Note($"{def.Table}: the key is unique.");
            await conn.ExecuteAsync("RELEASE SAVEPOINT pg_tviews_pk", ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.NotNullViolation)
        {
            var keyText = string.Join(", ", key);
            throw new TViewsException(e.SqlState == PostgresErrorCodes.UniqueViolation
                ? $"{def.Table}: the key ({keyText}) is not unique: {e.Detail ?? e.MessageText} Choose a unique key with --key, or fix the definition."
                : $"{def.Table}: the key ({keyText}) is NULL for some rows of the definition; a key column must never be NULL.", TViewsErrorCode.InvalidDefinition, null, e);
        }
        StatementRecorder.Note($"{def.Table}: recomputes the rows of given keys from the definition (the maintenance's write path).");
        await ExecuteGeneratedAsync(conn, def, gen.ApplyFunction, ct);
        StatementRecorder.Note($"{def.Table}: reconciles the TVIEW with its definition (refresh, consistency check).");
        await ExecuteGeneratedAsync(conn, def, gen.SyncFunction, ct);
        StatementRecorder.Note($"{def.Table}: maintains the TVIEW from the keys queued by a transaction (deferred mode).");
        await ExecuteGeneratedAsync(conn, def, gen.FlushFunction, ct);
        foreach (var f in gen.PatchFunctions)
        {
            StatementRecorder.Note($"{def.Table}: patches rows in place when a source column it copies changes.");
            await ExecuteGeneratedAsync(conn, def, f, ct);
        }
        foreach (var t in gen.Triggers.Where(t => t.FunctionDdl is not null))
        {
            StatementRecorder.Note($"{def.Table}: trigger function {t.FunctionName}: {t.Event} on {t.Schema}.{t.Table}.");
            await ExecuteGeneratedAsync(conn, def, t.FunctionDdl!, ct);
        }
        foreach (var t in gen.Triggers.Where(t => t.Fragment is null))
        {
            StatementRecorder.Note($"{def.Table}: trigger {t.Name} ({t.Event}) on {t.Schema}.{t.Table}.");
            await ExecuteGeneratedAsync(conn, def, t.TriggerDdl, ct);
        }
        foreach (var g in gen.Triggers.Where(t => t.Gate is not null))
        {
            StatementRecorder.Note($"{def.Table}: UPDATE gate {g.Gate!.Name} on {g.Schema}.{g.Table}: fires only when an UPDATE names a column the TVIEW reads ({string.Join(", ", g.Gate.Columns)}).");
            await ExecuteGeneratedAsync(conn, def, g.Gate.NarrowDdl, ct);
        }
        // Registering composes the shared UPDATE function of each source with this TVIEW's part in it.
        try
        {
            StatementRecorder.Note($"{def.Table}: records it in pg_tviews_metadata and composes the shared UPDATE trigger function of each source it reads (pg_tviews_register).");
            await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_register")}(@m::jsonb)", ct, ("m", gen.Manifest.ToJsonString()));
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("42", StringComparison.Ordinal) && e.InternalQuery is not null)
        {
            throw new TViewsException($"{def.Table}: internal error: PostgreSQL rejected the composed UPDATE function ({e.MessageText}). Please report this with the definition.\n{e.InternalQuery}", TViewsErrorCode.Internal, null, e);
        }
        StatementRecorder.Note($"{def.Table}: statistics for the new table (its columns but JSON documents; autovacuum analyzes the rest).");
        await conn.ExecuteAsync(AnalyzeStatement(schema, def.Table, plan.Columns), ct);
        return analysis.Warnings;
    }

    /// <summary>
    /// ANALYZE of a new TVIEW table, so that the first writes plan with its real size and key values.
    /// JSON documents are left out: maintenance finds rows by their keys and lineage columns, not by
    /// their documents, and the documents took most of the time (on the benchmark, <c>tv_comment</c>'s
    /// 200 to 265 ms, 117 without its <c>data</c>).
    /// A column list leaves the table's count of changes since the last ANALYZE as it was, so
    /// autovacuum soon analyzes every column, in the background.
    /// </summary>
    internal static string AnalyzeStatement(string schema, string table, IEnumerable<ColumnPlan> columns)
    {
        var kept = columns.Where(c => !IsJsonDocument(c.Type)).Select(c => SqlNames.Quote(c.Name)).ToList();
        var target = SqlNames.Quote(schema, table);
        return kept.Count == 0 ? $"ANALYZE {target}" : $"ANALYZE {target} ({string.Join(", ", kept)})";
    }

    private static bool IsJsonDocument(string type) => type is "json" or "jsonb";

    /// <summary>
    /// The schemas of the functions, operators and types the definition view was bound to (other
    /// than pg_catalog), in the order of the current search_path: the search_path of generated code.
    /// </summary>
    private static async Task<IReadOnlyList<string>> DefinitionSchemasAsync(NpgsqlConnection conn, string schema, string view, CancellationToken ct) =>
        await conn.ScalarAsync<string[]>("""
            SELECT COALESCE(array_agg(s.nspname ORDER BY array_position(current_schemas(false), s.nspname::name), s.nspname), '{}')
            FROM (SELECT DISTINCT n.nspname::text AS nspname
                  FROM pg_catalog.pg_rewrite r
                  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
                  JOIN LATERAL (SELECT p.pronamespace FROM pg_catalog.pg_proc p WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass AND p.oid = d.refobjid
                                UNION ALL SELECT o.oprnamespace FROM pg_catalog.pg_operator o WHERE d.refclassid = 'pg_catalog.pg_operator'::regclass AND o.oid = d.refobjid
                                UNION ALL SELECT t.typnamespace FROM pg_catalog.pg_type t WHERE d.refclassid = 'pg_catalog.pg_type'::regclass AND t.oid = d.refobjid
                                UNION ALL SELECT c.collnamespace FROM pg_catalog.pg_collation c WHERE d.refclassid = 'pg_catalog.pg_collation'::regclass AND c.oid = d.refobjid
                               ) x (ns) ON true
                  JOIN pg_catalog.pg_namespace n ON n.oid = x.ns
                  WHERE r.ev_class = pg_catalog.to_regclass(pg_catalog.format('%I.%I', @s::text, @v::text))
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  UNION
                  -- Generated code compares the columns (=, IS DISTINCT FROM): the schemas of their types and of
                  -- the equality of their default btree or hash operator class.
                  SELECT n.nspname::text
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                  CROSS JOIN LATERAL (SELECT t.typnamespace
                                      UNION ALL
                                      SELECT o.oprnamespace
                                      FROM pg_catalog.pg_opclass oc
                                      JOIN pg_catalog.pg_am am ON am.oid = oc.opcmethod AND am.amname IN ('btree', 'hash')
                                      JOIN pg_catalog.pg_amop ao ON ao.amopfamily = oc.opcfamily AND ao.amoplefttype = oc.opcintype AND ao.amoprighttype = oc.opcintype
                                                               AND ao.amopstrategy = CASE am.amname WHEN 'btree' THEN 3 ELSE 1 END
                                      JOIN pg_catalog.pg_operator o ON o.oid = ao.amopopr
                                      WHERE oc.opcdefault AND oc.opcintype = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END) x (ns)
                  JOIN pg_catalog.pg_namespace n ON n.oid = x.ns
                  WHERE a.attrelid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', @s::text, @v::text)) AND a.attnum > 0 AND NOT a.attisdropped
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema')) s
            """, ct, ("s", schema), ("v", view)) ?? [];

    /// <summary>
    /// What is wrong with the definition itself (syntax, names, types, literals: classes 42 and 22) is a
    /// refusal; a lock timeout or a cancellation (which may carry a position too) is the database's error.
    /// </summary>
    private static bool IsDefinitionError(PostgresException e) =>
        e.SqlState.StartsWith("42", StringComparison.Ordinal) || e.SqlState.StartsWith("22", StringComparison.Ordinal)
        || e.SqlState == PostgresErrorCodes.InvalidSchemaName; // the TVIEW named in a schema that does not exist

    /// <summary>Generated SQL that PostgreSQL rejects is our bug: say so, with the statement, instead of a bare syntax error.</summary>
    private static async Task ExecuteGeneratedAsync(NpgsqlConnection conn, TViewDefinition def, string sql, CancellationToken ct)
    {
        try
        {
            await conn.ExecuteAsync(sql, ct);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("42", StringComparison.Ordinal))
        {
            throw new TViewsException($"{def.Table}: internal error: PostgreSQL rejected generated SQL ({e.MessageText}{(e.Position > 0 ? $" at character {e.Position}" : "")}{(e.InternalPosition > 0 ? $", internal position {e.InternalPosition} of: {e.InternalQuery}" : "")}). Please report this with the definition.\n{sql}", TViewsErrorCode.Internal, null, e);
        }
    }

    /// <summary>PostgreSQL is the second opinion: the tables it records as the view's dependencies must be ours.</summary>
    private static async Task CrossCheckDependenciesAsync(NpgsqlConnection conn, string schema, string view, TViewDefinition def, DefinitionAnalysis analysis, CancellationToken ct)
    {
        var pg = (await conn.ListAsync<string>(
            """
            SELECT DISTINCT n.nspname || '.' || c.relname
            FROM pg_rewrite r
            JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
            JOIN pg_class c ON c.oid = d.refobjid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE r.ev_class = to_regclass(format('%I.%I', @s::text, @v::text)) AND c.oid <> r.ev_class
              AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            """, ct, ("s", schema), ("v", view))).ToHashSet();
        var ours = analysis.Sources.Select(s => s.QualifiedName).ToHashSet();
        if (pg.SetEquals(ours)) return;
        var onlyPg = pg.Except(ours).OrderBy(x => x).ToList();
        var onlyOurs = ours.Except(pg).OrderBy(x => x).ToList();
        throw new TViewsException(
            $"{def.Table}: the analysis and PostgreSQL disagree on the sources of the definition" +
            (onlyPg.Count > 0 ? $"; PostgreSQL also reads: {string.Join(", ", onlyPg)}" : "") +
            (onlyOurs.Count > 0 ? $"; only the analysis found: {string.Join(", ", onlyOurs)}" : "") +
            ". Refusing rather than risk missing changes.", TViewsErrorCode.Internal);
    }


    // ---------------------------------------------------------------- drop / list / show / explain

    /// <summary>
    /// Drops a TVIEW and everything generated for it (with the TVIEWs built on it when
    /// <paramref name="cascade"/>); returns the tables dropped, dependents first.
    /// </summary>
    public Task<IReadOnlyList<string>> DropAsync(string name, bool cascade, bool ifExists, CancellationToken ct = default) =>
        DropAsync(null, null, name, cascade, ifExists, ct);

    /// <summary><see cref="DropAsync(string, bool, bool, CancellationToken)"/> on the caller's connection (inside <paramref name="transaction"/> when given).</summary>
    public Task<IReadOnlyList<string>> DropAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, string name, bool cascade, bool ifExists, CancellationToken ct = default)
    {
        var (_, table) = TViewDefinition.SplitName(name);
        var entity = table.StartsWith("tv_", StringComparison.Ordinal) ? table[3..] : table;
        return RunAsync<IReadOnlyList<string>>("drop", connection, transaction, async (conn, c) =>
        {
            if (await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, c) is null)
            {
                if (ifExists) return [];
                throw new TViewsException($"TVIEW {table} does not exist (the TViews runtime is not installed)", TViewsErrorCode.NotFound);
            }
            await LockDdlAsync(conn, c);
            var all = await ListInternalAsync(conn, withCounts: false, c);
            var target = all.FirstOrDefault(t => t.Entity == entity);
            if (target is null)
            {
                if (ifExists) return [];
                throw new TViewsException($"TVIEW {table} does not exist", TViewsErrorCode.NotFound);
            }
            var closure = await conn.ListAsync<string>($"SELECT entity_name FROM {Rt("pg_tviews_closure")}(@e)", c, ("e", entity));
            var dependents = closure.Where(e => e != entity).ToList();
            if (dependents.Count > 0 && !cascade)
                throw new TViewsException($"cannot drop {table}: {string.Join(", ", dependents.Select(d => "tv_" + d))} depend{(dependents.Count == 1 ? "s" : "")} on it (use --cascade to drop them too)",
                    TViewsErrorCode.HasDependents);
            var dropped = new List<string>();
            foreach (var e in all.Where(x => closure.Contains(x.Entity)).OrderByDescending(x => x.Depth))
            {
                await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_forget")}(@e, true)", c, ("e", e.Entity));
                dropped.Add(e.Table);
            }
            return dropped;
        }, ct);
    }

    /// <summary>Every TVIEW, by depth then name (none when the runtime is not installed); with row counts when asked.</summary>
    public Task<IReadOnlyList<TViewInfo>> ListAsync(bool withCounts = false, CancellationToken ct = default) =>
        ListAsync(null, null, withCounts, ct);

    /// <summary><see cref="ListAsync(bool, CancellationToken)"/> on the caller's connection (inside <paramref name="transaction"/> when given).</summary>
    public Task<IReadOnlyList<TViewInfo>> ListAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, bool withCounts = false, CancellationToken ct = default) =>
        RunAsync<IReadOnlyList<TViewInfo>>("list", connection, transaction, async (conn, c) =>
            await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, c) is null ? [] : await ListInternalAsync(conn, withCounts, c), ct);

    private async Task<List<TViewInfo>> ListInternalAsync(NpgsqlConnection conn, bool withCounts, CancellationToken ct)
    {
        var rows = await conn.RowsAsync(
            $"""
            SELECT entity_name, table_schema, table_name, definition, key_columns, sources, dependents, depth, mode,
                   definition_hash, created_at, updated_at, coalesce((objects->>'multiset')::boolean, false)
            FROM {Rt("pg_tviews_metadata")} ORDER BY depth, entity_name
            """,
            r => new TViewInfo(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<string[]>(4),
                r.GetFieldValue<string[]>(5), r.GetFieldValue<string[]>(6), r.GetInt32(7), r.GetString(8), r.GetString(9),
                r.GetDateTime(10), r.GetDateTime(11), null) { Multiset = r.GetBoolean(12) }, ct);
        if (!withCounts) return rows;
        var result = new List<TViewInfo>();
        foreach (var t in rows)
        {
            long? count = await conn.ScalarAsync<bool>("SELECT to_regclass(format('%I.%I', @s::text, @t::text)) IS NOT NULL", ct, ("s", t.Schema), ("t", t.Table))
                ? await conn.ScalarAsync<long>($"SELECT count(*) FROM {SqlNames.Quote(t.Schema, t.Table)}", ct)
                : null;
            result.Add(t with { RowCount = count });
        }
        return result;
    }

    /// <summary>One TVIEW (by table or entity name) with its row count.</summary>
    /// <exception cref="TViewsException">It does not exist (<see cref="TViewsErrorCode.NotFound"/>).</exception>
    public async Task<TViewInfo> ShowAsync(string name, CancellationToken ct = default)
    {
        var (_, table) = TViewDefinition.SplitName(name);
        var all = await ListAsync(withCounts: true, ct);
        return Find(all, table);
    }

    private static TViewInfo Find(IReadOnlyList<TViewInfo> all, string table) =>
        all.FirstOrDefault(t => t.Table == table || t.Entity == table)
        ?? throw new TViewsException($"TVIEW {table} does not exist", TViewsErrorCode.NotFound);

    /// <summary>The generated maintenance SQL, per source and event, as installed in the database.</summary>
    public Task<IReadOnlyList<TViewExplanation>> ExplainAsync(string name, CancellationToken ct = default)
    {
        var (_, table) = TViewDefinition.SplitName(name);
        return RunAsync<IReadOnlyList<TViewExplanation>>("explain", null, null, async (conn, c) =>
        {
            await RequireRuntimeAsync(conn, c);
            var info = Find(await ListInternalAsync(conn, withCounts: false, c), table);
            var rows = await conn.RowsAsync(
                $"""
                SELECT t->>'schema' || '.' || (t->>'table'),
                       t->>'event' || CASE WHEN t ? 'gate' THEN ' gate' WHEN t ? 'function_schema' AND NOT t ? 'fragment' THEN ' count' ELSE '' END,
                       CASE WHEN t ? 'gate' OR (t ? 'function_schema' AND NOT t ? 'fragment')
                            THEN COALESCE((SELECT pg_get_triggerdef(tg.oid) || ';' FROM pg_trigger tg
                                           WHERE tg.tgrelid = to_regclass(format('%I.%I', t->>'schema', t->>'table')) AND tg.tgname = t->>'name'),
                                          '-- trigger missing')
                            WHEN t ? 'fragment'
                            THEN format(E'-- part of %I.%I(), the UPDATE function shared by the TVIEWs reading %I.%I\n%s',
                                        t->>'function_schema', t->>'function', t->>'schema', t->>'table', t->>'fragment')
                            ELSE COALESCE(pg_get_functiondef(to_regprocedure(format('%I.%I()', m.table_schema, t->>'function'))), '-- function missing')
                       END
                FROM {Rt("pg_tviews_metadata")} m, jsonb_array_elements(m.objects->'triggers') t
                WHERE m.entity_name = @e
                """,
                r => new TViewExplanation(r.GetString(0), r.GetString(1), r.GetString(2)), c, ("e", info.Entity));
            var apply = await conn.ScalarAsync<string>(
                $"""
                SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                JOIN {Rt("pg_tviews_metadata")} m ON m.table_schema = n.nspname AND m.apply_function = p.proname
                WHERE m.entity_name = @e
                """, c, ("e", info.Entity));
            rows.Add(new TViewExplanation("(recompute)", "apply", apply ?? "-- function missing"));
            // Partitioned sources: their partitions carry copies of the triggers above (pg_tviews_mirror).
            rows.AddRange(await conn.RowsAsync(
                $"""
                SELECT DISTINCT (t->>'schema') || '.' || (t->>'table'), 'partitions',
                       format('-- partitioned: each of its %s partitions carries a copy of the triggers above (pg_tviews_mirror)',
                              (SELECT count(*) FROM pg_partition_tree(s.relid) x WHERE x.relid <> s.relid))
                FROM {Rt("pg_tviews_metadata")} m
                CROSS JOIN LATERAL jsonb_array_elements(m.objects->'triggers') t
                CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', t->>'schema', t->>'table')) AS relid) s
                JOIN pg_class c ON c.oid = s.relid AND c.relkind = 'p'
                WHERE m.entity_name = @e
                """,
                r => new TViewExplanation(r.GetString(0), r.GetString(1), r.GetString(2)), c, ("e", info.Entity)));
            var locking = await conn.ScalarAsync<string?>($"SELECT m.objects->>'locking' FROM {Rt("pg_tviews_metadata")} m WHERE m.entity_name = @e", c, ("e", info.Entity));
            rows.Add(new TViewExplanation("(writers)", "locks", "-- " + (locking ?? "whole TVIEW")));
            return rows;
        }, ct);
    }

    // ---------------------------------------------------------------- refresh / verify / health

    /// <summary>
    /// Reconciles a TVIEW and its dependents with their definitions (rewriting only the rows that
    /// differ), or rebuilds them completely when <paramref name="force"/>; returns the rows written.
    /// </summary>
    public Task<long> RefreshAsync(string entity, bool force, CancellationToken ct = default) =>
        RefreshAsync(null, null, entity, force, ct);

    /// <summary><see cref="RefreshAsync(string, bool, CancellationToken)"/> on the caller's connection (inside <paramref name="transaction"/> when given).</summary>
    public Task<long> RefreshAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, string entity, bool force, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entity);
        entity = entity.StartsWith("tv_", StringComparison.Ordinal) ? entity[3..] : entity;
        return RunAsync("refresh", connection, transaction, async (conn, c) =>
        {
            await RequireRuntimeAsync(conn, c);
            var n = await conn.ScalarAsync<long>($"SELECT {Rt("pg_tviews_refresh")}(@e, @f)", c, ("e", entity), ("f", force));
            Diagnostics.TViewsDiagnostics.RowsWritten.Add(n, new KeyValuePair<string, object?>("tviews.entity", entity));
            return n;
        }, ct, (activity, n) => activity?.SetTag("tviews.entity", entity).SetTag("tviews.rows_written", n));
    }

    /// <summary>
    /// Compares TVIEWs with their definitions evaluated from scratch (all when <paramref name="names"/>
    /// is empty); returns up to <paramref name="maxRowsPerTView"/> differing rows per TVIEW (none: consistent).
    /// </summary>
    public Task<IReadOnlyList<Divergence>> VerifyAsync(IReadOnlyList<string> names, int maxRowsPerTView = 100, CancellationToken ct = default) =>
        VerifyAsync(null, null, names, maxRowsPerTView, ct);

    /// <summary><see cref="VerifyAsync(IReadOnlyList{string}, int, CancellationToken)"/> on the caller's connection (inside <paramref name="transaction"/> when given).</summary>
    public Task<IReadOnlyList<Divergence>> VerifyAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, IReadOnlyList<string> names, int maxRowsPerTView = 100, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        return RunAsync<IReadOnlyList<Divergence>>("verify", connection, transaction, async (conn, c) =>
        {
            var all = await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, c) is null ? [] : await ListInternalAsync(conn, withCounts: false, c);
            var selected = names.Count == 0 ? all : names.Select(n => Find(all, TViewDefinition.SplitName(n).Table)).ToList();
            var result = new List<Divergence>();
            foreach (var t in selected)
                result.AddRange(await conn.RowsAsync($"SELECT kind, row_data FROM {Rt("pg_tviews_check_consistency")}(@e, @n)",
                    r => new Divergence(t.Entity, r.GetString(0), r.GetString(1)), c, ("e", t.Entity), ("n", maxRowsPerTView)));
            if (result.Count > 0) Diagnostics.TViewsDiagnostics.Divergences.Add(result.Count);
            return result;
        }, ct, (activity, r) => activity?.SetTag("tviews.divergences", r.Count));
    }

    /// <summary>
    /// Runs <c>pg_tviews_health_check()</c>: runtime version, metadata, definitions, triggers, locks,
    /// prepared transactions older than <paramref name="orphanAfter"/> (default one hour), ...
    /// </summary>
    /// <exception cref="TViewsException">The runtime is not installed (<see cref="TViewsErrorCode.RuntimeNotInstalled"/>).</exception>
    public Task<TViewsHealthReport> CheckHealthAsync(TimeSpan? orphanAfter = null, CancellationToken ct = default) =>
        CheckHealthAsync(null, null, orphanAfter, ct);

    /// <summary><see cref="CheckHealthAsync(TimeSpan?, CancellationToken)"/> on the caller's connection (inside <paramref name="transaction"/> when given).</summary>
    public Task<TViewsHealthReport> CheckHealthAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, TimeSpan? orphanAfter = null, CancellationToken ct = default) =>
        HealthAsync(connection, transaction, ("a", orphanAfter ?? TimeSpan.FromHours(1)), "@a", ct);

    /// <summary>The same, with the age as a PostgreSQL interval (the CLI's <c>--orphan-after '1 hour'</c>).</summary>
    internal Task<TViewsHealthReport> CheckHealthAsync(string orphanAfterInterval, CancellationToken ct = default) =>
        HealthAsync(null, null, ("a", orphanAfterInterval), "@a::interval", ct);

    private Task<TViewsHealthReport> HealthAsync(NpgsqlConnection? connection, NpgsqlTransaction? transaction, (string, object?) orphanAfter, string argument, CancellationToken ct) =>
        RunAsync("health", connection, transaction, async (conn, c) =>
        {
            await RequireRuntimeAsync(conn, c);
            var version = await conn.ScalarAsync<string>($"SELECT {Rt("pg_tviews_version")}()", c);
            var checks = await conn.RowsAsync($"SELECT check_name, status, details FROM {Rt("pg_tviews_health_check")}({argument})",
                r => new TViewsHealthCheckResult(r.GetString(0), ParseStatus(r.GetString(1)), r.GetString(2)), c, orphanAfter);
            var worst = checks.Count == 0 ? TViewsHealthStatus.Ok : checks.Max(x => x.Status);
            return new TViewsHealthReport(worst, version, checks);
        }, ct, (activity, r) => activity?.SetTag("tviews.health", r.Status.ToString()));

    private static TViewsHealthStatus ParseStatus(string status) => status switch
    {
        "OK" => TViewsHealthStatus.Ok,
        "WARNING" => TViewsHealthStatus.Warning,
        _ => TViewsHealthStatus.Error, // ERROR, or anything a newer runtime adds: not to be taken as fine
    };
}
