namespace TViews.Sql;

internal enum TokenKind
{
    EndOfInput,

    /// <summary>A word or quoted identifier; keywords are words too (see <see cref="Token.Category"/>).</summary>
    Identifier,

    /// <summary>A character string; <see cref="Token.Value"/> is decoded.</summary>
    String,

    /// <summary><c>B'...'</c> / <c>X'...'</c>; value "b..." / "x...".</summary>
    BitString,

    Integer,
    Numeric,

    /// <summary><c>$n</c>; value is the number's digits.</summary>
    Param,

    /// <summary>Any operator, including single-character ones such as <c>+</c>, <c>=</c>, <c>&lt;</c>.</summary>
    Operator,

    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Semicolon,
    Colon,
    Dot,

    /// <summary><c>::</c>.</summary>
    DoubleColon,

    /// <summary><c>:=</c>.</summary>
    ColonEquals,

    /// <summary><c>=&gt;</c>.</summary>
    EqualsGreater,

    /// <summary><c>..</c> (only meaningful in PL/pgSQL; always a syntax error here).</summary>
    DotDot,
}

/// <summary>A lexical token with its exact source span.</summary>
internal sealed class Token
{
    public Token(TokenKind kind, string value, TextSpan span)
    {
        Kind = kind;
        Value = value;
        Span = span;
    }

    public TokenKind Kind { get; }

    /// <summary>Identifiers: folded/unquoted name; strings: decoded text; numbers and operators: their text
    /// (<c>!=</c> is reported as <c>&lt;&gt;</c>, like PostgreSQL).</summary>
    public string Value { get; }

    public TextSpan Span { get; }

    /// <summary>Identifier written in double quotes (never a keyword then).</summary>
    public bool Quoted { get; init; }

    /// <summary>Keyword category of an unquoted word.</summary>
    public KeywordCategory Category { get; init; }

    /// <summary>How a string literal was written.</summary>
    public StringLiteralForm StringForm { get; init; }

    /// <summary><c>N'...'</c>: a national character string (typed bpchar).</summary>
    public bool National { get; init; }

    /// <summary>True for the unquoted word <paramref name="keyword"/> (lower case).</summary>
    public bool Is(string keyword) => Kind == TokenKind.Identifier && !Quoted && Value == keyword;

    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    public override string ToString() => $"{Kind} {Value} {Span}";
}
