namespace TViews.Cli.Bench;

/// <summary>Where the runner reports what it is doing: a progress display, plain lines, or nothing.</summary>
public interface IBenchProgress
{
    /// <summary>How many steps the whole run has (Begin/End pairs).</summary>
    void SetTotal(int steps);
    void Begin(string step);
    void End();
    void Log(string message);
}

/// <summary>Plain lines to a writer (tests, or a redirected stderr).</summary>
public sealed class TextBenchProgress(TextWriter writer) : IBenchProgress
{
    private int _total;
    private int _done;

    public void SetTotal(int steps) => _total = steps;
    public void Begin(string step) => writer.WriteLine($"[{_done + 1}/{_total}] {step}");
    public void End() => _done++;
    public void Log(string message) => writer.WriteLine($"  {message}");
}
