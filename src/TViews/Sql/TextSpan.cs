namespace TViews.Sql;

/// <summary>A range of characters in the source text: [Start, Start + Length).</summary>
/// <remarks>Nodes built or rewritten by code carry <c>default</c> (empty at 0); only parsed nodes have real spans.</remarks>
internal readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;

    public bool IsEmpty => Length == 0;

    public static TextSpan FromBounds(int start, int end) => new(start, end - start);

    public bool Contains(int offset) => offset >= Start && offset < End;

    /// <summary>The smallest span covering both.</summary>
    public TextSpan Cover(TextSpan other) =>
        FromBounds(Math.Min(Start, other.Start), Math.Max(End, other.End));

    public override string ToString() => $"[{Start}..{End})";
}

/// <summary>A 1-based line and column (columns count characters; a surrogate pair is one character).</summary>
internal readonly record struct LinePosition(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}
