namespace TViews.Tests.Infrastructure;

/// <summary>
/// Locates the repository root (the directory holding TViews.slnx) and the sample workloads under
/// samples/. Tests read nothing outside the repository, so a fresh clone passes on its own.
/// </summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>samples/<paramref name="name"/>: a schema, its data generator, read models and pgbench ops.</summary>
    public static string SampleDirectory(string name) => Path.Combine(Root, "samples", name);

    /// <summary>A file of a sample, e.g. <c>Sample("blog", "tviews.sql")</c>.</summary>
    public static string Sample(string name, string file) => Path.Combine(SampleDirectory(name), file);

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
