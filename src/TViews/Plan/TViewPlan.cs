using TViews.Runtime;

namespace TViews.Plan;

/// <summary>A column of a TVIEW or of a source, as PostgreSQL types it.</summary>
/// <param name="Comparable">Whether the type has an equality usable by IS DISTINCT FROM / EXCEPT (json, xml, geometric types have none).</param>
/// <param name="Array">An array type (see <see cref="Analysis.CatalogColumn"/>).</param>
/// <param name="IndexMethod">An index method safe for every value of the type, if any (see <see cref="Analysis.CatalogColumn"/>).</param>
internal sealed record ColumnPlan(string Name, string Type, bool Comparable = true, bool Array = false, string? IndexMethod = null)
{
    /// <summary>A multiset TVIEW can find its rows by this column (<see cref="TViewPlan.Multiset"/>).</summary>
    public bool Findable => Comparable && !Array;
}

/// <summary>Computes, for a delta relation standing in for one occurrence of a source, the affected keys.</summary>
internal interface IKeyQuery
{
    /// <summary>SQL selecting the key columns (in key order) with the source occurrence replaced by <paramref name="deltaRelation"/>.</summary>
    /// <param name="removedFrom">
    /// When the delta holds rows the statement removed: the transition table they come from (whole
    /// rows). Other occurrences of the same source then read the table plus those rows, so a row
    /// joined to another row removed by the same statement is still found.
    /// </param>
    /// <param name="tview">
    /// The TVIEW table (quoted, qualified), for removed rows: when the key spans relations, the keys
    /// are the TVIEW rows matching the key columns the removed rows reach.
    /// </param>
    string Render(string deltaRelation, string? removedFrom = null, string? tview = null);

    /// <summary>
    /// The source's columns the query reads from the delta (relation column names), or null when it
    /// reads a whole row, a star, or columns renamed by an alias: then the delta cannot be narrowed to them.
    /// </summary>
    IReadOnlyList<string>? DeltaColumns { get; }

    /// <summary>Why this query exists, for <c>tviews explain</c> (e.g. "join path tb_user → tb_post").</summary>
    string Description { get; }
}

/// <summary>A part of a TVIEW row recomputed by a patch: a whole column, or one top-level key of a jsonb column.</summary>
/// <param name="ValueColumn">The column of <see cref="PatchPlan.LeafQuery"/> holding the new value.</param>
internal sealed record PatchLeaf(string Column, string? JsonKey, string ValueColumn);

/// <summary>
/// How to maintain a TVIEW after a change to one source by recomputing only the leaves that read it.
/// Applies to UPDATEs that leave <see cref="StructuralColumns"/> unchanged, and to every change of a
/// source read only inside leaves (<see cref="LeafOnly"/>).
/// </summary>
/// <param name="LeafQuery">SELECT k1..kn (the key), v.. (leaf values) over the definition's FROM/WHERE.</param>
internal sealed record PatchPlan(IReadOnlyList<string> StructuralColumns, bool LeafOnly, IReadOnlyList<PatchLeaf> Leaves, string LeafQuery);

/// <summary>A count kept from deltas: <c>count(Column)</c> of the source, stored whole or under a jsonb key.</summary>
internal sealed record CountLeaf(string TargetColumn, string? JsonKey, string CountedColumn);

/// <summary>
/// Maintenance of a grouped TVIEW's counts from a source's delta (see CountDeltaAnalyzer):
/// <see cref="KeyColumns"/> of the source name the group of each of its rows, in TVIEW key order.
/// </summary>
internal sealed record CountDeltaPlan(IReadOnlyList<string> KeyColumns, IReadOnlyList<CountLeaf> Leaves);

/// <summary>How one source table's changes reach a TVIEW.</summary>
/// <param name="ReferencedColumns">Every column of the source the definition reads; an UPDATE that changes none of them needs no work.</param>
/// <param name="KeyQueries">One per occurrence of the source in the definition; their union is the affected key set.</param>
internal sealed record SourcePlan(
    string Schema,
    string Table,
    string? TViewEntity,
    IReadOnlyList<ColumnPlan> ReferencedColumns,
    IReadOnlyList<IKeyQuery> KeyQueries,
    PatchPlan? Patch = null,
    CountDeltaPlan? CountDelta = null)
{
    public string QualifiedName => $"{Schema}.{Table}";

    /// <summary>Every occurrence reads the table with ONLY: rows of inheritance children do not count.</summary>
    public bool OnlyTable { get; init; }

    /// <summary>The definition is a UNION at the top (see <see cref="TViewPlan.TopLevelUnion"/>).</summary>
    public bool InTopLevelUnion { get; init; }

    /// <summary>The definition's windows not partitioned by the key (the same for every source), if any.</summary>
    public WindowPartitionPlan? Windows { get; init; }

    /// <summary>
    /// With <see cref="Windows"/>: for each of its partitions, one query per occurrence of the source
    /// selecting the partition columns' values (in the partition's column order; one constant column for
    /// the whole result) of the rows a change to it can move, enter or leave.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<IKeyQuery>> PartitionQueries { get; init; } = [];
}

/// <summary>
/// Window functions partitioned by something other than the key (docs/sql.md): a change recomputes
/// every row of the partitions it touches, before and after.
/// </summary>
/// <param name="Partitions">Each window partition as TVIEW columns; an empty one is the whole result (no PARTITION BY).</param>
/// <param name="PushdownColumns">Columns every window is partitioned by: a recompute restricts the view by them, which PostgreSQL pushes below the windows.</param>
/// <param name="Projection">The definition without its windows, selecting the key and every partition column (named as in the TVIEW).</param>
internal sealed record WindowPartitionPlan(IReadOnlyList<IReadOnlyList<string>> Partitions, IReadOnlyList<string> PushdownColumns, string Projection);

/// <summary>An index the TVIEW needs on one of its TVIEW sources (the lineage columns it reads them by).</summary>
internal sealed record IndexPlan(string Schema, string Table, IReadOnlyList<string> Columns);

/// <summary>Everything code generation needs to create and maintain one TVIEW.</summary>
internal sealed record TViewPlan(
    string Entity,
    string Schema,
    string Table,
    string DefinitionSql,
    IReadOnlyList<ColumnPlan> Columns,
    IReadOnlyList<ColumnPlan> Key,
    IReadOnlyList<SourcePlan> Sources,
    IReadOnlyList<IndexPlan> Indexes,
    int Depth,
    string DefinitionHash)
{
    public string View => $"pg_tviews_v_{Entity}";

    /// <summary>
    /// The definition is a UNION at the top, its branches read by key queries of their own: a recompute
    /// restricts each key column alone too, which PostgreSQL pushes into every branch (docs/sql.md).
    /// Carried by the sources, which the analysis builds.
    /// </summary>
    public bool TopLevelUnion => Sources.Any(s => s.InTopLevelUnion);

    /// <summary>Windows not partitioned by the key (carried by the sources, which the analysis builds).</summary>
    public WindowPartitionPlan? Windows => Sources.Select(s => s.Windows).FirstOrDefault(w => w is not null);

    /// <summary>
    /// The key was given explicitly and is not provably unique: the apply function checks each batch
    /// for a key produced twice and raises an error naming the TVIEW and the key.
    /// </summary>
    public bool EnforceUniqueKey { get; init; }

    /// <summary>
    /// Schemas (besides pg_catalog) holding functions, operators or types the definition uses, in the
    /// creating session's search_path order. Generated functions run with
    /// <c>search_path = pg_catalog, these, pg_temp</c>: the embedded SQL resolves names as the
    /// definition view did, whatever the writer's own search_path.
    /// </summary>
    public IReadOnlyList<string> SearchPath { get; init; } = [];

    /// <summary>
    /// When maintenance runs by default: after each statement, or once at COMMIT (docs/design.md,
    /// Deferred mode). The generated code serves both; the mode is looked up at run time from
    /// <c>pg_tviews_metadata.mode</c>, so changing it rebuilds nothing.
    /// </summary>
    public TViewMode Mode { get; init; } = TViewMode.Immediate;

    /// <summary>How writers lock at key level; null when they lock the whole TVIEW (<see cref="KeyLockRefusal"/> says why).</summary>
    public KeyLockPlan? KeyLocks { get; init; }

    public string? KeyLockRefusal { get; init; }

    /// <summary>
    /// No unique key: the rows are a multiset (duplicates are rows of their own), and <see cref="Key"/> holds
    /// the columns that find them, which may repeat and be NULL. A recompute replaces every row with the
    /// given values in those columns (NULL matching NULL) by what the definition yields for them now.
    /// </summary>
    public bool Multiset { get; init; }

    /// <summary>
    /// A multiset no column can find rows of: <see cref="Key"/> is one pseudo-column (always true, not in
    /// the table) and every change recomputes the whole TVIEW.
    /// </summary>
    public bool WholeMultiset => Multiset && Key is [{ Name: Analysis.DefinitionAnalyzer.WholeResultColumn }];

    /// <summary>NOT NULL columns of the sources the key's never-NULL proof rests on: the runtime refuses dropping them.</summary>
    public IReadOnlyList<NotNullColumn> KeyNotNull { get; init; } = [];
}

/// <summary>A column a source is looked up by when keys are recomputed (or the column of the key itself).</summary>
/// <param name="Integer">Integer-typed (hashed as bigint); otherwise text-like (text, varchar, uuid), hashed as text.</param>
internal sealed record LockColumn(string Schema, string Table, string Column, bool Integer);

/// <summary>One join of a lock read's path: <c>JOIN Table AS next ON next.Column = previous.PreviousColumn</c>.</summary>
internal sealed record LockHop(string Schema, string Table, string Column, string PreviousColumn);

/// <summary>
/// The values of <paramref name="Target"/> a recompute of some keys looks up: from the key relation,
/// along <paramref name="Hops"/>, the column <paramref name="ValueColumn"/> of the last relation; or,
/// with <paramref name="KeyIndex"/>, the key values themselves (0-based TVIEW key column).
/// </summary>
internal sealed record LockRead(LockColumn Target, IReadOnlyList<LockHop> Hops, string ValueColumn, int? KeyIndex = null)
{
    /// <summary>The key relation's own key column, looked up by the keys (not a lookup from the key into another table).</summary>
    public bool IsKeyOf(KeyLockPlan plan) => KeyIndex is { } i && Hops.Count == 0
        && Target.Schema == plan.Schema && Target.Table == plan.Table && Target.Column == plan.KeyColumns[i];
}

/// <summary>
/// Key-level locking of a TVIEW (docs/design.md, Concurrency): every relation a recompute reads is
/// reached from the key relation through equality lookups, so what a recompute of some keys reads is
/// named by the values of <see cref="Columns"/> it looks up (<see cref="Reads"/>), and a write to a
/// source by the values of its lookup columns in the rows it changed.
/// </summary>
/// <param name="KeyColumns">The key relation's column for each TVIEW key column.</param>
internal sealed record KeyLockPlan(string Schema, string Table, IReadOnlyList<string> KeyColumns, IReadOnlyList<LockColumn> Columns, IReadOnlyList<LockRead> Reads)
{
    /// <summary>
    /// Per source with a patch (<see cref="SourcePlan.Patch"/>, by qualified name): the subset of
    /// <see cref="Reads"/> a patch of its leaves reads, the key relation's row and the lookups on the
    /// way to each table those leaves read.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<LockRead>> PatchReads { get; init; } = new Dictionary<string, IReadOnlyList<LockRead>>();

    /// <summary>
    /// Lookups whose values, for each key a change to their target table finds, are among the changed
    /// rows' own values of the target column (KeyLockAnalyzer.ReadsOfDeltaRows): that change's trigger
    /// locks them with its writes.
    /// </summary>
    public IReadOnlyList<LockRead> ReadsOfDeltaRows { get; init; } = [];


    public IEnumerable<LockColumn> ColumnsOf(SourcePlan s) => Columns.Where(c => c.Schema == s.Schema && c.Table == s.Table);
}
