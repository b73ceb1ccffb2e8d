using System.CommandLine;
using Npgsql;
using Spectre.Console;
using TViews.Cli.Hosting;
using TViews.Cli.Logging;
using TViews.Runtime;

namespace TViews.Cli.Commands;

/// <summary>
/// <c>tviews demo</c>: a throwaway PostgreSQL, a small blog schema, three TVIEWs, and a few writes
/// whose effect on the TVIEW rows is shown as it happens. Nothing to configure; everything is removed at the end.
/// </summary>
internal static class DemoCommand
{
    private const string Schema = """
        CREATE TABLE tb_user (pk_user bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL);
        CREATE TABLE tb_post (pk_post bigserial PRIMARY KEY, fk_user bigint NOT NULL REFERENCES tb_user, title text NOT NULL,
                              published boolean NOT NULL DEFAULT true);
        CREATE INDEX ON tb_post (fk_user);
        CREATE TABLE tb_comment (pk_comment bigserial PRIMARY KEY, fk_post bigint NOT NULL REFERENCES tb_post ON DELETE CASCADE,
                                 fk_user bigint NOT NULL REFERENCES tb_user, body text NOT NULL);
        CREATE INDEX ON tb_comment (fk_post);
        CREATE INDEX ON tb_comment (fk_user);
        INSERT INTO tb_user (name, email) VALUES ('Ada', 'ada@example.com'), ('Brian', 'brian@example.com');
        INSERT INTO tb_post (fk_user, title) VALUES (1, 'Hello TViews'), (2, 'Read models in PostgreSQL');
        INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (1, 2, 'Nice!');
        """;

    private const string Definitions = """
        CREATE TABLE tv_comment AS
        SELECT c.pk_comment, c.fk_post,
               jsonb_build_object('body', c.body, 'author', u.name) AS data
        FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user;

        CREATE TABLE tv_post AS
        SELECT p.pk_post, p.fk_user,
               jsonb_build_object(
                   'title', p.title,
                   'author', u.name,
                   'comments', COALESCE((SELECT jsonb_agg(c.data ORDER BY c.pk_comment)
                                         FROM tv_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user
        WHERE p.published;

        CREATE TABLE tv_user AS
        SELECT u.pk_user,
               jsonb_build_object('name', u.name,
                   'postCount', (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user AND p.published)) AS data
        FROM tb_user u;
        """;

    private static readonly (string Title, string Sql)[] Steps =
    [
        ("A new post by Ada", "INSERT INTO tb_post (fk_user, title) VALUES (1, 'Incremental maintenance')"),
        ("Brian comments on it", "INSERT INTO tb_comment (fk_post, fk_user, body) VALUES (3, 2, 'How fast is it?')"),
        ("Brian renames himself: every post and comment showing his name follows", "UPDATE tb_user SET name = 'Brian K.' WHERE pk_user = 2"),
        ("Ada unpublishes her first post: it leaves tv_post, her postCount drops", "UPDATE tb_post SET published = false WHERE pk_post = 1"),
        ("A rolled-back write leaves the TVIEWs untouched", "BEGIN; DELETE FROM tb_post WHERE pk_post = 2; ROLLBACK"),
        ("Deleting a post cascades to its comments", "DELETE FROM tb_post WHERE pk_post = 3"),
    ];

    public static Command Create()
    {
        var c = new Command("demo", "Run TViews on a throwaway local PostgreSQL: sample schema, live TVIEWs changing as rows are written");
        c.SetAction((pr, ct) => CommandRunner.Run(() => RunAsync(ct)));
        return c;
    }

    private static async Task<int> RunAsync(CancellationToken ct)
    {
        AnsiConsole.MarkupLine("[bold]TViews demo[/]: TVIEWs are tables kept exact inside every writing transaction.");
        LocalPostgres? server = null;
        await AnsiConsole.Status().StartAsync("starting a throwaway PostgreSQL (initdb + pg_ctl)...", async _ => server = await LocalPostgres.StartAsync(cancellationToken: ct));
        await using var _ = server!;
        AnsiConsole.MarkupLine($"[grey]PostgreSQL on 127.0.0.1:{server!.Port}, data in {Markup.Escape(server.RootDirectory)}[/]");
        var cs = server.ConnectionString();
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand(Schema, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        AnsiConsole.MarkupLine("\n[bold]1. The sample schema[/]: tb_user, tb_post, tb_comment. The TVIEW definitions:");
        AnsiConsole.WriteLine(Definitions);
        var engine = new TViewsEngine(cs, logger: new ActionLogger(m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]")));
        var result = await engine.ApplyAsync(TViewDefinition.FromScript(Definitions, "demo"), ct);
        AnsiConsole.MarkupLine($"[green]created {string.Join(", ", result.Created)}[/]");
        await ShowAsync(cs, ct);
        var n = 2;
        foreach (var (title, sql) in Steps)
        {
            AnsiConsole.MarkupLine($"\n[bold]{n++}. {Markup.Escape(title)}[/]");
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(sql)};[/]");
            await using (var conn = new NpgsqlConnection(cs))
            {
                await conn.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand(sql, conn);
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await ShowAsync(cs, ct);
        }
        var diffs = await engine.VerifyAsync([], 10, ct);
        AnsiConsole.MarkupLine(diffs.Count == 0
            ? $"\n[bold green]{n}. Verified[/]: every TVIEW equals its definition evaluated from scratch."
            : $"\n[bold red]{n}. Divergence found[/]: {diffs.Count} rows (this is a bug; please report it).");
        AnsiConsole.MarkupLine("[grey]stopping and removing the throwaway PostgreSQL[/]");
        return diffs.Count == 0 ? 0 : 1;
    }

    private static async Task ShowAsync(string cs, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync(ct);
        foreach (var (table, key) in new[] { ("tv_post", "pk_post"), ("tv_user", "pk_user") })
        {
            var grid = new Table().Border(TableBorder.Rounded).Title(table).AddColumns(key, "data");
            await using var cmd = new NpgsqlCommand($"SELECT {key}, data::text FROM {table} ORDER BY 1", conn);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) grid.AddRow(r.GetInt64(0).ToString(), Markup.Escape(r.GetString(1)));
            AnsiConsole.Write(grid);
        }
    }
}
