using TViews.Plan;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Decides whether writers of a TVIEW can lock at key level (docs/design.md, Concurrency), and if so
/// what a recompute of some keys reads. It can when the key columns are plain columns of one base
/// relation R of the root query, and every other relation of the definition (joins, correlated
/// subqueries) is reached from R by equality lookups <c>o.c = x.d</c> between integer or text-like
/// columns: then the rows a recompute of key k reads are exactly the rows found by those lookups,
/// and locking the looked-up values (shared) while writers lock the values of the lookup columns in
/// the rows they change (exclusive) makes every writer that could change what a recompute read wait
/// for it, or it for them, including writers of rows that did not exist yet (the lock is on the value
/// looked up, not on a row).
/// </summary>
internal static class KeyLockAnalyzer
{
    /// <param name="leafReads">Per source with a patch, the tables its leaves read (<see cref="PatchAnalyzer.LeafReads"/>).</param>
    public static (KeyLockPlan? Plan, string? Refusal) Analyze(Binder binder, IReadOnlyList<Expr> keyExprs,
        IReadOnlyDictionary<string, IReadOnlyList<TableVar>>? leafReads = null)
    {
        try
        {
            return (Build(binder, keyExprs, leafReads ?? new Dictionary<string, IReadOnlyList<TableVar>>()), null);
        }
        catch (Refusal r)
        {
            return (null, r.Message);
        }
    }

    private sealed class Refusal(string message) : Exception(message);

    /// <summary>How a range variable was reached: its lookup column, and the variable and column it is looked up from.</summary>
    private sealed record Reach(TableVar? From, string? FromColumn, string? Column);

    private static KeyLockPlan Build(Binder binder, IReadOnlyList<Expr> keyExprs, IReadOnlyDictionary<string, IReadOnlyList<TableVar>> leafReads)
    {
        if (binder.Branches.Count > 1) throw new Refusal("the definition is a UNION of branches, whose keys come from different tables");
        foreach (var scope in binder.Scopes)
        {
            if (scope.Link == ScopeLink.Derived) throw new Refusal("a subquery in FROM (or a CTE) is read");
            if (scope.Statement is { With: not null }) throw new Refusal("a WITH query is read");
            if (scope.Statement?.Body is not SelectCore) throw new Refusal("a set operation (UNION, INTERSECT, EXCEPT) is read");
            if (scope.Core.DescendantsAndSelf(n => n is not SelectStmt).OfType<FuncCall>().Any(f => f.Over is not null))
                throw new Refusal("a window function reads other rows of its partition");
            foreach (var v in scope.Vars)
                if (v is not TableVar)
                    throw new Refusal(v is DerivedVar
                        ? $"a subquery in FROM (or a CTE), \"{v.Name}\", is read"
                        : $"\"{v.Name}\" is a function or VALUES list, not a table or TVIEW");
        }

        // The key relation: every key column a plain column of the same relation of the root query.
        TableVar? r = null;
        var keyColumns = new List<string>();
        foreach (var k in keyExprs)
        {
            if (Bind(binder, k) is not { Var: TableVar tv, Column: { } col } || !ReferenceEquals(tv.Scope, binder.Root) || (r is not null && !ReferenceEquals(r, tv)))
                throw new Refusal("the key is not made of plain columns of one table of the main query");
            r = tv;
            keyColumns.Add(tv.RelationColumn(col));
        }
        if (r is null) throw new Refusal("the TVIEW has no key columns from a table");

        // Lookups: (var looked up, its column) <- (var it is looked up from, that var's column).
        var edges = new List<(TableVar From, string FromColumn, TableVar To, string ToColumn)>();
        foreach (var scope in binder.Scopes)
        {
            if (scope.Core.Where is { } where)
                foreach (var c in KeyQueryBuilder.Conjuncts(where)) AddEdges(binder, scope, c, null, null, edges);
            foreach (var item in scope.Core.From) AddJoinEdges(binder, scope, item, edges);
        }

        var reached = new Dictionary<TableVar, Reach>(ReferenceEqualityComparer.Instance) { [r] = new Reach(null, null, null) };
        var queue = new Queue<TableVar>([r]);
        while (queue.Count > 0)
        {
            var x = queue.Dequeue();
            foreach (var e in edges)
                if (ReferenceEquals(e.From, x) && !reached.ContainsKey(e.To))
                {
                    reached[e.To] = new Reach(x, e.FromColumn, e.ToColumn);
                    queue.Enqueue(e.To);
                }
        }
        foreach (var t in binder.Tables)
            if (!reached.ContainsKey(t))
                throw new Refusal($"\"{t.Name}\" ({t.Relation.QualifiedName}) is not reached from the key by equality conditions on integer or text columns");

        var columns = new List<LockColumn>();
        LockColumn Column(TableVar v, string column)
        {
            var c = new LockColumn(v.Relation.Schema, v.Relation.Name, column, IsInteger(v, column));
            if (!columns.Contains(c)) columns.Add(c);
            return c;
        }
        var reads = new List<LockRead>();
        for (var i = 0; i < keyColumns.Count; i++)
            reads.Add(new LockRead(Column(r, keyColumns[i]), [], keyColumns[i], i));
        var keyReads = reads.ToList();
        var readOf = new Dictionary<TableVar, LockRead>(ReferenceEqualityComparer.Instance);
        foreach (var (v, reach) in reached)
        {
            if (reach.From is null) continue;
            var hops = Path(reached, reach.From);
            var target = Column(v, reach.Column!);
            // Looked up by a key column of R itself: the values are the keys.
            var keyIndex = hops.Count == 0 ? keyColumns.IndexOf(reach.FromColumn!) : -1;
            var read = new LockRead(target, hops, reach.FromColumn!, keyIndex >= 0 ? keyIndex : null);
            if (!reads.Contains(read)) reads.Add(read);
            readOf[v] = read;
        }
        // What a patch reads: the key relation's row, and every lookup on the way from it to a table
        // its leaves read (docs/design.md, Key-level locking, "A patch locks what it reads").
        var patchReads = new Dictionary<string, IReadOnlyList<LockRead>>(StringComparer.Ordinal);
        foreach (var (source, vars) in leafReads)
        {
            var needed = new HashSet<LockRead>(keyReads);
            foreach (var v in vars)
                for (var x = v; reached.TryGetValue(x, out var reach) && reach.From is { } from; x = from)
                    needed.Add(readOf[x]);
            patchReads[source] = reads.Where(needed.Contains).ToList();
        }
        return new KeyLockPlan(r.Relation.Schema, r.Relation.Name, keyColumns, columns, reads)
        {
            PatchReads = patchReads, ReadsOfDeltaRows = ReadsOfDeltaRows(binder, r, keyColumns, reached, readOf),
        };
    }

    /// <summary>
    /// The lookups whose values, for every key a change to their target table finds, are values of the
    /// changed rows: a table that occurs once, in the main query, looked up straight from a non-key
    /// column of the key relation by an equality that every key query keeps (a WHERE or inner-join
    /// conjunct, no outer join in the main query), where one key value is one row of the key relation
    /// (its key columns cover a unique key of it, and the main query is not grouped). A trigger of that table already locks those values
    /// exclusively (the writes' tokens), so its first batch need not read them again
    /// (docs/design.md, Key-level locking, "Lookups the changed rows already lock"). Without the
    /// unique key (a TVIEW grouped by a joined table's category) a key's recompute reads the lookups of
    /// every row of its group, not only of the row the change joined: two inserts joining two rows of
    /// one group must meet on those reads.
    /// </summary>
    private static List<LockRead> ReadsOfDeltaRows(Binder binder, TableVar r, IReadOnlyList<string> keyColumns,
        Dictionary<TableVar, Reach> reached, Dictionary<TableVar, LockRead> readOf)
    {
        var root = binder.Root;
        // One key, one row of R: R's key columns cover a unique key of R, and the main query neither
        // groups nor removes duplicates (were the unique key dropped, a group would merge R's rows of
        // one key silently, where an ungrouped query yields two rows, which a write refuses).
        if ((r.Relation.HasInheritanceChildren && !r.Ref.Only) || !r.Relation.UniqueKeys.Any(u => u.All(keyColumns.Contains))
            || !root.Core.GroupBy.OrEmpty().IsEmpty || root.Core.Having is not null
            || root.Core.Distinct != DistinctKind.None || !root.Core.DistinctOn.OrEmpty().IsEmpty)
            return [];
        if (root.Core.From.SelectMany(f => f.DescendantsAndSelf(n => n is not SelectStmt)).OfType<JoinExpr>()
            .Any(j => j.Kind is not (JoinKind.Inner or JoinKind.Cross)))
            return [];
        var result = new List<LockRead>();
        foreach (var (v, reach) in reached)
        {
            if (!ReferenceEquals(reach.From, r) || !ReferenceEquals(v.Scope, root)) continue;
            if (binder.Tables.Count(t => t.Relation.Schema == v.Relation.Schema && t.Relation.Name == v.Relation.Name) != 1) continue;
            if (readOf[v] is { KeyIndex: null, Hops.Count: 0 } read) result.Add(read);
        }
        return result;
    }

    private static List<LockHop> Path(Dictionary<TableVar, Reach> reached, TableVar v)
    {
        var hops = new List<LockHop>();
        for (var x = v; reached[x].From is { } from; x = from)
            hops.Add(new LockHop(x.Relation.Schema, x.Relation.Name, reached[x].Column!, reached[x].FromColumn!));
        hops.Reverse();
        return hops;
    }

    private static ColumnBinding? Bind(Binder binder, Expr e) =>
        e is ColumnRef c && binder.Columns.TryGetValue(c, out var bs) && bs.Count == 1 && bs[0].Column is not null ? bs[0] : null;

    private static bool IsInteger(TableVar v, string relationColumn) =>
        Kind(v.Relation.Columns.First(c => c.Name == relationColumn).Type) == "integer";

    /// <summary>The class of a type whose equality is equality of the hashed value (null: not lockable).</summary>
    private static string? Kind(string type) => type switch
    {
        "smallint" or "integer" or "bigint" => "integer",
        "text" => "text",
        "uuid" => "uuid",
        _ when type.StartsWith("character varying", StringComparison.Ordinal) => "text",
        _ => null,
    };

    /// <summary>The text-like lookup columns (schema, table, column): their collations must be deterministic.</summary>
    public static IEnumerable<(string Schema, string Table, string Column)> TextColumns(KeyLockPlan plan) =>
        plan.Columns.Where(c => !c.Integer).Select(c => (c.Schema, c.Table, c.Column))
            .Concat(plan.Reads.Where(x => !x.Target.Integer).Select(x => x.Hops.Count == 0
                ? (plan.Schema, plan.Table, x.ValueColumn)
                : (x.Hops[^1].Schema, x.Hops[^1].Table, x.ValueColumn)))
            .Distinct();

    private static void AddJoinEdges(Binder binder, Scope scope, FromItem item, List<(TableVar, string, TableVar, string)> edges)
    {
        if (item is not JoinExpr j) return;
        AddJoinEdges(binder, scope, j.Left, edges);
        AddJoinEdges(binder, scope, j.Right, edges);
        if (j.Natural || !j.Using.OrEmpty().IsEmpty) throw new Refusal("a join with USING or NATURAL");
        if (j.On is not { } on) return;
        var left = VarsIn(scope, j.Left);
        var right = VarsIn(scope, j.Right);
        foreach (var c in KeyQueryBuilder.Conjuncts(on))
            AddEdges(binder, scope, c, j.Kind switch
            {
                // An outer join's ON restricts only the rows of its nullable side.
                JoinKind.Left => right,
                JoinKind.Right => left,
                JoinKind.Full => [],
                _ => null,
            }, [.. left, .. right], edges);
    }

    private static HashSet<RangeVar> VarsIn(Scope scope, FromItem item) => item is JoinExpr j
        ? [.. VarsIn(scope, j.Left), .. VarsIn(scope, j.Right)]
        : scope.Vars.Where(v => ReferenceEquals(v.Node, item)).ToHashSet<RangeVar>(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Adds the lookups an equality conjunct gives: both ways between two relations of this scope,
    /// only into this scope from an outer one (a correlation), and, for an outer join's ON
    /// (<paramref name="restricted"/>), only into its nullable side.
    /// </summary>
    private static void AddEdges(Binder binder, Scope scope, Expr conjunct, HashSet<RangeVar>? restricted, HashSet<RangeVar>? joined,
        List<(TableVar, string, TableVar, string)> edges)
    {
        if (conjunct is not BinaryExpr { Operator: "=", OperatorSchema: null or "pg_catalog" } eq) return;
        if (Bind(binder, eq.Left) is not { Var: TableVar a, Column: { } ac } || Bind(binder, eq.Right) is not { Var: TableVar b, Column: { } bc }) return;
        if (ReferenceEquals(a, b)) return;
        var (acol, bcol) = (a.RelationColumn(ac), b.RelationColumn(bc));
        var (ka, kb) = (Kind(a.Relation.Columns.First(c => c.Name == acol).Type), Kind(b.Relation.Columns.First(c => c.Name == bcol).Type));
        if (ka is null || ka != kb) return;
        bool Here(TableVar v) => ReferenceEquals(v.Scope, scope) && (joined is null || joined.Contains(v));
        bool Into(TableVar v) => Here(v) && (restricted is null || restricted.Contains(v));
        // a looked up from b, and b from a.
        if (Into(a) && (Here(b) || IsOuter(b.Scope, scope))) edges.Add((b, bcol, a, acol));
        if (Into(b) && (Here(a) || IsOuter(a.Scope, scope))) edges.Add((a, acol, b, bcol));
    }

    private static bool IsOuter(Scope candidate, Scope scope)
    {
        for (var s = scope.Parent; s is not null; s = s.Parent)
            if (ReferenceEquals(s, candidate)) return true;
        return false;
    }
}
