namespace TViews.Sql;

/// <summary>
/// Entry points of the PostgreSQL (15) SQL front end. Every syntax error, whatever the input, is reported as a
/// <see cref="SqlSyntaxException"/> with the line and column of the offending token.
/// </summary>
internal static class SqlParser
{
    /// <summary>
    /// Parses one query: SELECT, VALUES, TABLE, WITH ..., or a parenthesised query, with an optional trailing
    /// <c>;</c>. Anything after it is an error.
    /// </summary>
    public static SelectStmt ParseSelect(string sql) => Run(sql, p => p.ParseSingleQuery());

    /// <summary>
    /// Parses a <c>;</c>-separated script of queries, <c>CREATE TABLE ... AS</c> and <c>CREATE [OR REPLACE] VIEW</c>
    /// statements (empty statements and comments are skipped). Each statement's span excludes the <c>;</c>.
    /// </summary>
    public static IReadOnlyList<Statement> ParseScript(string sql) => Run(sql, p => p.ParseScript());

    /// <summary>Parses a single scalar expression (e.g. <c>a + 1 &gt; b</c>); handy for tests and generated code.</summary>
    public static Expr ParseExpression(string sql) => Run(sql, p => p.ParseStandaloneExpression());

    /// <summary>
    /// Parses a possibly qualified name as SQL reads one (<c>tv_x</c>, <c>Sales.tv_x</c>, <c>"My Schema".tv_x</c>):
    /// unquoted parts fold to lower case, quoted parts are taken as written.
    /// </summary>
    public static QualifiedName ParseQualifiedName(string sql) => Run(sql, p => p.ParseStandaloneQualifiedName());

    /// <summary>Parses a type name such as <c>numeric(10,2)</c>, <c>timestamp with time zone</c>, <c>text[]</c>.</summary>
    public static TypeName ParseTypeName(string sql) => Run(sql, p => p.ParseStandaloneTypeName());

    private static T Run<T>(string sql, Func<Parser, T> parse)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var parser = new Parser(new SourceText(sql));
        try
        {
            return parse(parser);
        }
        catch (SqlSyntaxException)
        {
            throw;
        }
        catch (InsufficientExecutionStackException)
        {
            throw parser.ErrorAtCurrent("expression nested too deeply");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Contract: bad input never surfaces as anything but a syntax error, even if the parser has a bug.
            throw parser.ErrorAtCurrent($"could not parse the statement here ({e.GetType().Name})");
        }
    }
}
