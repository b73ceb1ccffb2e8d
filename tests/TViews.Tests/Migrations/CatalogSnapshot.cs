using Npgsql;

namespace TViews.Tests.Migrations;

/// <summary>
/// The schema of a database as sorted lines of text, to compare two databases (or one before and
/// after): relations, columns, constraints, indexes, triggers, functions' definitions, views,
/// comments, privileges, event triggers and the rows of pg_tviews_metadata without their timestamps.
/// Nothing with an OID in it, so databases built separately compare equal when built alike.
/// </summary>
public static class CatalogSnapshot
{
    private const string UserNamespaces = """
        SELECT oid FROM pg_namespace
        WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%'
        """;

    private static readonly string Query = $"""
        WITH ns AS ({UserNamespaces})
        SELECT format('relation %I.%I kind=%s persistence=%s rls=%s acl=%s', n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity, c.relacl)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'i')
        UNION ALL
        SELECT format('column %I.%I.%I #%s %s notnull=%s default=%s identity=%s', n.nspname, c.relname, a.attname, a.attnum,
                      format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT format('constraint %I.%I %I %s', n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid))
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relnamespace IN (SELECT oid FROM ns)
        UNION ALL
        SELECT 'index ' || pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relnamespace IN (SELECT oid FROM ns)
        UNION ALL
        SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace IN (SELECT oid FROM ns) AND NOT t.tgisinternal
        UNION ALL
        SELECT format(E'function acl=%s\n%s', p.proacl, pg_get_functiondef(p.oid))
        FROM pg_proc p
        WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.prokind IN ('f', 'p')
        UNION ALL
        SELECT format('view %I.%I %s', n.nspname, c.relname, pg_get_viewdef(c.oid))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('v', 'm')
        UNION ALL
        SELECT format('comment %I.%I %s', n.nspname, c.relname, obj_description(c.oid, 'pg_class'))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relnamespace IN (SELECT oid FROM ns) AND obj_description(c.oid, 'pg_class') IS NOT NULL
        UNION ALL
        SELECT format('event trigger %I on %s runs %s enabled=%s tags=%s', e.evtname, e.evtevent, e.evtfoid::regproc, e.evtenabled, e.evttags)
        FROM pg_event_trigger e
        """;

    public static async Task<List<string>> TakeAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        var lines = await LinesAsync(conn, Query);
        if (await ScalarAsync(conn, "SELECT to_regclass('public.pg_tviews_metadata') IS NOT NULL") is true)
            lines.AddRange(await LinesAsync(conn, "SELECT 'metadata ' || (to_jsonb(m) - 'created_at' - 'updated_at')::text FROM public.pg_tviews_metadata m"));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>Asserts two snapshots are equal, showing the lines only one of them has.</summary>
    public static void AssertEqual(IReadOnlyList<string> expected, IReadOnlyList<string> actual, string what)
    {
        var onlyExpected = expected.Except(actual).ToList();
        var onlyActual = actual.Except(expected).ToList();
        Assert.True(onlyExpected.Count == 0 && onlyActual.Count == 0 && expected.Count == actual.Count,
            $"{what}: the catalogs differ\n--- only in the first ({onlyExpected.Count}):\n{string.Join("\n", onlyExpected.Take(10))}\n"
            + $"--- only in the second ({onlyActual.Count}):\n{string.Join("\n", onlyActual.Take(10))}");
    }

    private static async Task<List<string>> LinesAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.IsDBNull(0) ? "(null)" : r.GetString(0));
        return list;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }
}
