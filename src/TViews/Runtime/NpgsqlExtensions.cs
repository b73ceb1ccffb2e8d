using Npgsql;

namespace TViews.Runtime;

/// <summary>Small helpers over Npgsql commands, always with parameters for values.</summary>
internal static class NpgsqlExtensions
{
    // The engine's CommandTimeout, for this async flow: the analysis issues commands through these
    // helpers too, and should not need the options threaded through every call. 0 = no limit.
    private static readonly AsyncLocal<int> AmbientTimeout = new();

    /// <summary>Sets the timeout (seconds, 0 = none) of commands made here by the calling async flow.</summary>
    public static void UseCommandTimeout(int seconds) => AmbientTimeout.Value = seconds;

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, (string Name, object? Value)[] args)
    {
        var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = AmbientTimeout.Value };
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public static async Task<int> ExecuteAsync(this NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Command(conn, sql, args);
        var n = await cmd.ExecuteNonQueryAsync(ct);
        StatementRecorder.Executed(sql, args); // `tviews script`: statements with an effect are recorded
        return n;
    }

    public static async Task<T> ScalarAsync<T>(this NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Command(conn, sql, args);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is null or DBNull ? default! : (T)v;
    }

    public static async Task<List<T>> ListAsync<T>(this NpgsqlConnection conn, string sql, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Command(conn, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<T>();
        while (await r.ReadAsync(ct)) list.Add(r.IsDBNull(0) ? default! : r.GetFieldValue<T>(0));
        return list;
    }

    public static async Task<List<TRow>> RowsAsync<TRow>(this NpgsqlConnection conn, string sql, Func<NpgsqlDataReader, TRow> map, CancellationToken ct, params (string Name, object? Value)[] args)
    {
        await using var cmd = Command(conn, sql, args);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<TRow>();
        while (await r.ReadAsync(ct)) list.Add(map(r));
        return list;
    }
}
