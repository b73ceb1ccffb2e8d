using System.Collections.Immutable;
using System.Globalization;

namespace TViews.Sql;

/// <summary>
/// A column reference <c>a</c>, <c>t.a</c>, <c>s.t.a</c> (the binder decides what each part means: a leading
/// part may also be a composite column). <c>t.*</c> is a <see cref="StarExpr"/>.
/// </summary>
internal sealed record ColumnRef(ImmutableArray<Identifier> Parts) : Expr
{
    /// <summary>The last part (the column name).</summary>
    public string Name => Parts.OrEmpty().IsEmpty ? "" : Parts[^1].Value;

    /// <summary>All parts but the last (the relation qualifier), possibly empty.</summary>
    public ImmutableArray<Identifier> Qualifier => Parts.OrEmpty().IsEmpty ? [] : Parts[..^1];

    public override IEnumerable<SqlNode> Children => Kids().All(Parts);

    public static ColumnRef Of(params string[] parts) => new([.. parts.Select(p => new Identifier(p))]);

    public bool Equals(ColumnRef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>*</c> or <c>t.*</c> in a select list (or as a function argument such as <c>row_to_json(t.*)</c>).
/// <c>count(*)</c> is <see cref="FuncCall.Star"/> instead.</summary>
internal sealed record StarExpr(QualifiedName? Qualifier = null) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Qualifier);

    public bool Equals(StarExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum LiteralKind
{
    /// <summary>Digits only (PostgreSQL types it int4, int8 or numeric by size).</summary>
    Integer,

    /// <summary>With a decimal point or exponent (numeric).</summary>
    Numeric,

    /// <summary>A character string (type unknown until resolved).</summary>
    String,

    /// <summary><c>B'0101'</c> (Value "b0101") or <c>X'1F'</c> (Value "x1F").</summary>
    BitString,

    Boolean,

    Null,
}

/// <summary>How a string literal was written (kept for tooling; the formatter always prints the standard form).</summary>
internal enum StringLiteralForm
{
    Standard,

    /// <summary><c>E'...'</c> with backslash escapes.</summary>
    Escape,

    /// <summary><c>U&amp;'...'</c>.</summary>
    Unicode,

    /// <summary><c>$$...$$</c> / <c>$tag$...$tag$</c>.</summary>
    Dollar,
}

/// <summary>
/// A constant. <see cref="Value"/>: Integer/Numeric the digits as written (unsigned: <c>-1</c> is a
/// <see cref="UnaryExpr"/> over 1); String the decoded value; BitString "b0101"/"x1F"; Boolean "true"/"false";
/// Null "null".
/// </summary>
internal sealed record Literal(LiteralKind Kind, string Value) : Expr
{
    [SyntaxDetail]
    public StringLiteralForm Form { get; init; }

    public override IEnumerable<SqlNode> Children => [];

    public static Literal Null => new(LiteralKind.Null, "null");

    public static Literal True => new(LiteralKind.Boolean, "true");

    public static Literal False => new(LiteralKind.Boolean, "false");

    public static Literal String(string value) => new(LiteralKind.String, value);

    /// <summary>An integer; negative values print as <c>-n</c> (parenthesised where needed).</summary>
    public static Literal Integer(long value) => new(LiteralKind.Integer, value.ToString(CultureInfo.InvariantCulture));

    public static Literal Numeric(string text) => new(LiteralKind.Numeric, text);

    public static Literal Boolean(bool value) => value ? True : False;

    public bool Equals(Literal? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A typed constant: <c>DATE '2024-01-01'</c>, <c>interval '1' day</c>, <c>timestamp with time zone '...'</c>,
/// <c>N'abc'</c> (bpchar). Same meaning as <c>'value'::type</c>.</summary>
internal sealed record TypedLiteral(TypeName Type, string Value) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Type);

    public bool Equals(TypedLiteral? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A positional parameter <c>$n</c>.</summary>
internal sealed record ParamRef(int Number) : Expr
{
    public override IEnumerable<SqlNode> Children => [];

    public bool Equals(ParamRef? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// An infix operator: arithmetic, comparison (<c>!=</c> is recorded as <c>&lt;&gt;</c>), <c>||</c>, JSON, regex, any
/// user operator; <c>a OPERATOR(schema.op) b</c> sets <see cref="OperatorSchema"/>.
/// </summary>
internal sealed record BinaryExpr(string Operator, Expr Left, Expr Right) : Expr
{
    public string? OperatorSchema { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Left).One(Right);

    public bool Equals(BinaryExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A prefix operator: <c>-x</c>, <c>+x</c>, <c>~x</c>, <c>@x</c>, <c>|/x</c>, <c>OPERATOR(schema.op) x</c>.</summary>
internal sealed record UnaryExpr(string Operator, Expr Operand) : Expr
{
    public string? OperatorSchema { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Operand);

    public bool Equals(UnaryExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum BoolOperator
{
    And,
    Or,
}

/// <summary><c>a AND b AND c</c> / <c>a OR b</c> (a chain is one node with all operands).</summary>
internal sealed record BoolExpr(BoolOperator Operator, ImmutableArray<Expr> Operands) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().All(Operands);

    /// <summary>AND of the given conditions (a single condition is returned as is).</summary>
    public static Expr And(params Expr[] operands) => operands.Length == 1 ? operands[0] : new BoolExpr(BoolOperator.And, [.. operands]);

    /// <summary>OR of the given conditions (a single condition is returned as is).</summary>
    public static Expr Or(params Expr[] operands) => operands.Length == 1 ? operands[0] : new BoolExpr(BoolOperator.Or, [.. operands]);

    public bool Equals(BoolExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>NOT operand</c>.</summary>
internal sealed record NotExpr(Expr Operand) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand);

    public bool Equals(NotExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum IsTest
{
    Null,
    True,
    False,
    Unknown,
}

/// <summary><c>x IS [NOT] NULL | TRUE | FALSE | UNKNOWN</c>; also <c>x ISNULL</c> / <c>x NOTNULL</c>.</summary>
internal sealed record IsExpr(Expr Operand, IsTest Test, bool Negated = false) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand);

    public bool Equals(IsExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>a IS [NOT] DISTINCT FROM b</c>.</summary>
internal sealed record IsDistinctFromExpr(Expr Left, Expr Right, bool Negated = false) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Left).One(Right);

    public bool Equals(IsDistinctFromExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>x [NOT] IN (a, b, ...)</c>.</summary>
internal sealed record InListExpr(Expr Operand, ImmutableArray<Expr> Items, bool Negated = false) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand).All(Items);

    public bool Equals(InListExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>x [NOT] IN (subquery)</c>; <see cref="Operand"/> may be a <see cref="RowExpr"/>.</summary>
internal sealed record InSubqueryExpr(Expr Operand, SelectStmt Query, bool Negated = false) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand).One(Query);

    public bool Equals(InSubqueryExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>ANY (SOME is parsed as ANY) or ALL.</summary>
internal enum Quantifier
{
    Any,
    All,
}

/// <summary>
/// <c>x op ANY|ALL (subquery)</c> when <see cref="Query"/> is set, else <c>x op ANY|ALL (array)</c> with <see cref="Array"/>.
/// </summary>
internal sealed record QuantifiedExpr(Expr Left, string Operator, Quantifier Quantifier) : Expr
{
    public string? OperatorSchema { get; init; }

    public SelectStmt? Query { get; init; }

    public Expr? Array { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Left).One(Query).One(Array);

    public bool Equals(QuantifiedExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>x [NOT] BETWEEN [SYMMETRIC] low AND high</c>.</summary>
internal sealed record BetweenExpr(Expr Operand, Expr Low, Expr High) : Expr
{
    public bool Negated { get; init; }

    public bool Symmetric { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Operand).One(Low).One(High);

    public bool Equals(BetweenExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum LikeKind
{
    Like,
    ILike,
    SimilarTo,
}

/// <summary><c>x [NOT] LIKE | ILIKE | SIMILAR TO pattern [ESCAPE e]</c> (the <c>~~</c> operators are <see cref="BinaryExpr"/>).</summary>
internal sealed record LikeExpr(Expr Operand, LikeKind Kind, Expr Pattern) : Expr
{
    public bool Negated { get; init; }

    public Expr? Escape { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Operand).One(Pattern).One(Escape);

    public bool Equals(LikeExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>CASE [operand] WHEN ... THEN ... [ELSE ...] END</c>.</summary>
internal sealed record CaseExpr(Expr? Operand, ImmutableArray<CaseWhen> Whens, Expr? Else = null) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand).All(Whens).One(Else);

    public bool Equals(CaseExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>WHEN condition THEN result</c> (with a CASE operand, condition is the value compared to it).</summary>
internal sealed record CaseWhen(Expr Condition, Expr Result) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Condition).One(Result);

    public bool Equals(CaseWhen? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum CastSyntax
{
    /// <summary><c>x::type</c>.</summary>
    DoubleColon,

    /// <summary><c>CAST(x AS type)</c>.</summary>
    Cast,
}

/// <summary><c>x::type</c> or <c>CAST(x AS type)</c>.</summary>
internal sealed record CastExpr(Expr Operand, TypeName Type) : Expr
{
    [SyntaxDetail]
    public CastSyntax Syntax { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Operand).One(Type);

    public bool Equals(CastExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>A function argument: <c>value</c>, <c>name =&gt; value</c> (or <c>name := value</c>), <c>VARIADIC value</c>.</summary>
internal sealed record FuncArg(Expr Value, Identifier? Name = null, bool Variadic = false) : SqlNode
{
    public override IEnumerable<SqlNode> Children => Kids().One(Name).One(Value);

    public bool Equals(FuncArg? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// A function or aggregate call: <c>name([DISTINCT] args [ORDER BY ...]) [WITHIN GROUP (ORDER BY ...)]
/// [FILTER (WHERE ...)] [OVER ...]</c>. <c>count(*)</c> has <see cref="Star"/> and no args. COALESCE, NULLIF,
/// GREATEST, LEAST and GROUPING are calls named accordingly; plain-argument calls of <c>substring</c>,
/// <c>overlay</c>, <c>position</c>, <c>trim</c> etc. too.
/// </summary>
internal sealed record FuncCall(QualifiedName Name, ImmutableArray<FuncArg> Args) : Expr
{
    /// <summary><c>f(*)</c>.</summary>
    public bool Star { get; init; }

    /// <summary><c>f(DISTINCT ...)</c>.</summary>
    public bool Distinct { get; init; }

    /// <summary>ORDER BY inside the argument list: <c>string_agg(x, ',' ORDER BY y)</c>.</summary>
    public ImmutableArray<SortItem> OrderBy { get; init; } = [];

    /// <summary><c>WITHIN GROUP (ORDER BY ...)</c> of ordered-set aggregates.</summary>
    public ImmutableArray<SortItem> WithinGroup { get; init; } = [];

    /// <summary><c>FILTER (WHERE ...)</c>.</summary>
    public Expr? Filter { get; init; }

    /// <summary><c>OVER (...)</c> / <c>OVER name</c>.</summary>
    public WindowSpec? Over { get; init; }

    public override IEnumerable<SqlNode> Children =>
        Kids().One(Name).All(Args).All(OrderBy).All(WithinGroup).One(Filter).One(Over);

    /// <summary>A plain call with positional arguments, e.g. <c>FuncCall.Of("lower", col)</c>.</summary>
    public static FuncCall Of(string name, params Expr[] args) =>
        new(QualifiedName.Of(name.Split('.')), [.. args.Select(a => new FuncArg(a))]);

    public bool Equals(FuncCall? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum SubqueryKind
{
    /// <summary><c>(SELECT ...)</c> as a value.</summary>
    Scalar,

    /// <summary><c>EXISTS (SELECT ...)</c>.</summary>
    Exists,

    /// <summary><c>ARRAY(SELECT ...)</c>.</summary>
    Array,
}

/// <summary>A subquery used as an expression.</summary>
internal sealed record SubqueryExpr(SubqueryKind Kind, SelectStmt Query) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Query);

    public bool Equals(SubqueryExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>ARRAY[a, b]</c>; nested brackets <c>ARRAY[[1, 2], [3, 4]]</c> are nested ArrayExprs (same meaning as nested ARRAY[...]).</summary>
internal sealed record ArrayExpr(ImmutableArray<Expr> Elements) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().All(Elements);

    public bool Equals(ArrayExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>ROW(a, b)</c> or <c>(a, b)</c>.</summary>
internal sealed record RowExpr(ImmutableArray<Expr> Fields) : Expr
{
    /// <summary>
    /// Written with the ROW keyword (required for zero or one field). Not just syntax: in GROUP BY, <c>(a, b)</c>
    /// groups by a and b while <c>ROW(a, b)</c> groups by the composite value.
    /// </summary>
    public bool ExplicitRowKeyword { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().All(Fields);

    public bool Equals(RowExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>x[i]</c>, or a slice <c>x[lo:hi]</c> (either bound may be omitted) when <see cref="IsSlice"/>.</summary>
internal sealed record SubscriptExpr(Expr Target, Expr? Lower, Expr? Upper = null, bool IsSlice = false) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Target).One(Lower).One(Upper);

    public bool Equals(SubscriptExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>(x).field</c>, or <c>(x).*</c> when <see cref="Field"/> is null.</summary>
internal sealed record FieldSelectExpr(Expr Target, Identifier? Field) : Expr
{
    public bool IsStar => Field is null;

    public override IEnumerable<SqlNode> Children => Kids().One(Target).One(Field);

    public bool Equals(FieldSelectExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>x COLLATE "C"</c>.</summary>
internal sealed record CollateExpr(Expr Operand, QualifiedName Collation) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand).One(Collation);

    public bool Equals(CollateExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>x AT TIME ZONE zone</c>.</summary>
internal sealed record AtTimeZoneExpr(Expr Operand, Expr Zone) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Operand).One(Zone);

    public bool Equals(AtTimeZoneExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>EXTRACT(field FROM source)</c>; <see cref="Field"/> is lower case (<c>year</c>, <c>epoch</c>, ...).</summary>
internal sealed record ExtractExpr(string Field, Expr Source) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Source);

    public bool Equals(ExtractExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary>
/// <c>SUBSTRING(source [FROM start] [FOR length])</c>, or the regex form <c>SUBSTRING(source SIMILAR pattern ESCAPE escape)</c>
/// when <see cref="Similar"/> is set (then <see cref="From"/> holds the pattern and <see cref="For"/> the escape).
/// Plain <c>substring(a, b, c)</c> is a <see cref="FuncCall"/>.
/// </summary>
internal sealed record SubstringExpr(Expr Source, Expr? From, Expr? For = null) : Expr
{
    /// <summary>Written with SIMILAR/ESCAPE. PostgreSQL turns both spellings into the same <c>substring(a, b, c)</c> call.</summary>
    [SyntaxDetail]
    public bool Similar { get; init; }

    public override IEnumerable<SqlNode> Children => Kids().One(Source).One(From).One(For);

    public bool Equals(SubstringExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>POSITION(needle IN haystack)</c>.</summary>
internal sealed record PositionExpr(Expr Needle, Expr Haystack) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Needle).One(Haystack);

    public bool Equals(PositionExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum TrimSide
{
    Both,
    Leading,
    Trailing,
}

/// <summary><c>TRIM([BOTH | LEADING | TRAILING] [characters] FROM source)</c>; also <c>trim(source [, characters])</c>.</summary>
internal sealed record TrimExpr(TrimSide Side, Expr? Characters, Expr Source) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Characters).One(Source);

    public bool Equals(TrimExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

/// <summary><c>OVERLAY(source PLACING replacement FROM start [FOR length])</c>.</summary>
internal sealed record OverlayExpr(Expr Source, Expr Replacement, Expr From, Expr? For = null) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().One(Source).One(Replacement).One(From).One(For);

    public bool Equals(OverlayExpr? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum SqlValueKind
{
    CurrentDate,
    CurrentTime,
    CurrentTimestamp,
    LocalTime,
    LocalTimestamp,
    CurrentRole,
    CurrentUser,
    SessionUser,
    User,
    CurrentCatalog,
    CurrentSchema,
}

/// <summary>Keyword functions without parentheses: <c>CURRENT_DATE</c>, <c>CURRENT_TIMESTAMP[(p)]</c>, <c>LOCALTIME[(p)]</c>,
/// <c>CURRENT_USER</c>, <c>SESSION_USER</c>, <c>USER</c>, <c>CURRENT_ROLE</c>, <c>CURRENT_CATALOG</c>, <c>CURRENT_SCHEMA</c>.</summary>
internal sealed record SqlValueFunction(SqlValueKind Kind, int? Precision = null) : Expr
{
    public override IEnumerable<SqlNode> Children => [];

    public bool Equals(SqlValueFunction? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}

internal enum GroupingSetKind
{
    /// <summary><c>()</c>.</summary>
    Empty,
    Rollup,
    Cube,

    /// <summary><c>GROUPING SETS (...)</c>.</summary>
    Sets,
}

/// <summary>
/// A GROUP BY grouping construct (only valid in <see cref="SelectCore.GroupBy"/> or inside another grouping set):
/// <c>ROLLUP (a, (b, c))</c>, <c>CUBE (...)</c>, <c>GROUPING SETS (...)</c>, <c>()</c>. Multi-column elements are <see cref="RowExpr"/>s.
/// </summary>
internal sealed record GroupingSet(GroupingSetKind Kind, ImmutableArray<Expr> Items = default) : Expr
{
    public override IEnumerable<SqlNode> Children => Kids().All(Items);

    public bool Equals(GroupingSet? other) => base.Equals(other);

    public override int GetHashCode() => base.GetHashCode();
}
