using TViews.Cli.Bench;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.Bench;

/// <summary>The benchmark's pure logic; nothing here measures or asserts on time.</summary>
public sealed class BenchLogicTests
{
    [Theory]
    [InlineData(new double[] { 3 }, 3)]
    [InlineData(new double[] { 5, 1, 3 }, 3)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5)]
    [InlineData(new double[] { 1, double.NaN, 2, 3 }, 2)]
    public void MedianOfSamples(double[] samples, double expected) => Assert.Equal(expected, Stats.Median(samples));

    [Fact]
    public void MedianOfNothingIsNull() => Assert.Null(Stats.Median([]));

    [Fact]
    public void RatioNeedsBothSidesAndAPositiveDivisor()
    {
        Assert.Equal(2.0, Stats.Ratio(4, 2));
        Assert.Null(Stats.Ratio(null, 2));
        Assert.Null(Stats.Ratio(4, null));
        Assert.Null(Stats.Ratio(4, 0));
    }

    [Fact]
    public void PairedRatioIsTheMedianOfPerRoundRatios()
    {
        // Round 2 ran on a slow machine for both: the per-round ratios stay 2, 2, 2... but one 4.
        Assert.Equal(2.0, Stats.PairedRatio([2, 20, 4, 8], [1, 10, 1, 4]));
        Assert.Null(Stats.PairedRatio(null, [1]));
        Assert.Null(Stats.PairedRatio([1], []));
    }

    [Fact]
    public void RoundsRotateTheModeOrder()
    {
        string[] modes = ["raw", "handwritten", "tviews"];
        Assert.Equal(modes, Stats.Rotation(modes, 0));
        Assert.Equal(["handwritten", "tviews", "raw"], Stats.Rotation(modes, 1));
        Assert.Equal(["tviews", "raw", "handwritten"], Stats.Rotation(modes, 2));
        Assert.Equal(modes, Stats.Rotation(modes, 3));
        // Over as many rounds as modes, every mode runs once in every position.
        for (var position = 0; position < 3; position++)
            Assert.Equal(3, Enumerable.Range(0, 3).Select(r => Stats.Rotation(modes, r)[position]).Distinct().Count());
    }

    [Fact]
    public void ParsesPgbenchSummary()
    {
        const string output = """
            pgbench (15.18 (Debian 15.18-0+deb12u1))
            transaction type: samples/blog/ops/op1_post_title.sql
            scaling factor: 1
            query mode: simple
            number of clients: 1
            number of threads: 1
            maximum number of tries: 1
            number of transactions per client: 400
            number of transactions actually processed: 400/400
            number of failed transactions: 0 (0.000%)
            latency average = 1.853 ms
            initial connection time = 3.112 ms
            tps = 539.665421 (without initial connection time)
            """;
        var r = PgbenchOutput.Parse(output);
        Assert.Equal(1.853, r.LatencyMs);
        Assert.Equal(400, r.Transactions);
        Assert.Equal(539.665421, r.Tps);
    }

    [Fact]
    public void PgbenchWithoutLatencyIsAFormatError()
    {
        var e = Assert.Throws<FormatException>(() => PgbenchOutput.Parse("pgbench: error: client 0 aborted in command 2 (SQL) of script 0"));
        Assert.Contains("aborted", e.Message);
    }

    [Fact]
    public void SelectsOpsByShortOrFullNameInWorkloadOrder()
    {
        var all = new[] { "op1_post_title", "op2_post_viewcount", "op3_comment_insert", "op10_extra" }
            .Select(n => BenchWorkload.DescribeOp($"/x/ops/{n}.sql")).ToList();
        Assert.Equal(all, BenchWorkload.SelectOps(all, null));
        Assert.Equal(["op1", "op3"], BenchWorkload.SelectOps(all, "op3, op1_post_title").Select(o => o.ShortName));
        Assert.Equal(["op2"], BenchWorkload.SelectOps(all, "OP2.sql").Select(o => o.ShortName));
        var e = Assert.Throws<ArgumentException>(() => BenchWorkload.SelectOps(all, "op9"));
        Assert.Contains("op9", e.Message);
    }

    [Fact]
    public void KnowsWhatEachOpIs()
    {
        var op2 = BenchWorkload.DescribeOp("/x/ops/op2_post_viewcount.sql");
        Assert.True(op2.ReadByNoModel);
        Assert.Equal(OpKind.SingleRow, op2.Kind);
        Assert.Equal(OpKind.Bulk, BenchWorkload.DescribeOp("/x/ops/op7_bulk_comments.sql").Kind);
        var unknown = BenchWorkload.DescribeOp("/x/ops/custom.sql");
        Assert.Equal(("custom", OpKind.Unknown, BenchWorkload.UnknownOpTransactions), (unknown.ShortName, unknown.Kind, unknown.DefaultTransactions));
    }

    [Fact]
    public void TransactionCountsFromDefaultsAndOverrides()
    {
        var op1 = BenchWorkload.DescribeOp("/x/ops/op1_post_title.sql");
        var op8 = BenchWorkload.DescribeOp("/x/ops/op8_tag_rename.sql");
        Assert.Equal(op1.DefaultTransactions, TransactionSpec.Default.For(op1));
        Assert.Equal(50, TransactionSpec.Parse("50").For(op8));
        var mixed = TransactionSpec.Parse("100, op8=5");
        Assert.Equal(100, mixed.For(op1));
        Assert.Equal(5, mixed.For(op8));
        Assert.Equal(op1.DefaultTransactions, TransactionSpec.Parse("op8_tag_rename=7").For(op1));
        Assert.Equal(7, TransactionSpec.Parse("op8_tag_rename=7").For(op8));
        Assert.Throws<ArgumentException>(() => TransactionSpec.Parse("0"));
        Assert.Throws<ArgumentException>(() => TransactionSpec.Parse("op1=x"));
    }

    [Theory]
    [InlineData(1, 100000, 10000)]
    [InlineData(0.1, 10000, 1000)]
    [InlineData(0.01, 1000, 100)]
    public void SizesFollowDataSql(double scale, long posts, long users) => Assert.Equal((posts, users), BenchOptions.Sizes(scale));

    [Theory]
    [InlineData(0)]
    [InlineData(0.00001)]
    [InlineData(0.12345)]
    public void ScalesThatGiveFractionalRowCountsAreRefused(double scale) => Assert.Throws<ArgumentException>(() => BenchOptions.Sizes(scale));

    [Fact]
    public void ModesParse()
    {
        Assert.Equal(Modes.All, Modes.Parse(null));
        Assert.Equal([Modes.Raw, Modes.TViews], Modes.Parse("tviews,raw"));
        Assert.Equal([Modes.Raw, Modes.Handwritten, Modes.TViews, Modes.TViewsDeferred], Modes.All);
        Assert.Equal([Modes.TViews, Modes.TViewsDeferred], Modes.Parse("tviews-deferred,tviews"));
        Assert.Equal([Modes.TViewsDeferred], Modes.Parse("deferred"));
        Assert.Throws<ArgumentException>(() => Modes.Parse("fast"));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("whole", true)]
    [InlineData("auto", true)]
    [InlineData("key", true)]
    [InlineData("keys", false)]
    [InlineData("AUTO", false)]
    public void LockingIsWholeAutoOrKey(string? locking, bool valid)
    {
        var options = new BenchOptions { BenchDirectory = "/bench", Locking = locking };
        if (valid) options.Validate();
        else Assert.Contains("--locking", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }

    private const string Script = """
        -- Read models; the comment has a ; in it
        CREATE TABLE tv_comment AS
        SELECT c.pk_comment, c.fk_post, jsonb_build_object('body', c.body, 'x;y', 'tv_comment') AS data
        FROM tb_comment c;

        /* block; comment */
        CREATE TABLE tv_post AS
        SELECT p.pk_post AS pk_post, u.id AS user_id,
               COALESCE((SELECT jsonb_agg(c.data ORDER BY c.pk_comment)
                         FROM tv_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb) AS comments,
               (SELECT count(*) FROM tb_post x WHERE x.fk_user = p.fk_user) AS n
        FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user;
        CREATE TABLE tv_x AS SELECT $$a;b$$ AS k, "tv_post".pk_post FROM tv_post
        """;

    [Fact]
    public void SplitsTheReadModelScript()
    {
        var defs = ReadModelScript.Parse(Script);
        Assert.Equal(["tv_comment", "tv_post", "tv_x"], defs.Select(d => d.Name));
        Assert.StartsWith("SELECT c.pk_comment", defs[0].Select);
        Assert.Contains("'x;y'", defs[0].Select);
        Assert.EndsWith("FROM tb_comment c", defs[0].Select);
        Assert.Contains("$$a;b$$", defs[2].Select);
        Assert.Equal(["pk_comment", "pk_post", "k"], defs.Select(d => d.KeyColumn));
    }

    [Fact]
    public void RejectsAScriptWithOtherStatements() =>
        Assert.Throws<FormatException>(() => ReadModelScript.Parse("CREATE TABLE tv_a AS SELECT 1 AS k; DROP TABLE x;"));

    [Fact]
    public void RenamesReadModelsToMaterializedViews()
    {
        var defs = ReadModelScript.Parse(Script);
        var names = defs.ToDictionary(d => d.Name, d => BenchRunner.MaterializedViewName(d.Name), StringComparer.OrdinalIgnoreCase);
        string? Rename(string w) => names.TryGetValue(w, out var mv) ? mv : null;
        var post = ReadModelScript.RenameIdentifiers(defs[1].Select, Rename);
        Assert.Contains("FROM mv_comment c WHERE c.fk_post = p.pk_post", post);
        Assert.DoesNotContain("tv_", post);
        // Literals and columns stay as they are.
        var comment = ReadModelScript.RenameIdentifiers(defs[0].Select, Rename);
        Assert.Contains("'tv_comment'", comment);
        Assert.Equal("SELECT t.tv_comment FROM mv_comment t", ReadModelScript.RenameIdentifiers("SELECT t.tv_comment FROM tv_comment t", Rename));
        Assert.Equal("mv_x", BenchRunner.MaterializedViewName("tv_x"));
        Assert.Equal("post_mv", BenchRunner.MaterializedViewName("post"));
    }

    [Fact]
    public void FindsTheLookupIndexesLaterDefinitionsNeed()
    {
        var defs = ReadModelScript.Parse(Script);
        Assert.Equal([new LookupIndex("tv_comment", "fk_post")], ReadModelScript.CorrelatedLookups(defs[1].Select, ["tv_comment"]));
        // Only on read models, not on source tables.
        Assert.Empty(ReadModelScript.CorrelatedLookups(defs[1].Select, ["tv_user"]));
        Assert.Equal([new LookupIndex("tv_a", "k")], ReadModelScript.CorrelatedLookups("SELECT (SELECT max(v) FROM tv_a AS a WHERE p.id = a.k) FROM t p", ["tv_a"]));
    }

    [Fact]
    public void TheSampleBlogIsABenchWorkload()
    {
        var w = BenchWorkload.Load(RepoPaths.SampleDirectory("blog"));
        Assert.Equal(["op1", "op2", "op3", "op4", "op5", "op6", "op7", "op8"], w.Ops.Select(o => o.ShortName));
        Assert.Equal(["op2_post_views"], w.Ops.Where(o => o.ReadByNoModel).Select(o => o.Name));
        Assert.Equal(["op6", "op7", "op8"], w.Ops.Where(o => o.Kind == OpKind.Bulk).Select(o => o.ShortName));
        var defs = ReadModelScript.Parse(File.ReadAllText(w.TViewsSql));
        Assert.Equal(["tv_comment", "tv_post", "tv_user", "tv_tag"], defs.Select(d => d.Name));
        Assert.Equal(["pk_comment", "pk_post", "pk_user", "pk_tag"], defs.Select(d => d.KeyColumn));
        Assert.Equal([new LookupIndex("tv_comment", "fk_post")], ReadModelScript.CorrelatedLookups(defs[1].Select, ["tv_comment"]));
    }

    [Fact]
    public void VerificationSqlComparesTheDefinitionsColumns()
    {
        var sql = ReadModelVerifier.ComparisonSql(new ReadModelDefinition("tv_a", "SELECT 1 AS k"), ["k", "data"]);
        Assert.Contains("ROW(t.\"k\", t.\"data\")::text", sql);
        Assert.Contains("FROM (SELECT 1 AS k) v", sql);
    }
}
