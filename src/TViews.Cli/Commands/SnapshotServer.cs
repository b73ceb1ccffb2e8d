using Npgsql;
using TViews.Cli.Hosting;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>
/// A catalog snapshot (the SQL that recreates a database's schema, with the rows of TViews' own
/// catalog) loaded by psql into a throwaway local PostgreSQL, so `tviews script --snapshot` can
/// generate a migration without access to the target database. The apply that a script records
/// decides from the catalog only, never from the sources' rows, so a schema is all it needs.
/// </summary>
internal sealed class SnapshotServer : IAsyncDisposable
{
    private const string Database = "tviews_snapshot";
    private readonly LocalPostgres _server;

    private SnapshotServer(LocalPostgres server, string description)
    {
        _server = server;
        Description = description;
    }

    /// <summary>What was loaded, for the script's header.</summary>
    public string Description { get; }

    public TViewsEngine Engine(string runtimeSchema) =>
        new(_server.ConnectionString(Database), new TViewsOptions { RuntimeSchema = runtimeSchema });

    /// <summary>
    /// Starts the server and runs the file with psql. Errors psql reports are warnings on stderr
    /// (a dump taken with owners names roles the throwaway server lacks): the script is generated
    /// from whatever loaded, and its state check stops it on a database that differs.
    /// </summary>
    public static async Task<SnapshotServer> LoadAsync(FileInfo file, bool quiet, CancellationToken ct)
    {
        if (!file.Exists) throw new FileNotFoundException($"catalog snapshot {file.FullName} does not exist");
        var server = await LocalPostgres.StartAsync(cancellationToken: ct);
        try
        {
            await using (var conn = new NpgsqlConnection(server.ConnectionString()))
            {
                await conn.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {Database}", conn);
                await cmd.ExecuteNonQueryAsync(ct);
            }
            // psql runs as the server's user, which may not read the caller's files: give it a copy.
            var copy = Path.Combine(server.RootDirectory, "snapshot.sql");
            File.Copy(file.FullName, copy);
            var output = await server.RunToolAsync("psql",
                ["-X", "-q", "-h", server.RootDirectory, "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 "-U", "postgres", "-d", Database, "-v", "ON_ERROR_STOP=0", "-f", copy], ct);
            var errors = output.Split('\n').Where(l => l.Contains("ERROR:", StringComparison.Ordinal)).ToList();
            if (!quiet)
            {
                foreach (var e in errors.Take(10)) Console.Error.WriteLine($"warning: loading the snapshot: {e.Trim()}");
                if (errors.Count > 10) Console.Error.WriteLine($"warning: loading the snapshot: {errors.Count - 10} more error(s)");
            }
            return new SnapshotServer(server, $"{file.Name} ({errors.Count} error(s) while loading it)");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
