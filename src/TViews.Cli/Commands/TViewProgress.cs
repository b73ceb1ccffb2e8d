using System.CommandLine;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TViews.Cli.Logging;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>
/// Progress of <c>apply</c> and <c>refresh</c> on stderr, read from the engine's log: its "creating
/// tv_x" / "rebuilding tv_x" messages and the NOTICE <c>pg_tviews_refresh</c> raises after each TVIEW
/// it refreshes. A live Spectre display (one task per TVIEW) when stderr is a terminal; plain lines
/// otherwise; nothing under <c>--json</c>. Standard output and exit codes do not depend on it.
/// </summary>
internal static partial class TViewProgress
{
    /// <summary>What one log message says about one TVIEW: it is being built, or it is done.</summary>
    internal readonly record struct Step(string Entity, string Text, bool Done);

    /// <summary>The step a log message reports, or null for any other message.</summary>
    internal static Step? Parse<TState>(EventId eventId, TState state, string message)
    {
        if (eventId.Name == "Building" && state is IReadOnlyList<KeyValuePair<string, object?>> values
            && values.FirstOrDefault(v => v.Key == "Action").Value is string action
            && values.FirstOrDefault(v => v.Key == "Table").Value is string table)
            return new Step(EntityOf(table), $"{action} {table}", false);
        if (RefreshNotice().Match(message) is { Success: true } m)
            return new Step(m.Groups[2].Value, $"{m.Groups[1].Value} tv_{m.Groups[2].Value}: {m.Groups[3].Value} rows written", true);
        return null;
    }

    private static string EntityOf(string table) => table.StartsWith("tv_", StringComparison.Ordinal) ? table[3..] : table;

    /// <summary>The NOTICE of <c>pg_tviews_refresh</c> (Runtime/Sql/002_core.sql) after each TVIEW of the closure.</summary>
    [GeneratedRegex(@"^pg_tviews_refresh: (rebuilt|reconciled) (\S+) \((\d+) rows written\)$")]
    private static partial Regex RefreshNotice();

    /// <summary>Whether stderr gets the live display: a terminal that Spectre can redraw.</summary>
    private static IAnsiConsole? LiveConsole()
    {
        if (Console.IsErrorRedirected) return null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Profile.Capabilities is { Interactive: true, Ansi: true } ? console : null;
    }

    /// <summary>
    /// Runs a command's operation with the progress stderr should show. <paramref name="expected"/>
    /// lists the TVIEWs the operation will go through, in order, when that is known beforehand (their
    /// tasks are shown waiting); the others get a task when the log first names them.
    /// </summary>
    public static async Task<T> RunAsync<T>(ParseResult pr, bool json, Func<TViewsEngine, Task<T>> operation,
        Func<TViewsEngine, Task<IReadOnlyList<TViewInfo>>>? expected = null)
    {
        if (json) return await operation(CommandRunner.Engine(pr, quiet: true));
        if (LiveConsole() is not { } console)
            return await operation(CommandRunner.Engine(pr, logger: new PlainLogger(Console.Error.WriteLine)));
        IReadOnlyList<TViewInfo> known = [];
        if (expected is not null)
        {
            // Only for the display: a failure here is the operation's to report, with its own message.
            try { known = await expected(CommandRunner.Engine(pr, quiet: true)); }
            catch (Exception e) when (e is TViewsException or Npgsql.NpgsqlException) { }
        }
        return await RunLiveAsync(console, known, logger => operation(CommandRunner.Engine(pr, logger: logger)));
    }

    /// <summary>The live display around an operation that logs to the logger it is given.</summary>
    internal static Task<T> RunLiveAsync<T>(IAnsiConsole console, IReadOnlyList<TViewInfo> expected, Func<ILogger, Task<T>> operation) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var logger = new LiveLogger(console, ctx);
                foreach (var t in expected) logger.Expect(t.Entity, t.Table);
                logger.StartNext();
                var result = await operation(logger);
                logger.FinishStarted();
                return result;
            });

    /// <summary>
    /// The TVIEWs <c>pg_tviews_refresh</c> goes through for <paramref name="entity"/>: it and every
    /// TVIEW built on it, by depth.
    /// </summary>
    public static async Task<IReadOnlyList<TViewInfo>> RefreshClosureAsync(TViewsEngine engine, string entity, CancellationToken ct = default)
    {
        var all = (await engine.ListAsync(ct: ct)).ToDictionary(t => t.Entity, StringComparer.Ordinal);
        var closure = new List<TViewInfo>();
        var queue = new Queue<string>([EntityOf(entity)]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (queue.TryDequeue(out var e))
        {
            if (!seen.Add(e) || !all.TryGetValue(e, out var info)) continue;
            closure.Add(info);
            foreach (var d in info.Dependents) queue.Enqueue(d);
        }
        return closure.OrderBy(t => t.Depth).ThenBy(t => t.Entity, StringComparer.Ordinal).ToList();
    }

    /// <summary>Plain lines (stderr not a terminal): the CLI's usual log lines, plus one line per TVIEW refreshed.</summary>
    internal sealed class PlainLogger(Action<string> write) : ILogger
    {
        private readonly ActionLogger _lines = new(write);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // Debug too: the refresh NOTICEs arrive at Debug.
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Debug)
            {
                if (Parse(eventId, state, formatter(state, exception)) is { Done: true } step) write(step.Text);
                return;
            }
            _lines.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    /// <summary>One Spectre task per TVIEW; other messages are written above the display.</summary>
    private sealed class LiveLogger(IAnsiConsole console, ProgressContext ctx) : ILogger
    {
        /// <summary>A TVIEW's task, the text it shows while running and the text once done (when the log does not say more).</summary>
        private sealed record Entry(string Entity, ProgressTask Task, string Running, string Done);

        private readonly Lock _lock = new();
        private readonly List<Entry> _entries = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && logLevel != LogLevel.None;

        public void Expect(string entity, string table)
        {
            lock (_lock)
                _entries.Add(new(entity, ctx.AddTask(Markup.Escape($"waiting    {table}"), autoStart: false, maxValue: 1), $"refreshing {table}", $"refreshed  {table}"));
        }

        /// <summary>Starts the first task that has neither started nor finished.</summary>
        public void StartNext()
        {
            lock (_lock)
            {
                if (_entries.FirstOrDefault(e => !e.Task.IsStarted && !e.Task.IsFinished) is not { } next) return;
                next.Task.Description = Markup.Escape(next.Running);
                next.Task.IsIndeterminate = true;
                next.Task.StartTask();
            }
        }

        /// <summary>Marks every started task done: the operation returned (or went on to the next TVIEW), so each finished.</summary>
        public void FinishStarted()
        {
            lock (_lock)
                foreach (var e in _entries.Where(e => e.Task.IsStarted && !e.Task.IsFinished))
                    Finish(e.Task, e.Done);
        }

        private static void Finish(ProgressTask task, string description)
        {
            task.Description = Markup.Escape(description);
            task.IsIndeterminate = false;
            task.Value = task.MaxValue;
            task.StopTask();
        }

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            switch (Parse(eventId, state, message))
            {
                case { Done: false } building:
                    // apply builds one TVIEW after the other: the next one starting ends the previous one.
                    FinishStarted();
                    lock (_lock)
                    {
                        var task = ctx.AddTask(Markup.Escape(building.Text), autoStart: true, maxValue: 1);
                        task.IsIndeterminate = true;
                        var table = building.Text[(building.Text.IndexOf(' ', StringComparison.Ordinal) + 1)..];
                        _entries.Add(new(building.Entity, task, building.Text, (building.Text.StartsWith("creating", StringComparison.Ordinal) ? "created " : "rebuilt ") + table));
                    }
                    // Drawn now, not at the next tick: a TVIEW built within one tick is shown all the same.
                    ctx.Refresh();
                    return;
                case { Done: true } done:
                    lock (_lock)
                    {
                        var entry = _entries.FirstOrDefault(e => e.Entity == done.Entity && !e.Task.IsFinished);
                        if (entry is null)
                        {
                            entry = new(done.Entity, ctx.AddTask("", autoStart: false, maxValue: 1), done.Text, done.Text);
                            _entries.Add(entry);
                        }
                        if (!entry.Task.IsStarted) entry.Task.StartTask();
                        Finish(entry.Task, done.Text);
                    }
                    StartNext();
                    return;
            }
            if (logLevel < LogLevel.Information) return;
            console.WriteLine(logLevel >= LogLevel.Warning ? $"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {message}" : message);
        }
    }
}
