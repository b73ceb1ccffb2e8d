using TViews.Runtime;

namespace TViews.Sql;

// Public on purpose, although the rest of TViews.Sql is internal: it is what a definition that does
// not parse throws, documented as a TViewsException subclass, and it carries the offset into the
// parsed text (Location only has line and column). Only the parser constructs it: internal constructor.

/// <summary>
/// Malformed SQL. The message is always <c>line L, column C: &lt;detail&gt;</c>, e.g.
/// <c>line 3, column 14: expected an expression, found ","</c>; <see cref="TViewsException.ErrorCode"/>
/// is <see cref="TViewsErrorCode.Syntax"/>.
/// </summary>
public sealed class SqlSyntaxException : TViewsException
{
    internal SqlSyntaxException(string detail, int line, int column, int offset)
        : base($"line {line}, column {column}: {detail}", TViewsErrorCode.Syntax, new(line, column))
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
