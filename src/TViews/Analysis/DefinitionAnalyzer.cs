using Npgsql;
using TViews.Plan;
using TViews.Runtime;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>What the analysis of a definition found: how each source's changes reach the TVIEW.</summary>
/// <param name="KeyEnforced">
/// The key was given explicitly and its uniqueness could not be proven from the catalog: it held when
/// checked at build time, and maintenance must fail loudly on a duplicate.
/// </param>
internal sealed record DefinitionAnalysis(
    IReadOnlyList<SourcePlan> Sources,
    IReadOnlyList<IndexPlan> Indexes,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<Expr> KeyExpressions,
    bool KeyEnforced = false)
{
    /// <summary>Key-level locking, when the definition allows it (else <see cref="KeyLockRefusal"/> says why not).</summary>
    public KeyLockPlan? KeyLocks { get; init; }

    public string? KeyLockRefusal { get; init; }

    /// <summary>The NOT NULL columns the proof that the key is never NULL rests on (<see cref="KeyNullProof"/>).</summary>
    public IReadOnlyList<NotNullColumn> KeyNotNull { get; init; } = [];

    /// <summary>
    /// No key was proven and none given: the rows are a multiset, found by these columns (possibly NULL,
    /// not unique), which replace the key (<see cref="TViews.Plan.TViewPlan.Multiset"/>).
    /// </summary>
    public IReadOnlyList<string>? MultisetKey { get; init; }
}

/// <summary>
/// Binds a TVIEW definition against the live catalog and derives its maintenance plan: sources,
/// the columns read from each, the affected-key query of every source occurrence, and the indexes
/// dependents need. Refuses, with the construct and its position, what it cannot maintain exactly.
/// </summary>
internal static class DefinitionAnalyzer
{
    /// <param name="explicitKey">
    /// The key was chosen by the user (--key, -- tviews:key=): when its uniqueness cannot be proven, it is
    /// checked against the data instead and enforced at run time. A key chosen by default must be proven.
    /// </param>
    /// <param name="findable">
    /// Per output column, whether a multiset TVIEW can find rows by it (<see cref="ColumnPlan.Findable"/>);
    /// given when the key was chosen by default: a definition without a provable key is then maintained as
    /// a multiset (docs/sql.md) instead of refused.
    /// </param>
    /// <param name="definitionView">
    /// The definition created as a view (quoted, qualified name), when it exists: PostgreSQL's reading of it
    /// tells the columns of functions in FROM.
    /// </param>
    public static async Task<DefinitionAnalysis> AnalyzeAsync(NpgsqlConnection conn, string? runtimeSchema, SelectStmt definition,
        SourceText? source, IReadOnlyList<string> outputColumns, IReadOnlyList<string> keyColumns, bool explicitKey = false, CancellationToken ct = default,
        bool acknowledgeRowSecurity = false, string? definitionView = null, IReadOnlyList<bool>? findable = null)
    {
        CheckReservedNames(definition, source, outputColumns);
        var catalog = new CatalogReader(conn, runtimeSchema);
        var relations = new Dictionary<string, CatalogRelation>(StringComparer.Ordinal);
        foreach (var name in Binder.TableNames(definition))
        {
            var key = Binder.RelationKey(name);
            if (relations.ContainsKey(key)) continue;
            if (await catalog.FindAsync(name.Parts.Select(p => p.Value).ToList(), ct) is { } rel) relations[key] = rel;
        }
        var functions = await FunctionInfoAsync(conn, definition, ct);
        var aggregates = new HashSet<string>(Aggregates.Known, StringComparer.Ordinal);
        aggregates.UnionWith(functions.Where(f => f.Value.Aggregate).Select(f => f.Key));

        CheckDeterministic(definition, source, functions);
        var functionColumns = await FunctionColumnsAsync(conn, definition, definitionView, ct);
        var binder = new Binder(source, relations, functionColumns);
        binder.BindDefinition(definition);
        CheckRootShape(definition, source, aggregates, outputColumns);
        if (!acknowledgeRowSecurity && binder.Tables.FirstOrDefault(t => t.Relation.RowSecurity) is { } rls)
            throw AnalysisException.At(source, rls.Ref,
                $"\"{rls.Relation.QualifiedName}\" has row-level security: the TVIEW holds every row its definition yields as its owner sees them, " +
                "and its readers would see rows the policies hide from them. If that is intended, acknowledge it: --acknowledge-rls " +
                "(or -- tviews:rls=acknowledged before the statement in an apply file); see docs/security.md");

        // One SELECT, or each branch of a UNION at the top: its outputs and key expressions.
        var branches = binder.Branches;
        var union = branches.Count > 1;
        var branchOutputs = branches.Select(binder.Outputs).ToList();
        if (branchOutputs.Any(o => o.Count != outputColumns.Count))
            throw new AnalysisException($"internal: the definition has {branchOutputs.First(o => o.Count != outputColumns.Count).Count} output columns but PostgreSQL reports {outputColumns.Count}");
        var setReturning = functions.Where(f => f.Value.SetReturning).Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        var uniqueness = new KeyUniquenessAnalyzer(binder, source, aggregates, setReturning);
        var branchKeys = new List<List<Expr>>();
        WindowShape? windowShape = null;
        AnalysisException? mayRepeat;
        IReadOnlyList<int> positions;
        string? multisetReason = null;
        var recursive = Binder.IsRecursive(definition);
        if (recursive && explicitKey)
            throw AnalysisException.At(source, definition.DescendantsAndSelf().OfType<WithClause>().First(w => w.Recursive),
                "a definition with WITH RECURSIVE is maintained whole, as a multiset (any row may depend on any other): give it no key");
        try
        {
            // A recursion: no key query can follow a change through it. Maintained whole, as a multiset.
            if (recursive)
                throw new AnalysisException("WITH RECURSIVE: a recursion can make any row depend on any other, so every change recomputes the whole TVIEW");
            for (var b = 0; b < branches.Count; b++)
            {
                CheckSingleRowKey(branches[b].Core, branchOutputs[b], outputColumns, keyColumns, source, aggregates);
                var branchKey = KeyExpressions(branchOutputs[b], outputColumns, keyColumns, source, aggregates);
                CheckDistinctOn(branches[b], branchKey, source);
                windowShape ??= WindowPartitionAnalyzer.Analyze(binder, branches[b], branchOutputs[b], branchKey, source, aggregates, union);
                branchKeys.Add(branchKey);
            }
            positions = keyColumns.Select(k => outputColumns.ToList().IndexOf(k)).ToList();
            if (!union)
            {
                var verdict = uniqueness.Check(branchOutputs[0], positions, keyColumns);
                if (verdict.MayBeNull is { } mayBeNull) throw mayBeNull;
                mayRepeat = verdict.MayRepeat;
            }
            else mayRepeat = await UnionKeyAsync(conn, definition, source, uniqueness, branches, branchOutputs, branchKeys, positions, keyColumns, outputColumns.Count, aggregates, ct);
            if (mayRepeat is not null && !explicitKey) throw mayRepeat;
        }
        catch (AnalysisException noKey) when ((findable is not null || recursive) && !explicitKey)
        {
            // No key to address rows by: rows are a multiset, found by the columns that can find them.
            positions = recursive ? [] : MultisetKey.Positions(binder, branches, branchOutputs, findable!, aggregates, setReturning, noKey);
            // No column finds rows: one pseudo-value, true, stands for the whole result (a full recompute).
            keyColumns = positions.Count == 0 ? [WholeResultColumn] : positions.Select(i => outputColumns[i]).ToList();
            branchKeys = branchOutputs.Select(o => positions.Count == 0 ? [Literal.True] : positions.Select(i => o[i]).ToList()).ToList();
            (windowShape, mayRepeat, multisetReason) = (null, null, noKey.Message);
        }
        var multiset = multisetReason is not null;
        var keyExprs = branchKeys[0];
        var keyEnforced = mayRepeat is not null;
        // The key was proven never NULL (in every branch): from which NOT NULL constraints.
        var keyNotNull = multiset ? [] : KeyNullProof.Dependencies(relations, binder, catalog =>
        {
            var b = new Binder(source, catalog, functionColumns);
            b.BindDefinition(definition);
            var check = new KeyUniquenessAnalyzer(b, source, aggregates, setReturning);
            return b.Branches.All(branch => check.Check(b.Outputs(branch), positions, keyColumns, branch).MayBeNull is null);
        });
        if (keyEnforced) await CheckKeyHoldsAsync(conn, definition, keyColumns, ct);

        // A UNION's occurrences each get the key queries of their branch (its constants included).
        // Patches and counts from the delta address the rows of one SELECT: not for a UNION.
        var builders = branches
            .Select((b, i) => new KeyQueryBuilder(binder, branchKeys[i], keyColumns, aggregates, union ? new UnionBranch(b, i + 1, definition.With) : null, nullSafeProbe: multiset))
            .ToList();
        KeyQueryBuilder BuilderOf(TableVar t) => builders[branches.ToList().IndexOf(Binder.BranchOf(t.Scope))];
        // Patches and counts from the delta address one row per key: not for a multiset either.
        var patchAnalyzer = union || multiset ? null : new PatchAnalyzer(binder, outputColumns, keyColumns, aggregates);
        var patches = patchAnalyzer?.Analyze(keyExprs) ?? new Dictionary<string, PatchPlan>();
        var counts = union || multiset ? null : CountDeltaAnalyzer.Analyze(binder, outputColumns, keyColumns, keyExprs);
        // Windows not partitioned by the key: each partition's columns are a pseudo-key, found by key queries of their own.
        var windows = windowShape is null ? null : WindowPlan(binder, definition, branchOutputs[0], outputColumns, positions, windowShape);
        var partitionBuilders = windowShape?.Partitions
            .Select(set => set.Count == 0
                ? new KeyQueryBuilder(binder, [Literal.True], [WholeResultColumn], aggregates)
                : new KeyQueryBuilder(binder, set.Select(i => branchOutputs[0][i]).ToList(), set.Select(i => outputColumns[i]).ToList(), aggregates, nullSafeProbe: true))
            .ToList() ?? [];
        var sources = binder.Tables
            .GroupBy(t => t.Relation.QualifiedName)
            .Select(g =>
            {
                var rel = g.First().Relation;
                var referenced = g.SelectMany(t => t.ReferencedColumns).ToHashSet(StringComparer.Ordinal);
                var cols = rel.Columns.Where(c => referenced.Contains(c.Name)).Select(c => new ColumnPlan(c.Name, c.Type, c.Comparable)).ToList();
                return new SourcePlan(rel.Schema, rel.Name, rel.TViewEntity, cols,
                    g.Select(t => recursive ? new WholeKeyQuery($"{t.Relation.QualifiedName} AS {t.Name} (any change: the definition is recursive)") : BuilderOf(t).Build(t)).ToList(),
                    patches.TryGetValue(rel.QualifiedName, out var patch) ? patch : null,
                    counts is { } cd && cd.Relation == rel.QualifiedName ? cd.Plan : null)
                {
                    OnlyTable = g.All(t => t.Ref.Only), InTopLevelUnion = union, Windows = windows,
                    PartitionQueries = partitionBuilders.Select(b => (IReadOnlyList<IKeyQuery>)g.Select(b.Build).ToList()).ToList(),
                };
            })
            .ToList();
        var (indexes, warnings) = LineageIndexes(binder);
        if (windowShape is not null) PartitionIndexes(binder, branchOutputs[0], windowShape, indexes, warnings);
        if (multiset && positions.Count > 0)
            foreach (var outputs in branchOutputs)
                LookupIndex(binder, outputs[positions[0]], "the rows with the values a change touches (a multiset)", indexes, warnings);
        // An explicit key the analysis could not prove: say so and why (a UNION's is usually meant to be
        // proven by its discriminator; any other may rest on a constraint the sources lack), since a
        // write that makes it repeat will fail.
        if (mayRepeat is not null)
            warnings.Insert(0, $"the key ({string.Join(", ", keyColumns)}) is taken as given (it holds now, and a write that makes it repeat fails): {mayRepeat.Message}");
        if (multiset)
            warnings.Insert(0, recursive
                ? "WITH RECURSIVE: maintained whole, as a multiset: every change to a table it reads evaluates the whole definition " +
                  "(rows are written only where they differ). Fine for hierarchies of thousands of rows; index the TVIEW for its readers"
                : positions.Count == 0
                ? $"no unique key ({multisetReason}): maintained as a multiset, and no column can find its rows (every one is an aggregate, " +
                  "a constant, of a type without equality or an array, or read from the nullable side of an outer join): every change " +
                  "evaluates the whole definition. Give a unique key, or a column that finds rows, for maintenance per row"
                : $"no unique key ({multisetReason}): maintained as a multiset, its rows found by ({string.Join(", ", keyColumns)}); " +
                  "a change recomputes every row sharing those values. Give a unique key for per-row maintenance");
        var (keyLocks, keyLockRefusal) = multiset ? (null, "a multiset TVIEW (no unique key) has no row to lock by key")
            : KeyLockAnalyzer.Analyze(binder, keyExprs, patchAnalyzer?.LeafReads);
        if (keyLocks is not null && await NondeterministicColumnAsync(conn, KeyLockAnalyzer.TextColumns(keyLocks), ct) is { } column)
            (keyLocks, keyLockRefusal) = (null, $"{column} has a nondeterministic collation: equal values may differ as text");
        return new DefinitionAnalysis(sources, indexes, warnings, keyExprs, keyEnforced)
        {
            KeyLocks = keyLocks, KeyLockRefusal = keyLockRefusal, KeyNotNull = keyNotNull,
            MultisetKey = multiset ? keyColumns : null,
        };
    }

    /// <summary>The key's expressions in one SELECT's outputs; refuses keys computed by aggregates, windows or subqueries.</summary>
    private static List<Expr> KeyExpressions(IReadOnlyList<Expr> outputs, IReadOnlyList<string> outputColumns, IReadOnlyList<string> keyColumns,
        SourceText? source, ISet<string> aggregates)
    {
        var keyExprs = new List<Expr>();
        foreach (var k in keyColumns)
        {
            var i = outputColumns.ToList().IndexOf(k);
            if (i < 0) throw new AnalysisException($"key column \"{k}\" is not a column of the definition (columns: {string.Join(", ", outputColumns)})");
            var e = outputs[i];
            if (KeyQueryBuilder.IsAggregateLike(e, aggregates))
                throw AnalysisException.At(source, e, $"key column \"{k}\" is computed by an aggregate or window function; the key must come from the rows (or GROUP BY columns)");
            if (e.DescendantsAndSelf().Any(n => n is SelectStmt))
                throw AnalysisException.At(source, e, $"key column \"{k}\" is computed by a subquery; the key must come from the FROM clause");
            keyExprs.Add(e);
        }
        return keyExprs;
    }

    /// <summary>
    /// The key of a UNION at the top: never NULL in any branch (else refused), and unique across the
    /// whole result when some key columns are constants in every branch whose values tell every two
    /// branches apart (the discriminator, <c>'post' AS kind</c>) and each branch is unique on the key by
    /// itself; or when the UNION (without ALL) removes duplicates and the key is every column. Returns
    /// why the key may repeat, null when it cannot.
    /// </summary>
    private static async Task<AnalysisException?> UnionKeyAsync(NpgsqlConnection conn, SelectStmt definition, SourceText? source,
        KeyUniquenessAnalyzer uniqueness, IReadOnlyList<Scope> branches, List<List<Expr>> branchOutputs, List<List<Expr>> branchKeys,
        IReadOnlyList<int> positions, IReadOnlyList<string> keyColumns, int width, ISet<string> aggregates, CancellationToken ct)
    {
        var keyText = string.Join(", ", keyColumns);
        var verdicts = new List<KeyVerdict>();
        for (var b = 0; b < branches.Count; b++)
        {
            var verdict = uniqueness.Check(branchOutputs[b], positions, keyColumns, branches[b]);
            if (verdict.MayBeNull is { } mayBeNull) throw InBranch(b, mayBeNull);
            verdicts.Add(verdict);
        }
        if (definition.Body is SetOperationQuery { All: false } && positions.Distinct().Count() == width) return null;
        var constant = Enumerable.Range(0, keyColumns.Count).Where(k => branchKeys.All(keys => IsConstant(keys[k], aggregates))).ToList();
        if (constant.Count == 0)
            return AnalysisException.At(source, branches[1].Core,
                $"the key ({keyText}) is not provably unique across the branches of the UNION: no key column is a constant of every branch " +
                "that tells the branches apart, so two branches may yield the same key. Add one to every branch and to the key " +
                "(SELECT 'post' AS kind, p.pk_post AS id ... UNION ALL SELECT 'comment', c.pk_comment ..., with -- tviews:key=kind,id), " +
                "or give the key explicitly (--key, -- tviews:key=... in an apply file): it is then checked against the data and enforced");
        if (constant.Count == keyColumns.Count)
            return AnalysisException.At(source, branches[0].Core,
                $"the key ({keyText}) is a constant in each branch of the UNION, so it cannot tell the rows of a branch apart: " +
                "add each branch's own key to it (-- tviews:key=kind,id for SELECT 'post' AS kind, p.pk_post AS id ...)");
        if (await ClashingBranchesAsync(conn, branchKeys, constant, ct) is { } clash)
        {
            var names = string.Join(", ", constant.Select(k => keyColumns[k]));
            return AnalysisException.At(source, branchKeys[clash.Second][constant[0]],
                $"the key ({keyText}) is not provably unique across the branches of the UNION: UNION branches {clash.First + 1} and {clash.Second + 1} " +
                $"have the same constant {names}, so they may yield the same key. Give every branch a value of its own");
        }
        for (var b = 0; b < branches.Count; b++)
            if (verdicts[b].MayRepeat is { } mayRepeat) return InBranch(b, mayRepeat);
        return null;
    }

    private static AnalysisException InBranch(int branch, AnalysisException e) => new($"UNION branch {branch + 1}: {e.Detail}", e.Position);

    /// <summary>
    /// Two branches whose constant key columns are equal, if any. PostgreSQL compares them, typed as in
    /// the definition (the same expressions under UNION ALL resolve to the same types): <c>1</c> and
    /// <c>1.0</c>, or <c>'a'::char(2)</c> and <c>'a '::char(2)</c>, are the same value.
    /// </summary>
    private static async Task<(int First, int Second)?> ClashingBranchesAsync(NpgsqlConnection conn, List<List<Expr>> branchKeys,
        IReadOnlyList<int> constant, CancellationToken ct)
    {
        QueryExpr? body = null;
        for (var b = 0; b < branchKeys.Count; b++)
        {
            var core = new SelectCore([new ResultTarget(Literal.Integer(b)), .. constant.Select(k => new ResultTarget(branchKeys[b][k]))]);
            body = body is null ? core : new SetOperationQuery(SetOperator.Union, true, body, core);
        }
        var columns = string.Join(", ", constant.Select((_, j) => $"pg_tviews_c{j}"));
        var sql = $"SELECT array_agg(pg_tviews_q.pg_tviews_b ORDER BY pg_tviews_q.pg_tviews_b) FROM ({SqlFormatter.Format(new SelectStmt(body!))}) " +
                  $"AS pg_tviews_q (pg_tviews_b, {columns}) GROUP BY {columns} HAVING count(*) > 1 LIMIT 1";
        var rows = await conn.RowsAsync(sql, r => r.GetFieldValue<int[]>(0), ct);
        return rows.Count == 0 ? null : (rows[0][0], rows[0][1]);
    }

    /// <summary>The first of the columns (schema.table.column) whose collation is nondeterministic, if any.</summary>
    private static async Task<string?> NondeterministicColumnAsync(NpgsqlConnection conn, IEnumerable<(string Schema, string Table, string Column)> columns, CancellationToken ct)
    {
        var list = columns.ToList();
        if (list.Count == 0) return null;
        var rows = await conn.RowsAsync(
            """
            SELECT x.s || '.' || x.t || '.' || x.c
            FROM unnest(@s, @t, @c) AS x (s, t, c)
            JOIN pg_attribute a ON a.attrelid = to_regclass(format('%I.%I', x.s, x.t)) AND a.attname = x.c
            JOIN pg_collation k ON k.oid = a.attcollation
            WHERE NOT k.collisdeterministic LIMIT 1
            """,
            r => r.GetString(0), ct, ("s", list.Select(x => x.Schema).ToArray()), ("t", list.Select(x => x.Table).ToArray()), ("c", list.Select(x => x.Column).ToArray()));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// An explicit key the analysis cannot prove unique is accepted only if the definition's rows
    /// have no duplicate of it now (NULLs are refused by the analysis before).
    /// </summary>
    private static async Task CheckKeyHoldsAsync(NpgsqlConnection conn, SelectStmt definition, IReadOnlyList<string> keyColumns, CancellationToken ct)
    {
        var cols = string.Join(", ", keyColumns.Select(k => "pg_tviews_q." + SqlNames.Quote(k)));
        var sql = $"SELECT ROW({cols})::text, count(*) FROM ({SqlFormatter.Format(definition)}) AS pg_tviews_q GROUP BY {cols} HAVING count(*) > 1 LIMIT 1";
        var dup = await conn.RowsAsync(sql, r => (Value: r.GetString(0), Count: r.GetInt64(1)), ct);
        if (dup.Count == 0) return;
        var keyText = string.Join(", ", keyColumns);
        throw new AnalysisException(
            $"the key ({keyText}) is not unique: ({keyText}) = {dup[0].Value} is produced by {dup[0].Count} rows of the definition. " +
            "The analysis could not prove this key unique either: choose a unique key, or make it unique in the sources (a unique constraint)");
    }

    private sealed record FunctionInfo(bool Volatile, bool Aggregate, bool Window, bool SetReturning);

    private static async Task<Dictionary<string, FunctionInfo>> FunctionInfoAsync(NpgsqlConnection conn, SelectStmt definition, CancellationToken ct)
    {
        var names = definition.DescendantsAndSelf().OfType<FuncCall>().Select(f => f.Name.Name).Distinct().ToArray();
        if (names.Length == 0) return [];
        var rows = await conn.RowsAsync(
            """
            SELECT proname::text, bool_and(provolatile = 'v'), bool_or(prokind = 'a'), bool_or(prokind = 'w'), bool_or(proretset)
            FROM pg_proc WHERE proname = ANY (@n) GROUP BY proname
            """,
            r => (r.GetString(0), new FunctionInfo(r.GetBoolean(1), r.GetBoolean(2), r.GetBoolean(3), r.GetBoolean(4))), ct, ("n", names));
        return rows.ToDictionary(r => r.Item1, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>The prefix of every name TViews generates, PL/pgSQL variables included.</summary>
    public const string ReservedPrefix = "pg_tviews_";

    /// <summary>
    /// Refuses names with TViews' prefix: the generated PL/pgSQL embeds the definition's SQL next to
    /// variables of that prefix, and a column or alias of the same name would be read as the variable.
    /// </summary>
    private static void CheckReservedNames(SelectStmt definition, SourceText? source, IReadOnlyList<string> outputColumns)
    {
        static bool Reserved(string name) => name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);
        if (definition.DescendantsAndSelf(n => !IsOneRowKeyTarget(n)).OfType<Identifier>().FirstOrDefault(i => Reserved(i.Value)) is { } id)
            throw AnalysisException.At(source, id, $"\"{id.Value}\": names beginning with {ReservedPrefix} are reserved for TViews");
        var added = definition.Body is SelectCore { Targets: { IsDefaultOrEmpty: false } targets } && IsOneRowKeyTarget(targets[^1]);
        if (outputColumns.Take(outputColumns.Count - (added ? 1 : 0)).FirstOrDefault(Reserved) is { } column)
            throw new AnalysisException($"output column \"{column}\": names beginning with {ReservedPrefix} are reserved for TViews");
    }

    private static void CheckDeterministic(SelectStmt definition, SourceText? source, Dictionary<string, FunctionInfo> functions)
    {
        foreach (var node in definition.DescendantsAndSelf())
        {
            switch (node)
            {
                case FuncCall f when functions.TryGetValue(f.Name.Name, out var info) && info.Volatile:
                    throw AnalysisException.At(source, f, $"volatile function {f.Name.Name}() is not maintainable: a TVIEW's rows must be a function of its sources");
                case FuncCall f when TimeFunctions.Contains(f.Name.Name):
                    throw AnalysisException.At(source, f, $"{f.Name.Name}() depends on the time it runs: a TVIEW's rows must be a function of its sources");
                case SqlValueFunction v:
                    throw AnalysisException.At(source, v, $"{v.Kind} depends on the session or the time: a TVIEW's rows must be a function of its sources");
                case ParamRef p:
                    throw AnalysisException.At(source, p, "parameters ($n) are not allowed in a TVIEW definition");
            }
        }
    }

    private static readonly HashSet<string> TimeFunctions = new(StringComparer.Ordinal)
    {
        "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "timeofday", "current_setting", "txid_current", "pg_backend_pid",
    };

    private static void CheckRootShape(SelectStmt definition, SourceText? source, ISet<string> aggregates, IReadOnlyList<string> outputColumns)
    {
        if (definition.Body is ValuesQuery values)
            throw AnalysisException.At(source, values, "VALUES at the top of a TVIEW definition is not maintainable: its rows read no table (keep them in a table, or write SELECT ... without FROM)");
        var cores = TopLevelSelects(definition.Body, source);
        // PostgreSQL accepts `SELECT FROM t`: rows without columns, so without a key to address them by.
        if (outputColumns.Count == 0)
            throw AnalysisException.At(source, cores[0], "the select list is empty: a TVIEW needs at least one column, its key");
        if (definition.Limit is not null || definition.Offset is not null || definition.Fetch is not null)
            throw AnalysisException.At(source, (SqlNode?)definition.Limit ?? (SqlNode?)definition.Offset ?? definition.Fetch,
                "LIMIT / OFFSET / FETCH is not maintainable incrementally: a change to any row can move the cut-off");
        if (!definition.Locking.OrEmpty().IsEmpty)
            throw AnalysisException.At(source, definition.Locking[0], "locking clauses (FOR UPDATE ...) have no meaning in a TVIEW definition");
        foreach (var core in cores)
            foreach (var g in core.GroupBy.OrEmpty())
                if (g is GroupingSet gs && gs.Kind != GroupingSetKind.Empty)
                    throw AnalysisException.At(source, g, "GROUPING SETS / ROLLUP / CUBE are not maintainable yet: their rows have no single key");
        CheckSubqueries(definition, source, aggregates);
    }

    /// <summary>
    /// Subqueries whose rows are not a function of the tables: a locking clause, and LIMIT / OFFSET
    /// (or DISTINCT ON) without ORDER BY (PostgreSQL keeps whichever rows it reads first, which a
    /// recompute may read in another order), except under EXISTS (any row will do) or over one row (an
    /// aggregate without GROUP BY). And subqueries in the arguments of a function in FROM: the rows the call yields depend
    /// on them, but no key query can tell which.
    /// </summary>
    private static void CheckSubqueries(SelectStmt definition, SourceText? source, ISet<string> aggregates)
    {
        var exists = definition.DescendantsAndSelf().OfType<SubqueryExpr>().Where(x => x.Kind == SubqueryKind.Exists).Select(x => x.Query)
            .ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var q in definition.DescendantsAndSelf().OfType<SelectStmt>().Where(q => !ReferenceEquals(q, definition)))
        {
            if (!q.Locking.OrEmpty().IsEmpty)
                throw AnalysisException.At(source, q.Locking[0], "locking clauses (FOR UPDATE ...) have no meaning in a TVIEW definition");
            if ((q.Limit ?? q.Offset ?? (SqlNode?)q.Fetch) is { } cut && q.OrderBy.OrEmpty().IsEmpty && !exists.Contains(q)
                && !(q.Body is SelectCore one && one.GroupBy.OrEmpty().IsEmpty && one.Targets.Any(t => IsTopLevelAggregate(t.Value, aggregates))))
                throw AnalysisException.At(source, cut,
                    "LIMIT / OFFSET without ORDER BY keeps whichever rows PostgreSQL reads first, which is not a function of the tables: " +
                    "order the subquery by columns that tell its rows apart (its key)");
            if (q.Body is SelectCore { DistinctOn: { IsDefaultOrEmpty: false } on } && q.OrderBy.OrEmpty().IsEmpty)
                throw AnalysisException.At(source, on[0],
                    "DISTINCT ON without ORDER BY keeps whichever row of each group PostgreSQL reads first, which is not a function of the tables: " +
                    "order the subquery by the DISTINCT ON expressions, then by columns that tell the rows apart");
        }
        // PostgreSQL records what an unreferenced WITH query reads as the view's dependencies, but no key
        // query can reach it (the cross-check of the sources would refuse it without a position).
        foreach (var stmt in definition.DescendantsAndSelf().OfType<SelectStmt>())
            foreach (var cte in stmt.With?.Ctes.OrEmpty() ?? [])
                if (!stmt.DescendantsAndSelf().OfType<TableRef>().Any(t => t.Name.Parts.Length == 1 && t.Name.Parts[0].Value == cte.Name.Value && !cte.Query.DescendantsAndSelf().Any(n => ReferenceEquals(n, t))))
                    throw AnalysisException.At(source, cte,
                        $"WITH query \"{cte.Name.Value}\" is never referenced: PostgreSQL still records the tables it reads, but no change to them " +
                        "could reach the TVIEW; remove it");
        foreach (var f in definition.DescendantsAndSelf().OfType<RangeFunction>())
            if (f.Call.DescendantsAndSelf().OfType<SelectStmt>().FirstOrDefault() is { } sub)
                throw AnalysisException.At(source, sub,
                    "a subquery in the arguments of a function in FROM is not maintainable: the rows the call yields depend on it, " +
                    "and no change to the tables it reads can say which (join the subquery's rows instead, or compute the argument in a LATERAL subquery)");
    }

    /// <summary>
    /// The SELECTs of the definition's body: itself, or the branches of a UNION [ALL] at the top, in text
    /// order (nested unions flattened). Refuses INTERSECT / EXCEPT there (with the keyword's position),
    /// VALUES as a branch, and a parenthesised branch with LIMIT, locking or a WITH of its own.
    /// </summary>
    private static List<SelectCore> TopLevelSelects(QueryExpr body, SourceText? source)
    {
        switch (body)
        {
            case SelectCore core:
                return [core];
            case SetOperationQuery { Operator: SetOperator.Union } op:
                return [.. TopLevelSelects(op.Left, source), .. TopLevelSelects(op.Right, source)];
            case SetOperationQuery op:
            {
                var name = op.Operator == SetOperator.Intersect ? "INTERSECT" : "EXCEPT";
                var detail = $"{name} at the top of a TVIEW definition is not maintainable yet: whether a row is kept depends on rows of the other " +
                             "side equal to it as a whole, which no key addresses. Write the other side as a filter on the key " +
                             $"(WHERE {(op.Operator == SetOperator.Intersect ? "" : "NOT ")}EXISTS (SELECT ... WHERE ...)), or use {name} inside a subquery";
                return KeywordPosition(op, name, source) is { } at ? throw new AnalysisException(detail, at) : throw AnalysisException.At(source, op.Right, detail);
            }
            case NestedQuery { Query: var q }:
                if (q.Limit is not null || q.Offset is not null || q.Fetch is not null)
                    throw AnalysisException.At(source, (SqlNode?)q.Limit ?? (SqlNode?)q.Offset ?? q.Fetch,
                        "LIMIT / OFFSET / FETCH in a branch of a UNION is not maintainable incrementally: a change to any row of the branch can move the cut-off");
                if (!q.Locking.OrEmpty().IsEmpty)
                    throw AnalysisException.At(source, q.Locking[0], "locking clauses (FOR UPDATE ...) have no meaning in a TVIEW definition");
                if (q.With is not null)
                    throw AnalysisException.At(source, q.With, "WITH inside a branch of a UNION at the top is not supported: move it to the top of the definition, before the first branch");
                return TopLevelSelects(q.Body, source);
            case ValuesQuery values:
                throw AnalysisException.At(source, values, "VALUES as a branch of a UNION at the top is not maintainable yet: write each of its rows as a branch SELECT ... without FROM");
            default:
                throw AnalysisException.At(source, body, $"unsupported query form {body.GetType().Name}");
        }
    }

    /// <summary>Where the keyword of a set operation stands in the text: the first token between its operands.</summary>
    private static LinePosition? KeywordPosition(SetOperationQuery op, string keyword, SourceText? source)
    {
        if (source is null || op.Left.Span.IsEmpty || op.Right.Span.IsEmpty || op.Right.Span.Start <= op.Left.Span.End) return null;
        var between = source.GetText(TextSpan.FromBounds(op.Left.Span.End, op.Right.Span.Start));
        try
        {
            var token = SqlLexer.Tokenize(between).FirstOrDefault(t => string.Equals(t.Value, keyword, StringComparison.OrdinalIgnoreCase));
            return token is null ? null : source.GetLinePosition(op.Left.Span.End + token.Span.Start);
        }
        catch (SqlSyntaxException)
        {
            return null;
        }
    }

    /// <summary>The key column TViews adds to a one-row definition that has no constant to be keyed by.</summary>
    public const string OneRowKeyColumn = "pg_tviews_one_row";

    /// <summary>
    /// A definition that yields at most one row (an aggregate without GROUP BY, <c>SELECT sum(x) FROM t</c>,
    /// or a select list without FROM, <c>SELECT (SELECT count(*) FROM t)</c>) and whose default key is not
    /// a constant cannot be keyed by anything it yields: an aggregate's value changes with the rows. Such a
    /// definition gets a key of its own, <c>true AS pg_tviews_one_row</c> appended to its select list (to the
    /// text, and to the tree as a node without span). Returns null when the definition keeps its own key:
    /// another shape, an explicit key, or a constant default key (<c>SELECT 1 AS pk_x, count(*) ...</c>).
    /// </summary>
    public static async Task<TViewDefinition?> WithOneRowKeyAsync(NpgsqlConnection conn, TViewDefinition definition,
        IReadOnlyList<string> outputColumns, CancellationToken ct = default)
    {
        if (definition.Key is { Count: > 0 } || definition.Query.Body is not SelectCore core || core.Targets.OrEmpty().IsEmpty) return null;
        // A column of that name is the user's: refused by the analysis, with its position.
        if (core.Targets.Any(t => t.Value is StarExpr) || core.Targets.Length != outputColumns.Count || outputColumns.Contains(OneRowKeyColumn)) return null;
        var functions = await FunctionInfoAsync(conn, definition.Query, ct);
        var aggregates = new HashSet<string>(Aggregates.Known, StringComparer.Ordinal);
        aggregates.UnionWith(functions.Where(f => f.Value.Aggregate).Select(f => f.Key));
        if (!YieldsOneRow(core, aggregates, functions.Where(f => f.Value.SetReturning).Select(f => f.Key).ToHashSet(StringComparer.Ordinal))) return null;
        var pk = "pk_" + definition.Entity;
        var keyAt = outputColumns.Contains(pk) ? outputColumns.ToList().IndexOf(pk) : 0;
        if (IsConstant(core.Targets[keyAt].Value, aggregates)) return null;

        var last = core.Targets[^1];
        var at = last.Span.End - definition.QueryOffset;
        if (last.Span.IsEmpty || at <= 0 || at > definition.QueryText.Length)
            throw new AnalysisException("internal: the select list's position in the definition's text is unknown");
        var target = new ResultTarget(new Literal(LiteralKind.Boolean, "true"), new Identifier(OneRowKeyColumn));
        return definition with
        {
            Query = definition.Query with { Body = core with { Targets = core.Targets.Add(target) } },
            QueryText = definition.QueryText[..at] + $", true AS {OneRowKeyColumn}" + definition.QueryText[at..],
        };
    }

    /// <summary>
    /// At most one row: grouped into one group (aggregates or HAVING, no GROUP BY but <c>()</c>), or no FROM
    /// and no set-returning function in the select list.
    /// </summary>
    private static bool YieldsOneRow(SelectCore core, ISet<string> aggregates, ISet<string> setReturning)
    {
        var topLevel = core.Targets.SelectMany(t => t.Value.DescendantsAndSelf(n => n is not SelectStmt)).OfType<FuncCall>().ToList();
        if (core.From.OrEmpty().IsEmpty && core.GroupBy.OrEmpty().IsEmpty && core.Having is null)
            return !topLevel.Any(f => setReturning.Contains(f.Name.Name));
        return core.GroupBy.OrEmpty().All(g => g is GroupingSet { Kind: GroupingSetKind.Empty })
            && (core.Having is not null || core.Targets.Any(t => IsTopLevelAggregate(t.Value, aggregates)));
    }

    /// <summary>The key column added by <see cref="WithOneRowKeyAsync"/>: built by code, so without a span.</summary>
    private static bool IsOneRowKeyTarget(SqlNode n) => n is ResultTarget { Span.IsEmpty: true, Alias.Value: OneRowKeyColumn };

    /// <summary>
    /// An aggregate without GROUP BY (<c>SELECT 1 AS pk_x, count(*) FROM t</c>) yields exactly one row.
    /// It is maintained as a TVIEW of one row whose key is a constant the definition writes: every
    /// change to a source yields that key, and the row is recomputed. A key read from the rows cannot
    /// address it (an aggregate's value changes, a column is not grouped), so anything else is refused.
    /// </summary>
    private static void CheckSingleRowKey(SelectCore core, IReadOnlyList<Expr> outputs, IReadOnlyList<string> outputColumns,
        IReadOnlyList<string> keyColumns, SourceText? source, ISet<string> aggregates)
    {
        if (!core.GroupBy.OrEmpty().All(g => g is GroupingSet { Kind: GroupingSetKind.Empty }) || !core.Targets.Any(t => IsTopLevelAggregate(t.Value, aggregates))) return;
        foreach (var k in keyColumns)
        {
            var e = outputs[outputColumns.ToList().IndexOf(k)];
            if (IsConstant(e, aggregates)) continue;
            var at = e.Span.IsEmpty ? core.Targets.First(t => IsTopLevelAggregate(t.Value, aggregates)).Value : e;
            throw AnalysisException.At(source, at,
                $"an aggregate without GROUP BY gives exactly one row, so its key column \"{k}\" must be a constant: " +
                "give no key (TViews then keys the row by a column of its own, pg_tviews_one_row), write a constant first in the select list " +
                "(SELECT 1 AS pk_<entity>, count(*) ...), or add GROUP BY (the grouping columns become the key)");
        }
    }

    /// <summary>Literals and expressions of literals only (volatile functions are refused before).</summary>
    private static bool IsConstant(Expr e, ISet<string> aggregates) =>
        !KeyQueryBuilder.IsAggregateLike(e, aggregates) && !e.DescendantsAndSelf().Any(n => n is ColumnRef or StarExpr or SelectStmt or ParamRef);

    /// <summary>An aggregate at this query level (not inside a subquery, not a window function).</summary>
    private static bool IsTopLevelAggregate(Expr e, ISet<string> aggregates) =>
        e.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall f && f.Over is null && aggregates.Contains(f.Name.Name));

    private static void CheckDistinctOn(Scope root, IReadOnlyList<Expr> keyExprs, SourceText? source)
    {
        var core = root.Core;
        if (!core.DistinctOn.OrEmpty().IsEmpty && !SameSet(core.DistinctOn, keyExprs))
            throw AnalysisException.At(source, core.DistinctOn[0], "DISTINCT ON is maintainable only when its expressions are exactly the key columns");
    }

    /// <summary>The pseudo-key column of a window over the whole result (no PARTITION BY): one constant partition.</summary>
    public const string WholeResultColumn = "pg_tviews_all";

    private static WindowPartitionPlan WindowPlan(Binder binder, SelectStmt definition, IReadOnlyList<Expr> outputs, IReadOnlyList<string> outputColumns,
        IReadOnlyList<int> keyPositions, WindowShape shape)
    {
        var projected = keyPositions.Concat(shape.Partitions.SelectMany(p => p)).Distinct().ToList();
        return new WindowPartitionPlan(
            shape.Partitions.Select(set => (IReadOnlyList<string>)set.Select(i => outputColumns[i]).ToList()).ToList(),
            shape.Pushdown.Select(i => outputColumns[i]).ToList(),
            WindowPartitionAnalyzer.Projection(binder, definition, binder.Root, outputs, outputColumns, projected));
    }

    private static bool SameSet(IEnumerable<Expr> a, IEnumerable<Expr> b) => a.ToHashSet().SetEquals(b);

    /// <summary>
    /// The columns of each function in FROM that has no column definition list, keyed by the start of its
    /// span, from PostgreSQL's reading of the definition view: pg_get_viewdef gives every function in FROM
    /// its complete column alias list. Functions are matched in document order (the deparsed text keeps
    /// the FROM structure); on any doubt (a parse failure, a different count or name) nothing is known
    /// and a <c>*</c> over such a function is refused instead.
    /// </summary>
    private static async Task<Dictionary<int, IReadOnlyList<string>>> FunctionColumnsAsync(NpgsqlConnection conn, SelectStmt definition, string? view, CancellationToken ct)
    {
        var result = new Dictionary<int, IReadOnlyList<string>>();
        var functions = definition.DescendantsAndSelf().OfType<FunctionRef>().ToList();
        if (view is null || !functions.Any(f => f.ColumnDefinitions.OrEmpty().IsEmpty)) return result;
        var text = await conn.ScalarAsync<string?>("SELECT pg_catalog.pg_get_viewdef(@v::pg_catalog.regclass)", ct, ("v", view));
        if (text is null) return result;
        List<FunctionRef> deparsed;
        try
        {
            deparsed = SqlParser.ParseSelect(text.Trim().TrimEnd(';')).DescendantsAndSelf().OfType<FunctionRef>().ToList();
        }
        catch (SqlSyntaxException)
        {
            return result;
        }
        static string Names(FunctionRef f) => string.Join(",", f.Functions.Select(rf => rf.Call is FuncCall c ? c.Name.Name : "?"));
        if (deparsed.Count != functions.Count || functions.Zip(deparsed).Any(p => Names(p.First) != Names(p.Second))) return result;
        foreach (var (mine, theirs) in functions.Zip(deparsed))
            if (!mine.Span.IsEmpty && mine.ColumnDefinitions.OrEmpty().IsEmpty && theirs.Alias is { Columns: { IsDefaultOrEmpty: false } columns })
                result[mine.Span.Start] = columns.Select(c => c.Value).ToList();
        return result;
    }

    /// <summary>
    /// A window partition is read by its columns (the rows a touched partition holds now): a column of a
    /// TVIEW source gets an index, a base table without one a warning, as for the lineage columns below.
    /// </summary>
    private static void PartitionIndexes(Binder binder, IReadOnlyList<Expr> outputs, WindowShape shape, List<IndexPlan> indexes, List<string> warnings)
    {
        foreach (var i in shape.Partitions.Where(p => p.Count > 0).Select(p => p[0]).Distinct())
            LookupIndex(binder, outputs[i], "the rows of a window partition", indexes, warnings);
    }

    /// <summary>
    /// A recompute restricted by an output column that is a source's column reads that source by it: a
    /// TVIEW source gets an index, a base table without one a warning.
    /// </summary>
    private static void LookupIndex(Binder binder, Expr output, string what, List<IndexPlan> indexes, List<string> warnings)
    {
        if (output is not ColumnRef cr || !binder.Columns.TryGetValue(cr, out var bs) || bs.Count != 1 || bs[0].Var is not TableVar tv || bs[0].Column is null) return;
        var col = tv.RelationColumn(bs[0].Column!);
        if (tv.Relation.HasIndexLeadingWith([col])) return;
        if (tv.Relation.TViewEntity is not null)
        {
            if (!indexes.Any(x => x.Schema == tv.Relation.Schema && x.Table == tv.Relation.Name && x.Columns.SequenceEqual([col])))
                indexes.Add(new IndexPlan(tv.Relation.Schema, tv.Relation.Name, [col]));
            return;
        }
        var msg = $"{tv.Relation.QualifiedName}.{col} has no index: maintenance will scan {tv.Relation.QualifiedName} to find {what} " +
                  $"(CREATE INDEX ON {SqlNames.Quote(tv.Relation.Schema, tv.Relation.Name)} ({SqlNames.Quote(col)}))";
        if (!warnings.Any(w => w.StartsWith($"{tv.Relation.QualifiedName}.{col} has no index", StringComparison.Ordinal))) warnings.Add(msg);
    }

    /// <summary>
    /// Equality conditions reading a TVIEW source by a column need an index on it (DESIGN §3: without
    /// one the initial build of a dependent degrades to nested scans). Base tables get a warning instead.
    /// </summary>
    private static (List<IndexPlan>, List<string>) LineageIndexes(Binder binder)
    {
        var wanted = new Dictionary<(TableVar, string), bool>();
        foreach (var scope in binder.Scopes)
        {
            var conditions = new List<Expr>();
            if (scope.Core.Where is { } w) conditions.AddRange(KeyQueryBuilder.Conjuncts(w));
            foreach (var j in scope.Core.From.SelectMany(f => f.DescendantsAndSelf(n => n is not SelectStmt)).OfType<JoinExpr>())
                if (j.On is { } on) conditions.AddRange(KeyQueryBuilder.Conjuncts(on));
            foreach (var c in conditions)
            {
                if (c is not BinaryExpr { Operator: "=" } eq) continue;
                foreach (var (side, other) in new[] { (eq.Left, eq.Right), (eq.Right, eq.Left) })
                {
                    if (side is not ColumnRef cr || !binder.Columns.TryGetValue(cr, out var bs) || bs.Count != 1 || bs[0].Var is not TableVar tv || bs[0].Column is null) continue;
                    var otherVars = other.DescendantsAndSelf().OfType<ColumnRef>()
                        .SelectMany(o => binder.Columns.TryGetValue(o, out var ob) ? ob : []).Select(b => b.Var).ToList();
                    if (otherVars.Count == 0 || otherVars.Contains(tv)) continue;
                    wanted[(tv, tv.RelationColumn(bs[0].Column!))] = true;
                }
            }
        }
        var indexes = new List<IndexPlan>();
        var warnings = new List<string>();
        foreach (var ((tv, col), _) in wanted)
        {
            if (tv.Relation.HasIndexLeadingWith([col])) continue;
            if (tv.Relation.TViewEntity is not null)
            {
                if (!indexes.Any(i => i.Schema == tv.Relation.Schema && i.Table == tv.Relation.Name && i.Columns.SequenceEqual([col])))
                    indexes.Add(new IndexPlan(tv.Relation.Schema, tv.Relation.Name, [col]));
            }
            else
            {
                var msg = $"{tv.Relation.QualifiedName}.{col} has no index: maintenance will scan {tv.Relation.QualifiedName} to find affected rows (CREATE INDEX ON {SqlNames.Quote(tv.Relation.Schema, tv.Relation.Name)} ({SqlNames.Quote(col)}))";
                if (!warnings.Contains(msg)) warnings.Add(msg);
            }
        }
        return (indexes, warnings);
    }
}
