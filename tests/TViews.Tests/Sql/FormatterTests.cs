using TViews.Sql;

namespace TViews.Tests.Sql;

public class FormatterTests
{
    private static string Compact(SqlNode node) => SqlFormatter.Format(node, SqlFormatOptions.Compact);

    private static string CompactSql(string sql) => Compact(SqlParser.ParseSelect(sql));

    /// <summary>Format, re-parse, compare trees, re-format: the stability guarantee.</summary>
    private static void AssertStable(string sql)
    {
        var original = SqlParser.ParseSelect(sql);
        foreach (var options in new[] { SqlFormatOptions.Default, SqlFormatOptions.Compact, new SqlFormatOptions { QuoteAllIdentifiers = true } })
        {
            string text = SqlFormatter.Format(original, options);
            var again = SqlParser.ParseSelect(text);
            Assert.True(original.Equals(again), $"tree changed after formatting:\n{text}");
            Assert.Equal(text, SqlFormatter.Format(again, options));
        }
    }

    [Fact]
    public void Default_layout_is_readable_multi_line()
    {
        string sql = "select a, count(*) as n from t join u on u.id = t.id left join v using (k) where t.x > 1 and u.y < 2 group by a having count(*) > 1 order by n desc limit 10";
        Assert.Equal(
            """
            SELECT a, count(*) AS n
            FROM t
                JOIN u ON u.id = t.id
                LEFT JOIN v USING (k)
            WHERE t.x > 1 AND u.y < 2
            GROUP BY a
            HAVING count(*) > 1
            ORDER BY n DESC
            LIMIT 10
            """.ReplaceLineEndings("\n"),
            SqlFormatter.Format(SqlParser.ParseSelect(sql)));
    }

    [Fact]
    public void Long_conditions_and_subqueries_break_into_indented_blocks()
    {
        string sql = "select a from t where t.alpha_value > 100 and t.beta_value < 200 and exists (select 1 from u where u.id = t.id and u.kind = 'interesting' and u.flag)";
        Assert.Equal(
            """
            SELECT a
            FROM t
            WHERE t.alpha_value > 100
                AND t.beta_value < 200
                AND EXISTS (
                    SELECT 1
                    FROM u
                    WHERE u.id = t.id AND u.kind = 'interesting' AND u.flag
                )
            """.ReplaceLineEndings("\n"),
            SqlFormatter.Format(SqlParser.ParseSelect(sql)));
    }

    [Fact]
    public void With_and_set_operations_layout()
    {
        Assert.Equal(
            """
            WITH x AS (
                SELECT 1 AS a
            )
            SELECT a
            FROM x
            UNION ALL
            SELECT 2
            """.ReplaceLineEndings("\n"),
            SqlFormatter.Format(SqlParser.ParseSelect("with x as (select 1 a) select a from x union all select 2")));
    }

    [Theory]
    [InlineData("select a - (b - c), (a - b) - c, a * (b + c), (a + b) * c", "SELECT a - (b - c), a - b - c, a * (b + c), (a + b) * c")]
    [InlineData("select - -1, 2 - -1, -1::text, (-1)::text, -(1::text)", "SELECT - -1, 2 - -1, -1::text, (-1)::text, -1::text")]
    [InlineData("select -(a + b), -a ^ 2, (-a) ^ 2, -(a ^ 2)", "SELECT -(a + b), -a ^ 2, -a ^ 2, -(a ^ 2)")]
    [InlineData("select a where not (a = b) and not a", "SELECT a WHERE NOT (a = b) AND NOT a")]
    [InlineData("select a where a or b and c", "SELECT a WHERE a OR (b AND c)")]
    [InlineData("select a where (a or b) and c", "SELECT a WHERE (a OR b) AND c")]
    [InlineData("select (a = b) is null, a is null = b, (a is null) is null", "SELECT (a = b) IS NULL, (a IS NULL) = b, (a IS NULL) IS NULL")]
    [InlineData("select x between (a and b) and c", "SELECT x BETWEEN (a AND b) AND c")]
    [InlineData("select (a || b) collate \"C\", a || b collate \"C\"", "SELECT (a || b) COLLATE \"C\", a || b COLLATE \"C\"")]
    [InlineData("select (a < b) = (c < d)", "SELECT (a < b) = (c < d)")]
    [InlineData("select ~(a + b), @ -1, - - a", "SELECT ~(a + b), @ -1, - -a")]
    [InlineData("select a ~~ b, a !~ 'x', a->'k'->>'j', a #> '{x}'", "SELECT a ~~ b, a !~ 'x', a -> 'k' ->> 'j', a #> '{x}'")]
    [InlineData("select a operator(pg_catalog.+) b * c, (a operator(pg_catalog.+) b) * c", "SELECT a OPERATOR(pg_catalog.+) b * c, (a OPERATOR(pg_catalog.+) b) * c")]
    [InlineData("select (f(x))[1], (a[1]).b, ((x).y).z, (a.b).c", "SELECT (f(x))[1], a[1].b, (x).y.z, (a.b).c")]
    [InlineData("select (a::int)[1], (x::text).f", "SELECT (a::integer)[1], (x::text).f")]
    [InlineData("select (a + b)::int, cast(a + b as int)", "SELECT (a + b)::integer, CAST(a + b AS integer)")]
    [InlineData("select 1 from t group by (cube(a, b)), (rollup(c)), cube(d)", "SELECT 1 FROM t GROUP BY (cube(a, b)), (rollup(c)), CUBE (d)")]
    [InlineData("select 1 from t group by grouping sets ((cube(a)), rollup(b))", "SELECT 1 FROM t GROUP BY GROUPING SETS ((cube(a)), ROLLUP (b))")]
    public void Parenthesises_by_precedence(string sql, string expected)
    {
        Assert.Equal(expected, CompactSql(sql));
        AssertStable(sql);
    }

    [Theory]
    [InlineData("select 'it''s', E'a\\nb', $$x'y$$, U&'\\0041'", "SELECT 'it''s', E'a\\nb', 'x''y', 'A'")]
    [InlineData("select 'back\\slash'", "SELECT 'back\\slash'")]
    [InlineData("select B'0101', x'ff', 1.5e3, .5, 5., 0", "SELECT B'0101', X'ff', 1.5e3, .5, 5., 0")]
    [InlineData("select true, false, null, $2", "SELECT TRUE, FALSE, NULL, $2")]
    public void Literals_are_re_escaped(string sql, string expected)
    {
        Assert.Equal(expected, CompactSql(sql));
        AssertStable(sql);
    }

    [Theory]
    [InlineData("select \"A\", \"select\", \"a b\", \"q\"\"q\", a_1, \"time\", \"name\", t.\"from\"", "SELECT \"A\", \"select\", \"a b\", \"q\"\"q\", a_1, \"time\", name, t.\"from\"")]
    [InlineData("select 1 as \"Total\", 2 as from, 3 as \"user\"", "SELECT 1 AS \"Total\", 2 AS \"from\", 3 AS \"user\"")]
    [InlineData("select \"Größe\" from \"My Table\"", "SELECT \"Größe\" FROM \"My Table\"")]
    public void Identifiers_are_quoted_only_when_needed(string sql, string expected)
    {
        Assert.Equal(expected, CompactSql(sql));
        AssertStable(sql);
    }

    [Fact]
    public void Quote_all_identifiers_quotes_names_but_not_functions_or_types()
    {
        var q = SqlParser.ParseSelect("select t.a, coalesce(b, 0)::int as c, count(*) over w from s.t join u using (id) window w as (order by a)");
        Assert.Equal(
            "SELECT \"t\".\"a\", coalesce(\"b\", 0)::integer AS \"c\", count(*) OVER \"w\" FROM \"s\".\"t\" JOIN \"u\" USING (\"id\") WINDOW \"w\" AS (ORDER BY \"a\")",
            SqlFormatter.Format(q, new SqlFormatOptions { QuoteAllIdentifiers = true, SingleLine = true }));
    }

    [Theory]
    [InlineData("select x::int, x::integer, x::int4, x::bigint, x::smallint, x::real, x::float, x::double precision, x::bool, x::numeric(10,2), x::decimal")]
    [InlineData("select x::varchar(3), x::character varying, x::char(2), x::char, x::bit, x::bit(3), x::varbit, x::\"char\", x::text[], x::int[3][]")]
    [InlineData("select x::timestamp, x::timestamptz, x::timestamp(3) with time zone, x::time, x::time with time zone, x::interval, x::interval(2)")]
    [InlineData("select x::interval day, x::interval year to month, x::interval minute to second(3), x::public.my_type, x::\"My Type\"")]
    [InlineData("select date '2020-01-01', int '1', char 'abc', bit '101', numeric(5,1) '1.25', timestamp '2020-01-01', timestamp with time zone '2020-01-01 00:00+00'")]
    [InlineData("select interval '1' day, interval '1-2' year to month, interval '10.5' second(1), interval(2) '1.234 seconds', interval '1 day', N'nat'")]
    public void Types_and_typed_literals_round_trip(string sql) => AssertStable(sql);

    [Fact]
    public void Types_print_in_sql_spelling()
    {
        Assert.Equal(
            "SELECT x::integer, x::bigint, x::double precision, x::character varying(3), x::character(1), x::timestamp(3) with time zone, x::interval day to second(2), x::integer[]",
            CompactSql("select x::int, x::bigint, x::float, x::varchar(3), x::char, x::timestamp(3) with time zone, x::interval day to second(2), x::int[]"));
        // Names that are not SQL keywords stay as written.
        Assert.Equal("SELECT x::int4, x::timestamptz, x::float8", CompactSql("select x::int4, x::timestamptz, x::float8"));
    }

    [Theory]
    [InlineData("select coalesce(a, b), nullif(a, b), greatest(a, b), least(a, b), grouping(a)")]
    [InlineData("select extract(epoch from ts), extract('dow' from ts), substring(s from 1 for 2), substring(s for 2), substring(s, 1), position('a' in s), overlay(s placing 'x' from 1)")]
    [InlineData("select trim(s), trim(both 'x' from s), trim(leading from s), trim(trailing 'y' from s), trim(s, 'z'), substring(s similar 'a' escape '#')")]
    [InlineData("select current_date, current_timestamp, current_timestamp(2), localtime(1), current_user, session_user, user, current_schema, current_catalog, current_role")]
    [InlineData("select count(*), count(distinct a), sum(a) filter (where b), string_agg(a, ',' order by b desc nulls last), percentile_disc(0.5) within group (order by a)")]
    [InlineData("select rank() over w, sum(a) over (w rows between 2 preceding and 1 following exclude ties), f(x => 1, VARIADIC y) from t window w as (partition by b order by c)")]
    [InlineData("select lower(a), pg_catalog.lower(a), \"Upper\"(a), left(a, 1), public.\"My Fn\"(1)")]
    public void Functions_round_trip(string sql) => AssertStable(sql);

    [Theory]
    [InlineData("select * from a, b c, only d, s.e as f (x, y)")]
    [InlineData("select * from (select 1) s, lateral (select 2) l, (values (1, 'a')) as v (n, s)")]
    [InlineData("select * from generate_series(1, 3) with ordinality as g (x, i), rows from (f(1), g() as (a int)) as r, json_to_record(j) as (a int, b text), json_to_record(j) as jr (a int)")]
    [InlineData("select * from a join b on true left join c using (x) right join d on d.x = a.x full join e on true cross join f natural join g natural full join h")]
    [InlineData("select * from a join (b join c on b.x = c.x) on a.x = b.x, (d join e using (k)) as de (k, m)")]
    [InlineData("select * from a join b join c on b.x = c.x on a.x = b.x")]
    [InlineData("select * from ((select 1 as x) as s join t on true)")]
    public void From_items_round_trip(string sql) => AssertStable(sql);

    [Theory]
    [InlineData("select 1 union select 2 intersect select 3")]
    [InlineData("(select 1 union select 2) intersect select 3")]
    [InlineData("select 1 except (select 2 except select 3)")]
    [InlineData("select 1 union all (select 2 order by 1 limit 1) order by 1")]
    [InlineData("(select 1 order by 1 limit 1) union (select 2 offset 0)")]
    [InlineData("values (1), (2) union values (3) order by 1 limit 2")]
    [InlineData("with recursive r (n) as (select 1 union all select n + 1 from r where n < 5) select * from r")]
    [InlineData("with a as materialized (select 1), b (x) as not materialized (select 2) select * from a, b")]
    [InlineData("select distinct on (a) a, b from t order by a, b using > fetch first 3 rows with ties")]
    [InlineData("select a from t order by a offset 2 rows fetch next row only")]
    [InlineData("select a from t limit 5 offset 2 for update of t skip locked for share")]
    [InlineData("select a, b from t group by grouping sets ((a, b), (a), ()), rollup (a, (a, b)), cube (b)")]
    [InlineData("select a from t group by (a, b), row(a, b)")]
    public void Queries_round_trip(string sql) => AssertStable(sql);

    [Theory]
    [InlineData("select a in (1, 2), a not in (select 1), a = any (array[1]), a > all (select 1), (a, b) in (select 1, 2)")]
    [InlineData("select a between 1 and 2, a not between symmetric 2 and 1, a like 'x%' escape '!', a not similar to 'y', a ilike any (array['x'])")]
    [InlineData("select a is distinct from b, a is not distinct from b, a is true, a is not false, a is unknown, a isnull, a notnull")]
    [InlineData("select case when a then 1 else 2 end, case a when 1 then 'x' when 2 then 'y' end, exists (select 1), array(select 1)")]
    [InlineData("select array[1, 2], array[[1, 2], [3, 4]], array[]::int[], row(1), row(), (1, 2), a[1:2], a[:1], a[1:], $1[1], ($1).f, (t.*).a")]
    [InlineData("select a at time zone 'UTC', a collate \"C\", a collate pg_catalog.\"default\", t.*, (t).*")]
    [InlineData("select x -> 'a' ->> 'b', x #> '{a}', x @> '{}', x <@ y, x ? 'k', x ?| array['a'], x ?& array['b'], x || y, x @@ y")]
    public void Expressions_round_trip(string sql) => AssertStable(sql);

    [Fact]
    public void Statements_format_with_their_query()
    {
        var statements = SqlParser.ParseScript("create or replace view v (a) as select 1; create table s.t as select 2 with no data; create table u as select 3 with data");
        Assert.Equal("CREATE OR REPLACE VIEW v (a) AS\nSELECT 1", SqlFormatter.Format(statements[0]));
        Assert.Equal("CREATE TABLE s.t AS SELECT 2 WITH NO DATA", Compact(statements[1]));
        Assert.Equal("CREATE TABLE u AS SELECT 3", Compact(statements[2]));
    }

    [Fact]
    public void Nested_query_with_its_own_clauses_is_kept_apart_from_the_outer_clauses()
    {
        var inner = SqlParser.ParseSelect("select a from t order by a limit 5");
        var outer = new SelectStmt(new NestedQuery(inner)) { OrderBy = [new SortItem(ColumnRef.Of("a")) { Direction = SortDirection.Desc }] };
        Assert.Equal("SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 5) AS unnamed_subquery ORDER BY a DESC", Compact(outer));
        Assert.Equal("SELECT a FROM t ORDER BY a LIMIT 5", Compact(new SelectStmt(new NestedQuery(inner))));
    }

    [Fact]
    public void Built_trees_get_conservative_parentheses()
    {
        var a = ColumnRef.Of("a");
        var b = ColumnRef.Of("b");
        var c = ColumnRef.Of("c");
        // An OR placed under an AND by a rewrite.
        Assert.Equal("(a OR b) AND c", Compact(BoolExpr.And(BoolExpr.Or(a, b), c)));
        // Right-nested subtraction and a negative literal under a cast.
        Assert.Equal("a - (b - c)", Compact(new BinaryExpr("-", a, new BinaryExpr("-", b, c))));
        Assert.Equal("(-5)::text", Compact(new CastExpr(Literal.Integer(-5), TypeName.Of("text"))));
        Assert.Equal("2 - -5", Compact(new BinaryExpr("-", Literal.Integer(2), Literal.Integer(-5))));
        Assert.Equal("- -5", Compact(new UnaryExpr("-", Literal.Integer(-5))));
        // BETWEEN bounds that are AND expressions, NOT over a comparison.
        Assert.Equal("a BETWEEN (b AND c) AND c", Compact(new BetweenExpr(a, BoolExpr.And(b, c), c)));
        Assert.Equal("NOT (a = b)", Compact(new NotExpr(new BinaryExpr("=", a, b))));
        // A field of a plain column must not turn into a qualified column name.
        Assert.Equal("(a).f", Compact(new FieldSelectExpr(a, new Identifier("f"))));
        // Empty and single-operand boolean chains.
        Assert.Equal("TRUE", Compact(new BoolExpr(BoolOperator.And, [])));
        Assert.Equal("a", Compact(new BoolExpr(BoolOperator.Or, [a])));
        // A one-field row needs ROW.
        Assert.Equal("ROW(a)", Compact(new RowExpr([a])));
        // Odd numeric text goes through a string.
        Assert.Equal("'NaN'::numeric", Compact(Literal.Numeric("NaN")));
    }

    [Fact]
    public void Built_trees_with_code_defaults_format()
    {
        // Nodes built without spans and with default arrays format like parsed ones.
        var query = new SelectStmt(new SelectCore([new ResultTarget(FuncCall.Of("count", ColumnRef.Of("x")), "n")])
        {
            From = [new TableRef(QualifiedName.Of("public", "Orders")) { Alias = new Alias("o") }],
            Where = new IsExpr(ColumnRef.Of("o", "deleted_at"), IsTest.Null),
        });
        Assert.Equal("SELECT count(x) AS n FROM public.\"Orders\" AS o WHERE o.deleted_at IS NULL", Compact(query));
        Assert.Equal("x = ANY (coalesce((SELECT 1)))", Compact(new QuantifiedExpr(ColumnRef.Of("x"), "=", Quantifier.Any)
        {
            Array = new SubqueryExpr(SubqueryKind.Scalar, SqlParser.ParseSelect("select 1")),
        }));
        Assert.Equal("SELECT * FROM (SELECT 1) AS unnamed_subquery", Compact(SqlParser.ParseSelect("select * from (select 1) s") is var q
            && q.Body is SelectCore core
            ? q with { Body = core with { From = [core.From[0] with { Alias = null }] } }
            : q));
        Assert.Throws<InvalidOperationException>(() => Compact(new SelectStmt(new SelectCore([])) { Limit = Literal.Integer(1), Fetch = new FetchClause(null) }));
    }

    [Fact]
    public void Format_is_idempotent_on_a_larger_query()
    {
        const string sql = """
            WITH recent AS (
              SELECT o.id, o.customer_id, o.total, row_number() OVER (PARTITION BY o.customer_id ORDER BY o.created_at DESC) AS rn
              FROM orders o WHERE o.created_at > now() - interval '30 days'
            )
            SELECT c.id, c."Name", jsonb_build_object('orders', coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'total', r.total) ORDER BY r.id) FILTER (WHERE r.id IS NOT NULL), '[]'::jsonb)) AS data
            FROM customers c LEFT JOIN recent r ON r.customer_id = c.id AND r.rn <= 5
            WHERE c.active AND (c.region = 'eu' OR c.region IS NULL) AND c.id NOT IN (SELECT customer_id FROM blocked)
            GROUP BY c.id, c."Name"
            ORDER BY c.id
            """;
        AssertStable(sql);
        string once = SqlFormatter.Format(SqlParser.ParseSelect(sql));
        Assert.Contains("\n", once);
        Assert.Equal(once, SqlFormatter.Format(SqlParser.ParseSelect(once)));
    }

    [Fact]
    public void Single_line_output_has_no_newlines_even_for_multi_line_strings()
    {
        string text = CompactSql("select 'a\nb', x from t where y in (select z from u where w > 1 and v < 2 and q = 'a long literal to force a block')");
        Assert.DoesNotContain('\n', text);
        Assert.StartsWith("SELECT E'a\\nb'", text);
    }

    [Fact]
    public void Quote_helpers()
    {
        Assert.Equal("abc", SqlFormatter.QuoteIdentifier("abc"));
        Assert.Equal("\"abc\"", SqlFormatter.QuoteIdentifier("abc", always: true));
        Assert.Equal("\"Abc\"", SqlFormatter.QuoteIdentifier("Abc"));
        Assert.Equal("\"order\"", SqlFormatter.QuoteIdentifier("order"));
        Assert.Equal("\"1a\"", SqlFormatter.QuoteIdentifier("1a"));
        Assert.Equal("U&\"a\\000Ab\"", SqlFormatter.QuoteIdentifier("a\nb"));
        Assert.Equal("'a''b'", SqlFormatter.QuoteLiteral("a'b"));
        Assert.Equal("E'a\\\\b\\tc'", SqlFormatter.QuoteLiteral("a\\b\tc"));
        Assert.Equal(Literal.String("a\\b\tc"), SqlParser.ParseExpression(SqlFormatter.QuoteLiteral("a\\b\tc")));
        Assert.Equal(ColumnRef.Of("a\nb"), SqlParser.ParseExpression(SqlFormatter.QuoteIdentifier("a\nb")));
    }

    [Fact]
    public void Any_node_formats_on_its_own()
    {
        var q = SqlParser.ParseSelect("select a as b from t as x order by a desc");
        Assert.Equal("a AS b", Compact(Assert.IsType<SelectCore>(q.Body).Targets[0]));
        Assert.Equal("t AS x", Compact(Assert.IsType<SelectCore>(q.Body).From[0]));
        Assert.Equal("a DESC", Compact(q.OrderBy[0]));
        Assert.Equal("numeric(10, 2)", Compact(SqlParser.ParseTypeName("decimal(10,2)")));
        Assert.Equal("x + 1", SqlParser.ParseExpression("x+1").ToString());
        // Arrays left default by code count as empty.
        Assert.Equal("t", Compact(new TableRef(new QualifiedName([new Identifier("t")])) { Alias = new Alias("t") { Columns = default } } with { Alias = null }));
        Assert.Equal("a", Compact(new Alias("a", default)));
    }
}
