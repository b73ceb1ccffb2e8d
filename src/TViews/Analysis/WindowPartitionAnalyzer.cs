using TViews.Plan;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Window functions partitioned by something other than the key (docs/sql.md): a change to one row
/// changes the window values of every row of its partition, so maintenance recomputes whole
/// partitions. Each partition is named by output columns, which the TVIEW stores: the partitions a
/// change touches are found like keys (key queries with the partition columns as a pseudo-key, over
/// old and new rows), and their rows are those of the definition and of the TVIEW in them.
/// </summary>
internal static class WindowPartitionAnalyzer
{
    /// <summary>
    /// The partitions of the windows of <paramref name="root"/> that do not include the key, as output
    /// column indexes (empty: one partition, the whole result), and the output columns every window is
    /// partitioned by. Null when every window is partitioned by the key (each row is its own partition
    /// or the key's). Refuses, with its position, what this does not cover.
    /// </summary>
    public static WindowShape? Analyze(Binder binder, Scope root, IReadOnlyList<Expr> outputs, IReadOnlyList<Expr> keyExprs,
        SourceText? source, ISet<string> aggregates, bool union)
    {
        var core = root.Core;
        var windows = core.DescendantsAndSelf(n => n is not SelectStmt).OfType<FuncCall>().Where(f => f.Over is not null)
            .Select(f => (Call: f, Spec: Resolve(core, f.Over!))).ToList();
        var others = windows.Where(w => !keyExprs.All(k => w.Spec.PartitionBy.OrEmpty().Any(p => p.Equals(k)))).ToList();
        if (others.Count == 0) return null;
        var first = others[0].Call;
        string Name(FuncCall f) => $"window function {f.Name.Name}()";
        if (union)
            throw AnalysisException.At(source, first,
                $"{Name(first)} over a partition that does not include the key, in a UNION at the top, is not maintainable yet: " +
                "partition by the key, or make the windowed SELECT a TVIEW of its own and read it in the branch");
        if (!core.GroupBy.OrEmpty().IsEmpty || core.Having is not null
            || core.Targets.Any(t => t.Value.DescendantsAndSelf(n => n is not SelectStmt).Any(n => n is FuncCall { Over: null } f && aggregates.Contains(f.Name.Name))))
            throw AnalysisException.At(source, first,
                $"{Name(first)} over a partition that does not include the key, in a grouped definition (GROUP BY, HAVING or aggregates), " +
                "is not maintainable yet: its partitions are made of groups. Make the grouped SELECT a TVIEW of its own and window over it");
        if (core.Distinct != DistinctKind.None)
            throw AnalysisException.At(source, first,
                $"{Name(first)} over a partition that does not include the key, with DISTINCT, is not maintainable yet: " +
                "the window is computed before DISTINCT removes rows");

        var sets = new List<IReadOnlyList<int>>();
        foreach (var (call, spec) in others)
        {
            var set = new List<int>();
            foreach (var item in spec.PartitionBy.OrEmpty())
            {
                var i = OutputIndex(binder, outputs, item);
                if (i < 0 || KeyQueryBuilder.IsAggregateLike(outputs[i], aggregates) || outputs[i].DescendantsAndSelf().Any(n => n is SelectStmt))
                    throw AnalysisException.At(source, item,
                        $"{Name(call)} is partitioned by an expression that is not a column of the select list: a change to one row changes " +
                        "the other rows of its partition, which are found by the partition's columns in the TVIEW. Add the expression to the " +
                        "select list (computed from the rows of FROM, not by an aggregate or a subquery), or partition by the key");
                if (!set.Contains(i)) set.Add(i);
            }
            set.Sort();
            if (!sets.Any(s => s.SequenceEqual(set))) sets.Add(set);
        }
        // PostgreSQL pushes a restriction below the windows only on a column every window is partitioned by.
        var pushdown = Enumerable.Range(0, outputs.Count)
            .Where(i => windows.All(w => w.Spec.PartitionBy.OrEmpty().Any(p => OutputIndex(binder, outputs, p) == i)))
            .ToList();
        return new WindowShape(sets, pushdown);
    }

    /// <summary>A window's own specification, or the named window it refers to (<c>OVER w</c>, <c>OVER (w ORDER BY ...)</c>).</summary>
    internal static WindowSpec Resolve(SelectCore core, WindowSpec spec) =>
        spec.ExistingName is { } name ? core.Windows.FirstOrDefault(d => d.Name.Value == name.Value)?.Spec ?? spec : spec;

    /// <summary>
    /// The output column a PARTITION BY item is, as PostgreSQL matches them: the same column (whatever
    /// its qualification or alias in the select list), or the same expression. -1 when none.
    /// </summary>
    private static int OutputIndex(Binder binder, IReadOnlyList<Expr> outputs, Expr item)
    {
        for (var i = 0; i < outputs.Count; i++)
            if (outputs[i].Equals(item) || SameColumn(binder, outputs[i], item)) return i;
        return -1;
    }

    private static bool SameColumn(Binder binder, Expr a, Expr b) =>
        a is ColumnRef ca && b is ColumnRef cb && binder.Columns.TryGetValue(ca, out var ba) && binder.Columns.TryGetValue(cb, out var bb)
        && ba.Count > 0 && ba.Count == bb.Count && ba.All(x => bb.Any(y => ReferenceEquals(x.Var, y.Var) && x.Column == y.Column && x.Column is not null));

    /// <summary>
    /// The definition reduced to its key and partition columns, without windows: what partition each
    /// key is in now, and which keys a partition holds, read through the sources' indexes (a
    /// restriction on a plain SELECT reaches the tables; on the view it stops at the windows unless
    /// every window is partitioned by the column).
    /// </summary>
    public static string Projection(Binder binder, SelectStmt definition, Scope root, IReadOnlyList<Expr> outputs, IReadOnlyList<string> outputColumns,
        IReadOnlyList<int> columns)
    {
        var targets = columns.Select(i => new ResultTarget(outputs[i], new Identifier(outputColumns[i]))).ToList();
        var core = root.Core with { Targets = [.. targets], Windows = [], Distinct = DistinctKind.None, DistinctOn = [] };
        var statement = new SelectStmt(core) { With = definition.With };
        return SqlFormatter.Format(new RelationQualifier(binder).Rewrite(statement), new SqlFormatOptions { QuoteAllIdentifiers = true, SingleLine = true });
    }
}

/// <summary>
/// What <see cref="WindowPartitionAnalyzer"/> found: the partitions (output column indexes, each set
/// once) and the output columns every window is partitioned by.
/// </summary>
internal sealed record WindowShape(IReadOnlyList<IReadOnlyList<int>> Partitions, IReadOnlyList<int> Pushdown);
