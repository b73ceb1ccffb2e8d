using Npgsql;

namespace TViews.Cli.Fuzz;

/// <summary>
/// The oracle: a TVIEW must equal its definition evaluated from scratch, as multisets of rows
/// (compared as row text, so types without equality compare too). Rows are aliased
/// <c>pg_tviews_fuzz_r</c>: definitions may not use the pg_tviews_ prefix, so no output column can
/// shadow the row alias (a column named like the alias would be read instead of the whole row).
/// </summary>
public static class FuzzOracle
{
    private const string Row = "pg_tviews_fuzz_r";

    private static string Missing(FuzzDefinition d) =>
        $"SELECT {Row}::text AS r FROM ({d.Select}) {Row} EXCEPT ALL SELECT {Row}::text FROM {d.Table} {Row}";

    private static string Extra(FuzzDefinition d) =>
        $"SELECT {Row}::text AS r FROM {d.Table} {Row} EXCEPT ALL SELECT {Row}::text FROM ({d.Select}) {Row}";

    /// <summary>One query listing every difference, for the reproduction script (expected: no rows).</summary>
    public static string DifferencesQuery(IEnumerable<FuzzDefinition> definitions) =>
        string.Join("\nUNION ALL\n", definitions.Select(d =>
            $"SELECT '{d.Table}' AS tview, 'missing' AS kind, r FROM ({Missing(d)}) m\n" +
            $"UNION ALL\nSELECT '{d.Table}', 'extra', r FROM ({Extra(d)}) e")) + ";";

    /// <summary>The number of differing rows per definition, in one query.</summary>
    public static async Task<int[]> CountsAsync(NpgsqlConnection conn, IReadOnlyList<FuzzDefinition> definitions, CancellationToken ct)
    {
        if (definitions.Count == 0) return [];
        var sql = "SELECT " + string.Join(",\n", definitions.Select(d =>
            $"(SELECT count(*)::int FROM (({Missing(d)}) UNION ALL ({Extra(d)})) pg_tviews_fuzz_d)"));
        var counts = await QueryAsync(conn, sql, r => Enumerable.Range(0, definitions.Count).Select(r.GetInt32).ToArray(), ct);
        return counts.Single();
    }

    /// <summary>Up to <paramref name="limit"/> differing rows of one definition, marked missing or extra.</summary>
    public static Task<List<string>> RowsAsync(NpgsqlConnection conn, FuzzDefinition d, int limit, CancellationToken ct) =>
        QueryAsync(conn, $"(SELECT 'missing ' || r FROM ({Missing(d)}) m LIMIT {limit}) UNION ALL (SELECT 'extra   ' || r FROM ({Extra(d)}) e LIMIT {limit})",
            r => r.GetString(0), ct);

    /// <summary>
    /// An oracle query, between two of the case's transactions, with JIT off: on tables of a few rows
    /// without statistics a definition's estimated cost can pass jit_above_cost, and compiling the
    /// query took most of a second each time (seed 8301, set 52: 2 s an oracle run, 17 minutes a set).
    /// </summary>
    private static async Task<List<T>> QueryAsync<T>(NpgsqlConnection conn, string sql, Func<NpgsqlDataReader, T> row, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var off = new NpgsqlCommand("SET LOCAL jit = off", conn)) await off.ExecuteNonQueryAsync(ct);
        var list = new List<T>();
        await using (var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 300 }) // a loaded test server is slow, not stuck
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) list.Add(row(r));
        await tx.RollbackAsync(ct);
        return list;
    }
}
