using System.Collections.Immutable;

namespace TViews.Sql;

/// <summary>A query used as a statement.</summary>
internal sealed record QueryStatement(SelectStmt Query) : Statement
{
    public override IEnumerable<SqlNode> Children => Kids().One(Query);

    public bool Equals(QueryStatement? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>CREATE TABLE name [(col, ...)] AS query [WITH [NO] DATA]</c>.</summary>
internal sealed record CreateTableAsStatement(QualifiedName Name, SelectStmt Query) : Statement
{
    public ImmutableArray<Identifier> ColumnNames { get; init; } = [];

    /// <summary>False for <c>WITH NO DATA</c>.</summary>
    public bool WithData { get; init; } = true;

    public override IEnumerable<SqlNode> Children => Kids().One(Name).All(ColumnNames).One(Query);

    public bool Equals(CreateTableAsStatement? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>CREATE [OR REPLACE] VIEW name [(col, ...)] AS query</c>.</summary>
internal sealed record CreateViewStatement(QualifiedName Name, SelectStmt Query) : Statement
{
    public ImmutableArray<Identifier> ColumnNames { get; init; } = [];

    public bool OrReplace { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Name).All(ColumnNames).One(Query);

    public bool Equals(CreateViewStatement? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}
