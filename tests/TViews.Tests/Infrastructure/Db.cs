using Npgsql;

namespace TViews.Tests.Infrastructure;

/// <summary>One-line database helpers for tests that read the catalog or run a statement.</summary>
internal static class Db
{
    /// <summary>The visible columns of a table, in order.</summary>
    public static async Task<List<string>> ColumnsAsync(NpgsqlConnection conn, string table)
    {
        await using var cmd = new NpgsqlCommand("SELECT attname::text FROM pg_attribute WHERE attrelid = @t::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", conn);
        cmd.Parameters.AddWithValue("t", table);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>The first column of every row of a query, as text.</summary>
    public static async Task<List<string>> FirstColumnAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
