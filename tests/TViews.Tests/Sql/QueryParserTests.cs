using TViews.Sql;

namespace TViews.Tests.Sql;

/// <summary>Query structure: select list, FROM items, joins, clauses, set operations, WITH, statements.</summary>
public class QueryParserTests
{
    private static SelectCore Core(string sql) => Assert.IsType<SelectCore>(SqlParser.ParseSelect(sql).Body);

    [Fact]
    public void Select_list_aliases_with_and_without_as()
    {
        var core = Core("SELECT a, b AS c, d e, f \"G\", 1 total, x AS from, t.*, * FROM t");
        Assert.Equal(8, core.Targets.Length);
        Assert.Null(core.Targets[0].Alias);
        Assert.Equal("c", core.Targets[1].Alias!.Value);
        Assert.Equal("e", core.Targets[2].Alias!.Value);
        Assert.Equal("G", core.Targets[3].Alias!.Value);
        Assert.Equal("total", core.Targets[4].Alias!.Value);
        Assert.Equal("from", core.Targets[5].Alias!.Value);
        Assert.Equal(QualifiedName.Of("t"), Assert.IsType<StarExpr>(core.Targets[6].Value).Qualifier);
        Assert.Null(Assert.IsType<StarExpr>(core.Targets[7].Value).Qualifier);
    }

    [Fact]
    public void Keywords_that_need_as_are_not_taken_as_bare_aliases()
    {
        // "day" needs AS, so this is an interval qualifier, not an alias.
        var core = Core("SELECT x::interval day FROM t");
        var cast = Assert.IsType<CastExpr>(core.Targets[0].Value);
        Assert.Equal(IntervalFields.Day, cast.Type.IntervalFields);
        Assert.Null(core.Targets[0].Alias);
    }

    [Fact]
    public void Empty_select_list_distinct_and_distinct_on()
    {
        Assert.Empty(Core("SELECT FROM t").Targets);
        Assert.Equal(DistinctKind.Distinct, Core("SELECT DISTINCT a FROM t").Distinct);
        Assert.Equal(DistinctKind.All, Core("SELECT ALL a FROM t").Distinct);
        var on = Core("SELECT DISTINCT ON (a, b) a, b, c FROM t ORDER BY a, b, c");
        Assert.Equal(2, on.DistinctOn.Length);
    }

    [Fact]
    public void Table_references_aliases_and_only()
    {
        var core = Core("SELECT 1 FROM s.t AS x (a, b), ONLY u, v w, \"Q\" * ");
        var t = Assert.IsType<TableRef>(core.From[0]);
        Assert.Equal(QualifiedName.Of("s", "t"), t.Name);
        Assert.Equal("x", t.Alias!.Name.Value);
        Assert.Equal(["a", "b"], t.Alias.Columns.Select(c => c.Value));
        Assert.True(Assert.IsType<TableRef>(core.From[1]).Only);
        Assert.Equal("w", core.From[2].Alias!.Name.Value);
        Assert.Equal("Q", Assert.IsType<TableRef>(core.From[3]).Name.Name);
    }

    [Fact]
    public void Subqueries_values_and_lateral_in_from()
    {
        var core = Core("SELECT * FROM (SELECT 1) s, LATERAL (SELECT 2) l, (VALUES (1, 'a'), (2, 'b')) AS v (n, s)");
        var s = Assert.IsType<SubqueryRef>(core.From[0]);
        Assert.False(s.Lateral);
        Assert.True(Assert.IsType<SubqueryRef>(core.From[1]).Lateral);
        var v = Assert.IsType<SubqueryRef>(core.From[2]);
        var values = Assert.IsType<ValuesQuery>(v.Query.Body);
        Assert.Equal(2, values.Rows.Length);
        Assert.Equal(["n", "s"], v.Alias!.Columns.Select(c => c.Value));
    }

    [Fact]
    public void Functions_in_from()
    {
        var core = Core("SELECT * FROM generate_series(1, 3) AS g(x), unnest(a) WITH ORDINALITY u(v, i), " +
                        "json_to_record(j) AS r(a int, b text), LATERAL f(t.x), ROWS FROM (f(1), g(2) AS (c int)) WITH ORDINALITY AS z, " +
                        "json_to_record(j) AS (a int), CURRENT_DATE d");
        var g = Assert.IsType<FunctionRef>(core.From[0]);
        Assert.Equal("generate_series", Assert.IsType<FuncCall>(Assert.Single(g.Functions).Call).Name.Name);
        Assert.Equal(["x"], g.Alias!.Columns.Select(c => c.Value));
        var u = Assert.IsType<FunctionRef>(core.From[1]);
        Assert.True(u.WithOrdinality);
        var r = Assert.IsType<FunctionRef>(core.From[2]);
        Assert.Equal("r", r.Alias!.Name.Value);
        Assert.Equal(2, r.ColumnDefinitions.Length);
        Assert.Equal(TypeName.System("int4"), r.ColumnDefinitions[0].Type);
        Assert.True(Assert.IsType<FunctionRef>(core.From[3]).Lateral);
        var z = Assert.IsType<FunctionRef>(core.From[4]);
        Assert.True(z.RowsFrom);
        Assert.Equal(2, z.Functions.Length);
        Assert.Single(z.Functions[1].ColumnDefinitions);
        var anonymous = Assert.IsType<FunctionRef>(core.From[5]);
        Assert.Null(anonymous.Alias);
        Assert.Single(anonymous.ColumnDefinitions);
        Assert.IsType<SqlValueFunction>(Assert.IsType<FunctionRef>(core.From[6]).Functions[0].Call);
    }

    [Fact]
    public void Join_kinds()
    {
        var core = Core("SELECT * FROM a JOIN b ON a.id = b.id INNER JOIN c USING (id) LEFT OUTER JOIN d ON true " +
                        "RIGHT JOIN e ON true FULL JOIN f ON true CROSS JOIN g NATURAL LEFT JOIN h");
        var joins = new List<JoinExpr>();
        FromItem item = Assert.Single(core.From);
        while (item is JoinExpr j)
        {
            joins.Insert(0, j);
            item = j.Left;
        }
        Assert.Equal(
            [JoinKind.Inner, JoinKind.Inner, JoinKind.Left, JoinKind.Right, JoinKind.Full, JoinKind.Cross, JoinKind.Left],
            joins.Select(j => j.Kind));
        Assert.NotNull(joins[0].On);
        Assert.Equal(["id"], joins[1].Using.Select(c => c.Value));
        Assert.True(joins[6].Natural);
        Assert.Null(joins[6].On);
    }

    [Fact]
    public void Joins_are_left_associative_and_a_pending_join_nests_to_the_right()
    {
        var left = Assert.IsType<JoinExpr>(Assert.Single(Core("SELECT * FROM a JOIN b ON x JOIN c ON y").From));
        Assert.IsType<JoinExpr>(left.Left);
        Assert.IsType<TableRef>(left.Right);

        var right = Assert.IsType<JoinExpr>(Assert.Single(Core("SELECT * FROM a JOIN b JOIN c ON x ON y").From));
        Assert.IsType<TableRef>(right.Left);
        var inner = Assert.IsType<JoinExpr>(right.Right);
        Assert.Equal(ColumnRef.Of("x"), inner.On);
        Assert.Equal(ColumnRef.Of("y"), right.On);
    }

    [Fact]
    public void Parenthesised_joins_with_and_without_alias()
    {
        var plain = Assert.IsType<JoinExpr>(Assert.Single(Core("SELECT * FROM a JOIN (b JOIN c ON true) ON true").From));
        var nested = Assert.IsType<JoinExpr>(plain.Right);
        Assert.Null(nested.Alias);
        var aliased = Assert.IsType<JoinExpr>(Assert.Single(Core("SELECT * FROM (a JOIN b USING (id)) AS j (x, y)").From));
        Assert.Equal("j", aliased.Alias!.Name.Value);
        var subqueryInJoin = Assert.IsType<JoinExpr>(Assert.Single(Core("SELECT * FROM ((SELECT 1) AS s JOIN t ON true)").From));
        Assert.IsType<SubqueryRef>(subqueryInJoin.Left);
        var doubleParens = Assert.IsType<SubqueryRef>(Assert.Single(Core("SELECT * FROM ((SELECT 1)) AS s").From));
        Assert.Equal("s", doubleParens.Alias!.Name.Value);
    }

    [Fact]
    public void Where_group_by_having_window()
    {
        var core = Core("SELECT a, count(*) FROM t WHERE b > 0 GROUP BY a HAVING count(*) > 1 WINDOW w AS (PARTITION BY a), v AS (w ORDER BY b)");
        Assert.IsType<BinaryExpr>(core.Where);
        Assert.Equal(ColumnRef.Of("a"), Assert.Single(core.GroupBy));
        Assert.IsType<BinaryExpr>(core.Having);
        Assert.Equal(["w", "v"], core.Windows.Select(w => w.Name.Value));
        Assert.Equal("w", core.Windows[1].Spec.ExistingName!.Value);
    }

    [Fact]
    public void Grouping_sets()
    {
        var core = Core("SELECT 1 FROM t GROUP BY DISTINCT ROLLUP (a, (b, c)), CUBE (d), GROUPING SETS ((a, b), (), GROUPING SETS (e)), ()");
        Assert.True(core.GroupByDistinct);
        var rollup = Assert.IsType<GroupingSet>(core.GroupBy[0]);
        Assert.Equal(GroupingSetKind.Rollup, rollup.Kind);
        Assert.IsType<RowExpr>(rollup.Items[1]);
        Assert.Equal(GroupingSetKind.Cube, Assert.IsType<GroupingSet>(core.GroupBy[1]).Kind);
        var sets = Assert.IsType<GroupingSet>(core.GroupBy[2]);
        Assert.Equal(GroupingSetKind.Sets, sets.Kind);
        Assert.Equal(GroupingSetKind.Empty, Assert.IsType<GroupingSet>(sets.Items[1]).Kind);
        Assert.Equal(GroupingSetKind.Sets, Assert.IsType<GroupingSet>(sets.Items[2]).Kind);
        Assert.Equal(GroupingSetKind.Empty, Assert.IsType<GroupingSet>(core.GroupBy[3]).Kind);
        // Outside GROUP BY, cube(...) is an ordinary function call.
        Assert.IsType<FuncCall>(Assert.Single(Core("SELECT cube(1)").Targets).Value);
    }

    [Fact]
    public void Order_by_limit_offset_fetch()
    {
        var q = SqlParser.ParseSelect("SELECT a FROM t ORDER BY a DESC NULLS LAST, b USING >, c ASC NULLS FIRST OFFSET 5 ROWS LIMIT 10");
        Assert.Equal(SortDirection.Desc, q.OrderBy[0].Direction);
        Assert.Equal(NullsOrder.Last, q.OrderBy[0].Nulls);
        Assert.Equal(">", q.OrderBy[1].UsingOperator);
        Assert.Equal(NullsOrder.First, q.OrderBy[2].Nulls);
        Assert.Equal(Literal.Integer(10), q.Limit);
        Assert.Equal(Literal.Integer(5), q.Offset);

        var all = SqlParser.ParseSelect("SELECT a FROM t LIMIT ALL");
        Assert.Null(all.Limit);

        var fetch = SqlParser.ParseSelect("SELECT a FROM t ORDER BY a OFFSET 1 ROW FETCH NEXT 3 ROWS WITH TIES");
        Assert.Equal(new FetchClause(Literal.Integer(3), WithTies: true), fetch.Fetch);
        var fetchOne = SqlParser.ParseSelect("SELECT a FROM t FETCH FIRST ROW ONLY");
        Assert.Null(fetchOne.Fetch!.Count);
        Assert.False(fetchOne.Fetch.WithTies);
    }

    [Fact]
    public void Locking_clauses()
    {
        var q = SqlParser.ParseSelect("SELECT * FROM t, u FOR UPDATE OF t NOWAIT FOR KEY SHARE SKIP LOCKED");
        Assert.Equal(2, q.Locking.Length);
        Assert.Equal(LockStrength.Update, q.Locking[0].Strength);
        Assert.Equal(LockWaitPolicy.NoWait, q.Locking[0].Wait);
        Assert.Equal(LockStrength.KeyShare, q.Locking[1].Strength);
        Assert.Equal(LockWaitPolicy.SkipLocked, q.Locking[1].Wait);
    }

    [Fact]
    public void Set_operations_precedence_and_associativity()
    {
        // INTERSECT binds tighter: a UNION (b INTERSECT c).
        var union = Assert.IsType<SetOperationQuery>(SqlParser.ParseSelect("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3").Body);
        Assert.Equal(SetOperator.Union, union.Operator);
        Assert.Equal(SetOperator.Intersect, Assert.IsType<SetOperationQuery>(union.Right).Operator);

        // Left-associative: (a EXCEPT b) UNION ALL c.
        var chain = Assert.IsType<SetOperationQuery>(SqlParser.ParseSelect("SELECT 1 EXCEPT SELECT 2 UNION ALL SELECT 3").Body);
        Assert.True(chain.All);
        Assert.Equal(SetOperator.Except, Assert.IsType<SetOperationQuery>(chain.Left).Operator);

        // Parentheses override; UNION DISTINCT is UNION.
        var paren = Assert.IsType<SetOperationQuery>(SqlParser.ParseSelect("SELECT 1 UNION DISTINCT (SELECT 2 UNION SELECT 3)").Body);
        Assert.False(paren.All);
        Assert.IsType<SetOperationQuery>(paren.Right);
    }

    [Fact]
    public void Order_by_and_limit_apply_to_the_whole_set_operation_and_nested_ones_stay_nested()
    {
        var q = SqlParser.ParseSelect("(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL SELECT b FROM u ORDER BY 1 LIMIT 5");
        var set = Assert.IsType<SetOperationQuery>(q.Body);
        var nested = Assert.IsType<NestedQuery>(set.Left);
        Assert.Equal(Literal.Integer(1), nested.Query.Limit);
        Assert.Single(q.OrderBy);
        Assert.Equal(Literal.Integer(5), q.Limit);
    }

    [Fact]
    public void A_parenthesised_query_merges_its_clauses_like_postgres()
    {
        var merged = SqlParser.ParseSelect("(SELECT a FROM t LIMIT 5) ORDER BY a");
        Assert.IsType<SelectCore>(merged.Body);
        Assert.Equal(Literal.Integer(5), merged.Limit);
        Assert.Single(merged.OrderBy);
        Assert.Equal(SqlParser.ParseSelect("SELECT a FROM t ORDER BY a LIMIT 5"), merged);

        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect("(SELECT a FROM t ORDER BY a) ORDER BY a"));
        Assert.Equal("line 1, column 30: multiple ORDER BY clauses not allowed", ex.Message);
        Assert.IsType<SelectCore>(SqlParser.ParseSelect("((SELECT 1));").Body);
    }

    [Fact]
    public void With_clauses()
    {
        var q = SqlParser.ParseSelect(
            "WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3), " +
            "m AS MATERIALIZED (SELECT 1), nm AS NOT MATERIALIZED (VALUES (1)) SELECT * FROM r");
        Assert.True(q.With!.Recursive);
        Assert.Equal(["r", "m", "nm"], q.With.Ctes.Select(c => c.Name.Value));
        Assert.Equal(["n"], q.With.Ctes[0].Columns.Select(c => c.Value));
        Assert.IsType<SetOperationQuery>(q.With.Ctes[0].Query.Body);
        Assert.Equal(CteMaterialization.Materialized, q.With.Ctes[1].Materialization);
        Assert.Equal(CteMaterialization.NotMaterialized, q.With.Ctes[2].Materialization);
    }

    [Fact]
    public void Values_and_table_queries()
    {
        var values = Assert.IsType<ValuesQuery>(SqlParser.ParseSelect("VALUES (1, 'a'), (2, 'b') ORDER BY 1").Body);
        Assert.Equal(2, values.Rows[0].Length);
        var table = Assert.IsType<SelectCore>(SqlParser.ParseSelect("TABLE s.t").Body);
        Assert.IsType<StarExpr>(Assert.Single(table.Targets).Value);
        Assert.Equal(QualifiedName.Of("s", "t"), Assert.IsType<TableRef>(Assert.Single(table.From)).Name);
    }

    [Fact]
    public void Scripts_with_several_statement_kinds()
    {
        const string sql = """
            -- leading comment
            ;;
            SELECT 1;
            CREATE TABLE s.t (a, b) AS SELECT 1, 2 WITH NO DATA;
            CREATE OR REPLACE VIEW v AS (SELECT 1) ;
            CREATE VIEW w (x) AS VALUES (1)
            /* trailing comment */
            """;
        var statements = SqlParser.ParseScript(sql);
        Assert.Equal(4, statements.Count);
        Assert.IsType<QueryStatement>(statements[0]);
        var ctas = Assert.IsType<CreateTableAsStatement>(statements[1]);
        Assert.Equal(QualifiedName.Of("s", "t"), ctas.Name);
        Assert.Equal(["a", "b"], ctas.ColumnNames.Select(c => c.Value));
        Assert.False(ctas.WithData);
        var view = Assert.IsType<CreateViewStatement>(statements[2]);
        Assert.True(view.OrReplace);
        Assert.Equal("SELECT 1", sql.Substring(statements[0].Span.Start, statements[0].Span.Length).Trim());
        Assert.Equal("CREATE OR REPLACE VIEW v AS (SELECT 1)", sql.Substring(view.Span.Start, view.Span.Length));
        Assert.Equal(["x"], Assert.IsType<CreateViewStatement>(statements[3]).ColumnNames.Select(c => c.Value));
        Assert.Empty(SqlParser.ParseScript("  -- nothing\n ; /* */ "));
    }

    [Fact]
    public void Parse_select_accepts_a_trailing_semicolon_but_nothing_else()
    {
        SqlParser.ParseSelect("SELECT 1;");
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect("SELECT 1; SELECT 2"));
        Assert.Equal("line 1, column 11: expected end of statement, found \"SELECT\"", ex.Message);
    }
}
