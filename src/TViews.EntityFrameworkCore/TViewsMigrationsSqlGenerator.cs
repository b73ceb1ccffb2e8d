using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Migrations;

namespace TViews.EntityFrameworkCore;

/// <summary>
/// Npgsql's migrations SQL generator, plus the TViews operations (<see cref="ApplyTViewsScriptOperation"/>,
/// <see cref="DropTViewOperation"/>, <see cref="DropTViewsRuntimeOperation"/>). Registered by <c>UseTViews()</c>.
/// </summary>
public class TViewsMigrationsSqlGenerator : NpgsqlMigrationsSqlGenerator
{
    /// <summary>Created by EF Core's service provider.</summary>
    /// <param name="dependencies">EF Core's dependencies of a migrations SQL generator.</param>
    /// <param name="npgsqlSingletonOptions">Npgsql's options (an Npgsql type EF Core marks internal, EF1001).</param>
#pragma warning disable EF1001 // Npgsql's generator takes its options through this type; extending it is the documented way.
    public TViewsMigrationsSqlGenerator(MigrationsSqlGeneratorDependencies dependencies, INpgsqlSingletonOptions npgsqlSingletonOptions)
        : base(dependencies, npgsqlSingletonOptions)
#pragma warning restore EF1001
    {
    }

    /// <inheritdoc />
    protected override void Generate(MigrationOperation operation, IModel? model, MigrationCommandListBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        switch (operation)
        {
            case ApplyTViewsScriptOperation apply:
                if (Options.HasFlag(MigrationsSqlGenerationOptions.Idempotent))
                    throw new NotSupportedException(
                        "TViews script operations cannot go into an idempotent migrations script (its guard makes every statement conditional, "
                        + "and a TViews script is not a single statement). Generate the script between known migrations "
                        + "(dotnet ef migrations script <from> <to>), or use a bundle or Database.Migrate(): they run only pending migrations. "
                        + "The TViews script checks the database state itself.");
                builder.Append(TViewsSql.ApplyScript(apply.Script, apply.ExpectedTView)).EndCommand();
                break;
            case DropTViewOperation drop:
                builder.Append(TViewsSql.DropTView(drop.Name, drop.Cascade, drop.IfExists, drop.RuntimeSchema)).EndCommand();
                break;
            case DropTViewsRuntimeOperation runtime:
                builder.Append(TViewsSql.DropRuntime(runtime.RuntimeSchema)).EndCommand();
                break;
            default:
                base.Generate(operation, model, builder);
                break;
        }
    }
}
