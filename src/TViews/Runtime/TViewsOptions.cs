namespace TViews.Runtime;

/// <summary>How a <see cref="TViewsEngine"/> talks to PostgreSQL. Settable so it binds with the options pattern.</summary>
public sealed record TViewsOptions
{
    /// <summary>The schema holding the TViews runtime (catalog tables and <c>pg_tviews_*</c> functions). Default <c>public</c>.</summary>
    public string RuntimeSchema { get; set; } = "public";

    /// <summary>
    /// Client-side limit for each statement an operation runs; null (the default) waits as long as it
    /// takes, since building a large TVIEW is one long statement.
    /// </summary>
    public TimeSpan? CommandTimeout { get; set; }

    /// <summary>
    /// PostgreSQL <c>lock_timeout</c> for the operation's transaction: how long to wait for a lock held by
    /// the application (a long transaction on a source table) before giving up. Null keeps the session's setting.
    /// </summary>
    public TimeSpan? LockTimeout { get; set; }
}
