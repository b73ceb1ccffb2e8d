using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace TViews.EntityFrameworkCore;

/// <summary>
/// Runs a script made by <c>tviews script</c> (or <c>TViewsEngine.ScriptAsync</c>) inside the migration's
/// transaction. The script was generated against a database in the state this migration finds (the
/// previous migration applied); it checks that state first and refuses, changing nothing, when it differs.
/// SQL comes from <see cref="TViewsMigrationsSqlGenerator"/> (register it with <c>UseTViews()</c>).
/// </summary>
public class ApplyTViewsScriptOperation : MigrationOperation
{
    /// <summary>The whole script as generated: its header, <c>BEGIN;</c>, the statements, <c>COMMIT;</c>.</summary>
    public string Script { get; set; } = "";

    /// <summary>
    /// When set, the table (<c>tv_x</c>) the script must create or rebuild: generating the migration's SQL
    /// fails if the script's plan does not list it (the wrong script was embedded).
    /// </summary>
    public string? ExpectedTView { get; set; }
}

/// <summary>
/// Drops a TVIEW and everything TViews generated for it (triggers, functions, definition view,
/// catalog row), as <c>tviews drop</c> does. Needs no catalog at generation time: the SQL asks the
/// runtime when it runs.
/// </summary>
public class DropTViewOperation : MigrationOperation
{
    /// <summary>The TVIEW table, <c>tv_x</c> (or <c>schema.tv_x</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>Drop the TVIEWs built on this one too (otherwise their existence makes the drop fail).</summary>
    public bool Cascade { get; set; }

    /// <summary>Do nothing when the TVIEW (or the TViews runtime) does not exist, instead of failing.</summary>
    public bool IfExists { get; set; }

    /// <summary>The schema of the TViews runtime (<c>TViewsOptions.RuntimeSchema</c>); <c>public</c> by default.</summary>
    public string RuntimeSchema { get; set; } = "public";
}

/// <summary>
/// Removes the TViews runtime (its <c>pg_tviews_*</c> functions, catalog tables and event triggers) from
/// a schema, as <c>tviews uninstall</c> does; refused while TVIEWs remain. The <c>Down</c> of the
/// migration whose script installed the runtime, so that migrating up again finds the database as the
/// script expects it.
/// </summary>
public class DropTViewsRuntimeOperation : MigrationOperation
{
    /// <summary>The schema of the TViews runtime; <c>public</c> by default.</summary>
    public string RuntimeSchema { get; set; } = "public";
}
