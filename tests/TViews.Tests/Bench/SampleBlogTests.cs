using System.Diagnostics;
using System.Globalization;
using Npgsql;
using TViews.Cli.Bench;
using TViews.Runtime;
using TViews.Tests.Infrastructure;
using TViews.Tests.Maintenance;
using Xunit.Abstractions;

namespace TViews.Tests.Bench;

/// <summary>
/// The sample blog (samples/blog) as a workload: data that is the same on every load and sized as
/// `tviews bench` assumes, a hand-written yardstick that is exact, and pgbench ops that run.
/// </summary>
public sealed class SampleBlogTests(ITestOutputHelper output)
{
    private static readonly string[] Sources = ["tb_user", "tb_post", "tb_comment", "tb_tag", "tb_post_tag"];

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task DataIsTheSameOnEveryLoadAndSizedAsTheBenchAssumes()
    {
        var first = await TestServer.CreateDatabaseAsync("blog_a");
        var second = await TestServer.CreateDatabaseAsync("blog_b");
        try
        {
            await WorkloadRunner.LoadBlogAsync(first, 0.01);
            await WorkloadRunner.LoadBlogAsync(second, 0.01);
            await using var a = new NpgsqlConnection(first);
            await using var b = new NpgsqlConnection(second);
            await a.OpenAsync();
            await b.OpenAsync();
            foreach (var table in Sources)
                Assert.Equal(await Oracle.RowsAsync(a, table), await Oracle.RowsAsync(b, table));

            // The ops draw keys from 1..posts and 1..users as BenchOptions.Sizes computes them.
            var (posts, users) = BenchOptions.Sizes(0.01);
            Assert.Equal((posts, users), (await ScalarAsync<long>(a, "SELECT max(pk_post) FROM tb_post"), await ScalarAsync<long>(a, "SELECT max(pk_user) FROM tb_user")));
            Assert.Equal(posts, await ScalarAsync<long>(a, "SELECT count(*) FROM tb_post"));
            Assert.Equal(users, await ScalarAsync<long>(a, "SELECT count(*) FROM tb_user"));
            // Drafts and published posts, tagged and untagged ones: every branch of the read models has rows.
            Assert.True(await ScalarAsync<bool>(a, "SELECT bool_or(published_at IS NULL) AND bool_or(published_at IS NOT NULL) FROM tb_post"));
            Assert.True(await ScalarAsync<bool>(a, "SELECT EXISTS (SELECT FROM tb_post p WHERE NOT EXISTS (SELECT FROM tb_post_tag t WHERE t.fk_post = p.pk_post))"));
            Assert.True(await ScalarAsync<long>(a, "SELECT count(*) FROM tb_post_tag") > posts);
            Assert.True(await ScalarAsync<long>(a, "SELECT count(*) FROM tb_comment") > 4 * posts);
            // Identity columns continue after the generated rows, so plain INSERTs work afterwards.
            await using var insert = new NpgsqlCommand("INSERT INTO tb_tag (slug, name) VALUES ('fresh', 'Fresh') RETURNING pk_tag", a);
            Assert.Equal(121L, (long)(await insert.ExecuteScalarAsync())!);
        }
        finally
        {
            await TestServer.DropDatabaseAsync(first);
            await TestServer.DropDatabaseAsync(second);
        }
    }

    [Fact]
    public async Task TheHandWrittenYardstickStaysExactUnderOpsAndTheRandomWorkload()
    {
        var db = await TestServer.CreateDatabaseAsync("blog_hw");
        try
        {
            await WorkloadRunner.LoadBlogAsync(db, 0.01);
            await Psql.FileAsync(db, RepoPaths.Sample("blog", "handwritten.sql"));
            var definitions = WorkloadRunner.Definitions(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath));
            await using var c = new NpgsqlConnection(db);
            await c.OpenAsync();
            await Oracle.AssertConsistentAsync(c, definitions, "after loading handwritten.sql");
            Assert.Equal(0L, await ScalarAsync<long>(c, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_tviews\\_%'"));

            // Every pgbench op of the sample, a few times each, as `tviews bench` runs them.
            var (posts, users) = BenchOptions.Sizes(0.01);
            foreach (var op in BenchWorkload.Load(RepoPaths.SampleDirectory("blog")).Ops)
            {
                await PgbenchAsync(db, op.Path, posts, users);
                await Oracle.AssertConsistentAsync(c, definitions, $"after {op.Name}");
            }

            var seed = TestSeed.Pick(417, 1000);
            output.WriteLine($"workload seed {seed}");
            var committed = 0;
            foreach (var tx in new BlogWorkload(seed, users: 100, posts: 1000, comments: 5000).Transactions(400))
            {
                if (await WorkloadRunner.RunAsync(c, tx) == "committed") committed++;
                if ((tx.Number + 1) % 100 == 0) await Oracle.AssertConsistentAsync(c, definitions, $"seed {seed}, after transaction {tx.Number}");
            }
            Assert.True(committed > 200, $"only {committed} transactions committed");
        }
        finally
        {
            await TestServer.DropDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task TViewsAgreeWithTheYardstickAfterTheSameOps()
    {
        var handwritten = await TestServer.CreateDatabaseAsync("blog_hw");
        string? tviews = null;
        try
        {
            await WorkloadRunner.LoadBlogAsync(handwritten, 0.01);
            tviews = await WorkloadRunner.CloneDatabaseAsync(handwritten, "blog_tv");
            await Psql.FileAsync(handwritten, RepoPaths.Sample("blog", "handwritten.sql"));
            await new TViewsEngine(tviews).ApplyAsync(TViewDefinition.FromScript(await File.ReadAllTextAsync(WorkloadRunner.BlogReadModelsPath)));
            var (posts, users) = BenchOptions.Sizes(0.01);
            foreach (var op in BenchWorkload.Load(RepoPaths.SampleDirectory("blog")).Ops)
            {
                await PgbenchAsync(handwritten, op.Path, posts, users);
                await PgbenchAsync(tviews, op.Path, posts, users);
            }
            await using var a = new NpgsqlConnection(handwritten);
            await using var b = new NpgsqlConnection(tviews);
            await a.OpenAsync();
            await b.OpenAsync();
            // Same seed, same writes: the sources and the read models hold the same rows in both.
            foreach (var table in Sources.Concat(["tv_comment", "tv_post", "tv_user", "tv_tag"]))
                Assert.Equal(await Oracle.RowsAsync(a, table), await Oracle.RowsAsync(b, table));
        }
        finally
        {
            await TestServer.DropDatabaseAsync(handwritten);
            if (tviews is not null) await TestServer.DropDatabaseAsync(tviews);
        }
    }

    /// <summary>Runs one pgbench script three times with a fixed seed, failing on any error.</summary>
    private static async Task PgbenchAsync(string connectionString, string script, long posts, long users)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var bin = Path.GetDirectoryName(Psql.Executable); // pgbench lives beside psql
        var pgbench = string.IsNullOrEmpty(bin) ? "pgbench" : Path.Combine(bin, "pgbench");
        var psi = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "-n", "-c", "1", "-t", "3", "--random-seed=7", "-D", $"posts={posts.ToString(CultureInfo.InvariantCulture)}",
                     "-D", $"users={users.ToString(CultureInfo.InvariantCulture)}", "-f", script,
                     "-h", b.Host!, "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username!, b.Database!,
                 })
            psi.ArgumentList.Add(a);
        if (b.Password is { } pw) psi.Environment["PGPASSWORD"] = pw;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var text = await stdout + await stderr;
        Assert.True(p.ExitCode == 0 && text.Contains("actually processed: 3/3", StringComparison.Ordinal),
            $"pgbench {Path.GetFileName(script)} failed ({p.ExitCode}): {text}");
    }
}
