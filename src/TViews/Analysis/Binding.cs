using TViews.Sql;

namespace TViews.Analysis;

/// <summary>A name in a FROM clause that columns can be qualified with.</summary>
internal abstract class RangeVar(string name, FromItem node, Scope scope)
{
    public string Name { get; } = name;
    public FromItem Node { get; } = node;
    public Scope Scope { get; } = scope;

    /// <summary>Output column names; null when unknown (a function whose columns we do not know).</summary>
    public abstract IReadOnlyList<string>? Columns { get; }

    public bool HasColumn(string column) => Columns?.Contains(column) ?? false;
}

/// <summary>A base table or TVIEW read in FROM: a source of the TVIEW.</summary>
internal sealed class TableVar(string name, TableRef node, Scope scope, CatalogRelation relation) : RangeVar(name, node, scope)
{
    public TableRef Ref { get; } = node;
    public CatalogRelation Relation { get; } = relation;
    public HashSet<string> ReferencedColumns { get; } = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _columns = AliasColumns(node.Alias, relation.Columns.Select(c => c.Name).ToList());

    public override IReadOnlyList<string> Columns => _columns;

    /// <summary>Maps a visible (possibly aliased) column name to the relation's column name.</summary>
    public string RelationColumn(string visible)
    {
        var i = _columns.ToList().IndexOf(visible);
        return Relation.Columns[i].Name;
    }

    public void ReferenceAll()
    {
        foreach (var c in Relation.Columns) ReferencedColumns.Add(c.Name);
    }

    internal static IReadOnlyList<string> AliasColumns(Alias? alias, IReadOnlyList<string> columns)
    {
        if (alias is null || alias.Columns.OrEmpty().IsEmpty) return columns;
        var renamed = columns.ToArray();
        for (var i = 0; i < alias.Columns.Length && i < renamed.Length; i++) renamed[i] = alias.Columns[i].Value;
        return renamed;
    }
}

/// <summary>A subquery in FROM (or a CTE reference): its own scope, seen from outside through its output names.</summary>
internal sealed class DerivedVar(string name, FromItem node, Scope scope, SelectStmt query, IReadOnlyList<string> columns) : RangeVar(name, node, scope)
{
    public SelectStmt Query { get; } = query;
    public override IReadOnlyList<string> Columns { get; } = columns;
}

/// <summary>A set-returning function or VALUES in FROM: not a source, columns as far as they are known.</summary>
internal sealed class OpaqueVar(string name, FromItem node, Scope scope, IReadOnlyList<string>? columns) : RangeVar(name, node, scope)
{
    public override IReadOnlyList<string>? Columns { get; } = columns;
}

/// <summary>How a scope hangs from its parent.</summary>
internal enum ScopeLink { Root, Expression, Derived }

/// <summary>One SELECT core: its FROM names, and where it sits in the definition.</summary>
internal sealed class Scope(SelectCore core, Scope? parent, ScopeLink link)
{
    public SelectCore Core { get; } = core;
    public Scope? Parent { get; } = parent;
    public ScopeLink Link { get; } = link;
    public List<RangeVar> Vars { get; } = [];

    /// <summary>For an expression link: the expression in the parent holding the subquery (SubqueryExpr, InSubqueryExpr, QuantifiedExpr).</summary>
    public Expr? LinkExpr { get; init; }

    /// <summary>For a derived link: the range variable in the parent's FROM.</summary>
    public DerivedVar? LinkVar { get; set; }

    /// <summary>The statement whose body (possibly through set operations) holds this core.</summary>
    public SelectStmt? Statement { get; init; }

    /// <summary>Output column names of a set-operation branch other than the first take the first branch's names.</summary>
    public IReadOnlyList<string>? OutputNames { get; init; }

    public int Depth => Parent is null ? 0 : Parent.Depth + 1;
}

/// <summary>What a column reference points at.</summary>
internal sealed record ColumnBinding(RangeVar Var, string? Column)
{
    public bool WholeRow => Column is null;
}
