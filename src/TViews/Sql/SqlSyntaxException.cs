namespace TViews.Sql;

/// <summary>
/// Malformed SQL. The message is always <c>line L, column C: &lt;detail&gt;</c>, e.g.
/// <c>line 3, column 14: expected an expression, found ","</c>.
/// </summary>
public sealed class SqlSyntaxException : TViews.Runtime.TViewsException
{
    public SqlSyntaxException(string detail, int line, int column, int offset)
        : base($"line {line}, column {column}: {detail}", TViews.Runtime.TViewsErrorCode.Syntax, new(line, column))
    {
        Detail = detail;
        Line = line;
        Column = column;
        Offset = offset;
    }

    /// <summary>1-based line of the offending token.</summary>
    public int Line { get; }

    /// <summary>1-based column (in characters) of the offending token.</summary>
    public int Column { get; }

    /// <summary>0-based character offset of the offending token in the parsed text.</summary>
    public int Offset { get; }

    /// <summary>The message without the position prefix.</summary>
    public string Detail { get; }

    /// <summary>Set on errors no alternative parse can avoid (lexical errors, nesting limit): backtracking must not retry.</summary>
    internal bool Fatal { get; init; }

    internal static SqlSyntaxException At(SourceText source, int offset, string detail, bool fatal = false)
    {
        var pos = source.GetLinePosition(offset);
        return new SqlSyntaxException(detail, pos.Line, pos.Column, offset) { Fatal = fatal };
    }
}
