using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TViews.Runtime;

namespace TViews.Hosting;

/// <summary>
/// Applies TVIEW definitions when the host starts, before it serves (register with
/// <c>services.AddTViewsApplyOnStartup(...)</c>). Safe with many replicas starting at once: applies
/// serialize on TViews' advisory lock, one does the work and the others find it done. A failure
/// stops the host from starting, so an application never serves without its read models.
/// </summary>
public sealed class TViewsStartupApply : IHostedService
{
    private readonly TViewsEngine _engine;
    private readonly Func<IReadOnlyList<TViewDefinition>> _definitions;
    private readonly ILogger _logger;

    /// <summary>A startup step applying what <paramref name="definitions"/> returns.</summary>
    /// <param name="engine">The engine to apply with.</param>
    /// <param name="definitions">Loads the definitions (called once, at start).</param>
    /// <param name="logger">Where to report what was applied.</param>
    public TViewsStartupApply(TViewsEngine engine, Func<IReadOnlyList<TViewDefinition>> definitions, ILogger<TViewsStartupApply>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(definitions);
        _engine = engine;
        _definitions = definitions;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>What the last start applied (null before it ran).</summary>
    public ApplyResult? Result { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var definitions = _definitions();
        TViewsLog.StartupApplying(_logger, definitions.Count);
        Result = await _engine.ApplyAsync(definitions, cancellationToken);
        TViewsLog.StartupApplied(_logger, Result.Created.Count, Result.Rebuilt.Count, Result.Unchanged.Count);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
