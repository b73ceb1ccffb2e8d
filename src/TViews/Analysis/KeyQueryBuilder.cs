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
/// <param name="branch">
/// For a UNION at the top: the branch whose occurrences this builder serves, <paramref name="keyExprs"/>
/// being that branch's key expressions (constants included). Null for a definition of one SELECT.
/// </param>
/// <param name="nullSafeProbe">
/// The "key" may be NULL (the columns of a window partition): a probe of the TVIEW by the columns the
/// removed rows reach matches NULL to NULL, as PARTITION BY groups them.
/// </param>
internal sealed class KeyQueryBuilder(Binder binder, IReadOnlyList<Expr> keyExprs, IReadOnlyList<string> keyNames, ISet<string> aggregates,
    UnionBranch? branch = null, bool nullSafeProbe = false)
{
    private static readonly SqlFormatOptions Options = new() { QuoteAllIdentifiers = true, SingleLine = true };

    /// <summary>The top-level scope the key is projected from: the root, or the branch of a UNION.</summary>
    private readonly Scope _root = branch?.Scope ?? binder.Root;

    /// <summary>The WITH of the whole definition, which every key query needs (a branch's scope may hang from a nested statement).</summary>
    private readonly WithClause? _with = branch is null ? binder.Root.Statement?.With : branch.With;
    private readonly RelationQualifier _qualifier = new(binder);
    private readonly bool _nullSafeProbe = nullSafeProbe;
    private readonly JoinGraph _graph = JoinGraph.Build(binder);
    private int KeyCount => keyExprs.Count;
    private string KeyName(int i) => keyNames[i];

    public IKeyQuery Build(TableVar occurrence) =>
        new KeyQuery(this, occurrence, RemovedSide(occurrence), RemovedRowsRewriter.ReadsMoreThanOnce(binder, occurrence.Relation)
            ? from => new RemovedRowsRewriter(binder, occurrence.Relation, from)
            : null);

    /// <summary>
    /// How the key query over removed rows reads: only the relations on shortest paths from the
    /// occurrence to the relations of the first key column (<paramref name="Keep"/>, null: all), and
    /// the key columns those relations give (<paramref name="Projected"/>). When that is not the whole
    /// key, the rest comes from the TVIEW's own rows (a probe by the projected key columns).
    /// </summary>
    private sealed record RemovedPlan(HashSet<RangeVar>? Keep, IReadOnlyList<int> Projected);

    private RemovedPlan RemovedSide(TableVar occ)
    {
        var all = Enumerable.Range(0, keyExprs.Count).ToList();
        // A branch of a UNION typically starts its key with its constant (the discriminator): the path
        // leads to the first key column that reads a relation.
        var anchor = branch is null ? KeyRelations(keyExprs[0])
            : keyExprs.Select(KeyRelations).FirstOrDefault(r => r.Count > 0) ?? [];
        if (anchor.Count == 0) return new RemovedPlan(null, all);
        var keep = _graph.PathsBetween(occ, anchor);
        if (keep is null) return new RemovedPlan(null, all);
        var projected = all.Where(i => KeyRelations(keyExprs[i]).All(anchor.Contains)).ToList();
        return new RemovedPlan(keep, projected);
    }

    /// <summary>
    /// The range variables a key expression reads and, through a derived table or CTE, those its column
    /// reads inside (recursively): the path to the key must reach them, or the derived table kept on the
    /// path would lose the column the key reads (`SELECT i FROM (SELECT i FROM b JOIN a USING (i)) t`).
    /// </summary>
    private HashSet<RangeVar> KeyRelations(Expr key)
    {
        var result = new HashSet<RangeVar>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Expr>([key]);
        var seen = new HashSet<(RangeVar, string?)>();
        while (pending.Count > 0)
        {
            foreach (var c in pending.Pop().DescendantsAndSelf(n => n is not SelectStmt).OfType<ColumnRef>())
            {
                if (!binder.Columns.TryGetValue(c, out var bindings)) continue;
                foreach (var b in bindings)
                {
                    result.Add(b.Var);
                    if (b.Var is not DerivedVar dv || !seen.Add((dv, b.Column))) continue;
                    var index = b.Column is null ? -1 : dv.Columns.ToList().IndexOf(b.Column);
                    foreach (var inner in binder.Scopes.Where(x => x.LinkVar == dv))
                    {
                        var outputs = binder.Outputs(inner);
                        if (index < 0) foreach (var o in outputs) pending.Push(o);
                        else if (index < outputs.Count) pending.Push(outputs[index]);
                    }
                }
            }
        }
        return result;
    }

    private sealed class KeyQuery(KeyQueryBuilder b, TableVar occ, RemovedPlan removed, Func<string, SqlRewriter>? removedRows) : IKeyQuery
    {
        public string Render(string deltaRelation, string? removedFrom = null, string? tview = null)
        {
            if (removedFrom is null)
                return SqlFormatter.Format(b._qualifier.Rewrite(b.BuildStatement(occ, deltaRelation, null, null)), Options);
            // Removed rows: the relations between them and the key may have been changed by the same
            // statement already (FK actions, writable CTEs), so only the path to the key is read.
            var probe = tview is not null && removed.Projected.Count < b.KeyCount;
            var statement = b.BuildStatement(occ, deltaRelation, removed.Keep, probe ? removed.Projected : null);
            if (removedRows is not null) statement = removedRows(removedFrom).Rewrite(statement);
            var sql = SqlFormatter.Format(b._qualifier.Rewrite(statement), Options);
            if (!probe) return sql;
            // The key spans relations: the TVIEW rows whose key columns from the anchor relations match.
            string Col(int i) => "pg_tviews_t." + SqlFormatter.QuoteIdentifier(b.KeyName(i), always: true);
            var all = string.Join(", ", Enumerable.Range(0, b.KeyCount).Select(Col));
            var matched = string.Join(", ", removed.Projected.Select(Col));
            if (b._nullSafeProbe)
            {
                var names = string.Join(", ", removed.Projected.Select(i => SqlFormatter.QuoteIdentifier(b.KeyName(i), always: true)));
                var same = string.Join(" AND ", removed.Projected.Select(i =>
                    $"pg_tviews_m.{SqlFormatter.QuoteIdentifier(b.KeyName(i), always: true)} IS NOT DISTINCT FROM {Col(i)}"));
                return $"SELECT {all} FROM {tview} AS pg_tviews_t WHERE EXISTS (SELECT FROM ({sql}) AS pg_tviews_m ({names}) WHERE {same})";
            }
            return $"SELECT {all} FROM {tview} AS pg_tviews_t WHERE ({matched}) IN ({sql})";
        }

        public string Description => b.Describe(occ);

        public IReadOnlyList<string>? DeltaColumns => b.DeltaColumnsOf(occ);
    }

    private IReadOnlyList<string>? DeltaColumnsOf(TableVar occ)
    {
        if (occ.Ref.Alias is { } alias && !alias.Columns.OrEmpty().IsEmpty) return null;
        var columns = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in BuildStatement(occ, "pg_tviews_delta", null, null).DescendantsAndSelf())
        {
            if (node is StarExpr) return null;
            if (node is not ColumnRef c || !binder.Columns.TryGetValue(c, out var bindings) || !bindings.Any(x => ReferenceEquals(x.Var, occ))) continue;
            if (bindings.Count != 1 || bindings[0].Column is not { } column) return null;
            columns.Add(occ.RelationColumn(column));
        }
        return columns.Count == 0 ? null : columns.ToList();
    }

    private string Describe(TableVar occ)
    {
        var path = new List<string>();
        for (var s = occ.Scope; s.Parent is not null; s = s.Parent)
            path.Add(s.Link == ScopeLink.Derived ? "derived table" : "subquery");
        var where = path.Count == 0 ? "FROM clause" : string.Join(" in ", path);
        if (branch is not null) where += $" of UNION branch {branch.Number}";
        return $"{occ.Relation.QualifiedName} AS {occ.Name} ({where})";
    }

    /// <summary>A level of the chain being rebuilt: its FROM list and the WHERE conjuncts kept.</summary>
    private sealed record Level(ImmutableArray<FromItem> From, List<Expr> Where);

    /// <summary>
    /// The key query of <paramref name="occ"/> with <paramref name="delta"/> in its place. With
    /// <paramref name="keep"/>, relations outside it are left out (with the conditions reading them);
    /// with <paramref name="projected"/>, only those key columns are selected.
    /// </summary>
    private SelectStmt BuildStatement(TableVar occ, string delta, HashSet<RangeVar>? keep, IReadOnlyList<int>? projected)
    {
        var deltaRef = new TableRef(QualifiedName.Of(delta)) { Alias = occ.Ref.Alias ?? new Alias(new Identifier(occ.Ref.Name.Name)) };
        var keys = projected is null ? keyExprs : projected.Select(i => keyExprs[i]).ToList();
        var names = projected is null ? keyNames : projected.Select(i => keyNames[i]).ToList();
        bool Kept(Expr e) => keep is null || _graph.VarsOf(e).All(keep.Contains);

        // Shortcut: the key is read straight off the changed rows.
        if (occ.Scope.Parent is null && keys.All(k => ColumnRefs(k).All(c => BindsOnlyTo(c, occ))) && keys.All(k => !HasSubquery(k)))
            return Project(keys, names, [deltaRef], []);

        var s = occ.Scope;
        var from = ReplaceInFrom(s.Core.From, occ.Ref, deltaRef, null, out var nullable);
        var level = new Level(Prune(from, keep), Conjuncts(s, nullable).Where(Kept).ToList());
        while (s.Parent is { } p)
        {
            if (s.Link == ScopeLink.Expression)
            {
                // Correlated on the key: the affected keys are the inner side of the correlation.
                if (p.Parent is null && projected is null && TryCorrelatedKeys(s, level) is { } direct) return direct;
                var inner = new SelectStmt(new SelectCore([new ResultTarget(Literal.Integer(1))]) { From = level.From, Where = And(level.Where.Concat(InCorrelation(s).Where(Kept))) }) { With = s.Statement?.With };
                level = new Level(Prune(p.Core.From, keep), [.. KeepConjuncts(p.Core.Where).Where(Kept), new SubqueryExpr(SubqueryKind.Exists, inner)]);
            }
            else
            {
                var dv = s.LinkVar!;
                var kept = PassThroughTargets(s, out var keptNames, keep);
                var derived = new SelectStmt(new SelectCore([.. kept]) { From = level.From, Where = And(level.Where) }) { With = s.Statement?.With };
                var alias = dv.Node.Alias ?? new Alias(new Identifier(dv.Name));
                if (!alias.Columns.OrEmpty().IsEmpty)
                    alias = alias with { Columns = [.. alias.Columns.Where((_, i) => i < dv.Columns.Count && keptNames.Contains(OriginalName(s, i)))] };
                var lateral = dv.Node is SubqueryRef { Lateral: true };
                var replacement = new SubqueryRef(derived) { Alias = alias, Lateral = lateral };
                var dropped = dv.Columns.Where((_, i) => !keptNames.Contains(OriginalName(s, i))).ToHashSet(StringComparer.Ordinal);
                bool ReferencesDropped(Expr e) => ColumnRefs(e).Any(c => binder.Columns.TryGetValue(c, out var bs) && bs.Any(x => x.Var == dv && (x.Column is null || dropped.Contains(x.Column))));
                var parentFrom = ReplaceInFrom(p.Core.From, dv.Node, replacement, ReferencesDropped, out nullable);
                level = new Level(Prune(parentFrom, keep),
                    Conjuncts(p, nullable).Where(c => !ReferencesDropped(c) && Kept(c)).ToList());
            }
            s = p;
        }
        return Project(keys, names, level.From, level.Where);
    }

    /// <summary>
    /// The WHERE conjuncts of <paramref name="s"/> a key query keeps: those without subqueries, and
    /// none that reads the nullable side of an outer join the delta sits in (made inner for the key
    /// query, so a test such as <c>p.pk IS NULL</c> of an anti-join would reject every delta row).
    /// </summary>
    private IEnumerable<Expr> Conjuncts(Scope s, HashSet<RangeVar> nullable) =>
        KeepConjuncts(s.Core.Where).Where(c => nullable.Count == 0 || !_graph.VarsOf(c).Any(nullable.Contains));

    /// <summary>A FROM list without the relations outside <paramref name="keep"/> (and the ON conditions reading them).</summary>
    private ImmutableArray<FromItem> Prune(ImmutableArray<FromItem> from, HashSet<RangeVar>? keep)
    {
        if (keep is null) return from;
        var result = ImmutableArray.CreateBuilder<FromItem>(from.Length);
        foreach (var item in from)
            if (Prune(item, keep) is { } kept) result.Add(kept);
        return result.ToImmutable();
    }

    private FromItem? Prune(FromItem item, HashSet<RangeVar> keep)
    {
        if (item is not JoinExpr j) return _graph.VarOf(item) is { } v && !keep.Contains(v) ? null : item;
        var left = Prune(j.Left, keep);
        var right = Prune(j.Right, keep);
        if (left is null || right is null) return left ?? right;
        var on = j.On;
        if (on is not null)
        {
            var kept = Conjuncts(on).Where(c => _graph.VarsOf(c).All(keep.Contains)).ToList();
            on = kept.Count == 0 ? Literal.True : BoolExpr.And([.. kept]);
        }
        return j with { Left = left, Right = right, On = on };
    }

    private SelectStmt Project(IEnumerable<Expr> exprs, IReadOnlyList<string> names, ImmutableArray<FromItem> from, IEnumerable<Expr> where) =>
        new(new SelectCore([.. exprs.Select((e, i) => new ResultTarget(e, new Identifier(names[i])))]) { From = from, Where = And(where) })
        { With = _with };

    private static string OriginalName(Scope s, int i)
    {
        var names = Binder.OutputNames(s);
        return i < names.Count ? names[i] : "";
    }

    /// <summary>Targets of a derived table that stay meaningful over a delta: those without aggregates or window functions.</summary>
    private List<ResultTarget> PassThroughTargets(Scope s, out HashSet<string> keptNames, HashSet<RangeVar>? keep)
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
                foreach (var n in Binder.StarOutputNames(star, s)) { keptNames.Add(n); i++; }
                continue;
            }
            var name = i < names.Count ? names[i] : Binder.TargetName(t);
            i++;
            if (IsAggregateLike(t.Value) || (grouped && !IsGroupingExpr(s, t.Value))) continue;
            if (keep is not null && !_graph.VarsOf(t.Value).All(keep.Contains)) continue;
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
        if (IsFilteringIn(s) && s.LinkExpr is InSubqueryExpr ins && s.Core.Targets.Length == 1 && s.Core.Targets[0].Value is not StarExpr
            && !IsAggregateLike(s.Core.Targets[0].Value) && ins.Operand is not RowExpr)
            yield return new BinaryExpr("=", s.Core.Targets[0].Value, ins.Operand);
    }

    /// <summary>
    /// Whether <paramref name="s"/> is the subquery of a positive <c>x IN (SELECT y ...)</c> that is a
    /// whole WHERE or ON conjunct of its parent: only there do rows with y = x alone decide (a NULL
    /// result filters like false). <c>NOT IN</c> turns NULL for every x once the subquery yields one
    /// row with a NULL y, and true for a NULL x while it yields none; in the select list NULL and
    /// false differ. Then every parent row may change, and the key query keeps no correlation.
    /// </summary>
    internal static bool IsFilteringIn(Scope s)
    {
        if (s.LinkExpr is not InSubqueryExpr { Negated: false } ins || s.Parent is not { } p) return false;
        var conjuncts = (p.Core.Where is { } w ? Conjuncts(w) : []).Concat(p.Core.From.SelectMany(OnConjuncts));
        return conjuncts.Any(c => ReferenceEquals(c, ins));
    }

    private static IEnumerable<Expr> OnConjuncts(FromItem item) => item is JoinExpr j
        ? OnConjuncts(j.Left).Concat(OnConjuncts(j.Right)).Concat(j.On is { } on ? Conjuncts(on) : [])
        : [];

    /// <summary>
    /// For a subquery directly under the root whose WHERE equates an inner expression with each key
    /// column (the `WHERE c.fk_post = p.pk_post` shape), the keys are those inner expressions.
    /// </summary>
    private SelectStmt? TryCorrelatedKeys(Scope s, Level level)
    {
        var root = _root;
        var inner = new Expr[keyExprs.Count];
        var used = new List<Expr>();
        for (var k = 0; k < keyExprs.Count; k++)
        {
            // A branch's constant (its discriminator) is the same for every row of the branch.
            if (branch is not null && !ColumnRefs(keyExprs[k]).Any() && !HasSubquery(keyExprs[k])) { inner[k] = keyExprs[k]; continue; }
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

    private IEnumerable<RangeVar> VarsIn(FromItem item) => item is JoinExpr j
        ? VarsIn(j.Left).Concat(VarsIn(j.Right))
        : _graph.VarOf(item) is { } v ? [v] : [];

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
    /// <remarks><paramref name="nullable"/> receives the relations of every nullable side made inner.</remarks>
    private ImmutableArray<FromItem> ReplaceInFrom(ImmutableArray<FromItem> from, FromItem target, FromItem replacement, Func<Expr, bool>? dropOn,
        out HashSet<RangeVar> nullable)
    {
        nullable = new HashSet<RangeVar>(ReferenceEqualityComparer.Instance);
        var result = ImmutableArray.CreateBuilder<FromItem>(from.Length);
        foreach (var item in from) result.Add(Replace(item, target, replacement, dropOn, nullable, out _));
        return result.ToImmutable();
    }

    private FromItem Replace(FromItem item, FromItem target, FromItem replacement, Func<Expr, bool>? dropOn, HashSet<RangeVar> nullable, out bool found)
    {
        if (ReferenceEquals(item, target)) { found = true; return replacement; }
        if (item is not JoinExpr j) { found = false; return item; }
        var left = Replace(j.Left, target, replacement, dropOn, nullable, out var inLeft);
        var right = Replace(j.Right, target, replacement, dropOn, nullable, out var inRight);
        found = inLeft || inRight;
        if (!found) return item;
        if ((j.Kind is JoinKind.Left or JoinKind.Full && inRight) || (j.Kind is JoinKind.Right or JoinKind.Full && inLeft))
            foreach (var v in VarsIn(inLeft ? j.Left : j.Right)) nullable.Add(v);
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

/// <summary>A branch of a UNION at the top of a definition: its scope, its number (1-based, in text order), the definition's WITH.</summary>
internal sealed record UnionBranch(Scope Scope, int Number, WithClause? With);

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
