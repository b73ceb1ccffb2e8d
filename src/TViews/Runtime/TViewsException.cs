using Npgsql;

namespace TViews.Runtime;

/// <summary>What kind of failure a <see cref="TViewsException"/> reports, for callers that branch on it.</summary>
public enum TViewsErrorCode
{
    /// <summary>A failure not covered by a more specific code; the message says what happened.</summary>
    General = 0,

    /// <summary>A definition is not valid SQL; <see cref="TViewsException.Location"/> points at the fault.</summary>
    Syntax,

    /// <summary>A definition has a shape TViews cannot maintain exactly (LIMIT, volatile functions, ...).</summary>
    UnsupportedDefinition,

    /// <summary>A definition or argument is invalid (bad name, duplicate, missing key column, cycle, ...).</summary>
    InvalidDefinition,

    /// <summary>The named TVIEW does not exist.</summary>
    NotFound,

    /// <summary>The TVIEW (or a relation of that name) already exists.</summary>
    AlreadyExists,

    /// <summary>Other TVIEWs depend on the one to drop.</summary>
    HasDependents,

    /// <summary>The TViews runtime is not installed in the configured schema.</summary>
    RuntimeNotInstalled,

    /// <summary>PostgreSQL could not be reached or refused the login.</summary>
    Connection,

    /// <summary>A statement ran out of time: the command timeout, lock timeout or statement timeout.</summary>
    Timeout,

    /// <summary>PostgreSQL rejected a statement; see <see cref="TViewsDatabaseException.SqlState"/>.</summary>
    Database,

    /// <summary>PostgreSQL rejected SQL that TViews generated: a bug in TViews, please report it.</summary>
    Internal,
}

/// <summary>A place in a definition's text, 1-based.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column, in characters.</param>
public readonly record struct SourceLocation(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}";
}

/// <summary>
/// The base of every error TViews reports: a message meant for the user, an <see cref="ErrorCode"/>,
/// and the position in the definition when there is one.
/// </summary>
public class TViewsException : Exception
{
    /// <summary>An error with a message and, optionally, the exception that caused it.</summary>
    public TViewsException(string message, Exception? inner = null)
        : this(message, TViewsErrorCode.General, null, inner)
    {
    }

    /// <summary>An error with its code and, when known, its position in the definition.</summary>
    public TViewsException(string message, TViewsErrorCode errorCode, SourceLocation? location = null, Exception? inner = null)
        : base(message, inner)
    {
        // A syntax error wrapped with its file name keeps the syntax error's code and position.
        if (errorCode == TViewsErrorCode.General && inner is TViewsException cause)
        {
            errorCode = cause.ErrorCode;
            location ??= cause.Location;
        }
        ErrorCode = errorCode;
        Location = location;
    }

    /// <summary>What kind of failure this is.</summary>
    public TViewsErrorCode ErrorCode { get; }

    /// <summary>Where in the definition's text the fault is, when known.</summary>
    public SourceLocation? Location { get; }
}

/// <summary>
/// PostgreSQL (or the connection to it) failed during a TViews operation. The Npgsql exception is the
/// <see cref="Exception.InnerException"/>; <see cref="SqlState"/> is PostgreSQL's error code when
/// the server reported one.
/// </summary>
public sealed class TViewsDatabaseException : TViewsException
{
    private TViewsDatabaseException(string message, TViewsErrorCode code, NpgsqlException inner)
        : base(message, code, null, inner)
    {
        SqlState = (inner as PostgresException)?.SqlState;
    }

    /// <summary>PostgreSQL's SQLSTATE (e.g. <c>55P03</c> for a lock timeout), or null for a connection-level failure.</summary>
    public string? SqlState { get; }

    /// <summary>The server's error, when the server reported one.</summary>
    public PostgresException? PostgresError => InnerException as PostgresException;

    internal static TViewsDatabaseException Wrap(NpgsqlException e)
    {
        if (e is PostgresException pg)
        {
            var code = pg.SqlState switch
            {
                PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled => TViewsErrorCode.Timeout,
                PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidPassword
                    or PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.TooManyConnections => TViewsErrorCode.Connection,
                _ => TViewsErrorCode.Database,
            };
            var text = $"{pg.MessageText}{(pg.Detail is { } d ? $" ({d})" : "")}{(pg.Hint is { } h ? $" HINT: {h}" : "")} [SQLSTATE {pg.SqlState}]";
            return new TViewsDatabaseException(text, code, pg);
        }
        if (e.InnerException is TimeoutException)
            return new TViewsDatabaseException($"the command timed out ({e.Message})", TViewsErrorCode.Timeout, e);
        return new TViewsDatabaseException(
            $"cannot reach PostgreSQL: {e.Message}{(e.InnerException is { } i ? $" ({i.Message})" : "")}", TViewsErrorCode.Connection, e);
    }
}
