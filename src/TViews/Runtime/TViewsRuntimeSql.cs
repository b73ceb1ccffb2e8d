namespace TViews.Runtime;

/// <summary>What removing the runtime does with the TVIEWs that still use it.</summary>
public enum TViewsRemoval
{
    /// <summary>Refuse (SQLSTATE 2BP01, naming them) while any remains: the EF Core migration operation.</summary>
    RefuseWhileTViewsRemain,

    /// <summary>Forget them, keeping their tables as plain tables no longer maintained.</summary>
    KeepTViewTables,

    /// <summary>Drop them, tables included.</summary>
    DropTViewTables,
}

/// <summary>
/// The SQL that removes the TViews runtime from a schema, as one DO block: what `tviews uninstall`
/// runs and what EF Core's <c>DropTViewsRuntime</c> migration operation embeds, so the two cannot
/// drift apart. It takes the installer's and the DDL advisory locks first, like every operation.
/// </summary>
public static class TViewsRuntimeSql
{
    private const long DdlLock = 7628265430001;

    /// <summary>The DO block removing the runtime (event triggers, pg_tview* functions, tables, views and the indexes TViews added); nothing when it is not installed.</summary>
    public static string Uninstall(string runtimeSchema, TViewsRemoval removal)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeSchema);
        var rt = SqlNames.Quote(runtimeSchema);
        var schema = SqlNames.Literal(runtimeSchema);
        var tviews = removal == TViewsRemoval.RefuseWhileTViewsRemain
            ? $"""
                SELECT pg_catalog.string_agg(m.table_name, ', ' ORDER BY m.table_name) INTO remaining FROM {rt}.pg_tviews_metadata m;
                IF remaining IS NOT NULL THEN
                    RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist',
                        MESSAGE = pg_catalog.format('TViews: cannot remove the runtime from schema %s: %s still use it', {schema}, remaining),
                        HINT = 'Drop those TVIEWs first (DropTView), or keep the runtime.';
                END IF;
            """
            : $"""
                FOR r IN SELECT m.entity_name FROM {rt}.pg_tviews_metadata m ORDER BY m.depth DESC, m.entity_name LOOP
                    PERFORM {rt}.pg_tviews_forget(r.entity_name, {(removal == TViewsRemoval.DropTViewTables ? "true" : "false")});
                END LOOP;
            """;
        var body = $"""
            DECLARE
                r record;
                remaining text;
            BEGIN
                IF pg_catalog.to_regprocedure({SqlNames.Literal(rt + ".pg_tviews_version()")}) IS NULL THEN
                    RETURN;
                END IF;
                PERFORM pg_catalog.pg_advisory_xact_lock({RuntimeInstaller.InstallLockKey});
                PERFORM pg_catalog.pg_advisory_xact_lock({DdlLock});
            {tviews}
                DROP EVENT TRIGGER IF EXISTS pg_tviews_sql_drop;
                DROP EVENT TRIGGER IF EXISTS pg_tviews_ddl;
                DROP EVENT TRIGGER IF EXISTS pg_tviews_functions;
                DROP EVENT TRIGGER IF EXISTS pg_tviews_ddl_refresh;
                DROP EVENT TRIGGER IF EXISTS pg_tviews_sql_drop_refresh;
                -- Indexes TViews added (to sources, and to kept TVIEW tables) live in their tables' schemas.
                FOR r IN SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                         WHERE c.relname LIKE 'pg\_tviews\_%' AND c.relkind = 'i'
                           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = c.oid)
                LOOP
                    EXECUTE pg_catalog.format('DROP INDEX IF EXISTS %I.%I', r.nspname, r.relname);
                END LOOP;
                -- Everything else the runtime owns is named pg_tviews_* / pg_tview_* in its schema.
                FOR r IN SELECT c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = {schema} AND c.relname LIKE 'pg\_tview%' AND c.relkind IN ('v', 'r', 'S')
                         ORDER BY c.relkind = 'r'
                LOOP
                    EXECUTE pg_catalog.format(CASE r.relkind WHEN 'v' THEN 'DROP VIEW IF EXISTS %I.%I CASCADE'
                                                             WHEN 'S' THEN 'DROP SEQUENCE IF EXISTS %I.%I'
                                                             ELSE 'DROP TABLE IF EXISTS %I.%I CASCADE' END,
                                              {schema}, r.relname);
                END LOOP;
                FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = {schema} AND p.proname LIKE 'pg\_tview%'
                LOOP
                    EXECUTE pg_catalog.format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
                END LOOP;
            END
            """;
        const string tag = "$tviews_uninstall$";
        if (body.Contains(tag, StringComparison.Ordinal))
            throw new ArgumentException($"bad runtime schema name {runtimeSchema}", nameof(runtimeSchema));
        var what = removal switch
        {
            TViewsRemoval.RefuseWhileTViewsRemain => "refused while TVIEWs remain",
            TViewsRemoval.KeepTViewTables => "its TVIEWs forgotten, their tables kept",
            _ => "its TVIEWs dropped",
        };
        return $"-- TViews: remove the TViews runtime from schema {rt} ({what}).\nDO {tag}\n{body}\n{tag};";
    }
}
