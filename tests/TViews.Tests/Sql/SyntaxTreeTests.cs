using TViews.Sql;

namespace TViews.Tests.Sql;

/// <summary>Spans, structural equality, traversal and rewriting of the syntax tree.</summary>
public class SyntaxTreeTests
{
    private static string Text(string sql, SqlNode node) => sql.Substring(node.Span.Start, node.Span.Length);

    [Fact]
    public void Spans_map_back_to_the_source_text()
    {
        const string sql = "SELECT t.a + 1 AS x, count(*) FILTER (WHERE b) FROM s.t AS t JOIN u ON u.id = t.id WHERE t.c IN (1, 2) ORDER BY x DESC";
        var q = SqlParser.ParseSelect(sql);
        var core = Assert.IsType<SelectCore>(q.Body);
        Assert.Equal(sql, Text(sql, q));
        Assert.Equal("t.a + 1 AS x", Text(sql, core.Targets[0]));
        Assert.Equal("t.a + 1", Text(sql, core.Targets[0].Value));
        Assert.Equal("t.a", Text(sql, Assert.IsType<BinaryExpr>(core.Targets[0].Value).Left));
        Assert.Equal("x", Text(sql, core.Targets[0].Alias!));
        Assert.Equal("count(*) FILTER (WHERE b)", Text(sql, core.Targets[1].Value));
        Assert.Equal("s.t AS t JOIN u ON u.id = t.id", Text(sql, core.From[0]));
        var join = Assert.IsType<JoinExpr>(core.From[0]);
        Assert.Equal("s.t AS t", Text(sql, join.Left));
        Assert.Equal("s.t", Text(sql, Assert.IsType<TableRef>(join.Left).Name));
        Assert.Equal("u.id = t.id", Text(sql, join.On!));
        Assert.Equal("t.c IN (1, 2)", Text(sql, core.Where!));
        Assert.Equal("x DESC", Text(sql, q.OrderBy[0]));

        foreach (var column in q.DescendantsAndSelf().OfType<ColumnRef>())
        {
            Assert.Equal(string.Join(".", column.Parts.Select(p => p.Value)), Text(sql, column));
        }
    }

    [Fact]
    public void Spans_of_special_constructs()
    {
        const string sql = "SELECT CAST(a AS int), b::text, interval '1' day, EXTRACT(year FROM d), (x).f, arr[1:2], E'x\\ny', c COLLATE \"C\"";
        var targets = Assert.IsType<SelectCore>(SqlParser.ParseSelect(sql).Body).Targets;
        Assert.Equal(
            ["CAST(a AS int)", "b::text", "interval '1' day", "EXTRACT(year FROM d)", "(x).f", "arr[1:2]", "E'x\\ny'", "c COLLATE \"C\""],
            targets.Select(t => Text(sql, t.Value)));
        var cast = Assert.IsType<CastExpr>(targets[1].Value);
        Assert.Equal("text", Text(sql, cast.Type));
    }

    [Fact]
    public void Source_text_maps_offsets_to_lines_and_columns()
    {
        var source = new SourceText("ab\ncd\r\nef");
        Assert.Equal(new LinePosition(1, 1), source.GetLinePosition(0));
        Assert.Equal(new LinePosition(2, 2), source.GetLinePosition(4));
        Assert.Equal(new LinePosition(3, 1), source.GetLinePosition(7));
        Assert.Equal("cd", source.GetText(new TextSpan(3, 2)));
    }

    [Fact]
    public void Equality_is_structural_and_ignores_spans_and_spelling()
    {
        var a = SqlParser.ParseExpression("lower(\"x\") = 'a'");
        var b = SqlParser.ParseExpression("  LOWER( x )='a'");
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a == b);
        Assert.NotEqual(a, SqlParser.ParseExpression("lower(x) = 'b'"));
        Assert.Equal(SqlParser.ParseExpression("CAST(x AS int)"), SqlParser.ParseExpression("x::integer"));
        Assert.Equal(SqlParser.ParseExpression("E'a'"), SqlParser.ParseExpression("$$a$$"));
        // Case matters once quoted.
        Assert.NotEqual(SqlParser.ParseExpression("\"X\""), SqlParser.ParseExpression("x"));
        // Usable as dictionary keys, e.g. to match GROUP BY expressions.
        var set = new HashSet<Expr> { SqlParser.ParseExpression("date_trunc('day', t.ts)") };
        Assert.Contains(SqlParser.ParseExpression("DATE_TRUNC('day',T.TS)"), set);
    }

    [Fact]
    public void Descendants_walk_in_source_order_and_can_prune()
    {
        var q = SqlParser.ParseSelect("SELECT a, (SELECT b FROM u WHERE u.c = t.d) FROM t WHERE e > 0");
        Assert.Equal(["a", "b", "u.c", "t.d", "e"],
            q.DescendantsAndSelf().OfType<ColumnRef>().Select(c => string.Join(".", c.Parts.Select(p => p.Value))));
        Assert.Equal(["a", "e"],
            q.DescendantsAndSelf(n => n is not SubqueryExpr).OfType<ColumnRef>().Select(c => c.Name));
        Assert.Equal(["t", "u"], q.Descendants().OfType<TableRef>().Select(t => t.Name.Name).Order());
    }

    private sealed class TableCollector : SqlWalker
    {
        public List<string> Tables { get; } = [];

        public int Subqueries { get; private set; }

        public override void VisitTableRef(TableRef node)
        {
            Tables.Add(node.Name.Name);
            base.VisitTableRef(node);
        }

        public override void VisitSubqueryExpr(SubqueryExpr node) => Subqueries++;
    }

    [Fact]
    public void Walker_visits_every_node_type_and_can_skip_subtrees()
    {
        var walker = new TableCollector();
        walker.Visit(SqlParser.ParseSelect("WITH c AS (SELECT * FROM x) SELECT * FROM a JOIN b ON true, c WHERE EXISTS (SELECT 1 FROM hidden)"));
        Assert.Equal(["x", "a", "b", "c"], walker.Tables);
        Assert.Equal(1, walker.Subqueries);
    }

    private sealed class RenameTable(string from, string to) : SqlRewriter
    {
        public override FromItem VisitTableRef(TableRef node) =>
            node.Name.Name == from ? node with { Name = QualifiedName.Of(to), Alias = node.Alias ?? new Alias(from) } : node;
    }

    private sealed class ParameterizeLiterals : SqlRewriter
    {
        public int Count { get; private set; }

        public override Expr VisitLiteral(Literal node) => node.Kind == LiteralKind.Integer ? new ParamRef(++Count) : node;
    }

    [Fact]
    public void Rewriter_rebuilds_bottom_up_and_keeps_unchanged_nodes()
    {
        var q = SqlParser.ParseSelect("SELECT o.id FROM orders o JOIN items i ON i.order_id = o.id WHERE o.total > 10 AND i.qty < 3");
        var renamed = new RenameTable("items", "tv_items").Rewrite(q);
        Assert.Equal("SELECT o.id FROM orders AS o JOIN tv_items AS i ON i.order_id = o.id WHERE o.total > 10 AND i.qty < 3",
            SqlFormatter.Format(renamed, SqlFormatOptions.Compact));
        // Untouched subtrees are the same instances.
        var before = Assert.IsType<SelectCore>(q.Body);
        var after = Assert.IsType<SelectCore>(renamed.Body);
        Assert.Same(before.Where, after.Where);
        Assert.Same(before.Targets[0], after.Targets[0]);

        var unchanged = new RenameTable("nothing", "x").Rewrite(q);
        Assert.Same(q, unchanged);

        var parameterized = new ParameterizeLiterals();
        var p = parameterized.Rewrite(q);
        Assert.Equal(2, parameterized.Count);
        Assert.Contains("o.total > $1 AND i.qty < $2", SqlFormatter.Format(p, SqlFormatOptions.Compact));
    }

    private sealed class WrongTypeRewriter : SqlRewriter
    {
        public override SelectStmt VisitSelectStmt(SelectStmt node) => node;

        public override FromItem VisitTableRef(TableRef node) => node;

        public override Identifier VisitIdentifier(Identifier node) => node;
    }

    [Fact]
    public void With_expressions_add_conditions()
    {
        var q = SqlParser.ParseSelect("SELECT * FROM t WHERE a = 1");
        var core = Assert.IsType<SelectCore>(q.Body);
        var extra = new BinaryExpr("=", ColumnRef.Of("t", "tenant"), new ParamRef(1));
        var filtered = q with { Body = core with { Where = BoolExpr.And(core.Where!, extra) } };
        Assert.Equal("SELECT * FROM t WHERE a = 1 AND t.tenant = $1", SqlFormatter.Format(filtered, SqlFormatOptions.Compact));
        Assert.Same(q, new WrongTypeRewriter().Rewrite(q));
    }

    [Fact]
    public void Children_skip_absent_parts_and_default_arrays()
    {
        var call = new FuncCall(QualifiedName.Of("f"), default);
        Assert.Equal([call.Name], call.Children);
        Assert.Equal(3, call.DescendantsAndSelf().Count());
    }
}
