using System.Text.RegularExpressions;
using Npgsql;
using TViews.Analysis;
using TViews.Codegen;
using TViews.Plan;
using TViews.Sql;

namespace TViews.Runtime;

/// <summary>A TVIEW as recorded in pg_tviews_metadata.</summary>
public sealed record TViewInfo(
    string Entity, string Schema, string Table, string Definition, IReadOnlyList<string> Key,
    IReadOnlyList<string> Sources, IReadOnlyList<string> Dependents, int Depth, string Mode, string Hash,
    DateTime CreatedAt, DateTime UpdatedAt, long? RowCount)
{
    public string Name => Table;
}

public sealed record ApplyResult(IReadOnlyList<string> Created, IReadOnlyList<string> Rebuilt, IReadOnlyList<string> Unchanged, IReadOnlyList<string> Warnings);

public sealed record Divergence(string Entity, string Kind, string Row);

/// <summary>
/// The .NET API of TViews: everything the CLI does, over one connection string. Each operation runs
/// in one transaction, so a refused definition changes nothing.
/// </summary>
public sealed partial class TViewsEngine(string connectionString, string runtimeSchema = "public")
{
    public string RuntimeSchema { get; } = runtimeSchema;
    public string ConnectionString { get; } = connectionString;

    /// <summary>Progress and warnings (PostgreSQL NOTICEs included) as they happen.</summary>
    public Action<string>? Log { get; init; }

    private string Rt(string name) => SqlNames.Quote(RuntimeSchema, name);

    // No "__" (nor a leading or trailing _): generated names join the entity and a source table with
    // "__", so entity "a" on table "b__c" and entity "a__b" on table "c" would name the same function.
    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex EntityPattern();

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct = default)
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        conn.Notice += (_, e) => Log?.Invoke(e.Notice.MessageText);
        return conn;
    }

    public async Task<string?> InstallAsync(CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        return await RuntimeInstaller.InstallAsync(conn, RuntimeSchema, ct);
    }

    public async Task UninstallAsync(bool dropTables, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        await RuntimeInstaller.UninstallAsync(conn, RuntimeSchema, dropTables, ct);
    }

    private async Task EnsureRuntimeAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        // Under the installer's lock (until the transaction ends): replicas applying on startup
        // against a fresh database would otherwise all install at once and collide in the catalog.
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", ct, ("k", RuntimeInstaller.InstallLockKey));
        var installed = await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, ct);
        if (installed == RuntimeInstaller.Version) return;
        await conn.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS {SqlNames.Quote(RuntimeSchema)}", ct);
        foreach (var (_, sql) in RuntimeInstaller.Scripts(RuntimeSchema)) await conn.ExecuteAsync(sql, ct);
        Log?.Invoke(installed is null ? $"installed the TViews runtime {RuntimeInstaller.Version} in schema {RuntimeSchema}" : $"upgraded the TViews runtime {installed} -> {RuntimeInstaller.Version}");
    }

    // ---------------------------------------------------------------- create / apply

    /// <summary>Creates one TVIEW from a SELECT.</summary>
    public async Task<IReadOnlyList<string>> CreateAsync(TViewDefinition definition, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await EnsureRuntimeAsync(conn, ct);
        await LockDdlAsync(conn, ct);
        var existing = await ListInternalAsync(conn, withCounts: false, ct);
        if (existing.Any(e => e.Entity == definition.Entity))
            throw new TViewsException($"TVIEW {definition.Table} already exists (change it with `tviews apply`, or drop it first)");
        CheckCycles([definition], existing);
        var warnings = await CreateInTransactionAsync(conn, definition, ct);
        await tx.CommitAsync(ct);
        return warnings;
    }

    /// <summary>
    /// Brings the database in line with a set of definitions: creates new TVIEWs, rebuilds changed
    /// ones and their dependents, leaves unchanged ones alone; all in one transaction.
    /// </summary>
    public async Task<ApplyResult> ApplyAsync(IReadOnlyList<TViewDefinition> definitions, CancellationToken ct = default)
    {
        var dup = definitions.GroupBy(d => d.Entity).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new TViewsException($"tv_{dup.Key} is defined more than once");
        await using var conn = await OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await EnsureRuntimeAsync(conn, ct);
        await LockDdlAsync(conn, ct);
        var existing = await ListInternalAsync(conn, withCounts: false, ct);
        var byEntity = existing.ToDictionary(e => e.Entity);
        CheckCycles(definitions, existing);

        var changed = definitions.Where(d => !byEntity.TryGetValue(d.Entity, out var e) || e.Hash != d.Hash).ToList();
        var unchanged = definitions.Except(changed).Select(d => d.Table).ToList();
        // Everything built on a changed TVIEW is rebuilt too: its columns may have changed.
        var rebuild = new HashSet<string>(changed.Select(d => d.Entity).Where(byEntity.ContainsKey));
        foreach (var e in existing.OrderBy(e => e.Depth))
            if (e.Sources.Any(s => existing.Any(x => rebuild.Contains(x.Entity) && $"{x.Schema}.{x.Table}" == s)))
                rebuild.Add(e.Entity);
        foreach (var e in existing.Where(e => rebuild.Contains(e.Entity)).OrderByDescending(e => e.Depth))
            await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_forget")}(@e, true)", ct, ("e", e.Entity));

        var fromFiles = definitions.ToDictionary(d => d.Entity);
        var toCreate = changed.Select(d => d.Entity).Union(rebuild).ToHashSet();
        var ordered = TopologicalOrder(toCreate, fromFiles, byEntity);
        var warnings = new List<string>();
        var created = new List<string>();
        var rebuilt = new List<string>();
        foreach (var entity in ordered)
        {
            var def = fromFiles.TryGetValue(entity, out var d) ? d : StoredDefinition(byEntity[entity]);
            Log?.Invoke($"{(byEntity.ContainsKey(entity) ? "rebuilding" : "creating")} {def.Table}");
            warnings.AddRange(await CreateInTransactionAsync(conn, def, ct));
            (byEntity.ContainsKey(entity) ? rebuilt : created).Add(def.Table);
        }
        await tx.CommitAsync(ct);
        return new ApplyResult(created, rebuilt, unchanged, warnings);
    }

    private static TViewDefinition StoredDefinition(TViewInfo info)
    {
        // Accepted once: a source's row-level security was acknowledged then (or enabled later, which
        // the health check reports); rebuilding a dependent does not ask again.
        var d = TViewDefinition.FromSelect($"{info.Schema}.{info.Table}", info.Definition, info.Key, acknowledgeRowSecurity: true);
        return d;
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
        var state = new Dictionary<string, int>();
        var stack = new List<string>();
        void Visit(string e)
        {
            if (!graph.ContainsKey(e)) return;
            state.TryGetValue(e, out var s);
            if (s == 2) return;
            if (s == 1)
            {
                var cycle = stack.Skip(stack.IndexOf(e)).Append(e).Select(x => "tv_" + x);
                throw new TViewsException($"Circular dependency detected: {string.Join(" -> ", cycle)}");
            }
            state[e] = 1;
            stack.Add(e);
            foreach (var dep in graph[e]) Visit(dep);
            stack.RemoveAt(stack.Count - 1);
            state[e] = 2;
        }
        foreach (var e in graph.Keys.OrderBy(x => x, StringComparer.Ordinal)) Visit(e);
    }

    private static async Task LockDdlAsync(NpgsqlConnection conn, CancellationToken ct) =>
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(7628265430001)", ct);

    private async Task<IReadOnlyList<string>> CreateInTransactionAsync(NpgsqlConnection conn, TViewDefinition def, CancellationToken ct)
    {
        if (!def.Table.StartsWith("tv_", StringComparison.Ordinal) || !EntityPattern().IsMatch(def.Entity))
            throw new TViewsException($"bad TVIEW name \"{def.Table}\": expected tv_<entity>, with <entity> made of lower-case letters and digits, words separated by single underscores");
        if (new[] { $"pg_tviews_apply_{def.Entity}", $"pg_tviews_sync_{def.Entity}" }.FirstOrDefault(RuntimeInstaller.FunctionNames.Contains) is { } taken)
            throw new TViewsException($"bad TVIEW name \"{def.Table}\": its function {taken} would take the name of a TViews runtime function; choose another name");
        var schema = def.Schema ?? await conn.ScalarAsync<string>("SELECT current_schema()::text", ct)
            ?? throw new TViewsException("no current schema: set search_path or qualify the TVIEW name");
        if (await conn.ScalarAsync<bool>("SELECT to_regclass(format('%I.%I', @s::text, @t::text)) IS NOT NULL", ct, ("s", schema), ("t", def.Table)))
            throw new TViewsException($"relation {schema}.{def.Table} already exists (drop it, or convert an existing TVIEW with pg_tviews_convert_existing_table)");
        var view = $"pg_tviews_v_{def.Entity}";
        var createView = $"CREATE VIEW {SqlNames.Quote(schema, view)} AS\n";
        try
        {
            await conn.ExecuteAsync(createView + def.QueryText, ct);
        }
        catch (PostgresException e) when (e.Position > 0)
        {
            var offset = e.Position - 1 - createView.Length;
            var pos = def.Source.GetLinePosition(def.QueryOffset + Math.Max(0, offset));
            throw new AnalysisException($"{e.MessageText}{(e.Hint is { } h ? $" ({h})" : "")}", pos);
        }
        catch (PostgresException e)
        {
            throw new TViewsException($"{def.Table}: {e.MessageText}");
        }
        var catalog = new CatalogReader(conn, RuntimeSchema);
        var viewRel = (await catalog.FindAsync(schema, view, ct))!;
        var outputs = viewRel.Columns.Select(c => c.Name).ToList();
        if (outputs.Distinct().Count() != outputs.Count)
            throw new TViewsException($"{def.Table}: column \"{outputs.GroupBy(x => x).First(g => g.Count() > 1).Key}\" appears more than once; alias the select list");
        var key = def.Key is { Count: > 0 } k ? k.ToList()
            : outputs.Contains($"pk_{def.Entity}") ? [$"pk_{def.Entity}"]
            : [.. outputs.Take(1)]; // none for `SELECT FROM t`: the analysis refuses it with its position
        foreach (var kc in key)
            if (!outputs.Contains(kc))
                throw new TViewsException($"{def.Table}: key column \"{kc}\" is not a column of the definition (columns: {string.Join(", ", outputs)})");

        var analysis = await DefinitionAnalyzer.AnalyzeAsync(conn, RuntimeSchema, def.Query, def.Source, outputs, key, def.Key is { Count: > 0 }, ct, def.AcknowledgeRowSecurity,
            SqlNames.Quote(schema, view));
        await CrossCheckDependenciesAsync(conn, schema, view, def, analysis, ct);

        var tviewSources = analysis.Sources.Where(s => s.TViewEntity is not null).Select(s => s.TViewEntity!).ToList();
        var depth = 1;
        if (tviewSources.Count > 0)
            depth = 1 + await conn.ScalarAsync<int>($"SELECT COALESCE(max(depth), 0) FROM {Rt("pg_tviews_metadata")} WHERE entity_name = ANY (@e)", ct, ("e", tviewSources.ToArray()));
        var columns = viewRel.Columns.Select(c => new ColumnPlan(c.Name, c.Type, c.Comparable)).ToList();
        var plan = new TViewPlan(def.Entity, schema, def.Table, def.QueryText, columns,
            key.Select(kc => columns.First(c => c.Name == kc)).ToList(), analysis.Sources, analysis.Indexes, depth, def.Hash)
        {
            EnforceUniqueKey = analysis.KeyEnforced,
            SearchPath = await DefinitionSchemasAsync(conn, schema, view, ct),
        };
        var gen = new TViewCodegen(RuntimeSchema).Generate(plan);
        foreach (var ix in gen.CreateIndexes) await conn.ExecuteAsync(ix, ct);
        await conn.ExecuteAsync(gen.CreateTable, ct);
        try
        {
            await conn.ExecuteAsync("SAVEPOINT pg_tviews_pk", ct);
            await conn.ExecuteAsync(gen.AddPrimaryKey, ct);
            await conn.ExecuteAsync("RELEASE SAVEPOINT pg_tviews_pk", ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.NotNullViolation)
        {
            var keyText = string.Join(", ", key);
            throw new TViewsException(e.SqlState == PostgresErrorCodes.UniqueViolation
                ? $"{def.Table}: the key ({keyText}) is not unique: {e.Detail ?? e.MessageText} Choose a unique key with --key, or fix the definition."
                : $"{def.Table}: the key ({keyText}) is NULL for some rows of the definition; a key column must never be NULL.");
        }
        await ExecuteGeneratedAsync(conn, def, gen.ApplyFunction, ct);
        await ExecuteGeneratedAsync(conn, def, gen.SyncFunction, ct);
        foreach (var f in gen.PatchFunctions) await ExecuteGeneratedAsync(conn, def, f, ct);
        foreach (var t in gen.Triggers.Where(t => t.FunctionDdl is not null)) await ExecuteGeneratedAsync(conn, def, t.FunctionDdl!, ct);
        foreach (var t in gen.Triggers.Where(t => t.Fragment is null)) await ExecuteGeneratedAsync(conn, def, t.TriggerDdl, ct);
        foreach (var g in gen.Triggers.Select(t => t.Gate).OfType<GeneratedGate>()) await ExecuteGeneratedAsync(conn, def, g.NarrowDdl, ct);
        // Registering composes the shared UPDATE function of each source with this TVIEW's part in it.
        try
        {
            await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_register")}(@m::jsonb)", ct, ("m", gen.Manifest.ToJsonString()));
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("42", StringComparison.Ordinal) && e.InternalQuery is not null)
        {
            throw new TViewsException($"{def.Table}: internal error: PostgreSQL rejected the composed UPDATE function ({e.MessageText}). Please report this with the definition.\n{e.InternalQuery}");
        }
        await conn.ExecuteAsync($"ANALYZE {SqlNames.Quote(schema, def.Table)}", ct);
        foreach (var w in analysis.Warnings) Log?.Invoke($"warning: {w}");
        return analysis.Warnings;
    }

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
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema')) s
            """, ct, ("s", schema), ("v", view)) ?? [];

    /// <summary>Generated SQL that PostgreSQL rejects is our bug: say so, with the statement, instead of a bare syntax error.</summary>
    private static async Task ExecuteGeneratedAsync(NpgsqlConnection conn, TViewDefinition def, string sql, CancellationToken ct)
    {
        try
        {
            await conn.ExecuteAsync(sql, ct);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("42", StringComparison.Ordinal))
        {
            throw new TViewsException($"{def.Table}: internal error: PostgreSQL rejected generated SQL ({e.MessageText}{(e.Position > 0 ? $" at character {e.Position}" : "")}{(e.InternalPosition > 0 ? $", internal position {e.InternalPosition} of: {e.InternalQuery}" : "")}). Please report this with the definition.\n{sql}");
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
            ". Refusing rather than risk missing changes.");
    }

    // ---------------------------------------------------------------- drop / list / show / explain

    public async Task<IReadOnlyList<string>> DropAsync(string name, bool cascade, bool ifExists, CancellationToken ct = default)
    {
        var (_, table) = TViewDefinition.SplitName(name);
        var entity = table.StartsWith("tv_", StringComparison.Ordinal) ? table[3..] : table;
        await using var conn = await OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, ct) is null)
        {
            if (ifExists) return [];
            throw new TViewsException($"TVIEW {table} does not exist (the TViews runtime is not installed)");
        }
        await LockDdlAsync(conn, ct);
        var all = await ListInternalAsync(conn, withCounts: false, ct);
        var target = all.FirstOrDefault(t => t.Entity == entity);
        if (target is null)
        {
            if (ifExists) return [];
            throw new TViewsException($"TVIEW {table} does not exist");
        }
        var closure = await conn.ListAsync<string>($"SELECT entity_name FROM {Rt("pg_tviews_closure")}(@e)", ct, ("e", entity));
        var dependents = closure.Where(e => e != entity).ToList();
        if (dependents.Count > 0 && !cascade)
            throw new TViewsException($"cannot drop {table}: {string.Join(", ", dependents.Select(d => "tv_" + d))} depend{(dependents.Count == 1 ? "s" : "")} on it (use --cascade to drop them too)");
        var dropped = new List<string>();
        foreach (var e in all.Where(x => closure.Contains(x.Entity)).OrderByDescending(x => x.Depth))
        {
            await conn.ExecuteAsync($"SELECT {Rt("pg_tviews_forget")}(@e, true)", ct, ("e", e.Entity));
            dropped.Add(e.Table);
        }
        await tx.CommitAsync(ct);
        return dropped;
    }

    public async Task<IReadOnlyList<TViewInfo>> ListAsync(bool withCounts = false, CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        if (await RuntimeInstaller.InstalledVersionAsync(conn, RuntimeSchema, ct) is null) return [];
        return await ListInternalAsync(conn, withCounts, ct);
    }

    private async Task<List<TViewInfo>> ListInternalAsync(NpgsqlConnection conn, bool withCounts, CancellationToken ct)
    {
        var rows = await conn.RowsAsync(
            $"""
            SELECT entity_name, table_schema, table_name, definition, key_columns, sources, dependents, depth, mode,
                   definition_hash, created_at, updated_at
            FROM {Rt("pg_tviews_metadata")} ORDER BY depth, entity_name
            """,
            r => new TViewInfo(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<string[]>(4),
                r.GetFieldValue<string[]>(5), r.GetFieldValue<string[]>(6), r.GetInt32(7), r.GetString(8), r.GetString(9),
                r.GetDateTime(10), r.GetDateTime(11), null), ct);
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

    public async Task<TViewInfo> ShowAsync(string name, CancellationToken ct = default)
    {
        var (_, table) = TViewDefinition.SplitName(name);
        var all = await ListAsync(withCounts: true, ct);
        return all.FirstOrDefault(t => t.Table == table || t.Entity == table)
            ?? throw new TViewsException($"TVIEW {table} does not exist");
    }

    /// <summary>The generated maintenance SQL, per source and event, as installed in the database.</summary>
    public async Task<IReadOnlyList<(string Source, string Event, string Sql)>> ExplainAsync(string name, CancellationToken ct = default)
    {
        var info = await ShowAsync(name, ct);
        await using var conn = await OpenAsync(ct);
        var rows = await conn.RowsAsync(
            $"""
            SELECT t->>'schema' || '.' || (t->>'table'),
                   t->>'event' || CASE WHEN t ? 'gate' THEN ' gate' ELSE '' END,
                   CASE WHEN t ? 'gate'
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
            r => (r.GetString(0), r.GetString(1), r.GetString(2)), ct, ("e", info.Entity));
        var apply = await conn.ScalarAsync<string>(
            $"""
            SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            JOIN {Rt("pg_tviews_metadata")} m ON m.table_schema = n.nspname AND m.apply_function = p.proname
            WHERE m.entity_name = @e
            """, ct, ("e", info.Entity));
        rows.Add(("(recompute)", "apply", apply ?? "-- function missing"));
        return rows;
    }

    // ---------------------------------------------------------------- refresh / verify

    public async Task<long> RefreshAsync(string entity, bool force, CancellationToken ct = default)
    {
        entity = entity.StartsWith("tv_", StringComparison.Ordinal) ? entity[3..] : entity;
        await using var conn = await OpenAsync(ct);
        return await conn.ScalarAsync<long>($"SELECT {Rt("pg_tviews_refresh")}(@e, @f)", ct, ("e", entity), ("f", force));
    }

    /// <summary>Compares TVIEWs with their definitions evaluated from scratch (all when none named).</summary>
    public async Task<IReadOnlyList<Divergence>> VerifyAsync(IReadOnlyList<string> names, int maxRowsPerTView = 100, CancellationToken ct = default)
    {
        var all = await ListAsync(false, ct);
        var selected = names.Count == 0 ? all : names.Select(n =>
        {
            var (_, table) = TViewDefinition.SplitName(n);
            return all.FirstOrDefault(t => t.Table == table || t.Entity == table) ?? throw new TViewsException($"TVIEW {table} does not exist");
        }).ToList();
        await using var conn = await OpenAsync(ct);
        var result = new List<Divergence>();
        foreach (var t in selected)
            result.AddRange(await conn.RowsAsync($"SELECT kind, row_data FROM {Rt("pg_tviews_check_consistency")}(@e, @n)",
                r => new Divergence(t.Entity, r.GetString(0), r.GetString(1)), ct, ("e", t.Entity), ("n", maxRowsPerTView)));
        return result;
    }
}
