using System.Text;
using TViews.Sql;

namespace TViews.Tests.Sql;

/// <summary>Every malformed input is a <see cref="SqlSyntaxException"/> at the offending token.</summary>
public class SyntaxErrorTests
{
    [Theory]
    [InlineData("SELEC a", "line 1, column 1: expected a query (SELECT, VALUES, WITH, TABLE or \"(\"), found \"SELEC\"")]
    [InlineData("SELECT a FORM t", "line 1, column 15: expected end of statement, found \"t\"")]
    [InlineData("SELECT a,, b", "line 1, column 10: expected an expression, found \",\"")]
    [InlineData("SELECT a, FROM t", "line 1, column 11: expected an expression, found \"FROM\"")]
    [InlineData("SELECT 1 +", "line 1, column 11: expected an expression, found end of input")]
    [InlineData("SELECT (1", "line 1, column 10: expected \")\", found end of input")]
    [InlineData("SELECT 1)", "line 1, column 9: expected end of statement, found \")\"")]
    [InlineData("SELECT 'abc", "line 1, column 8: unterminated string literal")]
    [InlineData("SELECT a\nFROM t\nWHERE b = ,", "line 3, column 11: expected an expression, found \",\"")]
    [InlineData("SELECT * FROM t JOIN u", "line 1, column 23: expected ON or USING, found end of input")]
    [InlineData("SELECT * FROM t WHERE", "line 1, column 22: expected an expression, found end of input")]
    [InlineData("SELECT f(a", "line 1, column 11: expected \")\", found end of input")]
    [InlineData("SELECT CASE END", "line 1, column 13: expected an expression, found \"END\"")]
    [InlineData("SELECT CASE a END", "line 1, column 15: expected WHEN, found \"END\"")]
    [InlineData("SELECT * FROM", "line 1, column 14: expected a table, subquery or function, found end of input")]
    [InlineData("SELECT a FROM t ORDER a", "line 1, column 23: expected BY, found \"a\"")]
    [InlineData("SELECT a FROM t GROUP a", "line 1, column 23: expected BY, found \"a\"")]
    [InlineData("SELECT a FROM t WHERE a = = 1", "line 1, column 27: expected an expression, found \"=\"")]
    [InlineData("SELECT left FROM t", "line 1, column 8: expected an expression, found \"left\"")]
    [InlineData("SELECT 1 LIMIT 1, 2", "line 1, column 17: LIMIT #,# syntax is not supported; use separate LIMIT and OFFSET clauses")]
    [InlineData("SELECT a = b = c", "line 1, column 14: expected parentheses (this operator cannot follow another of its kind), found \"=\"")]
    [InlineData("SELECT x::", "line 1, column 11: expected a type name, found end of input")]
    [InlineData("SELECT a FROM t t2 t3", "line 1, column 20: expected end of statement, found \"t3\"")]
    [InlineData("SELECT 1 UNION", "line 1, column 15: expected SELECT, VALUES, TABLE or \"(\", found end of input")]
    [InlineData("DELETE FROM t", "line 1, column 1: expected a query (SELECT, VALUES, WITH, TABLE or \"(\"), found \"DELETE\"")]
    [InlineData("SELECT a INTO b FROM t", "line 1, column 10: SELECT INTO is not supported; use CREATE TABLE ... AS")]
    [InlineData("SELECT sum(x) OVER (ROWS UNBOUNDED FOLLOWING) FROM t", "line 1, column 26: frame start cannot be UNBOUNDED FOLLOWING")]
    [InlineData("SELECT 1 LIMIT 1 LIMIT 2", "line 1, column 18: multiple LIMIT clauses not allowed")]
    [InlineData("SELECT float(54) 'x'", "line 1, column 8: expected an expression, found \"float\"")]
    public void Malformed_queries_report_line_and_column(string sql, string message)
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect(sql));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Exception_exposes_line_column_and_offset()
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect("SELECT a\n  FROM t WHERE )"));
        Assert.Equal(2, ex.Line);
        Assert.Equal(16, ex.Column);
        Assert.Equal(24, ex.Offset);
        Assert.Equal("expected an expression, found \")\"", ex.Detail);
    }

    [Fact]
    public void Columns_count_characters_not_utf16_units()
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect("SELECT '\U0001F600', ,"));
        Assert.Equal("line 1, column 13: expected an expression, found \",\"", ex.Message);
    }

    [Theory]
    [InlineData("CREATE INDEX i ON t (a)", "line 1, column 8: expected TABLE or VIEW, found \"INDEX\"")]
    [InlineData("SELECT 1; SELEC 2", "line 1, column 11: expected a statement (SELECT, VALUES, WITH, TABLE, CREATE TABLE ... AS or CREATE VIEW), found \"SELEC\"")]
    [InlineData("CREATE VIEW v AS", "line 1, column 17: expected a query, found end of input")]
    // "select" may be a bare column label (PostgreSQL 15 too), so the error is at "2".
    [InlineData("SELECT 1 SELECT 2", "line 1, column 17: expected end of statement, found \"2\"")]
    public void Script_errors(string sql, string message)
    {
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseScript(sql));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Deep_nesting_is_a_syntax_error_not_a_stack_overflow()
    {
        string parens = new string('(', 5000) + "1" + new string(')', 5000);
        var ex = Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect("SELECT " + parens));
        Assert.EndsWith("expression nested too deeply", ex.Message);

        string minus = "SELECT " + string.Concat(Enumerable.Repeat("- ", 5000)) + "1";
        Assert.EndsWith("expression nested too deeply", Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect(minus)).Message);

        var subqueries = new StringBuilder();
        for (int i = 0; i < 3000; i++) subqueries.Append("SELECT * FROM (");
        subqueries.Append("SELECT 1").Append(new string(')', 3000));
        Assert.Throws<SqlSyntaxException>(() => SqlParser.ParseSelect(subqueries.ToString()));
    }

    [Fact]
    public void Moderate_nesting_parses()
    {
        string parens = new string('(', 200) + "1" + new string(')', 200);
        Assert.Equal(Literal.Integer(1), Assert.Single(Assert.IsType<SelectCore>(SqlParser.ParseSelect("SELECT " + parens).Body).Targets).Value);
        var sum = string.Join(" + ", Enumerable.Range(0, 5000));
        Assert.IsType<BinaryExpr>(SqlParser.ParseExpression(sum));
    }

    [Fact]
    public void Random_garbage_only_ever_throws_syntax_errors()
    {
        string[] pieces =
        [
            "SELECT", "FROM", "WHERE", "(", ")", "[", "]", ",", ";", "'x'", "\"y\"", "$1", "1", "1.5", "a", "t.b", "*", "+", "-",
            "::", "=", "<>", "AND", "OR", "NOT", "IN", "BETWEEN", "LIKE", "IS", "NULL", "CASE", "WHEN", "THEN", "END", "JOIN",
            "ON", "USING", "GROUP", "BY", "ORDER", "LIMIT", "UNION", "WITH", "AS", "ARRAY", "ROW", "OVER", "PARTITION", "int",
            "interval", "'1'", "day", "EXTRACT", "TRIM", "SUBSTRING", "FOR", "VALUES", "LATERAL", "E'\\x41'", "$$s$$", ".", ":",
            "=>", "COLLATE", "AT", "TIME", "ZONE", "FILTER", "WITHIN", "DISTINCT", "ROLLUP", "CUBE", "GROUPING", "SETS", "()",
            "EXISTS", "ANY", "ALL", "OPERATOR", "FETCH", "FIRST", "ROWS", "ONLY", "CREATE", "VIEW", "TABLE", "/*", "--\n", "U&'a'",
        ];
        var random = new Random(12345);
        for (int i = 0; i < 3000; i++)
        {
            int length = random.Next(1, 25);
            string sql = string.Join(" ", Enumerable.Range(0, length).Select(_ => pieces[random.Next(pieces.Length)]));
            IReadOnlyList<Statement> statements;
            try
            {
                statements = SqlParser.ParseScript(sql);
            }
            catch (SqlSyntaxException ex)
            {
                Assert.DoesNotContain("could not parse", ex.Message);
                continue;
            }
            // Whatever parses must format, re-parse to the same tree, and format identically again.
            foreach (var statement in statements)
            {
                string formatted = SqlFormatter.Format(statement);
                var again = Assert.Single(SqlParser.ParseScript(formatted));
                Assert.Equal(statement, again);
                Assert.Equal(formatted, SqlFormatter.Format(again));
            }
        }
    }
}
