using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// The columns a multiset TVIEW (a definition without a unique key) finds its rows by (docs/sql.md,
/// Multisets). They partition the rows: a change recomputes every row whose values in them it can
/// affect, which key queries find as they find keys (projecting these columns from the delta). So each
/// must be computed from one row of FROM (not by an aggregate, a window, a subquery or a set-returning
/// function), be of a type with an equality that is not an array, and, outside a UNION, not be a
/// constant (a constant partitions nothing). Nor may it read the nullable side of an outer join: a
/// row there appearing or going changes the value to or from NULL in rows of the preserved side, and
/// no delta holds that NULL (a key query follows the changed row, made inner). Windows and DISTINCT ON
/// read other rows than the one changed: refused as they are for keyed definitions.
/// </summary>
internal static class MultisetKey
{
    /// <summary>
    /// The positions of the output columns that find rows; none when no column can (every change then
    /// recomputes the whole TVIEW). Throws <paramref name="noKey"/> for windows and DISTINCT ON.
    /// </summary>
    public static IReadOnlyList<int> Positions(Binder binder, IReadOnlyList<Scope> branches, IReadOnlyList<List<Expr>> branchOutputs, IReadOnlyList<bool> findable,
        ISet<string> aggregates, ISet<string> setReturning, AnalysisException noKey)
    {
        var graph = JoinGraph.Build(binder);
        var nullable = new HashSet<RangeVar>(ReferenceEqualityComparer.Instance);
        foreach (var scope in binder.Scopes)
            foreach (var item in scope.Core.From.OrEmpty())
                AddNullableSides(graph, item, nullable);
        foreach (var branch in branches)
        {
            if (branch.Core.Targets.Any(t => t.Value.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall { Over: not null })))
                throw noKey;
            if (!branch.Core.DistinctOn.OrEmpty().IsEmpty) throw noKey;
        }
        var union = branches.Count > 1;
        return Enumerable.Range(0, findable.Count)
            .Where(i => findable[i] && branchOutputs.All(o => Finds(o[i], aggregates, setReturning, union) && Traceable(binder, o[i], nullable, aggregates, setReturning)))
            .ToList();
    }

    private static void AddNullableSides(JoinGraph graph, FromItem item, HashSet<RangeVar> nullable)
    {
        if (item is not JoinExpr j) return;
        AddNullableSides(graph, j.Left, nullable);
        AddNullableSides(graph, j.Right, nullable);
        if (j.Kind is JoinKind.Left or JoinKind.Full) nullable.UnionWith(VarsIn(graph, j.Right));
        if (j.Kind is JoinKind.Right or JoinKind.Full) nullable.UnionWith(VarsIn(graph, j.Left));
    }

    private static IEnumerable<RangeVar> VarsIn(JoinGraph graph, FromItem item) => item is JoinExpr j
        ? VarsIn(graph, j.Left).Concat(VarsIn(graph, j.Right))
        : graph.VarOf(item) is { } v ? [v] : [];

    /// <summary>
    /// Whether <paramref name="e"/>'s value in an output row is the value it has over the changed row of a
    /// source, old or new, so a key query can find it: it reads no nullable side, and through derived
    /// tables only columns that are themselves such (not aggregates, windows, subqueries or set-returning
    /// functions, nor columns of a query with LIMIT, OFFSET or DISTINCT ON, whose rows other rows decide).
    /// </summary>
    private static bool Traceable(Binder binder, Expr e, HashSet<RangeVar> nullable, ISet<string> aggregates, ISet<string> setReturning)
    {
        var pending = new Stack<Expr>([e]);
        var seen = new HashSet<(RangeVar, string?)>();
        while (pending.Count > 0)
            foreach (var c in pending.Pop().DescendantsAndSelf(n => n is not SelectStmt).OfType<ColumnRef>())
            {
                if (!binder.Columns.TryGetValue(c, out var bindings)) continue;
                foreach (var b in bindings)
                {
                    if (nullable.Contains(b.Var)) return false;
                    if (b.Var is not DerivedVar dv || !seen.Add((dv, b.Column))) continue;
                    if (dv.Query.Limit is not null || dv.Query.Offset is not null || dv.Query.Fetch is not null) return false;
                    var index = b.Column is null ? -1 : dv.Columns.ToList().IndexOf(b.Column);
                    foreach (var inner in binder.Scopes.Where(x => x.LinkVar == dv))
                    {
                        if (!inner.Core.DistinctOn.OrEmpty().IsEmpty) return false;
                        var outputs = binder.Outputs(inner);
                        foreach (var o in index < 0 ? outputs : index < outputs.Count ? [outputs[index]] : [])
                        {
                            if (!PerRow(o, aggregates, setReturning)) return false;
                            pending.Push(o);
                        }
                    }
                }
            }
        return true;
    }

    /// <summary>Computed from one row of FROM: no aggregate, window, subquery or set-returning function.</summary>
    private static bool PerRow(Expr e, ISet<string> aggregates, ISet<string> setReturning) =>
        !KeyQueryBuilder.IsAggregateLike(e, aggregates)
        && !e.DescendantsAndSelf().Any(n => n is SelectStmt)
        && !e.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall f && setReturning.Contains(f.Name.Name));

    private static bool Finds(Expr e, ISet<string> aggregates, ISet<string> setReturning, bool union) =>
        PerRow(e, aggregates, setReturning) && (union || e.DescendantsAndSelf().Any(n => n is ColumnRef or StarExpr));
}

/// <summary>
/// The key query of a definition maintained whole (WITH RECURSIVE): any row the statement changed
/// stands for the whole result, whose one pseudo-key is true. A recursion can make any row depend on
/// any other, so no narrower query could say which rows a change reaches.
/// </summary>
internal sealed class WholeKeyQuery(string description) : TViews.Plan.IKeyQuery
{
    public string Render(string deltaRelation, string? removedFrom = null, string? tview = null) =>
        $"SELECT true FROM {deltaRelation} LIMIT 1";

    public string Description => description;

    /// <summary>None: it reads no column, and one row of either side is enough.</summary>
    public IReadOnlyList<string>? DeltaColumns => null;
}
