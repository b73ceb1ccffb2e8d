namespace TViews.Tests.Infrastructure;

/// <summary>Locates the repository root (the directory holding TViews.slnx) and ../shared beside it.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string Bench(string file) => Path.Combine(Shared, "bench", file);

    private static string FindRoot()
    {
        // Recorded at build time: test output may live outside the repository (TVIEWS_ARTIFACTS).
        var recorded = typeof(RepoPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "TViews.slnx"))) return Path.GetFullPath(recorded);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TViews.slnx"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TViews.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root (TViews.slnx) not found");
    }
}
