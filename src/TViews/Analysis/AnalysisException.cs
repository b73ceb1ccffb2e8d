using TViews.Runtime;
using TViews.Sql;

namespace TViews.Analysis;

// Public on purpose, although the rest of TViews.Analysis is internal: it is what a refused
// definition throws, documented as a TViewsException subclass, and callers that tell "this SELECT
// cannot be maintained" apart from other errors may catch it by type. Everything a caller needs is
// public (the message, ErrorCode UnsupportedDefinition, Location from the base, Detail here); only
// the analyser constructs it, so its constructor and the syntax-tree position stay internal.

/// <summary>
/// A definition TViews cannot maintain exactly (LIMIT, a volatile function, a recursive CTE, ...).
/// <see cref="TViewsException.ErrorCode"/> is <see cref="TViewsErrorCode.UnsupportedDefinition"/>;
/// <see cref="TViewsException.Location"/> is the position of the construct at fault when known.
/// </summary>
public sealed class AnalysisException : TViewsException
{
    internal AnalysisException(string detail, LinePosition? position = null)
        : this(null, detail, position, null)
    {
    }

    private AnalysisException(string? origin, string detail, LinePosition? position, Exception? inner)
        : base(Describe(origin, detail, position), TViewsErrorCode.UnsupportedDefinition, position is { } l ? new(l.Line, l.Column) : null, inner)
    {
        Detail = detail;
        Position = position;
        Origin = origin;
    }

    private static string Describe(string? origin, string detail, LinePosition? position) =>
        (origin is null ? "" : origin + ": ") + (position is { } p ? $"line {p.Line}, column {p.Column}: " : "") + detail;

    /// <summary>The file (or other origin) the refused definition came from, when its message names it.</summary>
    internal string? Origin { get; }

    /// <summary>The same refusal, its message naming where the definition came from (a file of several).</summary>
    internal AnalysisException From(string origin) => Origin is null ? new(origin, Detail, Position, InnerException) : this;

    /// <summary>Why the definition is refused: the message without the position prefix.</summary>
    public string Detail { get; }

    internal LinePosition? Position { get; }

    internal static AnalysisException At(SourceText? source, SqlNode? node, string detail) =>
        new(detail, source is not null && node is not null && !(node.Span.IsEmpty && node.Span.Start == 0)
            ? source.GetLinePosition(node.Span.Start) : null);
}
