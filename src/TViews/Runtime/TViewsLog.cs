using Microsoft.Extensions.Logging;

namespace TViews.Runtime;

/// <summary>The engine's log messages, as source-generated delegates (no formatting cost when disabled).</summary>
internal static partial class TViewsLog
{
    [LoggerMessage(1, LogLevel.Information, "installed the TViews runtime {Version} in schema {Schema}")]
    public static partial void RuntimeInstalled(ILogger logger, string version, string schema);

    [LoggerMessage(2, LogLevel.Information, "upgraded the TViews runtime {From} -> {Version} in schema {Schema}")]
    public static partial void RuntimeUpgraded(ILogger logger, string from, string version, string schema);

    [LoggerMessage(3, LogLevel.Information, "{Action} {Table}")]
    public static partial void Building(ILogger logger, string action, string table);

    [LoggerMessage(4, LogLevel.Warning, "{Warning}")]
    public static partial void AnalysisWarning(ILogger logger, string warning);

    [LoggerMessage(5, LogLevel.Debug, "{Message}")]
    public static partial void Notice(ILogger logger, string message);

    [LoggerMessage(6, LogLevel.Warning, "{Message}")]
    public static partial void NoticeWarning(ILogger logger, string message);

    [LoggerMessage(7, LogLevel.Information, "applying {Count} TVIEW definition(s) on startup")]
    public static partial void StartupApplying(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Information, "TVIEWs applied on startup: {Created} created, {Rebuilt} rebuilt, {Unchanged} unchanged")]
    public static partial void StartupApplied(ILogger logger, int created, int rebuilt, int unchanged);
}
