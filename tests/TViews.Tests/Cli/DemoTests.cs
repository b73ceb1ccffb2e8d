namespace TViews.Tests.Cli;

public sealed class DemoTests
{
    [Fact]
    public async Task DemoRunsOnItsOwnThrowawayServerAndVerifies()
    {
        var r = await CliRunner.RunAsync(null, "demo");
        Assert.True(r.ExitCode == 0, r.Out + r.Err);
        Assert.Contains("created tv_comment, tv_post, tv_user", r.Out);
        Assert.Contains("\"author\": \"Brian K.\"", r.Out); // the rename reached the embedded comment
        Assert.Contains("Verified", r.Out);
    }
}
