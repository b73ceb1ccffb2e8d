using TViews.Sql;

namespace TViews.Analysis;

/// <summary>A definition TViews cannot accept, with the position of the construct at fault when known.</summary>
public sealed class AnalysisException : TViews.Runtime.TViewsException
{
    public AnalysisException(string detail, LinePosition? position = null)
        : base(position is { } p ? $"line {p.Line}, column {p.Column}: {detail}" : detail, TViews.Runtime.TViewsErrorCode.UnsupportedDefinition, position is { } l ? new(l.Line, l.Column) : null)
    {
        Detail = detail;
        Position = position;
    }

    public string Detail { get; }
    public LinePosition? Position { get; }

    internal static AnalysisException At(SourceText? source, SqlNode? node, string detail) =>
        new(detail, source is not null && node is not null && !(node.Span.IsEmpty && node.Span.Start == 0)
            ? source.GetLinePosition(node.Span.Start) : null);
}
