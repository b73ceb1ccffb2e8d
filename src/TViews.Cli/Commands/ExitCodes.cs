namespace TViews.Cli.Commands;

/// <summary>
/// The exit status of every command, so scripts and CI can tell a stale read model from a typo or
/// an unreachable server (README, "Exit codes").
/// </summary>
public static class ExitCodes
{
    /// <summary>Done; for verify and health: consistent, healthy.</summary>
    public const int Ok = 0;

    /// <summary>Any other error (a TVIEW that does not exist, PostgreSQL refusing a statement, ...).</summary>
    public const int Error = 1;

    /// <summary>Bad arguments: unknown command or option, missing argument.</summary>
    public const int Usage = 2;

    /// <summary><c>verify</c>: a TVIEW differs from its definition.</summary>
    public const int Diverged = 3;

    /// <summary><c>health</c>: a check reported ERROR.</summary>
    public const int Unhealthy = 4;

    /// <summary>PostgreSQL could not be reached or refused the login.</summary>
    public const int Connection = 5;

    /// <summary>
    /// A definition was refused, with its position: a syntax error, a shape TViews cannot maintain
    /// exactly, or an invalid one (a bad name, key or directive, a duplicate, a cycle).
    /// </summary>
    public const int Refused = 6;

    /// <summary>Interrupted (Ctrl-C), as shells report SIGINT.</summary>
    public const int Cancelled = 130;
}
