namespace TViews.Sql;

/// <summary>SQL source text with offset-to-line/column mapping (for error messages and tooling).</summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string text)
    {
        Text = text ?? throw new ArgumentNullException(nameof(text));
        _lineStarts = ComputeLineStarts(text);
    }

    public string Text { get; }

    public int Length => Text.Length;

    /// <summary>The original text under a span (clamped to the text).</summary>
    public string GetText(TextSpan span)
    {
        int start = Math.Clamp(span.Start, 0, Text.Length);
        int end = Math.Clamp(span.End, start, Text.Length);
        return Text[start..end];
    }

    /// <summary>1-based line and column of an offset; offsets past the end map to the end of the text.</summary>
    public LinePosition GetLinePosition(int offset)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        int line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0) line = ~line - 1;
        int start = _lineStarts[line];
        int column = 1;
        for (int i = start; i < offset; i++)
        {
            // Count a surrogate pair once: users count characters, not UTF-16 units.
            if (char.IsLowSurrogate(Text[i]) && i > start && char.IsHighSurrogate(Text[i - 1])) continue;
            column++;
        }
        return new LinePosition(line + 1, column);
    }

    private static int[] ComputeLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                starts.Add(i + 1);
            }
            else if (c == '\n')
            {
                starts.Add(i + 1);
            }
        }
        return starts.ToArray();
    }
}
