namespace TViews.Runtime;

/// <summary>What <c>apply</c> does to one TVIEW.</summary>
public enum TViewChangeKind
{
    /// <summary>It does not exist: it is created.</summary>
    Create,

    /// <summary>It exists and is dropped and built again (its definition changed, or one it reads is rebuilt).</summary>
    Rebuild,

    /// <summary>Only its mode changes (the catalog is updated; nothing is rebuilt).</summary>
    ModeChange,

    /// <summary>Its definition is in place: nothing is done.</summary>
    Unchanged,
}

/// <summary>One line of an <see cref="ApplyPlan"/>.</summary>
/// <param name="Table">The TVIEW table, <c>tv_&lt;entity&gt;</c>.</param>
/// <param name="Kind">What apply does to it.</param>
/// <param name="Reason">Why, for people: <c>new</c>, <c>definition changed</c>, <c>depends on tv_x, which is rebuilt</c>, <c>mode immediate -&gt; deferred</c>, ...</param>
public sealed record TViewChange(string Table, TViewChangeKind Kind, string Reason);

/// <summary>
/// What <see cref="TViewsEngine.ApplyAsync(IReadOnlyList{TViewDefinition}, CancellationToken)"/> would do
/// (<see cref="TViewsEngine.PlanApplyAsync"/>, <c>tviews apply --dry-run</c>), decided from the catalog
/// by the same code apply uses.
/// </summary>
/// <param name="InstalledRuntimeVersion">The runtime version installed now, null if none; with '+' and its build when its SQL is not this library's (<c>pg_tviews_runtime_build()</c>), which apply installs again.</param>
/// <param name="RuntimeVersion">The runtime version apply installs (this library's).</param>
/// <param name="Changes">Every TVIEW apply creates or rebuilds (in the order it builds them), then the definitions it leaves in place (in their order).</param>
public sealed record ApplyPlan(string? InstalledRuntimeVersion, string RuntimeVersion, IReadOnlyList<TViewChange> Changes)
{
    /// <summary>What apply does to the runtime: <c>install</c>, <c>upgrade</c> or <c>none</c>.</summary>
    public string RuntimeAction => InstalledRuntimeVersion is null ? "install" : InstalledRuntimeVersion == RuntimeVersion ? "none" : "upgrade";

    /// <summary>The TVIEWs created.</summary>
    public IReadOnlyList<string> Created => Of(TViewChangeKind.Create);

    /// <summary>The TVIEWs rebuilt.</summary>
    public IReadOnlyList<string> Rebuilt => Of(TViewChangeKind.Rebuild);

    /// <summary>The TVIEWs whose mode only changes.</summary>
    public IReadOnlyList<string> ModeChanged => Of(TViewChangeKind.ModeChange);

    /// <summary>
    /// The TVIEWs not rebuilt, those whose mode changes included: the same list as
    /// <see cref="ApplyResult.Unchanged"/> of the apply.
    /// </summary>
    public IReadOnlyList<string> Unchanged => Changes.Where(c => c.Kind is TViewChangeKind.Unchanged or TViewChangeKind.ModeChange).Select(c => c.Table).ToList();

    /// <summary>True when apply would change nothing at all (runtime included).</summary>
    public bool IsEmpty => RuntimeAction == "none" && Changes.All(c => c.Kind == TViewChangeKind.Unchanged);

    private List<string> Of(TViewChangeKind kind) => Changes.Where(c => c.Kind == kind).Select(c => c.Table).ToList();
}
