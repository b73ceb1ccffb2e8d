using Npgsql;

namespace TViews.Tests.Infrastructure;

/// <summary>
/// The correctness oracle: a TVIEW must equal its definition evaluated from scratch, compared as
/// multisets of rows. The definition text comes from the test, not from anything TViews stored.
/// Rows are aliased with the reserved prefix (refused in definitions): a column named like a plain
/// alias (v, t) would be read in place of the whole row and blind the comparison.
/// </summary>
public static class Oracle
{
    public static async Task<List<string>> DifferencesAsync(NpgsqlConnection conn, string table, string definition)
    {
        var sql = $"""
            SELECT 'missing ' || r FROM (SELECT pg_tviews_v::text AS r FROM ({definition}) pg_tviews_v EXCEPT ALL SELECT pg_tviews_t::text FROM {table} pg_tviews_t) d
            UNION ALL
            SELECT 'extra   ' || r FROM (SELECT pg_tviews_t::text AS r FROM {table} pg_tviews_t EXCEPT ALL SELECT pg_tviews_v::text FROM ({definition}) pg_tviews_v) d
            LIMIT 20
            """;
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }

    public static async Task AssertConsistentAsync(NpgsqlConnection conn, IEnumerable<(string Table, string Definition)> tviews, string context)
    {
        var problems = new List<string>();
        foreach (var (table, def) in tviews)
            foreach (var d in await DifferencesAsync(conn, table, def))
                problems.Add($"{table}: {d}");
        Assert.True(problems.Count == 0, $"{context}: TVIEWs diverge from their definitions:\n{string.Join("\n", problems.Take(40))}");
    }

    /// <summary>All rows of a table as sorted text, to compare databases.</summary>
    public static async Task<List<string>> RowsAsync(NpgsqlConnection conn, string table)
    {
        await using var cmd = new NpgsqlCommand($"SELECT t::text FROM {table} t", conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
