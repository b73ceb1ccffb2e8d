using Microsoft.Extensions.Logging;

namespace TViews.Cli.Logging;

/// <summary>
/// An <see cref="ILogger"/> that hands each message, one line, to a delegate: how the CLI (stderr, a
/// Spectre status line) and the tests (xunit output) see the engine's progress. Warnings are prefixed
/// <c>warning: </c>; PostgreSQL NOTICEs arrive at Debug and are below the default minimum.
/// </summary>
public sealed class ActionLogger(Action<string> write, LogLevel minimum = LogLevel.Information) : ILogger
{
    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var message = formatter(state, exception);
        write(logLevel >= LogLevel.Warning ? $"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {message}" : message);
    }
}
