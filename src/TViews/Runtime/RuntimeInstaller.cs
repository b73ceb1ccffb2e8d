using System.Reflection;
using Npgsql;

namespace TViews.Runtime;

/// <summary>
/// Installs, upgrades and removes the TViews runtime (catalog tables and pg_tviews_* functions)
/// in one schema. The scripts are embedded resources, applied in name order, each idempotent.
/// </summary>
internal static class RuntimeInstaller
{
    /// <summary>
    /// The runtime's version (<c>pg_tviews_version()</c>): the package version, from the one MSBuild
    /// property <c>Version</c> (Directory.Build.props), stamped into the assembly at build.
    /// </summary>
    public static string Version { get; } = typeof(RuntimeInstaller).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "TViewsVersion")?.Value
        ?? throw new InvalidOperationException("the TViews assembly carries no TViewsVersion metadata");

    /// <summary>
    /// A fingerprint of the runtime's SQL (<c>pg_tviews_runtime_build()</c>): the scripts as embedded,
    /// before a schema is put in. Builds of one version whose runtime differs differ here, so apply
    /// installs the runtime again instead of keeping functions the new generated code does not expect.
    /// </summary>
    public static string Build { get; } = ComputeBuild();

    private static string ComputeBuild()
    {
        var asm = typeof(RuntimeInstaller).Assembly;
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var n in TemplateNames(asm))
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(n + "\n" + Read(asm, n) + "\n"));
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    /// <summary>
    /// The advisory lock (transaction-level) that install, upgrade, uninstall and every apply take first,
    /// so concurrent runs (replicas applying on startup) serialize instead of colliding in the catalog.
    /// Fixed and documented (docs/dotnet.md): 0x747669657773, the bytes of "tviews".
    /// </summary>
    public const long InstallLockKey = 0x7476_6965_7773;

    /// <summary>Takes <see cref="InstallLockKey"/> until the end of the current transaction.</summary>
    public static Task LockAsync(NpgsqlConnection conn, CancellationToken ct) =>
        conn.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", ct, ("k", InstallLockKey));

    /// <summary>Runs the install scripts in the current transaction (the caller holds the lock).</summary>
    public static async Task InstallInTransactionAsync(NpgsqlConnection conn, string schema, CancellationToken ct)
    {
        var scripts = Scripts(schema); // validates the name before anything is created
        await conn.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS {SqlNames.Quote(schema)}", ct);
        foreach (var (_, sql) in scripts) await conn.ExecuteAsync(sql, ct);
    }

    public static IReadOnlyList<(string Name, string Sql)> Scripts(string schema)
    {
        var asm = typeof(RuntimeInstaller).Assembly;
        return TemplateNames(asm).Select(n => (n, Render(Read(asm, n), schema))).ToList();
    }

    private static IEnumerable<string> TemplateNames(Assembly asm) => asm.GetManifestResourceNames()
        .Where(n => n.Contains(".Runtime.Sql.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
        .OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>The names of the runtime's own functions (generated code must never take one of them).</summary>
    public static IReadOnlySet<string> FunctionNames { get; } = LoadFunctionNames();

    private static HashSet<string> LoadFunctionNames()
    {
        var asm = typeof(RuntimeInstaller).Assembly;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in TemplateNames(asm))
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(Read(asm, n), @"FUNCTION @schema@\.(pg_tview[a-z0-9_]*)"))
                names.Add(m.Groups[1].Value);
        return names;
    }

    private static string Read(Assembly asm, string name)
    {
        using var s = asm.GetManifestResourceStream(name)!;
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>
    /// The runtime's SQL for <paramref name="schema"/>: <c>@schema@</c> is the quoted name,
    /// <c>@schema_literal@</c> a string literal of it (for to_regclass and the like). Dollar-quoted
    /// bodies embed the name, so a name with a <c>$</c> is refused rather than risk ending one.
    /// </summary>
    private static string Render(string template, string schema)
    {
        if (schema.Length == 0 || schema.Contains('$', StringComparison.Ordinal) || schema.Contains('\0', StringComparison.Ordinal)
            || System.Text.Encoding.UTF8.GetByteCount(schema) > 63)
            throw new TViewsException($"bad runtime schema name {SqlNames.Literal(schema)}: it must be 1 to 63 bytes without '$'", TViewsErrorCode.InvalidDefinition);
        return template.Replace("@runtime_functions@", "ARRAY[" + string.Join(", ", FunctionNames.Order(StringComparer.Ordinal).Select(SqlNames.Literal)) + "]::text[]", StringComparison.Ordinal)
            .Replace("@schema_literal@", SqlNames.Literal(SqlNames.Quote(schema)), StringComparison.Ordinal)
            .Replace("@schema@", SqlNames.Quote(schema), StringComparison.Ordinal)
            .Replace("@version@", Version, StringComparison.Ordinal)
            .Replace("@build@", Build, StringComparison.Ordinal);
    }

    /// <summary>The runtime version installed in <paramref name="schema"/>, or null.</summary>
    public static async Task<string?> InstalledVersionAsync(NpgsqlConnection conn, string schema = "public", CancellationToken ct = default)
    {
        var exists = await conn.ScalarAsync<bool>(
            "SELECT to_regprocedure(format('%I.pg_tviews_version()', @s::text)) IS NOT NULL", ct, ("s", schema));
        if (!exists) return null;
        return await conn.ScalarAsync<string>($"SELECT {SqlNames.Quote(schema)}.pg_tviews_version()", ct);
    }

    /// <summary>
    /// The installed runtime as apply compares it with <see cref="Version"/>: null if none; its version
    /// when that is another or its SQL is this build's; else the version, '+' and its build
    /// ('unrecorded' for a runtime from before builds were recorded), which apply installs again.
    /// </summary>
    public static async Task<string?> InstalledIdentityAsync(NpgsqlConnection conn, string schema = "public", CancellationToken ct = default)
    {
        var version = await InstalledVersionAsync(conn, schema, ct);
        if (version != Version) return version;
        var recorded = await conn.ScalarAsync<bool>(
            "SELECT to_regprocedure(format('%I.pg_tviews_runtime_build()', @s::text)) IS NOT NULL", ct, ("s", schema));
        var build = recorded ? await conn.ScalarAsync<string>($"SELECT {SqlNames.Quote(schema)}.pg_tviews_runtime_build()", ct) : null;
        return build == Build ? version : $"{version}+{build ?? "unrecorded"}";
    }

    /// <summary>Finds the schema holding the runtime: the first schema on the search_path that has it.</summary>
    public static async Task<string?> FindSchemaAsync(NpgsqlConnection conn, CancellationToken ct = default) =>
        await conn.ScalarAsync<string?>(
            """
            SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.proname = 'pg_tviews_version'
            ORDER BY array_position(current_schemas(false), n.nspname::name) NULLS LAST, n.nspname
            LIMIT 1
            """, ct);

    /// <summary>
    /// Removes every object the runtime created. TVIEW tables are kept (as plain tables, no longer
    /// maintained) unless <paramref name="dropTables"/>. Runs in the caller's transaction.
    /// </summary>
    public static async Task UninstallAsync(NpgsqlConnection conn, string schema, bool dropTables, CancellationToken ct)
    {
        await conn.ExecuteAsync(TViewsRuntimeSql.Uninstall(schema, dropTables ? TViewsRemoval.DropTViewTables : TViewsRemoval.KeepTViewTables), ct);
    }
}
