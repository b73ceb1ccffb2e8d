using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TViews.Cli.Hosting;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Operations;

/// <summary>
/// A database holding the runbook's sample: three source tables and two TVIEWs, tv_post built on
/// tv_user (so refreshes and drops cascade). One per test, on the shared server, or on a server the
/// test started itself for destructive scenarios (crash, replication, a fresh cluster).
/// </summary>
public sealed class OpsDatabase : IAsyncDisposable
{
    public const string SourceSchema = """
        CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text NOT NULL);
        CREATE TABLE tb_post (pk_post bigint PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL);
        CREATE TABLE tb_comment (pk_comment bigint PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE, body text NOT NULL);
        CREATE TABLE tb_audit (pk_audit bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
        """;

    public const string UserDefinition =
        "SELECT u.pk_user, jsonb_build_object('id', u.pk_user, 'name', u.name) AS data FROM tb_user u";

    public const string PostDefinition = """
        SELECT p.pk_post, p.fk_user,
               jsonb_build_object('title', p.title, 'author', u.data,
                                  'comments', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body) ORDER BY c.pk_comment)
                                                        FROM tb_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
        FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user
        """;

    public static string Script => $"CREATE TABLE tv_user AS {UserDefinition};\nCREATE TABLE tv_post AS {PostDefinition};\n";

    private readonly bool _ownsDatabase;

    public string ConnectionString { get; }

    private OpsDatabase(string connectionString, bool ownsDatabase)
    {
        ConnectionString = connectionString;
        _ownsDatabase = ownsDatabase;
    }

    /// <summary>A fresh database on the shared test server, with the sample TVIEWs.</summary>
    public static async Task<OpsDatabase> CreateAsync(int users = 10, int posts = 40, int comments = 80)
    {
        var db = new OpsDatabase(await TestServer.CreateDatabaseAsync("ops"), ownsDatabase: true);
        try
        {
            await db.LoadSampleAsync(users, posts, comments);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
        return db;
    }

    /// <summary>The sample in an existing database (e.g. "postgres" of a server the test owns).</summary>
    public static async Task<OpsDatabase> OnAsync(string connectionString, int users = 10, int posts = 40, int comments = 80)
    {
        var db = new OpsDatabase(connectionString, ownsDatabase: false);
        await db.LoadSampleAsync(users, posts, comments);
        return db;
    }

    /// <summary>An existing database that already holds the sample (e.g. a restored copy).</summary>
    public static OpsDatabase Attach(string connectionString) => new(connectionString, ownsDatabase: false);

    private async Task LoadSampleAsync(int users, int posts, int comments)
    {
        await ExecAsync(SourceSchema + string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO tb_user SELECT g, 'user ' || g FROM generate_series(1, {users}) g;
            INSERT INTO tb_post SELECT g, 1 + g % {users}, 'post ' || g FROM generate_series(1, {posts}) g;
            INSERT INTO tb_comment SELECT g, 1 + g % {posts}, 'comment ' || g FROM generate_series(1, {comments}) g;
            """));
        await Engine().ApplyAsync(TViewDefinition.FromScript(Script));
    }

    public TViewsEngine Engine() => new(ConnectionString);

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    public async Task ExecAsync(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        var v = await cmd.ExecuteScalarAsync();
        return (T)Convert.ChangeType(v!, typeof(T), CultureInfo.InvariantCulture);
    }

    public async Task<List<string[]>> RowsAsync(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await r.ReadAsync())
        {
            var row = new string[r.FieldCount];
            for (var i = 0; i < r.FieldCount; i++) row[i] = r.IsDBNull(i) ? "" : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture)!;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Runs a statement that must fail and returns PostgreSQL's error.</summary>
    public async Task<PostgresException> FailsAsync(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
    }

    /// <summary>Runs SQL through psql (as an operator would, no C# on the database side); returns stdout then stderr (NOTICEs).</summary>
    public async Task<string> PsqlAsync(string sql)
    {
        var (stdout, stderr) = await RunPsqlAsync(["-c", sql]);
        return stdout + stderr;
    }

    /// <summary>psql's unaligned, tuples-only output of a query (what a shell script would read), trimmed.</summary>
    public async Task<string> PsqlValueAsync(string sql) => (await RunPsqlAsync(["-t", "-A", "-c", sql])).Stdout.Trim();

    /// <summary>Runs SQL through psql that must fail; returns psql's error output.</summary>
    public async Task<string> PsqlFailsAsync(string sql)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => RunPsqlAsync(["-c", sql]));
        return e.Message;
    }

    /// <summary>psql -X -v ON_ERROR_STOP=1 with this database; throws with stderr on a non-zero exit.</summary>
    public async Task<(string Stdout, string Stderr)> RunPsqlAsync(IEnumerable<string> args)
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        var psi = new ProcessStartInfo(Psql.Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-X", "-v", "ON_ERROR_STOP=1", .. LibpqArgs(ConnectionString)]) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (b.Password is { } pw) psi.Environment["PGPASSWORD"] = pw;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"psql failed ({p.ExitCode}): {await stderr}");
        return (await stdout, await stderr);
    }

    public async Task<Dictionary<string, (string Status, string Details)>> HealthAsync(string orphanAfter = "1 hour")
    {
        var rows = await RowsAsync($"SELECT check_name, status, details FROM pg_tviews_health_check('{orphanAfter}')");
        return rows.ToDictionary(r => r[0], r => (r[1], r[2]));
    }

    public async Task AssertHealthyAsync()
    {
        var health = await HealthAsync();
        var bad = health.Where(h => h.Value.Status != "OK").Select(h => $"{h.Key}: {h.Value.Status} {h.Value.Details}").ToList();
        Assert.True(bad.Count == 0, "health check not OK:\n" + string.Join("\n", bad));
    }

    /// <summary>Rows that differ between each TVIEW and its definition, by the test's own copy of the definition.</summary>
    public async Task<List<string>> DifferencesAsync()
    {
        await using var c = await OpenAsync();
        var list = new List<string>();
        foreach (var (table, def) in new[] { ("tv_user", UserDefinition), ("tv_post", PostDefinition) })
            if (await ExistsAsync(c, table))
                list.AddRange((await Oracle.DifferencesAsync(c, table, def)).Select(d => $"{table}: {d}"));
        return list;
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection c, string table)
    {
        await using var cmd = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", c);
        cmd.Parameters.AddWithValue("t", table);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Both the independent oracle and the runtime's pg_tviews_check_consistency find nothing.</summary>
    public async Task AssertConsistentAsync(string context)
    {
        var diffs = await DifferencesAsync();
        Assert.True(diffs.Count == 0, $"{context}: TVIEWs diverge:\n{string.Join("\n", diffs)}");
        var runtime = await ScalarAsync<long>(
            "SELECT count(*) FROM pg_tviews_metadata m, LATERAL pg_tviews_check_consistency(m.entity_name) c");
        Assert.Equal(0L, runtime);
    }

    /// <summary>Waits until <paramref name="condition"/> holds (polling), failing after <paramref name="seconds"/>.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until backend <paramref name="pid"/> is blocked on a lock or in pg_sleep.</summary>
    public async Task WaitForBackendAsync(int pid, string waitEventType)
    {
        await WaitForAsync(async () => await ScalarAsync<long>(
            $"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND wait_event_type = '{waitEventType}'") > 0,
            $"backend {pid} waiting on {waitEventType}");
    }

    /// <summary>A PostgreSQL client program (pg_dump, pg_restore, psql) from the server's installation, run directly.</summary>
    public static async Task<string> RunClientToolAsync(string tool, params string[] args)
    {
        var bin = LocalPostgres.FindBinDirectory();
        var path = bin is not null && File.Exists(Path.Combine(bin, tool)) ? Path.Combine(bin, tool) : tool;
        var psi = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var output = await stdout + await stderr;
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} failed ({p.ExitCode}): {output}");
        return output;
    }

    /// <summary>
    /// The runbook's backup and restore: <c>pg_dump -Fc</c> of one database, <c>pg_restore</c> into
    /// another (created empty by the caller); either failing throws.
    /// </summary>
    public static async Task DumpAndRestoreAsync(string from, string into)
    {
        var dir = Directory.CreateTempSubdirectory("tviews-dump-");
        try
        {
            var dump = Path.Combine(dir.FullName, "db.dump");
            await RunClientToolAsync("pg_dump", [.. LibpqArgs(from), "-Fc", "-f", dump]);
            await RunClientToolAsync("pg_restore", [.. LibpqArgs(from, new NpgsqlConnectionStringBuilder(into).Database!), dump]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>libpq connection arguments (-h -p -U -d) for this database.</summary>
    public static string[] LibpqArgs(string connectionString, string? database = null)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return ["-h", b.Host!, "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username!, "-d", database ?? b.Database!];
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDatabase) await TestServer.DropDatabaseAsync(ConnectionString);
    }
}
