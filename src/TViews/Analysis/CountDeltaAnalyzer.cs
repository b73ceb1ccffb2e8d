using TViews.Plan;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Recognises grouped definitions whose aggregates over a detail table can be maintained from the
/// delta instead of recomputing the group: <c>FROM R LEFT JOIN D ON D.x = R.k ... GROUP BY R...</c>,
/// key = R's grouping columns, every output either R's columns only or <c>count(D.col)</c> (plain, or
/// as a top-level <c>jsonb_build_object</c> key). Then a group exists as long as its R row does, and
/// each D row adds 1 to the counts of the one group its join columns name when <c>col</c> is not
/// NULL: a change to D moves counts by the sum of its rows' contributions, and nothing else.
/// </summary>
internal static class CountDeltaAnalyzer
{
    public static (string Relation, CountDeltaPlan Plan)? Analyze(Binder binder, IReadOnlyList<string> outputColumns, IReadOnlyList<string> keyColumns, IReadOnlyList<Expr> keyExprs)
    {
        var core = binder.Root.Core;
        if (binder.Branches.Count > 1) return null; // a UNION at the top: the root is only its first branch
        if (core.GroupBy.OrEmpty().IsEmpty || core.Where is not null || core.Having is not null || core.Distinct != DistinctKind.None
            || !core.DistinctOn.OrEmpty().IsEmpty || core.Targets.Length != outputColumns.Count
            || core.DescendantsAndSelf().Any(n => n is SelectStmt) || core.From.Length != 1
            || core.From[0] is not JoinExpr { Kind: JoinKind.Left, Natural: false, Left: TableRef rRef, Right: TableRef dRef, On: { } on } join
            || !join.Using.OrEmpty().IsEmpty || binder.Tables.Count != 2)
            return null;
        var r = binder.Tables.Single(t => ReferenceEquals(t.Ref, rRef));
        var d = binder.Tables.Single(t => ReferenceEquals(t.Ref, dRef));
        if (r.Relation.QualifiedName == d.Relation.QualifiedName) return null;

        ColumnBinding? Bind(Expr e) =>
            e is ColumnRef c && binder.Columns.TryGetValue(c, out var bs) && bs.Count == 1 && bs[0].Column is not null ? bs[0] : null;

        // The key: columns of R, each equated in ON with one column of D; ON holds nothing else.
        var keyBindings = keyExprs.Select(Bind).ToList();
        if (keyBindings.Any(b => b is null || b.Var != r)) return null;
        var dKey = new string?[keyExprs.Count];
        foreach (var c in KeyQueryBuilder.Conjuncts(on))
        {
            if (c is not BinaryExpr { Operator: "=" } eq) return null;
            var (a, b) = (Bind(eq.Left), Bind(eq.Right));
            var (rb, db) = a?.Var == r && b?.Var == d ? (a, b) : a?.Var == d && b?.Var == r ? (b, a) : (null, null);
            if (rb is null || db is null) return null;
            var i = keyBindings.FindIndex(k => k!.Column == rb.Column);
            if (i < 0 || dKey[i] is not null) return null;
            dKey[i] = d.RelationColumn(db.Column!);
        }
        if (dKey.Any(k => k is null)) return null;
        foreach (var g in core.GroupBy)
            if (Bind(g) is not { } gb || gb.Var != r) return null;

        bool OnlyR(Expr e) => !KeyQueryBuilder.IsAggregateLike(e, Aggregates.Known)
            && e.DescendantsAndSelf().OfType<ColumnRef>().All(c => binder.Columns.TryGetValue(c, out var bs) && bs.All(x => x.Var == r));
        string? CountOf(Expr e) =>
            e is FuncCall { Name.Name: "count", Star: false, Distinct: false, Filter: null, Over: null } f && f.Args.Length == 1
            && f.OrderBy.OrEmpty().IsEmpty && Bind(f.Args[0].Value) is { } cb && cb.Var == d ? d.RelationColumn(cb.Column!) : null;

        var leaves = new List<CountLeaf>();
        for (var i = 0; i < core.Targets.Length; i++)
        {
            var column = outputColumns[i];
            var value = core.Targets[i].Value;
            if (keyColumns.Contains(column) || OnlyR(value)) continue;
            if (CountOf(value) is { } direct) { leaves.Add(new CountLeaf(column, null, direct)); continue; }
            if (value is not FuncCall { Name.Name: "jsonb_build_object" } obj || obj.Args.Length % 2 != 0 || obj.Distinct || obj.Over is not null)
                return null;
            for (var a = 0; a < obj.Args.Length; a += 2)
            {
                if (obj.Args[a].Value is not Literal { Kind: LiteralKind.String } key || obj.Args[a].Name is not null) return null;
                var v = obj.Args[a + 1].Value;
                if (CountOf(v) is { } counted) leaves.Add(new CountLeaf(column, key.Value, counted));
                else if (!OnlyR(v)) return null;
            }
        }
        return leaves.Count == 0 ? null : (d.Relation.QualifiedName, new CountDeltaPlan(dKey!, leaves));
    }
}
