using Microsoft.Extensions.Diagnostics.HealthChecks;
using TViews.Runtime;

namespace TViews.Hosting;

/// <summary>
/// <c>pg_tviews_health_check()</c> as an ASP.NET Core / generic-host health check: WARNING is
/// <see cref="HealthStatus.Degraded"/>, ERROR (or a runtime that is not installed, or an unreachable
/// database) is the registration's failure status (<see cref="HealthStatus.Unhealthy"/> by default).
/// Each check's status and details are in the result's data.
/// </summary>
/// <param name="engine">The engine whose database is checked.</param>
public sealed class TViewsHealthCheck(TViewsEngine engine) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        TViewsHealthReport report;
        try
        {
            report = await engine.CheckHealthAsync(ct: cancellationToken);
        }
        catch (TViewsException e)
        {
            return new HealthCheckResult(failure, e.Message, e);
        }
        var data = report.Checks.ToDictionary(c => c.Name, c => (object)$"{c.Status.ToString().ToUpperInvariant()}: {c.Details}");
        var notOk = report.Checks.Where(c => c.Status != TViewsHealthStatus.Ok).Select(c => $"{c.Name}: {c.Details}").ToList();
        var description = notOk.Count == 0 ? $"TViews runtime {report.RuntimeVersion}: all checks OK" : string.Join("; ", notOk);
        return report.Status switch
        {
            TViewsHealthStatus.Ok => HealthCheckResult.Healthy(description, data),
            TViewsHealthStatus.Warning => HealthCheckResult.Degraded(description, data: data),
            _ => new HealthCheckResult(failure, description, data: data),
        };
    }
}
