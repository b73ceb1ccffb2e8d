using TViews.Sql;

namespace TViews.Analysis;

/// <summary>
/// Rewrites every table reference the binder resolved into its schema-qualified name, keeping the
/// name it was known by as alias: generated SQL must mean the same whatever the writer's search_path.
/// </summary>
internal sealed class RelationQualifier : SqlRewriter
{
    private readonly Dictionary<TableRef, TableVar> _tables = new(ReferenceEqualityComparer.Instance);

    public RelationQualifier(Binder binder)
    {
        foreach (var tv in binder.Tables) _tables[tv.Ref] = tv;
    }

    public override FromItem VisitTableRef(TableRef node)
    {
        if (!_tables.TryGetValue(node, out var tv)) return base.VisitTableRef(node);
        return node with
        {
            Name = QualifiedName.Of(tv.Relation.Schema, tv.Relation.Name),
            Alias = node.Alias ?? new Alias(new Identifier(tv.Name)),
        };
    }
}
