using System.Globalization;
using System.Collections.Immutable;

namespace TViews.Sql;

internal sealed partial class Parser
{
    /// <summary>Typename: a simple type name plus array bounds (<c>int[]</c>, <c>int[3][4]</c>, <c>int ARRAY[3]</c>).</summary>
    private TypeName ParseTypeName()
    {
        int start = Start;
        if (IsKw("setof")) throw ErrorAt(start, "SETOF is not supported here");
        var type = ParseSimpleTypeName(constContext: false);
        var bounds = ImmutableArray.CreateBuilder<int>();
        if (AcceptKw("array"))
        {
            if (Accept(TokenKind.LeftBracket))
            {
                bounds.Add(ParseIntegerConstant("an array size"));
                Expect(TokenKind.RightBracket);
            }
            else
            {
                bounds.Add(-1);
            }
        }
        else
        {
            while (Accept(TokenKind.LeftBracket))
            {
                bounds.Add(Cur.Kind == TokenKind.Integer ? ParseIntegerConstant("an array size") : -1);
                Expect(TokenKind.RightBracket);
            }
        }
        return bounds.Count == 0 ? type : type with { ArrayBounds = bounds.ToImmutable(), Span = From(start) };
    }

    /// <summary>
    /// SimpleTypename, or ConstTypename when <paramref name="constContext"/> (before a string literal), where
    /// <c>char</c> and <c>bit</c> without a length mean "no limit" instead of length 1.
    /// </summary>
    private TypeName ParseSimpleTypeName(bool constContext)
    {
        int start = Start;
        var t = Cur;
        if (t.Kind == TokenKind.Identifier && !t.Quoted)
        {
            switch (t.Value)
            {
                case "int" or "integer":
                    Advance();
                    return SystemType("int4", start);
                case "smallint":
                    Advance();
                    return SystemType("int2", start);
                case "bigint":
                    Advance();
                    return SystemType("int8", start);
                case "real":
                    Advance();
                    return SystemType("float4", start);
                case "boolean":
                    Advance();
                    return SystemType("bool", start);
                case "double" when Peek(1).Is("precision"):
                    Advance();
                    Advance();
                    return SystemType("float8", start);
                case "float":
                {
                    Advance();
                    if (Cur.Kind != TokenKind.LeftParen) return SystemType("float8", start);
                    Advance();
                    int precisionAt = Start;
                    int bits = ParseIntegerConstant("a precision");
                    Expect(TokenKind.RightParen);
                    if (bits < 1) throw ErrorAt(precisionAt, "precision for type float must be at least 1 bit");
                    if (bits > 53) throw ErrorAt(precisionAt, "precision for type float must be less than 54 bits");
                    return SystemType(bits <= 24 ? "float4" : "float8", start);
                }
                case "decimal" or "dec" or "numeric":
                {
                    Advance();
                    var modifiers = ParseOptionalTypeModifiers();
                    return SystemType("numeric", start, modifiers);
                }
                case "bit":
                {
                    Advance();
                    bool varying = AcceptKw("varying");
                    var modifiers = ParseOptionalTypeModifiers();
                    if (!varying && modifiers.IsEmpty && !constContext) modifiers = [Literal.Integer(1)];
                    return SystemType(varying ? "varbit" : "bit", start, modifiers);
                }
                case "character" or "char" or "varchar" or "nchar" or "national":
                {
                    Advance();
                    if (t.Value == "national" && !AcceptKw("character") && !AcceptKw("char")) throw Expected("CHARACTER or CHAR");
                    bool varying = t.Value == "varchar" || AcceptKw("varying");
                    ImmutableArray<Expr> modifiers = [];
                    if (Cur.Kind == TokenKind.LeftParen)
                    {
                        Advance();
                        int lengthAt = Start;
                        modifiers = [new Literal(LiteralKind.Integer, ParseIntegerConstant("a length").ToString(CultureInfo.InvariantCulture)) { Span = From(lengthAt) }];
                        Expect(TokenKind.RightParen);
                    }
                    if (!varying && modifiers.IsEmpty && !constContext) modifiers = [Literal.Integer(1)];
                    return SystemType(varying ? "varchar" : "bpchar", start, modifiers);
                }
                case "timestamp" or "time":
                {
                    Advance();
                    ImmutableArray<Expr> modifiers = [];
                    if (Cur.Kind == TokenKind.LeftParen)
                    {
                        Advance();
                        int precisionAt = Start;
                        modifiers = [new Literal(LiteralKind.Integer, ParseIntegerConstant("a precision").ToString(CultureInfo.InvariantCulture)) { Span = From(precisionAt) }];
                        Expect(TokenKind.RightParen);
                    }
                    bool withTimeZone = false;
                    if ((IsKw("with") || IsKw("without")) && Peek(1).Is("time") && Peek(2).Is("zone"))
                    {
                        withTimeZone = Advance().Value == "with";
                        Advance();
                        Advance();
                    }
                    string name = (t.Value, withTimeZone) switch
                    {
                        ("timestamp", false) => "timestamp",
                        ("timestamp", true) => "timestamptz",
                        (_, false) => "time",
                        _ => "timetz",
                    };
                    return SystemType(name, start, modifiers);
                }
                case "interval":
                {
                    Advance();
                    if (Cur.Kind == TokenKind.LeftParen)
                    {
                        Advance();
                        int precisionAt = Start;
                        var precision = new Literal(LiteralKind.Integer, ParseIntegerConstant("a precision").ToString(CultureInfo.InvariantCulture)) { Span = From(precisionAt) };
                        Expect(TokenKind.RightParen);
                        return SystemType("interval", start, [precision]);
                    }
                    var (fields, secondsPrecision) = ParseOptionalIntervalFields();
                    return SystemType("interval", start, secondsPrecision is null ? [] : [secondsPrecision]) with { IntervalFields = fields };
                }
            }
        }

        // GenericType: type_function_name [attrs] [(modifiers)]
        if (!(IsTypeFunctionName(t) || (IsColId(t) && Peek(1).Kind == TokenKind.Dot))) throw Expected("a type name");
        var parts = ImmutableArray.CreateBuilder<Identifier>();
        parts.Add(ToIdentifier(Advance()));
        while (Cur.Kind == TokenKind.Dot && IsColLabel(Peek(1)))
        {
            Advance();
            parts.Add(ToIdentifier(Advance()));
        }
        var typeName = new QualifiedName(parts.ToImmutable()) { Span = From(start) };
        var mods = ParseOptionalTypeModifiers();
        return new TypeName(typeName, mods) { Span = From(start) };
    }

    private TypeName SystemType(string name, int start, ImmutableArray<Expr> modifiers = default)
    {
        var span = From(start);
        var qualified = new QualifiedName([new Identifier("pg_catalog"), new Identifier(name)]) { Span = span };
        return new TypeName(qualified, modifiers.IsDefault ? [] : modifiers) { Span = span };
    }

    private ImmutableArray<Expr> ParseOptionalTypeModifiers()
    {
        if (Cur.Kind != TokenKind.LeftParen) return [];
        Advance();
        var modifiers = ParseExprList();
        Expect(TokenKind.RightParen);
        return modifiers;
    }

    /// <summary>opt_interval: YEAR, MONTH, ..., YEAR TO MONTH, DAY TO SECOND[(p)], ...; returns the seconds precision too.</summary>
    private (IntervalFields? Fields, Expr? SecondsPrecision) ParseOptionalIntervalFields()
    {
        Expr? SecondsPrecision()
        {
            if (Cur.Kind != TokenKind.LeftParen) return null;
            Advance();
            int at = Start;
            var literal = new Literal(LiteralKind.Integer, ParseIntegerConstant("a precision").ToString(CultureInfo.InvariantCulture)) { Span = From(at) };
            Expect(TokenKind.RightParen);
            return literal;
        }

        if (AcceptKw("year"))
        {
            if (!AcceptKw("to")) return (IntervalFields.Year, null);
            ExpectKw("month");
            return (IntervalFields.YearToMonth, null);
        }
        if (AcceptKw("month")) return (IntervalFields.Month, null);
        if (AcceptKw("day"))
        {
            if (!AcceptKw("to")) return (IntervalFields.Day, null);
            if (AcceptKw("hour")) return (IntervalFields.DayToHour, null);
            if (AcceptKw("minute")) return (IntervalFields.DayToMinute, null);
            ExpectKw("second");
            return (IntervalFields.DayToSecond, SecondsPrecision());
        }
        if (AcceptKw("hour"))
        {
            if (!AcceptKw("to")) return (IntervalFields.Hour, null);
            if (AcceptKw("minute")) return (IntervalFields.HourToMinute, null);
            ExpectKw("second");
            return (IntervalFields.HourToSecond, SecondsPrecision());
        }
        if (AcceptKw("minute"))
        {
            if (!AcceptKw("to")) return (IntervalFields.Minute, null);
            ExpectKw("second");
            return (IntervalFields.MinuteToSecond, SecondsPrecision());
        }
        if (AcceptKw("second")) return (IntervalFields.Second, SecondsPrecision());
        return (null, null);
    }

    /// <summary><c>INTERVAL 'text' [fields]</c> or <c>INTERVAL (p) 'text'</c>; null when "interval" is a column name.</summary>
    private Expr? TryParseIntervalLiteral()
    {
        int start = Start;
        if (Peek(1).Kind == TokenKind.String && !Peek(1).National)
        {
            Advance();
            string value = Advance().Value;
            var (fields, precision) = ParseOptionalIntervalFields();
            var type = SystemType("interval", start, precision is null ? [] : [precision]) with { IntervalFields = fields };
            return new TypedLiteral(type, value) { Span = From(start) };
        }
        if (Peek(1).Kind == TokenKind.LeftParen && Peek(2).Kind == TokenKind.Integer && Peek(3).Kind == TokenKind.RightParen
            && Peek(4).Kind == TokenKind.String)
        {
            Advance();
            Advance();
            int at = Start;
            var precision = new Literal(LiteralKind.Integer, ParseIntegerConstant("a precision").ToString(CultureInfo.InvariantCulture)) { Span = From(at) };
            Advance();
            var type = SystemType("interval", start, [precision]);
            string value = Advance().Value;
            return new TypedLiteral(type, value) { Span = From(start) };
        }
        return null;
    }

    /// <summary>ConstTypename 'text' (<c>numeric '1.5'</c>, <c>timestamp with time zone '...'</c>); null if no string follows.</summary>
    private Expr? TryParseConstTypeLiteral()
    {
        int saved = _pos;
        int start = Start;
        try
        {
            var type = ParseSimpleTypeName(constContext: true);
            if (Cur.Kind == TokenKind.String && !Cur.National)
            {
                string value = Advance().Value;
                return new TypedLiteral(type, value) { Span = From(start) };
            }
        }
        catch (SqlSyntaxException e) when (!e.Fatal)
        {
        }
        _pos = saved;
        return null;
    }
}
