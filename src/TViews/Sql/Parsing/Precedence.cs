namespace TViews.Sql;

/// <summary>
/// Binding strength of PostgreSQL's operators (gram.y, 9.5+ rules), loosest first. Shared by the parser and
/// the formatter so that what one parses the other parenthesises identically.
/// </summary>
internal static class Precedence
{
    public const int Or = 1;
    public const int And = 2;
    public const int Not = 3;

    /// <summary>IS [NOT] NULL/TRUE/..., IS DISTINCT FROM, ISNULL, NOTNULL (non-associative).</summary>
    public const int Is = 4;

    /// <summary><c>&lt; &gt; = &lt;= &gt;= &lt;&gt;</c> (non-associative).</summary>
    public const int Comparison = 5;

    /// <summary>[NOT] BETWEEN / IN / LIKE / ILIKE / SIMILAR TO (non-associative).</summary>
    public const int Like = 6;

    /// <summary>Every other operator, including OPERATOR(schema.op) and user-defined prefix operators.</summary>
    public const int Other = 8;

    public const int Additive = 9;
    public const int Multiplicative = 10;
    public const int Exponent = 11;
    public const int AtTimeZone = 12;
    public const int Collate = 13;

    /// <summary>Prefix + and -.</summary>
    public const int Unary = 14;

    /// <summary>Subscripts, field selection and <c>::</c> casts.</summary>
    public const int Postfix = 16;

    /// <summary>Literals, names, function calls, parenthesised and bracketed constructs.</summary>
    public const int Primary = 20;

    /// <summary>Precedence of an infix operator by its name; a schema-qualified OPERATOR() is always "other".</summary>
    public static int OfBinary(string op, bool qualified)
    {
        if (qualified) return Other;
        return op switch
        {
            "+" or "-" => Additive,
            "*" or "/" or "%" => Multiplicative,
            "^" => Exponent,
            "<" or ">" or "=" or "<=" or ">=" or "<>" or "!=" => Comparison,
            _ => Other,
        };
    }
}
