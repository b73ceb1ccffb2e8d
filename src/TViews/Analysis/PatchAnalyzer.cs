using System.Collections.Immutable;
using TViews.Plan;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Finds, per source, the parts of a TVIEW row a change can touch, so maintenance can recompute
/// those parts only. A row is split into leaves: each output column, and each top-level key of an
/// output column built by <c>jsonb_build_object('k', v, ...)</c>. A source's columns are
/// <em>structural</em> when they can change which rows exist or their key (FROM/WHERE/ON, the key,
/// anything outside a leaf); a change to other columns, or to a source read only inside leaves,
/// leaves row existence alone and changes only the leaves that read it.
/// </summary>
internal sealed class PatchAnalyzer(Binder binder, IReadOnlyList<string> outputColumns, IReadOnlyList<string> keyColumns, ISet<string> aggregates)
{
    private static readonly SqlFormatOptions Options = new() { QuoteAllIdentifiers = true, SingleLine = true };

    private sealed record Leaf(int Index, string Column, string? JsonKey, Expr Value);

    /// <summary>
    /// Per source with a patch (after <see cref="Analyze"/>): the tables its leaves read, those of
    /// subqueries inside them and those of the main query whose columns they name. Key-level locking
    /// locks what a patch reads, not what a whole recompute would (<see cref="KeyLockAnalyzer"/>).
    /// </summary>
    public Dictionary<string, IReadOnlyList<TableVar>> LeafReads { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, PatchPlan> Analyze(IReadOnlyList<Expr> keyExprs)
    {
        var result = new Dictionary<string, PatchPlan>(StringComparer.Ordinal);
        // A UNION at the top: a row is one branch's, and the leaves of the root (the first branch) are not its.
        if (binder.Branches.Count > 1) return result;
        var root = binder.Root;
        var core = root.Core;
        if (!core.GroupBy.OrEmpty().IsEmpty || core.Distinct != DistinctKind.None || !core.DistinctOn.OrEmpty().IsEmpty
            || core.Having is not null || core.Targets.Any(t => t.Value is StarExpr)
            || core.Targets.Any(t => core.DescendantsAndSelf(n => n is not SelectStmt).OfType<FuncCall>().Any(f => f.Over is not null)))
            return result;
        // Aggregates without GROUP BY: the one row's leaves read every row, so there is nothing to patch.
        if (core.Targets.Any(t => KeyQueryBuilder.IsAggregateLike(t.Value, aggregates))) return result;
        if (core.Targets.Length != outputColumns.Count) return result;
        // USING / NATURAL joins compare columns no column reference names: keep it simple, no patching.
        if (core.From.SelectMany(f => f.DescendantsAndSelf(n => n is not SelectStmt)).OfType<JoinExpr>().Any(j => j.Natural || !j.Using.OrEmpty().IsEmpty))
            return result;

        var leaves = new List<Leaf>();
        for (var i = 0; i < core.Targets.Length; i++)
        {
            var column = outputColumns[i];
            if (keyColumns.Contains(column)) continue;
            var value = core.Targets[i].Value;
            if (JsonObjectPairs(value) is { } pairs)
                foreach (var (k, v) in pairs) leaves.Add(new Leaf(leaves.Count, column, k, v));
            else leaves.Add(new Leaf(leaves.Count, column, null, value));
        }

        // Nodes (by reference) of each leaf's expression, to place subqueries and column references.
        var leafOf = new Dictionary<SqlNode, Leaf>(ReferenceEqualityComparer.Instance);
        foreach (var leaf in leaves)
            foreach (var n in leaf.Value.DescendantsAndSelf())
                leafOf[n] = leaf;

        // The tables each leaf reads: those of subqueries anchored in it, and main-query tables whose columns it names.
        var readBy = leaves.ToDictionary(l => l.Index, _ => new HashSet<TableVar>(ReferenceEqualityComparer.Instance));
        var structural = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var touched = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var rootOccurrence = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string> S(string rel) => structural.TryGetValue(rel, out var s) ? s : structural[rel] = new HashSet<string>(StringComparer.Ordinal);
        HashSet<int> T(string rel) => touched.TryGetValue(rel, out var s) ? s : touched[rel] = [];

        foreach (var tv in binder.Tables)
        {
            var rel = tv.Relation.QualifiedName;
            S(rel);
            T(rel);
            if (tv.Scope == root)
            {
                rootOccurrence.Add(rel);
                continue;
            }
            var anchor = tv.Scope;
            while (anchor.Parent != root) anchor = anchor.Parent!;
            if (anchor.Link == ScopeLink.Expression && anchor.LinkExpr is { } link && leafOf.TryGetValue(link, out var leaf))
            {
                T(rel).Add(leaf.Index);
                readBy[leaf.Index].Add(tv);
            }
            else
            {
                // Read outside any leaf (WHERE, derived table, ...): every column it reads is structural,
                // and its inserts and deletes can change which rows exist.
                S(rel).UnionWith(tv.ReferencedColumns);
                rootOccurrence.Add(rel);
            }
        }

        // Column references of root-level occurrences, in two passes. First: outside any leaf (FROM, ON,
        // WHERE) and in the key they are structural. Second: inside a leaf, a reference to a column that
        // is not structural touches the leaf; structural columns are unchanged whenever we patch, so a leaf
        // that reads only those (a subquery correlated on the key) needs no recomputation.
        var rootRefs = new List<(ColumnRef Ref, TableVar Var, IReadOnlyList<string> Columns)>();
        foreach (var (cr, bindings) in binder.Columns)
            foreach (var b in bindings)
                if (b.Var is TableVar tv && tv.Scope == root)
                    rootRefs.Add((cr, tv, b.Column is null ? tv.Relation.Columns.Select(c => c.Name).ToList() : [tv.RelationColumn(b.Column)]));
        foreach (var (cr, tv, cols) in rootRefs)
            if (leafOf.TryGetValue(cr, out var reader)) readBy[reader.Index].Add(tv);
            else S(tv.Relation.QualifiedName).UnionWith(cols);
        foreach (var tv in binder.Tables.Where(t => t.Scope == root))
            foreach (var k in keyExprs)
                foreach (var cr in k.DescendantsAndSelf().OfType<ColumnRef>())
                    if (binder.Columns.TryGetValue(cr, out var bs))
                        foreach (var b in bs.Where(b => b.Var == tv && b.Column is not null))
                            S(tv.Relation.QualifiedName).Add(tv.RelationColumn(b.Column!));
        foreach (var (cr, tv, cols) in rootRefs)
            if (leafOf.TryGetValue(cr, out var leaf) && cols.Any(c => !S(tv.Relation.QualifiedName).Contains(c)))
                T(tv.Relation.QualifiedName).Add(leaf.Index);

        foreach (var (rel, leafIndexes) in touched)
        {
            if (leafIndexes.Count == 0) continue;
            var chosen = leaves.Where(l => leafIndexes.Contains(l.Index)).ToList();
            var query = LeafQuery(root, keyExprs, chosen);
            LeafReads[rel] = chosen.SelectMany(l => readBy[l.Index]).Distinct(ReferenceEqualityComparer.Instance).Cast<TableVar>().ToList();
            result[rel] = new PatchPlan(
                structural[rel].OrderBy(c => c, StringComparer.Ordinal).ToList(),
                !rootOccurrence.Contains(rel),
                chosen.Select(l => new PatchLeaf(l.Column, l.JsonKey, $"pg_tviews_v{l.Index}")).ToList(),
                query);
        }
        return result;
    }

    /// <summary>The (key, value) pairs of a <c>jsonb_build_object</c> with distinct literal keys, else null.</summary>
    private static List<(string Key, Expr Value)>? JsonObjectPairs(Expr e)
    {
        if (e is not FuncCall f || f.Name.Name != "jsonb_build_object" || (f.Name.Schema is { } s && s != "pg_catalog")
            || f.Star || f.Distinct || !f.OrderBy.OrEmpty().IsEmpty || f.Filter is not null || f.Over is not null
            || f.Args.Length == 0 || f.Args.Length % 2 != 0 || f.Args.Any(a => a.Name is not null || a.Variadic))
            return null;
        var pairs = new List<(string, Expr)>();
        for (var i = 0; i < f.Args.Length; i += 2)
        {
            if (f.Args[i].Value is not Literal { Kind: LiteralKind.String } key) return null;
            // A bare literal value has no type of its own for to_jsonb; such leaves never change anyway.
            pairs.Add((key.Value, f.Args[i + 1].Value));
        }
        return pairs.Select(p => p.Item1).Distinct().Count() == pairs.Count ? pairs : null;
    }

    /// <summary>SELECT key expressions AS pg_tviews_k1.., leaf values AS pg_tviews_v&lt;index&gt; FROM the root's FROM/WHERE.</summary>
    private string LeafQuery(Scope root, IReadOnlyList<Expr> keyExprs, List<Leaf> leaves)
    {
        var targets = new List<ResultTarget>();
        for (var i = 0; i < keyExprs.Count; i++) targets.Add(new ResultTarget(keyExprs[i], new Identifier($"pg_tviews_k{i + 1}")));
        foreach (var l in leaves)
        {
            // jsonb_build_object converts each value as to_jsonb does; SQL NULL becomes JSON null.
            Expr v = l.JsonKey is null ? l.Value
                : FuncCall.Of("coalesce", FuncCall.Of("to_jsonb", l.Value), new CastExpr(Literal.String("null"), TypeName.Of("jsonb")));
            targets.Add(new ResultTarget(v, new Identifier($"pg_tviews_v{l.Index}")));
        }
        var stmt = new SelectStmt(new SelectCore([.. targets]) { From = root.Core.From, Where = root.Core.Where }) { With = root.Statement?.With };
        return SqlFormatter.Format(new RelationQualifier(binder).Rewrite(stmt), Options);
    }
}
