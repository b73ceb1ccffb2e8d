namespace TViews.Sql;

/// <summary>Options of <see cref="SqlFormatter"/>.</summary>
internal sealed record SqlFormatOptions
{
    /// <summary>The default: canonical multi-line layout, identifiers quoted only when needed.</summary>
    public static SqlFormatOptions Default { get; } = new();

    /// <summary>One line, identifiers quoted only when needed.</summary>
    public static SqlFormatOptions Compact { get; } = new() { SingleLine = true };

    /// <summary>
    /// Quote every relation, column, alias, CTE, window and schema identifier (not function or type names,
    /// which may be keywords with special syntax). Useful for generated code.
    /// </summary>
    public bool QuoteAllIdentifiers { get; init; }

    /// <summary>Compact one-line output (for embedding in generated code).</summary>
    public bool SingleLine { get; init; }

    /// <summary>Spaces per indentation level in multi-line output.</summary>
    public int IndentSize { get; init; } = 4;
}
