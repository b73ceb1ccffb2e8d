using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// For the key query over rows a statement removed (DELETE, or the old side of an UPDATE): every
/// other occurrence of the changed table reads the table together with those rows (the whole old
/// transition table), a superset of the table as it was before the statement. Without it a
/// definition that reads the table twice misses a key when one statement removes two rows that are
/// joined to each other (a node and its parent): each occurrence looks for the other row in the
/// table, where it no longer is. Over-approximating the keys is safe: the recompute decides.
/// </summary>
internal sealed class RemovedRowsRewriter(Binder binder, CatalogRelation changed, string oldRows) : SqlRewriter
{
    private readonly Dictionary<TableRef, TableVar> _tables =
        binder.Tables.ToDictionary<TableVar, TableRef, TableVar>(t => t.Ref, t => t, ReferenceEqualityComparer.Instance);

    /// <summary>Whether the definition reads <paramref name="relation"/> more than once (only then is there anything to rewrite).</summary>
    public static bool ReadsMoreThanOnce(Binder binder, CatalogRelation relation) =>
        binder.Tables.Count(t => t.Relation.QualifiedName == relation.QualifiedName) > 1;

    public override FromItem VisitTableRef(TableRef node)
    {
        if (!_tables.TryGetValue(node, out var tv) || tv.Relation.QualifiedName != changed.QualifiedName)
            return base.VisitTableRef(node);
        static SelectCore All(TableRef from) => new([new ResultTarget(new StarExpr())]) { From = [from] };
        var table = new TableRef(QualifiedName.Of(tv.Relation.Schema, tv.Relation.Name)) { Only = node.Only };
        var union = new SetOperationQuery(SetOperator.Union, true, All(table), All(new TableRef(QualifiedName.Of(oldRows))));
        return new SubqueryRef(new SelectStmt(union)) { Alias = node.Alias ?? new Alias(new Identifier(tv.Name)) };
    }
}
