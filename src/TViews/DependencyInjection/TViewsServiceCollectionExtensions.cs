using System.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TViews.Hosting;
using TViews.Runtime;

// In the DI namespace, as Microsoft's own AddX methods, so they show up without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TViews in a service collection.</summary>
public static class TViewsServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="TViewsEngine"/> over the <see cref="NpgsqlDataSource"/> registered
    /// in the container (e.g. by <c>AddNpgsqlDataSource</c>), logging through <see cref="ILogger{TViewsEngine}"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the <see cref="TViewsOptions"/> (runtime schema, timeouts).</param>
    public static IServiceCollection AddTViews(this IServiceCollection services, Action<TViewsOptions>? configure = null) =>
        services.AddTViews(sp => sp.GetRequiredService<NpgsqlDataSource>(), configure);

    /// <summary>Registers a singleton <see cref="TViewsEngine"/> over the data source <paramref name="dataSource"/> returns (a keyed one, say).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="dataSource">Picks the data source.</param>
    /// <param name="configure">Sets the <see cref="TViewsOptions"/> (runtime schema, timeouts).</param>
    public static IServiceCollection AddTViews(this IServiceCollection services, Func<IServiceProvider, NpgsqlDataSource> dataSource, Action<TViewsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dataSource);
        var options = services.AddOptions<TViewsOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(sp => new TViewsEngine(dataSource(sp), sp.GetRequiredService<IOptions<TViewsOptions>>().Value,
            sp.GetService<ILogger<TViewsEngine>>()));
        return services;
    }

    /// <summary>
    /// Applies TVIEW definitions when the host starts (a <see cref="TViewsStartupApply"/> hosted service);
    /// safe when several replicas start at once. Call <see cref="AddTViews(IServiceCollection, Action{TViewsOptions}?)"/> too.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="definitions">Loads the definitions, e.g. <c>_ =&gt; TViewDefinitions.FromDirectory("models")</c>.</param>
    public static IServiceCollection AddTViewsApplyOnStartup(this IServiceCollection services, Func<IServiceProvider, IReadOnlyList<TViewDefinition>> definitions)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(definitions);
        services.AddSingleton(sp => new TViewsStartupApply(sp.GetRequiredService<TViewsEngine>(), () => definitions(sp),
            sp.GetService<ILogger<TViewsStartupApply>>()));
        services.AddHostedService(sp => sp.GetRequiredService<TViewsStartupApply>());
        return services;
    }

    /// <summary>Applies the definitions in the <c>.sql</c> files under <paramref name="directory"/> when the host starts.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="directory">A directory of <c>CREATE TABLE tv_x AS &lt;select&gt;;</c> files (relative: to the application's base directory).</param>
    public static IServiceCollection AddTViewsApplyOnStartup(this IServiceCollection services, string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return services.AddTViewsApplyOnStartup(_ => TViewDefinitions.FromDirectory(Path.Combine(AppContext.BaseDirectory, directory)));
    }

    /// <summary>Applies the definitions embedded in <paramref name="assembly"/> (resources ending in <c>.sql</c> whose name starts with <paramref name="prefix"/>) when the host starts.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="assembly">The assembly holding the definitions as embedded resources.</param>
    /// <param name="prefix">Resource name prefix (e.g. <c>MyApp.ReadModels.</c>); all <c>.sql</c> resources when empty.</param>
    public static IServiceCollection AddTViewsApplyOnStartup(this IServiceCollection services, Assembly assembly, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return services.AddTViewsApplyOnStartup(_ => TViewDefinitions.FromEmbeddedResources(assembly, prefix));
    }
}

/// <summary>Registers the TViews health check.</summary>
public static class TViewsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="TViewsHealthCheck"/> (<c>pg_tviews_health_check()</c>: WARNING is Degraded, ERROR is
    /// <paramref name="failureStatus"/>) using the registered <see cref="TViewsEngine"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">Status for ERROR (default Unhealthy).</param>
    /// <param name="tags">Tags to filter checks by (e.g. "ready").</param>
    /// <param name="timeout">How long the check may take.</param>
    public static IHealthChecksBuilder AddTViews(this IHealthChecksBuilder builder, string name = "tviews",
        Diagnostics.HealthChecks.HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new Diagnostics.HealthChecks.HealthCheckRegistration(name,
            sp => new TViewsHealthCheck(sp.GetRequiredService<TViewsEngine>()), failureStatus, tags, timeout));
    }
}
