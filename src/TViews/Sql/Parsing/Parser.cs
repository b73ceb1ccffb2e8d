using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace TViews.Sql;

/// <summary>
/// Recursive-descent parser over PostgreSQL 15's grammar (gram.y) for queries. Split into partial files:
/// statements and infrastructure (here), queries, FROM clause, expressions, type names.
/// </summary>
internal sealed partial class Parser
{
    private const int MaxDepth = 1000;

    private readonly SourceText _source;
    private readonly SqlLexer _lexer;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _depth;

    public Parser(SourceText source)
    {
        _source = source;
        _lexer = new SqlLexer(source);
    }

    // ---- entry points --------------------------------------------------------------------------

    public SelectStmt ParseSingleQuery()
    {
        if (!IsQueryStart(Cur)) throw Expected("a query (SELECT, VALUES, WITH, TABLE or \"(\")");
        var query = ParseSelectStmt();
        while (Accept(TokenKind.Semicolon))
        {
        }
        if (Cur.Kind != TokenKind.EndOfInput) throw Expected("end of statement");
        return query;
    }

    public IReadOnlyList<Statement> ParseScript()
    {
        var statements = new List<Statement>();
        while (true)
        {
            while (Accept(TokenKind.Semicolon))
            {
            }
            if (Cur.Kind == TokenKind.EndOfInput) return statements;
            statements.Add(ParseStatement());
            if (Cur.Kind is not (TokenKind.Semicolon or TokenKind.EndOfInput)) throw Expected("end of statement");
        }
    }

    public Expr ParseStandaloneExpression()
    {
        var expr = ParseExpr();
        if (Cur.Kind != TokenKind.EndOfInput) throw Expected("end of expression");
        return expr;
    }

    public QualifiedName ParseStandaloneQualifiedName()
    {
        var name = ParseQualifiedName();
        if (Cur.Kind != TokenKind.EndOfInput) throw Expected("end of name");
        return name;
    }

    public TypeName ParseStandaloneTypeName()
    {
        var type = ParseTypeName();
        if (Cur.Kind != TokenKind.EndOfInput) throw Expected("end of type name");
        return type;
    }

    private Statement ParseStatement()
    {
        int start = Start;
        if (IsKw("create"))
        {
            Advance();
            bool orReplace = false;
            if (AcceptKw("or"))
            {
                ExpectKw("replace");
                orReplace = true;
            }
            if (AcceptKw("view")) return ParseCreateViewRest(start, orReplace);
            if (!orReplace && AcceptKw("table")) return ParseCreateTableAsRest(start);
            throw Expected(orReplace ? "VIEW" : "TABLE or VIEW");
        }
        if (IsQueryStart(Cur))
        {
            var query = ParseSelectStmt();
            return new QueryStatement(query) { Span = From(start) };
        }
        throw Expected("a statement (SELECT, VALUES, WITH, TABLE, CREATE TABLE ... AS or CREATE VIEW)");
    }

    private CreateViewStatement ParseCreateViewRest(int start, bool orReplace)
    {
        var name = ParseQualifiedName("a view name");
        var columns = Cur.Kind == TokenKind.LeftParen ? ParseParenthesisedNameList() : [];
        ExpectKw("as");
        if (!IsQueryStart(Cur)) throw Expected("a query");
        var query = ParseSelectStmt();
        return new CreateViewStatement(name, query) { ColumnNames = columns, OrReplace = orReplace, Span = From(start) };
    }

    private CreateTableAsStatement ParseCreateTableAsRest(int start)
    {
        var name = ParseQualifiedName("a table name");
        var columns = Cur.Kind == TokenKind.LeftParen ? ParseParenthesisedNameList() : [];
        ExpectKw("as");
        if (!IsQueryStart(Cur)) throw Expected("a query");
        var query = ParseSelectStmt();
        bool withData = true;
        if (AcceptKw("with"))
        {
            withData = !AcceptKw("no");
            ExpectKw("data");
        }
        return new CreateTableAsStatement(name, query) { ColumnNames = columns, WithData = withData, Span = From(start) };
    }

    // ---- token access ----------------------------------------------------------------------

    private Token Cur => TokenAt(_pos);

    private Token Peek(int ahead) => TokenAt(_pos + ahead);

    private Token TokenAt(int index)
    {
        while (_tokens.Count <= index)
        {
            if (_tokens.Count > 0 && _tokens[^1].Kind == TokenKind.EndOfInput) return _tokens[^1];
            _tokens.Add(_lexer.Next());
        }
        return _tokens[index];
    }

    private Token Advance()
    {
        var token = Cur;
        if (token.Kind != TokenKind.EndOfInput) _pos++;
        return token;
    }

    /// <summary>Start offset of the current token (for spans).</summary>
    private int Start => Cur.Span.Start;

    /// <summary>End offset of the last consumed token.</summary>
    private int PrevEnd => _pos == 0 ? 0 : _tokens[_pos - 1].Span.End;

    private TextSpan From(int start) => TextSpan.FromBounds(start, Math.Max(start, PrevEnd));

    private bool IsKw(string keyword) => Cur.Is(keyword);

    private bool AcceptKw(string keyword)
    {
        if (!Cur.Is(keyword)) return false;
        Advance();
        return true;
    }

    private Token ExpectKw(string keyword)
    {
        if (!Cur.Is(keyword)) throw Expected(keyword.ToUpperInvariant());
        return Advance();
    }

    private bool Accept(TokenKind kind)
    {
        if (Cur.Kind != kind) return false;
        Advance();
        return true;
    }

    private Token Expect(TokenKind kind)
    {
        if (Cur.Kind != kind) throw Expected(Describe(kind));
        return Advance();
    }

    private static string Describe(TokenKind kind) => kind switch
    {
        TokenKind.LeftParen => "\"(\"",
        TokenKind.RightParen => "\")\"",
        TokenKind.LeftBracket => "\"[\"",
        TokenKind.RightBracket => "\"]\"",
        TokenKind.Comma => "\",\"",
        TokenKind.Semicolon => "\";\"",
        TokenKind.Dot => "\".\"",
        TokenKind.Integer => "an integer",
        TokenKind.String => "a string literal",
        TokenKind.Identifier => "an identifier",
        _ => kind.ToString(),
    };

    // ---- errors ------------------------------------------------------------------------------

    internal SqlSyntaxException ErrorAtCurrent(string detail)
    {
        int offset;
        try
        {
            offset = Cur.Span.Start;
        }
        catch (SqlSyntaxException)
        {
            offset = _pos < _tokens.Count ? _tokens[_pos].Span.Start : PrevEnd;
        }
        return SqlSyntaxException.At(_source, offset, detail);
    }

    private SqlSyntaxException Expected(string what) =>
        SqlSyntaxException.At(_source, Cur.Span.Start, $"expected {what}, found {DescribeToken(Cur)}");

    private SqlSyntaxException ErrorAt(int offset, string detail) => SqlSyntaxException.At(_source, offset, detail);

    private string DescribeToken(Token token)
    {
        if (token.Kind == TokenKind.EndOfInput) return "end of input";
        string text = _source.GetText(token.Span);
        if (text.Length > 40) text = text[..37] + "...";
        return $"\"{text}\"";
    }

    // ---- recursion guard and backtracking ----------------------------------------------------

    private void Enter()
    {
        if (++_depth > MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            _depth--;
            throw SqlSyntaxException.At(_source, Cur.Span.Start, "expression nested too deeply", fatal: true);
        }
    }

    private void Exit() => _depth--;

    /// <summary>
    /// Tries <paramref name="first"/>; if it fails (and the failure is not fatal), rewinds and tries
    /// <paramref name="second"/>. If both fail, reports the error that got further into the text.
    /// Only used where PostgreSQL's grammar needs more lookahead than we take (e.g. <c>((SELECT 1) + 1)</c>).
    /// </summary>
    private T FirstOf<T>(Func<T> first, Func<T> second)
    {
        int saved = _pos;
        SqlSyntaxException firstError;
        try
        {
            return first();
        }
        catch (SqlSyntaxException e) when (!e.Fatal)
        {
            firstError = e;
            _pos = saved;
        }
        try
        {
            return second();
        }
        catch (SqlSyntaxException e) when (!e.Fatal)
        {
            throw e.Offset >= firstError.Offset ? e : firstError;
        }
    }

    // ---- names -------------------------------------------------------------------------------

    private static bool IsQueryStart(Token t) =>
        t.Kind == TokenKind.LeftParen || t.Is("select") || t.Is("values") || t.Is("with") || t.Is("table");

    /// <summary>True if, skipping opening parentheses from <paramref name="ahead"/>, a query keyword follows.</summary>
    private bool QueryFollowsParens(int ahead, out int parens)
    {
        parens = 0;
        while (Peek(ahead + parens).Kind == TokenKind.LeftParen) parens++;
        var t = Peek(ahead + parens);
        return t.Is("select") || t.Is("values") || t.Is("with") || t.Is("table");
    }

    /// <summary>ColId: an identifier usable as a column/table/alias name (not reserved or type/function-only keywords).</summary>
    private static bool IsColId(Token t) =>
        t.Kind == TokenKind.Identifier
        && (t.Quoted || t.Category is KeywordCategory.None or KeywordCategory.Unreserved or KeywordCategory.ColName);

    /// <summary>type_function_name: a name usable for a function or type (not reserved or column-only keywords).</summary>
    private static bool IsTypeFunctionName(Token t) =>
        t.Kind == TokenKind.Identifier
        && (t.Quoted || t.Category is KeywordCategory.None or KeywordCategory.Unreserved or KeywordCategory.TypeFuncName);

    /// <summary>ColLabel: any identifier or keyword (after AS or a dot).</summary>
    private static bool IsColLabel(Token t) => t.Kind == TokenKind.Identifier;

    /// <summary>BareColLabel: an alias that may follow an expression without AS.</summary>
    private static bool IsBareColLabel(Token t) =>
        t.Kind == TokenKind.Identifier && (t.Quoted || SqlKeywords.IsBareLabel(t.Value));

    private static Identifier ToIdentifier(Token t) => new(t.Value, t.Quoted) { Span = t.Span };

    private Identifier ParseColId(string what = "a name")
    {
        if (!IsColId(Cur)) throw Expected(what);
        return ToIdentifier(Advance());
    }

    private Identifier ParseColLabel(string what = "a name")
    {
        if (!IsColLabel(Cur)) throw Expected(what);
        return ToIdentifier(Advance());
    }

    /// <summary>qualified_name / any_name: ColId { . ColLabel }.</summary>
    private QualifiedName ParseQualifiedName(string what = "a name")
    {
        int start = Start;
        var parts = ImmutableArray.CreateBuilder<Identifier>();
        parts.Add(ParseColId(what));
        while (Cur.Kind == TokenKind.Dot && IsColLabel(Peek(1)))
        {
            Advance();
            parts.Add(ToIdentifier(Advance()));
        }
        return new QualifiedName(parts.ToImmutable()) { Span = From(start) };
    }

    private ImmutableArray<Identifier> ParseParenthesisedNameList()
    {
        Expect(TokenKind.LeftParen);
        var names = ImmutableArray.CreateBuilder<Identifier>();
        do names.Add(ParseColId("a column name"));
        while (Accept(TokenKind.Comma));
        Expect(TokenKind.RightParen);
        return names.ToImmutable();
    }

    private int ParseIntegerConstant(string what)
    {
        if (Cur.Kind != TokenKind.Integer) throw Expected(what);
        var token = Advance();
        if (!int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            throw ErrorAt(token.Span.Start, $"integer {token.Value} is out of range");
        }
        return value;
    }
}
