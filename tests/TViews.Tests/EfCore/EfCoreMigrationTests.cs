using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql;
using TViews.EntityFrameworkCore;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.EfCore;

/// <summary>
/// TViews from EF Core, end to end against PostgreSQL: migrations create the sources and the TVIEW
/// (through CreateTView and a script generated at design time), EF writes the sources, LINQ reads
/// the TVIEW and its jsonb document, the oracle checks it, and migrating down removes it.
/// </summary>
public sealed class EfCoreMigrationTests
{
    private static readonly (string, string)[] TViews = [("tv_post", EfDesignTime.PostViewDefinition)];

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<List<(int Id, int Author, string Title, string AuthorName, int Comments)>> ReadAsync(EfBlogContext context) =>
        (await context.PostViews.AsNoTracking().OrderBy(v => v.PostId).ToListAsync())
            .Select(v => (v.PostId, v.AuthorId, v.Data.Title, v.Data.Author, v.Data.Comments)).ToList();

    /// <summary>Triggers on the source tables, and functions generated for tv_post.</summary>
    private static async Task<(long Triggers, long Functions)> GeneratedObjectsAsync(NpgsqlConnection conn) =>
        (await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname IN ('tb_author', 'tb_post', 'tb_comment') AND NOT t.tgisinternal"),
         await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg_tviews\\_%\\_post%'"));

    /// <summary>The exception's chain holds PostgreSQL's error (EF may wrap it).</summary>
    private static PostgresException PostgresError(Exception e) =>
        e as PostgresException ?? (e.InnerException is { } inner ? PostgresError(inner) : throw new Xunit.Sdk.XunitException($"not a PostgreSQL error: {e}"));

    [Fact]
    public async Task The_script_refuses_a_database_not_in_the_state_it_was_generated_for_and_the_migration_rolls_back()
    {
        await EfDesignTime.EnsureAsync();
        var cs = await TestServer.CreateDatabaseAsync("efstate");
        try
        {
            // The runtime is already installed here: the script was generated where it was not.
            await new TViewsEngine(cs).InstallAsync();
            await using var context = new EfBlogContext(cs);
            var error = PostgresError(await Assert.ThrowsAnyAsync<Exception>(() => context.Database.MigrateAsync()));
            Assert.Equal("55000", error.SqlState);
            Assert.Contains("not in the state this script was generated for", error.MessageText);
            Assert.Contains("Generated for: no TViews runtime", error.Detail);
            // Each migration runs in a transaction of its own: the sources' migration is applied, the TVIEW's rolled back.
            Assert.Equal([SourcesMigration.Id], await context.Database.GetAppliedMigrationsAsync());
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            Assert.True(await ScalarAsync<bool>(conn, "SELECT to_regclass('tb_post') IS NOT NULL AND to_regclass('tv_post') IS NULL"));
            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_tviews_metadata"));

            // DropTView with nothing to drop: refused, unless ifExists. A text that is not a generated script, or a
            // script that does not create the TVIEW CreateTView names, is refused when the SQL is generated.
            var generator = context.GetService<IMigrationsSqlGenerator>();
            string Sql(MigrationOperation op) => string.Concat(generator.Generate([op]).Select(c => c.CommandText));
            var missing = await Assert.ThrowsAsync<PostgresException>(() => ScalarAsync<object>(conn, Sql(new DropTViewOperation { Name = "tv_post" })));
            Assert.Equal("42P01", missing.SqlState);
            Assert.Contains("tv_post does not exist", missing.MessageText);
            await ScalarAsync<object>(conn, Sql(new DropTViewOperation { Name = "tv_post", IfExists = true }));
            Assert.Throws<InvalidOperationException>(() => Sql(new ApplyTViewsScriptOperation { Script = "BEGIN;\nSELECT 1;\nCOMMIT;\n" }));
            var wrong = Assert.Throws<InvalidOperationException>(() => Sql(new ApplyTViewsScriptOperation { Script = EfDesignTime.PostViewScript, ExpectedTView = "tv_author" }));
            Assert.Contains("does not create or rebuild tv_author", wrong.Message);
            Assert.Contains("pg_tviews_register", Sql(new ApplyTViewsScriptOperation { Script = EfDesignTime.PostViewScript, ExpectedTView = "tv_post" }));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }

    [Fact]
    public void Scripts_load_from_embedded_resources_and_only_generated_scripts_are_accepted()
    {
        Assert.Contains("pg_tviews_metadata", TViewsScripts.FromEmbeddedResource(typeof(TViewsEngine).Assembly, "001_catalog.sql"));
        Assert.Throws<InvalidOperationException>(() => TViewsScripts.FromEmbeddedResource(typeof(TViewsEngine).Assembly, "nope.sql"));
        Assert.Throws<ArgumentException>(() => new MigrationBuilder("Npgsql.EntityFrameworkCore.PostgreSQL").DropTView("post"));
    }

    [Fact]
    public async Task Migrations_create_the_tview_ef_writes_sources_linq_reads_it_and_down_removes_it()
    {
        await EfDesignTime.EnsureAsync();
        var cs = await TestServer.CreateDatabaseAsync("efcore");
        try
        {
            await using var context = new EfBlogContext(cs);
            var migrator = context.GetService<IMigrator>();

            // The script `migrations script` writes carries the TVIEW: the generated statements, without their BEGIN/COMMIT.
            var up = migrator.GenerateScript();
            Assert.Matches(@"(?m)^--\s+create\s+tv_post\s", EfDesignTime.PostViewScript);
            Assert.Contains("tv_post", up);
            Assert.Contains("TViews: the database is not in the state this script was generated for", up);
            Assert.Contains("pg_tviews_register", up);
            Assert.DoesNotContain("\nBEGIN;\n", up);
            var down = migrator.GenerateScript(PostViewMigration.Id, SourcesMigration.Id);
            Assert.Contains("pg_tviews_forget", down);
            var ex = Assert.Throws<NotSupportedException>(() => migrator.GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent));
            Assert.Contains("idempotent", ex.Message);

            await context.Database.MigrateAsync();
            Assert.Equal([SourcesMigration.Id, PostViewMigration.Id], await context.Database.GetAppliedMigrationsAsync());
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            Assert.Equal("post", await ScalarAsync<string>(conn, "SELECT string_agg(entity_name, ',') FROM pg_tviews_metadata"));
            var (triggers, functions) = await GeneratedObjectsAsync(conn);
            Assert.True(triggers > 0 && functions > 0, $"triggers {triggers}, functions {functions}");
            Assert.Empty(await ReadAsync(context));

            // One unit of work over three tables: an author, two posts, three comments.
            var ann = new Author { Name = "ann" };
            ann.Posts.Add(new Post { Title = "hello", Comments = [new Comment { Body = "a" }, new Comment { Body = "b" }] });
            ann.Posts.Add(new Post { Title = "again", Comments = [new Comment { Body = "c" }] });
            var bob = new Author { Name = "bob" };
            context.AddRange(ann, bob);
            await context.SaveChangesAsync();
            var hello = ann.Posts[0];
            var again = ann.Posts[1];
            Assert.Equal([(hello.Id, ann.Id, "hello", "ann", 2), (again.Id, ann.Id, "again", "ann", 1)], await ReadAsync(context));
            await Oracle.AssertConsistentAsync(conn, TViews, "after the first SaveChanges");

            // A second unit of work: rename the author (both documents), move a post, delete and add comments.
            ann.Name = "anne";
            again.Author = bob;
            context.Remove(hello.Comments[0]);
            again.Comments.Add(new Comment { Body = "d" });
            context.Add(new Post { Title = "third", Author = bob });
            await context.SaveChangesAsync();
            var third = bob.Posts.Single(p => p.Title == "third");
            Assert.Equal([(hello.Id, ann.Id, "hello", "anne", 1), (again.Id, bob.Id, "again", "bob", 2), (third.Id, bob.Id, "third", "bob", 0)],
                await ReadAsync(context));
            await Oracle.AssertConsistentAsync(conn, TViews, "after the second SaveChanges");

            // LINQ into the jsonb document (translated to SQL, not filtered client-side).
            var byBob = context.PostViews.AsNoTracking().Where(v => v.Data.Author == "bob" && v.Data.Comments > 0).Select(v => v.Data.Title);
            Assert.Contains("data", byBob.ToQueryString());
            Assert.Equal(["again"], await byBob.ToListAsync());
            Assert.Equal(3, await context.PostViews.SumAsync(v => v.Data.Comments));

            // Inside the application's transaction the TVIEW already shows its writes; a rollback takes them back.
            await using (var tx = await context.Database.BeginTransactionAsync())
            {
                context.Remove(third);
                await context.SaveChangesAsync();
                Assert.Equal(2, await context.PostViews.CountAsync());
                await tx.RollbackAsync();
            }
            Assert.Equal(3, await context.PostViews.CountAsync());
            await Oracle.AssertConsistentAsync(conn, TViews, "after a rolled-back unit of work");

            // Down to the sources: the TVIEW, its triggers, functions and catalog row are gone; writes still work.
            await context.GetService<IMigrator>().MigrateAsync(SourcesMigration.Id);
            Assert.Equal([SourcesMigration.Id], await context.Database.GetAppliedMigrationsAsync());
            Assert.True(await ScalarAsync<bool>(conn, "SELECT to_regclass('tv_post') IS NULL"));
            Assert.True(await ScalarAsync<bool>(conn, "SELECT to_regclass('pg_tviews_metadata') IS NULL"));
            Assert.Equal((0L, 0L), await GeneratedObjectsAsync(conn));
            await using (var after = new EfBlogContext(cs))
            {
                after.Add(new Comment { PostId = hello.Id, Body = "e" });
                await after.SaveChangesAsync();
                Assert.Equal(4, await after.Comments.CountAsync()); // b, c, d and e
            }

            Assert.Equal(0L, await ScalarAsync<long>(conn, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg\\_tview%'"));

            // Up again (the database is as the script expects it: sources, no runtime), and the TVIEW follows writes again.
            await context.Database.MigrateAsync();
            Assert.Equal([(hello.Id, ann.Id, "hello", "anne", 2), (again.Id, bob.Id, "again", "bob", 2), (third.Id, bob.Id, "third", "bob", 0)],
                await ReadAsync(context));
            context.Remove(again);
            await context.SaveChangesAsync();
            Assert.Equal([hello.Id, third.Id], await context.PostViews.OrderBy(v => v.PostId).Select(v => v.PostId).ToListAsync());
            await Oracle.AssertConsistentAsync(conn, TViews, "after migrating down and up");

            // Down to nothing: the sources go too.
            await context.GetService<IMigrator>().MigrateAsync(Migration.InitialDatabase);
            Assert.True(await ScalarAsync<bool>(conn, "SELECT to_regclass('tb_post') IS NULL"));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(cs);
        }
    }
}
