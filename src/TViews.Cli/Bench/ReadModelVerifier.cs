using Npgsql;

namespace TViews.Cli.Bench;

/// <summary>
/// Compares a maintained read model with its definition evaluated from scratch, as multisets of
/// rows over the definition's columns (so extra bookkeeping columns of a table do not matter).
/// </summary>
public static class ReadModelVerifier
{
    public static async Task<VerifyResult> CompareAsync(NpgsqlConnection conn, string mode, ReadModelDefinition def, CancellationToken ct)
    {
        try
        {
            var columns = await ColumnsAsync(conn, def.Select, ct);
            await using (var set = new NpgsqlCommand("SET work_mem = '256MB'", conn)) await set.ExecuteNonQueryAsync(ct);
            var sql = ComparisonSql(def, columns);
            await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
            await using var r = await cmd.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            var missing = r.GetInt64(0);
            var extra = r.GetInt64(1);
            var samples = r.IsDBNull(2) ? [] : r.GetFieldValue<string[]>(2);
            return new VerifyResult(mode, def.Name, "definition", missing, extra, null, samples);
        }
        catch (PostgresException e)
        {
            return new VerifyResult(mode, def.Name, "definition", 0, 0, e.MessageText, []);
        }
    }

    /// <summary>
    /// Rows counted per distinct text form on both sides; "missing" rows are in the definition
    /// and not in the table, "extra" the other way round. Up to 3 differing rows as samples.
    /// </summary>
    public static string ComparisonSql(ReadModelDefinition def, IReadOnlyList<string> columns)
    {
        string Row(string alias) => "ROW(" + string.Join(", ", columns.Select(c => $"{alias}.{BenchServer.Quote(c)}")) + ")::text";
        return $"""
            WITH tc AS (SELECT {Row("t")} AS r, count(*) AS n FROM {def.Name} t GROUP BY 1),
                 dc AS (SELECT {Row("v")} AS r, count(*) AS n FROM ({def.Select}) v GROUP BY 1),
                 diff AS (SELECT r, coalesce(dc.n, 0) - coalesce(tc.n, 0) AS d FROM tc FULL JOIN dc USING (r)
                          WHERE coalesce(dc.n, 0) <> coalesce(tc.n, 0))
            SELECT coalesce(sum(d) FILTER (WHERE d > 0), 0)::bigint,
                   coalesce(-sum(d) FILTER (WHERE d < 0), 0)::bigint,
                   (SELECT array_agg(left(CASE WHEN d > 0 THEN 'missing ' ELSE 'extra ' END || r, 300)) FROM (SELECT * FROM diff LIMIT 3) s)
            FROM diff
            """;
    }

    /// <summary>The output column names of a SELECT, asked from the server.</summary>
    public static async Task<IReadOnlyList<string>> ColumnsAsync(NpgsqlConnection conn, string select, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT * FROM ({select}) v LIMIT 0", conn) { CommandTimeout = 0 };
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
    }

    /// <summary>Row counts of the source tables (every table not a read model), to show all modes saw the same writes.</summary>
    public static async Task<Dictionary<string, long>> SourceCountsAsync(NpgsqlConnection conn, IReadOnlyCollection<string> readModels, CancellationToken ct)
    {
        var tables = new List<string>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) tables.Add(r.GetString(0));
        var counts = new Dictionary<string, long>();
        foreach (var t in tables.Where(t => t.StartsWith("tb_", StringComparison.Ordinal) && !readModels.Contains(t)))
        {
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {BenchServer.Quote(t)}", conn) { CommandTimeout = 0 };
            counts[t] = (long)(await cmd.ExecuteScalarAsync(ct))!;
        }
        return counts;
    }
}
