using System.Reflection;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;

namespace TViews.EntityFrameworkCore;

/// <summary>TVIEW operations for EF Core migrations (<c>Up</c> and <c>Down</c>).</summary>
public static class TViewsMigrationBuilderExtensions
{
    /// <summary>
    /// Runs a script made by <c>tviews script</c> or <c>TViewsEngine.ScriptAsync</c> against a database in
    /// the state this migration finds, inside the migration's transaction (the script's own
    /// <c>BEGIN;</c> and <c>COMMIT;</c> are left out). On a database in another state the script's check
    /// refuses (SQLSTATE 55000) and the migration rolls back.
    /// </summary>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="script">The script's text, as generated (see <see cref="TViewsScripts.FromEmbeddedResource"/>).</param>
    public static OperationBuilder<ApplyTViewsScriptOperation> ApplyTViewsScript(this MigrationBuilder migrationBuilder, string script)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        ArgumentNullException.ThrowIfNull(script);
        var op = new ApplyTViewsScriptOperation { Script = script };
        migrationBuilder.Operations.Add(op);
        return new OperationBuilder<ApplyTViewsScriptOperation>(op);
    }

    /// <summary>
    /// <see cref="ApplyTViewsScript(MigrationBuilder, string)"/> for a script that creates (or rebuilds)
    /// <paramref name="table"/>: generating the migration's SQL fails when the script's plan does not
    /// list that table, so a script embedded in the wrong migration is caught before it runs.
    /// </summary>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="table">The TVIEW table, <c>tv_x</c>.</param>
    /// <param name="script">The script's text, generated for the definition of <paramref name="table"/>.</param>
    public static OperationBuilder<ApplyTViewsScriptOperation> CreateTView(this MigrationBuilder migrationBuilder, string table, string script)
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        ArgumentNullException.ThrowIfNull(script);
        TViewsSql.Entity(table);
        var op = new ApplyTViewsScriptOperation { Script = script, ExpectedTView = table };
        migrationBuilder.Operations.Add(op);
        return new OperationBuilder<ApplyTViewsScriptOperation>(op);
    }

    /// <summary>
    /// Drops the TVIEW <paramref name="name"/> and everything TViews generated for it (with the TVIEWs
    /// built on it when <paramref name="cascade"/>), like <c>tviews drop</c>. The SQL is fixed: no script
    /// is needed. The runtime itself stays installed.
    /// </summary>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="name">The TVIEW table, <c>tv_x</c>.</param>
    /// <param name="cascade">Drop dependent TVIEWs too; without it, dependents make the migration fail.</param>
    /// <param name="ifExists">Do nothing when the TVIEW does not exist.</param>
    /// <param name="runtimeSchema">The schema of the TViews runtime.</param>
    public static OperationBuilder<DropTViewOperation> DropTView(this MigrationBuilder migrationBuilder, string name,
        bool cascade = false, bool ifExists = false, string runtimeSchema = "public")
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        var op = new DropTViewOperation { Name = name, Cascade = cascade, IfExists = ifExists, RuntimeSchema = runtimeSchema };
        TViewsSql.Entity(op.Name);
        migrationBuilder.Operations.Add(op);
        return new OperationBuilder<DropTViewOperation>(op);
    }

    /// <summary>
    /// Removes the TViews runtime from <paramref name="runtimeSchema"/> (nothing when it is not there);
    /// fails while TVIEWs remain. Put it in the <c>Down</c> of the migration whose script installed the
    /// runtime (its header says "install"), after its <c>DropTView</c> calls: the script checks, when it
    /// runs again, that the runtime is absent, as it was when the script was generated.
    /// </summary>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="runtimeSchema">The schema of the TViews runtime.</param>
    public static OperationBuilder<DropTViewsRuntimeOperation> DropTViewsRuntime(this MigrationBuilder migrationBuilder, string runtimeSchema = "public")
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeSchema);
        var op = new DropTViewsRuntimeOperation { RuntimeSchema = runtimeSchema };
        migrationBuilder.Operations.Add(op);
        return new OperationBuilder<DropTViewsRuntimeOperation>(op);
    }
}

/// <summary>Loading generated scripts shipped with the migrations.</summary>
public static class TViewsScripts
{
    /// <summary>
    /// The text of an embedded resource of <paramref name="assembly"/>: its full name, or the one
    /// resource whose name ends with <c>.</c> + <paramref name="name"/> (e.g. <c>V2_tv_post.sql</c>).
    /// </summary>
    /// <param name="assembly">The assembly holding the script (usually the migrations' assembly).</param>
    /// <param name="name">The resource's name or the end of it.</param>
    public static string FromEmbeddedResource(Assembly assembly, string name)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var names = assembly.GetManifestResourceNames();
        var matches = names.Contains(name, StringComparer.Ordinal)
            ? [name]
            : names.Where(n => n.EndsWith("." + name, StringComparison.Ordinal)).ToArray();
        if (matches.Length != 1)
            throw new InvalidOperationException(matches.Length == 0
                ? $"no embedded resource named {name} (or ending with .{name}) in {assembly.GetName().Name}"
                : $"several embedded resources end with .{name} in {assembly.GetName().Name}: {string.Join(", ", matches)}");
        using var stream = assembly.GetManifestResourceStream(matches[0])!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
