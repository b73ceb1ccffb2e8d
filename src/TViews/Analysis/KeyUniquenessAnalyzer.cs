using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// What the key analysis could not prove: why the key may be NULL, why it may repeat (null when
/// proven), each with the position of the construct at fault.
/// </summary>
internal sealed record KeyVerdict(AnalysisException? MayBeNull, AnalysisException? MayRepeat);

/// <summary>A value of a scope's FROM rows: a column of one of its range variables, or a GROUP BY expression.</summary>
internal abstract record Atom;

/// <summary>A column of a range variable (its visible name). Range variables compare by reference.</summary>
internal sealed record ColumnAtom(RangeVar Var, string Column) : Atom;

/// <summary>A GROUP BY item that is not a plain column (compared structurally within its scope).</summary>
internal sealed record GroupExprAtom(Scope Scope, Expr Expr) : Atom;

/// <summary>
/// Proves that a TVIEW's key is unique and never NULL, from primary keys and unique constraints of
/// the sources (TVIEW sources have their key as primary key) carried through joins, WHERE, GROUP BY,
/// DISTINCT, derived tables and CTEs.
/// </summary>
/// <remarks>
/// The rows of a FROM clause are described by its members (tables, subqueries, functions) and by
/// facts that hold in every row: <c>x = y</c> and <c>x = f(y, z)</c> from ON, WHERE and USING
/// (constants, and columns of enclosing queries, are fixed), and NOT NULL columns. A set of columns S
/// is a key when two rows agreeing on S (non-NULL) must agree on a unique key of every member that
/// can repeat a row: the closure of S under those facts and "a member's unique key determines its
/// other columns". A unique key only counts where its columns are non-NULL (NULLs never collide in a
/// unique index, and the nullable side of an outer join is NULL when unmatched), so the closure
/// tracks which of the columns it reaches are known to be non-NULL. An outer join keeps its
/// preserved side's rows; its nullable side can repeat them unless the ON clause fixes a unique key
/// of that side for each preserved row (or the WHERE clause keeps only unmatched rows: an anti-join).
/// </remarks>
internal sealed class KeyUniquenessAnalyzer(Binder binder, SourceText? source, ISet<string> aggregates, ISet<string> setReturning)
{
    private readonly Binder _binder = binder;
    private readonly ISet<string> _setReturning = setReturning;
    private readonly Dictionary<Scope, ScopeRows> _scopes = [];
    private readonly Dictionary<DerivedVar, IRows> _derived = [];

    /// <summary>USING / NATURAL columns: the atom an unqualified reference to the merged column means.</summary>
    private readonly Dictionary<(Scope, string), Atom?> _merged = [];

    /// <param name="branch">The top-level scope whose rows are checked: the root, or one branch of a UNION at the top.</param>
    public KeyVerdict Check(IReadOnlyList<Expr> outputs, IReadOnlyList<int> keyPositions, IReadOnlyList<string> keyColumns, Scope? branch = null)
    {
        var top = branch ?? _binder.Root;
        var root = new ScopeRows(this, top, outputs);
        _scopes[top] = root;
        var keyText = string.Join(", ", keyColumns);
        AnalysisException? mayBeNull = null;
        for (var i = 0; i < keyPositions.Count && mayBeNull is null; i++)
        {
            if (root.NotNull(keyPositions[i])) continue;
            var e = outputs[keyPositions[i]];
            var (node, reason) = ExplainNull(root, e);
            mayBeNull = AnalysisException.At(source, node,
                $"the key ({keyText}) must never be NULL, but \"{keyColumns[i]}\" may be: {reason}. " +
                "Key a TVIEW by NOT NULL columns (or filter with WHERE ... IS NOT NULL), or choose another key with --key (-- tviews:key=... in an apply file)");
        }
        AnalysisException? mayRepeat = null;
        var positions = keyPositions.ToHashSet();
        if (!root.Identifies(positions))
        {
            var (node, reason) = ExplainRepeat(root, positions);
            mayRepeat = AnalysisException.At(source, node,
                $"the key ({keyText}) is not provably unique: {reason}. " +
                "Add a primary key or unique constraint that the key covers, or choose a unique key with --key (-- tviews:key=... in an apply file)");
        }
        return new KeyVerdict(mayBeNull, mayRepeat);
    }

    // ------------------------------------------------------------------ rows of queries

    /// <summary>The rows of a query, seen through its output positions.</summary>
    private interface IRows
    {
        /// <summary>Whether no two rows agree on these output positions where they are all non-NULL.</summary>
        bool Identifies(IReadOnlySet<int> positions);

        /// <summary>Whether the output at this position is never NULL.</summary>
        bool NotNull(int position);
    }

    /// <summary>Rows about which nothing is known (VALUES, shapes we do not analyse).</summary>
    private sealed class UnknownRows : IRows
    {
        public static readonly UnknownRows Instance = new();
        public bool Identifies(IReadOnlySet<int> positions) => false;
        public bool NotNull(int position) => false;
    }

    /// <summary>UNION / INTERSECT / EXCEPT: without ALL every row is distinct; EXCEPT keeps a subset of the left rows, INTERSECT of both.</summary>
    private sealed class SetOperationRows(SetOperationQuery op, IRows left, IRows right, int width) : IRows
    {
        public bool Identifies(IReadOnlySet<int> positions) =>
            (!op.All && Enumerable.Range(0, width).All(positions.Contains))
            || op.Operator switch
            {
                SetOperator.Except => left.Identifies(positions),
                SetOperator.Intersect => left.Identifies(positions) || right.Identifies(positions),
                _ => false,
            };

        public bool NotNull(int position) => op.Operator switch
        {
            SetOperator.Except => left.NotNull(position),
            SetOperator.Intersect => left.NotNull(position) || right.NotNull(position),
            _ => left.NotNull(position) && right.NotNull(position),
        };
    }

    private IRows RowsOf(DerivedVar dv)
    {
        if (!_derived.TryGetValue(dv, out var rows))
        {
            _derived[dv] = UnknownRows.Instance; // a (refused elsewhere) cycle must not recurse forever
            _derived[dv] = rows = RowsOf(dv.Query, dv);
        }
        return rows;
    }

    /// <summary>LIMIT 1 (or 0) leaves at most one row, which any set of columns identifies.</summary>
    private sealed class AtMostOneRow(IRows rows) : IRows
    {
        public bool Identifies(IReadOnlySet<int> positions) => true;
        public bool NotNull(int position) => rows.NotNull(position);
    }

    private IRows RowsOf(SelectStmt stmt, DerivedVar dv)
    {
        var rows = RowsOf(stmt.Body, dv);
        static bool AtMostOne(Expr? count) => count is Literal { Kind: LiteralKind.Integer } l && long.TryParse(l.Value, out var n) && n <= 1;
        var single = (stmt.Limit is not null && AtMostOne(stmt.Limit))
            || (stmt.Fetch is { WithTies: false } f && (f.Count is null || AtMostOne(f.Count)));
        return single ? new AtMostOneRow(rows) : rows;
    }

    private IRows RowsOf(QueryExpr q, DerivedVar dv) => q switch
    {
        SelectCore core when _binder.Scopes.FirstOrDefault(s => ReferenceEquals(s.Core, core) && s.LinkVar == dv) is { } scope => ScopeOf(scope),
        SetOperationQuery op => new SetOperationRows(op, RowsOf(op.Left, dv), RowsOf(op.Right, dv), dv.Columns.Count),
        NestedQuery n => RowsOf(n.Query, dv),
        _ => UnknownRows.Instance,
    };

    private ScopeRows ScopeOf(Scope scope)
    {
        if (!_scopes.TryGetValue(scope, out var rows)) _scopes[scope] = rows = new ScopeRows(this, scope, _binder.Outputs(scope));
        return rows;
    }

    /// <summary>One SELECT core: its FROM rows, then grouping, DISTINCT and set-returning functions on top.</summary>
    private sealed class ScopeRows : IRows
    {
        private readonly KeyUniquenessAnalyzer _a;
        private readonly Dictionary<string, bool> _identifies = [];

        public Scope Scope { get; }
        public IReadOnlyList<Expr> Outputs { get; }
        public Relation From { get; }
        public bool Grouped { get; }

        /// <summary>The GROUP BY items (resolved through output names and ordinals) and their atoms; constants left out.</summary>
        public List<(Expr Item, Expr Resolved, Atom Atom)> Groups { get; } = [];

        public bool Distinct { get; }
        public FuncCall? SetReturning { get; }

        public ScopeRows(KeyUniquenessAnalyzer a, Scope scope, IReadOnlyList<Expr> outputs)
        {
            _a = a;
            Scope = scope;
            Outputs = outputs;
            From = a.FromClause(scope);
            var core = scope.Core;
            Distinct = core.Distinct == DistinctKind.Distinct && core.DistinctOn.OrEmpty().IsEmpty;
            SetReturning = core.Targets.SelectMany(t => t.Value.DescendantsAndSelf(n => n is not SelectStmt)).OfType<FuncCall>()
                .FirstOrDefault(f => a._setReturning.Contains(f.Name.Name));
            foreach (var item in core.GroupBy.OrEmpty())
            {
                var resolved = ResolveGroupItem(item);
                if (resolved is GroupingSet) continue; // GROUP BY () (others are refused): one group
                if (a.Dependencies(resolved, scope, new Relation()) is { Count: 0 }) continue; // a constant
                // A column we cannot resolve (a whole row, a FULL JOIN's merged column) stays an opaque item.
                var atom = resolved is ColumnRef cr ? a.Resolve(cr, scope).Atom : null;
                Groups.Add((item, resolved, atom ?? new GroupExprAtom(scope, resolved)));
            }
            // HAVING alone groups too (into one group), like aggregates without GROUP BY.
            Grouped = !core.GroupBy.OrEmpty().IsEmpty || core.Having is not null || core.Targets.Any(t => a.HasAggregate(t.Value));
        }

        /// <summary>GROUP BY 2 and GROUP BY an output name mean that output's expression.</summary>
        private Expr ResolveGroupItem(Expr item)
        {
            if (item is Literal { Kind: LiteralKind.Integer } n && int.TryParse(n.Value, out var i) && i >= 1 && i <= Outputs.Count)
                return Outputs[i - 1];
            if (item is ColumnRef cr && cr.Parts.Length == 1 && !_a._binder.Columns.ContainsKey(cr))
            {
                var target = Scope.Core.Targets.FirstOrDefault(t => t.Alias?.Value == cr.Name);
                if (target is not null) return target.Value;
            }
            return item;
        }

        public Atom? AtomOf(Expr e)
        {
            if (e is ColumnRef cr) return _a.Resolve(cr, Scope).Atom;
            if (Grouped && Groups.FirstOrDefault(g => g.Resolved.Equals(e)) is { Atom: { } atom }) return atom;
            return null;
        }

        public bool Identifies(IReadOnlySet<int> positions)
        {
            var cacheKey = string.Join(",", positions.Order());
            if (!_identifies.TryGetValue(cacheKey, out var result))
                _identifies[cacheKey] = result = Compute(positions);
            return result;
        }

        private bool Compute(IReadOnlySet<int> positions)
        {
            // A set-returning function in the select list repeats the row once per element.
            if (SetReturning is not null) return Distinct && CoversAll(positions);
            var (equal, known) = From.Close(positions.Select(p => AtomOf(Outputs[p])).OfType<Atom>());
            if (Grouped)
            {
                // Two groups agreeing on the key agree on every grouping value (NULLs group together).
                if (Groups.All(g => equal.Contains(g.Atom))) return true;
            }
            else if (From.Required.All(m => m.Identifies(known))) return true;
            if (Distinct && (CoversAll(positions) || (!Grouped && Outputs.All(o => _a.Dependencies(o, Scope, From) is { } deps && deps.All(equal.Contains)))))
                return true;
            var on = Scope.Core.DistinctOn.OrEmpty();
            return !on.IsEmpty && on.All(d => positions.Any(p => Outputs[p].Equals(d)) || (AtomOf(d) is { } a && equal.Contains(a)));
        }

        private bool CoversAll(IReadOnlySet<int> positions) =>
            Outputs.All(o => positions.Any(p => Outputs[p].Equals(o)));

        public bool NotNull(int position) => _a.NotNullExpr(Outputs[position], this);
    }

    // ------------------------------------------------------------------ FROM clauses

    /// <summary>A FROM member: its columns, those NOT NULL in its own rows, and which sets of its columns identify a row.</summary>
    private sealed class Member(RangeVar var, IReadOnlyList<Atom> atoms, IReadOnlySet<Atom> notNull, Func<IReadOnlySet<Atom>, bool> identifies)
    {
        public RangeVar Var { get; } = var;
        public IReadOnlyList<Atom> Atoms { get; } = atoms;
        public IReadOnlySet<Atom> NotNull { get; } = notNull;

        /// <summary>Whether two rows agreeing (non-NULL) on <paramref name="known"/> are the same row of this member.</summary>
        public bool Identifies(IReadOnlySet<Atom> known) => identifies(known);
    }

    /// <summary>The rows of a FROM clause (or of a join in it), and the facts that hold in each of them.</summary>
    /// <summary>See <see cref="Relation.Facts"/>.</summary>
    private sealed record Fact(IReadOnlyList<Atom> From, Atom To);

    private sealed class Relation
    {
        public HashSet<RangeVar> Vars { get; } = [];
        public List<Member> Members { get; } = [];

        /// <summary>Members that can repeat a row of the relation: a key must identify a row of each.</summary>
        public List<Member> Required { get; } = [];

        /// <summary>
        /// Functional facts: where the <c>From</c> atoms are non-NULL, <c>To</c> is a function of them and
        /// non-NULL (<c>x = y</c>, <c>x = f(y, z)</c>; with no <c>From</c>, a constant).
        /// </summary>
        public List<Fact> Facts { get; } = [];

        public HashSet<Atom> NotNull { get; } = [];

        /// <summary>Expressions a WHERE clause requires to be NOT NULL (compared structurally).</summary>
        public HashSet<Expr> NotNullExpressions { get; } = [];

        /// <summary>Atoms of the nullable side of an outer join, and the innermost such join.</summary>
        public Dictionary<Atom, JoinExpr> NulledBy { get; } = [];

        /// <summary>Per outer join, the members of its nullable side that can repeat a preserved row.</summary>
        public Dictionary<JoinExpr, List<Member>> RepeatedBy { get; } = [];

        public bool Contains(Atom a) => a is ColumnAtom c && Vars.Contains(c.Var);

        /// <summary>
        /// The atoms two rows agreeing on <paramref name="start"/> (all non-NULL) agree on, and the subset
        /// of those known to be non-NULL.
        /// </summary>
        public (HashSet<Atom> Equal, HashSet<Atom> Known) Close(IEnumerable<Atom> start, IEnumerable<Fact>? extra = null)
        {
            var equal = new HashSet<Atom>();
            var known = new HashSet<Atom>();
            bool Add(Atom a, bool nonNull)
            {
                var added = equal.Add(a);
                if ((nonNull || NotNull.Contains(a)) && known.Add(a)) added = true;
                return added;
            }
            foreach (var a in start) Add(a, true);
            var facts = extra is null ? Facts : [.. Facts, .. extra];
            var done = new HashSet<Member>();
            bool changed;
            do
            {
                changed = false;
                foreach (var f in facts)
                    if (f.From.All(known.Contains)) changed |= Add(f.To, true);
                foreach (var m in Members)
                {
                    if (done.Contains(m) || !m.Identifies(known)) continue;
                    done.Add(m);
                    changed = true;
                    foreach (var a in m.Atoms) Add(a, m.NotNull.Contains(a));
                }
            }
            while (changed);
            return (equal, known);
        }

        public bool IsKey(IEnumerable<Atom> start, IEnumerable<Fact>? extra = null)
        {
            var (_, known) = Close(start, extra);
            return Required.All(m => m.Identifies(known));
        }

        public static Relation Product(Relation a, Relation b)
        {
            var r = new Relation();
            foreach (var x in new[] { a, b })
            {
                r.Vars.UnionWith(x.Vars);
                r.Members.AddRange(x.Members);
                r.Required.AddRange(x.Required);
                r.Facts.AddRange(x.Facts);
                r.NotNull.UnionWith(x.NotNull);
                r.NotNullExpressions.UnionWith(x.NotNullExpressions);
                foreach (var (k, v) in x.NulledBy) r.NulledBy[k] = v;
                foreach (var (k, v) in x.RepeatedBy) r.RepeatedBy[k] = v;
            }
            return r;
        }
    }

    private Relation FromClause(Scope scope)
    {
        var r = new Relation();
        foreach (var item in scope.Core.From) r = Relation.Product(r, Item(item, scope));
        if (scope.Core.Where is { } where) AddFacts(r, KeyQueryBuilder.Conjuncts(where), scope);
        return r;
    }

    private Relation Item(FromItem item, Scope scope)
    {
        if (item is JoinExpr j) return Join(j, scope);
        var r = new Relation();
        var v = scope.Vars.FirstOrDefault(x => ReferenceEquals(x.Node, item));
        if (v is null) return r; // not bound: nothing to describe (and nothing to identify)
        var m = MemberOf(v);
        r.Vars.Add(v);
        r.Members.Add(m);
        r.Required.Add(m);
        r.NotNull.UnionWith(m.NotNull);
        return r;
    }

    private Member MemberOf(RangeVar v)
    {
        switch (v)
        {
            case TableVar tv:
            {
                var atoms = tv.Columns.Select(c => (Atom)new ColumnAtom(tv, c)).ToList();
                var notNull = tv.Columns.Where(c => tv.Relation.Column(tv.RelationColumn(c))?.NotNull == true)
                    .Select(c => (Atom)new ColumnAtom(tv, c)).ToHashSet();
                var keys = UniqueKeys(tv);
                return new Member(tv, atoms, notNull, known => keys.Any(k => k.All(known.Contains)));
            }
            case DerivedVar dv:
            {
                var rows = RowsOf(dv);
                var atoms = dv.Columns.Select(c => (Atom)new ColumnAtom(dv, c)).ToList();
                // A name given to two outputs cannot be told apart by reference: leave both out.
                var positions = dv.Columns.Select((c, i) => (c, i)).Where(x => dv.Columns.Count(c => c == x.c) == 1)
                    .Select(x => (Atom: atoms[x.i], Position: x.i)).ToList();
                var notNull = positions.Where(p => rows.NotNull(p.Position)).Select(p => p.Atom).ToHashSet();
                // LATERAL: the rows depend on the columns of the outer row it reads.
                var correlation = CorrelationAtoms(dv);
                return new Member(dv, atoms, notNull, known =>
                    correlation.All(known.Contains)
                    && rows.Identifies(positions.Where(p => known.Contains(p.Atom)).Select(p => p.Position).ToHashSet()));
            }
            case OpaqueVar { Node: FunctionRef { WithOrdinality: true, ColumnDefinitions.IsDefaultOrEmpty: true }, Columns: { Count: > 0 } columns }:
            {
                // WITH ORDINALITY numbers the rows of one call 1, 2, ...: never NULL, and with the arguments
                // (the columns of the lateral row they read) it identifies a row, as the call is not volatile.
                // The columns are PostgreSQL's complete list (Binder), the ordinality last.
                var atoms = columns.Select(c => (Atom)new ColumnAtom(v, c)).ToList();
                var ordinality = atoms[^1];
                var correlation = CorrelationAtoms(v, v.Node);
                return new Member(v, atoms, new HashSet<Atom> { ordinality }, known => known.Contains(ordinality) && correlation.All(known.Contains));
            }
            default:
                return new Member(v, (v.Columns ?? []).Select(c => (Atom)new ColumnAtom(v, c)).ToList(), new HashSet<Atom>(), _ => false);
        }
    }

    /// <summary>A table's unique keys in visible column names; none when inheritance children add rows they do not cover.</summary>
    private static List<List<Atom>> UniqueKeys(TableVar tv)
    {
        if (tv.Relation.HasInheritanceChildren && !tv.Ref.Only) return [];
        var visible = tv.Relation.Columns.Select(c => c.Name).ToList();
        return tv.Relation.UniqueKeys
            .Select(k => k.Select(c => visible.IndexOf(c)).ToList())
            .Where(ix => ix.All(i => i >= 0 && i < tv.Columns.Count))
            .Select(ix => ix.Select(i => (Atom)new ColumnAtom(tv, tv.Columns[i])).ToList())
            .ToList();
    }

    /// <summary>Columns of the enclosing scope's FROM that a LATERAL subquery reads.</summary>
    private List<Atom> CorrelationAtoms(DerivedVar dv) => CorrelationAtoms(dv, dv.Query);

    /// <summary>The columns of the same FROM clause that <paramref name="reader"/> (LATERAL) reads.</summary>
    private List<Atom> CorrelationAtoms(RangeVar v, SqlNode reader)
    {
        var list = new List<Atom>();
        foreach (var cr in reader.DescendantsAndSelf().OfType<ColumnRef>())
        {
            if (!_binder.Columns.TryGetValue(cr, out var bindings)) continue;
            foreach (var b in bindings.Where(b => ReferenceEquals(b.Var.Scope, v.Scope)))
            {
                if (b.Column is not null) list.Add(new ColumnAtom(b.Var, b.Column));
                else list.AddRange((b.Var.Columns ?? []).Select(c => new ColumnAtom(b.Var, c)));
            }
        }
        return list;
    }

    private Relation Join(JoinExpr j, Scope scope)
    {
        var left = Item(j.Left, scope);
        var right = Item(j.Right, scope);
        var conditions = j.On is null ? [] : KeyQueryBuilder.Conjuncts(j.On).ToList();
        var merged = MergedColumns(j, left, right, scope);
        switch (j.Kind)
        {
            case JoinKind.Inner or JoinKind.Cross:
            {
                var r = Relation.Product(left, right);
                foreach (var (l, rt) in merged)
                {
                    r.Facts.Add(new Fact([l], rt));
                    r.Facts.Add(new Fact([rt], l));
                    r.NotNull.Add(l);
                    r.NotNull.Add(rt);
                }
                AddFacts(r, conditions, scope);
                return r;
            }
            case JoinKind.Left:
                return Outer(left, right, conditions, merged, j, scope);
            case JoinKind.Right:
                return Outer(right, left, conditions, merged.Select(m => (m.Right, m.Left)).ToList(), j, scope);
            default:
            {
                // FULL: either side may be missing; only each side's own facts survive, for its matched rows.
                var r = new Relation();
                foreach (var x in new[] { left, right })
                {
                    r.Vars.UnionWith(x.Vars);
                    r.Members.AddRange(x.Members);
                    r.Required.AddRange(x.Required);
                    r.Facts.AddRange(x.Facts.Where(f => f.From.Count > 0)); // a constant of one side is NULL where it is missing
                    foreach (var m in x.Members) foreach (var a in m.Atoms) r.NulledBy[a] = j;
                }
                return r;
            }
        }
    }

    /// <summary>
    /// <paramref name="p"/> LEFT JOIN <paramref name="n"/>: every row of p, once per matching row of n
    /// (once with NULLs when none). Facts of n hold where n's columns are non-NULL; an ON equality
    /// between the sides tells, where n's column is non-NULL, the value of p's.
    /// </summary>
    private Relation Outer(Relation p, Relation n, List<Expr> conditions, List<(Atom Preserved, Atom Nullable)> merged, JoinExpr j, Scope scope)
    {
        var r = new Relation();
        r.Vars.UnionWith(p.Vars);
        r.Vars.UnionWith(n.Vars);
        r.Members.AddRange(p.Members);
        r.Members.AddRange(n.Members);
        r.Required.AddRange(p.Required);
        r.Facts.AddRange(p.Facts);
        r.Facts.AddRange(n.Facts.Where(f => f.From.Count > 0)); // n's constants are NULL where it has no match
        r.NotNull.UnionWith(p.NotNull);
        r.NotNullExpressions.UnionWith(p.NotNullExpressions);
        foreach (var (k, v) in p.NulledBy) r.NulledBy[k] = v;
        foreach (var (k, v) in n.NulledBy) r.NulledBy[k] = v;
        foreach (var m in n.Members) foreach (var a in m.Atoms) r.NulledBy.TryAdd(a, j);
        foreach (var (k, v) in p.RepeatedBy) r.RepeatedBy[k] = v;
        foreach (var (k, v) in n.RepeatedBy) r.RepeatedBy[k] = v;

        // Columns of n that the ON clause fixes for a given row of p (equal to a constant or to a
        // function of p's row): if they identify a row of n, each row of p has at most one match
        // and n cannot repeat it.
        var fixedByP = new List<Atom>();
        var insideN = new List<Fact>();
        foreach (var (pa, na) in merged)
        {
            r.Facts.Add(new Fact([na], pa));
            fixedByP.Add(na);
        }
        foreach (var c in conditions)
        {
            if (!IsEquality(c, out var x, out var y)) continue;
            foreach (var (column, other) in new[] { (x, y), (y, x) })
            {
                if (column is not ColumnRef cr || Resolve(cr, scope).Atom is not { } a || !n.Contains(a)) continue;
                if (Dependencies(other, scope, r) is not { } deps) continue;
                if (deps.All(p.Contains))
                {
                    fixedByP.Add(a);
                    if (deps.Count == 1 && other is ColumnRef) r.Facts.Add(new Fact([a], deps[0])); // where n matched, p's column equals it
                }
                else if (deps.Count > 0 && deps.All(n.Contains))
                {
                    insideN.Add(new Fact(deps, a));
                    r.Facts.Add(new Fact(deps, a));
                }
            }
        }
        var pAtoms = p.Members.SelectMany(m => m.Atoms);
        if (!n.IsKey(fixedByP.Concat(pAtoms), insideN))
        {
            r.Required.AddRange(n.Required);
            r.RepeatedBy[j] = [.. n.Required];
        }
        return r;
    }

    /// <summary>The column pairs a USING / NATURAL join equates, recording what the merged name means.</summary>
    private List<(Atom Left, Atom Right)> MergedColumns(JoinExpr j, Relation left, Relation right, Scope scope)
    {
        IEnumerable<string> names = j.Using.OrEmpty().Select(u => u.Value);
        if (j.Natural)
            names = left.Vars.SelectMany(v => v.Columns ?? []).Intersect(right.Vars.SelectMany(v => v.Columns ?? [])).ToList();
        var pairs = new List<(Atom, Atom)>();
        foreach (var name in names.ToList())
        {
            var l = SideAtom(left, name, scope);
            var r = SideAtom(right, name, scope);
            _merged[(scope, name)] = j.Kind switch
            {
                JoinKind.Inner or JoinKind.Left => l,
                JoinKind.Right => r,
                _ => null, // FULL: COALESCE of both
            };
            if (l is not null && r is not null) pairs.Add((l, r));
        }
        return pairs;
    }

    private Atom? SideAtom(Relation side, string name, Scope scope)
    {
        if (_merged.TryGetValue((scope, name), out var m) && m is not null && side.Contains(m)) return m;
        var vars = side.Vars.Where(v => v.HasColumn(name)).ToList();
        return vars.Count == 1 ? new ColumnAtom(vars[0], name) : null;
    }

    /// <summary>Facts of conditions that hold in every row: equalities, constants, IS NOT NULL.</summary>
    private void AddFacts(Relation r, IEnumerable<Expr> conjuncts, Scope scope)
    {
        foreach (var c in conjuncts)
        {
            if (IsEquality(c, out var x, out var y))
            {
                foreach (var (column, other) in new[] { (x, y), (y, x) })
                {
                    if (column is not ColumnRef cr || Resolve(cr, scope).Atom is not { } a || !r.Contains(a)) continue;
                    r.NotNull.Add(a); // "=" is true only between non-NULL values
                    if (Dependencies(other, scope, r) is { } deps) r.Facts.Add(new Fact(deps, a));
                }
            }
            else if (c is IsExpr { Test: IsTest.Null, Negated: false, Operand: ColumnRef nullRef }
                     && Resolve(nullRef, scope).Atom is { } gone && r.NulledBy.TryGetValue(gone, out var join)
                     && r.RepeatedBy.TryGetValue(join, out var repeating)
                     && r.Members.Any(m => m.NotNull.Contains(gone)))
            {
                // An anti-join: a column NOT NULL in its own rows is NULL only where the outer join
                // found no match, and then once per preserved row.
                r.Required.RemoveAll(repeating.Contains);
            }
            else if (c is IsExpr { Test: IsTest.Null, Negated: true } isNotNull)
            {
                if (isNotNull.Operand is ColumnRef cr && Resolve(cr, scope).Atom is { } a && r.Contains(a)) r.NotNull.Add(a);
                else r.NotNullExpressions.Add(isNotNull.Operand);
            }
        }
    }

    private static bool IsEquality(Expr c, out Expr left, out Expr right)
    {
        if (c is BinaryExpr { Operator: "=", OperatorSchema: null } eq)
        {
            (left, right) = (eq.Left, eq.Right);
            return true;
        }
        (left, right) = (c, c);
        return false;
    }

    /// <summary>
    /// The columns of <paramref name="r"/> an expression's value is a function of (none for a
    /// constant; references to enclosing queries are constants here); null when it reads anything
    /// else of this scope, or aggregates, windows or set-returning functions.
    /// </summary>
    private List<Atom>? Dependencies(Expr e, Scope scope, Relation r)
    {
        if (e.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall f
                && (f.Over is not null || aggregates.Contains(f.Name.Name) || _setReturning.Contains(f.Name.Name))))
            return null;
        var list = new List<Atom>();
        foreach (var cr in e.DescendantsAndSelf().OfType<ColumnRef>())
        {
            if (_binder.Columns.TryGetValue(cr, out var bindings) && bindings.Count == 1)
            {
                var b = bindings[0];
                if (!ReferenceEquals(b.Var.Scope, scope)) continue; // an enclosing query's (constant) or a subquery's own column
                if (b.WholeRow)
                {
                    if (b.Var.Columns is null) return null;
                    list.AddRange(b.Var.Columns.Select(c => new ColumnAtom(b.Var, c)));
                    if (!r.Vars.Contains(b.Var)) return null;
                    continue;
                }
            }
            if (Resolve(cr, scope).Atom is not { } atom || !r.Contains(atom)) return null;
            list.Add(atom);
        }
        return list;
    }

    // ------------------------------------------------------------------ expressions

    /// <summary>What a column reference means in <paramref name="scope"/>: one of its atoms, or a reference to an enclosing query (constant here).</summary>
    private (Atom? Atom, bool Outer) Resolve(ColumnRef cr, Scope scope)
    {
        if (_binder.Columns.TryGetValue(cr, out var bindings) && bindings.Count > 0)
        {
            if (bindings.Count > 1)
                return (_merged.TryGetValue((scope, cr.Name), out var m) ? m : null, false);
            var b = bindings[0];
            if (!ReferenceEquals(b.Var.Scope, scope)) return (null, IsAncestor(b.Var.Scope, scope));
            return (b.Column is null ? null : new ColumnAtom(b.Var, b.Column), false);
        }
        // Built by star expansion: qualifier and column name.
        if (cr.Parts.Length == 2 && scope.Vars.LastOrDefault(v => v.Name == cr.Parts[0].Value) is { } v)
            return (new ColumnAtom(v, cr.Name), false);
        return (null, false);
    }

    private static bool IsAncestor(Scope candidate, Scope scope)
    {
        for (var s = scope.Parent; s is not null; s = s.Parent)
            if (ReferenceEquals(s, candidate)) return true;
        return false;
    }

    private bool HasAggregate(Expr e) =>
        e.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall f && f.Over is null && aggregates.Contains(f.Name.Name));

    private static readonly HashSet<string> NeverNullFunctions = new(StringComparer.Ordinal)
    {
        "count", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile",
        "jsonb_build_object", "json_build_object", "jsonb_build_array", "json_build_array", "concat", "concat_ws",
    };

    /// <summary>Whether an output expression is never NULL (conservative).</summary>
    private bool NotNullExpr(Expr e, ScopeRows rows) => rows.From.NotNullExpressions.Contains(e) || e switch
    {
        ColumnRef cr => Resolve(cr, rows.Scope) is { Atom: { } a } && rows.From.NotNull.Contains(a),
        Literal l => l.Kind != LiteralKind.Null,
        TypedLiteral => true,
        CastExpr c => NotNullExpr(c.Operand, rows),
        CollateExpr c => NotNullExpr(c.Operand, rows),
        FuncCall { Name.Name: "coalesce" } f => f.Args.Any(a => NotNullExpr(a.Value, rows)),
        FuncCall f => f.Filter is null && NeverNullFunctions.Contains(f.Name.Name) && (f.Name.Name != "concat_ws" || (f.Args.Length > 0 && NotNullExpr(f.Args[0].Value, rows))),
        BinaryExpr { Operator: "+" or "-" or "*" or "||", OperatorSchema: null } b => NotNullExpr(b.Left, rows) && NotNullExpr(b.Right, rows),
        CaseExpr c => c.Else is not null && NotNullExpr(c.Else, rows) && c.Whens.All(w => NotNullExpr(w.Result, rows)),
        SubqueryExpr { Kind: SubqueryKind.Exists or SubqueryKind.Array } => true,
        _ => false,
    };

    // ------------------------------------------------------------------ explanations

    private (SqlNode Node, string Reason) ExplainNull(ScopeRows rows, Expr e)
    {
        if (e is not ColumnRef cr || Resolve(cr, rows.Scope).Atom is not ColumnAtom atom)
            return (e, "it is computed by an expression that is not provably NOT NULL");
        var node = e.Span.IsEmpty ? atom.Var.Node : (SqlNode)e;
        var inherent = atom.Var switch
        {
            TableVar tv => tv.Relation.Column(tv.RelationColumn(atom.Column))?.NotNull == true,
            DerivedVar dv => dv.Columns.Count(c => c == atom.Column) == 1 && RowsOf(dv).NotNull(dv.Columns.ToList().IndexOf(atom.Column)),
            _ => false,
        };
        if (inherent && rows.From.NulledBy.TryGetValue(atom, out var join))
            return (node, $"{Describe(atom)} comes from the nullable side of a {join.Kind.ToString().ToUpperInvariant()} JOIN ({PositionOf(atom.Var.Node)})");
        return atom.Var switch
        {
            TableVar => (node, $"{Describe(atom)} allows NULL"),
            DerivedVar => (node, $"{Describe(atom)} may be NULL"),
            _ => (node, $"{Describe(atom)} is not known to be NOT NULL"),
        };
    }

    private (SqlNode Node, string Reason) ExplainRepeat(ScopeRows rows, IReadOnlySet<int> positions)
    {
        var core = rows.Scope.Core;
        if (rows.SetReturning is { } srf)
            return (srf, $"{srf.Name.Name}() in the select list returns a set, which repeats the rest of the row");
        var (equal, known) = rows.From.Close(positions.Select(p => rows.AtomOf(rows.Outputs[p])).OfType<Atom>());
        if (rows.Grouped)
        {
            var missing = rows.Groups.Where(g => !equal.Contains(g.Atom)).ToList();
            if (missing.Count > 0)
                return (missing[0].Item, $"it does not determine the GROUP BY item{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => m.Item.ToString()))}: one key value can have several groups");
            return ((SqlNode?)core.GroupBy.OrEmpty().FirstOrDefault() ?? core, "its groups cannot be told apart");
        }
        var member = rows.From.Required.FirstOrDefault(m => !m.Identifies(known));
        if (member is null) return (core, "its rows cannot be told apart");
        return ExplainMember(member, equal, known);
    }

    private (SqlNode Node, string Reason) ExplainMember(Member member, HashSet<Atom> equal, HashSet<Atom> known)
    {
        var v = member.Var;
        var reached = (v.Columns ?? []).Where(c => known.Contains(new ColumnAtom(v, c))).ToList();
        var list = reached.Count == 1 ? reached[0] : $"({string.Join(", ", reached)})";
        switch (v)
        {
            case TableVar tv:
            {
                var name = tv.Relation.Name;
                var keys = UniqueKeys(tv);
                if (tv.Relation.HasInheritanceChildren && !tv.Ref.Only && tv.Relation.UniqueKeys.Count > 0)
                    return (tv.Ref, $"{name} has inheritance children, whose rows its primary key and unique constraints do not cover");
                var keyList = string.Join(", ", keys.Select(k => "(" + string.Join(", ", k.Cast<ColumnAtom>().Select(a => a.Column)) + ")"));
                if (keys.FirstOrDefault(k => k.All(equal.Contains)) is { } nullable)
                    return (tv.Ref, $"{name}'s unique key ({string.Join(", ", nullable.Cast<ColumnAtom>().Select(a => a.Column))}) may be NULL here, and NULLs do not collide");
                if (reached.Count == 0)
                    return (tv.Ref, $"nothing in the key determines a row of {name}, so one key value can match several of its rows ({(keys.Count == 0 ? $"{name} has no primary key or unique constraint" : $"its unique keys: {keyList}")})");
                return (tv.Ref, $"{name}.{list} is not unique: no primary key or unique constraint covers {(reached.Count == 1 ? "it" : "them")}" +
                    (keys.Count > 0 ? $" (unique keys of {name}: {keyList})" : ""));
            }
            case DerivedVar dv:
            {
                if (reached.Count == 0)
                    return (dv.Node, $"nothing in the key determines a row of {dv.Name}, so one key value can match several of its rows");
                var detail = "";
                SqlNode node = dv.Node;
                if (RowsOf(dv) is ScopeRows inner)
                {
                    var positions = reached.Select(c => dv.Columns.ToList().IndexOf(c)).ToHashSet();
                    var (innerNode, reason) = ExplainRepeat(inner, positions);
                    (node, detail) = (innerNode, $": {reason}");
                }
                return (node, $"the rows of {dv.Name} are not provably unique on {list}{detail}");
            }
            default:
                return (v.Node, $"the rows of {v.Name} (a function, VALUES or aliased join in FROM) have no known unique key");
        }
    }

    private static string Describe(ColumnAtom a) => a.Var switch
    {
        TableVar tv => $"{tv.Relation.Name}.{tv.RelationColumn(a.Column)}",
        _ => $"{a.Var.Name}.{a.Column}",
    };

    private string PositionOf(SqlNode node) =>
        source is not null && !node.Span.IsEmpty ? source.GetLinePosition(node.Span.Start).ToString() : node.ToString();
}
