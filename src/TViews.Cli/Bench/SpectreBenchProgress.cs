using Spectre.Console;

namespace TViews.Cli.Bench;

/// <summary>A Spectre.Console progress bar (one task for the whole run, described by the current step), with log lines above it.</summary>
public sealed class SpectreBenchProgress(IAnsiConsole console, ProgressTask task) : IBenchProgress
{
    public void SetTotal(int steps) => task.MaxValue = Math.Max(1, steps);
    public void Begin(string step) => task.Description = Markup.Escape(step);
    public void End() => task.Increment(1);
    public void Log(string message) => console.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
}
