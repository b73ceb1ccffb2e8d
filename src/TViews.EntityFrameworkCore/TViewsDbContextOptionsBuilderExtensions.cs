using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;

namespace TViews.EntityFrameworkCore;

/// <summary>Registering the TViews migration operations, and mapping entities to TVIEWs.</summary>
public static class TViewsDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Lets migrations use the TViews operations (<c>ApplyTViewsScript</c>, <c>CreateTView</c>,
    /// <c>DropTView</c>): replaces the migrations SQL generator with <see cref="TViewsMigrationsSqlGenerator"/>.
    /// Call after <c>UseNpgsql(...)</c>.
    /// </summary>
    /// <param name="optionsBuilder">The context's options.</param>
    public static DbContextOptionsBuilder UseTViews(this DbContextOptionsBuilder optionsBuilder)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        return optionsBuilder.ReplaceService<IMigrationsSqlGenerator, TViewsMigrationsSqlGenerator>();
    }

    /// <summary>
    /// Maps the entity to the TVIEW table <paramref name="table"/> and leaves it out of migrations
    /// (TViews creates it, through <c>CreateTView</c>). TVIEW rows are written only by TViews: query
    /// them (preferably with <c>AsNoTracking()</c>), write to the source tables.
    /// </summary>
    /// <typeparam name="TEntity">The read model's entity type.</typeparam>
    /// <param name="builder">The entity's builder.</param>
    /// <param name="table">The TVIEW table, <c>tv_x</c>.</param>
    /// <param name="schema">Its schema, when not the default one.</param>
    public static EntityTypeBuilder<TEntity> ToTView<TEntity>(this EntityTypeBuilder<TEntity> builder, string table, string? schema = null)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        TViewsSql.Entity(table);
        return builder.ToTable(table, schema, t => t.ExcludeFromMigrations());
    }
}
