using System.Runtime.CompilerServices;
using TViews.Cli.Bench;

namespace TViews.Tests.Bench;

/// <summary>
/// ../shared/bench beside the repository, found from this source file's compile-time path as well,
/// so it is found when the test binaries live outside the tree (TVIEWS_ARTIFACTS).
/// </summary>
internal static class BenchPaths
{
    public static string? Directory([CallerFilePath] string sourceFile = "")
    {
        var root = BenchWorkload.FindRepoRoot([AppContext.BaseDirectory, System.IO.Directory.GetCurrentDirectory(), Path.GetDirectoryName(sourceFile) ?? "/"]);
        var dir = root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "bench"));
        return dir is not null && System.IO.Directory.Exists(dir) ? dir : null;
    }
}
