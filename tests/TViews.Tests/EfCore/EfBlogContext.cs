using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using TViews.EntityFrameworkCore;
using TViews.Runtime;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.EfCore;

// An application's EF Core model: three source tables written through EF, and one read model
// (tv_post, a TVIEW) read through LINQ, its jsonb document mapped with Npgsql's JSON support.

public sealed class Author
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public List<Post> Posts { get; set; } = [];
}

public sealed class Post
{
    public int Id { get; set; }
    public int AuthorId { get; set; }
    public Author Author { get; set; } = null!;
    public string Title { get; set; } = "";
    public List<Comment> Comments { get; set; } = [];
}

public sealed class Comment
{
    public int Id { get; set; }
    public int PostId { get; set; }
    public Post Post { get; set; } = null!;
    public string Body { get; set; } = "";
}

/// <summary>A row of tv_post: read only, written by TViews' triggers.</summary>
public sealed class PostView
{
    public int PostId { get; set; }
    public int AuthorId { get; set; }
    public PostDocument Data { get; set; } = null!;
}

/// <summary>The jsonb document of a tv_post row.</summary>
public sealed class PostDocument
{
    public string Title { get; set; } = "";
    public string Author { get; set; } = "";
    public int Comments { get; set; }
}

public sealed class EfBlogContext(string connectionString) : DbContext
{
    public DbSet<Author> Authors => Set<Author>();
    public DbSet<Post> Posts => Set<Post>();
    public DbSet<Comment> Comments => Set<Comment>();
    public DbSet<PostView> PostViews => Set<PostView>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.UseNpgsql(connectionString).UseTViews()
            // The migrations below are written by hand, without the model snapshot `dotnet ef migrations add` writes.
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Author>(e =>
        {
            e.ToTable("tb_author");
            e.Property(a => a.Id).HasColumnName("pk_author");
            e.Property(a => a.Name).HasColumnName("name");
        });
        modelBuilder.Entity<Post>(e =>
        {
            e.ToTable("tb_post");
            e.Property(p => p.Id).HasColumnName("pk_post");
            e.Property(p => p.AuthorId).HasColumnName("fk_author");
            e.Property(p => p.Title).HasColumnName("title");
            e.HasOne(p => p.Author).WithMany(a => a.Posts).HasForeignKey(p => p.AuthorId);
        });
        modelBuilder.Entity<Comment>(e =>
        {
            e.ToTable("tb_comment");
            e.Property(c => c.Id).HasColumnName("pk_comment");
            e.Property(c => c.PostId).HasColumnName("fk_post");
            e.Property(c => c.Body).HasColumnName("body");
            e.HasOne(c => c.Post).WithMany(p => p.Comments).HasForeignKey(c => c.PostId);
        });
        modelBuilder.Entity<PostView>(e =>
        {
            e.ToTView("tv_post");
            e.HasKey(v => v.PostId);
            e.Property(v => v.PostId).HasColumnName("pk_post").ValueGeneratedNever();
            e.Property(v => v.AuthorId).HasColumnName("fk_author");
            e.OwnsOne(v => v.Data, d =>
            {
                d.ToJson("data");
                d.Property(x => x.Title).HasJsonPropertyName("title");
                d.Property(x => x.Author).HasJsonPropertyName("author");
                d.Property(x => x.Comments).HasJsonPropertyName("comments");
            });
        });
    }
}

/// <summary>
/// The design-time step: the developer migrates a development database to the migration before the
/// TVIEW's, runs `tviews script` there, and embeds the file in the TVIEW's migration. Done once for
/// the test run, on a database of its own, and shared like an embedded resource would be.
/// </summary>
public static class EfDesignTime
{
    public const string PostViewDefinition = """
        SELECT p.pk_post, p.fk_author,
               jsonb_build_object('title', p.title, 'author', a.name,
                                  'comments', (SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post)) AS data
        FROM tb_post p JOIN tb_author a ON a.pk_author = p.fk_author
        """;

    private static readonly Lazy<Task<string>> Script = new(GenerateAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _generated;

    /// <summary>The script the PostView migration embeds (generate it first with <see cref="EnsureAsync"/>).</summary>
    public static string PostViewScript => _generated ?? throw new InvalidOperationException("EfDesignTime.EnsureAsync() first");

    public static async Task<string> EnsureAsync() => _generated = await Script.Value;

    private static async Task<string> GenerateAsync()
    {
        var design = await TestServer.CreateDatabaseAsync("efdesign");
        try
        {
            await using (var context = new EfBlogContext(design))
                await context.GetService<IMigrator>().MigrateAsync(SourcesMigration.Id);
            return await new TViewsEngine(design).ScriptAsync([TViewDefinition.FromSelect("tv_post", PostViewDefinition, key: ["pk_post"])]);
        }
        finally
        {
            await TestServer.DropDatabaseAsync(design);
        }
    }
}

[DbContext(typeof(EfBlogContext))]
[Migration(Id)]
public sealed class SourcesMigration : Migration
{
    public const string Id = "20260101000001_Sources";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "tb_author",
            columns: t => new
            {
                pk_author = t.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                name = t.Column<string>(type: "text", nullable: false),
            },
            constraints: t => t.PrimaryKey("PK_tb_author", x => x.pk_author));
        migrationBuilder.CreateTable(
            name: "tb_post",
            columns: t => new
            {
                pk_post = t.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                fk_author = t.Column<int>(type: "integer", nullable: false),
                title = t.Column<string>(type: "text", nullable: false),
            },
            constraints: t =>
            {
                t.PrimaryKey("PK_tb_post", x => x.pk_post);
                t.ForeignKey("FK_tb_post_tb_author_fk_author", x => x.fk_author, "tb_author", "pk_author", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateTable(
            name: "tb_comment",
            columns: t => new
            {
                pk_comment = t.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                fk_post = t.Column<int>(type: "integer", nullable: false),
                body = t.Column<string>(type: "text", nullable: false),
            },
            constraints: t =>
            {
                t.PrimaryKey("PK_tb_comment", x => x.pk_comment);
                t.ForeignKey("FK_tb_comment_tb_post_fk_post", x => x.fk_post, "tb_post", "pk_post", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_tb_post_fk_author", "tb_post", "fk_author");
        migrationBuilder.CreateIndex("IX_tb_comment_fk_post", "tb_comment", "fk_post");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("tb_comment");
        migrationBuilder.DropTable("tb_post");
        migrationBuilder.DropTable("tb_author");
    }
}

[DbContext(typeof(EfBlogContext))]
[Migration(Id)]
public sealed class PostViewMigration : Migration
{
    public const string Id = "20260101000002_PostView";

    // In an application: TViewsScripts.FromEmbeddedResource(typeof(PostViewMigration).Assembly, "20260101000002_PostView.sql").
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateTView("tv_post", EfDesignTime.PostViewScript);

    // The script installed the runtime (its header says so): Down removes it too, so that Up finds the
    // database as the script expects it again.
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTView("tv_post");
        migrationBuilder.DropTViewsRuntime();
    }
}
