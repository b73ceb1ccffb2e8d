using TViews.Plan;
using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Which NOT NULL constraints of the sources the proof "the key is never NULL" rests on. A row whose
/// key is NULL would never be recomputed (keys are looked up with "="), so it would be missing from
/// the TVIEW: the runtime refuses dropping these constraints later (docs/design.md, Source DDL).
/// </summary>
/// <remarks>
/// Found by asking the proof again with each NOT NULL column the definition reads taken as nullable:
/// the columns without which it fails are the ones it needs. Exact for the proof as it is, whatever
/// path through joins, WHERE facts and GROUP BY it took; one binding per such column, in memory.
/// </remarks>
internal static class KeyNullProof
{
    /// <param name="keyNeverNull">Whether the key is proven never NULL over these relations (the analysis' own check, run again).</param>
    public static IReadOnlyList<NotNullColumn> Dependencies(IReadOnlyDictionary<string, CatalogRelation> relations, Binder bound,
        Func<IReadOnlyDictionary<string, CatalogRelation>, bool> keyNeverNull)
    {
        var read = bound.Tables
            .GroupBy(t => t.Relation.QualifiedName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(t => t.ReferencedColumns).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var result = new List<NotNullColumn>();
        foreach (var rel in relations.Values.DistinctBy(r => r.QualifiedName))
        {
            if (!read.TryGetValue(rel.QualifiedName, out var columns)) continue;
            foreach (var column in rel.Columns.Where(c => c.NotNull && columns.Contains(c.Name)))
            {
                var weakened = rel with { Columns = rel.Columns.Select(c => c == column ? c with { NotNull = false } : c).ToList() };
                var catalog = relations.ToDictionary(r => r.Key, r => r.Value.QualifiedName == rel.QualifiedName ? weakened : r.Value, StringComparer.Ordinal);
                if (!keyNeverNull(catalog)) result.Add(new NotNullColumn(rel.Schema, rel.Name, column.Name));
            }
        }
        return result;
    }
}
