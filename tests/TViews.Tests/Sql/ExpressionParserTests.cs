using TViews.Sql;

namespace TViews.Tests.Sql;

/// <summary>Expression shapes: precedence, associativity and every expression construct.</summary>
public class ExpressionParserTests
{
    /// <summary>Fully parenthesised shape of an expression tree.</summary>
    internal static string S(Expr e) => e switch
    {
        BinaryExpr b => $"({S(b.Left)} {(b.OperatorSchema is null ? "" : b.OperatorSchema + ".")}{b.Operator} {S(b.Right)})",
        UnaryExpr u => $"({u.Operator} {S(u.Operand)})",
        BoolExpr b => "(" + string.Join($" {b.Operator.ToString().ToUpperInvariant()} ", b.Operands.Select(S)) + ")",
        NotExpr n => $"(NOT {S(n.Operand)})",
        IsExpr i => $"({S(i.Operand)} IS {(i.Negated ? "NOT " : "")}{i.Test.ToString().ToUpperInvariant()})",
        IsDistinctFromExpr d => $"({S(d.Left)} IS {(d.Negated ? "NOT " : "")}DISTINCT FROM {S(d.Right)})",
        CastExpr c => $"({S(c.Operand)}::{SqlFormatter.Format(c.Type)})",
        CollateExpr c => $"({S(c.Operand)} COLLATE {c.Collation.Name})",
        AtTimeZoneExpr a => $"({S(a.Operand)} AT TIME ZONE {S(a.Zone)})",
        LikeExpr l => $"({S(l.Operand)} {(l.Negated ? "NOT " : "")}{l.Kind} {S(l.Pattern)}{(l.Escape is null ? "" : " ESCAPE " + S(l.Escape))})",
        BetweenExpr b => $"({S(b.Operand)} {(b.Negated ? "NOT " : "")}BETWEEN {S(b.Low)} AND {S(b.High)})",
        InListExpr i => $"({S(i.Operand)} {(i.Negated ? "NOT " : "")}IN [{string.Join(", ", i.Items.Select(S))}])",
        SubscriptExpr s => $"({S(s.Target)}[{(s.Lower is null ? "" : S(s.Lower))}{(s.IsSlice ? ":" : "")}{(s.Upper is null ? "" : S(s.Upper))}])",
        FieldSelectExpr f => $"({S(f.Target)}.{f.Field?.Value ?? "*"})",
        ColumnRef c => string.Join(".", c.Parts.Select(p => p.Value)),
        Literal l => l.Kind == LiteralKind.String ? $"'{l.Value}'" : l.Value,
        _ => "{" + SqlFormatter.Format(e, SqlFormatOptions.Compact) + "}",
    };

    private static string Shape(string sql) => S(SqlParser.ParseExpression(sql));

    [Theory]
    [InlineData("a + b * c", "(a + (b * c))")]
    [InlineData("a - b - c", "((a - b) - c)")]
    [InlineData("a - (b - c)", "(a - (b - c))")]
    [InlineData("a ^ b ^ c", "((a ^ b) ^ c)")]
    [InlineData("-a ^ b", "((- a) ^ b)")]
    [InlineData("-1::text", "(- (1::text))")]
    [InlineData("(-1)::text", "((- 1)::text)")]
    [InlineData("- -1", "(- (- 1))")]
    [InlineData("2 - -1", "(2 - (- 1))")]
    [InlineData("a < -1", "(a < (- 1))")]
    [InlineData("a || b = c", "((a || b) = c)")]
    [InlineData("a + b || c", "((a + b) || c)")]
    [InlineData("a || b + c", "(a || (b + c))")]
    [InlineData("~ a + b", "(~ (a + b))")]
    [InlineData("a = b AND c = d OR e", "(((a = b) AND (c = d)) OR e)")]
    [InlineData("a OR b AND c", "(a OR (b AND c))")]
    [InlineData("a AND b AND c", "(a AND b AND c)")]
    [InlineData("a AND (b AND c)", "(a AND (b AND c))")]
    [InlineData("NOT a = b", "(NOT (a = b))")]
    [InlineData("NOT a AND b", "((NOT a) AND b)")]
    [InlineData("NOT NOT a", "(NOT (NOT a))")]
    [InlineData("a = b IS NULL", "((a = b) IS NULL)")]
    [InlineData("a IS NULL = b", "((a IS NULL) = b)")]
    [InlineData("a ISNULL", "(a IS NULL)")]
    [InlineData("a NOTNULL", "(a IS NOT NULL)")]
    [InlineData("a IS NOT DISTINCT FROM b + 1", "(a IS NOT DISTINCT FROM (b + 1))")]
    [InlineData("a IS NOT TRUE", "(a IS NOT TRUE)")]
    [InlineData("a IS UNKNOWN", "(a IS UNKNOWN)")]
    [InlineData("a LIKE b || c", "(a Like (b || c))")]
    [InlineData("a NOT ILIKE 'x%' ESCAPE '!'", "(a NOT ILike 'x%' ESCAPE '!')")]
    [InlineData("a SIMILAR TO 'x'", "(a SimilarTo 'x')")]
    [InlineData("a = b LIKE c", "(a = (b Like c))")]
    [InlineData("a BETWEEN 1 AND 2 AND b", "((a BETWEEN 1 AND 2) AND b)")]
    [InlineData("a BETWEEN b + 1 AND c * 2", "(a BETWEEN (b + 1) AND (c * 2))")]
    [InlineData("a NOT IN (1, 2)", "(a NOT IN [1, 2])")]
    [InlineData("a COLLATE \"C\" || b", "((a COLLATE C) || b)")]
    [InlineData("a || b COLLATE \"C\"", "(a || (b COLLATE C))")]
    [InlineData("-a COLLATE \"C\"", "((- a) COLLATE C)")]
    [InlineData("a AT TIME ZONE 'UTC' + b", "((a AT TIME ZONE 'UTC') + b)")]
    [InlineData("a::int[]", "(a::integer[])")]
    [InlineData("a::int::text", "((a::integer)::text)")]
    [InlineData("a[1][2:3]", "((a[1])[2:3])")]
    [InlineData("a[:2]", "(a[:2])")]
    [InlineData("(a).b.c", "((a.b).c)")]
    [InlineData("(f(x))[1]", "({f(x)}[1])")]
    [InlineData("a OPERATOR(pg_catalog.+) b * c", "(a pg_catalog.+ (b * c))")]
    [InlineData("a * b OPERATOR(pg_catalog.+) c", "((a * b) pg_catalog.+ c)")]
    [InlineData("a -> 'b' ->> 'c'", "((a -> 'b') ->> 'c')")]
    [InlineData("a @> b AND c <@ d", "((a @> b) AND (c <@ d))")]
    [InlineData("a !~* 'x'", "(a !~* 'x')")]
    [InlineData("a != b", "(a <> b)")]
    [InlineData("|/ 25", "(|/ 25)")]
    public void Precedence_and_associativity_match_postgres(string sql, string shape) => Assert.Equal(shape, Shape(sql));

    [Theory]
    [InlineData("a = b = c")]
    [InlineData("a < b < c")]
    [InlineData("a LIKE b LIKE c")]
    [InlineData("a IS NULL IS NULL")]
    public void Non_associative_operators_cannot_be_chained(string sql) =>
        Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseExpression(sql));

    [Fact]
    public void Literals()
    {
        Assert.Equal(new Literal(LiteralKind.Integer, "42"), SqlParser.ParseExpression("42"));
        Assert.Equal(new Literal(LiteralKind.Numeric, "4.2e1"), SqlParser.ParseExpression("4.2e1"));
        Assert.Equal(Literal.String("it's"), SqlParser.ParseExpression("'it''s'"));
        var escape = Assert.IsType<Literal>(SqlParser.ParseExpression(@"E'a\tb'"));
        Assert.Equal("a\tb", escape.Value);
        Assert.Equal(StringLiteralForm.Escape, escape.Form);
        Assert.Equal(Literal.True, SqlParser.ParseExpression("TRUE"));
        Assert.Equal(Literal.False, SqlParser.ParseExpression("false"));
        Assert.Equal(Literal.Null, SqlParser.ParseExpression("NULL"));
        Assert.Equal(new Literal(LiteralKind.BitString, "b101"), SqlParser.ParseExpression("B'101'"));
        Assert.Equal(new ParamRef(3), SqlParser.ParseExpression("$3"));
    }

    [Theory]
    [InlineData("DATE '2024-01-01'", "date", "2024-01-01")]
    [InlineData("timestamp with time zone '2024-01-01 10:00'", "pg_catalog.timestamptz", "2024-01-01 10:00")]
    [InlineData("timestamp '2024-01-01'", "pg_catalog.timestamp", "2024-01-01")]
    [InlineData("time without time zone '10:00'", "pg_catalog.time", "10:00")]
    [InlineData("jsonb '{}'", "jsonb", "{}")]
    [InlineData("pg_catalog.date '2024-01-01'", "pg_catalog.date", "2024-01-01")]
    [InlineData("numeric '1.5'", "pg_catalog.numeric", "1.5")]
    [InlineData("double precision '1.5'", "pg_catalog.float8", "1.5")]
    [InlineData("int '5'", "pg_catalog.int4", "5")]
    [InlineData("char 'abc'", "pg_catalog.bpchar", "abc")]
    [InlineData("N'abc'", "pg_catalog.bpchar", "abc")]
    public void Typed_literals(string sql, string type, string value)
    {
        var literal = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression(sql));
        Assert.Equal(type, string.Join(".", literal.Type.Name.Parts.Select(p => p.Value)));
        Assert.Equal(value, literal.Value);
    }

    [Fact]
    public void Char_without_length_is_char_1_in_a_cast_but_unlimited_before_a_literal()
    {
        var cast = Assert.IsType<CastExpr>(SqlParser.ParseExpression("x::char"));
        Assert.Equal(Literal.Integer(1), Assert.Single(cast.Type.Modifiers));
        var literal = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression("char 'abc'"));
        Assert.Empty(literal.Type.Modifiers);
    }

    [Fact]
    public void Interval_literals_and_qualifiers()
    {
        var day = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression("interval '1' day"));
        Assert.Equal(IntervalFields.Day, day.Type.IntervalFields);
        var ym = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression("INTERVAL '1-2' YEAR TO MONTH"));
        Assert.Equal(IntervalFields.YearToMonth, ym.Type.IntervalFields);
        var sec = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression("interval '1.5' day to second(3)"));
        Assert.Equal(IntervalFields.DayToSecond, sec.Type.IntervalFields);
        Assert.Equal(Literal.Integer(3), Assert.Single(sec.Type.Modifiers));
        var precise = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression("interval(2) '1 sec'"));
        Assert.Null(precise.Type.IntervalFields);
        Assert.Equal(Literal.Integer(2), Assert.Single(precise.Type.Modifiers));
        var plain = Assert.IsType<TypedLiteral>(SqlParser.ParseExpression("interval '1 day'"));
        Assert.Null(plain.Type.IntervalFields);
        // Without a string, "interval" is an ordinary column name (a col_name keyword).
        Assert.Equal(ColumnRef.Of("interval"), SqlParser.ParseExpression("interval"));
    }

    [Theory]
    [InlineData("numeric(10,2)", "pg_catalog.numeric", 2, 0)]
    [InlineData("decimal", "pg_catalog.numeric", 0, 0)]
    [InlineData("int[]", "pg_catalog.int4", 0, 1)]
    [InlineData("int ARRAY", "pg_catalog.int4", 0, 1)]
    [InlineData("integer[3][4]", "pg_catalog.int4", 0, 2)]
    [InlineData("varchar(20)[]", "pg_catalog.varchar", 1, 1)]
    [InlineData("character varying(20)", "pg_catalog.varchar", 1, 0)]
    [InlineData("national character varying", "pg_catalog.varchar", 0, 0)]
    [InlineData("double precision", "pg_catalog.float8", 0, 0)]
    [InlineData("float(24)", "pg_catalog.float4", 0, 0)]
    [InlineData("float(25)", "pg_catalog.float8", 0, 0)]
    [InlineData("real", "pg_catalog.float4", 0, 0)]
    [InlineData("smallint", "pg_catalog.int2", 0, 0)]
    [InlineData("bigint", "pg_catalog.int8", 0, 0)]
    [InlineData("boolean", "pg_catalog.bool", 0, 0)]
    [InlineData("bit varying(5)", "pg_catalog.varbit", 1, 0)]
    [InlineData("timestamptz", "timestamptz", 0, 0)]
    [InlineData("timestamp(3) with time zone", "pg_catalog.timestamptz", 1, 0)]
    [InlineData("time with time zone", "pg_catalog.timetz", 0, 0)]
    [InlineData("interval year to month", "pg_catalog.interval", 0, 0)]
    [InlineData("public.my_type", "public.my_type", 0, 0)]
    [InlineData("\"char\"", "char", 0, 0)]
    public void Type_names(string sql, string name, int modifiers, int dimensions)
    {
        var type = SqlParser.ParseTypeName(sql);
        Assert.Equal(name, string.Join(".", type.Name.Parts.Select(p => p.Value)));
        Assert.Equal(modifiers, type.Modifiers.Length);
        Assert.Equal(dimensions, type.ArrayBounds.Length);
    }

    [Fact]
    public void Casts_both_syntaxes()
    {
        var cast = Assert.IsType<CastExpr>(SqlParser.ParseExpression("CAST(a + 1 AS bigint)"));
        Assert.Equal(CastSyntax.Cast, cast.Syntax);
        Assert.IsType<BinaryExpr>(cast.Operand);
        Assert.Equal(TypeName.System("int8"), cast.Type);
        // Equality ignores the cast syntax, and int8 written as a plain name is a different (unqualified) type name.
        var colon = Assert.IsType<CastExpr>(SqlParser.ParseExpression("(a + 1)::bigint"));
        Assert.Equal(CastSyntax.DoubleColon, colon.Syntax);
        Assert.Equal(cast, colon);
    }

    [Fact]
    public void Function_calls_with_all_decorations()
    {
        var call = Assert.IsType<FuncCall>(SqlParser.ParseExpression(
            "string_agg(DISTINCT name, ', ' ORDER BY name DESC) FILTER (WHERE active) OVER (PARTITION BY team ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"));
        Assert.Equal("string_agg", call.Name.Name);
        Assert.True(call.Distinct);
        Assert.Equal(2, call.Args.Length);
        Assert.Equal(SortDirection.Desc, Assert.Single(call.OrderBy).Direction);
        Assert.Equal(ColumnRef.Of("active"), call.Filter);
        var over = Assert.IsType<WindowSpec>(call.Over);
        Assert.Equal(ColumnRef.Of("team"), Assert.Single(over.PartitionBy));
        var frame = Assert.IsType<FrameClause>(over.Frame);
        Assert.Equal(FrameMode.Rows, frame.Mode);
        Assert.Equal(FrameBoundKind.Preceding, frame.Start.Kind);
        Assert.Equal(FrameBoundKind.CurrentRow, frame.End!.Kind);
    }

    [Fact]
    public void Count_star_named_and_variadic_arguments()
    {
        var count = Assert.IsType<FuncCall>(SqlParser.ParseExpression("count(*)"));
        Assert.True(count.Star);
        Assert.Empty(count.Args);
        var named = Assert.IsType<FuncCall>(SqlParser.ParseExpression("make_interval(days => 1, hours := 2)"));
        Assert.Equal(["days", "hours"], named.Args.Select(a => a.Name!.Value));
        var variadic = Assert.IsType<FuncCall>(SqlParser.ParseExpression("concat_ws(',', VARIADIC arr)"));
        Assert.True(variadic.Args[1].Variadic);
        Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseExpression("f(VARIADIC a, b)"));
    }

    [Fact]
    public void Within_group_over_name_and_qualified_names()
    {
        var pct = Assert.IsType<FuncCall>(SqlParser.ParseExpression("percentile_cont(0.5) WITHIN GROUP (ORDER BY x)"));
        Assert.Single(pct.WithinGroup);
        var rank = Assert.IsType<FuncCall>(SqlParser.ParseExpression("rank() OVER w"));
        Assert.True(rank.Over!.IsNameOnly);
        Assert.Equal("w", rank.Over.ExistingName!.Value);
        var copy = Assert.IsType<FuncCall>(SqlParser.ParseExpression("rank() OVER (w ORDER BY x)"));
        Assert.False(copy.Over!.IsNameOnly);
        var lower = Assert.IsType<FuncCall>(SqlParser.ParseExpression("pg_catalog.lower(x)"));
        Assert.Equal("pg_catalog", lower.Name.Schema);
        var left = Assert.IsType<FuncCall>(SqlParser.ParseExpression("left(x, 2)"));
        Assert.Equal("left", left.Name.Name);
    }

    [Fact]
    public void Special_function_forms()
    {
        var extract = Assert.IsType<ExtractExpr>(SqlParser.ParseExpression("EXTRACT(YEAR FROM ts)"));
        Assert.Equal("year", extract.Field);
        Assert.Equal("epoch", Assert.IsType<ExtractExpr>(SqlParser.ParseExpression("extract(epoch from ts)")).Field);
        var sub = Assert.IsType<SubstringExpr>(SqlParser.ParseExpression("substring(s FROM 2 FOR 3)"));
        Assert.Equal(Literal.Integer(2), sub.From);
        Assert.Equal(Literal.Integer(3), sub.For);
        var forFirst = Assert.IsType<SubstringExpr>(SqlParser.ParseExpression("substring(s FOR 3 FROM 2)"));
        Assert.Equal(sub, forFirst);
        Assert.True(Assert.IsType<SubstringExpr>(SqlParser.ParseExpression("substring(s SIMILAR 'a' ESCAPE '#')")).Similar);
        Assert.Equal(3, Assert.IsType<FuncCall>(SqlParser.ParseExpression("substring(s, 2, 3)")).Args.Length);
        var pos = Assert.IsType<PositionExpr>(SqlParser.ParseExpression("position('b' IN s)"));
        Assert.Equal(ColumnRef.Of("s"), pos.Haystack);
        var trim = Assert.IsType<TrimExpr>(SqlParser.ParseExpression("trim(leading 'x' from s)"));
        Assert.Equal(TrimSide.Leading, trim.Side);
        Assert.Equal(Literal.String("x"), trim.Characters);
        var trimPlain = Assert.IsType<TrimExpr>(SqlParser.ParseExpression("trim(s)"));
        Assert.Null(trimPlain.Characters);
        Assert.Equal(TrimSide.Both, trimPlain.Side);
        var trimList = Assert.IsType<TrimExpr>(SqlParser.ParseExpression("trim(s, 'x')"));
        Assert.Equal(Literal.String("x"), trimList.Characters);
        var overlay = Assert.IsType<OverlayExpr>(SqlParser.ParseExpression("overlay(s placing 'x' from 2 for 1)"));
        Assert.Equal(Literal.Integer(1), overlay.For);
        foreach (var name in new[] { "coalesce", "greatest", "least", "nullif" })
        {
            var call = Assert.IsType<FuncCall>(SqlParser.ParseExpression($"{name}(a, b)"));
            Assert.Equal(name, call.Name.Name);
        }
    }

    [Theory]
    [InlineData("CURRENT_DATE", nameof(SqlValueKind.CurrentDate), null)]
    [InlineData("current_timestamp(3)", nameof(SqlValueKind.CurrentTimestamp), 3)]
    [InlineData("LOCALTIME", nameof(SqlValueKind.LocalTime), null)]
    [InlineData("localtimestamp", nameof(SqlValueKind.LocalTimestamp), null)]
    [InlineData("CURRENT_TIME(0)", nameof(SqlValueKind.CurrentTime), 0)]
    [InlineData("CURRENT_USER", nameof(SqlValueKind.CurrentUser), null)]
    [InlineData("session_user", nameof(SqlValueKind.SessionUser), null)]
    [InlineData("USER", nameof(SqlValueKind.User), null)]
    [InlineData("current_role", nameof(SqlValueKind.CurrentRole), null)]
    [InlineData("current_catalog", nameof(SqlValueKind.CurrentCatalog), null)]
    [InlineData("current_schema", nameof(SqlValueKind.CurrentSchema), null)]
    public void Sql_value_functions(string sql, string kind, int? precision) =>
        Assert.Equal(new SqlValueFunction(Enum.Parse<SqlValueKind>(kind), precision), SqlParser.ParseExpression(sql));

    [Fact]
    public void Current_schema_with_parentheses_is_a_function_call() =>
        Assert.IsType<FuncCall>(SqlParser.ParseExpression("current_schema()"));

    [Fact]
    public void Case_both_forms()
    {
        var searched = Assert.IsType<CaseExpr>(SqlParser.ParseExpression("CASE WHEN a > 0 THEN 'p' WHEN a < 0 THEN 'n' ELSE 'z' END"));
        Assert.Null(searched.Operand);
        Assert.Equal(2, searched.Whens.Length);
        Assert.Equal(Literal.String("z"), searched.Else);
        var simple = Assert.IsType<CaseExpr>(SqlParser.ParseExpression("CASE a WHEN 1 THEN 'one' END"));
        Assert.Equal(ColumnRef.Of("a"), simple.Operand);
        Assert.Null(simple.Else);
    }

    [Fact]
    public void Subquery_expressions()
    {
        Assert.Equal(SubqueryKind.Scalar, Assert.IsType<SubqueryExpr>(SqlParser.ParseExpression("(SELECT 1)")).Kind);
        Assert.Equal(SubqueryKind.Exists, Assert.IsType<SubqueryExpr>(SqlParser.ParseExpression("EXISTS (SELECT 1)")).Kind);
        Assert.Equal(SubqueryKind.Array, Assert.IsType<SubqueryExpr>(SqlParser.ParseExpression("ARRAY(SELECT 1)")).Kind);
        Assert.IsType<BinaryExpr>(SqlParser.ParseExpression("((SELECT 1) + 1)"));
        Assert.IsType<RowExpr>(SqlParser.ParseExpression("((SELECT 1), 2)"));
        Assert.IsType<SubqueryExpr>(SqlParser.ParseExpression("((SELECT 1))"));
        var inSub = Assert.IsType<InSubqueryExpr>(SqlParser.ParseExpression("(a, b) NOT IN (SELECT x, y FROM t)"));
        Assert.True(inSub.Negated);
        Assert.IsType<RowExpr>(inSub.Operand);
        Assert.IsType<InListExpr>(SqlParser.ParseExpression("a IN ((SELECT 1), 2)"));
    }

    [Fact]
    public void Quantified_comparisons()
    {
        var any = Assert.IsType<QuantifiedExpr>(SqlParser.ParseExpression("a = ANY (ARRAY[1, 2])"));
        Assert.Equal(Quantifier.Any, any.Quantifier);
        Assert.IsType<ArrayExpr>(any.Array);
        var some = Assert.IsType<QuantifiedExpr>(SqlParser.ParseExpression("a > SOME (SELECT x FROM t)"));
        Assert.Equal(Quantifier.Any, some.Quantifier);
        Assert.NotNull(some.Query);
        var all = Assert.IsType<QuantifiedExpr>(SqlParser.ParseExpression("a <> ALL (ids)"));
        Assert.Equal(Quantifier.All, all.Quantifier);
        var like = Assert.IsType<QuantifiedExpr>(SqlParser.ParseExpression("a NOT LIKE ANY (patterns)"));
        Assert.Equal("!~~", like.Operator);
        var qualified = Assert.IsType<QuantifiedExpr>(SqlParser.ParseExpression("a OPERATOR(pg_catalog.=) ANY (ids)"));
        Assert.Equal("pg_catalog", qualified.OperatorSchema);
    }

    [Fact]
    public void Arrays_rows_and_indirection()
    {
        var nested = Assert.IsType<ArrayExpr>(SqlParser.ParseExpression("ARRAY[[1, 2], [3, 4]]"));
        Assert.All(nested.Elements, e => Assert.IsType<ArrayExpr>(e));
        Assert.Empty(Assert.IsType<ArrayExpr>(SqlParser.ParseExpression("ARRAY[]")).Elements);
        var row = Assert.IsType<RowExpr>(SqlParser.ParseExpression("ROW(1, 'a')"));
        Assert.True(row.ExplicitRowKeyword);
        Assert.Single(Assert.IsType<RowExpr>(SqlParser.ParseExpression("ROW(1)")).Fields);
        Assert.False(Assert.IsType<RowExpr>(SqlParser.ParseExpression("(1, 2)")).ExplicitRowKeyword);
        var star = Assert.IsType<FieldSelectExpr>(SqlParser.ParseExpression("(t).*"));
        Assert.True(star.IsStar);
        var slice = Assert.IsType<SubscriptExpr>(SqlParser.ParseExpression("a[2:]"));
        Assert.True(slice.IsSlice);
        Assert.Null(slice.Upper);
        var param = Assert.IsType<SubscriptExpr>(SqlParser.ParseExpression("$1[1]"));
        Assert.Equal(new ParamRef(1), param.Target);
    }

    [Fact]
    public void Column_references_and_stars()
    {
        Assert.Equal(ColumnRef.Of("s", "t", "c"), SqlParser.ParseExpression("s.t.c"));
        Assert.Equal(ColumnRef.Of("t", "from"), SqlParser.ParseExpression("t.from"));
        Assert.Equal(ColumnRef.Of("Mixed Case"), SqlParser.ParseExpression("\"Mixed Case\""));
        var star = Assert.IsType<StarExpr>(SqlParser.ParseExpression("t.*"));
        Assert.Equal(QualifiedName.Of("t"), star.Qualifier);
        // Column-name keywords are valid column names; reserved and type/function keywords are not.
        Assert.Equal(ColumnRef.Of("time"), SqlParser.ParseExpression("time"));
        Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseExpression("left"));
        Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseExpression("select"));
    }

    [Fact]
    public void Grouping_function_and_collation_for()
    {
        Assert.Equal("grouping", Assert.IsType<FuncCall>(SqlParser.ParseExpression("GROUPING(a, b)")).Name.Name);
        Assert.Equal("pg_collation_for", Assert.IsType<FuncCall>(SqlParser.ParseExpression("COLLATION FOR (x)")).Name.Name);
    }
}
