using System.Collections.Immutable;
using TViews.Plan;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Builds, for one occurrence of a source in the definition, the query of the TVIEW keys a change to
/// that occurrence can affect (DESIGN §3): the occurrence is replaced by a delta relation, the
/// scopes from it up to the root are kept (outer joins on the path made inner where the delta sits
/// on the nullable side, subquery links turned into EXISTS semi-joins, derived tables reduced to
/// their pass-through columns), and the root projects the key. Filters that cannot be kept exactly
/// are dropped, which only over-approximates: the recompute decides.
/// </summary>
internal sealed class KeyQueryBuilder(Binder binder, IReadOnlyList<Expr> keyExprs, IReadOnlyList<string> keyNames, ISet<string> aggregates)
{
    private static readonly SqlFormatOptions Options = new() { QuoteAllIdentifiers = true, SingleLine = true };
    private readonly RelationQualifier _qualifier = new(binder);

    public IKeyQuery Build(TableVar occurrence) =>
        new KeyQuery(this, occurrence, RemovedRowsRewriter.ReadsMoreThanOnce(binder, occurrence.Relation)
            ? from => new RemovedRowsRewriter(binder, occurrence.Relation, from)
            : null);

    private sealed class KeyQuery(KeyQueryBuilder b, TableVar occ, Func<string, SqlRewriter>? removedRows) : IKeyQuery
    {
        public string Render(string deltaRelation, string? removedFrom = null)
        {
            var statement = b.BuildStatement(occ, deltaRelation);
            if (removedFrom is not null && removedRows is not null) statement = removedRows(removedFrom).Rewrite(statement);
            return SqlFormatter.Format(b._qualifier.Rewrite(statement), Options);
        }

        public string Description => b.Describe(occ);
    }

    private string Describe(TableVar occ)
    {
        var path = new List<string>();
        for (var s = occ.Scope; s.Parent is not null; s = s.Parent)
            path.Add(s.Link == ScopeLink.Derived ? "derived table" : "subquery");
        var where = path.Count == 0 ? "FROM clause" : string.Join(" in ", path);
        return $"{occ.Relation.QualifiedName} AS {occ.Name} ({where})";
    }

    /// <summary>A level of the chain being rebuilt: its FROM list and the WHERE conjuncts kept.</summary>
    private sealed record Level(ImmutableArray<FromItem> From, List<Expr> Where);

    private SelectStmt BuildStatement(TableVar occ, string delta)
    {
        var deltaRef = new TableRef(QualifiedName.Of(delta)) { Alias = occ.Ref.Alias ?? new Alias(new Identifier(occ.Ref.Name.Name)) };

        // Shortcut: the key is read straight off the changed rows.
        if (occ.Scope.Parent is null && keyExprs.All(k => ColumnRefs(k).All(c => BindsOnlyTo(c, occ))) && keyExprs.All(k => !HasSubquery(k)))
            return Project(keyExprs, [deltaRef], [], binder.Root);

        var s = occ.Scope;
        var level = new Level(ReplaceInFrom(s.Core.From, occ.Ref, deltaRef, null), KeepConjuncts(s.Core.Where));
        while (s.Parent is { } p)
        {
            if (s.Link == ScopeLink.Expression)
            {
                // Correlated on the key: the affected keys are the inner side of the correlation.
                if (p.Parent is null && TryCorrelatedKeys(s, level) is { } direct) return direct;
                var inner = new SelectStmt(new SelectCore([new ResultTarget(Literal.Integer(1))]) { From = level.From, Where = And(level.Where.Concat(InCorrelation(s))) }) { With = s.Statement?.With };
                level = new Level(p.Core.From, [.. KeepConjuncts(p.Core.Where), new SubqueryExpr(SubqueryKind.Exists, inner)]);
            }
            else
            {
                var dv = s.LinkVar!;
                var kept = PassThroughTargets(s, out var keptNames);
                var derived = new SelectStmt(new SelectCore([.. kept]) { From = level.From, Where = And(level.Where) }) { With = s.Statement?.With };
                var alias = dv.Node.Alias ?? new Alias(new Identifier(dv.Name));
                if (!alias.Columns.OrEmpty().IsEmpty)
                    alias = alias with { Columns = [.. alias.Columns.Where((_, i) => i < dv.Columns.Count && keptNames.Contains(OriginalName(s, i)))] };
                var lateral = dv.Node is SubqueryRef { Lateral: true };
                var replacement = new SubqueryRef(derived) { Alias = alias, Lateral = lateral };
                var dropped = dv.Columns.Where((_, i) => !keptNames.Contains(OriginalName(s, i))).ToHashSet(StringComparer.Ordinal);
                bool ReferencesDropped(Expr e) => ColumnRefs(e).Any(c => binder.Columns.TryGetValue(c, out var bs) && bs.Any(x => x.Var == dv && (x.Column is null || dropped.Contains(x.Column))));
                level = new Level(ReplaceInFrom(p.Core.From, dv.Node, replacement, ReferencesDropped),
                    KeepConjuncts(p.Core.Where).Where(c => !ReferencesDropped(c)).ToList());
            }
            s = p;
        }
        return Project(keyExprs, level.From, level.Where, binder.Root);
    }

    private SelectStmt Project(IEnumerable<Expr> exprs, ImmutableArray<FromItem> from, IEnumerable<Expr> where, Scope root) =>
        new(new SelectCore([.. exprs.Select((e, i) => new ResultTarget(e, new Identifier(keyNames[i])))]) { From = from, Where = And(where) })
        { With = root.Statement?.With };

    private static string OriginalName(Scope s, int i)
    {
        var names = Binder.OutputNames(s);
        return i < names.Count ? names[i] : "";
    }

    /// <summary>Targets of a derived table that stay meaningful over a delta: those without aggregates or window functions.</summary>
    private List<ResultTarget> PassThroughTargets(Scope s, out HashSet<string> keptNames)
    {
        var names = Binder.OutputNames(s);
        keptNames = new HashSet<string>(StringComparer.Ordinal);
        var grouped = !s.Core.GroupBy.OrEmpty().IsEmpty || s.Core.Targets.Any(t => IsAggregateLike(t.Value));
        var list = new List<ResultTarget>();
        var i = 0;
        foreach (var t in s.Core.Targets)
        {
            if (t.Value is StarExpr star)
            {
                list.Add(t);
                var vars = star.Qualifier is null ? s.Vars : s.Vars.Where(v => v.Name == star.Qualifier.Name);
                foreach (var n in vars.SelectMany(v => v.Columns ?? [])) { keptNames.Add(n); i++; }
                continue;
            }
            var name = i < names.Count ? names[i] : Binder.TargetName(t);
            i++;
            if (IsAggregateLike(t.Value) || (grouped && !IsGroupingExpr(s, t.Value))) continue;
            list.Add(new ResultTarget(t.Value, new Identifier(name)));
            keptNames.Add(name);
        }
        if (list.Count == 0) list.Add(new ResultTarget(Literal.Integer(1), new Identifier("pg_tviews_dummy")));
        return list;
    }

    private static bool IsGroupingExpr(Scope s, Expr e) => s.Core.GroupBy.OrEmpty().Any(g => g.Equals(e)) || (e is ColumnRef && s.Core.GroupBy.OrEmpty().Any(g => g is ColumnRef gc && gc.Name == ((ColumnRef)e).Name));

    private bool IsAggregateLike(SqlNode e) => IsAggregateLike(e, aggregates);

    internal static bool IsAggregateLike(SqlNode e, ISet<string> aggregates) =>
        e.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall f && (f.Over is not null || aggregates.Contains(f.Name.Name) || f.Star || f.Distinct || !f.OrderBy.OrEmpty().IsEmpty || !f.WithinGroup.OrEmpty().IsEmpty || f.Filter is not null));

    /// <summary>`x IN (SELECT y ...)` only depends on subquery rows with y = x.</summary>
    private IEnumerable<Expr> InCorrelation(Scope s)
    {
        if (s.LinkExpr is InSubqueryExpr ins && s.Core.Targets.Length == 1 && s.Core.Targets[0].Value is not StarExpr && !IsAggregateLike(s.Core.Targets[0].Value) && ins.Operand is not RowExpr)
            yield return new BinaryExpr("=", s.Core.Targets[0].Value, ins.Operand);
    }

    /// <summary>
    /// For a subquery directly under the root whose WHERE equates an inner expression with each key
    /// column (the `WHERE c.fk_post = p.pk_post` shape), the keys are those inner expressions.
    /// </summary>
    private SelectStmt? TryCorrelatedKeys(Scope s, Level level)
    {
        var root = binder.Root;
        var inner = new Expr[keyExprs.Count];
        var used = new List<Expr>();
        for (var k = 0; k < keyExprs.Count; k++)
        {
            if (keyExprs[k] is not ColumnRef kc || !binder.Columns.TryGetValue(kc, out var kb) || kb.Count != 1 || kb[0].Column is null) return null;
            foreach (var c in level.Where)
            {
                if (c is not BinaryExpr { Operator: "=" } eq) continue;
                if (IsRootColumn(eq.Left, kb[0]) && RefersOnlyBelow(eq.Right, s)) { inner[k] = eq.Right; used.Add(c); break; }
                if (IsRootColumn(eq.Right, kb[0]) && RefersOnlyBelow(eq.Left, s)) { inner[k] = eq.Left; used.Add(c); break; }
            }
            if (inner[k] is null) return null;
        }
        var rest = level.Where.Where(c => !used.Contains(c) && !RefersToScope(c, root)).ToList();
        return new SelectStmt(new SelectCore([.. inner.Select((e, i) => new ResultTarget(e, new Identifier(keyNames[i])))]) { From = level.From, Where = And(rest) })
        { With = s.Statement?.With };
    }

    private bool IsRootColumn(Expr e, ColumnBinding key) =>
        e is ColumnRef c && binder.Columns.TryGetValue(c, out var bs) && bs.Count == 1 && bs[0].Var == key.Var && bs[0].Column == key.Column;

    private bool RefersOnlyBelow(Expr e, Scope s) =>
        !HasSubquery(e) && ColumnRefs(e).All(c => binder.Columns.TryGetValue(c, out var bs) && bs.All(x => IsWithin(x.Var.Scope, s)));

    private bool RefersToScope(Expr e, Scope scope) =>
        ColumnRefs(e).Any(c => binder.Columns.TryGetValue(c, out var bs) && bs.Any(x => x.Var.Scope == scope));

    private static bool IsWithin(Scope inner, Scope outer)
    {
        for (var s = inner; s is not null; s = s.Parent) if (s == outer) return true;
        return false;
    }

    private bool BindsOnlyTo(ColumnRef c, TableVar occ) =>
        binder.Columns.TryGetValue(c, out var bs) && bs.Count == 1 && bs[0].Var == occ;

    private static IEnumerable<ColumnRef> ColumnRefs(SqlNode e) => e.DescendantsAndSelf().OfType<ColumnRef>();

    private static bool HasSubquery(SqlNode e) => e.DescendantsAndSelf().Any(n => n is SelectStmt);

    private static List<Expr> KeepConjuncts(Expr? where)
    {
        var list = new List<Expr>();
        if (where is null) return list;
        foreach (var c in Conjuncts(where))
            if (!HasSubquery(c)) list.Add(c);
        return list;
    }

    internal static IEnumerable<Expr> Conjuncts(Expr e) =>
        e is BoolExpr { Operator: BoolOperator.And } a ? a.Operands.SelectMany(Conjuncts) : [e];

    private static Expr? And(IEnumerable<Expr> conjuncts)
    {
        var list = conjuncts.ToList();
        return list.Count == 0 ? null : BoolExpr.And([.. list]);
    }

    /// <summary>
    /// Replaces <paramref name="target"/> in a FROM list by <paramref name="replacement"/>. Joins on the
    /// way are adjusted so the replacement's rows survive: an outer join whose nullable side holds it
    /// becomes inner (or one-sided for FULL). ON conditions failing <paramref name="keepOn"/> become TRUE.
    /// </summary>
    private static ImmutableArray<FromItem> ReplaceInFrom(ImmutableArray<FromItem> from, FromItem target, FromItem replacement, Func<Expr, bool>? dropOn)
    {
        var result = ImmutableArray.CreateBuilder<FromItem>(from.Length);
        foreach (var item in from) result.Add(Replace(item, target, replacement, dropOn, out _));
        return result.ToImmutable();
    }

    private static FromItem Replace(FromItem item, FromItem target, FromItem replacement, Func<Expr, bool>? dropOn, out bool found)
    {
        if (ReferenceEquals(item, target)) { found = true; return replacement; }
        if (item is not JoinExpr j) { found = false; return item; }
        var left = Replace(j.Left, target, replacement, dropOn, out var inLeft);
        var right = Replace(j.Right, target, replacement, dropOn, out var inRight);
        found = inLeft || inRight;
        if (!found) return item;
        var kind = (j.Kind, inLeft) switch
        {
            (JoinKind.Right, true) => JoinKind.Inner,
            (JoinKind.Full, true) => JoinKind.Left,
            (JoinKind.Left, false) => JoinKind.Inner,
            (JoinKind.Full, false) => JoinKind.Right,
            _ => j.Kind,
        };
        var on = j.On;
        if (on is not null && dropOn is not null)
        {
            var kept = Conjuncts(on).Where(c => !dropOn(c)).ToList();
            on = kept.Count == 0 ? Literal.True : BoolExpr.And([.. kept]);
        }
        return j with { Kind = kind, Left = left, Right = right, On = on };
    }
}

/// <summary>Aggregate function names PostgreSQL ships (a definition's own aggregates are found through the catalog).</summary>
internal static class Aggregates
{
    public static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "jsonb_agg", "json_agg", "jsonb_object_agg",
        "json_object_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor", "xmlagg", "stddev", "stddev_pop",
        "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy",
        "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "mode",
        "percentile_cont", "percentile_disc", "rank", "dense_rank", "percent_rank", "cume_dist", "range_agg", "range_intersect_agg",
    };
}
