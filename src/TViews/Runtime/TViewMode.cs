namespace TViews.Runtime;

/// <summary>
/// When a TVIEW is maintained: by each writing statement (the default), or once per transaction at
/// COMMIT (<c>-- tviews:mode=deferred</c>, <c>tviews create --mode deferred</c>, <c>pg_tviews_set_mode</c>).
/// </summary>
public enum TViewMode
{
    /// <summary>Each statement that writes a source table updates the TVIEW before it returns.</summary>
    Immediate,

    /// <summary>Statements queue the affected keys; the TVIEW is updated once, at COMMIT (or <c>pg_tviews_flush()</c>).</summary>
    Deferred,
}

/// <summary>The SQL spelling of a <see cref="TViewMode"/> (<c>pg_tviews_metadata.mode</c>, <c>pg_tviews.mode</c>).</summary>
internal static class TViewModes
{
    public static string ToSql(this TViewMode mode) => mode == TViewMode.Deferred ? "deferred" : "immediate";

    public static bool TryParse(string text, out TViewMode mode)
    {
        switch (text)
        {
            case "immediate": mode = TViewMode.Immediate; return true;
            case "deferred": mode = TViewMode.Deferred; return true;
            default: mode = TViewMode.Immediate; return false;
        }
    }
}
