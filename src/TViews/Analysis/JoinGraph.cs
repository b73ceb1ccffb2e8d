using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// The range variables of a definition (every scope, correlated subqueries included) as a graph: two
/// are adjacent when one condition (a WHERE or ON conjunct, a USING/NATURAL join, an
/// <c>x IN (SELECT y ...)</c> link) reads both, and a derived table is adjacent to the relations it
/// reads. Key queries over removed rows keep only the relations on shortest paths from the changed
/// occurrence to the key (docs/design.md, "Which state a key query reads").
/// </summary>
internal sealed class JoinGraph
{
    private readonly Dictionary<RangeVar, HashSet<RangeVar>> _adjacent = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<FromItem, RangeVar> _byNode = new(ReferenceEqualityComparer.Instance);
    private readonly Binder _binder;

    private JoinGraph(Binder binder) => _binder = binder;

    public static JoinGraph Build(Binder binder)
    {
        var g = new JoinGraph(binder);
        foreach (var scope in binder.Scopes)
        {
            foreach (var v in scope.Vars)
            {
                g.Node(v);
                g._byNode[v.Node] = v;
            }
            if (scope.Core.Where is { } where)
                foreach (var c in KeyQueryBuilder.Conjuncts(where)) g.Connect(g.VarsOf(c));
            foreach (var item in scope.Core.From) g.AddJoins(item);
            if (scope is { Link: ScopeLink.Derived, LinkVar: { } dv })
                foreach (var v in scope.Vars) g.Connect([dv, v]);
            if (KeyQueryBuilder.IsFilteringIn(scope) && scope.LinkExpr is InSubqueryExpr ins && scope.Core.Targets.Length == 1)
                g.Connect([.. g.VarsOf(ins.Operand), .. g.VarsOf(scope.Core.Targets[0].Value)]);
        }
        return g;
    }

    /// <summary>The range variable a FROM item introduces, if it is one of the definition's.</summary>
    public RangeVar? VarOf(FromItem node) => _byNode.GetValueOrDefault(node);

    /// <summary>The range variables a condition reads, outside nested subqueries (those are scopes of their own).</summary>
    public HashSet<RangeVar> VarsOf(SqlNode e)
    {
        var set = new HashSet<RangeVar>(ReferenceEqualityComparer.Instance);
        foreach (var c in e.DescendantsAndSelf(n => n is not SelectStmt).OfType<ColumnRef>())
            if (_binder.Columns.TryGetValue(c, out var bs))
                foreach (var b in bs) set.Add(b.Var);
        return set;
    }

    /// <summary>
    /// The variables on one shortest path from <paramref name="from"/> to each of <paramref name="to"/>
    /// (both ends included), or null when one of them cannot be reached (a cross join: nothing to prune).
    /// </summary>
    public HashSet<RangeVar>? PathsBetween(RangeVar from, IReadOnlyCollection<RangeVar> to)
    {
        var parent = new Dictionary<RangeVar, RangeVar?>(ReferenceEqualityComparer.Instance) { [from] = null };
        var queue = new Queue<RangeVar>([from]);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var n in _adjacent.GetValueOrDefault(v) ?? [])
                if (parent.TryAdd(n, v)) queue.Enqueue(n);
        }
        var keep = new HashSet<RangeVar>(ReferenceEqualityComparer.Instance) { from };
        foreach (var target in to)
        {
            if (!parent.ContainsKey(target)) return null;
            for (RangeVar? v = target; v is not null; v = parent[v]) keep.Add(v);
        }
        return keep;
    }

    private void AddJoins(FromItem item)
    {
        if (item is not JoinExpr j) return;
        AddJoins(j.Left);
        AddJoins(j.Right);
        if (j.On is { } on)
            foreach (var c in KeyQueryBuilder.Conjuncts(on)) Connect(VarsOf(c));
        else if (j.Natural || !j.Using.IsEmpty)
            Connect([.. VarsIn(j.Left), .. VarsIn(j.Right)]);
    }

    private IEnumerable<RangeVar> VarsIn(FromItem item) => item is JoinExpr j
        ? VarsIn(j.Left).Concat(VarsIn(j.Right))
        : _byNode.TryGetValue(item, out var v) ? [v] : [];

    private void Node(RangeVar v)
    {
        if (!_adjacent.ContainsKey(v)) _adjacent[v] = new HashSet<RangeVar>(ReferenceEqualityComparer.Instance);
    }

    private void Connect(IReadOnlyCollection<RangeVar> vars)
    {
        foreach (var a in vars)
        {
            Node(a);
            foreach (var b in vars)
                if (!ReferenceEquals(a, b)) _adjacent[a].Add(b);
        }
    }
}
