using System.Text.RegularExpressions;
using TViews.Tests.Infrastructure;

namespace TViews.Tests.DotNet;

/// <summary>docs/dotnet.md shows code that runs: each block marked as from the sample is in the sample, which PackagedSampleTests builds and runs.</summary>
public sealed partial class DocsTests
{
    [GeneratedRegex(@"<!-- sample: (?<file>[^ ]+) -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex SampleBlock();

    [Fact]
    public void EveryCodeBlockTakenFromTheSampleIsInTheSample()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "dotnet.md")).ReplaceLineEndings("\n");
        var blocks = SampleBlock().Matches(doc);
        Assert.True(blocks.Count >= 3, "docs/dotnet.md should show the sample's code");
        // The ASP.NET Core snippet is the whole of samples/aspnet/Program.cs, which PackagedSampleTests builds and starts.
        Assert.Contains(blocks, b => b.Groups["file"].Value == "samples/aspnet/Program.cs" && b.Groups["code"].Value.Contains("WebApplication.CreateBuilder", StringComparison.Ordinal));
        foreach (Match b in blocks)
        {
            var source = File.ReadAllText(Path.Combine(RepoPaths.Root, b.Groups["file"].Value)).ReplaceLineEndings("\n");
            Assert.True(source.Contains(b.Groups["code"].Value, StringComparison.Ordinal), $"not in {b.Groups["file"].Value}:\n{b.Groups["code"].Value}");
        }
        var models = File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "console-di", "models", "read_models.sql")).ReplaceLineEndings("\n");
        var sql = Regex.Match(doc, @"```sql\n(?<code>CREATE TABLE tv_order.*?)```", RegexOptions.Singleline).Groups["code"].Value;
        Assert.False(string.IsNullOrEmpty(sql));
        Assert.Contains(sql, models, StringComparison.Ordinal);
    }
}
