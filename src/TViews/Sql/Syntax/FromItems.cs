using System.Collections.Immutable;

namespace TViews.Sql;

/// <summary>A table, view or CTE reference: <c>[ONLY] name [AS alias (cols)]</c>.</summary>
internal sealed record TableRef(QualifiedName Name) : FromItem
{
    /// <summary><c>ONLY name</c>: exclude inheritance children.</summary>
    public bool Only { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Name).One(Alias);

    public bool Equals(TableRef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// <c>[LATERAL] (query) [AS alias (cols)]</c>; also <c>(VALUES ...) AS v(a, b)</c>, whose query body is a
/// <see cref="ValuesQuery"/>. PostgreSQL before 16 requires the alias; the formatter invents one if missing.
/// </summary>
internal sealed record SubqueryRef(SelectStmt Query) : FromItem
{
    public bool Lateral { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Query).One(Alias);

    public bool Equals(SubqueryRef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// A function in FROM: <c>[LATERAL] f(...) [WITH ORDINALITY] [AS alias (cols) | AS alias (col type, ...)]</c>,
/// or <c>ROWS FROM (f(...) [AS (col type, ...)], g(...)) ...</c> when <see cref="RowsFrom"/>.
/// </summary>
internal sealed record FunctionRef(ImmutableArray<RangeFunction> Functions) : FromItem
{
    /// <summary>Written as <c>ROWS FROM (...)</c>.</summary>
    public bool RowsFrom { get; init; }

    public bool Lateral { get; init; }

    public bool WithOrdinality { get; init; }

    /// <summary>Column definitions of a record-returning function (<c>AS g(x int)</c> or <c>AS (x int)</c>); not with ROWS FROM.</summary>
    public ImmutableArray<ColumnDef> ColumnDefinitions { get; init; } = [];

    public override IEnumerable<SqlNode> Children => Kids().All(Functions).One(Alias).All(ColumnDefinitions);

    /// <summary>A single function call in FROM.</summary>
    public static FunctionRef Of(Expr call) => new([new RangeFunction(call)]);

    public bool Equals(FunctionRef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>One function of a <see cref="FunctionRef"/>. <see cref="Call"/> is usually a <see cref="FuncCall"/>
/// (special forms such as <c>CURRENT_DATE</c> or <c>COALESCE(...)</c> are allowed too).</summary>
internal sealed record RangeFunction(Expr Call) : SqlNode
{
    /// <summary>Column definitions inside ROWS FROM: <c>f() AS (a int, b text)</c>.</summary>
    public ImmutableArray<ColumnDef> ColumnDefinitions { get; init; } = [];

    public override IEnumerable<SqlNode> Children => Kids().One(Call).All(ColumnDefinitions);

    public bool Equals(RangeFunction? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum JoinKind
{
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

/// <summary>
/// <c>Left [NATURAL] {[INNER] | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | CROSS} JOIN Right [ON cond | USING (cols)]</c>.
/// An alias is only possible on a parenthesised join: <c>(a JOIN b ON ...) AS j</c>.
/// </summary>
internal sealed record JoinExpr(JoinKind Kind, FromItem Left, FromItem Right) : FromItem
{
    public bool Natural { get; init; }

    public Expr? On { get; init; }

    public ImmutableArray<Identifier> Using { get; init; } = [];

    public override IEnumerable<SqlNode> Children => Kids().One(Left).One(Right).One(On).All(Using).One(Alias);

    public bool Equals(JoinExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}
