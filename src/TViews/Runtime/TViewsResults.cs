namespace TViews.Runtime;

/// <summary>A TVIEW as recorded in <c>pg_tviews_metadata</c>.</summary>
/// <param name="Entity">The entity name (the table name without <c>tv_</c>).</param>
/// <param name="Schema">Schema of the TVIEW table.</param>
/// <param name="Table">The TVIEW table, <c>tv_&lt;entity&gt;</c>.</param>
/// <param name="Definition">The SELECT as given.</param>
/// <param name="Key">The key columns.</param>
/// <param name="Sources">The tables and TVIEWs it reads, <c>schema.table</c>.</param>
/// <param name="Dependents">Entities of the TVIEWs built on it.</param>
/// <param name="Depth">1 for a TVIEW over plain tables, 1 + the deepest TVIEW it reads otherwise.</param>
/// <param name="Mode">How it is maintained.</param>
/// <param name="Hash">Identity of the definition: an unchanged hash means apply leaves it alone.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it was last rebuilt or refreshed.</param>
/// <param name="RowCount">Its row count, when asked for (null if not asked or the table is missing).</param>
public sealed record TViewInfo(
    string Entity, string Schema, string Table, string Definition, IReadOnlyList<string> Key,
    IReadOnlyList<string> Sources, IReadOnlyList<string> Dependents, int Depth, string Mode, string Hash,
    DateTime CreatedAt, DateTime UpdatedAt, long? RowCount)
{
    /// <summary>The TVIEW's table name (same as <see cref="Table"/>).</summary>
    public string Name => Table;

    /// <summary>
    /// No unique key: the rows are a multiset (duplicates are rows of their own) and <see cref="Key"/>
    /// holds the columns that find them (none: every change recomputes the whole TVIEW). See docs/sql.md.
    /// </summary>
    public bool Multiset { get; init; }
}

/// <summary>What <see cref="TViewsEngine.ApplyAsync(IReadOnlyList{TViewDefinition}, CancellationToken)"/> did.</summary>
/// <param name="Created">TVIEWs that did not exist.</param>
/// <param name="Rebuilt">TVIEWs whose definition changed, and those built on them.</param>
/// <param name="Unchanged">TVIEWs whose definition was already in place.</param>
/// <param name="Warnings">What the analysis found worth knowing (e.g. a missing index).</param>
public sealed record ApplyResult(IReadOnlyList<string> Created, IReadOnlyList<string> Rebuilt, IReadOnlyList<string> Unchanged, IReadOnlyList<string> Warnings);

/// <summary>One row where a TVIEW and its definition evaluated from scratch differ.</summary>
/// <param name="Entity">The TVIEW's entity.</param>
/// <param name="Kind"><c>missing</c> (in the definition, not the TVIEW) or <c>extra</c> (the other way round).</param>
/// <param name="Row">The row, as JSON.</param>
public sealed record Divergence(string Entity, string Kind, string Row);

/// <summary>Part of the maintenance code generated for a TVIEW, as installed.</summary>
/// <param name="Source">The source table, <c>schema.table</c>, or <c>(recompute)</c>.</param>
/// <param name="Event">The event it handles (insert, update, delete, truncate; <c>gate</c> for a column filter).</param>
/// <param name="Sql">The trigger or function definition.</param>
public sealed record TViewExplanation(string Source, string Event, string Sql);

/// <summary>The outcome of a health check.</summary>
public enum TViewsHealthStatus
{
    /// <summary>Everything checked is fine.</summary>
    Ok,

    /// <summary>Worth a look (e.g. a TVIEW that could not be checked, an orphaned prepared transaction ages).</summary>
    Warning,

    /// <summary>TVIEWs are (or will be) wrong or writes to their sources fail.</summary>
    Error,
}

/// <summary>One line of <c>pg_tviews_health_check()</c>.</summary>
/// <param name="Name">The check, e.g. <c>metadata_tables</c>.</param>
/// <param name="Status">Its outcome.</param>
/// <param name="Details">What it found.</param>
public sealed record TViewsHealthCheckResult(string Name, TViewsHealthStatus Status, string Details);

/// <summary>The result of <see cref="TViewsEngine.CheckHealthAsync(TimeSpan?, CancellationToken)"/>.</summary>
/// <param name="Status">The worst status of the checks.</param>
/// <param name="RuntimeVersion">The installed runtime's version.</param>
/// <param name="Checks">Every check, in the database's order.</param>
public sealed record TViewsHealthReport(TViewsHealthStatus Status, string RuntimeVersion, IReadOnlyList<TViewsHealthCheckResult> Checks);
