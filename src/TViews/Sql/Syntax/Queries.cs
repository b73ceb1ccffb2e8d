using System.Collections.Immutable;

namespace TViews.Sql;

/// <summary>
/// A complete query: optional WITH, a body, and the clauses that apply to the whole body
/// (ORDER BY, LIMIT/OFFSET/FETCH, locking). For <c>SELECT ... UNION SELECT ... ORDER BY x</c> the
/// ORDER BY is here and the body is a <see cref="SetOperationQuery"/>.
/// </summary>
/// <remarks>
/// The parser merges a parenthesised query's clauses into the outer statement exactly like PostgreSQL
/// (<c>(SELECT ... LIMIT 5) ORDER BY x</c> is one statement with both clauses; repeating a clause is an error).
/// </remarks>
internal sealed record SelectStmt(QueryExpr Body) : SqlNode
{
    public WithClause? With { get; init; }

    public ImmutableArray<SortItem> OrderBy { get; init; } = [];

    /// <summary>LIMIT count; null when absent or <c>LIMIT ALL</c>.</summary>
    public Expr? Limit { get; init; }

    public Expr? Offset { get; init; }

    /// <summary><c>FETCH FIRST n ROWS ONLY | WITH TIES</c> (the standard spelling of LIMIT); never together with <see cref="Limit"/>.</summary>
    public FetchClause? Fetch { get; init; }

    /// <summary><c>FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF ...] [NOWAIT | SKIP LOCKED]</c>.</summary>
    public ImmutableArray<LockingClause> Locking { get; init; } = [];

    /// <summary>True when any clause besides the body is present (WITH, ORDER BY, LIMIT, OFFSET, FETCH, locking).</summary>
    public bool HasOuterClauses =>
        With is not null || !OrderBy.OrEmpty().IsEmpty || Limit is not null || Offset is not null
        || Fetch is not null || !Locking.OrEmpty().IsEmpty;

    public override IEnumerable<SqlNode> Children =>
        Kids().One(With).One(Body).All(OrderBy).One(Limit).One(Offset).One(Fetch).All(Locking);

    public bool Equals(SelectStmt? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum DistinctKind
{
    /// <summary>No quantifier.</summary>
    None,

    /// <summary><c>SELECT ALL</c> (same meaning as none).</summary>
    All,

    /// <summary><c>SELECT DISTINCT</c>, or <c>DISTINCT ON (...)</c> when <see cref="SelectCore.DistinctOn"/> is non-empty.</summary>
    Distinct,
}

/// <summary>
/// <c>SELECT [DISTINCT [ON (...)]] targets [FROM ...] [WHERE ...] [GROUP BY ...] [HAVING ...] [WINDOW ...]</c>.
/// <c>TABLE t</c> is parsed as <c>SELECT * FROM t</c>.
/// </summary>
internal sealed record SelectCore(ImmutableArray<ResultTarget> Targets) : QueryExpr
{
    public DistinctKind Distinct { get; init; }

    /// <summary>DISTINCT ON expressions (then <see cref="Distinct"/> is <see cref="DistinctKind.Distinct"/>).</summary>
    public ImmutableArray<Expr> DistinctOn { get; init; } = [];

    /// <summary>Comma-separated FROM items (joins are nested <see cref="JoinExpr"/>s).</summary>
    public ImmutableArray<FromItem> From { get; init; } = [];

    public Expr? Where { get; init; }

    /// <summary>GROUP BY items: expressions, or <see cref="GroupingSet"/> for ROLLUP/CUBE/GROUPING SETS/().</summary>
    public ImmutableArray<Expr> GroupBy { get; init; } = [];

    /// <summary><c>GROUP BY DISTINCT</c> (removes duplicate grouping sets).</summary>
    public bool GroupByDistinct { get; init; }

    public Expr? Having { get; init; }

    /// <summary>Named windows: <c>WINDOW w AS (...)</c>.</summary>
    public ImmutableArray<WindowDef> Windows { get; init; } = [];

    public override IEnumerable<SqlNode> Children =>
        Kids().All(DistinctOn).All(Targets).All(From).One(Where).All(GroupBy).One(Having).All(Windows);

    public bool Equals(SelectCore? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum SetOperator
{
    Union,
    Intersect,
    Except,
}

/// <summary><c>Left UNION|INTERSECT|EXCEPT [ALL] Right</c>. The tree shape encodes precedence and parentheses.</summary>
internal sealed record SetOperationQuery(SetOperator Operator, bool All, QueryExpr Left, QueryExpr Right) : QueryExpr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Left).One(Right);

    public bool Equals(SetOperationQuery? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>VALUES (a, b), (c, d)</c>.</summary>
internal sealed record ValuesQuery(ImmutableArray<ImmutableArray<Expr>> Rows) : QueryExpr
{
    public override IEnumerable<SqlNode> Children
    {
        get
        {
            var kids = Kids();
            foreach (var row in Rows.OrEmpty()) kids.All(row);
            return kids;
        }
    }

    public bool Equals(ValuesQuery? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// A parenthesised query that has its own WITH / ORDER BY / LIMIT / OFFSET / FETCH / locking, used as an
/// operand of a set operation: <c>(SELECT ... ORDER BY x LIMIT 1) UNION ...</c>. Parenthesised queries
/// without such clauses are not wrapped: their body is used directly.
/// </summary>
internal sealed record NestedQuery(SelectStmt Query) : QueryExpr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Query);

    public bool Equals(NestedQuery? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>An item of the select list: <c>expr [AS alias]</c>, or a <see cref="StarExpr"/>.</summary>
internal sealed record ResultTarget(Expr Value, Identifier? Alias = null) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Value).One(Alias);

    public bool Equals(ResultTarget? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>WITH [RECURSIVE] cte, ...</c>.</summary>
internal sealed record WithClause(bool Recursive, ImmutableArray<CommonTableExpr> Ctes) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().All(Ctes);

    public bool Equals(WithClause? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum CteMaterialization
{
    Default,
    Materialized,
    NotMaterialized,
}

/// <summary><c>name [(col, ...)] AS [[NOT] MATERIALIZED] (query)</c>.</summary>
internal sealed record CommonTableExpr(Identifier Name, SelectStmt Query) : SqlNode
{
    public ImmutableArray<Identifier> Columns { get; init; } = [];

    public CteMaterialization Materialization { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Name).All(Columns).One(Query);

    public bool Equals(CommonTableExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum SortDirection
{
    Default,
    Asc,
    Desc,
}

internal enum NullsOrder
{
    Default,
    First,
    Last,
}

/// <summary><c>expr [ASC | DESC | USING op] [NULLS FIRST | LAST]</c>.</summary>
internal sealed record SortItem(Expr Value) : SqlNode
{
    public SortDirection Direction { get; init; }

    /// <summary>The operator of <c>USING op</c> (then <see cref="Direction"/> is Default).</summary>
    public string? UsingOperator { get; init; }

    /// <summary>Schema of <c>USING OPERATOR(schema.op)</c>.</summary>
    public string? UsingOperatorSchema { get; init; }

    public NullsOrder Nulls { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Value);

    public bool Equals(SortItem? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>FETCH FIRST [count] ROWS ONLY | WITH TIES</c>; a null count means 1.</summary>
internal sealed record FetchClause(Expr? Count, bool WithTies = false) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Count);

    public bool Equals(FetchClause? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum LockStrength
{
    Update,
    NoKeyUpdate,
    Share,
    KeyShare,
}

internal enum LockWaitPolicy
{
    Block,
    NoWait,
    SkipLocked,
}

/// <summary><c>FOR UPDATE [OF t, ...] [NOWAIT | SKIP LOCKED]</c> and the other strengths.</summary>
internal sealed record LockingClause(LockStrength Strength) : SqlNode
{
    public ImmutableArray<QualifiedName> Of { get; init; } = [];

    public LockWaitPolicy Wait { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().All(Of);

    public bool Equals(LockingClause? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A named window: <c>WINDOW name AS (spec)</c>.</summary>
internal sealed record WindowDef(Identifier Name, WindowSpec Spec) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Name).One(Spec);

    public bool Equals(WindowDef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// A window: <c>([existing] [PARTITION BY ...] [ORDER BY ...] [frame])</c>, or, when <see cref="IsNameOnly"/>,
/// the bare reference of <c>OVER w</c> (which differs from <c>OVER (w)</c>: the latter copies w and may add to it).
/// </summary>
internal sealed record WindowSpec : SqlNode
{
    public Identifier? ExistingName { get; init; }

    public ImmutableArray<Expr> PartitionBy { get; init; } = [];

    public ImmutableArray<SortItem> OrderBy { get; init; } = [];

    public FrameClause? Frame { get; init; }

    /// <summary><c>OVER name</c> without parentheses.</summary>
    public bool IsNameOnly { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(ExistingName).All(PartitionBy).All(OrderBy).One(Frame);

    /// <summary>The <c>OVER name</c> reference form.</summary>
    public static WindowSpec Reference(Identifier name) => new() { ExistingName = name, IsNameOnly = true };

    public bool Equals(WindowSpec? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum FrameMode
{
    Range,
    Rows,
    Groups,
}

internal enum FrameExclusion
{
    /// <summary>No EXCLUDE clause.</summary>
    None,
    CurrentRow,
    Group,
    Ties,
    NoOthers,
}

/// <summary><c>ROWS|RANGE|GROUPS [BETWEEN] start [AND end] [EXCLUDE ...]</c>; <see cref="End"/> null means no BETWEEN.</summary>
internal sealed record FrameClause(FrameMode Mode, FrameBound Start, FrameBound? End = null) : SqlNode
{
    public FrameExclusion Exclusion { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Start).One(End);

    public bool Equals(FrameClause? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum FrameBoundKind
{
    UnboundedPreceding,
    Preceding,
    CurrentRow,
    Following,
    UnboundedFollowing,
}

/// <summary>A frame bound; <see cref="Offset"/> is set for <c>n PRECEDING</c> / <c>n FOLLOWING</c>.</summary>
internal sealed record FrameBound(FrameBoundKind Kind, Expr? Offset = null) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Offset);

    public bool Equals(FrameBound? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}
