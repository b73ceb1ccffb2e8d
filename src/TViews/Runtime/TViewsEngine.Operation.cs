using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using TViews.Diagnostics;

namespace TViews.Runtime;

public sealed partial class TViewsEngine
{
    /// <summary>
    /// Runs one operation: on the caller's connection and transaction when given, else on a connection
    /// of its own in a transaction of its own (committed when the body returns, rolled back when
    /// <paramref name="rollback"/>; callers passing it never pass a connection). Around it: the options'
    /// timeouts, NOTICEs to the logger, an activity and the metrics, and Npgsql errors wrapped in
    /// <see cref="TViewsDatabaseException"/>. What the body reports through <see cref="WhenDone"/> is logged
    /// once the operation has succeeded (its own transaction committed; in the caller's transaction,
    /// when it returns), never for one that failed, a script or a dry run.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, NpgsqlConnection? connection, NpgsqlTransaction? transaction,
        Func<NpgsqlConnection, CancellationToken, Task<T>> body, CancellationToken ct, Action<Activity?, T>? describe = null, bool rollback = false)
    {
        if (transaction is not null && connection is null) connection = transaction.Connection;
        if (transaction is not null && !ReferenceEquals(transaction.Connection, connection))
            throw new ArgumentException("the transaction belongs to another connection (or is already complete)", nameof(transaction));
        if (connection is not null && connection.FullState != System.Data.ConnectionState.Open)
            throw new ArgumentException("the connection must be open", nameof(connection));

        using var activity = TViewsDiagnostics.ActivitySource.StartActivity("tviews." + operation);
        activity?.SetTag("db.system", "postgresql").SetTag("tviews.runtime_schema", RuntimeSchema);
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        NpgsqlConnection? own = null;
        NoticeEventHandler onNotice = (_, e) => OnNotice(e.Notice);
        var done = new List<Action>();
        Done.Value = done;
        try
        {
            var conn = connection ?? (own = await _open(ct));
            conn.Notice += onNotice;
            try
            {
                NpgsqlExtensions.UseCommandTimeout(Options.CommandTimeout is { } t ? Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)) : 0);
                await using var ownTx = transaction is null ? await conn.BeginTransactionAsync(ct) : null;
                var restoreLockTimeout = await SetLockTimeoutAsync(conn, ct);
                var result = await body(conn, ct);
                // A script or a dry run keeps nothing of what it did (rollback: only on a connection of its own).
                if (ownTx is not null && rollback) await ownTx.RollbackAsync(ct);
                else if (ownTx is not null) await ownTx.CommitAsync(ct);
                // In the caller's transaction, the setting would otherwise outlive this operation.
                else if (restoreLockTimeout is not null)
                    await conn.ExecuteAsync("SELECT set_config('lock_timeout', @v, true)", ct, ("v", restoreLockTimeout));
                describe?.Invoke(activity, result);
                outcome = "ok";
                if (!rollback) foreach (var report in done) report();
                return result;
            }
            finally
            {
                conn.Notice -= onNotice;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            outcome = "cancelled";
            throw;
        }
        catch (NpgsqlException e)
        {
            var wrapped = TViewsDatabaseException.Wrap(e);
            activity?.SetStatus(ActivityStatusCode.Error, wrapped.Message);
            throw wrapped;
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            if (own is not null) await own.DisposeAsync();
            var tags = new TagList { { "tviews.operation", operation }, { "tviews.outcome", outcome } };
            TViewsDiagnostics.Operations.Add(1, tags);
            TViewsDiagnostics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    /// <summary>What the running operation reports when it has succeeded (see <see cref="RunAsync{T}"/>).</summary>
    private static readonly AsyncLocal<List<Action>?> Done = new();

    /// <summary>
    /// Reports <paramref name="report"/> when the running operation has succeeded: "installed the
    /// runtime" must not be said of an install a refused definition rolled back.
    /// </summary>
    private static void WhenDone(Action report)
    {
        if (Done.Value is { } done) done.Add(report);
        else report();
    }

    /// <summary>Sets the options' lock_timeout for the transaction; returns the previous value (null when there is no option).</summary>
    private async Task<string?> SetLockTimeoutAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (Options.LockTimeout is not { } timeout) return null;
        var ms = Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";
        var previous = await conn.ScalarAsync<string>("SELECT current_setting('lock_timeout')", ct);
        await conn.ExecuteAsync("SELECT set_config('lock_timeout', @v, true)", ct, ("v", ms));
        return previous;
    }

    private void OnNotice(PostgresNotice notice)
    {
        // A WARNING is meant to be seen; NOTICE, INFO and the rest are chatter (progress of a refresh, ...).
        if (notice.InvariantSeverity == "WARNING") TViewsLog.NoticeWarning(_logger, notice.MessageText);
        else TViewsLog.Notice(_logger, notice.MessageText);
    }
}
