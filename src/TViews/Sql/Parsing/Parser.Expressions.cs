using System.Globalization;
using System.Collections.Immutable;

namespace TViews.Sql;

internal sealed partial class Parser
{
    private enum InfixKind
    {
        Or,
        And,
        Is,
        IsNullPostfix,
        NotNullPostfix,
        LikeFamily,
        AtTimeZone,
        Collate,
        Cast,
        Operator,
    }

    private ImmutableArray<Expr> ParseExprList()
    {
        var items = ImmutableArray.CreateBuilder<Expr>();
        do items.Add(ParseExpr());
        while (Accept(TokenKind.Comma));
        return items.ToImmutable();
    }

    /// <summary>
    /// Precedence climbing over a_expr: parses operators binding at least as tight as <paramref name="minPrecedence"/>.
    /// With <paramref name="restricted"/> it parses PostgreSQL's b_expr (BETWEEN's lower bound, POSITION's
    /// arguments): no NOT, AND/OR, IS [NOT] NULL/TRUE/..., LIKE/IN/BETWEEN, AT TIME ZONE or COLLATE at the top.
    /// </summary>
    private Expr ParseExpr(int minPrecedence = Precedence.Or, bool restricted = false)
    {
        Enter();
        try
        {
            int start = Start;
            var left = ParsePrefix(restricted);
            int lastNonAssociative = -1;
            while (TryPeekInfix(out var kind, out int precedence) && precedence >= minPrecedence
                   && (!restricted || IsBExprInfix(kind)))
            {
                if (precedence == lastNonAssociative)
                {
                    throw Expected("parentheses (this operator cannot follow another of its kind)");
                }
                left = ParseInfix(kind, precedence, left, start, restricted);
                lastNonAssociative = precedence is Precedence.Is or Precedence.Comparison or Precedence.Like ? precedence : -1;
            }
            return left;
        }
        finally
        {
            Exit();
        }
    }

    private bool IsBExprInfix(InfixKind kind) =>
        kind is InfixKind.Operator or InfixKind.Cast
        || (kind == InfixKind.Is && (Peek(1).Is("distinct") || (Peek(1).Is("not") && Peek(2).Is("distinct"))));

    private bool TryPeekInfix(out InfixKind kind, out int precedence)
    {
        var t = Cur;
        kind = InfixKind.Operator;
        precedence = 0;
        switch (t.Kind)
        {
            case TokenKind.Operator:
                precedence = Precedence.OfBinary(t.Value, qualified: false);
                return true;
            case TokenKind.DoubleColon:
                (kind, precedence) = (InfixKind.Cast, Precedence.Postfix);
                return true;
            case TokenKind.Identifier when !t.Quoted:
                switch (t.Value)
                {
                    case "or": (kind, precedence) = (InfixKind.Or, Precedence.Or); return true;
                    case "and": (kind, precedence) = (InfixKind.And, Precedence.And); return true;
                    case "is": (kind, precedence) = (InfixKind.Is, Precedence.Is); return true;
                    case "isnull": (kind, precedence) = (InfixKind.IsNullPostfix, Precedence.Is); return true;
                    case "notnull": (kind, precedence) = (InfixKind.NotNullPostfix, Precedence.Is); return true;
                    case "like" or "ilike" or "in" or "between":
                        (kind, precedence) = (InfixKind.LikeFamily, Precedence.Like);
                        return true;
                    case "similar" when Peek(1).Is("to"):
                        (kind, precedence) = (InfixKind.LikeFamily, Precedence.Like);
                        return true;
                    case "not" when Peek(1).Is("like") || Peek(1).Is("ilike") || Peek(1).Is("in") || Peek(1).Is("between")
                                    || (Peek(1).Is("similar") && Peek(2).Is("to")):
                        (kind, precedence) = (InfixKind.LikeFamily, Precedence.Like);
                        return true;
                    case "at" when Peek(1).Is("time") && Peek(2).Is("zone"):
                        (kind, precedence) = (InfixKind.AtTimeZone, Precedence.AtTimeZone);
                        return true;
                    case "collate": (kind, precedence) = (InfixKind.Collate, Precedence.Collate); return true;
                    case "operator" when Peek(1).Kind == TokenKind.LeftParen:
                        (kind, precedence) = (InfixKind.Operator, Precedence.Other);
                        return true;
                }
                return false;
            default:
                return false;
        }
    }

    private Expr ParseInfix(InfixKind kind, int precedence, Expr left, int start, bool restricted)
    {
        switch (kind)
        {
            case InfixKind.Or:
            case InfixKind.And:
            {
                string word = kind == InfixKind.Or ? "or" : "and";
                var operands = ImmutableArray.CreateBuilder<Expr>();
                operands.Add(left);
                while (AcceptKw(word)) operands.Add(ParseExpr(precedence + 1));
                var op = kind == InfixKind.Or ? BoolOperator.Or : BoolOperator.And;
                return new BoolExpr(op, operands.ToImmutable()) { Span = From(start) };
            }
            case InfixKind.Is:
                return ParseIsRest(left, start, restricted);
            case InfixKind.IsNullPostfix:
                Advance();
                return new IsExpr(left, IsTest.Null) { Span = From(start) };
            case InfixKind.NotNullPostfix:
                Advance();
                return new IsExpr(left, IsTest.Null, Negated: true) { Span = From(start) };
            case InfixKind.LikeFamily:
                return ParseLikeFamilyRest(left, start);
            case InfixKind.AtTimeZone:
                Advance();
                Advance();
                Advance();
                return new AtTimeZoneExpr(left, ParseExpr(Precedence.AtTimeZone + 1)) { Span = From(start) };
            case InfixKind.Collate:
                Advance();
                return new CollateExpr(left, ParseQualifiedName("a collation name")) { Span = From(start) };
            case InfixKind.Cast:
                Advance();
                return new CastExpr(left, ParseTypeName()) { Syntax = CastSyntax.DoubleColon, Span = From(start) };
            default:
            {
                var (op, schema) = ParseOperatorName();
                if ((IsKw("any") || IsKw("some") || IsKw("all")) && Peek(1).Kind == TokenKind.LeftParen)
                {
                    return ParseQuantifiedRest(left, op, schema, start);
                }
                var right = ParseExpr(precedence + 1, restricted);
                return new BinaryExpr(op, left, right) { OperatorSchema = schema, Span = From(start) };
            }
        }
    }

    /// <summary>An operator token, or <c>OPERATOR([schema.]op)</c>.</summary>
    private (string Op, string? Schema) ParseOperatorName()
    {
        if (Cur.Kind == TokenKind.Operator) return (Advance().Value, null);
        return ParseOperatorConstruct();
    }

    private (string Op, string? Schema) ParseOperatorConstruct()
    {
        ExpectKw("operator");
        Expect(TokenKind.LeftParen);
        string? schema = null;
        if (Cur.Kind == TokenKind.Identifier)
        {
            schema = ParseColId("a schema name").Value;
            Expect(TokenKind.Dot);
            if (Cur.Kind == TokenKind.Identifier) throw ErrorAt(Start, "improper qualified operator name (too many dotted names)");
        }
        if (Cur.Kind != TokenKind.Operator) throw Expected("an operator");
        string op = Advance().Value;
        Expect(TokenKind.RightParen);
        return (op, schema);
    }

    private Expr ParseIsRest(Expr left, int start, bool restricted)
    {
        ExpectKw("is");
        bool negated = AcceptKw("not");
        if (AcceptKw("null")) return new IsExpr(left, IsTest.Null, negated) { Span = From(start) };
        if (AcceptKw("true")) return new IsExpr(left, IsTest.True, negated) { Span = From(start) };
        if (AcceptKw("false")) return new IsExpr(left, IsTest.False, negated) { Span = From(start) };
        if (AcceptKw("unknown")) return new IsExpr(left, IsTest.Unknown, negated) { Span = From(start) };
        if (AcceptKw("distinct"))
        {
            ExpectKw("from");
            var right = ParseExpr(Precedence.Is + 1, restricted);
            return new IsDistinctFromExpr(left, right, negated) { Span = From(start) };
        }
        if (IsKw("document") || IsKw("normalized") || IsKw("nfc") || IsKw("nfd") || IsKw("nfkc") || IsKw("nfkd") || IsKw("of"))
        {
            throw ErrorAt(Start, $"IS {Cur.Value.ToUpperInvariant()} is not supported");
        }
        throw Expected("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM");
    }

    private Expr ParseLikeFamilyRest(Expr left, int start)
    {
        bool negated = AcceptKw("not");
        if (AcceptKw("in")) return ParseInRest(left, negated, start);
        if (AcceptKw("between"))
        {
            bool symmetric = AcceptKw("symmetric");
            if (!symmetric) AcceptKw("asymmetric");
            var low = ParseExpr(Precedence.Like + 1, restricted: true);
            ExpectKw("and");
            var high = ParseExpr(Precedence.Like + 1);
            return new BetweenExpr(left, low, high) { Negated = negated, Symmetric = symmetric, Span = From(start) };
        }
        LikeKind kind;
        if (AcceptKw("like"))
        {
            kind = LikeKind.Like;
        }
        else if (AcceptKw("ilike"))
        {
            kind = LikeKind.ILike;
        }
        else
        {
            ExpectKw("similar");
            ExpectKw("to");
            kind = LikeKind.SimilarTo;
        }
        if (kind != LikeKind.SimilarTo && (IsKw("any") || IsKw("some") || IsKw("all")) && Peek(1).Kind == TokenKind.LeftParen)
        {
            // x LIKE ANY (...) is PostgreSQL's x ~~ ANY (...).
            string op = (kind, negated) switch
            {
                (LikeKind.Like, false) => "~~",
                (LikeKind.Like, true) => "!~~",
                (_, false) => "~~*",
                _ => "!~~*",
            };
            return ParseQuantifiedRest(left, op, null, start);
        }
        var pattern = ParseExpr(Precedence.Like + 1);
        Expr? escape = AcceptKw("escape") ? ParseExpr(Precedence.Like + 1) : null;
        return new LikeExpr(left, kind, pattern) { Negated = negated, Escape = escape, Span = From(start) };
    }

    private Expr ParseInRest(Expr left, bool negated, int start)
    {
        if (Cur.Kind != TokenKind.LeftParen) throw Expected("\"(\"");
        if (QueryFollowsParens(1, out int parens))
        {
            Expr Subquery() => new InSubqueryExpr(left, ParseParenthesisedQuery(), negated) { Span = From(start) };
            if (parens == 0) return Subquery();
            return FirstOf(Subquery, () => ParseInList(left, negated, start));
        }
        return ParseInList(left, negated, start);
    }

    private InListExpr ParseInList(Expr left, bool negated, int start)
    {
        Expect(TokenKind.LeftParen);
        var items = ParseExprList();
        Expect(TokenKind.RightParen);
        return new InListExpr(left, items, negated) { Span = From(start) };
    }

    private Expr ParseQuantifiedRest(Expr left, string op, string? schema, int start)
    {
        var quantifier = Advance().Value == "all" ? Quantifier.All : Quantifier.Any;
        Expr Subquery() => new QuantifiedExpr(left, op, quantifier) { OperatorSchema = schema, Query = ParseParenthesisedQuery(), Span = From(start) };
        Expr ArrayForm()
        {
            Expect(TokenKind.LeftParen);
            var array = ParseExpr();
            Expect(TokenKind.RightParen);
            return new QuantifiedExpr(left, op, quantifier) { OperatorSchema = schema, Array = array, Span = From(start) };
        }
        if (QueryFollowsParens(1, out int parens)) return parens == 0 ? Subquery() : FirstOf(Subquery, ArrayForm);
        return ArrayForm();
    }

    /// <summary>Prefix operators: NOT, unary + and -, user prefix operators (which bind like "other" operators).</summary>
    private Expr ParsePrefix(bool restricted)
    {
        int start = Start;
        if (IsKw("not"))
        {
            if (restricted) throw Expected("an expression");
            Advance();
            return new NotExpr(ParseExpr(Precedence.Not)) { Span = From(start) };
        }
        // Only + and - and PostgreSQL's generic "Op" operators can be prefix; = < > * / % ^ <= >= <> are not.
        if (Cur.Kind == TokenKind.Operator && Cur.Value is not ("*" or "/" or "%" or "^" or "<" or ">" or "=" or "<=" or ">=" or "<>"))
        {
            string op = Advance().Value;
            int operandPrecedence = op is "+" or "-" ? Precedence.Unary : Precedence.Other + 1;
            return new UnaryExpr(op, ParseExpr(operandPrecedence, restricted)) { Span = From(start) };
        }
        if (IsKw("operator") && Peek(1).Kind == TokenKind.LeftParen)
        {
            var (op, schema) = ParseOperatorConstruct();
            return new UnaryExpr(op, ParseExpr(Precedence.Other + 1, restricted)) { OperatorSchema = schema, Span = From(start) };
        }
        return ParsePrimary();
    }

    /// <summary>c_expr: constants, names, calls, parenthesised expressions, subqueries and the special forms.</summary>
    private Expr ParsePrimary()
    {
        var t = Cur;
        int start = t.Span.Start;
        switch (t.Kind)
        {
            case TokenKind.Integer:
                Advance();
                return new Literal(LiteralKind.Integer, t.Value) { Span = t.Span };
            case TokenKind.Numeric:
                Advance();
                return new Literal(LiteralKind.Numeric, t.Value) { Span = t.Span };
            case TokenKind.String:
                Advance();
                if (t.National) return new TypedLiteral(TypeName.System("bpchar") with { Span = t.Span }, t.Value) { Span = t.Span };
                return new Literal(LiteralKind.String, t.Value) { Form = t.StringForm, Span = t.Span };
            case TokenKind.BitString:
                Advance();
                return new Literal(LiteralKind.BitString, t.Value) { Span = t.Span };
            case TokenKind.Param:
                Advance();
                return ParseIndirection(new ParamRef(int.Parse(t.Value, CultureInfo.InvariantCulture)) { Span = t.Span }, start);
            case TokenKind.LeftParen:
                return ParseParenthesisedExpression();
            case TokenKind.Identifier:
                return ParseNamePrimary();
            default:
                throw Expected("an expression");
        }
    }

    private Expr ParseParenthesisedExpression()
    {
        Enter();
        try
        {
            int start = Start;
            if (QueryFollowsParens(1, out int parens))
            {
                Expr Subquery() => ParseIndirection(new SubqueryExpr(SubqueryKind.Scalar, ParseParenthesisedQuery()) { Span = From(start) }, start);
                if (parens == 0) return Subquery();
                return FirstOf(Subquery, () => ParseParenthesisedValue(start));
            }
            return ParseParenthesisedValue(start);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary><c>(expr)</c> with optional indirection, or an implicit row <c>(a, b, ...)</c>.</summary>
    private Expr ParseParenthesisedValue(int start)
    {
        Expect(TokenKind.LeftParen);
        var first = ParseExpr();
        if (Cur.Kind == TokenKind.Comma)
        {
            var fields = ImmutableArray.CreateBuilder<Expr>();
            fields.Add(first);
            while (Accept(TokenKind.Comma)) fields.Add(ParseExpr());
            Expect(TokenKind.RightParen);
            return new RowExpr(fields.ToImmutable()) { Span = From(start) };
        }
        Expect(TokenKind.RightParen);
        return ParseIndirection(first, start);
    }

    /// <summary>Subscripts, slices and field selections after a column, parameter or parenthesised expression.</summary>
    private Expr ParseIndirection(Expr expr, int start)
    {
        while (true)
        {
            if (Cur.Kind == TokenKind.Dot)
            {
                Advance();
                if (Cur.IsOperator("*"))
                {
                    Advance();
                    expr = new FieldSelectExpr(expr, null) { Span = From(start) };
                }
                else
                {
                    expr = new FieldSelectExpr(expr, ParseColLabel("a field name or \"*\"")) { Span = From(start) };
                }
            }
            else if (Cur.Kind == TokenKind.LeftBracket)
            {
                Advance();
                Expr? lower = null, upper = null;
                bool slice = false;
                if (Cur.Kind != TokenKind.Colon) lower = ParseExpr();
                if (Accept(TokenKind.Colon))
                {
                    slice = true;
                    if (Cur.Kind != TokenKind.RightBracket) upper = ParseExpr();
                }
                Expect(TokenKind.RightBracket);
                expr = new SubscriptExpr(expr, lower, upper, slice) { Span = From(start) };
            }
            else
            {
                return expr;
            }
        }
    }

    private static readonly HashSet<string> ConstTypeKeywords =
    [
        "int", "integer", "smallint", "bigint", "real", "float", "double", "decimal", "dec", "numeric", "boolean",
        "bit", "character", "char", "varchar", "national", "nchar", "time", "timestamp",
    ];

    /// <summary>Keywords that begin a special-syntax call usable where a function call is (also in FROM).</summary>
    private bool IsSpecialFunctionStart()
    {
        var t = Cur;
        if (t.Kind != TokenKind.Identifier || t.Quoted) return false;
        return t.Value switch
        {
            "cast" or "extract" or "overlay" or "position" or "substring" or "trim" or "coalesce" or "greatest"
                or "least" or "nullif" => Peek(1).Kind == TokenKind.LeftParen,
            "collation" => Peek(1).Is("for"),
            "current_date" or "current_time" or "current_timestamp" or "localtime" or "localtimestamp" or "current_role"
                or "current_user" or "session_user" or "user" or "current_catalog" => true,
            "current_schema" => Peek(1).Kind != TokenKind.LeftParen,
            _ => false,
        };
    }

    private Expr ParseNamePrimary()
    {
        var t = Cur;
        int start = t.Span.Start;
        if (!t.Quoted)
        {
            switch (t.Value)
            {
                case "true":
                    Advance();
                    return Literal.True with { Span = t.Span };
                case "false":
                    Advance();
                    return Literal.False with { Span = t.Span };
                case "null":
                    Advance();
                    return Literal.Null with { Span = t.Span };
                case "case":
                    return ParseCase();
                case "cast" when Peek(1).Kind == TokenKind.LeftParen:
                {
                    Advance();
                    Advance();
                    var operand = ParseExpr();
                    ExpectKw("as");
                    var type = ParseTypeName();
                    Expect(TokenKind.RightParen);
                    return new CastExpr(operand, type) { Syntax = CastSyntax.Cast, Span = From(start) };
                }
                case "exists" when Peek(1).Kind == TokenKind.LeftParen:
                    Advance();
                    return new SubqueryExpr(SubqueryKind.Exists, ParseParenthesisedQuery()) { Span = From(start) };
                case "array" when Peek(1).Kind == TokenKind.LeftBracket:
                    Advance();
                    return ParseArrayBrackets(start);
                case "array" when Peek(1).Kind == TokenKind.LeftParen:
                    Advance();
                    return new SubqueryExpr(SubqueryKind.Array, ParseParenthesisedQuery()) { Span = From(start) };
                case "row" when Peek(1).Kind == TokenKind.LeftParen:
                {
                    Advance();
                    Advance();
                    ImmutableArray<Expr> fields = Cur.Kind == TokenKind.RightParen ? [] : ParseExprList();
                    Expect(TokenKind.RightParen);
                    return new RowExpr(fields) { ExplicitRowKeyword = true, Span = From(start) };
                }
                case "extract" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParseExtract();
                case "overlay" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParseOverlay();
                case "position" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParsePosition();
                case "substring" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParseSubstring();
                case "trim" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParseTrim();
                case "coalesce" or "greatest" or "least" or "nullif" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParseExpressionListCall();
                case "grouping" when Peek(1).Kind == TokenKind.LeftParen:
                    return ParseExpressionListCall();
                case "collation" when Peek(1).Is("for"):
                {
                    Advance();
                    Advance();
                    Expect(TokenKind.LeftParen);
                    var arg = ParseExpr();
                    Expect(TokenKind.RightParen);
                    return new FuncCall(QualifiedName.Of("pg_catalog", "pg_collation_for"), [new FuncArg(arg)]) { Span = From(start) };
                }
                case "current_date":
                    Advance();
                    return new SqlValueFunction(SqlValueKind.CurrentDate) { Span = t.Span };
                case "current_time":
                    return ParseValueFunctionWithPrecision(SqlValueKind.CurrentTime);
                case "current_timestamp":
                    return ParseValueFunctionWithPrecision(SqlValueKind.CurrentTimestamp);
                case "localtime":
                    return ParseValueFunctionWithPrecision(SqlValueKind.LocalTime);
                case "localtimestamp":
                    return ParseValueFunctionWithPrecision(SqlValueKind.LocalTimestamp);
                case "current_role":
                    Advance();
                    return new SqlValueFunction(SqlValueKind.CurrentRole) { Span = t.Span };
                case "current_user":
                    Advance();
                    return new SqlValueFunction(SqlValueKind.CurrentUser) { Span = t.Span };
                case "session_user":
                    Advance();
                    return new SqlValueFunction(SqlValueKind.SessionUser) { Span = t.Span };
                case "user":
                    Advance();
                    return new SqlValueFunction(SqlValueKind.User) { Span = t.Span };
                case "current_catalog":
                    Advance();
                    return new SqlValueFunction(SqlValueKind.CurrentCatalog) { Span = t.Span };
                case "current_schema" when Peek(1).Kind != TokenKind.LeftParen:
                    Advance();
                    return new SqlValueFunction(SqlValueKind.CurrentSchema) { Span = t.Span };
                case "interval":
                {
                    var literal = TryParseIntervalLiteral();
                    if (literal is not null) return literal;
                    break;
                }
                case "default":
                    throw ErrorAt(start, "DEFAULT is not allowed in this context");
                case "treat" or "normalize" or "xmlelement" or "xmlconcat" or "xmlexists" or "xmlforest" or "xmlparse"
                    or "xmlpi" or "xmlroot" or "xmlserialize" when Peek(1).Kind == TokenKind.LeftParen:
                    throw ErrorAt(start, $"{t.Value.ToUpperInvariant()}(...) is not supported");
                default:
                    if (ConstTypeKeywords.Contains(t.Value))
                    {
                        var literal = TryParseConstTypeLiteral();
                        if (literal is not null) return literal;
                    }
                    break;
            }
        }
        return ParseNameReference();
    }

    /// <summary>Column reference, <c>t.*</c>, function call, or generic typed literal <c>name 'text'</c>.</summary>
    private Expr ParseNameReference()
    {
        var first = Cur;
        int start = first.Span.Start;
        var parts = ImmutableArray.CreateBuilder<Identifier>();
        parts.Add(ToIdentifier(Advance()));
        while (Cur.Kind == TokenKind.Dot)
        {
            var next = Peek(1);
            if (next.IsOperator("*"))
            {
                if (!IsColId(first)) throw ErrorAt(start, $"expected an expression, found {DescribeToken(first)}");
                Advance();
                Advance();
                var qualifier = new QualifiedName(parts.ToImmutable()) { Span = TextSpan.FromBounds(start, parts[^1].Span.End) };
                return new StarExpr(qualifier) { Span = From(start) };
            }
            if (!IsColLabel(next)) break;
            Advance();
            parts.Add(ToIdentifier(Advance()));
        }

        if (Cur.Kind == TokenKind.LeftParen)
        {
            bool validName = parts.Count == 1 ? IsTypeFunctionName(first) : IsColId(first);
            if (!validName) throw ErrorAt(start, $"expected an expression, found {DescribeToken(first)}");
            var name = new QualifiedName(parts.ToImmutable()) { Span = From(start) };
            var call = ParseFunctionArguments(name, start, allowWindowClauses: true);
            // func_name '(' args ')' Sconst: a typed literal with type modifiers, e.g. "mytype(3) 'x'".
            if (Cur.Kind == TokenKind.String && !Cur.National && call is FuncCall plain && IsPlainCall(plain))
            {
                var value = Advance().Value;
                var type = new TypeName(name, [.. plain.Args.Select(a => a.Value)]) { Span = plain.Span };
                return new TypedLiteral(type, value) { Span = From(start) };
            }
            return call;
        }

        if (Cur.Kind == TokenKind.String && !Cur.National)
        {
            bool validType = parts.Count == 1 ? IsTypeFunctionName(first) : IsColId(first);
            if (!validType) throw ErrorAt(start, $"expected an expression, found {DescribeToken(first)}");
            var type = new TypeName(new QualifiedName(parts.ToImmutable()) { Span = From(start) }) { Span = From(start) };
            string value = Advance().Value;
            return new TypedLiteral(type, value) { Span = From(start) };
        }

        if (!IsColId(first)) throw ErrorAt(start, $"expected an expression, found {DescribeToken(first)}");
        var column = new ColumnRef(parts.ToImmutable()) { Span = From(start) };
        return ParseIndirection(column, start);
    }

    private static bool IsPlainCall(FuncCall call) =>
        !call.Star && !call.Distinct && call.OrderBy.IsEmpty && call.WithinGroup.IsEmpty && call.Filter is null
        && call.Over is null && call.Args.All(a => a.Name is null && !a.Variadic);

    /// <summary>func_name for a call: type_function_name, or ColId followed by dotted labels.</summary>
    private QualifiedName ParseFunctionName()
    {
        int start = Start;
        var first = Cur;
        if (!(IsTypeFunctionName(first) || (IsColId(first) && Peek(1).Kind == TokenKind.Dot))) throw Expected("a function name");
        var parts = ImmutableArray.CreateBuilder<Identifier>();
        parts.Add(ToIdentifier(Advance()));
        while (Cur.Kind == TokenKind.Dot && IsColLabel(Peek(1)))
        {
            Advance();
            parts.Add(ToIdentifier(Advance()));
        }
        return new QualifiedName(parts.ToImmutable()) { Span = From(start) };
    }

    /// <summary>The argument list and trailing clauses of a call whose name has been read.</summary>
    private Expr ParseFunctionArguments(QualifiedName name, int start, bool allowWindowClauses)
    {
        Expect(TokenKind.LeftParen);
        bool star = false, distinct = false;
        var args = ImmutableArray.CreateBuilder<FuncArg>();
        ImmutableArray<SortItem> orderBy = [];
        if (Cur.IsOperator("*"))
        {
            Advance();
            star = true;
            if (Cur.Kind != TokenKind.RightParen) throw Expected("\")\"");
        }
        else if (Cur.Kind != TokenKind.RightParen)
        {
            if (AcceptKw("distinct")) distinct = true;
            else AcceptKw("all");
            bool sawVariadic = false;
            do
            {
                if (sawVariadic) throw ErrorAt(Start, "VARIADIC must be the last argument");
                var arg = ParseFunctionArgument();
                sawVariadic = arg.Variadic;
                args.Add(arg);
            }
            while (Accept(TokenKind.Comma));
            if (IsKw("order") && Peek(1).Is("by"))
            {
                Advance();
                Advance();
                orderBy = ParseSortList();
            }
        }
        Expect(TokenKind.RightParen);

        ImmutableArray<SortItem> withinGroup = [];
        Expr? filter = null;
        WindowSpec? over = null;
        if (allowWindowClauses)
        {
            if (IsKw("within") && Peek(1).Is("group"))
            {
                Advance();
                Advance();
                Expect(TokenKind.LeftParen);
                ExpectKw("order");
                ExpectKw("by");
                withinGroup = ParseSortList();
                Expect(TokenKind.RightParen);
            }
            if (IsKw("filter") && Peek(1).Kind == TokenKind.LeftParen)
            {
                Advance();
                Advance();
                ExpectKw("where");
                filter = ParseExpr();
                Expect(TokenKind.RightParen);
            }
            if (IsKw("over"))
            {
                Advance();
                if (Cur.Kind == TokenKind.LeftParen)
                {
                    over = ParseWindowSpecification();
                }
                else
                {
                    var reference = ParseColId("a window name or \"(\"");
                    over = WindowSpec.Reference(reference) with { Span = reference.Span };
                }
            }
        }
        return new FuncCall(name, args.ToImmutable())
        {
            Star = star,
            Distinct = distinct,
            OrderBy = orderBy,
            WithinGroup = withinGroup,
            Filter = filter,
            Over = over,
            Span = From(start),
        };
    }

    private FuncArg ParseFunctionArgument()
    {
        int start = Start;
        bool variadic = AcceptKw("variadic");
        Identifier? name = null;
        if (Cur.Kind == TokenKind.Identifier && Peek(1).Kind is TokenKind.EqualsGreater or TokenKind.ColonEquals)
        {
            if (!IsTypeFunctionName(Cur)) throw Expected("a parameter name");
            name = ToIdentifier(Advance());
            Advance();
        }
        var value = ParseExpr();
        return new FuncArg(value, name, variadic) { Span = From(start) };
    }

    /// <summary>COALESCE / GREATEST / LEAST / NULLIF / GROUPING: a keyword name and a plain expression list.</summary>
    private Expr ParseExpressionListCall()
    {
        int start = Start;
        var keyword = Advance();
        Expect(TokenKind.LeftParen);
        var args = ParseExprList();
        if (keyword.Value == "nullif" && args.Length != 2) throw ErrorAt(start, "NULLIF requires exactly two arguments");
        Expect(TokenKind.RightParen);
        var name = new QualifiedName([ToIdentifier(keyword)]) { Span = keyword.Span };
        return new FuncCall(name, [.. args.Select(a => new FuncArg(a) { Span = a.Span })]) { Span = From(start) };
    }

    private Expr ParseValueFunctionWithPrecision(SqlValueKind kind)
    {
        int start = Start;
        Advance();
        int? precision = null;
        if (Cur.Kind == TokenKind.LeftParen && Peek(1).Kind == TokenKind.Integer && Peek(2).Kind == TokenKind.RightParen)
        {
            Advance();
            precision = ParseIntegerConstant("a precision");
            Advance();
        }
        return new SqlValueFunction(kind, precision) { Span = From(start) };
    }

    private Expr ParseCase()
    {
        int start = Start;
        ExpectKw("case");
        Expr? operand = IsKw("when") ? null : ParseExpr();
        var whens = ImmutableArray.CreateBuilder<CaseWhen>();
        while (IsKw("when"))
        {
            int whenStart = Start;
            Advance();
            var condition = ParseExpr();
            ExpectKw("then");
            var result = ParseExpr();
            whens.Add(new CaseWhen(condition, result) { Span = From(whenStart) });
        }
        if (whens.Count == 0) throw Expected("WHEN");
        Expr? elseResult = AcceptKw("else") ? ParseExpr() : null;
        ExpectKw("end");
        return new CaseExpr(operand, whens.ToImmutable(), elseResult) { Span = From(start) };
    }

    /// <summary><c>[elements]</c> after ARRAY, or a nested bracket list inside one.</summary>
    private ArrayExpr ParseArrayBrackets(int start)
    {
        Enter();
        try
        {
            Expect(TokenKind.LeftBracket);
            var elements = ImmutableArray.CreateBuilder<Expr>();
            if (Cur.Kind != TokenKind.RightBracket)
            {
                bool nested = Cur.Kind == TokenKind.LeftBracket;
                do
                {
                    if (nested)
                    {
                        if (Cur.Kind != TokenKind.LeftBracket) throw Expected("\"[\"");
                        elements.Add(ParseArrayBrackets(Start));
                    }
                    else
                    {
                        elements.Add(ParseExpr());
                    }
                }
                while (Accept(TokenKind.Comma));
            }
            Expect(TokenKind.RightBracket);
            return new ArrayExpr(elements.ToImmutable()) { Span = From(start) };
        }
        finally
        {
            Exit();
        }
    }

    private Expr ParseExtract()
    {
        int start = Start;
        Advance();
        Expect(TokenKind.LeftParen);
        var t = Cur;
        string field;
        if (t.Kind == TokenKind.String)
        {
            field = SqlLexer.FoldCase(t.Value);
        }
        else if (t.Kind == TokenKind.Identifier
                 && (t.Quoted || t.Category == KeywordCategory.None || t.Value is "year" or "month" or "day" or "hour" or "minute" or "second"))
        {
            field = t.Value;
        }
        else
        {
            throw Expected("a field name (YEAR, MONTH, DAY, EPOCH, ...)");
        }
        Advance();
        ExpectKw("from");
        var source = ParseExpr();
        Expect(TokenKind.RightParen);
        return new ExtractExpr(field, source) { Span = From(start) };
    }

    private Expr ParseOverlay()
    {
        int start = Start;
        var keyword = Advance();
        Expect(TokenKind.LeftParen);
        if (Cur.Kind == TokenKind.RightParen) return FinishPlainCall(keyword, start, []);
        var first = ParseExpr();
        if (!AcceptKw("placing")) return FinishPlainCall(keyword, start, [first]);
        var replacement = ParseExpr();
        ExpectKw("from");
        var from = ParseExpr();
        Expr? length = AcceptKw("for") ? ParseExpr() : null;
        Expect(TokenKind.RightParen);
        return new OverlayExpr(first, replacement, from, length) { Span = From(start) };
    }

    private Expr ParsePosition()
    {
        int start = Start;
        Advance();
        Expect(TokenKind.LeftParen);
        var needle = ParseExpr(Precedence.Like + 1, restricted: true);
        ExpectKw("in");
        var haystack = ParseExpr(Precedence.Like + 1, restricted: true);
        Expect(TokenKind.RightParen);
        return new PositionExpr(needle, haystack) { Span = From(start) };
    }

    private Expr ParseSubstring()
    {
        int start = Start;
        var keyword = Advance();
        Expect(TokenKind.LeftParen);
        if (Cur.Kind == TokenKind.RightParen) return FinishPlainCall(keyword, start, []);
        var source = ParseExpr();
        if (AcceptKw("from"))
        {
            var from = ParseExpr();
            Expr? length = AcceptKw("for") ? ParseExpr() : null;
            Expect(TokenKind.RightParen);
            return new SubstringExpr(source, from, length) { Span = From(start) };
        }
        if (AcceptKw("for"))
        {
            var length = ParseExpr();
            Expr? from = AcceptKw("from") ? ParseExpr() : null;
            Expect(TokenKind.RightParen);
            return new SubstringExpr(source, from, length) { Span = From(start) };
        }
        if (AcceptKw("similar"))
        {
            var pattern = ParseExpr();
            ExpectKw("escape");
            var escape = ParseExpr();
            Expect(TokenKind.RightParen);
            return new SubstringExpr(source, pattern, escape) { Similar = true, Span = From(start) };
        }
        return FinishPlainCall(keyword, start, [source]);
    }

    /// <summary>Continues a special-name call (substring, overlay) as an ordinary argument list after its first arguments.</summary>
    private Expr FinishPlainCall(Token keyword, int start, ImmutableArray<Expr> firstArgs)
    {
        var args = ImmutableArray.CreateBuilder<FuncArg>();
        foreach (var a in firstArgs) args.Add(new FuncArg(a) { Span = a.Span });
        if (!firstArgs.IsEmpty)
        {
            while (Accept(TokenKind.Comma)) args.Add(ParseFunctionArgument());
        }
        Expect(TokenKind.RightParen);
        var name = new QualifiedName([ToIdentifier(keyword)]) { Span = keyword.Span };
        return new FuncCall(name, args.ToImmutable()) { Span = From(start) };
    }

    private Expr ParseTrim()
    {
        int start = Start;
        Advance();
        Expect(TokenKind.LeftParen);
        var side = TrimSide.Both;
        if (AcceptKw("leading")) side = TrimSide.Leading;
        else if (AcceptKw("trailing")) side = TrimSide.Trailing;
        else AcceptKw("both");

        Expr? characters = null;
        ImmutableArray<Expr> list;
        if (AcceptKw("from"))
        {
            list = ParseExprList();
        }
        else
        {
            var first = ParseExpr();
            if (AcceptKw("from"))
            {
                characters = first;
                list = ParseExprList();
                if (list.Length != 1) throw ErrorAt(list[1].Span.Start, "TRIM(... FROM ...) takes exactly one string to trim");
            }
            else
            {
                var rest = ImmutableArray.CreateBuilder<Expr>();
                rest.Add(first);
                while (Accept(TokenKind.Comma)) rest.Add(ParseExpr());
                list = rest.ToImmutable();
            }
        }
        if (characters is null)
        {
            if (list.Length > 2) throw ErrorAt(list[2].Span.Start, "TRIM takes at most two arguments");
            if (list.Length == 2) characters = list[1];
        }
        Expect(TokenKind.RightParen);
        return new TrimExpr(side, characters, list[0]) { Span = From(start) };
    }
}
