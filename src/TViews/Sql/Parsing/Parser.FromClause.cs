using System.Collections.Immutable;

namespace TViews.Sql;

internal sealed partial class Parser
{
    private ImmutableArray<FromItem> ParseFromList()
    {
        var items = ImmutableArray.CreateBuilder<FromItem>();
        do items.Add(ParseJoins(ParseTableReference()));
        while (Accept(TokenKind.Comma));
        return items.ToImmutable();
    }

    private bool IsJoinStart() =>
        IsKw("join") || IsKw("inner") || IsKw("left") || IsKw("right") || IsKw("full") || IsKw("natural")
        || (IsKw("cross") && Peek(1).Is("join"));

    /// <summary>Left-associative joins. A join that still needs ON/USING takes a right-nested join first
    /// (<c>a JOIN b JOIN c ON x ON y</c> is <c>a JOIN (b JOIN c ON x) ON y</c>, as in PostgreSQL).</summary>
    private FromItem ParseJoins(FromItem left)
    {
        int start = left.Span.Start;
        while (true)
        {
            if (IsKw("cross") && Peek(1).Is("join"))
            {
                Advance();
                Advance();
                var crossRight = ParseTableReference();
                left = new JoinExpr(JoinKind.Cross, left, crossRight) { Span = From(start) };
                continue;
            }
            bool natural = AcceptKw("natural");
            JoinKind kind;
            if (AcceptKw("join"))
            {
                kind = JoinKind.Inner;
            }
            else if (AcceptKw("inner"))
            {
                ExpectKw("join");
                kind = JoinKind.Inner;
            }
            else if (IsKw("left") || IsKw("right") || IsKw("full"))
            {
                kind = Advance().Value switch
                {
                    "left" => JoinKind.Left,
                    "right" => JoinKind.Right,
                    _ => JoinKind.Full,
                };
                AcceptKw("outer");
                ExpectKw("join");
            }
            else
            {
                if (natural) throw Expected("JOIN");
                return left;
            }

            var right = ParseTableReference();
            Expr? on = null;
            ImmutableArray<Identifier> usingColumns = [];
            if (!natural)
            {
                if (IsJoinStart()) right = ParseJoins(right);
                if (AcceptKw("on"))
                {
                    on = ParseExpr();
                }
                else if (IsKw("using"))
                {
                    Advance();
                    usingColumns = ParseParenthesisedNameList();
                    if (IsKw("as")) throw ErrorAt(Start, "an alias for JOIN ... USING is not supported");
                }
                else
                {
                    throw Expected("ON or USING");
                }
            }
            left = new JoinExpr(kind, left, right) { Natural = natural, On = on, Using = usingColumns, Span = From(start) };
        }
    }

    /// <summary>table_ref without trailing joins.</summary>
    private FromItem ParseTableReference()
    {
        Enter();
        try
        {
            int start = Start;
            if (AcceptKw("lateral"))
            {
                if (Cur.Kind == TokenKind.LeftParen)
                {
                    if (!QueryFollowsParens(1, out _)) throw ErrorAt(Peek(1).Span.Start, "expected a subquery after LATERAL (");
                    return ParseSubqueryReference(start, lateral: true);
                }
                return ParseFunctionReference(start, lateral: true);
            }
            if (Cur.Kind == TokenKind.LeftParen)
            {
                if (QueryFollowsParens(1, out int parens))
                {
                    if (parens == 0) return ParseSubqueryReference(start, lateral: false);
                    // "((SELECT ...) AS s JOIN t ON ...)" is a parenthesised join, "((SELECT ...))" a subquery.
                    return FirstOf<FromItem>(() => ParseSubqueryReference(start, lateral: false), () => ParseParenthesisedJoin(start));
                }
                return ParseParenthesisedJoin(start);
            }
            if (IsKw("rows") && Peek(1).Is("from") && Peek(2).Kind == TokenKind.LeftParen) return ParseFunctionReference(start, lateral: false);
            if (IsKw("only")) return RefuseTableSample(WithAlias(ParseRelationReference(start), start));
            if (Cur.Kind != TokenKind.Identifier) throw Expected("a table, subquery or function");
            if (IsSpecialFunctionStart() || LooksLikeFunctionCall()) return ParseFunctionReference(start, lateral: false);
            var table = ParseRelationReference(start);
            return RefuseTableSample(WithAlias(table, start));
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// TABLESAMPLE (after the optional alias) is refused by name: a sample's rows are chosen by chance, or
    /// by where rows are stored, not by the table's contents, so nothing can maintain a query over one.
    /// </summary>
    private FromItem RefuseTableSample(FromItem item) => IsKw("tablesample")
        ? throw ErrorAt(Start, "TABLESAMPLE is not supported: a sample's rows depend on chance or on where rows are stored, not on the table's contents")
        : item;

    private FromItem WithAlias(FromItem item, int start)
    {
        var alias = ParseOptionalAlias();
        return alias is null ? item : item with { Alias = alias, Span = From(start) };
    }

    /// <summary>relation_expr: <c>[ONLY] name [*]</c> or <c>ONLY (name)</c>.</summary>
    private TableRef ParseRelationReference(int start)
    {
        bool only = AcceptKw("only");
        QualifiedName name;
        if (only && Accept(TokenKind.LeftParen))
        {
            name = ParseQualifiedName("a table name");
            Expect(TokenKind.RightParen);
        }
        else
        {
            name = ParseQualifiedName("a table name");
            // "name *" explicitly includes inheritance children: the default.
            if (!only && Cur.IsOperator("*")) Advance();
        }
        return new TableRef(name) { Only = only, Span = From(start) };
    }

    /// <summary>Name parts followed by "(": a function call in FROM.</summary>
    private bool LooksLikeFunctionCall()
    {
        int i = 0;
        if (Peek(i).Kind != TokenKind.Identifier) return false;
        i++;
        while (Peek(i).Kind == TokenKind.Dot && Peek(i + 1).Kind == TokenKind.Identifier) i += 2;
        return Peek(i).Kind == TokenKind.LeftParen;
    }

    private SubqueryRef ParseSubqueryReference(int start, bool lateral)
    {
        var query = ParseParenthesisedQuery();
        var alias = ParseOptionalAlias();
        return new SubqueryRef(query) { Lateral = lateral, Alias = alias, Span = From(start) };
    }

    private JoinExpr ParseParenthesisedJoin(int start)
    {
        Expect(TokenKind.LeftParen);
        var inner = ParseJoins(ParseTableReference());
        if (inner is not JoinExpr join) throw Expected("JOIN");
        Expect(TokenKind.RightParen);
        var alias = ParseOptionalAlias();
        if (alias is null) return join;
        if (join.Alias is not null) throw ErrorAt(alias.Span.Start, "a parenthesised join can have only one alias");
        return join with { Alias = alias, Span = From(start) };
    }

    /// <summary><c>(query)</c> as used by subqueries: the parentheses may nest.</summary>
    private SelectStmt ParseParenthesisedQuery()
    {
        Expect(TokenKind.LeftParen);
        if (!IsQueryStart(Cur)) throw Expected("a query (SELECT, VALUES, WITH, TABLE or \"(\")");
        var query = ParseSelectStmt();
        Expect(TokenKind.RightParen);
        return query;
    }

    /// <summary>alias_clause: <c>[AS] ColId [(name, ...)]</c>.</summary>
    private Alias? ParseOptionalAlias()
    {
        int start = Start;
        if (AcceptKw("as"))
        {
            var name = ParseColId("an alias after AS");
            var cols = Cur.Kind == TokenKind.LeftParen ? ParseParenthesisedNameList() : [];
            return new Alias(name, cols) { Span = From(start) };
        }
        if (IsColId(Cur))
        {
            var name = ToIdentifier(Advance());
            var cols = Cur.Kind == TokenKind.LeftParen ? ParseParenthesisedNameList() : [];
            return new Alias(name, cols) { Span = From(start) };
        }
        return null;
    }

    /// <summary>func_table with func_alias_clause: <c>f(...) [WITH ORDINALITY] [AS] alias [(cols | coldefs)]</c>, ROWS FROM (...).</summary>
    private FunctionRef ParseFunctionReference(int start, bool lateral)
    {
        var functions = ImmutableArray.CreateBuilder<RangeFunction>();
        bool rowsFrom = false;
        if (IsKw("rows") && Peek(1).Is("from"))
        {
            rowsFrom = true;
            Advance();
            Advance();
            Expect(TokenKind.LeftParen);
            do
            {
                int fnStart = Start;
                var call = ParseFromFunctionCall();
                ImmutableArray<ColumnDef> defs = [];
                if (IsKw("as") && Peek(1).Kind == TokenKind.LeftParen)
                {
                    Advance();
                    defs = ParseColumnDefinitionList();
                }
                functions.Add(new RangeFunction(call) { ColumnDefinitions = defs, Span = From(fnStart) });
            }
            while (Accept(TokenKind.Comma));
            Expect(TokenKind.RightParen);
        }
        else
        {
            int fnStart = Start;
            var call = ParseFromFunctionCall();
            functions.Add(new RangeFunction(call) { Span = From(fnStart) });
        }

        bool ordinality = false;
        if (IsKw("with") && Peek(1).Is("ordinality"))
        {
            Advance();
            Advance();
            ordinality = true;
        }

        // func_alias_clause
        Alias? alias = null;
        ImmutableArray<ColumnDef> columnDefs = [];
        int aliasStart = Start;
        bool hasAs = AcceptKw("as");
        if (hasAs && Cur.Kind == TokenKind.LeftParen)
        {
            columnDefs = ParseColumnDefinitionList();
        }
        else if (hasAs || IsColId(Cur))
        {
            var name = ParseColId("an alias");
            ImmutableArray<Identifier> cols = [];
            if (Cur.Kind == TokenKind.LeftParen)
            {
                // "AS g(x, y)" names columns; "AS g(x int, y text)" defines them.
                bool isNameList = Peek(1).Kind == TokenKind.Identifier && Peek(2).Kind is TokenKind.Comma or TokenKind.RightParen;
                if (isNameList) cols = ParseParenthesisedNameList();
                else columnDefs = ParseColumnDefinitionList();
            }
            alias = new Alias(name, cols) { Span = From(aliasStart) };
        }
        if (rowsFrom && !columnDefs.IsEmpty) throw ErrorAt(aliasStart, "ROWS FROM() with multiple functions cannot have a column definition list");
        return new FunctionRef(functions.ToImmutable())
        {
            RowsFrom = rowsFrom,
            Lateral = lateral,
            WithOrdinality = ordinality,
            Alias = alias,
            ColumnDefinitions = columnDefs,
            Span = From(start),
        };
    }

    /// <summary>func_expr_windowless: a call without OVER/FILTER/WITHIN GROUP, or a special form (COALESCE, CURRENT_DATE...).</summary>
    private Expr ParseFromFunctionCall()
    {
        if (IsSpecialFunctionStart()) return ParsePrimary();
        int start = Start;
        if (!LooksLikeFunctionCall()) throw Expected("a function call");
        var name = ParseFunctionName();
        return ParseFunctionArguments(name, start, allowWindowClauses: false);
    }

    private ImmutableArray<ColumnDef> ParseColumnDefinitionList()
    {
        Expect(TokenKind.LeftParen);
        var defs = ImmutableArray.CreateBuilder<ColumnDef>();
        do
        {
            int start = Start;
            var name = ParseColId("a column name");
            var type = ParseTypeName();
            QualifiedName? collation = null;
            if (AcceptKw("collate")) collation = ParseQualifiedName("a collation name");
            defs.Add(new ColumnDef(name, type) { Collation = collation, Span = From(start) });
        }
        while (Accept(TokenKind.Comma));
        Expect(TokenKind.RightParen);
        return defs.ToImmutable();
    }
}
